"""The SQLite history: runs, checks, where URLs were seen, each URL's state, and snapshots.

Safety rules: the file is opened only if it is a SQLite database carrying linkkeeper's
application id (or is new and empty); a newer schema than this version knows is refused, never
migrated; every write is one ``BEGIN IMMEDIATE`` transaction under WAL with a busy timeout, so two
processes never corrupt it or lose rows; a run is marked complete only in the transaction that
records its results, so a killed run stays incomplete and changes no link's state.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from linkkeeper.config import DeadAfterSettings
from linkkeeper.errors import HistoryError
from linkkeeper.folders import make_folders
from linkkeeper.history.migrations import APPLICATION_ID, MIGRATIONS
from linkkeeper.history.verdict import SUCCESSES, Judged, judge, next_state
from linkkeeper.models import (
    CheckResult,
    Entry,
    ErrorKind,
    Kind,
    LinkState,
    NoSnapshot,
    NoSnapshotReason,
    Outcome,
    Redirect,
    RewriteRecord,
    RunSummary,
    Snapshot,
    Verdict,
)

_SQLITE_HEADER = b"SQLite format 3\x00"
_BUSY_TIMEOUT_MS = 30_000
_BATCH = 5000  # URLs per IN (...) query: fewer statements for big runs
# Last outcomes that make the next request a GET (blocked too: HEAD was refused or walled).
_FAILED = frozenset({Outcome.BROKEN, Outcome.ERROR, Outcome.BLOCKED})
# A parameter that is not exactly an int, float, str or bytes (None, a StrEnum member) sends
# sqlite3 through its adapter lookup, about 0.5 µs each: a fifth of recording a big run. Rows for
# many URLs carry plain text and numbers instead, with these two standing for NULL (the statements
# say NULLIF), and enum members become their text with one dict lookup.
_NO_TEXT = ""
_NO_NUMBER = -1
_LIVE_VERDICTS = frozenset({Verdict.ALIVE, Verdict.REDIRECTED})
_TEXT_OF: dict[str, str] = {member: member.value for enum in (Outcome, ErrorKind, Kind) for member in enum}


def to_epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@functools.lru_cache(maxsize=4096)
def to_iso(epoch: int | None) -> str | None:
    """Cached: a run stamps thousands of states with the same few moments."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One row of a URL's history."""

    run_id: int
    checked_at: str
    outcome: Outcome
    status: int | None
    error_kind: str | None
    error: str
    from_cache: bool


@dataclass(frozen=True, slots=True)
class Seen:
    path: str
    line: int
    column: int
    kind: str


@dataclass(frozen=True, slots=True)
class SaveRecord:
    """A Save Page Now job: pending (with its id), success (with the capture) or error."""

    url: str
    job_id: str | None
    submitted_at: str
    status: str
    timestamp: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PageRecord:
    """What the history keeps of a page: its fingerprint when first seen alive (JSON text), and
    its drift from that, if it drifted: the similarity, and since when."""

    fingerprint: str
    drift: float | None = None
    drifted_since: str | None = None
    drift_title: str | None = None  # the drifted page's title when it was last read


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    started_at: str
    finished_at: str | None
    inputs: tuple[str, ...]
    completed: bool
    network_down: bool


class History:
    """One open history database. Use as a context manager, or call ``close``."""

    def __init__(self, connection: sqlite3.Connection | str | os.PathLike[str], path: str = "") -> None:
        """``History("path/history.sqlite")`` opens (creating or migrating) the history there, as
        ``History.open`` does; ``History(connection, path)`` wraps a connection already open."""
        if not isinstance(connection, sqlite3.Connection):
            opened = History.open(Path(connection))
            connection, path = opened._db, opened.path
        self._db: sqlite3.Connection = connection
        self.path: str = path
        # SQLite before 3.32 binds at most 999 variables in one statement.
        self._batch = min(_BATCH, connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 1)

    # -- opening -----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> History:
        """Open (creating or migrating as needed) the history at ``path``; refuse anything unsafe.

        ``read_only`` opens an existing history for reading only: nothing is created, migrated or
        written, so it works on a file or folder nobody may write (a CI cache, a read-only mount);
        a history that needs migrating is refused with a message saying so."""
        label = str(path)
        if os.path.exists(path):  # os.path: a name too long for the file system is not there
            _refuse_if_not_sqlite(path)
        elif read_only:
            raise HistoryError(label, "does not exist")
        else:
            try:
                make_folders(path.parent)
            except OSError as exc:
                raise HistoryError(label, f"cannot create its folder: {exc.strerror or exc}") from exc
        connection = _connect(path, read_only=read_only)
        history = cls(connection, label)
        try:
            history._prepare(read_only=read_only)
        except BaseException:
            connection.close()
            raise
        return history

    def _prepare(self, *, read_only: bool = False) -> None:
        with self._errors():
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            application_id = self._db.execute("PRAGMA application_id").fetchone()[0]
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if application_id != APPLICATION_ID and (application_id != 0 or tables):
                raise HistoryError(self.path, "is a SQLite database, but not a linkkeeper history; left untouched")
            if version > len(MIGRATIONS):
                raise HistoryError(
                    self.path,
                    f"was written by a newer linkkeeper (schema {version}; this version knows {len(MIGRATIONS)}); "
                    "upgrade linkkeeper or use another history file (history.db)",
                )
            if tables and not read_only:
                # Before the first write: a damaged interior page is otherwise found only when a
                # later query happens to read it, after this run has written on top of it.
                problem = self._db.execute("PRAGMA quick_check(1)").fetchone()[0]
                if problem != "ok":
                    raise HistoryError(self.path, f"is corrupt ({problem}); left untouched, move it aside")
            self._db.execute("PRAGMA cache_size = -16384")  # 16 MiB: a 100,000-URL run touches much of the tree
            if read_only:
                if version < len(MIGRATIONS):
                    raise HistoryError(
                        self.path,
                        f"uses schema {version}, older than this linkkeeper's {len(MIGRATIONS)}, and this command "
                        "only reads; `linkkeeper check` upgrades it",
                    )
                return
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            with self._write():
                current = self._db.execute("PRAGMA user_version").fetchone()[0]
                for index in range(current, len(MIGRATIONS)):
                    MIGRATIONS[index](self._db)
                self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self._db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors, said in words that name the file (a corrupt file is never rewritten)."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            message = str(exc)
            if "malformed" in message or "not a database" in message:
                raise HistoryError(self.path, f"is corrupt ({message}); left untouched, move it aside") from exc
            if "locked" in message or "busy" in message:
                raise HistoryError(self.path, f"is busy: another linkkeeper held it too long ({message})") from exc
            if "readonly" in message:
                raise HistoryError(self.path, "is read-only, and this command records in it") from exc
            raise HistoryError(self.path, f"SQLite error: {message}") from exc

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One immediate transaction: writers queue on the busy timeout instead of failing."""
        with self._errors():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- runs ------------------------------------------------------------------------------------

    def start_run(self, started_at: datetime, inputs: Sequence[str], settings_digest: str) -> int:
        """Record that a run began; it stays incomplete unless ``finish_run`` commits."""
        with self._write():
            cursor = self._db.execute(
                "INSERT INTO runs (started_at, inputs, settings_digest) VALUES (?, ?, ?)",
                (to_epoch(started_at), json.dumps(list(inputs)), settings_digest),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def fresh_results(self, urls: Iterable[str], not_before: datetime) -> dict[str, CheckResult]:
        """The last answer of every URL found alive (or redirected) at or after ``not_before``."""
        return self.last_answers(urls, not_before)[0]

    def last_answers(
        self, urls: Iterable[str], fresh_after: datetime | None
    ) -> tuple[dict[str, CheckResult], set[str]]:
        """In one pass over ``urls``, what a run needs before it checks: the last answer of each URL
        found alive (or redirected) at or after ``fresh_after`` (the cache; none when it is None), and
        the URLs whose last judged answer was a failure (broken, error or blocked)."""
        wanted = list(dict.fromkeys(urls))
        cutoff = math.inf if fresh_after is None else to_epoch(fresh_after)
        fresh: dict[str, CheckResult] = {}
        failed: set[str] = set()
        with self._errors():
            for batch in _batches(wanted, self._batch):
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"""SELECT url, last_outcome, last_status, last_final_url, last_redirects, last_checked FROM urls
                        WHERE url IN ({marks}) AND last_outcome IS NOT NULL""",
                    batch,
                ).fetchall()
                for url, outcome, status, final_url, redirects, checked_at in rows:
                    if outcome in _FAILED:
                        failed.add(url)
                    elif outcome in SUCCESSES and (checked_at or 0) >= cutoff:
                        fresh[url] = CheckResult(
                            url=url,
                            outcome=Outcome(outcome),
                            status_code=status,
                            final_url=final_url,
                            redirects=_decode_redirects(redirects),
                            checked_at=to_iso(checked_at) or "",
                            from_cache=True,
                        )
        return fresh, failed

    def finish_run(
        self,
        run_id: int,
        finished_at: datetime,
        entries: Sequence[Entry],
        *,
        network_down: bool,
        policy: DeadAfterSettings,
        at: datetime,
        drifted: Mapping[str, str | None] | None = None,
    ) -> dict[str, Judged]:
        """Record every entry's result and occurrences, advance each link's state (not when the
        network was down), judge it, and mark the run complete with its verdict counts — all in one
        transaction. Returns each URL's state and verdict; a live page in ``drifted`` (URL -> since
        when) is judged drifted.

        A state moves only forward in check time, a check's time being its run's start (``at``):
        when runs overlap, an answer from a run that started before the one that last moved the
        state (the later run id wins a tie within a second) is recorded as a check but does not
        move the state back, whichever run commits last."""
        drifted = drifted or {}
        moment = to_epoch(at)
        iso = to_iso(moment) or ""
        judged: dict[str, Judged] = {}
        with self._write():
            verdicts: Counter[str] = Counter()
            counts: Counter[str] = Counter()
            # Written a batch at a time: a run of 200,000 links never holds all its rows at once.
            for batch in _batches(entries, _ROWS_PER_BATCH):
                known = self._known([entry.target.url for entry in batch], moment)
                check_rows: list[tuple[object, ...]] = []
                state_rows: list[tuple[object, ...]] = []
                occurrence_rows: list[tuple[object, ...]] = []
                # This loop runs once per URL, 100,000 times in a big run: the rows are built inline (no
                # helper call per row, a redirect chain encoded once), of plain values (see _NO_TEXT).
                for entry in batch:
                    url = entry.target.url
                    url_id, state, moved_by = known[url]
                    result = entry.result
                    outcome = _TEXT_OF[result.outcome]
                    status = _NO_NUMBER if result.status_code is None else result.status_code
                    final_url = result.final_url or _NO_TEXT
                    redirects = _encode_redirects(result.redirects) if result.redirects else _NO_TEXT
                    # A run whose network was down judges no web link; local files were checked on disk.
                    # A link not asked (--offline) keeps its last answer, which the cache may reuse.
                    asked = not result.from_cache and result.error_kind not in _NOT_ASKED
                    # A later-started run moved the state already: this older answer is judged by
                    # that state, not added on top of it (see the docstring).
                    if asked and not (network_down and _is_web(url)) and moved_by <= (moment, run_id):
                        state = next_state(state, result.outcome, iso, policy)
                        state_rows.append(
                            (
                                _stored_epoch(state.last_alive),
                                _stored_epoch(state.first_failed),
                                state.consecutive_failures,
                                state.failing_days,
                                state.last_failure_day or _NO_TEXT,
                                moment,
                                outcome,
                                status,
                                final_url,
                                redirects,
                                run_id,
                                url_id,
                                moment,
                                run_id,
                            )
                        )
                    verdict, since = judge(result.outcome, state, policy)
                    if verdict in _LIVE_VERDICTS and url in drifted:
                        verdict, since = Verdict.DRIFTED, drifted[url]
                    judged[url] = Judged(state, verdict, since)
                    verdicts[verdict.value] += 1
                    if result.error_kind not in _NOT_ASKED:  # offline, or a pull request's unchanged line: not checked
                        check_rows.append(
                            (
                                run_id,
                                url_id,
                                moment,
                                outcome,
                                status,
                                final_url,
                                _NO_TEXT if result.error_kind is None else _TEXT_OF[result.error_kind],
                                result.error or _NO_TEXT,
                                result.attempts,
                                round(result.elapsed * 1000),
                                int(result.from_cache),
                                redirects,
                            )
                        )
                    for occ in entry.target.occurrences:
                        kind = _TEXT_OF[occ.kind]
                        occurrence_rows.append((url_id, occ.path, occ.line, occ.column, kind, run_id, run_id))
                self._db.executemany(_UPDATE_STATE, state_rows)
                self._db.executemany(_INSERT_CHECK, check_rows)
                self._db.executemany(_UPSERT_OCCURRENCE, occurrence_rows)
                counts.update(str(row[3]) for row in check_rows)  # the outcome's text
            self._db.execute(
                """UPDATE runs SET finished_at = ?, completed = 1, network_down = ?, outcome_counts = ?,
                   verdict_counts = ? WHERE id = ?""",
                (
                    to_epoch(finished_at),
                    int(network_down),
                    json.dumps(counts, sort_keys=True),
                    json.dumps(verdicts, sort_keys=True),
                    run_id,
                ),
            )
        return judged

    def _known(self, urls: Sequence[str], moment: int) -> dict[str, tuple[int, LinkState, tuple[int, int]]]:
        """Each URL's id and state; URLs never seen before are added first."""
        found = self._states_of(urls)
        missing = [url for url in urls if url not in found]
        if missing:
            self._db.executemany(
                "INSERT INTO urls (url, first_seen) VALUES (?, ?) ON CONFLICT (url) DO NOTHING",
                ((url, moment) for url in missing),
            )
            found.update(self._states_of(missing))
        return found

    def _states_of(self, urls: Sequence[str]) -> dict[str, tuple[int, LinkState, tuple[int, int]]]:
        """Each URL's id, state, and (check time, run) of the answer that last moved the state."""
        found: dict[str, tuple[int, LinkState, tuple[int, int]]] = {}
        states: dict[tuple[object, ...], LinkState] = {}
        for batch in _batches(list(urls), self._batch):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"""SELECT url, id, first_seen, last_alive, first_failed, consecutive_failures, failing_days,
                    last_failure_day, COALESCE(last_checked, -1), COALESCE(state_run, -1) FROM urls
                    WHERE url IN ({marks})""",
                batch,
            )
            for url, url_id, first_seen, last_alive, first_failed, failures, days, last_day, checked, run in rows:
                # States are frozen and most links share one (new this run, or alive since then):
                # one object for equal states, not 200,000.
                key = (first_seen, last_alive, first_failed, failures, days, last_day)
                state = states.get(key)
                if state is None:
                    state = states[key] = LinkState(
                        first_seen=to_iso(first_seen),
                        last_alive=to_iso(last_alive),
                        first_failed=to_iso(first_failed),
                        consecutive_failures=failures,
                        failing_days=days,
                        last_failure_day=last_day,
                    )
                found[url] = (url_id, state, (checked, run))
        return found

    # -- reading -----------------------------------------------------------------------------------

    def state(self, url: str) -> LinkState | None:
        with self._errors():
            found = self._states_of([url]).get(url)
        return None if found is None else found[1]

    def checks(self, url: str) -> list[CheckRecord]:
        """The URL's checks, oldest first."""
        with self._errors():
            rows = self._db.execute(
                # Checks are keyed by (run, URL) so that recording a run appends; one URL's are found
                # by one key lookup per run (CROSS JOIN fixes that order), not by reading them all.
                """SELECT c.run_id, c.checked_at, c.outcome, c.status, c.error_kind, c.error, c.from_cache
                   FROM urls u CROSS JOIN runs r CROSS JOIN checks c ON c.run_id = r.id AND c.url_id = u.id
                   WHERE u.url = ? ORDER BY c.checked_at, c.run_id""",
                (url,),
            ).fetchall()
        return [
            CheckRecord(run, to_iso(at) or "", Outcome(outcome), status, kind, error or "", bool(cached))
            for run, at, outcome, status, kind, error, cached in rows
        ]

    def seen_at(self, url: str) -> list[Seen]:
        """Where the URL was written in the latest run that saw it."""
        with self._errors():
            rows = self._db.execute(
                """SELECT o.path, o.line, o.col, o.kind FROM occurrences o JOIN urls u ON u.id = o.url_id
                   WHERE u.url = ? AND o.last_run = (SELECT max(last_run) FROM occurrences WHERE url_id = u.id)
                   ORDER BY o.path, o.line, o.col""",
                (url,),
            ).fetchall()
        return [Seen(*row) for row in rows]

    def failing(self) -> list[tuple[str, LinkState]]:
        """Links failing now (their last judged answer was a failure), longest-failing first."""
        with self._errors():
            rows = self._db.execute(
                """SELECT url, first_seen, last_alive, first_failed, consecutive_failures, failing_days,
                   last_failure_day FROM urls WHERE consecutive_failures > 0 ORDER BY first_failed, url"""
            ).fetchall()
        return [
            (url, LinkState(to_iso(seen), to_iso(alive), to_iso(failed), failures, days, last_day))
            for url, seen, alive, failed, failures, days, last_day in rows
        ]

    def runs(self, limit: int = 50) -> list[RunRecord]:
        with self._errors():
            rows = self._db.execute(
                """SELECT id, started_at, finished_at, inputs, completed, network_down FROM runs
                   ORDER BY id DESC LIMIT ?""",
                (limit,),
            ).fetchall()
        return [
            RunRecord(run, to_iso(start) or "", to_iso(end), tuple(json.loads(inputs)), bool(done), bool(down))
            for run, start, end, inputs, done, down in rows
        ]

    def latest_run(self) -> int | None:
        with self._errors():
            row = self._db.execute("SELECT max(id) FROM runs WHERE completed = 1").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def run_record(self, run_id: int) -> RunRecord | None:
        with self._errors():
            row = self._db.execute(
                "SELECT id, started_at, finished_at, inputs, completed, network_down FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
        if row is None:
            return None
        run, start, end, inputs, done, down = row
        return RunRecord(run, to_iso(start) or "", to_iso(end), tuple(json.loads(inputs)), bool(done), bool(down))

    def run_checks(self, run_id: int) -> list[tuple[str, CheckResult, list[Seen]]]:
        """Every URL's answer in one run, with where it was written then."""
        with self._errors():
            rows = self._db.execute(
                """SELECT u.id, u.url, c.outcome, c.status, c.final_url, c.error_kind, c.error, c.attempts,
                   c.elapsed_ms, c.from_cache, c.checked_at, c.redirects FROM checks c JOIN urls u ON u.id = c.url_id
                   WHERE c.run_id = ? ORDER BY u.id""",
                (run_id,),
            ).fetchall()
            places: dict[int, list[Seen]] = defaultdict(list)
            for url_id, path, line, col, kind in self._db.execute(
                """SELECT o.url_id, o.path, o.line, o.col, o.kind FROM occurrences o
                   JOIN checks c ON c.url_id = o.url_id AND c.run_id = ?
                   WHERE o.first_run <= ? AND o.last_run >= ? ORDER BY o.path, o.line, o.col""",
                (run_id, run_id, run_id),
            ):
                places[url_id].append(Seen(path, line, col, kind))
        found = []
        for url_id, url, outcome, status, final_url, kind, error, attempts, elapsed, cached, at, redirects in rows:
            result = CheckResult(
                url=url,
                outcome=Outcome(outcome),
                status_code=status,
                final_url=final_url,
                redirects=_decode_redirects(redirects),
                error_kind=ErrorKind(kind) if kind else None,
                error=error or "",
                attempts=attempts,
                elapsed=elapsed / 1000,
                checked_at=to_iso(at) or "",
                from_cache=bool(cached),
            )
            found.append((url, result, places[url_id]))
        return found

    def run_summaries(self, limit: int) -> list[RunSummary]:
        """Verdict counts of the last ``limit`` completed runs, oldest first (for charts). Runs
        recorded before verdicts were counted have them estimated from their outcomes (a failure
        counts as failing: whether it was dead then is not known)."""
        with self._errors():
            runs = self._db.execute(
                """SELECT id, started_at, verdict_counts, outcome_counts FROM runs WHERE completed = 1
                   ORDER BY id DESC LIMIT ?""",
                (limit,),
            ).fetchall()
            summaries = []
            for run_id, started, verdicts, outcomes in reversed(runs):
                if verdicts is not None:
                    counts = json.loads(verdicts)
                else:
                    if outcomes is not None:
                        by_outcome = json.loads(outcomes)
                    else:  # recorded before schema 5 kept the counts
                        by_outcome = dict(
                            self._db.execute(
                                "SELECT outcome, count(*) FROM checks WHERE run_id = ? GROUP BY outcome", (run_id,)
                            ).fetchall()
                        )
                    counts = _verdicts_from_outcomes(by_outcome)
                summaries.append(RunSummary(run_id, to_iso(started) or "", counts))
        return summaries

    def moved_to(self, url: str) -> str | None:
        """Where a link last found redirected has moved: the end of its leading permanent hops
        (a temporary hop after them is not part of the move), or None."""
        with self._errors():
            row = self._db.execute(
                "SELECT last_outcome, last_final_url, last_redirects FROM urls WHERE url = ?", (url,)
            ).fetchone()
        if row is None or row[0] != Outcome.REDIRECTED.value or not row[1]:
            return None
        hops = _decode_redirects(row[2])
        for index, hop in enumerate(hops):
            if hop.status not in (301, 308):
                return hop.url if index else None
        return str(row[1])

    def last_answer(self, url: str) -> tuple[str | None, str | None]:
        """The last judged outcome of ``url`` and the final URL it led to."""
        with self._errors():
            row = self._db.execute("SELECT last_outcome, last_final_url FROM urls WHERE url = ?", (url,)).fetchone()
        return (None, None) if row is None else (row[0], row[1])

    def record_rewrites(self, rows: Sequence[RewriteRecord], at: datetime) -> None:
        """Every rewrite ``fix`` wrote."""
        with self._write():
            self._db.executemany(
                "INSERT INTO rewrites (at, path, line, col, url, new_url, style, reason) VALUES (?,?,?,?,?,?,?,?)",
                [(to_epoch(at), *row) for row in rows],
            )

    def rewrites(self) -> list[RewriteRecord]:
        with self._errors():
            return [
                RewriteRecord(*row)
                for row in self._db.execute(
                    "SELECT path, line, col, url, new_url, style, reason FROM rewrites ORDER BY id"
                )
            ]

    # -- snapshots and saves --------------------------------------------------------------------------

    def _ensure_url(self, url: str, moment: int) -> int:
        self._db.execute("INSERT INTO urls (url, first_seen) VALUES (?, ?) ON CONFLICT (url) DO NOTHING", (url, moment))
        return int(self._db.execute("SELECT id FROM urls WHERE url = ?", (url,)).fetchone()[0])

    def _row_for(self, table: str, columns: str, url: str) -> tuple[Any, ...] | None:
        """One URL's row of a per-URL table (snapshots, saves), joined through ``urls``."""
        with self._errors():
            row = self._db.execute(
                f"SELECT {columns} FROM {table} t JOIN urls u ON u.id = t.url_id WHERE u.url = ?", (url,)
            ).fetchone()
        return None if row is None else tuple(row)

    def snapshot(self, url: str) -> Snapshot | NoSnapshot | None:
        """What an earlier lookup found for ``url`` (None when never looked up)."""
        row = self._row_for("snapshots", "t.timestamp, t.archive_url, t.captured_status, t.reason", url)
        if row is None:
            return None
        timestamp, archive_url, status, reason = row
        if archive_url:
            return Snapshot(url, timestamp, archive_url, status)
        name, _, detail = (reason or "").partition(": ")
        return NoSnapshot(url, NoSnapshotReason(name), detail)

    def put_snapshot(self, found: Snapshot | NoSnapshot, reference: datetime, at: datetime) -> None:
        with self._write():
            url_id = self._ensure_url(found.url, to_epoch(at))
            if isinstance(found, Snapshot):
                values: tuple[object, ...] = (found.timestamp, found.archive_url, found.captured_status, None)
            else:
                values = (None, None, None, f"{found.reason.value}: {found.detail}")
            self._db.execute(
                """INSERT OR REPLACE INTO snapshots (url_id, looked_up_at, reference_date, timestamp, archive_url,
                   captured_status, reason) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (url_id, to_epoch(at), to_epoch(reference), *values),
            )

    # -- what pages looked like (reference rot) ------------------------------------------------------

    def page_records(self, urls: Iterable[str]) -> dict[str, PageRecord]:
        """For each URL that has one: its page's fingerprint when first seen alive (JSON text), and
        whether it has drifted from that (the similarity, and since when)."""
        found: dict[str, PageRecord] = {}
        with self._errors():
            for batch in _batches(list(dict.fromkeys(urls)), self._batch):
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"""SELECT url, fingerprint, drift, drifted_since, drift_title FROM urls
                        WHERE url IN ({marks}) AND fingerprint IS NOT NULL""",
                    batch,
                )
                for url, fingerprint, drift, since, title in rows:
                    found[url] = PageRecord(fingerprint, drift, to_iso(since), title)
        return found

    def record_pages(
        self, first_seen: Mapping[str, str], drift: Mapping[str, tuple[float, str] | None], at: datetime
    ) -> None:
        """Keep the fingerprint of pages seen alive for the first time (``first_seen``: URL ->
        JSON), and mark each page compared this run as drifted (with the similarity and today's
        title, since the first run that saw it so) or not (``drift``: URL -> None)."""
        moment = to_epoch(at)
        with self._write():
            self._known(list(first_seen), moment)
            self._db.executemany(
                "UPDATE urls SET fingerprint = ? WHERE url = ? AND fingerprint IS NULL",
                ((fingerprint, url) for url, fingerprint in first_seen.items()),
            )
            self._db.executemany(
                """UPDATE urls SET drift = ?, drift_title = ?, drifted_since = CASE WHEN ? IS NULL THEN NULL
                   ELSE COALESCE(drifted_since, ?) END WHERE url = ?""",
                (
                    (None, None, None, moment, url) if found is None else (found[0], found[1], found[0], moment, url)
                    for url, found in drift.items()
                ),
            )

    def last_error_kind(self, url: str) -> str | None:
        """Why the URL's last check failed, in a word (``parked``, ``soft-404``…), or None."""
        with self._errors():
            row = self._db.execute(
                """SELECT c.error_kind FROM urls u JOIN checks c ON c.url_id = u.id WHERE u.url = ?
                   ORDER BY c.run_id DESC LIMIT 1""",
                (url,),
            ).fetchone()
        return None if row is None else row[0]

    def fresh_probes(self, fresh_after: datetime) -> dict[tuple[str, str], str]:
        """Random-sibling probes made at or after ``fresh_after``: (host, folder) -> the answer (JSON)."""
        with self._errors():
            rows = self._db.execute(
                "SELECT host, folder, answer FROM probes WHERE checked_at >= ?", (to_epoch(fresh_after),)
            ).fetchall()
        return {(host, folder): answer for host, folder, answer in rows}

    def put_probes(self, probes: Mapping[tuple[str, str], str], at: datetime) -> None:
        with self._write():
            self._db.executemany(
                "INSERT OR REPLACE INTO probes (host, folder, checked_at, answer) VALUES (?, ?, ?, ?)",
                ((host, folder, to_epoch(at), answer) for (host, folder), answer in probes.items()),
            )

    def save_job(self, url: str) -> SaveRecord | None:
        row = self._row_for("saves", "t.job_id, t.submitted_at, t.status, t.timestamp, t.detail", url)
        if row is None:
            return None
        job_id, submitted, status, timestamp, detail = row
        return SaveRecord(url, job_id, to_iso(submitted) or "", status, timestamp, detail or "")

    def put_save_job(self, record: SaveRecord) -> None:
        with self._write():
            submitted = _epoch_of(record.submitted_at) or 0
            url_id = self._ensure_url(record.url, submitted)
            self._db.execute(
                """INSERT OR REPLACE INTO saves (url_id, job_id, submitted_at, status, timestamp, detail)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (url_id, record.job_id, submitted, record.status, record.timestamp, record.detail),
            )

    # -- pruning -----------------------------------------------------------------------------------

    def prune(self, before: datetime) -> dict[str, int]:
        """Delete runs (with their checks) started at or before ``before``, and occurrences last seen in
        them. Each URL's state lives on its own row, so it stays right."""
        cutoff = to_epoch(before)
        with self._write():
            old_runs = [row[0] for row in self._db.execute("SELECT id FROM runs WHERE started_at <= ?", (cutoff,))]
            removed_checks = 0
            for batch in _batches(old_runs, self._batch):
                marks = ",".join("?" * len(batch))
                removed_checks += self._db.execute(f"DELETE FROM checks WHERE run_id IN ({marks})", batch).rowcount
            newest_old = max(old_runs, default=0)
            removed_occurrences = self._db.execute(
                "DELETE FROM occurrences WHERE last_run <= ?", (newest_old,)
            ).rowcount
            removed_runs = self._db.execute("DELETE FROM runs WHERE started_at <= ?", (cutoff,)).rowcount
            removed_urls = self._db.execute(
                """DELETE FROM urls WHERE last_checked <= ? AND consecutive_failures = 0
                   AND id NOT IN (SELECT url_id FROM checks) AND id NOT IN (SELECT url_id FROM occurrences)
                   AND id NOT IN (SELECT url_id FROM snapshots)""",
                (cutoff,),
            ).rowcount
        return {
            "runs": removed_runs,
            "checks": removed_checks,
            "occurrences": removed_occurrences,
            "urls": removed_urls,
        }

    def integrity(self) -> str:
        with self._errors():
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


def _is_web(url: str) -> bool:
    return url.partition(":")[0].lower() in ("http", "https", "ftp")


def _encode_redirects(redirects: Sequence[Redirect]) -> str:
    """How a redirect chain is stored: ``[[url, status], …]`` (a check without one stores NULL)."""
    return json.dumps([[hop.url, hop.status] for hop in redirects])


def _decode_redirects(stored: str | None) -> tuple[Redirect, ...]:
    return tuple(Redirect(url, status) for url, status in json.loads(stored)) if stored else ()


def _stored_epoch(iso: str | None) -> int:
    """The epoch of an ISO time, or ``_NO_NUMBER`` for none (a row column that becomes NULL)."""
    epoch = _epoch_of(iso)
    return _NO_NUMBER if epoch is None else epoch


@functools.lru_cache(maxsize=4096)
def _epoch_of(iso: str | None) -> int | None:
    return None if iso is None else to_epoch(datetime.fromisoformat(iso))


def _batches(items: Sequence[_T], size: int) -> Iterator[list[_T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """A connection to ``path``. Read-only, SQLite is asked for ``mode=ro`` first (it sees other
    writers' commits), then, where even that needs a write (the WAL index of a file in a folder
    nobody may write), for ``immutable=1``: the file is read as it is, no lock taken."""
    timeout = _BUSY_TIMEOUT_MS / 1000
    try:
        if not read_only:
            return sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
        uri = path.resolve().as_uri()
        connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            connection.close()
            if "locked" in str(exc) or "busy" in str(exc):  # a writer is at work: never read past its lock
                raise
            connection = sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=timeout, isolation_level=None)
        return connection
    except sqlite3.Error as exc:
        raise HistoryError(str(path), f"cannot be opened: {exc}") from exc


def _refuse_if_not_sqlite(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise HistoryError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    if header and header != _SQLITE_HEADER:
        raise HistoryError(str(path), "is not a SQLite database (not a linkkeeper history); left untouched")


_ROWS_PER_BATCH = 5_000
_UPDATE_STATE = """UPDATE urls SET last_alive = NULLIF(?, -1), first_failed = NULLIF(?, -1), consecutive_failures = ?,
failing_days = ?, last_failure_day = NULLIF(?, ''), last_checked = ?, last_outcome = ?,
last_status = NULLIF(?, -1), last_final_url = NULLIF(?, ''), last_redirects = NULLIF(?, ''),
state_run = ?
WHERE id = ? AND (COALESCE(last_checked, -1), COALESCE(state_run, -1)) <= (?, ?)"""
_INSERT_CHECK = """INSERT OR REPLACE INTO checks (run_id, url_id, checked_at, outcome, status, final_url,
error_kind, error, attempts, elapsed_ms, from_cache, redirects)
VALUES (?, ?, ?, ?, NULLIF(?, -1), NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?,
NULLIF(?, ''))"""
_UPSERT_OCCURRENCE = """INSERT INTO occurrences (url_id, path, line, col, kind, first_run, last_run)
VALUES (?,?,?,?,?,?,?)
ON CONFLICT (url_id, path, line, col) DO UPDATE SET last_run = excluded.last_run,
kind = excluded.kind"""
_T = TypeVar("_T")
_NOT_ASKED = frozenset({ErrorKind.OFFLINE, ErrorKind.UNCHANGED})  # kept its last answer, which the cache may reuse
_ESTIMATED_VERDICT = {"broken": "failing", "error": "failing", "broken-fragment": "failing"}


def _verdicts_from_outcomes(outcomes: dict[str, int]) -> dict[str, int]:
    """A run's verdict counts as well as its outcome counts tell them: failures are failing."""
    estimated: Counter[str] = Counter()
    for outcome, count in outcomes.items():
        estimated[_ESTIMATED_VERDICT.get(outcome, outcome)] += count
    return dict(estimated)

"""The history survives what real machines do: two writers, a killed run, and files that are not
ours, damaged or too new — each refused with a clear error and never overwritten."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from linkkeeper.cli import main
from linkkeeper.config import DeadAfterSettings
from linkkeeper.errors import HistoryError
from linkkeeper.history import History
from linkkeeper.history.migrations import APPLICATION_ID, MIGRATIONS
from linkkeeper.models import Checkable, CheckResult, Entry, Kind, Occurrence, Outcome, Syntax, Target
from tests.conftest import HEAD_FIRST, fast_config
from tests.fakeweb import FakeWeb
from tests.loopback import Asked, Loopback, Reply

REPO = Path(__file__).resolve().parent.parent.parent

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta
    from linkkeeper.config import DeadAfterSettings
    from linkkeeper.history import History
    from linkkeeper.models import CheckResult, Checkable, Entry, Kind, Occurrence, Outcome, Syntax, Target

    path, name, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    def entry(i):
        url = f"https://{name}.example/{i % 50}"
        occ = Occurrence(f"{name}.md", i + 1, 1, 0, len(url), Kind.INLINE, Syntax.RAW, url, url, "", Checkable.YES, "")
        return Entry(Target(url, (occ,)), CheckResult(url, Outcome.BROKEN if i % 3 else Outcome.ALIVE))
    entries = [entry(i) for i in range(50)]
    with History.open(__import__("pathlib").Path(path)) as history:
        for n in range(runs):
            when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n)
            run = history.start_run(when, [name], "digest")
            history.finish_run(run, when, entries, network_down=False, policy=DeadAfterSettings(), at=when)
    """
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    """Two linkkeeper processes recording runs into one database at once: every row kept, no corruption."""
    database = tmp_path / "history.sqlite"
    History.open(database).close()
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(database), name, "15"], cwd=REPO)
        for name in ("alpha", "beta")
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    with History.open(database) as history:
        assert history.integrity() == "ok"
        runs = history.runs(limit=100)
        assert len(runs) == 30 and all(run.completed for run in runs)
        assert len(history.checks("https://alpha.example/1")) == 15
        assert len(history.checks("https://beta.example/1")) == 15


def test_run_killed_mid_way_stays_incomplete_and_consistent(tmp_path: Path, fakeweb: FakeWeb) -> None:
    """``linkkeeper check`` killed with SIGKILL during a run leaves a consistent database, that run incomplete."""
    page = tmp_path / "page.md"
    page.write_text(f"<{fakeweb.url(0, '/hang')}> <{fakeweb.url(1, '/ok')}>\n")
    database = tmp_path / "history.sqlite"
    resolve = [arg for entry in fakeweb.resolve_entries() for arg in ("--resolve", entry)]
    command = [
        sys.executable, "-m", "linkkeeper", "check", "--no-progress", "--db", str(database),
        "--timeout", "60", "--retries", "0", *resolve, str(page),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert fakeweb.wait_for_request("/hang", timeout=60)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    with History.open(database) as history:
        assert history.integrity() == "ok"
        (run,) = history.runs()
        assert not run.completed
        assert history.checks(fakeweb.url(1, "/ok")) == []


def _plain_text(database: Path) -> None:
    database.write_text("these are my notes, not a database\n")


def _foreign(database: Path) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.execute("INSERT INTO notes VALUES ('precious')")
    connection.close()


def _newer(database: Path) -> None:
    History.open(database).close()
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA user_version = 99")
    connection.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_plain_text, "not a SQLite database"),
        (_foreign, "not a linkkeeper history"),
        (_newer, "newer linkkeeper"),
    ],
)
def test_files_that_are_not_ours_are_refused_and_untouched(tmp_path: Path, make: Any, message: str) -> None:
    """A non-SQLite file, another program's database or a newer schema is refused, byte for byte untouched."""
    database = tmp_path / "history.sqlite"
    make(database)
    before = digest(database)
    with pytest.raises(HistoryError, match=message):
        History.open(database)
    assert digest(database) == before


def test_corrupt_database_gets_a_clear_error_and_exit_4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged history: ``linkkeeper check`` exits 4 naming the file, and the file is unchanged."""
    database = tmp_path / "history.sqlite"
    History.open(database).close()
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")
    connection.close()
    data = bytearray(database.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)
    database.write_bytes(bytes(data))
    before = digest(database)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("no links\n")
    result = CliRunner().invoke(main, ["check", "--no-progress", "--db", str(database), "a.md"])
    assert result.exit_code == 4
    assert "history.sqlite" in result.stderr and "corrupt" in result.stderr
    assert digest(database) == before


def test_a_damaged_interior_page_is_found_before_anything_is_written(tmp_path: Path) -> None:
    """A history whose header is intact but one of whose pages is garbage is refused at open, and
    left byte for byte as it was (it was accepted and written to, exit 0)."""
    database = tmp_path / "history.sqlite"
    History.open(database).close()
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("INSERT INTO urls (url, first_seen) SELECT 'https://a.example/' || value, 0 FROM "
                           "(WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n LIMIT 3000) "
                           "SELECT value FROM n)")  # fmt: skip
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.close()
    data = bytearray(database.read_bytes())
    damaged = pages // 2  # a page in the middle of the filler table, far from the header
    data[damaged * page_size + 8 : damaged * page_size + 64] = b"\xa5" * 56
    database.write_bytes(bytes(data))
    before = digest(database)
    with pytest.raises(HistoryError, match="is corrupt"):
        History.open(database)
    assert digest(database) == before


def test_an_older_schema_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    """A history written by an earlier schema (3) opens migrated to the current one, its checks intact."""
    database = tmp_path / "history.sqlite"
    with sqlite3.connect(database) as connection:
        for migrate in MIGRATIONS[:3]:
            migrate(connection)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute("PRAGMA user_version = 3")
        connection.execute(
            "INSERT INTO runs (id, started_at, inputs, settings_digest, completed) VALUES (1, 0, '[]', '', 1)"
        )
        connection.execute("INSERT INTO urls (id, url, first_seen) VALUES (1, 'https://example.com/', 0)")
        connection.execute(
            "INSERT INTO checks (run_id, url_id, checked_at, outcome, status, attempts, elapsed_ms, from_cache) "
            "VALUES (1, 1, 0, 'alive', 200, 1, 5, 0)"
        )
    connection.close()
    with History.open(database) as history:
        (record,) = history.checks("https://example.com/")
        assert (record.run_id, record.status) == (1, 200)
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    connection.close()


def test_an_sqlite_with_few_bound_variables_still_records_big_runs(tmp_path: Path) -> None:
    """Queries are cut to the library's variable limit (999 before SQLite 3.32; 100 here)."""
    from datetime import UTC, datetime

    from linkkeeper.config import DeadAfterSettings
    from linkkeeper.models import Checkable, CheckResult, Entry, Kind, Occurrence, Outcome, Syntax, Target

    connection = sqlite3.connect(tmp_path / "history.sqlite", isolation_level=None)
    connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
    history = History(connection, "history.sqlite")
    history._prepare()
    urls = [f"https://example.com/{n}" for n in range(1000)]
    entries = [
        Entry(
            Target(
                url, (Occurrence("a.md", n + 1, 1, 0, 1, Kind.INLINE, Syntax.RAW, url, url, "", Checkable.YES, ""),)
            ),
            CheckResult(url, Outcome.ALIVE),
        )
        for n, url in enumerate(urls)
    ]
    when = datetime(2026, 3, 2, tzinfo=UTC)
    with history:
        run = history.start_run(when, ["a.md"], "digest")
        states = history.finish_run(run, when, entries, network_down=False, policy=DeadAfterSettings(), at=when)
        assert len(states) == 1000
        assert len(history.fresh_results(urls, when)) == 1000


def test_a_urls_checks_are_found_without_reading_every_check(tmp_path: Path) -> None:
    """``history URL`` looks its checks up by key: years of daily runs do not slow it down."""
    from datetime import UTC, datetime, timedelta

    from linkkeeper.config import DeadAfterSettings
    from linkkeeper.models import Checkable, CheckResult, Entry, Kind, Occurrence, Outcome, Syntax, Target

    connection = sqlite3.connect(tmp_path / "history.sqlite", isolation_level=None)
    history = History(connection, "history.sqlite")
    history._prepare()
    urls = [f"https://example.com/{n}" for n in range(200)]
    entries = [
        Entry(
            Target(url, (Occurrence("a.md", 1, 1, 0, 1, Kind.INLINE, Syntax.RAW, url, url, "", Checkable.YES, ""),)),
            CheckResult(url, Outcome.ALIVE),
        )
        for url in urls
    ]
    day = datetime(2026, 3, 2, tzinfo=UTC)
    with history:
        for number in range(40):
            when = day + timedelta(days=number)
            run = history.start_run(when, ["a.md"], "digest")
            history.finish_run(run, when, entries, network_down=False, policy=DeadAfterSettings(), at=when)
        steps = 0

        def count() -> int:
            nonlocal steps
            steps += 1
            return 0

        connection.set_progress_handler(count, 1)
        found = history.checks(urls[7])
        connection.set_progress_handler(None, 1)
    assert len(found) == 40
    assert steps < len(urls) * 40  # fewer virtual-machine steps than there are checks in the file


def _entry(url: str, outcome: Outcome, checked_at: datetime) -> Entry:
    occ = Occurrence("a.md", 1, 1, 0, len(url), Kind.INLINE, Syntax.RAW, url, url, "", Checkable.YES, "")
    result = CheckResult(url, outcome, checked_at=checked_at.isoformat(timespec="seconds"))
    return Entry(Target(url, (occ,)), result)


@pytest.mark.parametrize("gap", [timedelta(minutes=1), timedelta(0)], ids=["later", "same-second"])
def test_overlapping_runs_apply_answers_in_check_order(tmp_path: Path, gap: timedelta) -> None:
    """Run A starts, sees a link 404; run B starts later (or within the same second), sees it 200
    and commits first; A commits last. The link's state is B's: alive, not failing."""
    url = "https://docs.example/page"
    start = datetime(2026, 3, 2, 12, tzinfo=UTC)
    with History.open(tmp_path / "history.sqlite") as history:
        run_a = history.start_run(start, ["a.md"], "digest")
        run_b = history.start_run(start + gap, ["a.md"], "digest")
        policy = DeadAfterSettings()
        history.finish_run(run_b, start + gap, [_entry(url, Outcome.ALIVE, start + gap)], network_down=False,
                           policy=policy, at=start + gap)  # fmt: skip
        history.finish_run(run_a, start + gap, [_entry(url, Outcome.BROKEN, start)], network_down=False,
                           policy=policy, at=start)  # fmt: skip
        state = history.state(url)
        assert state is not None and state.consecutive_failures == 0 and state.last_alive is not None
        assert history.failing() == []
        assert [record.outcome for record in history.checks(url)].count(Outcome.BROKEN) == 1  # A's answer is kept


_PAGE = b"<html><head><title>t</title></head><body>page</body></html>"


class _HeldServer(Loopback):
    """/flaky answers 404 until ``mended`` is set, then 200; /slow is held until ``release`` is
    set (bounded), so a run can be kept open while another one runs."""

    def __init__(self) -> None:
        self.asked_slow = threading.Event()
        self.answered_404 = threading.Event()
        self.release = threading.Event()
        self.mended = threading.Event()
        super().__init__(self._answer)

    def _answer(self, asked: Asked) -> Reply:
        code = 200
        if asked.path == "/slow":
            self.asked_slow.set()
            self.release.wait(timeout=60)
        elif not self.mended.is_set():
            code = 404
            if asked.method == "GET":  # a HEAD's 404 is confirmed by a GET
                self.answered_404.set()
        return Reply(code, {"Content-Type": "text/html"}, _PAGE)

    def stop(self) -> None:
        self.release.set()
        self.close()


def test_overlapping_check_commands_leave_the_later_answer(tmp_path: Path) -> None:
    """Two `linkkeeper check` processes: A sees /flaky 404 and stays open on /slow; B, started
    after, sees /flaky 200, exits 0 and commits; A is let go and commits last. The history does
    not call /flaky failing."""
    server = _HeldServer()
    try:
        settings = "".join(f"{key} = false\n" for key in HEAD_FIRST)
        (tmp_path / "linkkeeper.toml").write_text(f"[check]\nretries = 0\n{settings}")
        (tmp_path / "a.md").write_text(f"<{server.url('/flaky')}> <{server.url('/slow')}>\n")
        (tmp_path / "b.md").write_text(f"<{server.url('/flaky')}>\n")
        command = [sys.executable, "-m", "linkkeeper", "check", "--no-progress", "--fail-on", "broken"]
        first = subprocess.Popen([*command, "a.md"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            assert server.asked_slow.wait(timeout=60), "run A never asked for /slow"
            assert server.answered_404.wait(timeout=60), "run A never asked for /flaky"
            server.mended.set()
            second = subprocess.run([*command, "b.md"], cwd=tmp_path, capture_output=True, timeout=120)
            assert second.returncode == 0, second.stderr
        finally:
            server.release.set()
            output, _ = first.communicate(timeout=120)
        assert first.returncode == 1, output
        done = subprocess.run([sys.executable, "-m", "linkkeeper", "history", "--failing"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        assert done.returncode == 0 and "/flaky" not in done.stdout, done.stdout
    finally:
        server.stop()


def _make_unwritable(path: Path) -> Any:
    """Make ``path`` a file no one may write, root included (``chattr +i``); as another user,
    read-only permissions on it and its folder do. Returns how to undo it; skips where neither works."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        path.parent.chmod(0o555)
        return lambda: (path.parent.chmod(0o755), path.chmod(0o644))
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("this file system cannot make a file immutable")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def test_read_only_commands_work_on_a_history_nobody_may_write(
    tmp_path: Path, fakeweb: FakeWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report` and `history` only read: on an immutable history (a CI cache, a read-only mount)
    they exit 0 and show what it holds, and the file is not changed."""
    (tmp_path / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (tmp_path / "a.md").write_text(f"[gone]({fakeweb.url(0, '/status/404')})\n")
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["check", "--no-progress", "a.md"]).exit_code == 1
    database = tmp_path / ".linkkeeper" / "history.sqlite"
    before = digest(database)
    undo = _make_unwritable(database)
    try:
        shown = runner.invoke(main, ["report", "--format", "md", "--report-formats", "none"])
        assert shown.exit_code == 0, shown.output
        assert "/status/404" in shown.output
        failing = runner.invoke(main, ["history", "--failing"])
        assert failing.exit_code == 0, failing.output
        assert "/status/404" in failing.output
        one = runner.invoke(main, ["history", fakeweb.url(0, "/status/404")])
        assert one.exit_code == 0, one.output
    finally:
        undo()
    assert digest(database) == before


def test_a_read_only_command_says_an_old_history_needs_upgrading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A history of an older schema is not migrated by a command that only reads: one line says
    which command upgrades it, and the file is left as it was."""
    database = tmp_path / ".linkkeeper" / "history.sqlite"
    database.parent.mkdir()
    with sqlite3.connect(database) as connection:
        for migrate in MIGRATIONS[:3]:
            migrate(connection)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute("PRAGMA user_version = 3")
    connection.close()
    before = digest(database)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["history", "--failing"])
    assert result.exit_code == 4
    assert "schema 3" in result.output and "linkkeeper check" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert digest(database) == before


def test_an_older_answer_is_judged_by_the_newer_state_not_added_to_it(tmp_path: Path) -> None:
    """Both overlapping runs see a link broken; the later-started one commits first. The earlier
    run's answer neither counts a second failure nor reports one: both say 1 failing run."""
    url = "https://docs.example/page"
    start = datetime(2026, 3, 2, 12, tzinfo=UTC)
    with History.open(tmp_path / "history.sqlite") as history:
        run_a = history.start_run(start, ["a.md"], "digest")
        run_b = history.start_run(start + timedelta(minutes=1), ["a.md"], "digest")
        policy = DeadAfterSettings()
        later = start + timedelta(minutes=1)
        history.finish_run(run_b, later, [_entry(url, Outcome.BROKEN, later)], network_down=False, policy=policy,
                           at=later)  # fmt: skip
        judged = history.finish_run(run_a, later, [_entry(url, Outcome.BROKEN, start)], network_down=False,
                                    policy=policy, at=start)  # fmt: skip
        assert judged[url].state.consecutive_failures == 1
        state = history.state(url)
        assert state is not None and state.consecutive_failures == 1

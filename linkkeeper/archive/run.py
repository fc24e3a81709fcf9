"""``archive``'s orchestration: the dead (and failing, rotted or drifted) links of some paths,
their verified snapshots from when they were cited, and Save Page Now for the live ones."""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from linkkeeper.checking.body import ACCEPT_ENCODING
from linkkeeper.checking.transport import web_transport
from linkkeeper.clock import Sleep
from linkkeeper.config import Settings
from linkkeeper.history import History
from linkkeeper.history.store import PageRecord
from linkkeeper.history.verdict import is_dead
from linkkeeper.models import (
    ArchiveEntry,
    ArchiveReport,
    ErrorKind,
    LinkState,
    NoSnapshot,
    NoSnapshotReason,
    SaveEntry,
    Snapshot,
    Target,
    Verdict,
    Waiting,
)
from linkkeeper.pipeline import own_output, web_targets
from linkkeeper.scanning import scan_paths

# Lookups in flight at once: the archive's rate limit is the bottleneck, and a request queued
# inside the connection pool would leave the rate limiter's clock and arrive in a bunch.
ARCHIVE_CONCURRENCY = 4


def waiting(states: Sequence[LinkState], settings: Settings, today: date) -> Waiting:
    """The failing-but-not-dead links among ``states``: how many, since when, and the first day
    one could be dead (each further failing day adds a run and a day; runs on one day add runs)."""
    policy = settings.dead_after
    failing = [state for state in states if state.consecutive_failures > 0 and not is_dead(state, settings.dead_after)]
    if not failing:
        return Waiting()
    earliest: list[date] = []
    for state in failing:
        last_day = date.fromisoformat(state.last_failure_day) if state.last_failure_day else today
        days_needed = max(policy.days - state.failing_days, 0)
        runs_needed = max(policy.failures - state.consecutive_failures, 0)
        day = last_day + timedelta(days=days_needed) if days_needed else today if runs_needed else last_day
        earliest.append(max(day, today))
    since = min((state.first_failed for state in failing if state.first_failed), default=None)
    return Waiting(len(failing), since, min(earliest).isoformat())


async def _archive(
    targets: Sequence[Target],
    settings: Settings,
    history: History,
    *,
    now: datetime,
    include_failing: bool,
    save_keys: tuple[str, str] | None,
    sleep: Sleep,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ArchiveReport:
    # Loaded here: a check or a fix never needs the Wayback client.
    from linkkeeper.archive.cited import Citations
    from linkkeeper.archive.save import SavePageNow
    from linkkeeper.archive.wayback import WaybackClient

    chosen: list[tuple[Target, Verdict, LinkState]] = []
    live: list[Target] = []
    states: list[LinkState] = []
    pages = history.page_records(target.url for target in targets)
    for target in targets:
        state = history.state(target.url)
        if state is None:
            continue
        states.append(state)
        page = pages.get(target.url)
        if is_dead(state, settings.dead_after):
            chosen.append((target, Verdict.DEAD, state))
        elif state.consecutive_failures > 0 and (include_failing or history.last_error_kind(target.url) in _ROT):
            chosen.append((target, Verdict.FAILING, state))  # a parked domain or soft 404: rot already
        elif state.consecutive_failures == 0 and page is not None and page.drift is not None:
            chosen.append((target, Verdict.DRIFTED, state))
        elif state.consecutive_failures == 0 and state.last_alive is not None:
            live.append(target)
    waiting_now = waiting(states, settings, now.date())
    if on_total is not None:
        on_total(len(chosen))
    citations = Citations()
    notes: list[str] = []
    by_file: dict[str, set[str]] = defaultdict(set)
    for target, _, _ in chosen:
        for occ in target.occurrences:
            by_file[occ.path].update({occ.raw, occ.url, target.url})
    for path, needles in by_file.items():
        note = citations.load(path, needles)
        if note and note not in notes:
            notes.append(note)
    headers = {"User-Agent": settings.check.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
    entries: list[ArchiveEntry] = []
    saves: list[SaveEntry] = []
    transport = web_transport(settings.check, os.environ if environ is None else environ)  # the checker's proxies
    async with httpx.AsyncClient(
        headers=headers, timeout=settings.wayback.timeout, transport=transport, trust_env=False
    ) as client:
        wayback = WaybackClient(settings.wayback, client, sleep=sleep)

        async def one(target: Target, verdict: Verdict, state: LinkState) -> ArchiveEntry:
            first_seen = datetime.fromisoformat(state.first_seen) if state.first_seen else None
            cited = min(
                (
                    citations.cited(occ.path, {occ.raw, occ.url, target.url}, first_seen, now)
                    for occ in target.occurrences
                ),
                key=lambda found: found.at,
            )
            found = known[target.url]
            if found is None or _to_look_up(found):
                found = await wayback.snapshot_for(target.url, cited.at)
                if not (_to_look_up(found) and not wayback.answered):  # a network that is down teaches nothing
                    history.put_snapshot(found, cited.at, now)
            if on_progress is not None:
                on_progress(1)
            note = _titles_compared(found, pages.get(target.url), wayback.titles) if verdict is Verdict.DRIFTED else ""
            return ArchiveEntry(target, verdict, found, cited.at.isoformat(timespec="seconds"), cited.source, note)

        slots = asyncio.Semaphore(ARCHIVE_CONCURRENCY)

        async def limited(target: Target, verdict: Verdict, state: LinkState) -> ArchiveEntry:
            async with slots:
                return await one(target, verdict, state)

        # Links whose snapshot the history already knows need no request. Of the others, one is
        # looked up alone: when the Wayback Machine never answers it, the network is down and the
        # rest is not tried.
        known = {target.url: history.snapshot(target.url) for target, _, _ in chosen}
        to_find = [item for item in chosen if _to_look_up(known[item[0].url])]
        ready = [item for item in chosen if not _to_look_up(known[item[0].url])]
        entries = list(await asyncio.gather(*(limited(*item) for item in ready)))
        if to_find:
            first = await limited(*to_find[0])
            if _to_look_up(first.snapshot) and not wayback.answered:
                return ArchiveReport(tuple(entries), (), tuple(notes), waiting_now, network_down=True)  # known kept
            entries += [first, *await asyncio.gather(*(limited(*item) for item in to_find[1:]))]
        if save_keys is not None:
            # Several jobs at once (wayback.save_jobs), the ones an earlier run left pending first;
            # the progress bar's total grows by the live links, each done as its job ends.
            saver = SavePageNow(settings.wayback, wayback, save_keys, history, sleep=sleep)
            if on_total is not None and live:
                on_total(len(chosen) + len(live))
            records = await saver.save_all(
                [target.url for target in live], now, on_done=None if on_progress is None else lambda _: on_progress(1)
            )
            saves += [SaveEntry(r.url, r.status, r.timestamp, saver.describe(r)) for r in records]
            notes += [note for note in saver.notes() if note not in notes]
    return ArchiveReport(tuple(entries), tuple(saves), tuple(notes), waiting_now)


_ROT = frozenset({ErrorKind.PARKED.value, ErrorKind.SOFT_404.value})


def _titles_compared(
    found: Snapshot | NoSnapshot, page: PageRecord | None, titles: Mapping[tuple[str, str], str]
) -> str:
    """How a drifted page's cited copy and today's page compare, by their titles."""
    today = page.drift_title if page is not None else None
    then = titles.get((found.timestamp, found.url)) if isinstance(found, Snapshot) else None
    if then is None and isinstance(found, Snapshot):
        return f"today's page is titled {today!r}" if today else ""
    if then is None:
        return ""
    if today is None:
        return f"the snapshot is titled {then!r}"
    same = "the same title as" if then == today else "a different title from"
    return f"the snapshot is titled {then!r}, {same} today's page ({today!r})"


def _to_look_up(known: Snapshot | NoSnapshot | None) -> bool:
    """Whether a link's snapshot is still to be found: never looked up, or the lookup failed."""
    return known is None or (isinstance(known, NoSnapshot) and known.reason is NoSnapshotReason.LOOKUP_FAILED)


def run_archive(
    paths: Sequence[str],
    settings: Settings,
    history: History,
    *,
    now: datetime | None = None,
    include_failing: bool = False,
    save_keys: tuple[str, str] | None = None,
    sleep: Sleep = asyncio.sleep,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    skip: Sequence[Path] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ArchiveReport:
    """Find verified snapshots for the dead links in ``paths`` (reusing what the history knows),
    and with ``save_keys`` ask Save Page Now to archive the live ones. ``on_total`` hears how
    many links are looked up, ``on_progress`` each one done; proxies and trust come from
    ``environ`` (the process's environment when None)."""
    skip = own_output(settings, Path.cwd()) if skip is None else skip  # the reports' and history's folders
    scanned = scan_paths(paths, settings.scan, skip)
    targets, _ = web_targets(scanned.occurrences, settings)
    return asyncio.run(
        _archive(
            targets,
            settings,
            history,
            now=now or datetime.now(UTC),
            include_failing=include_failing,
            save_keys=save_keys,
            sleep=sleep,
            on_total=on_total,
            on_progress=on_progress,
            environ=environ,
        )
    )

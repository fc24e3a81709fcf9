"""The one orchestrator: scan, dedupe into targets, check, guard against a dead network, report."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urldefrag

from linkkeeper.check import Checker
from linkkeeper.check.network import network_is_down, unjudged
from linkkeeper.config import Settings, parse_duration
from linkkeeper.history import History, judge
from linkkeeper.models import (
    Checkable,
    CheckResult,
    Entry,
    ErrorKind,
    LinkState,
    Occurrence,
    Outcome,
    RunReport,
    Target,
)
from linkkeeper.scan import scan_paths

HTTP_SCHEMES = frozenset({"http", "https"})


def build_targets(occurrences: Sequence[Occurrence]) -> list[Target]:
    """One target per unique URL (fragment split off), in first-seen order."""
    grouped: dict[str, list[Occurrence]] = defaultdict(list)
    fragments: dict[str, dict[str, None]] = defaultdict(dict)
    for occ in occurrences:
        url, fragment = urldefrag(occ.url) if occ.checkable is Checkable.YES else (occ.url, "")
        grouped[url].append(occ)
        if fragment:
            fragments[url][fragment] = None
    return [
        Target(
            url=url,
            occurrences=tuple(found),
            fragments=tuple(fragments[url]),
            checkable=found[0].checkable,
            reason=found[0].reason,
        )
        for url, found in grouped.items()
    ]


def _not_requested(
    target: Target, include: list[re.Pattern[str]], exclude: list[re.Pattern[str]]
) -> CheckResult | None:
    """The result for a target we will not request, or None when it is to be checked."""
    if target.checkable is not Checkable.YES:
        return CheckResult(target.url, Outcome.SKIPPED, error_kind=ErrorKind.NOT_CHECKABLE, error=target.reason)
    scheme = target.url.partition(":")[0].lower()
    if scheme not in HTTP_SCHEMES:
        return CheckResult(
            target.url, Outcome.EXCLUDED, error_kind=ErrorKind.EXCLUDED_BY_PATTERN, error=f"{scheme}: not checked"
        )
    if any(pattern.search(target.url) for pattern in exclude):
        return CheckResult(target.url, Outcome.EXCLUDED, error_kind=ErrorKind.EXCLUDED_BY_PATTERN, error="--exclude")
    if include and not any(pattern.search(target.url) for pattern in include):
        return CheckResult(
            target.url, Outcome.EXCLUDED, error_kind=ErrorKind.EXCLUDED_BY_PATTERN, error="not matched by --include"
        )
    return None


def check_targets(
    targets: Sequence[Target],
    settings: Settings,
    *,
    cached: Mapping[str, CheckResult] | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[list[Entry], bool]:
    """Check what is checkable and not answered by ``cached``; returns the entries and whether
    the network was down."""
    cached = cached or {}
    include = [re.compile(pattern) for pattern in settings.check.include]
    exclude = [re.compile(pattern) for pattern in settings.check.exclude]
    decided = {target.url: _not_requested(target, include, exclude) or cached.get(target.url) for target in targets}
    to_check = [target.url for target in targets if decided[target.url] is None]
    checker = Checker(settings.check, on_result=on_result, environ=environ)
    checked = dict(zip(to_check, asyncio.run(checker.run(to_check)), strict=True))
    down = network_is_down(list(checked.values()))
    entries = []
    for target in targets:
        result = decided[target.url] or checked[target.url]
        entries.append(Entry(target, unjudged(result) if down else result))
    return entries, down


def settings_digest(settings: Settings) -> str:
    """A short fingerprint of the settings that change answers (no secrets: ${VAR} stays unexpanded)."""
    text = json.dumps(dataclasses.asdict(settings.check), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def project_root(start: Path) -> Path:
    """The top of the git work tree containing ``start``, else ``start`` itself."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def history_path(settings: Settings, cwd: Path) -> Path:
    configured = Path(settings.history.db).expanduser()
    return configured if configured.is_absolute() else project_root(cwd) / configured


def run_check(
    paths: Sequence[str],
    settings: Settings,
    *,
    history: History | None = None,
    now: datetime | None = None,
    use_cache: bool = True,
    on_targets: Callable[[int], None] | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> RunReport:
    """Scan ``paths``, check every unique URL (reusing fresh answers from ``history``), record the
    run there, judge each link over time, and return the run's report."""
    started = now or datetime.now(UTC)
    scanned = scan_paths(paths, settings.scan)
    targets = build_targets(scanned.occurrences)
    checkable = [target.url for target in targets if target.checkable is Checkable.YES]
    if on_targets is not None:
        on_targets(len(checkable))
    run_id = history.start_run(started, paths, settings_digest(settings)) if history else None
    cached: dict[str, CheckResult] = {}
    if history is not None and use_cache:
        cached = history.fresh_results(checkable, started - timedelta(seconds=parse_duration(settings.cache.max_age)))
    entries, down = check_targets(targets, settings, cached=cached, on_result=on_result, environ=environ)
    finished = started if now is not None else datetime.now(UTC)
    if history is not None and run_id is not None:
        states = history.finish_run(
            run_id, finished, entries, network_down=down, policy=settings.dead_after, at=started
        )
        entries = [_judged(entry, states[entry.target.url], settings) for entry in entries]
    return RunReport(
        started_at=started.isoformat(timespec="seconds"),
        finished_at=finished.isoformat(timespec="seconds"),
        entries=tuple(entries),
        scan_errors=scanned.errors,
        files=scanned.scanned_files,
        network_down=down,
        run_id=run_id,
    )


def _judged(entry: Entry, state: LinkState, settings: Settings) -> Entry:
    verdict, since = judge(entry.result.outcome, state, settings.dead_after)
    return dataclasses.replace(entry, verdict=verdict, since=since, state=state)

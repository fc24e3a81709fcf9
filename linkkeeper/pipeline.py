"""The one orchestrator: scan, dedupe into targets, check (web and local), guard against a dead
network, record and judge in the history, find snapshots, rewrite; the CLI calls one function
here per command and turns its report into output and an exit code."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import itertools
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence, Set
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urldefrag, urlsplit

import httpx

from linkkeeper.canonical import canonical_url
from linkkeeper.checking import Checker
from linkkeeper.checking.body import ACCEPT_ENCODING
from linkkeeper.checking.github import GitHubLinks, check_github, parse_link
from linkkeeper.checking.hosts import github_token
from linkkeeper.checking.network import network_is_down, unjudged, unproven
from linkkeeper.checking.proxy import redact_proxy_url
from linkkeeper.checking.transport import web_transport
from linkkeeper.checking.trust import insecure_hosts
from linkkeeper.clock import Sleep
from linkkeeper.config import Settings, parse_duration, parse_remap, parse_resolve
from linkkeeper.errors import InputError
from linkkeeper.folders import project_root
from linkkeeper.history import History, Judged, judge
from linkkeeper.history.store import PageRecord
from linkkeeper.history.verdict import is_dead
from linkkeeper.local import LocalChecker, fragment_problem
from linkkeeper.models import (
    ArchiveEntry,
    ArchiveReport,
    Checkable,
    CheckResult,
    Entry,
    ErrorKind,
    FileFix,
    FixReport,
    Flag,
    Kind,
    LinkState,
    NoSnapshot,
    NoSnapshotReason,
    Occurrence,
    Outcome,
    RewriteRecord,
    RunReport,
    SaveEntry,
    ScanReport,
    Snapshot,
    Syntax,
    Target,
    Unarchived,
    Verdict,
    Waiting,
)
from linkkeeper.patterns import Pattern, compile_pattern
from linkkeeper.redact import is_redacted
from linkkeeper.report import Places
from linkkeeper.report.archive import describe
from linkkeeper.report.tls import unverified_hosts
from linkkeeper.rewrite import (
    RewriteRefused,
    apply,
    git_patch,
    plan,
    remove_leftovers,
    verify,
    without_fragment,
    write_atomic,
)
from linkkeeper.rules import Exclusion, exclusions, remap
from linkkeeper.scanning import scan_paths
from linkkeeper.scanning.source import decode

HTTP_SCHEMES = frozenset({"http", "https"})
# Lookups in flight at once: the archive's rate limit is the bottleneck, and a request queued
# inside the connection pool would leave the rate limiter's clock and arrive in a bunch.
ARCHIVE_CONCURRENCY = 4


def suppressed_entries(occurrences: Sequence[Occurrence]) -> list[Entry]:
    """Places a suppression comment covers: each its own excluded entry, never requested nor
    recorded in the history (the same URL may be checked where it is written elsewhere)."""
    return [
        Entry(
            Target(occ.url, (occ,), checkable=occ.checkable, reason=occ.reason),
            CheckResult(occ.url, Outcome.EXCLUDED, error_kind=ErrorKind.SUPPRESSED,
                        error=f"suppressed at {occ.suppressed_by}"),
            Verdict.EXCLUDED,
        )
        for occ in occurrences
        if occ.suppressed_by
    ]  # fmt: skip


def build_targets(occurrences: Sequence[Occurrence]) -> list[Target]:
    """One target per unique URL (fragment split off; equivalent spellings are one URL, in its
    canonical form), in first-seen order; suppressed places (``<!-- linkkeeper-disable -->``)
    are left out."""
    grouped: dict[str, list[Occurrence]] = defaultdict(list)
    fragments: dict[str, dict[str, None]] = defaultdict(dict)
    canonical: dict[str, str] = {}  # a spelling's canonical form, worked out once per spelling
    for occ in occurrences:
        if occ.suppressed_by:
            continue
        url, fragment = urldefrag(occ.url) if occ.checkable is Checkable.YES else (occ.url, "")
        if occ.checkable is Checkable.YES:
            if url not in canonical:
                canonical[url] = canonical_url(url)
            url = canonical[url]
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


def _not_requested(target: Target, include: list[Pattern], exclude: list[Exclusion]) -> CheckResult | None:
    """The result for a target we will not request, or None when it is to be checked."""
    if target.checkable is not Checkable.YES:
        return CheckResult(target.url, Outcome.SKIPPED, error_kind=ErrorKind.NOT_CHECKABLE, error=target.reason)
    scheme = target.url.partition(":")[0].lower()
    if scheme not in HTTP_SCHEMES:
        return CheckResult(
            target.url, Outcome.EXCLUDED, error_kind=ErrorKind.EXCLUDED_BY_PATTERN, error=f"{scheme}: not checked"
        )
    rule = next((rule for rule in exclude if rule.pattern.search(target.url)), None)
    if rule is not None:
        reason = rule.origin if rule.origin == "--exclude" else f"excluded by {rule.origin}"
        return CheckResult(target.url, Outcome.EXCLUDED, error_kind=ErrorKind.EXCLUDED_BY_PATTERN, error=reason)
    if include and not any(pattern.search(target.url) for pattern in include):
        return CheckResult(
            target.url, Outcome.EXCLUDED, error_kind=ErrorKind.EXCLUDED_BY_PATTERN, error="not matched by --include"
        )
    return None


class Checked(NamedTuple):
    """What ``check_targets`` found: an entry per link, whether the network was down, and the
    random-sibling probes it asked (``(origin, folder)`` -> answer, JSON) for the history."""

    entries: list[Entry]
    network_down: bool
    probes: dict[tuple[str, str], str]


def check_targets(
    targets: Sequence[Target],
    settings: Settings,
    *,
    cached: Mapping[str, CheckResult] | None = None,
    get_first: Set[str] = frozenset(),
    on_result: Callable[[CheckResult], None] | None = None,
    environ: Mapping[str, str] | None = None,
    offline: bool = False,
    ignored: Sequence[Exclusion] = (),
    probes: Mapping[tuple[str, str], str] | None = None,
) -> Checked:
    """Check what is checkable and not answered by ``cached`` (URLs in ``get_first`` with GET
    straight away, ``probes`` the random-sibling probes still fresh); returns the entries, whether
    the network was down, and the probes asked. ``offline`` requests nothing: a web link has its
    fresh cached answer or is skipped."""
    cached = cached or {}
    include = [compile_pattern(pattern) for pattern in settings.check.include]
    exclude = exclusions(settings.check.exclude, ignored)
    fragments = settings.site.check_fragments
    decided = {
        target.url: _not_requested(target, include, exclude)
        or (None if fragments and target.fragments else cached.get(target.url))
        or (_offline(target.url) if offline else None)
        for target in targets
    }
    environment = os.environ if environ is None else environ
    from_github = _github_answers(targets, decided, settings, environment) if not offline else _NO_GITHUB
    to_check = [
        target.url for target in targets if decided[target.url] is None and target.url not in from_github.results
    ]
    # --remap: a URL is asked where the rules say, and answers under the URL as written.
    rules = parse_remap(settings.check.remap)
    asked = {url: remap(url, rules) for url in to_check} if rules else {url: url for url in to_check}
    requests = list(dict.fromkeys(asked.values()))
    anchors_wanted = {target.url for target in targets if fragments and target.fragments and target.url in asked}
    anchors_for = {asked[url] for url in anchors_wanted}
    github_host = urlsplit(settings.github.web_url).hostname or ""
    checker = Checker(settings.check, on_result=on_result, environ=environ, probes=probes, github_host=github_host)
    get_first = {asked[url] for url in get_first if url in asked}
    results = dict(zip(requests, asyncio.run(checker.run(requests, anchors_for=anchors_for, get_first=get_first)),
                       strict=True))  # fmt: skip
    checked = {url: _as_written(results[asked[url]], url) for url in to_check}
    if not checker.resolver_works:  # "name does not resolve" is evidence only from a working resolver
        checked = {url: unproven(result, settings.check.dns_canary) for url, result in checked.items()}
    down = network_is_down(list(checked.values()), connected=checker.connected)
    if down:
        down = not _network_answers(settings, cached, environ)
    entries = []
    for target in targets:
        result = decided[target.url]
        if result is not None:
            entries.append(Entry(target, result))
            continue
        answered = from_github.results.get(target.url)
        if answered is not None:  # decided through GitHub's API; its line anchors too
            lines = from_github.missing_lines.get(target.url, ())
            past = {fragment: f"#{fragment}: the file has fewer lines (GitHub's API)" for fragment in lines}
            entries.extend(_per_fragment(target, answered, past.get) if lines else [Entry(target, answered)])
            continue
        result = unjudged(checked[target.url]) if down else checked[target.url]
        if target.url in anchors_wanted and result.anchors is not None:
            entries.extend(_per_fragment(target, result, functools.partial(_missing_anchor, anchors=result.anchors)))
        else:
            entries.append(Entry(target, result))
    return Checked(entries, down, checker.probes_made)


_NO_GITHUB = GitHubLinks({}, {})


def _missing_anchor(fragment: str, anchors: frozenset[str]) -> str | None:
    return f"the page has no anchor #{fragment}" if fragment_problem(fragment, anchors) else None


def _github_answers(
    targets: Sequence[Target], decided: Mapping[str, CheckResult | None], settings: Settings, environ: Mapping[str, str]
) -> GitHubLinks:
    """GitHub links decided through GitHub's GraphQL API, when a token is set; the others (and any
    the API gave no verdict for) are asked as pages."""
    token = github_token(settings.check, environ)
    if not token:
        return _NO_GITHUB
    links = [
        link
        for target in targets
        if decided[target.url] is None
        and (link := parse_link(target.url, settings.github.web_url, target.fragments)) is not None
    ]
    if not links:
        return _NO_GITHUB

    async def ask() -> GitHubLinks:
        transport = web_transport(settings.check, environ, resolve=parse_resolve(settings.check.resolve))
        timeout = httpx.Timeout(settings.check.timeout * 3, connect=settings.check.connect_timeout)
        headers = {"User-Agent": settings.check.user_agent, "Accept": "application/json"}
        async with httpx.AsyncClient(transport=transport, timeout=timeout, headers=headers, trust_env=False) as client:
            return await check_github(links, settings.github, token, client)

    return asyncio.run(ask())


def _network_answers(settings: Settings, cached: Mapping[str, CheckResult], environ: Mapping[str, str] | None) -> bool:
    """Whether the network is up after all, when no link asked this run answered: the configured
    probe, else up to three links the cache found alive, are asked. A warm run asks only the
    links that failed before; when those are names that no longer resolve, nothing else would
    tell a dead blog from a machine offline."""
    alive = (url for url, result in cached.items() if result.outcome in (Outcome.ALIVE, Outcome.REDIRECTED))
    probes = [settings.check.network_probe] if settings.check.network_probe else list(itertools.islice(alive, 3))
    if not probes:
        return False
    answers = asyncio.run(Checker(settings.check, environ=environ).run(probes))
    return any(answer.status_code is not None for answer in answers)  # an answer: the failures are the links'


def _as_written(result: CheckResult, url: str) -> CheckResult:
    """A remapped URL's answer, filed under the URL as written (``final_url`` says where it led)."""
    return result if result.url == url else dataclasses.replace(result, url=url)


def _offline(url: str) -> CheckResult:
    return CheckResult(url, Outcome.SKIPPED, error_kind=ErrorKind.OFFLINE, error="web link, not requested (--offline)")


def _per_fragment(target: Target, result: CheckResult, problem_of: Callable[[str], str | None]) -> list[Entry]:
    """A page checked for its anchors, as one entry per link: the page's own entry holds the
    places whose fragment is on the page (or that have none), and each missing ``#fragment``
    (``problem_of`` says why, or None) is an entry of its own (``URL#fragment``), so only the
    links that name it fail. When the page itself failed, no fragment can be judged: one entry,
    as without them."""
    if result.outcome not in (Outcome.ALIVE, Outcome.REDIRECTED):
        return [Entry(target, result)]
    page: list[Occurrence] = []
    missing: dict[str, list[Occurrence]] = defaultdict(list)
    problems: dict[str, str] = {}
    for occ in target.occurrences:
        fragment = urldefrag(occ.url)[1]
        problem = problem_of(fragment) if fragment else None
        if problem:
            missing[fragment].append(occ)
            problems[fragment] = problem
        else:
            page.append(occ)
    page_result = dataclasses.replace(result, anchors=None)  # the history keeps no anchors
    entries = [Entry(dataclasses.replace(target, occurrences=tuple(page), fragments=()), page_result)] if page else []
    for fragment, occurrences in missing.items():
        url = f"{target.url}#{fragment}"
        broken = dataclasses.replace(
            page_result,
            url=url,
            outcome=Outcome.BROKEN_FRAGMENT,
            error_kind=ErrorKind.MISSING_FRAGMENT,
            error=problems[fragment],
        )
        entries.append(Entry(Target(url, tuple(occurrences), (fragment,), target.checkable, target.reason), broken))
    return entries


def resolve_local(
    targets: Sequence[Target], settings: Settings, documents: Mapping[str, str] | None = None
) -> tuple[list[Target], list[Entry]]:
    """Split targets into web targets (site-relative links under site.base_url join them) and local
    entries checked on disk now (relative files, site-relative paths under site.root, fragments);
    ``documents`` are texts not on disk (standard input), by the path their links name."""
    local = LocalChecker(settings.site, documents)
    web_targets: list[Target] = []
    web: list[Occurrence] = []  # site-relative links that site.base_url turns into web URLs
    groups: dict[str, tuple[list[Occurrence], CheckResult]] = {}
    others: list[Target] = []
    for target in targets:
        if target.checkable is Checkable.YES:
            web_targets.append(target)
            continue
        if target.checkable is not Checkable.NEEDS_BASE:
            others.append(target)
            continue
        for occ in target.occurrences:
            resolved = local.resolve(occ)
            if resolved.web_url is not None:
                web.append(dataclasses.replace(occ, url=resolved.web_url, checkable=Checkable.YES, reason=""))
            else:
                assert resolved.result is not None
                groups.setdefault(resolved.key, ([], resolved.result))[0].append(occ)
    entries = [
        Entry(Target(key, tuple(occurrences), checkable=Checkable.YES), result)
        for key, (occurrences, result) in groups.items()
    ]
    if web:  # they may share URLs with the web targets: group everything again
        web_targets = build_targets([occ for target in web_targets for occ in target.occurrences] + web)
    return web_targets + others, entries


def web_targets(occurrences: Sequence[Occurrence], settings: Settings) -> tuple[list[Target], dict[str, str]]:
    """The web targets as ``check`` saw them — site-relative links under ``site.base_url``
    included — and, for those, each destination as written -> the web URL it was checked as."""
    targets, _ = resolve_local(build_targets(occurrences), settings)
    written = {(occ.path, occ.start): occ.url for occ in occurrences}
    aliases: dict[str, str] = {}
    web = [target for target in targets if target.checkable is Checkable.YES]
    for target in web:
        for occ in target.occurrences:
            destination = urldefrag(written[occ.path, occ.start])[0]
            if destination != target.url:
                aliases[destination] = target.url
    return web, aliases


def settings_digest(settings: Settings) -> str:
    """A short fingerprint of the settings that change answers (no secrets: ${VAR} stays unexpanded,
    a proxy's password is left out)."""
    check = {**dataclasses.asdict(settings.check), "proxy": redact_proxy_url(settings.check.proxy)}
    text = json.dumps(check, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def history_path(settings: Settings, cwd: Path) -> Path:
    configured = Path(settings.history.db).expanduser()
    return configured if configured.is_absolute() else project_root(cwd) / configured


def reports_path(settings: Settings, cwd: Path) -> Path:
    configured = Path(settings.report.dir).expanduser()
    return configured if configured.is_absolute() else project_root(cwd) / configured


def report_places(settings: Settings, cwd: Path) -> Places:
    return Places(cwd.absolute(), project_root(cwd).absolute(), reports_path(settings, cwd).absolute())


def own_output(settings: Settings, cwd: Path) -> tuple[Path, ...]:
    """The folders linkkeeper writes (reports, the history's), which a folder walk never reads: a
    second ``check`` must not find the first one's report. A folder that is the project itself is
    no output folder."""
    folders = {reports_path(settings, cwd).resolve(), history_path(settings, cwd).parent.resolve()}
    return tuple(sorted(folder for folder in folders if folder not in (cwd.resolve(), project_root(cwd).resolve())))


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
    offline: bool = False,
    scanned: ScanReport | None = None,
    ignored: Sequence[Exclusion] = (),
) -> RunReport:
    """Scan ``paths`` (unless ``scanned`` is their scan already), check every unique URL (reusing
    fresh answers from ``history``), record the run there, judge each link over time, and return
    the run's report."""
    started = now or datetime.now(UTC)
    clock = time.monotonic()
    if scanned is None:
        scanned = scan_paths(paths, settings.scan, own_output(settings, Path.cwd()))
    in_memory = {file.path: file.text for file in scanned.files if file.text is not None}
    targets, local_entries = resolve_local(build_targets(scanned.occurrences), settings, in_memory)
    checkable = [target.url for target in targets if target.checkable is Checkable.YES]
    if on_targets is not None:
        on_targets(len(checkable))
    run_id = history.start_run(started, paths, settings_digest(settings)) if history else None
    cached: dict[str, CheckResult] = {}
    # A link that failed last time is asked with GET at once: HEAD would most likely fail again
    # and be followed by a GET anyway, one more request to a struggling server.
    get_first: set[str] = set()
    probes: dict[tuple[str, str], str] = {}
    if history is not None:
        fresh_after = started - timedelta(seconds=parse_duration(settings.cache.max_age)) if use_cache else None
        cached, get_first = history.last_answers(checkable, fresh_after)
        probes = history.fresh_probes(started - timedelta(seconds=parse_duration(settings.check.probe_max_age)))
    entries, down, made = check_targets(
        targets,
        settings,
        cached=cached,
        get_first=get_first,
        on_result=on_result,
        environ=environ,
        offline=offline,
        ignored=ignored,
        probes=probes,
    )
    entries = entries + local_entries
    finished = started if now is not None else datetime.now(UTC)
    if history is not None and run_id is not None:
        drifted: dict[str, str | None] = {}
        if made:
            history.put_probes(made, started)
        if settings.check.detect_drift and not down:
            entries, drifted = _drift(entries, history, started)
        judged = history.finish_run(
            run_id, finished, entries, network_down=down, policy=settings.dead_after, at=started, drifted=drifted
        )
        entries = [_judged(entry, judged[entry.target.url], history) for entry in entries]
    entries += suppressed_entries(scanned.occurrences)
    return RunReport(
        started_at=started.isoformat(timespec="seconds"),
        finished_at=finished.isoformat(timespec="seconds"),
        entries=tuple(entries),
        scan_errors=scanned.errors,
        files=scanned.scanned_files,
        network_down=down,
        tls_unverified=unverified_hosts(entries, insecure_hosts(settings.check)),
        run_id=run_id,
        elapsed=time.monotonic() - clock,
    )


def _drift(entries: list[Entry], history: History, at: datetime) -> tuple[list[Entry], dict[str, str | None]]:
    """Compare each live page read this run with its fingerprint from when it was first seen
    alive (kept now for pages seen alive for the first time); the entries, with a drifted page's
    reason said, and the drifted URLs with since when. A fresh answer from the cache is not read
    again: it keeps the drift its last reading found."""
    from linkkeeper.checking.rot import Fingerprint, drift

    live = [entry for entry in entries if entry.result.outcome in (Outcome.ALIVE, Outcome.REDIRECTED)]
    known = history.page_records(entry.target.url for entry in live)
    first_seen: dict[str, str] = {}
    similarity: dict[str, tuple[float, str] | None] = {}
    for entry in live:
        url, read = entry.target.url, entry.result.fingerprint
        record = known.get(url)
        if read is None or record is None:
            if read is not None:
                first_seen[url] = read
            continue
        cited, today = Fingerprint.from_json(record.fingerprint), Fingerprint.from_json(read)
        level = drift(cited, today) if cited is not None and today is not None else None
        similarity[url] = None if level is None or today is None else (level, today.title)
    if first_seen or similarity:
        history.record_pages(first_seen, similarity, at)
    stamp = at.isoformat(timespec="seconds")
    drifted: dict[str, str | None] = {}
    described: list[Entry] = []
    for entry in entries:
        url = entry.target.url
        record = known.get(url)
        if url in similarity:  # read this run
            found = similarity[url]
            level = found[0] if found is not None else None
        else:  # a cached answer keeps its last reading's drift
            level = record.drift if record is not None and entry.result.from_cache else None
        if level is None or record is None:
            described.append(entry)
            continue
        drifted[url] = record.drifted_since or stamp
        cited = Fingerprint.from_json(record.fingerprint)
        then = f" (cited as {cited.title!r})" if cited is not None and cited.title else ""
        reason = f"drifted: {level:.0%} like the page first seen alive here{then}"
        described.append(Entry(entry.target, dataclasses.replace(entry.result, error=reason), entry.verdict))
    return described, drifted


def _judged(entry: Entry, judged: Judged, history: History) -> Entry:
    snapshot = history.snapshot(entry.target.url) if judged.verdict is Verdict.DEAD else None
    # Built directly rather than with dataclasses.replace: this runs once per link per run.
    return Entry(entry.target, entry.result, judged.verdict, judged.since, judged.state, snapshot)


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
    transport = web_transport(settings.check, os.environ)  # the checker's proxies and trust
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
                return ArchiveReport((), (), tuple(notes), waiting_now, network_down=True)
            entries += [first, *await asyncio.gather(*(limited(*item) for item in to_find[1:]))]
        if save_keys is not None:
            saver = SavePageNow(settings.wayback, wayback, save_keys, history, sleep=sleep)
            for target in live:
                if saver.refused:
                    break
                record = await saver.save(target.url, now)
                saves.append(SaveEntry(record.url, record.status, record.timestamp, record.detail))
            if saver.refused:
                notes.append(saver.refused)
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
) -> ArchiveReport:
    """Find verified snapshots for the dead links in ``paths`` (reusing what the history knows),
    and with ``save_keys`` ask Save Page Now to archive the live ones. ``on_total`` hears how
    many links are looked up, ``on_progress`` each one done."""
    scanned = scan_paths(paths, settings.scan, own_output(settings, Path.cwd()))
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
        )
    )


def rebuild_report(history: History, settings: Settings, run_id: int | None = None) -> RunReport:
    """A past run's report from the history alone, without the network (``linkkeeper report``).
    Verdicts and snapshots are as the history knows them now; redirect chains are not kept."""
    run_id = run_id if run_id is not None else history.latest_run()
    record = history.run_record(run_id) if run_id is not None else None
    if record is None:
        raise InputError("no such run in the history" if run_id is not None else "the history has no complete run yet")
    entries = []
    for url, result, places in history.run_checks(record.id):
        occurrences = tuple(
            Occurrence(
                place.path,
                place.line,
                place.column,
                0,
                0,
                Kind(place.kind),
                Syntax.RAW,
                url,
                url,
                "",
                Checkable.YES,
                "",
            )
            for place in places
        )
        entry = Entry(Target(url, occurrences), result)
        state = history.state(url)
        if state is not None:
            entry = _judged(entry, Judged(state, *judge(result.outcome, state, settings.dead_after)), history)
        entries.append(entry)
    files = len({occ.path for entry in entries for occ in entry.target.occurrences})
    return RunReport(
        started_at=record.started_at,
        finished_at=record.finished_at or record.started_at,
        entries=tuple(entries),
        files=files,
        network_down=record.network_down,
        tls_unverified=unverified_hosts(entries, insecure_hosts(settings.check)),  # as the settings say now
        run_id=record.id,
    )


def run_fix(
    paths: Sequence[str],
    settings: Settings,
    history: History | None,
    *,
    style: str | None = None,
    include_failing: bool = False,
    redirects: bool = False,
    write: bool = True,
    now: datetime | None = None,
    malformed: bool = False,
    include_drifted: bool = False,
) -> FixReport:
    """Rewrite dead links (with a verified snapshot) to their archived copies, and with
    ``redirects`` permanent redirects to their final URL; ``write=False`` only plans (for --diff
    and --check). Without a history there is nothing to rewrite, but a killed run's temporary
    files are still cleared. ``malformed`` also writes malformed URLs (``https:/host``) as
    browsers read them (``https://host``), history or not. ``include_drifted`` also rewrites
    drifted links (alive, but no longer the page cited) to their cited copies."""
    style = style or settings.fix.style
    scanned = scan_paths(paths, settings.scan, own_output(settings, Path.cwd()))
    replacements: dict[str, tuple[str, str]] = {}
    without: list[Unarchived] = []
    targets, aliases = web_targets(scanned.occurrences, settings)
    states: list[LinkState] = []
    drifted = history.page_records(t.url for t in targets) if history is not None and include_drifted else {}
    for target in targets:
        state = history.state(target.url) if history is not None else None
        if state is None or history is None:
            continue
        states.append(state)
        dead = is_dead(state, settings.dead_after)
        if state.consecutive_failures > 0 and (include_failing or dead):
            snapshot = history.snapshot(target.url)
            if isinstance(snapshot, Snapshot):
                replacements[target.url] = (snapshot.archive_url, "dead" if dead else "failing")
            else:
                without.append(Unarchived(target.url, "" if snapshot is None else describe(snapshot)))
            continue
        page = drifted.get(target.url)
        if page is not None and page.drift is not None:
            snapshot = history.snapshot(target.url)
            if isinstance(snapshot, Snapshot):
                replacements[target.url] = (snapshot.archive_url, "drifted")
                continue
            without.append(Unarchived(target.url, "" if snapshot is None else describe(snapshot)))
        moved = history.moved_to(target.url) if redirects else None
        if moved and is_redacted(moved):  # it carried a secret: no page is written with a hole in it
            without.append(Unarchived(target.url, "its redirect's target carried a secret, redacted; not written"))
        elif moved and moved != target.url:
            replacements[target.url] = (moved, "redirected")
    for destination, web_url in aliases.items():  # "/old-post/" checked as base_url + "/old-post/"
        if web_url in replacements:
            replacements[destination] = replacements[web_url]
    files: list[FileFix] = []
    notes: list[str] = []
    for file in scanned.files:
        if write and file.error is None:
            remove_leftovers(Path(file.path))  # a killed run's temporary files
        rewritable = [occ for occ in file.occurrences if not occ.suppressed_by]  # a comment said: leave it
        if file.error is not None or not any(
            without_fragment(o.url) in replacements or (malformed and Flag.MALFORMED in o.flags) for o in rewritable
        ):
            continue
        path = Path(file.path)
        try:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != file.sha256:  # the scan's spans are not this text's
                raise RewriteRefused(f"{file.path}: changed since it was scanned; run fix again")
            text = decode(data).text
            edits, skipped = plan(
                text, rewritable, replacements, style=style, annotation=settings.fix.annotation, malformed=malformed
            )
            notes.extend(skipped)
            if not edits:
                continue
            new_text = apply(text, edits)
            verify(text, new_text, edits, file.occurrences, file.path)
            diff = git_patch(file.path, text, new_text, has_bom=file.has_bom)
            if write:
                notes.extend(write_atomic(path, new_text, has_bom=file.has_bom, expected_sha256=file.sha256))
            if write and history is not None:
                # Recorded file by file: a later file that cannot be written loses none of these.
                records = [RewriteRecord(e.path, e.line, e.column, e.url, e.new_url, style, e.reason) for e in edits]
                history.record_rewrites(records, now or datetime.now(UTC))
            files.append(FileFix(file.path, tuple(edits), diff, written=write))
        except RewriteRefused as refused:
            files.append(FileFix(file.path, (), problem=str(refused)))
        except OSError as error:  # a read-only folder, a full disk: said with the path, and fix goes on
            files.append(FileFix(file.path, (), problem=f"{file.path}: cannot be written: {error.strerror or error}"))
    today = (now or datetime.now(UTC)).date()
    return FixReport(tuple(files), tuple(without), tuple(notes), waiting(states, settings, today))

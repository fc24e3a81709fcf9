"""A check run's orchestration: scan, dedupe into targets, check (web and local), guard against
a dead network, record and judge in the history. ``archive`` and ``fix`` have theirs beside their
stages (``archive/run.py``, ``fixing.py``); ``project.Project`` calls them all."""

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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urldefrag, urlsplit

import httpx

from linkkeeper.canonical import canonical_url
from linkkeeper.changes import Changes
from linkkeeper.checking import Checker
from linkkeeper.checking.github import GitHubLinks, check_github, parse_link
from linkkeeper.checking.hosts import github_token
from linkkeeper.checking.network import network_is_down, unjudged, unproven
from linkkeeper.checking.proxy import redact_proxy_url
from linkkeeper.checking.transport import web_transport
from linkkeeper.checking.trust import insecure_hosts
from linkkeeper.config import Settings, parse_duration, parse_remap, parse_resolve
from linkkeeper.errors import InputError
from linkkeeper.folders import output_folders, project_root, under_root
from linkkeeper.history import History, Judged, judge
from linkkeeper.local import LocalChecker, fragment_problem
from linkkeeper.models import (
    ChangeRole,
    Checkable,
    CheckResult,
    Entry,
    ErrorKind,
    Kind,
    Occurrence,
    Outcome,
    RunReport,
    ScanReport,
    Syntax,
    Target,
    Verdict,
)
from linkkeeper.patterns import Pattern, compile_pattern
from linkkeeper.report.tls import unverified_hosts
from linkkeeper.rules import Exclusion, exclusions, remap
from linkkeeper.scanning import scan_paths

HTTP_SCHEMES = frozenset({"http", "https"})


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
    aliases: dict[str, str] = {}  # a spelling that is not canonical -> its canonical form
    # A big repository holds 200,000 of these: no copy of a URL is made that equals one already held.
    for occ in occurrences:
        if occ.suppressed_by:
            continue
        web = occ.checkable is Checkable.YES
        url, fragment = urldefrag(occ.url) if web and "#" in occ.url else (occ.url, "")
        if web and url not in grouped:  # a key of grouped is canonical already
            form = aliases.get(url)
            if form is None:
                form = canonical_url(url)
                if form != url:
                    aliases[url] = form
                else:
                    form = url
            url = form
        grouped[url].append(occ)
        if fragment:
            fragments[url][fragment] = None
    return [
        Target(
            url=url,
            occurrences=tuple(found),
            fragments=tuple(fragments[url]) if url in fragments else (),
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
        reason = f"excluded by {rule.origin}"
        return CheckResult(target.url, Outcome.EXCLUDED, error_kind=ErrorKind.EXCLUDED_BY_PATTERN, error=reason)
    if include and not any(pattern.search(target.url) for pattern in include):
        return CheckResult(
            target.url, Outcome.EXCLUDED, error_kind=ErrorKind.EXCLUDED_BY_PATTERN, error="not matched by check.include"
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
    decided_before: Mapping[str, CheckResult] | None = None,
) -> Checked:
    """Check what is checkable and not answered by ``cached`` (URLs in ``get_first`` with GET
    straight away, ``probes`` the random-sibling probes still fresh); returns the entries, whether
    the network was down, and the probes asked. ``offline`` requests nothing: a web link has its
    fresh cached answer or is skipped."""
    cached = cached or {}
    include = [compile_pattern(pattern) for pattern in settings.check.include]
    exclude = exclusions(settings.check.exclude, ignored)
    fragments = settings.site.check_fragments
    decided_before = decided_before or {}
    decided = {
        target.url: decided_before.get(target.url)
        or _not_requested(target, include, exclude)
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
        down = not _network_answers(settings, cached, environ, others=list(decided_before))
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


def _network_answers(
    settings: Settings,
    cached: Mapping[str, CheckResult],
    environ: Mapping[str, str] | None,
    *,
    others: Sequence[str] = (),
) -> bool:
    """Whether the network is up after all, when no link asked this run answered: the configured
    probe, else up to three links the cache found alive (then ``others``: the links a pull
    request's run did not ask), are asked. A warm run asks only the links that failed before;
    when those are names that no longer resolve, nothing else would tell a dead blog from a
    machine offline."""
    alive = (url for url, result in cached.items() if result.outcome in (Outcome.ALIVE, Outcome.REDIRECTED))
    candidates = itertools.chain(alive, others)
    probes = [settings.check.network_probe] if settings.check.network_probe else list(itertools.islice(candidates, 3))
    if not probes:
        return False
    answers = asyncio.run(Checker(settings.check, environ=environ).run(probes))
    return any(answer.status_code is not None for answer in answers)  # an answer: the failures are the links'


def _as_written(result: CheckResult, url: str) -> CheckResult:
    """A remapped URL's answer, filed under the URL as written (``final_url`` says where it led)."""
    return result if result.url == url else dataclasses.replace(result, url=url)


def _offline(url: str) -> CheckResult:
    return CheckResult(url, Outcome.SKIPPED, error_kind=ErrorKind.OFFLINE, error="web link, not requested (offline)")


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


def own_output(settings: Settings, cwd: Path) -> tuple[Path, ...]:
    """The folders linkkeeper writes, for a run from ``cwd`` (``Project.own_output`` for a project)."""
    root = project_root(cwd)
    reports, history = under_root(settings.report.dir, root), under_root(settings.history.db, root)
    return output_folders(reports, history, cwd=cwd, root=root)


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
    skip: Sequence[Path] | None = None,
    changes: Changes | None = None,
) -> RunReport:
    """Scan ``paths`` (unless ``scanned`` is their scan already), check every unique URL (reusing
    fresh answers from ``history``), record the run there, judge each link over time, and return
    the run's report. With ``changes``, only the web links on lines the change touched are asked
    (the others are ``unchanged``, not recorded as checked), and each failing link says whether the
    change broke it (``Entry.change``; one already broken at the base fails nothing)."""
    started = now or datetime.now(UTC)
    clock = time.monotonic()
    if changes is not None:  # a pull request's run asks only the links the change wrote: no sibling probes
        settings = dataclasses.replace(settings, check=dataclasses.replace(settings.check, soft_404_probes=0))
    if scanned is None:
        scanned = scan_paths(paths, settings.scan, own_output(settings, Path.cwd()) if skip is None else skip)
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
    unchanged = unchanged_web_links(targets, changes) if changes is not None else {}
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
        decided_before=unchanged,
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
    if changes is not None:
        entries = changed_roles(entries, changes, paths, settings)
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
        changed_since=changes.ref if changes is not None else None,
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


_FAILED = frozenset({Outcome.BROKEN, Outcome.BROKEN_FRAGMENT, Outcome.ERROR})


def _touched(target: Target, changes: Changes) -> bool:
    return any(changes.touches(occ.path, occ.line) for occ in target.occurrences)


def unchanged_web_links(targets: Sequence[Target], changes: Changes) -> dict[str, CheckResult]:
    """The web links none of whose places the change touched: not asked, ``unchanged since REF``."""
    why = f"unchanged since {changes.ref}"
    return {
        target.url: CheckResult(target.url, Outcome.SKIPPED, error_kind=ErrorKind.UNCHANGED, error=why)
        for target in targets
        if target.checkable is Checkable.YES and not _touched(target, changes)
    }


def changed_roles(entries: Sequence[Entry], changes: Changes, paths: Sequence[str], settings: Settings) -> list[Entry]:
    """Each failing link, said to be broken by the change (its line is new or edited, or it was
    fine at the base: the base's tree is checked for the local links on untouched lines) or to be
    broken already at the base."""
    untouched = [entry for entry in entries if entry.result.outcome in _FAILED and not _touched(entry.target, changes)]
    broken_at_base = _local_failures_at_base(changes, paths, settings) if untouched else set()
    judged: list[Entry] = []
    for entry in entries:
        if entry.result.outcome not in _FAILED:
            judged.append(entry)
            continue
        if _touched(entry.target, changes):
            role = ChangeRole(True, f"on a line this change added or edited since {changes.ref}")
        elif all((changes.at_base(occ.path), occ.url) in broken_at_base for occ in entry.target.occurrences):
            role = ChangeRole(False, f"already broken at {changes.ref}")
        else:
            role = ChangeRole(True, _what_broke_it(entry, changes))
        judged.append(dataclasses.replace(entry, change=role))
    return judged


def _what_broke_it(entry: Entry, changes: Changes) -> str:
    """What the change did to the file a local link names (its entry's key is that file): deleted,
    renamed, or edited so that the fragment's heading is gone."""
    file, fragment = urldefrag(entry.target.url)
    missing = changes.why_missing(file)
    if missing is not None:
        return missing
    name = changes.relative(file)
    if fragment and name is not None and (name in changes.lines or name in changes.renamed_from):
        return f"{name} was edited in this change and has no #{fragment} now"
    return f"this change broke it: it worked at {changes.ref}"


def _local_failures_at_base(changes: Changes, paths: Sequence[str], settings: Settings) -> set[tuple[str | None, str]]:
    """(path at the base, URL as written) of every local link that failed in the base's tree."""
    from linkkeeper.changes import base_tree

    # Each path by its name at the base: a renamed file named on the command line was elsewhere.
    wanted = [changes.renamed_from.get(name, name) for path in paths if (name := changes.relative(path)) is not None]
    with base_tree(changes) as folder:
        inside = [folder / name for name in wanted if (folder / name).exists()]
        if not inside:
            return set()
        site = settings.site
        root = Path(os.path.abspath(site.root)) if site.root else None
        if root is not None and root.is_relative_to(changes.top):  # the site as it was, in the base's tree
            site = dataclasses.replace(site, root=str(folder / root.relative_to(changes.top)))
        scanned = scan_paths([str(path) for path in inside], settings.scan)
        in_memory = {file.path: file.text for file in scanned.files if file.text is not None}
        as_it_was = dataclasses.replace(settings, site=site)
        _, local = resolve_local(build_targets(scanned.occurrences), as_it_was, in_memory)
        return {
            (Path(occ.path).absolute().relative_to(folder).as_posix(), occ.url)
            for entry in local
            if entry.result.outcome in _FAILED
            for occ in entry.target.occurrences
        }

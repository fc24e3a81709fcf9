"""``linkkeeper check`` output: the JSON document and the terminal summary (pure functions)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from linkkeeper.models import Entry, ErrorKind, Outcome, RunReport, Verdict
from linkkeeper.report.archive import describe, snapshot_record
from linkkeeper.report.history import streak
from linkkeeper.report.markdown import as_written, judgement, unresolved_note
from linkkeeper.report.tls import tls_note, unverified

CHECK_JSON_VERSION = 1
_ORDER = (
    Outcome.BROKEN,
    Outcome.BROKEN_FRAGMENT,
    Outcome.ERROR,
    Outcome.BLOCKED,
    Outcome.REDIRECTED,
    Outcome.EXCLUDED,
)
OUTCOMES_FAILING = {
    "broken": frozenset({Outcome.BROKEN, Outcome.BROKEN_FRAGMENT}),
    "drifted": frozenset({Outcome.BROKEN, Outcome.BROKEN_FRAGMENT}),  # and the drifted verdicts
    "error": frozenset({Outcome.BROKEN, Outcome.BROKEN_FRAGMENT, Outcome.ERROR}),
    "blocked": frozenset({Outcome.BROKEN, Outcome.BROKEN_FRAGMENT, Outcome.ERROR, Outcome.BLOCKED}),
}
VERDICTS_FAILING = {
    "failing": frozenset({Verdict.FAILING, Verdict.DEAD}),
    "dead": frozenset({Verdict.DEAD}),
}


def failing_entries(report: RunReport, fail_on: str) -> list[Entry]:
    """The entries that fail the ``--fail-on`` policy: by this run's outcome (broken, error,
    blocked) or by the verdict over time (failing, dead); ``never`` fails nothing."""
    # A run checked since a ref fails only on what the change broke.
    entries = [entry for entry in report.entries if entry.change is None or entry.change.caused]
    if fail_on in VERDICTS_FAILING:
        verdicts = VERDICTS_FAILING[fail_on]
        return [entry for entry in entries if entry.verdict in verdicts]
    outcomes = OUTCOMES_FAILING.get(fail_on, frozenset())
    return [
        entry
        for entry in entries
        if entry.result.outcome in outcomes or (fail_on == "drifted" and entry.verdict is Verdict.DRIFTED)
    ]


def _target_record(entry: Entry) -> dict[str, Any]:
    result = entry.result
    return {
        "url": entry.target.url,
        "outcome": result.outcome.value,
        "status_code": result.status_code,
        "final_url": result.final_url,
        "redirects": [{"url": hop.url, "status": hop.status} for hop in result.redirects],
        "error_kind": result.error_kind.value if result.error_kind else None,
        "error": result.error,
        "attempts": result.attempts,
        "elapsed_ms": round(result.elapsed * 1000),
        "from_cache": result.from_cache,
        "verdict": entry.verdict.value if entry.verdict else None,
        "since": entry.since,
        "history": None
        if entry.state is None
        else {
            "first_seen": entry.state.first_seen,
            "last_alive": entry.state.last_alive,
            "first_failed": entry.state.first_failed,
            "consecutive_failures": entry.state.consecutive_failures,
            "failing_days": entry.state.failing_days,
        },
        "snapshot": snapshot_record(entry.snapshot),
        "change": None if entry.change is None else {"caused": entry.change.caused, "why": entry.change.why},
        "occurrences": [
            {"path": o.path, "line": o.line, "column": o.column, "url": o.url} for o in entry.target.occurrences
        ],
    }


def to_json(report: RunReport, fail_on: str) -> str:
    return "".join(json_chunks(report, fail_on))


def json_chunks(report: RunReport, fail_on: str, batch: int = 1000) -> Iterator[str]:
    """The JSON document in pieces, each a run of ``batch`` targets at most, for writing it as a
    stream: a run of 200,000 links is a document of over 100 MB, never held whole. Joined, the
    pieces are exactly ``json.dumps`` of the whole document, on one line."""
    failing = len(failing_entries(report, fail_on))
    summary = {
        "run_id": report.run_id,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "files": report.files,
        "targets": len(report.entries),
        "outcomes": report.counts(),
        "verdicts": report.verdict_counts(),
        "network_down": report.network_down,
        "fail_on": fail_on,
        "failing": failing,  # kept for version 1: the links failing the policy, as fails_policy
        "fails_policy": failing,
        "scan_errors": [{"path": e.path, "problem": e.problem} for e in report.scan_errors],
        **({"tls_unverified": list(report.tls_unverified)} if report.tls_unverified else {}),
        **({"changed_since": report.changed_since} if report.changed_since else {}),
    }
    # One line, each piece by the C encoder (indent= would fall back to the pure-Python one, ten
    # times slower); the separators are json.dumps's defaults, so the pieces join into its output.
    yield f'{{"version": {CHECK_JSON_VERSION}, "targets": ['
    entries = report.entries
    for start in range(0, len(entries), batch):
        records = []
        for entry in entries[start : start + batch]:
            record = _target_record(entry)
            if report.tls_unverified and unverified(entry, report):
                record["tls_verified"] = False  # answered by a host whose certificate was not checked
            records.append(record)
        # One encoder call a batch, its brackets dropped: a call per record costs a third more.
        yield (", " if start else "") + json.dumps(records, ensure_ascii=False)[1:-1]
    yield f'], "summary": {json.dumps(summary, ensure_ascii=False)}}}\n'


def _verdict_note(entry: Entry) -> str:
    if entry.verdict in (Verdict.FAILING, Verdict.DEAD) and entry.state is not None and entry.since:
        archived = f" -> {describe(entry.snapshot)}" if entry.snapshot is not None else ""
        if entry.verdict is Verdict.FAILING and entry.state.consecutive_failures <= 1:
            return f"  [new failure]{archived}"
        return f"  [{judgement(entry)}: {streak(entry.state)}]{archived}"
    return ""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def to_text(report: RunReport, *, verbose: bool = False) -> str:
    """Counts per outcome, then every link that is not alive (``verbose``: every link), with its
    places and reason; the elapsed time last."""
    counts = report.counts()
    lines = [
        f"{report.files} file(s), {len(report.entries)} unique link(s): "
        + ", ".join(f"{counts[o.value]} {o.value}" for o in Outcome if counts[o.value])
    ]
    verdicts = report.verdict_counts()
    if any(verdicts.values()):
        lines.append("verdicts: " + ", ".join(f"{verdicts[v.value]} {v.value}" for v in Verdict if verdicts[v.value]))
    cached = sum(1 for entry in report.entries if entry.result.from_cache)
    if cached:
        lines.append(f"{cached} answer(s) reused from the history (cache); failures are always re-checked")
    if report.network_down:
        lines.append("network unreachable: no host answered; no web link was judged (local links were)")
    if not report.network_down and (note := unresolved_note(report)) is not None:
        lines.append(note)
    if (tls := tls_note(report)) is not None:
        lines.append(tls)
    if report.changed_since is not None:
        unchanged = sum(1 for entry in report.entries if entry.result.error_kind is ErrorKind.UNCHANGED)
        broke = sum(1 for entry in report.entries if entry.change is not None and entry.change.caused)
        before = sum(1 for entry in report.entries if entry.change is not None and not entry.change.caused)
        lines.append(
            f"changed since {report.changed_since}: {broke} link(s) this change added or broke, {before} already "
            f"broken there (failing nothing); {unchanged} web link(s) on unchanged lines not asked"
        )
    site_skipped = sum(1 for entry in report.entries if entry.result.error_kind is ErrorKind.NEEDS_SITE)
    if site_skipped:
        lines.append(
            f"{site_skipped} site-relative link(s) skipped: set site.root (a folder) or site.base_url to check them"
        )
    for outcome in (*_ORDER, Outcome.SKIPPED, Outcome.ALIVE) if verbose else _ORDER:
        entries = [entry for entry in report.entries if entry.result.outcome is outcome]
        if not entries or (outcome is Outcome.EXCLUDED and not verbose):
            continue
        places = sum(len(entry.target.occurrences) for entry in entries)
        lines.append("")
        lines.append(f"{outcome.value.upper()}: {_count(len(entries), 'link')} in {_count(places, 'place')}")
        for entry in entries:
            result = entry.result
            status = str(result.status_code) if result.status_code is not None else "-"
            detail = result.error or (f"-> {result.final_url}" if result.final_url != entry.target.url else "")
            detail = f"{detail} [TLS not verified]".lstrip() if unverified(entry, report) else detail
            # Checked since a ref, what the change did says more than the history's "new failure".
            judged = f"  ({entry.change.why})" if entry.change is not None else _verdict_note(entry)
            for occ in entry.target.occurrences:
                link = as_written(entry, occ)
                lines.append(f"  {occ.path}:{occ.line}:{occ.column}  {status}  {link}  {detail}{judged}".rstrip())
    drifted = [entry for entry in report.entries if entry.verdict is Verdict.DRIFTED]
    if drifted:
        places = sum(len(entry.target.occurrences) for entry in drifted)
        counted = f"{_count(len(drifted), 'link')} in {_count(places, 'place')}"
        lines += ["", f"DRIFTED: {counted} (alive, but not the page cited)"]
        for entry in drifted:
            since = f"  [drifted since {entry.since[:10]}]" if entry.since else ""
            for occ in entry.target.occurrences:
                place = f"{occ.path}:{occ.line}:{occ.column}"
                lines.append(f"  {place}  {as_written(entry, occ)}  {entry.result.error}{since}")
    for error in report.scan_errors:
        lines.append(f"could not read {error.path}: {error.problem}")
    if report.elapsed:
        lines.append(f"done in {report.elapsed:.1f} s")
    return "\n".join(lines) + "\n"

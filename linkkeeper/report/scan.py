"""``linkkeeper scan`` output: a readable listing, or one JSON document."""

from __future__ import annotations

import json
from typing import Any

from linkkeeper.models import Flag, Occurrence, ScanReport

SCAN_JSON_VERSION = 1


def occurrence_record(occurrence: Occurrence) -> dict[str, Any]:
    record: dict[str, Any] = {
        "path": occurrence.path,
        "line": occurrence.line,
        "column": occurrence.column,
        "start": occurrence.start,
        "end": occurrence.end,
        "kind": occurrence.kind.value,
        "syntax": occurrence.syntax.value,
        "raw": occurrence.raw,
        "url": occurrence.url,
        "text": occurrence.text,
        "checkable": occurrence.checkable.value,
        "reason": occurrence.reason,
        "flags": [flag.value for flag in occurrence.flags],
    }
    if occurrence.suppressed_by:
        record["suppressed_by"] = occurrence.suppressed_by
    if occurrence.label is not None:
        record["label"] = occurrence.label
        record["usages"] = [{"line": u.line, "column": u.column} for u in occurrence.usages]
    return record


def to_json(report: ScanReport) -> str:
    document = {
        "version": SCAN_JSON_VERSION,
        "files": len(report.files),
        "occurrences": [occurrence_record(occ) for occ in report.occurrences],
        "errors": [{"path": error.path, "problem": error.problem} for error in report.errors],
    }
    # One line: the C encoder (indent= would fall back to the pure-Python one, ten times slower).
    return json.dumps(document, ensure_ascii=False) + "\n"


def to_text(report: ScanReport) -> str:
    """One line per occurrence: ``file:line:column  kind  url  [checkable: reason] {flags}``."""
    lines: list[str] = []
    for occ in report.occurrences:
        place = f"{occ.path}:{occ.line}:{occ.column}"
        note = "" if occ.checkable.value == "yes" else f"  [{occ.checkable.value}: {occ.reason}]"
        if occ.suppressed_by:
            note += f"  [suppressed at {occ.suppressed_by}]"
        if Flag.MALFORMED in occ.flags:
            note += f"  [written {occ.raw}]"
        flags = f"  {{{', '.join(flag.value for flag in occ.flags)}}}" if occ.flags else ""
        lines.append(f"{place}  {occ.kind.value}  {occ.url}{note}{flags}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary(report: ScanReport) -> str:
    occurrences = report.occurrences
    checkable = sum(1 for occ in occurrences if occ.checkable.value == "yes")
    unique = len({occ.url for occ in occurrences if occ.checkable.value == "yes"})
    text = (
        f"{report.scanned_files} file(s) scanned, {len(occurrences)} link(s) found, "
        f"{checkable} checkable ({unique} unique)"
    )
    suppressed = sum(1 for occ in occurrences if occ.suppressed_by)
    if suppressed:
        text += f", {suppressed} suppressed by comments"
    if report.errors:
        text += f", {len(report.errors)} file(s) could not be read"
    return text


SYNTAX_FLAGS = {
    Flag.SUSPECT_BROKEN_LINK_SYNTAX: "link syntax looks broken (the URL is not a link)",
    Flag.LOOKS_LIKE_HOST_MISSING_SCHEME: "looks like a web address without https://",
    Flag.SPAN_UNVERIFIED: "the destination's exact place could not be verified",
    Flag.MALFORMED: "malformed URL, read as browsers do (`linkkeeper fix --malformed` corrects it)",
}


def syntax_problems(report: ScanReport) -> list[str]:
    """``file:line:column: problem: url`` for every occurrence with a syntax flag (``scan --strict``)."""
    return [
        f"{occ.path}:{occ.line}:{occ.column}: {SYNTAX_FLAGS[flag]}: {occ.url}"
        for occ in report.occurrences
        for flag in occ.flags
        if flag in SYNTAX_FLAGS
    ]

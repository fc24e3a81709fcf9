"""``linkkeeper archive`` output: each dead link with its archive URL or why there is none."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from linkkeeper.config import DeadAfterSettings
from linkkeeper.models import ArchiveReport, NoSnapshot, Snapshot, Verdict
from linkkeeper.report.history import nothing_dead

ARCHIVE_JSON_VERSION = 1
# Save Page Now's outcomes other than success, as the summary line counts them.
_SAVE_WORDS = (
    ("pending", "still pending (polled again next run)"),
    ("retry", "to be submitted again later"),
    ("error", "failed for good"),
    ("skipped", "not submitted"),
)


def snapshot_record(found: Snapshot | NoSnapshot | None) -> dict[str, Any] | None:
    if found is None:
        return None
    if isinstance(found, Snapshot):
        return {
            "archive_url": found.archive_url,
            "timestamp": found.timestamp,
            "captured_status": found.captured_status,
        }
    return {"archive_url": None, "reason": found.reason.value, "detail": found.detail}


def to_json(report: ArchiveReport) -> str:
    document = {
        "version": ARCHIVE_JSON_VERSION,
        "links": [
            {
                "url": entry.target.url,
                "verdict": entry.verdict.value,
                "snapshot": snapshot_record(entry.snapshot),
                "reference_date": entry.reference_date,
                "reference_source": entry.reference_source,
                "note": entry.note,
                "occurrences": [{"path": o.path, "line": o.line, "column": o.column} for o in entry.target.occurrences],
            }
            for entry in report.entries
        ],
        "saves": [
            {"url": save.url, "status": save.status, "timestamp": save.timestamp, "detail": save.detail}
            for save in report.saves
        ],
        "notes": list(report.notes),
    }
    return json.dumps(document, ensure_ascii=False) + "\n"


def describe(found: Snapshot | NoSnapshot) -> str:
    if isinstance(found, Snapshot):
        return found.archive_url
    return f"no snapshot: {found.reason.value}" + (f" ({found.detail})" if found.detail else "")


def to_text(report: ArchiveReport, policy: DeadAfterSettings) -> str:
    if report.network_down:
        return "network unreachable: the Wayback Machine did not answer; nothing was looked up\n"
    lines = []
    found = sum(1 for entry in report.entries if isinstance(entry.snapshot, Snapshot))
    counted = Counter(entry.verdict for entry in report.entries)
    kinds = [f"{counted[verdict]} {verdict.value}" for verdict in (Verdict.DEAD, Verdict.FAILING, Verdict.DRIFTED)]
    which = " and ".join([kind for kind in kinds if not kind.startswith("0 ")] or kinds[:1])
    if report.entries:
        lines.append(f"{which} link(s): {found} with a verified snapshot, {len(report.entries) - found} without")
    for entry in report.entries:
        for occ in entry.target.occurrences:
            lines.append(f"  {occ.path}:{occ.line}:{occ.column}  {entry.verdict.value}  {entry.target.url}")
        lines.append(
            f"      -> {describe(entry.snapshot)}  (cited {entry.reference_date[:10]}, from {entry.reference_source})"
        )
        if entry.note:
            lines.append(f"      {entry.note}")
    if not report.entries:
        lines.append("nothing to look up: " + nothing_dead(report.waiting, policy, "`--include-failing`"))
    if report.saves:
        statuses = Counter(save.status for save in report.saves)
        parts = [f"{statuses['success']} of {len(report.saves)} live link(s) archived"]
        parts += [f"{statuses[status]} {words}" for status, words in _SAVE_WORDS if statuses[status]]
        lines.append("Save Page Now: " + "; ".join(parts))
        lines.extend(
            f"  {save.status:8} {save.url}  {save.timestamp or ''} {save.detail}".rstrip() for save in report.saves
        )
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines) + "\n"

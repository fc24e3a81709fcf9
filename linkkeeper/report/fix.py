"""``linkkeeper fix`` summary: files changed, links rewritten, dead links without a snapshot."""

from __future__ import annotations

from linkkeeper.models import FixReport


def to_text(report: FixReport, *, written: bool) -> str:
    changed = [file for file in report.files if file.edits and not file.problem]
    edits = [edit for file in changed for edit in file.edits]
    verb = "rewritten" if written else "to rewrite"
    lines = [f"{len(changed)} file(s) {'changed' if written else 'to change'}, {len(edits)} link(s) {verb}"]
    lines += [f"  {e.path}:{e.line}:{e.column}  {e.url} -> {e.new_url}  ({e.reason})" for e in edits]
    if report.without_snapshot:
        lines.append(
            f"{len(report.without_snapshot)} dead link(s) without a verified snapshot (run `linkkeeper archive`):"
        )
        lines += [f"  {url}" for url in report.without_snapshot]
    lines += [f"refused {file.path}: {file.problem}" for file in report.files if file.problem]
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines) + "\n"

"""``linkkeeper fix`` summary: files changed, links rewritten, dead links without a snapshot, and
why there is nothing to do when there is nothing."""

from __future__ import annotations

from linkkeeper.config import DeadAfterSettings
from linkkeeper.models import Edit, FixReport
from linkkeeper.report.history import nothing_dead


def to_text(report: FixReport, *, written: bool, policy: DeadAfterSettings) -> str:
    changed = [file for file in report.files if file.edits and not file.problem]
    edits = [edit for file in changed for edit in file.edits]
    verb = "rewritten" if written else "to rewrite"
    links = len({edit.url for edit in edits})
    files = f"{len(changed)} file(s) {'changed' if written else 'to change'}"
    lines = [f"{files}, {links} link(s) {verb} in {len(edits)} place(s)"]
    lines += [f"  {e.path}:{e.line}:{e.column}  {_written(e)} -> {e.new_url}  ({e.reason})" for e in edits]
    if report.without_snapshot:
        lines.append(f"{len(report.without_snapshot)} link(s) without a verified archived copy:")
        unknown = "not looked up yet: run `linkkeeper archive`"
        lines += [f"  {url}  ({why or unknown})" for url, why in report.without_snapshot]
    # A problem names its file already (RewriteRefused's messages do): the path is said once.
    lines += [
        f"refused {file.path}: {file.problem.removeprefix(f'{file.path}: ')}" for file in report.files if file.problem
    ]
    lines += [f"note: {note}" for note in report.notes]
    if not edits and not report.without_snapshot and not any(file.problem for file in report.files):
        lines.append(nothing_dead(report.waiting, policy, "`--include-failing`"))
    return "\n".join(lines) + "\n"


def _written(edit: Edit) -> str:
    """The link as the reader knows it: a malformed one as written (its URL is already the
    corrected reading)."""
    return edit.old if edit.reason == "malformed" else edit.url

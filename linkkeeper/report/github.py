"""GitHub Actions: ::error / ::warning annotations on the failing links, and the job summary.

GitHub shows 10 error, 10 warning and 10 notice annotations a step (50 a job) and drops the rest
silently, so the annotations stop at those counts and one notice says how many more there are.
The job summary file takes at most 1 MiB a step; a longer report is cut at a line, with a link to
the run's artifacts. The runner reads workflow commands on stdout and stderr alike; linkkeeper
writes them to stderr, where they never mix with data on stdout.
"""

from __future__ import annotations

from collections.abc import Mapping

from linkkeeper.models import RunReport, Verdict
from linkkeeper.report.check import failing_entries
from linkkeeper.report.markdown import reason_of, verdict_of


def running_in_actions(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(report: RunReport, fail_on: str, max_errors: int, max_warnings: int) -> list[str]:
    """Workflow commands: errors for links that fail the policy, warnings for other failing ones,
    each up to its count; then a notice with how many places were left out."""
    failing = {id(entry) for entry in failing_entries(report, fail_on)}
    kept: dict[str, list[str]] = {"error": [], "warning": []}
    caps = {"error": max_errors, "warning": max_warnings}
    left_out = 0
    for entry in report.entries:
        verdict = verdict_of(entry)
        if id(entry) not in failing and verdict not in (Verdict.FAILING, Verdict.DEAD, Verdict.DRIFTED):
            continue
        if entry.change is not None and not entry.change.caused:
            continue  # checked since a ref: a pull request's lines show only what it broke
        command = "error" if id(entry) in failing else "warning"
        reason = reason_of(entry) + (f" ({entry.change.why})" if entry.change is not None else "")
        title = _property(f"{verdict.value} link")
        for occ in entry.target.occurrences:
            if len(kept[command]) >= caps[command]:
                left_out += 1
                continue
            kept[command].append(
                f"::{command} file={_property(occ.path)},line={occ.line},col={occ.column},title={title}::"
                + _data(f"{entry.target.url}: {reason}")
            )
    lines = kept["error"] + kept["warning"]
    if left_out:
        lines.append(
            f"::notice title={_property('linkkeeper')}::"
            + _data(
                f"{left_out} more failing link place(s) not annotated; the job summary and the reports list them all"
            )
        )
    return lines


def run_url(environ: Mapping[str, str]) -> str | None:
    """The page of this workflow run, where its artifacts (the reports) are listed."""
    parts = [environ.get(name, "") for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    if not all(parts):
        return None
    server, repository, run = parts
    return f"{server.rstrip('/')}/{repository}/actions/runs/{run}#artifacts"


def step_summary(markdown: str, budget: int, artifacts: str | None) -> str:
    """The summary to append, at most ``budget`` bytes of UTF-8: the whole report when it fits,
    else as many whole lines as fit and a note pointing to the reports."""
    if len(markdown.encode("utf-8")) <= budget:
        return markdown
    where = f"[the run's artifacts]({artifacts})" if artifacts else "the reports artifact"
    note = f"\n> **Cut here**: the whole report did not fit GitHub's job summary (1 MiB a step); see {where}.\n"
    room = budget - len(note.encode("utf-8"))
    if room <= 0:
        return ""
    head = markdown.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return head[: head.rfind("\n") + 1] + note

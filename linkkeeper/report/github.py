"""GitHub Actions: ::error / ::warning annotations on the failing links, and the job summary."""

from __future__ import annotations

from collections.abc import Mapping

from linkkeeper.models import RunReport, Verdict
from linkkeeper.report.check import failing_entries
from linkkeeper.report.markdown import verdict_of


def running_in_actions(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(report: RunReport, fail_on: str, limit: int) -> list[str]:
    """Workflow commands: errors for links that fail the policy, warnings for other unhealthy ones."""
    failing = {id(entry) for entry in failing_entries(report, fail_on)}
    lines: list[str] = []
    for entry in report.entries:
        verdict = verdict_of(entry)
        if id(entry) not in failing and verdict not in (Verdict.FAILING, Verdict.DEAD):
            continue
        command = "error" if id(entry) in failing else "warning"
        reason = entry.result.error or f"HTTP {entry.result.status_code}"
        for occ in entry.target.occurrences:
            if len(lines) >= limit:
                return lines
            title = _property(f"{verdict.value} link")
            lines.append(
                f"::{command} file={_property(occ.path)},line={occ.line},col={occ.column},title={title}::"
                + _data(f"{entry.target.url}: {reason}")
            )
    return lines

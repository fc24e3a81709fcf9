"""``linkkeeper history`` output: a URL's record, the failing links, the recent runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from linkkeeper.config import DeadAfterSettings
from linkkeeper.history.store import CheckRecord, RunRecord, Seen
from linkkeeper.history.verdict import judge
from linkkeeper.models import LinkState, Outcome


def _verdict(state: LinkState, policy: DeadAfterSettings) -> str:
    if state.consecutive_failures:
        verdict, since = judge(Outcome.BROKEN, state, policy)
        return f"{verdict.value} since {since}"
    return "alive" if state.last_alive else "not judged yet"


def url_text(
    url: str, state: LinkState, checks: Sequence[CheckRecord], seen: Sequence[Seen], policy: DeadAfterSettings
) -> str:
    lines = [
        url,
        f"  verdict: {_verdict(state, policy)}",
        f"  first seen {state.first_seen}; last alive {state.last_alive or 'never'}; "
        f"{state.consecutive_failures} failing run(s) in a row on {state.failing_days} day(s)",
        "  checks:",
    ]
    for check in checks:
        status = "-" if check.status is None else str(check.status)
        cached = " (cached)" if check.from_cache else ""
        lines.append(
            f"    {check.checked_at}  run {check.run_id}  {check.outcome.value}  {status}  {check.error}{cached}"
        )
    lines.append("  written at:")
    lines.extend(f"    {place.path}:{place.line}:{place.column}  {place.kind}" for place in seen)
    return "\n".join(lines).rstrip() + "\n"


def failing_text(failing: Sequence[tuple[str, LinkState]], policy: DeadAfterSettings, now: datetime) -> str:
    if not failing:
        return "no link is failing\n"
    lines = []
    for url, state in failing:
        since = datetime.fromisoformat(state.first_failed) if state.first_failed else now
        days = (now - since).days
        verdict, _ = judge(Outcome.BROKEN, state, policy)
        runs = state.consecutive_failures
        lines.append(f"{verdict.value:7}  {days:4d} day(s)  {runs} run(s)  {url}  (since {state.first_failed})")
    return "\n".join(lines) + "\n"


def runs_text(runs: Sequence[RunRecord]) -> str:
    if not runs:
        return "no runs recorded yet\n"
    lines = []
    for run in runs:
        status = "network down" if run.network_down else ("complete" if run.completed else "incomplete")
        lines.append(f"run {run.id}  {run.started_at}  {status}  {' '.join(run.inputs)}")
    return "\n".join(lines) + "\n"

"""``linkkeeper history`` output: a URL's record, the failing links, the recent runs."""

from __future__ import annotations

from collections.abc import Sequence

from linkkeeper.config import DeadAfterSettings
from linkkeeper.history.store import CheckRecord, RunRecord, Seen
from linkkeeper.history.verdict import judge
from linkkeeper.models import LinkState, Outcome, Waiting


def streak(state: LinkState) -> str:
    """How long a link has been failing, in the words every command uses: a first failure is new."""
    if state.consecutive_failures <= 1:
        return "first failure"
    return f"{state.consecutive_failures} failing runs on {state.failing_days} day(s)"


def dead_rule(policy: DeadAfterSettings) -> str:
    return f"a link is dead after {policy.failures} failing run(s) on {policy.days} day(s) (dead_after)"


def nothing_dead(waiting: Waiting, policy: DeadAfterSettings, act_now: str) -> str:
    """Why a command for dead links has nothing to do, and what would act now."""
    if not waiting.failing:
        return f"no web link here is dead or failing (local links have no archived copies); {dead_rule(policy)}"
    since = (waiting.since or "")[:10]
    return (
        f"no web link here is dead yet: {waiting.failing} failing since {since}, the first could be dead on "
        f"{waiting.earliest_dead}; {dead_rule(policy)}. {act_now} acts on failing links now"
    )


def _verdict(state: LinkState, policy: DeadAfterSettings, last: Outcome | None = None) -> str:
    if state.consecutive_failures:
        verdict, since = judge(Outcome.BROKEN, state, policy)
        return f"{verdict.value} since {since}"
    if last is Outcome.BROKEN_FRAGMENT:
        return "failing (the page is there, its #fragment is not; a missing anchor never makes a link dead)"
    return "alive" if state.last_alive else "not judged yet"


def url_text(
    url: str, state: LinkState, checks: Sequence[CheckRecord], seen: Sequence[Seen], policy: DeadAfterSettings
) -> str:
    lines = [
        url,
        f"  verdict: {_verdict(state, policy, checks[-1].outcome if checks else None)}",
        f"  first seen {state.first_seen}; last alive {state.last_alive or 'never'}"
        + (f"; {streak(state)}" if state.consecutive_failures else ""),
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


def failing_text(failing: Sequence[tuple[str, LinkState]], policy: DeadAfterSettings) -> str:
    if not failing:
        return "no link is failing\n"
    lines = []
    for url, state in failing:
        verdict, since = judge(Outcome.BROKEN, state, policy)
        lines.append(f"{verdict.value:7}  since {(since or '')[:10]}  {streak(state)}  {url}")
    return "\n".join(lines) + "\n"


def runs_text(runs: Sequence[RunRecord]) -> str:
    if not runs:
        return "no runs recorded yet\n"
    lines = []
    for run in runs:
        status = "network down" if run.network_down else ("complete" if run.completed else "incomplete")
        lines.append(f"run {run.id}  {run.started_at}  {status}  {' '.join(run.inputs)}")
    return "\n".join(lines) + "\n"

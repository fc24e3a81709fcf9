"""The verdict policy: a link is dead only after repeated failures over days (InternetArchiveBot's
rule), one success resets it, and blocked answers do not count unless configured. Pure functions."""

from __future__ import annotations

from typing import NamedTuple

from linkkeeper.config import DeadAfterSettings
from linkkeeper.models import LinkState, Outcome, Verdict

SUCCESSES = frozenset({Outcome.ALIVE, Outcome.REDIRECTED})
FAILURES = frozenset({Outcome.BROKEN, Outcome.ERROR})


class Judged(NamedTuple):
    """A link after a run: its state, its verdict, and since when that verdict holds."""

    state: LinkState
    verdict: Verdict
    since: str | None


def counts_as_failure(outcome: Outcome, policy: DeadAfterSettings) -> bool:
    return outcome in FAILURES or (policy.count_blocked and outcome is Outcome.BLOCKED)


def next_state(state: LinkState, outcome: Outcome, at: str, policy: DeadAfterSettings) -> LinkState:
    """The link's state after one (fresh, judged) answer at ISO time ``at``."""
    # Built directly rather than with dataclasses.replace: this runs once per URL per run.
    if outcome in SUCCESSES:
        return LinkState(state.first_seen, at, None, 0, 0, None)
    if not counts_as_failure(outcome, policy):
        return state
    day = at[:10]
    return LinkState(
        state.first_seen,
        state.last_alive,
        state.first_failed or at,
        state.consecutive_failures + 1,
        state.failing_days + (day != state.last_failure_day),
        day,
    )


def is_dead(state: LinkState, policy: DeadAfterSettings) -> bool:
    """The dead rule: failures in at least ``policy.failures`` runs on at least ``policy.days`` days."""
    return state.consecutive_failures >= policy.failures and state.failing_days >= policy.days


def judge(outcome: Outcome, state: LinkState, policy: DeadAfterSettings) -> tuple[Verdict, str | None]:
    """The verdict for this run's outcome given the state after it, and since when it holds."""
    if outcome is Outcome.ALIVE:
        return Verdict.ALIVE, None
    if outcome is Outcome.REDIRECTED:
        return Verdict.REDIRECTED, None
    if counts_as_failure(outcome, policy):
        return (Verdict.DEAD if is_dead(state, policy) else Verdict.FAILING), state.first_failed
    if outcome is Outcome.BLOCKED:
        return Verdict.BLOCKED, None
    if outcome is Outcome.BROKEN_FRAGMENT:
        return Verdict.FAILING, None  # the page is there: a missing anchor never makes a link dead
    if outcome is Outcome.EXCLUDED:
        return Verdict.EXCLUDED, None
    return Verdict.SKIPPED, None

"""The adaptive per-host pace, driven by a simulated host and a fake clock (tests/pacesim.py)."""

from __future__ import annotations

import statistics

import pytest

from linkkeeper.checking.pace import Pace
from tests.pacesim import Outage, RefusesFirstRequestOf, TokenBucket, simulate

LATENCY = 0.05
CONNECTIONS = 4


def unhindered(urls: int) -> float:
    """Seconds the URLs take through four connections when nothing is refused."""
    return urls * LATENCY / CONNECTIONS


@pytest.mark.parametrize("rate", [5, 10, 30])
def test_a_token_bucket_host_is_paced_near_its_rate(rate: int) -> None:
    """Against a host-wide limit the pace converges to the bucket's rate: every URL is alive and
    the host finishes within 15 % of the time its limit allows."""
    urls = rate * 11
    run = simulate(TokenBucket(rate, capacity=rate), range(urls), connections=CONNECTIONS, latency=LATENCY)
    assert run.outcomes == {"alive": urls}
    bound = (urls - rate) / rate
    assert run.finished_at <= 1.15 * bound
    settled = [pace for at, pace in run.rates if at > run.finished_at / 2 and pace is not None]
    assert 0.75 * rate <= statistics.median(settled) <= 1.25 * rate


def test_refusals_of_single_urls_leave_the_host_at_full_speed() -> None:
    """Ten URLs refused once among 200 accepted ones never slow the host: it ends unpaced, and only
    the refused URLs' own Retry-After (1 s) adds to the time."""
    refused = set(range(10, 210, 20))
    run = simulate(RefusesFirstRequestOf(refused), range(210), connections=CONNECTIONS, latency=LATENCY)
    assert run.outcomes == {"alive": 210}
    assert (run.pace.decreases, run.pace.rate) == (0, None)
    assert run.finished_at <= unhindered(220) + 1.0 + LATENCY


def test_the_pace_recovers_after_a_burst_of_refusals() -> None:
    """A host refusing everything for three seconds is paced down, then back to full speed: it ends
    unpaced and within 30 % of the time the rest takes unhindered."""
    run = simulate(Outage(0.0, 3.0), range(400), connections=CONNECTIONS, latency=LATENCY)
    assert run.outcomes == {"alive": 400}
    assert run.pace.decreases >= 1 and (run.pace.rate, run.pace.limit) == (None, None)
    assert run.finished_at <= 3.0 + 1.3 * unhindered(400)


def test_the_slowest_pace_is_bounded() -> None:
    """A host refusing everything with Retry-After: 60 is never paced below min_rate nor paused longer
    than one such interval; each URL ends blocked after its retries."""
    run = simulate(Outage(0.0, 1e9, retry_after=60.0), range(50), min_rate=2.0)
    assert run.outcomes == {"blocked": 50}
    assert run.longest_pace_wait <= 0.5
    assert all(pace is None or pace >= 2.0 for _, pace in run.rates)


def test_refusals_of_requests_sent_before_a_decrease_do_not_decrease_again() -> None:
    """One decrease per round trip: the refusals already in flight were caused by the old pace."""
    pace = Pace(min_rate=1.0)
    for step in range(10):
        pace.accepted(0.1 + step * 0.01, sent_at=step * 0.01)
    for step in range(4):
        pace.refused(0.3 + step * 0.01, sent_at=0.2, retry_after=1.0, url=f"u{step}")
    first = pace.rate
    pace.refused(0.35, sent_at=0.25, retry_after=1.0, url="u5")
    assert pace.decreases == 1 and pace.rate == first

"""Hedged attempts (the checker's docstring): a URL whose attempt goes unanswered gets its next
attempt beside it, in a host slot nothing else wants, instead of after its timeout. In simulated
time (looptime, the fake web in the test's own loop): each cost is read from the loop's clock and
from the requests the fake web counted, never from the wall clock."""

from __future__ import annotations

import random

import pytest

from linkkeeper.checking.hosts import HEDGE_FACTOR, HEDGE_FLOOR, HEDGE_UNKNOWN, HostState, PrioritySlots
from linkkeeper.checking.pace import Pace
from linkkeeper.checking.retry import RetryableFailure, RetryWait
from linkkeeper.models import CheckResult, ErrorKind, Outcome
from tests.fakeweb import FakeWeb
from tests.simulated import LATENCY, RETRIES, TIMEOUT, in_simulated_time, timed_check

FLOOR = HEDGE_FLOOR * TIMEOUT  # the hedge delay on a host whose answers all take LATENCY


def test_a_url_that_never_answers_costs_one_timeout_and_two_hedge_delays() -> None:
    """A hanging URL last in a host's queue, once the host's pages have answered: its R+1 attempts
    overlap (each a request of its own, each within the host's limit), so the run ends about one
    timeout after the hang was first asked, not R+1 timeouts and the backoffs later (18 s)."""

    async def scenario(web: FakeWeb) -> tuple[list[CheckResult], float, int, int]:
        urls = [web.url(0, f"/page/{n}") for n in range(40)] + [web.url(0, "/hang")]
        results, elapsed = await timed_check(web, urls)
        return results, elapsed, web.count(host=0, path="/hang"), web.max_in_flight(0)

    results, elapsed, hang_requests, in_flight = in_simulated_time(scenario, hosts=2)
    *pages, hang = results
    assert {page.outcome for page in pages} == {Outcome.ALIVE}
    assert (hang.outcome, hang.error_kind, hang.attempts) == (Outcome.ERROR, ErrorKind.TIMEOUT, RETRIES + 1)
    assert hang_requests == RETRIES + 1
    assert in_flight <= 4
    pages_done = 40 * LATENCY / 4
    assert elapsed <= pages_done + TIMEOUT + 2 * FLOOR + 0.2
    assert elapsed < 2 * TIMEOUT


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_overlapping_attempts_never_pass_the_host_limit(seed: int) -> None:
    """Hangs, slow pages and pages in a shuffled order, two slots for the host: never more than two
    requests in flight at the fake web, every hang asked exactly R+1 times and judged a timeout,
    every slow page alive."""

    async def scenario(web: FakeWeb) -> tuple[list[CheckResult], int, int]:
        urls = [web.url(0, f"/page/{n}") for n in range(30)]
        urls += [web.url(0, f"/hang?{n}") for n in range(3)] + [web.url(0, f"/slow/{800 + 300 * n}") for n in range(4)]
        random.Random(seed).shuffle(urls)
        urls.insert(0, web.url(0, "/page/first"))  # the host has answered before a hang can be hedged
        results, _ = await timed_check(web, urls, host_concurrency=2)
        return results, web.max_in_flight(0), web.count(host=0, path="/hang")

    results, in_flight, hang_requests = in_simulated_time(scenario, hosts=2)
    assert in_flight <= 2
    assert hang_requests == 3 * (RETRIES + 1)
    for result in results:
        expected = (Outcome.ERROR, RETRIES + 1) if "/hang" in result.url else (Outcome.ALIVE, result.attempts)
        assert (result.outcome, result.attempts) == expected
        assert 1 <= result.attempts <= RETRIES + 1


def test_a_hedge_waits_behind_the_hosts_other_requests() -> None:
    """A slow page amid a queue of pages: its hedge would take a slot the host's pages want, so it
    waits, and the page answers first: one request, as before hedging."""

    async def scenario(web: FakeWeb) -> tuple[list[CheckResult], int]:
        urls = [web.url(0, f"/page/{n}") for n in range(10)] + [web.url(0, "/slow/1500")]
        urls += [web.url(0, f"/page/later{n}") for n in range(200)]
        results, _ = await timed_check(web, urls, host_concurrency=2)
        return results, web.count(host=0, path="/slow/1500")

    results, slow_requests = in_simulated_time(scenario, hosts=2)
    assert {result.outcome for result in results} == {Outcome.ALIVE}
    assert slow_requests == 1
    assert results[10].attempts == 1


def test_a_slow_page_on_an_idle_host_is_answered_by_its_first_attempt() -> None:
    """A page slower than the hedge delay, alone at the end: hedges go out beside it (the host has
    idle slots) but its own answer decides, alive; the run does not wait for the hedges."""

    async def scenario(web: FakeWeb) -> tuple[list[CheckResult], float, int]:
        urls = [web.url(0, f"/page/{n}") for n in range(8)] + [web.url(0, "/slow/1500")]
        results, elapsed = await timed_check(web, urls)
        return results, elapsed, web.count(host=0, path="/slow/1500")

    results, elapsed, slow_requests = in_simulated_time(scenario, hosts=2)
    assert {result.outcome for result in results} == {Outcome.ALIVE}
    assert 2 <= slow_requests == results[-1].attempts <= RETRIES + 1
    assert elapsed <= 1.5 + 4 * LATENCY


def test_a_host_that_answered_nothing_is_not_hedged() -> None:
    """Two hanging URLs on a host that has answered nothing: no hedges (the silence may be the
    host's); their attempts follow each other after the timeouts, as retries always did."""

    async def scenario(web: FakeWeb) -> tuple[list[CheckResult], float, list[float]]:
        results, elapsed = await timed_check(web, [web.url(1, "/hang?a"), web.url(1, "/hang?b")])
        return results, elapsed, sorted(record.at for record in web.records)

    results, elapsed, sent = in_simulated_time(scenario, hosts=2)
    assert [result.attempts for result in results] == [RETRIES + 1] * 2
    assert sent[2] - sent[0] >= TIMEOUT  # the third request is a retry, after the first two timed out
    assert elapsed >= (RETRIES + 1) * TIMEOUT


def _host(answer_times: list[float]) -> HostState:
    state = HostState("h", 4, PrioritySlots(4), 0.0, Pace(1.0))
    state.answer_times.extend(answer_times)
    return state


def test_the_hedge_delay_follows_the_hosts_answer_times() -> None:
    """Twice the 95th percentile of the host's recent answer times, at least a tenth of the timeout;
    a quarter of the timeout before any answer; none when that reaches the timeout, nor for a host
    found not answering."""
    assert _host([]).hedge_delay(20.0) == HEDGE_UNKNOWN * 20.0
    assert _host([0.05] * 100).hedge_delay(20.0) == HEDGE_FLOOR * 20.0
    assert _host([0.5] * 94 + [2.0] * 6).hedge_delay(20.0) == pytest.approx(HEDGE_FACTOR * 2.0)
    assert _host([1.5] * 96 + [9.0] * 4).hedge_delay(20.0) == pytest.approx(HEDGE_FACTOR * 1.5)
    assert _host([12.0] * 10).hedge_delay(20.0) is None
    silent = _host([0.05])
    silent.not_answering = "host not answering"
    assert silent.hedge_delay(20.0) is None


def test_the_retry_wait_is_exponential_with_jitter_or_the_servers() -> None:
    """backoff * 2^(failures-1) plus up to backoff at random, capped; a Retry-After (capped) wins."""
    wait = RetryWait(backoff=1.0, cap=10.0)
    plain = RetryableFailure(CheckResult("u", Outcome.ERROR), None)
    assert 1.0 <= wait.after(1, plain) <= 2.0
    assert 2.0 <= wait.after(2, plain) <= 3.0
    assert wait.after(8, plain) == 10.0
    assert wait.after(1, RetryableFailure(CheckResult("u", Outcome.ERROR), 3.0)) == 3.0
    assert wait.after(1, RetryableFailure(CheckResult("u", Outcome.ERROR), 60.0)) == 10.0

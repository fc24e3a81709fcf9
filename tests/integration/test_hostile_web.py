"""The checker on the web's faults, in simulated time: the fake web serves in the test's own event
loop, and looptime's loop makes every sleep, latency and timeout instant, so each scenario's cost
is read from the loop's clock (deterministic, not the wall clock) and from request counts."""

from __future__ import annotations

from linkkeeper.models import CheckResult, ErrorKind, Outcome
from tests.conftest import HEAD_FIRST
from tests.fakeweb import FakeWeb
from tests.simulated import LATENCY, RETRIES, TIMEOUT, in_simulated_time, timed_check

SLOWEST_BACKOFF = 1.0 + 1.0 + 2.0 + 1.0  # two exponential waits (1 s, 2 s), each with up to 1 s of jitter


def test_single_urls_answering_429_cost_only_their_own_wait() -> None:
    """200 pages and 10 that answer their first request 429 (Retry-After: 1): the host goes on at
    full speed, and the run takes the unhindered time plus about that one second."""

    async def scenario(web: FakeWeb) -> tuple[list[CheckResult], float, int]:
        urls = [web.url(0, f"/page/{n}") for n in range(200)]
        for n in range(10):
            urls.insert(10 + 20 * n, web.url(0, f"/ratelimit/once{n}/1?after=1"))
        results, elapsed = await timed_check(web, urls)
        return results, elapsed, web.count(host=0)

    results, elapsed, requests = in_simulated_time(scenario)
    assert {result.outcome for result in results} == {Outcome.ALIVE}
    assert requests == 220
    assert elapsed <= 1.2 * 220 * LATENCY / 4 + 1.0


def test_a_host_with_a_rate_limit_is_paced_near_it() -> None:
    """110 URLs on a host allowing 10 requests a second: all alive, in about 11 s and with few
    refused requests (it took 26 s when every 429 slowed the host for good)."""

    async def scenario(web: FakeWeb) -> tuple[list[CheckResult], float, int]:
        results, elapsed = await timed_check(web, [web.url(1, f"/bucket/10/{n}") for n in range(110)])
        return results, elapsed, web.count(host=1)

    results, elapsed, requests = in_simulated_time(scenario)
    assert {result.outcome for result in results} == {Outcome.ALIVE}
    assert elapsed <= 1.2 * 11.0
    assert requests <= 1.3 * 110


def test_a_hanging_url_costs_one_timeout_per_attempt() -> None:
    """HEAD times out, and the next attempts are GETs: (R+1) requests and (R+1) timeouts, not twice that."""

    async def scenario(web: FakeWeb) -> tuple[list[CheckResult], float, list[str]]:
        results, elapsed = await timed_check(web, [web.url(2, "/hang")], **HEAD_FIRST)
        return results, elapsed, [record.method for record in web.records]

    (result,), elapsed, methods = in_simulated_time(scenario)
    assert (result.outcome, result.error_kind, result.attempts) == (Outcome.ERROR, ErrorKind.TIMEOUT, RETRIES + 1)
    assert methods == ["HEAD", "GET", "GET"]
    assert (RETRIES + 1) * TIMEOUT <= elapsed <= (RETRIES + 1) * TIMEOUT + SLOWEST_BACKOFF


def test_a_host_that_answers_nothing_costs_about_one_urls_retries() -> None:
    """Twenty URLs on a host that never answers: after five timeouts in a row the rest are error
    "host not answering" without being asked, and the run costs no more than one URL's retries."""

    async def scenario(web: FakeWeb) -> tuple[list[CheckResult], float, int]:
        urls = [web.url(3, f"/hang?{n}") for n in range(20)] + [web.url(0, f"/page/{n}") for n in range(20)]
        results, elapsed = await timed_check(web, urls)
        return results, elapsed, web.count(host=3)

    results, elapsed, requests = in_simulated_time(scenario)
    hanging, answering = results[:20], results[20:]
    assert all((r.outcome, r.error_kind) == (Outcome.ERROR, ErrorKind.TIMEOUT) for r in hanging)
    unasked = [r for r in hanging if r.attempts == 0]
    assert len(unasked) >= 10 and all(r.error.startswith("host not answering: 5 timeouts in a row") for r in unasked)
    assert requests <= 12
    assert elapsed <= (RETRIES + 1) * TIMEOUT + SLOWEST_BACKOFF
    assert {r.outcome for r in answering} == {Outcome.ALIVE}


def test_a_host_whose_first_urls_hang_but_others_answer_is_asked_for_every_url() -> None:
    """Timeouts followed by an answer are URLs that hang, not a host that is gone: nothing is cut short."""

    async def scenario(web: FakeWeb) -> list[CheckResult]:
        urls = [web.url(1, f"/hang?{n}") for n in range(6)] + [web.url(1, f"/page/{n}") for n in range(10)]
        results, _ = await timed_check(web, urls, retries=0)
        return results

    results = in_simulated_time(scenario)
    assert all(r.attempts == 1 for r in results)
    assert [r.outcome for r in results] == [Outcome.ERROR] * 6 + [Outcome.ALIVE] * 10

"""The checker against the fake web: outcomes, retries, politeness and safety, on real sockets."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from linkkeeper.checking import Checker
from linkkeeper.config import CheckSettings, HostSettings
from linkkeeper.models import CheckResult, ErrorKind, Outcome
from tests.conftest import HEAD_FIRST
from tests.fakeweb import FakeWeb


def settings_for(web: FakeWeb, **overrides: Any) -> CheckSettings:
    """Settings for tests: every fake host resolved to loopback, short timeouts, tiny backoff, HEAD first."""
    base = CheckSettings(
        resolve=web.resolve_entries(), timeout=2.0, connect_timeout=1.0, read_timeout=1.0,
        retries=2, backoff=0.01, retry_after_cap=5.0, **HEAD_FIRST,
    )  # fmt: skip
    return dataclasses.replace(base, **overrides)


async def check(web: FakeWeb, urls: list[str], **overrides: Any) -> list[CheckResult]:
    return await Checker(settings_for(web, **overrides), environ={}).run(urls)


async def check_one(web: FakeWeb, url: str, **overrides: Any) -> CheckResult:
    (result,) = await check(web, [url], **overrides)
    return result


@pytest.mark.parametrize(
    ("path", "outcome", "kind", "status"),
    [
        ("/ok", Outcome.ALIVE, None, 200),
        ("/status/404", Outcome.BROKEN, ErrorKind.HTTP_STATUS, 404),
        ("/status/410", Outcome.BROKEN, ErrorKind.HTTP_STATUS, 410),
        ("/status/401", Outcome.BLOCKED, ErrorKind.HTTP_STATUS, 401),
        ("/status/403", Outcome.BLOCKED, ErrorKind.HTTP_STATUS, 403),
        ("/status/999", Outcome.BLOCKED, ErrorKind.HTTP_STATUS, 999),
        ("/botwall", Outcome.BLOCKED, ErrorKind.BOT_WALL, 403),
        ("/botwall-503", Outcome.BLOCKED, ErrorKind.BOT_WALL, 503),
        ("/redirect/302/2", Outcome.ALIVE, None, 200),
        ("/redirect/301/2", Outcome.REDIRECTED, None, 200),
        ("/redirect/308/1", Outcome.REDIRECTED, None, 200),
        ("/deep/old/page", Outcome.BROKEN, ErrorKind.SOFT_404, 200),
        ("/missing/thing", Outcome.BROKEN, ErrorKind.SOFT_404, 200),
        ("/head-hostile", Outcome.ALIVE, None, 200),
        ("/head-404", Outcome.ALIVE, None, 200),
    ],
)
async def test_outcome_of_each_answer(
    fakeweb: FakeWeb, path: str, outcome: Outcome, kind: ErrorKind | None, status: int
) -> None:
    """Each kind of answer gets its honest outcome: a bot wall is blocked, not broken."""
    result = await check_one(fakeweb, fakeweb.url(0, path))
    assert (result.outcome, result.error_kind, result.status_code) == (outcome, kind, status)


async def test_redirect_chain_is_recorded(fakeweb: FakeWeb) -> None:
    """A permanent redirect keeps its chain and final URL."""
    result = await check_one(fakeweb, fakeweb.url(0, "/redirect/301/2"))
    assert [hop.status for hop in result.redirects] == [301, 301]
    assert result.final_url == fakeweb.url(0, "/ok")


async def test_cross_host_redirect(fakeweb: FakeWeb) -> None:
    """A redirect to another host is followed to that host."""
    target = fakeweb.url(1, "/ok")
    result = await check_one(fakeweb, fakeweb.url(0, f"/to/301?location={target}"))
    assert (result.outcome, result.final_url) == (Outcome.REDIRECTED, target)
    assert fakeweb.count(host=1, path="/ok") >= 1


async def test_redirect_loop_and_too_many_redirects_are_broken(fakeweb: FakeWeb) -> None:
    """Loops and chains longer than max_redirects are broken links."""
    loop, long_chain = await check(
        fakeweb, [fakeweb.url(0, "/loop/a"), fakeweb.url(0, "/redirect/302/8")], max_redirects=5
    )
    assert (loop.outcome, loop.error_kind) == (Outcome.BROKEN, ErrorKind.REDIRECT_LOOP)
    assert (long_chain.outcome, long_chain.error_kind) == (Outcome.BROKEN, ErrorKind.TOO_MANY_REDIRECTS)


@pytest.mark.parametrize(
    "location",
    ["http://[bad/x", "//[x", "http://[::1", "http://xn--a.example/", "javascript:alert(1)", "http://h1.test:99999/"],
)
async def test_a_redirect_to_an_invalid_url_is_broken_and_the_run_goes_on(fakeweb: FakeWeb, location: str) -> None:
    """A malformed Location is the link's problem, said in words; it crashed the whole run."""
    redirected, other = await check(
        fakeweb, [fakeweb.url(0, "/to/302?location=" + quote(location, safe="")), fakeweb.url(1, "/ok")]
    )
    assert (redirected.outcome, redirected.error_kind) == (Outcome.BROKEN, ErrorKind.INVALID_REDIRECT)
    assert "redirected to an invalid URL" in redirected.error and redirected.attempts == 1
    assert other.outcome is Outcome.ALIVE


async def test_a_port_out_of_range_is_an_invalid_url_not_a_crash(fakeweb: FakeWeb) -> None:
    """A port over 65535 is refused before any socket (it raised OverflowError and ended the run)."""
    over, fine = await check(fakeweb, ["http://localhost:99999/", fakeweb.url(0, "/ok")])
    assert (over.outcome, over.error_kind) == (Outcome.SKIPPED, ErrorKind.NOT_CHECKABLE)
    assert "port 99999 is out of range" in over.error and fine.outcome is Outcome.ALIVE


async def test_a_link_that_is_no_requestable_url_gets_a_result(fakeweb: FakeWeb) -> None:
    """An empty or overlong label never resolves, and a malformed IDNA label is no URL at all: each
    is a result with its reason (they crashed the run), and nothing leaves the machine."""
    empty_label, overlong, bad_idna, fine = await check(
        fakeweb, ["http://a..b.invalid/", f"http://{'a' * 64}.invalid/", "http://xn--a.invalid/", fakeweb.url(0, "/ok")]
    )
    assert (empty_label.outcome, empty_label.error_kind) == (Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND)
    assert (overlong.outcome, overlong.error_kind) == (Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND)
    assert (bad_idna.outcome, bad_idna.error_kind) == (Outcome.SKIPPED, ErrorKind.NOT_CHECKABLE)
    assert bad_idna.error.startswith("invalid URL") and fine.outcome is Outcome.ALIVE


async def test_server_errors_are_retried_then_reported_as_error(fakeweb: FakeWeb) -> None:
    """A 500 is retried (HEAD, then GET, each attempt) and ends as error after the retries."""
    result = await check_one(fakeweb, fakeweb.url(0, "/status/500"), retries=2)
    assert (result.outcome, result.attempts) == (Outcome.ERROR, 3)
    assert fakeweb.count(path="/status/500", method="GET") == 3


async def test_flaky_server_recovers_within_the_retries(fakeweb: FakeWeb) -> None:
    """A server failing three times then answering is alive: HEAD and GET fail, then GET only."""
    result = await check_one(fakeweb, fakeweb.url(0, "/flaky/recover/3"), retries=2)
    assert (result.outcome, result.attempts) == (Outcome.ALIVE, 3)
    assert [r.method for r in fakeweb.records] == ["HEAD", "GET", "GET", "GET"]


async def test_a_server_failing_once_costs_two_requests_and_no_wait(fakeweb: FakeWeb) -> None:
    """A 503 to the first request is answered by the GET that follows HEAD, in the same attempt."""
    result = await check_one(fakeweb, fakeweb.url(0, "/flaky/once/1"), retries=2)
    assert (result.outcome, result.attempts) == (Outcome.ALIVE, 1)
    assert fakeweb.count(path="/flaky/once/1") == 2


async def test_name_not_found_and_refused_are_not_retried(fakeweb: FakeWeb) -> None:
    """DNS failure and refused connections are broken at once: retrying cannot help."""
    missing, refused = await check(fakeweb, ["http://no-such-host.invalid/page", fakeweb.refused_url("/x")])
    assert (missing.outcome, missing.error_kind, missing.attempts) == (Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND, 1)
    assert (refused.outcome, refused.error_kind, refused.attempts) == (Outcome.BROKEN, ErrorKind.CONNECTION_REFUSED, 1)


async def test_reset_connection_is_an_error_after_retries(fakeweb: FakeWeb) -> None:
    """A server that resets the connection is an error, not broken, after every retry."""
    result = await check_one(fakeweb, fakeweb.url(0, "/reset"), retries=1)
    assert (result.outcome, result.error_kind, result.attempts) == (Outcome.ERROR, ErrorKind.CONNECTION_RESET, 2)


@pytest.mark.parametrize("path", ["/hang", "/trickle"])
async def test_hanging_and_trickling_servers_are_cut_off(fakeweb: FakeWeb, path: str) -> None:
    """A server that never answers, or trickles bytes forever, ends as a timeout error."""
    result = await check_one(fakeweb, fakeweb.url(0, path), retries=0, timeout=0.6, read_timeout=0.4)
    assert (result.outcome, result.error_kind) == (Outcome.ERROR, ErrorKind.TIMEOUT)


async def test_get_reads_at_most_the_body_cap(fakeweb: FakeWeb) -> None:
    """An endless body is read up to max_body_bytes and the connection closed."""
    result = await check_one(fakeweb, fakeweb.url(0, "/big"), max_body_bytes=256 * 1024)
    assert result.outcome is Outcome.ALIVE
    assert fakeweb.bytes_sent("/big") < 32 * 1024 * 1024


async def test_head_refusing_host_gets_get_directly_afterwards(fakeweb: FakeWeb) -> None:
    """After a 405 to HEAD, the host's next URLs are fetched with GET only."""
    urls = [fakeweb.url(2, "/head-hostile")] + [fakeweb.url(2, f"/page/{i}") for i in range(3)]
    results = await check(fakeweb, urls, host_concurrency=1)
    assert all(result.outcome is Outcome.ALIVE for result in results)
    assert fakeweb.count(host=2, method="HEAD") == 1
    assert fakeweb.count(host=2, method="GET") == 4


async def test_rate_limit_honours_retry_after_seconds(fakeweb: FakeWeb) -> None:
    """A 429 with Retry-After: N is retried after N seconds (the waits asked of the clock)."""
    waits: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        waits.append(seconds)

    checker = Checker(settings_for(fakeweb, retries=3), environ={}, sleep=recording_sleep)
    (result,) = await checker.run([fakeweb.url(0, "/ratelimit/secs/2?after=3")])
    assert (result.outcome, result.attempts) == (Outcome.ALIVE, 3)
    assert waits.count(3.0) == 2


async def test_rate_limit_honours_retry_after_http_date(fakeweb: FakeWeb) -> None:
    """Retry-After as an HTTP date is turned into a wait of about that many seconds."""
    waits: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        waits.append(seconds)

    checker = Checker(settings_for(fakeweb), environ={}, sleep=recording_sleep)
    (result,) = await checker.run([fakeweb.url(0, "/ratelimit/date/1?after=date")])
    assert result.outcome is Outcome.ALIVE
    assert any(0.5 <= wait <= 3.0 for wait in waits)


async def test_retry_after_is_really_waited(fakeweb: FakeWeb) -> None:
    """With the real clock, the retry arrives no sooner than Retry-After says."""
    (result,) = await check(fakeweb, [fakeweb.url(0, "/ratelimit/real/1?after=1")])
    assert result.outcome is Outcome.ALIVE
    times = [record.at for record in fakeweb.records if record.path == "/ratelimit/real/1"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95


async def test_rate_limited_for_good_is_blocked(fakeweb: FakeWeb) -> None:
    """429 after every retry is blocked (rate limited), not broken."""
    result = await check_one(fakeweb, fakeweb.url(0, "/ratelimit/forever/99?after=0"), retries=1)
    assert (result.outcome, result.error_kind) == (Outcome.BLOCKED, ErrorKind.RATE_LIMITED)


async def test_per_host_limit_is_never_exceeded(fakeweb: FakeWeb) -> None:
    """No more than host_concurrency requests are ever in flight to one host."""
    urls = [fakeweb.url(3, f"/slow/50?{i}") for i in range(12)]
    results = await check(fakeweb, urls, host_concurrency=3, max_concurrency=64)
    assert all(result.outcome is Outcome.ALIVE for result in results)
    assert fakeweb.max_in_flight(3) == 3


async def test_rate_limited_host_does_not_hold_up_the_others(fakeweb: FakeWeb) -> None:
    """While a host waits out its Retry-After, it holds no global slot: other hosts go on."""
    limited = [fakeweb.url(4, f"/ratelimit/hold{i}/1?after=1") for i in range(2)]
    others = [fakeweb.url(5, f"/page/{i}") for i in range(6)]
    results = await check(fakeweb, limited + others, host_concurrency=2, max_concurrency=2)
    assert all(result.outcome is Outcome.ALIVE for result in results)
    order = [(record.host, record.path) for record in fakeweb.records]
    first_retry = next(
        index
        for index, (host, path) in enumerate(order)
        if host == fakeweb.names[4] and order[:index].count((host, path))
    )
    last_other = max(index for index, (host, _) in enumerate(order) if host == fakeweb.names[5])
    assert last_other < first_retry


async def test_connections_are_kept_alive_across_urls(fakeweb: FakeWeb) -> None:
    """HEAD, GET and redirect answers are read to their end, so one host's URLs share a few connections."""
    urls = [fakeweb.url(6, f"/page/{i}") for i in range(20)] + [fakeweb.url(6, "/head-hostile")]
    urls += [fakeweb.url(6, f"/redirect/302/2?{i}") for i in range(5)]
    results = await check(fakeweb, urls, host_concurrency=2)
    assert all(result.outcome is Outcome.ALIVE for result in results)
    assert fakeweb.connections(6) <= 2


async def test_a_url_waiting_to_retry_frees_its_host_slot(fakeweb: FakeWeb) -> None:
    """With one slot per host, another URL of the host is checked while a flaky one waits to retry."""
    other = fakeweb.url(7, "/page/other")
    other_done = asyncio.Event()

    async def sleep_until_the_other_is_done(seconds: float) -> None:
        async with asyncio.timeout(5):  # holding the slot here would mean the other never ran
            await other_done.wait()

    def on_result(result: CheckResult) -> None:
        if result.url == other:
            other_done.set()

    checker = Checker(
        settings_for(fakeweb, host_concurrency=1),
        environ={},
        sleep=sleep_until_the_other_is_done,
        on_result=on_result,
    )
    flaky, answered = await checker.run([fakeweb.url(7, "/flaky/slot/2"), other])
    assert (flaky.outcome, flaky.attempts) == (Outcome.ALIVE, 2)
    assert answered.outcome is Outcome.ALIVE


async def test_cookies_set_on_a_redirect_are_sent_back(fakeweb: FakeWeb) -> None:
    """A site that redirects until the client returns its cookie is alive, not a redirect loop."""
    result = await check_one(fakeweb, fakeweb.url(2, "/cookie-gate/c1"))
    assert (result.outcome, result.status_code) == (Outcome.ALIVE, 200)


async def test_each_url_is_requested_once(fakeweb: FakeWeb) -> None:
    """Duplicate URLs given to one run are requested only once."""
    url = fakeweb.url(6, "/page/once")
    results = await check(fakeweb, [url, url, url])
    assert [result.outcome for result in results] == [Outcome.ALIVE] * 3
    assert fakeweb.count(host=6, path="/page/once") == 1


async def test_link_local_and_metadata_addresses_are_refused(fakeweb: FakeWeb) -> None:
    """A name resolving to 169.254.169.254 is never connected to, also when reached by redirect."""
    resolve = (*fakeweb.resolve_entries(), "metadata.test:169.254.169.254")
    direct, via_redirect = await check(
        fakeweb,
        ["http://metadata.test/latest/meta-data/", fakeweb.url(0, "/to/302?location=http://metadata.test/x")],
        resolve=resolve,
    )
    assert (direct.outcome, direct.error_kind) == (Outcome.EXCLUDED, ErrorKind.UNSAFE_ADDRESS)
    assert (via_redirect.outcome, via_redirect.error_kind) == (Outcome.EXCLUDED, ErrorKind.UNSAFE_ADDRESS)


async def test_exclude_private_refuses_loopback(fakeweb: FakeWeb) -> None:
    """With exclude_private, even the fake web on loopback is refused before connecting."""
    result = await check_one(fakeweb, fakeweb.url(0, "/ok"), exclude_private=True)
    assert (result.outcome, result.error_kind) == (Outcome.EXCLUDED, ErrorKind.UNSAFE_ADDRESS)
    assert fakeweb.count() == 0


async def test_host_headers_go_only_to_their_host(fakeweb: FakeWeb) -> None:
    """A per-host token (from the environment) is sent to that host and no other."""
    settings = settings_for(
        fakeweb, hosts={fakeweb.names[0]: HostSettings(headers=("Authorization: Bearer ${TEST_TOKEN}",))}
    )
    checker = Checker(settings, environ={"TEST_TOKEN": "s3cret"})
    await checker.run([fakeweb.url(0, "/page/a"), fakeweb.url(1, "/page/b")])
    sent = {record.host: record.headers.get("authorization") for record in fakeweb.records}
    assert sent == {fakeweb.names[0]: "Bearer s3cret", fakeweb.names[1]: None}


async def test_user_agent_and_global_headers(fakeweb: FakeWeb) -> None:
    """The configured User-Agent and extra headers are sent."""
    await check(fakeweb, [fakeweb.url(0, "/ok")], user_agent="lk-test/1", headers=("X-Extra: yes",))
    (record,) = fakeweb.records
    assert (record.headers["user-agent"], record.headers["x-extra"]) == ("lk-test/1", "yes")


async def test_checker_stops_asking_once_the_network_is_clearly_down(fakeweb: FakeWeb) -> None:
    """After ten hosts fail at the network level with (almost) none answering, nothing more is asked."""
    offline = [f"http://127.0.0.{240 + i}:{fakeweb.port}/" for i in range(15)]  # refused: nothing listens
    slow = [fakeweb.url(0, f"/slow/100?{i}") for i in range(20)]
    results = await check(fakeweb, offline + slow, host_concurrency=1)
    assert fakeweb.count(host=0) < 20
    not_checked = [r for r in results if r.error_kind is ErrorKind.NETWORK_DOWN]
    assert not_checked and all(r.outcome is Outcome.SKIPPED for r in not_checked)


async def test_github_token_goes_to_githubs_hosts_over_https_only(fakeweb: FakeWeb) -> None:
    """$GITHUB_TOKEN is sent as a bearer token to GitHub's hosts over HTTPS, never over HTTP nor elsewhere."""
    names = ("github.com", "api.github.com", "raw.githubusercontent.com")
    resolve = (*fakeweb.resolve_entries(), *(f"{name}:{fakeweb.addresses[7]}" for name in names))
    checker = Checker(settings_for(fakeweb, resolve=resolve), environ={"GITHUB_TOKEN": " t0ken "})
    await checker.run([f"http://github.com:{fakeweb.port}/o/r", fakeweb.url(0, "/ok")])
    assert {r.headers["host"].split(":")[0] for r in fakeweb.records} == {"github.com", fakeweb.names[0]}
    assert all("authorization" not in r.headers for r in fakeweb.records)
    async with httpx.AsyncClient() as client:

        def sent(url: str) -> str | None:
            return checker._build_request(client, "GET", url).headers.get("authorization")

        assert [sent(f"https://{name}/o/r") for name in names] == ["Bearer t0ken"] * 3
        assert sent("https://example.com/") is None and sent("https://github.com.evil.example/") is None
        assert sent("http://github.com/o/r") is None
    others = Checker(settings_for(fakeweb, github_token_env=""), environ={"GITHUB_TOKEN": "t0ken"})
    async with httpx.AsyncClient() as client:
        assert "authorization" not in others._build_request(client, "GET", "https://github.com/").headers


async def test_a_configured_github_authorization_wins_over_the_token(fakeweb: FakeWeb) -> None:
    """A host table's own Authorization header for github.com is kept; the token does not replace it."""
    hosts = {"github.com": HostSettings(headers=("Authorization: token mine",))}
    checker = Checker(settings_for(fakeweb, hosts=hosts), environ={"GITHUB_TOKEN": "t0ken"})
    async with httpx.AsyncClient() as client:
        assert checker._build_request(client, "GET", "https://github.com/").headers["authorization"] == "token mine"

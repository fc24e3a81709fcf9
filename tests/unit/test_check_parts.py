"""The checker's small parts: Retry-After parsing, soft-404s, accepted codes, the address guard,
per-host headers and backoff, target building and the network-down rule."""

from __future__ import annotations

import asyncio
from email.utils import formatdate

import pytest

from linkkeeper.checking.classify import is_soft_404
from linkkeeper.checking.guard import refusal_reason
from linkkeeper.checking.hosts import Hosts, PrioritySlots, parse_headers
from linkkeeper.checking.network import NetworkWatch, network_is_down
from linkkeeper.checking.retry import retry_after_seconds
from linkkeeper.config import CheckSettings, parse_accept, parse_resolve
from linkkeeper.models import CheckResult, ErrorKind, Outcome, Redirect
from linkkeeper.pipeline import build_targets
from tests.conftest import scan


def test_retry_after_seconds_date_and_rate_limit_reset() -> None:
    """Retry-After in seconds or as an HTTP date, else X-RateLimit-Reset (delta or Unix time)."""
    now = 1_700_000_000.0
    assert retry_after_seconds({"retry-after": "7"}, now=now) == 7.0
    assert retry_after_seconds({"retry-after": formatdate(now + 30, usegmt=True)}, now=now) == pytest.approx(30, abs=1)
    assert retry_after_seconds({"x-ratelimit-reset": "12"}, now=now) == 12.0
    assert retry_after_seconds({"x-ratelimit-reset": str(now + 40)}, now=now) == pytest.approx(40)
    assert retry_after_seconds({"retry-after": "soon"}, now=now) is None


@pytest.mark.parametrize(
    ("original", "final", "soft"),
    [
        ("https://a.example/blog/2019/post", "https://a.example/", True),
        ("https://a.example/docs/x", "https://a.example/404.html", True),
        ("https://a.example/docs/x", "https://a.example/page-not-found?from=x", True),
        ("https://a.example/docs/x", "https://a.example/docs/x/", False),
        ("https://a.example/", "https://www.a.example/", False),
        ("https://a.example/old", "https://a.example/new", False),
    ],
)
def test_soft_404(original: str, final: str, soft: bool) -> None:
    """A deep path redirected to the root, or to a not-found URL, is a soft 404; a move is not."""
    assert is_soft_404(original, final, (Redirect(original, 302),)) is soft


def test_accepted_status_codes() -> None:
    """Accepted codes are single codes or ranges; nonsense is refused."""
    assert parse_accept(("200-204", "403,418")) == frozenset({200, 201, 202, 203, 204, 403, 418})
    with pytest.raises(ValueError, match="ranges"):
        parse_accept(("ok",))


@pytest.mark.parametrize(
    ("address", "private", "refused"),
    [
        ("169.254.169.254", False, True),
        ("fe80::1", False, True),
        ("::ffff:169.254.169.254", False, True),
        ("127.0.0.1", False, False),
        ("127.0.0.1", True, True),
        ("10.1.2.3", True, True),
        ("93.184.216.34", True, False),
    ],
)
def test_address_guard(address: str, private: bool, refused: bool) -> None:
    """Link-local and metadata addresses are always refused; private ones with exclude_private."""
    assert (refusal_reason(address, exclude_private=private) is not None) is refused


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("::169.254.169.254", False),  # IPv4-compatible
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::a9fe:a9fe", False),  # local-use NAT64
        ("2002:a9fe:a9fe::1", False),  # 6to4
        ("::127.0.0.1", True),
        ("64:ff9b::7f00:1", True),
        ("2002:7f00:1::", True),
        ("2002:c0a8:0101::1", True),  # 6to4 of 192.168.1.1
    ],
)
def test_ipv4_carried_in_ipv6_is_judged_as_ipv4(address: str, private: bool) -> None:
    """Every IPv6 form that leads to a refused IPv4 address is refused too (they got past the guard)."""
    assert refusal_reason(address, exclude_private=private) is not None


@pytest.mark.parametrize("address", ["2002:0808:0808::1", "64:ff9b::808:808", "2001:4860:4860::8888"])
def test_public_addresses_in_those_forms_stay_allowed(address: str) -> None:
    """A public IPv4 address behind NAT64 or 6to4 is public: nothing is refused for the form alone."""
    assert refusal_reason(address, exclude_private=True) is None


def test_resolve_entries() -> None:
    """``HOST:ADDRESS`` and curl's ``HOST:PORT:ADDRESS`` both work; bad addresses are refused."""
    assert parse_resolve(["a.test:127.0.0.2", "B.test:443:[::1]"]) == {"a.test": "127.0.0.2", "b.test": "::1"}
    with pytest.raises(ValueError, match="not-an-ip"):
        parse_resolve(["a.test:not-an-ip"])


def test_headers_read_the_environment_and_skip_missing_secrets() -> None:
    """``${VAR}`` comes from the environment; a header whose variable is missing is left out."""
    assert parse_headers(("Authorization: Bearer ${T}", "X-Other: ${MISSING}"), {"T": "abc"}) == {
        "Authorization": "Bearer abc"
    }


def test_a_host_refusing_everything_is_paused_and_its_other_hosts_are_not() -> None:
    """A host that refuses all it is asked waits out the Retry-After; another host never waits."""
    now = [100.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    async def scenario() -> None:
        hosts = Hosts(CheckSettings(), sleep=sleep, clock=lambda: now[0], environ={})
        limited, other = hosts.get("slow.test"), hosts.get("fast.test")
        for page in ("a", "b", "c"):  # three URLs refused, none accepted: the host, not a URL, says no
            sent = await hosts.wait_turn(limited)
            hosts.learn(limited, CheckResult(f"http://slow.test/{page}", Outcome.BLOCKED, status_code=429), 0.5, sent)
        assert waits == []
        await hosts.wait_turn(other)
        assert waits == []
        await hosts.wait_turn(limited)
        assert waits == [0.5]

    asyncio.run(scenario())


def test_priority_slots_serve_the_lowest_priority_first() -> None:
    """Waiting acquirers get freed slots by priority (the busiest host first), not arrival order."""
    served: list[int] = []

    async def scenario() -> None:
        slots = PrioritySlots(1)
        await slots.acquire(0)

        async def waiter(priority: int) -> None:
            await slots.acquire(priority)
            served.append(priority)
            slots.release()

        tasks = [asyncio.create_task(waiter(priority)) for priority in (5, -3, 1)]
        await asyncio.sleep(0)
        slots.release()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert served == [-3, 1, 5]


def test_global_slot_is_kept_for_a_queued_request_of_the_same_host() -> None:
    """A host with a request queued keeps its global slot for it; otherwise, or when the host must
    wait, the slot goes back to everyone."""

    async def scenario() -> None:
        hosts = Hosts(CheckSettings(), environ={})
        busy, idle = hosts.get("busy.test"), hosts.get("idle.test")
        slots = PrioritySlots(1)
        await slots.acquire_for(busy)
        busy.queued = 1
        slots.release_from(busy, now=0.0)
        assert busy.handed_over == 1
        other = asyncio.create_task(slots.acquire_for(idle))
        await asyncio.sleep(0)
        assert not other.done()  # the one slot is kept for busy.test's next request
        await slots.acquire_for(busy)
        assert busy.handed_over == 0
        busy.queued = 0
        slots.release_from(busy, now=0.0)  # nobody of busy.test waits: the slot goes to idle.test
        await asyncio.wait_for(other, 5)
        slots.release_from(idle, now=0.0)
        await slots.acquire_for(busy)
        busy.queued = 1
        busy.pace.paused_until = 10.0
        slots.release_from(busy, now=0.0)  # paused: never keep a slot through a pause
        assert busy.handed_over == 0
        busy.pace.paused_until = 0.0
        await slots.acquire_for(busy)
        slots.release_from(busy, now=0.0)
        slots.reclaim(busy)  # a host told to wait gives its kept slots back
        assert busy.handed_over == 0
        await asyncio.wait_for(slots.acquire_for(idle), 5)

    asyncio.run(scenario())


def test_targets_are_unique_urls_without_fragments() -> None:
    """Occurrences of one URL (with different fragments) make one target that keeps them all."""
    found = scan("[a](https://x.test/p#one) [b](https://x.test/p#two) <https://x.test/p> [c](/local)")
    targets = build_targets(found)
    assert [(t.url, len(t.occurrences), t.fragments) for t in targets] == [
        ("https://x.test/p", 3, ("one", "two")),
        ("/local", 1, ()),
    ]


def _failure(host: str, kind: ErrorKind | None) -> CheckResult:
    """A result from ``host``: alive (200) without a kind, an HTTP failure (404) or a network-level one."""
    outcome = Outcome.ALIVE if kind is None else Outcome.BROKEN
    status = 200 if kind is None else 404 if kind is ErrorKind.HTTP_STATUS else None
    return CheckResult(f"https://{host}/", outcome, status_code=status, error_kind=kind)


def test_network_down_means_no_host_answered_whatever_the_number_of_hosts() -> None:
    """One unreachable host or a hundred, with nothing answering: down. Any answer: up (five
    unreachable hosts and one answering counted as "network down"; one to four as broken links)."""
    for hosts in (1, 4, 100):
        assert network_is_down([_failure(f"h{i}.test", ErrorKind.CONNECTION_REFUSED) for i in range(hosts)])
    unreachable = [_failure(f"h{i}.test", ErrorKind.NAME_NOT_FOUND) for i in range(5)]
    assert not network_is_down([*unreachable, _failure("ok.test", None)])
    assert not network_is_down([*unreachable, _failure("gone.test", ErrorKind.HTTP_STATUS)])  # a 404 is an answer
    assert not network_is_down([_failure(f"h{i}.test", ErrorKind.HTTP_STATUS) for i in range(6)])
    assert not network_is_down([])
    hanging = [_failure("slow.test", ErrorKind.TIMEOUT)]
    assert network_is_down(hanging) and not network_is_down(hanging, connected=True)  # a handshake is evidence


def test_watch_stops_early_only_when_clearly_offline() -> None:
    """Ten hosts failing at the network level with none answering means offline; answers prevent it,
    and so do failures that are all names the resolver says do not exist (dead domains)."""
    watch = NetworkWatch()
    for index in range(12):
        watch.record(_failure(f"gone{index}.test", ErrorKind.NAME_NOT_FOUND))
    assert not watch.down
    watch.record(_failure("h9.test", ErrorKind.CONNECTION_REFUSED))
    assert watch.down
    watch.record(CheckResult("https://up.test/", Outcome.ALIVE, status_code=200))
    assert not watch.down

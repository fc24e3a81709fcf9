"""Politeness per host: a concurrency limit, a pace between request starts that adapts to what
the host accepts (``pace.Pace``), and the rule for a host that answers nothing at all.

Waiting happens while holding only that host's slot, never a global one, so every other host goes
on at full speed.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import os
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from linkkeeper.checking.pace import Pace
from linkkeeper.clock import Clock, Sleep, loop_time
from linkkeeper.config import CheckSettings, has_control_character, header_problem, split_host_key
from linkkeeper.models import CheckResult, ErrorKind, Outcome

GITHUB_HOSTS = frozenset(
    {"github.com", "api.github.com", "gist.github.com", "raw.githubusercontent.com", "gist.githubusercontent.com"}
)
"""The hosts ``check.github_token_env``'s token is sent to: GitHub's own, never a redirect's target."""
REFUSED_STATUS = frozenset({429, 503})  # a refusal when it says when to come back (503 only then)


HEDGE_PERCENTILE = 0.95  # of the host's recent answer times (The Tail at Scale hedges at the 95th) ...
HEDGE_FACTOR = 2.0  # ... times this: a page that slow is rare enough that a hedge is seldom a wasted request
HEDGE_FLOOR = 0.1  # never sooner than this share of the timeout
HEDGE_UNKNOWN = 0.25  # share of the timeout, while the host has given no answer to measure
ANSWER_TIMES = 100  # answers the percentile is taken over
GITHUB_WAIT_BUDGET = 10.0  # seconds of Retry-After a run waits out for GitHub's pages, over all URLs left
GITHUB_DEFAULT_WAIT = 60.0  # a GitHub 429 that says nothing: its secondary limits last a minute
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(slots=True)
class HostState:
    """What we know about one host during a run."""

    name: str
    concurrency: int
    slots: PrioritySlots  # a URL coming back to retry goes before the host's first attempts
    base_interval: float  # the configured pacing; the adaptive pace can only add to it
    pace: Pace
    last_start: float = float("-inf")
    head_refused: bool = False
    remaining: int = 0
    queued: int = 0  # requests waiting for one of this host's slots
    handed_over: int = 0  # global slots kept for this host's next requests
    answered: bool = False  # the host gave some HTTP answer in this run
    timeouts_in_a_row: int = 0
    timed_out_urls: set[str] = field(default_factory=set)
    not_answering: str | None = None  # why the host's remaining URLs are not asked
    walls_on_429: bool = False  # GitHub's pages: a 429 pauses the whole host, or closes it for the run
    paused_until: float = float("-inf")  # no request to the host before then (a Retry-After for all of it)
    closed: str | None = None  # why the host's remaining URLs are blocked without being asked
    answer_times: deque[float] = field(default_factory=lambda: deque(maxlen=ANSWER_TIMES))  # seconds, latest

    def ready_at(self) -> float:
        """When the host's next request may start."""
        return max(self.pace.ready_at(self.last_start), self.last_start + self.base_interval, self.paused_until)

    def hedge_delay(self, timeout: float) -> float | None:
        """Seconds an attempt may go unanswered before the URL's next attempt goes out beside it (a
        hedge, see checker): ``HEDGE_FACTOR`` times the 95th percentile of the host's recent answer
        times, at least ``HEDGE_FLOOR`` of the timeout (``HEDGE_UNKNOWN`` of it before any answer);
        None (no hedging) when that is the timeout or more, or while the host is closed or not
        answering."""
        if self.closed is not None or self.not_answering is not None:
            return None
        times = self.answer_times
        if not times:
            return HEDGE_UNKNOWN * timeout
        percentile = sorted(times)[int(HEDGE_PERCENTILE * (len(times) - 1))]
        delay = max(HEDGE_FLOOR * timeout, HEDGE_FACTOR * percentile)
        return delay if delay < timeout else None

    def unasked(self, url: str) -> CheckResult | None:
        """The result for a URL of a host that answers nothing, given without asking it again."""
        if self.closed is not None:
            return CheckResult(url, Outcome.BLOCKED, error_kind=ErrorKind.RATE_LIMITED, error=self.closed)
        if self.not_answering is None:
            return None
        return CheckResult(url, Outcome.ERROR, error_kind=ErrorKind.TIMEOUT, error=self.not_answering)

    def throttled(self, now: float, retry_after: float | None, token_set: bool) -> str | None:
        """A 429 from GitHub's pages: no request to the host until its Retry-After has passed, and
        when waiting that out for every URL left would cost more than ``GITHUB_WAIT_BUDGET``
        seconds, the host's remaining URLs are not asked this run (blocked, never broken: the
        returned reason says how the API would check them); None while the run waits instead."""
        wait = retry_after if retry_after is not None else GITHUB_DEFAULT_WAIT
        self.paused_until = max(self.paused_until, now + wait)
        if wait * max(self.remaining, 1) <= GITHUB_WAIT_BUDGET:
            return None
        said = f" (Retry-After: {retry_after:.0f} s)" if retry_after is not None else ""
        self.closed = f"GitHub throttled page requests{said}: not asked again this run; " + (
            "only pages the API does not answer for are asked as pages"
            if token_set
            else "with a token in the variable check.github_token_env names (GITHUB_TOKEN; the Action passes its "
            "own), GitHub links are checked through GitHub's API instead"
        )
        return self.closed


def parse_headers(lines: tuple[str, ...], environ: Mapping[str, str]) -> dict[str, str]:
    """``"Name: value"`` lines to a dict, with ``${VAR}`` read from the environment (a missing
    variable leaves the header out, so a token is never sent half-formed). A ValueError says what
    is wrong without the value: it may be a secret."""
    headers: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        problem = header_problem(line, number)
        if problem is not None:
            raise ValueError(problem)
        name, _, value = line.partition(":")
        references = _ENV_REFERENCE.findall(value)
        if any(var not in environ for var in references):
            continue
        for var in references:
            if has_control_character(environ[var]):
                raise ValueError(f"header {number} ({name.strip()}): ${{{var}}} holds a control character")
            if not environ[var].isascii():
                raise ValueError(f"header {number} ({name.strip()}): ${{{var}}} holds a character that is not ASCII")
        headers[name.strip()] = _ENV_REFERENCE.sub(lambda m: environ[m.group(1)], value.strip())
    return headers


def github_token(settings: CheckSettings, environ: Mapping[str, str]) -> str:
    """The token for GitHub's hosts, from the variable ``check.github_token_env`` names ("" for none).
    A ValueError says what is wrong without the value."""
    name = settings.github_token_env
    token = environ.get(name, "").strip() if name else ""
    if has_control_character(token):
        raise ValueError(f"${{{name}}} holds a control character")
    if not token.isascii():
        raise ValueError(f"${{{name}}} holds a character that is not ASCII")
    return token


def secret_values(lines: tuple[str, ...], environ: Mapping[str, str]) -> frozenset[str]:
    """The values the headers read from the environment: never to appear in an error text."""
    return frozenset(
        environ[var] for line in lines for var in _ENV_REFERENCE.findall(line) if environ.get(var, "").strip()
    )


class PrioritySlots:
    """A semaphore whose waiters are served by priority (lowest first), not in arrival order.

    The checker asks for a global slot with the negated amount of work its host has left, so the
    busiest host — the one that decides when the run ends — is served first when slots are scarce.
    """

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._sequence = 0

    async def acquire(self, priority: float) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sequence += 1
        heapq.heappush(self._waiters, (priority, self._sequence, future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot was handed over just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)
                return
        self._free += 1

    async def acquire_for(self, state: HostState, *, retry: bool = False) -> None:
        """A slot for the host's next request: one its previous request handed over, or the next
        free one (a retry first: a URL half done shortens the run's tail; then the host with the
        most work left)."""
        if state.handed_over:
            state.handed_over -= 1
            return
        await self.acquire(-math.inf if retry else -state.remaining)

    def release_from(self, state: HostState, now: float) -> None:
        """Give the slot back — or, when another request of the same host is already queued and
        may go at once, keep it for that request. A host's next request then starts without
        waiting its turn behind every other host, so the busiest host never idles between
        requests; it never holds more slots than it has requests waiting."""
        if state.queued > state.handed_over and state.ready_at() <= now:
            state.handed_over += 1
            return
        self.release()

    def trim(self, state: HostState) -> None:
        """Return the slots kept for requests of the host that no longer wait (a hedge dropped)."""
        while state.handed_over > state.queued:
            state.handed_over -= 1
            self.release()

    def reclaim(self, state: HostState) -> None:
        """Return the slots kept for a host that has to wait (paused, or paced) before its next request."""
        while state.handed_over:
            state.handed_over -= 1
            self.release()


class Hosts:
    """The per-host states of one run, created on first use."""

    def __init__(
        self,
        settings: CheckSettings,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = loop_time,
        environ: Mapping[str, str] | None = None,
        github_hosts: frozenset[str] = GITHUB_HOSTS,
    ) -> None:
        self._settings = settings
        self._github_hosts = github_hosts
        self._sleep = sleep
        self._clock = clock
        self._environ = dict(os.environ if environ is None else environ)
        self._states: dict[str, HostState] = {}
        self._overrides = {host: table for key, table in settings.hosts.items()
                           for host, port in [split_host_key(key)] if port is None}  # fmt: skip
        self.github_token = github_token(settings, self._environ)

    def get(self, host: str) -> HostState:
        host = host.lower()
        state = self._states.get(host)
        if state is None:
            override = self._overrides.get(host)
            concurrency = self._settings.host_concurrency
            interval = self._settings.host_interval
            if host in self._github_hosts:
                concurrency = 1  # a 429 then stops the next page request: none is in flight with it
            if override is not None:
                concurrency = override.concurrency or concurrency
                interval = override.interval if override.interval is not None else interval
            pace = Pace(self._settings.host_min_rate)
            state = HostState(host, concurrency, PrioritySlots(concurrency), interval, pace)
            state.walls_on_429 = host in self._github_hosts
            self._states[host] = state
        return state

    async def wait_turn(self, state: HostState, before_waiting: Callable[[], None] = lambda: None) -> float:
        """Wait (holding only this host's slot) until the host may be asked again, and return the
        moment the request starts; ``before_waiting`` runs before any wait."""
        for _ in range(1000):  # bounded: each pass either returns or sleeps until a known time
            now = self._clock()
            ready_at = state.ready_at()
            if now >= ready_at:
                state.last_start = now
                return now
            before_waiting()
            await self._sleep(ready_at - now)
        state.last_start = self._clock()
        return state.last_start

    def learn(self, state: HostState, result: CheckResult, retry_after: float | None, sent_at: float) -> None:
        """Learn from one attempt's answer: the host's pace, and whether it answers at all."""
        now = self._clock()
        status = result.status_code
        if status is not None:
            state.answered = True
            state.not_answering = None
            state.timeouts_in_a_row = 0
            state.timed_out_urls.clear()
            if status in REFUSED_STATUS and (status == 429 or retry_after is not None):
                state.pace.refused(now, sent_at, retry_after, result.url)
            else:
                state.pace.accepted(now, sent_at)
            return
        if result.error_kind is not ErrorKind.TIMEOUT or state.answered:
            return
        state.timeouts_in_a_row += 1
        state.timed_out_urls.add(result.url)
        limit = self._settings.host_not_answering
        if limit and state.timeouts_in_a_row >= limit and len(state.timed_out_urls) > 1 and not state.not_answering:
            state.not_answering = f"host not answering: {state.timeouts_in_a_row} timeouts in a row, no answer this run"

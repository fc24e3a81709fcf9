"""Politeness per host: a concurrency limit, pacing between request starts, and adaptive backoff.

A host that answers 429 is paused (for its Retry-After, or our backoff) and paced more slowly
from then on; every other host goes on at full speed, because waiting happens while holding only
that host's slot, never a global one.
"""

from __future__ import annotations

import asyncio
import heapq
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from linkkeeper.config import CheckSettings

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(slots=True)
class HostState:
    """What we know about one host during a run."""

    name: str
    concurrency: int
    slots: asyncio.Semaphore
    interval: float
    headers: dict[str, str] = field(default_factory=dict)
    paused_until: float = 0.0
    last_start: float = float("-inf")
    head_refused: bool = False
    rate_limited: int = 0
    remaining: int = 0
    queued: int = 0  # requests waiting for one of this host's slots
    handed_over: int = 0  # global slots kept for this host's next requests


def parse_headers(lines: tuple[str, ...], environ: Mapping[str, str]) -> dict[str, str]:
    """``"Name: value"`` lines to a dict, with ``${VAR}`` read from the environment (a missing
    variable leaves the header out, so a token is never sent half-formed)."""
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"{line!r}: expected 'Name: value'")
        missing = [var for var in _ENV_REFERENCE.findall(value) if var not in environ]
        if missing:
            continue
        headers[name.strip()] = _ENV_REFERENCE.sub(lambda m: environ[m.group(1)], value.strip())
    return headers


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

    async def acquire_for(self, state: HostState) -> None:
        """A slot for the host's next request: one its previous request handed over, or the next
        free one (the host with the most work left first)."""
        if state.handed_over:
            state.handed_over -= 1
            return
        await self.acquire(-state.remaining)

    def release_from(self, state: HostState, now: float) -> None:
        """Give the slot back — or, when another request of the same host is already queued and
        may go at once, keep it for that request. A host's next request then starts without
        waiting its turn behind every other host, so the busiest host never idles between
        requests; it never holds more slots than it has requests waiting."""
        if state.queued > state.handed_over and state.interval == 0 and state.paused_until <= now:
            state.handed_over += 1
            return
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
        clock: Clock = time.monotonic,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._environ = dict(os.environ if environ is None else environ)
        self._states: dict[str, HostState] = {}

    def get(self, host: str) -> HostState:
        host = host.lower()
        state = self._states.get(host)
        if state is None:
            override = self._settings.hosts.get(host)
            concurrency = self._settings.host_concurrency
            interval = self._settings.host_interval
            headers: dict[str, str] = {}
            if override is not None:
                concurrency = override.concurrency or concurrency
                interval = override.interval if override.interval is not None else interval
                headers = parse_headers(override.headers, self._environ)
            state = HostState(host, concurrency, asyncio.Semaphore(concurrency), interval, headers)
            self._states[host] = state
        return state

    async def wait_turn(self, state: HostState, before_waiting: Callable[[], None] = lambda: None) -> None:
        """Wait (holding only this host's slot) until the host may be asked again; ``before_waiting``
        runs before any wait."""
        for _ in range(1000):  # bounded: each pass either returns or sleeps until a known time
            now = self._clock()
            ready_at = max(state.paused_until, state.last_start + state.interval)
            if now >= ready_at:
                state.last_start = now
                return
            before_waiting()
            await self._sleep(ready_at - now)
        state.last_start = self._clock()

    def slow_down(self, state: HostState, wait: float) -> None:
        """A 429: pause the host for ``wait`` seconds and pace it more slowly from now on."""
        state.rate_limited += 1
        state.paused_until = max(state.paused_until, self._clock() + wait)
        state.interval = min(max(state.interval * 2, 0.25), self._settings.retry_after_cap)

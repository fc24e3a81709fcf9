"""A discrete-event simulation of one host checked through ``Pace``: a fake clock, a fixed number
of connections, a fixed latency, and a host model that decides each answer. Used by the pacing
unit tests; no sockets and no real time."""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from linkkeeper.checking.pace import Pace


class HostModel(Protocol):
    def answer(self, url: int, at: float) -> float | None:
        """None to accept the request arriving at ``at``, else the refusal's Retry-After."""


@dataclass
class TokenBucket:
    """A host-wide limit: ``rate`` requests a second with bursts of ``capacity``."""

    rate: float
    capacity: float
    retry_after: float = 1.0
    _tokens: float = -1.0
    _at: float = 0.0

    def answer(self, url: int, at: float) -> float | None:
        if self._tokens < 0:
            self._tokens = self.capacity
        self._tokens = min(self.capacity, self._tokens + (at - self._at) * self.rate)
        self._at = at
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return self.retry_after


@dataclass
class RefusesFirstRequestOf:
    """Per-URL limits: each URL in ``urls`` is refused once, then accepted."""

    urls: set[int]
    retry_after: float = 1.0
    _seen: set[int] = field(default_factory=set)

    def answer(self, url: int, at: float) -> float | None:
        if url in self.urls and url not in self._seen:
            self._seen.add(url)
            return self.retry_after
        return None


@dataclass
class Outage:
    """Refuses everything between ``start`` and ``end``, accepts everything else."""

    start: float
    end: float
    retry_after: float = 1.0

    def answer(self, url: int, at: float) -> float | None:
        return self.retry_after if self.start <= at < self.end else None


@dataclass
class Run:
    finished_at: float
    outcomes: Counter[str]
    starts: list[float]
    pace: Pace
    rates: list[tuple[float, float | None]]
    longest_pace_wait: float

    @property
    def longest_gap(self) -> float:
        return max((b - a for a, b in itertools.pairwise(self.starts)), default=0.0)


def simulate(
    host: HostModel,
    urls: Iterable[int],
    *,
    connections: int = 4,
    latency: float = 0.05,
    retries: int = 2,
    min_rate: float = 1.0,
    retry_after_cap: float = 60.0,
    max_events: int = 200_000,
) -> Run:
    """Check ``urls`` against ``host``; a URL refused more than ``retries`` times is "blocked"."""
    pace = Pace(min_rate)
    order = itertools.count()
    queue: list[tuple[float, int, int, int]] = [(0.0, next(order), url, 0) for url in urls]  # ready, seq, url, tries
    heapq.heapify(queue)
    events: list[tuple[float, int, str, tuple[int, int, float]]] = [
        (0.0, next(order), "free", (-1, 0, 0.0)) for _ in range(connections)
    ]
    parked = 0
    last_start = -math.inf
    outcomes: Counter[str] = Counter()
    starts: list[float] = []
    rates: list[tuple[float, float | None]] = []
    longest_pace_wait = 0.0
    now = 0.0
    for _ in range(max_events):
        if not events:
            break
        now, _, kind, (url, tries, sent) = heapq.heappop(events)
        if kind == "answer":
            retry_after = host.answer(url, sent)
            if retry_after is None:
                pace.accepted(now, sent)
                outcomes["alive"] += 1
            else:
                pace.refused(now, sent, retry_after, str(url))
                if tries >= retries:
                    outcomes["blocked"] += 1
                else:
                    heapq.heappush(queue, (now + min(retry_after, retry_after_cap), next(order), url, tries + 1))
                    if parked:
                        parked -= 1
                        heapq.heappush(events, (now, next(order), "free", (-1, 0, 0.0)))
            rates.append((now, pace.rate))
            heapq.heappush(events, (now, next(order), "free", (-1, 0, 0.0)))
            continue
        if url < 0:  # a connection is free: take the next URL, or park until a retry is queued
            if not queue:
                parked += 1
                continue
            ready, _, url, tries = heapq.heappop(queue)
            if ready > now:
                heapq.heappush(events, (ready, next(order), "start", (url, tries, 0.0)))
                continue
        start = pace.ready_at(last_start)
        if start > now:  # the pace asks to wait: look again then (the pace may change meanwhile)
            longest_pace_wait = max(longest_pace_wait, start - now)
            heapq.heappush(events, (start, next(order), "start", (url, tries, 0.0)))
            continue
        last_start = now
        starts.append(now)
        heapq.heappush(events, (now + latency, next(order), "answer", (url, tries, now)))
    else:
        raise AssertionError("the simulation did not end")
    return Run(now, outcomes, starts, pace, rates, longest_pace_wait)

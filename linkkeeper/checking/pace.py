"""Adaptive pacing for one host: learn the rate it accepts, slow down when it refuses, recover.

The rules (the README's "Politeness" states them for users):

- **Retry-After holds for the URL it was sent for.** That URL's retry waits for it (capped by
  ``retry_after_cap``); this module decides only what the host's *other* URLs do.
- **A refusal** is a 429, or a 503 carrying Retry-After. Every other answer (even a 404) means the
  host accepted the request; timeouts and resets say nothing about its rate limit.
- **One URL's refusal is not a host-wide limit.** Until the last second holds refusals of at least
  three different URLs, and they are more than one in four of its answers, a refusal changes
  nothing for the host's other URLs: servers that refuse single URLs (a busy page, a per-path
  limit) keep the host at full speed.
- **A host-wide limit is learnt, not guessed.** When refusals pass that share, or once the host
  is known to limit, the host's pace is set to 90 % of the rate it accepted over the last second
  (and at least 10 % below the current pace): for a token bucket, just under its refill rate.
  Only one decrease per round trip: the refusals of requests sent before the last decrease were
  caused by the old pace and are not counted again.
- **A host that accepts nothing** in the last second is paused for the Retry-After (at most
  ``1 / min_rate``), and an existing pace is halved.
- **Recovery**: each accepted answer raises the pace — doubling it every second while below the
  last measured limit (or when none was measured), then by 10 % a second above it — and pacing
  is dropped altogether once it is twice what the host has actually been asked in the last
  second (the concurrency limit binds, not the pace); the host is then judged afresh.
- **The slowest pace is bounded**: never below ``min_rate`` requests a second, and no pause longer
  than one such interval, so a host's URLs always finish.

The controller is pure bookkeeping over a clock value passed in: ``tests/unit`` drives it with a
simulated host and a fake clock.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

WINDOW = 1.0  # seconds of answers the rate is measured over
TOLERATED_REFUSALS = 0.25  # share of refused answers that is still "this URL", not "this host"
HOST_WIDE_URLS = 3  # ... and refused URLs in the window needed before the host is judged
DECREASE = 0.9  # a decrease paces 10 % under what the host accepted, and under the current pace
GROWTH = 0.1  # above the measured limit, each answer adds this much: 10 % a second
UNPACED_AT = 2.0  # pacing is dropped when the pace is this many times the rate actually asked


@dataclass(slots=True)
class Pace:
    """What one host's answers taught us about the rate it accepts."""

    min_rate: float
    rate: float | None = None  # requests per second; None: not paced (the concurrency limit binds)
    limit: float | None = None  # the accepted rate measured at the last decrease
    paused_until: float = -math.inf
    decreased_at: float = -math.inf
    first_sent_at: float | None = None
    decreases: int = 0
    _answers: deque[tuple[float, str | None]] = field(default_factory=deque)  # (time, the URL if refused)

    @property
    def interval(self) -> float:
        """Seconds between two request starts that the pace asks for (0: none)."""
        return 0.0 if self.rate is None else 1.0 / self.rate

    def accepted(self, now: float, sent_at: float) -> None:
        """The host answered a request sent at ``sent_at`` (anything but a refusal)."""
        self._record(now, sent_at, None)
        if self.rate is None:
            return
        if self.limit is None or self.rate < self.limit:
            self.rate += 1.0  # one more per answer: doubles every second
        else:
            self.rate += GROWTH
        asked = len(self._answers) / self._span(now)
        if self.rate >= UNPACED_AT * asked:
            self.rate = self.limit = None  # the limit no longer binds: judge the host afresh

    def refused(self, now: float, sent_at: float, retry_after: float | None, url: str) -> None:
        """The host refused ``url``, asked at ``sent_at`` (429, or 503 with Retry-After)."""
        self._record(now, sent_at, url)
        if sent_at < self.decreased_at:
            return  # sent at the old pace: that pace has been corrected already
        refused = {refused for _, refused in self._answers if refused is not None}
        accepted = sum(1 for _, refused in self._answers if refused is None)
        if self.limit is None and (
            len(refused) < HOST_WIDE_URLS or accepted > (1 - TOLERATED_REFUSALS) * len(self._answers)
        ):
            return  # a host not known to limit, refusing single URLs: their own limits
        self.decreased_at = now
        self.decreases += 1
        if accepted:
            measured = accepted / self._span(now)
            current = self.rate if self.rate is not None else len(self._answers) / self._span(now)
            self.rate = max(self.min_rate, DECREASE * min(measured, current))
            self.limit = self.rate
            return
        longest = 1.0 / self.min_rate
        wait = min(retry_after, longest) if retry_after is not None else longest
        self.paused_until = max(self.paused_until, now + wait)
        if self.rate is not None:
            self.rate = max(self.min_rate, self.rate / 2)

    def ready_at(self, last_start: float) -> float:
        """When the next request may start, the previous one having started at ``last_start``."""
        return max(self.paused_until, last_start + self.interval)

    def _record(self, now: float, sent_at: float, refused: str | None) -> None:
        if self.first_sent_at is None:
            self.first_sent_at = sent_at
        self._answers.append((now, refused))
        while self._answers and self._answers[0][0] < now - WINDOW:
            self._answers.popleft()

    def _span(self, now: float) -> float:
        """The length of the window the answers cover: a second, or less early in the run."""
        start = self.first_sent_at if self.first_sent_at is not None else now
        return max(min(WINDOW, now - start), 1e-3)

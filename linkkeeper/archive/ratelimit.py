"""A sliding-window rate limiter: at most ``limit`` requests in any ``window`` seconds.

The Wayback Machine enforces hard limits per endpoint (CDX: 30 a minute) and answers past them
with 429s that often say nothing about when to come back; staying under the limit on our side is
both faster and politer than being told off.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from linkkeeper.clock import Clock, Sleep


class RateLimiter:
    def __init__(self, limit: int, window: float, *, sleep: Sleep = asyncio.sleep, clock: Clock = time.monotonic):
        self._limit = limit
        self._window = window
        self._sleep = sleep
        self._clock = clock
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one more request fits in the window, then count it."""
        async with self._lock:
            for _ in range(self._limit + 1000):  # bounded: each pass drops a start or sleeps past one
                now = self._clock()
                while self._starts and now - self._starts[0] >= self._window:
                    self._starts.popleft()
                if len(self._starts) < self._limit:
                    self._starts.append(now)
                    return
                await self._sleep(self._window - (now - self._starts[0]) + 0.001)
            self._starts.append(self._clock())

"""Checks against the fake web in simulated time (looptime): timeouts, backoffs and Retry-After
pass in no real time, and a test reads how long a run took from the simulated clock."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import looptime

from linkkeeper.checking import Checker
from linkkeeper.config import CheckSettings
from linkkeeper.models import CheckResult
from tests.fakeweb import FakeWeb

T = TypeVar("T")
LATENCY = 0.05
TIMEOUT, RETRIES = 5.0, 2


def in_simulated_time(scenario: Callable[[FakeWeb], Awaitable[T]], hosts: int = 4) -> T:
    async def main() -> T:
        async with FakeWeb(hosts=hosts, latency=LATENCY).serving() as web:
            return await scenario(web)

    # The runner cancels the server's leftover connection handlers before it closes the loop.
    with asyncio.Runner(loop_factory=lambda: looptime.new_event_loop(start=0)) as runner:
        return runner.run(main())


async def timed_check(web: FakeWeb, urls: list[str], **overrides: Any) -> tuple[list[CheckResult], float]:
    """The results, and the simulated seconds the run took."""
    settings = CheckSettings(
        resolve=web.resolve_entries(), timeout=TIMEOUT, retries=RETRIES, host_concurrency=4, max_concurrency=32
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await Checker(dataclasses.replace(settings, **overrides), environ={}).run(urls)
    return results, loop.time() - started

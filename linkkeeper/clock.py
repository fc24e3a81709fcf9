"""Time as the network stages take it: a ``Sleep`` and a ``Clock`` that tests replace with a
simulated loop's, shared by the checker and the archive client without either importing the other."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

__all__ = ["Clock", "Sleep", "loop_time"]

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


def loop_time() -> float:
    """The running event loop's clock: the default clock, so a test loop with simulated time
    drives the pacing and the timeouts alike."""
    return asyncio.get_running_loop().time()

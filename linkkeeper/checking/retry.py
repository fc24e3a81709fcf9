"""The retry policy: which failures are retried, and how long to wait before each (tenacity's
exponential backoff with jitter, or the server's Retry-After)."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

from linkkeeper.models import CheckResult

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 509, 520, 521, 522, 523, 524})


class RetryableFailure(Exception):
    """Raised inside an attempt so tenacity retries it; carries the attempt's result."""

    def __init__(self, result: CheckResult, retry_after: float | None) -> None:
        super().__init__(result.error or str(result.status_code))
        self.result = result
        self.retry_after = retry_after


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After`` (seconds or an HTTP date), else
    ``X-RateLimit-Reset`` (seconds, or a Unix time when it is that large)."""
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            moment = None
        if moment is not None:
            return max(0.0, moment.timestamp() - now)
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            number = float(reset.strip())
        except ValueError:
            return None
        return max(0.0, number - now) if number > 1_000_000_000 else number
    return None


class RetryWait:
    """Waits the server's Retry-After (capped) when it gave one, else exponential backoff with jitter:
    ``backoff * 2 ** (failures - 1)`` plus up to ``backoff`` at random, at most ``cap`` (tenacity's
    ``wait_exponential_jitter``)."""

    def __init__(self, backoff: float, cap: float) -> None:
        self._backoff = backoff
        self._cap = cap

    def after(self, failures: int, failure: RetryableFailure) -> float:
        """Seconds to wait before the next attempt, ``failures`` attempts having failed, the last
        with ``failure``."""
        if failure.retry_after is not None:
            return min(failure.retry_after, self._cap)
        exponential = self._backoff * 2.0 ** min(max(failures - 1, 0), 64)
        return min(exponential + random.uniform(0, self._backoff), self._cap)

"""Our small async Wayback Machine client: the right snapshot for a dead link, verified.

Lookup goes through CDX (status-filtered, ``sort=closest`` around the reference date); the
availability API is used only when CDX itself fails. The choice follows InternetArchiveBot: the
newest good capture (200/203/206) at or before the reference date, else the earliest good one
after it. Each candidate is replayed raw (``id_``, redirects off) before it is accepted: archived
errors, archived redirects (to a homepage or elsewhere) and empty bodies are rejected. A lookup
that ran out of retries is ``lookup-failed``, never "no snapshot". Every base URL comes from the
settings; what is written into reports and Markdown is always the public
``https://web.archive.org/web/<timestamp>/<original>``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from linkkeeper.archive.ratelimit import RateLimiter
from linkkeeper.checking import rot
from linkkeeper.checking.body import read_body
from linkkeeper.checking.retry import retry_after_seconds
from linkkeeper.clock import Clock, Sleep
from linkkeeper.config import WaybackSettings
from linkkeeper.models import NoSnapshot, NoSnapshotReason, Snapshot

PUBLIC_BASE = "https://web.archive.org/web/"
GOOD_STATUS = frozenset({200, 203, 206})
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504, 520, 523, 524})
_BLOCK_MARKERS = ("AccessControlException", "Blocked Site Error", "RobotAccessControlException")
_BODY_LIMIT = 256 * 1024
_RESPONSE_LIMIT = 16 * 1024 * 1024  # a CDX answer of the rows asked for fits many times over
_BODY_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})  # of the body read


def public_url(timestamp: str, original: str) -> str:
    return f"{PUBLIC_BASE}{timestamp}/{original}"


def wayback_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


class ArchiveUnavailable(Exception):
    """The archive did not answer usefully after every retry (rate limited, down, timing out)."""


class BlockedByArchive(Exception):
    """The archive refuses to serve this site (an administrative or robots block)."""


class _Retry(Exception):
    def __init__(self, detail: str, retry_after: float | None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Capture:
    timestamp: str
    original: str
    status: int


class WaybackClient:
    """Lookups, verification and the politeness they need; one per run."""

    def __init__(
        self,
        settings: WaybackSettings,
        client: httpx.AsyncClient,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        window: float = 60.0,
    ) -> None:
        self.settings = settings
        self._client = client
        self._sleep = sleep
        # ``window`` is a minute; tests shrink it to run the same limits in a fraction of the time.
        self.cdx_limiter = RateLimiter(settings.cdx_per_minute, window, sleep=sleep, clock=clock)
        self.replay_limiter = RateLimiter(settings.replay_per_minute, window, sleep=sleep, clock=clock)
        self._exponential = wait_exponential_jitter(multiplier=1.0, max=settings.retry_after_default)
        self.answered = False  # some request of this run got an HTTP answer: the network is up
        self.titles: dict[tuple[str, str], str] = {}  # (timestamp, original) -> a verified capture's title

    # -- transport -------------------------------------------------------------------------------

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, _Retry) and error.retry_after is not None:
            return min(error.retry_after, self.settings.retry_after_default)
        return float(self._exponential(state))

    async def request(
        self,
        limiter: RateLimiter,
        method: str,
        url: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        body_limit: int = _RESPONSE_LIMIT,
        **options: Any,
    ) -> httpx.Response:
        """One polite request: rate-limited, retried on 429 (honouring Retry-After, else the
        default wait), 5xx, timeouts and resets; ``ArchiveUnavailable`` when retries run out. At
        most ``body_limit`` bytes of the answer's body are read."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await limiter.acquire()
                    try:
                        async with asyncio.timeout(self.settings.timeout):
                            if params:  # httpx would replace the URL's own query with an empty one
                                options = {**options, "params": list(params)}
                            response = await self._bounded(method, url, body_limit, options)
                    except httpx.ConnectError as exc:
                        if not self.answered:  # no name, no route: with nothing answered yet, retrying is waiting
                            raise ArchiveUnavailable(f"cannot connect: {exc}") from exc
                        raise _Retry(f"{type(exc).__name__}: {exc}", None) from exc
                    except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, TimeoutError) as exc:
                        raise _Retry(f"{type(exc).__name__}: {exc}", None) from exc
                    self.answered = True
                    if response.status_code in _RETRY_STATUS:
                        wait = retry_after_seconds({k.lower(): v for k, v in response.headers.items()})
                        if response.status_code == 429 and wait is None:
                            wait = self.settings.retry_after_default
                        raise _Retry(f"HTTP {response.status_code}", wait)
                    return response
        except _Retry as exhausted:
            raise ArchiveUnavailable(f"{exhausted} (after {self.settings.retries + 1} attempts)") from exhausted
        raise AssertionError("unreachable")  # pragma: no cover

    async def _bounded(self, method: str, url: str, limit: int, options: dict[str, Any]) -> httpx.Response:
        """The answer with its body read (decoded) to at most ``limit`` bytes: an archived page is
        someone else's bytes, and may be built to inflate without end."""
        follow = options.pop("follow_redirects", self._client.follow_redirects)
        request = self._client.build_request(method, url, **options)
        streamed = await self._client.send(request, stream=True, follow_redirects=follow)
        try:
            body = await read_body(streamed, limit)
        finally:
            await streamed.aclose()
        kept = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in _BODY_FRAMING]
        return httpx.Response(streamed.status_code, headers=kept, content=body, request=request)

    # -- lookup ----------------------------------------------------------------------------------

    async def cdx(self, url: str, *, closest: str | None, good_only: bool, limit: int) -> list[Capture]:
        params = [("url", url), ("output", "json"), ("fl", "timestamp,original,statuscode")]
        if good_only:
            params.append(("filter", "statuscode:20[036]"))
        if closest is not None:
            params += [("sort", "closest"), ("closest", closest)]
        params.append(("limit", str(limit)))
        response = await self.request(self.cdx_limiter, "GET", self.settings.cdx_url, params=params)
        if response.status_code == 403 and _is_block(response):
            raise BlockedByArchive(response.headers.get("x-archive-wayback-runtime-error", "blocked site"))
        if response.status_code != 200:
            raise ArchiveUnavailable(f"CDX answered HTTP {response.status_code}")
        try:
            rows = response.json() if response.content.strip() else []
        except ValueError as exc:
            raise ArchiveUnavailable(f"CDX answered something that is not JSON: {exc}") from exc
        try:
            return _captures(rows)
        except (KeyError, IndexError, TypeError) as exc:
            raise ArchiveUnavailable(f"CDX answered JSON of an unexpected shape ({type(exc).__name__}: {exc})") from exc

    async def snapshot_for(self, url: str, reference: datetime) -> Snapshot | NoSnapshot:
        """The verified snapshot nearest before ``reference`` (else after it), or why there is none."""
        moment = wayback_timestamp(reference)
        try:
            captures = await self.cdx(url, closest=moment, good_only=True, limit=self.settings.candidates)
            if not captures:
                any_capture = await self.cdx(url, closest=None, good_only=False, limit=1)
                if any_capture:
                    return NoSnapshot(
                        url, NoSnapshotReason.ONLY_BAD_CAPTURES, "every capture is an error or a redirect"
                    )
                return NoSnapshot(url, NoSnapshotReason.NOT_ARCHIVED)
            return await self._verified(url, order_candidates(captures, moment))
        except BlockedByArchive as blocked:
            return NoSnapshot(url, NoSnapshotReason.BLOCKED_BY_ARCHIVE, str(blocked))
        except ArchiveUnavailable as failure:
            return await self._availability_fallback(url, moment, str(failure))

    async def _availability_fallback(self, url: str, moment: str, cdx_failure: str) -> Snapshot | NoSnapshot:
        """CDX failed: ask the availability API once; whatever it gives is verified the same way."""
        try:
            response = await self.request(
                self.cdx_limiter, "GET", self.settings.availability_url, params=[("url", url), ("timestamp", moment)]
            )
            payload = response.json() if response.status_code == 200 else None
        except (ArchiveUnavailable, ValueError):
            payload = None
        snapshots = payload.get("archived_snapshots") if isinstance(payload, dict) else None
        closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
        if (
            not isinstance(closest, dict)
            or not isinstance(closest.get("timestamp"), str)
            or str(closest.get("status")) not in {str(code) for code in GOOD_STATUS}
        ):
            return NoSnapshot(url, NoSnapshotReason.LOOKUP_FAILED, f"CDX lookup failed: {cdx_failure}")
        capture = Capture(str(closest["timestamp"]), url, int(closest["status"]))
        found = await self._verified(url, [capture])
        if isinstance(found, NoSnapshot):
            return NoSnapshot(url, NoSnapshotReason.LOOKUP_FAILED, f"CDX lookup failed: {cdx_failure}")
        return found

    async def _verified(self, url: str, candidates: Sequence[Capture]) -> Snapshot | NoSnapshot:
        rejections = []
        for capture in candidates[: self.settings.verify]:
            problem = await self.verify(capture)
            if problem is None:
                return Snapshot(url, capture.timestamp, public_url(capture.timestamp, url), capture.status)
            rejections.append(f"{capture.timestamp}: {problem}")
        return NoSnapshot(url, NoSnapshotReason.ONLY_BAD_CAPTURES, "; ".join(rejections))

    async def verify(self, capture: Capture) -> str | None:
        """Replay the raw capture; None when it is a real page, else what is wrong with it."""
        replay = f"{self.settings.replay_base}{capture.timestamp}id_/{capture.original}"
        try:
            response = await self.request(
                self.replay_limiter, "GET", replay, body_limit=_BODY_LIMIT, follow_redirects=False
            )
        except ArchiveUnavailable as failure:
            return f"replay failed ({failure})"
        archived = "memento-datetime" in response.headers
        status = response.status_code
        if not archived:
            return f"the archive itself answered HTTP {status} (no memento)"
        if 300 <= status < 400:
            target = _replayed_target(response.headers.get("location", ""))
            if _is_homepage(target) and not _is_homepage(capture.original):
                return f"an archived redirect to the homepage ({target})"
            return f"an archived redirect (HTTP {status}) to {target}"
        if status not in GOOD_STATUS:
            return f"an archived error page (HTTP {status})"
        if not response.content.strip():
            return "an empty capture"
        page = rot.read_page(response.content, response.headers.get("content-type", ""))
        if page is not None:
            # A capture made after the rot set in is no copy of what was cited.
            if rot.parked_evidence(page, capture.original, capture.original, ()) is not None:
                return "an archived parking or for-sale page"
            if rot.not_found_page(page) is not None:
                return "an archived not-found page (answered 200)"
            self.titles[capture.timestamp, capture.original] = page.title
        return None

    async def newest_capture(self, url: str) -> Capture | None:
        """The most recent good capture of ``url`` (for Save Page Now's "archived lately?")."""
        captures = await self.cdx(url, closest=None, good_only=True, limit=-1)
        return captures[-1] if captures else None


def _captures(rows: object) -> list[Capture]:
    """CDX's JSON rows (a header row, then one row per capture) as captures; TypeError, KeyError or
    IndexError when they are not that shape."""
    if not rows:
        return []
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise TypeError("not a list of rows")
    header, *body = rows
    index = {name: position for position, name in enumerate(header)}
    captures = []
    for row in body:
        timestamp, original, status = row[index["timestamp"]], row[index["original"]], row[index["statuscode"]]
        if not (isinstance(timestamp, str) and isinstance(original, str) and isinstance(status, str)):
            raise TypeError(f"a row that is not text: {row!r}")
        captures.append(Capture(timestamp, original, int(status) if status.isdigit() else 0))
    return captures


def order_candidates(captures: Sequence[Capture], moment: str) -> list[Capture]:
    """IABot's preference: newest at or before the reference date first, then earliest after it."""
    good = [capture for capture in captures if capture.status in GOOD_STATUS]
    before = sorted((c for c in good if c.timestamp <= moment), key=lambda c: c.timestamp, reverse=True)
    after = sorted((c for c in good if c.timestamp > moment), key=lambda c: c.timestamp)
    return before + after


def _is_block(response: httpx.Response) -> bool:
    text = response.headers.get("x-archive-wayback-runtime-error", "") + response.text[:2000]
    return any(marker in text for marker in _BLOCK_MARKERS)


def _replayed_target(location: str) -> str:
    """``…/web/20150101000000id_/http://example.com/`` -> ``http://example.com/``."""
    marker = location.find("id_/")
    return location[marker + 4 :] if marker != -1 else location


def _is_homepage(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path.strip("/") == "" and not parts.query

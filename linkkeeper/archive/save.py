"""Save Page Now 2: archive live links before they rot.

Authenticated only (``LINKKEEPER_IA_ACCESS_KEY`` / ``LINKKEEPER_IA_SECRET_KEY``; the keys are
never logged or reported). A link with a capture newer than ``if_not_archived_within`` is not
submitted. Jobs are polled with backoff; the ``status_ext`` errors InternetArchiveBot retries are
resubmitted, the others recorded as permanent; after an ambiguous failure, CDX is asked whether
the capture happened after all. Every job is stored in the history as it goes, so an interrupted
run resumes without submitting anything twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from linkkeeper.archive.ratelimit import RateLimiter
from linkkeeper.archive.wayback import ArchiveUnavailable, WaybackClient, wayback_timestamp
from linkkeeper.checking.headers import carries_secrets_safely
from linkkeeper.clock import Sleep
from linkkeeper.config import WaybackSettings, parse_duration
from linkkeeper.errors import ConfigError
from linkkeeper.history.store import History, SaveRecord
from linkkeeper.redact import Redactor

ACCESS_KEY_ENV = "LINKKEEPER_IA_ACCESS_KEY"
SECRET_KEY_ENV = "LINKKEEPER_IA_SECRET_KEY"
RETRYABLE = frozenset(
    {
        "error:user-session-limit", "error:soft-time-limit-exceeded", "error:proxy-error",
        "error:browsing-timeout", "error:no-browsers-available", "error:redis-error",
        "error:capture-location-error", "error:celery",
    }
)  # fmt: skip


def keys_from(environ: Mapping[str, str]) -> tuple[str, str]:
    """The archive.org S3 keys, or a ConfigError saying exactly which variables to set."""
    access, secret = environ.get(ACCESS_KEY_ENV, ""), environ.get(SECRET_KEY_ENV, "")
    if not access or not secret:
        raise ConfigError(
            "environment",
            f"{ACCESS_KEY_ENV}/{SECRET_KEY_ENV}",
            "Save Page Now needs archive.org keys (https://archive.org/account/s3.php); saving is refused without them",
        )
    return access, secret


class SavePageNow:
    def __init__(
        self,
        settings: WaybackSettings,
        wayback: WaybackClient,
        keys: tuple[str, str],
        history: History,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._wayback = wayback
        self._auth = {"Authorization": f"LOW {keys[0]}:{keys[1]}", "Accept": "application/json"}
        self._redact = Redactor(keys)  # a job status may quote the request: the keys reach no record
        self._history = history
        self._sleep = sleep
        self._submit_limiter = RateLimiter(settings.saves_per_minute, 60.0, sleep=sleep)
        self._status_limiter = RateLimiter(60, 60.0, sleep=sleep)
        self.refused: str | None = None
        if not carries_secrets_safely(settings.save_url):
            self.refused = (
                f"Save Page Now's keys go over https only (or to this machine), and wayback.save_url is "
                f"{settings.save_url}; saving is off"
            )

    async def save(self, url: str, now: datetime) -> SaveRecord:
        """Archive ``url`` unless it was lately; returns (and stores) the job's final record."""
        known = self._history.save_job(url)
        if known is not None and known.status in ("success", "error"):
            return known  # done in an earlier run: never submitted twice
        if known is not None and known.status == "pending" and known.job_id:
            return await self._poll(url, known.job_id, now, resubmits=self.settings.save_resubmits)
        recent = await self._recent_capture(url, now)
        if recent is not None:
            record = SaveRecord(url, None, now.isoformat(timespec="seconds"), "success", recent, "archived lately")
            self._history.put_save_job(record)
            return record
        return await self._submit(url, now, resubmits=self.settings.save_resubmits)

    async def _recent_capture(self, url: str, now: datetime) -> str | None:
        try:
            newest = await self._wayback.newest_capture(url)
        except ArchiveUnavailable:
            return None
        within = timedelta(seconds=parse_duration(self.settings.if_not_archived_within))
        if newest is not None and newest.timestamp >= wayback_timestamp(now - within):
            return newest.timestamp
        return None

    async def _submit(self, url: str, now: datetime, *, resubmits: int) -> SaveRecord:
        submitted = now.isoformat(timespec="seconds")
        form = {"url": url, "skip_first_archive": "1", "if_not_archived_within": self.settings.if_not_archived_within}
        try:
            response = await self._wayback.request(
                self._submit_limiter, "POST", self.settings.save_url, data=form, headers=self._auth
            )
        except ArchiveUnavailable as failure:
            return await self._confirm(url, now, f"submission failed: {failure}")
        if response.status_code in (401, 403):
            self.refused = f"Save Page Now refused the keys (HTTP {response.status_code}); saving is off for this run"
            return self._store(SaveRecord(url, None, submitted, "error", None, self.refused))
        try:
            answer = response.json()
        except ValueError:
            return await self._confirm(url, now, f"submission answered HTTP {response.status_code}, not JSON")
        if answer.get("status") == "error":
            return await self._failed(url, now, str(answer.get("status_ext", "error:unknown")), answer, resubmits)
        job_id = str(answer.get("job_id", ""))
        if not job_id:
            return await self._confirm(url, now, "submission answered without a job id")
        self._store(SaveRecord(url, job_id, submitted, "pending"))
        return await self._poll(url, job_id, now, resubmits=resubmits)

    async def _poll(self, url: str, job_id: str, now: datetime, *, resubmits: int) -> SaveRecord:
        status_url = f"{self.settings.save_url.rstrip('/')}/status/{job_id}"
        submitted = now.isoformat(timespec="seconds")
        for poll in range(self.settings.save_polls):
            try:
                response = await self._wayback.request(self._status_limiter, "GET", status_url, headers=self._auth)
                answer = response.json()
            except (ArchiveUnavailable, ValueError) as failure:
                return await self._confirm(url, now, f"status of job {job_id} unknown: {failure}")
            status = answer.get("status")
            if status == "success":
                timestamp = str(answer.get("timestamp", ""))
                return self._store(SaveRecord(url, job_id, submitted, "success", timestamp, answer.get("message", "")))
            if status == "error":
                return await self._failed(url, now, str(answer.get("status_ext", "error:unknown")), answer, resubmits)
            await self._sleep(min(2.0 * 1.5**poll, 30.0))
        return self._store(SaveRecord(url, job_id, submitted, "pending", None, "still pending; polled again next run"))

    async def _failed(
        self, url: str, now: datetime, status_ext: str, answer: Mapping[str, object], resubmits: int
    ) -> SaveRecord:
        if status_ext in RETRYABLE and resubmits > 0:
            await self._sleep(2.0)
            return await self._submit(url, now, resubmits=resubmits - 1)
        detail = f"{status_ext}: {answer.get('message', '')}".rstrip(": ")
        return self._store(SaveRecord(url, None, now.isoformat(timespec="seconds"), "error", None, detail))

    async def _confirm(self, url: str, now: datetime, problem: str) -> SaveRecord:
        """After an ambiguous failure, ask CDX whether the capture exists after all."""
        try:
            newest = await self._wayback.newest_capture(url)
        except ArchiveUnavailable:
            newest = None
        submitted = now.isoformat(timespec="seconds")
        if newest is not None and newest.timestamp >= wayback_timestamp(now.astimezone(UTC)):
            return self._store(SaveRecord(url, None, submitted, "success", newest.timestamp, "confirmed through CDX"))
        return self._store(SaveRecord(url, None, submitted, "error", None, problem))

    def _store(self, record: SaveRecord) -> SaveRecord:
        record = replace(
            record, detail=self._redact.text(record.detail), timestamp=self._redact.optional(record.timestamp)
        )
        self._history.put_save_job(record)
        return record

"""Save Page Now 2: archive live links before they rot.

Authenticated only (``LINKKEEPER_IA_ACCESS_KEY`` / ``LINKKEEPER_IA_SECRET_KEY``; the keys are
never logged or reported). A link with a capture newer than ``if_not_archived_within`` is not
submitted.

**Several jobs at once.** Submissions are paced by ``wayback.saves_per_minute`` and status polls
by ``wayback.save_status_per_minute`` (all jobs together); up to ``wayback.save_jobs`` jobs run at once, fewer when
``/save/status/user`` says fewer are ``available`` (asked once, before the first submission).
When SPN refuses a submission with ``error:user-session-limit`` while other jobs of this run are
running, the account holds fewer sessions than we thought: the run keeps to as many as are
running, and the refused link waits for one of them to end (no resubmission is spent on it).

**Resumable.** Every job is stored in the history as it changes state (``submitting`` just
before the request, ``pending`` with its id, then its outcome), so an interrupted run first polls
the jobs it left pending and never submits a link twice: a link whose submission was cut off
before the answer (accepted or not, nobody knows) waits ``save_retry_after`` like a passing
failure, by which time a capture that did happen is found by CDX and nothing is submitted.

**What a failure means.** ``status_ext`` codes from the SPN2 API docs (2025), with
InternetArchiveBot (``APII::SavePageNow()``) as the reference. IABot resubmits
``user-session-limit`` (after 2 s) and SPN's own errors, and records every other error as
permanent (``archivable=0``); we differ where a link checker's links are known to be alive, and
where a failure says nothing about the link (a quota):

==============================  ======================================================  ============================
class                           ``status_ext``                                          what happens
==============================  ======================================================  ============================
the link, for good              bad-request, blocked, blocked-url, filesize-limit,      stored ``error``; never
(IABot: the same)               ftp-access-denied, http-version-not-supported,          submitted again
                                invalid-server-response, invalid-url-syntax,
                                method-not-allowed, network-authentication-required,
                                no-access, not-found, not-implemented,
                                too-many-redirects, unauthorized
SPN's own trouble               browsing-timeout, capture-location-error, celery,       resubmitted in the run
(IABot: resubmits the first     no-browsers-available, proxy-error, redis-error,        (``save_resubmits``, 2 s
seven; the last three are       soft-time-limit-exceeded; cannot-fetch,                 apart), then as the next row
permanent there)                internal-server-error, job-failed
the site's passing trouble      bad-gateway, bandwidth-limit-exceeded,                  stored ``retry``: a run
(IABot: permanent)              gateway-timeout, invalid-host-resolution,               ``save_retry_after`` (1 day)
                                protocol-error, read-timeout, service-unavailable,      later submits it again
                                too-many-requests; any code not listed here; an
                                answer lost to the network (when CDX shows no
                                capture either)
the URL's day                   too-many-daily-captures (SPN2: "This URL has been       ``retry`` from the next UTC
(IABot: permanent)              captured 10 times today")                               day; a second link refused
                                                                                        so in one run: the account's
                                                                                        day is spent, as below
the host's day                  max-daily-bandwidth-host                                ``retry`` from the next UTC
(IABot: permanent)                                                                      day; no more links of that
                                                                                        host in this run
the account                     max-daily-bandwidth, max-daily-bandwidth-from-ip,       the run stops submitting and
(IABot: permanent, and          blocked-client-ip (``retry`` from the next UTC day);    a note says why; the links
user-session-limit is           user-session-limit with none of this run's jobs         not submitted are reported
resubmitted)                    running, after the resubmits (``retry`` on the          ``skipped`` with no record:
                                next run); 429 past every retry; /save/status/user's    a later run submits them
                                ``daily_captures`` at its ``daily_captures_limit``
==============================  ======================================================  ============================

Rows stored as ``error`` before these classes existed are read by the same table: only the
permanent codes stay final, the others are submitted again once their date has passed.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from linkkeeper.archive.ratelimit import RateLimiter
from linkkeeper.archive.wayback import ArchiveUnavailable, WaybackClient, wayback_timestamp
from linkkeeper.checking.headers import carries_secrets_safely
from linkkeeper.clock import Clock, Sleep, loop_time
from linkkeeper.config import WaybackSettings, parse_duration
from linkkeeper.errors import ConfigError
from linkkeeper.history.store import History, SaveRecord
from linkkeeper.redact import Redactor

ACCESS_KEY_ENV = "LINKKEEPER_IA_ACCESS_KEY"
SECRET_KEY_ENV = "LINKKEEPER_IA_SECRET_KEY"

PERMANENT = frozenset(
    {
        "error:bad-request", "error:blocked", "error:blocked-url", "error:filesize-limit",
        "error:ftp-access-denied", "error:http-version-not-supported", "error:invalid-server-response",
        "error:invalid-url-syntax", "error:method-not-allowed", "error:network-authentication-required",
        "error:no-access", "error:not-found", "error:not-implemented", "error:too-many-redirects",
        "error:unauthorized",
    }
)  # fmt: skip
SPN_TROUBLE = frozenset(
    {
        "error:browsing-timeout", "error:capture-location-error", "error:celery", "error:no-browsers-available",
        "error:proxy-error", "error:redis-error", "error:soft-time-limit-exceeded", "error:cannot-fetch",
        "error:internal-server-error", "error:job-failed",
    }
)  # fmt: skip
SITE_PASSING = frozenset(
    {
        "error:bad-gateway", "error:bandwidth-limit-exceeded", "error:gateway-timeout",
        "error:invalid-host-resolution", "error:protocol-error", "error:read-timeout",
        "error:service-unavailable", "error:too-many-requests",
    }
)  # fmt: skip
SESSION_LIMIT = "error:user-session-limit"
URL_DAY = "error:too-many-daily-captures"
HOST_DAY = "error:max-daily-bandwidth-host"
ACCOUNT_DAY = frozenset({"error:max-daily-bandwidth", "error:max-daily-bandwidth-from-ip", "error:blocked-client-ip"})
_NEXT_DAY = ACCOUNT_DAY | {URL_DAY, HOST_DAY}

# Stored statuses: submitting, pending (with the job id), success, error (for good), retry (from a
# date), skipped (not submitted: as if no row). Only "skipped" records of links never submitted
# are not stored at all.
_DONE = frozenset({"success", "error", "retry"})


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


def status_ext(detail: str) -> str:
    """The ``error:<code>`` a stored detail starts with, or "" (a failure without one)."""
    head, _, rest = detail.partition(":")
    code = rest.split(":", 1)[0].strip()
    return f"error:{code}" if head == "error" and code else ""


class _Halted(Exception):
    """A submission that may no longer go: the run stopped submitting (or this link's host)."""


class _Slots:
    """At most ``size`` jobs at once, first come first served; the size only ever shrinks."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.busy = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, *, first: bool = False) -> None:
        if self.busy < self.size and not self._waiters:
            self._take()
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._waiters.appendleft if first else self._waiters.append)(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed over just as it was cancelled: hand it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        self.busy -= 1
        while self._waiters and self.busy < self.size:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._take()
                waiter.set_result(None)

    async def make_room(self) -> None:
        """For a holder refused for the account's session limit: keep to the jobs running now
        (the others), give this slot back and wait, first in line, for one of them to end."""
        self.size = max(1, min(self.size, self.busy - 1))
        self.release()
        try:
            await self.acquire(first=True)
        except asyncio.CancelledError:
            self.busy += 1  # the holder gives back a slot as it unwinds
            raise

    def _take(self) -> None:
        self.busy += 1


class _Gate(RateLimiter):
    """The submission limiter, and once a submission fits, the last word on whether it may go."""

    def __init__(self, limiter: RateLimiter, admit: Callable[[], None]) -> None:  # a wrapper: no window of its own
        self._inner = limiter
        self._admit = admit

    async def acquire(self) -> None:
        await self._inner.acquire()
        self._admit()


class SavePageNow:
    def __init__(
        self,
        settings: WaybackSettings,
        wayback: WaybackClient,
        keys: tuple[str, str],
        history: History,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = loop_time,
    ) -> None:
        self.settings = settings
        self._wayback = wayback
        self._auth = {"Authorization": f"LOW {keys[0]}:{keys[1]}", "Accept": "application/json"}
        self._redact = Redactor(keys)  # a job status may quote the request: the keys reach no record
        self._history = history
        self._sleep = sleep
        self._submit_limiter = RateLimiter(settings.saves_per_minute, 60.0, sleep=sleep, clock=clock)
        self._status_limiter = RateLimiter(settings.save_status_per_minute, 60.0, sleep=sleep, clock=clock)
        self.refused: str | None = None  # the keys are refused, or may not be sent: nothing is submitted
        self.stopped: str | None = None  # an account's quota is spent: nothing more is submitted this run
        self._hosts_stopped: dict[str, str] = {}  # host -> why its links wait for another day
        self._url_days: set[str] = set()  # links refused with too-many-daily-captures in this run
        self._slots = _Slots(settings.save_jobs)
        self._asked: tuple[int, str] | None = None  # (slots, what /save/status/user said)
        self._skipped: Counter[str] = Counter()  # why links were not submitted -> how many
        if not carries_secrets_safely(settings.save_url):
            self.refused = (
                f"Save Page Now's keys go over https only (or to this machine), and wayback.save_url is "
                f"{settings.save_url}; saving is off"
            )

    # -- the run ---------------------------------------------------------------------------------

    async def save(self, url: str, now: datetime) -> SaveRecord:
        """Archive ``url`` unless it was lately; returns (and stores) the job's final record."""
        return (await self.save_all([url], now))[0]

    async def save_all(
        self, urls: Sequence[str], now: datetime, *, on_done: Callable[[SaveRecord], None] | None = None
    ) -> list[SaveRecord]:
        """Archive each of ``urls`` unless it was lately, several jobs at once, the jobs an earlier
        run left pending first; one record per URL, in order (``on_done`` hears each as it ends)."""
        now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        results: dict[str, SaveRecord] = {}
        resumed: list[SaveRecord] = []
        fresh: list[str] = []
        for url in dict.fromkeys(urls):
            known = self._history.save_job(url)
            if known is not None and known.status == "submitting":
                # cut off before SPN's answer: it may run all the same; a later day's CDX will know
                known = self._store(replace(known, status="retry", detail="the submission was interrupted"))
            if known is not None and known.status == "pending" and known.job_id:
                resumed.append(known)
            elif known is not None and known.status in _DONE and not self._due(known, now):
                results[url] = known
                if on_done is not None:
                    on_done(known)
            else:
                fresh.append(url)
        if fresh and self.refused is None:
            await self._size_slots(len(resumed))

        async def finish(url: str, work: Awaitable[SaveRecord]) -> None:
            results[url] = record = await work
            if on_done is not None:
                on_done(record)

        async with asyncio.TaskGroup() as group:  # pending jobs first: they queue for a slot first
            for known in resumed:
                group.create_task(finish(known.url, self._resume(known, now)))
            for url in fresh:
                group.create_task(finish(url, self._fresh(url, now)))
        return [results[url] for url in dict.fromkeys(urls)]

    def retry_after(self, record: SaveRecord) -> datetime | None:
        """When a later run may submit ``record``'s link again; None when never (a success, an
        error for good) or when there is nothing to wait for (pending, skipped)."""
        code = status_ext(record.detail)
        if record.status not in ("error", "retry") or (record.status == "error" and code in PERMANENT):
            return None
        try:
            at = datetime.fromisoformat(record.submitted_at)
        except ValueError:
            return datetime.fromtimestamp(0, UTC)  # when is unknown: any run may
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        if code in _NEXT_DAY:
            return datetime.combine(at.astimezone(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
        if code == SESSION_LIMIT:
            return at
        return at + timedelta(seconds=parse_duration(self.settings.save_retry_after))

    def describe(self, record: SaveRecord) -> str:
        """``record``'s detail for a report: a link to try again says from when."""
        when = self.retry_after(record)
        if record.status == "retry" and when is not None:
            return f"{record.detail}; submitted again from {when.isoformat(timespec='minutes')}".lstrip("; ")
        return record.detail

    def notes(self) -> list[str]:
        """What the run should say about saving as a whole: refused keys, a quota spent, fewer jobs."""
        notes = [self.refused] if self.refused else []
        if self.stopped:
            skipped = self._skipped[self.stopped]
            later = f"; {skipped} live link(s) were not submitted, a later run will" if skipped else ""
            notes.append(f"Save Page Now stopped submitting: {self.stopped}{later}")
        notes += [
            f"Save Page Now submitted no more links of {host}: {why}" for host, why in self._hosts_stopped.items()
        ]
        jobs = self.settings.save_jobs
        planned = jobs if self._asked is None else self._asked[0]
        if self._asked is not None and planned < jobs:
            notes.append(
                f"Save Page Now ran at most {planned} job(s) at once, not wayback.save_jobs = {jobs}: "
                f"/save/status/user said {self._asked[1]}"
            )
        if self._slots.size < planned:
            notes.append(
                f"Save Page Now ran at most {self._slots.size} job(s) at once, not {planned}: the account "
                "refused more (error:user-session-limit)"
            )
        return notes

    # -- one link --------------------------------------------------------------------------------

    async def _resume(self, known: SaveRecord, now: datetime) -> SaveRecord:
        if self.refused:
            return self._skip(known.url, now, self.refused, stored=False)
        assert known.job_id is not None
        await self._slots.acquire()
        try:
            return await self._poll(known.url, known.job_id, known.submitted_at, now)
        finally:
            self._slots.release()

    async def _fresh(self, url: str, now: datetime) -> SaveRecord:
        halt = self._halted(url)
        if halt:
            return self._skip(url, now, halt)
        recent = await self._recent_capture(url, now)
        if recent is not None:
            return self._store(
                SaveRecord(url, None, now.isoformat(timespec="seconds"), "success", recent, "archived lately")
            )
        await self._slots.acquire()
        try:
            return await self._submit(url, now, resubmits=self.settings.save_resubmits)
        finally:
            self._slots.release()

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

        def admit() -> None:  # once the rate allows it, and only then, the submission is on record
            halt = self._halted(url)
            if halt:
                raise _Halted(halt)
            self._store(SaveRecord(url, None, submitted, "submitting"))

        gate = _Gate(self._submit_limiter, admit)
        try:
            response = await self._wayback.request(gate, "POST", self.settings.save_url, data=form, headers=self._auth)
        except _Halted as halted:
            known = self._history.save_job(url)  # after a 429, the first attempt is on record
            return self._skip(url, now, str(halted), stored=known is not None and known.status == "submitting")
        except ArchiveUnavailable as failure:
            if "HTTP 429" in str(failure):  # told off past every retry: the account's rate, not the link
                self._stop(f"it answered 429 Too Many Requests past every retry: {failure}")
                return self._skip(url, now, self.stopped or "", stored=True)
            return await self._confirm(url, now, f"submission failed: {failure}")
        if response.status_code in (401, 403):
            if self.refused is None:
                self.refused = (
                    f"Save Page Now refused the keys (HTTP {response.status_code}); saving is off for this run"
                )
            return replace(self._skip(url, now, self.refused, stored=True), status="error")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            return await self._confirm(url, now, f"submission answered HTTP {response.status_code}, not JSON")
        if answer.get("status") == "error":
            return await self._failed(url, now, str(answer.get("status_ext", "error:unknown")), answer, resubmits)
        job_id = str(answer.get("job_id", ""))
        if not job_id:
            return await self._confirm(url, now, "submission answered without a job id")
        self._store(SaveRecord(url, job_id, submitted, "pending"))
        return await self._poll(url, job_id, submitted, now, resubmits=resubmits)

    async def _poll(
        self,
        url: str,
        job_id: str,
        submitted: str,
        now: datetime,
        *,
        resubmits: int | None = None,
    ) -> SaveRecord:
        """Ask about the job at once, then 2 s later, 1.25 times longer each time (at most 30 s);
        ``save_polls`` times at most in this run."""
        resubmits = self.settings.save_resubmits if resubmits is None else resubmits
        status_url = f"{self.settings.save_url.rstrip('/')}/status/{job_id}"
        for poll in range(self.settings.save_polls):
            if poll:
                await self._sleep(min(2.0 * 1.25 ** (poll - 1), 30.0))
            try:
                response = await self._wayback.request(self._status_limiter, "GET", status_url, headers=self._auth)
                answer = response.json()
            except (ArchiveUnavailable, ValueError) as failure:
                answer = f"{failure}"
            if not isinstance(answer, dict):
                # the job runs on, or ran: its id stays on record and the next run asks again
                detail = f"status unknown ({str(answer)[:200]}); polled again next run"
                return self._store(SaveRecord(url, job_id, submitted, "pending", None, detail))
            status = answer.get("status")
            if status == "success":
                timestamp = str(answer.get("timestamp", ""))
                return self._store(SaveRecord(url, job_id, submitted, "success", timestamp, answer.get("message", "")))
            if status == "error" and answer.get("status_ext") == "error:job-not-found":
                return await self._confirm(url, now, f"job {job_id} is no longer known to Save Page Now")
            if status == "error":
                return await self._failed(url, now, str(answer.get("status_ext", "error:unknown")), answer, resubmits)
        return self._store(SaveRecord(url, job_id, submitted, "pending", None, "still pending; polled again next run"))

    async def _failed(
        self, url: str, now: datetime, code: str, answer: Mapping[str, object], resubmits: int
    ) -> SaveRecord:
        detail = f"{code}: {answer.get('message', '')}".rstrip(": ")
        if code == SESSION_LIMIT and self._slots.busy > 1:
            await self._slots.make_room()  # our own jobs fill the account's sessions: wait for one
            return await self._submit(url, now, resubmits=resubmits)
        if code in SPN_TROUBLE | {SESSION_LIMIT} and resubmits > 0:
            await self._sleep(2.0 * (1 + self.settings.save_resubmits - resubmits))
            return await self._submit(url, now, resubmits=resubmits - 1)
        if code in PERMANENT:
            return self._store(SaveRecord(url, None, now.isoformat(timespec="seconds"), "error", None, detail))
        if code == SESSION_LIMIT:
            resubmits = self.settings.save_resubmits
            self._stop(f"{code} with none of this run's jobs running, after {resubmits} resubmission(s)")
        elif code in ACCOUNT_DAY:
            self._stop(f"{code} (the account's or this address's quota for today)")
        elif code == HOST_DAY:
            self._hosts_stopped.setdefault(urlsplit(url).hostname or "", f"{code} (the host's quota for today)")
        elif code == URL_DAY:
            self._url_days.add(url)
            if len(self._url_days) > 1:
                self._stop(f"{code} for {len(self._url_days)} links: the account's captures for today are spent")
        return self._store(SaveRecord(url, None, now.isoformat(timespec="seconds"), "retry", None, detail))

    async def _confirm(self, url: str, now: datetime, problem: str) -> SaveRecord:
        """After an ambiguous failure, ask CDX whether the capture exists after all."""
        try:
            newest = await self._wayback.newest_capture(url)
        except ArchiveUnavailable:
            newest = None
        submitted = now.isoformat(timespec="seconds")
        if newest is not None and newest.timestamp >= wayback_timestamp(now.astimezone(UTC)):
            return self._store(SaveRecord(url, None, submitted, "success", newest.timestamp, "confirmed through CDX"))
        return self._store(SaveRecord(url, None, submitted, "retry", None, problem))

    # -- the account -----------------------------------------------------------------------------

    async def _size_slots(self, resumed: int) -> None:
        """As many job slots as ``save_jobs`` allows and ``/save/status/user`` says are available
        (our own pending jobs among its ``processing``); stop early when its day's captures are spent."""
        url = f"{self.settings.save_url.rstrip('/')}/status/user"
        try:
            response = await self._wayback.request(
                self._status_limiter, "GET", url, params=[("_t", str(time.time_ns()))], headers=self._auth
            )
            answer = response.json() if response.status_code == 200 else None
        except (ArchiveUnavailable, ValueError):
            answer = None
        if not isinstance(answer, dict):
            return
        available, processing = _count(answer.get("available")), _count(answer.get("processing"))
        made, limit = _count(answer.get("daily_captures")), _count(answer.get("daily_captures_limit"))
        if made is not None and limit is not None and made >= limit:
            self._stop(f"/save/status/user says the account made {made} of its {limit} captures today")
        if available is not None:
            ours = resumed if processing is None else min(resumed, processing)  # our pending jobs still running
            size = min(self.settings.save_jobs, max(1, available + ours))
            self._slots.size = size
            self._asked = (size, f"{available} available, {processing} processing")

    def _stop(self, reason: str) -> None:
        if self.stopped is None:
            self.stopped = reason

    def _halted(self, url: str) -> str | None:
        """Why ``url`` may not be submitted now, if it may not."""
        if self.refused or self.stopped:
            return self.refused or self.stopped
        return self._hosts_stopped.get(urlsplit(url).hostname or "")

    def _skip(self, url: str, now: datetime, reason: str, *, stored: bool = False) -> SaveRecord:
        """Not submitted: reported, and (over a ``submitting`` row) on record as never submitted."""
        self._skipped[reason] += 1
        record = SaveRecord(url, None, now.isoformat(timespec="seconds"), "skipped", None, reason)
        return self._store(record) if stored else record

    def _due(self, record: SaveRecord, now: datetime) -> bool:
        when = self.retry_after(record)
        return when is not None and when <= now

    def _store(self, record: SaveRecord) -> SaveRecord:
        record = replace(
            record, detail=self._redact.text(record.detail), timestamp=self._redact.optional(record.timestamp)
        )
        self._history.put_save_job(record)
        return record


def _count(value: object) -> int | None:
    """A count from JSON: a non-negative integer, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

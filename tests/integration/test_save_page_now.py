"""``archive --save`` against the fake Wayback Machine in simulated time: several Save Page Now
jobs at once within the account's limits, failures sorted into permanent, later-day and
account-wide, and a run cut off midway resumed without submitting anything twice.

The fake serves in the test's own event loop and looptime's loop makes every wait instant, so the
fake's jobs take their simulated seconds and the assertions read the fake's own counters (jobs
running at once, submissions, polls) and request log, never a clock on the wall."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import looptime
import pytest

from linkkeeper.archive.run import _archive
from linkkeeper.config import DeadAfterSettings, Settings, WaybackSettings
from linkkeeper.history import History
from linkkeeper.history.store import SaveRecord
from linkkeeper.models import (
    ArchiveReport,
    Checkable,
    CheckResult,
    Entry,
    Kind,
    Occurrence,
    Outcome,
    Syntax,
    Target,
)
from tests.fakewayback import FakeWayback

T = TypeVar("T")
KEYS = ("testkey", "testsecret")
CHECKED = datetime(2026, 1, 1, tzinfo=UTC)  # the links were found alive then
DAY_1 = datetime(2026, 1, 2, 9, tzinfo=UTC)


def in_simulated_time(scenario: Callable[[FakeWayback], Awaitable[T]]) -> T:
    async def main() -> T:
        async with FakeWayback().serving() as fake:
            return await scenario(fake)

    with asyncio.Runner(loop_factory=lambda: looptime.new_event_loop(start=0)) as runner:
        return runner.run(main())


def links(count: int, host: str = "site{index}.example") -> list[str]:
    return [f"https://{host.format(index=index)}/page{index}" for index in range(count)]


def target(url: str) -> Target:
    occ = Occurrence("a.md", 1, 1, 0, len(url), Kind.INLINE, Syntax.RAW, url, url, "", Checkable.YES, "")
    return Target(url, (occ,))


def alive(path: Path, urls: list[str]) -> History:
    """A history in which every one of ``urls`` was checked once and found alive."""
    history = History.open(path)
    entries = [Entry(target(url), CheckResult(url, Outcome.ALIVE, 200, checked_at=CHECKED.isoformat())) for url in urls]
    run = history.start_run(CHECKED, ["a.md"], "digest")
    history.finish_run(run, CHECKED, entries, network_down=False, policy=DeadAfterSettings(), at=CHECKED)
    return history


class Progress:
    def __init__(self) -> None:
        self.totals: list[int] = []
        self.done = 0

    def total(self, count: int) -> None:
        self.totals.append(count)

    def advance(self, count: int) -> None:
        self.done += count


async def archive(
    fake: FakeWayback,
    history: History,
    urls: list[str],
    now: datetime,
    progress: Progress | None = None,
    **wayback: Any,
) -> ArchiveReport:
    """``linkkeeper archive --save`` over ``urls`` (all alive), at ``now``."""
    options = {"timeout": 10.0, "retries": 1, "saves_per_minute": 60, **fake.settings(), **wayback}
    settings = dataclasses.replace(Settings(), wayback=WaybackSettings(**options))
    return await _archive(
        [target(url) for url in urls],
        settings,
        history,
        now=now,
        include_failing=False,
        save_keys=KEYS,
        sleep=asyncio.sleep,
        on_total=None if progress is None else progress.total,
        on_progress=None if progress is None else progress.advance,
    )


def submitted(fake: FakeWayback) -> list[str]:
    return [entry["form"]["url"] for entry in fake.requests("save")]


def statuses(report: ArchiveReport) -> dict[str, str]:
    return {save.url: save.status for save in report.saves}


# -- several jobs at once ------------------------------------------------------------------------


def test_jobs_run_five_at_once_and_report_progress(tmp_path: Path) -> None:
    """10 links, jobs of 30 simulated seconds, the account free: five jobs run at once (the fake's
    own count of its running jobs), never more, and each link's end moves the progress bar."""
    urls = links(10)
    progress = Progress()

    async def scenario(fake: FakeWayback) -> tuple[ArchiveReport, int]:
        fake.set(spn_job_duration_s=30)
        with alive(tmp_path / "h.sqlite", urls) as history:
            report = await archive(fake, history, urls, DAY_1, progress)
        return report, fake.peak_jobs

    report, peak = in_simulated_time(scenario)
    assert peak == 5
    assert set(statuses(report).values()) == {"success"}
    assert progress.totals == [0, 10] and progress.done == 10


def test_jobs_keep_to_what_the_account_says_is_available(tmp_path: Path) -> None:
    """The account has 3 sessions (/save/status/user: available 3): three jobs at once, none
    refused, and the report says why not wayback.save_jobs."""
    urls = links(8)

    async def scenario(fake: FakeWayback) -> tuple[ArchiveReport, int, int]:
        fake.set(spn_job_duration_s=20, spn_max_active=3)
        with alive(tmp_path / "h.sqlite", urls) as history:
            report = await archive(fake, history, urls, DAY_1)
        return report, fake.peak_jobs, fake.session_refusals

    report, peak, refusals = in_simulated_time(scenario)
    assert (peak, refusals) == (3, 0)
    assert set(statuses(report).values()) == {"success"}
    assert any("at most 3 job(s)" in note and "/save/status/user" in note for note in report.notes), report.notes


def test_session_limit_refusals_shrink_the_jobs_without_failing_links(tmp_path: Path) -> None:
    """/save/status/user does not answer and the account has 3 sessions: the first refusals
    (error:user-session-limit) teach the run to keep to 3, and no link fails for it."""
    urls = links(9)

    async def scenario(fake: FakeWayback) -> tuple[ArchiveReport, int]:
        fake.set(spn_job_duration_s=20, spn_max_active=3, spn_user_status=404)
        with alive(tmp_path / "h.sqlite", urls) as history:
            report = await archive(fake, history, urls, DAY_1)
        return report, fake.session_refusals

    report, refusals = in_simulated_time(scenario)
    assert set(statuses(report).values()) == {"success"}
    assert refusals == 2  # the 4th and 5th submissions, once; then the run keeps to three
    assert any("at most 3 job(s)" in note and "user-session-limit" in note for note in report.notes), report.notes


# -- failures: for good, for a later day, for the account ---------------------------------------


def test_a_passing_failure_is_submitted_again_on_a_later_day(tmp_path: Path) -> None:
    """A gateway timeout waits a day (wayback.save_retry_after), then is submitted again; a
    not-found is final; a row stored as "error" by an older version for a 503 is retried too."""
    passing, gone, fine, legacy = urls = links(4)

    async def scenario(fake: FakeWayback) -> list[tuple[ArchiveReport, int]]:
        fake.set(spn_results={passing: ["error:gateway-timeout", "success"], gone: "error:not-found"})
        runs = []
        with alive(tmp_path / "h.sqlite", urls) as history:
            history.put_save_job(
                SaveRecord(legacy, None, "2025-12-01T00:00:00+00:00", "error", None, "error:service-unavailable: 503")
            )
            for now in (DAY_1, DAY_1 + timedelta(hours=2), DAY_1 + timedelta(days=1, minutes=1)):
                runs.append((await archive(fake, history, urls, now), len(submitted(fake))))
        return runs

    (first, posted), (same_day, posted_same_day), (next_day, posted_next_day) = in_simulated_time(scenario)
    assert statuses(first) == {passing: "retry", gone: "error", fine: "success", legacy: "success"}
    (retry,) = [save for save in first.saves if save.url == passing]
    assert retry.detail.startswith("error:gateway-timeout") and "submitted again from 2026-01-03T09:00" in retry.detail
    assert posted == 4
    assert statuses(same_day) == statuses(first) and posted_same_day == 4  # nothing submitted
    assert statuses(next_day) == {passing: "success", gone: "error", fine: "success", legacy: "success"}
    assert posted_next_day == 5  # the gateway timeout only


@pytest.mark.parametrize("jobs", [1, 5])
def test_a_spent_daily_quota_stops_submitting_until_a_later_run(tmp_path: Path, jobs: int) -> None:
    """The account may capture 3 pages today: after the 3rd, two links refused with
    too-many-daily-captures stop the run (a note says so); the rest are not submitted, nor on the
    same day's next run (/save/status/user shows the day spent); the next day saves them all."""
    urls = links(10)

    async def scenario(fake: FakeWayback) -> list[tuple[ArchiveReport, int]]:
        fake.set(spn_job_duration_s=5, spn_daily_limit=3)
        runs = []
        with alive(tmp_path / "h.sqlite", urls) as history:
            for now in (DAY_1, DAY_1 + timedelta(hours=1)):
                runs.append((await archive(fake, history, urls, now, save_jobs=jobs), len(submitted(fake))))
            fake.set(spn_daily_limit=None)  # a new day at the archive
            runs.append((await archive(fake, history, urls, DAY_1 + timedelta(days=1)), len(submitted(fake))))
        return runs

    (first, posted), (again, posted_again), (tomorrow, posted_tomorrow) = in_simulated_time(scenario)
    counted = list(statuses(first).values())
    refused = counted.count("retry")
    # One job at a time: the 4th and 5th are refused, then the run stops. Five at once: a slot
    # freed by the 4th may send one more before the 5th's refusal arrives.
    assert refused == 2 if jobs == 1 else 2 <= refused <= 1 + jobs
    assert counted.count("success") == 3 and counted.count("skipped") == 10 - 3 - refused
    assert posted == 3 + refused  # not 10
    skipped = f"{10 - posted} live link(s) were not submitted"
    assert any("stopped submitting" in note and skipped in note for note in first.notes), first.notes
    assert posted_again == posted and any("3 of its 3 captures today" in note for note in again.notes), again.notes
    assert set(statuses(tomorrow).values()) == {"success"} and posted_tomorrow == posted + 10 - 3


def test_a_host_out_of_bandwidth_waits_for_tomorrow_alone(tmp_path: Path) -> None:
    """max-daily-bandwidth-host: that host's links wait for the next day; other hosts go on."""
    big = links(3, host="big.example")
    other = links(3)

    async def scenario(fake: FakeWayback) -> tuple[ArchiveReport, list[str]]:
        fake.set(spn_results={big[0]: "error:max-daily-bandwidth-host"})
        with alive(tmp_path / "h.sqlite", big + other) as history:
            report = await archive(fake, history, big + other, DAY_1, save_jobs=1)
        return report, submitted(fake)

    report, posted = in_simulated_time(scenario)
    assert statuses(report) == {big[0]: "retry", big[1]: "skipped", big[2]: "skipped"} | dict.fromkeys(other, "success")
    assert posted == [big[0], *other]
    assert any("no more links of big.example" in note for note in report.notes)


def test_a_submission_refused_with_429_past_every_retry_stops_the_run(tmp_path: Path) -> None:
    """Save Page Now answers every submission 429: after the retries the run stops submitting and
    the link is left as never submitted (a later run submits it, with no day's wait)."""
    urls = links(4)

    async def scenario(fake: FakeWayback) -> tuple[ArchiveReport, list[str], SaveRecord | None]:
        fake.set(rate_limit={"endpoint": "save", "after": 0, "for_requests": 100, "retry_after": 1})
        with alive(tmp_path / "h.sqlite", urls) as history:
            report = await archive(fake, history, urls, DAY_1, save_jobs=1)
            return report, submitted(fake), history.save_job(urls[0])

    report, posted, stored = in_simulated_time(scenario)
    assert posted == [urls[0], urls[0]]  # wayback.retries = 1
    assert set(statuses(report).values()) == {"skipped"}
    assert stored is not None and stored.status == "skipped"
    assert any("429" in note and "4 live link(s) were not submitted" in note for note in report.notes), report.notes


# -- interrupted runs --------------------------------------------------------------------------


def test_an_interrupted_run_polls_its_pending_jobs_first_and_submits_nothing_twice(tmp_path: Path) -> None:
    """A run cut off while five 60-second jobs run leaves them pending in the history; the next
    run asks their status before submitting anything, and submits only the other five."""
    urls = links(10)

    async def scenario(fake: FakeWayback) -> tuple[ArchiveReport, int, list[dict[str, Any]]]:
        fake.set(spn_job_duration_s=60)
        with alive(tmp_path / "h.sqlite", urls) as history:
            run = asyncio.create_task(archive(fake, history, urls, DAY_1))
            await asyncio.sleep(10)  # simulated: the five jobs are running
            run.cancel()
            with pytest.raises(asyncio.CancelledError):
                await run
            pending = sum(1 for url in urls if (job := history.save_job(url)) and job.status == "pending")
            before = len(fake.requests())
            report = await archive(fake, history, urls, DAY_1 + timedelta(minutes=5))
        return report, pending, fake.requests()[before:]

    report, pending, second_run = in_simulated_time(scenario)
    assert pending == 5
    assert set(statuses(report).values()) == {"success"}
    posts = [entry["form"]["url"] for entry in second_run if entry["endpoint"] == "save"]
    assert len(posts) == 5
    first_post = next(index for index, entry in enumerate(second_run) if entry["endpoint"] == "save")
    polled_first = {entry["path"] for entry in second_run[:first_post] if entry["endpoint"] == "status"}
    assert len(polled_first - {"/save/status/user"}) == 5  # the five pending jobs, each asked before any submission


def test_a_submission_cut_off_before_its_answer_is_not_sent_again(tmp_path: Path) -> None:
    """Cut off while five submissions await SPN's answer (which may have started the jobs): the
    next run submits only the five others, and leaves those five for a later day's CDX check."""
    urls = links(10)

    async def scenario(fake: FakeWayback) -> tuple[ArchiveReport, list[str]]:
        fake.set(latency_ms={"endpoint": "save", "ms": 5000})
        with alive(tmp_path / "h.sqlite", urls) as history:
            run = asyncio.create_task(archive(fake, history, urls, DAY_1))
            await asyncio.sleep(2)  # simulated: five submissions are in flight
            run.cancel()
            with pytest.raises(asyncio.CancelledError):
                await run
            fake.set(latency_ms=None)
            report = await archive(fake, history, urls, DAY_1 + timedelta(minutes=5))
        return report, submitted(fake)

    report, posted = in_simulated_time(scenario)
    assert sorted(posted) == sorted(urls)  # each link once: five cut off, five in the second run
    counted = list(statuses(report).values())
    assert (counted.count("retry"), counted.count("success")) == (5, 5)
    assert all("interrupted" in save.detail for save in report.saves if save.status == "retry")

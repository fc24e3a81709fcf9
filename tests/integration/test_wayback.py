"""The Wayback client against the fake Wayback Machine: the test matrix T1-T15 of wayback-api.md."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from linkkeeper.archive.save import SavePageNow, keys_from
from linkkeeper.archive.wayback import Capture, WaybackClient
from linkkeeper.config import WaybackSettings
from linkkeeper.errors import ConfigError
from linkkeeper.history import History
from linkkeeper.models import NoSnapshot, NoSnapshotReason, Snapshot
from tests.fakewayback import FakeWayback

PAGE = "http://example.com/page"


def settings_for(fake: FakeWayback, **overrides: Any) -> WaybackSettings:
    return dataclasses.replace(
        WaybackSettings(timeout=2.0, retries=2, retry_after_default=5.0), **fake.settings(), **overrides
    )


class Sleeps:
    """Records the waits asked for, without waiting (the fake's answers do not depend on time)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))


@asynccontextmanager
async def wayback_client(
    fake: FakeWayback, sleep: Any = None, window: float = 60.0, **overrides: Any
) -> AsyncIterator[WaybackClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        options = {"sleep": sleep} if sleep is not None else {}
        yield WaybackClient(settings_for(fake, **overrides), client, window=window, **options)


def when(year: int) -> datetime:
    return datetime(year, 6, 1, tzinfo=UTC)


async def test_t1_capture_before_the_reference_date(fakewayback: FakeWayback) -> None:
    """T1: a 2015 capture for a link cited in 2016 is chosen, with the public https archive URL."""
    fakewayback.load({"captures": {PAGE: [{"timestamp": "20150101000000", "status": 200}]}})
    async with wayback_client(fakewayback) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert found == Snapshot(PAGE, "20150101000000", f"https://web.archive.org/web/20150101000000/{PAGE}", 200)


async def test_t2_not_archived(fakewayback: FakeWayback) -> None:
    """T2: no captures at all is "not archived"."""
    async with wayback_client(fakewayback) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, NoSnapshot) and found.reason is NoSnapshotReason.NOT_ARCHIVED


async def test_t3_only_a_captured_404_is_rejected(fakewayback: FakeWayback) -> None:
    """T3: a capture of a 404 page is never used: "only bad captures"."""
    fakewayback.load({"captures": {PAGE: [{"timestamp": "20150101000000", "status": 404, "body": "Not Found"}]}})
    async with wayback_client(fakewayback) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, NoSnapshot) and found.reason is NoSnapshotReason.ONLY_BAD_CAPTURES


async def test_t4_redirect_to_homepage_is_never_chosen(fakewayback: FakeWayback) -> None:
    """T4: the latest capture is a 301 to the site root; the older 200 is chosen instead."""
    fakewayback.load(
        {"captures": {PAGE: [
            {"timestamp": "20140101000000", "status": 200},
            {"timestamp": "20210101000000", "status": 301, "location": "http://example.com/"},
        ]}}
    )  # fmt: skip
    async with wayback_client(fakewayback) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2022))
        problem = await wayback.verify(Capture("20210101000000", PAGE, 200))
    assert isinstance(found, Snapshot) and found.timestamp == "20140101000000"
    assert problem is not None and "homepage" in problem


async def test_a_capture_that_inflates_without_end_is_read_to_a_bound(fakewayback: FakeWayback) -> None:
    """An archived page that is a decompression bomb (64 MB of zeros gzipped twice) is verified
    from a bounded read: the replay takes less than 20 MB of memory."""
    import tracemalloc

    from tests.fakeweb.server import _bomb

    capture = {"timestamp": "20150101000000", "status": 200, "body": _bomb(64), "encoding": "gzip, gzip"}
    fakewayback.load({"captures": {PAGE: [capture]}})
    async with wayback_client(fakewayback) as wayback:
        tracemalloc.start()
        try:
            problem = await wayback.verify(Capture("20150101000000", PAGE, 200))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert problem is None
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB"


@pytest.mark.parametrize(
    ("reference", "chosen"),
    [(datetime(2018, 12, 31, tzinfo=UTC), "20120101000000"), (datetime(2011, 1, 1, tzinfo=UTC), "20120101000000"),
     (datetime(2024, 1, 1, tzinfo=UTC), "20230101000000")],
)  # fmt: skip
async def test_t5_newest_before_else_earliest_after(fakewayback: FakeWayback, reference: datetime, chosen: str) -> None:
    """T5: 2012, 2016 (404), 2019 (200) and 2023: reference 2018 -> 2012; 2011 -> 2012 (after)."""
    fakewayback.load(
        {"captures": {PAGE: [
            {"timestamp": "20120101000000", "status": 200}, {"timestamp": "20160101000000", "status": 404},
            {"timestamp": "20190101000000", "status": 200}, {"timestamp": "20230101000000", "status": 200},
        ]}}
    )  # fmt: skip
    async with wayback_client(fakewayback) as wayback:
        found = await wayback.snapshot_for(PAGE, reference)
    assert isinstance(found, Snapshot) and found.timestamp == chosen


async def test_t6_rate_limited_lookups_honour_retry_after(fakewayback: FakeWayback) -> None:
    """T6: two 429s with Retry-After: 2 are waited out (2 s each), then the lookup succeeds."""
    fakewayback.load({"captures": {PAGE: [{"timestamp": "20150101000000", "status": 200}]}})
    fakewayback.set(rate_limit={"endpoint": "cdx", "after": 0, "for_requests": 2, "retry_after": 2})
    sleeps = Sleeps()
    async with wayback_client(fakewayback, sleep=sleeps) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, Snapshot)
    assert sleeps.waits.count(2.0) == 2


async def test_t6_silent_429_waits_the_default_and_exhaustion_is_lookup_failed(fakewayback: FakeWayback) -> None:
    """T6: a 429 without Retry-After waits the default; out of retries is "lookup failed", not "no snapshot"."""
    fakewayback.load({"captures": {PAGE: [{"timestamp": "20150101000000", "status": 200}]}})
    fakewayback.set(rate_limit={"endpoint": "all", "after": 0, "for_requests": 99, "retry_after": None})
    sleeps = Sleeps()
    async with wayback_client(fakewayback, sleep=sleeps, retries=2, retry_after_default=7.0) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, NoSnapshot) and found.reason is NoSnapshotReason.LOOKUP_FAILED
    assert "429" in found.detail
    assert sleeps.waits.count(7.0) >= 2


async def test_t7_flaky_availability_does_not_matter(fakewayback: FakeWayback) -> None:
    """T7: CDX is primary, so an availability API that answers empty is never even asked."""
    fakewayback.load(
        {
            "captures": {PAGE: [{"timestamp": "20150101000000", "status": 200}]},
            "knobs": {"availability_flaky": {"empty_first": 1}},
        }
    )
    async with wayback_client(fakewayback) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, Snapshot)
    assert fakewayback.requests("availability") == []


async def test_availability_is_the_fallback_when_cdx_fails(fakewayback: FakeWayback) -> None:
    """When CDX keeps failing, the availability API's answer is used, verified like any capture."""
    fakewayback.load({"captures": {PAGE: [{"timestamp": "20150101000000", "status": 200}]}})
    fakewayback.set(server_error={"endpoint": "cdx", "status": 503, "times": 99})
    async with wayback_client(fakewayback, sleep=Sleeps()) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, Snapshot) and found.archive_url.startswith("https://web.archive.org/web/2015")
    assert len(fakewayback.requests("availability")) == 1


@pytest.mark.parametrize(
    "body", ['{"rows": []}', '[["timestamp"], ["20150101000000"]]', '[["timestamp", "original", "statuscode"], [1]]',
             '"text"', "[1, 2]", '[["timestamp", "original", "statuscode"], [null, null, null]]']
)  # fmt: skip
async def test_cdx_json_of_an_unexpected_shape_is_a_failed_lookup(fakewayback: FakeWayback, body: str) -> None:
    """CDX answering JSON the real service never sends is "lookup failed" (the availability API is
    asked instead), never an exception out of the client."""
    fakewayback.load({"captures": {PAGE: [{"timestamp": "20150101000000", "status": 200}]}})
    fakewayback.set(malformed={"endpoint": "cdx", "body": body})
    async with wayback_client(fakewayback, sleep=Sleeps()) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, Snapshot) and len(fakewayback.requests("availability")) == 1


@pytest.mark.parametrize(
    "body", ["[]", '"text"', '{"archived_snapshots": []}', '{"archived_snapshots": {"closest": 1}}',
             '{"archived_snapshots": {"closest": {"status": "200"}}}']
)  # fmt: skip
async def test_availability_json_of_an_unexpected_shape_is_a_failed_lookup(fakewayback: FakeWayback, body: str) -> None:
    """With CDX down, an availability answer of an unexpected shape leaves the lookup failed, with its reason."""
    fakewayback.set(server_error={"endpoint": "cdx", "status": 503, "times": 99})
    fakewayback.set(malformed={"endpoint": "availability", "body": body})
    async with wayback_client(fakewayback, sleep=Sleeps()) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, NoSnapshot) and found.reason is NoSnapshotReason.LOOKUP_FAILED


async def test_t12_blocked_site(fakewayback: FakeWayback) -> None:
    """T12: a site the archive blocks is reported as excluded from the archive."""
    fakewayback.load({"captures": {PAGE: [{"timestamp": "20150101000000", "status": 200}]}, "blocked": [PAGE]})
    async with wayback_client(fakewayback) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, NoSnapshot) and found.reason is NoSnapshotReason.BLOCKED_BY_ARCHIVE


async def test_t13_timeouts_are_transient_and_cancelled_cleanly(fakewayback: FakeWayback) -> None:
    """T13: an archive slower than the timeout is a transient failure: lookup failed, after retries."""
    fakewayback.set(latency_ms={"endpoint": "all", "ms": 1500})
    async with wayback_client(fakewayback, sleep=Sleeps(), timeout=0.3, retries=1) as wayback:
        found = await wayback.snapshot_for(PAGE, when(2016))
    assert isinstance(found, NoSnapshot) and found.reason is NoSnapshotReason.LOOKUP_FAILED


async def test_t14_the_cdx_query(fakewayback: FakeWayback) -> None:
    """T14: with 200 captures, the client asks for at most 10, filtered, closest to the date, as JSON."""
    captures = [{"timestamp": f"{2000 + i // 12:04d}{i % 12 + 1:02d}01000000", "status": 200} for i in range(200)]
    fakewayback.load({"captures": {PAGE: captures}})
    async with wayback_client(fakewayback) as wayback:
        found = await wayback.snapshot_for(PAGE, datetime(2010, 3, 15, tzinfo=UTC))
    assert isinstance(found, Snapshot) and found.timestamp == "20100301000000"
    (query,) = [entry["query"] for entry in fakewayback.requests("cdx")]
    assert query["limit"] == ["10"] and query["output"] == ["json"] and query["sort"] == ["closest"]
    assert query["closest"] == ["20100315000000"] and query["filter"] == ["statuscode:20[036]"]
    assert query["fl"] == ["timestamp,original,statuscode"]


async def test_t15_the_client_limiter_holds_under_the_window(fakewayback: FakeWayback) -> None:
    """T15: with the archive allowing 5 CDX requests per second, 12 lookups never draw a 429."""
    for index in range(12):
        fakewayback.add_capture(f"http://example.com/{index}", {"timestamp": "20150101000000", "status": 200})
    fakewayback.set(rate_window={"endpoint": "cdx", "max": 5, "per_s": 1.0})
    async with wayback_client(fakewayback, window=1.0, cdx_per_minute=4) as wayback:
        results = [await wayback.snapshot_for(f"http://example.com/{index}", when(2016)) for index in range(12)]
    assert all(isinstance(found, Snapshot) for found in results)
    times = [entry["t"] for entry in fakewayback.requests("cdx")]
    assert len(times) == 12  # no 429 was drawn: no request had to be repeated
    assert all(sum(1 for t in times if start <= t < start + 1.0) <= 5 for start in times)


# -- Save Page Now (T8-T11) ------------------------------------------------------------------------


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History.open(tmp_path / "history.sqlite")


async def save(
    fake: FakeWayback, history: History, url: str = PAGE, keys: tuple[str, str] = ("testkey", "testsecret")
) -> Any:
    async with wayback_client(fake, sleep=Sleeps()) as wayback:
        saver = SavePageNow(wayback.settings, wayback, keys, history, sleep=Sleeps())
        record = await saver.save(url, datetime(2026, 1, 1, tzinfo=UTC))
    return record, saver


def polls(fake: FakeWayback) -> list[dict[str, Any]]:
    """The status requests about jobs (not the account's /save/status/user)."""
    return [entry for entry in fake.requests("status") if entry["path"] != "/save/status/user"]


async def test_t8_pending_twice_then_success(fakewayback: FakeWayback, history: History) -> None:
    """T8: the job is submitted with the keys, polled three times, and its capture recorded."""
    fakewayback.set(spn_job={"pending_polls": 2, "result": "success"})
    record, _ = await save(fakewayback, history)
    assert record.status == "success" and record.timestamp
    (post,) = fakewayback.requests("save")
    assert post["headers"]["authorization"] == "LOW testkey:testsecret"
    assert post["form"]["url"] == PAGE and post["form"]["skip_first_archive"] == "1"
    assert len(polls(fakewayback)) == 3
    assert history.save_job(PAGE) == record


async def test_saving_is_resumable_and_skips_recent_captures(fakewayback: FakeWayback, history: History) -> None:
    """A link saved in an earlier run is never resubmitted; one archived lately is not submitted."""
    await save(fakewayback, history)
    await save(fakewayback, history)
    assert len(fakewayback.requests("save")) == 1
    fakewayback.add_capture("http://example.com/fresh", {"timestamp": "20251225000000", "status": 200})
    record, _ = await save(fakewayback, history, url="http://example.com/fresh")
    assert record.status == "success" and record.timestamp == "20251225000000"
    assert len(fakewayback.requests("save")) == 1


@pytest.mark.parametrize("error", ["error:not-found", "error:blocked-url"])
async def test_t9_permanent_errors_are_recorded_not_retried(
    fakewayback: FakeWayback, history: History, error: str
) -> None:
    """T9: a permanent status_ext is recorded with its reason and never resubmitted."""
    fakewayback.set(spn_job={"result": error})
    record, _ = await save(fakewayback, history)
    assert record.status == "error" and record.detail.startswith(error)
    assert len(fakewayback.requests("save")) == 1


async def test_t10_retryable_errors_are_resubmitted(fakewayback: FakeWayback, history: History) -> None:
    """T10: user-session-limit at submission is retried; a proxy-error job is resubmitted up to the
    limit, then left for a later day (SPN's own trouble says nothing against the link)."""
    fakewayback.set(spn_submit_error="error:user-session-limit", spn_submit_error_once=True)
    record, _ = await save(fakewayback, history)
    assert record.status == "success" and len(fakewayback.requests("save")) == 2
    fakewayback.reset()
    fakewayback.set(spn_job={"result": "error:proxy-error"})
    record, _ = await save(fakewayback, history, url="http://example.com/other")
    assert record.status == "retry" and record.detail.startswith("error:proxy-error")
    assert len(fakewayback.requests("save")) == 3


async def test_t11_refused_keys_turn_saving_off(fakewayback: FakeWayback, history: History) -> None:
    """T11: keys the archive refuses (401) turn saving off for the run, with one message; no keys: refused."""
    record, saver = await save(fakewayback, history, keys=("bad", "keys"))
    assert record.status == "error" and saver.refused and "401" in saver.refused
    with pytest.raises(ConfigError, match="LINKKEEPER_IA_ACCESS_KEY"):
        keys_from({})
    assert keys_from({"LINKKEEPER_IA_ACCESS_KEY": "a", "LINKKEEPER_IA_SECRET_KEY": "b"}) == ("a", "b")


def test_keys_never_reach_the_record(fakewayback: FakeWayback) -> None:
    """The secret key is sent in the header, and nowhere else."""
    assert "testsecret" not in repr(WaybackSettings())


async def test_urls_with_query_strings_are_replayed_whole(fakewayback: FakeWayback) -> None:
    """A URL with a query string is looked up and replayed with its query intact."""
    url = "http://example.com/item?id=42&sort=new"
    fakewayback.load({"captures": {url: [{"timestamp": "20150101000000", "status": 200}]}})
    async with wayback_client(fakewayback) as wayback:
        found = await wayback.snapshot_for(url, when(2016))
    assert isinstance(found, Snapshot) and found.archive_url.endswith("/item?id=42&sort=new")
    (replay,) = fakewayback.requests("replay")
    assert replay["query"] == {"id": ["42"], "sort": ["new"]}

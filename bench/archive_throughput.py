"""Archive lookups for many dead links: do they stay within the configured rate, and finish in the
time that rate allows? And Save Page Now for many live links: how close to the time the archive's
limits allow?

Run: python bench/archive_throughput.py [--links 1000] [--window 1.0]
The fake Wayback Machine (one good capture per link) enforces the real CDX limit shape (30 per
window) and counts every 429; linkkeeper's client is configured at its default 24 CDX requests per
window. The window is a minute on the real service; here it is shrunk (default 1 s) so the same
limits run in a benchmark's time. Reports wall time against the time the rate allows
((requests - limit) / limit x window), the largest number of CDX requests seen in any window, and
the 429s drawn.

Run: python bench/archive_throughput.py --saves 14 30 60 [--jobs 1 5] [--duration 3] [--cap 5]
  [--rate 60] [--cdx 24] [--status 60]
``linkkeeper archive --save`` over that many live links (none archived yet), in real time, against
the fake with Save Page Now's limits as issue 27 puts them: each job takes ``--duration`` seconds,
at most ``--cap`` run at once (a submission past it is refused with error:user-session-limit), at
most ``--rate`` submissions in any 60 s (429 past it); linkkeeper submits at ``--rate`` a minute
with ``wayback.save_jobs`` = each ``--jobs``, asks CDX first whether each link was archived
lately (at ``--cdx`` requests a minute) and polls the jobs' status (at ``--status`` polls a
minute, all jobs together); both default to linkkeeper's defaults. Prints a Markdown table row
per run: wall time, the least time the archive's limits allow (each job starting as soon as the
rate and the cap let it), the same with linkkeeper's CDX pace too, the most jobs the fake saw
running at once, refusals and 429s drawn, submissions and status polls.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkkeeper.archive.run import ARCHIVE_CONCURRENCY, _archive
from linkkeeper.archive.wayback import WaybackClient
from linkkeeper.config import DeadAfterSettings, Settings, WaybackSettings
from linkkeeper.history import History
from linkkeeper.models import Checkable, CheckResult, Entry, Kind, Occurrence, Outcome, Snapshot, Syntax, Target
from tests.fakewayback import FakeWayback

CHECKED = datetime(2026, 1, 1, tzinfo=UTC)


async def lookups(fake: FakeWayback, urls: list[str], window: float) -> list[object]:
    """As ``linkkeeper archive`` does it: ARCHIVE_CONCURRENCY lookups at once through one client."""
    settings = dataclasses.replace(WaybackSettings(retry_after_default=window), **fake.settings())
    slots = asyncio.Semaphore(ARCHIVE_CONCURRENCY)
    async with httpx.AsyncClient(trust_env=False) as client:
        wayback = WaybackClient(settings, client, window=window)
        reference = datetime(2020, 1, 1, tzinfo=UTC)

        async def one(url: str) -> object:
            async with slots:
                return await wayback.snapshot_for(url, reference)

        return list(await asyncio.gather(*(one(url) for url in urls)))


def least_time(links: int, duration: float, cap: int, rate: int, cdx: int | None = None) -> float:
    """The least wall time for ``links`` jobs of ``duration`` s: at most ``cap`` at once, at most
    ``rate`` submitted in any 60 s and, with ``cdx``, each after its CDX request (at most ``cdx``
    in any 60 s), every job starting as soon as these let it."""
    starts: list[float] = []
    for index in range(links):
        earliest = starts[index - rate] + 60.0 if index >= rate else 0.0
        if cdx is not None:
            earliest = max(earliest, index // cdx * 60.0)
        if index >= cap:
            ends = sorted(start + duration for start in starts)
            earliest = max(earliest, ends[index - cap])
        starts.append(earliest)
    return max(starts, default=0.0) + duration


def target(url: str) -> Target:
    occ = Occurrence("a.md", 1, 1, 0, len(url), Kind.INLINE, Syntax.RAW, url, url, "", Checkable.YES, "")
    return Target(url, (occ,))


def saves(
    fake: FakeWayback, links: int, jobs: int, rate: int, cdx: int, status: int, folder: Path
) -> tuple[float, dict[str, int]]:
    """One ``archive --save`` run over ``links`` live links: its wall time and its outcomes."""
    urls = [f"https://live{index}.example/page" for index in range(links)]
    options = {
        **fake.settings(), "saves_per_minute": rate, "save_jobs": jobs, "cdx_per_minute": cdx,
        "save_status_per_minute": status,
    }  # fmt: skip
    settings = dataclasses.replace(Settings(), wayback=WaybackSettings(**options))
    with History.open(folder / f"history-{links}-{jobs}.sqlite") as history:
        entries = [
            Entry(target(url), CheckResult(url, Outcome.ALIVE, 200, checked_at=CHECKED.isoformat())) for url in urls
        ]
        run = history.start_run(CHECKED, ["a.md"], "digest")
        history.finish_run(run, CHECKED, entries, network_down=False, policy=DeadAfterSettings(), at=CHECKED)
        started = time.perf_counter()
        report = asyncio.run(
            _archive(
                [target(url) for url in urls], settings, history, now=CHECKED + timedelta(days=1),
                include_failing=False, save_keys=("testkey", "testsecret"), sleep=asyncio.sleep,
            )
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    outcomes: dict[str, int] = {}
    for save in report.saves:
        outcomes[save.status] = outcomes.get(save.status, 0) + 1
    return elapsed, outcomes


def save_rows(links: list[int], jobs: list[int], duration: float, cap: int, rate: int, cdx: int, status: int) -> None:
    print("| links | save_jobs | wall s | limits allow s | with CDX pace s | ratio | most jobs at once | "
          "session refusals | 429s | submissions | status polls | outcomes |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for count in links:
            for slots in jobs:
                fake = FakeWayback().start()
                try:
                    fake.set(
                        spn_job_duration_s=duration, spn_max_active=cap,
                        rate_window={"endpoint": "save", "max": rate, "per_s": 60.0},
                    )  # fmt: skip
                    elapsed, outcomes = saves(fake, count, slots, rate, cdx, status, Path(folder))
                    posts = fake.requests("save")
                    refused = sum(1 for entry in posts if entry.get("status") == 429)
                    polls = [entry for entry in fake.requests("status") if entry["path"] != "/save/status/user"]
                    bound = least_time(count, duration, cap, rate)
                    paced = least_time(count, duration, cap, rate, cdx)
                    print(
                        f"| {count} | {slots} | {elapsed:.1f} | {bound:.1f} | {paced:.1f} | {elapsed / paced:.2f} | "
                        f"{fake.peak_jobs} | {fake.session_refusals} | {refused} | {len(posts)} | {len(polls)} | "
                        f"{', '.join(f'{n} {status}' for status, n in sorted(outcomes.items()))} |"
                    )
                finally:
                    fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--window", type=float, default=1.0)
    parser.add_argument("--saves", type=int, nargs="+", metavar="LINKS", help="Save Page Now runs of these sizes")
    parser.add_argument("--jobs", type=int, nargs="+", default=[5], help="wayback.save_jobs for each --saves run")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds each fake job takes")
    parser.add_argument("--cap", type=int, default=5, help="jobs the fake runs at once")
    parser.add_argument("--rate", type=int, default=60, help="submissions a minute, the fake's and linkkeeper's")
    parser.add_argument("--cdx", type=int, default=WaybackSettings().cdx_per_minute, help="linkkeeper's CDX a minute")
    parser.add_argument(
        "--status",
        type=int,
        default=WaybackSettings().save_status_per_minute,
        help="linkkeeper's status polls a minute",
    )
    args = parser.parse_args()
    if args.saves:
        save_rows(args.saves, args.jobs, args.duration, args.cap, args.rate, args.cdx, args.status)
        return
    fake = FakeWayback().start()
    try:
        urls = [f"http://dead{index}.example/page" for index in range(args.links)]
        for url in urls:
            fake.add_capture(url, {"timestamp": "20190101000000", "status": 200})
        fake.set(rate_window={"endpoint": "cdx", "max": 30, "per_s": args.window})
        started = time.perf_counter()
        results = asyncio.run(lookups(fake, urls, args.window))
        elapsed = time.perf_counter() - started
        limit = WaybackSettings().cdx_per_minute
        cdx = [entry["t"] for entry in fake.requests("cdx")]
        allowed = max(0, len(cdx) - limit) / limit * args.window
        busiest = max(sum(1 for t in cdx if start <= t < start + args.window) for start in cdx)
        refused = sum(1 for entry in fake.requests("cdx") if entry.get("status") == 429)
        found = sum(1 for result in results if isinstance(result, Snapshot))
    finally:
        fake.stop()
    print(f"{args.links} dead links, window {args.window} s, client limit {limit} CDX requests per window")
    print(f"found {found} snapshots with {len(cdx)} CDX and {len(fake.requests('replay'))} replay requests")
    print(f"wall time {elapsed:.1f} s; the rate allows {allowed:.1f} s; ratio {elapsed / allowed:.2f}")
    print(f"most CDX requests in any window: {busiest} (archive limit 30); 429s drawn: {refused}")


if __name__ == "__main__":
    main()

"""Archive lookups for many dead links: do they stay within the configured rate, and finish in the
time that rate allows?

Run: python bench/archive_throughput.py [--links 1000] [--window 1.0]
The fake Wayback Machine (one good capture per link) enforces the real CDX limit shape (30 per
window) and counts every 429; linkkeeper's client is configured at its default 24 CDX requests per
window. The window is a minute on the real service; here it is shrunk (default 1 s) so the same
limits run in a benchmark's time. Reports wall time against the time the rate allows
((requests - limit) / limit x window), the largest number of CDX requests seen in any window, and
the 429s drawn.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkkeeper.archive.run import ARCHIVE_CONCURRENCY
from linkkeeper.archive.wayback import WaybackClient
from linkkeeper.config import WaybackSettings
from linkkeeper.models import Snapshot
from tests.fakewayback import FakeWayback


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--window", type=float, default=1.0)
    args = parser.parse_args()
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

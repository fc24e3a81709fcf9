"""History at scale: recording and judging runs of 100,000 URLs against a growing history.

Run: python bench/history_scale.py [--urls 100000] [--runs 30]
Each run records every URL's result (a few percent failing, rotating), advances every link's state
and judges it, in one transaction, as ``linkkeeper check`` does after checking. Reports seconds per
run (first, median, last), the database size, and how long the cache lookup of all URLs, the
reports' per-run counts, one URL's checks and opening the database again (its quick check) take.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkkeeper.config import DeadAfterSettings
from linkkeeper.history import History
from linkkeeper.models import Checkable, CheckResult, Entry, Kind, Occurrence, Outcome, Syntax, Target


def make_targets(count: int) -> list[Target]:
    targets = []
    for index in range(count):
        url = f"https://host{index % 2000}.example/page/{index}"
        occurrence = Occurrence(
            f"docs/page{index // 50}.md", index % 50 + 1, 3, 0, len(url), Kind.INLINE, Syntax.RAW, url, url, "",
            Checkable.YES, "",
        )  # fmt: skip
        targets.append(Target(url, (occurrence,)))
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--urls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    targets = make_targets(args.urls)
    policy = DeadAfterSettings()
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "history.sqlite"
        timings = []
        with History.open(database) as history:
            for run in range(args.runs):
                when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=run)
                entries = [
                    Entry(target, CheckResult(target.url, Outcome.BROKEN if (index + run) % 40 == 0 else Outcome.ALIVE))
                    for index, target in enumerate(targets)
                ]
                started = time.perf_counter()
                run_id = history.start_run(when, ["docs"], "bench")
                judged = history.finish_run(run_id, when, entries, network_down=False, policy=policy, at=when)
                verdicts = [judged[entry.target.url].verdict for entry in entries]
                timings.append(time.perf_counter() - started)
                assert len(verdicts) == len(entries)
            started = time.perf_counter()
            cached = history.fresh_results([t.url for t in targets], when - timedelta(hours=24))
            lookup = time.perf_counter() - started
            started = time.perf_counter()
            summaries = history.run_summaries(30)
            charts = time.perf_counter() - started
            started = time.perf_counter()
            checks = history.checks(targets[len(targets) // 2].url)
            one_url = time.perf_counter() - started
        started = time.perf_counter()
        History.open(database).close()  # what every check pays first: PRAGMA quick_check included
        reopen = time.perf_counter() - started
        size = sum(path.stat().st_size for path in Path(scratch).iterdir())
    print(f"{args.urls} URLs x {args.runs} runs")
    print(
        f"record + judge per run: first {timings[0]:.2f} s, median {statistics.median(timings):.2f} s, "
        f"last {timings[-1]:.2f} s, max {max(timings):.2f} s"
    )
    print(f"cache lookup of all URLs: {lookup:.2f} s ({len(cached)} fresh)")
    print(
        f"the reports' counts for the last {len(summaries)} runs: {charts * 1000:.0f} ms; "
        f"one URL's {len(checks)} checks (linkkeeper history URL): {one_url * 1000:.1f} ms"
    )
    print(f"database size: {size / 1e6:.0f} MB ({size / args.runs / args.urls:.0f} bytes per check)")
    print(f"opening it for the next run (PRAGMA quick_check included): {reopen:.2f} s")


if __name__ == "__main__":
    main()

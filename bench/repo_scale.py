"""A large repository: scan and ``check --offline`` time, peak memory and report sizes as the
link count grows (issue 29).

Run: python bench/repo_scale.py [--links 20000 200000 1000000] [--hosts 400] [--links-per-file 100]

Each size is a generated repository of Markdown pages (``--links-per-file`` links each, spread
over ``--hosts`` hosts, a tenth of them repeated across pages as real docs repeat their links,
paragraphs of prose between them, a changelog-like long file every 50 pages). ``linkkeeper scan``
and ``linkkeeper check --offline`` (nothing requested: every web link is skipped, local links are
judged, the run is recorded in a fresh history and every report is written) run as child
processes, so each peak RSS is that command's alone (``ru_maxrss`` from ``os.wait4``).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the", "link", "checker", "reads", "every", "page", "and", "keeps", "a", "history", "of", "what", "each",
         "answered", "so", "that", "dead", "archive", "finds", "snapshot", "when", "it", "was", "cited")  # fmt: skip


REPORTS = ("report.html", "report.json", "junit.xml", "report.sarif")


def generate(folder: Path, links: int, hosts: int, per_file: int, seed: int = 7) -> int:
    """Write the repository; returns the number of files."""
    rng = random.Random(seed)
    files = max(1, links // per_file)
    docs = folder / "docs"
    docs.mkdir(parents=True)
    shared = [f"https://host{rng.randrange(hosts)}.example/common/{n}" for n in range(max(1, links // 10))]
    written = 0
    for index in range(files):
        lines = [f"# Page {index}", ""]
        for n in range(per_file):
            if written >= links:
                break
            host = rng.randrange(hosts)
            url = rng.choice(shared) if n % 10 == 0 else f"https://host{host}.example/p{index}/{n}?q={rng.random():.6f}"
            prose = " ".join(rng.choice(WORDS) for _ in range(12))
            lines.append(f"{prose} [see {n}]({url}) and more.")
            if n % 25 == 0:
                lines += ["", f"## Part {n}", ""]
            written += 1
        if index % 50 == 0:
            lines += ["", f"See [the next page](page{index + 1}.md) and [part two](page{index}.md#part-25)."]
        (docs / f"page{index}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return files


def run(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and this child's own peak RSS in MB (``os.wait4`` gives one child's usage)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode not in (0, 1, 4):
        raise SystemExit(f"{' '.join(command)}: exit {child.returncode}\n{errors.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--hosts", type=int, default=400)
    parser.add_argument("--links-per-file", type=int, default=100)
    options = parser.parse_args()
    linkkeeper = [sys.executable, "-m", "linkkeeper"]
    columns = ["links", "files", "Markdown", "scan", "scan RSS", "check --offline", "check RSS", *REPORTS]
    print("| " + " | ".join(columns) + " |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for links in sorted(options.links):
        with tempfile.TemporaryDirectory(prefix="linkkeeper-scale-") as tmp:
            folder = Path(tmp)
            files = generate(folder, links, options.hosts, options.links_per_file)
            size = sum(path.stat().st_size for path in (folder / "docs").iterdir()) / 1e6
            (folder / "linkkeeper.toml").write_text('[check]\ndns_canary = ""\n')
            scan_wall, scan_rss = run([*linkkeeper, "scan", "docs", "--format", "json", "-o", os.devnull], folder)
            check_wall, check_rss = run([*linkkeeper, "check", "--offline", "--no-progress", "-q", "docs"], folder)
            reports = folder / ".linkkeeper" / "reports"
            sizes = [
                (reports / name).stat().st_size / 1e6
                for name in ("report.html", "report.json", "junit.xml", "report.sarif")
            ]
            print(
                f"| {links:,} | {files:,} | {size:.1f} MB | {scan_wall:.1f} s | {scan_rss:.0f} MB | {check_wall:.1f} s "
                f"| {check_rss:.0f} MB | " + " | ".join(f"{mb:.1f} MB" for mb in sizes) + " |",
                flush=True,
            )


if __name__ == "__main__":
    main()

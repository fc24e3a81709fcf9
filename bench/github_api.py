"""GitHub links through GitHub's API (issue 30): the fake GitHub Enterprise Server's corpus checked
with a token and without one, scored against the fake's truths.

Run: python bench/github_api.py [--urls 2000] [--seed 7] [--repeat 1] [--run-timeout 600] [--keep DIR]

For each mode, a fresh ``FakeGitHub()`` (its defaults: anonymous page requests throttled to 60 a
minute with bursts of 10, Retry-After when past it; 5,000 GraphQL points an hour) is filled by
``build_corpus`` and a folder of Markdown links each URL once (100 a file). Then the hidden check's
command runs in that folder, a git work tree of its own:

    linkkeeper check . --format json --timeout 5 --retries 1 --no-progress --resolve HOST:127.0.0.1

with ``SSL_CERT_FILE`` (the fake's CA), ``LINKKEEPER_GITHUB_WEB_URL``/``_API_URL``/``_GRAPHQL_URL``
at the fake and, in the token mode, ``GITHUB_TOKEN``; nothing else from the caller's environment.

Measured per run: wall time; GraphQL, REST and page requests as the fake logged them (with the
429s, and the page requests sent before a 429's Retry-After had passed: ``early``); GraphQL points
spent; verdicts scored as tests/integration/test_github_api.py scores them (false dead: a healthy
link reported broken; missed: a broken link reported anything else; other wrong: any other wrong
verdict); links held back (blocked or skipped; allowed without a token only, each saying a token
would help); requests that carried the token to a page, over http or to another host.

Targets with a token (the hidden check's): every verdict right, at most 50 GraphQL, 50 REST and 100
page requests, at most 15 s, the token never where it may not go. Without a token: no false dead,
nothing early, every held-back link saying a word about the token, the run ending. Without a
token, line anchors past a file's end (only the API is required to find them) and links into
private repositories (404 to an anonymous request) are not scored. It always exits 0 and ends
with ``TARGETS MET`` or the targets missed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakegithub import FakeGitHub, Truth, build_corpus  # noqa: E402
from tests.integration.test_github_api import (  # noqa: E402
    check_command,
    environment,
    parse_run,
    run_linkkeeper,
    score,
    token_problems,
    write_project,
)

MODES = ("token", "no token")


@dataclass
class Measure:
    mode: str
    links: int = 0
    wall: float = 0.0
    timed_out: bool = False
    failed: str = ""  # a run that made no report: why
    graphql: int = 0
    rest: int = 0
    pages: int = 0
    throttled: int = 0  # 429 answers to page requests
    early: int = 0
    points: int = 0
    right: int = 0
    false_dead: int = 0
    missed: int = 0
    wrong: int = 0
    held_back: int = 0
    wordless: int = 0  # held back without a word about the token
    unscored: int = 0  # line anchors past the end, without a token
    leaks: int = 0
    examples: list[str] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)


def unscored_without_token(truth: Truth) -> bool:
    """A line past a file's end (the API's to find) or a private repository's link (404 to anyone
    without a token): no page request can tell."""
    return truth.status == "broken-fragment" or truth.note.startswith("private")


def measure(mode: str, urls: int, seed: int, run_timeout: float, folder: Path) -> Measure:
    result = Measure(mode)
    with FakeGitHub() as fake:
        written = build_corpus(fake, count=urls, seed=seed)
        result.links = len(written)
        places = write_project(folder / "notes", [url for url, _ in written])
        token = fake.token if mode == "token" else None
        env = environment(folder, fake.ca_pem_path, fake, token)
        started = time.perf_counter()
        try:
            process = run_linkkeeper(folder / "notes", env, *check_command([fake.resolve_entry]), timeout=run_timeout)
        except subprocess.TimeoutExpired:
            process = None
        result.wall = time.perf_counter() - started
        log = fake.log
        result.graphql = sum(entry.kind == "graphql" for entry in log)
        result.rest = sum(entry.kind == "rest" for entry in log)
        result.pages = sum(entry.kind == "web" for entry in log)
        result.throttled = sum(entry.kind == "web" and entry.status == 429 for entry in log)
        result.early = sum(entry.early for entry in log)
        result.points = sum(entry.cost or 0 for entry in log)
        result.leaks = len(token_problems(fake))
        if process is None:
            result.timed_out = True
            return result
        try:
            run = parse_run(process)
        except AssertionError as exc:
            result.failed = str(exc).splitlines()[0]
            return result
        corpus = written
        if token is None:
            corpus = [(url, truth) for url, truth in written if not unscored_without_token(truth)]
            result.unscored = len(written) - len(corpus)
        scored = score(corpus, places, run, held_back_ok=token is None)
        result.right, result.held_back = scored.right, scored.held_back
        result.false_dead, result.missed, result.wrong = len(scored.false_dead), len(scored.missed), len(scored.wrong)
        result.wordless = sum("token" not in error.casefold() for error in scored.held_back_errors)
        result.examples = (scored.false_dead + scored.missed + scored.wrong)[:5]
        result.outcomes = dict(scored.outcomes)
    return result


def shortfalls(runs: list[Measure]) -> list[str]:
    missed: list[str] = []
    for run in runs:
        tag = f"{run.mode}:"
        if run.timed_out or run.failed:
            missed.append(f"{tag} the run {'timed out' if run.timed_out else 'failed: ' + run.failed}")
            continue
        if run.false_dead:
            missed.append(f"{tag} {run.false_dead} false dead")
        if run.early:
            missed.append(f"{tag} {run.early} page requests before Retry-After")
        if run.leaks:
            missed.append(f"{tag} the token went {run.leaks} time(s) where it may not")
        if run.mode == "token":
            scale = run.links / 2000
            checks = [
                (run.missed, 0, "missed"),
                (run.wrong, 0, "otherwise wrong verdicts"),
                (run.graphql, 50 * scale, "GraphQL requests"),
                (run.rest, 50 * scale, "REST requests"),
                (run.pages, 100 * scale, "page requests"),
                (run.wall, 15, "seconds"),
            ]
            missed += [f"{tag} {value:g} {what} (at most {limit:g})" for value, limit, what in checks if value > limit]
        else:
            if run.missed or run.wrong:
                missed.append(f"{tag} {run.missed} missed, {run.wrong} otherwise wrong (blocked/skipped allowed)")
            if run.wordless:
                missed.append(f"{tag} {run.wordless} held back without a word about the token")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode (each on a fresh fake and history)")
    parser.add_argument("--run-timeout", type=float, default=600.0, help="seconds before a run is stopped")
    parser.add_argument("--keep", type=Path, help="keep each run's folder under DIR")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-github-"))
    runs: list[Measure] = []
    try:
        for repeat in range(max(1, args.repeat)):
            for mode in MODES:
                folder = (args.keep or work) / f"{mode.replace(' ', '-')}-{repeat + 1}"
                run = measure(mode, args.urls, args.seed, args.run_timeout, folder)
                runs.append(run)
                state = "timed out" if run.timed_out else (run.failed or "done")
                print(f"{mode} run {repeat + 1}: {run.wall:.1f} s, {state}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{runs[0].links} links (seed {args.seed}); per run:\n")
    header = (
        "| mode | wall time | GraphQL (points) | REST | pages (429s, early) | right | false dead | missed "
        "| other wrong | blocked/skipped | token where it may not go |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for run in runs:
        wall = f"{run.wall:.1f} s" + (" (timed out)" if run.timed_out else "") + (" (no report)" if run.failed else "")
        unscored = f" ({run.unscored} unscored)" if run.unscored else ""
        print(
            f"| {run.mode} | {wall} | {run.graphql} ({run.points}) | {run.rest} "
            f"| {run.pages} ({run.throttled}, {run.early}) | {run.right}{unscored} | {run.false_dead} | {run.missed} "
            f"| {run.wrong} | {run.held_back} | {run.leaks} |"
        )
    for mode in MODES:
        walls = [run.wall for run in runs if run.mode == mode and not run.timed_out]
        if len(walls) > 1:
            print(f"{mode}: wall time median {statistics.median(walls):.1f} s ({min(walls):.1f}-{max(walls):.1f})")
    for run in runs:
        if run.outcomes:
            print(f"{run.mode}: outcomes {run.outcomes}")
        for example in run.examples:
            print(f"  {run.mode}: {example}")
    missed = shortfalls(runs)
    print("\nTARGETS MET" if not missed else "\nTARGETS MISSED:\n" + "\n".join(f"- {item}" for item in missed))


if __name__ == "__main__":
    main()

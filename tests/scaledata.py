"""A large generated RunReport, for measuring what the reports weigh at scale: ``links`` links in
``pages`` files to ``hosts`` hosts, with a fixed mix of verdicts (mostly alive; about 3 in 100
failing, dead, blocked or drifted), the same for the same arguments.

``python3 -m tests.scaledata 200000`` prints the size of every report for that many links.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from linkkeeper.models import (
    Checkable,
    CheckResult,
    Entry,
    ErrorKind,
    Kind,
    LinkState,
    NoSnapshot,
    NoSnapshotReason,
    Occurrence,
    Outcome,
    Redirect,
    RunReport,
    Snapshot,
    Syntax,
    Target,
    Verdict,
)

WORDS = (
    "install", "guide", "reference", "api", "release-notes", "getting-started", "configuration", "blog",
    "tutorial", "networking", "storage", "security", "python", "rust", "kubernetes", "deploy", "cli",
    "faq", "changelog", "architecture", "performance", "testing", "migration", "plugins", "overview",
)  # fmt: skip
# (verdict, outcome, per thousand links)
MIX = (
    (Verdict.DEAD, Outcome.BROKEN, 8), (Verdict.FAILING, Outcome.ERROR, 12), (Verdict.BLOCKED, Outcome.BLOCKED, 5),
    (Verdict.DRIFTED, Outcome.ALIVE, 2), (Verdict.REDIRECTED, Outcome.REDIRECTED, 40),
    (Verdict.SKIPPED, Outcome.SKIPPED, 15), (Verdict.EXCLUDED, Outcome.EXCLUDED, 8),
)  # fmt: skip
STARTED = "2026-02-04T00:00:00+00:00"


def _occurrence(path: str, line: int, column: int, url: str) -> Occurrence:
    return Occurrence(path, line, column, 0, len(url), Kind.INLINE, Syntax.RAW, url, url, "", Checkable.YES, "")


def _result(url: str, outcome: Outcome, rng: random.Random) -> CheckResult:
    elapsed = round(rng.uniform(0.02, 0.9), 3)
    if outcome is Outcome.BROKEN:
        return CheckResult(url, outcome, 404, url, error_kind=ErrorKind.HTTP_STATUS, error="HTTP 404", attempts=1,
                           elapsed=elapsed)  # fmt: skip
    if outcome is Outcome.ERROR:
        return CheckResult(url, outcome, 503, error_kind=ErrorKind.HTTP_STATUS, error="HTTP 503", attempts=3,
                           elapsed=elapsed)  # fmt: skip
    if outcome is Outcome.BLOCKED:
        return CheckResult(url, outcome, 403, error_kind=ErrorKind.BOT_WALL,
                           error="HTTP 403: a bot challenge or WAF page", attempts=1, elapsed=elapsed)  # fmt: skip
    if outcome is Outcome.REDIRECTED:
        final = url.replace("http://", "https://") + "/"
        return CheckResult(url, outcome, 200, final, redirects=(Redirect(url, 301),), attempts=1, elapsed=elapsed)
    if outcome is Outcome.SKIPPED:
        return CheckResult(url, outcome, error_kind=ErrorKind.NOT_CHECKABLE,
                           error="relative link; resolved against this file")  # fmt: skip
    if outcome is Outcome.EXCLUDED:
        return CheckResult(url, outcome, error="excluded by check.exclude")
    return CheckResult(url, outcome, 200, url, attempts=1, elapsed=elapsed, from_cache=rng.random() < 0.5)


def large_report(links: int = 200_000, pages: int = 2_000, hosts: int = 400, seed: int = 29) -> RunReport:
    """A report of ``links`` entries; each link is written once or (one in ten) twice."""
    rng = random.Random(seed)
    host_names = [f"{rng.choice(('docs', 'www', 'blog', 'api'))}.{rng.choice(WORDS)}-{n}.example.org"
                  for n in range(hosts)]  # fmt: skip
    page_paths = [f"docs/{rng.choice(WORDS)}/{rng.choice(WORDS)}-{n:04d}.md" for n in range(pages)]
    kinds = [(verdict, outcome) for verdict, outcome, share in MIX for _ in range(share)]
    kinds += [(Verdict.ALIVE, Outcome.ALIVE)] * (1000 - len(kinds))
    dead_state = LinkState(STARTED, STARTED, "2026-01-20T00:00:00+00:00", 4, 15, "2026-02-03")
    entries = []
    for index in range(links):
        verdict, outcome = rng.choice(kinds)
        if outcome is Outcome.SKIPPED:
            url = f"{rng.choice(WORDS)}/{rng.choice(WORDS)}-{index}.md"
        else:
            scheme = "http" if outcome is Outcome.REDIRECTED else "https"
            url = f"{scheme}://{rng.choice(host_names)}/{rng.choice(WORDS)}/{rng.choice(WORDS)}-{index}.html"
        places = tuple(
            _occurrence(rng.choice(page_paths), rng.randint(1, 400), rng.randint(1, 80), url)
            for _ in range(2 if rng.random() < 0.1 else 1)
        )
        extra: dict[str, object] = {}
        if verdict is Verdict.DEAD:
            extra = {"since": "2026-01-20T00:00:00+00:00", "state": dead_state}
            if rng.random() < 0.5:
                extra["snapshot"] = Snapshot(url, "20240101000000", f"https://web.archive.org/web/20240101000000/{url}",
                                             200)  # fmt: skip
            else:
                extra["snapshot"] = NoSnapshot(url, NoSnapshotReason.NOT_ARCHIVED)
        elif verdict is Verdict.FAILING:
            extra = {"since": "2026-02-03T00:00:00+00:00"}
        entries.append(Entry(Target(url, places), _result(url, outcome, rng), verdict=verdict, **extra))  # type: ignore[arg-type]
    return RunReport(STARTED, "2026-02-04T00:40:00+00:00", tuple(entries), files=pages, run_id=12)


def main(argv: list[str]) -> None:
    from linkkeeper.report import FILE_NAMES, Places, write_reports

    links = int(argv[0]) if argv else 200_000
    report = large_report(links)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        places = Places(root, root, root / ".linkkeeper" / "reports")
        for fmt in FILE_NAMES:
            started = time.perf_counter()
            (path,) = write_reports(report, places, [fmt], "dead")
            took = time.perf_counter() - started
            print(f"{links} links: {path.name:12} {path.stat().st_size / 1e6:8.2f} MB  {took:5.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Scanner throughput: MB/s over a generated corpus of at least 50 MB, on one core.

Run: python bench/scan_throughput.py [--megabytes 50] [--prose N] [--repeat 3] [--keep DIR]
The corpus is made from the sample page vendored in this repository (tests/fixtures/gen-ai-notes.md,
a real page of notes full of links); URL digits are randomised so nothing repeats, and every third
file gets extra code, HTML, reference-style links, angle destinations and escapes.

It then measures the ceiling for any scanner written in Python over pyromark, on the same files:
iterating pyromark's events with their ranges and doing nothing else, and that plus building one
(frozen) Occurrence per link found — the least a scanner must do.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import pyromark

from linkkeeper.config import ScanSettings
from linkkeeper.models import Occurrence
from linkkeeper.runtime import tune_for_batch_work
from linkkeeper.scanning import scan_paths
from linkkeeper.scanning.markdown import parser_options

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "tests" / "fixtures" / "gen-ai-notes.md"
EXTRA = """
```python
print("https://code.example.com/{n}")
```

<div><a href="https://html.example.com/{n}?a=1&amp;b=2">x</a><img src='https://i.example.com/{n}.png'></div>

[escaped](https://esc.example.com/a\\_b{n}) [angle](<https://angle.example.com/a b {n}>) [ref2][] `https://span.example/{n}`

[ref2]: <https://ref2.example.com/{n}>
"""


PROSE = (
    "Links rot quietly. A page that answered yesterday is moved, renamed or taken down, and the note "
    "that cited it keeps pointing at nothing. *Emphasis*, `code`, and plain words fill most documents.\n\n"
)


def make_corpus(directory: Path, megabytes: float, prose: int = 0) -> int:
    """Files made from the sample; ``prose`` paragraphs without links are added to each to dilute it."""
    base = SAMPLE.read_text(encoding="utf-8")  # vendored: every figure can be reproduced from a clone
    base += PROSE * prose
    rng = random.Random(1234)
    target = int(megabytes * 1_000_000)
    written = 0
    index = 0
    while written < target:
        text = "".join(rng.choice("0123456789") if ch.isdigit() else ch for ch in base)
        text = text.replace("{n}", str(index))
        if index % 3 == 0:
            text += EXTRA.replace("{n}", str(index))
        folder = directory / f"d{index // 100:03d}"
        folder.mkdir(exist_ok=True)
        data = text.encode("utf-8")
        (folder / f"page{index:05d}.md").write_bytes(data)
        written += len(data)
        index += 1
    return written


def ceilings(directory: Path, occurrences: list[Occurrence]) -> tuple[float, float]:
    """Seconds to iterate pyromark's ranged events over every file, and that plus one Occurrence
    built per link found (the scanner's own output, copied field by field)."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(directory.rglob("*.md"))]
    options = parser_options(math=True)
    started = time.perf_counter()
    for text in texts:
        for _ in pyromark.events_with_range(text, options=options, merge_text=True):
            pass
    iterate = time.perf_counter() - started
    started = time.perf_counter()
    for occ in occurrences:
        Occurrence(occ.path, occ.line, occ.column, occ.start, occ.end, occ.kind, occ.syntax, occ.raw, occ.url,
                   occ.text, occ.checkable, occ.reason, occ.flags, occ.label, occ.usages)  # fmt: skip
    return iterate, iterate + time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=50.0)
    parser.add_argument("--keep", type=Path, default=None, help="build the corpus here and keep it")
    parser.add_argument("--prose", type=int, default=0, help="link-free paragraphs added per file (dilution)")
    parser.add_argument("--repeat", type=int, default=3, help="scans (each then the ceilings) to take the median of")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        size = make_corpus(directory, args.megabytes, args.prose)
        settings = ScanSettings(respect_gitignore=False)
        tune_for_batch_work()  # as the linkkeeper command does
        # The scan and its ceilings alternate, --repeat times: the machine's drift falls on both.
        scans: list[float] = []
        iterations: list[float] = []
        leasts: list[float] = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = scan_paths([str(directory)], settings)
            scans.append(time.perf_counter() - started)
            iterate, least = ceilings(directory, list(report.occurrences))
            iterations.append(iterate)
            leasts.append(least)
    occurrences = len(report.occurrences)
    density = occurrences / (size / 1000)
    megabytes = size / 1e6
    print(f"corpus: {len(report.files)} files, {megabytes:.1f} MB, {occurrences} occurrences ({density:.1f} per KB)")
    print(
        f"scan, median of {args.repeat}: {statistics.median(scans):.2f} s, "
        f"{megabytes / statistics.median(scans):.1f} MB/s on one core ({_rates(megabytes, scans)}), "
        f"{len(report.errors)} errors"
    )
    print(
        f"ceiling: pyromark's ranged events alone {megabytes / statistics.median(iterations):.1f} MB/s "
        f"({_rates(megabytes, iterations)}); with one Occurrence per link "
        f"{megabytes / statistics.median(leasts):.1f} MB/s ({_rates(megabytes, leasts)})"
    )
    shares = [least / scan for least, scan in zip(leasts, scans, strict=True)]
    print(f"scan / ceiling with Occurrences, run by run: {min(shares):.0%}-{max(shares):.0%}")


def _rates(megabytes: float, seconds: list[float]) -> str:
    return f"{megabytes / max(seconds):.1f}-{megabytes / min(seconds):.1f} MB/s"


if __name__ == "__main__":
    main()

"""Scanner throughput: MB/s over a generated corpus of at least 50 MB, on one core.

Run: python bench/scan_throughput.py [--megabytes 50] [--keep DIR]
The corpus is made from the sample page (../shared/samples) or, without it, from a built-in page
with every link syntax; URL digits are randomised so nothing repeats, and every third file gets
extra code, HTML, reference-style links, angle destinations and escapes.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from linkkeeper.config import ScanSettings
from linkkeeper.runtime import tune_for_batch_work
from linkkeeper.scan import scan_paths

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent.parent / "shared" / "samples" / "gen-ai-notes.md"
BUILT_IN = """---
title: Page {n}
---
# Notes {n}

* [inline](https://example{n}.com/a/{n}) and ![img](https://img.example.com/{n}.png "t")
* <https://auto.example.org/{n}> and bare https://bare.example.net/{n}/path?q={n}. More www.example.com/{n}
* [ref link][r{n}] and [Wikipedia](https://en.wikipedia.org/wiki/Foo_({n}))

[r{n}]: https://ref.example.com/{n} "Title"
"""
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
    base = SAMPLE.read_text(encoding="utf-8") if SAMPLE.is_file() else BUILT_IN * 40
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=50.0)
    parser.add_argument("--keep", type=Path, default=None, help="build the corpus here and keep it")
    parser.add_argument("--prose", type=int, default=0, help="link-free paragraphs added per file (dilution)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        size = make_corpus(directory, args.megabytes, args.prose)
        settings = ScanSettings(respect_gitignore=False)
        tune_for_batch_work()  # as the linkkeeper command does
        started = time.perf_counter()
        report = scan_paths([str(directory)], settings)
        elapsed = time.perf_counter() - started
    occurrences = len(report.occurrences)
    density = occurrences / (size / 1000)
    print(f"corpus: {len(report.files)} files, {size / 1e6:.1f} MB, {occurrences} occurrences ({density:.1f} per KB)")
    print(f"scan: {elapsed:.2f} s, {size / 1e6 / elapsed:.1f} MB/s on one core, {len(report.errors)} errors")


if __name__ == "__main__":
    main()

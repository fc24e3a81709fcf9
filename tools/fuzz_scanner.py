"""Fuzz the scanner: random Markdown must scan without an exception, with every span exact.

Run: python tools/fuzz_scanner.py [--seconds 60] [--seed 0] [--out fuzz-failures]
Three kinds of input, in turn: mutants of the sample page (tests/fixtures/gen-ai-notes.md),
splices of the CommonMark link examples the tests vendor, and soups of Markdown tokens. Each is
scanned with and without Liquid masking; the invariants are the test suite's (``text[start:end] ==
raw``, line and column at the span's start) plus one: a verified destination decodes to its URL.
A failing input is written to ``--out`` and the run stops after ``--max-failures``. Not part of
the test suite (it runs for as long as it is told); the failures it found became tests.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linkkeeper.models import Flag, Kind, Syntax  # noqa: E402
from linkkeeper.scanning.classify import browser_reading  # noqa: E402
from linkkeeper.scanning.destination import unescape  # noqa: E402
from linkkeeper.scanning.markdown import extract  # noqa: E402
from tests.conftest import assert_spans  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "gen-ai-notes.md"
SPEC = ROOT / "tests" / "fixtures" / "spec" / "commonmark-0.31.2-links.json"
TOKENS = [
    "[", "]", "(", ")", "<", ">", "`", "``", "```", "~~~", "\n", "\n\n", "\r", "\r\n", "    ", "\t", "> ", "- ", "* ",
    "1. ", "*", "_", "\\", "&amp;", "&#x41;", "&", '"', "'", "![", "](", "]: ", "[^1]", "[^1]:", "{{ site.url }}",
    "{% raw %}", "{% endraw %}", "---\n", "+++\n", "$", "$$", "|", "|---|", "<!--", "-->", "<![", '<a href="',
    "<img src='", "<div>", "</div>", "<pre>", "</pre>", "http://", "https://", "ftp://", "www.", "://", "mailto:", "@",
    "é", "😀", "\u00a0", "\ufeff", "x", "a.b", "example.com", "/p?q=1&r=2", "(x)", "[ref]", "[ref]:", " \"t\"",
    "title: x\n", "url: https://fm.example/\n", "### ", "===\n", "- [ ] ", "\\[", "\\)", "<>", "{{", "%}",
]  # fmt: skip
VERIFIED_KINDS = (Kind.INLINE, Kind.IMAGE, Kind.REFERENCE_DEFINITION)


def mutate(text: str, rng: random.Random, edits: int) -> str:
    for _ in range(edits):
        position = rng.randrange(0, len(text) + 1)
        roll = rng.random()
        if roll < 0.55:
            text = text[:position] + rng.choice(TOKENS) + text[position:]
        elif roll < 0.85:
            text = text[:position] + text[position + rng.randrange(1, 20) :]
        else:
            source = rng.randrange(0, len(text) + 1)
            text = text[:position] + text[source : source + rng.randrange(1, 60)] + text[position:]
    return text


def generators(rng: random.Random) -> list[Callable[[], str]]:
    sample = SAMPLE.read_text(encoding="utf-8") if SAMPLE.is_file() else ""
    examples = [example["markdown"] for example in json.loads(SPEC.read_text(encoding="utf-8"))]

    def sample_mutant() -> str:
        start = rng.randrange(0, max(1, len(sample) - 2000))
        return mutate(sample[start : start + rng.randrange(200, 2000)], rng, rng.randrange(1, 12))

    def spec_splice() -> str:
        return mutate("".join(rng.choice(examples) for _ in range(rng.randrange(1, 5))), rng, rng.randrange(0, 10))

    def token_soup() -> str:
        return "".join(rng.choice(TOKENS) for _ in range(rng.randrange(1, 120)))

    def bracket_runs() -> str:
        """Long runs of brackets and parentheses around links and bare URLs (the shapes that
        once took quadratic time)."""
        pieces = [
            "see http://a.invalid/x",
            "[x](http://a.invalid/",
            "![i](",
            "<http://a.invalid/",
            "www.a.invalid/",
            "\n",
        ]
        runs = ["(", ")", "[", "]", "()", ")(", "[(", ")]"]
        return "".join(
            rng.choice(pieces) + rng.choice(runs) * rng.randrange(1, 20_000) for _ in range(rng.randrange(1, 4))
        )

    return [spec_splice, token_soup, bracket_runs] + ([sample_mutant] if sample else [])


_LINE_ENDING = re.compile(r"\r\n|\r|\n")


def with_mixed_endings(text: str, rng: random.Random) -> str:
    """The text with each line ending replaced by CR, CRLF or LF at random (never a CR just
    before an LF: the two would be one line ending)."""

    def ending(match: re.Match[str]) -> str:
        before_lf = text.startswith("\n", match.end())
        return rng.choice(("\r\n", "\n") if before_lf else ("\r", "\r\n", "\n"))

    return _LINE_ENDING.sub(ending, text)


def check(text: str, mixed: str | None = None) -> None:
    """Spans exact, verified spans decoding to their URL, no more than a second per MB and a
    bit; and ``mixed`` (the same text with other line endings) yields the same links."""
    for liquid in (True, False):
        started = time.perf_counter()
        found = extract(text, "fuzz.md", use_liquid=liquid)
        elapsed = time.perf_counter() - started
        assert elapsed < 0.5 + len(text) / 1e6, f"slow: {elapsed:.2f} s for {len(text)} characters"
        assert_spans(text, found)
        for occ in found:
            if occ.rewritable and occ.syntax in (Syntax.RAW, Syntax.ANGLE) and occ.kind in VERIFIED_KINDS:
                written = unescape(occ.raw)  # a malformed URL is read as browsers read it
                assert (browser_reading(written) if Flag.MALFORMED in occ.flags else written) == occ.url, occ
        if mixed is not None and "\r" not in text:
            other = extract(mixed, "fuzz.md", use_liquid=liquid)
            assert_spans(mixed, other)
            links = [(occ.url, occ.kind, occ.line, occ.column) for occ in found]
            assert [(occ.url, occ.kind, occ.line, occ.column) for occ in other] == links, "line endings"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    parser.add_argument("--max-failures", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    kinds = generators(rng)
    deadline = time.monotonic() + args.seconds
    documents = failures = 0
    while time.monotonic() < deadline and failures < args.max_failures:
        text = kinds[documents % len(kinds)]()
        documents += 1
        try:
            check(text, with_mixed_endings(text, rng))
        except Exception:  # noqa: BLE001 - any exception is a finding, written down with its input
            failures += 1
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / f"seed{args.seed}-{failures}.md"
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
            print(f"{path}:", traceback.format_exc(limit=3), file=sys.stderr)
    print(f"{documents} documents, {failures} failing (seed {args.seed}, {args.seconds:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Hostile Markdown: inputs that once made the scanner lose links or take quadratic time."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from linkkeeper.models import Kind
from linkkeeper.scanning.markdown import extract
from tests.conftest import scan

SAMPLE = (Path(__file__).parent.parent / "fixtures" / "gen-ai-notes.md").read_text(encoding="utf-8")


def growth(make: Callable[[int], str], size: int) -> float:
    """How much longer scanning ``make(4 * size)`` takes than ``make(size)`` (best of three each):
    about 4 for a linear scan, 16 for a quadratic one. A ratio of times, not a time."""

    def best(text: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            extract(text, "doc.md")
            times.append(time.perf_counter() - started)
        return min(times)

    return best(make(4 * size)) / best(make(size))


def test_a_lone_cr_after_a_heading_loses_no_link() -> None:
    """CR, CRLF and LF mixed: both links are found, as inline links, where they are written."""
    text = b"# H\r* [A](http://a.invalid/1)\r\n    * [B](http://a.invalid/2)\n".decode()
    found = scan(text)
    assert [(occ.url, occ.kind, occ.line) for occ in found] == [
        ("http://a.invalid/1", Kind.INLINE, 2),
        ("http://a.invalid/2", Kind.INLINE, 3),
    ]


@pytest.mark.parametrize("ending", ["\r", "mixed"])
def test_the_sample_page_with_other_line_endings_yields_the_same_links(ending: str) -> None:
    """The sample page with CR or mixed CR/CRLF/LF endings gives the same links as with LF (13 were lost)."""
    endings = ["\r", "\r\n", "\n"]
    lines = SAMPLE.split("\n")
    if ending == "mixed":
        text = "".join(line + endings[index % 3] for index, line in enumerate(lines))
    else:
        text = ending.join(lines)
    expected = [(occ.url, occ.kind, occ.line, occ.column) for occ in scan(SAMPLE)]
    assert [(occ.url, occ.kind, occ.line, occ.column) for occ in scan(text)] == expected


def test_pyromark_itself_finds_what_the_scanner_finds_with_mixed_endings() -> None:
    """The scanner's inline links are the links pyromark renders for the same mixed-ending text."""
    import pyromark

    text = "# Title\r[one](http://a.invalid/1)\r\n## Two {#two}\r[two](http://a.invalid/2)\n"
    rendered = re.findall(r'href="([^"]+)"', pyromark.html(text))
    assert (
        [occ.url for occ in scan(text) if occ.kind is Kind.INLINE]
        == rendered
        == [
            "http://a.invalid/1",
            "http://a.invalid/2",
        ]
    )


def test_closing_parentheses_after_a_bare_url_scan_in_linear_time() -> None:
    """'see http://a.invalid/x' and 400,000 ')' took 67 s: the URL's end is found in linear time."""
    (found,) = scan("see http://a.invalid/x" + ")" * 1000)
    assert found.raw == "http://a.invalid/x"
    assert growth(lambda n: "see http://a.invalid/x" + ")" * n, 25_000) < 8


def test_nested_parentheses_in_a_destination_scan_in_linear_time() -> None:
    """200,000 nested parentheses in a destination took 22.7 s."""
    assert growth(lambda n: "[x](http://a.invalid/" + "(" * n + ")" * n + ")\n", 25_000) < 8

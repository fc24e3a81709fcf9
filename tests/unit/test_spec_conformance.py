"""The scanner finds exactly the URLs a CommonMark/GFM renderer links, on the specs' own examples."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from linkkeeper.models import Flag, Kind
from tests.conftest import scan

SPEC_DIR = Path(__file__).parent.parent / "fixtures" / "spec"
COMMONMARK = json.loads((SPEC_DIR / "commonmark-0.31.2-links.json").read_text(encoding="utf-8"))
_HREF = re.compile(r'<(?:a|img)\b[^>]*?\b(?:href|src)="([^"]*)"')
# commonmark.js (mdurl) leaves these unencoded; everything else is percent-encoded in hrefs.
_URL_SAFE = ";/?:@&=+$,-_.!~*'()#"


def rendered_urls(expected_html: str) -> list[str]:
    """The link and image URLs of an expected rendering; empty ones are the page itself."""
    return [html.unescape(url) for url in _HREF.findall(expected_html) if url]


def normalized(url: str) -> str:
    """Percent-encode as the spec's reference renderer does, keeping existing escapes."""
    return re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", quote(url, safe=_URL_SAFE + "%"))


def found_urls(markdown: str, *, gfm: bool) -> list[str]:
    rendered = []
    for occ in scan(markdown):
        if occ.kind in (Kind.BARE_URL, Kind.EMAIL) and not gfm:
            continue  # bare URLs and e-mails are a GFM extension; CommonMark leaves them as text
        if occ.flags and {Flag.UNUSED_DEFINITION, Flag.DUPLICATE_DEFINITION} & set(occ.flags):
            continue  # definitions nothing uses render nothing
        if occ.kind is Kind.REFERENCE_DEFINITION:
            rendered.extend([normalized(occ.url)] * len(occ.usages))
        else:
            rendered.append(normalized(occ.url))
    return sorted(rendered)


@pytest.mark.parametrize("example", COMMONMARK, ids=lambda example: f"cm{example['example']}")
def test_commonmark_example(example: dict[str, Any]) -> None:
    """Every link and image destination the spec renders is found, and nothing else."""
    expected = sorted(normalized(url) for url in rendered_urls(example["html"]))
    assert found_urls(example["markdown"], gfm=False) == expected


def _gfm_examples() -> list[tuple[str, str]]:
    text = (SPEC_DIR / "gfm-autolinks.txt").read_text(encoding="utf-8")
    fence = "`" * 32
    pattern = re.compile(re.escape(fence) + r" example autolink\n(.*?)\n\.\n(.*?)" + re.escape(fence), re.DOTALL)
    return [(markdown + "\n", rendered) for markdown, rendered in pattern.findall(text)]


@pytest.mark.parametrize("example", _gfm_examples(), ids=lambda example: example[0][:30])
def test_gfm_autolink_example(example: tuple[str, str]) -> None:
    """GFM's extended autolink examples yield exactly the spec's links."""
    markdown, expected_html = example
    assert found_urls(markdown, gfm=True) == sorted(normalized(url) for url in rendered_urls(expected_html))


def test_vendored_examples_are_complete() -> None:
    """The vendored CommonMark sections hold all their examples (158 in 0.31.2)."""
    assert len(COMMONMARK) == 158
    assert len(_gfm_examples()) == 9

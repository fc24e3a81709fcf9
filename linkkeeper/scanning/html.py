"""URLs in raw HTML inside Markdown: attribute values on any element, with exact value spans.

beautifulsoup4 (``html.parser``, which reports where each tag starts) decides what is a tag, so
comments, ``<script>`` bodies and other non-tags are never read. It gives no attribute offsets,
so a small scanner walks each tag's source for the value spans, and every value it finds is
checked against beautifulsoup4's parsed value before it is reported.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linkkeeper.models import Syntax

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "srcset", "cite", "poster", "data", "action", "formaction", "background",
        "longdesc", "manifest", "codebase", "xlink:href", "ping", "usemap", "icon",
    }
)  # fmt: skip
# A fragment without any URL attribute name followed by "=" holds no URL: most inline HTML
# (<span class=…>, <div align=…>) is dismissed without parsing it.
_MAY_HOLD_URL = re.compile(r"(?i)(?:" + "|".join(sorted(map(re.escape, URL_ATTRIBUTES))) + r")\s*=")
_TAG_NAME = re.compile(r"<([A-Za-z][A-Za-z0-9:_.-]*)")
_ATTRIBUTE = re.compile(
    r"""[\s/]*(?P<name>[^\s"'>/=]+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<uq>[^\s"'=<>`]+)))?"""
)
_SRCSET_URL = re.compile(r"[^\s,][^\s]*")
_LINE_BREAK = re.compile(r"\r\n?|\n")
_NOT_A_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)")
_NOT_A_MARKED_SECTION_BYTES = re.compile(rb"<!\[(?!CDATA\[)")


@dataclass(frozen=True, slots=True)
class HtmlUrl:
    """One URL in an HTML fragment: offsets into the fragment, the decoded URL, and context."""

    start: int
    end: int
    url: str
    syntax: Syntax
    tag: str
    attribute: str
    verified: bool


def _line_starts(fragment: str) -> list[int]:
    return [0] + [m.end() for m in _LINE_BREAK.finditer(fragment)]


def parse_html(markup: str | bytes) -> BeautifulSoup | None:
    """beautifulsoup4's ``html.parser`` tree of ``markup``, or None when the parser rejects it.

    Python's html.parser (before 3.13) rejects a ``<![`` that opens no CDATA section; a browser
    reads it as a bogus comment up to the next ``>``, and so does the parser once it reads ``<!?``
    (same length: every offset stays). Anything else it rejects is left unread.
    """
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, ParserRejectedMarkup  # loaded on first use

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        try:
            return BeautifulSoup(markup, "html.parser")
        except ParserRejectedMarkup:
            repaired = (
                _NOT_A_MARKED_SECTION.sub("<!?", markup)
                if isinstance(markup, str)
                else _NOT_A_MARKED_SECTION_BYTES.sub(b"<!?", markup)
            )
            try:
                return BeautifulSoup(repaired, "html.parser")
            except ParserRejectedMarkup:
                return None


def _tag_offsets(fragment: str) -> Iterator[tuple[int, str, dict[str, object]]]:
    """Offset, name and parsed attributes of every real tag in the fragment."""
    soup = parse_html(fragment)
    if soup is None:
        return
    starts = _line_starts(fragment)
    for tag in soup.find_all(True):
        if tag.sourceline is None or tag.sourcepos is None:
            continue
        line_index = tag.sourceline - 1
        if line_index >= len(starts):
            continue
        yield starts[line_index] + tag.sourcepos, tag.name, dict(tag.attrs)


def _split_srcset(value_start: int, raw_value: str) -> Iterator[tuple[int, int]]:
    for match in _SRCSET_URL.finditer(raw_value):
        piece = match.group()
        if match.start() and raw_value[: match.start()].rstrip()[-1:] not in {"", ","}:
            continue  # a descriptor such as "2x" or "480w", not a URL
        trimmed = piece.rstrip(",")
        if trimmed:
            yield value_start + match.start(), value_start + match.start() + len(trimmed)


def _stripped(value_start: int, raw_value: str) -> tuple[int, int]:
    """The span of the value without the whitespace browsers strip from URLs."""
    leading = len(raw_value) - len(raw_value.lstrip())
    return value_start + leading, value_start + len(raw_value.rstrip())


def find_html_urls(fragment: str) -> Iterator[HtmlUrl]:
    """Yield the URL-valued attributes of every tag in ``fragment``."""
    if "=" not in fragment or not _MAY_HOLD_URL.search(fragment):
        return
    for offset, tag_name, parsed in _tag_offsets(fragment):
        name_match = _TAG_NAME.match(fragment, offset)
        if name_match is None:
            continue
        position = name_match.end()
        while position < len(fragment):
            attribute = _ATTRIBUTE.match(fragment, position)
            if attribute is None or attribute.end() == position:
                break
            position = attribute.end()
            name = attribute.group("name").lower()
            if name not in URL_ATTRIBUTES:
                continue
            for group, syntax in (("dq", Syntax.HTML_DOUBLE_QUOTED), ("sq", Syntax.HTML_SINGLE_QUOTED),
                                  ("uq", Syntax.HTML_UNQUOTED)):  # fmt: skip
                raw_value = attribute.group(group)
                if raw_value is None:
                    continue
                value_start = attribute.start(group)
                expected = parsed.get(name)
                verified = isinstance(expected, str) and html.unescape(raw_value) == expected
                spans: Sequence[tuple[int, int]] = (
                    list(_split_srcset(value_start, raw_value))
                    if name == "srcset"
                    else [_stripped(value_start, raw_value)]
                )
                for start, end in spans:
                    url = html.unescape(fragment[start:end]).strip()
                    if url:
                        yield HtmlUrl(start, end, url, syntax, tag_name, name, verified)

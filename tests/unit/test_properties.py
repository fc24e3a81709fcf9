"""Property: in generated Markdown, every link of every syntax is found once, at its exact span."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import scan

WORDS = st.sampled_from(
    ["plain", "*emphasis*", "**strong**", "Ünïcödé", "日本語", "🎉", "`code`", "a_b", "x.y", "(paren)"]
)
HOSTS = st.from_regex(r"[a-z]{1,8}\.(com|org|io|example)", fullmatch=True)
PATHS = st.from_regex(r"(/[A-Za-z0-9_\-]{0,7}[A-Za-z0-9]){0,3}(\?[a-z]=[0-9]&[a-z]=[a-z]{1,3})?", fullmatch=True)


@st.composite
def urls(draw: st.DrawFn) -> str:
    return f"https://{draw(HOSTS)}{draw(PATHS)}"


@st.composite
def links(draw: st.DrawFn, label: str) -> tuple[str, str, str | None]:
    """A link in one syntax: (inline markdown, its URL, a definition line or None)."""
    url = draw(urls())
    syntax = draw(st.sampled_from(["inline", "title", "angle", "image", "autolink", "bare", "reference", "html"]))
    text = draw(WORDS)
    if syntax == "inline":
        return f"[{text}]({url})", url, None
    if syntax == "title":
        return f'[{text}]({url} "a title")', url, None
    if syntax == "angle":
        return f"[{text}](<{url}>)", url, None
    if syntax == "image":
        return f"![{text}]({url})", url, None
    if syntax == "autolink":
        return f"<{url}>", url, None
    if syntax == "bare":
        return f" {url} ", url, None
    if syntax == "html":
        quote = draw(st.sampled_from(['"', "'"]))
        return f"<a href={quote}{url}{quote}>{text}</a>", url, None
    return f"[{text}][{label}]", url, f"[{label}]: {url}"


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    blocks: list[str] = []
    definitions: list[str] = []
    expected: list[str] = []
    for index in range(draw(st.integers(1, 6))):
        container = draw(st.sampled_from(["", "* ", "> ", "## ", "> * ", "1. "]))
        pieces = []
        for part in range(draw(st.integers(1, 3))):
            markdown, url, definition = draw(links(f"ref{index}x{part}"))
            expected.append(url)
            if definition is not None:
                definitions.append(definition)
            pieces.append(f"{draw(WORDS)} {markdown} {draw(WORDS)}")
        blocks.append(container + " ".join(pieces))
    if draw(st.booleans()):
        blocks.insert(
            draw(st.integers(0, len(blocks))), "```" + newline + "https://never.example.com" + newline + "```"
        )
    return (newline * 2).join(blocks + definitions) + newline, expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_every_generated_link_is_found_at_its_span(document: tuple[str, list[str]]) -> None:
    """Each generated link is found exactly once, and ``text[start:end] == raw`` with line/column right."""
    text, expected = document
    found = scan(text)  # scan() asserts the span and line/column invariants
    assert Counter(occ.url for occ in found) == Counter(expected)


FRAGMENTS = st.sampled_from(
    ["> ", "- ", "1. ", "\n", "\n> ", "  \n", "\\\n", " ", "*", "_", "(", ")", "[a](", "]", "`c`", "<b>", "é", "😀",
     "text", "www.example.com", "https://x.example/a", "http://y.example/ü", "&amp;", "<https://z.example>",
     "http://", "www.", "://"]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=40).map("".join))
@example(
    "- \\\ntext\\\n<b>www.example.com😀text<b>\n- https://x.example/a[a](text- - (étext- http://y.example/ütext\n> <b>😀*éhttp://y.example/ü*"
)
def test_any_jumble_of_markdown_scans_without_error(text: str) -> None:
    """Arbitrary mixes of breaks, containers, code spans, inline HTML and URLs never make the scanner fail."""
    scan(text)  # raises on a crash; asserts every span and line/column

"""Rewriting each syntax in each style: the result reads back as planned and nothing else changes."""

from __future__ import annotations

import pytest

from linkkeeper.models import Kind
from linkkeeper.rewrite import RewriteRefused, apply, plan, raw_destination, verify
from linkkeeper.scanning.destination import unescape
from linkkeeper.scanning.markdown import extract

OLD = "https://old.example.com/page"
ARCHIVE = f"https://web.archive.org/web/20150101000000/{OLD}"
ANNOTATION = " ([archived]({archive}))"
AWKWARD = [
    "https://x.example/a_(b)",
    "https://x.example/a)b",
    "https://x.example/a b",
    "https://x.example/?q=1&amp;r=2",
    "https://x.example/a\\_b",
    'https://x.example/"quoted"',
    "https://x.example/it's",
    "https://x.example/trailing.",
    "https://web.archive.org/web/2015/https://inner.example/x",
    "https://x.example/<angle>",
]


def rewrite(text: str, mapping: dict[str, str], style: str = "replace") -> str:
    occurrences = extract(text, "doc.md")
    edits, _ = plan(text, occurrences, {url: (new, "dead") for url, new in mapping.items()}, style=style,
                    annotation=ANNOTATION)  # fmt: skip
    new_text = apply(text, edits)
    verify(text, new_text, edits, occurrences, "doc.md")
    return new_text


def urls(text: str) -> list[tuple[Kind, str]]:
    return [(occ.kind, occ.url) for occ in extract(text, "doc.md")]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (f"See [x]({OLD}) now.", f"See [x]({ARCHIVE}) now."),
        (f'See [x]({OLD} "T") now.', f'See [x]({ARCHIVE} "T") now.'),
        (f"See [x](<{OLD}>) now.", f"See [x](<{ARCHIVE}>) now."),
        (f"![logo]({OLD})", f"![logo]({ARCHIVE})"),
        (f"See <{OLD}> now.", f"See <{ARCHIVE}> now."),
        (f"See {OLD} now.", f"See {ARCHIVE} now."),
        (f'<a href="{OLD}">x</a>', f'<a href="{ARCHIVE}">x</a>'),
        (f"<a href='{OLD}'>x</a>", f"<a href='{ARCHIVE}'>x</a>"),
        (f"<a href={OLD}>x</a>", f'<a href="{ARCHIVE}">x</a>'),
        (f"[x][r]\n\n[r]: {OLD}\n", f"[x][r]\n\n[r]: {ARCHIVE}\n"),
    ],
)
def test_replace_each_syntax(before: str, after: str) -> None:
    """``replace`` puts the archive URL in the destination, in each syntax, and nothing else moves."""
    assert rewrite(before, {OLD: ARCHIVE}) == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (f"[x]({OLD}) now", f"[x]({OLD}) ([archived]({ARCHIVE})) now"),
        (f'[x]({OLD} "title") now', f'[x]({OLD} "title") ([archived]({ARCHIVE})) now'),
        (f"[x](<{OLD}>)", f"[x](<{OLD}>) ([archived]({ARCHIVE}))"),
        (f"<{OLD}>.", f"<{OLD}> ([archived]({ARCHIVE}))."),
        (f"see {OLD} now", f"see {OLD} ([archived]({ARCHIVE})) now"),
    ],
)
def test_annotate_keeps_the_original(before: str, after: str) -> None:
    """``annotate`` leaves the original link and adds an archived one after the whole link."""
    assert rewrite(before, {OLD: ARCHIVE}, style="annotate") == after


def test_annotate_is_idempotent() -> None:
    """Annotating twice adds the archived link once."""
    once = rewrite(f"[x]({OLD})", {OLD: ARCHIVE}, style="annotate")
    assert rewrite(once, {OLD: ARCHIVE}, style="annotate") == once


def test_fragment_is_kept() -> None:
    """The #fragment of the original moves onto the archive URL."""
    assert rewrite(f"[x]({OLD}#part-2)", {OLD: ARCHIVE}) == f"[x]({ARCHIVE}#part-2)"


def test_shared_definition_is_edited_once() -> None:
    """A reference definition used three times is one edit."""
    text = f"[a][r] [b][r] [c][R]\n\n[r]: <{OLD}> 'Title'\n"
    assert rewrite(text, {OLD: ARCHIVE}) == f"[a][r] [b][r] [c][R]\n\n[r]: <{ARCHIVE}> 'Title'\n"


def test_links_on_archive_hosts_and_front_matter_are_never_touched() -> None:
    """An archive URL is never rewritten again, and front matter is never rewritten."""
    text = f"---\nsource: {OLD}\n---\n\n[x]({ARCHIVE})\n"
    assert rewrite(text, {OLD: "https://web.archive.org/web/2/x", ARCHIVE: "https://other"}) == text


def test_a_link_whose_url_has_no_valid_host_is_rewritten_without_error() -> None:
    """``https://a[b`` is no valid URL (urllib refuses its host), yet asking for it never fails."""
    assert rewrite("[x](https://n[ews.example/a)\n", {"https://n[ews.example/a": ARCHIVE}) == f"[x]({ARCHIVE})\n"


@pytest.mark.parametrize("awkward", AWKWARD)
@pytest.mark.parametrize(
    "template", ["[t]({})", "[t](<{}>)", "[t]: {}\n\n[t]", '<a href="{}">t</a>', "<a href='{}'>t</a>"]
)
def test_awkward_urls_read_back_exactly(template: str, awkward: str) -> None:
    """Parentheses, spaces, ampersands, underscores, quotes, trailing dots and nested URLs survive."""
    source = template.format(raw_destination(OLD) if "<" not in template[:4] else OLD)
    result = rewrite(source, {OLD: awkward})
    assert [url for _, url in urls(result)] == [awkward]


@pytest.mark.parametrize("awkward", AWKWARD)
def test_bare_and_autolinks_take_any_url(awkward: str) -> None:
    """A bare URL that would not read back bare becomes an autolink; autolinks percent-encode."""
    for source in (f"see {OLD} here", f"see <{OLD}> here"):
        result = rewrite(source, {OLD: awkward})
        ((_, url),) = urls(result)
        assert url == awkward.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def test_crlf_bom_and_non_ascii_are_kept() -> None:
    """CRLF line endings and non-ASCII text before the link survive byte for byte."""
    text = f"Ünïcödé 🎉 [x]({OLD})\r\nnext line ✓\r\n"
    assert rewrite(text, {OLD: ARCHIVE}) == f"Ünïcödé 🎉 [x]({ARCHIVE})\r\nnext line ✓\r\n"


def test_raw_destination_round_trips() -> None:
    """raw_destination() always decodes back to the URL it was given."""
    for url in AWKWARD:
        encoded = raw_destination(url)
        inner = encoded[1:-1] if encoded.startswith("<") else encoded
        assert unescape(inner) == url


def test_verification_refuses_a_rewrite_that_would_change_other_links() -> None:
    """If the spliced text would read differently than planned, the file is refused."""
    text = f"[x]({OLD}) and more"
    occurrences = extract(text, "doc.md")
    edits, _ = plan(text, occurrences, {OLD: (ARCHIVE, "dead")}, style="replace", annotation=ANNOTATION)
    broken = text.replace("and more", "and [y](https://sneaky.example/)")
    with pytest.raises(RewriteRefused) as refused:
        verify(broken, apply(broken, edits), edits, occurrences, "doc.md")
    assert str(refused.value) == (
        "doc.md: the rewritten text would not read back as planned (missing: none; extra: inline https://sneaky.example/)"
    )  # in words, not the internals' repr (it was "(<Kind.INLINE: 'inline'>, ...)")

"""Each Markdown link syntax yields its URL with the exact span a rewrite would replace."""

from __future__ import annotations

import pytest

from linkkeeper.models import Checkable, Flag, Kind, Position, Syntax
from tests.conftest import one, scan, urls


def test_inline_link_with_title_spans_only_the_destination() -> None:
    """The span of an inline link covers the destination, not the title or brackets."""
    occ = one('See [the docs](https://example.com/docs "Docs title") now.')
    assert (occ.kind, occ.syntax, occ.raw, occ.url, occ.text) == (
        Kind.INLINE, Syntax.RAW, "https://example.com/docs", "https://example.com/docs", "the docs",
    )  # fmt: skip
    assert occ.checkable is Checkable.YES and occ.column == 16


def test_image_is_its_own_kind_with_alt_text() -> None:
    """Images are reported as kind image, with the alt text as their text."""
    occ = one("![a *logo*](https://example.com/logo.png)")
    assert (occ.kind, occ.text, occ.url) == (Kind.IMAGE, "a logo", "https://example.com/logo.png")


def test_angle_bracket_destination_excludes_the_brackets() -> None:
    """``<…>`` destinations may hold spaces; the span is inside the brackets."""
    occ = one("[x](<https://example.com/a b> 'T')")
    assert (occ.syntax, occ.raw, occ.url) == (Syntax.ANGLE, "https://example.com/a b", "https://example.com/a b")


def test_balanced_parentheses_stay_in_the_destination() -> None:
    """Balanced parentheses are part of a raw destination (Wikipedia URLs)."""
    occ = one("[w](https://en.wikipedia.org/wiki/Foo_(bar)) and more")
    assert occ.url == "https://en.wikipedia.org/wiki/Foo_(bar)"


def test_backslash_escapes_and_entities_are_decoded_in_url_but_not_raw() -> None:
    """``raw`` is the source text; ``url`` decodes escapes and entities as a renderer does."""
    occ = one(r"[x](https://example.com/a\_b?q=1&amp;r=2\)) tail")
    assert occ.raw == r"https://example.com/a\_b?q=1&amp;r=2\)"
    assert occ.url == "https://example.com/a_b?q=1&r=2)"


@pytest.mark.parametrize(
    "text",
    [
        "[x](\nhttps://example.com/next-line)",
        "> [x](\n> https://example.com/next-line)",
        "* item [x](\n  https://example.com/next-line)",
        "> * item [x](\n>   https://example.com/next-line)",
    ],
)
def test_destination_on_the_next_line(text: str) -> None:
    """A destination after a line break (also inside block quotes and lists) is found exactly."""
    occ = one(text)
    assert occ.raw == "https://example.com/next-line" and occ.line == 2


def test_link_text_that_is_a_url_is_not_an_occurrence() -> None:
    """Only the destination counts; a URL written as link text is not checked or rewritten."""
    found = scan("[https://text.example.com/](https://dest.example.com/)")
    assert [occ.url for occ in found] == ["https://dest.example.com/"]
    assert found[0].text == "https://text.example.com/"


def test_nested_image_inside_link_yields_both() -> None:
    """A badge (image inside a link) yields the image source and the link target."""
    found = scan("[![build](https://ci.example.com/badge.svg)](https://ci.example.com/run)")
    assert [(occ.kind, occ.url) for occ in found] == [
        (Kind.IMAGE, "https://ci.example.com/badge.svg"),
        (Kind.INLINE, "https://ci.example.com/run"),
    ]


def test_link_inside_image_description_is_alt_text() -> None:
    """Link syntax inside an image description is alt text, as the spec renders it."""
    assert urls("![a [b](https://inner.example.com)](https://outer.example.com/i.png)") == [
        "https://outer.example.com/i.png"
    ]


def test_empty_destination_is_skipped() -> None:
    """``[x]()`` points at the page itself: there is nothing to check."""
    assert scan("[x]() and [y](<>)") == []


def test_reference_definition_records_usages_and_first_definition_wins() -> None:
    """Usages point to the first definition of a label; later ones are flagged duplicates."""
    text = "Use [one][Ref] and [two][ref] and [ref].\n\n[REF]: https://first.example.com\n[ref]: https://second.example.com\n"
    first, second = scan(text)
    assert (first.kind, first.url, first.label) == (Kind.REFERENCE_DEFINITION, "https://first.example.com", "REF")
    assert first.usages == (Position(1, 5), Position(1, 20), Position(1, 35))
    assert first.flags == ()
    assert second.url == "https://second.example.com" and Flag.DUPLICATE_DEFINITION in second.flags


def test_many_duplicate_definitions_each_flagged_and_text_lines_skipped() -> None:
    """Hundreds of redefinitions of one label are each reported and flagged; a ``[a]:`` line inside
    a paragraph is text (its URL a bare one), not a definition."""
    text = "[a]\n\n" + "".join(
        f"[a]: https://example.com/{n}\n\npara {n}\n[a]: https://text.example/{n}\n\n" for n in range(300)
    )
    found = scan(text)
    definitions = [occ for occ in found if occ.kind is Kind.REFERENCE_DEFINITION]
    assert [occ.url for occ in definitions] == [f"https://example.com/{n}" for n in range(300)]
    assert all(Flag.DUPLICATE_DEFINITION in occ.flags for occ in definitions[1:])
    in_text = [occ for occ in found if occ.kind is Kind.BARE_URL]  # in a paragraph: text with a bare URL
    assert [occ.url for occ in in_text] == [f"https://text.example/{n}" for n in range(300)]


def test_html_url_attributes_in_any_case_and_spacing_are_found() -> None:
    """``HREF = "…"`` and ``SrcSet=…`` count; class, id and style attributes hold no URL."""
    text = '<span class="a" id="b">x</span> <A HREF = "https://a.example/x">a</A> <img SrcSet=https://i.example/1.png>'
    assert urls(text) == ["https://a.example/x", "https://i.example/1.png"]


def test_unused_definition_is_flagged() -> None:
    """A definition nothing refers to is still reported, flagged unused."""
    occ = one("[lonely]: <https://example.com/x y> 'title'\n")
    assert occ.syntax is Syntax.ANGLE and occ.flags == (Flag.UNUSED_DEFINITION,)


def test_definition_split_across_lines_in_a_block_quote() -> None:
    """The destination of a definition may sit on the next line, after the quote marker."""
    occ = one("> [r]:\n> https://ref.example.com\n\n[r]")
    assert (occ.url, occ.line, occ.column) == ("https://ref.example.com", 2, 3)


def test_autolinks_and_email_autolinks() -> None:
    """``<https://…>`` spans the URL inside the brackets; e-mail autolinks become mailto, not checked."""
    web, mail = scan("<https://auto.example.com/x> and <me@example.com>")
    assert (web.kind, web.syntax, web.raw) == (Kind.AUTOLINK, Syntax.AUTOLINK, "https://auto.example.com/x")
    assert mail.url == "mailto:me@example.com" and mail.checkable is Checkable.NO


def test_bare_urls_follow_gfm_trailing_punctuation_rules() -> None:
    """Bare URLs drop trailing punctuation and unbalanced parentheses, and www. gets http://."""
    assert urls("Go to https://example.com/a. Or (www.example.org/b), or https://x.example.com/?q=1&amp;") == [
        "https://example.com/a",
        "http://www.example.org/b",
        "https://x.example.com/?q=1",
    ]


def test_bare_url_never_starts_inside_another_url() -> None:
    """The original URL inside an archive URL is not a second occurrence."""
    assert urls("https://web.archive.org/web/2020/https://example.com/page") == [
        "https://web.archive.org/web/2020/https://example.com/page"
    ]


def test_broken_link_syntax_yields_a_flagged_bare_url() -> None:
    """``[text}(url)`` is not a link, but its URL is found and flagged."""
    occ = one("Comment by [Jeremy Howard}(https://news.ycombinator.com/item?id=36900969) and more")
    assert occ.kind is Kind.BARE_URL and occ.url == "https://news.ycombinator.com/item?id=36900969"
    assert Flag.SUSPECT_BROKEN_LINK_SYNTAX in occ.flags


def test_bare_url_runs_over_emphasis_markers_like_cmark_gfm() -> None:
    """As in cmark-gfm, a bare URL continues over ``*`` markers and trims a trailing one."""
    assert urls("https://example.com/*foo* end") == ["https://example.com/*foo"]


@pytest.mark.parametrize(
    "text",
    ["a\n<b>see https://x.example/a and *b*\n", "a\\\n<b>https://x.example/a and *b*\n"],
)
def test_bare_url_after_a_line_break_and_inline_html_is_found(text: str) -> None:
    """A line break that ended one text run is not carried into the next (it hid the URL there)."""
    occ = one(text)
    assert occ.kind is Kind.BARE_URL and occ.raw == "https://x.example/a"


@pytest.mark.parametrize(
    "text",
    ["http://", "see http:// or https://", "ftp://\n", "> http://\n> more", "a https://<b>x</b>", "http:// x",
     "http://-x.example", "https://ü.example", "[x](https://a.example/) http://"],
)  # fmt: skip
def test_a_scheme_without_a_letter_or_digit_after_it_is_not_a_bare_url(text: str) -> None:
    """As in cmark-gfm, ``://`` must be followed by an ASCII letter or digit; a bare ``http://`` at the
    end of a text crashed the scan of its whole file."""
    assert [occ.kind for occ in scan(text)] == ([Kind.INLINE] if text.startswith("[x]") else [])


def test_www_after_a_code_span_is_not_a_link_even_across_a_line_break() -> None:
    """``www.`` right after a code span is text (GFM wants space or ``*_~(`` before it), with a break in the run too."""
    assert urls("`c`www.example.com and\nmore\n") == []
    assert urls("`c`www.example.com and  \nmore https://y.example/\n") == ["https://y.example/"]


@pytest.mark.parametrize(
    "text",
    [
        "```\nhttps://fenced.example.com\n```",
        "~~~md\n[x](https://fenced.example.com)\n~~~",
        "    https://indented.example.com\n    [x](https://indented.example.com)",
        "Use `https://span.example.com` or ``[x](https://span.example.com)``.",
        "<!-- [x](https://comment.example.com) <a href='https://comment.example.com'> -->",
        'Text <!-- <a href="https://inline-comment.example.com"> --> more',
        "{% highlight md %}\n[x](https://liquid.example.com)\n{% endhighlight %}",
        "{% raw %}https://raw.example.com{% endraw %}",
    ],
)
def test_never_inside_code_or_comments(text: str) -> None:
    """Code blocks, code spans, HTML comments and Liquid code blocks yield nothing."""
    assert scan(text) == []


def test_liquid_template_destination_is_kept_and_needs_base() -> None:
    """``{{ site.baseurl }}`` destinations are links on the site; they need a base to check."""
    occ = one("[post]({{ site.baseurl }}/2023/post/)")
    assert occ.raw == "{{ site.baseurl }}/2023/post/"
    assert occ.checkable is Checkable.NEEDS_BASE and Flag.LIQUID_TEMPLATE in occ.flags


def test_raw_html_attributes_with_exact_value_spans() -> None:
    """URL attributes on any element are found with each quoting style; srcset is split."""
    text = (
        '<p align="center">\n<a href="https://a.example.com/?x=1&amp;y=2">A</a>\n'
        "<img src='https://b.example.com/i.png'\n"
        ' srcset="https://c.example.com/1x.png 1x, https://c.example.com/2x.png 2x">\n'
        "<my-widget data=https://d.example.com/w></my-widget>\n</p>\n"
    )
    found = scan(text)
    assert [(occ.url, occ.syntax.value) for occ in found] == [
        ("https://a.example.com/?x=1&y=2", "html-dq"),
        ("https://b.example.com/i.png", "html-sq"),
        ("https://c.example.com/1x.png", "html-dq"),
        ("https://c.example.com/2x.png", "html-dq"),
        ("https://d.example.com/w", "html-unq"),
    ]
    assert all(occ.kind is Kind.HTML_ATTR and occ.rewritable for occ in found)


def test_inline_html_tag_in_a_paragraph() -> None:
    """An inline tag in running text is read like a block."""
    occ = one('Hello <a href="https://inline.example.com">there</a>.')
    assert occ.url == "https://inline.example.com" and occ.text == "<a href>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<div>src=<![😀", []),
        ('<div><![x> <a href="https://a.example/">a</a></div>', ["https://a.example/"]),
        ('see <![x> <a href="https://a.example/">a</a>', ["https://a.example/"]),
        ('<div>\n<![x <a href="https://eaten.example/">a</a>\n</div>', []),
    ],
)
def test_html_with_a_stray_marked_section_is_read_as_a_browser_reads_it(text: str, expected: list[str]) -> None:
    """``<![`` that opens no CDATA section is a bogus comment up to the next ``>`` (Python's html.parser
    rejected the whole fragment, and the file's scan failed)."""
    assert urls(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: T\nsource: https://front.example.com/a\n---\n\nBody\n",
        '+++\ntitle = "T"\nsource = "https://front.example.com/a"\n+++\n\nBody\n',
    ],
)
def test_front_matter_urls_are_reported_not_rewritable(text: str) -> None:
    """YAML and TOML front matter URLs are reported, checkable, and never rewritable."""
    occ = one(text)
    assert (occ.kind, occ.url, occ.rewritable) == (Kind.FRONT_MATTER, "https://front.example.com/a", False)


def test_site_relative_and_relative_links_need_a_base() -> None:
    """Relative destinations are reported as needing a base, with the reason."""
    found = scan("[a](/gen-ai/) [b](setup.md#install) [c](#top) [d](mailto:me@example.com)")
    assert [(occ.checkable, occ.reason.split(";")[0]) for occ in found] == [
        (Checkable.NEEDS_BASE, "site-relative link"),
        (Checkable.NEEDS_BASE, "relative link"),
        (Checkable.NEEDS_BASE, "fragment within this page"),
        (Checkable.NO, "mailto: links are not checked"),
    ]


@pytest.mark.parametrize("destination", ["www.character.ai", "example.com/page", "docs.python.org"])
def test_host_without_scheme_is_flagged(destination: str) -> None:
    """A destination that looks like a host without a scheme is flagged."""
    occ = one(f"[x]({destination})")
    assert Flag.LOOKS_LIKE_HOST_MISSING_SCHEME in occ.flags


@pytest.mark.parametrize("destination", ["README.md", "img/logo.png", "setup.py", "../index.html"])
def test_file_names_are_not_mistaken_for_hosts(destination: str) -> None:
    """Relative file links are not flagged as hosts missing a scheme."""
    assert one(f"[x]({destination})").flags == ()


def test_non_ascii_text_before_a_link_counts_characters() -> None:
    """Columns and offsets count characters, not UTF-8 bytes."""
    text = "Ünïcödé ✓ 🎉 [x](https://example.com/ü)\r\nnext [y](https://example.com/y)"
    first, second = scan(text)
    assert (first.column, first.url) == (17, "https://example.com/ü")
    assert (second.line, second.column) == (2, 10)


def test_text_inside_table_cells() -> None:
    """A bare URL in a table cell stops at the cell's pipe."""
    assert urls("| a | b |\n|---|---|\n| https://cell.example.com| x |\n") == ["https://cell.example.com"]

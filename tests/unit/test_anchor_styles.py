"""Heading anchors per site generator (linkkeeper/anchors.py), each case from the generator's own
docs or test fixtures (cited above it), and the style ``auto`` detects from a project's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkkeeper.anchors import (
    detect_style,
    github_slug,
    gitlab_slug,
    hugo_slug,
    kramdown_gfm_slug,
    kramdown_slug,
    markdown_anchors,
    mkdocs_slug,
    myst_slug,
    pandoc_slug,
    resolve_style,
)
from linkkeeper.config import ANCHOR_STYLES, Settings, SiteSettings, load_settings
from linkkeeper.local import LocalChecker
from linkkeeper.models import Checkable, Kind, Occurrence, Outcome, Syntax


def anchors(text: str, style: str) -> frozenset[str]:
    return markdown_anchors(text, style)


# -- GitHub (and Docusaurus): github-slugger, whose test/fixtures.json was made on github.com ---------


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("heading with a - dash", "heading-with-a---dash"),
        ("heading with an _ underscore", "heading-with-an-_-underscore"),
        ("heading with a period.txt", "heading-with-a-periodtxt"),
        (
            "exchange.bind_headers(exchange, routing [, bindCallback])",
            "exchangebind_headersexchange-routing--bindcallback",
        ),
        ("I ♥ unicode", "i--unicode"),
        ("en\u2013dash", "endash"),
        ("😄 - an emoji", "---an-emoji"),
        (":ok_hand: Single", "ok_hand-single"),
        ("Привет non-latin 你好", "привет-non-latin-你好"),
        ("a\u2028b", "ab"),  # Line_Separator
        ("a‿ ⁀b", "a‿-⁀b"),  # Connector_Punctuation stays
        ("aⅫ ½b", "aⅻ-b"),  # Letter_Number stays, Other_Number goes
        ("aⒼ ⑇b", "aⓖ-b"),  # a circled letter is alphabetic; other symbols go
    ],
)
def test_github_slugs(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_github_numbers_duplicates_like_github_slugger() -> None:
    # github-slugger fixtures "Repetition (1)-(5)" and "More repetition (1)-(3)".
    text = "# echo\n# echo\n# echo 1\n# echo-1\n# echo\n# foxtrot-1\n# foxtrot\n# foxtrot\n"
    assert anchors(text, "github") == {"echo", "echo-1", "echo-1-1", "echo-1-2", "echo-2", "foxtrot-1", "foxtrot",
                                       "foxtrot-2"}  # fmt: skip


def test_docusaurus_uses_github_slugger_and_explicit_ids() -> None:
    # docusaurus.io/docs/markdown-features/toc: "### Hello World will have ID hello-world" and
    # "### Hello World {#my-explicit-id}"; Docusaurus' own docs write {/* #id */} (MDX comment).
    text = "### Hello World\n### Hello World {#my-explicit-id}\n## Markdown headings {/* #markdown-headings */}\n"
    assert anchors(text, "docusaurus") == {"hello-world", "my-explicit-id", "markdown-headings"}


def test_an_images_alt_text_counts_where_the_generator_reads_it() -> None:
    # GitHub slugs the heading element's text (an <img> has none; the space after it stays, as in
    # github-slugger's "Characters: initial space" fixture); Docusaurus slugs mdast's toString,
    # which includes an image's alt (mdast-util-to-string's includeImageAlt, on by default).
    text = "# ![logo](logo.png) Title\n"
    assert anchors(text, "github") == {"-title"}
    assert anchors(text, "docusaurus") == {"logo-title"}


# -- GitLab: MyST-Parser's tests/fixtures/slugs.json (gitlab preset, after GitLab's string_to_anchor) --


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Ubuntu 20.04", "ubuntu-2004"),
        ("lxc.env for environment variables", "lxcenv-for-environment-variables"),
        ("2.0", "anchor-20"),  # digits alone: GitLab changelog "anchor-issue-references"
        ("3rd party", "3rd-party"),
        (" Spaced ", "spaced"),
        ("Hello 🎉 World!", "hello-world"),
        ("a  -  b", "a-b"),
        ("中文标题", "中文标题"),
    ],
)
def test_gitlab_slugs(heading: str, slug: str) -> None:
    assert gitlab_slug(heading) == slug


# -- MkDocs: Python-Markdown's toc (tests/test_syntax/extensions/test_toc.py) and attr_list docs -------


def test_mkdocs_slugs_and_underscore_numbering() -> None:
    # test_toc.py: testUniqueIds, testHtmlEntitiesInTOC, testHtmlSpecialCharsInTOC, testRawHtmlInTOC,
    # testHeaderInlineMarkup.
    assert anchors("#Header\n#Header\n#Header\n", "mkdocs") == {"header", "header_1", "header_2"}
    assert anchors("# Foo &amp; bar\n", "mkdocs") == {"foo-bar"}
    assert anchors("# Foo > & bar\n", "mkdocs") == {"foo-bar"}
    assert anchors("# Foo <b>Bar</b> Baz.\n", "mkdocs") == {"foo-bar-baz"}
    assert anchors("#Some *Header* with [markup](http://example.com).\n", "mkdocs") == {"some-header-with-markup"}
    assert mkdocs_slug("Über uns") == "uber-uns"


def test_mkdocs_attr_list_ids_are_taken_before_any_is_generated() -> None:
    # attr_list docs: "A setext style header {: #setext}" and "### A hash style header ### {: #hash }";
    # toc's unique(): an id set explicitly anywhere is taken, so the generated one counts on
    # (testTOCUniqueFunc: unique('foo', {'foo'}) == 'foo_1').
    text = (
        "A setext style header {: #setext}\n=================================\n\n"
        "### A hash style header ### {: #hash }\n"
    )
    assert anchors(text, "mkdocs") == {"setext", "hash"}
    assert anchors("# Foo\n# Bar {:#foo}\n", "mkdocs") == {"foo", "foo_1"}


# -- Jekyll: kramdown's doc/converter/html.page, doc/syntax.page, and kramdown-parser-gfm's tests ----


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        # kramdown doc/converter/html.page, "Automatic Generation of Header IDs" table.
        ("This is a header", "this-is-a-header"),
        ("12. Another one 1 here", "another-one-1-here"),
        ("Do ^& it now", "do--it-now"),
        ("Hallo", "hallo"),
        ("123456789", "section"),
        ("<i>test</i>", "itesti"),
        ("1. Intro: What's new?", "intro-whats-new"),
    ],
)
def test_kramdown_auto_ids(heading: str, slug: str) -> None:
    assert kramdown_slug(heading) == slug


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        # kramdown-parser-gfm test/testcases/header_ids.{text,html} (Jekyll's default input: GFM).
        ("variable_name", "variable_name"),
        ("abc def öúß", "abc-def-öúß"),
        ("192 abc 192", "192-abc-192"),
        ("before \tafter tab", "before--after-tab"),
        ("with code", "with-code"),
        ("with \u00a0ä\u00a0space", "with-äspace"),
        ("With “smart” quotes", "with-smart-quotes"),
        (";.;;", ""),
    ],
)
def test_kramdown_gfm_ids(heading: str, slug: str) -> None:
    assert kramdown_gfm_slug(heading) == slug


def test_jekyll_pages_have_kramdown_and_gfm_ids_numbered_with_dashes() -> None:
    # html.page: "# Hallo" twice -> hallo, hallo-1; header_ids.html: variable_name x3 -> -1, -2;
    # "with --- << typographic >> ... symbols" -> with--typographic--symbols; "with $$m=5$$" -> with-m5.
    text = (
        "# Hallo\n\n# Hallo\n\n### variable_name\n\n### variable_name\n\n### variable_name\n\n"
        "### with --- << typographic >> ... symbols\n\n### with $$m=5$$\n"
    )
    found = anchors(text, "jekyll")
    assert {"hallo", "hallo-1", "variable_name", "variable_name-1", "variable_name-2"} <= found
    assert {"with--typographic--symbols", "with-m5"} <= found


def test_jekyll_explicit_ids_and_block_ials() -> None:
    # syntax.page "Specifying a Header ID" ("# Hello {#id}") and "Block Inline Attribute Lists"
    # ("{: #para-one}" after a block; an IAL directly before a block applies to it).
    text = (
        "## Setup {#setup}\n\n## Install\n{: #install-id}\n\n## Usage\n{:#usage-id}\n\n"
        "## Options\n{: .wide #options-id}\n\n{: #before-id}\n## Before\n\n## Plain\n"
    )
    found = anchors(text, "jekyll")
    assert {"setup", "install-id", "usage-id", "options-id", "before-id", "plain"} <= found
    # A heading with an id of its own gets no automatic one.
    assert not {"install", "usage", "options", "before"} & found


def test_an_ial_after_a_blank_line_belongs_to_nothing() -> None:
    # syntax.page: "The block IAL is ignored ... when the block IAL is surrounded by blank lines."
    assert "lonely" not in anchors("## Heading\n\n{: #lonely}\n\nText.\n", "jekyll")


# -- Hugo: goldmark with autoHeadingIDType = "github" (markup/goldmark/autoid_test.go, convert_test.go) --


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("God is good: 神真美好", "god-is-good-神真美好"),
        ("Number 32", "number-32"),
        ("Question?", "question"),
        ("1+2=3", "123"),
        ('Special !"#$%&(parens)=?\u00b4* chars', "special-parens-chars"),
        ("Resumé", "resumé"),
        ("Multiple--Hyphens", "multiple--hyphens"),
        ("Trailing hyphen-", "trailing-hyphen-"),
        ("Many   spaces  here", "many---spaces--here"),
        ("Forward/slash", "forwardslash"),
        ("Under_score", "under_score"),
        ("Nonbreaking\u00a0Space", "nonbreakingspace"),
        ("Tab\tSpace", "tabspace"),
        ("Trailing Space ", "trailing-space"),
    ],
)
def test_hugo_slugs(heading: str, slug: str) -> None:
    assert hugo_slug(heading) == slug


def test_hugo_explicit_ids_and_numbering() -> None:
    # convert_test.go TestConvert: "## Custom ID {#custom}", "## Auto ID", 神真美好 three times.
    text = "## Custom ID {#custom}\n\n## Auto ID\n\n## 神真美好\n\n## 神真美好\n\n## 神真美好\n"
    assert anchors(text, "hugo") == {"custom", "auto-id", "神真美好", "神真美好-1", "神真美好-2"}
    # goldmark slugs the heading's source line: a link's destination is part of it; an explicit id
    # is taken before the next generated one (idFactory.Put).
    assert anchors("## [Hugo](https://gohugo.io)\n", "hugo") == {"hugohttpsgohugoio"}
    assert anchors("## Intro {#intro}\n\n## Intro\n", "hugo") == {"intro", "intro-1"}


# -- MyST: MyST-Parser's tests/fixtures/slugs.json (github preset) and its (label)= targets -------------


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Ubuntu 20.04", "ubuntu-2004"),
        ("2.0", "20"),
        (" a b c ", "-a-b-c-"),
        ("Hello 🎉 World!", "hello--world"),
        ("中文标题", "中文标题"),
        ("!!!", ""),
    ],
)
def test_myst_slugs(heading: str, slug: str) -> None:
    assert myst_slug(heading) == slug


def test_myst_targets_and_heading_slugs() -> None:
    # MyST docs (syntax/cross-referencing): "(heading-target)=" on the line before a heading;
    # slugs.json "unique" rows: a, a-1, a-2; an empty slug is no anchor and numbers nothing.
    text = "(heading-target)=\n### Heading\n\n# A\n\n# A\n\n# !!!\n\n# A\n"
    assert anchors(text, "myst") == {"heading-target", "heading", "a", "a-1", "a-2"}


# -- pandoc: the manual's "Extension: auto_identifiers" table and its duplicate rule ---------------------


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Heading identifiers in HTML", "heading-identifiers-in-html"),
        ("Maître d'hôtel", "maître-dhôtel"),
        ("Dogs?--in my house?", "dogs--in-my-house"),
        ("HTML, S5, or RTF?", "html-s5-or-rtf"),
        ("3. Applications", "applications"),
        ("33", "section"),
    ],
)
def test_pandoc_slugs(heading: str, slug: str) -> None:
    assert pandoc_slug(heading) == slug


def test_pandoc_pages() -> None:
    # Manual: formatting and links are removed ("*Dogs*?--in *my* house?", "[HTML], [S5], or
    # [RTF]?"); the same text again gets -1, then -2; "# My heading {#foo}" sets the id.
    text = (
        "# *Dogs*?--in *my* house?\n\n# [HTML], [S5], or [RTF]?\n\n"
        "# Intro\n\n# Intro\n\n# Intro\n\n# My heading {#foo}\n"
    )
    assert anchors(text, "pandoc") == {"dogs--in-my-house", "html-s5-or-rtf", "intro", "intro-1", "intro-2", "foo"}


# -- every style: explicit ids, HTML ids, checked through the local checker ---------------------------------


@pytest.mark.parametrize("style", [style for style in ANCHOR_STYLES if style != "auto"])
def test_every_style_keeps_explicit_and_html_ids(style: str) -> None:
    found = anchors('## Setup {#setup}\n\n<a name="legacy"></a>\n<span id="x"></span>\n', style)
    assert {"setup", "legacy", "x"} <= found


def _link(page: Path, url: str) -> Occurrence:
    return Occurrence(
        path=str(page), line=1, column=1, start=0, end=len(url), kind=Kind.INLINE, syntax=Syntax.RAW, raw=url,
        url=url, text="link", checkable=Checkable.NEEDS_BASE, reason="",
    )  # fmt: skip


def test_jekyll_style_through_the_local_checker(tmp_path: Path) -> None:
    """With anchor_style = "jekyll": #setup for "## Setup {#setup}" and #id for a heading followed by
    "{: #id}" are fine; a missing anchor is still a broken fragment."""
    (tmp_path / "page.md").write_text("## Setup {#setup}\n\n## Install\n{: #id}\n", encoding="utf-8")
    index = tmp_path / "index.md"
    checker = LocalChecker(SiteSettings(anchor_style="jekyll"))
    outcomes = {
        url: checker.resolve(_link(index, url)).result for url in ("page.md#setup", "page.md#id", "page.md#nope")
    }
    assert outcomes["page.md#setup"] is not None and outcomes["page.md#setup"].outcome is Outcome.ALIVE
    assert outcomes["page.md#id"] is not None and outcomes["page.md#id"].outcome is Outcome.ALIVE
    missing = outcomes["page.md#nope"]
    assert missing is not None and missing.outcome is Outcome.BROKEN_FRAGMENT and "#nope" in missing.error
    # GitHub renders "{: #id}" as a paragraph: the same link is broken in the github style.
    github = LocalChecker(SiteSettings(anchor_style="github")).resolve(_link(index, "page.md#id")).result
    assert github is not None and github.outcome is Outcome.BROKEN_FRAGMENT


# -- auto: the project root says which generator renders the pages ------------------------------------------


@pytest.mark.parametrize(
    ("files", "style", "reason"),
    [
        ({"_config.yml": "title: x\n"}, "jekyll", "from _config.yml"),
        ({"hugo.toml": "title = 'x'\n"}, "hugo", "from hugo.toml"),
        ({"config.toml": 'baseURL = "https://example.org/"\n'}, "hugo", "from config.toml with Hugo's keys"),
        ({"mkdocs.yml": "site_name: x\n"}, "mkdocs", "from mkdocs.yml"),
        ({"docusaurus.config.ts": "export default {};\n"}, "docusaurus", "from docusaurus.config.ts"),
        ({"conf.py": "extensions = ['myst_parser']\n"}, "myst", "from conf.py with myst_parser"),
        ({"docs/conf.py": "extensions = ['myst_parser']\n"}, "myst", "from docs/conf.py with myst_parser"),
        ({"docs/_config.yml": "title: x\n"}, "jekyll", "from docs/_config.yml"),
        ({"_config.yml": "title: x\n", "_toc.yml": "root: intro\n"}, "myst", "from _config.yml and _toc.yml"),
        ({"conf.py": "extensions = ['sphinx.ext.autodoc']\n"}, "github", "no site generator found"),
        ({"config.toml": "[linkkeeper.scan]\nhidden = true\n"}, "github", "no site generator found"),
        ({}, "github", "no site generator found"),
    ],
)
def test_auto_detects_the_generator(tmp_path: Path, files: dict[str, str], style: str, reason: str) -> None:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    assert detect_style(tmp_path) == (style, reason)


def test_auto_is_the_default_and_an_explicit_style_wins(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "_config.yml").write_text("title: x\n", encoding="utf-8")
    assert Settings().site.anchor_style == "auto"
    assert resolve_style("auto", cwd=tmp_path) == ("mkdocs", "from mkdocs.yml")
    assert resolve_style("auto", "site", cwd=tmp_path) == ("jekyll", "from _config.yml")  # site.root
    assert resolve_style("pandoc", cwd=tmp_path) == ("pandoc", "from site.anchor_style")


def test_an_unknown_style_is_a_configuration_error(tmp_path: Path) -> None:
    from linkkeeper.errors import ConfigError

    (tmp_path / "linkkeeper.toml").write_text('[site]\nanchor_style = "sphinx"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="anchor_style"):
        load_settings(cwd=tmp_path)

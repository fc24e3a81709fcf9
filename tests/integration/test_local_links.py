"""Local links on a Jekyll-style fixture site: files, folders, permalinks, baseurl, Liquid, cases,
fragments (GitHub slugs, duplicates, unicode, explicit ids), and web fragments on the fake web."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from linkkeeper.config import CheckSettings, Settings, SiteSettings
from linkkeeper.local import markdown_anchors, slugify
from linkkeeper.models import Entry, ErrorKind, Outcome
from linkkeeper.pipeline import run_check
from tests.fakeweb import FakeWeb

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLE = FIXTURES / "gen-ai-notes.md"


@pytest.fixture
def site(workdir: Path) -> Path:
    shutil.copytree(FIXTURES / "site", workdir / "site")
    return workdir / "site"


def check(paths: list[str], **site: object) -> dict[str, Entry]:
    settings = dataclasses.replace(Settings(), site=SiteSettings(**site))  # type: ignore[arg-type]
    report = run_check(paths, settings, environ={})
    return {occ.text: entry for entry in report.entries for occ in entry.target.occurrences}


def outcomes(found: dict[str, Entry]) -> dict[str, str]:
    return {text: entry.result.outcome.value for text, entry in found.items()}


def test_every_local_link_kind(site: Path) -> None:
    """Files, folders, fallback extensions, images, anchors, permalinks, baseurl, Liquid and posts resolve."""
    found = outcomes(check([str(site / "index.md")], root=str(site)))
    alive = [
        "guide section", "folder", "no extension", "logo", "duplicate heading", "unicode heading", "explicit id",
        "html id", "with baseurl", "liquid baseurl", "post", "text fragment", "liquid link", "liquid post",
        "explicit id elsewhere", "nested",
    ]  # fmt: skip
    assert {text: found[text] for text in alive} == dict.fromkeys(alive, "alive")
    assert found["missing file"] == "broken"
    assert found["missing anchor"] == "broken-fragment"
    assert found["wrong case"] == "broken"


def test_case_mismatch_and_missing_fragment_say_what_is_wrong(site: Path) -> None:
    """A case difference names both spellings; a missing anchor is its own outcome, not a missing page."""
    found = check([str(site / "index.md")], root=str(site))
    wrong_case = found["wrong case"].result
    assert wrong_case.error_kind is ErrorKind.CASE_MISMATCH and "Guide.md" in wrong_case.error
    fragment = found["missing anchor"].result
    assert (fragment.outcome, fragment.error_kind) == (Outcome.BROKEN_FRAGMENT, ErrorKind.MISSING_FRAGMENT)


def test_site_relative_links_are_skipped_with_a_hint_without_settings(site: Path) -> None:
    """Without site.root or site.base_url, site-relative links are skipped with the hint, never broken."""
    found = check([str(site / "index.md")])
    result = found["with baseurl"].result
    assert result.outcome is Outcome.SKIPPED and "site.root" in result.error
    assert found["guide section"].result.outcome is Outcome.ALIVE  # relative files still resolve


def test_base_url_checks_site_relative_links_over_http(site: Path, fakeweb: FakeWeb) -> None:
    """With site.base_url, /path links are checked as web URLs under it."""
    page = site / "web.md"
    page.write_text("[about](/ok) and [gone](/status/404)\n")
    settings = dataclasses.replace(
        Settings(),
        site=SiteSettings(base_url=f"http://{fakeweb.names[0]}:{fakeweb.port}"),
        check=CheckSettings(resolve=fakeweb.resolve_entries(), retries=0),
    )
    report = run_check([str(page)], settings, environ={})
    by_url = {entry.target.url: entry.result.outcome for entry in report.entries}
    assert by_url == {fakeweb.url(0, "/ok"): Outcome.ALIVE, fakeweb.url(0, "/status/404"): Outcome.BROKEN}


def test_sample_page_site_links_resolve_to_the_fixture_pages(site: Path) -> None:
    """The real sample's Jekyll permalinks (/gopnik-2023-dalle/ …) resolve to the fixture site's pages."""
    page = site / "gen-ai.md"
    shutil.copy(SAMPLE, page)
    offline = CheckSettings(exclude=("^(https?|ftp)://",))  # the sample's web links: never asked here
    settings = dataclasses.replace(Settings(), site=SiteSettings(root=str(site)), check=offline)
    report = run_check([str(page)], settings, environ={})
    site_links = [
        (occ.url, entry.result.outcome)
        for entry in report.entries
        for occ in entry.target.occurrences
        if occ.url.startswith("/")
    ]
    assert len(site_links) == 7
    assert {outcome for _, outcome in site_links} == {Outcome.ALIVE}
    unset = run_check([str(page)], dataclasses.replace(Settings(), check=offline), environ={})
    skipped = [entry for entry in unset.entries if entry.result.error_kind is ErrorKind.NEEDS_SITE]
    assert sum(len(entry.target.occurrences) for entry in skipped) == 7


def test_web_fragments_are_checked_when_asked(workdir: Path, fakeweb: FakeWeb) -> None:
    """With check_fragments, #ids on web pages are checked: present ones pass, a missing one is a broken fragment."""
    page = workdir / "web.md"
    base = fakeweb.url(0, "/anchors")
    page.write_text(f"[a]({base}#intro) [b]({base}#legacy) [c]({base}#missing) [d]({base}#:~:text=Intro)\n")
    settings = dataclasses.replace(
        Settings(),
        site=SiteSettings(check_fragments=True),
        check=CheckSettings(resolve=fakeweb.resolve_entries(), retries=0),
    )
    report = run_check([str(page)], settings, environ={})
    page_entry, missing = report.entries  # one link per missing fragment; the others stay with the page
    assert page_entry.result.outcome is Outcome.ALIVE and len(page_entry.target.occurrences) == 3
    assert missing.target.url == f"{base}#missing" and len(missing.target.occurrences) == 1
    assert missing.result.outcome is Outcome.BROKEN_FRAGMENT
    assert missing.result.error == "the page has no anchor #missing"
    assert fakeweb.count(method="GET") == 1 and fakeweb.count(method="HEAD") == 0
    plain = run_check([str(page)], dataclasses.replace(settings, site=SiteSettings()), environ={})
    assert plain.entries[0].result.outcome is Outcome.ALIVE


@pytest.mark.parametrize(
    ("heading", "style", "slug"),
    [
        ("Hello, World!", "github", "hello-world"),
        ("Über uns ✓", "github", "über-uns-"),
        ("a -- b", "github", "a----b"),
        ("a -- b", "gitlab", "a-b"),
        ("Über uns", "mkdocs", "uber-uns"),
        ("snake_case and `code`", "github", "snake_case-and-code"),
    ],
)
def test_slugs_per_renderer(heading: str, style: str, slug: str) -> None:
    """Heading anchors follow GitHub's rules, or GitLab's, or MkDocs'."""
    assert slugify(heading, style) == slug.replace("`", "")


def test_duplicate_headings_get_numbered_anchors() -> None:
    """Repeated headings get -1, -2 suffixes; explicit ids and HTML ids count too."""
    anchors = markdown_anchors('# A\n## A\n## A\n## B {#bee}\n<span id="x"></span>\n', "github")
    assert anchors == {"a", "a-1", "a-2", "bee", "x"}


def test_local_links_are_judged_even_when_the_network_is_down(workdir: Path) -> None:
    """A run whose network was down judges no web link, but a missing local file is still failing."""
    from linkkeeper.history import History

    (workdir / "a.md").write_text(
        "[gone](missing.md) [host](www.example.com)\n" + "\n".join(f"<http://h{i}.invalid/>" for i in range(6)) + "\n"
    )
    with History.open(workdir / "h.sqlite") as history:
        report = run_check([str(workdir / "a.md")], Settings(), history=history, environ={})
        assert report.network_down
        missing = history.state("missing.md")
        web = history.state("http://h0.invalid/")
    assert missing is not None and missing.consecutive_failures == 1
    assert web is not None and web.consecutive_failures == 0
    host = next(e for e in report.entries if e.target.url == "www.example.com")
    assert "did you mean https://www.example.com?" in host.result.error


def test_an_html_page_with_a_stray_marked_section_has_its_anchors_read(workdir: Path) -> None:
    """``<![`` that opens no CDATA section made Python's html.parser reject the page, and the run failed."""
    (workdir / "page.html").write_text('<p><![😀 x> <a id="intro">Intro</a></p>\n', encoding="utf-8")
    (workdir / "a.md").write_text("[here](page.html#intro) [missing](page.html#usage)\n")
    report = run_check([str(workdir / "a.md")], Settings(), environ={})
    outcomes = {entry.target.url: entry.result.outcome for entry in report.entries}
    assert outcomes == {"page.html#intro": Outcome.ALIVE, "page.html#usage": Outcome.BROKEN_FRAGMENT}

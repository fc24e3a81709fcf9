"""The real sample page's messy cases come out as the extraction notes say they should."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkkeeper.models import Checkable, Flag, Kind, Occurrence
from tests.conftest import scan

SAMPLE = (Path(__file__).parent.parent / "fixtures" / "gen-ai-notes.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def found() -> list[Occurrence]:
    return scan(SAMPLE)


def at(found: list[Occurrence], line: int) -> list[Occurrence]:
    return [occ for occ in found if occ.line == line]


def test_every_span_is_verified(found: list[Occurrence]) -> None:
    """No occurrence of the sample needs the unverified fallback, so all are rewritable."""
    assert found
    assert not [occ for occ in found if Flag.SPAN_UNVERIFIED in occ.flags]


def test_broken_link_syntax_is_a_flagged_bare_url(found: list[Occurrence]) -> None:
    """``[Jeremy Howard}(…)`` yields the URL without the trailing parenthesis, flagged."""
    (occ,) = [occ for occ in at(found, 252) if occ.kind is Kind.BARE_URL]
    assert occ.url == "https://news.ycombinator.com/item?id=36900969"
    assert Flag.SUSPECT_BROKEN_LINK_SYNTAX in occ.flags


def test_bare_urls_on_list_continuation_lines(found: list[Occurrence]) -> None:
    """The tab-indented lines under a list item are lazy continuations, not code: 5 bare URLs."""
    bare = [occ for line in range(260, 265) for occ in at(found, line)]
    assert [(occ.kind, occ.column) for occ in bare] == [(Kind.BARE_URL, 2)] * 5
    assert bare[0].url == "https://www.youtube.com/watch?v=tFXm5ijih98"


def test_host_without_scheme(found: list[Occurrence]) -> None:
    """``[Character.ai](www.character.ai)`` needs a base and is flagged as a missing scheme."""
    (occ,) = [occ for occ in at(found, 42) if occ.url == "www.character.ai"]
    assert occ.checkable is Checkable.NEEDS_BASE
    assert Flag.LOOKS_LIKE_HOST_MISSING_SCHEME in occ.flags


def test_site_relative_permalinks_need_a_base(found: list[Occurrence]) -> None:
    """Jekyll permalinks such as ``/gopnik-2023-dalle/`` are site-relative and need a base."""
    relative = {occ.url for occ in found if occ.url.startswith("/")}
    assert {"/gopnik-2023-dalle/", "/benjamin-1936/", "/schweibenz-2018/", "/startups-v-incumbents"} <= relative
    assert all(occ.checkable is Checkable.NEEDS_BASE for occ in found if occ.url.startswith("/"))


def test_link_text_that_is_a_url_counts_once(found: list[Occurrence]) -> None:
    """Line 239's link text is a URL; only its destination is an occurrence."""
    occurrences = at(found, 239)
    assert len(occurrences) == 1 and occurrences[0].kind is Kind.INLINE


def test_query_strings_are_kept_verbatim(found: list[Occurrence]) -> None:
    """``&t=…``, ``?_encoding=UTF8&qid=&sr=`` and ``%3D&el=…`` are not entities: span == URL."""
    amazon = next(occ for occ in at(found, 33) if "amazon" in occ.url)
    assert amazon.url.endswith("?_encoding=UTF8&qid=&sr=") and amazon.raw == amazon.url
    research = next(occ for occ in at(found, 22) if "researchgate" in occ.url)
    assert "%3D&el=1_x_2&_esc=publicationCoverPdf" in research.url


def test_fragment_and_code_spans(found: list[Occurrence]) -> None:
    """``#!/cv`` fragments stay in the URL; code spans such as ``/5-slides`` are not links."""
    assert any(occ.url == "http://worrydream.com/#!/cv" for occ in found)
    assert not any("5-slides" in occ.url for occ in found)


def test_front_matter_permalink_is_not_a_url(found: list[Occurrence]) -> None:
    """``permalink: /gen-ai/`` in front matter is not a URL occurrence."""
    assert not [occ for occ in found if occ.kind is Kind.FRONT_MATTER]


def test_pseudo_references_are_not_links(found: list[Occurrence]) -> None:
    """``[HN comment]:`` mid-line and ``[[…]]`` are text, not definitions or links."""
    assert not [occ for occ in found if occ.kind is Kind.REFERENCE_DEFINITION]
    assert at(found, 67) == []

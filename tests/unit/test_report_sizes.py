"""Reports sized for their readers (issue 29): a run of 200,000 links in 2,000 files to 400 hosts
writes a report.html under 10 MB that still holds every link (the ones needing attention as rows,
the rest packed), a complete report.json written as a stream, and a junit.xml listing failures and
skipped links only. ``python3 -m tests.scaledata 200000`` prints the sizes."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from linkkeeper.models import RunReport
from linkkeeper.report import Places, check, write_reports
from linkkeeper.report.html import Budget, to_html
from linkkeeper.report.markdown import verdict_of
from tests.reportdata import fixed_report
from tests.scaledata import large_report

FIXTURES = Path(__file__).parent.parent / "fixtures"
LINKS = 200_000
ATTENTION = {"dead", "failing", "drifted", "blocked"}


def packed(page: str) -> tuple[int, dict[str, Any]]:
    """The links packed into a page: how many it says, and the document itself."""
    found = re.search(r'<script type="application/octet-stream" id="packed" data-links="(\d+)">([^<]*)</script>', page)
    assert found is not None
    return int(found.group(1)), json.loads(gzip.decompress(base64.b64decode(found.group(2))))


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-verdict="([^"]*)"', page)


@pytest.fixture(scope="module")
def large() -> RunReport:
    return large_report(LINKS)


@pytest.fixture(scope="module")
def written(large: RunReport, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("project")
    places = Places(root, root, root / ".linkkeeper" / "reports")
    formats = ["json", "html", "junit"]
    return dict(zip(formats, write_reports(large, places, formats, "dead"), strict=True))


def test_the_html_report_of_200000_links_is_under_10_mb_and_holds_every_link(
    large: RunReport, written: dict[str, Path]
) -> None:
    """Every link needing attention is a row (readable without JavaScript); the others are packed, none left out."""
    page = written["html"].read_text(encoding="utf-8")
    assert written["html"].stat().st_size <= 10_000_000
    needing = sum(1 for entry in large.entries if verdict_of(entry).value in ATTENTION)
    listed = rows(page)
    assert listed[:needing] == sorted(listed[:needing], key=["dead", "failing", "drifted", "blocked"].index)
    assert set(listed[:needing]) == ATTENTION and needing > 5000
    count, document = packed(page)
    assert count == len(document["rows"]) and len(listed) + count == LINKS
    assert "did not fit" not in page and "Every link is in report.json" in page


def test_the_json_report_of_200000_links_is_complete(large: RunReport, written: dict[str, Path]) -> None:
    """report.json, written as a stream, is one valid document with every link."""
    with written["json"].open(encoding="utf-8") as stream:
        document = json.load(stream)
    assert [target["url"] for target in document["targets"]] == [entry.target.url for entry in large.entries]
    assert document["summary"]["targets"] == LINKS
    assert document["summary"]["verdicts"] == large.verdict_counts()


def test_the_junit_report_of_200000_links_lists_the_unhealthy_and_counts_the_rest(
    large: RunReport, written: dict[str, Path]
) -> None:
    """junit.xml stays valid and small: a case per failing or skipped place, every place counted in
    tests (the healthy and the not-checked ones in the passed and not-checked properties)."""
    text = written["junit"].read_text(encoding="utf-8")
    assert len(text) < 10_000_000
    xmlschema.XMLSchema(str(FIXTURES / "junit-10.xsd")).validate(text)
    places = sum(len({(o.path, o.url) for o in entry.target.occurrences}) for entry in large.entries)
    head = re.search(r'<testsuites name="linkkeeper" tests="(\d+)" failures="(\d+)"', text)
    assert head is not None and int(head.group(1)) == places
    counted = re.findall(r'<property name="(?:passed|not-checked)" value="(\d+)" />', text)
    assert text.count("<testcase ") + sum(map(int, counted)) == places


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_the_json_stream_is_the_one_line_document(batch: int) -> None:
    """Joined, the pieces are exactly json.dumps of the document (the golden file checks its content)."""
    for report in (fixed_report(), RunReport("2026-02-04T00:00:00+00:00", "2026-02-04T00:01:00+00:00", ())):
        text = "".join(check.json_chunks(report, "dead", batch=batch))
        assert text == json.dumps(json.loads(text), ensure_ascii=False) + "\n" == check.to_json(report, "dead")


def test_a_page_too_small_for_every_link_says_how_many_it_left_out() -> None:
    """Under a tight budget the page keeps the rows needing attention, packs what fits, and counts the rest."""
    report = large_report(20_000)
    budget = Budget(page=250_000, rows=20_000, attention_rows=60_000)
    page = to_html(report, budget=budget)
    assert len(page.encode("utf-8")) <= budget.page
    listed = rows(page)
    assert set(listed) <= ATTENTION
    count, _ = packed(page)
    note = re.search(r"the last ([\d,]+) links listed did not fit \(the page stays under 0.25 MB\)", page)
    assert note is not None
    assert len(listed) + count + int(note.group(1).replace(",", "")) == len(report.entries)
    assert count > 1000  # most of the page is packed links, not rows

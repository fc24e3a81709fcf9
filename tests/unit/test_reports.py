"""Reports on a fixed run: golden Markdown and JSON, schema-valid JUnit XML and SARIF, annotations."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import html
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import junitparser
import pytest
import xmlschema

from linkkeeper.models import CheckResult, Outcome, RunReport, Verdict
from linkkeeper.report import Places, check, github, junit, markdown, sarif
from linkkeeper.report.html import Budget, to_html
from linkkeeper.report.markdown import verdict_of
from tests.reportdata import _entry, fixed_report
from tests.scaledata import large_report

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


def validate_junit(document: str) -> None:
    xmlschema.XMLSchema(str(FIXTURES / "junit-10.xsd")).validate(document)


def test_junit_validates_against_jenkins_junit_10_xsd() -> None:
    """junit.xml is valid against the Jenkins xUnit plugin's junit-10.xsd (vendored unchanged)."""
    validate_junit(junit.to_junit(fixed_report(), "dead"))
    validate_junit(junit.to_junit(dataclasses.replace(fixed_report(), entries=()), "dead"))


def junit_outcomes(document: str) -> dict[tuple[str, str], str]:
    outcome: dict[tuple[str, str], str] = {}
    for suite in junitparser.JUnitXml.fromstring(document):
        for case in suite:
            kinds = {type(result).__name__ for result in case.result}
            outcome[case.classname, case.name] = kinds.pop() if kinds else "passed"
    return outcome


def test_junit_fails_per_policy_and_skips_other_unhealthy_links() -> None:
    """Failures are exactly the links failing --fail-on; a 503, a 403 and a failing link are skipped,
    never passed; a link not checked (here a site-relative one without a site) is counted, listed
    only with every link."""
    unhealthy = {
        ("docs/a.md", "https://gone.example/post"): "Failure",
        ("docs/b.md", "https://gone.example/post"): "Failure",
        ("docs/a.md", "https://never.example/"): "Failure",
        ("docs/b.md", "https://flaky.example/api"): "Skipped",  # 503, failing but not dead yet
        ("docs/b.md", "https://walled.example/"): "Skipped",  # 403 bot wall
    }
    assert junit_outcomes(junit.to_junit(fixed_report(), "dead")) == unhealthy
    assert junit_outcomes(junit.to_junit(fixed_report(), "dead", passed=True)) == {
        **unhealthy,
        ("docs/a.md", "setup.md"): "Skipped",
        ("docs/a.md", "http://moved.example/old"): "passed",
        ("docs/a.md", "https://fine.example/"): "passed",
    }
    broken = junitparser.JUnitXml.fromstring(junit.to_junit(fixed_report(), "blocked"))
    assert {case.name for suite in broken for case in suite if not case.is_passed and not case.is_skipped} >= {
        "https://flaky.example/api", "https://walled.example/",
    }  # fmt: skip


def test_junit_counts_the_healthy_links_it_does_not_list() -> None:
    """Alive and redirected links are no test case, but each suite's tests and its passed property count them."""
    document = junit.to_junit(fixed_report(), "dead")
    validate_junit(document)
    root = ET.fromstring(document.split("\n", 1)[1])
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    a, b = suites["docs/a.md"], suites["docs/b.md"]
    assert (a.get("tests"), a.get("failures"), a.get("skipped"), len(a.findall("testcase"))) == ("5", "2", "0", 2)
    assert [(p.get("name"), p.get("value")) for p in a.iter("property")] == [("passed", "2"), ("not-checked", "1")]
    assert (b.get("tests"), len(b.findall("testcase")), b.find("properties")) == ("3", 3, None)  # none passed
    assert (root.get("tests"), root.get("failures")) == ("8", "3")
    listed = ET.fromstring(junit.to_junit(fixed_report(), "dead", passed=True).split("\n", 1)[1])
    assert listed.get("tests") == "8" and not list(listed.iter("properties"))
    validate_junit(junit.to_junit(fixed_report(), "dead", passed=True))


def lines_moved(report: RunReport, lines: int) -> RunReport:
    """The report as it reads after ``lines`` lines are inserted at the top of every file."""
    entries = tuple(
        dataclasses.replace(entry, target=dataclasses.replace(entry.target, occurrences=tuple(
            dataclasses.replace(occ, line=occ.line + lines) for occ in entry.target.occurrences)))
        for entry in report.entries
    )  # fmt: skip
    return dataclasses.replace(report, entries=entries)


def test_junit_names_survive_lines_moving() -> None:
    """A case is named by the link and its file; its lines are in the message, so moving them renames nothing."""
    report = fixed_report()
    moved = lines_moved(report, 40)
    names = [
        re.findall(r'<testcase classname="[^"]*" name="[^"]*"', junit.to_junit(r, "dead")) for r in (report, moved)
    ]
    assert names[0] == names[1]
    assert 'message="dead since 2026-02-01: HTTP 404 (line 43:12)"' in junit.to_junit(moved, "dead")


def test_junit_one_case_per_link_and_file_with_every_line() -> None:
    """The same link twice in one file is one case listing both places (names stay unique)."""
    report = fixed_report()
    first = report.entries[0]
    twice = (first.target.occurrences[0], dataclasses.replace(first.target.occurrences[0], line=30, column=2))
    entry = dataclasses.replace(first, target=dataclasses.replace(first.target, occurrences=twice))
    document = junit.to_junit(dataclasses.replace(report, entries=(entry,)), "dead")
    validate_junit(document)
    assert document.count("<testcase ") == 1
    assert "(line 3:12, line 30:2)" in document


def test_junit_escapes_paths_urls_and_messages() -> None:
    """Quotes, ampersands, angle brackets and newlines in paths, URLs and errors survive into junit.xml."""
    report = fixed_report()
    first = report.entries[0]
    place = dataclasses.replace(
        first.target.occurrences[0], path='we"ird & <odd>.md', url='https://x.example/?a=1&b="2"<3>'
    )
    target = dataclasses.replace(first.target, url='https://x.example/?a=1&b="2"<3>', occurrences=(place,))
    result = dataclasses.replace(first.result, error='bad\n"answer" & <more>')
    entry = dataclasses.replace(first, target=target, result=result)
    document = junit.to_junit(dataclasses.replace(report, entries=(entry,)), "dead")
    validate_junit(document)
    case = ET.fromstring(document.split("\n", 1)[1]).find("testsuite/testcase")
    assert case is not None
    assert case.get("classname") == 'we"ird & <odd>.md'
    assert case.get("name") == 'https://x.example/?a=1&b="2"<3>'
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == f'dead since 2026-02-01: bad\n"answer" & <more> (line {place.line}:{place.column})'
    assert failure.text == f'https://x.example/?a=1&b="2"<3> at we"ird & <odd>.md:{place.line}:{place.column}'


SARIF_SCHEMA = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
ROOT = Path("/work/project")


def sarif_validator() -> jsonschema.Draft4Validator:
    """The official schema, with its formats (uri, uri-reference, date-time) checked too."""
    checker = jsonschema.FormatChecker()
    assert {"uri", "uri-reference", "date-time"} <= set(checker.checkers)  # rfc3986/rfc3339 validators installed
    return jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=checker)


def to_sarif(report: RunReport, cwd: Path = ROOT, fail_on: str = "dead") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(sarif.to_sarif(report, fail_on, cwd=cwd, root=ROOT))
    return document


def test_sarif_validates_against_the_official_schema_with_formats() -> None:
    """report.sarif is valid SARIF 2.1.0 with format checking, one result per unhealthy occurrence."""
    document = to_sarif(fixed_report())
    sarif_validator().validate(document)
    run = document["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///work/project/"}}
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("broken-link", "error"), ("broken-link", "error"), ("broken-link", "error"),
        ("unreachable-link", "warning"), ("blocked-link", "warning"), ("redirected-link", "note"),
    ]  # fmt: skip
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (3, 12)
    assert results[0]["message"]["text"].startswith(
        "dead since 2026-02-01, 3 failing run(s): https://gone.example/post"
    )


def test_sarif_rules_say_what_to_do() -> None:
    """Every rule has a description, help that says what to do (fix, where it applies) and a default level."""
    rules = to_sarif(fixed_report())["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [
        "broken-link", "broken-fragment", "unreachable-link", "blocked-link", "redirected-link", "drifted-link",
    ]  # fmt: skip
    for rule in rules:
        assert rule["fullDescription"]["text"] and "What to do" in rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("warning", "note")
    assert "linkkeeper fix" in rules[0]["help"]["markdown"]


@pytest.mark.parametrize(
    ("path", "uri", "base"),
    [
        (".github/notes.md", ".github/notes.md", "%SRCROOT%"),
        ("./docs/a.md", "docs/a.md", "%SRCROOT%"),
        ("docs/faq, extra.md", "docs/faq%2C%20extra.md", "%SRCROOT%"),
        ("docs/café #1.md", "docs/caf%C3%A9%20%231.md", "%SRCROOT%"),
        ("/elsewhere/notes.md", "file:///elsewhere/notes.md", None),
        ("../outside.md", "file:///work/outside.md", None),
    ],
)
def test_sarif_uris_are_relative_to_the_root_and_percent_encoded(path: str, uri: str, base: str | None) -> None:
    """Dot folders keep their dot, spaces and commas are encoded, paths outside the root are absolute file URIs."""
    report = fixed_report()
    first = report.entries[0]
    place = dataclasses.replace(first.target.occurrences[0], path=path)
    entry = dataclasses.replace(first, target=dataclasses.replace(first.target, occurrences=(place,)))
    document = to_sarif(dataclasses.replace(report, entries=(entry,)))
    sarif_validator().validate(document)
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location.get("uri") == uri and location.get("uriBaseId") == base


def test_the_format_check_catches_an_unencoded_uri() -> None:
    """The schema test can fail: a raw space in a URI is refused by the format check."""
    document = to_sarif(fixed_report())
    document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "faq, x.md"
    with pytest.raises(jsonschema.ValidationError, match="uri-reference"):
        sarif_validator().validate(document)


def fingerprints(report: RunReport) -> dict[tuple[str, str], str]:
    return {
        (r["properties"]["url"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]):
            r["partialFingerprints"]["linkkeeper/v1"]
        for r in to_sarif(report)["runs"][0]["results"]
    }  # fmt: skip


def test_sarif_fingerprints_survive_inserted_lines_and_a_verdict_change() -> None:
    """Lines inserted above a link, or failing becoming dead, keep its rule and fingerprint (the same alert)."""
    report = fixed_report()
    flaky = report.entries[2]  # failing, 503
    dead = dataclasses.replace(flaky, verdict=Verdict.DEAD)
    now_dead = tuple(dead if entry is flaky else entry for entry in report.entries)
    original = fingerprints(report)
    assert fingerprints(lines_moved(report, 5)) == original
    assert fingerprints(dataclasses.replace(report, entries=now_dead)) == original
    rules = {
        r["properties"]["url"]: r["ruleId"]
        for r in to_sarif(dataclasses.replace(report, entries=now_dead))["runs"][0]["results"]
    }
    assert rules["https://flaky.example/api"] == "unreachable-link"
    assert len(set(original.values())) == len(original)


def test_sarif_fingerprints_tell_apart_one_link_written_twice_in_a_file() -> None:
    """Two places of one link in one file get different fingerprints (their order in the file)."""
    report = fixed_report()
    first = report.entries[0]
    twice = (first.target.occurrences[0], dataclasses.replace(first.target.occurrences[0], line=30))
    entry = dataclasses.replace(first, target=dataclasses.replace(first.target, occurrences=twice))
    results = to_sarif(dataclasses.replace(report, entries=(entry,)))["runs"][0]["results"]
    assert len({r["partialFingerprints"]["linkkeeper/v1"] for r in results}) == 2


def test_annotations_are_escaped_and_capped_per_kind() -> None:
    """::error lines carry file, line and column; escaped; at most N of each kind, then one ::notice."""
    lines = github.annotation_lines(fixed_report(), "dead", 10, 10)
    assert lines[0] == ("::error file=docs/a.md,line=3,col=12,title=dead link::https://gone.example/post: HTTP 404")
    assert any(line.startswith("::warning file=docs/b.md,line=2,col=5") for line in lines)
    assert not any(line.startswith("::notice") for line in lines)
    capped = github.annotation_lines(fixed_report(), "dead", 1, 0)
    assert [line.split(" ", 1)[0] for line in capped] == ["::error", "::notice"]
    assert "3 more failing link place(s)" in capped[-1]
    assert github._property("a,b:c") == "a%2Cb%3Ac"


def test_an_annotation_without_error_or_status_says_the_outcome() -> None:
    """A failing link with neither an error text nor a status reads its outcome, never 'HTTP None'."""
    report = fixed_report()
    bare = dataclasses.replace(report.entries[0], result=dataclasses.replace(report.entries[0].result, error=None,
                                                                           status_code=None))  # fmt: skip
    (first, *_) = github.annotation_lines(dataclasses.replace(report, entries=(bare,)), "dead", 10, 10)
    assert first.endswith("https://gone.example/post: broken") and "None" not in first


def test_step_summary_is_cut_at_a_line_within_budget() -> None:
    """A summary over budget keeps whole lines and ends with a pointer to the artifacts; one that fits is whole."""
    text = "".join(f"| row {i} |\n" for i in range(1000))
    assert github.step_summary(text, 100_000, None) == text
    cut = github.step_summary(text, 2000, "https://github.com/o/r/actions/runs/1#artifacts")
    assert len(cut.encode()) <= 2000 and cut.startswith("| row 0 |\n")
    body, note = cut.split("\n> ", 1)
    assert all(line.startswith("| row") and line.endswith("|") for line in body.splitlines() if line)
    assert "runs/1#artifacts" in note
    assert github.step_summary(text, 10, None) == ""


def test_html_is_self_contained() -> None:
    """report.html loads nothing from the network: no external script, style, font or image."""
    page = to_html(fixed_report())
    assert "<script src" not in page and "<link " not in page and "@import" not in page
    assert "https://web.archive.org/web/20150101000000/https://gone.example/post" in page
    assert page.count("<tr data-verdict=") == 7


ROOT_PLACES = Places(Path("/work/project/docs"), Path("/work/project"), Path("/work/project/.linkkeeper/reports"))


def test_html_shows_places_from_the_project_root_and_links_them_from_the_reports_folder() -> None:
    """Relative to the working directory or absolute (a folder named so), a place reads from the
    project root and links from where the page is written; a place outside the root stays absolute."""
    report = fixed_report()
    first, *others = report.entries
    occurrences = (
        dataclasses.replace(first.target.occurrences[0], path="/work/project/docs/guide/a b.md"),
        dataclasses.replace(first.target.occurrences[1], path="notes.md"),  # relative to docs/, the cwd
        dataclasses.replace(first.target.occurrences[1], path="/elsewhere/x.md"),
    )
    moved = dataclasses.replace(first, target=dataclasses.replace(first.target, occurrences=occurrences))
    readme = _entry("../README.md", [("notes.md", 2, 1)], CheckResult("../README.md", Outcome.ALIVE), Verdict.ALIVE)
    page = to_html(dataclasses.replace(report, entries=(moved, *others, readme)), places=ROOT_PLACES)
    places = re.findall(r'<a href="([^"]*)" class="place">(.*?)</a>', page)
    shown = [(href, re.sub("<[^>]+>", "", text)) for href, text in places]
    assert shown[:3] == [
        ("../../docs/guide/a%20b.md", "docs/guide/a b.md:3:12"),
        ("../../docs/notes.md", "docs/notes.md:7:1"),
        ("../../../../elsewhere/x.md", "/elsewhere/x.md:7:1"),
    ]
    assert '<a href="../../README.md" class="local">README.md</a>' in page  # the link, too, from the root
    assert '<span class="inert">setup.md</span>' in page  # skipped: not resolved, no file to open
    assert "<span>docs/</span><span>guide/</span><span>a b.md:3:12</span>" in page  # wraps between names


def test_html_of_a_large_report_lists_what_needs_attention_and_packs_the_rest() -> None:
    """Past the row budget, the links needing attention are still rows, worst first; the others are
    packed, in the order listed, with their places read from the root and linked from the page."""
    report = large_report(3000)
    page = to_html(report, places=Places(ROOT, ROOT, ROOT / ".linkkeeper" / "reports"), budget=Budget(rows=50_000))
    listed = re.findall(r'<tr data-verdict="([^"]*)"', page)
    worst_first = ["dead", "failing", "drifted", "blocked"]
    needing = [entry for entry in report.entries if verdict_of(entry).value in worst_first]
    assert listed[: len(needing)] == sorted(listed[: len(needing)], key=worst_first.index) and len(needing) > 50
    found = re.search(r'<script type="application/octet-stream" id="packed" data-links="(\d+)">([^<]*)</script>', page)
    assert found is not None and "</script>" not in found.group(2)
    document = json.loads(gzip.decompress(base64.b64decode(found.group(2))))
    assert int(found.group(1)) == len(document["rows"]) == len(report.entries) - len(listed)
    urls = [document["hosts"][row[1]] + row[2] if row[1] >= 0 else row[2] for row in document["rows"]]
    html_urls = re.findall(r'<td class="url"><(?:a href="[^"]*"|span)[^>]*>([^<]*)<', page)
    assert sorted(urls + html_urls) == sorted(html.escape(entry.target.url) for entry in report.entries)
    ranks = [row[0] for row in document["rows"]]
    assert ranks == sorted(ranks) and set(ranks) <= {4, 5, 6, 7}  # redirected, alive, excluded, skipped
    by_url = {entry.target.url: entry for entry in report.entries}
    for url, row in zip(urls, document["rows"], strict=True):
        occurrences = by_url[url].target.occurrences
        assert [document["paths"][place[0]] for place in row[5]] == [[o.path, f"../../{o.path}"] for o in occurrences]
        assert row[3] == (1 if url.startswith("http") else 0)  # a web link; skipped local links are text
    assert "readable without JavaScript" in page and "Every link is in report.json" in page


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
    links = page.count("<a href=") - page.count('class="place"')
    assert links == to_html(report).count("<a href=") - to_html(report).count('class="place"')  # no new link
    assert '<span class="inert">' in page and 'href="java' not in page.lower() and 'href="data:' not in page


@pytest.mark.parametrize("name", ["report.md", "report.json"])
def test_golden_files_exist(name: str) -> None:
    """The golden files are committed (regenerate with LINKKEEPER_REGENERATE_GOLDEN=1)."""
    assert (FIXTURES / "golden" / name).is_file()


def test_a_drifted_link_is_a_sarif_result_that_fails_only_under_fail_on_drifted() -> None:
    """The test tab and the exit code agree: --fail-on drifted makes the drifted place an error."""
    import dataclasses

    from linkkeeper.models import Verdict

    report = fixed_report()
    alive = next(entry for entry in report.entries if entry.result.outcome.value == "alive")
    drifted = dataclasses.replace(alive, verdict=Verdict.DRIFTED, since="2026-03-02T00:00:00+00:00")
    report = dataclasses.replace(report, entries=(*[e for e in report.entries if e is not alive], drifted))
    for fail_on, level in (("drifted", "error"), ("broken", "warning")):
        results = to_sarif(report, fail_on=fail_on)["runs"][0]["results"]
        assert [r["level"] for r in results if r["ruleId"] == "drifted-link"] == [level] * len(
            drifted.target.occurrences
        )

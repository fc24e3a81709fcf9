"""junit.xml: the dialect Jenkins (junit-10.xsd), GitLab and GitHub test reporters read.

One test suite per file, one test case per link in that file: named by the link as written, with
the file as its class name, so that CI test history follows a link however its lines move. Its
lines go in the message and text of its failure or skipped element (junit-10.xsd allows no other
attribute on a test case). A case fails exactly when its link fails the ``--fail-on`` policy, so
the test tab and the exit code agree; every other unhealthy link (a 5xx or a timeout, a 429 or a
403, a failing link not yet dead) is skipped with its reason, never passed; healthy links pass.

Sized for a CI test tab: failures and skipped links are listed, each a test case; the healthy ones
(alive, redirected) are counted, not listed: in each suite's ``tests`` (every link in the file,
as before) and its ``passed`` property. A site of 200,000 links makes a few megabytes, not fifty.
``to_junit(..., passed=True)`` lists them too, one passed case each.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from linkkeeper.models import Entry, Occurrence, Outcome, RunReport, Verdict
from linkkeeper.report.check import failing_entries
from linkkeeper.report.markdown import judgement, reason_of, verdict_of

# Written as text, not through ElementTree: a report of 100,000 occurrences would otherwise build
# (and indent) 100,000 elements only to serialise them once; the XML schema test keeps it valid.
_ATTRIBUTE_SPECIAL = re.compile(r'[&<>"\n\r\t]')
_HEALTHY = frozenset({Verdict.ALIVE, Verdict.REDIRECTED})
_NOT_CHECKED = frozenset({Outcome.SKIPPED, Outcome.EXCLUDED})


def _attribute(value: str) -> str:
    """An attribute value in double quotes; most values (paths, URLs) need no escaping at all."""
    return quoteattr(value) if _ATTRIBUTE_SPECIAL.search(value) else f'"{value}"'


@dataclass
class _Suite:
    tests: int = 0
    failures: int = 0
    skipped: int = 0
    passed: int = 0
    not_checked: int = 0
    time: float = 0.0


def _case(entry: Entry, path: str, places: list[Occurrence], failing: bool, passed: bool) -> tuple[str, str]:
    """The test case's XML (empty for a passed one not listed) and its state: passed, failure or skipped."""
    written = places[0].url
    lines = ", ".join(f"line {occ.line}:{occ.column}" for occ in places)
    if not failing and verdict_of(entry) in _HEALTHY:
        return (f"{_opening(entry, path, written)} />" if passed else ""), "passed"
    element = "failure" if failing else "skipped"
    drifted = verdict_of(entry) is Verdict.DRIFTED  # its reason says "drifted: …" already
    message = f"{reason_of(entry) if drifted else judgement(entry) + ': ' + reason_of(entry)} ({lines})"
    text = escape("\n".join(f"{entry.target.url} at {path}:{occ.line}:{occ.column}" for occ in places))
    problem = Verdict.DRIFTED.value if drifted else entry.result.outcome.value
    kind = f" type={_attribute(problem)}" if failing else ""
    case = (
        f"{_opening(entry, path, written)}>\n      <{element} message={_attribute(message)}{kind}>{text}</{element}>"
        "\n    </testcase>"
    )
    return case, element


def _opening(entry: Entry, path: str, written: str) -> str:
    return (
        f"    <testcase classname={_attribute(path)} name={_attribute(written)} "
        f'time="{entry.result.elapsed / len(entry.target.occurrences):.3f}"'
    )


def to_junit(report: RunReport, fail_on: str, *, passed: bool = False) -> str:
    """The document; ``passed`` lists the healthy links as passed cases too (else they are counted)."""
    return "".join(junit_chunks(report, fail_on, passed=passed))


def junit_chunks(report: RunReport, fail_on: str, *, passed: bool = False) -> Iterator[str]:
    """The document in pieces, a suite at a time: the counts are added up first (the opening tags
    carry them), then each suite's cases are made as they are written, so a run of 200,000 links
    never holds its whole XML."""
    failing = {id(entry) for entry in failing_entries(report, fail_on)}
    suites: dict[str, _Suite] = {}
    members: dict[str, list[tuple[Entry, list[Occurrence]]]] = {}
    for entry in report.entries:
        by_place: dict[tuple[str, str], list[Occurrence]] = {}
        for occ in entry.target.occurrences:
            by_place.setdefault((occ.path, occ.url), []).append(occ)
        for (path, _), places in by_place.items():
            state = _state(entry, id(entry) in failing)
            suite = suites.setdefault(path, _Suite())
            if passed or state in ("failure", "skipped"):
                members.setdefault(path, []).append((entry, places))
            suite.tests += 1
            suite.failures += state == "failure"
            suite.skipped += state == "skipped" or (passed and state == "not-checked")
            suite.passed += state == "passed"
            suite.not_checked += state == "not-checked"
            suite.time += entry.result.elapsed * len(places) / len(entry.target.occurrences)
    tests = sum(suite.tests for suite in suites.values())
    failures = sum(suite.failures for suite in suites.values())
    total_time = sum(suite.time for suite in suites.values())
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<testsuites name="linkkeeper" tests="{tests}" failures="{failures}" errors="0" time="{total_time:.3f}"'
    if not suites:
        yield " />\n"
        return
    yield ">\n"
    timestamp = _attribute(report.started_at[:19])
    for number, path in enumerate(sorted(suites)):
        suite = suites[path]
        counts = {"passed": suite.passed, "not-checked": suite.not_checked}
        properties = "".join(
            f'      <property name="{name}" value="{value}" />\n' for name, value in counts.items() if value
        )
        counted = f"    <properties>\n{properties}    </properties>\n" if properties and not passed else ""
        yield ("\n" if number else "") + (
            f'  <testsuite name={_attribute(path)} tests="{suite.tests}" failures="{suite.failures}" '
            f'errors="0" skipped="{suite.skipped}" time="{suite.time:.3f}" timestamp={timestamp} '
            f"file={_attribute(path)}>\n" + counted
        )
        for entry, places in members.get(path, ()):
            case, _ = _case(entry, path, places, id(entry) in failing, passed)
            if case:
                yield case + "\n"
        yield "  </testsuite>"
    yield "\n</testsuites>\n"


def _state(entry: Entry, failing: bool) -> str:
    """passed, failure, skipped (unhealthy, not failing the policy) or not-checked (offline,
    excluded, on a line a pull request did not touch): listed are only failures and skips."""
    if failing:
        return "failure"
    if verdict_of(entry) in _HEALTHY:
        return "passed"
    return "not-checked" if entry.result.outcome in _NOT_CHECKED else "skipped"

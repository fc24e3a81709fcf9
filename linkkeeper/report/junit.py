"""junit.xml: one test case per link occurrence; failures for the links that fail the policy."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from linkkeeper.models import Outcome, RunReport
from linkkeeper.report.check import failing_entries


def to_junit(report: RunReport, fail_on: str) -> str:
    failing = {id(entry) for entry in failing_entries(report, fail_on)}
    suites = ET.Element("testsuites", name="linkkeeper")
    by_file: dict[str, list[ET.Element]] = {}
    counts: dict[str, list[int]] = {}
    for entry in report.entries:
        result = entry.result
        for occ in entry.target.occurrences:
            case = ET.Element("testcase", classname=occ.path, name=f"{occ.line}:{occ.column} {entry.target.url}",
                              time=f"{result.elapsed:.3f}")  # fmt: skip
            tally = counts.setdefault(occ.path, [0, 0, 0])
            tally[0] += 1
            verdict = entry.verdict.value if entry.verdict else result.outcome.value
            if id(entry) in failing:
                message = f"{verdict}: {result.error or result.status_code or result.outcome.value}"
                failure = ET.SubElement(case, "failure", message=message, type=result.outcome.value)
                failure.text = f"{entry.target.url} at {occ.path}:{occ.line}:{occ.column}\n{message}"
                tally[1] += 1
            elif result.outcome in (Outcome.SKIPPED, Outcome.EXCLUDED):
                ET.SubElement(case, "skipped", message=result.error or result.outcome.value)
                tally[2] += 1
            by_file.setdefault(occ.path, []).append(case)
    total = [0, 0, 0]
    for path, cases in by_file.items():
        tests, failures, skipped = counts[path]
        suite = ET.SubElement(suites, "testsuite", name=path, tests=str(tests), failures=str(failures), errors="0",
                              skipped=str(skipped), timestamp=report.started_at[:19])  # fmt: skip
        suite.extend(cases)
        total = [total[0] + tests, total[1] + failures, total[2] + skipped]
    suites.set("tests", str(total[0]))
    suites.set("failures", str(total[1]))
    suites.set("errors", "0")
    suites.set("skipped", str(total[2]))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"

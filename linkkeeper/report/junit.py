"""junit.xml: one test case per link occurrence; failures for the links that fail the policy."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from linkkeeper.models import Outcome, RunReport
from linkkeeper.report.check import failing_entries

# Written as text, not through ElementTree: a report of 100,000 occurrences would otherwise build
# (and indent) 100,000 elements only to serialise them once; the XML schema test keeps it valid.
_SKIPPED = frozenset({Outcome.SKIPPED, Outcome.EXCLUDED})
_ATTRIBUTE_SPECIAL = re.compile(r'[&<>"\n\r\t]')


def _attribute(value: str) -> str:
    """An attribute value in double quotes; most values (paths, URLs) need no escaping at all."""
    return quoteattr(value) if _ATTRIBUTE_SPECIAL.search(value) else f'"{value}"'


def to_junit(report: RunReport, fail_on: str) -> str:
    failing = {id(entry) for entry in failing_entries(report, fail_on)}
    by_file: dict[str, list[str]] = {}
    counts: dict[str, list[int]] = {}
    for entry in report.entries:
        result = entry.result
        url = entry.target.url
        elapsed = _attribute(f"{result.elapsed:.3f}")
        for occ in entry.target.occurrences:
            tally = counts.setdefault(occ.path, [0, 0, 0])
            tally[0] += 1
            name = _attribute(f"{occ.line}:{occ.column} {url}")
            opening = f"    <testcase classname={_attribute(occ.path)} name={name} time={elapsed}"
            if id(entry) in failing:
                verdict = entry.verdict.value if entry.verdict else result.outcome.value
                message = f"{verdict}: {result.error or result.status_code or result.outcome.value}"
                body = escape(f"{url} at {occ.path}:{occ.line}:{occ.column}\n{message}")
                case = (
                    f"{opening}>\n      <failure message={_attribute(message)} type={_attribute(result.outcome.value)}>"
                    f"{body}</failure>\n    </testcase>"
                )
                tally[1] += 1
            elif result.outcome in _SKIPPED:
                reason = _attribute(result.error or result.outcome.value)
                case = f"{opening}>\n      <skipped message={reason} />\n    </testcase>"
                tally[2] += 1
            else:
                case = f"{opening} />"
            by_file.setdefault(occ.path, []).append(case)
    suites: list[str] = []
    total = [0, 0, 0]
    timestamp = _attribute(report.started_at[:19])
    for path, cases in by_file.items():
        tests, failures, skipped = counts[path]
        suites.append(
            f'  <testsuite name={_attribute(path)} tests="{tests}" failures="{failures}" errors="0" '
            f'skipped="{skipped}" timestamp={timestamp}>\n' + "\n".join(cases) + "\n  </testsuite>"
        )
        total = [total[0] + tests, total[1] + failures, total[2] + skipped]
    head = f'<testsuites name="linkkeeper" tests="{total[0]}" failures="{total[1]}" errors="0" skipped="{total[2]}"'
    body = ">\n" + "\n".join(suites) + "\n</testsuites>" if suites else " />"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + head + body + "\n"

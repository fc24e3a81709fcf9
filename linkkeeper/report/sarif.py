"""report.sarif: SARIF 2.1.0, one result per occurrence of a link that is not healthy, one rule per
kind of problem; errors for links that fail the policy, warnings and notes for the rest."""

from __future__ import annotations

import json
from typing import Any

from linkkeeper import __version__
from linkkeeper.models import Entry, Outcome, RunReport, Verdict
from linkkeeper.report.archive import describe
from linkkeeper.report.check import failing_entries
from linkkeeper.report.markdown import verdict_of

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES: dict[str, str] = {
    "dead": "The link kept failing across runs and days: confirmed rot.",
    "failing": "The link failed (broken or error) but is not confirmed dead yet.",
    "broken": "The link is broken now: 404, 410, name not found, refused, redirect loop or soft 404.",
    "error": "The server failed (5xx, timeout, reset) after every retry.",
    "blocked": "Access was refused (bot wall, 401/403/429): not evidence of rot.",
    "redirected": "The link redirects permanently; the final URL could replace it.",
}


def _rule(entry: Entry) -> str | None:
    verdict = verdict_of(entry)
    if verdict in (Verdict.DEAD, Verdict.BLOCKED, Verdict.REDIRECTED):
        return verdict.value
    if verdict is Verdict.FAILING:
        return entry.result.outcome.value if entry.verdict is None else "failing"
    return None


def to_sarif(report: RunReport, fail_on: str) -> str:
    failing = {id(entry) for entry in failing_entries(report, fail_on)}
    rule_ids = list(RULES)
    results: list[dict[str, Any]] = []
    for entry in report.entries:
        rule = _rule(entry)
        if rule is None:
            continue
        level = "error" if id(entry) in failing else ("note" if rule == "redirected" else "warning")
        detail = entry.result.error or (f"HTTP {entry.result.status_code}" if entry.result.status_code else "")
        if entry.result.outcome is Outcome.REDIRECTED and entry.result.final_url:
            detail = f"moved to {entry.result.final_url}"
        if entry.snapshot is not None:
            detail += f"; archived copy: {describe(entry.snapshot)}"
        for occ in entry.target.occurrences:
            results.append(
                {
                    "ruleId": rule,
                    "ruleIndex": rule_ids.index(rule),
                    "level": level,
                    "message": {"text": f"{rule}: {entry.target.url} ({detail.strip('; ')})"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": occ.path.lstrip("./") or occ.path},
                                "region": {
                                    "startLine": occ.line,
                                    "startColumn": occ.column,
                                    "endColumn": occ.column + len(occ.raw.split("\n")[0]),
                                },
                            }
                        }
                    ],
                }
            )
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "linkkeeper",
                        "version": __version__,
                        "rules": [
                            {"id": rule, "name": rule.title(), "shortDescription": {"text": text}}
                            for rule, text in RULES.items()
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=None) + "\n"

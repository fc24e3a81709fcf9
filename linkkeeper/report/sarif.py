"""report.sarif: SARIF 2.1.0 as GitHub code scanning (and GitLab, and any SARIF viewer) reads it.

- One rule per *problem class* (``broken-link``, ``broken-fragment``, ``unreachable-link``,
  ``blocked-link``, ``redirected-link``), never per verdict: code scanning matches a result to an
  alert only under the same rule, so a link going from failing to dead updates its alert (level
  ``warning`` -> ``error``, message "dead since ...") rather than closing it and opening another.
- ``partialFingerprints`` come from the file, the link as written and which of its occurrences in
  that file it is, not the line: an alert survives lines inserted above it.
- URIs are relative to the project root (``uriBaseId`` ``%SRCROOT%``) and percent-encoded;
  columns count Unicode code points (``columnKind``), as every linkkeeper column does.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from linkkeeper.models import Entry, Occurrence, Outcome, RunReport, Verdict
from linkkeeper.report.archive import describe
from linkkeeper.report.check import failing_entries
from linkkeeper.report.markdown import judgement, reason_of, verdict_of
from linkkeeper.version import __version__

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
ROOT_ID = "%SRCROOT%"
FINGERPRINT = "linkkeeper/v1"
_FIX = (
    "Once the link is dead (it kept failing over days, see `linkkeeper history URL`), "
    "`linkkeeper archive` finds a verified Wayback Machine copy and `linkkeeper fix` rewrites the link to it."
)
_RULES: dict[Outcome | Verdict, tuple[str, str, str, str]] = {
    # outcome (or the drifted verdict, whose outcome is alive): (id, short description, full description, what to do)
    Outcome.BROKEN: (
        "broken-link",
        "The link's target is gone.",
        "The link answered 404 or 410, its host name does not resolve, the connection was refused, its redirects "
        "loop, the page is a soft 404, or the local file it names does not exist.",
        "Point the link at the page's new address, or remove it. " + _FIX,
    ),
    Outcome.BROKEN_FRAGMENT: (
        "broken-fragment",
        "The page exists, but not the #fragment the link points to.",
        "The target page has no heading or element with the link's fragment as its id (or anchor name).",
        "Link to the heading's current anchor (headings are renamed more often than pages are moved).",
    ),
    Outcome.ERROR: (
        "unreachable-link",
        "The server failed after every retry.",
        "Every attempt ended in a 5xx answer, a timeout or a reset connection. This is often temporary: the "
        "history calls the link dead only when it keeps failing across runs and days.",
        "Wait for the next runs; if the link becomes dead, replace it. " + _FIX,
    ),
    Outcome.BLOCKED: (
        "blocked-link",
        "Access was refused (bot wall, 401, 403 or 429): not evidence of rot.",
        "The server refused a robot: a bot challenge, a login wall, a paywall or a rate limit. linkkeeper cannot "
        "tell whether the page is still there, and never calls such a link dead unless dead_after.count_blocked "
        "is set.",
        "Open the link in a browser. If the site always refuses robots, exclude it (check.exclude) or accept its "
        "status (check.accept).",
    ),
    Outcome.REDIRECTED: (
        "redirected-link",
        "The link redirects permanently.",
        "The server answered with a permanent redirect (301 or 308) to another address, which works.",
        "Replace the link with its final address: `linkkeeper fix --redirects` does it in place.",
    ),
    Verdict.DRIFTED: (
        "drifted-link",
        "The page answers, but it is no longer the page that was cited.",
        "When the link was first seen alive, linkkeeper kept a fingerprint of its page (title and text); today's "
        "page under the same address is unrelated to it: the domain changed hands, or the page was replaced.",
        "Check what the link was meant to show: `linkkeeper archive` finds the copy from when it was cited, and "
        "`linkkeeper fix --include-drifted` rewrites the link to it.",
    ),
}
_LEVELS: dict[Outcome | Verdict, str] = {Outcome.REDIRECTED: "note"}


def _rule_outcome(entry: Entry) -> Outcome | Verdict | None:
    """The problem class of an unhealthy entry (None for a healthy or unchecked one)."""
    if entry.verdict is Verdict.DRIFTED:
        return Verdict.DRIFTED
    outcome = entry.result.outcome
    if outcome in _RULES:
        return outcome
    if verdict_of(entry) is Verdict.DEAD:  # dead by its history though this run was, say, skipped
        return Outcome.BROKEN
    return None


def _message(entry: Entry) -> str:
    result = entry.result
    detail = reason_of(entry)
    if result.outcome is Outcome.REDIRECTED and result.final_url:
        detail = f"moved to {result.final_url}"
    judged = judgement(entry)
    if verdict_of(entry) in (Verdict.FAILING, Verdict.DEAD) and entry.state and entry.state.consecutive_failures:
        judged += f", {entry.state.consecutive_failures} failing run(s)"
    text = f"{judged}: {entry.target.url} ({detail})"
    if entry.snapshot is not None:
        text += f"; archived copy: {describe(entry.snapshot)}"
    return text


def _artifact(path: str, cwd: Path, root: Path) -> dict[str, str]:
    """The file as a URI: relative to the project root when it is inside it, else absolute."""
    absolute = Path(os.path.normpath(cwd / path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": ROOT_ID}


def _region(occ: Occurrence) -> dict[str, int]:
    lines = occ.raw.split("\n")
    last_line = occ.line + len(lines) - 1
    end_column = (occ.column if len(lines) == 1 else 1) + len(lines[-1])
    return {"startLine": occ.line, "startColumn": occ.column, "endLine": last_line, "endColumn": end_column}


def fingerprint(uri: str, written: str, ordinal: int) -> str:
    """Stable across runs and edits elsewhere in the file: what is linked, where, and which of
    that file's occurrences of it this is."""
    return hashlib.sha256(f"{uri}\n{written}\n{ordinal}".encode()).hexdigest()[:32]


def to_sarif(report: RunReport, fail_on: str, *, cwd: Path, root: Path) -> str:
    failing = {id(entry) for entry in failing_entries(report, fail_on)}
    rule_ids = [rule[0] for rule in _RULES.values()]
    results: list[dict[str, Any]] = []
    seen: Counter[tuple[str, str]] = Counter()
    for entry in report.entries:
        rule_outcome = _rule_outcome(entry)
        if rule_outcome is None or (entry.change is not None and not entry.change.caused):
            continue  # checked since a ref, a link already broken there is no finding of this change
        rule = _RULES[rule_outcome][0]
        level = "error" if id(entry) in failing else _LEVELS.get(rule_outcome, "warning")
        message = _message(entry)
        for occ in sorted(entry.target.occurrences, key=lambda o: (o.path, o.line, o.column)):
            artifact = _artifact(occ.path, cwd, root)
            ordinal = seen[artifact["uri"], occ.url]
            seen[artifact["uri"], occ.url] += 1
            results.append(
                {
                    "ruleId": rule,
                    "ruleIndex": rule_ids.index(rule),
                    "level": level,
                    "message": {"text": message},
                    "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(occ)}}],
                    "partialFingerprints": {FINGERPRINT: fingerprint(artifact["uri"], occ.url, ordinal)},
                    "properties": {
                        "url": entry.target.url,
                        "outcome": entry.result.outcome.value,
                        "verdict": verdict_of(entry).value,
                        "statusCode": entry.result.status_code,
                    },
                }
            )
    rules = [
        {
            "id": rule_id,
            "name": "".join(part.title() for part in rule_id.split("-")),
            "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "help": {"text": f"{full}\n\nWhat to do: {todo}", "markdown": f"{full}\n\n**What to do:** {todo}"},
            "defaultConfiguration": {"level": _LEVELS.get(outcome, "warning")},
        }
        for outcome, (rule_id, short, full, todo) in _RULES.items()
    ]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "linkkeeper", "version": __version__, "rules": rules}},
                "originalUriBaseIds": {ROOT_ID: {"uri": root.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, ensure_ascii=False) + "\n"

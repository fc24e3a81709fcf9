"""Renderers: pure functions from a report to text, one module per format; ``write_reports`` is the
one place they meet the file system."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from linkkeeper.models import RunReport
from linkkeeper.report import check, html, junit, markdown, sarif

FILE_NAMES = {
    "md": "report.md",
    "json": "report.json",
    "html": "report.html",
    "junit": "junit.xml",
    "sarif": "report.sarif",
}


def render(report: RunReport, fmt: str, fail_on: str, summaries: Sequence[html.RunSummary] = ()) -> str:
    if fmt == "md":
        return markdown.to_markdown(report)
    if fmt == "json":
        return check.to_json(report, fail_on)
    if fmt == "html":
        return html.to_html(report, summaries)
    if fmt == "junit":
        return junit.to_junit(report, fail_on)
    if fmt == "sarif":
        return sarif.to_sarif(report, fail_on)
    raise ValueError(f"unknown report format {fmt!r}")


def write_reports(
    report: RunReport,
    directory: Path,
    formats: Sequence[str],
    fail_on: str,
    summaries: Sequence[html.RunSummary] = (),
) -> list[Path]:
    """Write each format into ``directory`` (atomically: a reader never sees half a report)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = directory / FILE_NAMES[fmt]
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(render(report, fmt, fail_on, summaries))
        os.replace(temporary, path)
        written.append(path)
    return written

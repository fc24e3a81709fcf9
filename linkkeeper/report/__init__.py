"""Renderers: pure functions from a report to text, one module per format; ``write_reports`` is the
one place they meet the file system."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from linkkeeper.errors import OutputError
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
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(directory, exc) from exc
    return [_write_report(directory / FILE_NAMES[fmt], render(report, fmt, fail_on, summaries)) for fmt in formats]


def _write_report(path: Path, text: str) -> Path:
    """Write a fresh report through a temporary file beside it, so a reader never sees half of it
    (``rewrite.write_atomic`` replaces a user's file: it checks, keeps the mode and syncs)."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(path, exc) from exc
    return path

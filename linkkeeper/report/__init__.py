"""Renderers: pure functions from a report to text, one module per format; ``write_reports`` is the
one place they meet the file system."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from linkkeeper.errors import OutputError
from linkkeeper.folders import make_folders
from linkkeeper.models import RunReport, RunSummary
from linkkeeper.report import check, html, junit, markdown, sarif

FILE_NAMES = {
    "md": "report.md",
    "json": "report.json",
    "html": "report.html",
    "junit": "junit.xml",
    "sarif": "report.sarif",
}


@dataclass(frozen=True, slots=True)
class Places:
    """Where a run happened, for the reports that point at files: occurrence paths are relative
    to ``cwd``, SARIF URIs to the project ``root``; the HTML page shows paths relative to ``root``
    and links them from ``reports``, the folder it is written to. All three are absolute."""

    cwd: Path
    root: Path
    reports: Path


def render(report: RunReport, fmt: str, fail_on: str, places: Places, summaries: Sequence[RunSummary] = ()) -> str:
    if fmt == "md":
        return markdown.to_markdown(report)
    if fmt == "json":
        return check.to_json(report, fail_on)
    if fmt == "html":
        return html.to_html(report, summaries, places=places)
    if fmt == "junit":
        return junit.to_junit(report, fail_on)
    if fmt == "sarif":
        return sarif.to_sarif(report, fail_on, cwd=places.cwd, root=places.root)
    raise ValueError(f"unknown report format {fmt!r}")


def write_reports(
    report: RunReport,
    places: Places,
    formats: Sequence[str],
    fail_on: str,
    summaries: Sequence[RunSummary] = (),
    *,
    parents: bool = True,
) -> list[Path]:
    """Write each format into ``places.reports`` (atomically: a reader never sees half a report),
    creating that folder, and its missing parents only when ``parents``."""
    if not formats:
        return []
    try:
        if parents:
            make_folders(places.reports)
        else:
            places.reports.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(places.reports, exc) from exc
    return [
        _write_report(places.reports / FILE_NAMES[fmt], _pieces(report, fmt, fail_on, places, summaries))
        for fmt in formats
    ]


def _pieces(
    report: RunReport, fmt: str, fail_on: str, places: Places, summaries: Sequence[RunSummary]
) -> Iterable[str]:
    """The report as it is written: report.json and junit.xml as streams of pieces (they hold
    every link, or every one not healthy: over 100 MB and 50 MB for 200,000 of them), the others
    whole (each is a fraction of that)."""
    if fmt == "json":
        return check.json_chunks(report, fail_on)
    if fmt == "junit":
        return junit.junit_chunks(report, fail_on)
    return (render(report, fmt, fail_on, places, summaries),)


def _write_report(path: Path, pieces: Iterable[str]) -> Path:
    """Write a fresh report through a temporary file beside it, so a reader never sees half of it;
    created as any new file is (0666 less the umask), since reports are meant to be read and
    served (``rewrite.write_atomic`` replaces a user's file: it checks, keeps the mode and syncs)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                for piece in pieces:
                    stream.write(piece)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(path, exc) from exc
    return path

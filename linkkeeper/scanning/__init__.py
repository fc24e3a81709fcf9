"""The scan stage: Markdown files in, one ``Occurrence`` per URL out, never an exception per file."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from linkkeeper.config import ScanSettings
from linkkeeper.errors import InputError
from linkkeeper.models import FileScan, ScanError, ScanReport
from linkkeeper.scanning.files import STDIN, collect, read_regular
from linkkeeper.scanning.markdown import extract
from linkkeeper.scanning.source import UnreadableSource, decode

__all__ = ["scan_bytes", "scan_file", "scan_paths"]

STDIN_NAME = "<stdin>"


def scan_bytes(data: bytes, path: str, settings: ScanSettings, *, keep_text: bool = False) -> FileScan:
    """Scan one document's bytes; every problem becomes the ``FileScan``'s error. ``keep_text``
    keeps the decoded text in the result (for a document that cannot be read twice)."""
    if len(data) > settings.max_file_size:
        return _too_big(path, len(data), settings)
    try:
        source = decode(data)
    except UnreadableSource as exc:
        return _failed(path, str(exc))
    try:
        occurrences = extract(source.text, path, use_liquid=settings.liquid, math=settings.math)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a parser panic (PyO3's PanicException) is a BaseException
        return _failed(path, f"the Markdown parser failed on this file ({type(exc).__name__}: {exc})")
    return FileScan(
        path=path,
        occurrences=tuple(occurrences),
        sha256=source.sha256,
        has_bom=source.has_bom,
        text=source.text if keep_text else None,
    )


def scan_file(path: str, settings: ScanSettings) -> FileScan:
    """Read and scan one file (``-`` reads standard input)."""
    if path == STDIN:
        return scan_bytes(sys.stdin.buffer.read(), STDIN_NAME, settings, keep_text=True)
    try:
        size, data = read_regular(path, settings.max_file_size)  # a pipe or device is never waited on
    except OSError as exc:
        return _failed(path, f"cannot be read: {exc.strerror or exc}")
    if size > settings.max_file_size:
        return _too_big(path, size, settings)
    return scan_bytes(data, path, settings)


def scan_paths(inputs: Sequence[str], settings: ScanSettings, skip: Sequence[Path] = ()) -> ScanReport:
    """Scan files and directories (recursively, with the settings' filters, never into the
    folders in ``skip``) and ``-``. A named path that yields nothing to read (a folder without a
    Markdown file, a file that cannot be read) is an ``InputError`` naming it and why; an
    unreadable file among others in a folder is a ``ScanError`` in the report."""
    seen: set[str] = set()
    files: list[FileScan] = []
    for item in inputs:
        found, readable, problem = False, False, None
        for path, new in collect([item], settings, skip, seen):
            found = True
            if not new:
                readable = True  # read already, for an earlier path
                continue
            scanned = scan_file(path, settings)
            files.append(scanned)
            readable = readable or scanned.error is None
            problem = problem or scanned.error
        if not found:
            extensions = ", ".join(settings.extensions)
            filters = "".join(
                f"; {flag} {' '.join(globs)}"
                for flag, globs in (
                    ("scan.include_paths", settings.include_paths),
                    ("scan.exclude_paths", settings.exclude_paths),
                )
                if globs
            )
            raise InputError(
                f"{item}: no file to read in this folder (extensions {extensions}{filters}; hidden and git-ignored "
                "paths are skipped: scan.extensions, scan.hidden, scan.respect_gitignore)"
            )
        if not readable and problem is not None:
            raise InputError(f"{problem.path}: {problem.problem}")
    return ScanReport(files=tuple(files))


def _too_big(path: str, size: int, settings: ScanSettings) -> FileScan:
    limit = settings.max_file_size
    return _failed(path, f"file is {size:,} bytes, over the {limit:,}-byte limit (scan.max_file_size); not read")


def _failed(path: str, problem: str) -> FileScan:
    return FileScan(path=path, error=ScanError(path=path, problem=problem))

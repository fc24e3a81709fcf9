"""linkkeeper: a link-rot checker and archiver for Markdown.

The public API is small on purpose: one function per command (``scan_paths``, ``run_check``,
``run_archive``, ``run_fix``, ``rebuild_report``), the history they share, their settings, and
the frozen data types they return. Everything else may change between releases.
"""

from __future__ import annotations

__version__ = "0.1.0"  # before the imports below: some of them read it

from linkkeeper.config import Settings, load_settings
from linkkeeper.errors import ConfigError, HistoryError, InputError, LinkkeeperError
from linkkeeper.history import History
from linkkeeper.models import (
    ArchiveReport,
    Checkable,
    CheckResult,
    Entry,
    FileScan,
    FixReport,
    Flag,
    Kind,
    NoSnapshot,
    Occurrence,
    Outcome,
    Position,
    RunReport,
    ScanError,
    ScanReport,
    Snapshot,
    Syntax,
    Verdict,
)
from linkkeeper.pipeline import rebuild_report, run_archive, run_check, run_fix
from linkkeeper.scan import scan_paths

__all__ = [
    "ArchiveReport",
    "CheckResult",
    "Checkable",
    "ConfigError",
    "Entry",
    "FileScan",
    "FixReport",
    "Flag",
    "History",
    "HistoryError",
    "InputError",
    "Kind",
    "LinkkeeperError",
    "NoSnapshot",
    "Occurrence",
    "Outcome",
    "Position",
    "RunReport",
    "ScanError",
    "ScanReport",
    "Settings",
    "Snapshot",
    "Syntax",
    "Verdict",
    "__version__",
    "load_settings",
    "rebuild_report",
    "run_archive",
    "run_check",
    "run_fix",
    "scan_paths",
]

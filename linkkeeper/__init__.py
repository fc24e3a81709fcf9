"""linkkeeper: a link-rot checker and archiver for Markdown.

The public API is small on purpose; everything else may change between releases.
"""

from __future__ import annotations

from linkkeeper.config import Settings, load_settings
from linkkeeper.errors import ConfigError, InputError, LinkkeeperError
from linkkeeper.models import (
    Checkable,
    FileScan,
    Flag,
    Kind,
    Occurrence,
    Position,
    ScanError,
    ScanReport,
    Syntax,
)
from linkkeeper.scan import scan_paths

__version__ = "0.1.0"

__all__ = [
    "Checkable",
    "ConfigError",
    "FileScan",
    "Flag",
    "InputError",
    "Kind",
    "LinkkeeperError",
    "Occurrence",
    "Position",
    "ScanError",
    "ScanReport",
    "Settings",
    "Syntax",
    "__version__",
    "load_settings",
    "scan_paths",
]

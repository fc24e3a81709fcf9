"""linkkeeper: a link-rot checker and archiver for Markdown.

The common case is one call::

    import linkkeeper

    report = linkkeeper.check(["docs"])             # or: await linkkeeper.acheck(["docs"])
    for link in report.links:
        print(link.url, link.outcome, link.places)
    links = linkkeeper.scan(["docs"]).occurrences   # every link and its place, no network

They read the settings, the ignore files and the history exactly as the ``linkkeeper`` command
does. ``Project`` is the whole API under every front end (the command line, the MkDocs plugin):
``Project.load(root)`` then ``await project.check(paths)``, ``scan``, ``archive``, ``fix``,
``report``. What they return are frozen dataclasses (``RunReport``, ``ScanReport``,
``ArchiveReport``, ``FixReport``). Errors are one tree, ``LinkkeeperError``:

- ``ConfigError``: a setting is wrong (the command line's exit 3);
- ``InputError``: a path or a URL given is not there (exit 2);
- ``HistoryError``: the history database cannot be used; it is left as it was (exit 4);
- ``OutputError``: a report or file could not be written (exit 4).

A link that fails is no exception: it is a result, with its outcome and reason.
"""

from __future__ import annotations

from linkkeeper.api import acheck, ascan, check, scan
from linkkeeper.config import Settings, load_settings
from linkkeeper.errors import ConfigError, HistoryError, InputError, LinkkeeperError, OutputError
from linkkeeper.history import History
from linkkeeper.models import (
    ArchiveReport,
    CheckResult,
    Entry,
    FixReport,
    LinkResult,
    Occurrence,
    Place,
    RunReport,
    ScanReport,
)
from linkkeeper.project import CheckRun, Project
from linkkeeper.version import __version__

__all__ = [
    "ArchiveReport",
    "CheckResult",
    "CheckRun",
    "ConfigError",
    "Entry",
    "FixReport",
    "History",
    "HistoryError",
    "InputError",
    "LinkResult",
    "LinkkeeperError",
    "Occurrence",
    "OutputError",
    "Place",
    "Project",
    "RunReport",
    "ScanReport",
    "Settings",
    "__version__",
    "acheck",
    "ascan",
    "check",
    "load_settings",
    "scan",
]

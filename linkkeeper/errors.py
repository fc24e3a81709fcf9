"""The exceptions linkkeeper raises, and the exit code each one means.

    LinkkeeperError            any failure that stops a command (exit 4)
    ├── ConfigError            a setting is unknown, of the wrong type or out of range (exit 3)
    ├── InputError             an input path does not exist or cannot be listed (exit 2)
    ├── HistoryError           the history database is corrupt, foreign, too new or unreachable (exit 4)
    └── OutputError            a report or an --output file cannot be written (exit 4)

Problems with single links or single files are *not* exceptions: a file that cannot be read is a
``ScanError`` in the report and the scan goes on; a link that cannot be checked is a result with a
reason. Exceptions are only for what stops a whole command.
"""

from __future__ import annotations

from pathlib import Path


class LinkkeeperError(Exception):
    """A failure that stops the command."""

    exit_code = 4


class ConfigError(LinkkeeperError):
    """Configuration that cannot be used; the message names the source, the key and the fix."""

    exit_code = 3

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: {key}: {problem}")


class InputError(LinkkeeperError):
    """An input path that does not exist or cannot be listed."""

    exit_code = 2


class HistoryError(LinkkeeperError):
    """The history database cannot be used; it is left exactly as it was."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class OutputError(LinkkeeperError):
    """A report or output file cannot be written where it was asked for."""

    def __init__(self, path: Path, problem: OSError) -> None:
        self.path = path
        super().__init__(f"{path}: cannot be written: {problem.strerror or problem}")

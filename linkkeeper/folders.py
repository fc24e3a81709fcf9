"""The folders linkkeeper writes into, created when first needed.

A ``.linkkeeper`` folder that linkkeeper creates gets a ``.gitignore`` of ``*``, as pytest's and
ruff's caches do: the history and the reports in it never show in ``git status``, so a check (a
pre-commit hook's too) leaves the working tree clean. Delete that file to commit the history.
"""

from __future__ import annotations

from pathlib import Path

STATE_FOLDER = ".linkkeeper"
_GITIGNORE = "# Created by linkkeeper: its history and reports stay out of git (delete this file to commit them).\n*\n"


def git_root(start: Path) -> Path | None:
    """The top of the git work tree containing ``start``, or None outside one."""
    return next((folder for folder in (start, *start.parents) if (folder / ".git").exists()), None)


def project_root(start: Path) -> Path:
    """The top of the git work tree containing ``start``, else ``start`` itself."""
    return git_root(start) or start


def under_root(configured: str, root: Path) -> Path:
    """A configured path (``history.db``, ``report.dir``): relative ones are under the project root."""
    path = Path(configured).expanduser()
    return path if path.is_absolute() else root / path


def output_folders(reports: Path, history: Path, *, cwd: Path, root: Path) -> tuple[Path, ...]:
    """The folders linkkeeper writes (the reports', the history's), which a folder walk never reads:
    a second ``check`` must not find the first one's report. The project itself is none."""
    folders = {reports.resolve(), history.parent.resolve()}
    return tuple(sorted(folder for folder in folders if folder not in (cwd.resolve(), root.resolve())))


def make_folders(folder: Path) -> None:
    """``folder`` and its missing parents, like ``mkdir -p``; raises OSError."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.is_dir():
            break
        missing.append(candidate)
    folder.mkdir(parents=True, exist_ok=True)
    for created in missing:
        if created.name == STATE_FOLDER:
            try:
                with (created / ".gitignore").open("x", encoding="utf-8") as stream:
                    stream.write(_GITIGNORE)
            except FileExistsError:
                pass

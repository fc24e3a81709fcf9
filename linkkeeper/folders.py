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

"""Which files a scan reads: explicit files always; directories recursed with the filters."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pathspec

from linkkeeper.config import ScanSettings
from linkkeeper.errors import InputError

STDIN = "-"
_ANCESTOR_LIMIT = 64


def _read_ignore(directory: Path) -> pathspec.GitIgnoreSpec | None:
    ignore_file = directory / ".gitignore"
    try:
        lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def _ancestor_ignores(root: Path) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
    """The .gitignore files of the folders above ``root``, up to the repository's top."""
    found: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
    current = root.resolve()
    for _ in range(_ANCESTOR_LIMIT):
        parent = current.parent
        if (current / ".git").exists() or parent == current:
            break
        current = parent
        spec = _read_ignore(current)
        if spec is not None:
            found.append((current, spec))
        if (current / ".git").exists():
            break
    return found


def _ignored(path: Path, is_dir: bool, ignores: Sequence[tuple[Path, pathspec.GitIgnoreSpec]]) -> bool:
    for base, spec in ignores:
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            continue
        if spec.match_file(relative + "/" if is_dir else relative):
            return True
    return False


def _matches_any(relative: str, patterns: Sequence[str]) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(relative, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def _readable_kind(entry: os.DirEntry[str], path: Path, is_link: bool) -> bool:
    """A regular file, or a link to one; a dangling link too (its read fails, and says so). A pipe,
    socket or device is not: opening a pipe named ``notes.md`` would wait forever."""
    if is_link:
        return not path.exists() or path.is_file()
    return entry.is_file()


def _walk(root: Path, settings: ScanSettings, skip: frozenset[Path] = frozenset()) -> Iterator[Path]:
    extensions = {ext.lower().lstrip(".") for ext in settings.extensions}
    ignores = _ancestor_ignores(root) if settings.respect_gitignore else []
    stack: list[tuple[Path, list[tuple[Path, pathspec.GitIgnoreSpec]]]] = [(root, ignores)]
    while stack:
        directory, inherited = stack.pop()
        resolved_directory = directory.resolve()
        active = inherited
        if settings.respect_gitignore:
            spec = _read_ignore(directory)
            if spec is not None:
                active = [*inherited, (resolved_directory, spec)]
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            continue
        subdirectories: list[Path] = []
        for entry in entries:
            if not settings.hidden and entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
                is_link = entry.is_symlink()
            except OSError:
                continue
            # The cheapest test first: most files in a repository are not Markdown, and matching
            # each against every .gitignore pattern made a tree of 50,000 source files slow.
            if not is_dir and ("." not in entry.name or entry.name.rsplit(".", 1)[-1].lower() not in extensions):
                continue
            # A link is judged where it is written, as git does (its target may be anywhere).
            path = Path(entry.path)
            if not is_dir and not _readable_kind(entry, path, is_link):
                continue
            relative = path.relative_to(root).as_posix()
            if settings.exclude_paths and _matches_any(relative, settings.exclude_paths):
                continue
            if settings.respect_gitignore and _ignored(resolved_directory / entry.name, is_dir, active):
                continue
            if is_dir:
                if not is_link and resolved_directory / entry.name not in skip:
                    subdirectories.append(path)
                continue
            if settings.include_paths and not _matches_any(relative, settings.include_paths):
                continue
            yield path
        stack.extend((sub, active) for sub in reversed(subdirectories))


def collect(
    inputs: Sequence[str], settings: ScanSettings, skip: Sequence[Path] = (), seen: set[str] | None = None
) -> Iterator[tuple[str, bool]]:
    """Yield the files to scan, in order, each with whether it is new (a file reached twice is
    yielded again, not new, so a caller knows its input found it); ``-`` stands for standard input.
    Folders in ``skip`` (linkkeeper's own output) are never entered by a walk, though they may be
    named. ``seen`` carries the files already yielded across calls."""
    skipped = frozenset(folder.resolve() for folder in skip)
    seen = set() if seen is None else seen
    for item in inputs:
        if item == STDIN:
            yield STDIN, STDIN not in seen
            seen.add(STDIN)
            continue
        path = Path(item)
        if path.is_dir():
            candidates: Iterator[Path] = _walk(path, settings, skipped)
        elif path.exists():
            candidates = iter([path])
        else:
            raise InputError(f"{item}: no such file or directory")
        for candidate in candidates:
            name = str(candidate)
            key = os.path.realpath(name)
            yield name, key not in seen
            seen.add(key)

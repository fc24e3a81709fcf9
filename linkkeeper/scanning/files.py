"""Which files a scan reads: explicit files always; directories recursed with the filters."""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
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


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a directory" if stat.S_ISDIR(mode) else "not a regular file"


def _unreachable(item: str, error: OSError) -> str:
    """Why a named path cannot be read, in words that are true of it (a link that leads back to
    itself is no missing file)."""
    if error.errno == errno.ELOOP:
        return f"{item}: symbolic link loop (too many levels of symbolic links)"
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        try:
            return f"{item}: dangling symbolic link (to {os.readlink(item)}, which leads nowhere)"
        except OSError:  # not a link
            return f"{item}: no such file or directory"
    return f"{item}: cannot be read: {error.strerror or error}"


def read_regular(path: str, limit: int) -> tuple[int, bytes]:
    """The size of the regular file at ``path`` and its first ``limit`` + 1 bytes (none when it is
    bigger than ``limit``). Anything else is an ``OSError`` saying what it is, and is not opened:
    opening a pipe waits for a writer, /dev/zero never ends, and opening some devices acts. One
    swapped in between the check and the open is opened without waiting (``O_NONBLOCK``) and
    refused unread."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, f"{_kind(mode)}, not a regular file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    with open(os.open(path, flags), "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, f"{_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            return info.st_size, b""
        return info.st_size, handle.read(limit + 1)


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
        try:
            mode = os.stat(item).st_mode
        except OSError as exc:
            raise InputError(_unreachable(item, exc)) from None
        if stat.S_ISDIR(mode):
            candidates: Iterator[Path] = _walk(path, settings, skipped)
        elif stat.S_ISREG(mode):
            candidates = iter([path])
        else:  # never opened: a pipe would wait for a writer forever, /dev/zero would never end
            raise InputError(f"{item}: {_kind(mode)}, not a regular file; only those are read (or standard input: -)")
        for candidate in candidates:
            name = str(candidate)
            key = os.path.realpath(name)
            yield name, key not in seen
            seen.add(key)

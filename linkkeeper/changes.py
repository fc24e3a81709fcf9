"""What a change touched, from git: the lines added or edited since a ref, and the files deleted
or renamed — for ``check --changed-since REF``, which asks only the web links a change wrote and
judges local links against the ref's tree too.

The change is what a pull request's diff shows: from the merge base of REF and HEAD to the
working tree (uncommitted edits and untracked files included), with git's rename detection, so a
moved file's unchanged lines are not new.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from linkkeeper.errors import InputError
from linkkeeper.folders import git_root

__all__ = ["Changes", "base_tree", "changes_since"]

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_GIT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Changes:
    """Since ``ref`` (its merge base with HEAD is ``base``): the lines added or edited per file
    (paths relative to the repository's top, as git writes them), the files added whole, the
    files deleted, and the renamed ones (new path -> old path)."""

    ref: str
    base: str
    top: Path
    lines: dict[str, frozenset[int]] = field(default_factory=dict)
    added: frozenset[str] = frozenset()
    deleted: frozenset[str] = frozenset()
    renamed_from: dict[str, str] = field(default_factory=dict)

    def relative(self, path: str | os.PathLike[str]) -> str | None:
        """``path`` (as scanned, from the working directory) relative to the repository's top."""
        try:
            return Path(os.path.abspath(path)).relative_to(self.top).as_posix()
        except ValueError:
            return None

    def touches(self, path: str, line: int) -> bool:
        """Whether the change added or edited ``line`` of ``path`` (a new file: every line)."""
        name = self.relative(path)
        if name is None:
            return False
        return name in self.added or line in self.lines.get(name, frozenset())

    def at_base(self, path: str) -> str | None:
        """The name ``path`` had at the base (None for a file the change added)."""
        name = self.relative(path)
        if name is None or name in self.added:
            return None
        return self.renamed_from.get(name, name)

    def why_missing(self, target: str) -> str | None:
        """What the change did to a file a link names, if anything: deleted or renamed."""
        name = self.relative(target)
        if name is None:
            return None
        if name in self.deleted:
            return f"{name} was deleted in this change"
        moved = next((new for new, old in self.renamed_from.items() if old == name), None)
        return f"{name} was renamed to {moved} in this change" if moved else None


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=_GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"git {args[0]}: {exc}") from exc
    if done.returncode != 0:
        problem = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]}: {problem[-1] if problem else f'exit {done.returncode}'}")
    return done.stdout.decode("utf-8", "surrogateescape")


def changes_since(ref: str, cwd: Path) -> Changes:
    """The change from ``ref``'s merge base with HEAD to the working tree. An InputError when
    there is no git work tree here or git does not know ``ref``."""
    top = git_root(cwd.absolute())
    if top is None:
        raise InputError(f"changes since {ref}: {cwd} is not in a git work tree")
    if ref.startswith("-"):
        raise InputError(f"changes since {ref}: not a git revision")
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except InputError:
        raise InputError(f"changes since {ref}: git knows no commit {ref} here (a shallow clone? fetch it)") from None
    try:
        merge_base = _git(["merge-base", ref, "HEAD"], top).strip()
    except InputError:
        raise InputError(
            f"changes since {ref}: {ref} and HEAD have no merge base here (a shallow clone? fetch the history)"
        ) from None
    diff = _git(["diff", "-M", "-U0", "--no-color", "--no-ext-diff", "--no-prefix", merge_base, "--"], top)
    lines: dict[str, set[int]] = {}
    added: set[str] = set()
    deleted: set[str] = set()
    renamed_from: dict[str, str] = {}
    for section in re.split(r"^diff --git ", diff, flags=re.MULTILINE)[1:]:
        header, _, body = section.partition("\n@@")
        old = _header_path(header, "--- ")
        new = _header_path(header, "+++ ")
        rename_from = re.search(r"^rename from (.+)$", header, re.MULTILINE)
        rename_to = re.search(r"^rename to (.+)$", header, re.MULTILINE)
        if rename_from and rename_to:
            renamed_from[_unquote(rename_to.group(1))] = _unquote(rename_from.group(1))
            new = new or _unquote(rename_to.group(1))
        if "\ndeleted file mode" in "\n" + header and old:
            deleted.add(old)
            continue
        if "\nnew file mode" in "\n" + header and new:
            added.add(new)
            continue
        if new:
            changed = lines.setdefault(new, set())
            for match in _HUNK.finditer("@@" + body):
                start, count = int(match.group(1)), int(match.group(2) or 1)
                changed.update(range(start, start + count))
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top)
    added.update(name for name in untracked.split("\0") if name)
    return Changes(
        ref, merge_base, top, {name: frozenset(found) for name, found in lines.items()}, frozenset(added),
        frozenset(deleted), renamed_from,
    )  # fmt: skip


def _header_path(header: str, marker: str) -> str | None:
    match = re.search(rf"^{re.escape(marker)}(.+)$", header, re.MULTILINE)
    if match is None or match.group(1).strip() == "/dev/null":
        return None
    return _unquote(match.group(1).rstrip("\t"))


def _unquote(name: str) -> str:
    """A path as git writes it: C-quoted when it holds unusual characters."""
    name = name.strip()
    if not (name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
    return raw.decode("utf-8", "surrogateescape")


@contextlib.contextmanager
def base_tree(changes: Changes) -> Iterator[Path]:
    """The base's tree, written to a temporary folder (removed afterwards): the project as it was."""
    with tempfile.TemporaryDirectory(prefix="linkkeeper-base-") as folder:
        # Streamed from git into the folder: a large repository's tree is never held in memory.
        with subprocess.Popen(["git", "archive", "--format=tar", changes.base], cwd=changes.top,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as git:  # fmt: skip
            assert git.stdout is not None
            try:
                with tarfile.open(fileobj=git.stdout, mode="r|") as tar:
                    tar.extractall(folder, filter="data")
            except tarfile.TarError as exc:
                raise InputError(f"changes since {changes.ref}: git archive {changes.base}: {exc}") from exc
        yield Path(folder)

"""When was each link cited? The reference date a snapshot should be closest to.

First choice: the author date of the commit that added the URL to the file, from git history —
one ``git log -p`` per file, not per link. On a shallow clone the oldest visible commit may not be
where a line was really added, so URLs first seen there fall back. Then the file's front-matter
``date``; then the first time the history saw the link; then now. Each date says where it came from.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_COMMIT = "@@@linkkeeper-commit "
_FRONT_MATTER_DATE = re.compile(
    r"^date\s*[:=]\s*[\"']?(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)?)",
    re.MULTILINE,
)
_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)\r?\n(.*?)\r?\n(?:---|\.\.\.|\+\+\+)\s*$", re.DOTALL | re.MULTILINE)
_GIT_TIMEOUT = 60


@dataclass(frozen=True, slots=True)
class Cited:
    """A reference date and where it came from (git, front-matter, history, now)."""

    at: datetime
    source: str


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=_GIT_TIMEOUT, check=False, errors="replace"
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def git_citations(path: Path, needles: Iterable[str]) -> tuple[dict[str, datetime], str]:
    """The author date of the commit that first added each needle to ``path``, and a note
    ("" when git answered fully, else why some dates may be missing)."""
    wanted = set(needles)
    folder = path.resolve().parent
    log = _git(
        ["log", "--reverse", "--no-color", "--no-ext-diff", "-U0", f"--format={_COMMIT}%aI", "-p", "--", path.name],
        folder,
    )
    if log is None:
        return {}, "not in a git repository (or git is missing)"
    shallow = (_git(["rev-parse", "--is-shallow-repository"], folder) or "").strip() == "true"
    found: dict[str, datetime] = {}
    first_commit: datetime | None = None
    current: datetime | None = None
    for line in log.splitlines():
        if line.startswith(_COMMIT):
            current = datetime.fromisoformat(line[len(_COMMIT) :].strip()).astimezone(UTC)
            first_commit = first_commit or current
            continue
        if current is None or not line.startswith("+") or line.startswith("+++"):
            continue
        for needle in wanted - found.keys():
            if needle in line:
                found[needle] = current
    note = ""
    if shallow and first_commit is not None:
        found = {needle: at for needle, at in found.items() if at != first_commit}
        note = "shallow clone: links already in its oldest commit fall back to other dates"
    return found, note


def front_matter_date(text: str) -> datetime | None:
    block = _FRONT_MATTER.match(text)
    if block is None:
        return None
    match = _FRONT_MATTER_DATE.search(block.group(1))
    if match is None:
        return None
    value = match.group(1).replace(" ", "T", 1) if " " in match.group(1)[:11] else match.group(1)
    value = value.replace(" ", "")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Citations:
    """Reference dates for the links of many files, asking git once per file."""

    def __init__(self) -> None:
        self._by_file: dict[str, tuple[dict[str, datetime], str, datetime | None]] = {}

    def load(self, path: str, needles: Iterable[str]) -> str:
        """Read ``path``'s git history and front matter for these needles; returns git's note."""
        file = Path(path)
        dates, note = git_citations(file, needles) if file.is_file() else ({}, "not a file")
        try:
            front = front_matter_date(file.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError):
            front = None
        self._by_file[path] = (dates, note, front)
        return note

    def cited(self, path: str, needles: Iterable[str], first_seen: datetime | None, now: datetime) -> Cited:
        dates, _, front = self._by_file.get(path, ({}, "", None))
        from_git = [dates[needle] for needle in needles if needle in dates]
        if from_git:
            return Cited(min(from_git), "git")
        if front is not None:
            return Cited(front, "front-matter")
        if first_seen is not None:
            return Cited(first_seen, "history")
        return Cited(now, "now")

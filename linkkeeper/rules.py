"""What not to check, and where to check it: the exclusion rules of ``--exclude`` and the ignore
files (lychee's ``.lycheeignore`` format), and ``--remap``.

An ignore file has a regular expression per line; blank lines and lines starting with ``#`` are
skipped. Each rule keeps its origin (``.lycheeignore:3``), which an excluded link's reason names.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from linkkeeper.errors import ConfigError
from linkkeeper.patterns import Pattern, compile_pattern


@dataclass(frozen=True, slots=True)
class Exclusion:
    pattern: Pattern
    origin: str  # "check.exclude", or "FILE:LINE"


def read_ignore_files(root: Path, names: Sequence[str]) -> tuple[list[Exclusion], list[str]]:
    """The rules of the ignore files present at ``root``, and a note per file read. A line that is
    no regular expression is a ``ConfigError`` naming the file and the line."""
    rules: list[Exclusion] = []
    notes: list[str] = []
    for name in names:
        path = root / name
        if not os.path.isfile(path):  # os.path: a name too long for the file system is no file either
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(name, "(file)", f"cannot be read: {exc}") from exc
        found = 0
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                rules.append(Exclusion(compile_pattern(text), f"{name}:{number}"))
            except ValueError as exc:
                raise ConfigError(name, f"line {number}", str(exc)) from exc
            found += 1
        notes.append(f"excluding links that match {found} pattern(s) from {name}")
    return rules, notes


def exclusions(patterns: Sequence[str], ignored: Sequence[Exclusion] = ()) -> list[Exclusion]:
    return [Exclusion(compile_pattern(pattern), "check.exclude") for pattern in patterns] + list(ignored)


def remap(url: str, rules: Sequence[tuple[Pattern, str]]) -> str:
    """``url`` after the first rule that matches it (its first match replaced), or unchanged."""
    for pattern, replacement in rules:
        if pattern.search(url):
            return pattern.sub_first(replacement, url)
    return url

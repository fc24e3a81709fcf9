"""Inline suppression: HTML comments that say which links not to check.

- ``<!-- linkkeeper-disable -->`` … ``<!-- linkkeeper-enable -->``: the links between (pairs nest;
  a disable never enabled again runs to the end of the file, and its links are flagged so);
- ``<!-- linkkeeper-disable-next-line -->``: the links on the line after the comment;
- ``<!-- linkkeeper-disable-line -->``: the links on the comment's own line (lines, when it runs
  over several: those before it on its first and after it on its last).

Whitespace inside a comment is insignificant, line breaks included: ``<!--`` and ``-->`` may stand
on lines of their own, as may the ``>`` of a block quote at the start of the comment's lines.

``markdown-link-check-`` works in place of ``linkkeeper-``, so a repository that used
markdown-link-check keeps its comments. Only a comment the Markdown parser reads as HTML counts:
one inside code is text. A suppressed link is still found and listed; it is never requested,
never rewritten, and never counted as failing.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from linkkeeper.models import Flag, Occurrence

DIRECTIVE = re.compile(
    r"<!--\s*(?:linkkeeper|markdown-link-check)-(disable-next-line|disable-line|disable|enable)\s*-->"
)
# The block-quote markers a line break inside inline HTML keeps ("<!--\n> linkkeeper-disable-line\n> -->"):
# blanked, so the comment reads as it would outside the quote (an HTML block's lines come without them).
_QUOTE_MARKERS = re.compile(r"\n[ \t]*(?:>[ \t]?)+")


@dataclass(frozen=True, slots=True)
class Directive:
    """One suppression comment: what it says, where it starts (a character offset) and the lines
    it starts and ends on."""

    action: str
    offset: int
    line: int
    end_line: int


def find_directives(html: str) -> Iterator[tuple[str, int, int]]:
    """The suppression comments in raw HTML: what each says, and where it starts and ends (offsets
    in ``html``). A comment may run over lines."""
    if "\n" in html and ">" in html:
        html = _QUOTE_MARKERS.sub(lambda markers: markers.group().replace(">", " "), html)  # offsets kept
    for found in DIRECTIVE.finditer(html):
        yield found.group(1), found.start(), found.end()


def _regions(directives: Sequence[Directive]) -> list[tuple[int, int | None, int]]:
    """The disabled spans (start offset, end offset or None for the end of the file, the line of
    the disable that opened it), outermost pairs only."""
    regions: list[tuple[int, int | None, int]] = []
    depth, opened = 0, (0, 0)
    for directive in directives:
        if directive.action == "disable":
            if depth == 0:
                opened = (directive.offset, directive.line)
            depth += 1
        elif directive.action == "enable" and depth:
            depth -= 1
            if depth == 0:
                regions.append((opened[0], directive.offset, opened[1]))
    if depth:
        regions.append((opened[0], None, opened[1]))
    return regions


def suppress(occurrences: list[Occurrence], directives: Sequence[Directive], path: str) -> list[Occurrence]:
    """The occurrences, those the directives cover marked as suppressed (and by which line)."""
    if not directives:
        return occurrences
    ordered = sorted(directives, key=lambda directive: directive.offset)
    regions = _regions(ordered)
    starts = [start for start, _, _ in regions]
    by_line: dict[int, int] = {}
    for directive in ordered:
        if directive.action == "disable-line":
            for line in range(directive.line, directive.end_line + 1):
                by_line.setdefault(line, directive.line)
        elif directive.action == "disable-next-line":
            by_line.setdefault(directive.end_line + 1, directive.line)
    marked: list[Occurrence] = []
    for occ in occurrences:
        source: int | None = by_line.get(occ.line)
        to_end = False
        index = bisect.bisect_right(starts, occ.start) - 1
        if index >= 0:
            _, end, line = regions[index]
            if end is None or occ.start < end:
                source, to_end = line, end is None
        if source is None:
            marked.append(occ)
            continue
        flags = (*occ.flags, Flag.SUPPRESSED, *((Flag.SUPPRESSED_TO_END,) if to_end else ()))
        marked.append(replace(occ, flags=flags, suppressed_by=f"{path}:{source}"))
    return marked

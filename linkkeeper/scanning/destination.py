"""Locating and decoding CommonMark link destinations in raw source.

The parser tells us *that* a link has destination ``dest_url`` and where the whole link is; this
module finds the exact characters of the destination and proves it, by decoding them (backslash
escapes and entity references, in one left-to-right pass as CommonMark does) and comparing.
"""

from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass

from linkkeeper.models import Syntax

_ESCAPE_OR_ENTITY = re.compile(r"\\([!-/:-@\[-`{-~])|&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_CONTAINER_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*")
_ENTITIES = html.entities.html5


def _decode_reference(body: str) -> str | None:
    if body[0] == "#":
        code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return "\ufffd"
        return chr(code)
    return _ENTITIES.get(body + ";")


def unescape(raw: str) -> str:
    """Decode backslash escapes and entity references as CommonMark does in destinations."""
    if "\\" not in raw and "&" not in raw:
        return raw

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        decoded = _decode_reference(match.group(2))
        return match.group() if decoded is None else decoded

    return _ESCAPE_OR_ENTITY.sub(replace, raw)


def unescape_mapped(raw: str) -> tuple[str, list[int], list[int]]:
    """``unescape(raw)`` with, for each decoded character, where its source starts and ends in
    ``raw`` (an escape or entity maps all its characters to the whole of its source)."""
    if "\\" not in raw and "&" not in raw:
        return raw, list(range(len(raw))), list(range(1, len(raw) + 1))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for match in _ESCAPE_OR_ENTITY.finditer(raw):
        pieces.append(raw[position : match.start()])
        starts.extend(range(position, match.start()))
        ends.extend(range(position + 1, match.start() + 1))
        if match.group(1) is not None:
            decoded: str = match.group(1)
        else:
            reference = _decode_reference(match.group(2))
            decoded = match.group() if reference is None else reference
        if decoded == match.group():
            starts.extend(range(match.start(), match.end()))
            ends.extend(range(match.start() + 1, match.end() + 1))
        else:
            starts.extend([match.start()] * len(decoded))
            ends.extend([match.end()] * len(decoded))
        pieces.append(decoded)
        position = match.end()
    pieces.append(raw[position:])
    starts.extend(range(position, len(raw)))
    ends.extend(range(position + 1, len(raw) + 1))
    return "".join(pieces), starts, ends


@dataclass(frozen=True, slots=True)
class DestinationSpan:
    """Where a destination's characters are (angle brackets excluded) and how it is written."""

    start: int
    end: int
    syntax: Syntax


def skip_to_destination(text: str, position: int, limit: int) -> int:
    """Skip spaces, tabs, at most one line ending and the container prefix (``> ``) after it."""
    while position < limit and text[position] in " \t":
        position += 1
    if position < limit and text[position] in "\r\n":
        position += 2 if text.startswith("\r\n", position) else 1
        prefix = _CONTAINER_PREFIX.match(text, position, limit)
        if prefix is not None:
            position = prefix.end()
    return position


def scan_destination(text: str, position: int, limit: int) -> DestinationSpan | None:
    """The destination that starts at ``position``: ``<…>`` or raw with balanced parentheses."""
    if position >= limit:
        return None
    if text[position] == "<":
        index = position + 1
        while index < limit:
            char = text[index]
            if char == "\\" and index + 1 < limit:
                index += 2
                continue
            if char == ">":
                return DestinationSpan(position + 1, index, Syntax.ANGLE)
            if char in "<\r\n":
                return None
            index += 1
        return None
    depth = 0
    index = position
    while index < limit:
        char = text[index]
        if char == "\\" and index + 1 < limit and text[index + 1] in _ASCII_PUNCTUATION:
            index += 2
            continue
        if char <= " " or char == "\x7f":
            break
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    if depth != 0 or index == position:
        return None
    return DestinationSpan(position, index, Syntax.RAW)


_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

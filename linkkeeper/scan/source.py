"""Reading a Markdown file into text, and mapping offsets between bytes, characters and lines."""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LINE_BREAK = re.compile(r"\r\n?|\n")
_BINARY_SNIFF = 8192


class UnreadableSource(ValueError):
    """The bytes are not a Markdown text linkkeeper can read; the message says why."""


@dataclass(frozen=True, slots=True)
class Source:
    """A decoded file: its text without BOM, whether it had one, and the hash of its bytes."""

    text: str
    has_bom: bool
    sha256: str


def decode(data: bytes) -> Source:
    """Decode Markdown bytes as UTF-8, refusing binary data and invalid UTF-8 (never lossily)."""
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise UnreadableSource("binary file (contains NUL bytes); not Markdown")
    has_bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if has_bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        position = exc.start + (3 if has_bom else 0)
        line = data.count(b"\n", 0, position) + 1
        raise UnreadableSource(
            f"not valid UTF-8 (byte 0x{data[position]:02x} at offset {position}, line {line}); "
            "linkkeeper reads Markdown as UTF-8 and never guesses, so the file is left alone"
        ) from None
    return Source(text=text, has_bom=has_bom, sha256=hashlib.sha256(data).hexdigest())


class OffsetMap:
    """Converts UTF-8 byte offsets (what pyromark reports) to character offsets, and characters to
    line and column. ASCII-only text is the identity; otherwise one bisect per lookup."""

    __slots__ = ("_byte_starts", "_extra_after", "_line_starts")

    def __init__(self, text: str) -> None:
        byte_starts: list[int] = []
        extra_after: list[int] = []
        extra = 0
        for match in _NON_ASCII.finditer(text):
            char = match.group()
            byte_starts.append(match.start() + extra)
            extra += len(char.encode("utf-8")) - 1
            extra_after.append(extra)
        self._byte_starts = byte_starts
        self._extra_after = extra_after
        self._line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def char(self, byte_offset: int) -> int:
        """The character offset of a byte offset that starts a character."""
        if not self._byte_starts:
            return byte_offset
        index = bisect.bisect_left(self._byte_starts, byte_offset)
        return byte_offset - (self._extra_after[index - 1] if index else 0)

    def line_column(self, char_offset: int) -> tuple[int, int]:
        """1-based line and 1-based column (in characters) of a character offset."""
        index = bisect.bisect_right(self._line_starts, char_offset) - 1
        return index + 1, char_offset - self._line_starts[index] + 1

"""Reading a Markdown file into text, and mapping offsets between bytes, characters and lines."""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from itertools import accumulate

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
    line and column. ASCII text is the identity; otherwise the text is cut into chunks whose byte
    lengths are known, so a lookup is one bisect plus decoding at most one chunk (all in C)."""

    __slots__ = ("_chunk_byte_starts", "_chunk_bytes", "_line_starts")

    _CHUNK = 128

    def __init__(self, text: str) -> None:
        self._chunk_bytes: list[bytes] = []
        self._chunk_byte_starts: list[int] = []
        if not text.isascii():
            position = 0
            for index in range(0, len(text), self._CHUNK):
                encoded = text[index : index + self._CHUNK].encode("utf-8")
                self._chunk_bytes.append(encoded)
                self._chunk_byte_starts.append(position)
                position += len(encoded)
        if "\r" in text:
            self._line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        else:
            self._line_starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))

    def char(self, byte_offset: int) -> int:
        """The character offset of a byte offset that starts a character."""
        if not self._chunk_bytes:
            return byte_offset
        index = bisect.bisect_right(self._chunk_byte_starts, byte_offset) - 1
        within = byte_offset - self._chunk_byte_starts[index]
        return index * self._CHUNK + len(self._chunk_bytes[index][:within].decode("utf-8"))

    def line_column(self, char_offset: int) -> tuple[int, int]:
        """1-based line and 1-based column (in characters) of a character offset."""
        index = bisect.bisect_right(self._line_starts, char_offset) - 1
        return index + 1, char_offset - self._line_starts[index] + 1

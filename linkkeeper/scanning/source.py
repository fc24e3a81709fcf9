"""Reading a Markdown file into text, and mapping offsets between bytes, characters and lines."""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from itertools import accumulate

_LINE_BREAK = re.compile(r"\r\n?|\n")
_RUN_LIMIT = 128
_BLOCK = 1024
_NON_ASCII_RUN = re.compile(rf"[^\x00-\x7f]{{1,{_RUN_LIMIT}}}")
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
    line and column. ASCII text is the identity. Otherwise only the runs of non-ASCII characters are
    recorded (most Markdown has a few: a dash, a name, an emoji), each with the bytes it adds, so a
    lookup is one bisect; an offset inside a run decodes part of it, and runs are cut at
    ``_RUN_LIMIT`` characters (and at block edges) so that stays cheap in text that is mostly
    non-ASCII."""

    __slots__ = ("_line_starts", "_run_byte_starts", "_runs")

    def __init__(self, text: str) -> None:
        self._run_byte_starts: list[int] = []
        # Per run: its first character, its byte end, its character end, and its characters.
        self._runs: list[tuple[int, int, int, str]] = []
        extra = 0  # bytes beyond one per character, in the runs so far
        for offset in range(0, len(text), _BLOCK) if not text.isascii() else ():
            block = text[offset : offset + _BLOCK]
            if block.isascii():
                continue  # one fast C check per block; the regex engine would test each character in turn
            for match in _NON_ASCII_RUN.finditer(block):
                run = match.group()
                start, end = offset + match.start(), offset + match.end()
                byte_start = start + extra
                extra += len(run.encode("utf-8")) - len(run)
                self._run_byte_starts.append(byte_start)
                self._runs.append((start, end + extra, end, run))
        if "\r" in text:
            self._line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        else:
            self._line_starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))

    def char(self, byte_offset: int) -> int:
        """The character offset of a byte offset that starts a character."""
        index = bisect.bisect_right(self._run_byte_starts, byte_offset) - 1
        if index < 0:
            return byte_offset
        start, byte_end, end, run = self._runs[index]
        if byte_offset >= byte_end:
            return byte_offset - (byte_end - end)
        within = byte_offset - self._run_byte_starts[index]
        return start + len(run.encode("utf-8")[:within].decode("utf-8"))

    def line_column(self, char_offset: int) -> tuple[int, int]:
        """1-based line and 1-based column (in characters) of a character offset."""
        index = bisect.bisect_right(self._line_starts, char_offset) - 1
        return index + 1, char_offset - self._line_starts[index] + 1

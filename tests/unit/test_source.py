"""Decoding refuses what it cannot read losslessly, and offsets map bytes to characters exactly."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from linkkeeper.scanning.source import OffsetMap, UnreadableSource, decode


def test_bom_is_removed_and_remembered() -> None:
    """A UTF-8 BOM is not part of the text, but the file is known to have one."""
    source = decode(b"\xef\xbb\xbf# Title\n")
    assert source.text == "# Title\n" and source.has_bom


def test_invalid_utf8_names_the_offset_and_line() -> None:
    """Non-UTF-8 input is refused with the byte, its offset and its line."""
    with pytest.raises(UnreadableSource, match=r"byte 0xe9 at offset 8, line 2"):
        decode(b"line 1\n\xff\xe9t\xe9".replace(b"\xff", b"c"))


def test_binary_is_refused() -> None:
    """NUL bytes mean a binary file, not Markdown."""
    with pytest.raises(UnreadableSource, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00")


@given(st.lists(st.one_of(st.text(max_size=20), st.text("é✓😀中", min_size=100, max_size=300)), max_size=8))
@example(["aé😀b\r\nc✓d"])
@example(["a" * 1000, "é😀" * 200, "b"])  # a non-ASCII run across the 1,024-character blocks
def test_every_character_boundary_maps_back(pieces: list[str]) -> None:
    """For any text (long runs of non-ASCII included), each boundary's byte offset maps to its character."""
    text = "".join(pieces)
    offsets = OffsetMap(text)
    position = 0
    for index, char in enumerate(text):
        assert offsets.char(position) == index
        position += len(char.encode("utf-8"))
    assert offsets.char(position) == len(text)


def test_line_and_column_with_crlf_and_lone_cr() -> None:
    """Lines end at CRLF, LF or a lone CR; columns count characters from 1."""
    offsets = OffsetMap("ab\r\ncd\ref\ngh")
    assert offsets.line_column(0) == (1, 1)
    assert offsets.line_column(4) == (2, 1)
    assert offsets.line_column(7) == (3, 1)
    assert offsets.line_column(11) == (4, 2)

"""Bodies read with a bound on decoded bytes (linkkeeper/checking/body.py)."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import httpx
import pytest

from linkkeeper.checking.body import read_body


def read(content: bytes, encoding: str, limit: int = 1000) -> bytes:
    headers = {"Content-Encoding": encoding} if encoding else {}
    response = httpx.Response(200, headers=headers, stream=httpx.ByteStream(content))
    return asyncio.run(read_body(response, limit))


def test_layers_are_decoded_up_to_the_limit_and_no_further() -> None:
    """gzip inside gzip inside deflate: decoded layer by layer, cut at the limit."""
    inner = gzip.compress(gzip.compress(b"a" * 100_000))
    assert read(zlib.compress(inner), "gzip, gzip, deflate", limit=5000) == b"a" * 5000


@pytest.mark.parametrize(
    ("content", "encoding", "expected"),
    [
        (b"plain", "", b"plain"),
        (b"plain", "identity", b"plain"),
        (zlib.compress(b"zlib-wrapped")[2:-4], "deflate", b"zlib-wrapped"),  # raw deflate, as some servers send it
        (b"\x1f\x8b\x08\x00broken", "gzip", b""),  # a damaged body ends where the damage starts
        (b"whatever", "br", b""),  # an encoding we do not decode: the status still judges the link
    ],
)
def test_encodings_we_meet(content: bytes, encoding: str, expected: bytes) -> None:
    """Plain, identity and raw deflate bodies decode; damaged and unknown ones give what is sure."""
    assert read(content, encoding) == expected


def test_a_zero_limit_reads_nothing() -> None:
    """max_body_bytes = 0 reads no body at all."""
    assert read(b"plain", "", limit=0) == b""

"""An answer's body, read with a bound on the *decoded* bytes, in bounded steps.

httpx decodes each received chunk whole before a caller can count it: 1.8 KB of gzip-in-gzip
becomes a gigabyte in one call, on the event loop, where no timeout can interrupt it. Here the raw
bytes are decoded layer by layer with ``zlib``'s ``max_length``, so no step produces more than the
limit, the loop gets control back between steps (the request's deadline holds), and reading stops
as soon as the limit is reached. Content encodings we do not decode (br, zstd, anything unknown)
give an empty body: the status and headers still judge the link.
"""

from __future__ import annotations

import asyncio
import zlib

import httpx

ACCEPT_ENCODING = "gzip, deflate"  # what we can decode in bounded steps
_MAX_STEPS = 100_000  # a bound on the decoding loop: each step consumes input or produces output


class _Layer:
    """One content-encoding layer, decoding at most ``room`` bytes per call."""

    def __init__(self, encoding: str) -> None:
        self._deflate = encoding == "deflate"
        wbits = zlib.MAX_WBITS if self._deflate else zlib.MAX_WBITS | 16
        self._decoder = zlib.decompressobj(wbits)
        self._started = False
        self.pending = b""  # input not decoded yet (the last call reached its room)

    def decode(self, data: bytes, room: int) -> bytes:
        data = self.pending + data if self.pending else data
        if not data:
            return b""
        try:
            output = self._decoder.decompress(data, room)
        except zlib.error:
            if not (self._deflate and not self._started):
                raise
            # "deflate" without its zlib header, as some servers send it (httpx tries this too).
            self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
            output = self._decoder.decompress(data, room)
        self._started = True
        self.pending = self._decoder.unconsumed_tail
        return output


def _layers(content_encoding: str) -> list[_Layer] | None:
    """Decoders for the header's encodings, the last applied first; None when one is unknown."""
    names = [name.strip().lower() for name in content_encoding.split(",")]
    names = [name for name in names if name and name != "identity"]
    if any(name not in ("gzip", "x-gzip", "deflate") for name in names):
        return None
    return [_Layer("deflate" if name == "deflate" else "gzip") for name in reversed(names)]


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """At most ``limit`` decoded bytes of the body; the rest is never downloaded or decoded.
    A body that fails to decode ends where the damage starts."""
    layers = _layers(response.headers.get("content-encoding", ""))
    if layers is None or limit <= 0:
        return b""
    body = bytearray()
    async for raw in response.aiter_raw():
        data = raw
        for _ in range(_MAX_STEPS):
            try:
                for layer in layers:
                    data = layer.decode(data, limit - len(body))
            except zlib.error:
                return bytes(body)
            body += data
            data = b""
            if len(body) >= limit:
                return bytes(body[:limit])
            if not any(layer.pending for layer in layers):
                break
            await asyncio.sleep(0)  # between bounded steps, a deadline can fire
    return bytes(body)

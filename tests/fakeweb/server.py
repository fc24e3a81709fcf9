"""The fake web: one asyncio HTTP/1.1 server listening on several loopback addresses (one port),
each address being a host. Written on raw sockets so it can misbehave on purpose: hang, trickle,
reset, refuse HEAD, rate-limit, redirect in loops. It counts requests and requests in flight per
host, so tests can assert politeness. It runs in a background thread with its own event loop.

Paths (the same on every host):
  /ok, /page/<anything>            200 with a small HTML page
  /status/<code>                   that status (with a small body)
  /redirect/<code>/<n>             <code> redirect n times, then /ok
  /to/<code>?location=<url>        one <code> redirect to <url> (another host, too)
  /loop/a, /loop/b                 redirect to each other
  /deep/<...>                      302 to / (a soft 404)
  /missing/<...>                   302 to /404.html, which answers 200 (a soft 404)
  /slow/<ms>                       200 after <ms> milliseconds
  /flaky/<key>/<n>                 503 for the first n requests of <key>, then 200
  /ratelimit/<key>/<n>?after=<s>   429 + Retry-After: <s> (seconds or an HTTP date) n times, then 200
  /bucket/<rate>/<anything>        a host-wide token bucket: <rate> requests a second, bursts of
                                   <rate>; beyond it 429 + Retry-After: 1
  /size/<bytes>                    200 with a body of that many bytes
  /slowloris                       the status line and headers one byte every 100 ms, never ending
  /endless-headers                 a status line, then header lines as fast as they are read, forever
  /garbage                         a status line that is no HTTP at all
  /bomb/<megabytes>                200, Content-Encoding "gzip, gzip": that many MB of zeros, gzipped
                                   twice (1 GB is 1.8 KB on the wire); HEAD refused with 405
  /head-hostile                    405 to HEAD, 200 to GET
  /head-404                        404 to HEAD, 200 to GET
  /big                             200 with an endless body (GET); HEAD refused with 405
  /hang                            accepts and never answers
  /trickle                         headers, then one byte every 50 ms, forever (HEAD refused)
  /reset                           resets the connection
  /botwall                         403 with cf-mitigated: challenge and a challenge page
  /botwall-503                     503 "Just a moment..." challenge page
  /switch/<key>                    the status a test set with set_status(key, code) (default 200)
  /anchors                         200 with ids "intro" and "usage" and <a name="legacy">
A request target or route it cannot parse (``//[x``, ``/status/x``) gets 400, as from a real server.

``start()`` serves from a thread of its own; ``async with web.serving()`` serves in the running
event loop instead, so that a loop with simulated time (looptime) times both sides.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import parse_qs, urlsplit

from tests.fakehttp import LoopbackServer, Request, read_request

_PAGE = b"<!doctype html><html><head><title>ok</title></head><body><h1 id='top'>ok</h1></body></html>"


@functools.cache
def _bomb(megabytes: int) -> bytes:
    """Zeros gzipped twice: a tiny body that decodes to ``megabytes`` MB."""

    def gzipped(chunks: Iterable[bytes]) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        return b"".join([*(packer.compress(chunk) for chunk in chunks), packer.flush()])

    zeros = bytes(1 << 20)
    return gzipped([gzipped(zeros for _ in range(megabytes))])


def _now() -> float:
    """The serving loop's clock: real time in the server's thread, simulated time under looptime."""
    return asyncio.get_running_loop().time()


_CHALLENGE = b"<!doctype html><html><head><title>Just a moment...</title></head><body>cf-chl-widget</body></html>"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    host: str
    method: str
    path: str
    headers: dict[str, str]
    at: float


@dataclass
class _State:
    records: list[RequestRecord] = field(default_factory=list)
    in_flight: Counter[str] = field(default_factory=Counter)
    max_in_flight: Counter[str] = field(default_factory=Counter)
    keyed: Counter[str] = field(default_factory=Counter)
    switches: dict[str, int] = field(default_factory=dict)
    bytes_sent: Counter[str] = field(default_factory=Counter)
    connections: Counter[str] = field(default_factory=Counter)
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # host -> (tokens, at)


class FakeWeb:
    """Start with ``FakeWeb(hosts=8).start()``; ``url(i, path)`` builds a URL for host i."""

    def __init__(self, hosts: int = 8, first_address: int = 2, latency: float = 0.0) -> None:
        self.latency = latency
        self.addresses = [f"127.0.0.{first_address + index}" for index in range(hosts)]
        self.names = [f"h{index}.test" for index in range(hosts)]
        self.port = 0
        self._state = _State()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._server = LoopbackServer(self._connection, self.addresses)

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> FakeWeb:
        self._server.start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        self._server.stop()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[FakeWeb]:
        """Serve in the running event loop for the duration of the block."""
        async with self._server.serving():
            self.port = self._server.port
            yield self

    # -- what tests use --------------------------------------------------------------------------

    def url(self, host: int, path: str) -> str:
        return f"http://{self.names[host]}:{self.port}{path}"

    def resolve_entries(self) -> tuple[str, ...]:
        """``--resolve`` entries pointing every fake host name at its address."""
        return tuple(f"{name}:{address}" for name, address in zip(self.names, self.addresses, strict=True))

    def refused_url(self, path: str = "/") -> str:
        """A URL at a loopback address where nothing listens."""
        return f"http://127.0.0.250:{self.port}{path}"

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    def wait_for_request(self, path: str, timeout: float = 30.0) -> bool:
        """Block until a request for ``path`` has arrived (or ``timeout`` passes); no polling."""
        with self._arrived:
            return self._arrived.wait_for(lambda: any(r.path == path for r in self._state.records), timeout)

    def set_status(self, key: str, status: int) -> None:
        """What ``/switch/<key>`` answers from now on (until the next reset)."""
        with self._lock:
            self._state.switches[key] = status

    @property
    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._state.records)

    def count(self, host: int | None = None, path: str | None = None, method: str | None = None) -> int:
        name = None if host is None else self.names[host]
        return sum(
            1
            for record in self.records
            if (name is None or record.host == name)
            and (path is None or record.path == path)
            and (method is None or record.method == method)
        )

    def max_in_flight(self, host: int) -> int:
        with self._lock:
            return self._state.max_in_flight[self.names[host]]

    def connections(self, host: int) -> int:
        """TCP connections accepted by one host since the last reset."""
        with self._lock:
            return self._state.connections[self.names[host]]

    def bytes_sent(self, path: str) -> int:
        with self._lock:
            return self._state.bytes_sent[path]

    # -- serving ---------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("sockname")[0]
        host = self.names[self.addresses.index(address)]
        with self._lock:
            self._state.connections[host] += 1
        try:
            for _ in range(1000):  # bounded keep-alive
                request = await read_request(reader)
                if request is None or not await self._request(host, request, reader, writer):
                    return
        finally:
            if not writer.is_closing():
                writer.close()

    async def _request(
        self, host: str, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        try:
            parts = urlsplit(request.target)
        except ValueError:  # a target such as "//[x": a real server answers 400, it does not fall over
            return await self._send(writer, 400, {}, head=request.method == "HEAD")
        with self._lock:
            self._state.records.append(RequestRecord(host, request.method, parts.path, request.headers, _now()))
            self._arrived.notify_all()
            self._state.in_flight[host] += 1
            self._state.max_in_flight[host] = max(self._state.max_in_flight[host], self._state.in_flight[host])
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            try:
                return await self._route(
                    host, request.method, parts.path, parse_qs(parts.query), request.headers, reader, writer
                )
            except (ValueError, IndexError, KeyError):  # "/status/x", "/to/302" without a location
                return await self._send(writer, 400, head=request.method == "HEAD")
        finally:
            with self._lock:
                self._state.in_flight[host] -= 1

    async def _route(
        self,
        host: str,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        segments = path.strip("/").split("/")
        head = method == "HEAD"
        first = segments[0]
        if first in ("ok", "page", "404.html", "") and path != "/missing":
            return await self._send(writer, 200, body=_PAGE, head=head)
        if first == "status":
            return await self._send(writer, int(segments[1]), body=b"status page", head=head)
        if first == "redirect":
            code, remaining = int(segments[1]), int(segments[2])
            location = "/ok" if remaining <= 1 else f"/redirect/{code}/{remaining - 1}"
            return await self._send(writer, code, {"Location": location}, head=head)
        if first == "to":
            return await self._send(writer, int(segments[1]), {"Location": query["location"][0]}, head=head)
        if first == "loop":
            return await self._send(
                writer, 302, {"Location": "/loop/b" if segments[1] == "a" else "/loop/a"}, head=head
            )
        if first == "deep":
            return await self._send(writer, 302, {"Location": "/"}, head=head)
        if first == "missing":
            return await self._send(writer, 302, {"Location": "/404.html"}, head=head)
        if first == "slow":
            await asyncio.sleep(int(segments[1]) / 1000)
            return await self._send(writer, 200, body=_PAGE, head=head)
        if first in ("flaky", "ratelimit"):
            key = f"{first}/{segments[1]}"
            with self._lock:
                self._state.keyed[key] += 1
                seen = self._state.keyed[key]
            if seen <= int(segments[2]):
                if first == "flaky":
                    return await self._send(writer, 503, body=b"try later", head=head)
                after = query.get("after", ["1"])[0]
                if after == "date":
                    after = formatdate(time.time() + 2, usegmt=True)
                return await self._send(writer, 429, {"Retry-After": after}, body=b"slow down", head=head)
            return await self._send(writer, 200, body=_PAGE, head=head)
        if first == "bucket":
            if self._take_token(host, float(segments[1])):
                return await self._send(writer, 200, body=_PAGE, head=head)
            return await self._send(writer, 429, {"Retry-After": "1"}, body=b"slow down", head=head)
        if first in ("slowloris", "endless-headers"):
            return await self._endless_head(writer, slowly=first == "slowloris")
        if first == "garbage":
            writer.write(b"SSH-2.0-OpenSSH_9.6 \x00\xff not http\r\n\r\n")
            await writer.drain()
            return False
        if first == "bomb":
            if head:
                return await self._send(writer, 405, head=True)
            headers = {"Content-Encoding": "gzip, gzip"}
            return await self._send(writer, 200, headers, body=_bomb(int(segments[1])))
        if first == "size":
            return await self._send(writer, 200, body=b"x" * int(segments[1]), head=head)
        if first == "head-hostile" or first == "big":
            if head:
                return await self._send(writer, 405, head=True)
            if first == "big":
                return await self._endless(writer, path)
            return await self._send(writer, 200, body=_PAGE)
        if first == "head-404":
            return await self._send(writer, 404 if head else 200, body=_PAGE, head=head)
        if first == "hang":  # until the client gives up (so it no longer counts as in flight) or the server stops
            assert self._server.stopping is not None
            stopping = asyncio.ensure_future(self._server.stopping.wait())
            gone = asyncio.ensure_future(reader.read())
            await asyncio.wait([stopping, gone], return_when=asyncio.FIRST_COMPLETED)
            for waiter in (stopping, gone):
                waiter.cancel()
            return False
        if first == "trickle":
            if head:
                return await self._send(writer, 405, head=True)
            return await self._trickle(writer)
        if first == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if first == "anchors":
            page = b"<html><body><h2 id='intro'>Intro</h2><p id=\"usage\">x</p><a name='legacy'></a></body></html>"
            return await self._send(writer, 200, body=page, head=head)
        if first == "switch":
            with self._lock:
                status = self._state.switches.get(segments[1], 200)
            headers = {"cf-mitigated": "challenge"} if status == 403 else {}
            return await self._send(writer, status, headers, body=_PAGE if status == 200 else b"nope", head=head)
        if first == "cookie-gate":  # like sites that bounce a client until it keeps their cookie
            if f"gate={segments[1]}" in headers.get("cookie", ""):
                return await self._send(writer, 200, body=_PAGE, head=head)
            cookie = f"gate={segments[1]}; Path=/"
            return await self._send(writer, 302, {"Location": path, "Set-Cookie": cookie}, head=head)
        if first == "botwall":
            return await self._send(writer, 403, {"cf-mitigated": "challenge"}, body=_CHALLENGE, head=head)
        if first == "botwall-503":
            return await self._send(writer, 503, {"Server": "cloudflare"}, body=_CHALLENGE, head=head)
        return await self._send(writer, 404, body=b"not found", head=head)

    def _take_token(self, host: str, rate: float) -> bool:
        now = _now()
        with self._lock:
            tokens, at = self._state.buckets.get(host, (rate, now))
            tokens = min(rate, tokens + (now - at) * rate)
            self._state.buckets[host] = (tokens - 1 if tokens >= 1 else tokens, now)
            return tokens >= 1

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        head: bool = False,
    ) -> bool:
        lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Content-Type: text/html"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head else body))
        try:
            await writer.drain()
        except ConnectionError:
            return False
        return True

    async def _endless(self, writer: asyncio.StreamWriter, path: str) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\nContent-Type: text/html\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(1000000000 // len(chunk)):
            writer.write(chunk)
            try:
                await writer.drain()
            except ConnectionError:
                return False
            with self._lock:
                self._state.bytes_sent[path] += len(chunk)
        return False

    async def _endless_head(self, writer: asyncio.StreamWriter, *, slowly: bool) -> bool:
        """A response head that never ends: byte by byte (slowloris), or line after line."""
        assert self._server.stopping is not None
        head = b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"a" * 64 + b"\r\n"
        for index in range(10_000_000):  # bounded: the client gives up long before
            if self._server.stopping.is_set():
                return False
            writer.write(head[index % len(head) : index % len(head) + 1] if slowly else head[17:])
            try:
                await writer.drain()
            except ConnectionError:
                return False
            if slowly:
                await asyncio.sleep(0.1)
            elif index % 64 == 0:
                await asyncio.sleep(0)
        return False

    async def _trickle(self, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: text/html\r\n\r\n")
        assert self._server.stopping is not None
        for _ in range(100000):
            if self._server.stopping.is_set():
                return False
            writer.write(b"x")
            try:
                await writer.drain()
            except ConnectionError:
                return False
            await asyncio.sleep(0.05)
        return False

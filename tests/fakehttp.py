"""A minimal threaded asyncio HTTP/1.1 server on loopback for fake services: parse a request,
ask a handler coroutine for the answer, write it. Handlers may sleep (latency) or return None
to drop the connection without answering."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable[Response | None]]


Connection = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class LoopbackServer:
    """Serves ``connection`` on loopback addresses (one port for all; an ephemeral one) from a
    background thread with its own event loop. ``stopping`` is set when the server stops, so
    handlers that hang on purpose can end."""

    def __init__(self, connection: Connection, addresses: Sequence[str] = ("127.0.0.1",)) -> None:
        self._connection = connection
        self.addresses = list(addresses)
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://{self.addresses[0]}:{self.port}"

    def start(self) -> LoopbackServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self.stopping is not None:
            self._loop.call_soon_threadsafe(self.stopping.set)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._main(ready))
        self._loop.close()

    async def _main(self, ready: threading.Event) -> None:
        async with self.serving():
            ready.set()
            assert self.stopping is not None
            await self.stopping.wait()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[LoopbackServer]:
        """Serve in the running event loop (``start`` runs this in a thread of its own). In the
        test's own loop, a loop with simulated time (looptime) times the server and the client alike."""
        self.stopping = asyncio.Event()
        handlers: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers[task] = writer
            try:
                await self._connection(reader, writer)
            finally:
                handlers.pop(task, None)

        first = await asyncio.start_server(tracked, self.addresses[0], 0, backlog=512)
        self.port = first.sockets[0].getsockname()[1]
        servers = [first] + [
            await asyncio.start_server(tracked, address, self.port, backlog=512) for address in self.addresses[1:]
        ]
        try:
            yield self
        finally:
            self.stopping.set()
            for server in servers:
                server.close()
            # Kept-alive connections are cut, so every handler ends before the loop does.
            for writer in handlers.values():
                writer.transport.abort()
            await asyncio.gather(*handlers, return_exceptions=True)


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on a kept-alive connection, or None when the client is gone."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return Request(method, target, headers, body)


def serve_requests(handler: Handler) -> Connection:
    """A connection callback answering each request with what ``handler`` returns."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for _ in range(1000):  # bounded keep-alive
                request = await read_request(reader)
                if request is None:
                    return
                response = await handler(request)
                if response is None:
                    return  # drop the connection without an answer
                head_lines = [f"HTTP/1.1 {response.status} X", f"Content-Length: {len(response.body)}", "Server: fake"]
                head_lines += [f"{name}: {value}" for name, value in response.headers.items()]
                payload = b"" if request.method == "HEAD" else response.body
                writer.write(("\r\n".join(head_lines) + "\r\n\r\n").encode("latin-1") + payload)
                await writer.drain()
        except ConnectionError:
            return
        finally:
            if not writer.is_closing():
                writer.close()

    return connection

"""A minimal threaded asyncio HTTP/1.1 server on loopback for fake services: parse a request,
ask a handler coroutine for the answer, write it. Handlers may sleep (latency) or return None
to drop the connection without answering."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
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


class LoopbackServer:
    """Serves ``handler`` on 127.0.0.1 (an ephemeral port) from a background thread."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self._handler = handler
        self._host = host
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://{self._host}:{self.port}"

    def start(self) -> LoopbackServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._main(ready))
        self._loop.close()

    async def _main(self, ready: threading.Event) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._connection, self._host, 0)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        await self._stopping.wait()
        server.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for _ in range(1000):  # bounded keep-alive
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                response = await self._handler(Request(method, target, headers, body))
                if response is None:
                    return  # drop the connection without an answer
                head_lines = [f"HTTP/1.1 {response.status} X", f"Content-Length: {len(response.body)}", "Server: fake"]
                head_lines += [f"{name}: {value}" for name, value in response.headers.items()]
                payload = b"" if method == "HEAD" else response.body
                writer.write(("\r\n".join(head_lines) + "\r\n\r\n").encode("latin-1") + payload)
                await writer.drain()
        except ConnectionError:
            return
        finally:
            if not writer.is_closing():
                writer.close()

"""A small web server on 127.0.0.1 for tests that need one behaviour the fake web does not have:
each test says how to answer (``answer(request) -> Reply``), and every request is recorded."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Asked:
    """One request as the server saw it (header names in lower case)."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def empty_ok(asked: Asked) -> Reply:
    return Reply()


class Loopback:
    """Answers every request with ``answer``; ``asked`` lists the requests in order."""

    def __init__(self, answer: Callable[[Asked], Reply] = empty_ok) -> None:
        self.asked: list[Asked] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                request = Asked(self.command, self.path, {name.lower(): value for name, value in self.headers.items()})
                with outer._lock:
                    outer.asked.append(request)
                reply = answer(request)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_HEAD = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        with self._lock:
            return [request.path for request in self.asked]

    def count(self, path: str) -> int:
        return self.paths().count(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)


@contextmanager
def serving(answer: Callable[[Asked], Reply] = empty_ok) -> Iterator[Loopback]:
    """A Loopback for the length of a ``with`` block (or a fixture's ``yield``)."""
    server = Loopback(answer)
    try:
        yield server
    finally:
        server.close()

"""The web the example pages (examples/) link to, faked on one loopback address: plain HTTP on
port 80 and HTTPS on port 443 (a certificate from a test CA, trustme, for every host name), so
links keep their real, portless URLs and ``check.resolve`` points each name here.

Each URL answers what it is told: a page of its own (200, a title and some text), any status,
a redirect or a parked domain's page. A path nobody named is 404, as on a real site, so
linkkeeper's random-sibling probes (soft-404 detection) vouch for the site. Serving
ports 80 and 443 needs root (CI runs as root); ``start`` raises PermissionError otherwise.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import trustme

from tests.fakehttp import Handler, Request, Response, serve_requests

_WORDS = ("model", "attention", "layer", "token", "training", "data", "notes", "paper", "method", "result",
          "network", "language", "context", "memory", "prompt", "vector", "search", "weights", "scale")  # fmt: skip
_NOT_FOUND = b"<html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>"
_PARKED = (
    "<html><head><title>{host}</title></head><body><h1>{host}</h1><p>This domain may be for sale. "
    "Buy this domain. Make an offer.</p><h2>Related searches</h2><ul><li>AI tools</li></ul></body></html>"
)


def key(url: str) -> str:
    """A URL as the fake web tells URLs apart: scheme, host and path (queries and fragments aside)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{parts.path or '/'}"


def page(url: str) -> bytes:
    """A small HTML page of its own for ``url``: a title from its path, and some text."""
    parts = urlsplit(url)
    name = [segment for segment in parts.path.split("/") if segment]
    label = name[-1].replace("-", " ").replace("_", " ").capitalize() if name else "Home"
    words = " ".join(_WORDS[byte % len(_WORDS)] for byte in hashlib.sha256(url.encode()).digest())
    text = f"{label}: {words}. " * 3
    head = f"<head><title>{label} | {parts.hostname}</title></head>"
    body = f"<body><h1>{label}</h1><p>{text}</p><p>About {label}, from {parts.hostname}.</p></body>"
    return f"<!doctype html><html>{head}{body}</html>".encode()


@dataclass(frozen=True, slots=True)
class Answer:
    """What one URL answers: ``status`` with ``body`` (a page of its own by default) and ``headers``."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


def parked(host: str) -> Answer:
    return Answer(body=_PARKED.format(host=host).encode())


def moved(location: str, status: int = 301) -> Answer:
    return Answer(status, {"Location": location}, b"")


_TYPES = {"pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml", "txt": "text/plain"}


class ExampleWeb:
    """``answers`` maps a URL (told apart by ``key``) to its Answer; any other URL in ``pages`` is
    an ordinary page, and the rest are 404. ``answer`` changes what a URL answers from now on."""

    def __init__(self, address: str, hosts: Sequence[str], pages: Sequence[str], answers: dict[str, Answer]) -> None:
        self.address = address
        self.hosts = sorted(set(hosts))
        self.pages = {key(url) for url in pages}
        self.answers = {key(url): answer for url, answer in answers.items()}
        self.authority = trustme.CA()
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.authority.issue_cert(*self.hosts).configure_cert(self._context)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._failed: BaseException | None = None

    def write_ca(self, path: Path) -> Path:
        self.authority.cert_pem.write_to_path(str(path))
        return path

    def answer(self, url: str, answer: Answer) -> None:
        self.answers[key(url)] = answer

    def resolve_entries(self) -> list[str]:
        return [f"{host}:{self.address}" for host in self.hosts]

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> ExampleWeb:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the example web did not start")
        if self._failed is not None:
            raise self._failed
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._main(ready))
        except OSError as error:  # a port taken, or not ours to take
            self._failed = error
            ready.set()
        finally:
            self._loop.close()

    async def _main(self, ready: threading.Event) -> None:
        self._stopping = asyncio.Event()
        writers: set[asyncio.StreamWriter] = set()
        handlers: set[asyncio.Task[None]] = set()

        def tracked(scheme: str) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
            serve = serve_requests(self._handler(scheme))

            async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                task = asyncio.current_task()
                assert task is not None
                writers.add(writer)
                handlers.add(task)
                try:
                    await serve(reader, writer)
                finally:
                    writers.discard(writer)
                    handlers.discard(task)

            return connection

        servers: list[asyncio.Server] = []
        try:
            servers.append(await asyncio.start_server(tracked("http"), self.address, 80))
            servers.append(await asyncio.start_server(tracked("https"), self.address, 443, ssl=self._context))
            ready.set()
            await self._stopping.wait()
        finally:
            for server in servers:
                server.close()
            for writer in list(writers):  # kept-alive connections are cut, so every handler ends
                writer.transport.abort()
            await asyncio.gather(*handlers, return_exceptions=True)

    # -- answers ---------------------------------------------------------------------------------

    def _handler(self, scheme: str) -> Handler:
        async def handle(request: Request) -> Response | None:
            url = f"{scheme}://{request.headers.get('host', '').split(':')[0]}{request.target}"
            if key(url) in self.answers:
                answer = self.answers[key(url)]
            elif key(url) in self.pages:
                answer = Answer()
            else:
                return Response(404, _NOT_FOUND, {"Content-Type": "text/html; charset=utf-8"})
            body = page(url) if answer.body is None else answer.body
            extension = urlsplit(url).path.rsplit(".", 1)[-1].lower()
            headers = {"Content-Type": _TYPES.get(extension, "text/html; charset=utf-8"), **answer.headers}
            return Response(answer.status, body, headers)

        return handle

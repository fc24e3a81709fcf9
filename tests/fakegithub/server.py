"""A fake GitHub Enterprise Server on one loopback port, for linkkeeper's GitHub checks: web pages,
the GraphQL API (``/api/graphql``) and a little of the REST API (``/api/v3``), over https with a
trustme certificate and, on the same port, plain http (the first byte of a connection tells them
apart). It behaves as GitHub does where a link checker can tell, so a client is tested against
GitHub's behaviour rather than against its author's assumptions; server.py's neighbours hold the
data model (model.py), the GraphQL schema and resolvers (schema.graphql, graphql_api.py) and a
generator of scored URLs (corpus.py).

    fake = FakeGitHub().start()
    fake.add_repo("acme", "widgets", files={"docs/a.md": "# A\n"}, issues=[1], pulls=[2], releases=["v1.0"])
    fake.rename("acme", "widgets", "acme", "gadgets")
    httpx.post(fake.graphql_url, json={"query": "..."}, headers={"Authorization": f"bearer {fake.token}"},
               verify=fake.client_ssl_context())
    fake.stop()

GitHub's behaviour modelled, with where it comes from (docs.github.com unless said):
- Web pages: 200 or 404; a renamed or transferred repository's pages 301 to the same page under the
  new name; ``/issues/N`` of a pull request 302 to ``/pull/N`` and back; ``/blob/`` of a folder and
  ``/tree/`` of a file 301 to each other; a private repository's pages are 404 (page requests here
  are anonymous: pages never honour an API token); names are case-insensitive without a redirect;
  line anchors are not the server's business (a blob page carries its lines in an embedded JSON
  payload, as GitHub's React page does). Anonymous page requests are throttled per client with a
  token bucket; beyond it 429 with ``Retry-After`` (lychee's and others' issue reports of github.com).
- GraphQL: see graphql_api.py. Without a token 401 "This endpoint requires you to be
  authenticated."; with an unknown one 401 "Bad credentials". The primary limit spends the query's
  cost from 5,000 points an hour per token; beyond it HTTP 200 with an error of type RATE_LIMIT and
  ``x-ratelimit-remaining: 0`` ("Rate limits and query limits for the GraphQL API").
- REST: ``/repos/{o}/{r}`` (and issues, pulls, commits, releases/tags, contents under it), with a
  renamed repository's old name answering 301 to ``/repositories/{id}`` ("Best practices for
  using the REST API: follow redirects"); 404 ``{"message": "Not Found", "documentation_url": ...,
  "status": "404"}``; 60 requests an hour per address without a token, 5,000 with one; beyond it 403
  "API rate limit exceeded for …" ("Rate limits for the REST API"). ``/rate_limit`` costs nothing.
- Both APIs: ``x-ratelimit-limit/remaining/reset/used/resource`` headers; secondary limits (more than
  100 requests at once per client, more than 2,000 GraphQL or 900 REST points a minute) answer 403
  with ``Retry-After`` and "You have exceeded a secondary rate limit". GitHub Enterprise Server has
  rate limits off by default: ``rate_limits=False`` sends no rate headers, ``/rate_limit`` answers 404
  "Rate limiting is not enabled." and ``rateLimit`` is null (the last an assumption).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import trustme

from tests.fakegithub.graphql_api import Context, GraphQLAPI, Plan, RateState
from tests.fakegithub.model import Owner, Repo, Token, World, git_blob_oid
from tests.fakehttp import Request, read_request

DEFAULT_TOKEN = "ghp_fakegithubTokenForLinkkeeperTests0001"
_SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out "
    "to GitHub Support for help, please include the request ID {request_id}."
)
_OTHER_PAGES = {
    "branches",
    "tags",
    "labels",
    "milestones",
    "stargazers",
    "forks",
    "security",
    "pulse",
    "graphs",
    "network",
    "pulls",
    "issues",
    "releases",
    "actions",
    "projects",
    "discussions",
}


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One request the fake answered."""

    at: float  # the fake's clock when it arrived
    kind: str  # "web", "graphql" or "rest"
    method: str
    path: str  # the request target: path and query
    scheme: str  # "https" or "http"
    host: str  # the Host header as sent
    client: str  # the peer's address
    status: int
    authorization: bool  # an Authorization header came with it
    token: str | None  # the token it carried (bearer, token or basic's password), None without one
    early: bool = False  # a page request sent before an earlier 429's Retry-After had passed
    retry_after: int | None = None  # the Retry-After this answer gave
    cost: int | None = None  # GraphQL points charged


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Window:
    """A primary rate limit window: ``limit`` points an hour from the first request."""

    limit: int
    used: int = 0
    reset: float = 0.0

    def roll(self, now: float) -> _Window:
        if now >= self.reset:
            self.used, self.reset = 0, now + 3600
        return self

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


@dataclass
class _Bucket:
    tokens: float
    at: float
    blocked_until: float = 0.0


@dataclass
class _Fault:
    status: int
    body: bytes | None
    headers: dict[str, str]


def _json(status: int, document: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(document, indent=None).encode()
    return Response(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def _page(title: str, body: str = "", status: int = 200) -> Response:
    html = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return Response(status, html.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _not_found_page() -> Response:
    return _page("Page not found · GitHub", "<h1>404</h1><p>This is not the web page you are looking for.</p>", 404)


def _redirect(status: int, location: str) -> Response:
    return Response(
        status,
        f"<html><body>You are being <a href='{escape(location)}'>redirected</a>.</body></html>".encode(),
        {"Location": location, "Content-Type": "text/html; charset=utf-8"},
    )


class FakeGitHub:
    """A fake GitHub Enterprise Server. Build its data with ``add_user``, ``add_org``, ``add_repo``,
    ``rename`` and ``add_token`` (before or after ``start``); read what it saw in ``log``."""

    def __init__(
        self,
        *,
        host: str = "github.localtest",
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        token_login: str = "linkkeeper-ci",
        clock: Callable[[], float] = time.time,
        page_rate_per_minute: float | None = 60,
        page_burst: int = 10,
        page_retry_after: int | None = None,
        graphql_limit: int = 5000,
        rest_limit: int = 5000,
        anonymous_rest_limit: int = 60,
        rate_limits: bool = True,
        secondary_concurrency: int | None = 100,
        secondary_graphql_points: int | None = 2000,
        secondary_rest_points: int | None = 900,
        secondary_window: float = 60.0,
        secondary_retry_after: int = 60,
        ghes_version: str = "3.15.0",
        hold_timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.clock = clock
        self.page_rate_per_minute, self.page_burst, self.page_retry_after = (
            page_rate_per_minute,
            page_burst,
            page_retry_after,
        )
        self.graphql_limit, self.rest_limit, self.anonymous_rest_limit = graphql_limit, rest_limit, anonymous_rest_limit
        self.rate_limits = rate_limits
        self.secondary_concurrency = secondary_concurrency
        self.secondary_points = {"graphql": secondary_graphql_points, "rest": secondary_rest_points}
        self.secondary_window, self.secondary_retry_after = secondary_window, secondary_retry_after
        self.ghes_version = ghes_version
        self.hold_timeout = hold_timeout
        self.world = World()
        self.tokens = list(tokens)
        for value in self.tokens:
            self.world.add_token(value, token_login)
        self.graphql = GraphQLAPI()
        self.authority = trustme.CA()
        self._server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.authority.issue_cert(host, "127.0.0.1", "localhost").configure_cert(self._server_context)
        self._client_context: ssl.SSLContext | None = None
        self.port = 0
        self._folder: str | None = None
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._log: list[LogEntry] = []
        self.internal_errors: list[BaseException] = []
        self._windows: dict[tuple[str, str], _Window] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._in_flight: Counter[str] = Counter()
        self._points: dict[tuple[str, str], deque[float]] = {}
        self._faults: dict[str, deque[_Fault]] = {"web": deque(), "graphql": deque(), "rest": deque()}
        self._gate: asyncio.Event | None = None
        self._requests = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        self._folder = tempfile.mkdtemp(prefix="fakegithub-")
        self.authority.cert_pem.write_to_path(str(Path(self._folder) / "ca.pem"))
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True, name="fakegithub")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake GitHub did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._main(ready))
        finally:
            loop.close()

    async def _main(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(512)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        connections: dict[asyncio.Task[None], asyncio.StreamWriter | None] = {}
        accepting = asyncio.create_task(self._accept(listener, connections))
        ready.set()
        try:
            await self._stopping.wait()
        finally:
            accepting.cancel()
            listener.close()
            for writer in list(connections.values()):
                if writer is not None:
                    writer.transport.abort()
            for task in list(connections):
                task.cancel()
            await asyncio.gather(accepting, *connections, return_exceptions=True)

    async def _accept(self, listener: socket.socket, connections: dict[asyncio.Task[None], Any]) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(10_000_000):  # bounded: far more connections than any test opens
            sock, address = await loop.sock_accept(listener)
            task = asyncio.create_task(self._connection(sock, address[0], connections))
            connections[task] = None
            task.add_done_callback(lambda done: connections.pop(done, None))

    async def _connection(self, sock: socket.socket, client: str, connections: dict[asyncio.Task[None], Any]) -> None:
        """Tell TLS from plain HTTP by the first byte (a TLS handshake record starts with 0x16)."""
        loop = asyncio.get_running_loop()
        sock.setblocking(False)
        try:
            readable: asyncio.Future[None] = loop.create_future()

            def arrived() -> None:
                if not readable.done():
                    readable.set_result(None)

            loop.add_reader(sock.fileno(), arrived)
            try:
                await asyncio.wait_for(readable, 10)
            finally:
                loop.remove_reader(sock.fileno())
            first = sock.recv(1, socket.MSG_PEEK)
            if not first:
                sock.close()
                return
            tls = first[0] == 0x16
            reader = asyncio.StreamReader(limit=1 << 20)
            protocol = asyncio.StreamReaderProtocol(reader)
            transport, _ = await loop.connect_accepted_socket(
                lambda: protocol,
                sock,
                ssl=self._server_context if tls else None,
                ssl_handshake_timeout=10 if tls else None,
            )
        except (OSError, ssl.SSLError, TimeoutError):
            sock.close()
            return
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        task = asyncio.current_task()
        assert task is not None
        connections[task] = writer
        try:
            await self._serve(reader, writer, "https" if tls else "http", client)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, scheme: str, client: str
    ) -> None:
        for _ in range(10_000):  # bounded keep-alive
            request = await read_request(reader)
            if request is None:
                return
            response = await self._handle(request, scheme, client)
            reason = _reason(response.status)
            headers = {"Server": "GitHub.com", "Content-Length": str(len(response.body)), **response.headers}
            head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            payload = b"" if request.method == "HEAD" else response.body
            writer.write(f"HTTP/1.1 {response.status} {reason}\r\n{head}\r\n".encode("latin-1") + payload)
            await writer.drain()
            if request.headers.get("connection", "").lower() == "close":
                return

    # -- the data ----------------------------------------------------------------------------------------

    def add_user(self, login: str, name: str | None = None) -> Owner:
        with self._lock:
            return self.world.add_owner(login, "User", name)

    def add_org(self, login: str, name: str | None = None) -> Owner:
        with self._lock:
            return self.world.add_owner(login, "Organization", name)

    def add_repo(self, owner: str, name: str, **details: Any) -> Repo:
        """See World.add_repo: files={path: text or bytes}, commits=[40-hex ids, newest first],
        issues=[n] or {n: state}, pulls=[n] or {n: state}, releases=[tag, newest first],
        tags=[tags without a release], branches=[more branches], private=False,
        default_branch="main", wiki=True, description=None."""
        with self._lock:
            return self.world.add_repo(owner, name, **details)

    def rename(self, old_owner: str, old_name: str, new_owner: str, new_name: str) -> Repo:
        with self._lock:
            return self.world.rename(old_owner, old_name, new_owner, new_name)

    def add_token(self, value: str, login: str = "linkkeeper-ci", private: bool | Iterable[str] = True) -> Token:
        """A valid token for ``login``, seeing every private repository, none, or those named."""
        with self._lock:
            self.tokens.append(value)
            return self.world.add_token(value, login, private)

    @property
    def token(self) -> str:
        return self.tokens[0]

    # -- addresses ----------------------------------------------------------------------------------------

    def base(self, scheme: str = "https") -> str:
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def web_url(self) -> str:
        return self.base()

    @property
    def api_url(self) -> str:
        return f"{self.base()}/api/v3"

    @property
    def graphql_url(self) -> str:
        return f"{self.base()}/api/graphql"

    @property
    def resolve_entry(self) -> str:
        """For linkkeeper's --resolve (HOST:ADDRESS)."""
        return f"{self.host}:127.0.0.1"

    @property
    def ca_pem_path(self) -> str:
        """The CA's certificate in PEM, for SSL_CERT_FILE (written by start, removed by stop)."""
        if self._folder is None:
            raise RuntimeError("start the fake first")
        return str(Path(self._folder) / "ca.pem")

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context trusting the fake's CA only (and made once: contexts are reusable)."""
        if self._client_context is None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self.authority.configure_trust(context)
            self._client_context = context
        return self._client_context

    # -- what it saw, and knobs ----------------------------------------------------------------------------

    @property
    def log(self) -> list[LogEntry]:
        with self._lock:
            return list(self._log)

    @property
    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(entry.kind for entry in self._log)

    @property
    def graphql_requests(self) -> int:
        return self.counts["graphql"]

    @property
    def rest_requests(self) -> int:
        return self.counts["rest"]

    @property
    def page_requests(self) -> int:
        return self.counts["web"]

    def reset(self) -> None:
        """Forget the log, the rate limit windows, the throttle and pending faults (not the data)."""
        with self._lock:
            self._log.clear()
            self.internal_errors.clear()
            self._windows.clear()
            self._buckets.clear()
            self._points.clear()
            for faults in self._faults.values():
                faults.clear()

    def fail_next(
        self,
        kind: str,
        status: int = 502,
        count: int = 1,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``count`` requests of ``kind`` (web, graphql, rest) with ``status``."""
        with self._lock:
            self._faults[kind].extend(_Fault(status, body, dict(headers or {})) for _ in range(count))

    @contextlib.contextmanager
    def hold_api(self) -> Iterator[None]:
        """API requests arriving while this is open wait inside the fake (at most ``hold_timeout``
        seconds), so that a test can have many in flight at once."""
        gate = asyncio.Event()
        self._gate = gate
        try:
            yield
        finally:
            self._gate = None
            if self._loop is not None:
                self._loop.call_soon_threadsafe(gate.set)

    def wait_in_flight(self, count: int, timeout: float = 5.0) -> bool:
        """Wait (bounded) until ``count`` API requests are being answered at once."""
        with self._changed:
            return self._changed.wait_for(lambda: sum(self._in_flight.values()) >= count, timeout)

    # -- answering ----------------------------------------------------------------------------------------

    async def _handle(self, request: Request, scheme: str, client: str) -> Response:
        path = urlsplit(request.target).path
        if path == "/api/graphql" or path.startswith("/api/graphql/"):
            kind = "graphql"
        elif path == "/api/v3" or path.startswith("/api/v3/"):
            kind = "rest"
        else:
            kind = "web"
        with self._lock:
            self._requests += 1
            request_id = f"FAKE:{self._requests:04X}:{self._requests * 7919 % 65536:04X}"
        authorization = request.headers.get("authorization")
        token = _token_of(authorization)
        now = self.clock()
        entry: dict[str, Any] = {}
        if kind == "web":
            with self._lock:
                response = self._web(request, client, now, entry)
        else:
            response = await self._api(request, kind, client, token, authorization is not None, now, entry)
        response.headers.setdefault("X-GitHub-Request-Id", request_id)
        if kind != "web":
            response.headers.setdefault("X-GitHub-Enterprise-Version", self.ghes_version)
        if response.status == 403 and b"{request_id}" in response.body:
            response.body = response.body.replace(b"{request_id}", request_id.encode())
        retry = response.headers.get("Retry-After")
        with self._lock:
            self._log.append(
                LogEntry(
                    at=now,
                    kind=kind,
                    method=request.method,
                    path=request.target,
                    scheme=scheme,
                    host=request.headers.get("host", ""),
                    client=client,
                    status=response.status,
                    authorization=authorization is not None,
                    token=token,
                    early=entry.get("early", False),
                    retry_after=int(retry) if retry and retry.isdigit() else None,
                    cost=entry.get("cost"),
                )
            )
        return response

    def _fault(self, kind: str) -> Response | None:
        if not self._faults[kind]:
            return None
        fault = self._faults[kind].popleft()
        body = fault.body
        if body is None and kind == "graphql":
            body = json.dumps(
                {
                    "data": None,
                    "errors": [
                        {
                            "message": "Something went wrong while executing your "
                            "query. This may be the result of a timeout, or it could be a GitHub bug."
                        }
                    ],
                }
            ).encode()
        return Response(fault.status, body or HTTPStatus(fault.status).phrase.encode(), dict(fault.headers))

    # -- web pages --

    def _web(self, request: Request, client: str, now: float, entry: dict[str, Any]) -> Response:
        throttled = self._throttle(client, now, entry)
        if throttled is not None:
            return throttled
        fault = self._fault("web")
        if fault is not None:
            return fault
        if request.method not in ("GET", "HEAD"):
            return _not_found_page()
        parts = urlsplit(request.target)
        query = f"?{parts.query}" if parts.query else ""
        segments = parts.path.lstrip("/").split("/", 2)
        if segments == [""]:
            return _page("GitHub Enterprise", "<h1>Welcome</h1>")
        if len(segments) == 1 or segments[1] == "":
            owner = self.world.owner(unquote(segments[0]))
            return _page(f"{owner.login} · GitHub", f"<h1>{escape(owner.login)}</h1>") if owner else _not_found_page()
        repo, moved = self.world.find_repo(unquote(segments[0]), unquote(segments[1]))
        if repo is None or repo.private:  # pages are anonymous here: an API token opens no page
            return _not_found_page()
        rest = f"/{segments[2]}" if len(segments) == 3 else ""  # as sent, a trailing slash included
        if moved:
            return _redirect(301, f"{self.web_url}/{repo.full_name}{rest}{query}")
        return self._repo_page(repo, [unquote(part) for part in rest.strip("/").split("/")] if rest.strip("/") else [])

    def _throttle(self, client: str, now: float, entry: dict[str, Any]) -> Response | None:
        """A token bucket per client: ``page_rate_per_minute`` with bursts of ``page_burst``; past it
        429 with Retry-After, and until that has passed every request is refused again and logged early."""
        if self.page_rate_per_minute is None:
            return None
        rate = self.page_rate_per_minute / 60
        bucket = self._buckets.setdefault(client, _Bucket(float(self.page_burst), now))
        bucket.tokens = min(float(self.page_burst), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if now < bucket.blocked_until:
            entry["early"] = True
            return self._too_many(math.ceil(bucket.blocked_until - now))
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        wait = self.page_retry_after if self.page_retry_after is not None else math.ceil((1 - bucket.tokens) / rate)
        bucket.blocked_until = now + wait
        return self._too_many(wait)

    @staticmethod
    def _too_many(wait: int) -> Response:
        response = _page(
            "Too many requests · GitHub",
            "<h1>Whoa there!</h1><p>You have exceeded a secondary rate "
            "limit. Please wait a few minutes before you try again.</p>",
            429,
        )
        response.headers["Retry-After"] = str(max(1, wait))
        return response

    def _repo_page(self, repo: Repo, rest: list[str]) -> Response:
        base = f"{self.web_url}/{repo.full_name}"
        title = f"{repo.full_name} · GitHub"
        if not rest:
            return _page(title, f"<h1>{escape(repo.full_name)}</h1>")
        head, tail = rest[0], rest[1:]
        if head == "commit" and len(tail) == 1:
            sha = repo.resolve(tail[0])
            return _page(f"Commit {sha} · {repo.full_name}") if sha else _not_found_page()
        if head == "commits":
            return _page(title) if not tail or repo.resolve("/".join(tail)) else _not_found_page()
        if head in ("issues", "pull") and tail and tail[0].isdigit():
            number = int(tail[0])
            if head == "issues" and len(tail) == 1:
                if number in repo.issues:
                    return _page(f"Issue #{number} · {repo.full_name}")
                if number in repo.pulls:
                    return _redirect(302, f"{base}/pull/{number}")
            if head == "pull" and (len(tail) == 1 or (len(tail) == 2 and tail[1] in ("files", "commits", "checks"))):
                if number in repo.pulls:
                    return _page(f"Pull request #{number} · {repo.full_name}")
                if number in repo.issues and len(tail) == 1:
                    return _redirect(302, f"{base}/issues/{number}")
            return _not_found_page()
        if head in ("blob", "tree") and tail:
            return self._git_page(repo, head, "/".join(tail))
        if head == "releases" and len(tail) == 2 and tail[0] == "tag":
            # A tag without a release still has a page there (GitHub shows the tag).
            return _page(f"Release {tail[1]} · {repo.full_name}") if tail[1] in repo.tags else _not_found_page()
        if head == "releases" and tail == ["latest"]:
            return _redirect(302, f"{base}/releases/tag/{repo.releases[0]}" if repo.releases else f"{base}/releases")
        if head == "wiki":
            return _page(f"Wiki · {repo.full_name}") if repo.wiki else _redirect(302, base)
        if head == "actions" and len(tail) == 2 and tail[0] == "workflows":
            return (
                _page(f"Workflow · {repo.full_name}")
                if f".github/workflows/{tail[1]}" in repo.files
                else (_not_found_page())
            )
        if head in _OTHER_PAGES and not tail:
            return _page(f"{head.title()} · {repo.full_name}")
        return _not_found_page()

    def _git_page(self, repo: Repo, kind: str, rest: str) -> Response:
        split = repo.split_ref_path(rest)
        if split is None:
            return _not_found_page()
        ref, path = split
        base = f"{self.web_url}/{repo.full_name}"
        quoted = quote(f"{ref}/{path}" if path else ref)
        if kind == "blob":
            if repo.is_file(path):
                return self._blob_page(repo, ref, path)
            if path and repo.is_dir(path):
                return _redirect(301, f"{base}/tree/{quoted}")
            return _not_found_page()
        if repo.is_dir(path):
            return _page(f"{repo.full_name}/{path} at {ref} · GitHub")
        if repo.is_file(path):
            return _redirect(301, f"{base}/blob/{quoted}")
        return _not_found_page()

    def _blob_page(self, repo: Repo, ref: str, path: str) -> Response:
        data = repo.files[path]
        lines = [] if b"\0" in data else data.decode("utf-8", "replace").splitlines()
        payload = {"payload": {"blob": {"rawLines": lines}, "path": path, "refInfo": {"name": ref}}}
        script = json.dumps(payload).replace("</", "<\\/")
        body = (
            f"<h1>{escape(path)}</h1><script type='application/json' data-target='react-app.embeddedData'>"
            f"{script}</script>"
        )
        return _page(f"{repo.full_name}/{path} at {ref} · GitHub", body)

    # -- the APIs --

    async def _api(
        self,
        request: Request,
        kind: str,
        client: str,
        token_value: str | None,
        sent: bool,
        now: float,
        entry: dict[str, Any],
    ) -> Response:
        with self._lock:
            token = self.world.tokens.get(token_value) if token_value else None
            if kind == "graphql" and token is None:
                if sent:
                    return _json(
                        401,
                        {
                            "message": "Bad credentials",
                            "documentation_url": "https://docs.github.com/graphql",
                            "status": "401",
                        },
                    )
                return _json(
                    401,
                    {
                        "message": "This endpoint requires you to be authenticated.",
                        "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql"
                        "#authenticating-with-graphql",
                    },
                )
            if kind == "rest" and sent and token is None:
                return _json(
                    401,
                    {
                        "message": "Bad credentials",
                        "documentation_url": "https://docs.github.com/rest",
                        "status": "401",
                    },
                )
            identity = token.value if token else f"ip:{client}"
            refused = self._secondary(identity, kind, now)
            if refused is not None:
                return refused
            self._in_flight[identity] += 1
            self._changed.notify_all()
        try:
            gate = self._gate
            if gate is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(gate.wait(), self.hold_timeout)
            with self._lock:
                fault = self._fault(kind)
                if fault is not None:
                    return fault
                if kind == "graphql":
                    assert token is not None
                    return self._graphql(request, token, now, entry)
                return self._rest(request, token, client, now)
        finally:
            with self._lock:
                self._in_flight[identity] -= 1
                self._changed.notify_all()

    def _secondary(self, identity: str, kind: str, now: float) -> Response | None:
        limit = self.secondary_points[kind]
        too_many = self.secondary_concurrency is not None and self._in_flight[identity] >= self.secondary_concurrency
        if not too_many and limit is not None:
            points = self._points.setdefault((identity, kind), deque())
            for _ in range(len(points)):
                if points[0] > now - self.secondary_window:
                    break
                points.popleft()
            too_many = len(points) >= limit
            if not too_many:
                points.append(now)
        if not too_many:
            return None
        document = {
            "message": _SECONDARY,
            "documentation_url": "https://docs.github.com/enterprise-server@"
            f"{self._docs_version}/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        }
        return _json(403, document, {"Retry-After": str(self.secondary_retry_after)})

    @property
    def _docs_version(self) -> str:
        return ".".join(self.ghes_version.split(".")[:2])

    def _window(self, resource: str, identity: str, limit: int, now: float) -> _Window:
        return self._windows.setdefault((resource, identity), _Window(limit)).roll(now)

    def _rate_headers(self, window: _Window, resource: str) -> dict[str, str]:
        if not self.rate_limits:
            return {}
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(window.remaining),
            "X-RateLimit-Reset": str(math.ceil(window.reset)),
            "X-RateLimit-Used": str(window.used),
            "X-RateLimit-Resource": resource,
        }

    def _graphql(self, request: Request, token: Token, now: float, entry: dict[str, Any]) -> Response:
        if request.method != "POST":
            return _json(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/graphql"})
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return _json(
                400, {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"}
            )
        window = self._window("graphql", token.value, self.graphql_limit, now)
        plan = self.graphql.plan(body)
        if not isinstance(plan, Plan):
            return _json(200, plan, self._rate_headers(window, "graphql"))
        if self.rate_limits and window.remaining < plan.cost:
            owner = self.world.owner(token.login)
            user_id = owner.id if owner else 0
            already = "already " if window.remaining == 0 else ""
            answer = {
                "errors": [
                    {
                        "type": "RATE_LIMIT",
                        "code": "graphql_rate_limit",
                        "message": f"API rate limit {already}exceeded for user ID {user_id}.",
                    }
                ]
            }
            return _json(200, answer, self._rate_headers(window, "graphql"))
        if self.rate_limits and not plan.dry_run:
            window.used += plan.cost
            entry["cost"] = plan.cost
        rate = RateState(
            self.rate_limits, plan.cost, plan.node_count, window.limit, window.remaining, window.used, window.reset
        )
        answer = self.graphql.run(plan, Context(self.world, token, self.web_url, rate), self.internal_errors.append)
        return _json(200, answer, self._rate_headers(window, "graphql"))

    def _rest(self, request: Request, token: Token | None, client: str, now: float) -> Response:
        parts = urlsplit(request.target)
        path = parts.path.removeprefix("/api/v3").strip("/")
        if path == "rate_limit":
            return self._rate_limit_status(token, client, now)
        identity = token.value if token else f"ip:{client}"
        window = self._window("core", identity, self.rest_limit if token else self.anonymous_rest_limit, now)
        headers = {"X-GitHub-Media-Type": "github.v3; format=json", **self._rate_headers(window, "core")}
        if self.rate_limits and window.remaining == 0:
            owner = self.world.owner(token.login) if token else None
            who = (
                f"user ID {owner.id}."
                if owner
                else (
                    f"{client}. (But here's the good news: Authenticated requests get a higher rate limit. "
                    "Check out the documentation for more details.)"
                )
            )
            return _json(
                403,
                {
                    "message": f"API rate limit exceeded for {who}",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                },
                headers,
            )
        if self.rate_limits:
            window.used += 1
            headers.update(self._rate_headers(window, "core"))
        if request.method not in ("GET", "HEAD"):
            return _json(404, self._not_found_body("rest"), headers)
        response = self._rest_route(
            [unquote(segment) for segment in path.split("/")] if path else [], token, parts.query
        )
        response.headers.update(headers)
        return response

    def _not_found_body(self, page: str) -> dict[str, str]:
        return {
            "message": "Not Found",
            "documentation_url": f"https://docs.github.com/enterprise-server@{self._docs_version}/{page}",
            "status": "404",
        }

    def _rate_limit_status(self, token: Token | None, client: str, now: float) -> Response:
        if not self.rate_limits:
            return _json(
                404,
                {
                    "message": "Rate limiting is not enabled.",
                    "documentation_url": f"https://docs.github.com/enterprise-server@{self._docs_version}"
                    "/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user",
                },
            )
        identity = token.value if token else f"ip:{client}"
        core = self._window("core", identity, self.rest_limit if token else self.anonymous_rest_limit, now)
        graphql = self._window("graphql", identity, self.graphql_limit if token else 0, now)

        def status(window: _Window) -> dict[str, int]:
            return {
                "limit": window.limit,
                "used": window.used,
                "remaining": window.remaining,
                "reset": math.ceil(window.reset),
            }

        document = {
            "resources": {
                "core": status(core),
                "graphql": status(graphql),
                "search": {
                    "limit": 30 if token else 10,
                    "used": 0,
                    "remaining": 30 if token else 10,
                    "reset": math.ceil(now + 60),
                },
            },
            "rate": status(core),
        }
        return _json(200, document, self._rate_headers(core, "core"))

    def _rest_route(self, segments: list[str], token: Token | None, query: str) -> Response:
        if not segments:
            return _json(
                200,
                {
                    "current_user_url": f"{self.api_url}/user",
                    "repository_url": f"{self.api_url}/repos/{{owner}}/{{repo}}",
                },
            )
        if segments == ["meta"]:
            return _json(200, {"verifiable_password_authentication": True, "installed_version": self.ghes_version})
        if segments[0] in ("users", "orgs") and len(segments) == 2:
            owner = self.world.owner(segments[1])
            if owner is None or (segments[0] == "orgs" and owner.kind != "Organization"):
                return _json(404, self._not_found_body("rest/users/users#get-a-user"))
            return _json(200, self._owner_json(owner))
        if segments[0] == "repos" and len(segments) >= 3:
            repo, moved = self.world.find_repo(segments[1], segments[2])
            if repo is None or not self.world.can_see(repo, token):
                return _json(404, self._not_found_body("rest/repos/repos#get-a-repository"))
            if moved:
                sub = "".join(f"/{quote(segment)}" for segment in segments[3:])
                location = f"{self.api_url}/repositories/{repo.id}{sub}" + (f"?{query}" if query else "")
                return _json(
                    301,
                    {
                        "message": "Moved Permanently",
                        "url": location,
                        "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api"
                        "#follow-redirects",
                    },
                    {"Location": location},
                )
            return self._repo_rest(repo, segments[3:], query)
        if segments[0] == "repositories" and len(segments) >= 2 and segments[1].isdigit():
            found = self.world.by_id.get(int(segments[1]))
            if found is None or not self.world.can_see(found, token):
                return _json(404, self._not_found_body("rest"))
            return self._repo_rest(found, segments[2:], query)
        return _json(404, self._not_found_body("rest"))

    def _owner_json(self, owner: Owner) -> dict[str, Any]:
        return {
            "login": owner.login,
            "id": owner.id,
            "node_id": f"U_{owner.id}",
            "type": owner.kind,
            "site_admin": False,
            "name": owner.name,
            "html_url": f"{self.web_url}/{owner.login}",
            "url": f"{self.api_url}/users/{owner.login}",
        }

    def _repo_rest(self, repo: Repo, rest: list[str], query: str) -> Response:
        api = f"{self.api_url}/repos/{repo.full_name}"
        web = f"{self.web_url}/{repo.full_name}"
        if not rest:
            owner = self.world.owner(repo.owner)
            assert owner is not None
            return _json(
                200,
                {
                    "id": repo.id,
                    "node_id": f"R_{repo.id}",
                    "name": repo.name,
                    "full_name": repo.full_name,
                    "private": repo.private,
                    "visibility": "private" if repo.private else "public",
                    "owner": self._owner_json(owner),
                    "html_url": web,
                    "url": api,
                    "description": repo.description,
                    "fork": repo.fork,
                    "archived": repo.archived,
                    "disabled": False,
                    "default_branch": repo.default_branch,
                    "has_issues": True,
                    "has_wiki": repo.wiki,
                },
            )
        head, tail = rest[0], rest[1:]
        if head in ("issues", "pulls") and len(tail) == 1 and tail[0].isdigit():
            number = int(tail[0])
            if number in repo.pulls:
                state = repo.pulls[number]
                pull = {
                    "number": number,
                    "state": "open" if state == "OPEN" else "closed",
                    "title": f"Pull request {number}",
                    "html_url": f"{web}/pull/{number}",
                    "url": f"{api}/pulls/{number}",
                }
                if head == "pulls":
                    return _json(200, {**pull, "merged": state == "MERGED"})
                return _json(
                    200,
                    {
                        **pull,
                        "url": f"{api}/issues/{number}",
                        "pull_request": {"url": f"{api}/pulls/{number}", "html_url": f"{web}/pull/{number}"},
                    },
                )
            if number in repo.issues and head == "issues":
                return _json(
                    200,
                    {
                        "number": number,
                        "state": repo.issues[number].lower(),
                        "title": f"Issue {number}",
                        "html_url": f"{web}/issues/{number}",
                        "url": f"{api}/issues/{number}",
                    },
                )
            page = "rest/pulls/pulls#get-a-pull-request" if head == "pulls" else "rest/issues/issues#get-an-issue"
            return _json(404, self._not_found_body(page))
        if head == "commits" and tail:
            ref = "/".join(tail)
            sha = repo.resolve(ref)
            if sha is None:
                return _json(
                    422,
                    {
                        "message": f"No commit found for SHA: {ref}",
                        "documentation_url": "https://docs.github.com/rest/commits/commits#get-a-commit",
                        "status": "422",
                    },
                )
            return _json(200, {"sha": sha, "html_url": f"{web}/commit/{sha}", "url": f"{api}/commits/{sha}"})
        if head == "releases" and len(tail) == 2 and tail[0] == "tags":
            if tail[1] not in repo.releases:
                return _json(404, self._not_found_body("rest/releases/releases#get-a-release-by-tag-name"))
            return _json(
                200,
                {
                    "tag_name": tail[1],
                    "name": tail[1],
                    "draft": False,
                    "prerelease": False,
                    "html_url": f"{web}/releases/tag/{tail[1]}",
                },
            )
        if head == "contents":
            return self._contents(repo, "/".join(tail), query)
        return _json(404, self._not_found_body("rest"))

    def _contents(self, repo: Repo, path: str, query: str) -> Response:
        ref = dict(pair.partition("=")[::2] for pair in query.split("&") if pair).get("ref") or repo.default_branch
        ref = unquote(ref)
        if repo.resolve(ref) is None:
            return _json(
                404,
                {
                    "message": f"No commit found for the ref {ref}",
                    "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content",
                    "status": "404",
                },
            )
        web = f"{self.web_url}/{repo.full_name}"
        if repo.is_file(path):
            data = repo.files[path]
            return _json(
                200,
                {
                    "type": "file",
                    "name": path.rsplit("/", 1)[-1],
                    "path": path,
                    "size": len(data),
                    "sha": git_blob_oid(data),
                    "encoding": "base64",
                    "content": base64.encodebytes(data).decode(),
                    "html_url": f"{web}/blob/{ref}/{path}",
                },
            )
        if repo.is_dir(path):
            return _json(
                200,
                [
                    {
                        "type": "dir" if is_dir else "file",
                        "name": name,
                        "path": entry_path,
                        "html_url": f"{web}/{'tree' if is_dir else 'blob'}/{ref}/{entry_path}",
                    }
                    for name, entry_path, is_dir in repo.entries(path)
                ],
            )
        return _json(404, self._not_found_body("rest/repos/contents#get-repository-content"))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _token_of(authorization: str | None) -> str | None:
    """The token an Authorization header carries: ``bearer T``, ``token T`` or basic's password."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() in ("bearer", "token"):
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip()).decode().partition(":")[2] or None
        except (ValueError, UnicodeDecodeError):
            return None
    return authorization.strip()

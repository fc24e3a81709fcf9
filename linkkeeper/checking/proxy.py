"""Proxies: which requests go through one, how, and what a proxy's own answers mean.

Where a proxy comes from: ``check.proxy`` (every request), else the environment as curl and
urllib read it — ``HTTP_PROXY`` for http URLs, ``HTTPS_PROXY`` for https, ``ALL_PROXY`` for both
when the scheme's own is unset; the lower-case spelling wins when both are set (an empty one
unsets), and upper-case ``HTTP_PROXY`` is ignored when ``REQUEST_METHOD`` is set (a CGI request's
``Proxy:`` header arrives as that variable: "httpoxy"). ``NO_PROXY`` applies either way: names
(a name covers its subdomains; a leading ``.`` or ``*.`` is allowed), ``*`` for every host, IP
addresses and CIDR ranges (matched against a URL's literal address: no name is resolved to
decide), each with an optional ``:port``. As with curl, requests and httpx, loopback addresses and
``localhost`` go through the proxy too unless ``NO_PROXY`` names them (a proxy on this machine
reaches them; for one elsewhere, list them in ``NO_PROXY`` as you would for curl). ``.invalid``
names never go anywhere: RFC 6761 says they never resolve.

Through a proxy the proxy resolves the name, so linkkeeper judges only what the URL itself says:
an IP literal is refused as the address guard refuses it (the metadata ranges always,
``check.exclude_private``'s when set), and so are the names of cloud metadata services; any other
name goes to the proxy. ``check.resolve`` is for names linkkeeper resolves itself: hosts asked
directly.

Each proxied origin has a pool of its own (``transport.py`` says why): plain http is forwarded
(absolute-form requests), https goes through a CONNECT tunnel, both written here on httpcore's
public connection classes so that a refused tunnel keeps what the proxy said. A SOCKS5 proxy
(``socks5://`` or ``socks5h://``: the proxy resolves the name either way) uses httpcore's own.

A proxy that cannot reach a site answers for it: squid with ``X-Squid-Error`` (``ERR_DNS_FAIL``
and the resolver's words, ``ERR_CONNECT_FAIL`` with an errno), tinyproxy with "500 Unable to
connect", others with RFC 9209's ``Proxy-Status`` or a bare 502/504. Those answers are judged for
what they say — a name the proxy's resolver says does not exist is name-not-found, a refusal or
timeout the proxy saw is one — and anything the proxy cannot tell apart is a ``proxy`` error:
never a plain HTTP status of the site, and, like a network failure, no evidence of rot when
nothing else answered. A connection to the proxy itself is no evidence that the network works;
a tunnel the proxy opened is.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import re
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import httpcore

from linkkeeper.checking.guard import never_resolves
from linkkeeper.checking.stream import AsyncioBackend
from linkkeeper.errors import ConfigError
from linkkeeper.models import ErrorKind, Outcome

__all__ = [
    "NoProxy",
    "Proxy",
    "ProxyFailure",
    "ProxyRules",
    "judge_proxy_answer",
    "parse_proxy_url",
    "proxy_rules",
    "redact_proxy_url",
]

PROXY_PORTS = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080}
METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)
"""Names of cloud metadata services: refused through a proxy too (the proxy would resolve them)."""
_BODY_CAP = 64 * 1024  # of a proxy's error page: enough for squid's and tinyproxy's
_PROXY_ANSWER_STATUS = frozenset({407, 502, 504})  # a forwarding proxy's own words, whoever else might say them


@dataclass(frozen=True, slots=True)
class Proxy:
    """One proxy; ``shown`` is how messages name it (never with its credentials)."""

    scheme: str
    host: str
    port: int
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    @property
    def url(self) -> str:
        """``scheme://host:port``, without credentials (they go in a header or the SOCKS handshake)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def shown(self) -> str:
        return self.url

    @property
    def socks(self) -> bool:
        return self.scheme.startswith("socks")

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.username, self.password) if self.username or self.password else None


def parse_proxy_url(text: str, *, default_scheme: str | None = None) -> Proxy:
    """A proxy URL -> ``Proxy``. ``default_scheme`` is taken for a bare ``host:port`` (as curl
    takes http for an environment variable). ValueError says what is wrong without repeating the
    URL, which may hold a password."""
    value = text.strip()
    if "://" not in value:
        if default_scheme is None:
            raise ValueError("expected a URL with its scheme: http://, https://, socks5:// or socks5h://")
        value = f"{default_scheme}://{value}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError("not a proxy URL such as http://proxy.example:3128 (a bad port or address?)") from None
    scheme = parts.scheme.lower()
    if scheme not in PROXY_PORTS:
        if scheme.startswith("socks"):
            raise ValueError(f"{scheme}:// is not supported: use socks5:// or socks5h://")
        raise ValueError(f"{scheme}:// is not a proxy scheme: use http://, https://, socks5:// or socks5h://")
    if not parts.hostname:
        raise ValueError("the proxy URL names no host")
    return Proxy(scheme, parts.hostname, port or PROXY_PORTS[scheme], unquote(parts.username or ""),
                 unquote(parts.password or ""))  # fmt: skip


def redact_proxy_url(text: str) -> str:
    """A proxy URL as it may be shown: its credentials replaced (what cannot be parsed is hidden whole)."""
    if not text:
        return text
    try:
        parts = urlsplit(text if "://" in text else f"http://{text}")
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "[hidden]"
    if parts.username is None and parts.password is None:
        return text
    return text.replace(parts.netloc, "[credentials]@" + parts.netloc.rpartition("@")[2], 1)


# -- which requests go through a proxy ------------------------------------------------------------


def _host_name(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class NoProxy:
    """``NO_PROXY``: the hosts asked directly."""

    everything: bool = False
    names: tuple[tuple[str, int | None], ...] = ()
    networks: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None], ...] = ()

    @classmethod
    def parse(cls, text: str) -> NoProxy:
        everything = False
        names: list[tuple[str, int | None]] = []
        networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None]] = []
        for raw in re.split(r"[,\s]+", text):
            entry = raw.strip()
            if not entry:
                continue
            if entry == "*":
                everything = True
                continue
            entry, port = _split_port(entry)
            try:
                networks.append((ipaddress.ip_network(entry.strip("[]"), strict=False), port))
                continue
            except ValueError:
                pass
            name = entry.lower().removeprefix("*").lstrip(".").rstrip(".")
            if name:
                names.append((name, port))
        return cls(everything, tuple(names), tuple(networks))

    def matches(self, host: str, port: int) -> bool:
        if self.everything:
            return True
        name = _host_name(host)
        address = _literal(name)
        if address is not None:
            return any(
                address in network and wanted in (None, port)
                for network, wanted in self.networks
                if network.version == address.version
            )
        return any((name == suffix or name.endswith("." + suffix)) and wanted in (None, port)
                   for suffix, wanted in self.names)  # fmt: skip


def _split_port(entry: str) -> tuple[str, int | None]:
    """``host:port``, ``[v6]:port``, ``1.2.3.4:port`` -> (host, port); a bare IPv6 address has no port."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port) if port.isdigit() else None
    return entry, None


@dataclass(frozen=True, slots=True)
class ProxyRules:
    """Which proxy (if any) each URL goes through, and where that came from."""

    http: Proxy | None = None
    https: Proxy | None = None
    no_proxy: NoProxy = NoProxy()
    sources: tuple[str, ...] = ()  # "check.proxy", "HTTPS_PROXY", …: for messages

    @property
    def tls_to_proxy(self) -> bool:
        """Whether a proxy is reached over TLS (an https:// proxy URL)."""
        return any(proxy is not None and proxy.scheme == "https" for proxy in (self.http, self.https))

    def for_url(self, scheme: str, host: str, port: int | None) -> Proxy | None:
        proxy = self.https if scheme == "https" else self.http if scheme == "http" else None
        if proxy is None or never_resolves(_host_name(host)):  # the guard says so, without a proxy
            return None
        effective = port if port is not None else (443 if scheme == "https" else 80)
        return None if self.no_proxy.matches(host, effective) else proxy


def _variable(environ: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """(the variable's spelling, its value): lower case first, as curl and urllib read them."""
    if name.lower() in environ:
        return name.lower(), environ[name.lower()]
    if name in environ and not (name == "HTTP_PROXY" and "REQUEST_METHOD" in environ):
        return name, environ[name]
    return None


def _socks_available() -> bool:
    try:
        import socksio  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency of linkkeeper's (httpx[socks])
        return False
    return True


def proxy_rules(configured: str, environ: Mapping[str, str]) -> ProxyRules:
    """The proxies in force: ``configured`` (``check.proxy``) for every request, else the
    environment's; ``NO_PROXY`` in both cases. ConfigError names a variable or setting that is
    not a usable proxy URL (never its value)."""
    found: dict[str, tuple[str, Proxy] | None] = {}
    if configured:
        try:
            proxy = parse_proxy_url(configured)
        except ValueError as exc:
            raise ConfigError("settings", "check.proxy", str(exc)) from None
        found = {"http": ("check.proxy", proxy), "https": ("check.proxy", proxy)}
    else:
        every = _variable(environ, "ALL_PROXY")
        for scheme in ("http", "https"):
            variable = _variable(environ, f"{scheme.upper()}_PROXY")
            chosen = variable if variable is not None and variable[1].strip() else None
            if variable is None and every is not None and every[1].strip():
                chosen = every
            if chosen is None:
                found[scheme] = None
                continue
            try:
                found[scheme] = (chosen[0], parse_proxy_url(chosen[1], default_scheme="http"))
            except ValueError as exc:
                raise ConfigError("environment", chosen[0], str(exc)) from None
    for source, proxy in filter(None, found.values()):
        if proxy.socks and not _socks_available():  # pragma: no cover - socksio comes with linkkeeper
            raise ConfigError("environment" if source != "check.proxy" else "settings", source,
                              "a SOCKS proxy needs the socksio package: pip install 'httpx[socks]'")  # fmt: skip
    no_proxy = _variable(environ, "NO_PROXY")
    http, https = found.get("http"), found.get("https")
    return ProxyRules(
        http=http[1] if http else None,
        https=https[1] if https else None,
        no_proxy=NoProxy.parse(no_proxy[1]) if no_proxy else NoProxy(),
        sources=tuple(dict.fromkeys(source for source, _ in filter(None, (http, https)))),
    )


def refused_through_proxy(host: str) -> str | None:
    """Why a host is not asked through a proxy, judged by its name alone: a cloud metadata
    service's name (the address guard judges IP literals, see ``guard.refusal_reason``)."""
    name = _host_name(host)
    if name in METADATA_NAMES:
        return f"{host}: a cloud metadata service's name; not asked, not even through a proxy"
    return None


# -- what a proxy's own answer means --------------------------------------------------------------


class ProxyFailure(httpcore.ConnectError):
    """The proxy could not (or would not) carry the request, judged from what it said; httpx
    maps it to a ConnectError, and ``classify.judge_exception`` takes its judgement."""

    def __init__(self, outcome: Outcome, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.kind = kind
        self.message = message


def _plain(body: bytes) -> str:
    text = re.sub(r"<[^>]*>", " ", body[:_BODY_CAP].decode("utf-8", "replace"))
    return " ".join(text.split())


def _proxy_status(value: str) -> tuple[str, dict[str, str]] | None:
    """RFC 9209's ``Proxy-Status``: the first member with an ``error`` parameter, as (error, params)."""
    for member in value.split(","):
        params = {}
        for part in member.split(";")[1:]:
            key, _, item = part.strip().partition("=")
            params[key.strip().lower()] = item.strip().strip('"')
        if "error" in params:
            return params["error"].lower(), params
    return None


_PROXY_STATUS_KINDS: dict[str, tuple[Outcome, ErrorKind, str]] = {
    "dns_timeout": (Outcome.ERROR, ErrorKind.PROXY, "the proxy's resolver timed out"),
    "connection_refused": (Outcome.BROKEN, ErrorKind.CONNECTION_REFUSED, "connection refused"),
    "connection_timeout": (Outcome.ERROR, ErrorKind.TIMEOUT, "timed out connecting"),
    "connection_read_timeout": (Outcome.ERROR, ErrorKind.TIMEOUT, "timed out reading"),
    "connection_write_timeout": (Outcome.ERROR, ErrorKind.TIMEOUT, "timed out writing"),
    "http_response_timeout": (Outcome.ERROR, ErrorKind.TIMEOUT, "no answer in time"),
    "connection_terminated": (Outcome.ERROR, ErrorKind.CONNECTION_RESET, "connection closed"),
    "http_response_incomplete": (Outcome.ERROR, ErrorKind.CONNECTION_RESET, "answer cut short"),
    "tls_protocol_error": (Outcome.ERROR, ErrorKind.TLS, "TLS error between the proxy and the site"),
    "tls_certificate_error": (Outcome.ERROR, ErrorKind.TLS, "the proxy could not verify the site's certificate"),
    "tls_alert_received": (Outcome.ERROR, ErrorKind.TLS, "TLS alert between the proxy and the site"),
    "destination_ip_prohibited": (Outcome.BLOCKED, ErrorKind.HTTP_STATUS, "refused by the proxy's rules"),
    "http_request_denied": (Outcome.BLOCKED, ErrorKind.HTTP_STATUS, "refused by the proxy's rules"),
}

_SQUID_KINDS: dict[str, tuple[Outcome, ErrorKind, str]] = {
    "ERR_READ_TIMEOUT": (Outcome.ERROR, ErrorKind.TIMEOUT, "timed out reading"),
    "ERR_LIFETIME_EXP": (Outcome.ERROR, ErrorKind.TIMEOUT, "no answer in time"),
    "ERR_CONNECT_TIMEOUT": (Outcome.ERROR, ErrorKind.TIMEOUT, "timed out connecting"),
    "ERR_READ_ERROR": (Outcome.ERROR, ErrorKind.CONNECTION_RESET, "connection reset"),
    "ERR_WRITE_ERROR": (Outcome.ERROR, ErrorKind.CONNECTION_RESET, "connection reset"),
    "ERR_ZERO_SIZE_OBJECT": (Outcome.ERROR, ErrorKind.CONNECTION_RESET, "an empty answer"),
    "ERR_SECURE_CONNECT_FAIL": (Outcome.ERROR, ErrorKind.TLS, "TLS error between the proxy and the site"),
    "ERR_ACCESS_DENIED": (Outcome.BLOCKED, ErrorKind.HTTP_STATUS, "refused by the proxy's rules"),
    "ERR_FORWARDING_DENIED": (Outcome.BLOCKED, ErrorKind.HTTP_STATUS, "refused by the proxy's rules"),
    "ERR_CACHE_ACCESS_DENIED": (Outcome.ERROR, ErrorKind.PROXY, "the proxy asks for credentials (407)"),
}
_NXDOMAIN_WORDS = ("domain name does not exist", "name or service not known", "no address associated with hostname",
                   "nxdomain", "host not found")  # fmt: skip
_CREDENTIALS = "the proxy asks for credentials: put them in the proxy URL (http://user:password@host:port)"


def is_proxy_answer(status: int, headers: Mapping[str, str], reason: str) -> bool:
    """Whether a forwarded answer is the proxy's own (about the site) rather than the site's:
    it says so (squid's ``X-Squid-Error``, ``Proxy-Status`` with an error, tinyproxy's "Unable
    to connect"), or it is 407, 502 or 504, which only a gateway says."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if "x-squid-error" in lowered or _proxy_status(lowered.get("proxy-status", "")) is not None:
        return True
    if status == 500 and (reason.lower() == "unable to connect" or lowered.get("server", "").startswith("tinyproxy")):
        return True
    return status in _PROXY_ANSWER_STATUS


def judge_proxy_answer(
    proxy: Proxy, target: str, status: int, reason: str, headers: Mapping[str, str], body: bytes, *, tunnel: bool
) -> ProxyFailure:
    """What the proxy's own answer about ``target`` (``host:port``) means: a refused tunnel
    (``tunnel``), or a forwarded answer ``is_proxy_answer`` took for the proxy's."""
    lowered = {name.lower(): value for name, value in headers.items()}
    said = f"{status} {reason}".strip()
    host = target.rsplit(":", 1)[0].strip("[]")
    plain = _plain(body)

    def failure(outcome: Outcome, kind: ErrorKind, what: str, detail: str = "") -> ProxyFailure:
        if kind is ErrorKind.NAME_NOT_FOUND:
            message = f"{host}: name does not resolve (the proxy {proxy.shown} answered {said}{detail})"
        elif kind is ErrorKind.CONNECTION_REFUSED:
            message = f"{target}: connection refused (the proxy {proxy.shown} answered {said}{detail})"
        else:
            message = f"{what}: {target} through the proxy {proxy.shown} ({said}{detail})"
        return ProxyFailure(outcome, kind, message)

    found = _proxy_status(lowered.get("proxy-status", ""))
    if found is not None:
        error, params = found
        detail = f"; Proxy-Status error={error}" + (f" rcode={params['rcode']}" if "rcode" in params else "")
        if error == "dns_error":
            if params.get("rcode", "").upper() == "NXDOMAIN":
                return failure(Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND, "", detail)
            return failure(Outcome.ERROR, ErrorKind.PROXY, "the proxy's resolver failed", detail)
        outcome, kind, what = _PROXY_STATUS_KINDS.get(error, (Outcome.ERROR, ErrorKind.PROXY, "the proxy failed"))
        return failure(outcome, kind, what, detail)
    squid = lowered.get("x-squid-error", "")
    if squid:
        code, _, number = squid.partition(" ")
        detail = f"; {squid}"
        if code == "ERR_DNS_FAIL":
            if any(words in plain.lower() for words in _NXDOMAIN_WORDS):
                detail += ": the domain name does not exist"
                return failure(Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND, "", detail)
            return failure(Outcome.ERROR, ErrorKind.PROXY, "the proxy's resolver failed", detail)
        if code == "ERR_CONNECT_FAIL":
            if number.strip() == "111":
                return failure(Outcome.BROKEN, ErrorKind.CONNECTION_REFUSED, "", detail)
            if number.strip() == "110":
                return failure(Outcome.ERROR, ErrorKind.TIMEOUT, "timed out connecting", detail)
            return failure(Outcome.ERROR, ErrorKind.PROXY, "the proxy could not connect", detail)
        outcome, kind, what = _SQUID_KINDS.get(code, (Outcome.ERROR, ErrorKind.PROXY, "the proxy failed"))
        return failure(outcome, kind, what, detail)
    if status == 500 and (reason.lower() == "unable to connect" or "unable to connect" in plain.lower()):
        lowered_text = plain.lower()  # tinyproxy: strerror(errno) of the failure, if anything
        if "connection refused" in lowered_text:
            return failure(Outcome.BROKEN, ErrorKind.CONNECTION_REFUSED, "")
        if "timed out" in lowered_text:
            return failure(Outcome.ERROR, ErrorKind.TIMEOUT, "timed out connecting")
        if any(words in lowered_text for words in _NXDOMAIN_WORDS):
            return failure(Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND, "")
        return failure(Outcome.ERROR, ErrorKind.PROXY, "the proxy could not connect (it does not say why)")
    if status == 407:
        return ProxyFailure(Outcome.ERROR, ErrorKind.PROXY, f"{_CREDENTIALS} ({proxy.shown} answered {said})")
    if tunnel and status == 403:
        return failure(Outcome.BLOCKED, ErrorKind.HTTP_STATUS, "refused by the proxy's rules")
    if tunnel and status < 500:
        return failure(Outcome.ERROR, ErrorKind.PROXY, "the proxy refused the tunnel")
    if tunnel:
        return failure(Outcome.ERROR, ErrorKind.PROXY, "the proxy could not reach the site")
    return failure(Outcome.ERROR, ErrorKind.PROXY, "the proxy could not reach the site, or the site's gateway failed")


def judge_socks_failure(proxy: Proxy, target: str, error: httpcore.ProxyError) -> ProxyFailure:
    """A SOCKS5 proxy's refusal (httpcore says it in words): refused and ruled out are clear;
    "host unreachable" and "general failure" may be a name that does not resolve or a route."""
    words = str(error)
    lowered = words.lower()
    if "connection refused" in lowered:
        return ProxyFailure(Outcome.BROKEN, ErrorKind.CONNECTION_REFUSED,
                            f"{target}: connection refused (the proxy {proxy.shown}: {words})")  # fmt: skip
    if "ruleset" in lowered:
        return ProxyFailure(Outcome.BLOCKED, ErrorKind.HTTP_STATUS,
                            f"refused by the proxy's rules: {target} through {proxy.shown} ({words})")  # fmt: skip
    if "ttl expired" in lowered:
        return ProxyFailure(Outcome.ERROR, ErrorKind.TIMEOUT, f"timed out: {target} through {proxy.shown} ({words})")
    if "username" in lowered or "authentication" in lowered or "password" in lowered:
        return ProxyFailure(Outcome.ERROR, ErrorKind.PROXY, f"{_CREDENTIALS} ({proxy.shown}: {words})")
    return ProxyFailure(Outcome.ERROR, ErrorKind.PROXY,
                        f"the proxy could not reach the site: {target} through {proxy.shown} ({words})")  # fmt: skip


async def _read_capped(chunks: Any) -> bytes:
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) >= _BODY_CAP:
            break
    return bytes(body)


# -- connections through a proxy -------------------------------------------------------------------


class ProxyBackend(AsyncioBackend):
    """Connections to a proxy: its name resolved by the system, no address guard (the proxy is
    the user's choice), no evidence that the network works, and a failure that says it is the
    proxy that cannot be reached (never the site)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            return await super().connect_tcp(host, port, timeout, local_address, socket_options)
        except httpcore.ConnectTimeout as exc:
            why = f"no connection within {timeout} s"
            raise ProxyFailure(Outcome.ERROR, ErrorKind.PROXY, f"cannot connect to the proxy {shown}: {why}") from exc
        except httpcore.ConnectError as exc:
            cause = exc.__cause__
            why = (cause.strerror if isinstance(cause, OSError) and cause.strerror else None) or str(cause or exc)
            raise ProxyFailure(Outcome.ERROR, ErrorKind.PROXY, f"cannot connect to the proxy {shown}: {why}") from exc


def _headers(proxy: Proxy) -> list[tuple[bytes, bytes]]:
    """Basic credentials for the proxy, from its URL (RFC 7617, UTF-8)."""
    if proxy.auth is None:
        return []
    token = base64.b64encode(f"{proxy.username}:{proxy.password}".encode())
    return [(b"Proxy-Authorization", b"Basic " + token)]


class _Delegating(httpcore.AsyncConnectionInterface):
    """The pool's questions answered by the connection underneath."""

    _connection: httpcore.AsyncConnectionInterface
    _remote: httpcore.Origin

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self._remote

    async def aclose(self) -> None:
        await self._connection.aclose()

    def info(self) -> str:
        return self._connection.info()

    def is_available(self) -> bool:
        return self._connection.is_available()

    def has_expired(self) -> bool:
        return self._connection.has_expired()

    def is_idle(self) -> bool:
        return self._connection.is_idle()

    def is_closed(self) -> bool:
        return self._connection.is_closed()


class _Forward(_Delegating):
    """Plain http through the proxy: each request in absolute form on a connection to the proxy."""

    def __init__(self, proxy: Proxy, remote: httpcore.Origin, connection: httpcore.AsyncHTTPConnection) -> None:
        self._proxy = proxy
        self._remote = remote
        self._connection = connection
        self._origin = httpcore.URL(proxy.url).origin

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        url = httpcore.URL(scheme=self._origin.scheme, host=self._origin.host, port=self._origin.port,
                           target=bytes(request.url))  # fmt: skip
        forwarded = httpcore.Request(request.method, url, headers=[*_headers(self._proxy), *request.headers],
                                     content=request.stream, extensions=request.extensions)  # fmt: skip
        return await self._connection.handle_async_request(forwarded)


class _Tunnel(_Delegating):
    """https through the proxy: CONNECT, then TLS with the site inside the tunnel (HTTP/2 when the
    site offers it). A refusal is judged from the proxy's answer, read before the connection is
    closed; an open tunnel is reported to ``on_open``."""

    def __init__(
        self,
        proxy: Proxy,
        remote: httpcore.Origin,
        connection: httpcore.AsyncHTTPConnection,
        ssl_context: ssl.SSLContext,
        keepalive_expiry: float | None,
        on_open: Callable[[], None],
    ) -> None:
        self._proxy = proxy
        self._remote = remote
        self._connection = connection
        self._ssl_context = ssl_context
        self._keepalive_expiry = keepalive_expiry
        self._on_open = on_open
        self._origin = httpcore.URL(proxy.url).origin
        self._lock = asyncio.Lock()
        self._open = False

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        async with self._lock:
            if not self._open:
                await self._open_tunnel(request)
        return await self._connection.handle_async_request(request)

    async def _open_tunnel(self, request: httpcore.Request) -> None:
        target = b"%b:%d" % (self._remote.host, self._remote.port)
        url = httpcore.URL(scheme=self._origin.scheme, host=self._origin.host, port=self._origin.port, target=target)
        headers = [(b"Host", target), (b"Accept", b"*/*"), *_headers(self._proxy)]
        connect = httpcore.Request(b"CONNECT", url, headers=headers, extensions=request.extensions)
        answer = await self._connection.handle_async_request(connect)
        if not 200 <= answer.status < 300:
            try:
                body = await _read_capped(answer.aiter_stream())
            finally:
                await answer.aclose()
                await self._connection.aclose()
            reason = answer.extensions.get("reason_phrase", b"").decode("ascii", "replace")
            headers_seen = {name.decode("latin-1"): value.decode("latin-1") for name, value in answer.headers}
            raise judge_proxy_answer(self._proxy, target.decode("ascii"), answer.status, reason, headers_seen, body,
                                     tunnel=True)  # fmt: skip
        self._on_open()
        stream: httpcore.AsyncNetworkStream = answer.extensions["network_stream"]
        self._ssl_context.set_alpn_protocols(["http/1.1", "h2"])
        timeout = request.extensions.get("timeout", {}).get("connect")
        stream = await stream.start_tls(self._ssl_context, server_hostname=self._remote.host.decode("ascii"),
                                        timeout=timeout)  # fmt: skip
        ssl_object = stream.get_extra_info("ssl_object")
        if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
            self._connection = httpcore.AsyncHTTP2Connection(self._remote, stream, self._keepalive_expiry)
        else:
            self._connection = httpcore.AsyncHTTP11Connection(self._remote, stream, self._keepalive_expiry)
        self._open = True


class _Judged(_Delegating):
    """A SOCKS5 connection whose refusals are judged, and whose open tunnel is reported."""

    def __init__(self, proxy: Proxy, remote: httpcore.Origin, connection: httpcore.AsyncConnectionInterface,
                 on_open: Callable[[], None]) -> None:  # fmt: skip
        self._proxy = proxy
        self._remote = remote
        self._connection = connection
        self._on_open = on_open

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        target = f"{self._remote.host.decode('ascii')}:{self._remote.port}"
        try:
            response = await self._connection.handle_async_request(request)
        except httpcore.ProxyError as exc:
            raise judge_socks_failure(self._proxy, target, exc) from exc
        except httpcore.ConnectError as exc:
            if any(isinstance(item, ssl.SSLError) for item in (exc, exc.__cause__, exc.__context__)):
                self._on_open()  # the tunnel was open: the TLS handshake with the site failed inside it
            raise
        self._on_open()
        return response


class ProxyPool(httpcore.AsyncConnectionPool):
    """The connections to one origin through an HTTP(S) proxy."""

    def __init__(
        self,
        proxy: Proxy,
        backend: httpcore.AsyncNetworkBackend,
        ssl_context: ssl.SSLContext,
        proxy_ssl_context: ssl.SSLContext | None,
        *,
        max_connections: int,
        keepalive_expiry: float,
        on_open: Callable[[], None],
    ) -> None:
        super().__init__(ssl_context=ssl_context, max_connections=max_connections,
                         max_keepalive_connections=max_connections, keepalive_expiry=keepalive_expiry,
                         http1=True, http2=True, network_backend=backend)  # fmt: skip
        self._via = proxy
        self._origin_context = ssl_context
        self._via_context = proxy_ssl_context
        self._expiry = keepalive_expiry
        self._backend = backend
        self._on_open = on_open

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        to_proxy = httpcore.AsyncHTTPConnection(
            origin=httpcore.URL(self._via.url).origin,
            ssl_context=self._via_context,
            keepalive_expiry=self._expiry,
            network_backend=self._backend,
        )
        if origin.scheme == b"http":
            return _Forward(self._via, origin, to_proxy)
        return _Tunnel(self._via, origin, to_proxy, self._origin_context, self._expiry, self._on_open)


class SocksPool(httpcore.AsyncSOCKSProxy):
    """The connections to one origin through a SOCKS5 proxy (which resolves the name)."""

    def __init__(
        self,
        proxy: Proxy,
        backend: httpcore.AsyncNetworkBackend,
        ssl_context: ssl.SSLContext,
        *,
        max_connections: int,
        keepalive_expiry: float,
        on_open: Callable[[], None],
    ) -> None:
        super().__init__(proxy_url=proxy.url.replace("socks5h://", "socks5://", 1), proxy_auth=proxy.auth,
                         ssl_context=ssl_context, max_connections=max_connections,
                         max_keepalive_connections=max_connections, keepalive_expiry=keepalive_expiry,
                         http1=True, http2=True, network_backend=backend)  # fmt: skip
        self._via = proxy
        self._on_open = on_open

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        return _Judged(self._via, origin, super().create_connection(origin), self._on_open)

"""Which configured headers a request carries, and where a secret may travel.

- ``check.headers`` go with every request (they are meant for every host).
- A host table's headers (``[check.hosts."docs.example"]``, or ``"docs.example:8443"`` for one
  port) and the GitHub token go to that host only, and only within the link's own origin (scheme,
  host and port): a redirect to another scheme, host or port drops them, as curl drops
  ``Authorization``, so a host that sends the checker elsewhere never receives them.
- None of them goes over plain http, which anyone on the path can read, unless the request stays
  on this machine (a loopback address, ``localhost``, or a name ``check.resolve`` pins to
  loopback) or ``headers_over_http = true`` says so (in ``[check]``, or in the host's table).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from linkkeeper.checking.hosts import GITHUB_HOSTS, parse_headers
from linkkeeper.config import CheckSettings, split_host_key

__all__ = ["HeaderScopes", "carries_secrets_safely", "origin_of"]

Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> Origin:
    """``(scheme, host, port)`` of ``url``, the port made explicit; a URL that cannot be split has
    an origin no other URL shares."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
        return scheme, host, parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        return "", url, -1


def _stays_on_this_machine(host: str, resolve: Mapping[str, str]) -> bool:
    """A loopback address, ``localhost`` (RFC 6761: never anything else), or a name pinned to one."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(resolve.get(host, host).strip("[]").split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def carries_secrets_safely(url: str, resolve: Mapping[str, str] | None = None, *, over_http: bool = False) -> bool:
    """Whether a request to ``url`` may carry a secret: over https, or over plain http only to this
    machine or when ``over_http`` (a setting) allows it."""
    scheme, host, _ = origin_of(url)
    if scheme == "https":
        return True
    return scheme == "http" and (over_http or _stays_on_this_machine(host, resolve or {}))


class HeaderScopes:
    """The headers each request of a run carries, worked out once per (hop origin, link origin)."""

    def __init__(
        self,
        settings: CheckSettings,
        environ: Mapping[str, str],
        *,
        resolve: Mapping[str, str],
        github_token: str = "",
    ) -> None:
        self._everywhere = parse_headers(settings.headers, environ)
        self._over_http = settings.headers_over_http
        self._resolve = resolve
        self._github_token = github_token
        # (host, port or None) -> (headers, may go over http); parsed now, so a bad header stops
        # the run before its first request.
        self._tables: dict[tuple[str, int | None], tuple[dict[str, str], bool]] = {}
        for key, table in settings.hosts.items():
            host, port = split_host_key(key)
            over_http = table.headers_over_http if table.headers_over_http is not None else self._over_http
            self._tables[host, port] = (parse_headers(table.headers, environ), over_http)
        self._cache: dict[tuple[Origin, bool], dict[str, str]] = {}

    def for_request(self, url: str, link: str) -> dict[str, str]:
        """The configured headers for a request to ``url``, made while checking ``link``."""
        origin = origin_of(url)
        own_origin = origin == origin_of(link)
        key = (origin, own_origin)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._work_out(url, origin, own_origin)
        return found

    def _work_out(self, url: str, origin: Origin, own_origin: bool) -> dict[str, str]:
        scheme, host, port = origin
        safe = carries_secrets_safely(url, self._resolve, over_http=self._over_http)
        headers = dict(self._everywhere) if safe else {}
        if not own_origin:
            return headers
        # The host's table, then its port's: a "HOST:PORT" table adds to the host's headers (and
        # wins where both name one).
        for table in (self._tables.get((host, None)), self._tables.get((host, port))):
            if table is not None and carries_secrets_safely(url, self._resolve, over_http=table[1]):
                headers.update(table[0])
        has_authorization = any(name.lower() == "authorization" for name in headers)
        if self._github_token and host in GITHUB_HOSTS and scheme == "https" and not has_authorization:
            headers["Authorization"] = f"Bearer {self._github_token}"
        return headers

"""The transport under the run's httpx client: one small connection pool per origin.

httpcore's pool scans every connection it holds for each request it places, and asks the
operating system whether each idle one is still readable; one pool holding a keep-alive
connection to every host of a run therefore costs quadratic time (measured: 55 s instead of 12 s
for 5,000 URLs over 100 hosts). A pool per origin holds only that host's few connections, so
placing a request costs the same on the hundredth host as on the first.

A proxied origin's pool connects through its proxy (``proxy.py``): the proxy resolves the name,
so only the URL's literal host can be judged by the address guard. Each pool verifies TLS with
the run's trust (``trust.py``), or not at all for a host marked insecure.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Callable, Mapping
from http.cookiejar import CookieJar
from typing import Any

import httpcore
import httpx

from linkkeeper.checking.guard import GuardedBackend, UnsafeAddress, refusal_reason
from linkkeeper.checking.proxy import (
    Proxy,
    ProxyBackend,
    ProxyPool,
    ProxyRules,
    SocksPool,
    is_proxy_answer,
    judge_proxy_answer,
    proxy_rules,
    refused_through_proxy,
)
from linkkeeper.checking.trust import Trust
from linkkeeper.config import CheckSettings

_KEEPALIVE_SECONDS = 5.0


class _OriginTransport(httpx.AsyncHTTPTransport):
    """httpx's transport for one origin, with our network backend under its pool."""

    def __init__(self, backend: GuardedBackend, ssl_context: ssl.SSLContext, *, max_connections: int) -> None:
        super().__init__(verify=ssl_context, http2=True)  # a given context: no certificate loading per pool
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=_KEEPALIVE_SECONDS,
            http1=True,
            http2=True,
            network_backend=backend,
        )


class _ProxiedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport for one origin reached through a proxy. A forwarded (plain http) answer
    that is the proxy's own words about the site is judged as such, never as the site's status."""

    def __init__(
        self,
        proxy: Proxy,
        backend: ProxyBackend,
        trust: Trust,
        ssl_context: ssl.SSLContext,
        *,
        max_connections: int,
        on_open: Callable[[], None],
        on_answer: Callable[[], None],
    ) -> None:
        super().__init__(verify=ssl_context, http2=True)
        self._proxy = proxy
        self._on_answer = on_answer
        pool: httpcore.AsyncConnectionPool
        if proxy.socks:
            pool = SocksPool(proxy, backend, ssl_context, max_connections=max_connections,
                             keepalive_expiry=_KEEPALIVE_SECONDS, on_open=on_open)  # fmt: skip
        else:
            proxy_context = trust.proxy if proxy.scheme == "https" else None
            pool = ProxyPool(proxy, backend, ssl_context, proxy_context, max_connections=max_connections,
                             keepalive_expiry=_KEEPALIVE_SECONDS, on_open=on_open)  # fmt: skip
        self._pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        reason = response.extensions.get("reason_phrase", b"").decode("ascii", "replace")
        forwarded = request.url.scheme == "http" and not self._proxy.socks
        if not (forwarded and is_proxy_answer(response.status_code, response.headers, reason)):
            self._on_answer()
            return response
        status, headers, body = response.status_code, response.headers, await _page(response)
        if request.method == "HEAD" and not body and status >= 500:
            # A HEAD's answer has no page, and the proxy's page is what tells a name that does not
            # exist from a resolver that failed: the proxy (not the site) is asked again with GET.
            again = httpx.Request("GET", request.url, headers=request.headers, extensions=request.extensions)
            second = await super().handle_async_request(again)
            second_reason = second.extensions.get("reason_phrase", b"").decode("ascii", "replace")
            if is_proxy_answer(second.status_code, second.headers, second_reason):
                status, headers, reason, body = second.status_code, second.headers, second_reason, await _page(second)
            else:
                await second.aclose()  # the site answered this time: the first answer is judged
        url = request.url
        host = f"[{url.host}]" if ":" in url.host else url.host
        failure = judge_proxy_answer(self._proxy, f"{host}:{url.port or 80}", status, reason, headers, body,
                                     tunnel=False)  # fmt: skip
        raise httpx.ConnectError(failure.message, request=request) from failure


async def _page(response: httpx.Response) -> bytes:
    """The start of a proxy's error page (what a proxy explains fits in it), and the response closed."""
    body = bytearray()
    try:
        async for chunk in response.aiter_raw():
            body += chunk
            if len(body) >= 64 * 1024:
                break
    finally:
        await response.aclose()
    return bytes(body)


class _CookiesFromSetCookie(httpx.Cookies):
    """httpx's cookie jar, which looks at a response only when it sets a cookie: httpx wraps every
    response in urllib's request and response types before the jar can tell there is nothing to
    take (about 8 % of a run's CPU when almost no site sets cookies)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class RunClient(httpx.AsyncClient):
    """The run's one client: httpx's, with a cookie jar that skips responses setting no cookie."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._run_cookies = _CookiesFromSetCookie(super().cookies)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._run_cookies

    @cookies.setter
    def cookies(self, cookies: httpx.Cookies | CookieJar | dict[str, str] | list[tuple[str, str]]) -> None:
        self._run_cookies = _CookiesFromSetCookie(cookies)


class PerOriginTransport(httpx.AsyncBaseTransport):
    """Routes each request to its origin's pool, created on first use and sized by
    ``connections_for(host)`` (the host's concurrency; redirect hops from other hosts wait
    their turn for a connection, never for a slot). ``proxies`` says which origins go through a
    proxy, ``trust`` how TLS is verified (the system's store when not given)."""

    def __init__(
        self,
        backend: GuardedBackend,
        connections_for: Callable[[str], int],
        *,
        trust: Trust | None = None,
        proxies: ProxyRules | None = None,
        exclude_private: bool = False,
    ) -> None:
        self._backend = backend
        self._connections_for = connections_for
        self._proxies = proxies or ProxyRules()
        self._trust = trust or Trust.load(CheckSettings(), {})
        self._exclude_private = exclude_private
        self._proxy_backend = ProxyBackend()
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}
        self.proxied_hosts: set[str] = set()  # hosts asked through a proxy this run
        self.proxy_resolved = False  # a proxy reached some site by its name this run

    def _tunnel_opened(self) -> None:
        """A proxy reached a site for us: the network beyond it works."""
        self._backend.connected += 1
        self.proxy_resolved = True

    def _proxy_answered(self) -> None:
        self.proxy_resolved = True

    def _pool_for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        connections = self._connections_for(url.host)
        context = self._trust.for_host(url.host)
        proxy = self._proxies.for_url(url.scheme, url.host, url.port)
        if proxy is None:
            return _OriginTransport(self._backend, context, max_connections=connections)
        self.proxied_hosts.add(url.host)
        return _ProxiedTransport(proxy, self._proxy_backend, self._trust, context, max_connections=connections,
                                 on_open=self._tunnel_opened, on_answer=self._proxy_answered)  # fmt: skip

    def _refusal(self, url: httpx.URL) -> str | None:
        """Why a proxied origin is not asked: its literal address, or a metadata service's name."""
        if self._proxies.for_url(url.scheme, url.host, url.port) is None:
            return None  # asked directly: the guard judges the addresses it resolves
        try:
            ipaddress.ip_address(url.host)
        except ValueError:
            return refused_through_proxy(url.host)
        reason = refusal_reason(url.host, exclude_private=self._exclude_private)
        return None if reason is None else f"{url.host}: {reason}; not asking the proxy"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(origin)
        if pool is None:
            refusal = self._refusal(url)
            if refusal is not None:
                raise httpx.ConnectError(refusal, request=request) from UnsafeAddress(refusal)
            pool = self._pool_for(url)
            self._pools[origin] = pool
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()


def web_transport(
    settings: CheckSettings,
    environ: Mapping[str, str],
    *,
    connections: int = 10,
    resolve: Mapping[str, str] | None = None,
) -> PerOriginTransport:
    """A transport for linkkeeper's own requests beyond the checker's (the Wayback Machine's and
    GitHub's APIs): the same proxies, trust and address guard (``exclude_private`` too: an
    endpoint a repository's settings name is no more trusted than its links), and ``resolve``'s
    fixed names."""
    proxies = proxy_rules(settings.proxy, environ)
    trust = Trust.load(settings, environ, https_proxy=proxies.tls_to_proxy)
    backend = GuardedBackend(resolve or {}, exclude_private=settings.exclude_private)
    return PerOriginTransport(backend, lambda host: connections, trust=trust, proxies=proxies,
                              exclude_private=settings.exclude_private)  # fmt: skip

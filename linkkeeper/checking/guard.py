"""Name resolution and address safety, on the connection itself.

Every TCP connection httpx opens — the first request and every redirect hop — goes through
``GuardedBackend.connect_tcp``: the name is resolved here (``--resolve`` entries first, RFC 6761's
``.invalid`` never leaves the machine, then the system resolver), and each resolved address is
checked before any byte is sent. Checking the resolved address, not the URL's text, is what stops
a name that points at a cloud metadata service.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpcore

from linkkeeper.checking.stream import AsyncioBackend

_ALWAYS_REFUSED = (
    ipaddress.ip_network("169.254.0.0/16"),  # link-local, including 169.254.169.254 metadata
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS metadata over IPv6
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud metadata
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_LOCAL_NAMES = {"localhost": "127.0.0.1"}


class NameNotResolved(httpcore.ConnectError):
    """The host name does not resolve (NXDOMAIN or no address)."""


class UnsafeAddress(httpcore.ConnectError):
    """The host resolves to an address linkkeeper refuses to connect to."""


class ConnectionRefused(httpcore.ConnectError):
    """Nothing listens at the address."""


def never_resolves(name: str) -> bool:
    """RFC 6761's ``.invalid``: a name that resolves nowhere, so it is never asked of anyone."""
    name = name.lower().rstrip(".")
    return name == "invalid" or name.endswith(".invalid")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and leads to: mapped (::ffff:a.b.c.d), compatible
    (::a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) or Teredo (2001::/32)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or ip in _NAT64_LOCAL or (int(ip) >> 32 == 0 and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal_reason(address: str, *, exclude_private: bool) -> str | None:
    """Why ``address`` must not be connected to, or None when it may be. An IPv6 address that
    carries an IPv4 address is judged by both."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        candidates.append(embedded)
    if any(candidate in network for candidate in candidates for network in _ALWAYS_REFUSED):
        return f"{address} is a link-local or cloud metadata address"
    if exclude_private and not all(candidate.is_global for candidate in candidates):
        return f"{address} is a private, loopback or reserved address (check.exclude_private)"
    return None


def _retrieve(future: asyncio.Future[Sequence[str]]) -> None:
    if not future.cancelled():
        future.exception()


class GuardedBackend(AsyncioBackend):
    """The network backend, with our resolver and the address check in front."""

    def __init__(self, resolve: Mapping[str, str], *, exclude_private: bool) -> None:
        super().__init__()
        self._resolve = dict(resolve)
        self._exclude_private = exclude_private
        self._lookups: dict[tuple[str, int], asyncio.Future[Sequence[str]]] = {}
        self.connected = 0  # TCP connections established
        self.resolved_a_name = False  # the system resolver gave addresses for a link's (dotted) name

    async def _addresses(self, host: str, port: int) -> Sequence[str]:
        """Resolve once per run and name: every URL of a host shares the first lookup (or its failure)."""
        key = (host.lower(), port)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = asyncio.ensure_future(self._lookup(host, port))
            lookup.add_done_callback(_retrieve)  # a failure nobody awaits any more is still handled
            self._lookups[key] = lookup
        return await asyncio.shield(lookup)

    async def _lookup(self, host: str, port: int) -> Sequence[str]:
        name = host.lower().rstrip(".")
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            pass
        else:
            return [name.strip("[]")]
        if name in self._resolve:
            return [self._resolve[name]]
        if name in _LOCAL_NAMES:
            return [_LOCAL_NAMES[name]]
        if never_resolves(name):
            raise NameNotResolved(f"{host}: name does not resolve (.invalid never does)")
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NameNotResolved(f"{host}: name does not resolve ({exc.strerror})") from exc
        except UnicodeError as exc:  # the resolver's IDNA encoding: an empty or overlong label
            raise NameNotResolved(f"{host}: not a valid host name ({exc})") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise NameNotResolved(f"{host}: no address")
        self.resolved_a_name |= "." in name
        return addresses

    async def resolver_works(self, canary: str, timeout: float) -> bool:
        """Whether this machine's resolver is shown to resolve public names: ``canary`` (a name
        that always exists) resolves through it, not through ``--resolve`` or a local name; with no
        canary, whether some link's name resolved this run. A resolver that resolves nothing, or
        only an allow list (a proxy-only network), makes "name does not resolve" no evidence."""
        if not canary:
            return self.resolved_a_name
        try:
            async with asyncio.timeout(timeout):
                infos = await asyncio.get_running_loop().getaddrinfo(canary, 443, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, TimeoutError):
            return False
        return bool(infos)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._addresses(host, port)
        for address in addresses:
            reason = refusal_reason(address, exclude_private=self._exclude_private)
            if reason is not None:
                raise UnsafeAddress(f"{host}: {reason}; not connecting")
        last_error: Exception | None = None
        for address in addresses:
            try:
                stream = await super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last_error = exc
                if isinstance(exc.__context__, ConnectionRefusedError) or "refused" in str(exc).lower():
                    last_error = ConnectionRefused(f"{host}:{port}: connection refused")
                continue
            self.connected += 1  # the network carried a handshake: evidence it is up
            return stream
        assert last_error is not None
        raise last_error

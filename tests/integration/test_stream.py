"""The asyncio network backend under httpcore, on real loopback sockets: TLS, timeouts, closes."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import httpcore
import pytest
import trustme

from linkkeeper.check.stream import AsyncioBackend

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


async def _answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    await writer.drain()
    writer.close()


async def _say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # until the client gives up and closes


async def _close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def _serve(handler: Handler, server_ssl: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=server_ssl)
    async with server:
        yield server.sockets[0].getsockname()[1]


def _pool(client_ssl: ssl.SSLContext | None = None) -> httpcore.AsyncConnectionPool:
    return httpcore.AsyncConnectionPool(ssl_context=client_ssl, network_backend=AsyncioBackend())


async def test_tls_request_is_answered(authority: trustme.CA) -> None:
    """An https request goes through the TLS handshake (certificate checked) and reads the body."""
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_ssl)
    client_ssl = ssl.create_default_context()
    authority.configure_trust(client_ssl)
    async for port in _serve(_answer_ok, server_ssl):
        async with _pool(client_ssl) as pool:
            response = await pool.request("GET", f"https://localhost:{port}/")
    assert (response.status, response.content) == (200, b"hello")


async def test_untrusted_certificate_is_a_connect_error_caused_by_ssl(authority: trustme.CA) -> None:
    """A certificate from an unknown authority fails the handshake; the SSL error stays in the chain."""
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_ssl)
    async for port in _serve(_answer_ok, server_ssl):
        async with _pool(ssl.create_default_context()) as pool:
            with pytest.raises(httpcore.ConnectError) as raised:
                await pool.request("GET", f"https://localhost:{port}/")
    assert isinstance(raised.value.__context__, ssl.SSLError)  # httpcore re-raises "from None"


async def test_silent_server_is_a_read_timeout() -> None:
    """A server that never answers runs into the read timeout."""
    async for port in _serve(_say_nothing):
        async with _pool() as pool:
            with pytest.raises(httpcore.ReadTimeout):
                await pool.request("GET", f"http://127.0.0.1:{port}/", extensions={"timeout": {"read": 0.2}})


async def test_server_closing_before_answering_is_a_protocol_error() -> None:
    """A connection closed before any answer ends the request with an error, not a hang."""
    async for port in _serve(_close_at_once):
        async with _pool() as pool:
            with pytest.raises((httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError)):
                await pool.request("GET", f"http://127.0.0.1:{port}/", extensions={"timeout": {"read": 5}})


async def test_nothing_listening_is_a_connect_error_caused_by_refusal() -> None:
    """A refused connection is a ConnectError whose cause is ConnectionRefusedError."""
    backend = AsyncioBackend()
    with pytest.raises(httpcore.ConnectError) as raised:
        await backend.connect_tcp("127.0.0.250", 9, timeout=5)
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)

"""The asyncio network backend under httpcore, on real loopback sockets: TLS, timeouts, closes."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import h2.config
import h2.connection
import h2.events
import httpcore
import pytest
import trustme

from linkkeeper.checking.stream import AsyncioBackend

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


async def _answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    await writer.drain()
    writer.close()


async def _answer_big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    body = bytes(range(256)) * 8192  # 2 MiB: past the reader's pause threshold many times
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
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


def _tls_contexts(authority: trustme.CA) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for localhost, and a client context trusting its authority."""
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_ssl)
    client_ssl = ssl.create_default_context()
    authority.configure_trust(client_ssl)
    return server_ssl, client_ssl


def _pool(client_ssl: ssl.SSLContext | None = None) -> httpcore.AsyncConnectionPool:
    return httpcore.AsyncConnectionPool(ssl_context=client_ssl, network_backend=AsyncioBackend())


async def test_tls_request_is_answered(authority: trustme.CA) -> None:
    """An https request goes through the TLS handshake (certificate checked) and reads the body."""
    server_ssl, client_ssl = _tls_contexts(authority)
    async for port in _serve(_answer_ok, server_ssl):
        async with _pool(client_ssl) as pool:
            response = await pool.request("GET", f"https://localhost:{port}/")
    assert (response.status, response.content) == (200, b"hello")


class _H2Server(asyncio.Protocol):
    """A minimal HTTP/2 server (the h2 library httpx itself uses): every request gets a short 200."""

    def __init__(self) -> None:
        self.connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.connection.initiate_connection()
        transport.write(self.connection.data_to_send())

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        for event in self.connection.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                path = dict(event.headers)[b":path"]
                body = b"h2 says " + path
                head = [(":status", "200"), ("content-length", str(len(body)))]
                self.connection.send_headers(event.stream_id, head)
                self.connection.send_data(event.stream_id, body, end_stream=True)
        self.transport.write(self.connection.data_to_send())


async def test_http2_over_tls_multiplexes_on_one_connection(authority: trustme.CA) -> None:
    """With ALPN choosing h2, several requests share one TLS connection and read their own bodies."""
    server_ssl, client_ssl = _tls_contexts(authority)
    server_ssl.set_alpn_protocols(["h2"])
    connections = 0

    def protocol() -> _H2Server:
        nonlocal connections
        connections += 1
        return _H2Server()

    server = await asyncio.get_running_loop().create_server(protocol, "127.0.0.1", 0, ssl=server_ssl)
    port = server.sockets[0].getsockname()[1]
    async with (
        server,
        httpcore.AsyncConnectionPool(
            ssl_context=client_ssl, http1=False, http2=True, network_backend=AsyncioBackend()
        ) as pool,
    ):
        first = await pool.request("GET", f"https://localhost:{port}/first")
        rest = await asyncio.gather(*(pool.request("GET", f"https://localhost:{port}/{n}") for n in range(5)))
    assert first.extensions["http_version"] == b"HTTP/2"
    assert first.content == b"h2 says /first"
    assert [response.content for response in rest] == [f"h2 says /{n}".encode() for n in range(5)]
    assert connections == 1


async def test_large_tls_body_arrives_whole_through_flow_control(authority: trustme.CA) -> None:
    """A body much larger than the read buffer's limit pauses and resumes the TLS stream, losing nothing."""
    server_ssl, client_ssl = _tls_contexts(authority)
    async for port in _serve(_answer_big, server_ssl):
        async with _pool(client_ssl) as pool:
            response = await pool.request("GET", f"https://localhost:{port}/")
    assert response.content == bytes(range(256)) * 8192


async def test_untrusted_certificate_is_a_connect_error_caused_by_ssl(authority: trustme.CA) -> None:
    """A certificate from an unknown authority fails the handshake; the SSL error stays in the chain."""
    server_ssl, _ = _tls_contexts(authority)
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

"""Proxies on real sockets: a forward proxy (absolute-form and CONNECT) and a SOCKS5 proxy started
by each test on loopback, resolving names this machine cannot. What goes through which proxy,
what NO_PROXY sends directly, how a proxy's own failures are judged, and that its credentials
never reach any output."""

from __future__ import annotations

import dataclasses
import sqlite3
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from linkkeeper.checking import Checker
from linkkeeper.checking.network import network_is_down
from linkkeeper.checking.proxy import ProxyFailure
from linkkeeper.checking.transport import web_transport
from linkkeeper.config import CheckSettings, Settings
from linkkeeper.history import History
from linkkeeper.models import CheckResult, ErrorKind, Outcome
from linkkeeper.pipeline import run_check
from linkkeeper.report import Places, render
from linkkeeper.report.check import to_text
from tests.fakeproxy import FakeProxy, FakeSocks, TLSServer
from tests.fakeweb import FakeWeb

SECRET = "s3cr3t-Pw"


def names_of(web: FakeWeb) -> dict[str, str]:
    return dict(zip(web.names, web.addresses, strict=True))


def settings(**overrides: Any) -> CheckSettings:
    """No --resolve: the proxy resolves the fake hosts' names, this machine does not."""
    base = CheckSettings(timeout=3.0, connect_timeout=1.0, read_timeout=2.0, retries=0, backoff=0.01,
                         dns_canary="")  # fmt: skip
    return dataclasses.replace(base, **overrides)


async def check(environ: dict[str, str], urls: list[str], **overrides: Any) -> list[CheckResult]:
    return await Checker(settings(**overrides), environ=environ).run(urls)


@pytest.fixture
def proxy(fakeweb: FakeWeb) -> Iterator[FakeProxy]:
    server = FakeProxy({**names_of(fakeweb), "secure.test": "127.0.0.1"}, credentials=("alice", SECRET)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def secure(authority: trustme.CA) -> Iterator[TLSServer]:
    server = TLSServer(authority, ("secure.test",)).start()
    yield server
    server.stop()


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "company-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return str(path)


async def test_plain_http_goes_through_the_proxy_with_its_credentials(fakeweb: FakeWeb, proxy: FakeProxy) -> None:
    """HTTP_PROXY: the request is forwarded in absolute form, with Proxy-Authorization; the name
    is the proxy's to resolve (this machine has no address for h0.test)."""
    (result,) = await check({"HTTP_PROXY": proxy.url()}, [fakeweb.url(0, "/ok")])
    assert (result.outcome, result.status_code) == (Outcome.ALIVE, 200), result
    assert [(seen.target, seen.authorized) for seen in proxy.log] == [(fakeweb.url(0, "/ok"), True)]
    assert fakeweb.count(host=0, path="/ok") == 1


async def test_no_proxy_host_is_asked_directly(fakeweb: FakeWeb, proxy: FakeProxy) -> None:
    """A host in NO_PROXY (here with a leading dot) is asked directly, resolved by --resolve; the
    others through the proxy."""
    environ = {"http_proxy": proxy.url(), "NO_PROXY": "localhost, .h1.test,10.0.0.0/8"}
    results = await check(environ, [fakeweb.url(0, "/ok"), fakeweb.url(1, "/ok")], resolve=fakeweb.resolve_entries())
    assert [result.outcome for result in results] == [Outcome.ALIVE, Outcome.ALIVE]
    assert [seen.target for seen in proxy.log] == [fakeweb.url(0, "/ok")]
    assert fakeweb.count(host=1, path="/ok") == 1


async def test_https_goes_through_a_connect_tunnel(proxy: FakeProxy, secure: TLSServer, ca_file: str) -> None:
    """HTTPS_PROXY: CONNECT to the site, TLS with the site inside the tunnel, verified against
    the CA in SSL_CERT_FILE."""
    url = f"https://secure.test:{secure.port}/page"
    (result,) = await check({"HTTPS_PROXY": proxy.url(), "SSL_CERT_FILE": ca_file}, [url])
    assert (result.outcome, result.status_code) == (Outcome.ALIVE, 200), result
    assert [(seen.method, seen.target, seen.authorized) for seen in proxy.log] == [
        ("CONNECT", f"secure.test:{secure.port}", True)
    ]


async def test_an_https_proxy_is_spoken_to_over_tls(
    fakeweb: FakeWeb, authority: trustme.CA, secure: TLSServer, ca_file: str
) -> None:
    """https://proxy: TLS to the proxy (verified like any site), then forwarding, or TLS with the site inside it."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)  # the proxy's own name: the system resolves it
    names = {**names_of(fakeweb), "secure.test": "127.0.0.1"}
    server = FakeProxy(names, credentials=("alice", SECRET), tls=context).start()
    try:
        environ = {"ALL_PROXY": server.url(host="localhost"), "SSL_CERT_FILE": ca_file}
        results = await check(environ, [fakeweb.url(0, "/ok"), f"https://secure.test:{secure.port}/"])
    finally:
        server.stop()
    assert [result.outcome for result in results] == [Outcome.ALIVE, Outcome.ALIVE], results
    assert sorted((seen.method == "CONNECT", seen.authorized) for seen in server.log) == [(False, True), (True, True)]


async def test_check_proxy_overrides_the_environment(fakeweb: FakeWeb, proxy: FakeProxy) -> None:
    """check.proxy is used for every request, whatever HTTP_PROXY says; NO_PROXY still applies."""
    environ = {"HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "h1.test"}
    results = await check(environ, [fakeweb.url(0, "/ok"), fakeweb.url(1, "/ok")], proxy=proxy.url(),
                          resolve=fakeweb.resolve_entries())  # fmt: skip
    assert [result.outcome for result in results] == [Outcome.ALIVE, Outcome.ALIVE]
    assert [seen.target for seen in proxy.log] == [fakeweb.url(0, "/ok")]


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_name_the_proxys_resolver_says_does_not_exist_is_name_not_found(
    fakeweb: FakeWeb, proxy: FakeProxy, secure: TLSServer, ca_file: str, scheme: str
) -> None:
    """squid's ERR_DNS_FAIL "Name Error" (forwarded, or refusing a CONNECT) is the name not
    resolving — at the proxy, whose resolver answered another name in the same run."""
    environ = {"ALL_PROXY": proxy.url(), "SSL_CERT_FILE": ca_file}
    gone = f"{scheme}://gone.test/post"
    checker = Checker(settings(), environ=environ)
    results = await checker.run([fakeweb.url(0, "/ok"), gone])
    assert results[0].outcome is Outcome.ALIVE
    assert (results[1].outcome, results[1].error_kind, results[1].status_code) == (
        Outcome.BROKEN,
        ErrorKind.NAME_NOT_FOUND,
        None,
    ), results[1]
    assert "gone.test: name does not resolve" in results[1].error and "ERR_DNS_FAIL" in results[1].error
    assert checker.resolver_works  # the proxy's resolver is shown to work: the failure is evidence


async def test_a_head_answer_without_the_proxys_page_asks_the_proxy_again(proxy: FakeProxy) -> None:
    """squid answers HEAD without its page, and the page is what says the name does not exist:
    the proxy (never the site: it has no address) is asked once more, with GET."""
    transport = web_transport(CheckSettings(proxy=proxy.url()), {})
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError) as raised:
            await client.head("http://gone.test/post")
    failure = raised.value.__cause__
    assert isinstance(failure, ProxyFailure) and failure.kind is ErrorKind.NAME_NOT_FOUND, failure
    assert [(seen.method, seen.target) for seen in proxy.log] == [
        ("HEAD", "http://gone.test/post"),
        ("GET", "http://gone.test/post"),
    ]


@pytest.mark.parametrize(("style", "scheme"), [("tinyproxy", "http"), ("tinyproxy", "https"), ("bare-502", "http"),
                                               ("bare-502", "https")])  # fmt: skip
async def test_a_proxy_that_cannot_say_why_is_a_proxy_error_not_the_sites_status(
    fakeweb: FakeWeb, style: str, scheme: str
) -> None:
    """tinyproxy's "500 Unable to connect" and a bare 502 say only that the proxy could not get
    there: an error of kind proxy, with no status code of the site, retried, never broken."""
    server = FakeProxy(names_of(fakeweb), style=style).start()
    try:
        (result,) = await check({"ALL_PROXY": server.url()}, [f"{scheme}://gone.test/"], retries=1)
    finally:
        server.stop()
    assert (result.outcome, result.error_kind, result.status_code) == (Outcome.ERROR, ErrorKind.PROXY, None), result
    assert "through the proxy" in result.error and result.attempts == 2


async def test_proxy_status_nxdomain_is_name_not_found(fakeweb: FakeWeb) -> None:
    """RFC 9209: Proxy-Status error=dns_error; rcode=NXDOMAIN."""
    server = FakeProxy(names_of(fakeweb), style="proxy-status").start()
    try:
        (result,) = await check({"HTTP_PROXY": server.url()}, ["http://gone.test/"])
    finally:
        server.stop()
    assert (result.outcome, result.error_kind) == (Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND), result


async def test_an_unreachable_proxy_is_the_networks_failure(fakeweb: FakeWeb) -> None:
    """Nothing listens where the proxy should be: every link is a proxy error (not "connection
    refused" of the site), nothing connected, so the run is judged offline."""
    checker = Checker(settings(), environ={"HTTP_PROXY": fakeweb.refused_url().removesuffix("/")})
    results = await checker.run([fakeweb.url(0, "/ok"), fakeweb.url(1, "/ok")])
    assert {(result.outcome, result.error_kind) for result in results} == {(Outcome.ERROR, ErrorKind.PROXY)}
    assert all("cannot connect to the proxy 127.0.0.250:" in result.error for result in results)
    assert network_is_down(results, connected=checker.connected)


async def test_the_proxy_asking_for_credentials_says_where_to_put_them(fakeweb: FakeWeb, proxy: FakeProxy) -> None:
    (result,) = await check({"HTTP_PROXY": proxy.url(with_credentials=False)}, [fakeweb.url(0, "/ok")])
    assert (result.outcome, result.error_kind) == (Outcome.ERROR, ErrorKind.PROXY)
    assert "the proxy asks for credentials" in result.error


async def test_address_guard_judges_the_literal_host_through_a_proxy(fakeweb: FakeWeb, proxy: FakeProxy) -> None:
    """The proxy resolves names, so only a URL's literal host can be refused: metadata addresses
    always, private ones with exclude_private, metadata services' names too; nothing reaches the proxy."""
    urls = ["http://169.254.169.254/latest/", "http://10.1.2.3/", "http://metadata.google.internal/"]
    results = await check({"HTTP_PROXY": proxy.url()}, urls, exclude_private=True)
    assert [(result.outcome, result.error_kind) for result in results] == [
        (Outcome.EXCLUDED, ErrorKind.UNSAFE_ADDRESS)
    ] * 3
    assert proxy.log == []


async def test_a_loopback_address_goes_through_the_proxy_unless_no_proxy_names_it(
    fakeweb: FakeWeb, proxy: FakeProxy
) -> None:
    """As curl, requests and httpx do: HTTP_PROXY covers loopback addresses too; NO_PROXY exempts them."""
    url = f"http://{fakeweb.addresses[2]}:{fakeweb.port}/ok"
    (result,) = await check({"HTTP_PROXY": proxy.url()}, [url])
    assert result.outcome is Outcome.ALIVE and [seen.target for seen in proxy.log] == [url]
    (direct,) = await check({"HTTP_PROXY": proxy.url(), "NO_PROXY": fakeweb.addresses[2]}, [url])
    assert direct.outcome is Outcome.ALIVE and len(proxy.log) == 1  # the first run's request only


@pytest.mark.parametrize("scheme", ["socks5h", "socks5"])
async def test_socks5_proxy_carries_http_and_https(
    fakeweb: FakeWeb, secure: TLSServer, ca_file: str, scheme: str
) -> None:
    """A SOCKS5 proxy (the proxy resolves the name either way), with username and password."""
    socks = FakeSocks({**names_of(fakeweb), "secure.test": "127.0.0.1"}, credentials=("bob", SECRET)).start()
    try:
        urls = [fakeweb.url(0, "/ok"), f"https://secure.test:{secure.port}/", "http://gone.test/"]
        results = await check({"ALL_PROXY": socks.url(scheme), "SSL_CERT_FILE": ca_file}, urls)
    finally:
        socks.stop()
    assert [result.outcome for result in results] == [Outcome.ALIVE, Outcome.ALIVE, Outcome.ERROR], results
    assert results[2].error_kind is ErrorKind.PROXY and "Host unreachable" in results[2].error
    assert {seen.target for seen in socks.log} == {
        f"h0.test:{fakeweb.port}",
        f"secure.test:{secure.port}",
        "gone.test:80",
    }
    assert all(seen.authorized for seen in socks.log)


async def test_the_wayback_clients_transport_uses_the_proxy(fakeweb: FakeWeb, proxy: FakeProxy) -> None:
    """The archive's requests go through the same proxies as the checker's."""
    transport = web_transport(CheckSettings(proxy=proxy.url()), {})
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(fakeweb.url(0, "/ok"))
    assert response.status_code == 200
    assert [seen.target for seen in proxy.log] == [fakeweb.url(0, "/ok")]


def test_proxy_credentials_reach_no_output(fakeweb: FakeWeb, proxy: FakeProxy, workdir: Path) -> None:
    """With the password in HTTPS_PROXY and in check.proxy, nothing written — results, every
    report format, the history database — holds it, whether the links answered or failed."""
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/ok')}> <http://gone.test/> <https://gone.test/>\n")
    unreachable = f"http://alice:{SECRET}@127.0.0.250:{fakeweb.port}"  # nothing listens there
    runs = [
        (settings(proxy=proxy.url()), {}),
        (settings(), {"HTTP_PROXY": proxy.url(), "HTTPS_PROXY": proxy.url()}),
        (settings(proxy=unreachable), {}),
    ]
    database = workdir / "history.sqlite"
    places = Places(workdir, workdir, workdir)
    for check_settings, environ in runs:
        with History.open(database) as history:
            report = run_check(["a.md"], dataclasses.replace(Settings(), check=check_settings), history=history,
                               environ=environ)  # fmt: skip
        texts = [to_text(report, verbose=True)]
        texts += [render(report, fmt, "broken", places) for fmt in ("md", "json", "html", "junit", "sarif")]
        assert not any(SECRET in text for text in texts)
        assert any(entry.result.error for entry in report.entries)
    assert not any(SECRET.encode() in path.read_bytes() for path in workdir.glob("history.sqlite*"))
    with sqlite3.connect(database) as db:
        assert not any(SECRET in str(row) for row in db.execute("SELECT * FROM checks"))

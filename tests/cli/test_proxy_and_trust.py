"""``linkkeeper check`` as a user on a corporate network runs it: a process whose environment has
SSL_CERT_FILE (a company CA) and HTTP_PROXY/HTTPS_PROXY/NO_PROXY, against servers and a proxy
this test starts on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.fakeproxy import FakeProxy, TLSServer
from tests.fakeweb import FakeWeb

SECRET = "cli-s3cret"
_PROXY_AND_TLS_VARIABLES = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
                            "REQUEST_METHOD"}  # fmt: skip


def linkkeeper(workdir: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """``python -m linkkeeper`` with the developer's proxy and certificate variables left out."""
    environ = {name: value for name, value in os.environ.items()
               if name.upper() not in _PROXY_AND_TLS_VARIABLES and not name.startswith("LINKKEEPER_")}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "linkkeeper", *args], cwd=workdir, env={**environ, **variables},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def secure(authority: trustme.CA) -> Iterator[TLSServer]:
    server = TLSServer(authority, ("secure.test",)).start()
    yield server
    server.stop()


def test_check_trusts_the_ca_in_ssl_cert_file(workdir: Path, secure: TLSServer, authority: trustme.CA) -> None:
    """Without SSL_CERT_FILE the company-signed site is a TLS error with the hint; with it, alive."""
    authority.cert_pem.write_to_path(str(workdir / "company-ca.pem"))
    (workdir / "linkkeeper.toml").write_text('[check]\nresolve = ["secure.test:127.0.0.1"]\nretries = 0\n')
    url = f"https://secure.test:{secure.port}/handbook"
    (workdir / "a.md").write_text(f"[handbook]({url})\n")
    untrusted = linkkeeper(workdir, "check", "--no-progress", "--fail-on", "error", "--no-cache", "a.md")
    assert untrusted.returncode == 1, untrusted.stderr
    assert (
        "certificate verify failed" in untrusted.stderr and "set SSL_CERT_FILE or check.ca_bundle" in untrusted.stderr
    )
    trusted = linkkeeper(workdir, "check", "--no-progress", "--format", "json", "--no-cache", "a.md",
                         SSL_CERT_FILE=str(workdir / "company-ca.pem"))  # fmt: skip
    assert trusted.returncode == 0, trusted.stderr
    (target,) = json.loads(trusted.stdout)["targets"]
    assert (target["url"], target["outcome"]) == (url, "alive")


def test_check_goes_through_http_proxy_except_no_proxy(workdir: Path, fakeweb: FakeWeb) -> None:
    """HTTP_PROXY with credentials: h0.test through the proxy (which alone can resolve it), h1.test
    (in NO_PROXY) directly, a name the proxy cannot resolve is broken; the password is nowhere in
    the output, the reports or the history."""
    proxy = FakeProxy(dict(zip(fakeweb.names, fakeweb.addresses, strict=True)), credentials=("me", SECRET)).start()
    try:
        (workdir / "linkkeeper.toml").write_text(
            f'[check]\nresolve = ["h1.test:{fakeweb.addresses[1]}"]\nretries = 0\n'
        )
        urls = [fakeweb.url(0, "/ok"), fakeweb.url(1, "/ok"), "http://gone.test/page"]
        (workdir / "a.md").write_text("".join(f"<{url}>\n" for url in urls))
        done = linkkeeper(workdir, "check", "--no-progress", "--format", "json", "a.md",
                          HTTP_PROXY=proxy.url(), NO_PROXY="h1.test,localhost")  # fmt: skip
        log = proxy.log
    finally:
        proxy.stop()
    assert done.returncode == 1, done.stderr
    outcomes = {
        target["url"]: (target["outcome"], target["error_kind"]) for target in json.loads(done.stdout)["targets"]
    }
    assert outcomes == {
        urls[0]: ("alive", None),
        urls[1]: ("alive", None),
        urls[2]: ("broken", "name-not-found"),
    }
    # gone.test may be asked twice: a HEAD's answer has no page, and the proxy's page says why
    assert {seen.target for seen in log} == {urls[0], urls[2]}
    assert all(seen.authorized for seen in log) and fakeweb.count(host=1, path="/ok") == 1
    written = [done.stdout, done.stderr, *(path.read_bytes().decode("utf-8", "replace")
                                           for path in workdir.rglob("*") if path.is_file())]  # fmt: skip
    assert not any(SECRET in text for text in written)


def test_config_shows_a_proxy_without_its_password(workdir: Path) -> None:
    (workdir / "linkkeeper.toml").write_text(f'[check]\nproxy = "http://me:{SECRET}@proxy.corp:3128"\n')
    done = linkkeeper(workdir, "config")
    assert done.returncode == 0, done.stderr
    assert 'proxy = "http://[credentials]@proxy.corp:3128"' in done.stdout and SECRET not in done.stdout


def test_a_bad_proxy_variable_stops_check_before_anything_is_recorded(workdir: Path) -> None:
    (workdir / "a.md").write_text("<https://example.com/>\n")
    done = linkkeeper(workdir, "check", "--no-progress", "a.md", HTTPS_PROXY=f"gopher://me:{SECRET}@proxy")
    assert done.returncode == 3 and "HTTPS_PROXY" in done.stderr and SECRET not in done.stderr
    assert not (workdir / ".linkkeeper" / "history.sqlite").exists()

"""TLS trust on real sockets: an https server on loopback whose certificate a test CA (trustme)
signed, as a company CA signs for its TLS-inspecting proxy. Trusted through SSL_CERT_FILE or
SSL_CERT_DIR in the environment the checker is given, or check.ca_bundle; otherwise a TLS error
that says what to do; or not verified at all for one host marked insecure, which every report
then names."""

from __future__ import annotations

import dataclasses
import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from linkkeeper.checking import Checker
from linkkeeper.checking.trust import trusted_context
from linkkeeper.config import CheckSettings, HostSettings, Settings
from linkkeeper.errors import ConfigError
from linkkeeper.history import History
from linkkeeper.models import CheckResult, ErrorKind, Outcome
from linkkeeper.pipeline import rebuild_report, run_check
from linkkeeper.report import Places, render
from linkkeeper.report.check import to_text
from tests.fakeproxy import TLSServer


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def secure(authority: trustme.CA) -> Iterator[TLSServer]:
    server = TLSServer(authority, ("secure.test", "other.test")).start()
    yield server
    server.stop()


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "company-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return str(path)


def settings(**overrides: Any) -> CheckSettings:
    base = CheckSettings(resolve=("secure.test:127.0.0.1", "other.test:127.0.0.1"), timeout=3.0, connect_timeout=1.0,
                         read_timeout=2.0, retries=0)  # fmt: skip
    return dataclasses.replace(base, **overrides)


async def check_one(url: str, environ: dict[str, str], **overrides: Any) -> CheckResult:
    (result,) = await Checker(settings(**overrides), environ=environ).run([url])
    return result


async def test_a_ca_in_ssl_cert_file_is_trusted(secure: TLSServer, ca_file: str) -> None:
    """SSL_CERT_FILE from the environment mapping (not the process's) adds its CA."""
    result = await check_one(f"https://secure.test:{secure.port}/", {"SSL_CERT_FILE": ca_file})
    assert (result.outcome, result.status_code) == (Outcome.ALIVE, 200), result


async def test_a_ca_in_ssl_cert_dir_is_trusted(secure: TLSServer, authority: trustme.CA, tmp_path: Path) -> None:
    """SSL_CERT_DIR: a folder of certificates named by their subject hash (c_rehash's layout)."""
    tool = shutil.which("openssl")
    if tool is None:
        pytest.skip("the openssl command names a certificate by its subject hash")
    pem = authority.cert_pem.bytes()
    done = subprocess.run([tool, "x509", "-noout", "-subject_hash"], input=pem, capture_output=True, check=True,
                          timeout=30)  # fmt: skip
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / f"{done.stdout.decode().strip()}.0").write_bytes(pem)
    result = await check_one(f"https://secure.test:{secure.port}/", {"SSL_CERT_DIR": str(folder)})
    assert result.outcome is Outcome.ALIVE, result


async def test_a_ca_in_check_ca_bundle_is_trusted(secure: TLSServer, ca_file: str) -> None:
    result = await check_one(f"https://secure.test:{secure.port}/", {}, ca_bundle=ca_file)
    assert (result.outcome, result.status_code) == (Outcome.ALIVE, 200), result


async def test_an_untrusted_certificate_is_a_tls_error_that_says_what_to_do(secure: TLSServer) -> None:
    """Without the CA: a TLS error (not broken) whose message names the fixes, for the host that failed."""
    result = await check_one(f"https://secure.test:{secure.port}/", {})
    assert (result.outcome, result.error_kind) == (Outcome.ERROR, ErrorKind.TLS), result
    assert "certificate verify failed" in result.error
    assert "set SSL_CERT_FILE or check.ca_bundle" in result.error
    assert 'check.hosts."secure.test".insecure = true skips verification for this host only' in result.error


async def test_insecure_skips_verification_for_that_host_only(secure: TLSServer) -> None:
    """insecure = true for secure.test: alive; other.test, same server and certificate, is still verified."""
    hosts = {"secure.test": HostSettings(insecure=True)}
    checker = Checker(settings(hosts=hosts), environ={})
    results = await checker.run([f"https://secure.test:{secure.port}/", f"https://other.test:{secure.port}/"])
    assert [(result.outcome, result.error_kind) for result in results] == [
        (Outcome.ALIVE, None),
        (Outcome.ERROR, ErrorKind.TLS),
    ]


def test_reports_name_the_hosts_whose_tls_was_not_verified(secure: TLSServer, workdir: Path) -> None:
    """Each result from an insecure host is marked, and every report says TLS was not verified for it
    (the report re-rendered from the history too)."""
    url = f"https://secure.test:{secure.port}/"
    (workdir / "a.md").write_text(f"<{url}> <https://other.test:{secure.port}/x>\n")
    check = settings(hosts={"secure.test": HostSettings(insecure=True)})
    config = dataclasses.replace(Settings(), check=check)
    with History.open(workdir / "history.sqlite") as history:
        report = run_check(["a.md"], config, history=history, environ={})
        rebuilt = rebuild_report(history, config)
    assert report.tls_unverified == ("secure.test",) == rebuilt.tls_unverified
    note = "TLS not verified for host secure.test"
    places = Places(workdir, workdir, workdir)
    assert note in to_text(report)
    assert f"{url}  [TLS not verified]" in to_text(report, verbose=True)
    assert note in render(report, "md", "broken", places)
    html = render(report, "html", "broken", places)
    assert note in html and "(TLS not verified)" in html
    document = json.loads(render(report, "json", "broken", places))
    assert document["summary"]["tls_unverified"] == ["secure.test"]
    verified = {target["url"]: target.get("tls_verified", True) for target in document["targets"]}
    assert verified == {url: False, f"https://other.test:{secure.port}/x": True}


def test_a_missing_ssl_cert_file_is_a_configuration_error(tmp_path: Path) -> None:
    """An SSL_CERT_FILE that names no file stops the run with a message naming the variable."""
    with pytest.raises(ConfigError) as raised:
        Checker(CheckSettings(), environ={"SSL_CERT_FILE": str(tmp_path / "nope.pem")})
    assert raised.value.key == "SSL_CERT_FILE" and "no such file" in raised.value.problem
    with pytest.raises(ConfigError) as raised:
        trusted_context({"SSL_CERT_DIR": str(tmp_path / "nope")})
    assert raised.value.key == "SSL_CERT_DIR"


def test_the_system_store_verifies() -> None:
    """Without any variable the context verifies certificates and names, against the system's store."""
    context = trusted_context({})
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname

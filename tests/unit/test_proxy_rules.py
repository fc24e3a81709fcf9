"""Proxy settings as curl and urllib read them, NO_PROXY's forms, proxy URLs that never show their
password, what proxies' own answers mean (squid, tinyproxy, RFC 9209), and the new settings."""

from __future__ import annotations

from pathlib import Path

import httpcore
import pytest

from linkkeeper.checking.proxy import (
    NoProxy,
    Proxy,
    is_proxy_answer,
    judge_proxy_answer,
    judge_socks_failure,
    parse_proxy_url,
    proxy_rules,
    redact_proxy_url,
)
from linkkeeper.config import load_settings
from linkkeeper.errors import ConfigError
from linkkeeper.migrate import from_lychee
from linkkeeper.models import ErrorKind, Outcome

PROXY = Proxy("http", "proxy.corp", 3128)


def chosen(environ: dict[str, str], configured: str = "") -> tuple[str | None, str | None]:
    rules = proxy_rules(configured, environ)
    return (rules.http.url if rules.http else None, rules.https.url if rules.https else None)


def test_scheme_variables_and_all_proxy() -> None:
    assert chosen({"HTTP_PROXY": "http://a:1", "HTTPS_PROXY": "http://b:2"}) == ("http://a:1", "http://b:2")
    assert chosen({"ALL_PROXY": "http://c:3"}) == ("http://c:3", "http://c:3")
    assert chosen({"ALL_PROXY": "http://c:3", "HTTPS_PROXY": "http://b:2"}) == ("http://c:3", "http://b:2")
    assert chosen({}) == (None, None)
    assert chosen({"HTTP_PROXY": "proxy.corp:3128"}) == ("http://proxy.corp:3128", None)  # a bare host:port is http


def test_lower_case_wins_and_an_empty_one_unsets() -> None:
    assert chosen({"HTTP_PROXY": "http://upper:1", "http_proxy": "http://lower:2"})[0] == "http://lower:2"
    assert chosen({"HTTPS_PROXY": "http://upper:1", "https_proxy": ""})[1] is None
    assert chosen({"ALL_PROXY": "http://upper:1", "all_proxy": "http://lower:2"}) == ("http://lower:2",) * 2


def test_httpoxy_upper_case_http_proxy_is_ignored_in_a_cgi_request() -> None:
    """REQUEST_METHOD set: HTTP_PROXY may be a client's Proxy: header; http_proxy still counts."""
    assert chosen({"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://evil:1"}) == (None, None)
    assert chosen({"REQUEST_METHOD": "GET", "http_proxy": "http://mine:1"})[0] == "http://mine:1"
    assert chosen({"REQUEST_METHOD": "GET", "HTTPS_PROXY": "http://b:2"})[1] == "http://b:2"


def test_check_proxy_overrides_the_environment_and_no_proxy_still_applies() -> None:
    rules = proxy_rules("socks5h://s:1080", {"HTTP_PROXY": "http://a:1", "NO_PROXY": "intranet.corp"})
    assert rules.http == rules.https == Proxy("socks5h", "s", 1080)
    assert rules.for_url("https", "wiki.intranet.corp", None) is None
    assert rules.for_url("https", "example.com", None) == Proxy("socks5h", "s", 1080)
    assert rules.sources == ("check.proxy",)


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "direct"),
    [
        ("example.com", "example.com", 80, True),
        ("example.com", "www.example.com", 80, True),
        ("example.com", "notexample.com", 80, False),
        (".example.com", "example.com", 80, True),
        ("*.example.com", "a.b.example.com", 443, True),
        ("EXAMPLE.com.", "www.example.COM", 80, True),
        ("*", "anything.org", 80, True),
        ("example.com:8080", "example.com", 8080, True),
        ("example.com:8080", "example.com", 80, False),
        ("10.0.0.0/8", "10.20.30.40", 80, True),
        ("10.0.0.0/8", "11.0.0.1", 80, False),
        ("192.168.1.7", "192.168.1.7", 443, True),
        ("192.168.1.7:443", "192.168.1.7", 80, False),
        ("fd00::/8", "fd12::1", 80, True),
        ("[2001:db8::1]:8443", "2001:db8::1", 8443, True),
        ("2001:db8::1", "[2001:db8::1]", 80, True),
        ("10.0.0.0/8", "ten.example", 80, False),  # names are never resolved to decide
        (" a.test , b.test ", "b.test", 80, True),
        ("", "example.com", 80, False),
    ],
)
def test_no_proxy_forms(no_proxy: str, host: str, port: int, direct: bool) -> None:
    assert NoProxy.parse(no_proxy).matches(host, port) is direct


@pytest.mark.parametrize("host", ["name.invalid", "invalid"])
def test_invalid_names_are_never_proxied(host: str) -> None:
    rules = proxy_rules("http://p:1", {})
    assert rules.for_url("http", host, None) is None


@pytest.mark.parametrize("host", ["localhost", "docs.localhost", "127.0.0.1", "::1", "[::1]"])
def test_loopback_goes_through_the_proxy_unless_no_proxy_names_it(host: str) -> None:
    """As curl, requests and httpx do: a proxy on this machine reaches its loopback."""
    assert proxy_rules("http://p:1", {}).for_url("http", host, None) is not None
    no_proxy = {"NO_PROXY": "localhost,127.0.0.1,::1"}
    assert proxy_rules("", {"HTTP_PROXY": "http://p:1", **no_proxy}).for_url("http", host, None) is None


def test_a_proxy_url_never_shows_its_password() -> None:
    proxy = parse_proxy_url("http://al%40ice:p%3Ass@proxy.corp:3128/")
    assert (proxy.username, proxy.password, proxy.url) == ("al@ice", "p:ss", "http://proxy.corp:3128")
    assert "p:ss" not in repr(proxy) and "p%3Ass" not in repr(proxy)
    assert parse_proxy_url("https://[fd00::1]").url == "https://[fd00::1]:443"
    assert redact_proxy_url("http://u:secret@proxy:3128") == "http://[credentials]@proxy:3128"
    assert redact_proxy_url("http://proxy:3128") == "http://proxy:3128"
    assert redact_proxy_url("http://u:secret@proxy:99999") == "[hidden]"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("proxy.corp:3128", "expected a URL with its scheme"),
        ("ftp://u:secret@proxy.corp", "ftp:// is not a proxy scheme"),
        ("socks4://u:secret@proxy.corp", "socks4:// is not supported"),
        ("http://u:secret@:3128", "names no host"),
        ("http://u:secret@proxy.corp:notaport", "not a proxy URL"),
    ],
)
def test_a_bad_proxy_url_is_named_without_its_password(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as raised:
        parse_proxy_url(url)
    assert "secret" not in str(raised.value)


def test_a_bad_proxy_variable_is_a_configuration_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as raised:
        proxy_rules("", {"https_proxy": "gopher://u:secret@x"})
    assert raised.value.key == "https_proxy" and "secret" not in str(raised.value)


def test_settings_validate_proxy_and_ca_bundle(tmp_path: Path) -> None:
    (tmp_path / "linkkeeper.toml").write_text('[check]\nproxy = "ftp://u:secret@x"\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(cwd=tmp_path, environ={})
    assert raised.value.key == "check.proxy" and "secret" not in str(raised.value)
    (tmp_path / "linkkeeper.toml").write_text('[check]\nca_bundle = "missing.pem"\n')
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(cwd=tmp_path, environ={})
    (tmp_path / "not.pem").write_text("hello\n")
    (tmp_path / "linkkeeper.toml").write_text(f'[check]\nca_bundle = "{tmp_path / "not.pem"}"\n')
    with pytest.raises(ConfigError, match="not a PEM file"):
        load_settings(cwd=tmp_path, environ={})
    (tmp_path / "linkkeeper.toml").write_text(
        '[check]\nproxy = "socks5h://u:p@127.0.0.1:1080"\n[check.hosts."self-signed.test"]\ninsecure = true\n'
    )
    settings, _ = load_settings(cwd=tmp_path, environ={})
    assert settings.check.hosts["self-signed.test"].insecure and settings.check.proxy.startswith("socks5h://")


SQUID_DNS = b"<p>The DNS server returned:</p><pre>Name Error: The domain name does not exist.</pre>"


@pytest.mark.parametrize(
    ("status", "reason", "headers", "body", "tunnel", "expected"),
    [
        (503, "Service Unavailable", {"X-Squid-Error": "ERR_DNS_FAIL 0"}, SQUID_DNS, True,
         (Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND)),
        (503, "Service Unavailable", {"X-Squid-Error": "ERR_DNS_FAIL 0"}, b"<pre>Timeout</pre>", False,
         (Outcome.ERROR, ErrorKind.PROXY)),
        (503, "Service Unavailable", {"X-Squid-Error": "ERR_CONNECT_FAIL 111"}, b"", True,
         (Outcome.BROKEN, ErrorKind.CONNECTION_REFUSED)),
        (503, "Service Unavailable", {"X-Squid-Error": "ERR_CONNECT_FAIL 110"}, b"", False,
         (Outcome.ERROR, ErrorKind.TIMEOUT)),
        (503, "Service Unavailable", {"X-Squid-Error": "ERR_CONNECT_FAIL 101"}, b"", False,
         (Outcome.ERROR, ErrorKind.PROXY)),
        (504, "Gateway Timeout", {"X-Squid-Error": "ERR_READ_TIMEOUT 0"}, b"", False,
         (Outcome.ERROR, ErrorKind.TIMEOUT)),
        (403, "Forbidden", {"X-Squid-Error": "ERR_ACCESS_DENIED 0"}, b"", True,
         (Outcome.BLOCKED, ErrorKind.HTTP_STATUS)),
        (500, "Unable to connect", {"Server": "tinyproxy/1.11.1"}, b"<p>Unable to connect</p>", True,
         (Outcome.ERROR, ErrorKind.PROXY)),
        (500, "Unable to connect", {}, b"error: Connection refused", False,
         (Outcome.BROKEN, ErrorKind.CONNECTION_REFUSED)),
        (502, "Bad Gateway", {"Proxy-Status": 'edge; error=dns_error; rcode="NXDOMAIN"'}, b"", False,
         (Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND)),
        (502, "Bad Gateway", {"Proxy-Status": "edge; error=dns_error; rcode=SERVFAIL"}, b"", False,
         (Outcome.ERROR, ErrorKind.PROXY)),
        (504, "Gateway Timeout", {"Proxy-Status": "edge; error=connection_timeout"}, b"", True,
         (Outcome.ERROR, ErrorKind.TIMEOUT)),
        (502, "Bad Gateway", {}, b"", True, (Outcome.ERROR, ErrorKind.PROXY)),
        (502, "Bad Gateway", {}, b"", False, (Outcome.ERROR, ErrorKind.PROXY)),
        (407, "Proxy Authentication Required", {}, b"", True, (Outcome.ERROR, ErrorKind.PROXY)),
        (403, "Forbidden", {}, b"", True, (Outcome.BLOCKED, ErrorKind.HTTP_STATUS)),
        (400, "Bad Request", {}, b"", True, (Outcome.ERROR, ErrorKind.PROXY)),
    ],
)  # fmt: skip
def test_what_a_proxys_own_answer_means(
    status: int, reason: str, headers: dict[str, str], body: bytes, tunnel: bool, expected: tuple[Outcome, ErrorKind]
) -> None:
    failure = judge_proxy_answer(PROXY, "gone.example:443", status, reason, headers, body, tunnel=tunnel)
    assert (failure.outcome, failure.kind) == expected, failure.message
    assert "http://proxy.corp:3128" in failure.message


def test_which_forwarded_answers_are_the_proxys() -> None:
    """A site's own 503 or 404 stays the site's; what only a gateway says, or says it is, is the proxy's."""
    assert not is_proxy_answer(503, {"Retry-After": "5"}, "Service Unavailable")
    assert not is_proxy_answer(404, {}, "Not Found")
    assert not is_proxy_answer(500, {"Server": "nginx"}, "Internal Server Error")
    assert is_proxy_answer(503, {"x-squid-error": "ERR_DNS_FAIL 0"}, "Service Unavailable")
    assert is_proxy_answer(500, {}, "Unable to connect")
    assert is_proxy_answer(200, {"Proxy-Status": "p; error=http_response_incomplete"}, "OK")
    assert not is_proxy_answer(200, {"Proxy-Status": "p"}, "OK")
    assert is_proxy_answer(502, {}, "Bad Gateway") and is_proxy_answer(504, {}, "Gateway Timeout")


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Proxy Server could not connect: Connection refused.", (Outcome.BROKEN, ErrorKind.CONNECTION_REFUSED)),
        ("Proxy Server could not connect: Host unreachable.", (Outcome.ERROR, ErrorKind.PROXY)),
        (
            "Proxy Server could not connect: Connection not allowed by ruleset.",
            (Outcome.BLOCKED, ErrorKind.HTTP_STATUS),
        ),
        ("Invalid username/password", (Outcome.ERROR, ErrorKind.PROXY)),
    ],
)
def test_what_a_socks_refusal_means(words: str, expected: tuple[Outcome, ErrorKind]) -> None:
    failure = judge_socks_failure(PROXY, "gone.example:80", httpcore.ProxyError(words))
    assert (failure.outcome, failure.kind) == expected


def test_lychee_insecure_has_a_per_host_counterpart() -> None:
    migration = from_lychee({"insecure": True, "hosts": {"self-signed.test": {"insecure": True}}}, "lychee.toml")
    assert migration.hosts == {"self-signed.test": {"insecure": True}}
    assert any(item.startswith("insecure: ") and "insecure = true" in item for item in migration.left)
    assert from_lychee({"insecure": False}, "lychee.toml").left == []

"""Secrets from the configuration (issue 28): a server that echoes one back gets it into no output,
report, history row or file; per-host headers stay within their origin and off plain http; the
archive's endpoints carry the archive.org keys only where the address guard and the https rule
allow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from linkkeeper.checking.headers import HeaderScopes, carries_secrets_safely
from linkkeeper.cli import main
from linkkeeper.config import CheckSettings, HostSettings
from linkkeeper.redact import REDACTED, Redactor
from tests.conftest import HEAD_FIRST, fast_config
from tests.fakewayback import FakeWayback
from tests.fakeweb import FakeWeb
from tests.loopback import Asked, Loopback, Reply

SECRET = "s3cr3t+key/with=odd&chars"


class Echo(Loopback):
    """``/start`` answers 301 to ``/landed`` with the request's X-Api-Key in the query (a server
    echoing a secret); ``/hop?to=URL`` answers 302 to URL; anything else is a small page."""

    def __init__(self) -> None:
        super().__init__(self._answer)

    @staticmethod
    def _answer(asked: Asked) -> Reply:
        key = asked.headers.get("x-api-key", "")
        if asked.path == "/start":
            return Reply(301, {"Location": f"/landed?k={quote(key, safe='')}&raw={key}"})
        if asked.path.startswith("/hop?to="):
            return Reply(302, {"Location": asked.path.removeprefix("/hop?to=")})
        return Reply(200, {"Content-Type": "text/html"}, f"<title>{key or 'page'}</title>".encode())

    def keys_sent(self, path_start: str) -> list[str | None]:
        return [asked.headers.get("x-api-key") for asked in list(self.asked) if asked.path.startswith(path_start)]


@pytest.fixture
def echo() -> Iterator[Echo]:
    server = Echo()
    yield server
    server.close()


def _run(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCS_TOKEN": SECRET}
    return subprocess.run([sys.executable, "-m", "linkkeeper", *args], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def _files_holding(folder: Path, needles: list[bytes]) -> list[str]:
    return [str(path) for path in folder.rglob("*") if path.is_file() and any(n in path.read_bytes() for n in needles)]


def test_a_secret_a_server_echoes_reaches_no_output_report_or_history(workdir: Path, echo: Echo) -> None:
    """X-Api-Key from ${DOCS_TOKEN} goes to its host, which redirects (301) to /landed?k=<key>:
    the key is in nothing check -v, report --format json, history URL or fix --redirects print,
    in no file under .linkkeeper/, and fix does not write the redacted target into the page."""
    settings = "".join(f"{key} = false\n" for key in HEAD_FIRST)
    (workdir / "linkkeeper.toml").write_text(
        f'[check]\nretries = 0\n{settings}\n[check.hosts."127.0.0.1"]\nheaders = ["X-Api-Key: ${{DOCS_TOKEN}}"]\n'
    )
    link = echo.url("/start")
    (workdir / "a.md").write_text(f"[docs]({link})\n")
    checked = _run(workdir, "check", "-v", "--no-progress", "a.md")
    assert checked.returncode == 0, checked.stderr
    assert echo.keys_sent("/start") and set(echo.keys_sent("/start")) == {SECRET}  # the host still gets it
    outputs = [
        checked,
        _run(workdir, "report", "--format", "json"),
        _run(workdir, "history", link),
        _run(workdir, "fix", "--redirects", "--diff", "a.md"),
        _run(workdir, "fix", "--redirects", "a.md"),
    ]
    from urllib.parse import quote, quote_plus

    forms = [SECRET, quote(SECRET, safe=""), quote_plus(SECRET)]
    for done in outputs:
        assert not any(form in done.stdout + done.stderr for form in forms), done.args
    assert "landed" in outputs[0].stdout + outputs[0].stderr  # the redirect is still shown, redacted
    assert _files_holding(workdir / ".linkkeeper", [form.encode() for form in forms]) == []
    assert (workdir / "a.md").read_text() == f"[docs]({link})\n"


def test_per_host_headers_stay_within_the_links_origin(workdir: Path, echo: Echo) -> None:
    """A host table's header goes with the link's own requests; a redirect to another port or
    another host drops it. A table keyed "HOST:PORT" is that port's only."""
    other = Echo()
    try:
        settings = "".join(f"{key} = false\n" for key in HEAD_FIRST)
        (workdir / "linkkeeper.toml").write_text(
            f'[check]\nretries = 0\n{settings}resolve = ["docs.test:127.0.0.1", "else.test:127.0.0.1"]\n'
            f'[check.hosts."docs.test"]\nheaders = ["X-Api-Key: ${{DOCS_TOKEN}}"]\n'
            f'[check.hosts."127.0.0.1:{echo.port}"]\nheaders = ["X-Api-Key: ${{DOCS_TOKEN}}"]\n'
        )
        to_other_port = echo.url(f"/hop?to={other.url('/port-landed', 'docs.test')}", "docs.test")
        to_other_host = echo.url(f"/hop?to={echo.url('/host-landed', 'else.test')}", "docs.test")
        links = [to_other_port, to_other_host, echo.url("/keyed-by-port"), other.url("/other-port")]
        (workdir / "a.md").write_text("".join(f"<{link}>\n" for link in links))
        done = _run(workdir, "check", "--no-progress", "a.md")
        assert done.returncode == 0, done.stderr
        assert set(echo.keys_sent("/hop")) == {SECRET}
        assert other.keys_sent("/port-landed") and set(other.keys_sent("/port-landed")) == {None}
        assert echo.keys_sent("/host-landed") and set(echo.keys_sent("/host-landed")) == {None}
        assert set(echo.keys_sent("/keyed-by-port")) == {SECRET}
        assert other.keys_sent("/other-port") and set(other.keys_sent("/other-port")) == {None}
    finally:
        other.close()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[check.hosts."https://docs.example"]\nheaders = []', "no scheme or path"),
        ('[check.hosts."docs.example:99999"]\nheaders = []', "port"),
        ('[check.hosts."docs.example:8443"]\nconcurrency = 2', "per host, not per port"),
    ],
)
def test_a_host_key_that_would_never_match_is_refused(workdir: Path, table: str, message: str) -> None:
    (workdir / "linkkeeper.toml").write_text(table + "\n")
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 3 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _scopes(**check: object) -> HeaderScopes:
    hosts = {"docs.example": HostSettings(headers=("Authorization: Bearer ${TOKEN}",))}
    settings = CheckSettings(headers=("X-Everywhere: ${TOKEN}",), hosts=hosts, **check)  # type: ignore[arg-type]
    return HeaderScopes(settings, {"TOKEN": "t0ken-value"}, resolve={"pinned.example": "127.0.0.2"})


def test_configured_headers_never_go_over_plain_http_to_another_machine() -> None:
    """Over https: all of them. Over plain http: only to this machine (loopback, localhost, a name
    check.resolve pins to loopback), unless headers_over_http says so."""
    scopes = _scopes()
    assert scopes.for_request("https://docs.example/a", "https://docs.example/a") == {
        "X-Everywhere": "t0ken-value",
        "Authorization": "Bearer t0ken-value",
    }
    assert scopes.for_request("http://docs.example/a", "http://docs.example/a") == {}
    assert scopes.for_request("http://pinned.example/", "http://pinned.example/") == {"X-Everywhere": "t0ken-value"}
    assert scopes.for_request("http://localhost:8080/", "http://localhost:8080/") == {"X-Everywhere": "t0ken-value"}
    # https -> http on the same host is another origin, and plain http: nothing at all
    assert scopes.for_request("http://docs.example/b", "https://docs.example/a") == {}
    allowed = _scopes(headers_over_http=True)
    assert "Authorization" in allowed.for_request("http://docs.example/a", "http://docs.example/a")
    assert carries_secrets_safely("http://[::1]:8080/") and not carries_secrets_safely("http://10.0.0.1/")


def test_redaction_takes_every_spelling_of_a_secret() -> None:
    redactor = Redactor([SECRET, "abc", ""])
    from urllib.parse import quote

    text = f"a {SECRET} b {quote(SECRET, safe='')} c abc"
    assert redactor.text(text) == f"a {REDACTED} b {REDACTED} c abc"  # "abc" is too short to be one


def test_archive_endpoints_get_no_keys_past_the_guard_or_over_plain_http(
    workdir: Path, fakeweb: FakeWeb, fakewayback: FakeWayback
) -> None:
    """Under --exclude-private, the LINKKEEPER_WAYBACK_* endpoints on loopback are refused like any
    private address, so no request carries the keys; a save_url on plain http to another machine
    turns saving off before any request."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"[x]({fakeweb.url(0, '/ok')})\n")
    env = {
        "LINKKEEPER_IA_ACCESS_KEY": "testkey",
        "LINKKEEPER_IA_SECRET_KEY": "testsecret",
        **{f"LINKKEEPER_WAYBACK_{name.upper()}": value for name, value in fakewayback.settings().items()},
    }
    runner = CliRunner()
    assert runner.invoke(main, ["check", "--no-progress", "a.md"]).exit_code == 0
    guarded = runner.invoke(main, ["archive", "--save", "--exclude-private", "a.md"], env=env)
    assert "Traceback" not in guarded.output
    assert not any("LOW" in entry["headers"].get("authorization", "") for entry in fakewayback.requests())
    in_clear = {**env, "LINKKEEPER_WAYBACK_SAVE_URL": "http://archive.example/save"}
    saved = runner.invoke(main, ["archive", "--save", "--format", "json", "a.md"], env=in_clear)
    assert saved.exit_code == 0, saved.output
    assert fakewayback.requests("save") == []
    assert not any("LOW" in entry["headers"].get("authorization", "") for entry in fakewayback.requests())
    assert any("https only" in note for note in json.loads(saved.stdout)["notes"]), saved.output
    sent = runner.invoke(main, ["archive", "--save", "--format", "json", "a.md"], env=env)  # loopback: allowed
    assert json.loads(sent.stdout)["saves"][0]["status"] == "success", sent.output

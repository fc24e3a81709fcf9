"""reports/example/ holds what ``linkkeeper check examples/`` writes, in every format (report.md,
report.json, report.html, junit.xml, report.sarif), so a reader sees them before installing
anything. This test writes them again and compares them byte for byte.

The examples were committed on 2024-01-15 (archive matches snapshots to that). They are checked
daily from 2026-03-02 to 2026-03-04, their dead links archived on 2026-03-04, and the check of
2026-03-05 writes the reports. The web they see is real sockets on loopback: tests/exampleweb.py
answers every host name of examples/ on ports 80 and 443 (``check.resolve`` points the names at
it, so the links and the reports keep their real URLs), with a test CA's certificate; ggml.ai
resolves to an address where nothing listens, old-blog.invalid to nothing, and the Wayback
Machine is the fake one, holding captures of most dead links. Most links are alive; a few have
moved, are gone, refuse, fail, are walled off, parked or replaced, as links in old notes are.

What differs from one machine or run to the next is set to fixed values, in the committed files
too: the time each link took (``elapsed_ms``, JUnit's ``time``) and the project's folder (SARIF's
``%SRCROOT%``).
``LINKKEEPER_REGENERATE_EXAMPLES=1`` rewrites the files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner, Result

import linkkeeper
from linkkeeper.cli import main
from tests.exampleweb import Answer, ExampleWeb, moved, page, parked
from tests.fakewayback import FakeWayback

REPO = Path(__file__).resolve().parent.parent.parent
REPORTS = Path("reports") / "example"  # where they are in the repository, so report.html's file links work
FILES = ("report.md", "report.json", "report.html", "junit.xml", "report.sarif")
REGENERATE = os.environ.get("LINKKEEPER_REGENERATE_EXAMPLES") == "1"
ORCHESTRATORS = ("linkkeeper.pipeline", "linkkeeper.archive.run", "linkkeeper.fixing")  # each reads the clock
CITED = "2024-01-15"  # when the examples were committed
DAILY = ("2026-03-02T06:00", "2026-03-03T06:00", "2026-03-04T06:00")  # the checks before the one shown
ARCHIVED = "2026-03-04T06:10"
SHOWN = "2026-03-05T06:17"  # over a day after the last check: no answer is reused from the cache
ADDRESSES = tuple(f"127.0.0.{last}" for last in range(80, 100))  # the first one free serves the web
REFUSED = "127.0.1.250"  # where nothing listens
SOURCE_ROOT = "file:///path/to/linkkeeper/"  # SARIF's %SRCROOT%, the project's folder

MEGABYTE = "https://www.artisana.ai/articles/meta-ai-unleashes-megabyte-a-revolutionary-scalable-model-architecture"
LLAMA_MODELS = "https://agi-sphere.com/llama-models/"
PINECONE = "https://archive.pinecone.io/lp/vector-database/"
MAD = "https://mattturck.com/mad2023/"
PHASEAI = "https://phaseai.com"
OLD_BLOG = "https://old-blog.invalid/2019/notes.html"
MOJO = "https://www.modular.com/mojo"
RESEARCHGATE = "https://www.researchgate.net/publication/329941032_The_Work_of_Art_in_the_Age_of_Digital_Reproduction"
SLIDES = "https://docs.google.com/presentation/d/1636wKStYdT_yRPbJNrf8MLKpQghuWGDmyHinHhAKeXY/edit"
SIGN_IN = "https://accounts.google.com/v3/signin/identifier?continue=https%3A%2F%2Fdocs.google.com%2Fpresentation"
CHALLENGE = b"<!doctype html><html><head><title>Just a moment...</title></head><body>cf-chl-widget</body></html>"
LOGIN = b"<html><head><title>Sign in</title></head><body><form><input type='password' name='p'></form></body></html>"
PRICING = (  # what www.modular.com/mojo is on the last day: another page altogether
    b"<!doctype html><html><head><title>Plans and pricing | Modular</title></head><body><h1>Plans and pricing"
    b"</h1><p>Compare the Starter, Team and Enterprise plans. Every plan is billed monthly or yearly, with "
    b"priority support, single sign-on and an uptime guarantee for enterprise customers. Contact our sales "
    b"team for a quote, volume discounts or a custom contract; invoices are sent by email.</p><p>Frequently "
    b"asked questions: can I change my plan later? Yes, upgrade or downgrade at any time and the difference is "
    b"prorated. Do you offer discounts for startups, students or nonprofits? Ask us. Which payment methods "
    b"are accepted? Credit cards and bank transfers.</p></body></html>"
)
ANSWERS = {  # every other link of examples/ is a page of its own (200)
    MEGABYTE: Answer(404, body=b"<html><head><title>Not Found</title></head></html>"),
    LLAMA_MODELS: Answer(404, body=b"<html><head><title>Page not found</title></head></html>"),
    PINECONE: Answer(410, body=b"<html><head><title>Gone</title></head></html>"),
    "https://bivector.net": Answer(503, body=b"<html><head><title>Service Unavailable</title></head></html>"),
    "http://jalammar.github.io/illustrated-transformer/": moved("https://jalammar.github.io/illustrated-transformer/"),
    "https://ai.facebook.com/blog/large-language-model-llama-meta-ai/": moved(
        "https://ai.meta.com/blog/large-language-model-llama-meta-ai/"
    ),
    "https://ollama.ai/blog/run-llama2-uncensored-locally": moved(
        "https://ollama.com/blog/run-llama2-uncensored-locally", 308
    ),
    "https://youtu.be/wi0M2J4uE5I": moved("https://www.youtube.com/watch?v=wi0M2J4uE5I", 303),  # alive
    MAD: moved("https://mattturck.com/", 302),  # to the home page: a soft 404
    PHASEAI: parked("phaseai.com"),
    "https://www.linkedin.com/in/noam-shazeer-3b27288/": Answer(999, body=b""),
    RESEARCHGATE: Answer(403, {"cf-mitigated": "challenge"}, CHALLENGE),
    SLIDES: moved(SIGN_IN, 302),
    SIGN_IN: Answer(body=LOGIN),
}
CAPTURES = {  # the Wayback Machine's copies (none of bivector.net or ggml.ai)
    MEGABYTE: "20230520101500",
    LLAMA_MODELS: "20230602080000",
    PINECONE: "20230801120000",
    MAD: "20230402093000",
    PHASEAI: "20230415170000",
    OLD_BLOG: "20190615083000",
}


@pytest.fixture
def example_web() -> Iterator[ExampleWeb]:
    """The web of examples/, on the first free address of ADDRESSES."""
    scanned = linkkeeper.scan([str(REPO / "examples")]).occurrences
    links = sorted({occurrence.url for occurrence in scanned if occurrence.url.startswith(("http://", "https://"))})
    targets = [answer.headers["Location"] for answer in ANSWERS.values() if "Location" in answer.headers]
    hosts = {urlsplit(url).hostname or "" for url in [*links, *targets]} - {"ggml.ai", "old-blog.invalid"}
    with socket.socket() as probe:
        if probe.connect_ex((REFUSED, 80)) == 0:
            pytest.skip(f"something listens on {REFUSED}:80, where a connection must be refused")
    for address in ADDRESSES:
        web = ExampleWeb(address, sorted(hosts), [*links, *targets], ANSWERS)
        try:
            web.start()
        except PermissionError:
            pytest.skip("serving ports 80 and 443 on loopback needs root (CI runs as root)")
        except OSError:
            continue  # the address is taken (by another run of this test?)
        yield web
        web.stop()
        return
    pytest.skip("no loopback address of ADDRESSES is free on ports 80 and 443")


def _commit_on(folder: Path, day: str) -> None:
    stamp = f"{day}T12:00:00+00:00"
    who = {"NAME": "A", "EMAIL": "a@example.invalid", "DATE": stamp}
    env = {
        **os.environ,
        **{f"GIT_{role}_{key}": value for role in ("AUTHOR", "COMMITTER") for key, value in who.items()},
    }
    for command in (["init", "-q"], ["add", "examples"], ["commit", "-q", "-m", "examples"]):
        subprocess.run(["git", *command], cwd=folder, env=env, check=True, capture_output=True)


def _at(moment: str) -> type[datetime]:
    frozen = datetime.fromisoformat(f"{moment}:00+00:00")

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return frozen if tz is not None else frozen.replace(tzinfo=None)

    return Frozen


def _settings(web: ExampleWeb, wayback: FakeWayback) -> str:
    """linkkeeper.toml: names resolved here only (no DNS canary either), the test CA trusted,
    generous timeouts (every answer is immediate; a loaded machine must not turn one into a timeout),
    a quick retry, and the fake Wayback Machine without its rate limits."""
    resolve = ", ".join(f'"{entry}"' for entry in [*web.resolve_entries(), f"ggml.ai:{REFUSED}"])
    archive = "".join(f'{key} = "{value}"\n' for key, value in wayback.settings().items())
    return (
        f'[check]\nresolve = [{resolve}]\nca_bundle = "example-ca.pem"\ndns_canary = ""\n'
        "timeout = 20.0\nconnect_timeout = 10.0\nread_timeout = 10.0\nretries = 1\nbackoff = 0.05\n"
        f"[wayback]\n{archive}cdx_per_minute = 6000\nreplay_per_minute = 6000\n"
    )


def _fixed(name: str, text: str, project: Path) -> str:
    """The report without what differs from one machine or run to the next."""
    text = text.replace(project.as_uri() + "/", SOURCE_ROOT).replace(str(project), "/path/to/linkkeeper")
    if name == "report.json":
        text = re.sub(r'"elapsed_ms": \d+', '"elapsed_ms": 0', text)
    elif name == "junit.xml":
        text = re.sub(r' time="[\d.]+"', ' time="0.000"', text)
    return text


def test_the_example_reports_are_what_check_writes(
    workdir: Path, example_web: ExampleWeb, fakewayback: FakeWayback, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check of the fourth day writes reports/example/ as committed, with the examples' own URLs."""
    shutil.copytree(REPO / "examples", workdir / "examples")
    _commit_on(workdir, CITED)
    (workdir / REPORTS).mkdir(parents=True)
    example_web.write_ca(workdir / "example-ca.pem")
    (workdir / "linkkeeper.toml").write_text(_settings(example_web, fakewayback), encoding="utf-8")
    for url, timestamp in CAPTURES.items():
        fakewayback.add_capture(url, {"timestamp": timestamp, "status": 200, "body": page(url)})
    machine = ["GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_TOKEN", "SSL_CERT_FILE", "SSL_CERT_DIR"]
    proxies = [f"{name}_proxy" for name in ("http", "https", "all", "no")]
    env: dict[str, str | None] = dict.fromkeys([*machine, *proxies, *(name.upper() for name in proxies)])

    def run(moment: str, *args: str) -> Result:
        for module in ORCHESTRATORS:
            monkeypatch.setattr(f"{module}.datetime", _at(moment))
        result = CliRunner().invoke(main, list(args), env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result

    for moment in DAILY:
        run(moment, "check", "-q", "--no-progress", "examples/")
    assert "6 with a verified snapshot" in run(ARCHIVED, "archive", "examples/").output
    example_web.answer(MOJO, Answer(body=PRICING))
    reports = ["--reports-dir", str(REPORTS), "--report-formats", "md,json,html,junit,sarif"]
    result = run(SHOWN, "check", "--no-progress", "examples/", *reports)
    assert result.exit_code == 1, result.output

    written = {name: _fixed(name, (workdir / REPORTS / name).read_text(encoding="utf-8"), workdir) for name in FILES}
    targets = json.loads(written["report.json"])["targets"]
    assert {target["outcome"] for target in targets} == {
        "alive", "redirected", "broken", "broken-fragment", "error", "blocked", "skipped"
    }  # fmt: skip
    assert {target["verdict"] for target in targets} == {
        "alive", "redirected", "failing", "dead", "drifted", "blocked", "skipped"
    }  # fmt: skip
    for name, text in written.items():
        assert "127.0." not in text and LLAMA_MODELS in text, name  # the links' own URLs, as written
    if REGENERATE:
        (REPO / REPORTS).mkdir(parents=True, exist_ok=True)
        for name, text in written.items():
            (REPO / REPORTS / name).write_text(text, encoding="utf-8")
        return
    for name, text in written.items():
        assert text == (REPO / REPORTS / name).read_text(encoding="utf-8"), (
            f"{REPORTS / name} differs from what check writes; LINKKEEPER_REGENERATE_EXAMPLES=1 rewrites it"
        )

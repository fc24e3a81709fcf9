"""Shared helpers: scanning text and checking the span invariants every occurrence must keep."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from linkkeeper.models import Occurrence
from linkkeeper.scanning.markdown import extract
from linkkeeper.scanning.source import OffsetMap
from tests.fakewayback import FakeWayback
from tests.fakeweb import FakeWeb

_LINE_ENDING = re.compile(r"\r\n|\r|\n")
# With a page detector on, every link is one GET (the page is read); tests of HEAD first and the
# GET after it turn the detectors off (tests/integration/test_pages.py tests them).
HEAD_FIRST = {"detect_parked": False, "detect_soft_404": False, "detect_drift": False, "detect_login_walls": False}


def assert_spans(text: str, occurrences: Sequence[Occurrence]) -> None:
    """Every occurrence's span holds its raw text, and its line/column point at the span start."""
    offsets = OffsetMap(text)
    for occ in occurrences:
        assert text[occ.start : occ.end] == occ.raw, occ
        assert (occ.line, occ.column) == offsets.line_column(occ.start), occ
        # CommonMark's line endings only (str.splitlines also breaks at \x85, \u2028 and others).
        lines = _LINE_ENDING.split(text)
        assert lines[occ.line - 1][occ.column - 1 :].startswith(_LINE_ENDING.split(occ.raw)[0]), occ


def scan(text: str, **options: bool) -> list[Occurrence]:
    """Scan ``text`` and check the span invariants on the way."""
    found = extract(text, "doc.md", **options)
    assert_spans(text, found)
    return found


def urls(text: str, **options: bool) -> list[str]:
    return [occ.url for occ in scan(text, **options)]


def one(text: str) -> Occurrence:
    found = scan(text)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="session")
def fakeweb_server() -> Iterator[FakeWeb]:
    server = FakeWeb(hosts=8).start()
    yield server
    server.stop()


@pytest.fixture
def fakeweb(fakeweb_server: FakeWeb) -> FakeWeb:
    """The fake web, with its request log emptied for this test."""
    fakeweb_server.reset()
    return fakeweb_server


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working directory, with no LINKKEEPER_* variable of the developer's leaking in."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("LINKKEEPER_"):
            monkeypatch.delenv(name)
    return tmp_path


def fast_config(web: FakeWeb, **check: float | int) -> str:
    """A linkkeeper.toml body pointing every fake host at loopback, with the given [check] values."""
    resolve = ", ".join(f'"{entry}"' for entry in web.resolve_entries())
    return f"[check]\nresolve = [{resolve}]\n" + "".join(f"{key} = {value}\n" for key, value in check.items())


@pytest.fixture(scope="session")
def fakewayback_server() -> Iterator[FakeWayback]:
    server = FakeWayback().start()
    yield server
    server.stop()


@pytest.fixture
def fakewayback(fakewayback_server: FakeWayback) -> FakeWayback:
    """The fake Wayback Machine, emptied of captures, knobs, jobs and log for this test."""
    fakewayback_server.reset()
    return fakewayback_server


def wayback_config(fake: FakeWayback) -> str:
    """A [wayback] table pointing linkkeeper at the fake Wayback Machine."""
    return "\n[wayback]\n" + "".join(f'{key} = "{value}"\n' for key, value in fake.settings().items())


def check_on_days(
    workdir: Path, web: FakeWeb, paths: Sequence[str], days: Sequence[int] = (0, 1, 3), base_url: str | None = None
) -> None:
    """Run checks of ``paths`` on simulated days (from 2026-03-02) into the project's history,
    enough by default for links that keep failing to become dead."""
    import dataclasses
    from datetime import UTC, datetime, timedelta

    from linkkeeper.config import CheckSettings, Settings, SiteSettings
    from linkkeeper.history import History
    from linkkeeper.pipeline import run_check

    settings = dataclasses.replace(
        Settings(), check=CheckSettings(resolve=web.resolve_entries(), retries=0), site=SiteSettings(base_url=base_url)
    )
    with History.open(workdir / ".linkkeeper" / "history.sqlite") as history:
        for day in days:
            now = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(days=day)
            run_check(list(paths), settings, history=history, now=now, environ={})

"""The README's tutorial runs as written: every code block that starts with ``$ linkkeeper`` is run,
in order, on a copy of examples/tutorial, and its output must be what the README shows.

The tutorial's notes were committed to git on 2019-06-10 (archive matches snapshots to that). Its
first checks run on 2026-03-02, and before its fourth block one more check runs on 2026-03-03, so
that the fourth, on 2026-03-04, finds the old blog post dead. The web it sees is real sockets on
loopback: the first web page answers from 127.0.0.77:80, the old blog's
name does not resolve (``.invalid``), and the Wayback Machine is the fake one, holding a 2019
capture of the blog post. ``LINKKEEPER_REGENERATE_GOLDEN=1`` rewrites the README's outputs.
"""

from __future__ import annotations

import http.server
import os
import re
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from linkkeeper.cli import main
from tests.fakewayback import FakeWayback

REPO = Path(__file__).resolve().parent.parent.parent
README = REPO / "README.md"
ORCHESTRATORS = ("linkkeeper.pipeline", "linkkeeper.archive.run", "linkkeeper.fixing")  # each reads the clock
BLOCK = re.compile(r"```console\n(\$ linkkeeper [^\n]*)\n(.*?)```", re.DOTALL)
REGENERATE = os.environ.get("LINKKEEPER_REGENERATE_GOLDEN") == "1"
FIRST_PAGE_ADDRESS = "127.0.0.77"
BLOG_POST = "https://old-blog.invalid/2019/notes.html"
CITED = "2019-06-10"  # when the notes were committed
DAYS = ["2026-03-02", "2026-03-02", "2026-03-02", "2026-03-04", "2026-03-04", "2026-03-04"]
HIDDEN_RUN_BEFORE = {3: "2026-03-03"}  # block index -> a check of the same folder, not shown


class _FirstWebPage(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()

    def do_GET(self) -> None:
        self.do_HEAD()
        self.wfile.write(b"<html><title>The World Wide Web project</title></html>")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def first_web_page() -> Iterator[None]:
    """info.cern.ch, served on loopback port 80 (the URL in the tutorial has no port)."""
    try:
        server = http.server.ThreadingHTTPServer((FIRST_PAGE_ADDRESS, 80), _FirstWebPage)
    except PermissionError:
        pytest.skip("serving port 80 on loopback needs root (CI runs as root)")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield
    server.shutdown()
    server.server_close()


def _commit_on(folder: Path, day: str) -> None:
    stamp = f"{day}T12:00:00+00:00"
    who = {"NAME": "A", "EMAIL": "a@example.invalid", "DATE": stamp}
    env = {
        **os.environ,
        **{f"GIT_{role}_{key}": value for role in ("AUTHOR", "COMMITTER") for key, value in who.items()},
    }
    for command in (["init", "-q"], ["add", "examples"], ["commit", "-q", "-m", "notes"]):
        subprocess.run(["git", *command], cwd=folder, env=env, check=True, capture_output=True)


def _on_day(day: str) -> type[datetime]:
    moment = datetime.fromisoformat(f"{day}T09:00:00+00:00")

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return moment if tz is not None else moment.replace(tzinfo=None)

    return Frozen


def _comparable(text: str) -> str:
    return re.sub(r"done in \d+\.\d s", "done in 0.1 s", text)


def test_the_readme_tutorial_runs_as_written(
    workdir: Path, first_web_page: None, fakewayback: FakeWayback, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each `$ linkkeeper` block of the README prints what the README shows, on the days it says."""
    shutil.copytree(REPO / "examples" / "tutorial", workdir / "examples" / "tutorial")
    _commit_on(workdir, CITED)
    fakewayback.add_capture(BLOG_POST, {"timestamp": "20190615083000", "status": 200})
    env = {
        "LINKKEEPER_CHECK_RESOLVE": f"info.cern.ch:{FIRST_PAGE_ADDRESS}",
        **{f"LINKKEEPER_WAYBACK_{key.upper()}": value for key, value in fakewayback.settings().items()},
        "GITHUB_ACTIONS": "",
    }
    readme = README.read_text(encoding="utf-8")
    blocks = BLOCK.findall(readme)
    assert [command.split()[2] for command, _ in blocks] == ["scan", "check", "report", "check", "archive", "fix"]
    actual: list[str] = []
    for index, (command, _) in enumerate(blocks):
        if index in HIDDEN_RUN_BEFORE:
            for module in ORCHESTRATORS:
                monkeypatch.setattr(f"{module}.datetime", _on_day(HIDDEN_RUN_BEFORE[index]))
            CliRunner().invoke(main, ["check", "-q", "--no-progress", "examples/tutorial"], env=env)
        for module in ORCHESTRATORS:
            monkeypatch.setattr(f"{module}.datetime", _on_day(DAYS[index]))
        result = CliRunner().invoke(main, shlex.split(command)[2:], env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        actual.append(result.output)
    if REGENERATE:
        outputs = iter(actual)
        README.write_text(BLOCK.sub(lambda m: f"```console\n{m.group(1)}\n{next(outputs)}```", readme), "utf-8")
        return
    for (command, shown), output in zip(blocks, actual, strict=True):
        assert _comparable(output) == _comparable(shown), command

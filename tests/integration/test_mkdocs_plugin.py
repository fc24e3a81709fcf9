"""The MkDocs plugin (issue 24): ``plugins: [linkkeeper]`` checks the pages' sources during a
real ``mkdocs build``, warns per failing link (so ``--strict`` fails), never asks a link in code
and reuses the history's fresh answers on the next build."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import HEAD_FIRST
from tests.loopback import Asked, Loopback, Reply, serving

pytest.importorskip("mkdocs")  # the test extra installs it


def _gone_or_ok(asked: Asked) -> Reply:
    return Reply(404 if asked.path == "/gone" else 200)


@pytest.fixture
def web() -> Iterator[Loopback]:
    with serving(_gone_or_ok) as server:
        yield server


def make_site(folder: Path, web: Loopback, *, plugin: str = "- linkkeeper", page: str | None = None) -> Path:
    """A small MkDocs project: mkdocs.yml, linkkeeper.toml (no retries, HEAD per link), docs/."""
    folder.mkdir(exist_ok=True)
    (folder / "mkdocs.yml").write_text(f"site_name: Test\nplugins:\n  {plugin}\n", encoding="utf-8")
    settings = {"retries": 0, "timeout": 10, **HEAD_FIRST}
    body = "".join(f"{key} = {str(value).lower()}\n" for key, value in settings.items())
    (folder / "linkkeeper.toml").write_text("[check]\n" + body, encoding="utf-8")
    docs = folder / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "index.md").write_text(f"# Home\n\nSee [the page](page.md) and [ok]({web.url('/ok')}).\n", encoding="utf-8")
    if page is None:
        page = (
            "# Page\n\n"
            "Back [home](index.md).\n\n"
            "```\n"
            f"curl {web.url('/in-code')}\n"
            "```\n\n"
            f"A [gone link]({web.url('/gone')}) on line 9.\n"
        )
    (docs / "page.md").write_text(page, encoding="utf-8")
    return folder


def build(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("LINKKEEPER_") and "proxy" not in name.lower()
    }
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", *extra],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def test_strict_fails_on_a_404_and_names_the_place(tmp_path: Path, web: Loopback) -> None:
    folder = make_site(tmp_path / "site", web)
    done = build(folder)
    text = output(done)
    assert done.returncode != 0, text
    assert f"docs/page.md:9: {web.url('/gone')} HTTP 404" in text, text
    assert "WARNING" in text and "linkkeeper" in text, text
    assert "Aborted with 1 warnings in strict mode" in text, text
    assert web.count("/gone") >= 1  # a HEAD, and a GET to confirm a failure
    assert "/in-code" not in web.paths()  # a URL in a fenced code block is never requested


def test_passes_once_the_404_is_gone_and_reuses_the_history(tmp_path: Path, web: Loopback) -> None:
    folder = make_site(tmp_path / "site", web)
    assert build(folder).returncode != 0
    (folder / "docs" / "page.md").write_text("# Page\n\nBack [home](index.md).\n", encoding="utf-8")

    done = build(folder)
    assert done.returncode == 0, output(done)
    assert "WARNING" not in output(done)
    assert (folder / "site" / "page" / "index.html").is_file()
    assert (folder / ".linkkeeper" / "history.sqlite").is_file()
    asked = web.count("/ok")
    assert asked == 1  # the first build asked it; the second reused the answer

    again = build(folder)
    assert again.returncode == 0, output(again)
    assert web.count("/ok") == asked  # alive within the cache's age: not asked again
    assert "/in-code" not in web.paths()


def test_local_links_are_checked(tmp_path: Path, web: Loopback) -> None:
    folder = make_site(tmp_path / "site", web, page="# Page\n\nSee [nothing](missing.md).\n")
    done = build(folder)
    assert done.returncode != 0
    assert "docs/page.md:3: missing.md" in output(done), output(done)


def test_fail_on_never_and_offline(tmp_path: Path, web: Loopback) -> None:
    never = make_site(tmp_path / "never", web, plugin="- linkkeeper:\n      fail_on: never")
    done = build(never)
    assert done.returncode == 0, output(done)
    assert web.count("/gone") >= 1  # checked, but no failure warns

    offline = make_site(tmp_path / "offline", web, plugin="- linkkeeper:\n      offline: true")
    before = len(web.paths())
    done = build(offline)
    assert done.returncode == 0, output(done)
    assert len(web.paths()) == before  # no web link asked


def test_disabled_and_its_history_option(tmp_path: Path, web: Loopback) -> None:
    disabled = make_site(tmp_path / "disabled", web, plugin="- linkkeeper:\n      enabled: false")
    done = build(disabled)
    assert done.returncode == 0, output(done)
    assert web.paths() == []
    assert not (disabled / ".linkkeeper").exists()

    elsewhere = make_site(tmp_path / "elsewhere", web, plugin="- linkkeeper:\n      history: links.sqlite")
    (elsewhere / "docs" / "page.md").write_text("# Page\n", encoding="utf-8")
    assert build(elsewhere).returncode == 0
    assert (elsewhere / "links.sqlite").is_file()
    assert not (elsewhere / ".linkkeeper").exists()


def test_a_linkkeeper_error_is_a_plugin_error(tmp_path: Path, web: Loopback) -> None:
    folder = make_site(tmp_path / "site", web)
    (folder / "linkkeeper.toml").write_text("[check]\ntimeout = -1\n", encoding="utf-8")
    done = build(folder)
    text = output(done)
    assert done.returncode != 0
    assert "linkkeeper: linkkeeper.toml: check.timeout:" in text, text
    assert "Traceback" not in text, text
    assert web.paths() == []


def test_a_bad_option_is_refused_by_mkdocs(tmp_path: Path, web: Loopback) -> None:
    folder = make_site(tmp_path / "site", web, plugin="- linkkeeper:\n      fail_on: sometimes")
    done = build(folder)
    assert done.returncode != 0
    assert "fail_on" in output(done), output(done)
    assert web.paths() == []

"""linkkeeper as a library (issue 24): ``check``, ``acheck`` and ``scan`` at the package's top,
the same settings, ignore files and history as the command, never blocking a running loop."""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import linkkeeper
from linkkeeper.cli import main
from tests.conftest import HEAD_FIRST
from tests.loopback import Asked, Loopback, Reply


class Site(Loopback):
    """/ok is a page, /gone is 404; /held answers only once ``release`` is set (bounded), so a
    test can require something to happen while a request is in flight."""

    def __init__(self) -> None:
        self.release = threading.Event()
        super().__init__(self._answer)

    def _answer(self, asked: Asked) -> Reply:
        if asked.path == "/held":
            self.release.wait(timeout=30)
        return Reply(404 if asked.path == "/gone" else 200)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.release.set()
    server.close()


@pytest.fixture
def project(workdir: Path, site: Site) -> Path:
    settings = "".join(f"{key} = false\n" for key in HEAD_FIRST)
    (workdir / "linkkeeper.toml").write_text(f"[check]\nretries = 0\n{settings}")
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text(
        f"# A\n\nSee [ok]({site.url('/ok')}) and [gone]({site.url('/gone')}).\n\n"
        f"```\n{site.url('/in-code')}\n```\n\n<{site.url('/ignored')}>\n"
    )
    (workdir / ".linkkeeperignore").write_text("/ignored$\n")
    return workdir


def test_the_package_is_typed_and_its_names_are_the_functions() -> None:
    assert (Path(linkkeeper.__file__).parent / "py.typed").is_file()
    assert callable(linkkeeper.check) and callable(linkkeeper.acheck) and callable(linkkeeper.scan)
    assert all(getattr(linkkeeper, name).__doc__ for name in linkkeeper.__all__ if name != "__version__")


def test_check_gives_each_link_as_written_with_its_outcome_and_places(project: Path, site: Site) -> None:
    """Per link: the URL as written, the outcome, the 1-based places; code is never asked; the
    ignore file applies as it does for the command."""
    report = linkkeeper.check(["docs"])
    ok, gone = report.link(site.url("/ok")), report.link(site.url("/gone"))
    assert ok is not None and ok.outcome == "alive"
    assert gone is not None and gone.outcome == "broken" and gone.status_code == 404
    assert [(place.path, place.line, place.column) for place in ok.places] == [
        ("docs/a.md", 3, 10)
    ]  # where the URL starts
    ignored = report.link(site.url("/ignored"))
    assert ignored is not None and ignored.outcome == "excluded"
    assert site.count("/in-code") == 0 and site.count("/ignored") == 0


def test_one_history_under_the_library_and_the_command(project: Path, site: Site) -> None:
    """A link check() found alive is asked again neither by acheck() nor by `linkkeeper check`."""
    linkkeeper.check(["docs"])
    asked = site.count("/ok")
    assert asked >= 1
    again = asyncio.run(linkkeeper.acheck(["docs"]))
    assert again.link(site.url("/ok")).outcome == "alive"  # type: ignore[union-attr]
    CliRunner().invoke(main, ["check", "--no-progress", "docs"])
    assert site.count("/ok") == asked
    assert site.count("/gone") >= 3  # a failure is always asked again


def test_acheck_leaves_the_loop_free_while_it_works(project: Path, site: Site) -> None:
    """While acheck's request is held by the server, a task on the caller's loop keeps running:
    it is what lets the server answer. A blocked loop would never release it (the test would
    fail on the server's bound, not hang)."""
    (project / "docs" / "a.md").write_text(f"<{site.url('/held')}>\n")

    async def scenario() -> linkkeeper.RunReport:
        async def ticker() -> None:
            for _ in range(3000):  # bounded: 30 s at most
                if "/held" in site.paths():
                    site.release.set()
                    return
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        report = await linkkeeper.acheck(["docs"], timeout=60)
        await ticking
        return report

    report = asyncio.run(scenario())
    assert report.link(site.url("/held")).outcome == "alive"  # type: ignore[union-attr]


def test_check_inside_a_running_loop_names_acheck(project: Path) -> None:
    """Never asyncio.run's error and never a coroutine left un-awaited: one clear error."""

    async def scenario() -> None:
        with pytest.raises(RuntimeError, match=r"await linkkeeper\.acheck"):
            linkkeeper.check(["docs"])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        asyncio.run(scenario())


def test_scan_and_a_root_elsewhere(project: Path, tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """scan() lists the links with their places, no request; root= puts the history under it."""
    found = linkkeeper.scan(["docs"])
    assert [occurrence.url for occurrence in found.occurrences][:2] == [site.url("/ok"), site.url("/gone")]
    assert site.paths() == []
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "linkkeeper.toml").write_text("[check]\nretries = 0\n")
    report = linkkeeper.check(["docs"], root=other, offline=True)
    assert (other / ".linkkeeper" / "history.sqlite").is_file()
    assert report.link(site.url("/ok")).outcome == "skipped"  # type: ignore[union-attr]


def test_an_unknown_setting_is_a_type_error(project: Path) -> None:
    with pytest.raises(TypeError, match="unknown setting 'tiemout'"):
        linkkeeper.scan(["docs"], tiemout=5)

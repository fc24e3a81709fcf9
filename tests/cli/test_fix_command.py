"""End to end: links checked over simulated days until dead, archived, then fixed; the page as a
CommonMark renderer shows it has the archive URLs exactly where the dead links were."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pyromark
import pytest
from click.testing import CliRunner

from linkkeeper.cli import main
from linkkeeper.history import History
from tests.conftest import check_on_days, fast_config, wayback_config
from tests.fakewayback import FakeWayback
from tests.fakeweb import FakeWeb

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def site(workdir: Path, fakeweb: FakeWeb, fakewayback: FakeWayback) -> dict[str, str]:
    urls = {
        "dead": fakeweb.url(0, "/status/404?dead"),
        "gone": fakeweb.url(1, "/status/410?gone"),
        "unarchived": fakeweb.url(2, "/status/404?unarchived"),
        "alive": fakeweb.url(3, "/ok"),
        "moved": fakeweb.url(4, "/redirect/301/1"),
    }
    page = workdir / "docs" / "page.md"
    page.parent.mkdir()
    page.write_bytes(
        (
            "\ufeff# Notes\r\n\r\n[No URL](https://n[ews.example/a#b).\r\n\r\n"
            "Über [the dead one]({dead}#section) and [ref][g], <{alive}>, {unarchived} "
            'and [moved]({moved}).\r\n\r\n```\r\n{dead}\r\n```\r\n\r\n[g]: {gone} "Gone"\r\n'
        )
        .format(**urls)
        .encode("utf-8")
    )
    fakewayback.load(
        {"captures": {urls["dead"]: [{"timestamp": "20150101000000", "status": 200}],
                      urls["gone"]: [{"timestamp": "20160101000000", "status": 200}]}}
    )  # fmt: skip
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0) + wayback_config(fakewayback))
    check_on_days(workdir, fakeweb, ["docs"])
    assert CliRunner().invoke(main, ["archive", "docs"]).exit_code == 0
    return urls


def hrefs(markdown: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', pyromark.html(markdown))


def test_fix_rewrites_dead_links_and_nothing_else(site: dict[str, str], workdir: Path) -> None:
    """Dead links with snapshots become archive URLs where they were; every other byte stays."""
    page = workdir / "docs" / "page.md"
    before = page.read_bytes()
    mode = page.stat().st_mode
    result = CliRunner().invoke(main, ["fix", "docs"])
    assert result.exit_code == 0, result.output
    after = page.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and b"\r\n" in after and after.count(b"\r\n") == before.count(b"\r\n")
    dead_archive = f"https://web.archive.org/web/20150101000000/{site['dead']}#section"
    gone_archive = f"https://web.archive.org/web/20160101000000/{site['gone']}"
    expected = [
        dead_archive if href == site["dead"] + "#section" else gone_archive if href == site["gone"] else href
        for href in hrefs(before.decode("utf-8-sig"))
    ]
    assert hrefs(after.decode("utf-8-sig")) == expected
    assert after.decode("utf-8-sig").count(site["dead"]) == 2  # the code block keeps the original
    assert page.stat().st_mode == mode
    assert "1 link(s) without a verified archived copy:" in result.stderr
    assert "?unarchived  (no snapshot: not-archived)" in result.stderr  # archive looked: no "run archive"
    assert CliRunner().invoke(main, ["fix", "docs"]).stderr.startswith("0 file(s) changed")
    with History.open(workdir / ".linkkeeper" / "history.sqlite") as history:
        assert len(history.rewrites()) == 2


def test_site_relative_links_under_base_url_are_archived_and_fixed(
    workdir: Path, fakeweb: FakeWeb, fakewayback: FakeWayback
) -> None:
    """A dead /path link, checked as site.base_url + /path, is archived under that URL and rewritten
    where it is written; nothing else changes."""
    base = f"http://{fakeweb.names[0]}:{fakeweb.port}"
    web_url = base + "/status/404?old"
    page = workdir / "docs" / "post.md"
    page.parent.mkdir()
    page.write_text("See [the old post](/status/404?old#part), [home](/ok) and /status/404?old.\n")
    fakewayback.load({"captures": {web_url: [{"timestamp": "20150101000000", "status": 200}]}})
    (workdir / "linkkeeper.toml").write_text(
        fast_config(fakeweb, retries=0) + f'[site]\nbase_url = "{base}"\n' + wayback_config(fakewayback)
    )
    check_on_days(workdir, fakeweb, ["docs"], base_url=base)
    assert CliRunner().invoke(main, ["archive", "docs"]).exit_code == 0
    result = CliRunner().invoke(main, ["fix", "docs"])
    assert result.exit_code == 0, result.output
    fixed = page.read_text()
    archived = re.search(r"\[the old post\]\(([^)]*)\)", fixed)
    assert archived is not None and archived.group(1).endswith(f"/web/20150101000000/{web_url}#part")
    assert fixed == f"See [the old post]({archived.group(1)}), [home](/ok) and /status/404?old.\n"


def test_diff_and_check_write_nothing(site: dict[str, str], workdir: Path) -> None:
    """--diff prints a unified diff and writes nothing; --check exits 1 while fixes are pending."""
    page = workdir / "docs" / "page.md"
    before = page.read_bytes()
    diff = CliRunner().invoke(main, ["fix", "--diff", "docs"])
    assert diff.stdout.startswith("diff --git a/docs/page.md b/docs/page.md\n--- a/docs/page.md\n")
    assert "+Über" in diff.stdout
    assert CliRunner().invoke(main, ["fix", "--check", "docs"]).exit_code == 1
    assert page.read_bytes() == before
    CliRunner().invoke(main, ["fix", "docs"])
    assert CliRunner().invoke(main, ["fix", "--check", "docs"]).exit_code == 0


def test_annotate_style_and_redirects(site: dict[str, str], workdir: Path) -> None:
    """--style annotate keeps the originals; --redirects updates permanent redirects."""
    result = CliRunner().invoke(main, ["fix", "--style", "annotate", "--redirects", "docs"])
    assert result.exit_code == 0, result.output
    text = (workdir / "docs" / "page.md").read_text(encoding="utf-8-sig")
    assert f"[the dead one]({site['dead']}#section) ([archived](https://web.archive.org/web/20150101000000/" in text
    assert f"[moved]({site['moved'].rsplit('/redirect', 1)[0]}/ok)" in text


def test_a_file_changed_since_the_scan_is_refused(site: dict[str, str], workdir: Path) -> None:
    """A file edited between the scan and the write is left alone, with a message (exit 4)."""
    from linkkeeper.rewrite import RewriteRefused, write_atomic

    page = workdir / "docs" / "page.md"
    with pytest.raises(RewriteRefused, match="changed since it was scanned"):
        write_atomic(page, "new", has_bom=False, expected_sha256="0" * 64)
    assert page.read_bytes().startswith(b"\xef\xbb\xbf# Notes")


def test_a_file_edited_after_the_scan_is_refused_in_words(
    site: dict[str, str], workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line added at the top right after the scan: fix planned on the scan's offsets and refused
    with the read-back's internals (``(<Kind.INLINE: 'inline'>, ...)``); now it says what happened,
    and the edit stays."""
    from linkkeeper.scanning import scan_paths as real_scan

    page = workdir / "docs" / "page.md"

    def scan_then_edit(*args: Any, **kwargs: Any) -> Any:
        report = real_scan(*args, **kwargs)
        page.write_bytes(page.read_bytes().replace(b"# Notes\r\n", b"# Notes\r\nA new line.\r\n", 1))
        return report

    monkeypatch.setattr("linkkeeper.fixing.scan_paths", scan_then_edit)
    result = CliRunner().invoke(main, ["fix", "docs"])
    assert result.exit_code == 4
    assert "docs/page.md: changed since it was scanned; run fix again" in result.output
    assert "Kind." not in result.output and "read back" not in result.output
    assert b"A new line." in page.read_bytes() and b"web.archive.org" not in page.read_bytes()


def test_a_file_with_hard_links_is_refused_not_split(site: dict[str, str], workdir: Path) -> None:
    """A page with a second name: a new file would leave the other name with the old links (fix
    split them, exit 0). It is refused, with why; both names stay one file; other files go on."""
    page = workdir / "docs" / "page.md"
    before = page.read_bytes()
    os.link(page, workdir / "page-copy.md")
    (workdir / "docs" / "other.md").write_text(f"[gone]({site['gone']})\n")
    result = CliRunner().invoke(main, ["fix", "docs"])
    assert result.exit_code == 4
    assert "docs/page.md: has 2 hard links; fix would split them" in result.output
    assert page.read_bytes() == before and page.stat().st_ino == (workdir / "page-copy.md").stat().st_ino
    assert "web.archive.org" in (workdir / "docs" / "other.md").read_text()


def test_a_symbolic_link_is_written_through_and_stays_a_link(site: dict[str, str], workdir: Path) -> None:
    """fix rewrites the file a symbolic link points to, and says so (it replaced the link with a file)."""
    real = workdir / "real"
    real.mkdir()
    page = workdir / "docs" / "page.md"
    page.rename(real / "page.md")
    page.symlink_to(real / "page.md")
    result = CliRunner().invoke(main, ["fix", "docs"])
    assert result.exit_code == 0, result.output
    assert page.is_symlink() and page.resolve() == (real / "page.md").resolve()
    assert "https://web.archive.org/web/20150101000000/" in (real / "page.md").read_text(encoding="utf-8-sig")
    assert "written through the symbolic link" in result.output


def another_writer_before_the_rename(monkeypatch: pytest.MonkeyPatch, mode: str, text: str) -> None:
    """The exchange that puts the new file in place is preceded by another program writing ``text``
    to the file (opened with ``mode``): the race that lost an append, made to happen every time
    (tests/unit/test_write_atomic.py also makes it before a plain rename, and saves by rename)."""
    from linkkeeper import rewrite

    real_exchange = rewrite._exchange

    def writes_first(first: str, second: str | Path) -> None:
        with open(second, mode) as other_writer:
            other_writer.write(text)
        monkeypatch.setattr(rewrite, "_exchange", real_exchange)
        real_exchange(first, second)

    monkeypatch.setattr(rewrite, "_exchange", writes_first)


def test_an_append_during_the_rewrite_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line appended between the last look and the rename lands in the old file; it is carried over
    (it was lost, with exit 0)."""
    from linkkeeper.rewrite import write_atomic

    page = tmp_path / "page.md"
    page.write_text("old link\n")
    another_writer_before_the_rename(monkeypatch, "a", "appended\n")
    notes = write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    assert page.read_text() == "new link\nappended\n"
    assert notes == [f"{page}: 9 byte(s) appended during the rewrite were kept"]


def test_another_change_during_the_rewrite_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change that is no append is put back as the other writer made it, and the rewrite refused."""
    from linkkeeper.rewrite import RewriteRefused, write_atomic

    page = tmp_path / "page.md"
    page.write_text("old link\n")
    another_writer_before_the_rename(monkeypatch, "r+", "OLD")
    with pytest.raises(RewriteRefused, match="changed while being rewritten"):
        write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    assert page.read_text() == "OLD link\n"


def test_a_folder_that_cannot_be_written_is_exit_4_and_other_files_are_recorded(
    site: dict[str, str], workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fix w/a.md ro/b.md: b.md is exit 4 with its path; a.md is rewritten and its rewrites recorded
    (they were lost with a PermissionError traceback). Root ignores folder modes, so the folder's
    refusal is the operating system's error raised where the temporary file is made."""
    import tempfile

    from linkkeeper import rewrite

    readonly = workdir / "ro"
    readonly.mkdir()
    (readonly / "b.md").write_text(f"[gone]({site['gone']})\n")  # dead and archived already, through docs/
    real_mkstemp = tempfile.mkstemp

    def refuse_in_ro(*args: object, dir: Path, **options: object) -> tuple[int, str]:
        if Path(dir).name == "ro":
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, dir=dir, **options)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(rewrite.tempfile, "mkstemp", refuse_in_ro)
    result = CliRunner().invoke(main, ["fix", "docs", "ro"])
    assert result.exit_code == 4 and "Traceback" not in result.output
    assert "ro/b.md: cannot be written: Permission denied" in result.output
    with History.open(workdir / ".linkkeeper" / "history.sqlite") as history:
        paths = {row[0] for row in history.rewrites()}
    assert paths == {"docs/page.md"}


CRASHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from linkkeeper.rewrite import write_atomic
    target = Path(sys.argv[1])
    versions = [("A" * 2_000_000) + "\\n", ("B" * 3_000_000) + "\\n"]
    for index in range(10_000):
        print("writing", index, flush=True)
        write_atomic(target, versions[index % 2], has_bom=False, expected_sha256=None)
    """
)


@pytest.mark.parametrize("round_", range(3))
def test_killed_during_a_write_the_file_is_old_or_new(tmp_path: Path, round_: int) -> None:
    """SIGKILL during a rewrite leaves the file whole: the old version or the new, never a mix."""
    target = tmp_path / "page.md"
    target.write_text("original\n")
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHER, str(target)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for _ in range(3 + round_):
        assert process.stdout.readline().startswith("writing")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    content = target.read_text()
    assert content in ("original\n", ("A" * 2_000_000) + "\n", ("B" * 3_000_000) + "\n")
    (tmp_path / ".page.md.x1y2z3.linkkeeper").write_text("half")  # as a kill at another moment leaves it
    fixed = subprocess.run(  # the next run clears what the killed one left
        [sys.executable, "-m", "linkkeeper", "fix", "--db", str(tmp_path / "h.sqlite"), "page.md"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert fixed.returncode == 0, fixed.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["page.md"]  # and no history created

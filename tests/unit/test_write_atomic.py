"""write_atomic against other writers: an editor's save by rename, a change in place, hard links.
The races are made to happen at the exact moment by running the other writer just before the
operating-system call (mkstemp, the rename exchange, os.replace); no sleeps."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from linkkeeper import rewrite
from linkkeeper.rewrite import RewriteRefused, write_atomic

REAL_REPLACE = os.replace
CHANGED = "changed while being rewritten; the other change was kept; run fix again"


def save_by_rename(path: Path, text: str) -> None:
    """What an editor does: write a file beside ``path`` and rename it over ``path``."""
    temporary = path.with_name(f"{path.name}.editor~")
    temporary.write_text(text)
    REAL_REPLACE(temporary, path)


def before_call(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, *actions: Callable[[], None]) -> None:
    """The n-th call of ``owner.name`` is preceded by ``actions[n]`` (calls past the last run as they are)."""
    real = getattr(owner, name)
    pending = list(actions)

    def preceded(*args: Any, **kwargs: Any) -> Any:
        if pending:
            pending.pop(0)()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, preceded)


@pytest.fixture(params=["exchange", "rename"])
def swap(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways the new file is put in place: the exchange (Linux), and a plain rename where the
    file system has no exchange (EINVAL, as a file system without RENAME_EXCHANGE answers)."""
    if request.param == "rename":

        def unsupported(first: str, second: str) -> None:
            raise OSError(errno.EINVAL, "Invalid argument")

        monkeypatch.setattr(rewrite, "_exchange", unsupported)
    return str(request.param)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "page.md"
    path.write_text("old link\n")
    return path


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_an_editors_save_after_the_read_is_kept(page: Path, monkeypatch: pytest.MonkeyPatch, swap: str) -> None:
    """An editor saves by rename after the file was read and before it is replaced: its file is
    kept and the rewrite refused (it was replaced by ours, with exit 0)."""
    before_call(monkeypatch, tempfile, "mkstemp", lambda: save_by_rename(page, "editor's\n"))
    with pytest.raises(RewriteRefused, match=f"^{page}: {CHANGED}$"):
        write_atomic(page, "new link\n", has_bom=False, expected_sha256=sha("old link\n"))
    assert page.read_text() == "editor's\n"
    assert listing(page.parent) == ["page.md"]


def test_an_editors_save_at_the_instant_of_the_exchange_is_given_back(
    page: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save that lands on the path right before the exchange is displaced, not lost: it is the
    editor's very file (same inode) that ends at the path, and ours is gone."""
    saved: list[int] = []

    def editor() -> None:
        save_by_rename(page, "editor's\n")
        saved.append(page.stat().st_ino)

    before_call(monkeypatch, rewrite, "_exchange", editor)
    with pytest.raises(RewriteRefused, match=CHANGED):
        write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    assert page.read_text() == "editor's\n" and page.stat().st_ino == saved[0]
    assert listing(page.parent) == ["page.md"]


def test_a_save_during_the_give_back_wins_over_the_one_given_back(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two saves, one before the exchange and one before the exchange back: the newer is at the
    path, the older (superseded, as it would have been without fix) and ours are removed."""
    before_call(
        monkeypatch,
        rewrite,
        "_exchange",
        lambda: save_by_rename(page, "first\n"),
        lambda: save_by_rename(page, "second\n"),
    )
    with pytest.raises(RewriteRefused, match=CHANGED):
        write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    assert page.read_text() == "second\n"
    assert listing(page.parent) == ["page.md"]


def test_saves_landing_exchange_after_exchange_are_all_kept(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save before every exchange (the give-back stops after 16): no version is lost, the last
    one displaced is kept beside the file under a name the next run does not clear, and fix says so
    (the saves superseded meanwhile go, as they would without fix)."""
    saves = [lambda number=number: save_by_rename(page, f"save {number}\n") for number in range(40)]
    before_call(monkeypatch, rewrite, "_exchange", *saves)
    with pytest.raises(RewriteRefused, match="changed again and again while being rewritten") as refused:
        write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    kept = Path(str(refused.value).rsplit(" as ", 1)[1].rstrip(")"))
    assert page.read_text() == "save 15\n" and kept.read_text() == "save 16\n"  # 0 to 14: superseded
    assert listing(page.parent) == sorted(["page.md", kept.name])


def put_in_place(swap: str) -> tuple[Any, str]:
    """The call that puts the new file at the path."""
    return (rewrite, "_exchange") if swap == "exchange" else (os, "replace")


def test_an_append_right_before_the_swap_is_carried_over(
    page: Path, monkeypatch: pytest.MonkeyPatch, swap: str
) -> None:
    """A line appended to the old file at the last moment is carried over to the new one."""

    def append() -> None:
        with page.open("a") as other_writer:
            other_writer.write("appended\n")

    before_call(monkeypatch, *put_in_place(swap), append)
    notes = write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    assert page.read_text() == "new link\nappended\n"
    assert notes == [f"{page}: 9 byte(s) appended during the rewrite were kept"]
    assert listing(page.parent) == ["page.md"]


def test_a_change_in_place_right_before_the_swap_is_put_back(
    page: Path, monkeypatch: pytest.MonkeyPatch, swap: str
) -> None:
    """Another change in place wins: with the exchange, the very file (same inode) goes back."""
    inode = page.stat().st_ino

    def overwrite() -> None:
        with page.open("r+") as other_writer:
            other_writer.write("OLD")

    before_call(monkeypatch, *put_in_place(swap), overwrite)
    with pytest.raises(RewriteRefused, match=CHANGED):
        write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    assert page.read_text() == "OLD link\n"
    assert (page.stat().st_ino == inode) is (swap == "exchange")
    assert listing(page.parent) == ["page.md"]


def test_a_file_removed_before_the_swap_is_not_recreated(
    page: Path, monkeypatch: pytest.MonkeyPatch, swap: str
) -> None:
    """Moved away or removed while being rewritten: nothing is written, and fix says so."""
    before_call(monkeypatch, tempfile, "mkstemp", page.unlink)
    with pytest.raises(RewriteRefused, match="moved or removed while being rewritten"):
        write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    assert listing(page.parent) == []


def test_an_exchange_refused_by_the_system_is_an_oserror_and_leaves_nothing(
    page: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any other error of the exchange is the caller's to report; the temporary file goes."""

    def refused(first: str, second: str) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(rewrite, "_exchange", refused)
    with pytest.raises(PermissionError):
        write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    assert page.read_text() == "old link\n"
    assert listing(page.parent) == ["page.md"]


def test_a_file_with_hard_links_is_refused(page: Path, swap: str) -> None:
    """Replacing a file with two names would leave the other name with the old text (it did):
    refused, with why, and both names stay one file."""
    other = page.with_name("other.md")
    os.link(page, other)
    with pytest.raises(RewriteRefused, match=f"^{page}: has 2 hard links; fix would split them"):
        write_atomic(page, "new link\n", has_bom=False, expected_sha256=None)
    assert page.read_text() == other.read_text() == "old link\n"
    assert page.stat().st_ino == other.stat().st_ino
    assert listing(page.parent) == ["other.md", "page.md"]


def test_an_unchanged_write_keeps_the_mode_and_leaves_nothing(page: Path, swap: str) -> None:
    page.chmod(0o640)
    assert write_atomic(page, "new link\n", has_bom=True, expected_sha256=sha("old link\n")) == []
    assert page.read_bytes() == b"\xef\xbb\xbfnew link\n"
    assert page.stat().st_mode & 0o7777 == 0o640
    assert listing(page.parent) == ["page.md"]


def test_editors_saving_during_rewrites_are_never_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """300 real races: an editor thread saves by rename while fix rewrites. Whenever the save
    lands (before the read: refused as changed since the scan; during: given back; after: it
    replaces ours), the editor's text is what the file holds at the end. (fsync is skipped: it
    is no part of the race, and on a busy disk it made the test take seconds.)"""
    monkeypatch.setattr(os, "fsync", lambda descriptor: None)
    page = tmp_path / "page.md"
    lost = []
    for index in range(300):
        original = f"original {index}\n"
        page.write_text(original)
        start = threading.Barrier(2)

        def editor(text: str = f"editor {index}\n", start: threading.Barrier = start) -> None:
            start.wait()
            save_by_rename(page, text)

        thread = threading.Thread(target=editor)
        thread.start()
        start.wait()
        with contextlib.suppress(RewriteRefused):
            write_atomic(page, f"fix {index}\n", has_bom=False, expected_sha256=sha(original))
        thread.join()
        if page.read_text() != f"editor {index}\n":
            lost.append(index)
    assert lost == []
    assert listing(tmp_path) == ["page.md"]

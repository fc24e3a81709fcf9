"""Directory scans read the right files: extensions, hidden, .gitignore, include and exclude globs."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from linkkeeper.config import ScanSettings
from linkkeeper.errors import InputError
from linkkeeper.scanning.files import collect, read_regular


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("_site/\n*.draft.md\n")
    for name in [
        "README.md", "docs/guide.markdown", "docs/notes.txt", "docs/post.draft.md", "_site/index.md",
        ".github/hidden.md", "vendor/lib/readme.md", "docs/deep/page.mdx",
    ]:  # fmt: skip
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# x\n")
    (tmp_path / "docs" / ".gitignore").write_text("deep/\n")
    return tmp_path


def names(root: Path, settings: ScanSettings, inputs: list[str] | None = None) -> list[str]:
    return sorted(Path(p).relative_to(root).as_posix() for p, new in collect(inputs or [str(root)], settings) if new)


def test_default_skips_hidden_ignored_and_other_extensions(tree: Path) -> None:
    """By default: Markdown extensions only; hidden and .gitignore'd paths (nested too) are skipped."""
    assert names(tree, ScanSettings()) == ["README.md", "docs/guide.markdown", "vendor/lib/readme.md"]


def test_hidden_and_no_ignore(tree: Path) -> None:
    """``hidden`` and ``respect_gitignore=False`` widen the walk."""
    found = names(tree, ScanSettings(hidden=True, respect_gitignore=False))
    assert {".github/hidden.md", "_site/index.md", "docs/post.draft.md", "docs/deep/page.mdx"} <= set(found)


def test_include_and_exclude_globs(tree: Path) -> None:
    """Exclude globs prune; include globs keep only matching files."""
    assert names(tree, ScanSettings(exclude_paths=("vendor",))) == ["README.md", "docs/guide.markdown"]
    assert names(tree, ScanSettings(include_paths=("docs/*",))) == ["docs/guide.markdown"]


def test_gitignore_of_the_repository_applies_to_a_subfolder_argument(tree: Path) -> None:
    """Scanning docs/ still honours the repository root's .gitignore."""
    (tree / "docs" / "x.draft.md").write_text("# d\n")
    assert names(tree, ScanSettings(), [str(tree / "docs")]) == ["docs/guide.markdown"]


def test_explicit_files_are_always_read_and_only_once(tree: Path) -> None:
    """A file named on the command line is read whatever the filters, and duplicates collapse."""
    draft = str(tree / "docs" / "post.draft.md")
    assert names(tree, ScanSettings(), [draft, draft, str(tree / "docs" / "notes.txt")]) == [
        "docs/notes.txt",
        "docs/post.draft.md",
    ]


def test_missing_input_is_an_input_error(tmp_path: Path) -> None:
    """A path that does not exist stops the command with a usage error naming it."""
    with pytest.raises(InputError, match=r"nope\.md: no such file"):
        list(collect([str(tmp_path / "nope.md")], ScanSettings()))


def test_symbolic_links_to_files_elsewhere_are_read_where_they_are_written(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A link to a Markdown file outside the tree is read under its own name (it crashed the walk);
    a linked folder is not walked (no loops), and a file reached twice is read once."""
    outside = tmp_path_factory.mktemp("outside")
    (outside / "shared.md").write_text("# s\n")
    (tree / "docs" / "shared.md").symlink_to(outside / "shared.md")
    (tree / "docs" / "elsewhere").symlink_to(outside, target_is_directory=True)
    (tree / "docs" / "again.md").symlink_to(tree / "README.md")
    assert names(tree, ScanSettings()) == ["README.md", "docs/guide.markdown", "docs/shared.md", "vendor/lib/readme.md"]


def test_a_pipe_named_like_markdown_is_not_opened_and_a_dangling_link_is_listed(tree: Path) -> None:
    """Opening a pipe would wait forever; a dangling link is read, so its error names it."""
    os.mkfifo(tree / "docs" / "pipe.md")
    (tree / "docs" / "gone.md").symlink_to(tree / "nowhere.md")
    assert names(tree, ScanSettings()) == ["README.md", "docs/gone.md", "docs/guide.markdown", "vendor/lib/readme.md"]


def test_a_named_pipe_or_device_is_an_input_error_and_never_opened(tmp_path: Path) -> None:
    """Named on the command line, a pipe is refused, not opened (the open would wait for a writer
    forever), and so is a device (/dev/zero never ends); a folder's pipe is skipped."""
    os.mkfifo(tmp_path / "pipe.md")
    with pytest.raises(InputError, match=r"pipe\.md: a named pipe \(FIFO\), not a regular file"):
        list(collect([str(tmp_path / "pipe.md")], ScanSettings()))
    with pytest.raises(InputError, match=r"^/dev/zero: a character device, not a regular file"):
        list(collect(["/dev/zero"], ScanSettings()))


def test_a_symbolic_link_loop_or_a_dangling_link_is_named_for_what_it_is(tmp_path: Path) -> None:
    """A link to itself, or a -> b -> a, is a loop, not a missing file; a dangling link says so."""
    (tmp_path / "self.md").symlink_to("self.md")
    (tmp_path / "a.md").symlink_to("b.md")
    (tmp_path / "b.md").symlink_to("a.md")
    (tmp_path / "gone.md").symlink_to("nowhere.md")
    for name in ("self.md", "a.md"):
        with pytest.raises(InputError, match=rf"^{re.escape(str(tmp_path / name))}: symbolic link loop"):
            list(collect([str(tmp_path / name)], ScanSettings()))
    with pytest.raises(InputError, match=r"gone\.md: dangling symbolic link \(to nowhere\.md"):
        list(collect([str(tmp_path / "gone.md")], ScanSettings()))


def test_a_pipe_swapped_in_after_the_check_is_refused_without_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the check and the open, a file may become a pipe: it is opened without waiting
    for a writer and refused unread (a thread, so a regression fails rather than hangs)."""
    (tmp_path / "a.md").write_text("# a\n")
    assert read_regular(str(tmp_path / "a.md"), 100) == (4, b"# a\n")
    assert read_regular(str(tmp_path / "a.md"), 3) == (4, b"")
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)
    with pytest.raises(OSError, match="a named pipe"):
        read_regular(str(pipe), 100)  # seen by the check: never opened
    real_stat = os.stat

    def before_the_swap(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        return real_stat(tmp_path / "a.md") if path == str(pipe) else real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", before_the_swap)  # the check sees a regular file
    outcome: list[BaseException | tuple[int, bytes]] = []

    def attempt() -> None:
        try:
            outcome.append(read_regular(str(pipe), 100))
        except OSError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=attempt, daemon=True)
    reader.start()
    reader.join(10)
    stuck = reader.is_alive()
    if stuck:  # waiting in open(): a writer lets it go, so the test ends
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
    assert not stuck, "read_regular waited for a writer on a pipe"
    (error,) = outcome
    assert isinstance(error, OSError) and "a named pipe (FIFO), not a regular file" in str(error)

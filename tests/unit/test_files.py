"""Directory scans read the right files: extensions, hidden, .gitignore, include and exclude globs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from linkkeeper.config import ScanSettings
from linkkeeper.errors import InputError
from linkkeeper.scan.files import collect


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

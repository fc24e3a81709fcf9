"""Reference dates from a real git repository with back-dated commits, and the fallbacks."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linkkeeper.archive.cited import Citations, front_matter_date, git_citations

OLD = "https://old.example.com/a"
NEW = "https://new.example.com/b"


def git(folder: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True, timeout=60)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    page = folder / "notes.md"
    page.write_text(f"# Notes\n\n[old]({OLD})\n")
    git(folder, "add", "notes.md")
    git(folder, "commit", "-q", "-m", "first", date="2016-05-01T12:00:00+00:00")
    page.write_text(f"# Notes\n\n[old]({OLD})\n\nAnd <{NEW}>.\n")
    git(folder, "commit", "-q", "-am", "second", date="2019-07-02T08:30:00+00:00")
    page.write_text(f"# Notes, edited\n\n[old]({OLD})\n\nAnd <{NEW}>.\n")
    git(folder, "commit", "-q", "-am", "third", date="2021-01-01T00:00:00+00:00")
    return folder


def test_author_date_of_the_commit_that_added_each_url(repo: Path) -> None:
    """Each URL is dated by the commit that first added it, with one git call for the file."""
    dates, note = git_citations(repo / "notes.md", {OLD, NEW})
    assert note == ""
    assert dates == {OLD: datetime(2016, 5, 1, 12, tzinfo=UTC), NEW: datetime(2019, 7, 2, 8, 30, tzinfo=UTC)}


def test_shallow_clone_falls_back_and_says_so(repo: Path, tmp_path: Path) -> None:
    """In a shallow clone, URLs already in its oldest commit are not dated by it, and a note says why."""
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    dates, note = git_citations(clone / "notes.md", {OLD, NEW})
    assert dates == {} and "shallow" in note


def test_outside_git_front_matter_then_history_then_now(tmp_path: Path) -> None:
    """Outside git: the front-matter date, else the history's first sighting, else now."""
    page = tmp_path / "post.md"
    page.write_text("---\ntitle: T\ndate: 2018-03-04 10:00:00 +0100\n---\n\n<https://x.example/>\n")
    plain = tmp_path / "plain.md"
    plain.write_text("<https://x.example/>\n")
    citations = Citations()
    assert "not in a git repository" in citations.load(str(page), {"https://x.example/"})
    citations.load(str(plain), {"https://x.example/"})
    now = datetime(2026, 1, 1, tzinfo=UTC)
    seen = datetime(2020, 2, 2, tzinfo=UTC)
    assert citations.cited(str(page), {"https://x.example/"}, seen, now).source == "front-matter"
    assert citations.cited(str(page), {"https://x.example/"}, seen, now).at.year == 2018
    assert citations.cited(str(plain), {"https://x.example/"}, seen, now).source == "history"
    assert citations.cited(str(plain), {"https://x.example/"}, None, now).at == now


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ndate: 2023-05-01\n---\n", datetime(2023, 5, 1, tzinfo=UTC)),
        ('+++\ndate = "2021-02-03T04:05:06Z"\n+++\n', datetime(2021, 2, 3, 4, 5, 6, tzinfo=UTC)),
        ("# no front matter\ndate: 2023-05-01\n", None),
    ],
)
def test_front_matter_dates(text: str, expected: datetime | None) -> None:
    """YAML and TOML front-matter dates are read; a date outside front matter is not."""
    assert front_matter_date(text) == expected

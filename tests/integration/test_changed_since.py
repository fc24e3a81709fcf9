"""``check --changed-since REF`` (issue 26): a pull request's question — did this change add or
break a link? — on a real git repository against a loopback server: only the changed lines' web
links are asked; local links and fragments are judged everywhere and against the base."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkkeeper.cli import main
from tests.loopback import Asked, Loopback, Reply, serving

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


def _gone_or_ok(asked: Asked) -> Reply:
    """Paths starting /gone answer 404, the others 200."""
    return Reply(404 if asked.path.startswith("/gone") else 200)


@pytest.fixture
def server() -> Iterator[Loopback]:
    with serving(_gone_or_ok) as running:
        yield running


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    return done.stdout


@pytest.fixture
def repo(workdir: Path, server: Loopback) -> Path:
    """main: a guide with a heading, an FAQ, a page, and an untouched page linking to both and to
    an old broken web link. The feature branch renames the heading, deletes the FAQ, edits a line
    and adds one with a broken and an alive link."""
    git(workdir, "init", "-q", "-b", "main")
    (workdir / "linkkeeper.toml").write_text("[check]\nretries = 0\n")  # the page detectors on: no probe either
    docs = workdir / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text("# Guide\n\n## Setup steps\n\nDo this.\n")
    (docs / "faq.md").write_text("# FAQ\n")
    (docs / "page.md").write_text(f"# Page\n\nRead <{server.url('/edited-before')}>.\n\nThe end.\n")
    (docs / "untouched.md").write_text(
        f"# Untouched\n\n[FAQ](faq.md) and [setup](guide.md#setup-steps).\n\n"
        f"Old: [broken]({server.url('/gone-old')}) and [fine]({server.url('/fine-old')}).\n"
    )
    git(workdir, "add", "-A")
    git(workdir, "commit", "-q", "-m", "main")
    git(workdir, "checkout", "-q", "-b", "feature")
    (docs / "guide.md").write_text("# Guide\n\n## Installation\n\nDo this.\n")
    (docs / "faq.md").unlink()
    (docs / "page.md").write_text(
        f"# Page\n\nRead <{server.url('/edited-after')}>.\n\nNew: [a]({server.url('/gone-new')}) "
        f"and [b]({server.url('/alive-new')}).\n\nThe end.\n"
    )
    git(workdir, "add", "-A")
    git(workdir, "commit", "-q", "-m", "feature")
    return workdir


def test_a_pull_request_fails_only_on_what_it_added_or_broke(repo: Path, server: Loopback) -> None:
    result = CliRunner().invoke(main, ["check", ".", "--changed-since", "main", "--format", "json", "--no-progress"])
    assert result.exit_code == 1, result.output
    assert sorted(set(server.paths())) == ["/alive-new", "/edited-after", "/gone-new"]
    document = json.loads(result.stdout)
    by_url = {target["url"]: target for target in document["targets"]}
    failing = {url for url, target in by_url.items() if target["change"] and target["change"]["caused"]}
    assert server.url("/gone-new") in failing
    fragment = next(url for url in failing if url.endswith("#setup-steps"))
    assert by_url[fragment]["occurrences"][0]["path"] == "docs/untouched.md"
    assert by_url[fragment]["change"]["why"] == "docs/guide.md was edited in this change and has no #setup-steps now"
    faq = next(url for url in failing if url.endswith("faq.md"))
    assert "docs/faq.md was deleted in this change" in by_url[faq]["change"]["why"]
    old = by_url[server.url("/gone-old")]
    assert old["outcome"] == "skipped" and old["error"] == "unchanged since main" and old["change"] is None
    assert document["summary"]["changed_since"] == "main"
    assert document["summary"]["fails_policy"] == 3


def test_nothing_changed_since_head_asks_nothing_and_fails_nothing(repo: Path, server: Loopback) -> None:
    """What is broken was already broken at HEAD: exit 0, and no request at all."""
    result = CliRunner().invoke(main, ["check", ".", "--changed-since", "HEAD", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert server.paths() == []
    assert "already broken at HEAD" in result.stderr


def test_unchanged_web_links_are_not_recorded_as_checked(repo: Path, server: Loopback) -> None:
    """A link on an untouched line keeps no new answer: a full check afterwards asks it."""
    CliRunner().invoke(main, ["check", ".", "--changed-since", "main", "--no-progress"])
    history = CliRunner().invoke(main, ["history", server.url("/fine-old")])
    assert "not judged yet" in history.output or history.exit_code == 2, history.output
    assert "unchanged since" not in history.output  # no check row: it was not checked
    seen = len(server.paths())
    CliRunner().invoke(main, ["check", ".", "--no-progress"])
    assert "/fine-old" in server.paths()[seen:]


def test_uncommitted_edits_and_untracked_files_count_as_changed(repo: Path, server: Loopback) -> None:
    (repo / "docs" / "new.md").write_text(f"<{server.url('/brand-new')}>\n")
    page = repo / "docs" / "untouched.md"
    page.write_text(page.read_text() + f"\nAnd <{server.url('/appended')}>.\n")
    CliRunner().invoke(main, ["check", "docs", "--changed-since", "HEAD", "--no-progress"])
    assert sorted(set(server.paths())) == ["/appended", "/brand-new"]


def test_scan_lists_only_the_changed_lines(repo: Path, server: Loopback) -> None:
    result = CliRunner().invoke(main, ["scan", "docs", "--changed-since", "main", "--format", "json"])
    assert result.exit_code == 0, result.output
    urls = {link["url"] for link in json.loads(result.stdout)["occurrences"]}
    assert urls == {server.url("/edited-after"), server.url("/gone-new"), server.url("/alive-new")}


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=x"])
def test_an_unknown_ref_is_exit_2(repo: Path, ref: str) -> None:
    result = CliRunner().invoke(main, ["check", ".", f"--changed-since={ref}", "--no-progress"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output

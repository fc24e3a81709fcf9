"""``linkkeeper scan`` and ``linkkeeper config`` as a user runs them, through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkkeeper.cli import main

KEYS = [
    "path",
    "line",
    "column",
    "start",
    "end",
    "kind",
    "syntax",
    "raw",
    "url",
    "text",
    "checkable",
    "reason",
    "flags",
]
NOT_REGULAR = "not a regular file; only those are read (or standard input: -)"


@pytest.fixture
def runner(workdir: Path) -> CliRunner:
    return CliRunner()


def test_scan_json_document(runner: CliRunner, tmp_path: Path) -> None:
    """``--format json`` prints one versioned document with every occurrence, checkable or not."""
    page = tmp_path / "page.md"
    page.write_text("Hi [a](https://a.example.com) [b](/local) [c](mailto:x@y.z)\n", encoding="utf-8")
    result = runner.invoke(main, ["scan", "--format", "json", str(page)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["version"], document["files"], document["errors"]) == (1, 1, [])
    assert [occ["checkable"] for occ in document["occurrences"]] == ["yes", "needs-base", "no"]
    assert list(document["occurrences"][0]) == KEYS
    text = page.read_text(encoding="utf-8")
    for occ in document["occurrences"]:
        assert text[occ["start"] : occ["end"]] == occ["raw"]


def test_unreadable_files_are_listed_and_the_scan_goes_on(runner: CliRunner, tmp_path: Path) -> None:
    """Non-UTF-8, binary and oversized files are errors naming file and problem; others are scanned."""
    (tmp_path / "good.md").write_text("<https://ok.example.com>\n")
    (tmp_path / "latin1.md").write_bytes("caf\xe9 https://x.example.com\n".encode("latin-1"))
    (tmp_path / "binary.md").write_bytes(b"\x00\x01\x02PNG")
    (tmp_path / "huge.md").write_text("x" * 5000)
    result = runner.invoke(main, ["scan", "--format", "json", "--max-file-size", "4000", str(tmp_path)])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert [occ["url"] for occ in document["occurrences"]] == ["https://ok.example.com"]
    problems = {Path(error["path"]).name: error["problem"] for error in document["errors"]}
    assert "not valid UTF-8" in problems["latin1.md"]
    assert "binary" in problems["binary.md"]
    assert "over the 4,000-byte limit" in problems["huge.md"]
    assert "latin1.md: not valid UTF-8" in result.stderr


def test_text_listing_and_summary(runner: CliRunner, tmp_path: Path) -> None:
    """The default listing is ``file:line:column  kind  url`` with a summary on stderr."""
    (tmp_path / "a.md").write_text("\n  see https://bare.example.com/x.\n")
    result = runner.invoke(main, ["scan", "a.md"])
    assert result.stdout == "a.md:2:7  bare_url  https://bare.example.com/x\n"
    assert "1 file(s) scanned, 1 link(s) found, 1 checkable (1 unique)" in result.stderr


def test_stdin(runner: CliRunner) -> None:
    """``-`` reads standard input."""
    result = runner.invoke(main, ["scan", "--format", "json", "-"], input="[x](https://stdin.example.com)\n")
    assert json.loads(result.stdout)["occurrences"][0]["path"] == "<stdin>"


def test_missing_path_is_a_usage_error(runner: CliRunner) -> None:
    """A path that does not exist exits 2 with a message naming it."""
    result = runner.invoke(main, ["scan", "missing.md"])
    assert result.exit_code == 2 and "missing.md: no such file or directory" in result.stderr


def test_bad_configuration_exits_3(runner: CliRunner, tmp_path: Path) -> None:
    """An unknown key in linkkeeper.toml exits 3 naming file and key."""
    (tmp_path / "linkkeeper.toml").write_text("[scan]\nbogus = 1\n")
    (tmp_path / "a.md").write_text("x\n")
    result = runner.invoke(main, ["scan", "a.md"])
    assert result.exit_code == 3 and "linkkeeper.toml: scan.bogus: unknown setting" in result.stderr


def test_config_command_shows_values_and_sources(runner: CliRunner, tmp_path: Path) -> None:
    """``linkkeeper config`` prints each effective value with where it came from."""
    (tmp_path / "linkkeeper.toml").write_text("[scan]\nhidden = true\n")
    result = runner.invoke(main, ["config"], env={"LINKKEEPER_SCAN_MATH": "false"})
    assert result.exit_code == 0
    assert "hidden = true  # linkkeeper.toml" in result.stdout
    assert "math = false  # env LINKKEEPER_SCAN_MATH" in result.stdout
    assert "liquid = true  # default" in result.stdout


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    """``python -m linkkeeper`` is the same program as the console script."""
    (tmp_path / "a.md").write_text("<https://m.example.com>\n")
    completed = subprocess.run(
        [sys.executable, "-m", "linkkeeper", "scan", "--format", "json", "a.md"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["occurrences"][0]["url"] == "https://m.example.com"


def test_examples_folder_scans_cleanly() -> None:
    """The shipped examples scan with no errors and no unverified spans."""
    examples = Path(__file__).resolve().parent.parent.parent / "examples"
    result = CliRunner().invoke(main, ["scan", "--format", "json", str(examples)])
    document = json.loads(result.stdout)
    assert document["files"] >= 2 and document["errors"] == []
    assert not [occ for occ in document["occurrences"] if "span-unverified" in occ["flags"]]


def test_a_named_pipe_exits_2_at_once(tmp_path: Path) -> None:
    """``mkfifo x.md; linkkeeper scan x.md`` hung, waiting for a writer: it is bad input, exit 2,
    one line naming it (a subprocess with a timeout, so a regression fails rather than hangs)."""
    os.mkfifo(tmp_path / "x.md")
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "linkkeeper", "scan", "x.md"],
            cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("linkkeeper scan waited on a named pipe")
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr == f"linkkeeper: error: x.md: a named pipe (FIFO), {NOT_REGULAR}\n"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_exits_2_unread(runner: CliRunner) -> None:
    """/dev/zero is a device, not a too-large file: it is never read."""
    result = runner.invoke(main, ["scan", "/dev/zero"])
    assert result.exit_code == 2
    assert result.stderr == f"linkkeeper: error: /dev/zero: a character device, {NOT_REGULAR}\n"


def test_a_symbolic_link_loop_exits_2_saying_so(runner: CliRunner, tmp_path: Path) -> None:
    """``ln -s x.md x.md`` (or a -> b -> a) named: a loop, said as such; no "no such file"."""
    (tmp_path / "x.md").symlink_to("x.md")
    (tmp_path / "a.md").symlink_to("b.md")
    (tmp_path / "b.md").symlink_to("a.md")
    for name in ("x.md", "a.md"):
        result = runner.invoke(main, ["scan", name])
        assert result.exit_code == 2
        assert result.stderr == f"linkkeeper: error: {name}: symbolic link loop (too many levels of symbolic links)\n"


def test_a_suppression_comment_over_lines_works_as_on_one(runner: CliRunner, tmp_path: Path) -> None:
    """Line breaks inside the comment are whitespace like any other."""
    (tmp_path / "a.md").write_text(
        "<!-- linkkeeper-disable-next-line\n-->\n[a](https://a.example/)\n[b](https://b.example/)\n\n"
        "<!--\n  markdown-link-check-disable\n-->\n[c](https://c.example/)\n<!--\nlinkkeeper-enable -->\n"
        "[d](https://d.example/)\n"
    )
    result = runner.invoke(main, ["scan", "a.md"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "a.md:3:5  inline  https://a.example/  [suppressed at a.md:1]  {suppressed}",
        "a.md:4:5  inline  https://b.example/",
        "a.md:9:5  inline  https://c.example/  [suppressed at a.md:6]  {suppressed}",
        "a.md:12:5  inline  https://d.example/",
    ]

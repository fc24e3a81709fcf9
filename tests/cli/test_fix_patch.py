"""``fix --diff`` is a patch ``git apply`` takes, and applied it gives the very bytes ``fix``
writes (issue 28, case 4): a/ and b/ prefixes, a last line without a newline, CR-only line
endings, a BOM, a form feed and U+2028 in context lines, a path with a space."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkkeeper.cli import main
from tests.conftest import fast_config
from tests.fakeweb import FakeWeb


def files(moved: str) -> dict[str, bytes]:
    return {
        "docs/sub.md": f"# Sub\n\nSee [it]({moved}) here.\n\nEnd without a newline".encode(),
        "docs/sp ace.md": f"Line one\rSee [it]({moved})\rline three\r".encode(),
        "docs/bom.md": "\ufeff# Bom\r\n\r\n[it](".encode() + moved.encode() + "), \f and \u2028 here\r\n".encode(),
    }


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_fix_diff_is_a_patch_git_applies_to_the_bytes_fix_writes(workdir: Path, fakeweb: FakeWeb) -> None:
    moved = fakeweb.url(0, "/redirect/301/1")
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "docs").mkdir()
    for name, data in files(moved).items():
        (workdir / name).write_bytes(data)
    subprocess.run(["git", "init", "-q"], cwd=workdir, check=True)
    checked = CliRunner().invoke(main, ["check", "--no-progress", "docs"])
    assert checked.exit_code == 0, checked.output
    diff = CliRunner().invoke(main, ["fix", "--redirects", "--diff", "docs"])
    assert diff.exit_code == 0 and diff.stdout.count("diff --git a/") == 3, diff.output
    patch = workdir / "fix.patch"
    patch.write_bytes(diff.stdout_bytes)
    copy = workdir.parent / (workdir.name + "-copy")
    shutil.copytree(workdir / "docs", copy / "docs")
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    applied = subprocess.run(["git", "apply", "--check", str(patch)], cwd=copy, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    subprocess.run(["git", "apply", str(patch)], cwd=copy, check=True)
    written = CliRunner().invoke(main, ["fix", "--redirects", "docs"])
    assert written.exit_code == 0, written.output
    for name in files(moved):
        assert (copy / name).read_bytes() == (workdir / name).read_bytes(), name
        assert (workdir / name).read_bytes() != files(moved)[name], name  # it was rewritten

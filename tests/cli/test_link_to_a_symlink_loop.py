"""A local link to a symbolic link that loops or leads nowhere says so (issue 28, case 12): it read
"case differs: the link says x.md, the file is x.md", as the name is listed but cannot be opened."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from linkkeeper.cli import main


def test_a_link_to_a_loop_or_a_dangling_link_is_not_a_case_mismatch(workdir: Path) -> None:
    """Each says what it is: a loop, or a link that leads nowhere; never a case mismatch."""
    (workdir / "x.md").symlink_to("x.md")
    (workdir / "a.md").symlink_to("b.md")
    (workdir / "b.md").symlink_to("a.md")
    (workdir / "gone.md").symlink_to("nowhere.md")
    (workdir / "index.md").write_text("[x](x.md) [a](a.md) [g](gone.md)\n")
    result = CliRunner().invoke(
        main, ["check", "--no-progress", "--report-formats", "none", "--format", "json", "index.md"]
    )
    assert result.exit_code == 1, result.output
    errors = {target["url"]: target["error"] for target in json.loads(result.stdout)["targets"]}
    assert errors == {
        "x.md": "symbolic link loop: x.md",
        "a.md": "symbolic link loop: a.md",
        "gone.md": "dangling symbolic link: gone.md (to nowhere.md, which leads nowhere)",
    }

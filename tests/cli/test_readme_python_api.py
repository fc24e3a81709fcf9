"""The README's Python API section runs as written: each ```python block on its own, from the
repository's root, offline (a block whose first line is ``# needs the internet`` is skipped)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Python API\n") : README.index("\n## ", README.index("## Python API\n") + 3)]
BLOCKS = re.findall(r"```python\n(.*?)```", SECTION, re.DOTALL)


def test_the_section_has_blocks() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_each_python_block_runs(block: str, tmp_path: Path) -> None:
    """Run in a child process from the repository's root, with the history kept out of the
    repository (LINKKEEPER_HISTORY_DB) and no proxy: it must end with exit 0 and no traceback."""
    if block.startswith("# needs the internet"):
        pytest.skip("needs the internet")
    env = {**os.environ, "LINKKEEPER_HISTORY_DB": str(tmp_path / "history.sqlite")}
    done = subprocess.run([sys.executable, "-c", block], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.strip()  # each block shows something

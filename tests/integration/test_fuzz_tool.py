"""The scanner fuzzer the README offers runs, and reports what it scanned."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parent.parent.parent / "tools" / "fuzz_scanner.py"


def test_the_scanner_fuzzer_runs_and_finds_nothing_in_a_short_run(tmp_path: Path) -> None:
    """``tools/fuzz_scanner.py`` scans generated documents of each kind and exits 0 when none fails."""
    done = subprocess.run(
        [sys.executable, str(TOOL), "--seconds", "1", "--seed", "3", "--out", str(tmp_path / "failures")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    match = re.fullmatch(r"(\d+) documents, 0 failing \(seed 3, 1 s\)\n", done.stdout)
    assert match is not None and int(match.group(1)) >= 3, done.stdout
    assert not (tmp_path / "failures").exists()

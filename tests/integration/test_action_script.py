"""The GitHub Action's script, run outside GitHub: it checks, then publishes the exit code and
the counts as step outputs, whatever linkkeeper's exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import fast_config
from tests.fakeweb import FakeWeb

SCRIPT = Path(__file__).resolve().parent.parent.parent / ".github" / "actions" / "run-check.sh"


def run_script(workdir: Path, **env: str) -> tuple[int, dict[str, str]]:
    outputs = workdir / "outputs.txt"
    scripts = os.path.dirname(sys.executable)  # where pip put the linkkeeper command
    path = scripts + os.pathsep + os.environ.get("PATH", "")
    environment = {**os.environ, "PATH": path, "GITHUB_OUTPUT": str(outputs), **env}
    done = subprocess.run(
        ["bash", str(SCRIPT)], cwd=workdir, env=environment, capture_output=True, text=True, timeout=120
    )
    pairs = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return done.returncode, pairs


def test_outputs_exit_code_and_counts(workdir: Path, fakeweb: FakeWeb) -> None:
    """A broken link with --fail-on broken: exit code 1 in the outputs, with the counts from report.json."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text(f"[x]({fakeweb.url(0, '/status/404')}) <{fakeweb.url(1, '/ok')}>\n")
    code, outputs = run_script(workdir, LINKKEEPER_PATHS="docs", LINKKEEPER_FAIL_ON="broken")
    assert code == 1
    assert outputs["exit-code"] == "1" and outputs["broken"] == "1" and outputs["alive"] == "1"
    assert outputs["verdict-failing"] == "1" and outputs["failing"] == "1"
    assert (workdir / "reports" / "report.sarif").is_file()


def test_default_policy_is_dead(workdir: Path, fakeweb: FakeWeb) -> None:
    """The Action fails only on dead links by default: a first failure exits 0."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"[x]({fakeweb.url(0, '/status/404')})\n")
    code, outputs = run_script(workdir, LINKKEEPER_PATHS="a.md")
    assert (code, outputs["exit-code"], outputs["verdict-dead"]) == (0, "0", "0")

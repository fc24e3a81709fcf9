"""Reports written by ``check``, GitHub annotations and job summary, and ``linkkeeper report``."""

from __future__ import annotations

import json
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


def test_check_writes_every_report(project: Path) -> None:
    """Every check writes report.md, report.json, report.html, junit.xml and report.sarif into reports/."""
    CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    written = sorted(path.name for path in (project / "reports").iterdir())
    assert written == ["junit.xml", "report.html", "report.json", "report.md", "report.sarif"]
    assert json.loads((project / "reports" / "report.json").read_text())["summary"]["outcomes"]["broken"] == 1


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


def test_annotations_and_job_summary_under_github_actions(project: Path) -> None:
    """With GITHUB_ACTIONS=true: ::error annotations with file, line and column, and the summary appended."""
    summary = project / "summary.md"
    summary.write_text("previous step\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = CliRunner().invoke(main, ["check", "--no-progress", "a.md"], env=env)
    assert result.exit_code == 1
    (annotation,) = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotation.startswith("::error file=a.md,line=3,col=8,title=failing link::")
    assert summary.read_text().startswith("previous step\n# Link health")
    quiet = CliRunner().invoke(main, ["check", "--no-progress", "a.md"], env={"GITHUB_ACTIONS": ""})
    assert "::error" not in quiet.stdout


def test_report_rerenders_the_last_run_without_the_network(project: Path, fakeweb: FakeWeb) -> None:
    """``linkkeeper report`` rebuilds the reports from the history alone; ``--run`` picks a run."""
    CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    CliRunner().invoke(main, ["check", "--no-progress", "a.md"])
    (project / "reports" / "report.md").unlink()
    fakeweb.reset()
    result = CliRunner().invoke(main, ["report", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert fakeweb.records == []
    document = json.loads(result.stdout)
    assert document["summary"]["run_id"] == 2
    (broken,) = [t for t in document["targets"] if t["outcome"] == "broken"]
    assert broken["occurrences"] == [{"path": "a.md", "line": 3, "column": 8}]
    assert (project / "reports" / "report.md").is_file()
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

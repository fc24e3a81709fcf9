"""``linkkeeper history`` and the verdicts ``check`` prints, through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linkkeeper.cli import main
from tests.conftest import fast_config
from tests.fakeweb import FakeWeb


@pytest.fixture
def project(workdir: Path, fakeweb: FakeWeb) -> Path:
    tmp_path = workdir
    (tmp_path / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (tmp_path / "notes.md").write_text(
        f"Gone: [old]({fakeweb.url(0, '/status/404')})\nFine: <{fakeweb.url(1, '/ok')}>\n"
    )
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_check_reports_verdicts_and_fail_on_dead(project: Path, fakeweb: FakeWeb) -> None:
    """A first failure is ``failing`` (exit 0 with --fail-on dead, 1 with failing) and recorded."""
    result = invoke("check", "--no-progress", "--format", "json", "--fail-on", "dead", "notes.md")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    broken = next(t for t in document["targets"] if t["outcome"] == "broken")
    assert broken["verdict"] == "failing" and broken["since"] and broken["history"]["consecutive_failures"] == 1
    assert document["summary"]["verdicts"]["failing"] == 1 and document["summary"]["run_id"] == 1
    assert invoke("check", "--no-progress", "--fail-on", "failing", "notes.md").exit_code == 1
    assert (project / ".linkkeeper" / "history.sqlite").is_file()


def test_text_summary_says_since_when(project: Path) -> None:
    """A first failure reads as new; a second as a streak, with since when, runs and days."""
    first = invoke("check", "--no-progress", "notes.md")
    assert "  [new failure]" in first.stderr and "since" not in first.stderr
    assert "verdicts: 1 alive, 1 failing" in first.stderr
    second = invoke("check", "--no-progress", "notes.md")
    assert "[failing since " in second.stderr and ": 2 failing runs on 1 day(s)]" in second.stderr


def test_history_url_failing_and_runs(project: Path, fakeweb: FakeWeb) -> None:
    """``history URL`` shows the checks and places; ``--failing`` lists failing links; no args lists runs."""
    invoke("check", "--no-progress", "notes.md")
    invoke("check", "--no-progress", "notes.md")
    shown = invoke("history", fakeweb.url(0, "/status/404"))
    assert shown.exit_code == 0, shown.output
    assert "verdict: failing since" in shown.stdout
    assert shown.stdout.count(" broken  404") == 2
    assert "notes.md:1:13  inline" in shown.stdout
    failing = invoke("history", "--failing")
    assert fakeweb.url(0, "/status/404") in failing.stdout and fakeweb.url(1, "/ok") not in failing.stdout
    runs = invoke("history")
    assert "run 1" in runs.stdout and "run 2" in runs.stdout and "complete" in runs.stdout


def test_history_unknown_url_and_prune(project: Path) -> None:
    """An unknown URL is a usage error; prune reports what it removed."""
    invoke("check", "--no-progress", "notes.md")
    assert invoke("history", "https://never.example/").exit_code == 2
    pruned = invoke("history", "prune", "--older-than", "0s")
    assert pruned.exit_code == 0 and "1 runs" in pruned.stdout
    assert invoke("history", "prune", "--older-than", "soon").exit_code == 2

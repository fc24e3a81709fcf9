"""``linkkeeper check`` end to end: a generated corpus against the fake web, outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linkkeeper.cli import _progress, main
from tests.conftest import fast_config
from tests.fakeweb import FakeWeb

EXPECTED = {
    "/ok": "alive",
    "/redirect/301/1": "redirected",
    "/redirect/302/2": "alive",
    "/status/404": "broken",
    "/status/410": "broken",
    "/deep/a/b": "broken",
    "/loop/a": "broken",
    "/status/503": "error",
    "/reset": "error",
    "/botwall": "blocked",
    "/status/401": "blocked",
    "/head-hostile": "alive",
    "/flaky/e2e/1": "alive",
}


@pytest.fixture
def project(workdir: Path, fakeweb: FakeWeb) -> Path:
    """A folder of Markdown pages linking to every kind of answer, with a fast configuration."""
    tmp_path = workdir
    config = fast_config(fakeweb, timeout=2.0, connect_timeout=1.0, read_timeout=1.0, retries=1, backoff=0.01)
    (tmp_path / "linkkeeper.toml").write_text(config)
    docs = tmp_path / "docs"
    docs.mkdir()
    for index, path in enumerate(EXPECTED):
        host = index % 4
        page = docs / f"page{index}.md"
        url = fakeweb.url(host, path)
        page.write_text(f"# Page {index}\n\nSee [this]({url}) and again <{url}>.\n\n[x]({url}#frag)\n")
    (docs / "local.md").write_text("[local](other.md) [mail](mailto:a@b.c)\n")
    (docs / "other.md").write_text("# Other\n")
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", "--no-progress", *args])


def test_corpus_outcomes_and_exit_code(project: Path, fakeweb: FakeWeb) -> None:
    """Every target gets its expected outcome; broken links make the exit code 1."""
    result = run("--format", "json", "docs")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    outcomes = {target["url"]: target["outcome"] for target in document["targets"]}
    for index, (path, outcome) in enumerate(EXPECTED.items()):
        assert outcomes[fakeweb.url(index % 4, path)] == outcome, path
    assert outcomes["docs/other.md"] == "alive" and outcomes["mailto:a@b.c"] == "skipped"
    assert document["summary"]["outcomes"]["broken"] == 4
    assert document["summary"]["failing"] == 4


def test_each_unique_url_is_requested_once_per_run(project: Path, fakeweb: FakeWeb) -> None:
    """Three occurrences (one with a fragment) of each URL cause one check, fanned back out."""
    result = run("--format", "json", "docs")
    document = json.loads(result.stdout)
    target = next(t for t in document["targets"] if t["url"] == fakeweb.url(0, "/ok"))
    assert len(target["occurrences"]) == 3
    assert fakeweb.count(host=0, path="/ok") == 1


def test_fail_on_policy(project: Path) -> None:
    """``--fail-on never`` exits 0 even with broken links; ``error`` counts errors too."""
    assert run("--fail-on", "never", "docs").exit_code == 0
    (project / "docs").joinpath("extra.md").write_text("")
    assert run("--fail-on", "error", "--exclude", "status/4|deep|loop", "docs").exit_code == 1


def test_text_summary_lists_each_failure_with_its_place(project: Path, fakeweb: FakeWeb) -> None:
    """The terminal summary counts outcomes and lists each non-alive link at file:line:column."""
    result = run("docs")
    assert "unique link(s)" in result.stderr
    assert f"docs/page3.md:3:12  404  {fakeweb.url(3, '/status/404')}" in result.stderr


def test_output_file_and_exclude(project: Path, fakeweb: FakeWeb) -> None:
    """``--output`` writes the JSON there; excluded URLs are reported as excluded, not requested."""
    result = run("--format", "json", "--output", "out.json", "--exclude", "/status/", "docs")
    document = json.loads((project / "out.json").read_text())
    excluded = [t for t in document["targets"] if t["outcome"] == "excluded"]
    assert {t["url"] for t in excluded} == {fakeweb.url(i % 4, p) for i, p in enumerate(EXPECTED) if "/status/" in p}
    assert fakeweb.count(path="/status/404") == 0
    assert result.stdout == ""


@pytest.mark.parametrize("option", ["--reports-dir", "--output"])
def test_a_report_that_cannot_be_written_exits_4_naming_it(project: Path, option: str) -> None:
    """Reports or ``--output`` under a path that cannot hold them: exit 4 and the path, not a traceback."""
    (project / "plain-file").write_text("")
    result = run(option, "plain-file/inside", "docs/local.md")
    assert result.exit_code == 4, result.output
    assert "plain-file/inside: cannot be written: Not a directory" in result.stderr


def test_network_down_judges_nothing_and_exits_4(workdir: Path) -> None:
    """When most hosts fail at the network level, no link is called broken and the exit code is 4."""
    tmp_path = workdir
    (tmp_path / "a.md").write_text("\n".join(f"<http://host{i}.invalid/page>" for i in range(6)) + "\n")
    result = run("--format", "json", "a.md")
    assert result.exit_code == 4
    document = json.loads(result.stdout)
    assert document["summary"]["network_down"] is True
    assert {t["outcome"] for t in document["targets"]} == {"skipped"}
    assert {t["error_kind"] for t in document["targets"]} == {"network-down"}


def test_secrets_never_reach_the_output(project: Path, fakeweb: FakeWeb) -> None:
    """A per-host token from the environment is sent, but never appears in any output."""
    config = project / "linkkeeper.toml"
    config.write_text(
        config.read_text()
        + f'\n[check.hosts."{fakeweb.names[0]}"]\nheaders = ["Authorization: Bearer ${{LK_TOKEN}}"]\n'
    )
    result = CliRunner().invoke(
        main, ["check", "--no-progress", "--format", "json", "docs"], env={"LK_TOKEN": "tok-123"}
    )
    assert "tok-123" not in result.stdout + result.stderr
    assert any(r.headers.get("authorization") == "Bearer tok-123" for r in fakeweb.records)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accept", "abc"], "check.accept"),
        (["--resolve", "nohost"], "check.resolve"),
        (["--exclude", "("], "check.exclude"),
    ],
)
def test_bad_check_options_exit_3(project: Path, args: list[str], message: str) -> None:
    """Malformed accept codes, resolve entries and patterns are configuration errors."""
    result = run(*args, "docs")
    assert result.exit_code == 3 and message in result.stderr


def test_progress_bar_counts_results_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal the progress bar learns the total and advances once per result."""
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the captured stderr as a terminal
    with _progress(True) as (on_targets, on_result):
        on_targets(3)
        for _ in range(3):
            on_result(None)
    assert "3/3" in capsys.readouterr().err

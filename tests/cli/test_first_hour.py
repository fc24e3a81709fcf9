"""The first hour of a new user: every input error is one line with its documented exit code,
commands say why they do nothing, words and numbers agree, and the options users reach for exist."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linkkeeper.cli import main
from tests.conftest import fast_config, wayback_config
from tests.fakewayback import FakeWayback
from tests.fakeweb import FakeWeb


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


# -- input errors: one line, the documented exit code ---------------------------------------------


@pytest.mark.parametrize(
    ("config", "env", "args"),
    [
        ("", {}, ["--header", "nocolon"]),
        ("", {"LINKKEEPER_CHECK_HEADERS": "nocolon"}, []),
        ('[check]\nheaders = ["nocolon"]\n', {}, []),
        ('[check.hosts."a.test"]\nheaders = ["nocolon"]\n', {}, []),
        ('[check]\nexclude = ["(unclosed"]\n', {}, []),
        ('[check]\nresolve = ["a.test:not-an-address"]\n', {}, []),
        ('[check]\nfail_on = "sometimes"\n', {}, []),
        ('[cache]\nmax_age = "soon"\n', {}, []),
    ],
)
def test_bad_settings_are_exit_3_in_check_and_in_config(
    workdir: Path, config: str, env: dict[str, str], args: list[str]
) -> None:
    """A bad header, regex, address, policy or duration, from a flag, the environment or a file: exit 3, one line."""
    (workdir / "linkkeeper.toml").write_text(config)
    (workdir / "x.md").write_text("[x](http://a.invalid/)\n")
    checked = run("check", "--no-progress", *args, "x.md", env=env)
    assert checked.exit_code == 3 and checked.stderr.count("\n") == 1, checked.stderr
    assert checked.stderr.startswith("linkkeeper: error: ")
    if not args:
        shown = run("config", env=env)
        assert shown.exit_code == 3 and shown.stderr.startswith("linkkeeper: error: ")


def test_accept_with_a_range_backwards_is_exit_3(workdir: Path) -> None:
    """--accept 999-100 is refused before any request, instead of every 200 becoming broken."""
    (workdir / "x.md").write_text("[x](http://a.invalid/)\n")
    result = run("check", "--accept", "999-100", "x.md")
    assert result.exit_code == 3 and "the lower first" in result.stderr


def test_a_folder_without_markdown_is_exit_2(workdir: Path) -> None:
    """Checking a folder with nothing to read says so and exits 2, instead of '0 file(s)' and exit 0."""
    (workdir / "empty").mkdir()
    (workdir / "empty" / "notes.txt").write_text("not markdown\n")
    for command in ("scan", "check", "archive", "fix"):
        result = run(command, "empty")
        assert result.exit_code == 2, (command, result.output)
        assert "empty: no file to read in this folder" in result.stderr and "scan.extensions" in result.stderr
    assert not (workdir / ".linkkeeper").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"\x00\x01binary", "binary"), (b"caf\xe9\n", "not valid UTF-8"), (b"x" * 2000, "over the 1,000-byte limit")],
)
def test_naming_a_file_that_cannot_be_read_is_exit_2(workdir: Path, content: bytes, problem: str) -> None:
    """A binary, non-UTF-8 or too large file named alone: exit 2 naming the file and the problem."""
    (workdir / "bad.md").write_bytes(content)
    result = run("check", "--max-file-size", "1000", "bad.md")
    assert result.exit_code == 2 and result.stderr.startswith("linkkeeper: error: bad.md: ")
    assert problem in result.stderr


def test_an_unreadable_file_among_readable_ones_is_reported_not_fatal(workdir: Path) -> None:
    """In a folder with readable files, a binary one is listed as unreadable and the check goes on."""
    (workdir / "docs").mkdir()
    (workdir / "docs" / "ok.md").write_text("[a](ok.md)\n")
    (workdir / "docs" / "bad.md").write_bytes(b"\x00\x01")
    result = run("check", "--no-progress", "docs")
    assert result.exit_code == 0 and "could not read docs/bad.md: binary" in result.stderr


def test_ctrl_c_exits_130_and_leaves_the_run_incomplete(workdir: Path, fakeweb: FakeWeb) -> None:
    """SIGINT during a check (a server that never answers): exit 130, one line, the run recorded as incomplete."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0, timeout=60))
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/hang')}>\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "linkkeeper", "check", "--no-progress", "a.md"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert fakeweb.wait_for_request("/hang")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert stderr.strip() == "linkkeeper: interrupted"
    with sqlite3.connect(workdir / ".linkkeeper" / "history.sqlite") as database:
        assert database.execute("SELECT completed FROM runs").fetchall() == [(0,)]


# -- the history command ------------------------------------------------------------------------


def test_history_db_works_before_and_after_the_url(workdir: Path, fakeweb: FakeWeb) -> None:
    """`history URL --db FILE` and `history --db FILE URL` both show the URL from that database."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    url = fakeweb.url(0, "/status/404")
    (workdir / "a.md").write_text(f"<{url}>\n")
    db = str(workdir / "elsewhere.sqlite")
    assert run("check", "--no-progress", "--db", db, "a.md").exit_code == 1
    for args in (["history", url, "--db", db], ["history", "--db", db, url], ["--config", "linkkeeper.toml",
                 "history", "--db", db, "show", url]):  # fmt: skip
        shown = run(*args)
        assert shown.exit_code == 0, (args, shown.output)
        assert shown.stdout.startswith(url) and "first failure" in shown.stdout
    assert "first failure" in run("history", "--failing", "--db", db).stdout


def test_read_only_commands_create_no_history(workdir: Path) -> None:
    """history, history --failing, history URL, report, archive and fix in a new folder create nothing."""
    (workdir / "a.md").write_text("[x](https://example.com/)\n")
    assert "no history yet (.linkkeeper/history.sqlite)" in run("history").stdout
    assert run("history", "--failing").exit_code == 0
    assert run("history", "https://example.com/").exit_code == 2
    assert run("history", "prune", "--older-than", "30d").exit_code == 0
    assert run("report").exit_code == 2
    archived = run("archive", "a.md")
    assert archived.exit_code == 0 and "nothing to look up: no history yet" in archived.stderr
    fixed = run("fix", "a.md")
    assert fixed.exit_code == 0 and "nothing to rewrite: no history yet" in fixed.stderr
    assert "dead after 3 failing run(s) on 3 day(s)" in fixed.stderr
    assert sorted(path.name for path in workdir.iterdir()) == ["a.md"]


def test_output_paths_in_missing_folders_are_exit_4(workdir: Path) -> None:
    """--db, --output and --reports-dir in a folder that does not exist: exit 4 with the path; nothing created."""
    (workdir / "a.md").write_text("[a](a.md)\n")
    missing = workdir / "missing" / "dir"
    database = run("check", "--no-progress", "--db", str(missing / "h.sqlite"), "a.md")
    assert database.exit_code == 4 and str(missing) in database.stderr
    output = run("scan", "--output", str(missing / "x.json"), "a.md")
    assert output.exit_code == 4 and str(missing / "x.json") in output.stderr
    reports = run("check", "--no-progress", "--reports-dir", str(missing / "out"), "a.md")
    assert reports.exit_code == 4 and str(missing / "out") in reports.stderr
    assert not (workdir / "missing").exists()


# -- commands that explain themselves ------------------------------------------------------------


def test_fix_and_archive_say_why_there_is_nothing_to_do(workdir: Path, fakeweb: FakeWeb) -> None:
    """After one failing run: how many links fail since when, when the first could be dead, and the flag."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/status/404')}> <{fakeweb.url(1, '/status/410')}>\n")
    run("check", "--no-progress", "a.md")
    for command, start in (("fix", "0 file(s) to change"), ("archive", "nothing to look up")):
        result = run(command, "--no-progress" if command == "archive" else "--diff", "a.md")
        text = result.stderr if command == "fix" else result.stdout
        assert result.exit_code == 0 and text.startswith(start), text
        assert "no web link here is dead yet: 2 failing since 20" in text
        assert "the first could be dead on 20" in text and "`--include-failing` acts on failing links now" in text


def test_archive_stops_at_once_when_the_wayback_machine_never_answers(workdir: Path, fakeweb: FakeWeb) -> None:
    """No network to the archive: exit 4 after one quick try, not every link reported lookup-failed."""
    refused = fakeweb.refused_url("")
    archive = f'\n[wayback]\ncdx_url = "{refused}/cdx"\navailability_url = "{refused}/available"\nretries = 3\n'
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0) + archive)
    (workdir / "a.md").write_text("".join(f"<{fakeweb.url(0, f'/status/404?{i}')}>\n" for i in range(4)))
    run("check", "--no-progress", "--dead-after", "1/1", "a.md")
    result = run("archive", "--no-progress", "--dead-after", "1/1", "a.md")
    assert result.exit_code == 4
    assert result.stdout == "network unreachable: the Wayback Machine did not answer; nothing was looked up\n"
    assert (
        "lookup-failed" not in run("archive", "--no-progress", "--dead-after", "1/1", "--format", "json", "a.md").stdout
    )


def test_archive_and_fix_call_failing_links_failing(workdir: Path, fakeweb: FakeWeb, fakewayback: FakeWayback) -> None:
    """--include-failing: archive counts failing links as failing (not dead) and fix labels them so."""
    url = fakeweb.url(0, "/status/404")
    fakewayback.add_capture(url, {"timestamp": "20150101000000", "status": 200})
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0) + wayback_config(fakewayback))
    (workdir / "a.md").write_text(f"[x]({url})\n")
    run("check", "--no-progress", "a.md")
    archived = run("archive", "--no-progress", "--include-failing", "a.md")
    assert archived.stdout.startswith("1 failing link(s): 1 with a verified snapshot")
    fixed = run("fix", "--include-failing", "--diff", "a.md")
    assert "(failing)" in fixed.stderr and "(dead)" not in fixed.stderr


# -- one vocabulary ------------------------------------------------------------------------------


def test_counts_say_what_they_count(workdir: Path, fakeweb: FakeWeb) -> None:
    """Headings count links and places; summary.fails_policy counts links failing --fail-on; elapsed time last."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    broken = fakeweb.url(0, "/status/404")
    (workdir / "a.md").write_text(f"<{broken}> <{broken}> <{fakeweb.url(1, '/status/503')}>\n")
    result = run("check", "--no-progress", "--format", "json", "--fail-on", "broken", "a.md")
    summary = json.loads(result.stdout)["summary"]
    assert summary["fails_policy"] == summary["failing"] == 1 and summary["verdicts"]["failing"] == 2
    text = run("check", "--no-progress", "--no-cache", "a.md").stderr
    assert "BROKEN: 1 link in 2 places" in text and "ERROR: 1 link in 1 place" in text
    assert text.splitlines()[-2].startswith("done in ") and text.splitlines()[-2].endswith(" s")


def test_history_failing_and_check_use_the_same_words(workdir: Path, fakeweb: FakeWeb) -> None:
    """`history --failing` and `check` describe a streak identically."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/status/404')}>\n")
    run("check", "--no-progress", "a.md")
    text = run("check", "--no-progress", "a.md").stderr
    assert "2 failing runs on 1 day(s)" in text
    assert "2 failing runs on 1 day(s)" in run("history", "--failing").stdout


# -- configuration and flags ----------------------------------------------------------------------


def test_linkkeeper_toml_accepts_the_prefix_config_toml_uses(workdir: Path) -> None:
    """[linkkeeper.check.hosts."api.github.com"] works in linkkeeper.toml; mixing both forms says what to write."""
    (workdir / "linkkeeper.toml").write_text('[linkkeeper.check.hosts."api.github.com"]\nconcurrency = 1\n')
    shown = run("config")
    assert shown.exit_code == 0 and '"api.github.com"' in shown.stdout
    (workdir / "linkkeeper.toml").write_text("[linkkeeper.check]\ntimeout = 5\n[scan]\nhidden = true\n")
    mixed = run("config")
    assert mixed.exit_code == 3 and "write [scan] or [linkkeeper.scan] throughout the file" in mixed.stderr


def test_config_option_after_the_subcommand(workdir: Path) -> None:
    """--config works after the subcommand as well as before it."""
    (workdir / "other.toml").write_text("[check]\ntimeout = 7.5\n")
    for args in (["--config", "other.toml", "config"], ["config", "--config", "other.toml"]):
        assert "timeout = 7.5" in run(*args).stdout


def test_dead_after_flag_and_site_flags(workdir: Path, fakeweb: FakeWeb) -> None:
    """--dead-after 1/1 makes a first failure dead; --root resolves a site-relative link on disk."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "site").mkdir()
    (workdir / "site" / "about.md").write_text("# About\n")
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/status/404')}> [about](/about/) [gone](/nope/)\n")
    result = run("check", "--no-progress", "--format", "json", "--dead-after", "1/1", "--root", "site", "a.md")
    verdicts = {t["url"].rsplit("/", 2)[-2]: t["verdict"] for t in json.loads(result.stdout)["targets"]}
    assert verdicts["status"] == "dead"
    outcomes = {t["url"]: t["outcome"] for t in json.loads(result.stdout)["targets"]}
    assert outcomes[os.path.join("site", "about.md")] == "alive" and "broken" in outcomes.values()
    assert run("check", "--dead-after", "0/3", "a.md").exit_code == 2


def test_help_shows_defaults(workdir: Path) -> None:
    """--help shows each setting's default."""
    text = run("check", "--help").stdout
    assert "[default: 20.0]" in text and "[default: 3/3]" in text and "[default: broken]" in text


def test_quiet_and_verbose(workdir: Path, fakeweb: FakeWeb) -> None:
    """-q prints nothing on stderr but errors; -v lists the healthy links too."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/ok')}> <{fakeweb.url(1, '/status/404')}>\n")
    quiet = run("check", "-q", "--no-progress", "a.md")
    assert quiet.exit_code == 1 and quiet.stderr == ""
    assert run("-q", "check", "--no-progress", "a.md").stderr == ""
    verbose = run("check", "-v", "--no-progress", "a.md").stderr
    assert "ALIVE: 1 link in 1 place" in verbose and "/ok" in verbose
    assert "/ok" not in run("check", "--no-progress", "a.md").stderr


def test_offline_requests_nothing(workdir: Path, fakeweb: FakeWeb) -> None:
    """--offline checks local links and fragments only: no request, web links skipped (or cached)."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "b.md").write_text("# Here\n")
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/ok')}> [b](b.md#here) [c](b.md#nowhere)\n")
    offline = run("check", "--offline", "--no-progress", "--format", "json", "a.md")
    assert fakeweb.records == []
    outcomes = {t["url"]: (t["outcome"], t["error_kind"]) for t in json.loads(offline.stdout)["targets"]}
    assert outcomes[fakeweb.url(0, "/ok")] == ("skipped", "offline")
    assert outcomes["b.md#here"][0] == "alive" and outcomes["b.md#nowhere"][0] == "broken-fragment"
    run("check", "--no-progress", "a.md")  # online: the web link is alive, and cached
    fakeweb.reset()
    again = run("check", "--offline", "--no-progress", "--format", "json", "a.md")
    assert fakeweb.records == []
    cached = next(t for t in json.loads(again.stdout)["targets"] if t["url"] == fakeweb.url(0, "/ok"))
    assert (cached["outcome"], cached["from_cache"]) == ("alive", True)


def test_base_url_and_check_fragments_flags(workdir: Path, fakeweb: FakeWeb) -> None:
    """--base-url checks /path links over HTTP; --check-fragments finds a #fragment missing on a web page."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"[home](/ok) [part]({fakeweb.url(1, '/ok#nowhere')})\n")
    plain = run("check", "--no-progress", "--format", "json", "a.md")
    outcomes = {t["url"]: t["outcome"] for t in json.loads(plain.stdout)["targets"]}
    assert outcomes == {fakeweb.url(1, "/ok"): "alive", "/ok": "skipped"}
    flagged = run(
        "check", "--no-progress", "--no-cache", "--format", "json", "--base-url", fakeweb.url(0, ""),
        "--check-fragments", "a.md",
    )  # fmt: skip
    outcomes = {t["url"]: t["outcome"] for t in json.loads(flagged.stdout)["targets"]}
    assert outcomes == {fakeweb.url(1, "/ok#nowhere"): "broken-fragment", fakeweb.url(0, "/ok"): "alive"}
    assert fakeweb.count(host=0, path="/ok") >= 1


def test_the_scanner_benchmark_runs_from_a_clone() -> None:
    """bench/scan_throughput.py grows its corpus from the vendored sample page: no file outside the repository."""
    bench = Path(__file__).resolve().parent.parent.parent / "bench" / "scan_throughput.py"
    assert "shared" not in bench.read_text()
    done = subprocess.run(
        [sys.executable, str(bench), "--megabytes", "0.3", "--repeat", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "links per KB" in done.stdout or "per KB" in done.stdout


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_options_work_before_or_after_the_command(workdir: Path, fakeweb: FakeWeb, where: str) -> None:
    """-v, -q, --db and --config, as the README says, before the command or after it."""
    (workdir / "custom.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/ok')}>\n")
    options = ["-v", "--db", "elsewhere.sqlite", "--config", "custom.toml"]
    args = (
        [*options, "check", "--no-progress", "a.md"]
        if where == "before"
        else ["check", "--no-progress", "a.md", *options]
    )
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert fakeweb.url(0, "/ok") in result.stderr  # -v lists the healthy link too
    assert (workdir / "elsewhere.sqlite").is_file() and not (workdir / ".linkkeeper" / "history.sqlite").exists()
    quiet = CliRunner().invoke(main, ["-q", "--db", "elsewhere.sqlite", "history"] if where == "before"
                               else ["history", "-q", "--db", "elsewhere.sqlite"])  # fmt: skip
    assert quiet.exit_code == 0 and "run" in quiet.stdout.lower(), quiet.output

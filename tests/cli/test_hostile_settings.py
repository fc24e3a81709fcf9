"""Hostile or careless settings: a one-line error and exit 3, never a traceback, never a secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from linkkeeper.cli import main
from tests.conftest import fast_config
from tests.fakeweb import FakeWeb


def run(workdir: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    (workdir / "a.md").write_text("[x](http://a.invalid/)\n")
    result = CliRunner().invoke(main, ["check", "--no-progress", *args, "a.md"], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--header", "nocolon"], "check.headers: header 1: expected 'Name: value'"),
        (["--header", "Bad Name: x"], "'Bad Name' is not a header name"),
        (["--header", "X-Test: a\x01b"], "header 1 (X-Test): its value holds a control character"),
        (["--accept", "0-999999999"], "expected status codes from 100 to 999"),
        (["--accept", "999-100"], "expected status codes from 100 to 999, the lower first"),
        (["--timeout", "nan"], "check.timeout: expected a finite number, got nan"),
        (["--timeout", "inf"], "check.timeout: expected a finite number, got inf"),
        # A replacement naming a group the pattern lacks, or an escape Python does not know, was a
        # traceback with exit 1 at the first matching link (issue 28, case 3).
        (["--remap", "(.*) $9"], "check.remap: '$9' is no replacement for '(.*)': invalid group reference 9"),
        (["--remap", "(.*) \\q"], "is no replacement for '(.*)': bad escape \\q"),
        (["--remap", "(.*) ${name}"], "is no replacement for '(.*)': unknown group name 'name'"),
    ],
)
def test_bad_flags_are_configuration_errors(workdir: Path, args: list[str], message: str) -> None:
    """Each bad flag is exit 3 with what is wrong (a header without a colon was a traceback
    quoting it; --accept 0-999999999 a MemoryError; nan a run where every link timed out)."""
    code, output = run(workdir, *args)
    assert code == 3 and message in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[check]\nretry_after_cap = inf\n", "check.retry_after_cap: expected a finite number"),
        ("[check]\ntimeout = nan\n", "check.timeout: expected a finite number"),
        ('[history]\ndb = "a\\u0000b.sqlite"\n', "history.db: a NUL character cannot be part of a setting"),
        ('[check.hosts."a.invalid"]\nheaders = ["nocolon"]\n', 'check.hosts."a.invalid".headers: header 1'),
        ('[check.hosts."a.invalid"]\ninterval = nan\n', 'check.hosts."a.invalid".interval: expected a finite number'),
    ],
)
def test_bad_files_are_configuration_errors(workdir: Path, table: str, message: str) -> None:
    """The same holds for settings files, per-host tables included."""
    (workdir / "linkkeeper.toml").write_text(table)
    code, output = run(workdir)
    assert code == 3 and message in output and "Traceback" not in output


def test_a_token_with_a_control_character_is_refused_and_never_shown(workdir: Path) -> None:
    """LK_TOKEN=$'tok\\r' in a header: exit 3 naming the header and the variable, and the token
    appears nowhere (it went into the history, stderr and every report)."""
    (workdir / "linkkeeper.toml").write_text(
        '[check.hosts."a.invalid"]\nheaders = ["Authorization: Bearer ${LK_TOKEN}"]\n'
    )
    code, output = run(workdir, env={"LK_TOKEN": "s3cr3t-tok\r"})
    assert code == 3
    assert "header 1 (Authorization): ${LK_TOKEN} holds a control character" in output
    assert "s3cr3t" not in output and not (workdir / ".linkkeeper" / "reports").exists()


def test_a_github_token_with_a_control_character_is_refused_and_never_shown(workdir: Path) -> None:
    """GITHUB_TOKEN=$'tok\\n': exit 3 naming the setting and the variable; the token appears nowhere."""
    code, output = run(workdir, env={"GITHUB_TOKEN": "s3cr3t-tok\nX-Injected: 1"})
    assert code == 3
    assert "check.github_token_env" in output and "${GITHUB_TOKEN} holds a control character" in output
    assert "s3cr3t" not in output and not (workdir / ".linkkeeper" / "reports").exists()


def test_the_fake_web_config_helper_still_loads(workdir: Path, fakeweb: FakeWeb) -> None:
    """Validation leaves good settings alone: a header value with a tab is accepted and sent."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, timeout=2.0))
    (workdir / "b.md").write_text(f"<{fakeweb.url(0, '/ok')}>\n")
    result = CliRunner().invoke(main, ["check", "--no-progress", "--header", "X-Fine: yes\tand tab", "b.md"])
    assert result.exit_code == 0, result.output
    assert fakeweb.records[0].headers["x-fine"] == "yes\tand tab"


INJECTION = (
    '"x\\n[site]\\nbase_url = \\"http://127.0.0.1:9\\"\\n[check.hosts.\\"127.0.0.1\\"]\\n'
    'headers = [\\"Authorization: Bearer ${GITHUB_TOKEN}\\"]\\n#" = 1\n'
)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("ua.toml", 'user_agent = "a\\nb"\n', "check.user_agent: holds a control character"),
        ("redirects.toml", 'max_redirects = "lots"\n', "check.max_redirects: expected a whole number, got 'lots'"),
        ("list.json", "[1, 2]", "expected a table of options at the top, found a list"),
        ("banana.json", '{"timeout": "banana"}', "holds a value of the wrong type"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "is nested too deeply"),
        ("types.json", '{"ignorePatterns": "notalist", "httpHeaders": 5}', "holds a value of the wrong type"),
    ],
)
def test_config_from_refuses_what_would_not_load(workdir: Path, name: str, text: str, message: str) -> None:
    """Wrong types were tracebacks with exit 1 (11 of 12 inputs), and user_agent = "a\\nb" wrote
    TOML that did not load with exit 0 (issue 28, cases 1 and 3): now exit 3, one line, no file."""
    (workdir / name).write_text(text)
    result = CliRunner().invoke(main, ["config", "--from", name, "--output", "out.toml"])
    assert result.exit_code == 3 and message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (workdir / "out.toml").exists()


def test_config_from_writes_no_table_an_option_name_injects(workdir: Path) -> None:
    """An option name holding newlines was written into a comment as it was: its lines became a
    [site] table and a host table sending $GITHUB_TOKEN to 127.0.0.1 (issue 28, case 1)."""
    (workdir / "lychee.toml").write_text(INJECTION)
    converted = CliRunner().invoke(main, ["config", "--from", "lychee.toml", "--output", "out.toml"])
    assert converted.exit_code == 0, converted.output
    written = (workdir / "out.toml").read_text()
    assert [line for line in written.splitlines() if line.startswith("[")] == []
    assert all(line.startswith("#") or not line.strip() for line in written.splitlines())
    loaded = CliRunner().invoke(main, ["config", "--config", "out.toml"], env={"GITHUB_TOKEN": "t0ken"})
    assert loaded.exit_code == 0 and "127.0.0.1" not in loaded.output and "t0ken" not in loaded.output


@pytest.mark.parametrize("where", ["ignore-file", "--exclude", "--remap", "--include"])
def test_a_backtracking_pattern_runs_in_linear_time(workdir: Path, where: str) -> None:
    """``(a+)+$`` against a URL of 26 ``a``s took Python's engine 6.8 s, and 40 never ended
    (issue 28, case 2): user patterns run on RE2. 26 keeps a regression finite."""
    (workdir / "b.md").write_text(f"[x](http://{'a' * 26}.invalid/)\n")
    args = {"--exclude": ["--exclude", "(a+)+$"], "--remap": ["--remap", "(a+)+$ http://x.invalid/"],
            "--include": ["--include", "(a+)+$"], "ignore-file": []}[where]  # fmt: skip
    if where == "ignore-file":
        (workdir / ".linkkeeperignore").write_text("(a+)+$\n")
    result = CliRunner().invoke(main, ["check", "--no-progress", *args, "b.md"])
    assert 0 <= result.exit_code <= 4 and "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_pattern_that_needs_backtracking_is_refused_with_the_reason(workdir: Path) -> None:
    (workdir / ".linkkeeperignore").write_text("# lookahead\n^https://(?!docs\\.)\n")
    code, output = run(workdir)
    assert code == 3 and ".linkkeeperignore: line 2" in output and "no lookaround or backreferences" in output

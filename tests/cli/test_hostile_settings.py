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
        ('[check.hosts."a.invalid"]\nheaders = ["nocolon"]\n', "check.hosts.a.invalid.headers: header 1"),
        ('[check.hosts."a.invalid"]\ninterval = nan\n', "check.hosts.a.invalid.interval: expected a finite number"),
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

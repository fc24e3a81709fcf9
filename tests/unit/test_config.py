"""Settings come from the right layer, and every mistake names its source, key and the fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from linkkeeper.config import default_of, env_name, load_settings, reference_config, setting_keys
from linkkeeper.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent.parent


def test_defaults_without_any_file(tmp_path: Path) -> None:
    """With no file and no environment, every value is the default."""
    settings, sources = load_settings(cwd=tmp_path, environ={})
    assert settings.scan.respect_gitignore is True and "md" in settings.scan.extensions
    assert set(sources.values()) == {"default"}


def test_precedence_command_line_over_environment_over_file(tmp_path: Path) -> None:
    """Command line beats environment, which beats the file, which beats the default."""
    (tmp_path / "linkkeeper.toml").write_text("[scan]\nhidden = true\nmax_file_size = 100\nmath = false\n")
    environ = {"LINKKEEPER_SCAN_MAX_FILE_SIZE": "200", "LINKKEEPER_SCAN_MATH": "yes"}
    settings, sources = load_settings(cwd=tmp_path, environ=environ, overrides={"scan.math": False})
    assert (settings.scan.hidden, settings.scan.max_file_size, settings.scan.math) == (True, 200, False)
    assert sources["scan.hidden"] == "linkkeeper.toml"
    assert sources["scan.max_file_size"] == "env LINKKEEPER_SCAN_MAX_FILE_SIZE"
    assert sources["scan.math"] == "command line"


def test_config_toml_needs_a_linkkeeper_table(tmp_path: Path) -> None:
    """A Hugo site's config.toml without [linkkeeper] is ignored; with it, it is read."""
    (tmp_path / "config.toml").write_text('baseURL = "https://example.org/"\n[params]\nx = 1\n')
    _, sources = load_settings(cwd=tmp_path, environ={})
    assert set(sources.values()) == {"default"}
    (tmp_path / "config.toml").write_text('baseURL = "x"\n[linkkeeper.scan]\nhidden = true\n')
    settings, _ = load_settings(cwd=tmp_path, environ={})
    assert settings.scan.hidden is True


def test_pyproject_tool_table(tmp_path: Path) -> None:
    """``[tool.linkkeeper]`` in pyproject.toml is read when nothing else is there."""
    (tmp_path / "pyproject.toml").write_text("[tool.linkkeeper.scan]\nextensions = ['md', 'txt']\n")
    settings, sources = load_settings(cwd=tmp_path, environ={})
    assert settings.scan.extensions == ("md", "txt") and "pyproject.toml" in sources["scan.extensions"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[scan]\nhiden = true\n", r"linkkeeper.toml: scan.hiden: unknown setting; \[scan\] has: "),
        ("[scna]\nhidden = true\n", r"scna: unknown section"),
        ("[scan]\nhidden = 'yes'\n", r"scan.hidden: expected true or false, got 'yes'"),
        ("[scan]\nmax_file_size = 0\n", r"scan.max_file_size: expected at least 1, got 0"),
        ("[scan]\nextensions = 'md'\n", r"scan.extensions: expected a list of strings"),
        ("[check]\ntimeout = 0\n", r"check.timeout: expected more than 0 seconds, got 0.0"),
        ("[check]\nread_timeout = -1\n", r"check.read_timeout: expected more than 0 seconds, got -1.0"),
        ("[check]\nbackoff = -0.5\n", r"check.backoff: expected at least 0, got -0.5"),
        ('[check.hosts."a.example"]\ninterval = -1\n', r"interval: expected at least 0, got -1"),
        ("[wayback]\ntimeout = 0\n", r"wayback.timeout: expected more than 0 seconds"),
        ("[scan\n", r"linkkeeper.toml: \(file\): not valid TOML"),
    ],
)
def test_bad_files_name_file_key_and_expectation(tmp_path: Path, body: str, message: str) -> None:
    """Unknown keys, wrong types, bad values and broken TOML are errors with exit code 3."""
    (tmp_path / "linkkeeper.toml").write_text(body)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(cwd=tmp_path, environ={})
    assert caught.value.exit_code == 3


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    """A malformed environment override names its variable."""
    with pytest.raises(ConfigError, match=r"env LINKKEEPER_SCAN_HIDDEN: scan\.hidden: expected true or false"):
        load_settings(cwd=tmp_path, environ={"LINKKEEPER_SCAN_HIDDEN": "maybe"})


def test_explicit_config_file_must_exist(tmp_path: Path) -> None:
    """``--config`` naming a missing file is an error, not a silent default."""
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(cwd=tmp_path, config_path=tmp_path / "missing.toml", environ={})


def test_reference_config_lists_every_setting_with_its_default_and_a_comment() -> None:
    """The repository's config.toml is complete: every key, its default, a comment line above it."""
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)["linkkeeper"]
    lines = text.splitlines()
    for key, (section, item, _) in setting_keys().items():
        default = default_of(item)
        value = table[section][item.name]
        assert (tuple(value) if isinstance(value, list) else value) == default, key
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{item.name} = "))
        assert lines[index - 1].startswith("# "), f"{key} has no comment"
    assert {f"{s}.{k}" for s, body in table.items() for k in body} == set(setting_keys())


def test_reference_config_is_the_one_linkkeeper_reads_in_the_repository() -> None:
    """Run in the repository, linkkeeper reads config.toml's [linkkeeper] table and it is valid."""
    _, sources = load_settings(cwd=REPO, environ={})
    assert set(sources.values()) == {"config.toml [linkkeeper]"}
    assert env_name("scan.max_file_size") == "LINKKEEPER_SCAN_MAX_FILE_SIZE"


def test_reference_config_is_what_the_program_prints() -> None:
    """config.toml is exactly ``linkkeeper config --reference``, so it cannot drift from the code."""
    assert (REPO / "config.toml").read_text(encoding="utf-8") == reference_config()

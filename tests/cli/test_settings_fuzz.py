"""Every settings entry point fed random and hostile values (issue 28): the exit code is a
documented one, nothing is a traceback, and a configuration error is one line on stderr.

The entry points: a settings file (``linkkeeper.toml``, ``config.toml [linkkeeper]``,
``pyproject.toml [tool.linkkeeper]``, ``--config FILE``) with values of every type at every
setting the Settings dataclasses declare (so a new setting is fuzzed too); ``config --from`` a
lychee.toml or a markdown-link-check JSON file; the options of ``scan`` and ``check`` that take
a value (read from the commands themselves); the environment variables linkkeeper reads; and the
ignore files. Nothing here asks the network: commands are ``config``, ``scan`` and
``check --offline``, and the one web link in the page is on a 127.0.0.1 port nobody listens on.

Command-line and environment values never hold NUL: no shell can pass one (execve takes C
strings). Their other bytes are anything, as ``os.fsdecode`` reads them. Paths a ``check``
writes to or reads from are kept inside the example's own folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import tempfile
import traceback
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkkeeper import migrate
from linkkeeper.cli import check, main, scan
from linkkeeper.config import env_name, setting_keys

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 130}  # README, "Exit codes"; linkkeeper/errors.py
CONFIGURATION_ERROR = 3
KNOWN = setting_keys()  # every setting of the Settings dataclasses: "check.timeout" -> (section, field, type)
# LINKKEEPER_<SECTION>_<KEY> for every setting, and the others linkkeeper reads (grep os.environ,
# environ.get and environ[ in linkkeeper/): GitHub's token and Actions' variables, the proxies and
# the trust store, and a variable a header names.
ENVIRONMENT = sorted(
    {env_name(key) for key in KNOWN}
    | {"GITHUB_TOKEN", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY"}
    | {"GITHUB_RUN_ID", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}
    | {"NO_PROXY", "no_proxy", "REQUEST_METHOD", "SSL_CERT_FILE", "SSL_CERT_DIR", "LK_TOKEN"}
)
PAGE = "# Page\n\n[here](a.md#page) [gone](b.md) [site](/docs/x.md) [web](http://127.0.0.1:9/x)\n"
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # every example works in a fresh folder of its own
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


# -- running a command -----------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_folder(workdir: Path) -> Iterator[Path]:
    """A new working folder for one example, holding ``a.md``."""
    folder = Path(tempfile.mkdtemp(dir=workdir))
    (folder / "a.md").write_text(PAGE, encoding="utf-8")
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    """Run linkkeeper, in ``env`` and none of the other variables it reads, and assert the contract:
    a documented exit code, no traceback, and a configuration error said in one line on stderr."""
    unset: dict[str, str | None] = dict.fromkeys(ENVIRONMENT)  # the developer's own proxy, say
    result = CliRunner().invoke(main, args, env={**unset, **(env or {})})
    shown = f"{args!r} env={env!r}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{shown}\n{''.join(traceback.format_exception(*result.exc_info))}")
    assert result.exit_code in DOCUMENTED_EXIT_CODES, (shown, result.exit_code, result.output)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr, (shown, result.output)
    if result.exit_code == CONFIGURATION_ERROR:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("linkkeeper: error: "), (shown, result.stderr)
    return result


def each_string(change: Callable[[str], str], value: Any) -> Any:
    """``value`` with ``change`` applied to every string in it."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [each_string(change, item) for item in value]
    if isinstance(value, dict):
        return {name: each_string(change, item) for name, item in value.items()}
    return value


def inside(text: str) -> str:
    """A path-like value kept under the working folder (an example's ``check`` writes there)."""
    text = text.replace("..", "._")
    return "x" + text if text.startswith(("/", "~", "\\")) else text


def short(text: str) -> str:
    return text[:60]  # at most 240 bytes: a name every file system takes


def ascii_only(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode("ascii")


def utf8_only(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")  # no lone surrogate


TAMED_SETTINGS: dict[str, Callable[[str], str]] = {}  # no value needs taming: every crash found is fixed
TAMED_OPTIONS: dict[str, Callable[[str], str]] = {}
TAMED_VARIABLES: dict[str, Callable[[str], str]] = {}


def unchanged(text: str) -> str:
    return text


# -- hostile values --------------------------------------------------------------------------------

HOSTILE_WORDS = [
    "", " ", "\x00", "a\x00b", "\n", "\r\n", "a\nb", "\t", "\x1b[31mred", "\x7f", "\x85", "\u2028", "\ufeff",
    "\u202e", "é", "${HOME}", "${GITHUB_TOKEN}", "${", "$1", "\\", '"', "'", "#", "=", "[", "]", "{", "}", ",",
    "-1", "0", "1e999", "nan", "inf", "-inf", "0x10", "1_000", "9" * 400, "1" * 5000, "99999999999d", "-5s", "24h",
    "1.5.5", ".", "./", "~", "*", "**/*", "[!", "http://", "http://[::1", "http://a:99999999/", "https://127.0.0.1:9/",
    "socks5://u:p@[", "a:b", "a:1:2", "X-A: b", "Name: \x01", "(a+)+$", "(?<=a)b", "a{4294967296}",
    "(" * 2000 + ")" * 2000, "a" * 20_000, "none", "md,none", "broken", "github",
]  # fmt: skip
TEXT = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_WORDS))
REGEX_TEXT = st.one_of(
    st.text(alphabet="()[]{}*+?|\\^$.-:<>=!,PaZ09 #\t\x01", max_size=30),
    st.sampled_from(["(a+)+$", "(?<=x)y", "(?P<n>a)(?P=n)", "\\p{Greek}", "[[:alpha:]]", "[[a]", "(?i)A", "\\Q", "\\"]),
    TEXT,
)
BIG_NUMBERS = [0, -1, 1, 2**31, 2**63, 2**64, 10**30, 10**4000, -(10**4000)]
ODD_FLOATS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0]
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from(BIG_NUMBERS),
    st.floats(),
    st.sampled_from(ODD_FLOATS),
    TEXT,
)
# Any TOML value: lists where strings are expected, tables where lists are, nesting.
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6
)
DEEP = st.sampled_from([1, 50, 500, 5000]).map(lambda depth: "[" * depth + "]" * depth)


def of_kind(kind: Any) -> st.SearchStrategy[Any]:
    """Values of a setting's own type, at their extremes, or of any other type."""
    origin = typing.get_origin(kind)
    if origin is dict:
        return host_tables(typing.get_args(kind)[1]) | VALUES
    if origin is not None and type(None) in typing.get_args(kind):  # int | None
        return of_kind(next(arg for arg in typing.get_args(kind) if arg is not type(None)))
    typed: st.SearchStrategy[Any] = {
        bool: st.booleans(),
        int: st.integers() | st.sampled_from(BIG_NUMBERS),
        float: st.floats() | st.sampled_from(ODD_FLOATS),
        str: TEXT,
    }.get(kind, st.lists(TEXT | REGEX_TEXT, max_size=4))
    return typed | VALUES


def host_tables(item_type: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Per-host tables (``[check.hosts."NAME"]``) with every field the item dataclass declares."""
    hints = typing.get_type_hints(item_type)
    fields = [item.name for item in dataclasses.fields(item_type)]
    body = st.lists(st.sampled_from(fields), unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({name: of_kind(hints[name]) for name in chosen})
    )
    return st.dictionaries(TEXT, body | VALUES, max_size=2)


def toml_string(text: str) -> str:
    escaped = "".join(
        f"\\u{ord(char):04x}" if ord(char) < 0x20 or ord(char) == 0x7F or char in '"\\' else char for char in text
    )
    return f'"{escaped}"'


def toml(value: Any) -> str:
    """``value`` as TOML (the test's own writer, so that linkkeeper's is not what is tested)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml(item) for item in value) + "]"
    return "{" + ", ".join(f"{toml_string(name)} = {toml(item)}" for name, item in value.items()) + "}"


# -- settings files --------------------------------------------------------------------------------

SECTIONS = sorted({section for section, _, _ in KNOWN.values()})
LAYOUTS = [  # (the file, None for one named by --config FILE; the prefix of its tables)
    ("linkkeeper.toml", ""),
    ("linkkeeper.toml", "linkkeeper."),
    ("config.toml", "linkkeeper."),
    ("pyproject.toml", "tool.linkkeeper."),
    (None, ""),
    (None, "linkkeeper."),
    (None, "tool.linkkeeper."),
]
RAW_FILES = st.one_of(
    st.binary(max_size=100),
    st.sampled_from(
        [
            b"\xff\xfe[check]\n", b'[check]\ntimeout = "\xc3\x28"\n', b"[scan]\nhidden = " + b"1" * 5000 + b"\n",
            b"[check]\nexclude = " + b"[" * 5000 + b"]" * 5000 + b"\n", b"check = [1]\n", b"linkkeeper = 5\n",
            b'[tool]\nlinkkeeper = "x"\n', b"[linkkeeper]\n[check]\n", b"[check]\nhosts = [1]\n", b"[[check]]\n",
            b"[check.hosts]\nx = 1\n", b'[check.hosts."x"]\nnope = 1\n', b"[check.hosts.x.y]\n", b"\x00",
            b'[check]\nheaders = ["A: ${LK_TOKEN}"]\n', b'[history]\ndb = "a\\u0000b"\n',
        ]
    ),
)  # fmt: skip


@st.composite
def settings_file(draw: st.DrawFn) -> tuple[tuple[str | None, str], dict[str, dict[str, Any]] | bytes]:
    """A layout and its table: values of every type at known settings, now and then an unknown
    key or section; or a file of hostile bytes."""
    layout = draw(st.sampled_from(LAYOUTS))
    if draw(st.integers(0, 9)) == 0:
        return layout, draw(RAW_FILES)
    table: dict[str, dict[str, Any]] = {}
    for key in draw(st.lists(st.sampled_from(sorted(KNOWN)), min_size=1, max_size=4, unique=True)):
        section, name = key.split(".", 1)
        value = draw(of_kind(KNOWN[key][2]))
        table.setdefault(section, {})[name] = each_string(TAMED_SETTINGS.get(key, unchanged), value)
    if draw(st.integers(0, 9)) == 0:
        table.setdefault(draw(st.sampled_from(SECTIONS) | TEXT), {})[draw(TEXT)] = draw(VALUES)
    return layout, table


def write_settings(layout: tuple[str | None, str], table: dict[str, dict[str, Any]] | bytes) -> list[str]:
    """Write the file; return the options naming it (``--config FILE``), if any."""
    name, prefix = layout
    if isinstance(table, bytes):
        data = table
    else:
        lines = []
        for section, body in table.items():
            lines.append(f"[{prefix}{toml_string(section)}]")
            lines += [f"{toml_string(key)} = {toml(value)}" for key, value in body.items()]
        data = "\n".join(lines).encode("utf-8")
    Path(name or "custom settings.toml").write_bytes(data)
    return [] if name else ["--config", "custom settings.toml"]


@FUZZ
@given(settings_file(), st.sampled_from(["config", "scan", "check"]))
def test_settings_files(workdir: Path, written: tuple[tuple[str | None, str], Any], command: str) -> None:
    layout, table = written
    with fresh_folder(workdir):
        if command == "check" and not isinstance(table, bytes):
            table = each_string(inside, table)
        config = write_settings(layout, table)
        tail = {"config": [], "scan": ["a.md"], "check": ["--offline", "--no-progress", "a.md"]}[command]
        invoke([command, *config, *tail])


# -- command-line options --------------------------------------------------------------------------

ARGUMENT_TEXT = st.one_of(TEXT, REGEX_TEXT, st.binary(max_size=20).map(os.fsdecode)).map(
    lambda text: text.replace("\x00", "")
)
NUMBER_TEXT = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "1e999", "-1", "0", "1e-320", "0x10", "1_0", " 5 ", "9" * 30, "1" * 5000]),
    st.integers().map(str),
    st.floats().map(str),
    ARGUMENT_TEXT,
)


def value_options(command: click.Command) -> list[click.Option]:
    """The options of ``command`` that take a value, as its own declaration says."""
    return [param for param in command.params if isinstance(param, click.Option) and not param.is_flag]


def option_value(option: click.Option) -> st.SearchStrategy[str]:
    if isinstance(option.type, click.types.IntParamType | click.types.FloatParamType):
        return NUMBER_TEXT
    if isinstance(option.type, click.Choice):
        return st.sampled_from([str(choice) for choice in option.type.choices]) | ARGUMENT_TEXT
    return ARGUMENT_TEXT


def command_lines(command: click.Command, fixed: list[str]) -> st.SearchStrategy[list[str]]:
    options = value_options(command)

    @st.composite
    def build(draw: st.DrawFn) -> list[str]:
        args = [command.name or "", *fixed]
        for option in draw(st.lists(st.sampled_from(options), min_size=1, max_size=3)):
            value = inside(draw(option_value(option)))
            args += [option.opts[-1], TAMED_OPTIONS.get(option.opts[0], unchanged)(value)]
        return [*args, "a.md"]

    return build()


@FUZZ
@given(command_lines(check, ["--offline", "--no-progress"]) | command_lines(scan, []))
def test_command_line_options(workdir: Path, args: list[str]) -> None:
    with fresh_folder(workdir):
        invoke(args)


@settings(FUZZ, max_examples=15)
@given(NUMBER_TEXT.map(inside))
def test_history_prune_older_than(workdir: Path, older_than: str) -> None:
    """A duration from the command line, against a history with a run in it."""
    if not (workdir / ".linkkeeper" / "history.sqlite").exists():
        (workdir / "a.md").write_text(PAGE, encoding="utf-8")
        assert invoke(["check", "--offline", "--no-progress", "a.md"]).exit_code == 1  # b.md is missing
    invoke(["history", "prune", "--older-than", older_than])


# -- the environment -------------------------------------------------------------------------------

HEADER_FROM_THE_ENVIRONMENT = '[check.hosts."127.0.0.1"]\nheaders = ["Authorization: Bearer ${LK_TOKEN}"]\n'
ENVIRONMENT_VALUE = st.one_of(NUMBER_TEXT, st.sampled_from(["true", "false", "yes", "1", ",", " , ,"]))


@FUZZ
@given(
    st.dictionaries(st.sampled_from(ENVIRONMENT), ENVIRONMENT_VALUE.map(inside), min_size=1, max_size=4),
    st.sampled_from(["config", "check"]),
)
def test_environment_variables(workdir: Path, env: dict[str, str], command: str) -> None:
    env = {name: TAMED_VARIABLES.get(name, unchanged)(value) for name, value in env.items()}
    with fresh_folder(workdir) as folder:
        (folder / "linkkeeper.toml").write_text(HEADER_FROM_THE_ENVIRONMENT, encoding="utf-8")
        invoke([command] if command == "config" else ["check", "--offline", "--no-progress", "a.md"], env=env)


LONG = "n" * 300


@pytest.mark.parametrize(
    ("args", "env", "settings_file"),
    [
        ([], {}, f'[check]\nca_bundle = "{LONG}"\n'),
        ([], {"SSL_CERT_FILE": LONG}, ""),
        ([], {}, f'[check]\nignore_files = ["{LONG}"]\n'),
        ([], {}, f'[history]\ndb = "{LONG}"\n'),
        (["--db", LONG], {}, ""),
        (["--root", LONG], {}, ""),
        (["--user-agent", "é"], {}, ""),
        ([], {"LINKKEEPER_CHECK_USER_AGENT": "\x80"}, ""),
        ([], {"LK_TOKEN": "s3cr3t\udc80"}, HEADER_FROM_THE_ENVIRONMENT),
    ],
)
def test_inputs_that_crashed_once(workdir: Path, args: list[str], env: dict[str, str], settings_file: str) -> None:
    """Inputs that were tracebacks when the fuzzing above first found them: a name longer than the
    file system allows, a user agent or a secret that is not ASCII."""
    with fresh_folder(workdir) as folder:
        (folder / "linkkeeper.toml").write_text(settings_file, encoding="utf-8")
        invoke(["check", "--offline", "--no-progress", *args, "a.md"], env=env)


# -- ignore files ----------------------------------------------------------------------------------

IGNORE_LINES = st.lists(st.one_of(REGEX_TEXT, st.just("# a comment"), st.just("")), max_size=5).map(
    lambda lines: "\n".join(lines).encode()
)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from([".linkkeeperignore", ".lycheeignore"]),
        IGNORE_LINES | st.binary(max_size=60) | DEEP.map(str.encode),
        min_size=1,
    )
)
def test_ignore_files(workdir: Path, files: dict[str, bytes]) -> None:
    with fresh_folder(workdir) as folder:
        for name, data in files.items():
            (folder / name).write_bytes(data)
        invoke(["check", "--offline", "--no-progress", "a.md"])


# -- config --from ---------------------------------------------------------------------------------

LYCHEE_OPTIONS = sorted(
    {*migrate._LYCHEE_SAME, *migrate._LYCHEE_LISTS, *migrate._LYCHEE_LEFT, *migrate._LYCHEE_PRIVATE}
    | {"accept", "header", "no_ignore", "include_fragments", "host_request_interval", "hosts", "insecure"}
)
LYCHEE_HOST_OPTIONS = ["concurrency", "request_interval", "headers", "insecure", "other"]
MLC_OPTIONS = [
    "ignorePatterns", "replacementPatterns", "httpHeaders", "timeout", "retryCount", "aliveStatusCodes",
    "retryOn429", "fallbackRetryDelay", "projectBaseUrl", "other",
]  # fmt: skip
LYCHEE_HOSTS = st.dictionaries(TEXT, st.dictionaries(st.sampled_from(LYCHEE_HOST_OPTIONS), VALUES) | VALUES)


def with_hosts(table: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A lychee table whose ``hosts`` (if drawn) is a table of host tables."""
    return LYCHEE_HOSTS.map(lambda hosts: {**table, "hosts": hosts}) if "hosts" in table else st.just(table)


LYCHEE_FILES = st.dictionaries(
    st.sampled_from(LYCHEE_OPTIONS), VALUES | st.lists(REGEX_TEXT, max_size=3), min_size=1, max_size=5
).flatmap(with_hosts)

JSON_TEXT = st.one_of(TEXT, REGEX_TEXT, st.integers(0xD800, 0xDFFF).map(chr))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(BIG_NUMBERS) | st.floats() | JSON_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(JSON_TEXT, inner, max_size=3),
    max_leaves=6,
)
MLC_ITEMS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "pattern": REGEX_TEXT | JSON_VALUES,
            "replacement": st.sampled_from(["http://127.0.0.1:9/$1", "{{BASEURL}}/x", "https://a.invalid/"])
            | JSON_VALUES,
            "global": JSON_VALUES,
            "urls": st.lists(TEXT | st.sampled_from(["http://127.0.0.1:9/p", "https://[::1]/", "http://[x"])),
            "headers": st.dictionaries(JSON_TEXT, JSON_TEXT) | JSON_VALUES,
        },
    )
    | JSON_VALUES,
    max_size=3,
)
MLC_FILES = st.dictionaries(st.sampled_from(MLC_OPTIONS), MLC_ITEMS | JSON_VALUES, min_size=1, max_size=5)


def lychee_toml(table: dict[str, Any]) -> bytes:
    return "\n".join(f"{toml_string(name)} = {toml(value)}" for name, value in table.items()).encode()


def json_file(document: Any) -> bytes:
    return json.dumps(document).encode()  # NaN, Infinity and "\ud800" too


PEER_FILES = st.one_of(
    st.tuples(st.just("lychee.toml"), LYCHEE_FILES.map(lychee_toml)),
    st.tuples(st.just("mlc.json"), MLC_FILES.map(json_file) | JSON_VALUES.map(json_file)),
    st.tuples(st.sampled_from(["lychee.toml", "mlc.json", "peer.yaml"]), RAW_FILES | DEEP.map(str.encode)),
)


@settings(FUZZ, max_examples=150)
@given(PEER_FILES)
def test_config_from(workdir: Path, peer: tuple[str, bytes]) -> None:
    """A peer's file converts or is refused in one line; what it converts to loads as it is."""
    name, data = peer
    with fresh_folder(workdir) as folder:
        (folder / name).write_bytes(data)
        converted = invoke(["config", "--from", name])
        if converted.exit_code == 0:
            (folder / "converted.toml").write_text(converted.stdout, encoding="utf-8")
            loaded = invoke(["config", "--config", "converted.toml"])
            assert loaded.exit_code == 0, (data, converted.stdout, loaded.stderr)

"""Settings: every default in one place, and where each effective value came from.

Layers, highest first: command line > environment (``LINKKEEPER_<SECTION>_<KEY>``) > one
configuration file > defaults. The file is ``--config FILE``, else the first of
``linkkeeper.toml``, the ``[linkkeeper]`` table of ``config.toml`` and ``[tool.linkkeeper]`` of
``pyproject.toml`` in the working directory. (A Hugo site's ``config.toml`` has no ``[linkkeeper]``
table, so it is never misread.) Unknown keys, wrong types and bad values raise ``ConfigError``
naming the source, the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkkeeper.errors import ConfigError

DEFAULT_SOURCE = "default"


def _setting(default: Any, doc: str, *, minimum: int | None = None) -> Any:
    return field(default=default, metadata={"doc": doc, "minimum": minimum})


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """Which files are read and how their Markdown is parsed."""

    extensions: tuple[str, ...] = _setting(
        ("md", "markdown", "mdx", "mkd", "mkdn", "mdown", "qmd", "rmd"),
        "File extensions read when a directory is scanned (explicit file arguments are always read).",
    )
    include_paths: tuple[str, ...] = _setting(
        (), "Glob patterns; when set, only files under a directory argument that match one are read."
    )
    exclude_paths: tuple[str, ...] = _setting(
        (), "Glob patterns of files and folders under a directory argument that are never read."
    )
    hidden: bool = _setting(False, "Also read hidden files and folders (names starting with '.').")
    respect_gitignore: bool = _setting(True, "Skip paths ignored by .gitignore files.")
    max_file_size: int = _setting(
        10 * 1024 * 1024, "Files larger than this many bytes are reported as errors, not read.", minimum=1
    )
    liquid: bool = _setting(
        True,
        "Understand Jekyll/Liquid: {% raw %} and {% highlight %} blocks are code, {{ ... }} is a template.",
    )
    math: bool = _setting(True, "Parse $math$ so link-like syntax inside formulas is not taken for a link.")


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings, one frozen dataclass per section."""

    scan: ScanSettings = field(default_factory=ScanSettings)


Sources = Mapping[str, str]
"""Dotted key ("scan.max_file_size") -> where its effective value came from."""


def setting_keys() -> dict[str, tuple[str, dataclasses.Field[Any], Any]]:
    """Every dotted key with its section name, its dataclass field and its resolved type."""
    keys: dict[str, tuple[str, dataclasses.Field[Any], Any]] = {}
    for section_field in dataclasses.fields(Settings):
        section_type = typing.get_type_hints(Settings)[section_field.name]
        hints = typing.get_type_hints(section_type)
        for item in dataclasses.fields(section_type):
            keys[f"{section_field.name}.{item.name}"] = (section_field.name, item, hints[item.name])
    return keys


def env_name(key: str) -> str:
    """The environment variable that overrides a dotted key."""
    return "LINKKEEPER_" + key.replace(".", "_").upper()


def _expected(kind: Any) -> str:
    if kind is bool:
        return "true or false"
    if kind is int:
        return "a whole number"
    if kind is float:
        return "a number"
    if kind is str:
        return "a string"
    return "a list of strings"


def _coerce(value: Any, kind: Any, source: str, key: str, minimum: int | None) -> Any:
    """Check a TOML (or command-line) value against the setting's type and return it."""
    ok: bool
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif kind is str:
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)
        value = tuple(value) if ok else value
    if not ok:
        raise ConfigError(source, key, f"expected {_expected(kind)}, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(source, key, f"expected at least {minimum}, got {value!r}")
    return value


def _parse_env(text: str, kind: Any, source: str, key: str) -> Any:
    """Turn an environment string into the setting's type (lists are comma-separated)."""
    if kind is bool:
        lowered = text.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(source, key, f"expected true or false, got {text!r}")
    if kind is int:
        try:
            return int(text.strip().replace("_", ""))
        except ValueError:
            raise ConfigError(source, key, f"expected a whole number, got {text!r}") from None
    if kind is float:
        try:
            return float(text.strip())
        except ValueError:
            raise ConfigError(source, key, f"expected a number, got {text!r}") from None
    if kind is str:
        return text
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "(file)", f"not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(str(path), "(file)", f"cannot be read: {exc.strerror or exc}") from exc


def find_config(cwd: Path, explicit: Path | None) -> tuple[str, dict[str, Any]] | None:
    """The configuration table in force, with a label naming where it came from."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(str(explicit), "(file)", "no such file")
        return str(explicit), _read_toml(explicit)
    candidates: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("linkkeeper.toml", ()),
        ("config.toml", ("linkkeeper",)),
        ("pyproject.toml", ("tool", "linkkeeper")),
    )
    for name, table_path in candidates:
        path = cwd / name
        if not path.is_file():
            continue
        table: Any = _read_toml(path)
        for part in table_path:
            table = table.get(part) if isinstance(table, dict) else None
        if table is None:
            continue
        label = f"{path.name} [{'.'.join(table_path)}]" if table_path else path.name
        if not isinstance(table, dict):
            raise ConfigError(label, ".".join(table_path), "expected a table")
        return label, table
    return None


def _flatten(table: Mapping[str, Any], source: str) -> dict[str, Any]:
    """{"scan": {"hidden": true}} -> {"scan.hidden": True}, rejecting unknown keys."""
    known = setting_keys()
    sections = {key.split(".")[0] for key in known}
    flat: dict[str, Any] = {}
    for section, body in table.items():
        if section not in sections:
            raise ConfigError(source, section, f"unknown section; known: {', '.join(sorted(sections))}")
        if not isinstance(body, dict):
            raise ConfigError(source, section, "expected a table of settings")
        for name, value in body.items():
            key = f"{section}.{name}"
            if key not in known:
                names = sorted(k.split(".", 1)[1] for k in known if k.startswith(section + "."))
                raise ConfigError(source, key, f"unknown setting; [{section}] has: {', '.join(names)}")
            flat[key] = value
    return flat


def load_settings(
    *,
    cwd: Path,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[Settings, dict[str, str]]:
    """Resolve every setting through the layers; return them with the source of each value."""
    known = setting_keys()
    values: dict[str, Any] = {}
    sources: dict[str, str] = dict.fromkeys(known, DEFAULT_SOURCE)

    found = find_config(cwd, config_path)
    if found is not None:
        label, table = found
        for key, value in _flatten(table, label).items():
            _, item, kind = known[key]
            values[key] = _coerce(value, kind, label, key, item.metadata["minimum"])
            sources[key] = label

    environ = os.environ if environ is None else environ
    for key, (_, item, kind) in known.items():
        name = env_name(key)
        if name in environ:
            source = f"env {name}"
            parsed = _parse_env(environ[name], kind, source, key)
            values[key] = _coerce(parsed, kind, source, key, item.metadata["minimum"])
            sources[key] = source

    for key, value in (overrides or {}).items():
        if value is None:
            continue
        _, item, kind = known[key]
        values[key] = _coerce(value, kind, "command line", key, item.metadata["minimum"])
        sources[key] = "command line"

    section_values: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        section, name = key.split(".", 1)
        section_values.setdefault(section, {})[name] = value
    hints = typing.get_type_hints(Settings)
    settings = Settings(
        **{
            section: hints[section](**section_values.get(section, {}))
            for section in (f.name for f in dataclasses.fields(Settings))
        }
    )
    return settings, sources


def setting_value(settings: Settings, key: str) -> Any:
    section, name = key.split(".", 1)
    return getattr(getattr(settings, section), name)


def to_toml_value(value: Any) -> str:
    """Render a setting's value as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_string(str(item)) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")  # pragma: no cover - every setting type is above


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'

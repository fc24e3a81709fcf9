"""``linkkeeper config --from``: a lychee.toml or a markdown-link-check JSON file, read as the
linkkeeper settings that mean the same, and a list of what has no equivalent (with why, or what
to do instead). Pure functions from a parsed document to a ``Migration``; nothing is written here.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from linkkeeper.config import check_table, parse_duration, to_toml_value
from linkkeeper.errors import ConfigError


@dataclass
class Migration:
    """Settings by dotted key (``check.timeout``), per-host tables, and what was left behind."""

    source: str
    settings: dict[str, Any] = field(default_factory=dict)
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)

    def add(self, key: str, value: Any) -> None:
        if isinstance(value, tuple) and isinstance(self.settings.get(key), tuple):
            value = (*self.settings[key], *value)
        self.settings[key] = value

    def host(self, name: str, key: str, value: Any) -> None:
        table = self.hosts.setdefault(name, {})
        table[key] = (*table[key], *value) if isinstance(value, tuple) and key in table else value

    def leave(self, option: str, why: str) -> None:
        self.left.append(f"{option}: {why}")


def read_peer_config(path: Path) -> Migration:
    """A lychee ``.toml`` or a markdown-link-check ``.json`` file, by its name's ending."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "(file)", f"cannot be read: {exc}") from exc
    kind = path.suffix.lower()
    if kind not in (".toml", ".json"):
        raise ConfigError(str(path), "(file)", "expected a lychee .toml or a markdown-link-check .json file")
    try:
        document = tomllib.loads(text) if kind == ".toml" else json.loads(text)
    except ValueError as exc:  # TOMLDecodeError, JSONDecodeError, or a number of over 4300 digits
        raise ConfigError(str(path), "(file)", f"is not valid {kind[1:].upper()}: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(str(path), "(file)", "is nested too deeply to be a configuration") from exc
    try:
        migration = (from_lychee if kind == ".toml" else from_markdown_link_check)(_table(document), str(path))
        converted = to_toml(migration)
        converted.encode("utf-8")  # JSON's "\ud800" is a lone surrogate, which no UTF-8 file can hold
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError, RecursionError) as exc:
        # A value of a type the peer never writes there ({"timeout": ["a"]}, a date, a table for a
        # string, an infinite count): said, never a traceback.
        raise ConfigError(
            str(path), "(file)", f"holds a value of the wrong type ({type(exc).__name__}: {exc})"
        ) from exc
    # What is written must load as it is: a value linkkeeper would refuse is refused now.
    check_table(tomllib.loads(converted), f"{path} (converted)")
    return migration


def _table(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise TypeError(f"expected a table of options at the top, found a {type(document).__name__}")
    return document


# -- lychee ---------------------------------------------------------------------------------------

_LYCHEE_SAME: dict[str, str] = {
    "max_redirects": "check.max_redirects",
    "max_retries": "check.retries",
    "max_concurrency": "check.max_concurrency",
    "host_concurrency": "check.host_concurrency",
    "user_agent": "check.user_agent",
    "timeout": "check.timeout",
    "retry_wait_time": "check.backoff",
    "base_url": "site.base_url",
    "base": "site.base_url",
    "root_dir": "site.root",
    "hidden": "scan.hidden",
    "max_cache_age": "cache.max_age",
}
_LYCHEE_LISTS: dict[str, str] = {
    "exclude": "check.exclude",
    "include": "check.include",
    "remap": "check.remap",
    "index_files": "site.index_files",
    "fallback_extensions": "site.fallback_extensions",
    "extensions": "scan.extensions",
}
_LYCHEE_PRIVATE = ("exclude_all_private", "exclude_private", "exclude_link_local", "exclude_loopback")
_LYCHEE_LEFT: dict[str, str] = {
    "github_token": "put the token in the environment as GITHUB_TOKEN (check.github_token_env); linkkeeper "
    "sends it to GitHub's hosts only",
    "exclude_path": "lychee's are regular expressions; linkkeeper's scan.exclude_paths are globs (--exclude-path)",
    "offline": "use `linkkeeper check --offline`",
    "basic_auth": 'use a per-host header: [check.hosts.HOST] headers = ["Authorization: Basic ${TOKEN}"]',
    "cache": "linkkeeper always keeps a history; --no-cache asks every link again",
    "method": "linkkeeper asks with HEAD, then GET when a HEAD is refused or fails",
    "accept_timeouts": "a timeout that outlives the retries is `error`, never `broken`; --fail-on broken ignores it",
    "insecure": 'linkkeeper verifies TLS for every host but those given [check.hosts."HOST"] insecure = true: '
    "mark each host whose certificate cannot be verified (a company CA: SSL_CERT_FILE or check.ca_bundle)",
    "scheme": "linkkeeper checks http and https links, and local files",
    "archive": "`linkkeeper archive` finds verified Wayback Machine copies of dead links",
    "suggest": "`linkkeeper archive` finds verified Wayback Machine copies of dead links",
    "include_mail": "mailto links are listed by `scan`, never checked",
    "include_verbatim": "links in code are never links",
    "cache_exclude_status": "failures are never taken from the cache",
    "skip_missing": "a path that does not exist is an error (exit 2)",
}


def _lychee_accept(value: Any) -> tuple[str, ...]:
    """``["200..=204", "429"]`` or ``"200..=204, 429"`` -> ``("200-204", "429")``."""
    specs = value if isinstance(value, list) else str(value).split(",")
    accepted: list[str] = []
    for spec in (str(item).strip() for item in specs):
        low, dots, high = spec.partition("..")
        if not dots:
            accepted.append(spec)
            continue
        inclusive = high.startswith("=")
        high = high.lstrip("=")
        last = int(high) if inclusive else (int(high) - 1 if high else 999)
        accepted.append(f"{int(low) if low else 100}-{last}")
    return tuple(accepted)


def _headers(value: Any) -> tuple[str, ...]:
    if isinstance(value, Mapping):
        return tuple(f"{name}: {text}" for name, text in value.items())
    return tuple(str(item).replace("=", ": ", 1) if ":" not in str(item) else str(item) for item in value)


def from_lychee(document: Mapping[str, Any], source: str) -> Migration:
    migration = Migration(source)
    for key, value in document.items():
        if key in _LYCHEE_SAME:
            target = _LYCHEE_SAME[key]
            migration.add(target, float(value) if target in ("check.timeout", "check.backoff") else value)
        elif key in _LYCHEE_LISTS:
            migration.add(_LYCHEE_LISTS[key], tuple(str(item) for item in value))
        elif key == "accept":
            migration.add("check.accept", _lychee_accept(value))
        elif key == "header":
            migration.add("check.headers", _headers(value))
        elif key in _LYCHEE_PRIVATE:
            if value:
                migration.add("check.exclude_private", True)
        elif key == "no_ignore":
            migration.add("scan.respect_gitignore", not value)
        elif key == "include_fragments":
            migration.add("site.check_fragments", bool(value))
        elif key == "host_request_interval":
            migration.add("check.host_interval", parse_duration(_seconds(str(value))))
        elif key == "hosts" and isinstance(value, Mapping):
            for name, table in value.items():
                for option, setting in table.items():
                    if option == "concurrency":
                        migration.host(name, "concurrency", int(setting))
                    elif option == "request_interval":
                        migration.host(name, "interval", parse_duration(_seconds(str(setting))))
                    elif option == "headers":
                        migration.host(name, "headers", _headers(setting))
                    elif option == "insecure":
                        migration.host(name, "insecure", bool(setting))
                    else:
                        migration.leave(f"hosts.{name}.{option}", "no per-host equivalent")
        elif key == "insecure" and not value:
            continue  # verifying every certificate is linkkeeper's default too
        elif key in _LYCHEE_LEFT:
            migration.leave(key, _LYCHEE_LEFT[key])
        else:
            migration.leave(key, "no equivalent")
    return migration


def _seconds(text: str) -> str:
    """lychee's and markdown-link-check's durations ("50ms", "20s", "1m", "2000") in linkkeeper's form."""
    text = text.strip()
    if text.endswith("ms"):
        return str(float(text[:-2]) / 1000)
    return text


# -- markdown-link-check --------------------------------------------------------------------------

_JS_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z_])")


def _js_pattern(pattern: str) -> str:
    return _JS_NAMED_GROUP.sub("(?P<", pattern)


def _mlc_duration(value: Any) -> float:
    """markdown-link-check's durations: a number of milliseconds, or "20s", "2000ms", "1m"."""
    if isinstance(value, int | float):
        return float(value) / 1000
    return parse_duration(_seconds(str(value)))


def from_markdown_link_check(document: Mapping[str, Any], source: str) -> Migration:
    migration = Migration(source)
    base = str(document.get("projectBaseUrl", ""))
    handlers: dict[str, Callable[[Any], None]] = {
        "ignorePatterns": lambda value: migration.add(
            "check.exclude", tuple(_js_pattern(item["pattern"]) for item in value)
        ),
        "replacementPatterns": lambda value: _replacements(migration, value, base),
        "httpHeaders": lambda value: _http_headers(migration, value),
        "timeout": lambda value: migration.add("check.timeout", _mlc_duration(value)),
        "retryCount": lambda value: migration.add("check.retries", int(value)),
        "aliveStatusCodes": lambda value: migration.add("check.accept", tuple(str(code) for code in value)),
        "retryOn429": lambda value: (
            None if value else migration.leave("retryOn429", "linkkeeper always retries a 429, honouring Retry-After")
        ),
        "fallbackRetryDelay": lambda value: migration.leave(
            "fallbackRetryDelay", "linkkeeper backs off on its own (check.backoff doubles, with jitter)"
        ),
        "projectBaseUrl": lambda value: None,  # read with replacementPatterns
    }
    for key, value in document.items():
        handler = handlers.get(key)
        if handler is None:
            migration.leave(key, "no equivalent")
        else:
            handler(value)
    return migration


def _replacements(migration: Migration, items: Any, base: str) -> None:
    for item in items:
        pattern, replacement = _js_pattern(str(item["pattern"])), str(item["replacement"])
        if "{{BASEURL}}" in replacement:
            if base.startswith(("http://", "https://")):
                replacement = replacement.replace("{{BASEURL}}", base.rstrip("/"))
            else:
                migration.leave(
                    f"replacementPatterns {item['pattern']!r}",
                    "{{BASEURL}} is the working folder: linkkeeper resolves /path links against site.root "
                    "(--root) or site.base_url (--base-url) instead",
                )
                continue
        if not replacement.startswith(("http://", "https://")):
            migration.leave(f"replacementPatterns {item['pattern']!r}", "only a web address can be checked instead")
            continue
        if item.get("global"):
            migration.leave(f"replacementPatterns {item['pattern']!r}", "global replacement: a remap replaces the "
                            "first match only")  # fmt: skip
            continue
        if any(char.isspace() for char in pattern):
            migration.leave(f"replacementPatterns {item['pattern']!r}", "a remap pattern cannot hold spaces")
            continue
        migration.add("check.remap", (f"{pattern} {replacement}",))


def _http_headers(migration: Migration, items: Any) -> None:
    for item in items:
        lines = tuple(f"{name}: {value}" for name, value in item.get("headers", {}).items())
        for url in item.get("urls", []):
            parts = urlsplit(str(url))
            if not parts.hostname:
                migration.leave(f"httpHeaders {url!r}", "not a URL with a host")
                continue
            if parts.path not in ("", "/"):
                migration.leave(f"httpHeaders {url!r}", f"headers go to the whole host {parts.hostname}, not one path")
            migration.host(parts.hostname, "headers", lines)


# -- output ---------------------------------------------------------------------------------------


def to_toml(migration: Migration) -> str:
    """The linkkeeper.toml that says the same, with what was left behind as comments."""
    lines = [f"# linkkeeper.toml, converted from {migration.source} by `linkkeeper config --from`."]
    sections: dict[str, list[str]] = {}
    for key, value in migration.settings.items():
        section, name = key.split(".", 1)
        sections.setdefault(section, []).append(f"{name} = {to_toml_value(value)}")
    for section, entries in sections.items():
        lines += ["", f"[{section}]", *entries]
    for host, table in migration.hosts.items():
        lines += ["", f"[check.hosts.{to_toml_value(host)}]"]
        lines += [f"{name} = {to_toml_value(value)}" for name, value in table.items()]
    if migration.left:
        lines += ["", "# Not carried over:"] + [f"# - {_comment(item)}" for item in migration.left]
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    """A comment's text on one line: an option name from the file can never start a line of TOML."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda match: f"\\x{ord(match.group()):02x}", text)

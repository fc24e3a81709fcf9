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
import ipaddress
import math
import os
import re
import ssl
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from linkkeeper.errors import ConfigError
from linkkeeper.patterns import Pattern, compile_pattern

DEFAULT_SOURCE = "default"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_LONGEST_DURATION = 365_000 * 86400


def parse_duration(text: str) -> float:
    """``"90s"``, ``"15m"``, ``"24h"``, ``"180d"``, ``"2w"`` (a bare number is seconds) -> seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 90s, 15m, 24h, 180d or 2w")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]
    if not seconds <= _LONGEST_DURATION:  # it is subtracted from today's date, which starts at year 1
        raise ValueError(f"{text!r} is longer than {_LONGEST_DURATION // 86400}d (1000 years)")
    return seconds


def _setting(
    default: Any, doc: str, *, minimum: int | None = None, validate: Callable[[Any], object] | None = None
) -> Any:
    metadata = {"doc": doc, "minimum": minimum, "validate": validate}
    if isinstance(default, dict):
        return field(default_factory=dict, metadata=metadata)
    return field(default=default, metadata=metadata)


def _positive(seconds: float) -> None:
    if seconds <= 0:
        raise ValueError(f"expected more than 0 seconds, got {seconds!r}")


def parse_accept(specs: tuple[str, ...]) -> frozenset[int]:
    """``("200-299", "403")`` -> the set of accepted status codes (each from 100 to 999)."""
    codes: set[int] = set()
    for spec in specs:
        for part in spec.split(","):
            low, dash, high = (piece.strip() for piece in part.strip().partition("-"))
            if not low.isdigit() or (dash and not high.isdigit()):
                raise ValueError(f"{spec!r}: expected status codes or ranges such as 200-299")
            first, last = int(low), int(high) if dash else int(low)
            if not 100 <= first <= last <= 999:
                raise ValueError(f"{part.strip()!r}: expected status codes from 100 to 999, the lower first")
            codes.update(range(first, last + 1))
    return frozenset(codes)


def _host_accept(specs: tuple[str, ...]) -> None:
    """A host's own ``accept``: as ``check.accept``, but never empty (that would accept nothing at all)."""
    if not specs:
        raise ValueError("an empty list accepts no answer at all: leave accept out to use check.accept")
    parse_accept(specs)


_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def has_control_character(value: str) -> bool:
    """Whether a header value holds a character HTTP forbids there (tab is allowed)."""
    return _CONTROL.search(value) is not None


def header_problem(line: str, number: int) -> str | None:
    """What is wrong with one ``"Name: value"`` header line, said without its value (a secret)."""
    name, colon, value = line.partition(":")
    if not colon or not name.strip():
        return f"header {number}: expected 'Name: value'"
    if not _HEADER_NAME.fullmatch(name.strip()):
        return f"header {number}: {name.strip()!r} is not a header name"
    if has_control_character(value):
        return f"header {number} ({name.strip()}): its value holds a control character"
    return None


def _header_value(value: str) -> None:
    if has_control_character(value):
        raise ValueError("holds a control character, which no HTTP header may")
    if not value.isascii():
        raise ValueError("holds a character that is not ASCII, which HTTP headers are sent as")


def _valid_headers(lines: tuple[str, ...]) -> None:
    for number, line in enumerate(lines, start=1):
        problem = header_problem(line, number)
        if problem is not None:
            raise ValueError(problem)


def _environment_name(name: str) -> None:
    if name and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"{name!r} is not an environment variable name")


_HOST_NAME = re.compile(r"(?=.{1,253}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9-]{1,63}\.?")


def _host_name(name: str) -> None:
    if name and not _HOST_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a host name")


def split_host_key(key: str) -> tuple[str, int | None]:
    """A ``[check.hosts."KEY"]`` key -> (host in lower case, port or None): ``docs.example``,
    ``docs.example:8443``, ``127.0.0.1:8080``, ``[::1]:8080`` or ``::1``. A ValueError says what is
    wrong (a scheme, a path, a port out of range)."""
    text = key.strip().lower()
    if "/" in text or "@" in text:
        raise ValueError(f"{key!r} is not a host name (HOST or HOST:PORT, no scheme or path)")
    host, port = text, None
    if text.startswith("["):
        closing = text.find("]")
        host, rest = (text[1:closing], text[closing + 1 :]) if closing > 0 else ("", "")
        if rest:
            port = _port_of(key, rest)
    elif text.count(":") == 1:
        host, _, after = text.partition(":")
        port = _port_of(key, ":" + after)
    host = host.rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not host or not _HOST_NAME.fullmatch(host):
            raise ValueError(f"{key!r} is not a host name (HOST or HOST:PORT, no scheme or path)") from None
    return host, port


def _port_of(key: str, rest: str) -> int:
    if not rest.startswith(":") or not rest[1:].isdigit() or not 0 < int(rest[1:]) < 65536:
        raise ValueError(f"{key!r}: a port is a number from 1 to 65535 after the host")
    return int(rest[1:])


def _proxy_url(url: str) -> None:
    """A proxy URL: http://, https://, socks5:// or socks5h:// with a host (its credentials never
    appear in the error)."""
    if url:
        from linkkeeper.checking.proxy import parse_proxy_url  # here: linkkeeper.check imports this module

        parse_proxy_url(url)


def _ca_bundle(path: str) -> None:
    """A PEM file of CA certificates that exists and loads."""
    if path:
        from linkkeeper.checking.trust import load_ca_file  # here: linkkeeper.check imports this module

        load_ca_file(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), path)


def _positive_rate(rate: float) -> None:
    if not rate > 0:
        raise ValueError(f"expected more than 0 requests per second, got {rate!r}")


def default_of(item: dataclasses.Field[Any]) -> Any:
    """A field's default value, whether given directly or by a factory."""
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return item.default


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


DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 linkkeeper/0.1"
)
FAIL_ON_CHOICES = ("broken", "error", "blocked", "failing", "dead", "drifted", "never")


def parse_resolve(entries: Iterable[str]) -> dict[str, str]:
    """``["example.com:127.0.0.2", "[::1]"…]`` -> {"example.com": "127.0.0.2"}; curl's
    ``HOST:PORT:ADDRESS`` form is accepted too (the port is ignored)."""
    mapping: dict[str, str] = {}
    for entry in entries:
        parts = entry.split(":")
        if len(parts) < 2 or not parts[0]:
            raise ValueError(f"{entry!r}: expected HOST:ADDRESS")
        host = parts[0].lower()
        address = ":".join(parts[2:] if len(parts) > 2 and parts[1].isdigit() else parts[1:]).strip("[]")
        ipaddress.ip_address(address)  # raises ValueError for a malformed address
        mapping[host] = address
    return mapping


_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z_])")
_GROUP_REFERENCE = re.compile(r"\$(?:\{(\w+)\}|<(\w+)>|(\d+))")


def parse_remap(rules: Iterable[str]) -> list[tuple[Pattern, str]]:
    """``"REGEX REPLACEMENT"`` rules -> (compiled pattern, Python replacement). A replacement
    may refer to groups as lychee and JavaScript do (``$1``, ``${name}``, ``$<name>``) or as
    Python does (``\\1``, ``\\g<name>``)."""
    parsed: list[tuple[Pattern, str]] = []
    for rule in rules:
        parts = rule.split(None, 1)
        if len(parts) != 2:
            raise ValueError(f"{rule!r}: expected 'REGEX REPLACEMENT'")
        pattern = compile_pattern(_NAMED_GROUP.sub("(?P<", parts[0]))  # JavaScript's and Rust's (?<name>…) too
        replacement = _GROUP_REFERENCE.sub(lambda m: f"\\g<{m.group(1) or m.group(2) or m.group(3)}>", parts[1])
        # The replacement is read now: a group it names that the pattern lacks, or an escape Python
        # does not know, is said when loaded, never as a traceback at the first matching link.
        pattern.check_replacement(replacement.strip(), parts[1].strip())
        parsed.append((pattern, replacement.strip()))
    return parsed


def _regular_expressions(patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        compile_pattern(pattern)  # a ValueError says why


def _known_fail_on(value: str) -> None:
    if value not in FAIL_ON_CHOICES:
        raise ValueError(f"expected one of {', '.join(FAIL_ON_CHOICES)}, got {value!r}")


@dataclass(frozen=True, slots=True)
class HostSettings:
    """Overrides for one host, as ``[check.hosts."github.com"]``."""

    concurrency: int | None = _setting(None, "Requests in flight to this host at once.", minimum=1)
    interval: float | None = _setting(None, "Seconds between the starts of two requests to this host.", minimum=0)
    headers: tuple[str, ...] = _setting(
        (), 'Extra "Name: value" headers sent only to this host; ${VAR} reads the environment.', validate=_valid_headers
    )
    insecure: bool = _setting(
        False, "Do not verify this host's TLS certificate (this host only, not its subdomains); reports say so."
    )
    headers_over_http: bool | None = _setting(
        None, "Send this host's headers over plain http too (default: check.headers_over_http)."
    )
    accept: tuple[str, ...] | None = _setting(
        None,
        "Status codes that mean alive when this host gives the final answer, instead of check.accept: codes or "
        'ranges such as "200-299".',
        validate=_host_accept,
    )
    blocked_status: tuple[str, ...] = _setting(
        (),
        "Status codes that mean blocked (refused, never broken) when this host gives the final answer; they win "
        'over accept: codes or ranges such as "403" or "400-499".',
        validate=parse_accept,
    )


_PER_PORT = frozenset({"headers", "headers_over_http"})
"""What a ``"HOST:PORT"`` table may set: pacing and TLS trust are per host, headers per origin."""


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """How URLs are requested and how the answers are judged."""

    timeout: float = _setting(
        20.0, "Total seconds one request may take, however the server trickles bytes.", validate=_positive
    )
    connect_timeout: float = _setting(10.0, "Seconds to establish a connection.", validate=_positive)
    read_timeout: float = _setting(10.0, "Seconds to wait for the next bytes of an answer.", validate=_positive)
    retries: int = _setting(
        2, "Retries after a timeout, reset, 408, 429 or 5xx (not after name-not-found or refused).", minimum=0
    )
    backoff: float = _setting(1.0, "First retry delay in seconds; it doubles (with jitter) on each retry.", minimum=0)
    retry_after_cap: float = _setting(
        60.0, "Longest Retry-After (or X-RateLimit-Reset) wait honoured, in seconds.", minimum=0
    )
    max_concurrency: int = _setting(64, "Requests in flight at once, over all hosts.", minimum=1)
    host_concurrency: int = _setting(4, "Requests in flight at once to one host.", minimum=1)
    host_interval: float = _setting(
        0.0, "Seconds between the starts of two requests to one host (0: no pacing).", minimum=0
    )
    host_min_rate: float = _setting(
        1.0,
        "Slowest pace, in requests per second, that a host refusing requests (429) is slowed to.",
        validate=_positive_rate,
    )
    host_not_answering: int = _setting(
        5,
        "Timed-out requests in a row (of two or more URLs, none answered this run) after which a host's "
        "remaining URLs are error without being asked (0: ask every one).",
        minimum=0,
    )
    network_probe: str = _setting(
        "",
        "A URL known to answer, asked only when no host answered a run: an answer means the network was up "
        "and the run's failures are judged (empty: such a run is never judged).",
    )
    dns_canary: str = _setting(
        "example.com",
        "A public name that always resolves, looked up when a link's name did not: unless it resolves too, names "
        "that do not resolve are not judged (a proxy-only or allow-listed resolver); empty: a link's own resolved "
        "name is the evidence instead (air-gapped networks).",
        validate=_host_name,
    )
    user_agent: str = _setting(
        DEFAULT_USER_AGENT,
        "User-Agent header; browser-like, because many sites refuse robots.",
        validate=_header_value,
    )
    headers: tuple[str, ...] = _setting(
        (), 'Extra "Name: value" headers sent to every host; ${VAR} reads the environment.', validate=_valid_headers
    )
    headers_over_http: bool = _setting(
        False,
        "Send configured headers and tokens over plain http too, where anyone on the path reads them "
        "(never needed for this machine: loopback is always allowed).",
    )
    resolve: tuple[str, ...] = _setting(
        (), 'Fixed name resolutions "HOST:ADDRESS" (as curl --resolve), tried before DNS.', validate=parse_resolve
    )
    exclude: tuple[str, ...] = _setting(
        (), "Regular expressions; matching URLs are not checked (outcome excluded).", validate=_regular_expressions
    )
    include: tuple[str, ...] = _setting(
        (), "Regular expressions; when set, only matching URLs are checked.", validate=_regular_expressions
    )
    ignore_files: tuple[str, ...] = _setting(
        (".linkkeeperignore", ".lycheeignore"),
        "Files at the project root with a regular expression per line (# comments): matching URLs are excluded.",
    )
    remap: tuple[str, ...] = _setting(
        (),
        '"REGEX REPLACEMENT" rules: a matching URL is checked at the replacement (a mirror, staging), '
        "but reported, archived and fixed as written.",
        validate=parse_remap,
    )
    accept: tuple[str, ...] = _setting(
        ("200-299",), 'Status codes that mean alive: codes or ranges such as "200-299".', validate=parse_accept
    )
    exclude_private: bool = _setting(False, "Also refuse private, loopback and other non-public addresses.")
    proxy: str = _setting(
        "",
        "Proxy URL for every request (http://, https://, socks5:// or socks5h://, user:password@ allowed), instead "
        "of HTTP_PROXY, HTTPS_PROXY and ALL_PROXY; NO_PROXY still applies (empty: the environment's proxies).",
        validate=_proxy_url,
    )
    ca_bundle: str = _setting(
        "",
        "A PEM file of CA certificates trusted besides the system's and SSL_CERT_FILE/SSL_CERT_DIR (a company CA "
        "that inspects TLS); a relative path is under the working directory.",
        validate=_ca_bundle,
    )
    fail_on: str = _setting(
        "broken",
        "Exit 1 when a link is: broken | error (broken or error) | blocked (any failure) | failing | dead | "
        "drifted (broken, or no longer the page cited) | never.",
        validate=_known_fail_on,
    )
    detect_parked: bool = _setting(
        True, "Read each page (one GET, not HEAD): a domain-parking or for-sale page is broken (parked)."
    )
    detect_soft_404: bool = _setting(
        True,
        "A 200 page that says not found, or that matches a random sibling URL's page (a probe), is broken (soft-404).",
    )
    soft_404_probes: int = _setting(
        3, "Random-sibling probes at most per host per run (each folder probed once; 0: none).", minimum=0
    )
    probe_max_age: str = _setting(
        "7d", "A host's probe answers kept in the history are reused this long.", validate=parse_duration
    )
    detect_drift: bool = _setting(
        True, "Keep a fingerprint of each page when first seen alive; a page now unrelated to it is drifted."
    )
    detect_login_walls: bool = _setting(
        True, "A redirect to a sign-in page is a wall (blocked, login-wall), never a move."
    )
    max_body_bytes: int = _setting(1024 * 1024, "At most this many bytes of a GET answer are read.", minimum=0)
    max_redirects: int = _setting(10, "Redirects followed before a link counts as broken.", minimum=0)
    github_token_env: str = _setting(
        "GITHUB_TOKEN",
        "Environment variable whose token is sent (Authorization: Bearer) to GitHub's own hosts only, over HTTPS "
        "(empty: never).",
        validate=_environment_name,
    )
    hosts: dict[str, HostSettings] = _setting(  # noqa: RUF009 - _setting returns a field()
        {},
        'Per-host overrides: [linkkeeper.check.hosts."github.com"] with concurrency, interval, headers, insecure, '
        "headers_over_http, accept (instead of check.accept) and blocked_status (codes that mean blocked); "
        '"HOST:PORT" for one port\'s headers.',
    )


@dataclass(frozen=True, slots=True)
class HistorySettings:
    """Where the record of every check is kept."""

    db: str = _setting(
        ".linkkeeper/history.sqlite", "The SQLite history; a relative path is under the project root (the git top)."
    )


@dataclass(frozen=True, slots=True)
class CacheSettings:
    """Which earlier answers a run may reuse instead of asking again."""

    max_age: str = _setting(
        "24h", "An alive answer younger than this is reused without a request; failures are always re-checked.",
        validate=parse_duration,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class DeadAfterSettings:
    """When a failing link becomes dead (InternetArchiveBot's rule)."""

    failures: int = _setting(
        3, "Failing runs (broken or error), with no success in between, before a link is dead.", minimum=1
    )
    days: int = _setting(3, "Distinct days (UTC) those failures must fall on.", minimum=1)
    count_blocked: bool = _setting(False, "Count blocked answers (bot walls, 401/403/429) as failures too.")


@dataclass(frozen=True, slots=True)
class WaybackSettings:
    """The Wayback Machine: where its APIs are, how politely to use them, and what to accept."""

    cdx_url: str = _setting("https://web.archive.org/cdx/search/cdx", "CDX search API (the primary lookup).")
    availability_url: str = _setting(
        "https://archive.org/wayback/available", "Availability API, used only when a CDX lookup fails."
    )
    replay_base: str = _setting("https://web.archive.org/web/", "Replay base; captures are verified through it (id_).")
    save_url: str = _setting("https://web.archive.org/save", "Save Page Now 2; its job status is under /status/.")
    cdx_per_minute: int = _setting(24, "CDX requests per minute (the hard limit is 30; IA asks for 80 %).", minimum=1)
    replay_per_minute: int = _setting(300, "Replay requests per minute (verification of captures).", minimum=1)
    saves_per_minute: int = _setting(6, "Save Page Now submissions per minute (authenticated limit: 7).", minimum=1)
    timeout: float = _setting(30.0, "Total seconds one archive request may take.", validate=_positive)
    retries: int = _setting(3, "Retries after 429, 5xx, timeouts and resets.", minimum=0)
    retry_after_default: float = _setting(
        60.0, "Seconds to wait after a 429 that says nothing (IA often sends no Retry-After).", minimum=0
    )
    candidates: int = _setting(10, "Captures asked of CDX around the reference date.", minimum=1)
    verify: int = _setting(3, "Captures replayed (id_) at most, in order of preference, to find a good one.", minimum=1)
    if_not_archived_within: str = _setting(
        "30d", "archive --save skips live links with a capture at least this recent.", validate=parse_duration
    )
    save_polls: int = _setting(20, "Status polls of one Save Page Now job before giving up for this run.", minimum=1)
    save_resubmits: int = _setting(
        2, "Resubmissions in the same run after Save Page Now's own errors (proxy-error, …).", minimum=0
    )
    save_status_per_minute: int = _setting(
        60, "Save Page Now status polls per minute, all jobs together (IABot polls each job every 2 s).", minimum=1
    )
    save_jobs: int = _setting(
        5,
        "Save Page Now jobs running at once (fewer when /save/status/user says fewer are available).",
        minimum=1,
    )
    save_retry_after: str = _setting(
        "1d",
        "After a passing Save Page Now failure (the site's 5xx or timeout, SPN's own errors), a later run "
        "submits the link again once this long has passed.",
        validate=parse_duration,
    )


# How heading anchors are made (linkkeeper/anchors.py); "auto" detects it from the project root.
ANCHOR_STYLES = ("auto", "github", "gitlab", "mkdocs", "jekyll", "hugo", "docusaurus", "myst", "pandoc")


def _known_anchor_style(style: str) -> None:
    if style not in ANCHOR_STYLES:
        raise ValueError(f"expected one of {', '.join(ANCHOR_STYLES)}, got {style!r}")


def _web_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r}: expected an http(s):// URL with a host")


@dataclass(frozen=True, slots=True)
class GitHubSettings:
    """Where GitHub is (github.com, or a GitHub Enterprise Server): its links are checked through
    its GraphQL API when a token is set (``check.github_token_env``)."""

    web_url: str = _setting(
        "https://github.com",
        "GitHub's web address: links with this scheme, host and port are GitHub links.",
        validate=_web_address,
    )
    api_url: str = _setting(
        "https://api.github.com", "GitHub's REST API (GHES: https://HOST/api/v3).", validate=_web_address
    )
    graphql_url: str = _setting(
        "https://api.github.com/graphql",
        "GitHub's GraphQL API (GHES: https://HOST/api/graphql).",
        validate=_web_address,
    )


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """How local, relative and site-relative links are resolved."""

    root: str = _setting("", "The site's source folder; site-relative links (/path/) are resolved there on disk.")
    base_url: str = _setting("", "The published site's URL; site-relative links are checked over HTTP under it.")
    index_files: tuple[str, ...] = _setting(
        ("index.md", "README.md", "readme.md", "_index.md", "index.html"), "Files that stand for a folder link."
    )
    fallback_extensions: tuple[str, ...] = _setting(
        ("md", "markdown", "html"), "Extensions tried when a link names a page without one (page -> page.md)."
    )
    anchor_style: str = _setting(
        "auto",
        "Heading anchors as made by: auto (detected from the project root) | github | gitlab | mkdocs | jekyll | "
        "hugo | docusaurus | myst | pandoc.",
        validate=_known_anchor_style,
    )
    check_fragments: bool = _setting(False, "Also check #fragments of web links (GETs the page and reads its ids).")


FIX_STYLES = ("replace", "annotate")


def _known_style(style: str) -> None:
    if style not in FIX_STYLES:
        raise ValueError(f"expected one of {', '.join(FIX_STYLES)}, got {style!r}")


def _has_archive_placeholder(form: str) -> None:
    if "{archive}" not in form:
        raise ValueError(f"{form!r} must contain {{archive}}, where the archive URL goes")


@dataclass(frozen=True, slots=True)
class FixSettings:
    """How ``linkkeeper fix`` rewrites dead links to their archived copies."""

    style: str = _setting(
        "replace",
        "replace: the destination becomes the archive URL; annotate: an archived link follows the original.",
        validate=_known_style,
    )
    annotation: str = _setting(
        " ([archived]({archive}))", "What annotate appends after a link; {archive} is the archive URL.",
        validate=_has_archive_placeholder,
    )  # fmt: skip


REPORT_FORMATS = ("md", "json", "html", "junit", "sarif")


def _known_formats(formats: tuple[str, ...]) -> None:
    if "none" in formats and len(formats) > 1:
        raise ValueError("none cannot be combined with other formats")
    unknown = sorted(set(formats) - {*REPORT_FORMATS, "none"})
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(unknown)}; known: {', '.join(REPORT_FORMATS)}")


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """The reports every ``check`` writes, and what it tells GitHub Actions."""

    dir: str = _setting(
        ".linkkeeper/reports",
        "Folder the reports are written to; a relative path is under the project root (the git top). "
        "The default is beside the history, in a folder git ignores.",
    )
    formats: tuple[str, ...] = _setting(
        REPORT_FORMATS, "Reports written by check: md, json, html, junit, sarif; none (or []) for none.",
        validate=_known_formats,
    )  # fmt: skip
    annotations: bool = _setting(
        True, "Under GitHub Actions, print ::error/::warning annotations for failing links (on stderr)."
    )
    annotations_errors: int = _setting(
        10, "At most this many ::error annotations (GitHub shows 10 a step); a ::notice counts the rest.", minimum=0
    )
    annotations_warnings: int = _setting(
        10, "At most this many ::warning annotations (GitHub shows 10 a step).", minimum=0
    )
    summary_max_bytes: int = _setting(
        1_000_000,
        "Largest job summary written to $GITHUB_STEP_SUMMARY (GitHub refuses more than 1 MiB a step); "
        "a longer one is cut, with a link to the reports.",
        minimum=1000,
    )
    history_runs: int = _setting(30, "Past runs drawn in the HTML report's health-over-time chart.", minimum=1)

    @property
    def written(self) -> tuple[str, ...]:
        """The formats to write: ``none`` (or an empty list) writes no report."""
        return tuple(fmt for fmt in self.formats if fmt != "none")


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings, one frozen dataclass per section."""

    scan: ScanSettings = field(default_factory=ScanSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    dead_after: DeadAfterSettings = field(default_factory=DeadAfterSettings)
    wayback: WaybackSettings = field(default_factory=WaybackSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    fix: FixSettings = field(default_factory=FixSettings)
    site: SiteSettings = field(default_factory=SiteSettings)
    github: GitHubSettings = field(default_factory=GitHubSettings)


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
    if typing.get_origin(kind) is dict:
        return "a table of host tables"
    if _optional_of(kind) is not None:
        return _expected(_optional_of(kind))
    if kind is bool:
        return "true or false"
    if kind is int:
        return "a whole number"
    if kind is float:
        return "a number"
    if kind is str:
        return "a string"
    return "a list of strings"


def _optional_of(kind: Any) -> Any:
    """``int`` for ``int | None``; None for anything else."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (types.UnionType, typing.Union) and type(None) in args:
        return next(arg for arg in args if arg is not type(None))
    return None


def _coerce_table(value: Any, kind: Any, source: str, key: str) -> dict[str, Any]:
    """A table of sub-tables, each checked against the dataclass the setting names."""
    item_type = typing.get_args(kind)[1]
    if not isinstance(value, dict):
        raise ConfigError(source, key, f"expected a table of host tables, got {value!r}")
    hints = typing.get_type_hints(item_type)
    result: dict[str, Any] = {}
    for name, body in value.items():
        table = f"{key}.{to_toml_value(name) if re.search(r'[^A-Za-z0-9_-]', name) else name}"  # as TOML writes it
        if not isinstance(body, dict):
            raise ConfigError(source, table, "expected a table")
        try:
            _, port = split_host_key(name)
        except ValueError as exc:
            raise ConfigError(source, table, str(exc)) from None
        known = {item.name: item for item in dataclasses.fields(item_type)}
        values: dict[str, Any] = {}
        for field_name, field_value in body.items():
            if field_name not in known:
                raise ConfigError(source, f"{table}.{field_name}", f"unknown setting; known: {', '.join(known)}")
            if port is not None and field_name not in _PER_PORT:
                host = name.rpartition(":")[0]
                raise ConfigError(source, f"{table}.{field_name}",
                                  f"set per host, not per port: put it in [{key}.{to_toml_value(host)}]")  # fmt: skip
            values[field_name] = _coerce(
                field_value,
                hints[field_name],
                source,
                f"{table}.{field_name}",
                known[field_name].metadata["minimum"],
                known[field_name].metadata["validate"],
            )
        result[name] = item_type(**values)
    return result


_LARGEST_WHOLE = 2**31 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")  # how Python reads bytes that are not UTF-8 in argv and os.environ


def _coerce(
    value: Any, kind: Any, source: str, key: str, minimum: int | None, validate: Callable[[Any], object] | None = None
) -> Any:
    """Check a TOML (or command-line) value against the setting's type and return it."""
    ok: bool
    if typing.get_origin(kind) is dict:
        return _coerce_table(value, kind, source, key)
    optional = _optional_of(kind)
    if optional is not None:
        return None if value is None else _coerce(value, optional, source, key, minimum, validate)
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
        if ok and not math.isfinite(value):  # nan passes every comparison, inf every minimum
            raise ConfigError(source, key, f"expected a finite number, got {value!r}")
    elif kind is str:
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)
        value = tuple(value) if ok else value
    if not ok:
        raise ConfigError(source, key, f"expected {_expected(kind)}, got {value!r}")
    text = value if isinstance(value, str) else "".join(value) if isinstance(value, tuple) else ""
    if "\x00" in text:
        raise ConfigError(source, key, "a NUL character cannot be part of a setting")
    if _SURROGATE.search(text):  # bytes of the command line or the environment that were not UTF-8
        raise ConfigError(source, key, "holds bytes that are not UTF-8 text")
    if minimum is not None and value < minimum:
        raise ConfigError(source, key, f"expected at least {minimum}, got {value!r}")
    if kind is int and value > _LARGEST_WHOLE:  # a count or a size: SQLite, C and a read's buffer take no more
        raise ConfigError(source, key, f"expected at most {_LARGEST_WHOLE}, got {value!r}")
    if validate is not None:
        try:
            validate(value)
        except ValueError as exc:
            raise ConfigError(source, key, str(exc)) from None
    return value


def _parse_env(text: str, kind: Any, source: str, key: str) -> Any:
    """Turn an environment string into the setting's type (lists are comma-separated)."""
    if _optional_of(kind) is not None:
        kind = _optional_of(kind)
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
    except ValueError as exc:  # TOMLDecodeError, bytes that are not UTF-8, an integer of over 4300 digits
        raise ConfigError(str(path), "(file)", f"not valid TOML: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(str(path), "(file)", "is nested too deeply to be a configuration") from exc
    except OSError as exc:
        raise ConfigError(str(path), "(file)", f"cannot be read: {exc.strerror or exc}") from exc


def find_config(cwd: Path, explicit: Path | None) -> tuple[str, dict[str, Any]] | None:
    """The configuration table in force, with a label naming where it came from."""
    if explicit is not None:
        if not os.path.isfile(explicit):  # not Path.is_file(): a name too long is an OSError there
            raise ConfigError(str(explicit), "(file)", "no such file")
        document = _read_toml(explicit)
        tool = document.get("tool")
        if "linkkeeper" not in document and isinstance(tool, dict) and "linkkeeper" in tool:
            document = tool  # a pyproject.toml named with --config
        if "linkkeeper" in document:  # a config.toml (a Hugo site's, say) or linkkeeper.toml with the prefix
            document = {"linkkeeper": document["linkkeeper"]}
        return str(explicit), _without_prefix(document, str(explicit))
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
        return label, table if table_path else _without_prefix(table, label)
    return None


def _without_prefix(table: dict[str, Any], label: str) -> dict[str, Any]:
    """A file of linkkeeper's own may write its sections as ``[linkkeeper.check]`` (as in
    config.toml) or as ``[check]``; both mean the same, but not mixed in one file."""
    if "linkkeeper" not in table:
        return table
    others = sorted(key for key in table if key != "linkkeeper")
    if others:
        raise ConfigError(
            label, "linkkeeper", f"mixes [linkkeeper.*] tables with [{others[0]}]: write [{others[0]}] or "
            f"[linkkeeper.{others[0]}] throughout the file"
        )  # fmt: skip
    inner = table["linkkeeper"]
    if not isinstance(inner, dict):
        raise ConfigError(label, "linkkeeper", "expected a table")
    return inner


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
    overrides_source: str = "command line",
) -> tuple[Settings, dict[str, str]]:
    """Resolve every setting through the layers; return them with the source of each value
    (``overrides_source`` names where the overrides came from, in errors and in ``config``)."""
    known = setting_keys()
    values: dict[str, Any] = {}
    sources: dict[str, str] = dict.fromkeys(known, DEFAULT_SOURCE)

    found = find_config(cwd, config_path)
    if found is not None:
        label, table = found
        for key, value in _flatten(table, label).items():
            _, item, kind = known[key]
            values[key] = _coerce(value, kind, label, key, item.metadata["minimum"], item.metadata["validate"])
            sources[key] = label

    environ = os.environ if environ is None else environ
    for key, (_, item, kind) in known.items():
        name = env_name(key)
        if name in environ and typing.get_origin(kind) is not dict:
            source = f"env {name}"
            parsed = _parse_env(environ[name], kind, source, key)
            values[key] = _coerce(parsed, kind, source, key, item.metadata["minimum"], item.metadata["validate"])
            sources[key] = source

    for key, value in (overrides or {}).items():
        if value is None:
            continue
        _, item, kind = known[key]
        values[key] = _coerce(value, kind, overrides_source, key, item.metadata["minimum"], item.metadata["validate"])
        sources[key] = overrides_source

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


def check_table(table: Mapping[str, Any], label: str) -> None:
    """Validate a settings table as a configuration file's (unknown keys, types, values): a
    ConfigError naming the key when anything is off."""
    known = setting_keys()
    for key, value in _flatten(table, label).items():
        _, item, kind = known[key]
        _coerce(value, kind, label, key, item.metadata["minimum"], item.metadata["validate"])


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
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_string(name)} = {_toml_inline(item)}" for name, item in value.items()) + "}"
    raise TypeError(f"no TOML form for {value!r}")  # pragma: no cover - every setting type is above


def _toml_inline(item: Any) -> str:
    pairs = [
        f"{field.name} = {to_toml_value(getattr(item, field.name))}"
        for field in dataclasses.fields(item)
        if getattr(item, field.name) not in (None, ()) and getattr(item, field.name) is not False
    ]
    return "{" + ", ".join(pairs) + "}"


_TOML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_TOML_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f]')


def _toml_string(text: str) -> str:
    """A TOML basic string: every character that could end it or start a new line escaped, so
    a value can never write a table or a key of its own."""
    escaped = _TOML_SPECIAL.sub(lambda m: _TOML_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), text)
    return f'"{escaped}"'


REFERENCE_HEADER = """\
# linkkeeper reference configuration: every setting, its default, and what it does.
# linkkeeper reads the [linkkeeper] table of a config.toml in the working directory; a
# linkkeeper.toml (same keys, without the "linkkeeper." prefix) or [tool.linkkeeper] in
# pyproject.toml work too. Environment variables LINKKEEPER_<SECTION>_<KEY> override files,
# and command-line options override both. `linkkeeper config` shows what is in force;
# `linkkeeper config --reference` prints this file.
"""


def reference_config() -> str:
    """The reference config.toml: every setting with its default and its one-line description."""
    lines = [REFERENCE_HEADER]
    section = None
    for section_name, item, _ in setting_keys().values():
        if section_name != section:
            lines.append(f"{'' if section is None else chr(10)}[linkkeeper.{section_name}]")
            section = section_name
        lines.append(f"# {item.metadata['doc']}")
        lines.append(f"{item.name} = {to_toml_value(default_of(item))}")
    return "\n".join(lines) + "\n"

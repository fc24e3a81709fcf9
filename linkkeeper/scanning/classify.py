"""Whether a URL can be checked as it stands, needs a base to resolve against, or is not checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from linkkeeper.models import Checkable, Flag

CHECKED_SCHEMES = frozenset({"http", "https", "ftp"})
_PLAIN_WEB_URL = re.compile(r"(?:https?|ftp)://[A-Za-z0-9.\-]*[A-Za-z0-9](?::[0-9]{1,5})?(?:[/?#]|$)", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]{1,31}):")
_HOST_LIKE = re.compile(
    r"^(?:www\.[^/\s]+|(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))"
    r"(?::\d{1,5})?(?:[/?#]|$)"
)
# Dotted names that are files, not hosts: "README.md", "logo.png", "setup.py".
_FILE_EXTENSIONS = frozenset(
    [
        "md",
        "markdown",
        "mdx",
        "mkd",
        "mdown",
        "qmd",
        "rmd",
        "html",
        "htm",
        "xhtml",
        "php",
        "asp",
        "aspx",
        "jsp",
        "txt",
        "rst",
        "adoc",
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "ico",
        "bmp",
        "avif",
        "mp3",
        "mp4",
        "webm",
        "mov",
        "ogg",
        "wav",
        "zip",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "tar",
        "rar",
        "7z",
        "json",
        "yml",
        "yaml",
        "toml",
        "xml",
        "csv",
        "tsv",
        "ini",
        "cfg",
        "conf",
        "py",
        "js",
        "mjs",
        "ts",
        "tsx",
        "jsx",
        "css",
        "scss",
        "rb",
        "go",
        "rs",
        "java",
        "kt",
        "c",
        "h",
        "cpp",
        "hpp",
        "cs",
        "sh",
        "ps1",
        "bat",
        "lock",
        "log",
        "ipynb",
        "sql",
        "wasm",
        "exe",
        "dmg",
        "deb",
        "rpm",
        "apk",
        "whl",
    ]
)


@dataclass(frozen=True, slots=True)
class Classification:
    checkable: Checkable
    reason: str
    flags: tuple[Flag, ...] = ()


_CHECKABLE = Classification(Checkable.YES, "")
# WHATWG URL "special" schemes whose authority browsers find after any run of "/" or "\"
# (file: has its own rules and is not one of them here).
_SPECIAL_SLASHES = re.compile(r"((?i:https?|ftp|wss?)):([/\\]*)")
_HOST_NAME = re.compile(r"[^\W_](?:[\w.-]*[^\W_])?")  # letters and digits in any script, "-", ".", "_"


def browser_reading(url: str) -> str | None:
    """How a browser (and lychee) reads ``https:/host/a``, ``https:host/a``, ``https:///host/a``
    or ``https:\\\\host/a``: as ``https://host/a`` (the WHATWG URL parser, parsing an absolute
    URL, skips any number of slashes and backslashes after a special scheme). None when ``url``
    is not malformed that way, or has no plausible host (a name, an IP address) even so."""
    match = _SPECIAL_SLASHES.match(url)
    if match is None or match.group(2) == "//":
        return None
    rest = url[match.end() :]
    if not rest or rest[0] in "?#":
        return None
    reading = match.group(1).lower() + "://" + rest
    try:
        parts = urlsplit(reading)
        host = parts.hostname
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return None
    if not host or any(char <= " " or char == "\x7f" for char in parts.netloc):
        return None
    # A name, an IPv4 address or (from its brackets) an IPv6 one: "https:/```/x" is no slip of a slash.
    return reading if _HOST_NAME.fullmatch(host) or ":" in host else None


def looks_like_host(url: str) -> bool:
    """``www.example.com`` or ``example.com/page``: a web address written without its scheme."""
    match = _HOST_LIKE.match(url)
    if match is None:
        return False
    tld = match.group(1)
    return tld is None or tld.lower() not in _FILE_EXTENSIONS


def classify(url: str) -> Classification:
    """Decide how the checker treats ``url``, with the reason in words."""
    if _PLAIN_WEB_URL.match(url) and "{" not in url and not url[-1:].isspace():
        return _CHECKABLE  # the common case, decided without a full parse
    if "{{" in url or "{%" in url:
        return Classification(
            Checkable.NEEDS_BASE, "contains a Liquid template; resolved against the site", (Flag.LIQUID_TEMPLATE,)
        )
    stripped = url.strip()
    if not stripped:
        return Classification(Checkable.NO, "empty destination")
    scheme_match = _SCHEME.match(stripped)
    if scheme_match and not looks_like_host(stripped):
        scheme = scheme_match.group(1).lower()
        if scheme not in CHECKED_SCHEMES:
            return Classification(Checkable.NO, f"{scheme}: links are not checked")
        try:
            parts = urlsplit(stripped)
            _ = parts.port  # raises on a malformed port
        except ValueError as exc:
            return Classification(Checkable.NO, f"invalid URL: {exc}")
        if not parts.hostname:
            return Classification(Checkable.NO, "invalid URL: no host")
        return Classification(Checkable.YES, "")
    if stripped.startswith("//"):
        return Classification(Checkable.NEEDS_BASE, "protocol-relative link; needs the site's scheme")
    if stripped.startswith("#"):
        return Classification(Checkable.NEEDS_BASE, "fragment within this page")
    if stripped.startswith("/"):
        return Classification(Checkable.NEEDS_BASE, "site-relative link; needs the site root or base URL")
    if looks_like_host(stripped):
        return Classification(
            Checkable.NEEDS_BASE,
            "relative link that looks like a host; did you mean https://" + stripped + " ?",
            (Flag.LOOKS_LIKE_HOST_MISSING_SCHEME,),
        )
    return Classification(Checkable.NEEDS_BASE, "relative link; resolved against this file")

"""One spelling for equivalent web URLs (RFC 3986 §6.2.2 and §6.2.3), so that
``https://semver.org``, ``https://semver.org/`` and ``HTTPS://SEMVER.ORG/`` are one link: requested
once, one row in the history, one cached answer. Reports keep each URL as it was written.

Only what the RFC says cannot change what a server sees is normalised: the scheme's and host's
case, an internationalised host as punycode, the scheme's default port, an empty path (``/`` for
these schemes), ``.`` and ``..`` segments, percent-escapes of unreserved characters (decoded) and of
everything else (upper-case hex). The query's order, a trailing slash on a longer path, the
userinfo and the case of the path are the server's business and stay as written.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import idna

__all__ = ["canonical_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Most URLs are written in their normal form already: a lower-case ASCII host without port or
# userinfo, a path, no escape, no fragment. Those are returned as they are, without being taken
# apart (a repository of 200,000 links spends seconds otherwise); "/." sends dot segments on.
_ALREADY_NORMAL = re.compile(r"(?:https?|wss?|ftp)://[a-z0-9.-]+/[^%#]*\Z")


def canonical_url(url: str) -> str:
    """``url``'s normal form when it is an absolute http(s), ftp or ws(s) URL; anything else
    (another scheme, a URL that does not split) comes back unchanged."""
    if _ALREADY_NORMAL.match(url) and "/." not in url:
        return url
    return _normalised(url)


def _normalised(url: str) -> str:
    """``canonical_url`` the long way: the URL taken apart and each part put in its normal form."""
    head, hash_mark, fragment = url.partition("#")
    scheme, colon, rest = head.partition(":")
    lowered = scheme.lower()
    if not colon or lowered not in _DEFAULT_PORTS or not rest.startswith("//"):
        return url
    authority_end = len(rest)
    for stop in "/?":
        found = rest.find(stop, 2)
        if found != -1:
            authority_end = min(authority_end, found)
    authority, path_and_query = rest[2:authority_end], rest[authority_end:]
    netloc = _authority(authority, lowered)
    if netloc is None:
        return url
    path, question, query = path_and_query.partition("?")
    path = _without_dot_segments(_escapes(path)) or "/"  # %2E is a dot: decoded first (§6.2.2)
    normal = f"{lowered}://{netloc}{path}{question}{_escapes(query)}"
    return normal + hash_mark + fragment


def _authority(authority: str, scheme: str) -> str | None:
    """The authority with the host in lower case (punycode when internationalised) and the
    default port left out; None when it does not parse (the URL is kept as written)."""
    userinfo, at, host_port = authority.rpartition("@")
    try:
        parts = urlsplit(f"//{host_port}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    if ":" in host:
        host = f"[{host}]"
    port_text = "" if port is None or port == _DEFAULT_PORTS[scheme] else f":{port}"
    return f"{userinfo}{at}{host}{port_text}"


def _escapes(text: str) -> str:
    if "%" not in text:
        return text
    return _ESCAPE.sub(_normal_escape, text)


def _normal_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else f"%{match.group(1).upper()}"


def _without_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4's remove_dot_segments, for a path that has any."""
    if "." not in path or not any(segment in (".", "..") for segment in path.split("/")):
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output) if output != [""] else "/"

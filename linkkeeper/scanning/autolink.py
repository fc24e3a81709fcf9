"""GFM extended autolinks (bare ``http://``, ``https://``, ``ftp://`` and ``www.`` URLs, and
e-mail addresses).

A port of cmark-gfm's ``extensions/autolink.c`` (``www_match``, ``url_match``, ``check_domain``,
``autolink_delim``), run over raw source text as cmark-gfm does, so a URL may run over emphasis
markers (``https://example.com/*foo*`` -> ``https://example.com/*foo``). Two deliberate
deviations, both so that broken link syntax still yields its URL: text inside unclosed brackets is
scanned, and unbalanced trailing ``]`` and ``}`` are trimmed like ``)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

_CANDIDATE = re.compile(r"(?i:https?|ftp)://|www\.")
_WWW_PRECEDERS = frozenset("*_~(")
_TRAILING_PUNCTUATION = frozenset("?!.,:*_~'\"")
_CLOSERS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True, slots=True)
class BareUrl:
    """A bare URL found in a text: ``text[start:end]`` as written, and the URL it links to."""

    start: int
    end: int
    url: str


def _is_space(char: str) -> bool:
    return char.isspace()


def _is_punctuation(char: str) -> bool:
    if char.isascii():
        return not char.isalnum() and char.isprintable() and not char.isspace()
    return unicodedata.category(char).startswith(("P", "S"))


def _check_domain(text: str, start: int, end: int, allow_short: bool) -> int:
    """Length of the valid domain at ``text[start:end]``, or 0 (cmark-gfm's ``check_domain``)."""
    size = end - start
    if size <= 0:
        return 0  # nothing after "://" (cmark-gfm's caller rules this out before asking)
    underscores_last = underscores_before_last = dots = 0
    i = 1
    while i < size - 1:
        char = text[start + i]
        if char == "\\" and i < size - 2:
            i += 1
            char = text[start + i]
        if char == "_":
            underscores_last += 1
        elif char == ".":
            underscores_before_last = underscores_last
            underscores_last = 0
            dots += 1
        elif _is_space(char) or (_is_punctuation(char) and char != "-"):
            break
        i += 1
    if underscores_before_last or underscores_last:
        return 0
    if allow_short:
        return i
    return i if dots else 0


def _delimit(text: str, start: int, end: int) -> int:
    """Where the URL at ``text[start:end]`` really ends (cmark-gfm's ``autolink_delim``)."""
    lt = text.find("<", start, end)
    if lt != -1:
        end = lt
    # Counted once and kept as the end moves back, not recounted per closer: a URL followed by
    # 400,000 ")" took 67 s.
    segment = text[start:end]
    counts = {char: segment.count(char) for pair in _CLOSERS.items() for char in pair}
    while end > start:
        char = text[end - 1]
        if char in _CLOSERS:
            if counts[char] <= counts[_CLOSERS[char]]:
                return end
            counts[char] -= 1
            end -= 1
        elif char in _TRAILING_PUNCTUATION:
            end -= 1
        elif char == ";":
            cut = end - 2
            while cut > start and text[cut].isalnum() and text[cut].isascii():
                cut -= 1
            if cut < end - 2 and text[cut] == "&":
                end = cut
            else:
                end -= 1
        else:
            return end
    return end


def _run_end(text: str, position: int, limit: int) -> int:
    while position < limit and not text[position].isspace() and text[position] != "<":
        position += 1
    return position


def find_bare_urls(
    text: str, start: int = 0, end: int | None = None, *, at_line_start: bool = True
) -> Iterator[BareUrl]:
    """Yield the GFM bare URLs in ``text[start:end]``; a URL never starts inside an earlier one.

    ``at_line_start`` says whether ``text[start]`` follows a line start (or whitespace) in the
    document; when false, the character before ``start`` decides, as in the real source.
    """
    limit = len(text) if end is None else end
    taken = start
    for match in _CANDIDATE.finditer(text, start, limit):
        begin = match.start()
        if begin < taken:
            continue
        found = (
            _match_www(text, begin, start, limit, at_line_start)
            if match.group() == "www."
            else (_match_scheme(text, begin, match.end(), start, limit))
        )
        if found is not None:
            taken = found.end
            yield found


def _match_www(text: str, begin: int, start: int, limit: int, at_line_start: bool) -> BareUrl | None:
    if begin > start or not at_line_start:
        before = text[begin - 1] if begin > 0 else "\n"
        if before not in _WWW_PRECEDERS and not before.isspace():
            return None
    domain = _check_domain(text, begin, limit, allow_short=False)
    if not domain:
        return None
    stop = _delimit(text, begin, _run_end(text, begin + domain, limit))
    if stop <= begin:
        return None
    return BareUrl(begin, stop, "http://" + text[begin:stop])


def _match_scheme(text: str, begin: int, after: int, start: int, limit: int) -> BareUrl | None:
    if begin > start and text[begin - 1].isalpha() and text[begin - 1].isascii():
        return None  # the scheme must be the whole alphabetic run before ':' ("xhttp://" is not)
    if after >= limit or not (text[after].isascii() and text[after].isalnum()):
        return None  # cmark-gfm's sd_autolink_issafe: "://" is followed by an ASCII letter or digit
    domain = _check_domain(text, after, limit, allow_short=True)
    if not domain:
        return None
    stop = _delimit(text, begin, _run_end(text, after + domain, limit))
    if stop <= after:
        return None
    return BareUrl(begin, stop, text[begin:stop])


# -- e-mail addresses ---------------------------------------------------------------------------

_PROTOCOLS = ("mailto:", "xmpp:")


@dataclass(frozen=True, slots=True)
class Email:
    """An e-mail address GFM links in a text: ``text[start:end]`` and the URL it links to
    (``mailto:`` added unless written with ``mailto:`` or ``xmpp:``)."""

    start: int
    end: int
    url: str


def _ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _protocol_before(text: str, colon: int, floor: int) -> str | None:
    """The protocol (``mailto:`` or ``xmpp:``) ending at ``text[colon]``, standing alone: at
    ``floor`` (where the rewind may go no further) or after a character that is not alphanumeric
    (cmark-gfm's ``validate_protocol``; case-sensitive, as there)."""
    for protocol in _PROTOCOLS:
        begin = colon + 1 - len(protocol)
        if begin < floor or not text.startswith(protocol, begin):
            continue
        if begin == floor or not _ascii_alnum(text[begin - 1]):
            return protocol
    return None


def find_emails(text: str) -> Iterator[Email]:
    """Yield the e-mail autolinks of one text node, as cmark-gfm's autolink extension finds them
    (``postprocess_text``). ``text`` is the node's decoded text (escapes and entities resolved),
    never a stretch crossing emphasis, code, links or line breaks: cmark-gfm links within one
    text node only. Local part: ASCII letters, digits and ``.+-_``, optionally after a
    ``mailto:`` or ``xmpp:`` standing alone; domain: ASCII letters, digits, ``-`` and ``_`` with
    at least one ``.`` followed by a letter or digit, ending in a letter (``xmpp:`` addresses
    may also hold ``/``). A second ``@`` restarts the match after the first one."""
    size = len(text)
    floor = 0  # the rewind never goes before this: the end of the last link, or a failed "@"
    at = text.find("@", floor)
    while at != -1:
        auto_mailto, is_xmpp = True, False
        rewind_to = at
        while rewind_to > floor:
            char = text[rewind_to - 1]
            if _ascii_alnum(char) or char in ".+-_":
                rewind_to -= 1
                continue
            if char == ":":
                protocol = _protocol_before(text, rewind_to - 1, floor)
                if protocol is not None:
                    auto_mailto = False
                    is_xmpp = is_xmpp or protocol == "xmpp:"
                    rewind_to -= 1
                    continue
            break
        if rewind_to == at:
            floor = at + 1
            at = text.find("@", floor)
            continue
        end, dots, again = at + 1, 0, -1
        while end < size:
            char = text[end]
            if _ascii_alnum(char):
                end += 1
            elif char == "@":
                again = end
                break
            elif char == "." and end + 1 < size and _ascii_alnum(text[end + 1]):
                dots += 1
                end += 1
            elif (char == "/" and is_xmpp) or char in "-_":
                end += 1
            else:
                break
        if again != -1:  # a second "@": try again from it, rewinding no further than the first
            floor = at + 1
            at = again
            continue
        last = text[end - 1]
        if end - at < 2 or not dots or not ((last.isascii() and last.isalpha()) or last == "."):
            floor = at + 1
            at = text.find("@", floor)
            continue
        while end > at and text[end - 1] in _TRAILING_PUNCTUATION:
            end -= 1  # autolink_delim; the checks above leave it little to trim
        if end == at:
            floor = at + 1
            at = text.find("@", floor)
            continue
        address = text[rewind_to:end]
        yield Email(rewind_to, end, "mailto:" + address if auto_mailto else address)
        floor = end
        at = text.find("@", floor)

"""Rewriting links in place: plan edits on verified spans, escape each for its syntax, splice, prove
the result by scanning it again, and write atomically. Nothing outside the edited spans changes.

Only spans the scanner verified are touched (never front matter, never code, never a link already
on an archive host). After splicing, the new text is scanned again and must yield the same links
with the new URLs — or the file is left alone and the problem reported. A file that changed since
it was scanned (content hash) is refused. Writes go to a temporary file in the same folder, are
fsynced, keep the mode, the BOM and the line endings, and replace the original in one rename, so a
crash leaves the old file or the new one, never half of either.
"""

from __future__ import annotations

import difflib
import glob
import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from linkkeeper.models import Edit, Flag, Kind, Occurrence, Syntax
from linkkeeper.scan.autolink import find_bare_urls
from linkkeeper.scan.destination import skip_to_destination
from linkkeeper.scan.markdown import extract

ARCHIVE_HOSTS = frozenset(
    {
        "web.archive.org", "archive.org", "wayback.archive.org", "archive.today", "archive.ph", "archive.is",
        "archive.li", "archive.md", "archive.vn", "webcitation.org", "www.webcitation.org", "arquivo.pt",
        "webarchive.org.uk", "www.webarchive.org.uk",
    }
)  # fmt: skip
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_TITLE_CLOSERS = {'"': '"', "'": "'", "(": ")"}


class RewriteRefused(Exception):
    """A file that cannot be rewritten safely; the message says why, and the file is untouched."""


def on_archive_host(url: str) -> bool:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False  # "https://a[b" and the like: no host at all, let alone an archive's
    return host in ARCHIVE_HOSTS or host.endswith(".archive.org")


def without_fragment(url: str) -> str:
    """``url`` without its ``#fragment``, as ``check`` keyed it; a URL urllib cannot split
    (``https://a[b``) is kept whole: it was never checked, so no replacement is keyed by it."""
    try:
        return urldefrag(url)[0]
    except ValueError:
        return url


def with_fragment(new_url: str, original: str) -> str:
    """Keep the original's ``#fragment`` on the new URL."""
    _, fragment = urldefrag(original)
    return f"{new_url}#{fragment}" if fragment and "#" not in new_url else new_url


# -- escaping per syntax --------------------------------------------------------------------------


def _balanced(url: str) -> bool:
    depth = 0
    for char in url:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


def angle_destination(url: str) -> str:
    escaped = url.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>")
    return "<" + _ENTITY_LIKE.sub("\\&", escaped) + ">"


def raw_destination(url: str) -> str:
    """A Markdown link destination that decodes to exactly ``url``."""
    if not url or any(char <= " " or char == "\x7f" for char in url) or url.startswith("<"):
        return angle_destination(url)
    escaped = url.replace("\\", "\\\\")
    if not _balanced(url):
        escaped = escaped.replace("(", "\\(").replace(")", "\\)")
    return _ENTITY_LIKE.sub("\\&", escaped)


def autolink_text(url: str) -> str:
    return url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def html_value(url: str, quote: str) -> str:
    escaped = url.replace("&", "&amp;")
    return escaped.replace('"', "&quot;") if quote == '"' else escaped.replace("'", "&#39;")


def encode(occ: Occurrence, url: str, text: str) -> tuple[str, Kind]:
    """The text that replaces ``occ``'s span so that it reads back as ``url`` (autolinks: with
    spaces and angle brackets percent-encoded), and the kind it will then be scanned as (a bare URL
    that would not read back the same becomes an autolink). E-mail addresses are never rewritten."""
    if occ.kind is Kind.EMAIL:
        raise RewriteRefused(f"{occ.path}:{occ.line}:{occ.column}: e-mail addresses are never rewritten")
    if occ.syntax is Syntax.RAW:
        return raw_destination(url), occ.kind
    if occ.syntax is Syntax.ANGLE:
        return angle_destination(url)[1:-1], occ.kind
    if occ.syntax is Syntax.AUTOLINK:
        return autolink_text(url), occ.kind
    if occ.syntax is Syntax.BARE:
        line_end = text.find("\n", occ.end)
        following = text[occ.end : len(text) if line_end == -1 else line_end]
        before = text[occ.start - 1] if occ.start else "\n"
        found = list(find_bare_urls(before + url + following, 1))
        if found and found[0].start == 1 and found[0].end == 1 + len(url) and found[0].url == url:
            return url, Kind.BARE_URL
        return f"<{autolink_text(url)}>", Kind.AUTOLINK
    if occ.syntax is Syntax.HTML_DOUBLE_QUOTED:
        return html_value(url, '"'), occ.kind
    if occ.syntax is Syntax.HTML_SINGLE_QUOTED:
        return html_value(url, "'"), occ.kind
    if occ.syntax is Syntax.HTML_UNQUOTED:
        return '"' + html_value(url, '"') + '"', occ.kind
    raise RewriteRefused(f"{occ.path}:{occ.line}:{occ.column}: {occ.syntax.value} links are never rewritten")


# -- annotate: where a link construct ends ----------------------------------------------------------


def _after_title(text: str, position: int) -> int | None:
    """Past an optional link title and the closing parenthesis of an inline link."""
    limit = len(text)
    position = skip_to_destination(text, position, limit)
    if position < limit and text[position] in _TITLE_CLOSERS:
        closer = _TITLE_CLOSERS[text[position]]
        position += 1
        while position < limit and text[position] != closer:
            position += 2 if text[position] == "\\" else 1
        position += 1
        position = skip_to_destination(text, position, limit)
    return position + 1 if position < limit and text[position] == ")" else None


def annotation_point(text: str, occ: Occurrence) -> int | None:
    """Where an annotation goes: after the whole link; None where annotating is not possible."""
    if occ.kind in (Kind.INLINE, Kind.IMAGE):
        return _after_title(text, occ.end + (1 if occ.syntax is Syntax.ANGLE else 0))
    if occ.kind is Kind.AUTOLINK:
        return occ.end + 1
    if occ.kind is Kind.BARE_URL:
        return occ.end
    return None


# -- planning, applying, proving ------------------------------------------------------------------


def plan(
    text: str,
    occurrences: Iterable[Occurrence],
    replacements: Mapping[str, tuple[str, str]],
    *,
    style: str,
    annotation: str,
    malformed: bool = False,
) -> tuple[list[Edit], list[str]]:
    """Edits for the occurrences whose URL (fragment aside) has a replacement ``(new URL, reason)``,
    and with ``malformed`` for the malformed ones (``https:/host``: written as browsers read
    them); and notes for the ones left alone."""
    edits: list[Edit] = []
    notes: list[str] = []
    seen_spans: set[tuple[int, int]] = set()
    marker = annotation.split("{archive}", 1)[0]
    for occ in occurrences:
        if occ.kind is Kind.EMAIL:
            continue  # a bare e-mail address: never checked, never rewritten
        target = without_fragment(occ.url)
        if target in replacements and not on_archive_host(occ.url):
            new_url, reason = replacements[target]
        elif malformed and Flag.MALFORMED in occ.flags:
            new_url, reason = occ.url, "malformed"  # the URL as read: what the span should say
        else:
            continue
        place = f"{occ.path}:{occ.line}:{occ.column}"
        if not occ.rewritable:
            why = "front matter" if occ.kind is Kind.FRONT_MATTER else "span not verified"
            notes.append(f"{place}: {occ.url}: left alone ({why})")
            continue
        new_url = with_fragment(new_url, occ.url)
        point = annotation_point(text, occ) if style == "annotate" and reason == "dead" else None
        if point is not None:
            if text.startswith(marker, point) and "archive" in text[point : point + len(marker) + 40]:
                continue  # annotated already: fix is a no-op the second time
            if (point, point) in seen_spans:
                continue
            seen_spans.add((point, point))
            new = annotation.format(archive=raw_destination(new_url))
            edits.append(Edit(occ.path, point, point, "", new, occ.url, new_url, reason, occ.line, occ.column, True))
            continue
        if (occ.start, occ.end) in seen_spans:
            continue
        seen_spans.add((occ.start, occ.end))
        new, kind = encode(occ, new_url, text)
        reads_as = autolink_text(new_url) if kind is Kind.AUTOLINK else new_url
        edits.append(Edit(occ.path, occ.start, occ.end, occ.raw, new, occ.url, new_url, reason, occ.line, occ.column,
                          expected_kind=kind, expected_url=reads_as))  # fmt: skip
    edits.sort(key=lambda edit: (edit.start, edit.end))
    for before, after in pairwise(edits):
        if after.start < before.end:
            raise RewriteRefused(f"{before.path}: overlapping edits at {before.line}:{before.column}")
    return edits, notes


def apply(text: str, edits: Sequence[Edit]) -> str:
    pieces: list[str] = []
    position = 0
    for edit in edits:
        pieces.append(text[position : edit.start])
        pieces.append(edit.new)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def verify(old_text: str, new_text: str, edits: Sequence[Edit], old: Sequence[Occurrence], path: str) -> None:
    """The new text must hold the same bytes outside the spans and the same links with the new URLs."""
    shift = 0
    position = 0
    for edit in edits:
        if old_text[position : edit.start] != new_text[position + shift : edit.start + shift]:
            raise RewriteRefused(f"{path}: text outside the edits changed")  # pragma: no cover - by construction
        shift += len(edit.new) - (edit.end - edit.start)
        position = edit.end
    if old_text[position:] != new_text[position + shift :]:
        raise RewriteRefused(f"{path}: text outside the edits changed")  # pragma: no cover - by construction
    expected = Counter((occ.kind, occ.url) for occ in old)
    for edit in edits:
        if edit.annotation:
            expected[(Kind.INLINE, edit.new_url)] += 1
        else:
            kind = next(occ.kind for occ in old if occ.start == edit.start and occ.end == edit.end)
            expected[(kind, edit.url)] -= 1
            expected[(edit.expected_kind, edit.expected_url or edit.new_url)] += 1
    found = Counter((occ.kind, occ.url) for occ in extract(new_text, path))
    if +expected != +found:
        missing = sorted(str(item) for item in (+expected - +found).elements())[:3]
        extra = sorted(str(item) for item in (+found - +expected).elements())[:3]
        raise RewriteRefused(
            f"{path}: the rewritten text would not read back as planned (missing {missing}, extra {extra})"
        )


def write_atomic(path: Path, text: str, *, has_bom: bool, expected_sha256: str | None) -> list[str]:
    """Replace ``path`` with ``text`` in one rename, refusing a file that changed since it was read,
    and return what the caller should be told.

    - A symbolic link is written through: its target is replaced, the link stays a link.
    - Another writer is never lost: the file is held open from the hash check to after the
      rename, so bytes written to it meanwhile are seen. An append is carried over to the new
      file; any other change puts the other writer's version back and refuses the rewrite.
    OSErrors (a read-only folder) are the caller's to report.
    """
    notes: list[str] = []
    target = path
    if path.is_symlink():
        target = path.resolve(strict=True)
        notes.append(f"{path}: written through the symbolic link to {target}")
    with open(target, "rb") as current:  # the file as it is now, whatever is renamed over it
        data = current.read()
        if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
            raise RewriteRefused(f"{path}: changed since it was scanned; run fix again")
        _replace(target, (b"\xef\xbb\xbf" if has_bom else b"") + text.encode("utf-8"))
        current.seek(0)
        meanwhile = current.read()
    if meanwhile == data:
        return notes
    if meanwhile.startswith(data):  # appended to while being rewritten: the lines go on at the end
        with open(target, "ab") as stream:
            stream.write(meanwhile[len(data) :])
            os.fsync(stream.fileno())
        return [*notes, f"{path}: {len(meanwhile) - len(data)} byte(s) appended during the rewrite were kept"]
    _replace(target, meanwhile)
    raise RewriteRefused(f"{path}: changed while being rewritten; the other change was kept; run fix again")


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files (``.NAME.*.linkkeeper``) a killed run left beside ``path``."""
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.linkkeeper"):
        if leftover.is_file() and not leftover.is_symlink():
            leftover.unlink(missing_ok=True)


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` (same mode), sync it, rename it over ``path``."""
    mode = path.stat().st_mode
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".linkkeeper")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def git_patch(path: str, old: str, new: str, *, has_bom: bool = False) -> str:
    """The change as a patch ``git apply`` takes (``-p1``, from the folder ``path`` is relative to)
    and that gives, applied, the very bytes ``fix`` writes: lines end at ``\n`` only (a lone CR, a
    form feed or U+2028 is a line's content, as git reads it), a last line without a newline says
    so, and a BOM is the first line's first bytes."""
    prefix = "\ufeff" if has_bom else ""
    before, after = _git_lines(prefix + old), _git_lines(prefix + new)
    lines = list(difflib.unified_diff(before, after, f"a/{path}", f"b/{path}"))
    if not lines:
        return ""
    body = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return f"diff --git a/{path} b/{path}\n{body}"


def _git_lines(text: str) -> list[str]:
    pieces = text.split("\n")
    return [piece + "\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])

"""Rewriting links in place: plan edits on verified spans, escape each for its syntax, splice, prove
the result by scanning it again, and write atomically. Nothing outside the edited spans changes.

Only spans the scanner verified are touched (never front matter, never code, never a link already
on an archive host). After splicing, the new text is scanned again and must yield the same links
with the new URLs — or the file is left alone and the problem reported. A file that changed since
it was scanned (content hash) is refused. Writes go to a temporary file in the same folder, are
fsynced, keep the mode, the BOM and the line endings, and replace the original in one rename, so a
crash leaves the old file or the new one, never half of either. The rename is an exchange where
the system has one (Linux): an editor's save by rename that lands meanwhile is displaced, not
lost, and goes back (``write_atomic`` says what remains elsewhere). A file with more than one hard
link is refused: a new file would leave its other names with the old text, and writing in place
would give up the all-or-nothing write.
"""

from __future__ import annotations

import contextlib
import ctypes
import difflib
import errno
import glob
import hashlib
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import cast
from urllib.parse import urldefrag, urlsplit

from linkkeeper.models import Edit, Flag, Kind, Occurrence, Syntax
from linkkeeper.scanning.autolink import find_bare_urls
from linkkeeper.scanning.destination import skip_to_destination
from linkkeeper.scanning.markdown import extract

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
        missing = sorted(f"{kind.value} {url}" for kind, url in (+expected - +found).elements())[:3]
        extra = sorted(f"{kind.value} {url}" for kind, url in (+found - +expected).elements())[:3]
        raise RewriteRefused(
            f"{path}: the rewritten text would not read back as planned"
            f" (missing: {', '.join(missing) or 'none'}; extra: {', '.join(extra) or 'none'})"
        )


def write_atomic(path: Path, text: str, *, has_bom: bool, expected_sha256: str | None) -> list[str]:
    """Replace ``path`` with ``text`` in one rename, refusing a file that changed since it was read,
    and return what the caller should be told.

    - A symbolic link is written through: its target is replaced, the link stays a link.
    - A file with more than one hard link is refused: a new file would split the names.
    - Another writer is not lost. In place: the file is held open from the hash check to after the
      rename, so bytes written to it meanwhile are seen; an append is carried over to the new file,
      any other change puts the other writer's file back and refuses the rewrite. By rename (an
      editor's save): the new file is exchanged with whatever the path names at that instant
      (Linux ``renameat2(RENAME_EXCHANGE)``), so the file displaced is never unlinked unseen; if it
      is not the file that was read, it is exchanged back (as is any save that lands meanwhile) and
      the rewrite refused.

    What remains: bytes written through a descriptor of the old file after its last read go with
    it (as with any save by rename); where the exchange is not available (not Linux, or a file
    system without it) the path is checked just before a plain rename, and an editor's save that
    lands between that check and the rename (microseconds) is replaced.
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
        original = os.fstat(current.fileno())
        if original.st_nlink > 1:
            raise RewriteRefused(
                f"{path}: has {original.st_nlink} hard links; fix would split them (the other names would keep"
                " the old text); rewrite skipped"
            )
        payload = (b"\xef\xbb\xbf" if has_bom else b"") + text.encode("utf-8")
        ours, temporary = _write_temporary(target, payload, original.st_mode)
        exchanged = False
        try:
            exchanged = _swap_in(path, temporary, target, _identity(original), _identity(os.fstat(ours)))
            current.seek(0)
            meanwhile = current.read()
            if meanwhile == data:
                return notes
            if meanwhile.startswith(data):  # appended to while being rewritten: the lines go on at the end
                with open(ours, "ab", closefd=False) as stream:
                    stream.write(meanwhile[len(data) :])
                os.fsync(ours)
                return [*notes, f"{path}: {len(meanwhile) - len(data)} byte(s) appended during the rewrite were kept"]
            if exchanged:  # the original, changed in place, is under the temporary name: it goes back
                raise RewriteRefused(_changed(path, _give_back(temporary, target, _identity(os.fstat(ours)))))
            _replace_unless_replaced(target, meanwhile, original.st_mode, _identity(os.fstat(ours)))
            raise RewriteRefused(_changed(path, None))
        finally:
            os.close(ours)
            if exchanged:  # the file read, now under the temporary name; unless it went back
                _unlink_if(temporary, _identity(original))
            _sync_folder(target.parent)


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100
_NO_EXCHANGE = frozenset({errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP})
_GIVE_BACK_TRIES = 16


def _load_renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None  # pragma: no cover - the tests run on Linux
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # pragma: no cover - a C library older than glibc 2.28
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return cast("Callable[[int, bytes, int, bytes, int], int]", function)


_RENAMEAT2 = _load_renameat2()


def _exchange(first: str | Path, second: str | Path) -> None:
    """Swap what two names in one folder point to, in one step: nothing is unlinked, so whatever
    ``second`` names at that instant survives under ``first``. OSError where the system cannot."""
    if _RENAMEAT2 is None:  # pragma: no cover - the tests run on Linux
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(second))


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _changed(path: Path, kept: str | None) -> str:
    if kept is None:
        return f"{path}: changed while being rewritten; the other change was kept; run fix again"
    return f"{path}: changed again and again while being rewritten; the other changes were kept (one as {kept})"


def _write_temporary(target: Path, data: bytes, mode: int) -> tuple[int, str]:
    """A synced temporary file beside ``target`` holding ``data``, with ``mode``; its descriptor stays open."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".linkkeeper")
    try:
        os.fchmod(handle, mode & 0o7777)
        with open(handle, "wb", closefd=False) as stream:
            stream.write(data)
        os.fsync(handle)
    except BaseException:
        os.close(handle)
        os.unlink(temporary)
        raise
    return handle, temporary


def _swap_in(path: Path, temporary: str, target: Path, original: tuple[int, int], ours: tuple[int, int]) -> bool:
    """Put the temporary file at ``target``, which must still be the file read (``original``).
    True when exchanged (the original is now under the temporary name), False when renamed over
    it (no exchange here). Refused, with the other writer's file at ``target``, when it is not."""
    try:
        _exchange(temporary, target)
    except OSError as error:
        if error.errno not in _NO_EXCHANGE:
            Path(temporary).unlink(missing_ok=True)  # gone too if another run took it for a leftover
            if error.errno == errno.ENOENT:
                raise RewriteRefused(f"{path}: moved or removed while being rewritten; run fix again") from None
            raise
        return _replace_if(path, temporary, target, original)
    displaced = _identity(os.lstat(temporary))
    if displaced != original:  # saved by rename since it was read: that save goes back, ours goes
        raise RewriteRefused(_changed(path, _give_back(temporary, target, ours)))
    return True


def _replace_if(path: Path, temporary: str, target: Path, original: tuple[int, int]) -> bool:
    """Without an exchange: rename over ``target`` if it is still ``original`` (checked just before)."""
    try:
        still = _identity(os.stat(target)) == original
    except FileNotFoundError:
        os.unlink(temporary)
        raise RewriteRefused(f"{path}: moved or removed while being rewritten; run fix again") from None
    if not still:
        os.unlink(temporary)
        raise RewriteRefused(_changed(path, None))
    try:
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return False


def _give_back(temporary: str, target: Path, ours: tuple[int, int]) -> str | None:
    """The temporary name holds another writer's version and ``target`` ours: exchange them back.
    A save that lands on ``target`` meanwhile is displaced by that exchange; it is newer, so it is
    exchanged back in turn, and the version it superseded removed. None when the newest version
    is at ``target`` and nothing else is left; else (saves kept landing, exchange after exchange)
    the name the last one displaced is kept under, beside ``target``."""
    expected = ours  # what the next exchange should displace
    for _ in range(_GIVE_BACK_TRIES):
        placing = _identity(os.lstat(temporary))
        try:
            _exchange(temporary, target)
        except FileNotFoundError:  # the path was moved away meanwhile: ours is gone with it
            with contextlib.suppress(FileExistsError):  # a newer file there wins
                os.link(temporary, target)
            os.unlink(temporary)
            return None
        if _identity(os.lstat(temporary)) == expected:
            os.unlink(temporary)  # ours, or a version a newer save superseded
            return None
        expected = placing
    kept = f"{target}.{os.getpid()}.kept"  # not a leftover's name: the next run leaves it
    os.rename(temporary, kept)
    return kept


def _replace_unless_replaced(target: Path, data: bytes, mode: int, ours: tuple[int, int]) -> None:
    """Without an exchange: put ``data`` (another writer's change in place) back at ``target``, unless
    a save by rename replaced our file meanwhile (that one is newer and stays)."""
    handle, temporary = _write_temporary(target, data, mode)
    os.close(handle)
    with contextlib.suppress(RewriteRefused):
        _replace_if(target, temporary, target, ours)


def _unlink_if(name: str, identity: tuple[int, int]) -> None:
    with contextlib.suppress(FileNotFoundError):
        if _identity(os.lstat(name)) == identity:
            os.unlink(name)


def _sync_folder(folder: Path) -> None:
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files (``.NAME.*.linkkeeper``) a killed run left beside ``path``."""
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.linkkeeper"):
        if leftover.is_file() and not leftover.is_symlink():
            leftover.unlink(missing_ok=True)


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

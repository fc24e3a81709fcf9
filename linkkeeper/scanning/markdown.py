"""Every URL in one Markdown text, with its exact span: the heart of the scanner.

pyromark (pulldown-cmark) decides structure: what is a link, an image, code, raw HTML or front
matter. Each destination is then located in the raw source and verified by decoding it and
comparing with the parser's ``dest_url``; a span that cannot be verified is flagged
``span-unverified`` and is never rewritten. Bare URLs are found in the raw text runs between other
inline constructs (see ``autolink``), bare e-mail addresses in the parser's decoded text, HTML
attributes by ``html``. Maths (``$…$``) never hides a link whose brackets or destination it
would cross, as on GitHub.
"""

from __future__ import annotations

import bisect
import html
import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyromark

from linkkeeper.models import Checkable, Flag, Kind, Occurrence, Position, Syntax
from linkkeeper.scanning import liquid
from linkkeeper.scanning.autolink import BareUrl, find_bare_urls, find_emails
from linkkeeper.scanning.classify import Classification, browser_reading, classify
from linkkeeper.scanning.destination import scan_destination, skip_to_destination, unescape, unescape_mapped
from linkkeeper.scanning.html import find_html_urls
from linkkeeper.scanning.source import OffsetMap
from linkkeeper.scanning.suppress import Directive, find_directives, suppress

_BASE_OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_YAML_STYLE_METADATA_BLOCKS
    | pyromark.Options.ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS
    | pyromark.Options.ENABLE_HEADING_ATTRIBUTES
)
_INLINE_STYLES = frozenset({"Emphasis", "Strong", "Strikethrough", "Superscript", "Subscript"})
_DEFINITION_LINE = re.compile(r"^[ \t>*+\-0-9.)]*\[((?:[^\\\[\]\n]|\\.){1,999})\]:", re.MULTILINE)
_BROKEN_SYNTAX_BEFORE = re.compile(r"(?:[\]}][ \t]?\(|(?<!\\)<)$")
_CONTAINERS = frozenset(
    {"BlockQuote", "List", "Item", "FootnoteDefinition", "Table", "DefinitionList", "DefinitionListDefinition"}
)
# Two literal patterns, not one alternation: the regex engine finds a literal with a fast search,
# but tries an alternation at every byte (five times slower over a whole file).
_BARE_URL_HINTS = (re.compile(rb"://"), re.compile(rb"www\."))
_LABEL_SPACE = re.compile(r"\s+")
_LONE_CR = re.compile(r"\r(?!\n)")
_TEXT_LIMIT = 200
# What a "$" that opened maths across a link's boundary becomes in the parsed copy: a fullwidth
# dollar, punctuation to CommonMark as "$" is (same emphasis flanking), but never a maths delimiter.
_UNMATHS = "\uff04"
_MATHS = frozenset({"InlineMath", "DisplayMath"})
_EXACT_MATHS_ROUNDS = 2  # rounds that take only the opening "$" of a formula across a link
_MATHS_ROUNDS = 5  # then maths is off for the text: every link wins
_EMAIL_NOT_CHECKED = Classification(Checkable.NO, "e-mail address; not checked")
_WELL_FORMED_WEB_URL = re.compile(r"https?://[^/\\]")  # the common case: never malformed


def parser_options(*, math: bool) -> pyromark.Options:
    return _BASE_OPTIONS | pyromark.Options.ENABLE_MATH if math else _BASE_OPTIONS


def lone_cr_as_lf(text: str) -> str:
    """The text to hand pyromark: a lone CR is a line ending like LF (CommonMark), but
    pulldown-cmark's heading-attribute scan reads past it and swallows the lines after it (13
    links of the sample page with mixed endings were lost). One byte for one: offsets hold."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text


def normalize_label(label: str) -> str:
    """CommonMark's label matching: Unicode case fold, inner whitespace collapsed."""
    return _LABEL_SPACE.sub(" ", label.strip()).casefold()


@dataclass(slots=True)
class _LinkFrame:
    kind: Kind
    link_type: str
    dest: str
    label: str
    start: int
    end: int
    text_end: int
    is_alt_text: bool
    text: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Walk:
    """What one walk over the events leaves for the passes after it (byte offsets)."""

    runs: list[_TextRun]
    metadata: list[tuple[int, int]]
    emails: list[tuple[str, int, int]]
    maths: list[tuple[int, int]]


@dataclass(slots=True)
class _TextRun:
    """A stretch of inline text between other constructs, where bare URLs may appear."""

    start: int
    end: int
    at_line_start: bool


class _Extractor:
    def __init__(self, text: str, path: str, *, use_liquid: bool, math: bool) -> None:
        self.text = text
        self.path = path
        self.masked = lone_cr_as_lf(liquid.mask(text) if use_liquid else text)
        self.offsets = OffsetMap(self.masked)
        self.options = parser_options(math=math)
        self.unmathed = False  # whether some "$" became _UNMATHS in the parsed copy
        self.occurrences: list[Occurrence] = []
        self.usages: dict[str, list[Position]] = {}
        self._covered: list[tuple[int, int]] | None = None
        # Byte ranges inside text runs that are not text (line breaks, container prefixes such as
        # "> "), in document order: a bare URL never runs across one.
        self._blanks: list[tuple[int, int]] = []
        self.directives: list[Directive] = []  # suppression comments, found in the parser's HTML

    # -- helpers -------------------------------------------------------------------------------

    def _emit(
        self,
        start: int,
        end: int,
        kind: Kind,
        syntax: Syntax,
        url: str,
        text: str,
        flags: Iterable[Flag] = (),
        label: str | None = None,
        usages: tuple[Position, ...] = (),
    ) -> None:
        if ":" in url and not _WELL_FORMED_WEB_URL.match(url):
            reading = browser_reading(url)
            if reading is not None:  # "https:/host": checked (and fixed) as browsers read it
                url, flags = reading, (*flags, Flag.MALFORMED)
        verdict = classify(url)
        if kind is Kind.EMAIL and verdict.checkable is not Checkable.NO:
            verdict = _EMAIL_NOT_CHECKED  # ".mailto:a@b.co" links somewhere odd, but never a page to check
        line, column = self.offsets.line_column(start)
        all_flags = tuple(dict.fromkeys((*flags, *verdict.flags))) if flags else verdict.flags
        raw = self.text[start:end]
        raw = url if raw == url else raw  # one string, not two equal ones: 200,000 links hold 12 MB less
        self.occurrences.append(
            Occurrence(
                path=self.path,
                line=line,
                column=column,
                start=start,
                end=end,
                kind=kind,
                syntax=syntax,
                raw=raw,
                url=url,
                text=text[:_TEXT_LIMIT],
                checkable=verdict.checkable,
                reason=verdict.reason,
                flags=all_flags,
                label=label,
                usages=usages,
            )
        )

    def _locate(self, position: int, limit: int, dest: str) -> tuple[int, int, Syntax] | None:
        """Find the destination starting near ``position`` whose decoding is ``dest``."""
        start = skip_to_destination(self.masked, position, limit)
        span = scan_destination(self.masked, start, limit)
        if span is not None and unescape(self.masked[span.start : span.end]) == dest:
            return span.start, span.end, span.syntax
        return None

    # -- the walk ------------------------------------------------------------------------------

    def run(self) -> list[Occurrence]:
        # A "$" that opens maths across a link's boundary loses to the link, as on GitHub
        # (axios's "[$http service](https://…/service/$http)"): it is made an ordinary character
        # and the text walked again, where its partner may pair with a later "$". After a few
        # such rounds (texts built to need one per link) both delimiters go at once, and in the
        # end maths itself: the walks stay few on any input.
        walk = self._walk()
        rounds = 0
        while walk.maths:
            across = self._maths_across_links(walk.maths)
            if not across:
                break
            rounds += 1
            if rounds > _MATHS_ROUNDS:
                self.options = parser_options(math=False)
                walk = self._walk()
                break
            self._unmath(across, both=rounds > _EXACT_MATHS_ROUNDS)
            walk = self._walk()
        char = self.offsets.char
        # Byte offsets of "://" and "www.": a run without one holds no bare URL. Runs and hints
        # are both in document order, so one walk pairs them.
        hints = _hint_offsets(self.masked.encode()) if walk.runs else []
        next_hint, hint_count = 0, len(hints)
        for text_run in walk.runs:
            while next_hint < hint_count and hints[next_hint] < text_run.start:
                next_hint += 1
            if next_hint == hint_count:
                break
            if hints[next_hint] < text_run.end:
                self._bare_urls(text_run)
        if walk.emails:
            self._emails(walk.emails)
        for meta_start, meta_end in walk.metadata:
            self._front_matter(char(meta_start), char(meta_end))
        self._definitions()
        self.occurrences.sort(key=lambda occ: (occ.start, occ.end))
        return self.occurrences

    def _walk(self) -> _Walk:
        # The hot loop: every event passes here, so it keeps byte offsets and does the least it
        # can; offsets become characters only where an occurrence is made.
        self.occurrences, self.usages, self.directives, self._blanks = [], {}, [], []
        frames: list[_LinkFrame] = []
        runs: list[_TextRun] = []
        run: _TextRun | None = None
        pending_blank = -1
        block_started = True
        html_block: list[tuple[str, int]] | None = None
        metadata: list[tuple[int, int]] = []
        emails: list[tuple[str, int, int]] = []  # top-level text events holding an "@"
        maths: list[tuple[int, int]] = []
        in_code = in_metadata = 0
        image_depth = 0
        byte_range: Any = {"start": 0, "end": 0}
        blanks = self._blanks

        events: Iterator[tuple[Any, Any]] = pyromark.events_with_range(
            self.masked, options=self.options, merge_text=True
        )
        for event, current in events:
            # The previous event's range is kept by reference: only a link's end needs it.
            previous_range, byte_range = byte_range, current
            if type(event) is str:
                last_end = byte_range["end"]
                if event == "Rule":
                    run = None
                    block_started = True
                elif run is not None and not frames:
                    run.end = last_end
                    blanks.append((byte_range["start"], last_end))
                    pending_blank = last_end
                continue
            text = event.get("Text")
            if text is not None:
                if frames:
                    frames[-1].text.append(text)
                    continue
                if in_code:
                    continue
                if in_metadata:
                    metadata.append((byte_range["start"], byte_range["end"]))
                    continue
                if "@" in text:
                    emails.append((text, byte_range["start"], byte_range["end"]))
                if run is None:
                    run = _TextRun(byte_range["start"], byte_range["end"], block_started)
                    runs.append(run)
                    block_started = False
                    pending_blank = -1  # a break that ended the previous run is not inside this one
                else:
                    if pending_blank != -1:
                        start = byte_range["start"]
                        if start > pending_blank:
                            blanks.append((pending_blank, start))
                        pending_blank = -1
                    run.end = byte_range["end"]
                continue
            tag = event.get("Start")
            if tag is not None:
                if type(tag) is str:
                    if tag in _INLINE_STYLES:
                        continue
                    if tag == "HtmlBlock":
                        html_block = []
                elif "Link" in tag or "Image" in tag:
                    is_image = "Image" in tag
                    data = tag["Image"] if is_image else tag["Link"]
                    start = byte_range["start"]
                    frames.append(
                        _LinkFrame(
                            kind=Kind.IMAGE if is_image else Kind.INLINE,
                            link_type=str(data["link_type"]),
                            dest=data["dest_url"],
                            label=data["id"],
                            start=start,
                            end=byte_range["end"],
                            text_end=start + (2 if is_image else 1),
                            is_alt_text=image_depth > 0,
                        )
                    )
                    image_depth += is_image
                    run = None
                    block_started = False
                    continue
                elif "CodeBlock" in tag:
                    in_code += 1
                elif "MetadataBlock" in tag:
                    in_metadata += 1
                run = None
                block_started = True
                continue
            tag = event.get("End")
            if tag is not None:
                if type(tag) is str:
                    if tag in _INLINE_STYLES:
                        continue
                    if tag == "Link" or tag == "Image":
                        frame = frames.pop()
                        previous_end = previous_range["end"]
                        if previous_end != frame.end:
                            frame.text_end = max(frame.text_end, previous_end)
                        if tag == "Image":
                            image_depth -= 1
                        if frames:
                            frames[-1].text.extend(frame.text)
                        if not frame.is_alt_text:
                            self._link(frame)
                        block_started = False
                        continue
                    if tag == "CodeBlock":
                        in_code -= 1
                    elif tag == "HtmlBlock" and html_block is not None:
                        self._html_pieces(html_block)
                        html_block = None
                elif "MetadataBlock" in tag:
                    in_metadata -= 1
                run = None
                block_started = True
                continue
            # Code, Html, InlineHtml, math, footnote references, task markers: not plain text.
            if html_block is not None and "Html" in event:
                html_block.append((event["Html"], byte_range["start"]))
                continue
            if "InlineHtml" in event:
                self._html_pieces([(event["InlineHtml"], byte_range["start"])])
            elif not _MATHS.isdisjoint(event):
                maths.append((byte_range["start"], byte_range["end"]))
            if frames:
                if "Code" in event:
                    frames[-1].text.append(event["Code"])
                continue
            run = None
            block_started = False
        return _Walk(runs, metadata, emails, maths)

    # -- maths against links ---------------------------------------------------------------------

    def _maths_across_links(self, maths: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
        """The maths spans (byte ranges) that reach into a link's destination, or across its
        brackets, in a parse without maths (there the link wins), each with whether its opening
        ``$`` is in a reference link's label (where changing it would unmatch the label). Maths
        wholly inside a link's text (``[$x$](url)``), or wholly around link-like syntax
        (``$$ [\\psi](\\mathbf{L}) $$``), stays maths."""
        links: list[tuple[int, int, int, bool]] = []  # start, text end, end, reference; outer first
        opened: list[int] = []
        previous_end = 0
        events: Iterator[tuple[Any, Any]] = pyromark.events_with_range(self.masked, options=parser_options(math=False))
        for event, byte_range in events:
            if type(event) is dict:
                tag = event.get("Start")
                if type(tag) is dict and ("Link" in tag or "Image" in tag):
                    link_type = (tag.get("Link") or tag["Image"])["link_type"]
                    autolink = link_type in ("Autolink", "Email")  # its text is its URL
                    reference = not autolink and link_type != "Inline"
                    opened.append(len(links))
                    links.append((byte_range["start"], byte_range["start"], byte_range["end"], reference))
                    previous_end = byte_range["start"] + (0 if autolink else 1)
                    continue
                if event.get("End") in ("Link", "Image") and opened:
                    index = opened.pop()
                    start, _, end, reference = links[index]
                    links[index] = (start, max(start, previous_end), end, reference)
            previous_end = byte_range["end"]
        starts = [link[0] for link in links]
        reach = list(itertools.accumulate((link[2] for link in links), max))  # the furthest end so far
        across: list[tuple[int, int, bool]] = []
        for math_start, math_end in maths:
            index = bisect.bisect_left(starts, math_end) - 1  # the last link starting inside or before
            while index >= 0 and reach[index] > math_start:
                link_start, text_end, link_end, reference = links[index]
                in_text = link_start < math_start and math_end <= text_end
                around = math_start <= link_start and link_end <= math_end
                if link_end > math_start and not in_text and not around:
                    across.append((math_start, math_end, _in_reference(links, starts, reach, math_start)))
                    break
                index -= 1
        return across

    def _unmath(self, spans: list[tuple[int, int, bool]], *, both: bool) -> None:
        """Make a delimiter (``$`` or ``$$``) of each maths span an ordinary character: the
        opening one, or the closing one when the opening one is in a reference label; with
        ``both``, the closing one too."""
        chars = list(self.masked)
        char = self.offsets.char
        for start, end, opener_in_label in spans:
            delimiters = [(char(end) - 1, -1)] if opener_in_label or both else []
            if not opener_in_label:
                delimiters.append((char(start), 1))
            for index, step in delimiters:
                while 0 <= index < len(chars) and chars[index] == "$":
                    chars[index] = _UNMATHS
                    index += step
        self.masked = "".join(chars)
        self.offsets = OffsetMap(self.masked)
        self._covered = None
        self.unmathed = True

    def _unmasked(self, text: str) -> str:
        """``text`` taken from the parsed copy, with its unmathed dollars back."""
        return text.replace(_UNMATHS, "$") if self.unmathed and _UNMATHS not in self.text else text

    # -- link kinds ------------------------------------------------------------------------------

    def _link(self, frame: _LinkFrame) -> None:
        char = self.offsets.char
        frame.start, frame.end, frame.text_end = char(frame.start), char(frame.end), char(frame.text_end)
        link_text = self._unmasked("".join(frame.text))
        link_type = frame.link_type
        if link_type in ("Autolink", "Email"):
            start, end = frame.start + 1, frame.end - 1
            url = "mailto:" if link_type == "Email" and not frame.dest.lower().startswith("mailto:") else ""
            url += self.text[start:end]
            self._emit(start, end, Kind.AUTOLINK, Syntax.AUTOLINK, url, link_text)
            return
        if link_type != "Inline":
            line, column = self.offsets.line_column(frame.start)
            self.usages.setdefault(normalize_label(frame.label), []).append(Position(line, column))
            return
        if not frame.dest:
            return  # "[x]()" links to this very page: nothing to check or rewrite
        located = None
        search = frame.text_end
        opener = self.masked.find("](", search, frame.end)
        if opener != -1 and self.masked.startswith(frame.dest, opener + 2) and _plain(frame.dest):
            stop = opener + 2 + len(frame.dest)
            if stop < len(self.masked) and self.masked[stop] in _AFTER_DESTINATION:
                # Fast path: the destination is written exactly as the parser decoded it.
                self._emit(opener + 2, stop, frame.kind, Syntax.RAW, self.text[opener + 2 : stop], link_text)
                return
        while located is None:
            opener = self.masked.find("](", search, frame.end)
            if opener == -1:
                break
            located = self._locate(opener + 2, frame.end, frame.dest)
            search = opener + 1
        if located is None:
            self._unverified(frame.start, frame.end, frame.kind, frame.dest, link_text)
            return
        start, end, syntax = located
        self._emit(start, end, frame.kind, syntax, unescape(self.text[start:end]), link_text)

    def _unverified(
        self,
        region_start: int,
        region_end: int,
        kind: Kind,
        dest: str,
        text: str,
        flags: tuple[Flag, ...] = (),
        **extra: Any,
    ) -> None:
        """Report a destination whose exact characters could not be proved; never rewritten."""
        found = self.masked.find(dest, region_start, region_end) if dest else -1
        start, end = (found, found + len(dest)) if found != -1 else (region_start, region_end)
        url = self._unmasked(dest)
        self._emit(start, end, kind, Syntax.RAW, url, text, (Flag.SPAN_UNVERIFIED, *flags), **extra)

    def _definitions(self) -> None:
        definitions = pyromark.reference_definitions(self.masked, options=self.options)
        char = self.offsets.char
        first: dict[str, tuple[int, int]] = {}
        for label, definition in definitions.items():
            start = char(definition["span"]["start"])
            end = char(definition["span"]["end"])
            key = normalize_label(label)
            first[key] = (start, end)
            self._definition(label, key, start, end, definition["dest"], ())
        for label, key, start, end, dest in self._shadowed_definitions(first):
            self._definition(label, key, start, end, dest, (Flag.DUPLICATE_DEFINITION,))

    def _definition(self, label: str, key: str, start: int, end: int, dest: str, flags: tuple[Flag, ...]) -> None:
        if not dest:
            return  # "[x]: <>" makes its usages point at the page itself
        usages = () if flags else tuple(self.usages.get(key, ()))
        if not usages and not flags:
            flags = (Flag.UNUSED_DEFINITION,)
        close = _label_end(self.masked, start, end)
        located = self._locate(close + 2, end, dest) if close != -1 else None
        if located is None:
            self._unverified(start, end, Kind.REFERENCE_DEFINITION, dest, label, flags, label=label, usages=usages)
            return
        span_start, span_end, syntax = located
        url = unescape(self.text[span_start:span_end])
        kind = Kind.REFERENCE_DEFINITION
        self._emit(span_start, span_end, kind, syntax, url, label, flags, label=label, usages=usages)

    def _shadowed_definitions(self, first: dict[str, tuple[int, int]]) -> Iterator[tuple[str, str, int, int, str]]:
        """Later definitions of an already-defined label: dead text, but their URLs are real."""
        if not first or self.masked.count("]:") <= len(first):
            return  # every "[label]:" in the text is one of the definitions already found
        for match in _DEFINITION_LINE.finditer(self.masked):
            key = normalize_label(match.group(1))
            if key not in first:
                continue
            start = match.start(1) - 1
            first_start, first_end = first[key]
            if first_start <= start < first_end or _inside(self._covered_ranges(), start):
                continue
            line_end = self.masked.find("\n", match.end())
            line_end = len(self.masked) if line_end == -1 else line_end
            next_end = self.masked.find("\n", line_end + 1)
            snippet_end = len(self.masked) if next_end == -1 else next_end
            snippet = self.masked[start:snippet_end]
            parsed = pyromark.reference_definitions(snippet, options=self.options)
            definition = next((d for d in parsed.values() if d["span"]["start"] == 0), None)
            if definition is None:
                continue
            snippet_chars = len(snippet.encode()[: definition["span"]["end"]].decode(errors="ignore"))
            yield match.group(1), key, start, start + snippet_chars, definition["dest"]

    def _covered_ranges(self) -> list[tuple[int, int]]:
        """Character ranges of leaf content (paragraphs, headings, code, HTML, text): a
        ``[label]:`` inside one is not a definition. Needed only for shadowed definitions."""
        if self._covered is None:
            char = self.offsets.char
            ranges: list[tuple[int, int]] = []
            events: Iterator[tuple[Any, Any]] = pyromark.events_with_range(self.masked, options=self.options)
            for event, byte_range in events:
                if isinstance(event, dict) and not ("End" in event or _is_container(event)):
                    ranges.append((char(byte_range["start"]), char(byte_range["end"])))
            self._covered = _merged(ranges)
        return self._covered

    def _html_pieces(self, pieces: list[tuple[str, int]]) -> None:
        """URLs in raw HTML; ``pieces`` are the parser's HTML chunks with their source offsets."""
        fragment = "".join(piece for piece, _ in pieces)
        if "<!--" in fragment:
            self._directives(pieces)
        if "=" not in fragment:
            return
        starts: list[int] = []
        sources: list[int] = []
        total = 0
        for piece, source_start in pieces:
            starts.append(total)
            sources.append(self.offsets.char(source_start))
            total += len(piece)
        for found in find_html_urls(fragment):
            index = _segment(starts, found.start)
            if _segment(starts, max(found.start, found.end - 1)) != index:
                continue  # the value crosses a container prefix ("> "): cannot be spliced
            start = sources[index] + found.start - starts[index]
            end = start + found.end - found.start
            flags = (
                ()
                if found.verified and self.masked[start:end] == fragment[found.start : found.end]
                else (Flag.SPAN_UNVERIFIED,)
            )
            url = found.url if self.text == self.masked else _html_unescape(self.text[start:end])
            self._emit(start, end, Kind.HTML_ATTR, found.syntax, url, f"<{found.tag} {found.attribute}>", flags)

    def _directives(self, pieces: list[tuple[str, int]]) -> None:
        """Suppression comments, read in the pieces joined: an HTML block comes a line a piece (its
        container prefixes left out), and a comment may run over lines."""
        starts: list[int] = []
        sources: list[int] = []
        total = 0
        for piece, source_start in pieces:
            starts.append(total)
            sources.append(self.offsets.char(source_start))
            total += len(piece)
        for action, begin, end in find_directives("".join(piece for piece, _ in pieces)):
            first, last = _segment(starts, begin), _segment(starts, end - 1)
            start = sources[first] + begin - starts[first]
            line = self.offsets.line_column(start)[0]
            end_line = self.offsets.line_column(sources[last] + end - 1 - starts[last])[0]
            self.directives.append(Directive(action, start, line, end_line))

    def _bare_urls(self, run: _TextRun) -> None:
        char = self.offsets.char
        first = bisect.bisect_left(self._blanks, (run.start, -1))
        last = bisect.bisect_left(self._blanks, (run.end, -1), first)
        blanks = [(char(start), char(end)) for start, end in self._blanks[first:last]]
        start, end = char(run.start), char(run.end)
        buffer, shift = self.masked, 0
        if blanks:
            # The run alone, its blanks made spaces, behind the one character that precedes it
            # (what a URL's start is judged by): never a copy of the text before it.
            chars = list(buffer[start:end])
            for blank_start, blank_end in blanks:
                for index in range(blank_start - start, blank_end - start):
                    chars[index] = " "
            shift = start - 1
            buffer = (buffer[shift] if start else "\n") + "".join(chars)
        for bare in find_bare_urls(buffer, start - shift, end - shift, at_line_start=run.at_line_start):
            found = BareUrl(bare.start + shift, bare.end + shift, bare.url)
            flags = (
                (Flag.SUSPECT_BROKEN_LINK_SYNTAX,)
                if _BROKEN_SYNTAX_BEFORE.search(self.masked, max(0, found.start - 3), found.start)
                else ()
            )
            url = self.text[found.start : found.end]
            if found.url.startswith("http://") and not found.url.startswith(url):
                url = "http://" + url
            self._emit(found.start, found.end, Kind.BARE_URL, Syntax.BARE, url, "", flags)

    def _emails(self, texts: list[tuple[str, int, int]]) -> None:
        """GFM e-mail autolinks: found per text node (``texts`` are the parser's decoded text
        events outside links, code, HTML and front matter), as cmark-gfm does, and never inside a
        bare URL (a link already there). Reported, never checked nor rewritten."""
        bare = sorted((occ.start, occ.end) for occ in self.occurrences if occ.kind is Kind.BARE_URL)
        char = self.offsets.char
        for text, byte_start, byte_end in texts:
            start, end = char(byte_start), char(byte_end)
            decoded, starts, ends = unescape_mapped(self.masked[start:end])
            if decoded != text:
                continue  # decoded some other way: no span to vouch for
            # A bare URL is a link node of its own: it splits the text, and an address inside
            # it ("https://example.com/~jane@example.org") is part of the URL.
            cuts = [0]
            first = bisect.bisect_left(bare, (start, -1))
            if first and bare[first - 1][1] > start:
                first -= 1
            for bare_start, bare_end in bare[first : bisect.bisect_left(bare, (end, -1))]:
                cuts.append(bisect.bisect_left(starts, bare_start - start))
                cuts.append(bisect.bisect_left(starts, bare_end - start))
            cuts.append(len(decoded))
            for low, high in zip(cuts[::2], cuts[1::2], strict=True):
                for email in find_emails(decoded[low:high]):
                    span_start = start + starts[low + email.start]
                    span_end = start + ends[low + email.end - 1]
                    self._emit(span_start, span_end, Kind.EMAIL, Syntax.BARE, email.url, "")

    def _front_matter(self, start: int, end: int) -> None:
        for found in find_bare_urls(self.masked, start, end):
            url = self.text[found.start : found.end]
            if found.url != url:
                url = found.url
            self._emit(found.start, found.end, Kind.FRONT_MATTER, Syntax.FRONT_MATTER, url, "")


_AFTER_DESTINATION = frozenset(") \t\r\n")


def _in_reference(links: list[tuple[int, int, int, bool]], starts: list[int], reach: list[int], offset: int) -> bool:
    """Whether ``offset`` lies inside a reference link (``links`` by start, ``reach`` the
    furthest end up to each)."""
    index = bisect.bisect_left(starts, offset) - 1
    while index >= 0 and reach[index] > offset:
        start, _, end, reference = links[index]
        if reference and start < offset < end:
            return True
        index -= 1
    return False


def _hint_offsets(data: bytes) -> list[int]:
    """Sorted byte offsets of "://" and "www.": a text run without one holds no bare URL."""
    return sorted(match.start() for pattern in _BARE_URL_HINTS for match in pattern.finditer(data))


def _plain(destination: str) -> bool:
    """No character whose spelling could differ from its decoding (escapes, entities, brackets)."""
    return (
        "\\" not in destination
        and "&" not in destination
        and "<" not in destination
        and ("(" not in destination and ")" not in destination)
    )


def _label_end(text: str, start: int, end: int) -> int:
    """Index of the ``]`` that closes the label of the definition starting at ``start``."""
    index = text.find("[", start, end)
    if index == -1:
        return -1
    index += 1
    while index < end:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "]":
            return index if text.startswith("]:", index) else -1
        index += 1
    return -1


def _segment(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low


def _is_container(event: dict[str, Any]) -> bool:
    tag = event.get("Start")
    if tag is None:
        return False
    name = tag if isinstance(tag, str) else next(iter(tag))
    return name in _CONTAINERS


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The same coverage as sorted, disjoint ranges (nested ones folded into their parent)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _inside(ranges: list[tuple[int, int]], offset: int) -> bool:
    """Whether ``offset`` lies in one of ``ranges`` (sorted and disjoint): one bisect, not a scan,
    so a file with thousands of duplicate definitions stays linear."""
    index = bisect.bisect_right(ranges, (offset, math.inf)) - 1
    return index >= 0 and offset < ranges[index][1]


def _html_unescape(raw: str) -> str:
    return html.unescape(raw).strip()


def extract(text: str, path: str, *, use_liquid: bool = True, math: bool = True) -> list[Occurrence]:
    """Every URL occurrence in ``text`` (a Markdown document), sorted by position."""
    extractor = _Extractor(text, path, use_liquid=use_liquid, math=math)
    return suppress(extractor.run(), extractor.directives, path)

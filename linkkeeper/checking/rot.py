"""Reference rot that answers 200: parked domains, "page not found" pages, pages that drifted away.

A link checker that only reads status codes calls all of these *alive*. Each detector here is a
small pure function over a :class:`Page`, the few things they need of one HTML answer, read once
by :func:`read_page`. Every one leans towards "alive": a false "broken" makes people delete good
references, a miss only leaves today's behaviour. So markers are combined, long pages are trusted,
and a page whose content cannot be known (an app shell, a nearly empty page) is never judged.

Order matters to a caller: a bare parking page and a bare nginx 404 page are nearly empty too, so
:func:`parked_evidence` and :func:`not_found_page` come before :func:`is_spa_shell`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import heapq
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import pairwise
from urllib.parse import parse_qsl, unquote, urlsplit

from linkkeeper.scanning.html import parse_html

__all__ = [
    "DRIFT_NEW_TITLE",
    "DRIFT_SAME_TITLE",
    "MIN_DRIFT_WORDS",
    "SOFT_404_SIMILARITY",
    "Fingerprint",
    "Page",
    "drift",
    "fingerprint",
    "is_spa_shell",
    "login_wall",
    "not_found_page",
    "parked_evidence",
    "read_page",
    "similar",
]

# -- reading a page ---------------------------------------------------------------------------------

MARKUP_CHARS = 65_536  # what the provider markers are looked for in
TEXT_CHARS = 20_000  # the main text kept: enough to tell pages apart, bounded for speed and storage
# html.parser (through beautifulsoup4) reads about 3 MB/s: only this much markup, from where the
# main content starts, once scripts, styles and SVG are cut out, is parsed (a 1 MiB page stays fast).
WINDOW_CHARS = 96_000
_MAX_HIDDEN_BLOCKS = 5_000  # a bound on the cutting loop; whatever is left, the parse drops anyway
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_HIDDEN_OPEN = re.compile(r"<!--|<(script|style|svg|noscript|template|iframe|object|math)(?=[\s>/])")
_TAG = re.compile(r"<[^>]*>")
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.I)
_LOOKS_LIKE_HTML = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|title|meta)[\s>/]", re.I | re.S
)
_MAIN_START = re.compile(r"<main[\s>]")
_ROLE_MAIN = re.compile(r"""\srole\s*=\s*["']?main["'\s/>]""")
_ARTICLE_START = re.compile(r"<article[\s>]")
_BODY_START = re.compile(r"<body[\s>]")
_H1_START = re.compile(r"<h1[\s>]")
_TITLE_START = re.compile(r"<title[\s>]")
_NOT_CONTENT = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript",
                "template", "svg", "iframe", "object", "select", "button")  # fmt: skip
# WHATWG: these labels mean windows-1252 in a browser, and so here.
_WINDOWS_1252 = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819"})


@dataclass(frozen=True, slots=True)
class Page:
    """What the detectors need of one HTML answer, extracted once (all lower-cased)."""

    title: str  # <title> (or the first <h1>), whitespace collapsed
    heading: str  # the first <h1>, whitespace collapsed; "" if none
    text: str  # the main text without navigation, asides, forms, scripts; at most TEXT_CHARS
    words: int  # words in text
    markup: str  # the first MARKUP_CHARS of the raw markup, for provider markers


def read_page(body: bytes, content_type: str) -> Page | None:
    """The page of an HTML answer; None when the answer is not HTML or cannot be read.

    An answer without a Content-Type is sniffed (a leading doctype, <html>, <head>...), as a
    browser would; any other declared type is not a page.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type:
        if media_type not in _HTML_TYPES:
            return None
    elif not _LOOKS_LIKE_HTML.match(body[:2048].lstrip(codecs.BOM_UTF8)):
        return None
    document = _decode(body, content_type).lower()
    markup = document[:MARKUP_CHARS]
    visible = _without_hidden(document)
    heading = _element_text(visible, _H1_START, "</h1", 8192)
    title = _element_text(visible, _TITLE_START, "</title", 4096) or heading
    start, root_name = _content_start(visible)
    soup = parse_html(visible[start : start + WINDOW_CHARS])
    if soup is None:
        return None
    root = soup.find(root_name) if root_name else None
    if root is None and root_name == "main":
        root = soup.find(role="main")
    container = root if root is not None else soup
    content_length = 0
    for tag in container.find_all(_NOT_CONTENT):
        if tag.decomposed:
            continue
        if tag.name == "form":
            # ASP.NET wraps a whole page in one <form>: a form holding most of the text is the page.
            content_length = content_length or len(container.get_text())
            if 2 * len(tag.get_text()) > content_length:
                continue
        tag.decompose()
    text = _collapse(container.get_text(" "))
    if len(text) > TEXT_CHARS:
        cut = text.rfind(" ", 0, TEXT_CHARS + 1)
        text = text[: cut if cut > 0 else TEXT_CHARS]
    return Page(title=title, heading=heading, text=text, words=len(text.split()), markup=markup)


def _decode(body: bytes, content_type: str) -> str:
    """The body as text: the header's charset, a BOM, a <meta> charset, else UTF-8 (errors replaced)."""
    found = _CHARSET.search(content_type)
    label = found.group(1) if found else ""
    if body.startswith(codecs.BOM_UTF8):
        label, body = "utf-8", body[3:]
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        label = "utf-16"
    if not label:
        head = body[:2048].decode("ascii", "replace")
        meta = re.search(r"<meta[^>]*" + _CHARSET.pattern, head, re.I)
        label = meta.group(1) if meta else "utf-8"
    label = label.lower()
    if label in _WINDOWS_1252:
        label = "cp1252"
    try:
        codecs.lookup(label)
    except LookupError:
        label = "utf-8"
    return body.decode(label, "replace")


def _without_hidden(document: str) -> str:
    """The document without comments, scripts, styles, SVG and other never-read blocks.

    A block never closed runs to the end, as in a browser; the loop is linear (each step starts
    where the last block ended) and bounded.
    """
    pieces: list[str] = []
    position = 0
    for _ in range(_MAX_HIDDEN_BLOCKS):
        opened = _HIDDEN_OPEN.search(document, position)
        if opened is None:
            break
        pieces.append(document[position : opened.start()])
        name = opened.group(1)
        if name is None:
            end = document.find("-->", opened.end())
            position = end + 3 if end >= 0 else len(document)
        else:
            end = document.find("</" + name, opened.end())
            closing = document.find(">", end) if end >= 0 else -1
            position = closing + 1 if closing >= 0 else len(document)
        pieces.append(" ")
    pieces.append(document[position:])
    return "".join(pieces)


def _element_text(document: str, opening: re.Pattern[str], closing: str, limit: int) -> str:
    """The text of the first element opened by ``opening``, read without a parser (bounded)."""
    found = opening.search(document)
    if found is None:
        return ""
    start = found.end() if found.group().endswith(">") else document.find(">", found.end(), found.end() + limit) + 1
    if start <= 0:
        return ""
    end = document.find(closing, start, start + limit)
    inner = document[start : end if end >= 0 else start + limit]
    return _collapse(html.unescape(_TAG.sub(" ", inner)))


def _content_start(document: str) -> tuple[int, str]:
    """Where the main content starts and the element that holds it: <main>, a lone <article>, <body>."""
    main = _MAIN_START.search(document)
    if main is not None:
        return main.start(), "main"
    role = _ROLE_MAIN.search(document)
    if role is not None:
        return max(document.rfind("<", 0, role.start()), 0), "main"
    articles = _ARTICLE_START.findall(document, 0)
    if len(articles) == 1:
        article = _ARTICLE_START.search(document)
        assert article is not None
        return article.start(), "article"
    body = _BODY_START.search(document)
    return (body.start(), "body") if body is not None else (0, "")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _short(text: str, limit: int = 120) -> str:
    """A quote for a reason: a title can be kilobytes long."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


# -- comparing texts --------------------------------------------------------------------------------

SOFT_404_SIMILARITY = 0.9  # a page and its random sibling probe at least this similar are one template
_SHINGLE = 3  # words per shingle: a changed word touches three shingles, an unrelated text shares almost none
_SEQUENCE_TOKENS = 300  # short templates are also compared word by word (an echoed slug changes a few words)
# Punctuation is a space; a word holding a digit (dates, counters, ids), a URL, a path or a query
# echoed by a template all become "0", and a run of them one "0": "/blog/a-post" reads as "/x/7q3z".
_PUNCTUATION = str.maketrans(
    dict.fromkeys(
        "!\"#$%&'()*+,-.:;<>?[]^_`{|}~\u2018\u2019\u201c\u201d\u00ab\u00bb\u2013\u2014\u2026\u00b7\u2022", " "
    )
)
_VOLATILE = re.compile(r"[\d/\\=@]")


@lru_cache(maxsize=16)
def _tokens(text: str) -> tuple[str, ...]:
    """The words of a text as compared: volatile words blanked, then split on punctuation too.

    Volatile words are found among the distinct words (a few hundred) rather than by a regular
    expression over the whole text: a 20,000-character text is read in well under a millisecond.
    """
    words = text.split()
    volatile = {word for word in set(words) if _VOLATILE.search(word)}
    if volatile:
        kept: list[str] = []
        for word in words:
            if word not in volatile:
                kept.append(word)
            elif not kept or kept[-1] != "0":
                kept.append("0")
        words = kept
    return tuple(" ".join(words).translate(_PUNCTUATION).split())


def _shingle_tuples(words: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
    """Every run of three words (a text of one or two words is its own shingle)."""
    if len(words) < _SHINGLE:
        return [words] if words else []
    return zip(words, words[1:], words[2:], strict=False)


@lru_cache(maxsize=16)
def _shingle_set(text: str) -> frozenset[int]:
    """The text's shingles by Python's own hash: fast, and only ever compared within one run."""
    return frozenset(map(hash, _shingle_tuples(_tokens(text))))


def similar(a: Page, b: Page) -> float:
    """How alike two pages' main texts are, 0..1 (one template answering two paths: about 1).

    The Jaccard resemblance of word shingles, after dates, counters and echoed paths are blanked;
    short texts are also compared word by word, so a template that echoes the requested slug in
    words still reads as itself. An app shell's content is unknowable, so it is like nothing (0).
    """
    if is_spa_shell(a) or is_spa_shell(b):
        return 0.0
    if a.text == b.text:
        return 1.0
    first, second = _shingle_set(a.text), _shingle_set(b.text)
    if not first or not second:
        return 0.0
    shared = len(first & second)
    score = shared / (len(first) + len(second) - shared)
    words_a, words_b = _tokens(a.text), _tokens(b.text)
    if score < SOFT_404_SIMILARITY and max(len(words_a), len(words_b)) <= _SEQUENCE_TOKENS:
        # Word by word only where it can reach the threshold: the upper bounds are cheap, ratio() is not.
        matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
        if matcher.real_quick_ratio() >= SOFT_404_SIMILARITY and matcher.quick_ratio() >= SOFT_404_SIMILARITY:
            score = max(score, matcher.ratio())
    return score


# -- fingerprints and drift -------------------------------------------------------------------------

MINHASH_VALUES = 64  # a bottom-k sketch: the 64 smallest 32-bit hashes of the page's shingles
MIN_DRIFT_WORDS = 50  # fewer words than this, on either side: nothing can be said
# Drifted when the estimated resemblance (the best of Jaccard and either containment) is below:
# Shingles: a 20 % edit of whole sentences keeps 0.7 and more; one scattered word by word, 0.37 and
# more (the content words then decide); unrelated articles of one site's templates share up to 0.38.
DRIFT_NEW_TITLE = 0.5  # with an unrelated title
DRIFT_SAME_TITLE = 0.4  # with the same title
# Content words: a 20 % edit keeps about 0.8; unrelated articles share up to about 0.45.
VOCABULARY_VALUES = 32  # a bottom-k sketch of the distinct content words
VOCABULARY_NEW_TITLE = 0.6
VOCABULARY_SAME_TITLE = 0.55
_MIN_CONTAINMENT_SAMPLE = 4  # values a sampled containment must rest on (unrelated texts share none)
_MAX_SIZE_RATIO = 16  # past this, the smaller text leaves too few values in the larger one's sketch
_TITLE_MAX = 200
_TITLE_SEPARATOR = re.compile(r"\s+[|·•»~\u2013\u2014:-]+\s+|\s*[|·•»]\s*|\s+::\s+")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A page as it was when cited: its title, a MinHash sketch of its text and its size.

    A few hundred bytes as JSON (the sketch is packed), so it can live in the history database.
    """

    title: str  # at most 200 characters
    minhash: tuple[int, ...]  # sorted; the MINHASH_VALUES smallest shingle hashes (all, on a short text)
    words: int
    vocabulary: tuple[int, ...] = ()  # sorted; the smallest hashes of its distinct content words

    def to_json(self) -> str:
        data = {"v": 1, "title": self.title, "words": self.words, "minhash": _pack(self.minhash)}
        if self.vocabulary:
            data["vocabulary"] = _pack(self.vocabulary)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Fingerprint | None:
        """The fingerprint stored as ``text``; None on anything unreadable (it is then unknown)."""
        if not isinstance(text, str) or len(text) > 8192:
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("v") != 1:
                return None
            title, words, encoded = data["title"], data["words"], data["minhash"]
            if not (isinstance(title, str) and isinstance(words, int) and isinstance(encoded, str)):
                return None
            packed = base64.b64decode(encoded, validate=True)
            vocabulary = _unpack(data.get("vocabulary", ""))
        except (ValueError, KeyError, TypeError, RecursionError, binascii.Error):
            return None
        if isinstance(words, bool) or words < 0 or len(title) > _TITLE_MAX or len(packed) % 4:
            return None
        values = tuple(int.from_bytes(packed[i : i + 4], "big") for i in range(0, len(packed), 4))
        if len(values) > MINHASH_VALUES or list(values) != sorted(set(values)):
            return None
        return cls(title=title, minhash=values, words=words, vocabulary=vocabulary or ())


def _pack(values: tuple[int, ...]) -> str:
    return base64.b64encode(b"".join(value.to_bytes(4, "big") for value in values)).decode()


def _unpack(encoded: object) -> tuple[int, ...] | None:
    """A packed sketch; None when it is not one (too long, not whole values, not sorted)."""
    if not isinstance(encoded, str):
        return None
    packed = base64.b64decode(encoded, validate=True)
    values = tuple(int.from_bytes(packed[i : i + 4], "big") for i in range(0, len(packed), 4))
    if len(packed) % 4 or len(values) > MINHASH_VALUES or list(values) != sorted(set(values)):
        return None
    return values


# Words that say nothing of a text's subject: two unrelated texts share them, and template
# phrases built of them ("several readers asked about …") make unrelated shingles meet.
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "my",
        "our",
        "your",
        "their",
        "me",
        "us",
        "them",
        "not",
        "no",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "just",
        "than",
        "too",
        "very",
        "more",
        "most",
        "less",
        "also",
        "into",
        "over",
        "under",
        "about",
        "after",
        "before",
        "again",
        "there",
        "here",
        "when",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "why",
        "all",
        "any",
        "each",
        "few",
        "other",
        "some",
        "such",
        "only",
        "own",
        "same",
        "both",
        "out",
        "up",
        "down",
        "off",
        "while",
        "because",
        "until",
        "through",
        "during",
        "above",
        "below",
        "between",
        "one",
        "two",
        "first",
        "last",
        "new",
        "old",
        "get",
        "got",
        "make",
        "made",
        "much",
        "many",
        "well",
        "even",
        "still",
        "way",
        "thing",
        "things",
    ]
)


def _content_words(text: str) -> frozenset[str]:
    return frozenset(word for word in _tokens(text) if len(word) > 2 and word != "0" and word not in _FUNCTION_WORDS)


def _hash(shingle: tuple[str, ...]) -> int:
    """A stable 32-bit hash, for storage (Python's own ``hash`` changes between runs)."""
    return int.from_bytes(hashlib.blake2b(" ".join(shingle).encode("utf-8", "replace"), digest_size=4).digest(), "big")


def fingerprint(page: Page) -> Fingerprint:
    """The page's fingerprint; an app shell's has no sketch (it can never be said to have drifted)."""
    if is_spa_shell(page):
        return Fingerprint(title=page.title[:_TITLE_MAX], minhash=(), words=page.words)
    values = tuple(heapq.nsmallest(MINHASH_VALUES, {_hash(s) for s in _shingle_tuples(_tokens(page.text))}))
    vocabulary = tuple(heapq.nsmallest(VOCABULARY_VALUES, {_hash((word,)) for word in _content_words(page.text)}))
    return Fingerprint(title=page.title[:_TITLE_MAX], minhash=values, words=page.words, vocabulary=vocabulary)


def _resemblance(cited: Fingerprint, now: Fingerprint) -> float:
    """The best of the Jaccard resemblance and either containment, estimated from two bottom-k sketches.

    Every hash up to the smaller of the two sketches' largest values is known on both sides, so
    those are a fair sample of the union. Containment ("the cited text is all still there, above
    comments that grew below it", or "today's page is a cut of it") is sampled the same way where
    enough values allow, and derived from the Jaccard estimate and the two sizes too.
    """
    full = 1 << 32
    limit_cited = cited.minhash[-1] if len(cited.minhash) >= MINHASH_VALUES else full
    limit_now = now.minhash[-1] if len(now.minhash) >= MINHASH_VALUES else full
    set_cited, set_now = set(cited.minhash), set(now.minhash)
    limit = min(limit_cited, limit_now)
    union = {value for value in set_cited | set_now if value <= limit}
    jaccard = len(union & set_cited & set_now) / len(union) if union else 0.0
    best = jaccard
    pairs = (
        (set_cited, cited.words, set_now, now.words, limit_now),
        (set_now, now.words, set_cited, cited.words, limit_cited),
    )
    for inner, inner_words, outer, outer_words, outer_limit in pairs:
        sample = [value for value in inner if value <= outer_limit]
        if len(sample) >= _MIN_CONTAINMENT_SAMPLE:
            best = max(best, sum(value in outer for value in sample) / len(sample))
        if inner_words:
            shared = jaccard * (inner_words + outer_words) / (1 + jaccard)
            best = max(best, min(1.0, shared / inner_words))
    return best


def _sketch_jaccard(first: tuple[int, ...], second: tuple[int, ...], k: int) -> float:
    """The Jaccard resemblance of two sets estimated from their bottom-``k`` sketches."""
    full = 1 << 32
    limit = min(first[-1] if len(first) >= k else full, second[-1] if len(second) >= k else full)
    union = {value for value in set(first) | set(second) if value <= limit}
    return len(union & set(first) & set(second)) / len(union) if union else 0.0


def _title_words(part: str) -> frozenset[str]:
    return frozenset(_tokens(part))


def _titles_related(first: str, second: str) -> bool:
    """Whether two titles name the same page: equal, one with a site name added, or mostly the same words.

    An empty title says nothing, so it counts as related (the stricter same-title rule applies).
    """
    if not first or not second or first == second:
        return True
    parts_a = [part for part in _TITLE_SEPARATOR.split(first) if part.strip()]
    parts_b = [part for part in _TITLE_SEPARATOR.split(second) if part.strip()]
    shared = set(parts_a) & set(parts_b)
    rest_a = [part for part in parts_a if part not in shared]
    rest_b = [part for part in parts_b if part not in shared]
    if shared and (not rest_a or not rest_b):
        return True  # the same title with a site name (or a section) added or dropped
    words_a = _title_words(" ".join(rest_a or parts_a))
    words_b = _title_words(" ".join(rest_b or parts_b))
    if not words_a or not words_b:
        return True
    return len(words_a & words_b) >= 0.5 * min(len(words_a), len(words_b))


def drift(cited: Fingerprint, now: Fingerprint) -> float | None:
    """None when today's page is still the cited one; else the resemblance (0..1) that says it is not.

    Drifted: an unrelated title and a text that shares little (below DRIFT_NEW_TITLE), or the same
    title over a body that shares next to nothing (below DRIFT_SAME_TITLE). Dates and counters are
    blanked before hashing, asides are not in the text, and containment forgives a page that grew
    comments, so ordinary life does not count. A nearly empty page on either side (an app shell, a
    teaser), or one more than sixteen times shorter than the other, is unknowable: never drifted.
    A site's home page changes wholesale by design; a caller should not ask about one. Test the
    answer with ``is not None``: 0.0 means drifted.
    """
    if min(cited.words, now.words) < MIN_DRIFT_WORDS or not cited.minhash or not now.minhash:
        return None
    if max(cited.words, now.words) > _MAX_SIZE_RATIO * min(cited.words, now.words):
        return None  # one is a sliver of the other: 64 values cannot tell "contained" from "unrelated"
    score = _resemblance(cited, now)
    related = _titles_related(cited.title, now.title)
    if score >= (DRIFT_SAME_TITLE if related else DRIFT_NEW_TITLE):
        return None
    if cited.vocabulary and now.vocabulary:
        # Edits scattered word by word break shingles but keep the words: a page about the same
        # things is the same page, whatever the phrasing.
        words = _sketch_jaccard(cited.vocabulary, now.vocabulary, VOCABULARY_VALUES)
        if words >= (VOCABULARY_SAME_TITLE if related else VOCABULARY_NEW_TITLE):
            return None
    return score


# -- app shells -------------------------------------------------------------------------------------

SHELL_WORDS = 25  # fewer words than this: the content comes from scripts, if at all
_SHELL_WITH_NOTICE_WORDS = 80
_NEEDS_SCRIPT = re.compile(
    r"enable javascript|javascript (?:is )?(?:required|disabled|must be enabled|needs to be enabled)"
    r"|requires javascript|javascript to (?:run|use|view) this|turn on javascript|activate javascript"
    r"|javascript aktivieren|activer javascript|habilitar javascript|active javascript|activez javascript"
)


_NOSCRIPT = re.compile(r"<noscript[^>]*>(.{0,2000}?)</noscript>", re.S)


def is_spa_shell(page: Page) -> bool:
    """A single-page app's shell: (almost) no text, or a "please enable JavaScript" notice and little else.

    What it shows is decided by scripts we do not run: it is never broken and never drifted.
    """
    if page.words < SHELL_WORDS:
        return True
    if page.words >= _SHELL_WITH_NOTICE_WORDS:
        return False
    # The notice is often in <noscript> (create-react-app puts it there), which is no main text.
    return _NEEDS_SCRIPT.search(page.text) is not None or any(
        _NEEDS_SCRIPT.search(block) for block in _NOSCRIPT.findall(page.markup)
    )


# -- not-found pages --------------------------------------------------------------------------------

_NF_THING = (
    r"(?:page|file|document|resource|content|post|article|url|entry|site|product|item|listing|video|story"
    r"|profile|account|user|repository|question|topic|seite|datei|artikel)"
)
_NF_WANTED = r"(?: (?:you are|you're|you were) looking for| you requested| (?:you )?requested| you want)?"
_NF_PIECES = (
    r"(?:http )?(?:error )?404(?: error)?(?: page)?",
    rf"(?:error )?(?:the |this |that )?{_NF_THING}{_NF_WANTED} (?:was |is )?not found",
    r"(?:404 )?not found",
    rf"(?:the |this |that )?{_NF_THING}{_NF_WANTED} (?:does not|doesn't|did not|no longer) exists?(?: anymore)?",
    rf"(?:the |this |that )?{_NF_THING}{_NF_WANTED} (?:could not|couldn't|cannot|can't|can not) be found",
    rf"(?:we |i )?(?:could not|couldn't|can't|cannot|can not) find (?:that|this|the) {_NF_THING}",
    rf"(?:the |this |that )?{_NF_THING}{_NF_WANTED} (?:is )?no longer available",
    r"no longer available",
    r"(?:this|that) page (?:is not|isn't) available",
    r"nothing (?:was )?(?:found|here)",
    # de
    r"(?:fehler )?(?:die )?seite (?:wurde )?nicht gefunden",
    r"fehler 404",
    r"nicht gefunden",
    r"(?:die |diese )?seite existiert (?:nicht|nicht mehr)",
    r"(?:die |diese )?seite ist nicht mehr verfügbar",
    # fr
    r"(?:erreur )?(?:404 )?page (?:non trouvée|non trouvee|introuvable|inexistante)",
    r"erreur 404",
    r"(?:cette |la )?page (?:demandée |que vous (?:recherchez|cherchez) )?n'existe (?:pas|plus)",
    r"(?:cette |la )?page n'est plus disponible",
    # es
    r"(?:error )?(?:404 )?p[áa]gina no encontrada",
    r"(?:la |esta )?p[áa]gina (?:que buscas |solicitada )?no existe",
    r"(?:la |esta )?p[áa]gina ya no est[áa] disponible",
    r"no se (?:ha )?encontr(?:ó|o|ado) la p[áa]gina",
    r"no encontrad[oa]",
    # it, pt, nl
    r"pagina non trovata",
    r"p[áa]gina n[ãa]o encontrada",
    r"pagina niet gevonden",
)
_NF_PIECE = "(?:" + "|".join(_NF_PIECES) + ")"
# A whole title segment made of nothing but not-found pieces ("error 404: page not found").
_NF_SEGMENT = re.compile(rf"{_NF_PIECE}(?:(?:\s*[:.!,/]\s*|\s+){_NF_PIECE})*")
_NF_INTERJECTION = re.compile(
    r"^(?:(?:oops|whoops|uh[- ]oh|sorry|ouch|oh no|hmm+|dang|ups|huch|oups|vaya|lo sentimos)[!.,]*\s*)+"
)
_NF_SEGMENT_SEPARATOR = re.compile(r"\s+[|·•»~\u2013\u2014-]+\s+|\s*[|·•»]\s*|\s+::\s+")
# Body wording strong enough on a short page: a sentence that says it of *this* page (never "404"
# or "file not found" alone, which a short how-to can say in passing), or a bare heading-like
# "page not found" opening the text.
_NF_BODY = re.compile(
    rf"(?:the|this|that) (?:requested )?{_NF_THING}(?: \S+)?{_NF_WANTED} (?:was not found|is not found|could not be"
    r" found|couldn't be found|cannot be found|can't be found|does not exist|doesn't exist|no longer exists"
    r"|is no longer available|is not available|isn't available)"
    rf"|(?:we|i) (?:could not|couldn't|can't|cannot) find (?:that|this|the) {_NF_THING}"
    r"|nothing (?:was )?found at this location"
    r"|^(?:error )?(?:404 )?(?:page not found|seite nicht gefunden|page (?:non trouvée|introuvable)"
    r"|p[áa]gina no encontrada|pagina non trovata|p[áa]gina n[ãa]o encontrada|pagina niet gevonden)\b"
    r"|(?:die|diese) (?:angeforderte )?seite (?:wurde nicht gefunden|existiert nicht)"
    r"|(?:cette|la) page (?:demandée )?n'existe (?:pas|plus)"
    r"|(?:la|esta) p[áa]gina (?:solicitada |que buscas )?no existe"
)
# A page *about* HTTP status codes (MDN's "404 Not Found - HTTP") is not a not-found page.
_ABOUT_STATUS = re.compile(r"status codes?|response codes?|client error response|\bhttp/[12]|\brfc ?\d{3,4}\b")
_NF_BODY_WORDS = 150  # body wording alone counts only on a page this short ...
_NF_BODY_PROMINENT = 200  # ... and near its start
_NF_ONE_SIGN_WORDS = 500  # a title *or* a heading saying so counts on a page shorter than this
_NF_TWO_SIGNS_WORDS = 1000  # a title *and* a heading, on one shorter than this


def _not_found_segment(text: str) -> str | None:
    """The segment of a title or heading that says "not found", if one says nothing else."""
    for part in _NF_SEGMENT_SEPARATOR.split(text.replace("\u2019", "'").replace("(", " ").replace(")", " ")):
        segment = _NF_INTERJECTION.sub("", part.strip())
        segment = re.sub(r"[!?.]+1*$|[\s!?.…:;,*\"'«»“”-]+$", "", segment).strip(" \"'«»“”")
        if segment and _NF_SEGMENT.fullmatch(" ".join(segment.split())):
            return part.strip()
    return None


def not_found_page(page: Page) -> str | None:
    """Why the page says of itself that it is not found; None when it does not (or not clearly).

    The title or first heading must be nothing but "404", "page not found" and the like (in
    English, German, French, Spanish and a few more), on a page that is not long; wording in the
    body counts only on a short page, near its start. Conservative: "404 Media", "HTTP 404
    explained" or a page about status codes are not found pages, and a miss costs less than a
    false "broken".
    """
    title = _not_found_segment(page.title)
    heading = _not_found_segment(page.heading) if page.heading != page.title else None
    if (title or heading) and page.words >= 60 and _ABOUT_STATUS.search(page.text):
        return None
    if title and heading and page.words < _NF_TWO_SIGNS_WORDS:
        return f'the page says it is not found: title "{_short(page.title)}", heading "{_short(page.heading)}"'
    if title and page.words < _NF_ONE_SIGN_WORDS:
        return f'the page says it is not found: title "{_short(page.title)}"'
    if heading and page.words < _NF_ONE_SIGN_WORDS:
        return f'the page says it is not found: heading "{_short(page.heading)}"'
    if page.words < _NF_BODY_WORDS:
        found = _NF_BODY.search(page.text.replace("\u2019", "'"), 0, _NF_BODY_PROMINENT)
        if found is not None:
            return f'the page says it is not found: "{found.group()}" (a page of {page.words} words)'
    return None


# -- parked domains ---------------------------------------------------------------------------------

# Boilerplate that only parking, for-sale and expiry pages carry. A domain name in these patterns
# starts only after white space and is bounded in length: "a.a.a.…" over a page's 20,000
# characters must not be tried from every dot (quadratic time, on the event loop).
_NAME = r"(?: [\w.-]{1,253}\.[a-z]{2,24})?"  # an optional domain name after "this domain"
_DOMAIN = r"(?<![^\s])[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,8}\.[a-z]{2,24}"  # a domain name on its own
_PARKING_BOILERPLATE = re.compile(
    r"(?:this|the) domain(?: name)?" + _NAME + r" (?:is|may be|might be|could be) for sale"
    r"|(?:this|the) domain(?: name)?" + _NAME + r" (?:is )?(?:now )?available for (?:purchase|sale|lease)"
    r"|(?:this|the) domain(?: name)?" + _NAME + r" (?:has|is) (?:been )?parked"
    r"|(?:this|the) domain(?: name)?" + _NAME + r" (?:registration )?has expired"
    r"|this (?:web ?)?page is parked|parked free,? courtesy of|is parked free"
    r"|sponsored listings displayed above are served automatically by a third party"
    r"|this domain (?:name )?is registered,? but may still be available"
    r"|the owner of this domain has not yet uploaded"
    r"|(?:diese|die) domain" + _NAME + r" (?:steht zum verkauf|ist zu verkaufen|kann (?:gekauft|erworben) werden)"
    r"|ce (?:nom de )?domaine" + _NAME + r" (?:est|pourrait être|peut être) à vendre"
    r"|este dominio" + _NAME + r" (?:est[áa]|puede estar) (?:a la |en )?venta"
    r"|este dom[íi]nio" + _NAME + r" (?:est[áa]|pode estar) [àa] venda"
    r"|questo dominio" + _NAME + r" (?:è|e|potrebbe essere) in vendita"
    r"|(?:dit domein|deze domeinnaam|de domeinnaam)" + _NAME + r" (?:is|staat) te koop"
    # Registrars' pages for a name bought and never used, and parking services' own words.
    r"|(?:this|the) domain(?: name)?" + _NAME + r" (?:was|has been|is) (?:recently )?registered"
    r" (?:at|with|by|via|through)"
    r"|(?:this|the) domain(?: name)?" + _NAME + r" is parked (?:at|with|by|on)"
    r"|parked domain name on|future home of (?:something|the website)"
    r"|\bis parked (?:for )?free|\bparked domain\b|is this your domain\?"
    r"|sponsored listings?\b.{0,60}\b(?:supplied|served|provided|displayed) automatically"
    r"|" + _DOMAIN + r" (?:steht zum verkauf|est à vendre|está en venta|è in vendita|is te koop)"
)
# Calls to buy: on a parking page, but also in passing in an article.
_PARKING_CALL = re.compile(
    r"buy this domain|get this domain|(?:make an offer|inquire|enquire|ask) (?:on|about|for) this domain"
    r"|" + _DOMAIN + r" (?:is|may be) for sale|domains? (?:names? )?for sale"
    r"|lease to own|rent to own|own this domain|buy it now|make an offer|diese domain kaufen|zum kauf an"
    r"|preisvorschlag|acheter ce (?:nom de )?domaine|faire une offre"
    r"|comprar este dom[íi]nio|dominio en venta|compra questo dominio|koop deze domeinnaam"
    # The ad blocks a pay-per-click parking page is made of.
    r"|related searches|sponsored listings|related links:"
)
_IN_ATTRIBUTE = r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//(?:[a-z0-9-]+\.)*"""
# Markup only a parking service's page loads: its scripts, styles, images, links (as attributes:
# an article that names these hosts in its text or a code sample is not one).
_PARKING_MARKUP = (
    ("Sedo", re.compile(_IN_ATTRIBUTE + r"sedoparking\.com")),
    ("Bodis", re.compile(_IN_ATTRIBUTE + r"(?:bodiscdn|bodis)\.com")),
    ("ParkingCrew", re.compile(_IN_ATTRIBUTE + r"parkingcrew\.(?:net|com)")),
    ("Above.com", re.compile(_IN_ATTRIBUTE + r"above\.com[/\"'\s>]")),
    ("GoDaddy CashParking", re.compile(_IN_ATTRIBUTE + r"(?:wsimg\.com/parking-lander|[a-z0-9.-]*cashparking)")),
    ("Namecheap parking", re.compile(_IN_ATTRIBUTE + r"parkingpage\.namecheap\.com")),
    (
        "Google AdSense for Domains",
        re.compile(_IN_ATTRIBUTE + r"(?:google\.com|syndicatedsearch\.goog)/adsense/domains/"),
    ),
    ("a parking lander", re.compile(r"""(?:window|document|top)\.location(?:\.href)?\s*=\s*["'][^"']*/lander\b""")),
    ("a parking script", re.compile(r"""<script[^>]+src\s*=\s*["']?[^"'\s>]*\bpark(?:ing)?(?:[.-][\w.-]*)?\.js""")),
    ("a parking script", re.compile(r"<script[^>]*>\s*window\.park\s*=")),
    ("DomainSponsor", re.compile(_IN_ATTRIBUTE + r"domainsponsor\.com")),
    ("ParkLogic", re.compile(_IN_ATTRIBUTE + r"parklogic\.com")),
)
# A link to buy the domain at a marketplace (an article can link one too: weak on its own).
_MARKETPLACE_LINK = (
    ("Sedo", re.compile(_IN_ATTRIBUTE + r"sedo\.com/(?:search/details|checkout|[a-z]{2}/)")),
    ("Dan.com", re.compile(_IN_ATTRIBUTE + r"(?:dan|undeveloped)\.com/")),
    ("HugeDomains", re.compile(_IN_ATTRIBUTE + r"hugedomains\.com/")),
    ("Afternic", re.compile(_IN_ATTRIBUTE + r"afternic\.com/")),
    ("GoDaddy", re.compile(_IN_ATTRIBUTE + r"godaddy\.com/(?:forsale|domainsearch|domain-value)")),
    ("BuyDomains", re.compile(_IN_ATTRIBUTE + r"buydomains\.com/")),
    ("Atom", re.compile(_IN_ATTRIBUTE + r"(?:atom|squadhelp)\.com/name")),
    ("Sav", re.compile(_IN_ATTRIBUTE + r"sav\.com/")),
    ("Epik", re.compile(_IN_ATTRIBUTE + r"epik\.com/")),
    ("Efty", re.compile(_IN_ATTRIBUTE + r"efty\.com/")),
    ("Uniregistry", re.compile(_IN_ATTRIBUTE + r"uni(?:registry|registrymarket)\.(?:com|link)/")),
    ("Namecheap", re.compile(_IN_ATTRIBUTE + r"namecheap\.com/market")),
)
# Registrable domains of parking services, marketplaces and registrars: a link to one of these is
# to the company itself (never parked), and a redirect to one is evidence.
_PARKING_SERVICES = {
    "sedo.com": "Sedo", "sedoparking.com": "Sedo", "bodis.com": "Bodis", "parkingcrew.net": "ParkingCrew",
    "parkingcrew.com": "ParkingCrew", "above.com": "Above.com", "afternic.com": "Afternic",
    "godaddy.com": "GoDaddy", "secureserver.net": "GoDaddy", "dan.com": "Dan.com", "undeveloped.com": "Dan.com",
    "hugedomains.com": "HugeDomains", "namecheap.com": "Namecheap", "buydomains.com": "BuyDomains",
    "atom.com": "Atom", "squadhelp.com": "Atom", "sav.com": "Sav", "epik.com": "Epik", "efty.com": "Efty",
    "uniregistry.com": "Uniregistry", "domainmarket.com": "DomainMarket", "parklogic.com": "ParkLogic",
    "domainsponsor.com": "DomainSponsor", "brandbucket.com": "BrandBucket", "porkbun.com": "Porkbun",
    "dynadot.com": "Dynadot", "name.com": "Name.com", "domain.com": "Domain.com",
}  # fmt: skip
_WW_HOST = re.compile(r"^ww\d+\.")
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go", "gob", "nic"})
_SHORT_PAGE = 150  # parking pages carry little text
_LONG_PAGE = 400  # past this a page is an article, whatever it says about domains
_VERY_LONG_PAGE = 1000


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def _registrable(host: str) -> str:
    """The registrable domain, roughly (example.co.uk, example.com): no suffix list, only the usual shapes."""
    labels = host.removeprefix("www.").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _redirect_evidence(url: str, final_url: str, redirect_hosts: tuple[str, ...]) -> str | None:
    """What a redirect away from the linked host says: a parking service's host, a ww1.-style host,
    another registrable domain (www. and http-to-https moves are none of these)."""
    start = _host(url)
    own = _registrable(start)
    seen = [host.rstrip(".").lower() for host in (*redirect_hosts, _host(final_url)) if host and host != start]
    for host in seen:
        service = _PARKING_SERVICES.get(_registrable(host))
        if service:
            return f"after a redirect to {host}, a {service} host"
    for host in seen:
        if _WW_HOST.match(host):
            return f"after a redirect to {host}"
    for host in seen:
        if _registrable(host) != own:
            return f"after a redirect to {host}, another domain"
    return None


@lru_cache(maxsize=256)
def _ww_host_of(host: str) -> re.Pattern[str]:
    """Markup that loads from or links to ``ww1.<the domain>``: where parking services serve a
    parked domain's page."""
    return re.compile(
        _IN_ATTRIBUTE.replace("(?:[a-z0-9-]+\\.)*", "") + r"ww\d+\." + re.escape(_registrable(host)) + r"\b"
    )


def _first(patterns: tuple[tuple[str, re.Pattern[str]], ...], markup: str) -> str | None:
    return next((name for name, pattern in patterns if pattern.search(markup)), None)


def parked_evidence(page: Page, url: str, final_url: str, redirect_hosts: tuple[str, ...]) -> str | None:
    """Why the page is a parked, for-sale or expired domain's page; None when it is not (or not clearly).

    The page's own markers decide, in combination: parking boilerplate ("this domain may be for
    sale"), a call to buy the domain, a parking service's scripts, a marketplace link, a title that
    is the bare domain, and little text. A redirect to a parking service, a ww1.-style host or
    another domain adds weight but is never enough alone. A long page is an article, whatever it
    says about domains, and a registrar's or marketplace's own site, linked on purpose, is never
    parked.
    """
    start = _host(url)
    if not start or _registrable(start) in _PARKING_SERVICES:
        return None
    heading = f"{page.title} | {page.heading}"
    text = page.text.replace(page.heading, " ", 1) if page.heading else page.text  # the <h1> counts once
    points, reasons = 0, []
    said = _PARKING_BOILERPLATE.search(heading) or _PARKING_CALL.search(heading)
    if said:
        points += 2
        reasons.append(f'the title says "{_short(said.group())}"')
    boilerplate = _PARKING_BOILERPLATE.search(text)
    if boilerplate:
        points += 2 if page.words < _LONG_PAGE else 1
        points += 1 if page.words < 60 else 0  # the notice and little else
        reasons.append(f'the page says "{_short(boilerplate.group())}"')
    calls = {match.group() for match in _PARKING_CALL.finditer(text)}
    if calls:
        points += min(2, len(calls))  # one call to buy can be an article's; several are a sales page
        if not boilerplate:
            reasons.append(f'the page says "{_short(min(calls, key=text.find))}"')
    ww_host = _ww_host_of(start).search(page.markup) is not None
    if ww_host:
        points += 2 if page.words < _SHORT_PAGE else 1
        reasons.append("it loads from a ww1.-style host of the domain, as parking services do")
    service = _first(_PARKING_MARKUP, page.markup)
    if service:
        points += 3 if page.words < _SHORT_PAGE else 2
        reasons.append(f"it loads {service}" if service.startswith("a ") else f"it loads {service}'s parking markup")
    market = _first(_MARKETPLACE_LINK, page.markup)
    if market:
        points += 1
        reasons.append(f"it links to {market} to buy the domain")
    domain = start.removeprefix("www.")
    bare_domain = page.title.split(" ")[0].removeprefix("www.") == domain
    if points and page.words < _SHORT_PAGE and (bare_domain or domain in page.title):
        points += 1
        reasons.append("its title is the bare domain" if bare_domain else "its title names the domain")
    if page.words >= _LONG_PAGE and not (service or ww_host):
        return None  # an article, whatever it says about domains: only a parking service's markup says more
    if page.words >= _VERY_LONG_PAGE:
        points -= 4
    elif page.words >= _LONG_PAGE:
        points -= 2
    redirect = _redirect_evidence(url, final_url, redirect_hosts)
    if points < 2 or points + (1 if redirect else 0) < 3:
        return None
    reason = "a parked domain: " + ", ".join(reasons)
    return f"{reason} ({redirect})" if redirect else reason


# -- login walls ------------------------------------------------------------------------------------

# Path segments (without an extension) that are a sign-in page wherever they are.
_LOGIN_SEGMENTS = frozenset({
    "login", "log-in", "log_in", "signin", "sign-in", "sign_in", "logon", "log-on", "signon", "servicelogin",
    "wp-login",
})  # fmt: skip
# Segments that are one only as the first segment ("/auth/realms/..."), not deeper ("/docs/sso").
_LOGIN_ROOTS = frozenset({"auth", "sso", "saml", "saml2", "oauth", "oauth2", "idp", "cas", "openid", "adfs"})
_LOGIN_PAIRS = frozenset({
    ("session", "new"), ("sessions", "new"), ("users", "sign_in"), ("account", "login"), ("oauth", "authorize"),
    ("oauth2", "authorize"), ("oauth2", "auth"),
})  # fmt: skip
_LOGIN_HOST = re.compile(r"^(?:login|signin|sso|auth|idp|adfs)\.[^.]+\.[^.]+")  # login.example.com, not auth0.com
_ACCOUNTS_HOST = re.compile(r"^accounts?\.")
_RETURN_KEYS = frozenset({
    "next", "redirect", "redirect_to", "redirect_url", "redirecturl", "return", "return_to", "returnto",
    "returnurl", "return_url", "continue", "came_from", "destination", "goto", "callbackurl", "back", "from",
})  # fmt: skip
_LOGIN_PAGE_WORDS = 200
_PASSWORD_INPUT = re.compile(r"""<input\b[^>]*\btype\s*=\s*["']?password\b""")


def _segments(path: str) -> list[str]:
    return [segment.split(".", 1)[0].split(";", 1)[0] for segment in unquote(path).lower().split("/") if segment]


def _points_back(value: str, others: tuple[str, ...]) -> bool:
    """Whether a return parameter's value is the path of one of the chain's earlier URLs."""
    value = unquote(value).strip()
    if not value.startswith(("/", "http://", "https://")):
        return False
    try:
        wanted = urlsplit(value).path.rstrip("/")
        return any(urlsplit(other).path.rstrip("/") == wanted for other in others)
    except ValueError:
        return False


def _sign_in_url(url: str, others: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        query = parse_qsl(parts.query)
    except ValueError:
        return False
    segments = _segments(parts.path)
    if any(segment in _LOGIN_SEGMENTS for segment in segments) or (segments and segments[0] in _LOGIN_ROOTS):
        return True
    if any(pair in _LOGIN_PAIRS for pair in pairwise(segments)) or _LOGIN_HOST.match(host):
        return True
    returns = [value for key, value in query if key.lower() in _RETURN_KEYS]
    if _ACCOUNTS_HOST.match(host) and any(unquote(value).startswith(("/", "http")) for value in returns):
        return True
    return any(_points_back(value, others) for value in returns)


def login_wall(final_url: str, redirects: tuple[str, ...], page: Page | None) -> bool:
    """Whether a redirect ended on a sign-in page: a wall, never a move.

    ``redirects`` are the chain's URLs before ``final_url`` (the linked one first, as
    :class:`~linkkeeper.models.Redirect` records them). Where the chain *ended* decides: a path
    that signs in (/login, /signin, /users/sign_in, /accounts/login, /session/new, /auth/...), a
    sign-in host (login., sso., or accounts. with a return parameter), a return parameter (next=,
    return_to=, continue=...) naming an earlier URL of the chain, or a short page asking for a password.
    A chain that passed through a sign-in step and came back to content reached the content. No
    redirect, no wall: a sign-in page linked on purpose is just a page.
    """
    if not redirects or final_url in redirects[:1]:
        return False
    others = tuple(url for url in redirects if url != final_url)
    if _sign_in_url(final_url, others):
        return True
    # A password field on a page with little text is a sign-in form; on a long one (a forum thread
    # with a log-in box in its header) it is a page that moved.
    return page is not None and page.words < _LOGIN_PAGE_WORDS and _PASSWORD_INPUT.search(page.markup) is not None

"""Heading anchors as each site generator makes them, and which generator a project uses.

A ``#fragment`` of a local Markdown file is checked against the anchors the published page will
have. Those depend on what renders it: GitHub and GitLab slug the heading text their own ways;
MkDocs (Python-Markdown's toc with attr_list), Jekyll (kramdown), Hugo (goldmark), Docusaurus,
MyST and pandoc each have their own automatic ids, their own way of numbering duplicates and
their own syntax for explicit ids. Each style below follows its generator's documented rules
and source; the cases in tests/unit/test_anchor_styles.py come from the generators' own docs
and test fixtures.

``site.anchor_style = "auto"`` (the default) picks the style from the files at the project
root (``_config.yml``, ``hugo.toml``, ``mkdocs.yml``, ``docusaurus.config.*``, a Sphinx
``conf.py`` with myst_parser, ...), and GitHub's when nothing says otherwise.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyromark

from linkkeeper.config import ANCHOR_STYLES
from linkkeeper.folders import project_root
from linkkeeper.scanning.markdown import lone_cr_as_lf, parser_options

AUTO = "auto"
STYLES = tuple(style for style in ANCHOR_STYLES if style != AUTO)
HTML_ANCHOR = re.compile(r"<[A-Za-z][^>]*?\s(?:id|name)\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)

# -- slugs: one heading's text -> its automatic id, before duplicates are numbered ------------------

# github-slugger (GitHub's own rule, its fixtures made on github.com) removes these Unicode
# categories, except ' ', '-' and the alphabetic symbols (circled and squared letters).
_GITHUB_REMOVED = frozenset(
    {"No", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Sc", "Sk", "Sm", "So", "Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp", "Zs"}
)
_ALPHABETIC_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))


def _github_keeps(char: str) -> bool:
    if char in " -":
        return True
    category = unicodedata.category(char)
    if category not in _GITHUB_REMOVED:
        return True
    return category == "So" and any(low <= ord(char) <= high for low, high in _ALPHABETIC_SYMBOLS)


def github_slug(text: str) -> str:
    """GitHub (and github-slugger, hence Docusaurus): lowercase, punctuation and symbols dropped,
    each space a hyphen (runs of hyphens stay)."""
    return "".join(char for char in text.lower() if _github_keeps(char)).replace(" ", "-")


def _ruby_word(char: str) -> bool:
    """Ruby's ``\\p{Word}``: letters, marks, decimal digits and connector punctuation (``_``)."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category in ("Nd", "Pc")


def gitlab_slug(text: str) -> str:
    """GitLab: GitHub's rule, then runs of hyphens squeezed to one; digits alone get ``anchor-``."""
    slug = "".join(char for char in text.strip().lower() if char in " -" or _ruby_word(char) or char == "_")
    slug = re.sub(r"-{2,}", "-", slug.replace(" ", "-"))
    return f"anchor-{slug}" if slug.isascii() and slug.isdigit() else slug


def mkdocs_slug(text: str) -> str:
    """Python-Markdown's toc (MkDocs): accents folded to ASCII, other non-word characters dropped,
    whitespace and hyphen runs to one hyphen."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"[^\w\s-]", "", ascii_text).strip().lower()
    return re.sub(r"[-\s]+", "-", ascii_text)


def kramdown_slug(raw: str) -> str:
    """kramdown's documented ``auto_ids`` (``input: kramdown``), over the heading's raw text:
    everything up to the first ASCII letter goes, then all but ASCII letters, digits, spaces and
    hyphens; spaces become hyphens, letters lowercase; nothing left is ``section``."""
    slug = re.sub(r"^[^a-zA-Z]+", "", raw)
    slug = re.sub(r"[^a-zA-Z0-9 -]", "", slug).replace(" ", "-").lower()
    return slug or "section"


# kramdown's typographic symbols, as its GFM parser's ids see them (before non-word characters go).
_TYPOGRAPHIC = (("---", "\u2014"), ("--", "\u2013"), ("...", "\u2026"), ("<< ", "\u00ab\u00a0"),
                (" >>", "\u00a0\u00bb"), ("<<", "\u00ab"), (">>", "\u00bb"))  # fmt: skip


def kramdown_gfm_slug(text: str) -> str:
    """kramdown's GFM parser (Jekyll's default ``input: GFM``): the text of the heading, lowercase,
    all but Ruby word characters, hyphens, spaces and tabs dropped, spaces and tabs to hyphens
    (may be empty: then the heading has no id)."""
    return (
        "".join(char for char in text.lower() if char in "- \t" or _ruby_word(char))
        .replace(" ", "-")
        .replace("\t", "-")
    )


def hugo_slug(raw: str) -> str:
    """Hugo's goldmark ``autoHeadingIDType = "github"``, over the heading's raw source line:
    trimmed, ``-`` and spaces to hyphens, letters, decimal digits and ``_`` lowercase, the rest
    dropped; nothing left is ``heading``."""
    kept = []
    for char in raw.strip():
        if char in "- ":
            kept.append("-")
        elif char == "_" or unicodedata.category(char)[0] == "L" or unicodedata.category(char) == "Nd":
            kept.append(char.lower())
    return "".join(kept) or "heading"


def myst_slug(text: str) -> str:
    """MyST's heading slugs (``myst_heading_anchors``, the github preset): lowercase, spaces to
    hyphens, all but word characters, CJK ideographs and hyphens dropped (may be empty: no anchor)."""
    return re.sub(r"[^\w\u4e00-\u9fff\- ]", "", text.lower().replace(" ", "-"))


def pandoc_slug(text: str) -> str:
    """pandoc's ``auto_identifiers``: all but letters, numbers, ``_``, ``-``, ``.`` and whitespace
    dropped, lowercase, words joined by hyphens, everything before the first letter dropped;
    nothing left is ``section``."""
    kept = "".join(char for char in text if char.isalnum() or char in "_-." or char.isspace()).lower()
    joined = "-".join(kept.split())
    start = next((index for index, char in enumerate(joined) if char.isalpha()), len(joined))
    return joined[start:] or "section"


def slugify(text: str, style: str) -> str:
    """A heading's automatic anchor in ``style``, before duplicates are numbered (for ``jekyll``,
    kramdown's documented algorithm; for ``hugo``, ``text`` stands for the raw source line)."""
    slug: Callable[[str], str] = {
        "gitlab": gitlab_slug,
        "mkdocs": mkdocs_slug,
        "jekyll": kramdown_slug,
        "hugo": hugo_slug,
        "myst": myst_slug,
        "pandoc": pandoc_slug,
    }.get(style, github_slug)
    return slug(text)


# -- numbering duplicates -----------------------------------------------------------------------------


class _GithubSlugger:
    """github-slugger: a taken slug gets ``-1``, ``-2``… counted per original slug, skipping any
    already taken (``a``, ``a``, ``a-1`` -> ``a``, ``a-1``, ``a-1-1``)."""

    def __init__(self) -> None:
        self.occurrences: dict[str, int] = {}

    def __call__(self, slug: str) -> str:
        result = slug
        while result in self.occurrences:
            self.occurrences[slug] += 1
            result = f"{slug}-{self.occurrences[slug]}"
        self.occurrences[result] = 0
        return result


class _Counter:
    """GitLab and kramdown: the n-th heading with one slug gets ``-n`` (nothing else is checked)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, slug: str) -> str:
        count = self.counts.get(slug, 0)
        self.counts[slug] = count + 1
        return slug if count == 0 else f"{slug}-{count}"


@dataclass(slots=True)
class _Unique:
    """Hugo, pandoc and MyST: the first of ``-1``, ``-2``… not taken yet (explicit ids may be)."""

    taken: set[str] = field(default_factory=set)

    def __call__(self, slug: str) -> str:
        result, number = slug, 1
        while result in self.taken:
            result, number = f"{slug}-{number}", number + 1
        self.taken.add(result)
        return result


_UNDERSCORE_COUNT = re.compile(r"^(.*)_([0-9]+)$")


@dataclass(slots=True)
class _PythonMarkdownUnique:
    """Python-Markdown's toc: ``_1``, ``_2``… (a slug ending in ``_n`` counts on from n); every id
    the page sets explicitly is taken before any is generated; an empty slug becomes ``_1``."""

    taken: set[str] = field(default_factory=set)

    def __call__(self, slug: str) -> str:
        while slug in self.taken or not slug:
            match = _UNDERSCORE_COUNT.match(slug)
            slug = f"{match.group(1)}_{int(match.group(2)) + 1}" if match else f"{slug}_1"
        self.taken.add(slug)
        return slug


# -- reading a page's headings ------------------------------------------------------------------------


@dataclass(slots=True)
class _Heading:
    start: int  # byte offsets of the heading in the source, its line ending included
    end: int
    explicit: str | None  # {#id} (and {: #id}) on the heading's own line
    pieces: list[tuple[str, str]] = field(default_factory=list)  # (text | code | math, content)
    ial: str | None = None  # kramdown block IAL id, on the line after (or before) the heading

    def text(self, *, math: bool = False, alt: bool = False, typographic: bool = False) -> str:
        """The heading's text as rendered (code included; math and images' alt text when asked);
        ``typographic``: with kramdown's ``--``, ``...``, ``<<`` turned into dashes, ellipses and
        guillemets."""
        parts: list[str] = []
        run: list[str] = []  # consecutive text pieces: pyromark may split one at ``<``
        for kind, content in [*self.pieces, ("end", "")]:
            if kind == "text":
                run.append(content)
                continue
            plain = "".join(run)
            if typographic:
                for ascii_form, symbol in _TYPOGRAPHIC:
                    plain = plain.replace(ascii_form, symbol)
            parts.append(plain)
            run = []
            if kind == "code" or (kind == "math" and math) or (kind == "alt" and alt):
                parts.append(content)
        return "".join(parts)


@dataclass(slots=True)
class _Paragraph:
    start: int
    end: int
    lines: list[str | None] = field(default_factory=lambda: [""])  # None: not plain text


_IAL = re.compile(r"^\{:(?!:)(?![\w-]+:)(.*)\}$")
_IAL_ID = re.compile(r"(?:^|\s)(?:#([A-Za-z][\w:-]*)|id=([\"'])(.*?)\2)")
_MYST_TARGET = re.compile(r"^\((.+)\)=$")
_ATTRIBUTES = re.compile(r"\s*\{[^{}]*\}\s*$")
_CLOSING_HASHES = re.compile(r"(?:^|\s+)#+\s*$")


def _explicit_id(start: dict[str, Any]) -> str | None:
    """``{#id}``, ``{: #id}``, ``{:#id}`` or ``{id="x"}`` after a heading, as pyromark reads them."""
    if start.get("id"):
        return str(start["id"])
    for key, value in start.get("attrs") or ():
        if key.startswith(":#") and len(key) > 2:
            return str(key[2:])
        if key == "id" and value:
            return str(value).strip("\"'")
    return None


def _ial_id(line: str) -> str | None:
    """The id a kramdown block IAL line (``{: #id}``, ``{:#id}``, ``{: .cls #id}``) sets, if any."""
    match = _IAL.match(line.strip())
    if match is None:
        return None
    found = None
    for token in _IAL_ID.finditer(match.group(1)):
        found = token.group(1) or token.group(3)
    return found


def _parse(text: str) -> tuple[bytes, list[_Heading], list[_Paragraph]]:
    source = lone_cr_as_lf(text)
    headings: list[_Heading] = []
    paragraphs: list[_Paragraph] = []
    heading: _Heading | None = None
    paragraph: _Paragraph | None = None
    images = 0  # inside an image: its alt text, which some generators count and others do not
    events: Iterable[tuple[Any, Any]] = pyromark.events_with_range(source, options=parser_options(math=True))
    for event, span in events:
        if isinstance(event, str):
            if event in ("SoftBreak", "HardBreak"):
                if heading is not None:
                    heading.pieces.append(("text", "\n"))
                elif paragraph is not None:
                    paragraph.lines.append("")
            continue
        start, end = event.get("Start"), event.get("End")
        if isinstance(start, dict) and "Heading" in start:
            heading = _Heading(span["start"], span["end"], _explicit_id(start["Heading"]))
            continue
        if isinstance(end, dict) and "Heading" in end and heading is not None:
            headings.append(heading)
            heading = None
            continue
        if start == "Paragraph":
            paragraph = _Paragraph(span["start"], span["end"])
            continue
        if end == "Paragraph" and paragraph is not None:
            paragraphs.append(paragraph)
            paragraph = None
            continue
        if heading is not None:
            if isinstance(start, dict) and "Image" in start:
                images += 1
            elif end == "Image":
                images -= 1
            for key, kind in (("Text", "text"), ("Code", "code"), ("InlineMath", "math"), ("DisplayMath", "math")):
                if key in event:
                    heading.pieces.append(("alt" if images else kind, event[key]))
        elif paragraph is not None:
            last = paragraph.lines[-1]
            paragraph.lines[-1] = last + event["Text"] if "Text" in event and last is not None else None
    return source.encode(), headings, paragraphs


def _raw(data: bytes, heading: _Heading, *, last_line: bool) -> str:
    """The heading's source text: markers, closing hashes and a trailing ``{…}`` taken off (a
    setext heading's content lines joined, or only its last line as goldmark reads it)."""
    lines = data[heading.start : heading.end].decode(errors="replace").rstrip("\r\n").split("\n")
    first = lines[0].lstrip(" \t>")
    if first.startswith("#"):
        content = first.lstrip("#")
    else:
        body = [line.strip() for line in lines[:-1]] or lines
        content = body[-1] if last_line else " ".join(body)
    content = content.strip()
    if not heading.text().rstrip().endswith("}"):
        content = _ATTRIBUTES.sub("", content)
    if first.startswith("#"):
        content = _CLOSING_HASHES.sub("", content)
    return content.strip()


def _adjacent(data: bytes, end: int, start: int) -> bool:
    """Whether a block ending at ``end`` is directly followed (no blank line) by one at ``start``."""
    return 0 <= end <= start and b"\n" not in data[end:start]


def _kramdown_ials(data: bytes, headings: list[_Heading], paragraphs: list[_Paragraph]) -> None:
    """Attach kramdown block IALs to headings: the IAL lines right after a heading, or a paragraph
    of IAL lines right before one (kramdown gives one directly after and before to the first)."""
    ends = [heading.end for heading in headings]  # in document order, so sorted
    starts = [heading.start for heading in headings]
    for paragraph in paragraphs:
        index = bisect.bisect_right(ends, paragraph.start) - 1
        before = headings[index] if index >= 0 and _adjacent(data, ends[index], paragraph.start) else None
        ids: list[str | None] = []  # the paragraph's leading IAL lines, and the id each sets
        for line in paragraph.lines:
            if line is None or _IAL.match(line.strip()) is None:
                break
            ids.append(_ial_id(line))
        leading = [found for found in ids if found]
        if before is not None:
            if leading:
                before.ial = leading[-1]
            continue
        if len(ids) == len(paragraph.lines) and leading:
            index = bisect.bisect_left(starts, paragraph.end)
            if index < len(headings) and _adjacent(data, paragraph.end, starts[index]):
                headings[index].ial = leading[-1]


_TIGHT_HASH_HEADING = re.compile(rb"^[ \t]*#{1,6}(?=[^#\s])(.*)$")


def _tight_hash_headings(data: bytes, paragraphs: list[_Paragraph]) -> list[_Heading]:
    """Python-Markdown's ``#Header`` (no space after the hashes): a heading to MkDocs, paragraph
    text to CommonMark."""
    found: list[_Heading] = []
    for paragraph in paragraphs:
        offset = paragraph.start
        for line in data[paragraph.start : paragraph.end].split(b"\n"):
            match = _TIGHT_HASH_HEADING.match(line)
            parsed = _parse("# " + match.group(1).decode(errors="replace"))[1] if match is not None else []
            if parsed:
                found.append(_Heading(offset, offset + len(line), parsed[0].explicit, parsed[0].pieces))
            offset += len(line) + 1
    return found


def _myst_targets(paragraphs: list[_Paragraph]) -> set[str]:
    """MyST ``(label)=`` target lines."""
    return {
        match.group(1).strip()
        for paragraph in paragraphs
        for line in paragraph.lines
        if line is not None and (match := _MYST_TARGET.match(line.strip()))
    }


def markdown_anchors(text: str, style: str) -> frozenset[str]:
    """The anchors a Markdown page has once ``style``'s generator renders it: headings' automatic
    ids (duplicates numbered its way), explicit ids, its other targets, and HTML ids/names."""
    data, headings, paragraphs = _parse(text)
    anchors: set[str] = set()
    explicit = [heading.explicit for heading in headings if heading.explicit]
    anchors.update(explicit)
    automatic = [heading for heading in headings if not heading.explicit]
    if style == "jekyll":
        _kramdown_ials(data, headings, paragraphs)
        anchors.update(heading.ial for heading in headings if heading.ial)
        automatic = [heading for heading in automatic if not heading.ial]
        kramdown, gfm = _Counter(), _Counter()
        for heading in automatic:
            anchors.add(kramdown(kramdown_slug(_raw(data, heading, last_line=False))))
            # Jekyll's default is kramdown's GFM parser (``kramdown: input: GFM``): its ids too.
            anchors.add(gfm(kramdown_gfm_slug(heading.text(math=True, typographic=True))))
        anchors.discard("")  # the GFM parser gives a heading of punctuation no id
    elif style == "mkdocs":
        tight = _tight_hash_headings(data, paragraphs)
        anchors.update(heading.explicit for heading in tight if heading.explicit)
        explicit += [heading.explicit for heading in tight if heading.explicit]
        automatic = sorted(automatic + [h for h in tight if not h.explicit], key=lambda heading: heading.start)
        unique = _PythonMarkdownUnique(set(explicit))
        anchors.update(unique(mkdocs_slug(heading.text())) for heading in automatic)
    elif style == "hugo":
        taken = _Unique()
        for heading in headings:
            if heading.explicit:
                taken.taken.add(heading.explicit)
            else:
                anchors.add(taken(hugo_slug(_raw(data, heading, last_line=True))))
    elif style == "pandoc":
        taken = _Unique()
        for heading in headings:
            if heading.explicit:
                taken.taken.add(heading.explicit)
            else:
                anchors.add(taken(pandoc_slug(heading.text(math=True, alt=True))))
    elif style == "myst":
        anchors |= _myst_targets(paragraphs)
        taken = _Unique()
        for heading in automatic:
            slug = myst_slug(heading.text())
            if slug:  # an empty slug is no anchor and numbers nothing
                anchors.add(taken(slug))
    elif style == "gitlab":
        counter = _Counter()
        anchors.update(counter(gitlab_slug(heading.text().strip())) for heading in automatic)
    else:  # github, docusaurus (github-slugger)
        slugger = _GithubSlugger()
        alt = style == "docusaurus"  # mdast's toString counts an image's alt text; GitHub's HTML does not
        anchors.update(slugger(github_slug(heading.text(alt=alt))) for heading in automatic)
    anchors.update(HTML_ANCHOR.findall(text))
    return frozenset(anchors)


# -- which style: the setting, or what the project root says -------------------------------------------

_HUGO_KEY = re.compile(r"^\s*[\"']?(?:baseURL|languageCode|defaultContentLanguage)[\"']?\s*[=:]", re.I | re.M)
_SPHINX_MYST = re.compile(r"\bmyst_(?:parser|nb)\b")


def _read(path: Path, limit: int = 65536) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as stream:
            return stream.read(limit)
    except OSError:
        return ""


def _is_file(path: Path) -> bool:
    """``path.is_file()``, but False for a name too long for the file system (an OSError there)."""
    return os.path.isfile(path)


def _marker(folder: Path) -> tuple[str, str] | None:
    """The generator whose configuration file is in ``folder``, and that file's name."""
    if _is_file(folder / "_config.yml") or _is_file(folder / "_config.yaml"):
        name = "_config.yml" if _is_file(folder / "_config.yml") else "_config.yaml"
        if _is_file(folder / "_toc.yml"):  # Jupyter Book: MyST pages under a _config.yml
            return "myst", f"{name} and _toc.yml"
        return "jekyll", name
    for name in ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json"):
        if _is_file(folder / name):
            return "hugo", name
    for name in ("config.toml", "config.yaml", "config.yml", "config.json"):
        if _is_file(folder / name) and _HUGO_KEY.search(_read(folder / name)):
            return "hugo", f"{name} with Hugo's keys"
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        if _is_file(folder / name):
            return "mkdocs", name
    found = sorted(folder.glob("docusaurus.config.*"))
    if found:
        return "docusaurus", found[0].name
    if _is_file(folder / "myst.yml"):
        return "myst", "myst.yml"
    for name in ("conf.py", "source/conf.py"):
        if _is_file(folder / name) and _SPHINX_MYST.search(_read(folder / name)):
            return "myst", f"{name} with myst_parser"
    return None


def detect_style(root: Path) -> tuple[str, str]:
    """The anchor style a project's files say (its root, then its ``docs/`` folder), and why."""
    for folder, prefix in ((root, ""), (root / "docs", "docs/")):
        if not os.path.isdir(folder):  # os.path: a name too long for the file system is no folder either
            continue
        found = _marker(folder)
        if found is not None:
            style, name = found
            return style, f"from {prefix}{name}"
    return "github", "no site generator found"


def resolve_style(style: str, site_root: str = "", cwd: Path | None = None) -> tuple[str, str]:
    """The style to use and why: ``site.anchor_style`` as set, or (``auto``) what the site's
    folder (``site.root``, else the project root: the git top of ``cwd``) says."""
    if style != AUTO:
        return style, "from site.anchor_style"
    start = (cwd or Path.cwd()).absolute()
    root = (start / site_root) if site_root else project_root(start)
    return detect_style(root)

"""Local links: relative files, site-relative paths, permalinks and #fragments, checked on disk.

A relative link is resolved against the file that contains it; a site-relative one (``/path/``)
against ``site.root`` on disk — where Jekyll/Hugo permalinks (front-matter ``permalink:``, Jekyll's
``_config.yml`` ``baseurl`` and ``permalink``) are understood without building the site — or under
``site.base_url`` over HTTP. Without either, site-relative links are skipped with a one-line hint.
Fragments are checked against the target's anchors: heading ids as the site's generator makes
them (``site.anchor_style``: GitHub, GitLab, MkDocs, Jekyll, Hugo, Docusaurus, MyST, pandoc, or
detected from the project root; see linkkeeper/anchors.py), explicit ``{#id}``s, and HTML
``id``/``name`` attributes. Text fragments (``#:~:text=``) are never failures.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urldefrag

from linkkeeper.anchors import markdown_anchors, resolve_style, slugify
from linkkeeper.config import SiteSettings
from linkkeeper.folders import git_root
from linkkeeper.models import Checkable, CheckResult, Entry, ErrorKind, Flag, Occurrence, Outcome
from linkkeeper.scanning.html import parse_html
from linkkeeper.scanning.source import UnreadableSource, decode

__all__ = ["LocalChecker", "fragment_problem", "fragments_checked", "html_anchors", "markdown_anchors", "slugify"]

SITE_HINT = "site-relative link: set site.root (a folder) or site.base_url to check it"
_LIQUID_SITE = re.compile(r"^\{\{-?\s*site\.(?:url|baseurl)\s*-?\}\}")
_LIQUID_LINK = re.compile(r"^\{%-?\s*link\s+(\S+)\s*-?%\}")
_LIQUID_POST = re.compile(r"^\{%-?\s*post_url\s+(\S+)\s*-?%\}")
_FRONT_MATTER = re.compile(r"\A---\r?\n(.*?)\r?\n---", re.DOTALL)
_YAML_KEY = re.compile(r"^(permalink|baseurl|url)\s*:\s*[\"']?([^\"'\n#]*)", re.MULTILINE)
_JEKYLL_STYLES = {
    "": "/:categories/:year/:month/:day/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "none": "/:categories/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
}
_POST_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")


# -- anchors ----------------------------------------------------------------------------------------


def html_anchors(markup: str | bytes) -> frozenset[str] | None:
    """The ids and ``<a name>``s of an HTML page; None when it cannot be read (nothing is judged)."""
    soup = parse_html(markup)
    if soup is None:
        return None
    found = {str(tag["id"]) for tag in soup.find_all(id=True)}
    found |= {str(tag["name"]) for tag in soup.find_all("a", attrs={"name": True})}
    return frozenset(found)


def _anchors_of(path: str, style: str) -> frozenset[str] | None:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if path.lower().endswith((".html", ".htm")):
        return html_anchors(data)
    try:
        return markdown_anchors(decode(data).text, style)
    except UnreadableSource:
        return None


def fragment_problem(fragment: str, anchors: frozenset[str] | None) -> str | None:
    """Why ``#fragment`` is missing from a page with these anchors; None when it is fine."""
    if not fragment or fragment.startswith(":~:") or fragment in ("top",) or anchors is None:
        return None
    wanted = unquote(fragment)
    if wanted in anchors or wanted.lower() in {anchor.lower() for anchor in anchors}:
        return None
    return f"no anchor #{fragment} on the page"


def fragments_checked(entries: Iterable[Entry]) -> bool:
    """Whether a run judged a ``#fragment`` of a local Markdown page against its heading anchors
    (then the anchor style matters, and ``check`` says which one it used)."""
    for entry in entries:
        result, occurrences = entry.result, entry.target.occurrences
        fragment = urldefrag(entry.target.url)[1]
        if (
            fragment
            and not fragment.startswith(":~:")
            and occurrences
            and occurrences[0].checkable is Checkable.NEEDS_BASE
            and result.outcome in (Outcome.ALIVE, Outcome.BROKEN_FRAGMENT)
            and result.final_url is not None
            and not result.final_url.lower().endswith((".html", ".htm"))
        ):
            return True
    return False


# -- the site ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Site:
    """What the site root says about its URLs: baseurl and every page's permalink."""

    root: Path | None
    baseurl: str
    permalinks: dict[str, Path]

    @classmethod
    def load(cls, settings: SiteSettings) -> Site:
        if not settings.root:
            return cls(None, "", {})
        root = Path(settings.root).resolve()
        config = root / "_config.yml"
        baseurl, pattern = "", ""
        if os.path.isfile(config):  # os.path: a name too long for the file system is no file either
            values = dict(_YAML_KEY.findall(config.read_text(encoding="utf-8", errors="replace")))
            baseurl = values.get("baseurl", "").strip().rstrip("/")
            pattern = values.get("permalink", "").strip()
        permalinks: dict[str, Path] = {}
        for folder, names, files in os.walk(root):
            names[:] = [
                name for name in names if not name.startswith((".", "_site", "node_modules")) or name == "_posts"
            ]
            for name in files:
                if name.rsplit(".", 1)[-1].lower() not in ("md", "markdown", "html"):
                    continue
                path = Path(folder) / name
                link = _front_matter_permalink(path) or _post_permalink(path, root, pattern)
                if link:
                    permalinks[_normal(link)] = path
        return cls(root, baseurl, permalinks)


def _front_matter_permalink(path: Path) -> str | None:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return None
    block = _FRONT_MATTER.match(head)
    if block is None:
        return None
    values = dict(_YAML_KEY.findall(block.group(1)))
    return values.get("permalink", "").strip() or None


def _post_permalink(path: Path, root: Path, pattern: str) -> str | None:
    """Jekyll's permalink for a post in _posts (pretty, date or a :year/:month/:day/:title pattern)."""
    if path.parent.name != "_posts" or path.parent.parent != root:
        return None
    match = _POST_NAME.match(path.stem)
    if match is None:
        return None
    year, month, day, title = match.groups()
    pattern = _JEKYLL_STYLES.get(pattern, pattern)
    link = pattern.replace(":categories", "").replace(":year", year).replace(":month", month).replace(":day", day)
    link = link.replace(":title", title).replace(":output_ext", ".html")
    return re.sub("/{2,}", "/", link)


def _normal(link: str) -> str:
    link = unquote(link.split("?", 1)[0])
    link = "/" + link.strip("/")
    return link.removesuffix(".html").removesuffix("/index")


# -- resolving ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolved:
    """Where a local link leads: a file on disk (``key`` names it), a web URL, or nowhere (why)."""

    key: str
    result: CheckResult | None = None
    web_url: str | None = None


class LocalChecker:
    def __init__(self, settings: SiteSettings, documents: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self._documents = dict(documents or {})  # texts not on disk (standard input), by their path
        self.site = Site.load(settings)
        # "auto" becomes the style the project's files say, once per run (see anchors.resolve_style).
        self.anchor_style, self.anchor_reason = resolve_style(settings.anchor_style, settings.root)
        # One run reads each file's anchors and each folder's listing once, however many links.
        self._anchors: dict[str, frozenset[str] | None] = {}
        self._listings: dict[Path, list[str]] = {}
        self._roots: dict[Path, Path | None] = {}

    def _list(self, folder: Path) -> list[str]:
        if folder not in self._listings:
            self._listings[folder] = _list(folder)
        return self._listings[folder]

    def _repository_of(self, folder: Path) -> Path | None:
        """The top of the git work tree holding ``folder`` (None outside one): where relative links
        may lead, for a link out of it works nowhere the repository is published."""
        start = _lexical(folder)
        if start not in self._roots:
            self._roots[start] = git_root(start)
        return self._roots[start]

    def _anchors_of(self, path: Path) -> frozenset[str] | None:
        key = str(path)
        if key not in self._anchors:
            document = self._documents.get(key)
            self._anchors[key] = (
                _anchors_of(key, self.anchor_style)
                if document is None
                else markdown_anchors(document, self.anchor_style)
            )
        return self._anchors[key]

    def _exact_case(self, path: Path) -> bool:
        """Whether every component is spelled as on disk (a case-insensitive file system hides this);
        ``.`` and ``..`` are steps, not names, and never compared with a listing."""
        resolved = _lexical(path)
        return all(
            part in self._list(parent)
            for parent, part in zip(resolved.parents, resolved.parts[::-1][:-1], strict=False)
        )

    def _case_insensitive(self, target: Path) -> Path | None:
        """The existing file whose name differs from ``target`` only in case, if any."""
        target = _lexical(target)
        current = Path(target.anchor)
        for part in target.parts[1:]:
            match = next((name for name in self._list(current) if name.lower() == part.lower()), None)
            if match is None:
                return None
            current = current / match
        return current

    def resolve(self, occ: Occurrence) -> Resolved:
        """Resolve and check one needs-base occurrence (``occ.url`` relative to ``occ.path``)."""
        url = occ.url.strip()
        liquid = _LIQUID_LINK.match(url) or _LIQUID_POST.match(url)
        if liquid is not None:
            return self._liquid_link(occ, liquid)
        url = _LIQUID_SITE.sub("", _LIQUID_SITE.sub("", url))
        if "{{" in url or "{%" in url:
            return self._skip(occ.url, "contains a Liquid template linkkeeper cannot resolve")
        path_part, fragment = urldefrag(url)
        if url.startswith("//"):
            return self._skip(occ.url, "protocol-relative link; needs the site's scheme")
        if path_part.startswith("/"):
            return self._site_relative(occ, path_part, fragment)
        base = Path(occ.path).parent if occ.path != "<stdin>" else Path.cwd()
        if not path_part and occ.path in self._documents:  # "#anchor" in standard input: its own text
            problem = fragment_problem(fragment, self._anchors_of(Path(occ.path)))
            return _on_page(f"{occ.path}#{fragment}", occ.path, problem)
        if not path_part:
            return self._check_file(occ.url, Path(occ.path), fragment)
        target = base / unquote(path_part.split("?", 1)[0])
        root = self._repository_of(base)
        if root is not None and not (lexical := _lexical(target)).is_relative_to(root):
            key = _display(lexical) + (f"#{fragment}" if fragment else "")
            error = f"leaves the repository: {_display(lexical)} is outside {_display(root)}"
            return Resolved(key, CheckResult(key, Outcome.BROKEN, error_kind=ErrorKind.MISSING_FILE, error=error))
        resolved = self._check_file(occ.url, target, fragment)
        missing = resolved.result is not None and resolved.result.error_kind is ErrorKind.MISSING_FILE
        if missing and resolved.result is not None and Flag.LOOKS_LIKE_HOST_MISSING_SCHEME in occ.flags:
            hint = f"; it looks like a web address: did you mean https://{occ.url}?"
            return Resolved(resolved.key, replace(resolved.result, error=resolved.result.error + hint))
        return resolved

    def _skip(self, url: str, reason: str) -> Resolved:
        return Resolved(url, CheckResult(url, Outcome.SKIPPED, error_kind=ErrorKind.NEEDS_SITE, error=reason))

    def _site_relative(self, occ: Occurrence, path: str, fragment: str) -> Resolved:
        if self.site.root is not None:
            relative = path
            if self.site.baseurl and (relative == self.site.baseurl or relative.startswith(self.site.baseurl + "/")):
                relative = relative[len(self.site.baseurl) :] or "/"
            permalink = self.site.permalinks.get(_normal(relative))
            if permalink is not None:
                return self._check_file(occ.url, permalink, fragment)
            return self._check_file(occ.url, self.site.root / unquote(relative.lstrip("/")), fragment)
        if self.settings.base_url:
            return Resolved(occ.url, web_url=self.settings.base_url.rstrip("/") + occ.url.strip())
        return self._skip(occ.url, SITE_HINT)

    def _liquid_link(self, occ: Occurrence, match: re.Match[str]) -> Resolved:
        if self.site.root is None:
            return self._skip(occ.url, "a Liquid link tag: set site.root to check it")
        name = match.group(1)
        _, fragment = urldefrag(occ.url[match.end() :])
        if match.re is _LIQUID_POST:
            found = next((path for path in (self.site.root / "_posts").glob(f"{name}.*")), None)
            target = found or self.site.root / "_posts" / name
        else:
            target = self.site.root / name
        return self._check_file(occ.url, target, fragment)

    def _check_file(self, url: str, target: Path, fragment: str) -> Resolved:
        found = self._find(target)
        key = _display(found or target) + (f"#{fragment}" if fragment else "")
        if found is None:
            wrong_case = self._case_insensitive(target)
            if wrong_case is not None and wrong_case != _lexical(target):
                error = (
                    f"case differs: the link says {target.name}, the file is {wrong_case.name} "
                    "(breaks on case-sensitive hosts)"
                )
                result = CheckResult(
                    key, Outcome.BROKEN, final_url=_display(wrong_case), error_kind=ErrorKind.CASE_MISMATCH, error=error
                )
            else:
                result = CheckResult(key, Outcome.BROKEN, error_kind=ErrorKind.MISSING_FILE, error=_missing(target))
            return Resolved(key, result)
        problem = None
        if fragment and os.path.isfile(found):
            problem = fragment_problem(fragment, self._anchors_of(found))
        return _on_page(key, _display(found), problem)

    def _find(self, target: Path) -> Path | None:
        """The file a link means: itself, a folder's index file, or the name with an extension (os.path
        answers False where pathlib raises, for a name too long for the file system)."""
        candidates = [target]
        if os.path.isdir(target):
            candidates = [target / name for name in self.settings.index_files]
        else:
            candidates += [target.with_name(f"{target.name}.{ext}") for ext in self.settings.fallback_extensions]
            candidates += [target / name for name in self.settings.index_files]
        for candidate in candidates:
            if os.path.exists(candidate) and self._exact_case(candidate):
                return candidate
        if os.path.isdir(target) and self._exact_case(target):
            return target
        return None


def _on_page(key: str, page: str, problem: str | None) -> Resolved:
    """A link to an existing page: alive, or a broken fragment when ``problem`` says so."""
    if problem is None:
        return Resolved(key, CheckResult(key, Outcome.ALIVE, final_url=page))
    result = CheckResult(
        key, Outcome.BROKEN_FRAGMENT, final_url=page, error_kind=ErrorKind.MISSING_FRAGMENT, error=problem
    )
    return Resolved(key, result)


def _lexical(path: Path) -> Path:
    """The absolute path with ``.`` and ``..`` worked out by name, as a web server or GitHub reads a
    link (not through symbolic links, as the operating system would)."""
    return Path(os.path.normpath(path.absolute()))


def _missing(target: Path) -> str:
    """Why the file a link names is not there; a symbolic link that loops or leads nowhere is
    listed under the very name the link spells, and is no missing file (nor a case mismatch)."""
    try:
        os.stat(target)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"symbolic link loop: {_display(target)}"
        if os.path.islink(target):
            return f"dangling symbolic link: {_display(target)} (to {os.readlink(target)}, which leads nowhere)"
    return f"no such file: {_display(target)}"


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _list(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []

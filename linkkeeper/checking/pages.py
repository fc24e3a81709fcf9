"""Judging the page, not only the status: parked domains, soft 404s, login walls, and what a
page looks like (its fingerprint, for drift). The detectors are pure functions in ``rot``; this
module decides when to use them and makes the one kind of extra request they need, a random
*sibling* probe (Bar-Yossef et al., 2004: a URL next to the linked one that cannot exist):

- a deep link answered 200 is compared with what its folder's probe got: the same page (a
  template answering every path) is a soft 404; a probe answered 404 vouches for the site;
- a deep link redirected where its folder's probe is redirected too (home, the section's index)
  is a soft 404;
- probes are made once per folder and at most ``soft_404_probes`` per host per run (a host's
  other folders use its nearest probe), kept in the history and reused while fresh.

A homepage is never probed, and an app shell (every path the same near-empty page) is never
judged: what it shows is unknowable.
"""

from __future__ import annotations

import asyncio
import json
import posixpath
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from linkkeeper.checking import rot
from linkkeeper.config import CheckSettings
from linkkeeper.models import ErrorKind, Outcome, Redirect

__all__ = ["PageAnswer", "PageReader", "PageVerdict"]

_PROBE_TEXT_CHARS = 4000  # what is kept of a probe's page in the history (a template is short)
_ARTICLE_WORDS = 400  # a page answered 200 with this much main text is not probed
_INDEX_NAMES = ("index.", "default.", "home.")


@dataclass(frozen=True, slots=True)
class PageAnswer:
    """A final answer as the checker read it."""

    url: str  # the URL asked
    status: int
    headers: Mapping[str, str]
    body: bytes
    final_url: str
    redirects: tuple[Redirect, ...]


@dataclass(frozen=True, slots=True)
class PageVerdict:
    """What reading the page changed: a new outcome (with its kind and reason), and the page's
    fingerprint (JSON) when it is a page whose drift can be told."""

    outcome: Outcome | None = None
    error_kind: ErrorKind | None = None
    error: str = ""
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class _Probe:
    status: int
    final_url: str
    redirected: bool
    page: rot.Page | None

    def to_json(self) -> str:
        page = self.page
        text = None if page is None else {"title": page.title, "heading": page.heading, "text": page.text}
        return json.dumps({"status": self.status, "final_url": self.final_url, "redirected": self.redirected,
                           "page": text})  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> _Probe | None:
        try:
            data = json.loads(text)
            page = data["page"]
            read = None
            if page is not None:
                words = len(str(page["text"]).split())
                read = rot.Page(str(page["title"]), str(page["heading"]), str(page["text"]), words, "")
            return cls(int(data["status"]), str(data["final_url"]), bool(data["redirected"]), read)
        except (ValueError, KeyError, TypeError):
            return None


Fetch = Callable[[str], Awaitable[PageAnswer | None]]


def reads_pages(settings: CheckSettings) -> bool:
    """Whether pages are read at all (then every link is asked with one GET, never HEAD)."""
    return settings.detect_parked or settings.detect_soft_404 or settings.detect_drift or settings.detect_login_walls


class PageReader:
    """One run's page judgements, with its probes: ``known`` from the history (``(host, folder)``
    -> JSON), ``made`` the ones this run asked (to keep)."""

    def __init__(self, settings: CheckSettings, known: Mapping[tuple[str, str], str] | None = None) -> None:
        self.settings = settings
        self._known = {key: probe for key, text in (known or {}).items() if (probe := _Probe.from_json(text))}
        self._folders: dict[str, list[str]] = defaultdict(list)  # origin -> its probed folders
        for origin, folder in self._known:
            self._folders[origin].append(folder)
        self._pending: dict[tuple[str, str], asyncio.Future[_Probe | None]] = {}
        self._asked: dict[str, int] = {}  # probes asked this run, per host
        self.made: dict[tuple[str, str], str] = {}

    def parked(self, answer: PageAnswer, page: rot.Page | None = None) -> PageVerdict | None:
        """The parked verdict, when the page (read from ``answer`` unless given) is a parking or
        for-sale page and that detector is on."""
        if not self.settings.detect_parked:
            return None
        page = page or rot.read_page(answer.body, answer.headers.get("content-type", ""))
        if page is None:
            return None
        hops = tuple(hop.url for hop in answer.redirects)
        hosts = tuple(urlsplit(url).hostname or "" for url in (*hops[1:], answer.final_url))
        reason = rot.parked_evidence(page, answer.url, answer.final_url, hosts)
        return PageVerdict(Outcome.BROKEN, ErrorKind.PARKED, reason) if reason else None

    async def judge(self, answer: PageAnswer, fetch: Fetch) -> PageVerdict:
        """The page's verdict; ``fetch`` asks a probe URL (with the host's slot already held)."""
        settings = self.settings
        page = rot.read_page(answer.body, answer.headers.get("content-type", ""))
        hops = tuple(hop.url for hop in answer.redirects)
        parked = self.parked(answer, page) if page is not None else None
        if parked is not None:
            return parked
        if settings.detect_login_walls and hops and rot.login_wall(answer.final_url, hops, page):
            return PageVerdict(
                Outcome.BLOCKED, ErrorKind.LOGIN_WALL, f"redirected to a sign-in page ({answer.final_url}): a wall"
            )
        deep = _is_deep(answer.url)
        if settings.detect_soft_404 and deep:
            reason = rot.not_found_page(page) if page is not None else None
            if reason is None:
                reason = await self._sibling_says(answer, page, fetch)
            if reason:
                return PageVerdict(Outcome.BROKEN, ErrorKind.SOFT_404, reason)
        if settings.detect_drift and deep and page is not None and not rot.is_spa_shell(page):
            return PageVerdict(fingerprint=rot.fingerprint(page).to_json())
        return PageVerdict()

    async def _sibling_says(self, answer: PageAnswer, page: rot.Page | None, fetch: Fetch) -> str | None:
        """A soft 404 by the folder's probe: the same page, or redirected to the same place."""
        if page is not None and rot.is_spa_shell(page):
            return None
        if not answer.redirects and page is not None and page.words >= _ARTICLE_WORDS:
            return None  # a template answering every path is short: a long page is the page itself
        probe = await self._probe(answer.url, fetch)
        if probe is None or not 200 <= probe.status < 300:
            return None  # a site that answers a URL that cannot exist with an error is an honest one
        if answer.redirects and probe.redirected and probe.final_url == answer.final_url:
            return f"redirected to {answer.final_url}, where a URL that cannot exist on this site goes too"
        if answer.redirects or probe.redirected or page is None or probe.page is None:
            return None
        kept = rot.Page(page.title, page.heading, page.text[:_PROBE_TEXT_CHARS], page.words, page.markup)
        likeness = rot.similar(kept, probe.page)
        if likeness >= rot.SOFT_404_SIMILARITY:
            return f"the same page ({likeness:.0%} alike) as a URL that cannot exist on this site: a soft 404"
        return None

    async def _probe(self, url: str, fetch: Fetch) -> _Probe | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        folder = _folder(parts.path)
        key = (f"{parts.scheme}://{parts.netloc}".lower(), folder)
        if key in self._known:
            return self._known[key]
        pending = self._pending.get(key)
        if pending is None:
            if self._asked.get(host, 0) >= self.settings.soft_404_probes:
                return self._nearest(key)
            self._asked[host] = self._asked.get(host, 0) + 1
            pending = asyncio.ensure_future(self._ask(parts.scheme, parts.netloc, folder, parts.path, fetch))
            self._pending[key] = pending
        probe = await asyncio.shield(pending)
        if probe is not None and key not in self._known:
            self._known[key] = probe
            self._folders[key[0]].append(key[1])
            self.made[key] = probe.to_json()
        return probe

    def _nearest(self, key: tuple[str, str]) -> _Probe | None:
        """The probe of the folder nearest ``key``'s on the same origin (the longest shared start:
        ``/news/2019/`` stands for ``/news/2018/``), if any was made."""
        origin, folder = key
        folders = self._folders.get(origin)
        if not folders:
            return None
        return self._known[origin, max(folders, key=lambda known: len(posixpath.commonpath([known, folder])))]

    async def _ask(self, scheme: str, netloc: str, folder: str, path: str, fetch: Fetch) -> _Probe | None:
        name = path.rstrip("/").rsplit("/", 1)[-1]
        suffix = "/" if path.endswith("/") else (name[name.rfind(".") :] if "." in name[1:] else "")
        probe_url = urlunsplit((scheme, netloc, f"{folder}lk-{secrets.token_hex(6)}{suffix}", "", ""))
        answer = await fetch(probe_url)
        if answer is None:
            return None
        page = rot.read_page(answer.body, answer.headers.get("content-type", ""))
        if page is not None:
            page = rot.Page(page.title, page.heading, page.text[:_PROBE_TEXT_CHARS], page.words, "")
        return _Probe(answer.status, answer.final_url, bool(answer.redirects), page)


def _folder(path: str) -> str:
    """The folder a page is in: ``/a/b/post`` and ``/a/b/post/`` are both in ``/a/b/``."""
    return path.rstrip("/").rsplit("/", 1)[0] + "/"


def _is_deep(url: str) -> bool:
    """A link below a site's home: a soft 404 is told only there (a homepage is never one)."""
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1].lower()
    return path.strip("/") != "" and not (path.count("/") == 1 and name.startswith(_INDEX_NAMES))

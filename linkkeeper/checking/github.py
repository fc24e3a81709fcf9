"""GitHub links through GitHub's GraphQL API: the question each link asks — does this repository,
commit, issue, file, line or release exist? — answered a hundred at a time with the token CI has,
instead of one throttled page request each.

A link is a GitHub link when its scheme, host and port are ``github.web_url``'s (github.com, or a
GitHub Enterprise Server). Its path says what it names: an owner (``/{login}``), a repository,
a commit, an issue or pull request, a file or folder on a ref (with ``#L10`` or ``#L10-L20``), a
release. Other pages (wikis, actions, discussions…) are asked as pages. One query asks for up to
``_OBJECTS_PER_QUERY`` objects as aliases, grouped by repository; GraphQL follows a renamed or
transferred repository, so a link under its old name is ``redirected`` to the same link under the
new one. A missing object is a null (with or without a ``NOT_FOUND`` error): ``broken``. An error
for the whole query (no data: 401, a rate limit, a query GitHub refuses) is never a verdict: those
links are left to page requests. The token goes to ``graphql_url`` only, and only over https.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

import httpx

from linkkeeper.config import GitHubSettings
from linkkeeper.models import CheckResult, ErrorKind, Outcome

__all__ = ["GitHubLink", "GitHubLinks", "check_github", "parse_link"]

_OBJECTS_PER_QUERY = 100  # aliases in one query: GitHub's own example batches of 100
_QUERIES_IN_FLIGHT = 4  # well under GitHub's secondary limit of 100 concurrent requests
_MAX_REF_SPLITS = 4  # "/blob/feature/x/docs/a.md": the ref may hold slashes; this many splits are tried
_LINE_ANCHOR = re.compile(r"^L(\d+)(?:C\d+)?(?:-L(\d+)(?:C\d+)?)?$")
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
# A repository's own pages, there whenever the repository is (GitHub sends a disabled one home).
_REPOSITORY_PAGES = frozenset({
    "issues", "pulls", "tags", "releases", "branches", "commits", "actions", "projects", "security", "pulse",
    "graphs", "network", "stargazers", "watchers", "forks", "labels", "milestones", "activity", "wiki",
})  # fmt: skip
# First path segments that are GitHub's own pages, never an owner.
_RESERVED = frozenset({
    "about", "apps", "collections", "contact", "customer-stories", "enterprise", "events", "explore", "features",
    "github", "login", "logout", "marketplace", "new", "notifications", "orgs", "organizations", "pricing",
    "pulls", "issues", "search", "security", "settings", "signup", "site", "sponsors", "stars", "topics",
    "trending", "users", "codespaces", "discussions", "join", "readme", "team", "account", "dashboard",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class GitHubLink:
    """What one GitHub URL names (``kind``: owner, repo, commit, issue, blob, tree, release)."""

    url: str
    kind: str
    owner: str
    repo: str = ""
    ident: str = ""  # the commit's sha, the number, the release's tag, or "REF/PATH" of a blob or tree
    lines: tuple[tuple[str, int, int], ...] = ()  # line anchors asked of a blob: (fragment, first, last)


def parse_link(url: str, web_url: str, fragments: Sequence[str] = ()) -> GitHubLink | None:
    """The GitHub object ``url`` names, or None when it is no GitHub link or a page the API does
    not answer for (those are asked as pages)."""
    try:
        parts, web = urlsplit(url), urlsplit(web_url)
        if (parts.scheme.lower(), parts.hostname, parts.port) != (web.scheme.lower(), web.hostname, web.port):
            return None
    except ValueError:
        return None
    query = parts.query
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if not segments or segments[0].lower() in _RESERVED or not _LOGIN.match(segments[0]):
        return None
    owner = segments[0]
    if len(segments) == 1:
        return GitHubLink(url, "owner", owner)
    repo = segments[1].removesuffix(".git")
    if not _NAME.match(repo):
        return None
    rest = segments[2:]
    if query and not (not rest and query.startswith("tab=")):
        return None  # ?plain=1, ?q=…: a page of its own (a repository's ?tab= is its home page)
    if not rest or (len(rest) == 1 and rest[0] in _REPOSITORY_PAGES):
        return GitHubLink(url, "repo", owner, repo)  # these pages are there when the repository is
    kind = rest[0]
    if kind == "pull" and len(rest) == 3 and rest[1].isdigit() and rest[2] in ("files", "commits", "checks"):
        return GitHubLink(url, "issue", owner, repo, rest[1])
    if kind == "actions" and len(rest) == 3 and rest[1] == "workflows" and not fragments:
        return GitHubLink(url, "blob", owner, repo, f"HEAD/.github/workflows/{rest[2]}")
    if kind == "commit" and len(rest) == 2 and _SHA.match(rest[1]):
        return GitHubLink(url, "commit", owner, repo, rest[1])
    if kind in ("issues", "pull") and len(rest) == 2 and rest[1].isdigit():
        return GitHubLink(url, "issue", owner, repo, rest[1])
    if kind == "releases" and len(rest) == 3 and rest[1] == "tag":
        return GitHubLink(url, "release", owner, repo, rest[2])
    if kind in ("blob", "tree") and len(rest) >= 2:
        lines = tuple(line for fragment in fragments if (line := _line_anchor(fragment)) is not None)
        if len(lines) != len(fragments) and kind == "blob":
            return None  # another #fragment (a heading of a rendered file): a page's business
        return GitHubLink(url, kind, owner, repo, "/".join(rest[1:]), lines if kind == "blob" else ())
    return None


def _line_anchor(fragment: str) -> tuple[str, int, int] | None:
    match = _LINE_ANCHOR.match(fragment)
    if match is None:
        return None
    first = int(match.group(1))
    return fragment, first, int(match.group(2) or first)


@dataclass(frozen=True, slots=True)
class GitHubLinks:
    """What the API decided: a result per link (others are left to page requests), and the
    fragments of each blob link that name a line past the end of the file."""

    results: dict[str, CheckResult]
    missing_lines: dict[str, tuple[str, ...]]
    queries: int = 0


async def check_github(
    links: Sequence[GitHubLink], settings: GitHubSettings, token: str, client: httpx.AsyncClient
) -> GitHubLinks:
    """Decide ``links`` through GraphQL with ``token``; a link whose answer is not a verdict is left out."""
    if not token or not settings.graphql_url.lower().startswith("https://"):
        return GitHubLinks({}, {})  # the token goes over https only
    by_repo: dict[tuple[str, str], list[GitHubLink]] = {}
    owners: dict[str, list[GitHubLink]] = {}
    for link in links:
        if link.kind == "owner":
            owners.setdefault(link.owner.lower(), []).append(link)
        else:
            by_repo.setdefault((link.owner.lower(), link.repo.lower()), []).append(link)
    plans = _plans(by_repo, owners)
    slots = asyncio.Semaphore(_QUERIES_IN_FLIGHT)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    limits = _Limits()

    async def ask(plan: _Plan) -> dict[str, CheckResult]:
        async with slots:
            data = await _query(client, settings.graphql_url, token, plan.query, limits)
        return {} if data is None else plan.judge(data, now)

    answers = await asyncio.gather(*(ask(plan) for plan in plans))
    results: dict[str, CheckResult] = {}
    for answer in answers:
        results.update(answer)
    missing_lines: dict[str, tuple[str, ...]] = {}
    for plan in plans:
        missing_lines.update(plan.missing_lines)
    return GitHubLinks(results, missing_lines, len(plans))


async def _query(
    client: httpx.AsyncClient, url: str, token: str, query: str, limits: _Limits
) -> Mapping[str, object] | None:
    """The query's ``data``; None when there is none (a whole-query error is never a verdict).
    A secondary rate limit's short Retry-After is waited out once; a spent primary limit stops
    the run's queries (their links are asked as pages)."""
    headers = {"Authorization": f"bearer {token}", "Content-Type": "application/json"}
    for attempt in range(2):
        if limits.spent:
            return None
        try:
            response = await client.post(url, content=json.dumps({"query": query}), headers=headers)
        except httpx.HTTPError:
            limits.spent = True  # the API cannot be reached: the other queries would only wait too
            return None
        limits.learn(response.headers)
        wait = _retry_after(response)
        if response.status_code in (403, 429) and wait is not None and attempt == 0 and wait <= _LONGEST_WAIT:
            await asyncio.sleep(wait)
            continue
        if response.status_code != 200:
            limits.spent = response.status_code in (401, 403, 404)  # a token or address that will not do
            return None
        try:
            document = response.json()
        except ValueError:
            return None
        data = document.get("data") if isinstance(document, dict) else None
        return data if isinstance(data, dict) else None
    return None


_LONGEST_WAIT = 10.0  # seconds of a secondary limit's Retry-After waited out; longer: pages instead


@dataclass(slots=True)
class _Limits:
    """Whether to send more queries: not once GitHub's ``X-RateLimit-Remaining`` says none is
    left, the API could not be reached, or it refused the token."""

    spent: bool = False

    def learn(self, headers: httpx.Headers) -> None:
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.strip().isdigit():
            self.spent = int(remaining) <= 0


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


def _literal(text: str) -> str:
    return json.dumps(text)  # a GraphQL string literal is a JSON string


@dataclass(slots=True)
class _Plan:
    """One query, and how to read its answer back into verdicts."""

    query: str = ""
    readers: list[tuple[str, list[GitHubLink], str, list[str]]] = field(default_factory=list)
    missing_lines: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def judge(self, data: Mapping[str, object], now: str) -> dict[str, CheckResult]:
        results: dict[str, CheckResult] = {}
        for alias, links, kind, subaliases in self.readers:
            node = data.get(alias)
            if kind == "owner":
                for link in links:
                    results[link.url] = (
                        _found(link.url, now) if node else _gone(link.url, now, "no such user or organisation")
                    )
                continue
            if not isinstance(node, dict):
                for link in links:
                    why = f"no repository {link.owner}/{link.repo} (or a private one this token cannot see)"
                    results[link.url] = _gone(link.url, now, why)
                continue
            moved = str(node.get("nameWithOwner") or "")
            for link, sub in zip(links, subaliases, strict=True):
                result = self._object(link, node, sub, now)
                if result is None:
                    continue
                written = f"{link.owner}/{link.repo}"
                if result.outcome is not Outcome.BROKEN and moved and moved.lower() != written.lower():
                    result = _moved(link, result.final_url or link.url, moved, now)
                results[link.url] = result
        return results

    def _object(self, link: GitHubLink, repo: Mapping[str, object], sub: str, now: str) -> CheckResult | None:
        if link.kind == "repo":
            return _found(link.url, now)
        if link.kind in ("commit", "issue"):
            what = "commit" if link.kind == "commit" else "issue or pull request"
            return _found(link.url, now) if repo.get(sub) else _gone(link.url, now, f"no {what} {link.ident}")
        if link.kind == "release":
            found = repo.get(sub) or repo.get(sub + "t")
            return _found(link.url, now) if found else _gone(link.url, now, f"no release or tag {link.ident}")
        # blob or tree: the first ref/path split that names an object
        for index in range(_MAX_REF_SPLITS):
            node = repo.get(f"{sub}s{index}")
            if isinstance(node, dict):
                return self._file(link, node, now)
        return _gone(link.url, now, f"no file or folder {link.ident}")

    def _file(self, link: GitHubLink, node: Mapping[str, object], now: str) -> CheckResult:
        kind = node.get("__typename")
        if (link.kind, kind) in (("blob", "Tree"), ("tree", "Blob")):  # GitHub answers 301 to the other
            other = "/tree/" if kind == "Tree" else "/blob/"
            final = link.url.replace(f"/{link.kind}/", other, 1)
            return CheckResult(link.url, Outcome.REDIRECTED, status_code=200, final_url=final, attempts=1,
                               checked_at=now)  # fmt: skip
        if link.lines and kind == "Blob":
            text = node.get("text")
            if isinstance(text, str) and not node.get("isTruncated") and not node.get("isBinary"):
                count = len(text.splitlines())
                past = tuple(fragment for fragment, first, last in link.lines if max(first, last) > count)
                if past:
                    self.missing_lines[link.url] = past
        return _found(link.url, now)


def _plans(by_repo: Mapping[tuple[str, str], list[GitHubLink]], owners: Mapping[str, list[GitHubLink]]) -> list[_Plan]:
    plans: list[_Plan] = []
    plan, objects = _Plan(), 0
    parts: list[str] = []

    def close() -> None:
        nonlocal plan, objects, parts
        if parts:
            plan.query = "query {\n" + "\n".join(parts) + "\n}"
            plans.append(plan)
        plan, objects, parts = _Plan(), 0, []

    for number, found in enumerate(owners.values()):
        if objects >= _OBJECTS_PER_QUERY:
            close()
        alias = f"u{number}"
        parts.append(f"{alias}: repositoryOwner(login: {_literal(found[0].owner)}) {{ login }}")
        plan.readers.append((alias, list(found), "owner", []))
        objects += 1
    for number, links in enumerate(by_repo.values()):
        chunk: list[GitHubLink] = []
        for link in links:
            chunk.append(link)
            if len(chunk) >= _OBJECTS_PER_QUERY // 2:
                if objects + len(chunk) > _OBJECTS_PER_QUERY:
                    close()
                objects += _repository(plan, parts, f"r{number}x{len(plan.readers)}", chunk)
                chunk = []
        if chunk:
            if objects + len(chunk) > _OBJECTS_PER_QUERY:
                close()
            objects += _repository(plan, parts, f"r{number}x{len(plan.readers)}", chunk)
    close()
    return plans


def _repository(plan: _Plan, parts: list[str], alias: str, links: list[GitHubLink]) -> int:
    """Add one repository's aliased lookups to the query; returns how many objects it asks."""
    first = links[0]
    fields: list[str] = ["nameWithOwner"]
    subaliases: list[str] = []
    seen: dict[tuple[str, str, bool], str] = {}
    for index, link in enumerate(links):
        key = (link.kind, link.ident, bool(link.lines))
        if key in seen:
            subaliases.append(seen[key])
            continue
        sub = f"o{index}"
        seen[key] = sub
        subaliases.append(sub)
        if link.kind == "commit":
            fields.append(f"{sub}: object(expression: {_literal(link.ident)}) {{ __typename }}")
        elif link.kind == "issue":
            fields.append(f"{sub}: issueOrPullRequest(number: {int(link.ident)}) {{ __typename }}")
        elif link.kind == "release":
            fields.append(f"{sub}: release(tagName: {_literal(link.ident)}) {{ tagName }}")
            fields.append(f"{sub}t: ref(qualifiedName: {_literal('refs/tags/' + link.ident)}) {{ name }}")
        elif link.kind in ("blob", "tree"):
            blob = "... on Blob { text isBinary isTruncated }" if link.lines else ""
            for split, (ref, path) in enumerate(_ref_splits(link.ident, link.kind)):
                expression = f"{ref}:{path}"
                fields.append(f"{sub}s{split}: object(expression: {_literal(expression)}) {{ __typename {blob} }}")
    body = " ".join(fields)
    parts.append(f"{alias}: repository(owner: {_literal(first.owner)}, name: {_literal(first.repo)}) {{ {body} }}")
    plan.readers.append((alias, links, "repo", subaliases))
    return len(seen) + 1


def _ref_splits(ident: str, kind: str) -> list[tuple[str, str]]:
    """The ways "REF/PATH" may split, the shortest ref first: a branch may hold slashes
    (``feature/x``), and a folder link may name a branch's root (``/tree/feature/x``)."""
    segments = ident.split("/")
    splits = [("/".join(segments[:count]), "/".join(segments[count:])) for count in range(1, len(segments) + 1)]
    return [(ref, path) for ref, path in splits if path or kind == "tree"][:_MAX_REF_SPLITS]


def _found(url: str, now: str) -> CheckResult:
    return CheckResult(url, Outcome.ALIVE, status_code=200, final_url=url, attempts=1, checked_at=now)


def _gone(url: str, now: str, why: str) -> CheckResult:
    return CheckResult(
        url, Outcome.BROKEN, status_code=404, final_url=url, error_kind=ErrorKind.HTTP_STATUS,
        error=f"GitHub's API: {why}", attempts=1, checked_at=now,
    )  # fmt: skip


def _moved(link: GitHubLink, landing: str, name_with_owner: str, now: str) -> CheckResult:
    """The same link (or where it lands) under the repository's new owner and name."""
    parts = urlsplit(landing)
    segments = parts.path.split("/")
    new_owner, _, new_name = name_with_owner.partition("/")
    segments[1:3] = [quote(new_owner), quote(new_name)]
    final = parts._replace(path="/".join(segments)).geturl()
    return CheckResult(
        link.url, Outcome.REDIRECTED, status_code=200, final_url=final, attempts=1, checked_at=now,
        error=f"the repository is now {name_with_owner}",
    )  # fmt: skip

"""The fake's GraphQL API: graphql-core executing schema.graphql (a faithful subset of GitHub's
public schema) over the World, with GitHub's error shapes and its resource limits.

GitHub's rules modelled here (docs.github.com, "Rate limits and query limits for the GraphQL API",
and responses recorded from api.github.com):
- a field that cannot be resolved is null, with an error ``{"type": "NOT_FOUND", "path": [...],
  "locations": [...], "message": "Could not resolve to a Repository with the name 'o/r'."}``; the
  other aliases keep their data. ``object``, ``ref``, ``release``, ``latestRelease`` and
  ``repositoryOwner`` are null without an error.
- a connection whose nodes or edges are asked for needs ``first`` or ``last``
  (MISSING_PAGINATION_BOUNDARIES), at most 100 (EXCESSIVE_PAGINATION), and a query may ask for at
  most 500,000 nodes (MAX_NODE_LIMIT_EXCEEDED): these refuse the whole query, without data.
- the cost: one request per connection, times the page sizes of the connections around it; the
  sum divided by 100 and rounded, at least 1. nodeCount: the page sizes multiplied down each path.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute_sync,
    get_named_type,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.utilities import get_operation_ast

from tests.fakegithub.model import Owner, Repo, Token, World, git_blob_oid, line_count

NODE_LIMIT = 500_000
PAGE_LIMIT = 100
TEXT_LIMIT = 512 * 1024  # Blob.text beyond this is cut (isTruncated); an assumption, not a documented number
EPOCH = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


class GitHubError(Exception):
    """An error GitHub reports with a ``type``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _not_found(message: str) -> GitHubError:
    return GitHubError("NOT_FOUND", message)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _gid(prefix: str, *parts: object) -> str:
    raw = ":".join(map(str, parts)).encode()
    return f"{prefix}_kw{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


@dataclass
class RateState:
    """What ``rateLimit`` reports for this request (after its own cost is charged)."""

    enabled: bool = True
    cost: int = 1
    node_count: int = 0
    limit: int = 5000
    remaining: int = 5000
    used: int = 0
    reset_at: float = 0.0


@dataclass
class Context:
    world: World
    token: Token
    web: str  # the web base URL, https://host:port
    rate: RateState = field(default_factory=RateState)


# -- views: what the schema's fields read ------------------------------------------------------------


def _page(
    items: Sequence[Any],
    first: int | None,
    last: int | None,
    after: str | None,
    before: str | None,
    wrap: Callable[[Any], Any],
) -> dict[str, Any]:
    """A Relay connection over ``items`` with offset cursors."""

    def cursor(index: int) -> str:
        return base64.b64encode(f"cursor:{index + 1}".encode()).decode()

    def offset(value: str | None) -> int | None:
        if value is None:
            return None
        try:
            return int(base64.b64decode(value).decode().removeprefix("cursor:")) - 1
        except (ValueError, UnicodeDecodeError) as error:
            raise GitHubError("INVALID_CURSOR_ARGUMENTS", f"`{value}` does not appear to be a valid cursor.") from error

    start, end = 0, len(items)
    if (index := offset(after)) is not None:
        start = max(start, index + 1)
    if (index := offset(before)) is not None:
        end = min(end, index)
    window = list(range(start, max(start, end)))
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
    edges = [{"cursor": cursor(index), "node": wrap(items[index])} for index in window]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "totalCount": len(items),
        "pageInfo": {
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
            "hasNextPage": bool(window) and window[-1] < end - 1,
            "hasPreviousPage": bool(window) and window[0] > start,
        },
    }


class OwnerView:
    def __init__(self, owner: Owner, ctx: Context) -> None:
        self.owner, self.ctx, self.typename = owner, ctx, owner.kind
        self.id = _gid("U" if owner.kind == "User" else "O", owner.id)
        self.login, self.name, self.databaseId = owner.login, owner.name, owner.id
        self.createdAt = _iso(EPOCH)
        self.resourcePath = f"/{owner.login}"
        self.url = f"{ctx.web}/{owner.login}"

    def avatarUrl(self, info: Any, size: int | None = None) -> str:
        return f"{self.ctx.web}/avatars/u/{self.owner.id}" + (f"?s={size}" if size else "")

    def repository(self, info: Any, name: str, followRenames: bool = True) -> RepoView:
        return find_repository(self.ctx, self.owner.login, name, followRenames)

    def repositories(
        self,
        info: Any,
        first: int | None = None,
        last: int | None = None,
        after: str | None = None,
        before: str | None = None,
        isFork: bool | None = None,
        privacy: str | None = None,
    ) -> dict[str, Any]:
        repos = [
            repo
            for repo in self.ctx.world.owned(self.owner.login)
            if self.ctx.world.can_see(repo, self.ctx.token)
            and (isFork is None or repo.fork == isFork)
            and (privacy is None or repo.private == (privacy == "PRIVATE"))
        ]
        return _page(repos, first, last, after, before, lambda repo: RepoView(repo, self.ctx))


def find_repository(ctx: Context, owner: str, name: str, follow: bool) -> RepoView:
    repo, _ = ctx.world.find_repo(owner, name, follow)
    if repo is None or not ctx.world.can_see(repo, ctx.token):
        # GitHub words a private repository the token cannot see exactly as a missing one.
        raise _not_found(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
    return RepoView(repo, ctx)


class RepoView:
    typename = "Repository"

    def __init__(self, repo: Repo, ctx: Context) -> None:
        self.repo, self.ctx = repo, ctx
        self.id = _gid("R", repo.id)
        self.databaseId = repo.id
        self.name, self.nameWithOwner = repo.name, repo.full_name
        self.resourcePath = f"/{repo.full_name}"
        self.url = f"{ctx.web}/{repo.full_name}"
        self.isPrivate, self.isArchived, self.isFork = repo.private, repo.archived, repo.fork
        self.visibility = "PRIVATE" if repo.private else "PUBLIC"
        self.description, self.homepageUrl = repo.description, None
        self.createdAt = self.updatedAt = self.pushedAt = _iso(EPOCH)
        self.hasIssuesEnabled, self.hasWikiEnabled = True, repo.wiki

    @property
    def owner(self) -> OwnerView:
        owner = self.ctx.world.owner(self.repo.owner)
        assert owner is not None
        return OwnerView(owner, self.ctx)

    @property
    def defaultBranchRef(self) -> RefView:
        return RefView(self.repo, "refs/heads/", self.repo.default_branch, self.ctx)

    @property
    def latestRelease(self) -> ReleaseView | None:
        return ReleaseView(self.repo, self.repo.releases[0], self.ctx) if self.repo.releases else None

    def object(self, info: Any, expression: str | None = None, oid: str | None = None) -> Any:
        if oid is not None:
            return self._by_oid(oid.lower())
        if expression is None:
            return None
        rev, colon, path = expression.partition(":")
        sha = self.repo.resolve(rev)
        if sha is None:
            return None
        if not colon:
            return CommitView(self.repo, sha, self.ctx)
        path = path.rstrip("/")
        if path.startswith("/"):
            return None
        if self.repo.is_file(path):
            return BlobView(self.repo, sha, path, self.ctx)
        if self.repo.is_dir(path):
            return TreeView(self.repo, sha, path, self.ctx)
        return None

    def _by_oid(self, oid: str) -> Any:
        if oid in self.repo.commits:
            return CommitView(self.repo, oid, self.ctx)
        head = self.repo.commits[0]
        for path, data in self.repo.files.items():
            if git_blob_oid(data) == oid:
                return BlobView(self.repo, head, path, self.ctx)
        for path in self.repo.dirs:
            if self.repo.tree_oid(path) == oid:
                return TreeView(self.repo, head, path, self.ctx)
        return None

    def issue(self, info: Any, number: int) -> IssueView:
        if number not in self.repo.issues:  # a pull request's number is no issue here
            raise _not_found(f"Could not resolve to an Issue with the number of {number}.")
        return IssueView(self.repo, number, self.ctx)

    def pullRequest(self, info: Any, number: int) -> PullView:
        if number not in self.repo.pulls:
            raise _not_found(f"Could not resolve to a PullRequest with the number of {number}.")
        return PullView(self.repo, number, self.ctx)

    def issueOrPullRequest(self, info: Any, number: int) -> IssueView | PullView:
        if number in self.repo.issues:
            return IssueView(self.repo, number, self.ctx)
        if number in self.repo.pulls:
            return PullView(self.repo, number, self.ctx)
        raise _not_found(f"Could not resolve to an issue or pull request with the number of {number}.")

    def release(self, info: Any, tagName: str) -> ReleaseView | None:
        return ReleaseView(self.repo, tagName, self.ctx) if tagName in self.repo.releases else None

    def ref(self, info: Any, qualifiedName: str) -> RefView | None:
        # Fully qualified names first, then short names (branches before tags), as GitHub documents.
        for prefix, names in (("refs/heads/", self.repo.branches), ("refs/tags/", self.repo.tags)):
            if qualifiedName.startswith(prefix) and qualifiedName.removeprefix(prefix) in names:
                return RefView(self.repo, prefix, qualifiedName.removeprefix(prefix), self.ctx)
        for prefix, names in (("refs/heads/", self.repo.branches), ("refs/tags/", self.repo.tags)):
            if qualifiedName in names:
                return RefView(self.repo, prefix, qualifiedName, self.ctx)
        return None

    def refs(
        self,
        info: Any,
        refPrefix: str,
        first: int | None = None,
        last: int | None = None,
        after: str | None = None,
        before: str | None = None,
        query: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        names = {"refs/heads/": self.repo.branches, "refs/tags/": self.repo.tags}.get(refPrefix, [])
        names = sorted(name for name in names if query is None or query in name)
        return _page(names, first, last, after, before, lambda name: RefView(self.repo, refPrefix, name, self.ctx))

    def releases(
        self,
        info: Any,
        first: int | None = None,
        last: int | None = None,
        after: str | None = None,
        before: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        return _page(self.repo.releases, first, last, after, before, lambda tag: ReleaseView(self.repo, tag, self.ctx))


class _GitObject:
    def __init__(self, repo: Repo, commit: str, ctx: Context) -> None:
        self.repo, self.commit, self.ctx = repo, commit, ctx
        self.commitResourcePath = f"/{repo.full_name}/commit/{commit}"
        self.commitUrl = f"{ctx.web}{self.commitResourcePath}"

    @property
    def repository(self) -> RepoView:
        return RepoView(self.repo, self.ctx)

    @property
    def abbreviatedOid(self) -> str:
        return str(self.oid)[:7]

    oid: str


class CommitView(_GitObject):
    typename = "Commit"

    def __init__(self, repo: Repo, sha: str, ctx: Context) -> None:
        super().__init__(repo, sha, ctx)
        self.oid = sha
        self.id = _gid("C", repo.id, sha)
        self.resourcePath, self.url = self.commitResourcePath, self.commitUrl
        self.treeResourcePath = f"/{repo.full_name}/tree/{sha}"
        self.treeUrl = f"{ctx.web}{self.treeResourcePath}"
        index = repo.commit_index(sha)
        self.messageHeadline = f"Change {len(repo.commits) - index}"
        self.message = f"{self.messageHeadline}\n\nA commit of the fake GitHub."
        self.committedDate = self.authoredDate = _iso(EPOCH.replace(day=1 + (len(repo.commits) - index) % 28))

    @property
    def tree(self) -> TreeView:
        return TreeView(self.repo, self.commit, "", self.ctx)

    def file(self, info: Any, path: str) -> TreeEntryView | None:
        path = path.strip("/")
        if self.repo.is_file(path) or (path and self.repo.is_dir(path)):
            return TreeEntryView(self.repo, self.commit, path, self.repo.is_dir(path), self.ctx)
        return None

    def history(
        self,
        info: Any,
        first: int | None = None,
        last: int | None = None,
        after: str | None = None,
        before: str | None = None,
        path: str | None = None,
    ) -> dict[str, Any]:
        shas = self.repo.commits[self.repo.commit_index(self.commit) :]
        if path is not None and not (self.repo.is_file(path.strip("/")) or self.repo.is_dir(path.strip("/"))):
            shas = []
        return _page(shas, first, last, after, before, lambda sha: CommitView(self.repo, sha, self.ctx))


class TreeView(_GitObject):
    typename = "Tree"

    def __init__(self, repo: Repo, commit: str, path: str, ctx: Context) -> None:
        super().__init__(repo, commit, ctx)
        self.path = path
        self.oid = repo.tree_oid(path)
        self.id = _gid("T", repo.id, self.oid)

    @property
    def entries(self) -> list[TreeEntryView]:
        return [
            TreeEntryView(self.repo, self.commit, path, is_dir, self.ctx)
            for _, path, is_dir in self.repo.entries(self.path)
        ]


class BlobView(_GitObject):
    typename = "Blob"

    def __init__(self, repo: Repo, commit: str, path: str, ctx: Context) -> None:
        super().__init__(repo, commit, ctx)
        data = repo.files[path]
        self.oid = git_blob_oid(data)
        self.id = _gid("B", repo.id, self.oid)
        self.byteSize = len(data)
        self.isBinary = b"\0" in data
        self.isTruncated = not self.isBinary and len(data) > TEXT_LIMIT
        self.text = None if self.isBinary else data[:TEXT_LIMIT].decode("utf-8", "replace")


class TreeEntryView:
    def __init__(self, repo: Repo, commit: str, path: str, is_dir: bool, ctx: Context) -> None:
        self.repo, self.commit, self.ctx = repo, commit, ctx
        self.path = path
        self.name = path.rsplit("/", 1)[-1]
        self.type = "tree" if is_dir else "blob"
        self.mode = 16384 if is_dir else 33188
        data = b"" if is_dir else repo.files[path]
        self.oid = repo.tree_oid(path) if is_dir else git_blob_oid(data)
        self.size = len(data)
        suffix = self.name.rpartition(".")[2] if "." in self.name.lstrip(".") else ""
        self.extension = f".{suffix}" if suffix and not is_dir else None
        self.lineCount = None if is_dir or b"\0" in data else line_count(data)

    @property
    def object(self) -> TreeView | BlobView:
        if self.type == "tree":
            return TreeView(self.repo, self.commit, self.path, self.ctx)
        return BlobView(self.repo, self.commit, self.path, self.ctx)

    @property
    def repository(self) -> RepoView:
        return RepoView(self.repo, self.ctx)


class RefView:
    def __init__(self, repo: Repo, prefix: str, name: str, ctx: Context) -> None:
        self.repo, self.ctx = repo, ctx
        self.prefix, self.name = prefix, name
        self.id = _gid("REF", repo.id, prefix + name)

    @property
    def target(self) -> CommitView:
        sha = self.repo.branch_target(self.name) if self.prefix == "refs/heads/" else self.repo.tag_target(self.name)
        return CommitView(self.repo, sha, self.ctx)

    @property
    def repository(self) -> RepoView:
        return RepoView(self.repo, self.ctx)


class _Numbered:
    def __init__(self, repo: Repo, number: int, ctx: Context, segment: str) -> None:
        self.repo, self.ctx, self.number = repo, ctx, number
        self.resourcePath = f"/{repo.full_name}/{segment}/{number}"
        self.url = f"{ctx.web}{self.resourcePath}"
        self.createdAt = _iso(EPOCH)

    @property
    def repository(self) -> RepoView:
        return RepoView(self.repo, self.ctx)


class IssueView(_Numbered):
    typename = "Issue"

    def __init__(self, repo: Repo, number: int, ctx: Context) -> None:
        super().__init__(repo, number, ctx, "issues")
        self.id = _gid("I", repo.id, number)
        self.title = f"Issue {number}"
        self.state = repo.issues[number]
        self.closed = self.state == "CLOSED"
        self.closedAt = _iso(EPOCH) if self.closed else None

    def stateReason(self, info: Any, enableDuplicate: bool = False) -> str | None:
        return "COMPLETED" if self.closed else None


class PullView(_Numbered):
    typename = "PullRequest"

    def __init__(self, repo: Repo, number: int, ctx: Context) -> None:
        super().__init__(repo, number, ctx, "pull")
        self.id = _gid("PR", repo.id, number)
        self.title = f"Pull request {number}"
        self.state = repo.pulls[number]
        self.closed = self.state != "OPEN"
        self.merged = self.state == "MERGED"
        self.closedAt = _iso(EPOCH) if self.closed else None
        self.mergedAt = _iso(EPOCH) if self.merged else None
        self.isDraft = False


class ReleaseView:
    typename = "Release"

    def __init__(self, repo: Repo, tag: str, ctx: Context) -> None:
        self.repo, self.ctx = repo, ctx
        self.id = _gid("RE", repo.id, tag)
        self.tagName = self.name = tag
        self.resourcePath = f"/{repo.full_name}/releases/tag/{tag}"
        self.url = f"{ctx.web}{self.resourcePath}"
        self.isDraft = self.isPrerelease = False
        self.isLatest = repo.releases[0] == tag
        self.createdAt = self.publishedAt = self.updatedAt = _iso(EPOCH)

    @property
    def tag(self) -> RefView:
        return RefView(self.repo, "refs/tags/", self.tagName, self.ctx)

    @property
    def tagCommit(self) -> CommitView:
        return CommitView(self.repo, self.repo.tag_target(self.tagName), self.ctx)

    @property
    def repository(self) -> RepoView:
        return RepoView(self.repo, self.ctx)


class RateLimitView:
    def __init__(self, rate: RateState) -> None:
        self.cost, self.limit, self.nodeCount = rate.cost, rate.limit, rate.node_count
        self.remaining, self.used = rate.remaining, rate.used
        self.resetAt = _iso(datetime.fromtimestamp(rate.reset_at, UTC))


class RootView:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def repository(self, info: Any, owner: str, name: str, followRenames: bool = True) -> RepoView:
        return find_repository(self.ctx, owner, name, followRenames)

    def repositoryOwner(self, info: Any, login: str) -> OwnerView | None:
        owner = self.ctx.world.owner(login)
        return OwnerView(owner, self.ctx) if owner is not None else None

    def user(self, info: Any, login: str) -> OwnerView:
        owner = self.ctx.world.owner(login)
        if owner is None or owner.kind != "User":
            raise _not_found(f"Could not resolve to a User with the login of '{login}'.")
        return OwnerView(owner, self.ctx)

    def organization(self, info: Any, login: str) -> OwnerView:
        owner = self.ctx.world.owner(login)
        if owner is None or owner.kind != "Organization":
            raise _not_found(f"Could not resolve to an Organization with the login of '{login}'.")
        return OwnerView(owner, self.ctx)

    def rateLimit(self, info: Any, dryRun: bool = False) -> RateLimitView | None:
        return RateLimitView(self.ctx.rate) if self.ctx.rate.enabled else None

    @property
    def viewer(self) -> OwnerView:
        owner = self.ctx.world.owner(self.ctx.token.login)
        assert owner is not None
        return OwnerView(owner, self.ctx)


# -- the schema and the limits -------------------------------------------------------------------------


def load_schema() -> GraphQLSchema:
    schema = build_schema(resources.files("tests.fakegithub").joinpath("schema.graphql").read_text("utf-8"))
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            type_.resolve_type = lambda value, info, abstract: value.typename
    return schema


@dataclass
class Plan:
    """A parsed, validated query with what it will cost."""

    document: DocumentNode
    operation: OperationDefinitionNode
    variables: dict[str, Any]
    cost: int
    node_count: int
    dry_run: bool


@dataclass
class _Tally:
    requests: int = 0
    nodes: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    over: str | None = None  # the connection at which the node limit was passed
    dry_run: bool = False


class GraphQLAPI:
    def __init__(self) -> None:
        self.schema = load_schema()

    def plan(self, body: Any) -> Plan | dict[str, Any]:
        """The plan for a request body, or the error answer GitHub gives before running anything."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
        raw_variables = body.get("variables") or {}
        if not isinstance(raw_variables, dict):
            return {"errors": [{"message": "Variables are invalid JSON."}]}
        try:
            document = parse(body["query"])
        except GraphQLError as error:
            return {"errors": [_error_entry(error)]}
        problems = validate(self.schema, document)
        if problems:
            return {"errors": [_validation_entry(problem) for problem in problems]}
        operation = get_operation_ast(document, body.get("operationName"))
        if operation is None:
            return {"errors": [{"message": "An operation name is required"}]}
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), raw_variables)
        if isinstance(coerced, list):
            return {"errors": [_error_entry(error) for error in coerced]}
        tally = _Tally()
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        assert self.schema.query_type is not None
        self._walk(operation.selection_set, self.schema.query_type, 1, [], fragments, coerced, tally, 0)
        if tally.errors:
            return {"errors": tally.errors}
        if tally.over is not None:
            return {
                "errors": [
                    {
                        "type": "MAX_NODE_LIMIT_EXCEEDED",
                        "message": (
                            f"By the time this query traverses to the {tally.over} connection, it is requesting up to "
                            f"{tally.nodes:,} possible nodes which exceeds the maximum limit of {NODE_LIMIT:,}."
                        ),
                    }
                ]
            }
        cost = max(1, math.floor(tally.requests / 100 + 0.5))
        return Plan(document, operation, coerced, cost, tally.nodes, tally.dry_run)

    def _walk(
        self,
        selections: SelectionSetNode,
        parent: GraphQLNamedType,
        multiplier: int,
        path: list[str],
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        tally: _Tally,
        depth: int,
    ) -> None:
        """Count connections and nodes the way GitHub documents, fragments expanded in place."""
        if depth > 64:
            return
        for selection in selections.selections:
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.type_map[condition.name.value] if condition else parent
                self._walk(selection.selection_set, inner, multiplier, path, fragments, variables, tally, depth + 1)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                inner = self.schema.type_map[fragment.type_condition.name.value]
                self._walk(fragment.selection_set, inner, multiplier, path, fragments, variables, tally, depth + 1)
                continue
            assert isinstance(selection, FieldNode)
            name = selection.name.value
            if name.startswith("__") or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                continue
            definition = parent.fields[name]
            key = [*path, selection.alias.value if selection.alias else name]
            arguments = get_argument_values(definition, selection, variables)
            if name == "rateLimit" and arguments.get("dryRun"):
                tally.dry_run = True
            inner_type = get_named_type(definition.type)
            inner_multiplier = multiplier
            if inner_type.name.endswith("Connection") and selection.selection_set is not None:
                asked = {s.name.value for s in selection.selection_set.selections if isinstance(s, FieldNode)}
                first, last = arguments.get("first"), arguments.get("last")
                for argument, value in (("first", first), ("last", last)):
                    if value is not None and value > PAGE_LIMIT:
                        message = (
                            f"Requesting {value} records on the `{name}` connection exceeds the "
                            f"`{argument}` limit of {PAGE_LIMIT} records."
                        )
                        tally.errors.append(_limit_error("EXCESSIVE_PAGINATION", key, selection, message))
                if first is None and last is None and asked & {"nodes", "edges"}:
                    message = (
                        f"You must provide a `first` or `last` value to properly paginate the `{name}` connection."
                    )
                    tally.errors.append(_limit_error("MISSING_PAGINATION_BOUNDARIES", key, selection, message))
                size = max(first or 0, last or 0)
                tally.requests += multiplier
                tally.nodes += multiplier * size
                if tally.nodes > NODE_LIMIT and tally.over is None:
                    tally.over = name
                inner_multiplier = multiplier * max(size, 1)
            if selection.selection_set is not None:
                self._walk(
                    selection.selection_set, inner_type, inner_multiplier, key, fragments, variables, tally, depth + 1
                )

    def run(self, plan: Plan, ctx: Context, on_internal_error: Callable[[BaseException], None]) -> dict[str, Any]:
        name = plan.operation.name.value if plan.operation.name else None
        result = execute_sync(
            self.schema,
            plan.document,
            root_value=RootView(ctx),
            context_value=ctx,
            variable_values=plan.variables,
            operation_name=name,
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            entries = []
            for error in result.errors:
                original = error.original_error
                if original is not None and not isinstance(original, GitHubError):
                    on_internal_error(original)
                entries.append(_error_entry(error))
            answer["errors"] = entries
        return answer


def _limit_error(kind: str, path: list[str], node: FieldNode, message: str) -> dict[str, Any]:
    return {"type": kind, "path": path, "locations": _where(node), "message": message}


def _where(node: FieldNode) -> list[dict[str, int]]:
    if node.loc is None:
        return []
    source = node.loc.source.body[: node.loc.start]
    return [{"line": source.count("\n") + 1, "column": node.loc.start - (source.rfind("\n") + 1) + 1}]


def _error_entry(error: GraphQLError) -> dict[str, Any]:
    """GitHub's order and keys: type, path, locations, message."""
    entry: dict[str, Any] = {}
    original = error.original_error
    if isinstance(original, GitHubError):
        entry["type"] = original.kind
    elif original is not None:
        entry["message"] = "Something went wrong while executing your query. Please include the fake's log."
    if error.path:
        entry["path"] = list(error.path)
    if error.locations:
        entry["locations"] = [{"line": where.line, "column": where.column} for where in error.locations]
    entry.setdefault("message", error.message)
    return {key: entry[key] for key in ("type", "path", "locations", "message") if key in entry}


def _validation_entry(error: GraphQLError) -> dict[str, Any]:
    """graphql-core's validation messages, the commonest reworded as GitHub (graphql-ruby) words them."""
    entry = _error_entry(error)
    message = error.message
    if message.startswith("Cannot query field "):
        field_name, type_name = message.split("'")[1], message.split("'")[3]
        entry = {
            "extensions": {"code": "undefinedField", "typeName": type_name, "fieldName": field_name},
            "locations": entry.get("locations", []),
            "message": f"Field '{field_name}' doesn't exist on type '{type_name}'",
        }
    return entry


def iter_error_types(answer: dict[str, Any]) -> Iterable[str]:
    return (error.get("type", "") for error in answer.get("errors", []))

"""The fake GitHub's world: accounts, repositories (one snapshot of files shared by every commit,
branch and tag), issues, pull requests, releases, renames and transfers, and tokens. Names are
found case-insensitively and kept in the case they were created with, as on GitHub."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_SHA = re.compile(r"[0-9a-f]{40}")
_HEX = re.compile(r"[0-9a-f]{7,40}")
MIN_ABBREVIATION = 7  # the shortest commit prefix the fake resolves (git itself goes down to 4)


def git_blob_oid(data: bytes) -> str:
    """The object ID git gives a file's contents."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("\0".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def line_count(data: bytes) -> int:
    """Lines as GitHub numbers them (#L1 … #Ln): a final newline does not start another line."""
    return len(data.decode("utf-8", "replace").splitlines())


@dataclass
class Owner:
    login: str
    id: int
    kind: str  # "User" or "Organization"
    name: str | None = None


@dataclass
class Token:
    value: str
    login: str
    private: bool | frozenset[str] = True  # True: every private repository; else the lowercased full names


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    files: dict[str, bytes]
    commits: list[str]
    issues: dict[int, str]  # number -> OPEN or CLOSED
    pulls: dict[int, str]  # number -> OPEN, CLOSED or MERGED
    releases: list[str]  # newest first: the first is the latest release
    tags: list[str]  # every tag, releases' tags included
    branches: list[str]  # the default branch first
    private: bool = False
    wiki: bool = True
    description: str | None = None
    archived: bool = False
    fork: bool = False
    dirs: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.dirs = {""}
        for path in self.files:
            parts = path.split("/")
            self.dirs.update("/".join(parts[:depth]) for depth in range(1, len(parts)))

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def default_branch(self) -> str:
        return self.branches[0]

    # -- git ---------------------------------------------------------------------------------------

    def branch_target(self, branch: str) -> str:
        return self.commits[0]

    def tag_target(self, tag: str) -> str:
        """Tags point at older commits the later they come in the list (the newest at the head)."""
        return self.commits[min(self.tags.index(tag), len(self.commits) - 1)]

    def resolve(self, rev: str) -> str | None:
        """A commit for a revision as git rev-parse reads it: HEAD, refs/heads/x, refs/tags/x, a
        branch, a tag, a full commit ID or a unique prefix of at least seven hex digits."""
        if rev == "HEAD":
            return self.commits[0]
        if rev.startswith("refs/heads/"):
            return self.branch_target(rev) if rev.removeprefix("refs/heads/") in self.branches else None
        if rev.startswith("refs/tags/"):
            tag = rev.removeprefix("refs/tags/")
            return self.tag_target(tag) if tag in self.tags else None
        if rev in self.branches:
            return self.branch_target(rev)
        if rev in self.tags:
            return self.tag_target(rev)
        if _HEX.fullmatch(rev):
            found = [sha for sha in self.commits if sha.startswith(rev)]
            return found[0] if len(found) == 1 else None
        return None

    def commit_index(self, sha: str) -> int:
        return self.commits.index(sha)

    def is_file(self, path: str) -> bool:
        return path in self.files

    def is_dir(self, path: str) -> bool:
        return path in self.dirs

    def entries(self, folder: str) -> list[tuple[str, str, bool]]:
        """(name, path, is_folder) of a folder's entries, in git's tree order."""
        prefix = f"{folder}/" if folder else ""
        found: dict[str, bool] = {}
        for path in [*self.files, *self.dirs]:
            if path and path.startswith(prefix) and "/" not in path[len(prefix) :]:
                found[path[len(prefix) :]] = path in self.dirs
        return [(name, prefix + name, is_dir) for name, is_dir in sorted(found.items(), key=_git_order)]

    def tree_oid(self, path: str) -> str:
        return fake_sha("tree", self.id, path)

    def split_ref_path(self, rest: str) -> tuple[str, str] | None:
        """A web URL's ``{ref}/{path}`` split where the longest existing ref ends (branch names
        may hold slashes), or None when no prefix is a ref."""
        parts = rest.split("/")
        for cut in range(len(parts), 0, -1):
            ref = "/".join(parts[:cut])
            if ref in self.branches or ref in self.tags or self.resolve(ref) is not None:
                return ref, "/".join(parts[cut:])
        return None


def _git_order(item: tuple[str, bool]) -> bytes:
    name, is_dir = item
    return (name + "/" if is_dir else name).encode()


class World:
    """Accounts, repositories and tokens, with GitHub's look-up rules."""

    def __init__(self) -> None:
        self.owners: dict[str, Owner] = {}
        self.repos: dict[tuple[str, str], Repo] = {}
        self.by_id: dict[int, Repo] = {}
        self.moved: dict[tuple[str, str], int] = {}  # an old (owner, name), lowercased -> repository id
        self.tokens: dict[str, Token] = {}
        self._next_id = 1000

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- building ----------------------------------------------------------------------------------

    def add_owner(self, login: str, kind: str, name: str | None = None) -> Owner:
        existing = self.owners.get(login.lower())
        if existing is not None:
            if existing.kind != kind:
                raise ValueError(f"{login} is already a {existing.kind}")
            return existing
        owner = Owner(login, self._id(), kind, name)
        self.owners[login.lower()] = owner
        return owner

    def add_repo(
        self,
        owner: str,
        name: str,
        *,
        files: Mapping[str, str | bytes] | None = None,
        commits: Iterable[str] | None = None,
        issues: Iterable[int] | Mapping[int, str] = (),
        pulls: Iterable[int] | Mapping[int, str] = (),
        releases: Iterable[str] = (),
        tags: Iterable[str] = (),
        branches: Iterable[str] = (),
        private: bool = False,
        default_branch: str = "main",
        wiki: bool = True,
        description: str | None = None,
    ) -> Repo:
        account = self.owners.get(owner.lower()) or self.add_owner(owner, "User")
        key = (owner.lower(), name.lower())
        if key in self.repos:
            raise ValueError(f"{owner}/{name} exists")
        self.moved.pop(key, None)  # a new repository at an old name ends GitHub's redirect
        shas = [sha.lower() for sha in commits] if commits is not None else []
        shas = shas or [fake_sha(owner.lower(), name.lower(), index) for index in range(3)]
        for sha in shas:
            if not _SHA.fullmatch(sha):
                raise ValueError(f"a commit ID has 40 hex digits: {sha!r}")
        issue_states = dict(issues) if isinstance(issues, Mapping) else dict.fromkeys(issues, "OPEN")
        pull_states = dict(pulls) if isinstance(pulls, Mapping) else dict.fromkeys(pulls, "OPEN")
        if set(issue_states) & set(pull_states):
            raise ValueError("issues and pull requests share one sequence of numbers")
        release_tags = list(releases)
        repo = Repo(
            id=self._id() * 10,
            owner=account.login,
            name=name,
            files={
                path.strip("/"): data.encode() if isinstance(data, str) else data
                for path, data in (files or {"README.md": f"# {name}\n"}).items()
            },
            commits=shas,
            issues=issue_states,
            pulls=pull_states,
            releases=release_tags,
            tags=list(dict.fromkeys([*release_tags, *tags])),
            branches=list(dict.fromkeys([default_branch, *branches])),
            private=private,
            wiki=wiki,
            description=description,
        )
        self.repos[key] = repo
        self.by_id[repo.id] = repo
        return repo

    def rename(self, old_owner: str, old_name: str, new_owner: str, new_name: str) -> Repo:
        """Rename or transfer: the old name keeps leading to the repository (web 301, REST 301
        to /repositories/{id}, GraphQL following renames) until a repository takes the name."""
        repo = self.repos.pop((old_owner.lower(), old_name.lower()))
        target = self.owners.get(new_owner.lower()) or self.add_owner(new_owner, "User")
        new_key = (new_owner.lower(), new_name.lower())
        if new_key in self.repos:
            raise ValueError(f"{new_owner}/{new_name} exists")
        repo.owner, repo.name = target.login, new_name
        self.repos[new_key] = repo
        self.moved.pop(new_key, None)
        self.moved[(old_owner.lower(), old_name.lower())] = repo.id
        return repo

    def add_token(self, value: str, login: str, private: bool | Iterable[str] = True) -> Token:
        self.add_owner(login, "User")
        seen = private if isinstance(private, bool) else frozenset(name.lower() for name in private)
        token = Token(value, login, seen)
        self.tokens[value] = token
        return token

    # -- looking up --------------------------------------------------------------------------------

    def owner(self, login: str) -> Owner | None:
        return self.owners.get(login.lower())

    def find_repo(self, owner: str, name: str, follow: bool = True) -> tuple[Repo | None, bool]:
        """The repository and whether it was found by an old name."""
        key = (owner.lower(), name.lower())
        if key in self.repos:
            return self.repos[key], False
        if follow and key in self.moved:
            return self.by_id[self.moved[key]], True
        return None, False

    def can_see(self, repo: Repo, token: Token | None) -> bool:
        if not repo.private:
            return True
        if token is None:
            return False
        return token.private is True or (
            isinstance(token.private, frozenset) and repo.full_name.lower() in token.private
        )

    def owned(self, login: str) -> list[Repo]:
        return sorted(
            (repo for repo in self.repos.values() if repo.owner.lower() == login.lower()),
            key=lambda repo: repo.name.lower(),
        )

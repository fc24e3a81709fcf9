"""A generator of GitHub links with known answers, for scoring linkkeeper's GitHub checks.

``build_corpus(fake, count=2000, seed=7)`` fills a started FakeGitHub with accounts and
repositories and returns ``[(url, Truth), ...]``: links of every kind (accounts, repositories,
commits, issues, pull requests, files and folders on branches, tags and commits, line anchors,
releases, other repository pages), about 15 % of them missing, some on renamed or transferred
repositories, some with a line anchor one past the end of the file. The same seed gives the
same links and the same world.

A Truth's status is what a perfect checker concludes:
- ``alive``: the page is there (a private repository the token sees counts, although its page is
  404 to anonymous requests; the kind's note says so);
- ``redirected``: GitHub sends the link elsewhere (a renamed repository, an issue number that is a
  pull request, /blob/ of a folder…); ``final_url`` is where it ends;
- ``broken``: it ends at a 404 (after any redirect);
- ``broken-fragment``: the page is there but its ``#L`` anchor is past the file's last line.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.fakegithub.model import Repo, fake_sha, line_count

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub

STATUSES = ("alive", "redirected", "broken", "broken-fragment")
# fmt: off
_WORDS = [
    "amber", "aspen", "atlas", "birch", "bramble", "cedar", "cinder", "comet", "coral", "delta", "ember", "fable",
    "fern", "flint", "garnet", "harbor", "hazel", "indigo", "iris", "juniper", "kelp", "lantern", "lichen", "linden",
    "maple", "meadow", "mica", "nimbus", "oak", "onyx", "orbit", "pebble", "pine", "quartz", "quill", "raven",
    "reed", "river", "rowan", "saffron", "sage", "sierra", "slate", "sparrow", "spruce", "summit", "thistle",
    "tundra", "umber", "vale", "willow", "wren", "yarrow", "zephyr",
]
# fmt: on
_KINDS = {
    "owner": 4,
    "repo": 12,
    "commit": 10,
    "issue": 12,
    "pull": 10,
    "blob": 16,
    "tree": 8,
    "line": 14,
    "release": 6,
    "page": 8,
}


@dataclass(frozen=True, slots=True)
class Truth:
    status: str  # one of STATUSES
    final_url: str | None = None  # where a redirected link ends (and where a renamed repository's link lands)
    kind: str = ""  # owner, repo, commit, issue, pull, blob, tree, line, release, page
    note: str = ""

    def __str__(self) -> str:
        return self.status


@dataclass
class _Built:
    repo: Repo
    old_names: list[str]  # full names that lead to it by GitHub's rename redirects


class _Builder:
    def __init__(self, fake: FakeGitHub, seed: int, private: bool) -> None:
        self.fake, self.rng, self.private = fake, random.Random(seed), private
        self.seed = seed
        self.web = fake.web_url
        self.used: set[str] = {login.lower() for login in fake.world.owners}

    def name(self) -> str:
        for _ in range(10_000):
            candidate = f"{self.rng.choice(_WORDS)}-{self.rng.choice(_WORDS)}"
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        raise RuntimeError("out of names")

    def files(self, repo_name: str) -> dict[str, str | bytes]:
        rng = self.rng
        paths = {
            "README.md",
            f"docs/{rng.choice(_WORDS)}.md",
            f"docs/guide/{rng.choice(_WORDS)}.md",
            f"src/{repo_name.split('-')[0]}/__init__.py",
            f"src/{repo_name.split('-')[0]}/{rng.choice(_WORDS)}.py",
            f"tests/test_{rng.choice(_WORDS)}.py",
            "pyproject.toml",
            ".github/workflows/ci.yml",
        }
        paths.update(
            f"{rng.choice(('src', 'docs', 'examples', 'scripts'))}/{rng.choice(_WORDS)}.txt"
            for _ in range(rng.randint(0, 6))
        )
        files: dict[str, str | bytes] = {}
        for path in sorted(paths):
            lines = rng.randint(3, 160)
            files[path] = "".join(f"{path} line {number}\n" for number in range(1, lines + 1))
        if rng.random() < 0.3:
            files["assets/logo.png"] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(rng.randrange(256) for _ in range(64))
        return files

    def build(self, repos: int) -> list[_Built]:
        rng, fake = self.rng, self.fake
        owners = [fake.add_org(self.name()).login for _ in range(max(3, repos // 8))]
        owners += [fake.add_user(self.name()).login for _ in range(max(3, repos // 8))]
        built: list[_Built] = []
        for _ in range(repos):
            owner, name = rng.choice(owners), self.name()
            numbers = list(range(1, rng.randint(4, 40)))
            pulls = set(rng.sample(numbers, k=len(numbers) * 2 // 5))
            tags = [
                f"v{major}.{minor}.0"
                for major, minor in sorted(
                    {(rng.randint(0, 3), rng.randint(0, 9)) for _ in range(rng.randint(0, 4))}, reverse=True
                )
            ]
            with_release = rng.randint(0, len(tags))
            branches = rng.sample(["develop", f"feature/{rng.choice(_WORDS)}", "release/1.x"], k=rng.randint(0, 2))
            repo = fake.add_repo(
                owner,
                name,
                files=self.files(name),
                commits=[fake_sha("corpus", self.seed, owner, name, index) for index in range(rng.randint(2, 6))],
                issues={n: rng.choice(("OPEN", "OPEN", "CLOSED")) for n in numbers if n not in pulls},
                pulls={n: rng.choice(("OPEN", "CLOSED", "MERGED")) for n in pulls},
                releases=tags[:with_release],
                tags=tags[with_release:],
                branches=branches,
                private=self.private and rng.random() < 0.04,
                wiki=rng.random() < 0.8,
            )
            built.append(_Built(repo, []))
        for item in rng.sample(built, k=max(2, repos // 9)):
            if item.repo.private:
                continue
            old = item.repo.full_name
            new_owner = rng.choice(owners) if rng.random() < 0.3 else item.repo.owner
            fake.rename(item.repo.owner, item.repo.name, new_owner, self.name())
            item.old_names.append(old)
        return built


def build_corpus(
    fake: FakeGitHub,
    count: int = 2000,
    seed: int = 7,
    *,
    missing: float = 0.15,
    renamed: float = 0.08,
    private: bool = True,
) -> list[tuple[str, Truth]]:
    """Fill ``fake`` (started, so that its URLs are known) and return ``count`` distinct links."""
    if not fake.port:
        raise RuntimeError("start the fake before building a corpus: its URLs hold its port")
    builder = _Builder(fake, seed, private)
    built = builder.build(max(12, count // 12))
    rng = builder.rng
    kinds, weights = zip(*_KINDS.items(), strict=True)
    public = [item for item in built if not item.repo.private]
    moved = [item for item in public if item.old_names]
    hidden = [item for item in built if item.repo.private]
    found: dict[str, Truth] = {}
    for _ in range(count * 20):
        if len(found) >= count:
            break
        kind = rng.choices(kinds, weights)[0]
        broken = rng.random() < missing
        if hidden and rng.random() < 0.02:
            item, old = rng.choice(hidden), None
        elif moved and rng.random() < renamed:
            item = rng.choice(moved)
            old = rng.choice(item.old_names)
        else:
            item, old = rng.choice(public), None
        made = _link(builder, item.repo, kind, broken)
        if made is None:
            continue
        path, truth = made
        if kind == "owner":
            found.setdefault(f"{builder.web}{path}", truth)
            continue
        case = truth.note == "CASE"
        url, truth = _on_repo(
            builder.web, item.repo, old, path, Truth(truth.status, truth.final_url, kind) if case else truth
        )
        if case:
            url = url.replace(f"/{item.repo.full_name}", f"/{item.repo.owner.upper()}/{item.repo.name.title()}", 1)
            if old is None:
                truth = Truth("alive", None, kind, "the name's case differs: GitHub serves it without a redirect")
        if item.repo.private and truth.status == "alive":
            truth = Truth("alive", None, kind, "private: the token sees it; its page is 404 to anonymous requests")
        elif item.repo.private:
            continue
        found.setdefault(url, truth)
    return list(found.items())


def _on_repo(web: str, repo: Repo, old: str | None, path: str, truth: Truth) -> tuple[str, Truth]:
    """The link on the repository's current name or on an old one (``path`` follows the name)."""
    current = f"{web}/{repo.full_name}"
    final = f"{current}{truth.final_url}" if truth.final_url is not None else None
    if old is None:
        return f"{current}{path}", Truth(truth.status, final, truth.kind, truth.note)
    url = f"{web}/{old}{path}"
    note = f"renamed: {old} is now {repo.full_name}" + (f"; {truth.note}" if truth.note else "")
    if truth.status == "alive":
        return url, Truth("redirected", f"{current}{path}", truth.kind, note)
    if truth.status == "redirected":
        return url, Truth("redirected", final, truth.kind, note)
    landing = f"{current}{path.partition('#')[0]}"
    return url, Truth(truth.status, landing, truth.kind, note)


def _link(builder: _Builder, repo: Repo, kind: str, broken: bool) -> tuple[str, Truth] | None:
    """A path (from the repository's root, or the site's for owners) and its truth, with any
    final URL given relative to the repository's root."""
    rng = builder.rng
    alive = Truth("alive", kind=kind)
    gone = Truth("broken", kind=kind)
    texts = [path for path, data in repo.files.items() if b"\0" not in data]
    folders = sorted(repo.dirs - {""})
    numbers = sorted([*repo.issues, *repo.pulls])
    ref = rng.choice([repo.default_branch, *repo.branches, *repo.tags, rng.choice(repo.commits)])
    if kind == "owner":
        return (f"/{builder.name()}", gone) if broken else (f"/{rng.choice([repo.owner, repo.owner.upper()])}", alive)
    if kind == "repo":
        if broken:
            return f"-{rng.choice(_WORDS)}", Truth("broken", kind=kind, note="a name next to a real one")
        variant = rng.choice(["", "", "", "/", "?tab=readme-ov-file", "#readme", "CASE"])
        if variant == "CASE":
            return "", Truth("alive", kind=kind, note="CASE")
        return variant, alive
    if kind == "commit":
        if broken:
            return f"/commit/{fake_sha('missing', rng.random())}", gone
        sha = rng.choice(repo.commits)
        return f"/commit/{sha[: rng.choice((7, 10, 12, 40))]}", alive
    if kind in ("issue", "pull"):
        segment = "issues" if kind == "issue" else "pull"
        if broken:
            return f"/{segment}/{(numbers[-1] if numbers else 0) + rng.randint(1, 500)}", gone
        if not numbers:
            return None
        number = rng.choice(numbers)
        own = number in (repo.issues if kind == "issue" else repo.pulls)
        if own:
            tab = "/files" if kind == "pull" and rng.random() < 0.2 else ""
            return f"/{segment}/{number}{tab}", alive
        other = "pull" if kind == "issue" else "issues"
        return f"/{segment}/{number}", Truth("redirected", f"/{other}/{number}", kind, "302 to the other kind")
    if kind == "blob":
        if broken:
            if rng.random() < 0.5:
                path = f"{rng.choice(folders or ['x'])}/{rng.choice(_WORDS)}.md"
                return None if repo.is_file(path) else (f"/blob/{ref}/{path}", gone)
            return f"/blob/{builder.name()}/{rng.choice(texts)}", Truth("broken", kind=kind, note="no such ref")
        if rng.random() < 0.12 and folders:
            folder = rng.choice(folders)
            return f"/blob/{ref}/{folder}", Truth("redirected", f"/tree/{ref}/{folder}", kind, "301: a folder")
        return f"/blob/{ref}/{rng.choice(list(repo.files))}", alive
    if kind == "tree":
        if broken:
            return f"/tree/{ref}/{rng.choice(_WORDS)}-{rng.choice(_WORDS)}", gone
        if rng.random() < 0.12:
            path = rng.choice(texts)
            return f"/tree/{ref}/{path}", Truth("redirected", f"/blob/{ref}/{path}", kind, "301: a file")
        folder = rng.choice(["", *folders])
        return (f"/tree/{ref}/{folder}" if folder else f"/tree/{ref}"), alive
    if kind == "line":
        code = [path for path in texts if not path.endswith(".md")]
        path = rng.choice(code)
        lines = line_count(repo.files[path])
        if broken:
            if rng.random() < 0.5:
                return f"/blob/{ref}/{path}#L{lines + 1}", Truth("broken-fragment", kind=kind, note=f"{lines} lines")
            start = rng.randint(1, lines)
            return f"/blob/{ref}/{path}#L{start}-L{lines + 1}", Truth(
                "broken-fragment", kind=kind, note=f"{lines} lines"
            )
        start = rng.randint(1, lines)
        if rng.random() < 0.4:
            return f"/blob/{ref}/{path}#L{start}-L{rng.randint(start, lines)}", alive
        return f"/blob/{ref}/{path}#L{start}", alive
    if kind == "release":
        if broken:
            return f"/releases/tag/v{rng.randint(10, 99)}.0.0", gone
        if not repo.tags:
            return None
        tag = rng.choice(repo.tags)
        note = "" if tag in repo.releases else "a tag without a release: GitHub shows the tag"
        return f"/releases/tag/{tag}", Truth("alive", kind=kind, note=note)
    if broken:
        return f"/actions/workflows/{rng.choice(_WORDS)}.yml", gone
    choices = ["/actions", "/releases", "/tags", "/pulls", "/issues", "/actions/workflows/ci.yml"]
    page = rng.choice([*choices, "/wiki"] if repo.wiki else choices)
    return page, alive

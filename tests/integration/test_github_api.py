"""GitHub links through GitHub's API (issue 30), end to end: ``linkkeeper check`` in a subprocess
against tests/fakegithub's fake GitHub Enterprise Server, scored against the fake's truths.

Each run works in a folder of its own holding a ``.git`` folder (the history and reports stay
there), with an explicit environment: PATH, HOME, SSL_CERT_FILE (the fake's CA), the three
``LINKKEEPER_GITHUB_*`` URLs, the token when the test has one, and no proxy variable. Every
request goes to 127.0.0.1 (``--resolve``). Nothing here waits or measures time; a run is bounded
by ``RUN_TIMEOUT`` only so that a hang fails instead of blocking. bench/github_api.py uses the
helpers above the tests for the 2,000-link corpus.

Verdicts are read per place: each link is written on its own line, and a link's verdict is the
entry of ``targets[]`` whose ``occurrences`` hold that line (a line anchor past the end may be an
entry of its own, ``URL#L13``, as missing fragments are).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.fakegithub import FakeGitHub, LogEntry, Truth, build_corpus
from tests.fakegithub.model import fake_sha

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 120  # seconds: a bound on one subprocess, never an assertion about speed
API_KINDS = frozenset({"owner", "repo", "commit", "issue", "pull", "blob", "tree", "line", "release"})
DEAD = frozenset({"broken", "broken-fragment"})
HEALTHY = frozenset({"alive", "redirected"})
HELD_BACK = frozenset({"blocked", "skipped"})  # what a throttled link may end as without a token
UNKNOWN_TOKEN = "ghp_notATokenTheFakeKnowsAbout000000000000"  # 401 Bad credentials
# The hidden check's budget for 2,000 links, scaled to a corpus's size in the tests.
GRAPHQL_PER_2000, REST_PER_2000, PAGES_PER_2000 = 50, 50, 100
_RENAMED = re.compile(r"^renamed: (\S+) is now (\S+?)(?:;|$)")


# -- running linkkeeper ------------------------------------------------------------------------------


def write_project(folder: Path, urls: Sequence[str], per_file: int = 100) -> dict[str, tuple[str, int]]:
    """Markdown files linking each URL once, one link a line, in ``folder`` (made a git work tree's
    top by an empty ``.git`` folder). Returns each URL's place: (file name, line)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".git").mkdir(exist_ok=True)
    places: dict[str, tuple[str, int]] = {}
    for start in range(0, len(urls), per_file):
        name = f"links-{start // per_file:03d}.md"
        lines = ["# Links", ""]
        for url in urls[start : start + per_file]:
            lines.append(f"- [link {len(places)}]({url})")
            places[url] = (name, len(lines))
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return places


def environment(
    home: Path,
    ca_file: str,
    github: FakeGitHub | None,
    token: str | None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The whole environment of a run: no variable of the caller's leaks in (no proxy, no token)."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "SSL_CERT_FILE": ca_file,
    }
    if github is not None:
        env["LINKKEEPER_GITHUB_WEB_URL"] = github.web_url
        env["LINKKEEPER_GITHUB_API_URL"] = github.api_url
        env["LINKKEEPER_GITHUB_GRAPHQL_URL"] = github.graphql_url
    if token is not None:
        env["GITHUB_TOKEN"] = token
    env.update(extra or {})
    return env


def run_linkkeeper(
    folder: Path, env: Mapping[str, str], *args: str, timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linkkeeper", *args],
        cwd=folder,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def check_command(resolve: Iterable[str], *extra: str) -> list[str]:
    """The hidden check's command, with --no-progress."""
    command = ["check", ".", "--format", "json", "--timeout", "5", "--retries", "1", "--no-progress"]
    for entry in resolve:
        command += ["--resolve", entry]
    return [*command, *extra]


@dataclass
class CheckRun:
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any]
    by_place: dict[tuple[str, int], list[dict[str, Any]]]

    def target(self, url: str, place: tuple[str, int]) -> dict[str, Any] | None:
        """The entry judging the link written at ``place``: the one named by the link itself when
        several hold the place, else the first."""
        found = self.by_place.get(place, [])
        for target in found:
            if target["url"] == url:
                return target
        return found[0] if found else None


def parse_run(process: subprocess.CompletedProcess[str]) -> CheckRun:
    assert process.returncode in (0, 1), f"exit {process.returncode}\nstderr:\n{process.stderr[-4000:]}"
    try:
        report = json.loads(process.stdout)
    except ValueError as exc:
        raise AssertionError(f"no JSON on stdout: {exc}\nstderr:\n{process.stderr[-4000:]}") from exc
    by_place: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for target in report["targets"]:
        for occurrence in target["occurrences"]:
            by_place.setdefault((Path(occurrence["path"]).name, occurrence["line"]), []).append(target)
    return CheckRun(process.returncode, process.stdout, process.stderr, report, by_place)


def run_check(folder: Path, env: Mapping[str, str], resolve: Iterable[str], *extra: str) -> CheckRun:
    try:
        process = run_linkkeeper(folder, env, *check_command(resolve, *extra))
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the run did not end within {exc.timeout:g} s (a Retry-After waited out?)") from exc
    return parse_run(process)


# -- scoring -----------------------------------------------------------------------------------------


def _same(a: str | None, b: str | None) -> bool:
    """The same address, ignoring the fragment, a trailing slash and case (GitHub's names are
    case-insensitive; the corpus has no two paths that differ by case alone)."""
    if a is None or b is None:
        return False
    return urldefrag(a)[0].rstrip("/").casefold() == urldefrag(b)[0].rstrip("/").casefold()


def moved_link(url: str, truth: Truth) -> str | None:
    """For a link under a renamed or transferred repository's old name: the same link under the
    new name (the corpus's note says both)."""
    match = _RENAMED.match(truth.note)
    if match is None:
        return None
    old, new = match.groups()
    return url.replace(f"/{old}", f"/{new}", 1)


@dataclass
class Score:
    right: int = 0
    held_back: int = 0  # blocked or skipped, where the test allows it (no token, throttled)
    false_dead: list[str] = field(default_factory=list)  # healthy, reported broken
    missed: list[str] = field(default_factory=list)  # broken, reported anything but broken
    wrong: list[str] = field(default_factory=list)  # any other wrong verdict, or no verdict at all
    outcomes: Counter[str] = field(default_factory=Counter)
    held_back_errors: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # short, for pytest's explanation of a failed assert
        return f"Score(right={self.right}, held_back={self.held_back}, outcomes={dict(self.outcomes)})"

    @property
    def clean(self) -> bool:
        return not (self.false_dead or self.missed or self.wrong)

    def problems(self, limit: int = 12) -> str:
        lines = [f"{len(self.false_dead)} false dead, {len(self.missed)} missed, {len(self.wrong)} otherwise wrong"]
        for name in ("false_dead", "missed", "wrong"):
            lines += [f"  {name}: {item}" for item in getattr(self, name)[:limit]]
        return "\n".join(lines)


def score(
    corpus: Sequence[tuple[str, Truth]],
    places: Mapping[str, tuple[str, int]],
    run: CheckRun,
    *,
    held_back_ok: bool = False,
) -> Score:
    """Compare each link's verdict with its truth.

    - alive: ``alive``. redirected: ``redirected`` with ``final_url`` where the link ends; a link
      under a renamed or transferred repository's old name must be ``redirected``, to where GitHub
      sends it or to the same link under the new name; any other redirect may also be ``alive``
      (a 302 is no move).
    - broken: ``broken``; broken-fragment (a line past the end): ``broken-fragment`` or ``broken``.
    - a healthy link reported broken is *false dead*; a broken one reported anything else *missed*;
      with ``held_back_ok``, ``blocked`` or ``skipped`` is neither, for any link.
    """
    result = Score()
    for url, truth in corpus:
        target = run.target(url, places[url])
        if target is None:
            result.wrong.append(f"{url}: no verdict (truth {truth.status})")
            continue
        outcome, final = target["outcome"], target.get("final_url")
        result.outcomes[outcome] += 1
        said = f"{url}: {outcome} {final or ''} {target.get('error') or ''}".rstrip()
        expected = f"(truth {truth.status} {truth.final_url or ''} {truth.note})".rstrip()
        if held_back_ok and outcome in HELD_BACK:
            result.held_back += 1
            result.held_back_errors.append(target.get("error") or f"({outcome}, no error text: {url})")
            continue
        if truth.status in HEALTHY and outcome in DEAD:
            result.false_dead.append(f"{said} {expected}")
            continue
        if truth.status in DEAD:
            if outcome in DEAD and (outcome == "broken" or truth.status == "broken-fragment"):
                result.right += 1
            elif outcome in DEAD:
                result.wrong.append(f"{said} {expected}")
            else:
                result.missed.append(f"{said} {expected}")
            continue
        moved = moved_link(url, truth)
        if truth.status == "alive":
            ok = outcome == "alive"
        elif moved is not None:
            ok = outcome == "redirected" and (_same(final, truth.final_url) or _same(final, moved))
        else:
            ok = outcome == "alive" or (outcome == "redirected" and _same(final, truth.final_url))
        if ok:
            result.right += 1
        else:
            result.wrong.append(f"{said} {expected}")
    return result


# -- what the fake saw ---------------------------------------------------------------------------------


def request_target(url: str) -> str:
    """The request target a page request for ``url`` sends (no fragment)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def token_problems(fake: FakeGitHub, others: Iterable[FakeGitHub] = ()) -> list[str]:
    """Requests that carried a token where none may go: a page, plain http, a Host other than the
    fake's own (``api_url``/``graphql_url`` are on it), or another server altogether."""
    problems = []
    home = f"{fake.host}:{fake.port}".casefold()
    for entry in fake.log:
        if not entry.authorization and entry.token is None:
            continue
        if entry.kind == "web":
            problems.append(f"token sent with a page request: {entry}")
        elif entry.scheme != "https":
            problems.append(f"token sent over {entry.scheme}: {entry}")
        elif entry.host.casefold() != home:
            problems.append(f"token sent to host {entry.host!r}: {entry}")
    for other in others:
        problems += [f"token sent to another server: {entry}" for entry in other.log if entry.authorization]
    return problems


def assert_no_token_leak(fake: FakeGitHub, others: Iterable[FakeGitHub] = ()) -> None:
    leaks = token_problems(fake, others)
    assert not leaks, f"{len(leaks)} request(s) carried the token where it may not go:\n" + "\n".join(leaks[:5])


def page_requests_for(log: Iterable[LogEntry], urls: Iterable[str]) -> list[LogEntry]:
    targets = {request_target(url) for url in urls}
    return [entry for entry in log if entry.kind == "web" and entry.path in targets]


def scaled(per_2000: int, links: int) -> int:
    return max(1, math.ceil(per_2000 * links / 2000))


def bundle_cas(path: Path, *fakes: FakeGitHub) -> str:
    path.write_text("".join(Path(fake.ca_pem_path).read_text() for fake in fakes))
    return str(path)


# -- a small world of known links -----------------------------------------------------------------------


def twelve_lines(name: str) -> str:
    return "".join(f"{name} line {number}\n" for number in range(1, 13))


def small_world(fake: FakeGitHub) -> list[tuple[str, Truth]]:
    """acme/widgets (issues 1 and 3, pull 2, release v1.0, tag v0.9, a 12-line src/app.py),
    acme/gizmo renamed acme/gadgets, acme/tools transferred to umbrella/tools; and links of
    every kind the API answers, each decidable from its page as well."""
    fake.add_org("acme")
    fake.add_org("umbrella")
    widgets = fake.add_repo(
        "acme",
        "widgets",
        files={"README.md": "# Widgets\n", "src/app.py": twelve_lines("app"), "docs/guide.md": "# Guide\n"},
        issues={1: "OPEN", 3: "CLOSED"},
        pulls={2: "MERGED"},
        releases=["v1.0"],
        tags=["v0.9"],
        branches=["feature/x"],
    )
    fake.add_repo("acme", "gizmo", files={"README.md": "# Gizmo\n", "src/app.py": twelve_lines("gizmo")}, issues=[1])
    fake.add_repo("acme", "tools", files={"README.md": "# Tools\n"}, issues=[1])
    fake.rename("acme", "gizmo", "acme", "gadgets")
    fake.rename("acme", "tools", "umbrella", "tools")
    w = fake.web_url
    sha = widgets.commits[0]
    return [
        (f"{w}/acme", Truth("alive", kind="owner")),
        (f"{w}/no-such-owner-here", Truth("broken", kind="owner")),
        (f"{w}/acme/widgets", Truth("alive", kind="repo")),
        (f"{w}/acme/widgets-nope", Truth("broken", kind="repo")),
        (f"{w}/acme/widgets/issues/1", Truth("alive", kind="issue")),
        (f"{w}/acme/widgets/pull/2", Truth("alive", kind="pull")),
        (f"{w}/acme/widgets/issues/99", Truth("broken", kind="issue")),
        (f"{w}/acme/widgets/commit/{sha[:7]}", Truth("alive", kind="commit")),
        (f"{w}/acme/widgets/commit/{fake_sha('no such commit')}", Truth("broken", kind="commit")),
        (f"{w}/acme/widgets/blob/main/src/app.py", Truth("alive", kind="blob")),
        (f"{w}/acme/widgets/blob/feature/x/docs/guide.md", Truth("alive", kind="blob")),
        (f"{w}/acme/widgets/blob/main/src/nope.py", Truth("broken", kind="blob")),
        (f"{w}/acme/widgets/tree/main/src", Truth("alive", kind="tree")),
        (f"{w}/acme/widgets/releases/tag/v1.0", Truth("alive", kind="release")),
        (f"{w}/acme/widgets/releases/tag/v9.9", Truth("broken", kind="release")),
        (
            f"{w}/acme/gizmo/blob/main/README.md",
            Truth(
                "redirected", f"{w}/acme/gadgets/blob/main/README.md", "blob", "renamed: acme/gizmo is now acme/gadgets"
            ),
        ),
        (
            f"{w}/acme/tools",
            Truth("redirected", f"{w}/umbrella/tools", "repo", "renamed: acme/tools is now umbrella/tools"),
        ),
    ]


# -- the tests ------------------------------------------------------------------------------------------


def test_corpus_with_a_token_every_verdict_right_through_the_api(tmp_path: Path) -> None:
    """300 links of every kind (some private, renamed, transferred, missing, or past a file's end)
    against the fake with its default page throttle, as the hidden check's run but smaller. Every
    check is made and the failures are reported together."""
    with FakeGitHub() as fake:
        corpus = build_corpus(fake, count=300, seed=11)
        places = write_project(tmp_path / "notes", [url for url, _ in corpus])
        env = environment(tmp_path, fake.ca_pem_path, fake, fake.token)
        run = run_check(tmp_path / "notes", env, [fake.resolve_entry])
        failures: list[str] = []
        leaks = token_problems(fake)
        if leaks:
            failures.append(f"{len(leaks)} request(s) carried the token where it may not go:\n" + "\n".join(leaks[:5]))
        result = score(corpus, places, run)
        if not result.clean:
            failures.append(result.problems())
        n = len(corpus)
        for what, count, budget in (
            ("GraphQL", fake.graphql_requests, scaled(GRAPHQL_PER_2000, n)),
            ("REST", fake.rest_requests, scaled(REST_PER_2000, n)),
            ("page", fake.page_requests, scaled(PAGES_PER_2000, n)),
        ):
            if count > budget:
                failures.append(f"{count} {what} requests for {n} links (at most {budget})")
        paged = page_requests_for(fake.log, [url for url, truth in corpus if truth.kind in API_KINDS])
        if paged:
            failures.append(f"{len(paged)} page requests for links the API answers: {[e.path for e in paged[:8]]}")
        early = [entry.path for entry in fake.log if entry.early]
        if early:
            failures.append(f"{len(early)} page requests before a 429's Retry-After had passed: {early[:5]}")
        if fake.internal_errors:
            failures.append(f"the fake failed: {fake.internal_errors[:3]}")
        assert not failures, "\n\n".join(failures)


def test_line_anchors_are_checked_through_the_api_without_check_fragments(tmp_path: Path) -> None:
    """src/app.py has 12 lines: #L12 and #L4-L12 are inside it, #L13 and #L4-L13 one past its end."""
    with FakeGitHub() as fake:
        small_world(fake)
        widgets, _ = fake.world.find_repo("acme", "widgets")
        assert widgets is not None
        sha = widgets.commits[-1]
        blob = f"{fake.web_url}/acme/widgets/blob"
        corpus = [
            (f"{blob}/main/src/app.py#L1", Truth("alive", kind="line")),
            (f"{blob}/main/src/app.py#L12", Truth("alive", kind="line")),
            (f"{blob}/main/src/app.py#L13", Truth("broken-fragment", kind="line")),
            (f"{blob}/main/src/app.py#L4-L12", Truth("alive", kind="line")),
            (f"{blob}/main/src/app.py#L4-L13", Truth("broken-fragment", kind="line")),
            (f"{blob}/main/src/app.py#L20-L30", Truth("broken-fragment", kind="line")),
            (f"{blob}/feature/x/src/app.py#L7", Truth("alive", kind="line")),
            (f"{blob}/feature/x/src/app.py#L13", Truth("broken-fragment", kind="line")),
            (f"{blob}/{sha}/src/app.py#L5-L6", Truth("alive", kind="line")),
            (f"{blob}/v1.0/src/app.py#L13", Truth("broken-fragment", kind="line")),
            (f"{blob}/main/src/nope.py#L1", Truth("broken", kind="line")),
            (
                f"{fake.web_url}/acme/gizmo/blob/main/src/app.py#L3-L4",
                Truth(
                    "redirected",
                    f"{fake.web_url}/acme/gadgets/blob/main/src/app.py#L3-L4",
                    "line",
                    "renamed: acme/gizmo is now acme/gadgets",
                ),
            ),
        ]
        places = write_project(tmp_path / "notes", [url for url, _ in corpus])
        env = environment(tmp_path, fake.ca_pem_path, fake, fake.token)
        run = run_check(tmp_path / "notes", env, [fake.resolve_entry])  # no --check-fragments
        result = score(corpus, places, run)
        assert result.clean, result.problems()
        assert fake.page_requests == 0, [entry.path for entry in fake.log if entry.kind == "web"]
        assert 1 <= fake.graphql_requests <= 3, fake.counts
        assert_no_token_leak(fake)


def test_renamed_and_transferred_repositories_are_redirected_and_fix_rewrites_them(tmp_path: Path) -> None:
    with FakeGitHub() as fake:
        small_world(fake)
        w = fake.web_url
        moves = {
            f"{w}/acme/gizmo": f"{w}/acme/gadgets",
            f"{w}/acme/gizmo/blob/main/src/app.py#L3": f"{w}/acme/gadgets/blob/main/src/app.py#L3",
            f"{w}/acme/gizmo/issues/1": f"{w}/acme/gadgets/issues/1",
            f"{w}/acme/tools/issues/1": f"{w}/umbrella/tools/issues/1",
            f"{w}/ACME/Tools": f"{w}/umbrella/tools",
        }
        staying = f"{w}/acme/widgets/blob/main/README.md"
        places = write_project(tmp_path / "notes", [*moves, staying])
        env = environment(tmp_path, fake.ca_pem_path, fake, fake.token)
        run = run_check(tmp_path / "notes", env, [fake.resolve_entry])
        for old, new in moves.items():
            target = run.target(old, places[old])
            assert target is not None, old
            assert target["outcome"] == "redirected", (old, target)
            assert _same(target["final_url"], new), (old, target["final_url"], new)
        assert (run.target(staying, places[staying]) or {}).get("outcome") == "alive"
        assert page_requests_for(fake.log, [*moves, staying]) == []
        assert_no_token_leak(fake)

        document = tmp_path / "notes" / "links-000.md"
        before = document.read_bytes()
        fixed = run_linkkeeper(tmp_path / "notes", env, "fix", "--redirects", "--diff", ".")
        assert fixed.returncode in (0, 1), fixed.stderr
        removed = [line for line in fixed.stdout.splitlines() if line.startswith("-") and not line.startswith("---")]
        added = [line for line in fixed.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
        for old, new in moves.items():
            assert any(f"]({old})" in line for line in removed), (old, fixed.stdout, fixed.stderr)
            # Case-insensitive: GitHub may give the new name in its own spelling.
            assert any(f"]({new})".casefold() in line.casefold() for line in added), (new, fixed.stdout)
        assert not any(staying in line for line in removed), fixed.stdout
        assert document.read_bytes() == before, "--diff wrote the file"


def test_only_links_with_web_urls_scheme_host_and_port_are_github_links(tmp_path: Path) -> None:
    """Another server on the same host name but another port, and the fake's own port over plain
    http, are no GitHub links: their pages are asked, without the token; what they answer decides."""
    with FakeGitHub() as fake, FakeGitHub(page_rate_per_minute=None) as other:
        fake.add_repo("acme", "widgets", issues=[1])
        other.add_repo("elsewhere", "only-here")
        corpus = [
            (f"{fake.web_url}/acme/widgets", Truth("alive", kind="repo")),
            (f"{other.web_url}/elsewhere/only-here", Truth("alive", kind="repo")),  # unknown to the API
            (f"{other.web_url}/acme/widgets", Truth("broken", kind="repo")),  # known to the API, not here
            (f"{fake.base('http')}/acme/widgets/issues/1", Truth("alive", kind="issue")),
            (f"{fake.base('http')}/acme/no-such-repo", Truth("broken", kind="repo")),
        ]
        places = write_project(tmp_path / "notes", [url for url, _ in corpus])
        env = environment(tmp_path, bundle_cas(tmp_path / "cas.pem", fake, other), fake, fake.token)
        run = run_check(tmp_path / "notes", env, [fake.resolve_entry])
        result = score(corpus, places, run)
        assert result.clean, result.problems()

        asked = {(entry.kind, entry.path) for entry in other.log}
        assert {("web", "/elsewhere/only-here"), ("web", "/acme/widgets")} <= asked, other.log
        assert all(entry.kind == "web" for entry in other.log), "the API was asked on another port"
        plain = [entry for entry in fake.log if entry.scheme == "http"]
        assert {entry.path for entry in plain} >= {"/acme/widgets/issues/1", "/acme/no-such-repo"}, fake.log
        assert all(entry.kind == "web" for entry in plain), plain
        assert page_requests_for([e for e in fake.log if e.scheme == "https"], [f"{fake.web_url}/acme/widgets"]) == []
        assert_no_token_leak(fake, [other])


def test_the_token_never_goes_over_http(tmp_path: Path) -> None:
    """With api_url and graphql_url on plain http, the token is not sent at all: the links are
    asked as pages (the fake answers http on the same port; its page throttle is off here)."""
    with FakeGitHub(page_rate_per_minute=None) as fake:
        corpus = small_world(fake)
        places = write_project(tmp_path / "notes", [url for url, _ in corpus])
        over_http = {
            "LINKKEEPER_GITHUB_API_URL": f"{fake.base('http')}/api/v3",
            "LINKKEEPER_GITHUB_GRAPHQL_URL": f"{fake.base('http')}/api/graphql",
        }
        env = environment(tmp_path, fake.ca_pem_path, fake, fake.token, over_http)
        run = run_check(tmp_path / "notes", env, [fake.resolve_entry])
        result = score(corpus, places, run)
        assert result.clean, result.problems()
        assert_no_token_leak(fake)
        assert not [entry for entry in fake.log if entry.token], "the token was sent"


def _knobs_and_faults(case: str, fake: FakeGitHub) -> str:
    """Set the fake up for one whole-query failure; returns the token to send."""
    if case == "502":
        fake.fail_next("graphql", status=502, count=50)
    elif case == "node-limit":  # "too many fields": GitHub refuses the query, HTTP 200, no data
        body = {
            "errors": [
                {
                    "type": "MAX_NODE_LIMIT_EXCEEDED",
                    "message": "By the time this query traverses to the files connection, it is requesting up to "
                    "1,000,000 possible nodes which exceeds the maximum limit of 500,000.",
                }
            ]
        }
        fake.fail_next(
            "graphql",
            status=200,
            count=50,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
    return UNKNOWN_TOKEN if case == "unknown-token" else fake.token


@pytest.mark.parametrize("case", ["unknown-token", "502", "rate-limit", "node-limit"])
def test_an_error_for_the_whole_query_is_no_verdict(tmp_path: Path, case: str) -> None:
    """401 Bad credentials, a 502 on every attempt, the RATE_LIMIT error (no points left) and a
    query GitHub refuses: no link is judged from the error; they are asked as pages instead (the
    page throttle is off here, so every page answers)."""
    knobs: dict[str, Any] = {"page_rate_per_minute": None}
    if case == "rate-limit":
        knobs["graphql_limit"] = 0
    with FakeGitHub(**knobs) as fake:
        corpus = small_world(fake)
        token = _knobs_and_faults(case, fake)
        places = write_project(tmp_path / "notes", [url for url, _ in corpus])
        env = environment(tmp_path, fake.ca_pem_path, fake, token)
        run = run_check(tmp_path / "notes", env, [fake.resolve_entry])
        result = score(corpus, places, run)
        assert result.clean, result.problems()
        assert fake.graphql_requests + fake.rest_requests >= 1, "the API was never asked"
        asked = {entry.path for entry in fake.log if entry.kind == "web"}
        unasked = [url for url, _ in corpus if request_target(url) not in asked]
        assert not unasked, f"not asked as pages after the API failed: {unasked}"
        assert_no_token_leak(fake)
        assert not [entry for entry in fake.log if entry.token == UNKNOWN_TOKEN and entry.kind == "web"]


@pytest.mark.parametrize(
    ("rate", "burst", "retry_after", "links"),
    [
        pytest.param(1, 5, 3600, 40, id="retry-after-beyond-the-budget"),
        pytest.param(120, 5, None, 20, id="retry-after-one-second"),
    ],
)
def test_without_a_token_throttled_pages_are_never_broken(
    tmp_path: Path, rate: int, burst: int, retry_after: int | None, links: int
) -> None:
    """No token: every link is a page request against the fake's per-client throttle. An existing
    link is never broken; a throttled one is blocked or skipped, saying a token would help; after a
    429 no page request reaches the host before its Retry-After has passed; and a Retry-After
    beyond the run's budget is not waited out (the run is bounded by RUN_TIMEOUT)."""
    with FakeGitHub(page_rate_per_minute=rate, page_burst=burst, page_retry_after=retry_after) as fake:
        written = build_corpus(fake, count=links, seed=5, private=False)
        places = write_project(tmp_path / "notes", [url for url, _ in written])
        env = environment(tmp_path, fake.ca_pem_path, fake, None)
        run = run_check(tmp_path / "notes", env, [fake.resolve_entry])
        # Line anchors past the end are the API's to find (with a token); pages are not required to.
        corpus = [(url, truth) for url, truth in written if truth.status != "broken-fragment"]
        result = score(corpus, places, run, held_back_ok=True)
        assert not result.false_dead, result.problems()
        assert not result.missed and not result.wrong, result.problems()
        assert any(entry.status == 429 for entry in fake.log), "the throttle never bit: the test tests nothing"
        early = [entry for entry in fake.log if entry.early]
        assert not early, f"{len(early)} page requests before Retry-After had passed, e.g. {early[:3]}"
        if retry_after is not None:
            assert result.held_back >= 1, result.outcomes
        wordless = [error for error in result.held_back_errors if "token" not in error.casefold()]
        assert not wordless, f"held back without a word about the token (check.github_token_env): {wordless[:3]}"
        assert fake.graphql_requests == 0, "GraphQL asked without a token"
        assert_no_token_leak(fake)


@pytest.mark.parametrize("where", ["file", "environment-over-file"])
def test_the_github_table_and_the_token_variable_from_the_settings(tmp_path: Path, where: str) -> None:
    """The [github] table in linkkeeper.toml places GitHub; LINKKEEPER_GITHUB_* override it; the
    token comes from the variable check.github_token_env names (GITHUB_TOKEN holds a decoy the
    fake does not know: reading it would end in 401 and page requests)."""
    with FakeGitHub() as fake:
        corpus = small_world(fake)
        places = write_project(tmp_path / "notes", [url for url, _ in corpus])
        nowhere = f"https://{fake.host}:1"  # resolves to 127.0.0.1 by --resolve; nothing listens there
        table = fake if where == "file" else None
        (tmp_path / "notes" / "linkkeeper.toml").write_text(
            '[check]\ngithub_token_env = "GHE_TOKEN"\n\n[github]\n'
            f'web_url = "{table.web_url if table else nowhere}"\n'
            f'api_url = "{table.api_url if table else nowhere + "/api/v3"}"\n'
            f'graphql_url = "{table.graphql_url if table else nowhere + "/api/graphql"}"\n'
        )
        env = environment(
            tmp_path,
            fake.ca_pem_path,
            None if where == "file" else fake,
            UNKNOWN_TOKEN,
            {"GHE_TOKEN": fake.token},
        )
        run = run_check(tmp_path / "notes", env, [fake.resolve_entry])
        result = score(corpus, places, run)
        assert result.clean, result.problems()
        assert fake.graphql_requests >= 1, fake.counts
        assert fake.page_requests == 0, [entry.path for entry in fake.log if entry.kind == "web"]
        assert {entry.token for entry in fake.log if entry.token} == {fake.token}
        assert_no_token_leak(fake)

"""The fake GitHub (tests/fakegithub) behaves as GitHub does, over real loopback sockets: GraphQL
batches of every object kind, null-plus-NOT_FOUND answers, renames, authentication, GitHub's
resource and rate limits with their headers, the page throttle, and its https and log."""

from __future__ import annotations

import json
import re
import ssl
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.fakegithub import STATUSES, FakeGitHub, build_corpus

SHA = "0123456789abcdef0123456789abcdef01234567"
OLD_SHA = "89abcdef0123456789abcdef0123456789abcdef"


class Clock:
    """A clock the test moves: no sleeping."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


def populate(fake: FakeGitHub) -> None:
    fake.add_org("acme")
    fake.add_user("octocat")
    fake.add_repo(
        "acme",
        "widgets",
        files={
            "README.md": "# Widgets\n",
            "docs/a.md": "one\ntwo\nthree\n",
            "src/app.py": "".join(f"x = {n}\n" for n in range(12)),
        },
        commits=[SHA, OLD_SHA],
        issues=[1, 2],
        pulls={3: "MERGED"},
        releases=["v1.0"],
        tags=["v0.9"],
        branches=["feature/x"],
    )
    fake.add_repo("acme", "vault", private=True)
    fake.add_repo("octocat", "old-name")
    fake.rename("octocat", "old-name", "acme", "new-name")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub(host="127.0.0.1", page_rate_per_minute=None)
    populate(server)
    server.start()
    yield server
    server.stop()


def client(fake: FakeGitHub) -> httpx.Client:
    return httpx.Client(verify=fake.client_ssl_context(), timeout=5)


def graphql(fake: FakeGitHub, query: str, token: str | None = "", **variables: Any) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"bearer {token or fake.token}"}
    with client(fake) as http:
        return http.post(fake.graphql_url, json={"query": query, "variables": variables}, headers=headers)


def test_an_aliased_batch_of_every_kind_with_fragments_and_variables(fake: FakeGitHub) -> None:
    query = """
    query Batch($owner: String!, $file: String!, $n: Int!) {
      repo: repository(owner: $owner, name: "widgets") {
        nameWithOwner isPrivate url owner { login __typename }
        commit: object(expression: "0123456") { ...git }
        file: object(expression: $file) { ...git ... on Blob { byteSize isBinary isTruncated text } }
        folder: object(expression: "feature/x:docs") { ... on Tree { entries { name path type lineCount } } }
        issue(number: 1) { number state url }
        pull: pullRequest(number: $n) { state merged url }
        either: issueOrPullRequest(number: $n) { __typename ... on PullRequest { number } }
        release(tagName: "v1.0") { tagName url tagCommit { oid } }
        tagOnly: ref(qualifiedName: "v0.9") { prefix target { oid } }
        defaultBranchRef { name target { ... on Commit { history(first: 5) { totalCount nodes { oid } } } } }
        refs(refPrefix: "refs/heads/", first: 10) { nodes { name } }
      }
      org: organization(login: "ACME") { login url }
      user(login: "octocat") { login repository(name: "old-name") { nameWithOwner } }
      owner: repositoryOwner(login: "acme") { __typename login repositories(first: 10) { totalCount } }
      viewer { login }
    }
    fragment git on GitObject { __typename oid abbreviatedOid commitUrl }
    """
    answer = graphql(fake, query, owner="acme", file="main:src/app.py", n=3).json()
    assert "errors" not in answer, answer
    repo = answer["data"]["repo"]
    assert repo["nameWithOwner"] == "acme/widgets" and repo["isPrivate"] is False
    assert repo["url"] == f"{fake.web_url}/acme/widgets"
    assert repo["owner"] == {"login": "acme", "__typename": "Organization"}
    assert repo["commit"]["__typename"] == "Commit" and repo["commit"]["oid"] == SHA
    assert repo["file"]["__typename"] == "Blob" and repo["file"]["text"].count("\n") == 12
    assert repo["file"]["byteSize"] == len(repo["file"]["text"]) and repo["file"]["isBinary"] is False
    assert repo["folder"]["entries"] == [{"name": "a.md", "path": "docs/a.md", "type": "blob", "lineCount": 3}]
    assert repo["issue"] == {"number": 1, "state": "OPEN", "url": f"{fake.web_url}/acme/widgets/issues/1"}
    assert repo["pull"] == {"state": "MERGED", "merged": True, "url": f"{fake.web_url}/acme/widgets/pull/3"}
    assert repo["either"] == {"__typename": "PullRequest", "number": 3}
    assert repo["release"]["url"] == f"{fake.web_url}/acme/widgets/releases/tag/v1.0"
    assert repo["tagOnly"]["prefix"] == "refs/tags/"
    assert repo["defaultBranchRef"]["target"]["history"]["totalCount"] == 2
    assert [ref["name"] for ref in repo["refs"]["nodes"]] == ["feature/x", "main"]
    assert answer["data"]["org"]["login"] == "acme"
    assert answer["data"]["user"] == {"login": "octocat", "repository": {"nameWithOwner": "acme/new-name"}}
    assert answer["data"]["owner"]["repositories"]["totalCount"] == 3  # the private one is seen by this token
    assert answer["data"]["viewer"] == {"login": "linkkeeper-ci"}


def test_what_cannot_be_resolved_is_null_with_a_not_found_error_and_the_rest_keeps_its_data(fake: FakeGitHub) -> None:
    query = """{
      gone: repository(owner: "acme", name: "nope") { id }
      repo: repository(owner: "acme", name: "widgets") {
        name
        i: issue(number: 3) { number }
        p: pullRequest(number: 1) { number }
        x: issueOrPullRequest(number: 99) { __typename }
        missingFile: object(expression: "main:docs/b.md") { oid }
        missingRef: object(expression: "nope:README.md") { oid }
        release(tagName: "v0.9") { url }
        ref(qualifiedName: "refs/heads/nope") { name }
      }
      who: user(login: "acme") { login }
      org: organization(login: "octocat") { login }
      nobody: repositoryOwner(login: "nobody-at-all") { login }
    }"""
    answer = graphql(fake, query).json()
    assert answer["data"]["gone"] is None and answer["data"]["who"] is None and answer["data"]["nobody"] is None
    repo = answer["data"]["repo"]
    assert repo["name"] == "widgets"
    assert [repo[key] for key in ("i", "p", "x", "missingFile", "missingRef", "release", "ref")] == [None] * 7
    errors = {tuple(error["path"]): error for error in answer["errors"]}
    assert set(errors) == {("gone",), ("repo", "i"), ("repo", "p"), ("repo", "x"), ("who",), ("org",)}
    assert all(error["type"] == "NOT_FOUND" and error["locations"] for error in errors.values())
    assert list(errors[("gone",)]) == ["type", "path", "locations", "message"]
    assert errors[("gone",)]["message"] == "Could not resolve to a Repository with the name 'acme/nope'."
    assert errors[("repo", "i")]["message"] == "Could not resolve to an Issue with the number of 3."
    assert errors[("repo", "p")]["message"] == "Could not resolve to a PullRequest with the number of 1."
    assert errors[("repo", "x")]["message"] == "Could not resolve to an issue or pull request with the number of 99."
    assert errors[("who",)]["message"] == "Could not resolve to a User with the login of 'acme'."
    assert errors[("org",)]["message"] == "Could not resolve to an Organization with the login of 'octocat'."


def test_a_private_repository_is_not_found_unless_the_token_sees_it(fake: FakeGitHub) -> None:
    fake.add_token("ghp_blind", "outsider", private=False)
    query = '{ repository(owner: "acme", name: "vault") { isPrivate visibility } }'
    assert graphql(fake, query).json()["data"]["repository"] == {"isPrivate": True, "visibility": "PRIVATE"}
    blind = graphql(fake, query, token="ghp_blind").json()
    assert blind["data"]["repository"] is None
    assert blind["errors"][0]["message"] == "Could not resolve to a Repository with the name 'acme/vault'."
    with client(fake) as http:
        assert http.get(f"{fake.api_url}/repos/acme/vault").status_code == 404
        assert (
            http.get(f"{fake.web_url}/acme/vault", headers={"Authorization": f"bearer {fake.token}"}).status_code == 404
        )


def test_a_renamed_repository_in_graphql_rest_and_pages(fake: FakeGitHub) -> None:
    answer = graphql(
        fake,
        '{ a: repository(owner: "octocat", name: "old-name") { nameWithOwner url } '
        'b: repository(owner: "octocat", name: "old-name", followRenames: false) { id } }',
    ).json()
    assert answer["data"]["a"] == {"nameWithOwner": "acme/new-name", "url": f"{fake.web_url}/acme/new-name"}
    assert answer["data"]["b"] is None and answer["errors"][0]["type"] == "NOT_FOUND"
    with client(fake) as http:
        moved = http.get(f"{fake.api_url}/repos/octocat/old-name", headers={"Authorization": f"token {fake.token}"})
        assert moved.status_code == 301
        assert re.fullmatch(re.escape(f"{fake.api_url}/repositories/") + r"\d+", moved.headers["location"])
        assert moved.json()["message"] == "Moved Permanently" and moved.json()["url"] == moved.headers["location"]
        landed = http.get(moved.headers["location"], headers={"Authorization": f"token {fake.token}"})
        assert (landed.status_code, landed.json()["full_name"], landed.json()["private"]) == (
            200,
            "acme/new-name",
            False,
        )
        page = http.get(f"{fake.web_url}/octocat/old-name/blob/main/README.md?plain=1")
        assert page.status_code == 301
        assert page.headers["location"] == f"{fake.web_url}/acme/new-name/blob/main/README.md?plain=1"
        missing = http.get(f"{fake.api_url}/repos/acme/nope")
        assert missing.status_code == 404
        assert missing.json()["message"] == "Not Found" and missing.json()["status"] == "404"


def test_pages_answer_as_github_pages_do(fake: FakeGitHub) -> None:
    web = fake.web_url
    expected = {
        "/acme": (200, None),
        "/ACME/Widgets": (200, None),
        "/acme/widgets/commit/0123456": (200, None),
        "/acme/widgets/issues/1": (200, None),
        "/acme/widgets/issues/3": (302, f"{web}/acme/widgets/pull/3"),
        "/acme/widgets/pull/1": (302, f"{web}/acme/widgets/issues/1"),
        "/acme/widgets/pull/3/files": (200, None),
        "/acme/widgets/blob/main/docs": (301, f"{web}/acme/widgets/tree/main/docs"),
        "/acme/widgets/tree/feature/x/docs/a.md": (301, f"{web}/acme/widgets/blob/feature/x/docs/a.md"),
        "/acme/widgets/tree/v0.9": (200, None),
        "/acme/widgets/releases/tag/v0.9": (200, None),
        "/acme/widgets/releases/tag/v2.0": (404, None),
        "/acme/widgets/wiki": (200, None),
        "/acme/widgets/actions": (200, None),
        "/acme/widgets/blob/main/nope.md": (404, None),
        "/acme/widgets/issues/4": (404, None),
        "/nobody-at-all": (404, None),
    }
    with client(fake) as http:
        for path, (status, location) in expected.items():
            response = http.get(f"{web}{path}")
            assert (response.status_code, response.headers.get("location")) == (status, location), path
        blob = http.get(f"{web}/acme/widgets/blob/{SHA}/docs/a.md").text
    payload = re.search(r"data-target='react-app.embeddedData'>(.*?)</script>", blob)
    assert payload is not None and json.loads(payload.group(1))["payload"]["blob"]["rawLines"] == [
        "one",
        "two",
        "three",
    ]


def test_no_token_and_a_wrong_token_are_401(fake: FakeGitHub) -> None:
    none = graphql(fake, "{ viewer { login } }", token=None)
    assert none.status_code == 401 and none.json()["message"] == "This endpoint requires you to be authenticated."
    wrong = graphql(fake, "{ viewer { login } }", token="ghp_wrong")
    assert wrong.status_code == 401 and wrong.json()["message"] == "Bad credentials"
    with client(fake) as http:
        rest = http.get(f"{fake.api_url}/repos/acme/widgets", headers={"Authorization": "bearer ghp_wrong"})
    assert rest.status_code == 401 and rest.json()["message"] == "Bad credentials"


def test_pagination_and_node_limits_refuse_the_whole_query(fake: FakeGitHub) -> None:
    too_many = graphql(
        fake,
        '{ repository(owner: "acme", name: "widgets") { name '
        'refs(refPrefix: "refs/tags/", first: 101) { nodes { name } } } }',
    ).json()
    assert "data" not in too_many
    assert too_many["errors"][0]["type"] == "EXCESSIVE_PAGINATION"
    assert too_many["errors"][0]["message"] == (
        "Requesting 101 records on the `refs` connection exceeds the `first` limit of 100 records."
    )
    unbounded = graphql(fake, '{ repository(owner: "acme", name: "widgets") { releases { nodes { tagName } } } }')
    assert unbounded.json()["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    huge = graphql(
        fake,
        """{ viewer { repositories(first: 100) { nodes { refs(refPrefix: "refs/heads/", first: 100) {
        nodes { target { ... on Commit { history(first: 100) { nodes { oid } } } } } } } } } }""",
    ).json()
    assert "data" not in huge and huge["errors"][0]["type"] == "MAX_NODE_LIMIT_EXCEEDED"
    assert "requesting up to 1,010,100 possible nodes" in huge["errors"][0]["message"]
    wrong_field = graphql(fake, '{ repository(owner: "acme", name: "widgets") { stars } }').json()
    assert wrong_field["errors"][0]["message"] == "Field 'stars' doesn't exist on type 'Repository'"


def test_rate_limit_headers_and_the_cost_of_a_query() -> None:
    with FakeGitHub(host="127.0.0.1", graphql_limit=60, clock=Clock()) as fake:
        populate(fake)
        first = graphql(fake, '{ repository(owner: "acme", name: "widgets") { name } }')
        second = graphql(fake, "{ rateLimit { cost limit remaining used nodeCount resetAt } }")
        assert first.headers["x-ratelimit-limit"] == "60" and first.headers["x-ratelimit-resource"] == "graphql"
        assert int(first.headers["x-ratelimit-remaining"]) == 59
        assert int(second.headers["x-ratelimit-remaining"]) == 58 and second.headers["x-ratelimit-used"] == "2"
        assert second.json()["data"]["rateLimit"] == {
            "cost": 1,
            "limit": 60,
            "remaining": 58,
            "used": 2,
            "nodeCount": 0,
            "resetAt": "2025-06-15T16:06:40Z",
        }
        # The documented example: 1 + 100 + 100 x 50 requests = 5,101, so 51 points.
        expensive = """{ viewer { repositories(first: 100) { edges { node {
            refs(refPrefix: "refs/heads/", first: 50) { nodes { target { ... on Commit { history(first: 60) {
            nodes { oid } } } } } } } } } } rateLimit { cost nodeCount } }"""
        costly = graphql(fake, expensive)
        assert costly.json()["data"]["rateLimit"] == {"cost": 51, "nodeCount": 100 + 5_000 + 300_000}
        assert costly.headers["x-ratelimit-remaining"] == "7"
        refused = graphql(fake, expensive)
        assert refused.status_code == 200 and "data" not in refused.json()
        assert refused.json()["errors"][0]["type"] == "RATE_LIMIT"
        assert refused.json()["errors"][0]["message"].startswith("API rate limit exceeded for user ID ")
        assert refused.headers["x-ratelimit-remaining"] == "7"
        assert [entry.cost for entry in fake.log] == [1, 1, 51, None]


def test_rest_without_a_token_has_its_own_small_limit() -> None:
    with FakeGitHub(host="127.0.0.1", anonymous_rest_limit=2, clock=Clock()) as fake:
        populate(fake)
        with client(fake) as http:
            answers = [http.get(f"{fake.api_url}/repos/acme/widgets") for _ in range(3)]
            status = http.get(f"{fake.api_url}/rate_limit").json()
        assert [answer.status_code for answer in answers] == [200, 200, 403]
        assert [answer.headers["x-ratelimit-remaining"] for answer in answers] == ["1", "0", "0"]
        assert answers[2].json()["message"].startswith("API rate limit exceeded for 127.0.0.1.")
        assert status["resources"]["core"] == {"limit": 2, "used": 2, "remaining": 0, "reset": 1_750_003_600}


def test_github_enterprise_with_rate_limits_off_sends_no_rate_headers() -> None:
    with FakeGitHub(host="127.0.0.1", rate_limits=False) as fake:
        answer = graphql(fake, "{ rateLimit { remaining } viewer { login } }")
        assert answer.json()["data"] == {"rateLimit": None, "viewer": {"login": "linkkeeper-ci"}}
        assert not any(name.startswith("x-ratelimit") for name in answer.headers)
        with client(fake) as http:
            status = http.get(f"{fake.api_url}/rate_limit", headers={"Authorization": f"bearer {fake.token}"})
        assert (status.status_code, status.json()["message"]) == (404, "Rate limiting is not enabled.")


def test_the_page_throttle_answers_429_with_retry_after_and_logs_early_requests() -> None:
    clock = Clock()
    with FakeGitHub(host="127.0.0.1", page_rate_per_minute=60, page_burst=2, clock=clock) as fake, client(fake) as http:
        statuses = [http.get(f"{fake.web_url}/").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        refused = fake.log[-1]
        assert refused.retry_after == 1 and not refused.early
        clock.now += 0.5
        again = http.get(f"{fake.web_url}/")
        assert again.status_code == 429 and again.headers["retry-after"] == "1" and fake.log[-1].early
        clock.now += 0.6
        assert http.get(f"{fake.web_url}/").status_code == 200 and not fake.log[-1].early
        assert fake.page_requests == 5 and fake.counts == Counter(web=5)


def test_secondary_rate_limits_answer_403_with_retry_after() -> None:
    clock = Clock()
    with FakeGitHub(host="127.0.0.1", secondary_graphql_points=2, secondary_window=1.0, clock=clock) as fake:
        statuses = [graphql(fake, "{ viewer { login } }").status_code for _ in range(3)]
        assert statuses == [200, 200, 403]
        refused = graphql(fake, "{ viewer { login } }")
        assert refused.headers["retry-after"] == "60" and "secondary rate limit" in refused.json()["message"]
        clock.now += 1.5
        assert graphql(fake, "{ viewer { login } }").status_code == 200


def test_too_many_requests_at_once_are_refused() -> None:
    with FakeGitHub(host="127.0.0.1", secondary_concurrency=2) as fake, ThreadPoolExecutor(2) as pool:
        with fake.hold_api():
            held = [pool.submit(graphql, fake, "{ viewer { login } }") for _ in range(2)]
            assert fake.wait_in_flight(2)
            refused = graphql(fake, "{ viewer { login } }")
        assert refused.status_code == 403 and refused.headers["retry-after"] == "60"
        assert [future.result(10).status_code for future in held] == [200, 200]


def test_https_with_its_ca_the_token_logged_per_request_and_plain_http_too() -> None:
    with FakeGitHub() as fake:  # the default name, github.localtest, reached at 127.0.0.1
        assert (
            fake.web_url == f"https://github.localtest:{fake.port}"
            and fake.resolve_entry == "github.localtest:127.0.0.1"
        )
        with open(fake.ca_pem_path, encoding="ascii") as pem:
            assert pem.read().startswith("-----BEGIN CERTIFICATE-----")
        host = {"Host": f"github.localtest:{fake.port}"}
        with httpx.Client(verify=ssl.create_default_context(cafile=fake.ca_pem_path)) as http:
            secure = http.post(
                f"https://127.0.0.1:{fake.port}/api/graphql",
                json={"query": "{ viewer { url } }"},
                headers={**host, "Authorization": f"Bearer {fake.token}"},
            )
            http.get(f"https://127.0.0.1:{fake.port}/linkkeeper-ci", headers=host)
        assert secure.json()["data"]["viewer"]["url"] == f"https://github.localtest:{fake.port}/linkkeeper-ci"
        with httpx.Client() as plain:
            assert plain.get(f"http://127.0.0.1:{fake.port}/api/v3/users/linkkeeper-ci").json()["type"] == "User"
        with pytest.raises(httpx.ConnectError), httpx.Client() as untrusting:
            untrusting.get(f"https://127.0.0.1:{fake.port}/")
        api, page, rest = fake.log[:3]
        assert (api.kind, api.scheme, api.host, api.authorization, api.token) == (
            "graphql",
            "https",
            f"github.localtest:{fake.port}",
            True,
            fake.token,
        )
        assert (page.kind, page.scheme, page.authorization, page.token) == ("web", "https", False, None)
        assert (rest.kind, rest.scheme, rest.token) == ("rest", "http", None)
        assert not [entry for entry in fake.log if entry.token and (entry.scheme != "https" or entry.kind == "web")]


def test_faults_can_be_injected() -> None:
    with FakeGitHub(host="127.0.0.1") as fake:
        fake.fail_next("graphql", 502)
        failed = graphql(fake, "{ viewer { login } }")
        assert failed.status_code == 502 and failed.json()["data"] is None
        assert graphql(fake, "{ viewer { login } }").status_code == 200


def test_the_corpus_has_every_kind_and_its_truths_hold_on_the_pages() -> None:
    with FakeGitHub(host="127.0.0.1", page_rate_per_minute=None) as fake:
        corpus = build_corpus(fake, count=2000, seed=11)
        assert len(corpus) == 2000 and len({url for url, _ in corpus}) == 2000
        statuses = Counter(truth.status for _, truth in corpus)
        assert set(statuses) == set(STATUSES)
        assert 0.10 < (statuses["broken"] + statuses["broken-fragment"]) / 2000 < 0.20
        assert {truth.kind for _, truth in corpus} >= {
            "owner",
            "repo",
            "commit",
            "issue",
            "pull",
            "blob",
            "tree",
            "line",
            "release",
            "page",
        }
        assert sum("renamed" in truth.note for _, truth in corpus) > 50
        with client(fake) as http:
            for url, truth in corpus[:300]:
                page, _, anchor = url.partition("#")
                response = http.get(page, follow_redirects=True)
                private = truth.note.startswith("private")
                if truth.status == "broken" or private:
                    assert response.status_code == 404, (url, truth)
                    continue
                assert response.status_code == 200, (url, truth)
                if truth.status == "redirected":
                    assert response.history and str(response.url) == (truth.final_url or "").partition("#")[0]
                if anchor.startswith("L"):
                    found = re.search(r"data-target='react-app.embeddedData'>(.*?)</script>", response.text)
                    assert found is not None
                    lines = len(json.loads(found.group(1))["payload"]["blob"]["rawLines"])
                    inside = all(1 <= int(n) <= lines for n in re.findall(r"\d+", anchor))
                    assert inside == (truth.status != "broken-fragment"), (url, truth)
        assert not fake.internal_errors

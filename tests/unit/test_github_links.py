"""Which GitHub URLs name an object GitHub's API can answer for, and which stay page requests."""

from __future__ import annotations

import pytest

from linkkeeper.checking.github import _ref_splits, parse_link

WEB = "https://github.com"


@pytest.mark.parametrize(
    ("url", "kind", "ident"),
    [
        ("https://github.com/octocat", "owner", ""),
        ("https://github.com/octocat/Hello-World", "repo", ""),
        ("https://github.com/octocat/Hello-World.git", "repo", ""),
        ("https://github.com/octocat/Hello-World/commit/7fd1a60b01f91b3", "commit", "7fd1a60b01f91b3"),
        ("https://github.com/octocat/Hello-World/issues/12", "issue", "12"),
        ("https://github.com/octocat/Hello-World/pull/7", "issue", "7"),
        ("https://github.com/octocat/Hello-World/blob/main/README.md", "blob", "main/README.md"),
        ("https://github.com/octocat/Hello-World/tree/feature/x/docs", "tree", "feature/x/docs"),
        ("https://github.com/octocat/Hello-World/releases/tag/v1.0", "release", "v1.0"),
        # Pages that are there whenever what they belong to is.
        ("https://github.com/octocat/Hello-World?tab=readme-ov-file", "repo", ""),
        ("https://github.com/octocat/Hello-World/pulls", "repo", ""),
        ("https://github.com/octocat/Hello-World/pull/7/files", "issue", "7"),
        ("https://github.com/octocat/Hello-World/actions/workflows/ci.yml", "blob", "HEAD/.github/workflows/ci.yml"),
    ],
)
def test_objects_the_api_answers_for(url: str, kind: str, ident: str) -> None:
    link = parse_link(url, WEB)
    assert link is not None and (link.kind, link.ident) == (kind, ident)


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/",  # the home page
        "https://github.com/settings/profile",  # GitHub's own pages are no account
        "https://github.com/octocat/Hello-World/wiki/Home",  # a wiki page may be missing
        "https://github.com/octocat/Hello-World/blob/main/a.md?plain=1",  # a page of its own
        "https://github.com/octocat/Hello-World/discussions/3",
        "http://github.com/octocat/Hello-World",  # another scheme: not web_url's
        "https://github.com:8443/octocat/Hello-World",  # another port
        "https://gist.github.com/octocat/1",  # another host
    ],
)
def test_pages_and_other_origins_are_asked_as_pages(url: str) -> None:
    assert parse_link(url, WEB) is None


def test_line_anchors_ride_with_a_blob_and_other_fragments_leave_it_to_the_page() -> None:
    url = "https://ghe.example:8443/o/r/blob/main/a.py"
    link = parse_link(url, "https://ghe.example:8443", ("L10", "L3-L7", "L4C2-L9C1"))
    assert link is not None and link.lines == (("L10", 10, 10), ("L3-L7", 3, 7), ("L4C2-L9C1", 4, 9))
    assert parse_link(url, "https://ghe.example:8443", ("usage",)) is None  # a heading of a rendered file


def test_a_ref_with_slashes_is_tried_shortest_first() -> None:
    assert _ref_splits("feature/x/docs/a.md", "blob") == [
        ("feature", "x/docs/a.md"),
        ("feature/x", "docs/a.md"),
        ("feature/x/docs", "a.md"),
    ]
    assert _ref_splits("feature/x", "tree") == [("feature", "x"), ("feature/x", "")]  # a branch's root

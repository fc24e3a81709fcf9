"""URL equivalence as RFC 3986 §6.2.2-6.2.3 defines it, with the RFC's own examples first."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkkeeper.canonical import _ALREADY_NORMAL, _normalised, canonical_url


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        # RFC 3986 §6.2.2.1 (case), §6.2.2.2 (escapes), §6.2.3 (scheme-based): its own examples.
        ("HTTP://www.EXAMPLE.com/", "http://www.example.com/"),
        ("http://example.com/%7Esmith/home.html", "http://example.com/~smith/home.html"),
        ("http://example.com/a%2fb", "http://example.com/a%2Fb"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:/", "http://example.com/"),
        ("http://example.com:80/", "http://example.com/"),
        ("https://example.com:443/x", "https://example.com/x"),
        # §5.2.4: dot segments, the RFC's examples of remove_dot_segments.
        ("http://a/b/c/./../../g", "http://a/g"),
        ("http://a/mid/content=5/../6", "http://a/mid/6"),
        # Internationalised names: the punycode a resolver is asked for.
        ("https://BÜCHER.example/x", "https://xn--bcher-kva.example/x"),
        # Kept: the server decides these.
        ("https://example.com/Path/?b=2&a=1", "https://example.com/Path/?b=2&a=1"),
        ("https://example.com/dir", "https://example.com/dir"),
        ("https://example.com/?", "https://example.com/?"),
        ("https://user:Pass@Example.com:8443", "https://user:Pass@example.com:8443/"),
        ("http://[::1]:8080", "http://[::1]:8080/"),
        ("https://example.com/x#Frag%7e", "https://example.com/x#Frag%7e"),
        # Not ours to touch: other schemes, and what does not parse.
        ("mailto:Someone@Example.com", "mailto:Someone@Example.com"),
        ("docs/Page.md", "docs/Page.md"),
        ("https://a[b/", "https://a[b/"),
        ("http://example.com:99999/", "http://example.com:99999/"),
    ],
)
def test_equivalent_spellings(spelling: str, canonical: str) -> None:
    assert canonical_url(spelling) == canonical


@given(st.text(alphabet="abcXYZ%7eE/.:?#@[]-_~09", max_size=30))
def test_canonical_is_stable(tail: str) -> None:
    """Normalising twice changes nothing more than once."""
    once = canonical_url("https://" + tail)
    assert canonical_url(once) == once


@given(
    host=st.from_regex(r"[a-z0-9-]{1,10}(\.[a-z0-9-]{1,10}){0,3}", fullmatch=True),
    path=st.text(alphabet="abcXYZ019-._~/?=&+!$'()*,;:@", max_size=30),
    scheme=st.sampled_from(["http", "https", "ftp", "ws", "wss"]),
)
def test_the_fast_path_returns_only_what_the_long_way_would(host: str, path: str, scheme: str) -> None:
    """A URL the fast path returns as written is one the full normalisation leaves as written."""
    url = f"{scheme}://{host}/{path}"
    if _ALREADY_NORMAL.match(url) and "/." not in url:
        assert _normalised(url) == url
    assert canonical_url(url) == _normalised(url)

"""Issue 25's extraction edges: a link beats maths, bare e-mail addresses are GFM links, and
``https:/host`` is read as browsers read it. Whether something is a link, and where it points, is
compared with cmark-gfm (GitHub's renderer, ``cmark-gfm -e autolink``) wherever GitHub and
cmark-gfm agree; the one place they do not (maths, which cmark-gfm does not know) says so."""

from __future__ import annotations

import html
import random
import re
import shutil
import subprocess
import time
from collections import Counter
from urllib.parse import unquote

import pytest

from linkkeeper.models import Checkable, Flag, Kind, Occurrence, Syntax
from linkkeeper.rewrite import RewriteRefused, apply, encode, plan, verify
from linkkeeper.scanning.autolink import find_emails
from linkkeeper.scanning.classify import browser_reading
from linkkeeper.scanning.destination import unescape, unescape_mapped
from linkkeeper.scanning.markdown import extract
from tests.conftest import scan

CMARK_GFM = shutil.which("cmark-gfm")
needs_cmark = pytest.mark.skipif(
    CMARK_GFM is None,
    reason="cmark-gfm (GitHub's renderer, the oracle for what is a link) is not installed: apt-get install cmark-gfm",
)
_HREF = re.compile(r'<(?:a|img)\b[^>]*?\b(?:href|src)="([^"]*)"')
AXIOS = "[$http service](https://docs.angularjs.org/api/ng/service/$http)"  # axios's README
ARCHIVE = "https://web.archive.org/web/20150101000000/"


def cmark_urls(markdown: str) -> list[str]:
    """The link and image URLs cmark-gfm renders, as written (its percent-encoding undone); raw
    HTML is kept (``--unsafe``), as GitHub keeps links in it."""
    assert CMARK_GFM is not None
    rendered = subprocess.run(
        [CMARK_GFM, "-e", "autolink", "--unsafe"], input=markdown.encode(), capture_output=True, check=True, timeout=60
    ).stdout.decode()
    return sorted(unquote(html.unescape(url)) for url in _HREF.findall(rendered))


def rendered_urls(occurrences: list[Occurrence]) -> list[str]:
    """What a renderer links, from our occurrences: a definition once per use."""
    found: list[str] = []
    for occ in occurrences:
        found += [occ.url] * (len(occ.usages) if occ.kind is Kind.REFERENCE_DEFINITION else 1)
    return sorted(found)


def rewritten(text: str, replacements: dict[str, str], *, malformed: bool = False) -> str:
    occurrences = extract(text, "doc.md")
    mapping = {url: (new, "dead") for url, new in replacements.items()}
    edits, _ = plan(text, occurrences, mapping, style="replace", annotation=" ({archive})", malformed=malformed)
    new_text = apply(text, edits)
    verify(text, new_text, edits, occurrences, "doc.md")
    return new_text


# -- a link destination wins over maths ----------------------------------------------------------

LINKS_OVER_MATHS = [
    AXIOS,  # "$" in the text and in the destination: the maths parser ate the whole link
    "[x](https://e.example/$a) and [y](https://e.example/$b)",  # "$" only in destinations
    "[$x](https://e.example/a) costs x$ more",  # the text starts with "$", another "$" later
    "[a $b](https://e.example/a) and later c$ d",  # a "$" in the text, another later
    "costs $5 [link](https://e.example/$x)",  # maths from before the link into its destination
    "a $b [c$](https://e.example/d)",  # maths from before the link into its text
    "$a [x](https://e.example/b$c)",
    "[$a](https://e.example/$b) x$ and $y$",  # two rounds: the second "$" pairs with a later one
    "<https://e.example/$a> and $b$",  # an autolink
    "see <https://e.example/$a$b>",  # maths wholly inside an autolink: its text is its URL
    "![$alt](https://e.example/i$.png) then y$",  # an image
    "[ref $x] and z$\n\n[ref $x]: https://e.example/r",  # a label: its "$" must stay, the other goes
    "[$x$](https://e.example/m)",  # maths wholly inside a link's text stays maths, the link stays
    "Price $5 and [link](https://e.example/p) $6",
    "$x$ [a](https://e.example/a) $y$",
    "[a](https://e.example/x$) and $y$ [b](https://e.example/$z)",
    "> quoted [$a](https://e.example/$b)\n> and more c$",
]


@needs_cmark
@pytest.mark.parametrize("markdown", LINKS_OVER_MATHS)
def test_a_link_beats_maths_as_on_github(markdown: str) -> None:
    """Every link cmark-gfm renders is found, with maths on (``scan.math``, the default)."""
    assert rendered_urls(scan(markdown + "\n")) == cmark_urls(markdown + "\n")


@needs_cmark
@pytest.mark.parametrize(
    "markdown",
    [
        "$$ [\\psi](\\mathbf{L}) $$",
        "$[\\psi](\\mathbf{L})$",
        "A formula $x [a](b) y$ here",
        "$`[a](https://e.example/b)`$",
    ],
)
def test_real_maths_still_protects_link_like_syntax(markdown: str) -> None:
    """Maths wholly around link-like syntax stays maths: no link. cmark-gfm knows no maths and
    renders a link there (except inside the code span); GitHub renders the formula."""
    assert scan(markdown + "\n") == []
    if "`" not in markdown:
        assert cmark_urls(markdown + "\n") != []


def test_the_link_text_keeps_its_dollars_and_the_link_can_be_rewritten() -> None:
    """The link's text is reported as written, and a rewrite of the destination reads back."""
    (occ,) = scan(AXIOS + " costs $5.\n")
    assert (occ.text, occ.raw, occ.syntax) == ("$http service", occ.url, Syntax.RAW)
    after = rewritten(AXIOS + " costs $5.\n", {occ.url: ARCHIVE + occ.url})
    assert after == f"[$http service]({ARCHIVE}{occ.url}) costs $5.\n"


@pytest.mark.parametrize(
    "piece", ["[$](https://e.example/u) $x ", "[$a](https://e.example/u$b) x$ ", "$x [a](https://e.example/$) "]
)
def test_links_over_maths_scan_in_linear_time(piece: str) -> None:
    """Text built so that each "$" taken from a formula frees its partner for the next one:
    every link is found, and 4x the text takes about 4x the time (a ratio of times, not a time;
    about 16 if the walks grew with the links)."""

    def best(text: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            extract(text, "doc.md")
            times.append(time.perf_counter() - started)
        return min(times)

    assert len(scan(piece * 300 + "\n")) == 300
    assert best(piece * 4000 + "\n") / best(piece * 1000 + "\n") < 8


def test_without_maths_nothing_changes() -> None:
    """``scan.math = false``: the links are found as before, formulas are not protected."""
    assert [occ.url for occ in scan(AXIOS + "\n", math=False)] == ["https://docs.angularjs.org/api/ng/service/$http"]
    assert [occ.url for occ in scan("$$ [\\psi](\\mathbf{L}) $$\n", math=False)] == ["\\mathbf{L}"]


# -- GFM e-mail autolinks -------------------------------------------------------------------------

EMAILS = [
    # The GFM spec's three e-mail examples (cmark-gfm's spec.txt, "Autolinks (extension)").
    "foo@bar.baz",
    "hello@mail+xyz.example isn't valid, but hello+xyz@mail.example is.",
    "a.b-c_d@a.b\n\na.b-c_d@a.b.\n\na.b-c_d@a.b-\n\na.b-c_d@a.b_",
    # And the edges of cmark-gfm's postprocess_text.
    "write to jane@example.org.",
    "a@b.c@d.e and a@b.c@de and ab@c.de@",  # a second "@" restarts after the first
    "x/jane@example.org, é@example.org, éa@b.cd, x@y.z1, x@y.1z",
    "mailto:jane@example.org, amailto:foo@bar.baz, Mailto:a@b.co, x:mailto:a@b.co, .mailto:a@b.co",
    "xmpp:foo@bar.baz/txt/bin x and xmpp:a@b.co/ and mailto:a@b@c.de",
    "a@b.co-x a@b.c/d a@b..co a@b.-co a@.b.co a.@b.co a_@b.co a@b.co_",
    "jane\\_doe@example.org and a&#64;b.co and &amp;c@d.ef and a@b.co\\*x",  # escapes and entities
    "*x*a@b.co and a@*b*.co and **jane@example.org**",  # a text node ends at emphasis
    "line one jane@example.org\nline two\\\nb@c.de  \nx",  # breaks
    "| who | mail |\n|---|---|\n| Jane | jane@example.org |",  # a table cell
    "# Contact jane@example.org",
]


def emails_and_mailto_autolinks(occurrences: list[Occurrence]) -> list[str]:
    """Bare addresses, and every other link to an address (``<…>``, ``[x](mailto:…)``)."""
    return sorted(occ.url for occ in occurrences if occ.kind is Kind.EMAIL or occ.url.startswith(("mailto:", "xmpp:")))


def cmark_mail_urls(markdown: str) -> list[str]:
    return [url for url in cmark_urls(markdown) if not url.startswith(("http://", "https://", "ftp://"))]


@needs_cmark
@pytest.mark.parametrize("markdown", EMAILS)
def test_bare_emails_are_the_ones_github_links(markdown: str) -> None:
    """Exactly the addresses cmark-gfm links, with its URL (``mailto:`` added unless written)."""
    assert emails_and_mailto_autolinks(scan(markdown + "\n")) == cmark_mail_urls(markdown + "\n")


NEVER_AN_EMAIL = [
    "`jane@example.org` in code",
    "```\njane@example.org\n```",
    "    jane@example.org",
    "[jane@example.org](https://x.example/a) as link text",
    "![jane@example.org](https://x.example/a.png) as alt text",
    "[x](https://x.example/jane@example.org) in a destination",
    "[x](mailto:jane@example.org) already a link",
    "<jane@example.org> an autolink",
    "https://x.example/~jane@example.org in a bare URL",
    "www.x.example/jane@example.org in a www URL",
    "see https://x.example/b.co@jane.org",
    "<div>\njane@example.org\n</div>",
    '<a title="jane@example.org">x</a>',
    "<!-- jane@example.org -->",
]


@needs_cmark
@pytest.mark.parametrize("markdown", NEVER_AN_EMAIL)
def test_an_address_in_code_a_link_a_url_or_html_is_no_email(markdown: str) -> None:
    """No ``email`` occurrence where cmark-gfm links no bare address."""
    found = scan(markdown + "\n")
    assert [occ for occ in found if occ.kind is Kind.EMAIL] == []
    assert emails_and_mailto_autolinks(found) == cmark_mail_urls(markdown + "\n")


def test_front_matter_addresses_are_metadata() -> None:
    assert [occ.kind for occ in scan("---\nauthor: jane@example.org\n---\n\n# Title\n")] == []


def test_an_email_is_reported_as_an_autolink_is_and_never_rewritable() -> None:
    """Kind ``email``, written bare, ``mailto:``, not checked for the same reason as ``<…>``."""
    email, autolink = scan("Write to jane@example.org or <jane@example.org>.\n")
    assert (email.kind, email.syntax, email.raw, email.url) == (
        Kind.EMAIL,
        Syntax.BARE,
        "jane@example.org",
        "mailto:jane@example.org",
    )
    assert (email.checkable, email.reason) == (autolink.checkable, autolink.reason)
    assert (email.checkable, email.reason) == (Checkable.NO, "mailto: links are not checked")
    assert autolink.kind is Kind.AUTOLINK and autolink.url == email.url
    assert not email.rewritable
    (odd,) = scan(".mailto:a@b.co\n")  # cmark-gfm's href is ".mailto:a@b.co": never a page to check
    assert (odd.kind, odd.checkable) == (Kind.EMAIL, Checkable.NO)


def test_an_escaped_address_keeps_its_span_as_written() -> None:
    (occ,) = scan("Mail jane\\_doe@example.org now\n")
    assert (occ.raw, occ.url) == ("jane\\_doe@example.org", "mailto:jane_doe@example.org")


def test_rewrite_never_touches_an_email() -> None:
    """No edit even when asked to replace its URL; encoding one is refused."""
    text = "Write to jane@example.org.\n"
    (occ,) = extract(text, "doc.md")
    edits, notes = plan(text, [occ], {occ.url: ("mailto:x@y.org", "dead")}, style="replace", annotation="")
    assert (edits, notes) == ([], [])
    with pytest.raises(RewriteRefused, match="e-mail"):
        encode(occ, "mailto:x@y.org", text)


@pytest.mark.parametrize(
    "template",
    [
        "Mail jane@example.org or see {url}.\n",
        "See {url} or mail jane@example.org.\n",
        "See {url}/~jane@example.org.\n",  # an address inside the bare URL stays inside it
        "Mail jane@example.org, see [x]({url}) and <{url}>, then b@c.de\n",
    ],
)
def test_rewriting_links_beside_emails_reads_back(template: str) -> None:
    """fix's proof (the same links per kind after the rewrite) holds next to addresses."""
    old = "https://old.example.com/page"
    before = template.format(url=old)
    kinds = Counter(occ.kind for occ in extract(before, "doc.md"))
    after = rewritten(before, {old: ARCHIVE + old, old + "/~jane@example.org": ARCHIVE + old})
    assert after != before
    assert Counter(occ.kind for occ in extract(after, "doc.md")) == kinds


_FUZZ_PIECES = [
    "a", "b", "x", "1", ".", ".", "@", "@", "-", "_", "+", ":", "/", " ", "mailto:", "xmpp:", "www.", "http://",
    "*", "\\+", "&amp;", "&#64;", "co", "org", "`",
]  # fmt: skip


@needs_cmark
def test_emails_agree_with_cmark_gfm_on_generated_text() -> None:
    """1,500 generated paragraphs (fixed seed) of address-like text, with emphasis, code, escapes,
    entities and bare URLs: the same e-mail links as cmark-gfm. (Non-ASCII text and ``\\_`` right
    after ``http://`` or ``www.`` are left out: there our bare-URL port and cmark-gfm 0.29 differ
    on the URL itself, a separate matter.)"""
    rng = random.Random(25)
    paragraphs = ["".join(rng.choice(_FUZZ_PIECES) for _ in range(rng.randint(3, 14))) for _ in range(1500)]
    document = "\n\n".join(paragraphs) + "\n"
    ours = emails_and_mailto_autolinks(scan(document))
    if ours != cmark_mail_urls(document):
        differing = [p for p in paragraphs if emails_and_mailto_autolinks(scan(p + "\n")) != cmark_mail_urls(p + "\n")]
        pytest.fail(f"cmark-gfm links other e-mail addresses in: {differing[:5]}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("foo@bar.baz", [("foo@bar.baz", "mailto:foo@bar.baz")]),
        ("a.b-c_d@a.b.", [("a.b-c_d@a.b", "mailto:a.b-c_d@a.b")]),
        ("a.b-c_d@a.b-", []),
        ("fooa@b.c@d.ef", [("b.c@d.ef", "mailto:b.c@d.ef")]),
        ("xmpp:foo@bar.baz/txt", [("xmpp:foo@bar.baz/txt", "xmpp:foo@bar.baz/txt")]),
        ("amailto:foo@bar.baz", [("foo@bar.baz", "mailto:foo@bar.baz")]),
        ("a@b.co and c@d.ef", [("a@b.co", "mailto:a@b.co"), ("c@d.ef", "mailto:c@d.ef")]),
        ("@" * 5000, []),
    ],
)
def test_find_emails(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(text[e.start : e.end], e.url) for e in find_emails(text)] == expected


def test_unescape_mapped_maps_each_character_to_its_source() -> None:
    raw = "a\\_b&amp;c&#64;d&nope;"
    decoded, starts, ends = unescape_mapped(raw)
    assert decoded == unescape(raw) == "a_b&c@d&nope;"
    assert [raw[start:end] for start, end in zip(starts, ends, strict=True)] == [
        "a", "\\_", "b", "&amp;", "c", "&#64;", "d", "&", "n", "o", "p", "e", ";",
    ]  # fmt: skip


# -- scheme:/host, read as browsers read it -------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reading"),
    [
        ("https:/github.com/a/b", "https://github.com/a/b"),
        ("https:github.com/a", "https://github.com/a"),
        ("https:///github.com/a", "https://github.com/a"),
        ("https:\\\\github.com/a", "https://github.com/a"),
        ("https://\\github.com/a", "https://github.com/a"),
        ("HTTP:/example.org", "http://example.org"),
        ("http:/127.0.0.1:8080/x?q#f", "http://127.0.0.1:8080/x?q#f"),
        ("ftp:/files.example.org/f", "ftp://files.example.org/f"),
        ("wss:/socket.example.org", "wss://socket.example.org"),
        ("https://github.com/a", None),  # well formed
        ("mailto:a@b.co", None),  # not a special scheme
        ("myhttps:/x.org", None),
        ("https:", None),  # no host, even so
        ("https:/", None),
        ("https:?q=1", None),
        ("https:/a b/c", None),  # a space in the host
        ("https:/[::1/", None),  # urllib cannot split it
        ("https:/```/www.example.org/a", None),  # no slip of a slash (found by tools/fuzz_scanner.py)
        ("https:/example.org:99999/", None),  # a port out of range
        ("https:/[::1]:8080/", "https://[::1]:8080/"),
        ("https:/bücher.example/", "https://bücher.example/"),
    ],
)
def test_browser_reading(url: str, reading: str | None) -> None:
    assert browser_reading(url) == reading


MALFORMED = [
    ("[x](https:/github.com/a/b)", "https:/github.com/a/b", "https://github.com/a/b"),
    ("[x](https:github.com/a)", "https:github.com/a", "https://github.com/a"),
    ("[x](https:///github.com/a#top)", "https:///github.com/a#top", "https://github.com/a#top"),
    ("[x](https:\\\\github.com/a)", "https:\\\\github.com/a", "https://github.com/a"),
    ("![x](<https:/img.example.org/a b.png>)", "https:/img.example.org/a b.png", "https://img.example.org/a b.png"),
    ("<http:/127.0.0.1:8080/x>", "http:/127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
    ("[r]\n\n[r]: ftp:/files.example.org/f", "ftp:/files.example.org/f", "ftp://files.example.org/f"),
    ('<a href="HTTPS:/example.org/p">x</a>', "HTTPS:/example.org/p", "https://example.org/p"),
]


@needs_cmark
@pytest.mark.parametrize(("markdown", "raw", "url"), MALFORMED)
def test_malformed_urls_are_checked_as_browsers_read_them(markdown: str, raw: str, url: str) -> None:
    """cmark-gfm links it as written; we report it where it is written (``raw``), checkable at
    the URL a browser (and lychee) opens, flagged ``malformed``."""
    (occ,) = scan(markdown + "\n")
    assert (occ.raw, occ.url, occ.checkable, occ.reason) == (raw, url, Checkable.YES, "")
    assert Flag.MALFORMED in occ.flags
    written = raw if occ.kind is Kind.HTML_ATTR else unescape(raw)
    assert cmark_urls(markdown + "\n") == [written]


@pytest.mark.parametrize(
    "markdown", ["[x](https://github.com/a)", "[x](mailto:a@b.co)", "[x](https:)", "[x](/https:/x)", "[x](myhttps:/x)"]
)
def test_well_formed_or_other_urls_are_not_malformed(markdown: str) -> None:
    (occ,) = scan(markdown + "\n")
    assert Flag.MALFORMED not in occ.flags and occ.url == unescape(occ.raw)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("See [x](https:/github.com/a/b) now.\n", "See [x](https://github.com/a/b) now.\n"),
        ("See [x](https:github.com/a#top) now.\n", "See [x](https://github.com/a#top) now.\n"),
        ("See [x](https:\\\\github.com/a).\n", "See [x](https://github.com/a).\n"),
        ('See [x](https:/github.com "T").\n', 'See [x](https://github.com "T").\n'),
        ("See <http:/127.0.0.1:8080/x>.\n", "See <http://127.0.0.1:8080/x>.\n"),
        ("[x][r]\n\n[r]: https:/example.org/r\n", "[x][r]\n\n[r]: https://example.org/r\n"),
        ("<a href='https:/example.org/a?b=1&amp;c=2'>x</a>\n", "<a href='https://example.org/a?b=1&amp;c=2'>x</a>\n"),
        ("[a](https:/x.example/p) [b](https://x.example/p)\n", "[a](https://x.example/p) [b](https://x.example/p)\n"),
    ],
)
def test_fix_malformed_writes_the_browsers_reading(before: str, after: str) -> None:
    """Only the malformed spans change (a well-formed twin is left alone), and the result
    reads back with the same links, none malformed."""
    assert rewritten(before, {}) == before  # nothing without asking
    assert rewritten(before, {}, malformed=True) == after
    assert not [occ for occ in extract(after, "doc.md") if Flag.MALFORMED in occ.flags]


def test_a_dead_malformed_link_gets_its_archived_copy() -> None:
    """A replacement for the URL (its reading) wins over the malformed correction."""
    url = "https://old.example.com/p"
    text = "See [x](https:/old.example.com/p).\n"
    assert rewritten(text, {url: ARCHIVE + url}, malformed=True) == f"See [x]({ARCHIVE}{url}).\n"

"""Suppression comments that run over lines work as the same comments on one line (issue 28, case 12)."""

from __future__ import annotations

import pytest

from tests.conftest import scan


def suppressed_by(markdown: str) -> dict[str, str]:
    """URL -> the file:line of the comment that suppresses it ("" for none)."""
    return {occ.url: occ.suppressed_by for occ in scan(markdown)}


@pytest.mark.parametrize("tool", ["linkkeeper", "markdown-link-check"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_every_form_over_lines(tool: str, newline: str) -> None:
    """``<!--`` and ``-->`` on lines of their own, and the name alone between them."""
    text = (
        f"<!-- {tool}-disable-next-line\n-->\n[a](https://a.test/)\n[b](https://b.test/)\n\n"
        f"<!--\n  {tool}-disable\n-->\n[c](https://c.test/)\n<!--\n\n{tool}-enable\n\n-->\n[d](https://d.test/)\n\n"
        f"[e](https://e.test/) <!--\n\t{tool}-disable-line\n--> [f](https://f.test/)\n[g](https://g.test/)\n"
    )
    assert suppressed_by(text.replace("\n", newline)) == {
        "https://a.test/": "doc.md:1", "https://b.test/": "",
        "https://c.test/": "doc.md:6", "https://d.test/": "",
        "https://e.test/": "doc.md:17", "https://f.test/": "doc.md:17", "https://g.test/": "",
    }  # fmt: skip


def test_in_containers_and_after_non_ascii_text() -> None:
    """In a block quote (whose ``>`` start the comment's lines) and a list item, and with characters
    of several bytes before it, the lines counted are the document's."""
    assert suppressed_by(
        "> <!--\n>   linkkeeper-disable-next-line\n> -->\n> [a](https://a.test/)\n> [b](https://b.test/)\n\n"
        "> é <!--\n> linkkeeper-disable-line\n> --> [c](https://c.test/)\n> [d](https://d.test/)\n\n"
        "- «x» <!-- linkkeeper-disable-next-line\n  -->\n  [e](https://e.test/)\n  [f](https://f.test/)\n"
    ) == {
        "https://a.test/": "doc.md:1", "https://b.test/": "",
        "https://c.test/": "doc.md:7", "https://d.test/": "",
        "https://e.test/": "doc.md:12", "https://f.test/": "",
    }  # fmt: skip


def test_what_is_no_directive_stays_none() -> None:
    """In code a comment is text; ``<!-->`` is a whole (empty) comment; other words are no directive."""
    assert suppressed_by(
        "```\n<!--\nlinkkeeper-disable-next-line\n-->\n```\n[a](https://a.test/)\n\n"
        "<!-->linkkeeper-disable-next-line\n-->\n[b](https://b.test/)\n\n"
        "<!--\nlinkkeeper-disable-next-line please\n-->\n[c](https://c.test/)\n"
    ) == {"https://a.test/": "", "https://b.test/": "", "https://c.test/": ""}

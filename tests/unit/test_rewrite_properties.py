"""Property: rewriting a random subset of the links of random Markdown reads back as planned,
keeps every other byte, and a second pass changes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkkeeper.rewrite import apply, plan, verify
from linkkeeper.scanning.markdown import extract
from tests.unit.test_properties import documents


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data(), st.sampled_from(["replace", "annotate"]))
def test_rewriting_a_random_subset(document: tuple[str, list[str]], data: st.DataObject, style: str) -> None:
    """The rescan matches the plan, bytes outside the spans are identical, and fix twice is a no-op."""
    text, urls = document
    chosen = data.draw(st.lists(st.sampled_from(urls), unique=True, max_size=len(urls)))
    mapping = {url: (f"https://web.archive.org/web/20150101000000/{url}", "dead") for url in chosen}
    occurrences = extract(text, "doc.md")
    edits, _ = plan(text, occurrences, mapping, style=style, annotation=" ([archived]({archive}))")
    new_text = apply(text, edits)
    verify(text, new_text, edits, occurrences, "doc.md")  # raises unless it reads back as planned
    position = shift = 0
    for edit in edits:
        assert new_text[position + shift : edit.start + shift] == text[position : edit.start]
        shift += len(edit.new) - (edit.end - edit.start)
        position = edit.end
    assert new_text[position + shift :] == text[position:]
    again, _ = plan(new_text, extract(new_text, "doc.md"), mapping, style=style, annotation=" ([archived]({archive}))")
    assert again == []

"""Jekyll/Liquid in Markdown, made harmless for a CommonMark parser without moving any offset.

Jekyll runs Liquid before Markdown, so ``[x]({{ site.baseurl }}/p)`` is a link on the site even
though the spaces inside ``{{ }}`` break CommonMark's destination rules. We parse a *masked* copy
of the text of exactly the same length: whitespace inside one-line ``{{ … }}`` and ``{% … %}`` tags
becomes ``-``, and the bodies of ``{% raw %}``, ``{% highlight %}`` and ``{% comment %}`` blocks
(code or invisible on the site) become spaces, line breaks kept.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"\{\{[^\n{}]*\}\}|\{%[^\n{}]*%\}")
_BLOCK = re.compile(r"\{%-?\s*(raw|highlight|comment)\b[^\n%]*-?%\}(.*?)\{%-?\s*end\1\s*-?%\}", re.DOTALL)
_BLANKABLE = re.compile(r"[^\r\n]")
_WHITESPACE = re.compile(r"[ \t]")


def mask(text: str) -> str:
    """The same-length text a CommonMark parser should see."""
    if "{{" not in text and "{%" not in text:
        return text
    pieces: list[str] = []
    position = 0
    for block in _BLOCK.finditer(text):
        pieces.append(text[position : block.start(2)])
        pieces.append(_BLANKABLE.sub(" ", block.group(2)))
        position = block.end(2)
    pieces.append(text[position:])
    blanked = "".join(pieces)
    return _TAG.sub(lambda tag: _WHITESPACE.sub("-", tag.group()), blanked)

"""Users' regular expressions (``--exclude``, ``--include``, ``--remap``, ignore files), matched
in linear time.

Python's ``re`` backtracks: ``(a+)+$`` against 26 ``a``s took 6.8 s, and 40 never ended. lychee's
ignore files were written for Rust's linear-time engine, and they feed ours. So every user pattern
is searched with RE2 (google-re2), whose time grows with the text, never exponentially; a pattern
RE2 cannot run (lookaround, backreferences) is refused when loaded, with the reason. A remap's
replacement keeps Python's template syntax (``\\1``, ``\\g<name>``): it is applied, to a URL RE2
found a match in, by Python's engine.
"""

from __future__ import annotations

import re
import warnings

import re2

__all__ = ["Pattern", "compile_pattern"]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is said once, by us, not logged to stderr by RE2


class Pattern:
    """One user pattern: searched by RE2, its replacements written as Python reads them."""

    __slots__ = ("_linear", "_python", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            with warnings.catch_warnings():  # "possible nested set" is about Python's engine, not RE2's
                warnings.simplefilter("ignore", FutureWarning)
                self._python = re.compile(text)
        except (re.error, OverflowError) as exc:  # OverflowError: a{4294967296}
            raise ValueError(f"{text!r} is not a regular expression: {exc}") from exc
        except RecursionError as exc:  # ((((…)))) a thousand deep
            raise ValueError(f"{text[:40]!r}… is nested too deeply to be a regular expression") from exc
        try:
            self._linear = re2.compile(text, _OPTIONS)
        except re2.error as exc:
            reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else exc
            raise ValueError(
                f"{text!r} needs a backtracking engine ({reason}); patterns run on RE2, in linear time, "
                "which has no lookaround or backreferences"
            ) from exc
        except UnicodeEncodeError as exc:  # a lone surrogate: an environment variable's bytes were not UTF-8
            raise ValueError(f"{text!r} is not Unicode text ({exc.reason})") from exc

    @property
    def groups(self) -> int:
        return self._python.groups

    def search(self, text: str) -> bool:
        return self._linear.search(text) is not None

    def sub_first(self, replacement: str, text: str) -> str:
        """``text`` with its first match replaced (a URL RE2 found a match in)."""
        return self._python.sub(replacement, text, count=1)

    def check_replacement(self, replacement: str, written: str) -> None:
        """Raise ValueError (naming the replacement as ``written``) when ``replacement`` names a
        group this pattern lacks or an escape Python does not know."""
        try:
            self._python.sub(replacement, "")  # Python reads the template before it searches
        except (re.error, IndexError) as exc:
            raise ValueError(f"{written!r} is no replacement for {self.text!r}: {exc}") from exc


def compile_pattern(text: str) -> Pattern:
    return Pattern(text)

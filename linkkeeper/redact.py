"""Secrets out of everything linkkeeper says or keeps.

A secret is a value the configuration reads from the environment to authenticate: a header's
``${VAR}``, the GitHub token, the archive.org keys. A server may echo one back (a redirect to
``/landed?key=…``, an error page, a job status), and what a server says flows into results, the
terminal, every report and the history. So results are redacted where they are made — the
checker's, GitHub's API's, the archive's — before anyone sees or stores them: each secret, as
written and percent-encoded, becomes ``[secret]``.

Values shorter than ``MIN_LENGTH`` are not redacted: no credential is that short, and hiding
``1`` would garble every URL holding the digit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import quote, quote_plus

from linkkeeper.models import CheckResult, Redirect

__all__ = ["MIN_LENGTH", "REDACTED", "Redactor", "is_redacted"]

REDACTED = "[secret]"
MIN_LENGTH = 4


def is_redacted(text: str) -> bool:
    """Whether ``text`` had a secret taken out (a URL that is then no place to send anyone)."""
    return REDACTED in text


def _spellings(secret: str) -> set[str]:
    """``secret`` as written and percent-encoded (a value that is no text has only the first)."""
    try:
        return {secret, secret.strip(), quote(secret, safe=""), quote(secret), quote_plus(secret)}
    except UnicodeEncodeError:  # a lone surrogate: an environment variable's bytes that were not UTF-8
        return {secret, secret.strip()}


class Redactor:
    """Takes the given secrets out of texts and results."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = {form for secret in secrets if len(secret.strip()) >= MIN_LENGTH for form in _spellings(secret)}
        self._forms = sorted(forms, key=len, reverse=True)  # a longer form first: no half-replaced secret

    def text(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self.text(text)

    def result(self, result: CheckResult) -> CheckResult:
        """``result`` with every text a server could have put a secret into redacted."""
        if not self._forms:
            return result
        return replace(
            result,
            final_url=self.optional(result.final_url),
            redirects=tuple(Redirect(self.text(hop.url), hop.status) for hop in result.redirects),
            error=self.text(result.error),
            fingerprint=self.optional(result.fingerprint),
            anchors=None if result.anchors is None else frozenset(self.text(anchor) for anchor in result.anchors),
        )

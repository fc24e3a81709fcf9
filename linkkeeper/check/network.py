"""Telling a dead network from dead links.

When most hosts fail at the network level at once (names not found, connections refused, time
outs), the machine running linkkeeper is offline, not the web: nothing may be judged. The checker
watches results as they arrive and stops asking once the pattern is clear, and the run as a whole
is judged at the end with the same rule (design.md: >= 80 % of >= 5 hosts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from linkkeeper.models import CheckResult, ErrorKind, Outcome

NETWORK_LEVEL = frozenset({ErrorKind.NAME_NOT_FOUND, ErrorKind.CONNECTION_REFUSED, ErrorKind.TIMEOUT})
DOWN_MIN_HOSTS = 5
DOWN_SHARE = 0.8
EARLY_STOP_HOSTS = 10


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


@dataclass(slots=True)
class NetworkWatch:
    """Hosts that answered and hosts that failed at the network level, as results come in."""

    answered: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    on_down: Callable[[], object] | None = None

    def record(self, result: CheckResult) -> None:
        was_down = self.down
        if result.error_kind in NETWORK_LEVEL:
            self.failed.add(_host(result.url))
        elif result.status_code is not None:
            self.answered.add(_host(result.url))
        if self.down and not was_down and self.on_down is not None:
            self.on_down()

    @property
    def down(self) -> bool:
        """Clearly offline already: enough hosts failed, and almost none answered."""
        failed = len(self.failed - self.answered)
        return failed >= EARLY_STOP_HOSTS and failed >= DOWN_SHARE * (failed + len(self.answered))


def not_checked(url: str) -> CheckResult:
    return CheckResult(
        url, Outcome.SKIPPED, error_kind=ErrorKind.NETWORK_DOWN, error="not checked: network unreachable"
    )


def network_is_down(results: Sequence[CheckResult]) -> bool:
    """The run's verdict: network-level failures on >= 80 % of >= 5 hosts."""
    by_host: dict[str, list[CheckResult]] = defaultdict(list)
    for result in results:
        if result.outcome not in (Outcome.SKIPPED, Outcome.EXCLUDED) or result.error_kind is ErrorKind.NETWORK_DOWN:
            by_host[_host(result.url)].append(result)
    if len(by_host) < DOWN_MIN_HOSTS:
        return False
    level = NETWORK_LEVEL | {ErrorKind.NETWORK_DOWN}
    failed = sum(1 for found in by_host.values() if all(r.error_kind in level for r in found))
    return failed / len(by_host) >= DOWN_SHARE


def unjudged(result: CheckResult) -> CheckResult:
    """A network-level failure from a run whose network was down: skipped, not failing."""
    if result.error_kind not in NETWORK_LEVEL:
        return result
    return replace(
        result,
        outcome=Outcome.SKIPPED,
        status_code=None,
        error_kind=ErrorKind.NETWORK_DOWN,
        error=f"not judged: the network looked unreachable ({result.error})",
    )

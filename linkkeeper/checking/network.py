"""Telling a dead network from dead links.

The rule, the same with one host or a hundred: a run in which **no host gave any HTTP answer**
and **no connection was ever established**, and some request failed at the network level (name
not found, refused, timed out), ran on a machine that was offline — nothing in it may be judged.
A server that accepts the connection and then hangs proves the network works. A run in which any
host answered had a network; its failures are the links'. When ``check.network_probe`` names a URL known to answer,
an offline-looking run asks it: an answer means the network was up after all and the failures
stand (a page whose only links are dead domains is judged), no answer confirms the network is down.

While the run goes on, the checker stops asking once it is clearly offline: ten hosts failed at
the network level, none answered, and not every failure was a name the resolver said does not
exist (a resolver that answers "no such name" is itself evidence of a network; old link lists
hold many dead domains, which fail fast, before the first live host answers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from linkkeeper.checking.guard import never_resolves
from linkkeeper.models import CheckResult, ErrorKind, Outcome

NETWORK_LEVEL = frozenset(
    {ErrorKind.NAME_NOT_FOUND, ErrorKind.CONNECTION_REFUSED, ErrorKind.TIMEOUT, ErrorKind.PROXY}
)  # a proxy that cannot be reached, or cannot reach the site, is as much the network's failure
EARLY_STOP_HOSTS = 10


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


@dataclass(slots=True)
class NetworkWatch:
    """Hosts that answered and hosts that failed at the network level, as results come in."""

    answered: bool = False  # some host gave an HTTP answer
    failed: set[str] = field(default_factory=set)  # hosts that failed at the network level
    beyond_names: bool = False  # some failure was more than a name that does not exist
    connected: Callable[[], bool] = lambda: False  # whether any connection was established
    on_down: Callable[[], object] | None = None

    def record(self, result: CheckResult) -> None:
        was_down = self.down
        if result.error_kind in NETWORK_LEVEL:
            self.failed.add(_host(result.url))
            self.beyond_names |= result.error_kind is not ErrorKind.NAME_NOT_FOUND
        elif result.status_code is not None:
            self.answered = True
        if self.down and not was_down and self.on_down is not None:
            self.on_down()

    @property
    def down(self) -> bool:
        """Clearly offline already: enough hosts failed, none answered or even connected, not only
        by their names."""
        return not self.answered and len(self.failed) >= EARLY_STOP_HOSTS and self.beyond_names and not self.connected()


def not_checked(url: str) -> CheckResult:
    return CheckResult(
        url, Outcome.SKIPPED, error_kind=ErrorKind.NETWORK_DOWN, error="not checked: network unreachable"
    )


def needs_resolver_evidence(result: CheckResult) -> bool:
    """A name that did not resolve, which is rot only if the resolver works: not a ``.invalid``
    name (RFC 6761: it never resolves, on any resolver)."""
    if result.error_kind is not ErrorKind.NAME_NOT_FOUND:
        return False
    try:
        return not never_resolves(_host(result.url))
    except ValueError:
        return True


def unproven(result: CheckResult, canary: str) -> CheckResult:
    """A name that did not resolve on a resolver not shown to work this run: not judged."""
    if not needs_resolver_evidence(result):
        return result
    why = f"the canary {canary} did not resolve either" if canary else "no link's name resolved"
    return replace(
        result,
        outcome=Outcome.SKIPPED,
        error_kind=ErrorKind.RESOLVER_UNPROVEN,
        error=f"not judged: {result.error}, but this machine's resolver is not shown to work ({why})",
    )


def network_is_down(results: Sequence[CheckResult], *, connected: bool = False) -> bool:
    """The run's verdict: something failed at the network level, no host answered at all, and no
    connection was established (``connected``)."""
    level = NETWORK_LEVEL | {ErrorKind.NETWORK_DOWN, ErrorKind.RESOLVER_UNPROVEN}
    answered = connected or any(result.status_code is not None for result in results)
    return not answered and any(result.error_kind in level for result in results)


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

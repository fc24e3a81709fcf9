"""From an answer (or a failure) to an outcome, honestly: a bot wall is not a dead link."""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

from linkkeeper.checking.guard import ConnectionRefused, NameNotResolved, UnsafeAddress
from linkkeeper.checking.proxy import ProxyFailure
from linkkeeper.checking.trust import tls_hint
from linkkeeper.config import HostSettings, parse_accept, split_host_key, to_toml_value
from linkkeeper.models import ErrorKind, Outcome, Redirect

PERMANENT_REDIRECTS = frozenset({301, 308})
BLOCKED_STATUS = frozenset({401, 403, 429, 451, 999})
BROKEN_STATUS = frozenset({404, 410})
_NOT_FOUND_IN_URL = re.compile(r"(?:^|[/._=?-])(?:404|not[-_]?found|page[-_]?not[-_]?found)(?:$|[/._?&#-])", re.I)
_CHALLENGE_MARKERS = (
    b"cf-chl-",
    b"challenge-platform",
    b"<title>just a moment...</title>",
    b"attention required! | cloudflare",
    b"_incapsula_resource",
    b"ddos-guard",
    b"px-captcha",
    b"g-recaptcha",
    b"hcaptcha.com",
    b"verify you are human",
    b"are you a robot",
)


@dataclass(frozen=True, slots=True)
class Judgement:
    outcome: Outcome
    error_kind: ErrorKind | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class StatusRule:
    """Which status codes mean alive, and which blocked, for the host that gave the final answer."""

    accept: frozenset[int]
    blocked: frozenset[int] = frozenset()
    host: str = ""  # the host the rule is for, named in a blocked answer's error text
    setting: str = ""  # the setting that made a code blocked: check.hosts."HOST".blocked_status


class StatusRules:
    """``check.accept``, and each ``[check.hosts."HOST"]`` table's own ``accept`` and
    ``blocked_status``. A rule is per host (every port of it; a ``"HOST:PORT"`` table may not set
    one), matched without regard to case, and applies to the answer that is judged: the one the
    final URL gave, after every redirect."""

    def __init__(self, accept: frozenset[int], hosts: Mapping[str, HostSettings]) -> None:
        self._default = StatusRule(accept)
        self._hosts: dict[str, StatusRule] = {}
        for key, table in hosts.items():
            host, port = split_host_key(key)
            if port is not None or (table.accept is None and not table.blocked_status):
                continue
            own = parse_accept(table.accept) if table.accept is not None else accept
            setting = f"check.hosts.{to_toml_value(key)}.blocked_status"
            self._hosts[host] = StatusRule(own, parse_accept(table.blocked_status), host, setting)

    def for_url(self, url: str) -> StatusRule:
        """The rule for the host of ``url`` (the final URL of an answer)."""
        if not self._hosts:
            return self._default
        try:
            host = (urlsplit(url).hostname or "").rstrip(".")
        except ValueError:
            return self._default
        return self._hosts.get(host, self._default)


def is_bot_wall(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """A challenge page or a WAF refusal rather than the page itself."""
    if status not in (403, 429, 503, 202, 200):
        return False
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    lowered = body[:65536].lower()
    return status != 200 and any(marker in lowered for marker in _CHALLENGE_MARKERS)


def is_soft_404(original: str, final: str, redirects: tuple[Redirect, ...]) -> bool:
    """A deep path redirected to the site's root, or to a URL that says 404/not found."""
    if not redirects:
        return False
    before, after = urlsplit(original), urlsplit(final)
    if _NOT_FOUND_IN_URL.search(after.path + ("?" + after.query if after.query else "")) and not (
        _NOT_FOUND_IN_URL.search(before.path)
    ):
        return True
    deep = before.path.strip("/") != ""
    return deep and after.path.strip("/") == "" and not after.query


def judge_response(
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    final_url: str,
    redirects: tuple[Redirect, ...],
    accept: frozenset[int] | StatusRule,
) -> Judgement:
    """The outcome of a final (non-redirect) answer; ``accept`` is the set of codes that mean
    alive, or the rule of the host that answered (``StatusRules.for_url(final_url)``)."""
    rule = accept if isinstance(accept, StatusRule) else StatusRule(accept)
    if is_bot_wall(status, headers, body):
        return Judgement(Outcome.BLOCKED, ErrorKind.BOT_WALL, f"HTTP {status}: a bot challenge or WAF page")
    if status in rule.blocked:
        return Judgement(Outcome.BLOCKED, ErrorKind.HTTP_STATUS, f"HTTP {status} from {rule.host} ({rule.setting})")
    if status in rule.accept:
        if is_soft_404(url, final_url, redirects):
            return Judgement(
                Outcome.BROKEN, ErrorKind.SOFT_404, f"redirected to {final_url}: looks like a missing page"
            )
        if redirects and redirects[0].status in PERMANENT_REDIRECTS:
            # Only the link's own hop says whether it moved: after a 302 it is to be used as it is.
            return Judgement(Outcome.REDIRECTED)
        return Judgement(Outcome.ALIVE)
    if status == 429:
        return Judgement(Outcome.BLOCKED, ErrorKind.RATE_LIMITED, "HTTP 429: rate limited, still after retries")
    if status in BLOCKED_STATUS:
        return Judgement(Outcome.BLOCKED, ErrorKind.HTTP_STATUS, f"HTTP {status}: access refused")
    if status >= 500 or status == 408:
        return Judgement(Outcome.ERROR, ErrorKind.HTTP_STATUS, f"HTTP {status}")
    return Judgement(Outcome.BROKEN, ErrorKind.HTTP_STATUS, f"HTTP {status}")


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 16:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def judge_exception(error: BaseException) -> Judgement:
    """The outcome of a request that got no answer."""
    chain = _causes(error)
    proxy = next((item for item in chain if isinstance(item, ProxyFailure)), None)
    if proxy is not None:  # what the proxy said about the site, or that it cannot be reached
        return Judgement(proxy.outcome, proxy.kind, proxy.message)
    if any(isinstance(item, NameNotResolved) for item in chain):
        return Judgement(Outcome.BROKEN, ErrorKind.NAME_NOT_FOUND, _message(chain, NameNotResolved))
    if any(isinstance(item, UnsafeAddress) for item in chain):
        return Judgement(Outcome.EXCLUDED, ErrorKind.UNSAFE_ADDRESS, _message(chain, UnsafeAddress))
    if any(isinstance(item, ConnectionRefused | ConnectionRefusedError) for item in chain):
        return Judgement(Outcome.BROKEN, ErrorKind.CONNECTION_REFUSED, "connection refused")
    if any(isinstance(item, ssl.SSLError | ssl.CertificateError) for item in chain) or "SSL" in str(error):
        unverified = any(isinstance(item, ssl.SSLCertVerificationError) for item in chain) or (
            "CERTIFICATE_VERIFY_FAILED" in str(error)
        )
        hint = tls_hint(_failed_host(chain)) if unverified else ""
        return Judgement(Outcome.ERROR, ErrorKind.TLS, f"TLS error: {error}{hint}")
    if any(isinstance(item, httpx.TimeoutException | httpcore.TimeoutException | TimeoutError) for item in chain):
        return Judgement(Outcome.ERROR, ErrorKind.TIMEOUT, f"timed out ({type(error).__name__})")
    if any(isinstance(item, httpx.RemoteProtocolError | httpcore.RemoteProtocolError) for item in chain):
        return Judgement(Outcome.ERROR, ErrorKind.CONNECTION_RESET, f"connection closed: {error}")
    if any(isinstance(item, httpx.ReadError | httpx.WriteError | ConnectionResetError) for item in chain):
        return Judgement(Outcome.ERROR, ErrorKind.CONNECTION_RESET, f"connection reset: {error}")
    if any(isinstance(item, httpx.ConnectError) for item in chain):
        return Judgement(Outcome.ERROR, ErrorKind.CONNECTION_RESET, f"could not connect: {error}")
    return Judgement(Outcome.ERROR, ErrorKind.PROTOCOL, f"{type(error).__name__}: {error}")


def _failed_host(chain: list[BaseException]) -> str | None:
    """The host of the request that failed (a redirect hop's, perhaps), as httpx recorded it."""
    for item in chain:
        if isinstance(item, httpx.RequestError):
            try:
                return item.request.url.host
            except RuntimeError:  # an error raised without its request
                continue
    return None


def _message(chain: list[BaseException], kind: type[BaseException]) -> str:
    return next(str(item) for item in chain if isinstance(item, kind))

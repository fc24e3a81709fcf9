"""The async engine: each unique URL requested once, politely, with retries, judged honestly.

One ``httpx.AsyncClient`` per run (pooling, HTTP/2) over ``GuardedBackend``. A request takes its
host's slot first and the global slot only once the host is ready, so a slow or rate-limited host
never holds up the others. HEAD comes first; GET (streamed, capped) when HEAD is refused or fails,
in the same attempt unless HEAD timed out or was reset (an attempt costs one timeout, not two), and
for every later attempt of that URL. Redirects are followed by hand so every hop is recorded, loops
are caught, and every hop's connection passes the address guard. Failures are results, never
exceptions.

Attempts and retries. A URL gets at most R+1 attempts (R = ``retries``); an attempt is one request
(plus the GET that follows a refused HEAD, and redirect hops). The next attempt starts

- after a retryable failure of every attempt out, once the backoff (or Retry-After) has passed, as
  a retry always did; or
- as a *hedge* (Dean & Barroso, The Tail at Scale, 2013), while the attempt before it still waits:
  when the youngest attempt out has had no answer for the host's hedge delay
  (``HostState.hedge_delay``: twice the 95th percentile of its recent answer times, at least a
  tenth of the timeout). A hedge asks with GET, only of a host that has answered in this run (the
  silence is then the URL's, not the host's), and only in a host slot nothing else wants: it waits
  behind the host's first attempts and retries, and is dropped if the attempts it would overlap
  end (or one answers) first. It is a retry that starts early, not an extra one.

Every attempt holds its own host slot and global slot until its request ends (an answer, or its
timeout: a request the server may still be working on is never cut short to make room for another),
so the per-host limit holds however attempts overlap. The first answer that needs no retry decides
(a hedge still in flight then runs to its end in the background; ``attempts`` counts it); when all
R+1 fail, the last failure is the verdict. A URL that never answers, reached when its host has
nothing else to do (the end of its queue), thus costs one timeout and two hedge delays of wall time
instead of R+1 timeouts and two backoffs, and the same R+1 requests; a page slower than the hedge
delay, on an idle host, costs a request more for each hedge delay it takes (R+1 at most).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from linkkeeper.checking.body import ACCEPT_ENCODING, read_body
from linkkeeper.checking.classify import Judgement, StatusRules, judge_exception, judge_response
from linkkeeper.checking.guard import GuardedBackend
from linkkeeper.checking.headers import HeaderScopes
from linkkeeper.checking.hosts import GITHUB_HOSTS, Hosts, HostState, PrioritySlots, secret_values
from linkkeeper.checking.network import NetworkWatch, needs_resolver_evidence, not_checked
from linkkeeper.checking.pages import PageAnswer, PageReader, reads_pages
from linkkeeper.checking.proxy import proxy_rules
from linkkeeper.checking.retry import RETRYABLE_STATUS, RetryableFailure, RetryWait, retry_after_seconds
from linkkeeper.checking.transport import PerOriginTransport, RunClient
from linkkeeper.checking.trust import Trust
from linkkeeper.clock import Clock, Sleep, loop_time
from linkkeeper.config import CheckSettings, parse_accept, parse_resolve
from linkkeeper.local import html_anchors
from linkkeeper.models import CheckResult, ErrorKind, Outcome, Redirect
from linkkeeper.redact import Redactor

__all__ = ["Checker"]

_RETRYABLE_KINDS = frozenset({ErrorKind.TIMEOUT, ErrorKind.CONNECTION_RESET, ErrorKind.PROTOCOL, ErrorKind.PROXY})
_NO_GET_FALLBACK = frozenset(
    {ErrorKind.NAME_NOT_FOUND, ErrorKind.CONNECTION_REFUSED, ErrorKind.UNSAFE_ADDRESS, ErrorKind.PROXY}
)
_GET_NEXT_ATTEMPT = frozenset({ErrorKind.TIMEOUT, ErrorKind.CONNECTION_RESET})  # not a second request now
_HEAD_REFUSED = frozenset({405, 501})
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
_REDIRECT_BODY_CAP = 64 * 1024
_RETRY, _FIRST_ATTEMPT, _HEDGE = 0, 1, 2  # host slot priorities, lowest first
_ACCEPT_HEADER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes
    final_url: str
    redirects: tuple[Redirect, ...]


class Checker:
    """Checks URLs with one client; ``run`` returns a result for every URL given."""

    def __init__(
        self,
        settings: CheckSettings,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = loop_time,
        environ: Mapping[str, str] | None = None,
        on_result: Callable[[CheckResult], None] | None = None,
        probes: Mapping[tuple[str, str], str] | None = None,
        github_host: str = "",
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._on_result = on_result
        self._accept = StatusRules(parse_accept(settings.accept), settings.hosts)  # check.accept, per host
        self._resolve = parse_resolve(settings.resolve)
        environment = os.environ if environ is None else environ
        # Proxies and trust come from the settings and this environment (ConfigError when unusable).
        self._proxies = proxy_rules(settings.proxy, environment)
        self._trust = Trust.load(settings, environment, https_proxy=self._proxies.tls_to_proxy)
        header_lines = settings.headers + tuple(line for host in settings.hosts.values() for line in host.headers)
        github_hosts = GITHUB_HOSTS | ({github_host.lower()} if github_host else set())
        self._hosts = Hosts(settings, sleep=sleep, clock=clock, environ=environ, github_hosts=github_hosts)
        token = self._hosts.github_token
        self._headers = HeaderScopes(settings, environment, resolve=self._resolve, github_token=token)
        self._redact = Redactor(secret_values(header_lines, environment) | {self._hosts.github_token})
        self._network = NetworkWatch()
        self._backend: GuardedBackend | None = None
        self._anchors_for: Set[str] = frozenset()
        self._get_first: Set[str] = frozenset()
        self._head_failed: set[str] = set()  # URLs whose later attempts ask with GET straight away
        self._attempts: Counter[str] = Counter()
        self._retry_wait = RetryWait(settings.backoff, settings.retry_after_cap)
        self._stragglers: set[asyncio.Task[None]] = set()  # hedges still out after their URL was decided
        self.resolver_works = True  # unless a name failed to resolve and the resolver is not shown to work
        # Pages are read (one GET per link) to tell parked domains, soft 404s, login walls and drift.
        self._pages = PageReader(settings, probes) if reads_pages(settings) else None

    @property
    def probes_made(self) -> dict[tuple[str, str], str]:
        """The random-sibling probes this checker asked, ``(origin, folder)`` -> answer (JSON), to keep."""
        made = self._pages.made if self._pages is not None else {}
        return {key: self._redact.text(answer) for key, answer in made.items()}

    @property
    def connected(self) -> bool:
        """Whether the last run established any connection (evidence the network was up)."""
        return self._backend is not None and self._backend.connected > 0

    async def run(
        self, urls: Sequence[str], *, anchors_for: Set[str] = frozenset(), get_first: Set[str] = frozenset()
    ) -> list[CheckResult]:
        """Check every URL (each unique one once); results come back in the input's order. URLs in
        ``anchors_for`` are fetched with GET and their results carry the page's anchors; URLs in
        ``get_first`` are asked with GET rather than HEAD first."""
        unique = list(dict.fromkeys(urls))
        self._anchors_for = anchors_for
        self._get_first = get_first
        self._head_failed = set()
        self._attempts = Counter()
        backend = GuardedBackend(self._resolve, exclude_private=self.settings.exclude_private)
        self._backend = backend
        self._network.connected = lambda: self.connected
        transport = PerOriginTransport(
            backend,
            lambda host: self._hosts.get(host).concurrency,
            trust=self._trust,
            proxies=self._proxies,
            exclude_private=self.settings.exclude_private,
        )
        timeout = httpx.Timeout(
            connect=self.settings.connect_timeout,
            read=self.settings.read_timeout,
            write=self.settings.read_timeout,
            pool=None,
        )
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": _ACCEPT_HEADER,
            "Accept-Language": "en",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        global_slots = PrioritySlots(self.settings.max_concurrency)
        hosts = [self._hosts.get(urlsplit(url).hostname or "") for url in unique]
        for state in hosts:
            state.remaining += 1
        # The busiest hosts' first requests go out first: the run can end no sooner than they do.
        busiest_first = [url for _, url in sorted(zip(hosts, unique, strict=True), key=lambda pair: -pair[0].remaining)]
        async with RunClient(
            transport=transport, timeout=timeout, headers=headers, follow_redirects=False, trust_env=False
        ) as client:
            tasks = [asyncio.ensure_future(self._check(client, global_slots, url)) for url in busiest_first]
            self._network.on_down = lambda: [task.cancel() for task in tasks if not task.done()]
            done = await asyncio.gather(*tasks, return_exceptions=True)
            await _cancelled(self._stragglers)  # the run is over: nothing else will be asked of their hosts
        results = [_settled(url, outcome) for url, outcome in zip(busiest_first, done, strict=True)]
        # A proxied name the proxy's resolver said does not exist is evidence when that resolver
        # reached some site this run; this machine's resolver never saw the name.
        vouched = transport.proxied_hosts if transport.proxy_resolved else set()
        needing = (result for result in results if (urlsplit(result.url).hostname or "") not in vouched)
        self.resolver_works = not any(needs_resolver_evidence(result) for result in needing) or (
            await backend.resolver_works(self.settings.dns_canary, self.settings.connect_timeout)
        )
        by_url = dict(zip(busiest_first, results, strict=True))
        return [by_url[url] for url in urls]

    # -- one URL ---------------------------------------------------------------------------------

    async def _check(self, client: httpx.AsyncClient, global_slots: PrioritySlots, url: str) -> CheckResult:
        """The URL's attempts (see the module's docstring): the first now, hedges when one goes
        unanswered, retries after failures; the result of the first that needs no retry."""
        state = self._hosts.get(urlsplit(url).hostname or "")
        chain = _Chain(url, state, self.settings.retries + 1)
        started = self._clock()
        try:
            await self._try(client, global_slots, chain, _FIRST_ATTEMPT)
            while chain.answer is None:
                if chain.hedges_started():
                    await chain.changed()
                    continue
                chain.drop_waiting()  # the next attempt is a retry, after its backoff
                if chain.failure is None or chain.made >= chain.limit:
                    break
                unasked = state.unasked(url)
                if unasked is not None:  # the host was found not answering: no need to wait to be told
                    chain.answered(unasked)
                    break
                # Holding no slot while waiting: the host's other URLs go on.
                await self._sleep(self._retry_wait.after(chain.failures, chain.failure))
                await self._try(client, global_slots, chain, _RETRY)
        except asyncio.CancelledError:  # the network went down: the URL's hedges go too
            await _cancelled(set(chain.hedges))
            raise
        for straggler in chain.stop():
            self._stragglers.add(straggler)
            straggler.add_done_callback(self._stragglers.discard)
        result = chain.answer if chain.answer is not None else chain.failure.result if chain.failure else None
        if result is None:  # pragma: no cover - an attempt always records an outcome
            raise AssertionError(f"no outcome for {url}")
        state.remaining -= 1
        self._network.record(result)
        result = replace(
            self._redact.result(result),  # a server may echo a secret: no output or history row gets it
            attempts=self._attempts[url],
            elapsed=self._clock() - started,
            checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        if self._on_result is not None:
            self._on_result(result)
        return result

    async def _try(
        self, client: httpx.AsyncClient, global_slots: PrioritySlots, chain: _Chain, priority: int,
        hedge: _Try | None = None,
    ) -> None:  # fmt: skip
        """One attempt, holding one of the host's slots (the slots of a run's thousands of tasks are
        waited for before anything else: waiting there is cheap); its outcome goes to ``chain``. A
        hedge waits behind the host's other requests (it uses only a slot nothing else wants) and
        is not made when every attempt it would overlap has ended by then."""
        state = chain.state
        if hedge is None:
            attempt = _Try(asyncio.current_task(), hedge=False)
            chain.made += 1
        else:
            attempt = hedge  # counted in ``made`` when it was decided on
        try:
            try:
                await _take_host_slot(state, priority)
            except asyncio.CancelledError:
                global_slots.trim(state)  # a global slot may have been kept for this request
                raise
            attempt.started = True
            try:
                if chain.answer is not None or (attempt.hedge and (not chain.in_flight or not _open(state))):
                    global_slots.trim(state)
                    return
                try:
                    result = await self._attempt(client, global_slots, state, chain, attempt)
                except RetryableFailure as failure:
                    chain.failed(failure)
                else:
                    chain.answered(result)
            finally:
                state.slots.release()
        finally:
            chain.ended(attempt)

    def _hedge(self, client: httpx.AsyncClient, global_slots: PrioritySlots, chain: _Chain, attempt: _Try) -> None:
        """The hedge timer of ``attempt``: it is still unanswered, so the URL's next attempt goes
        out beside it — if the URL has attempts left, no later attempt is out, and the host has
        answered in this run (a host answering nothing is the not-answering rule's business)."""
        attempt.timer = None
        if (
            chain.answer is not None
            or chain.made >= chain.limit
            or not chain.in_flight
            or chain.in_flight[-1] is not attempt
            or not chain.state.answered
            or self._network.down
        ):
            return
        chain.made += 1
        self._head_failed.add(chain.url)  # a HEAD unanswered this long is no better than a failed one
        hedge = _Try(None, hedge=True)
        hedge.task = asyncio.ensure_future(self._try(client, global_slots, chain, _HEDGE, hedge))
        chain.hedged(hedge)

    async def _attempt(
        self,
        client: httpx.AsyncClient,
        global_slots: PrioritySlots,
        state: HostState,
        chain: _Chain,
        attempt: _Try,
    ) -> CheckResult:
        """One try, made while holding the host's slot; or the reason it is not made (the network is
        down, the host answers nothing). Its hedge timer runs while its request is out."""
        url = chain.url
        if self._network.down:
            global_slots.reclaim(state)
            return not_checked(url)  # offline: asking more hosts would only take longer
        sent_at = self._clock()
        if state.closed is None:  # a host closed for the run is not waited for
            sent_at = await self._hosts.wait_turn(state, before_waiting=lambda: global_slots.reclaim(state))
        unasked = state.unasked(url)
        if unasked is not None:
            global_slots.reclaim(state)
            return unasked
        await global_slots.acquire_for(state, retry=self._attempts[url] > 0 and not attempt.hedge)
        self._attempts[url] += 1
        chain.sent(attempt)
        if chain.made < chain.limit:
            delay = state.hedge_delay(self.settings.timeout)
            if delay is not None:
                loop = asyncio.get_running_loop()
                attempt.timer = loop.call_later(delay, self._hedge, client, global_slots, chain, attempt)
        request_started = self._clock()
        try:
            result, retry_after = await self._fetch(client, state, url)
        finally:
            global_slots.release_from(state, self._clock())
        if result.status_code is not None:
            state.answer_times.append(self._clock() - request_started)
        self._hosts.learn(state, result, retry_after, sent_at)
        if state.walls_on_429 and result.status_code == 429:
            reason = state.closed or state.throttled(self._clock(), retry_after, bool(self._hosts.github_token))
            if reason is not None:
                return replace(result, outcome=Outcome.BLOCKED, error_kind=ErrorKind.RATE_LIMITED, error=reason)
        retryable = result.error_kind in _RETRYABLE_KINDS or (
            result.status_code in RETRYABLE_STATUS and result.error_kind is not ErrorKind.BOT_WALL
        )
        if retryable:
            raise RetryableFailure(result, retry_after)
        return result

    async def _fetch(self, client: httpx.AsyncClient, state: HostState, url: str) -> tuple[CheckResult, float | None]:
        """HEAD, then GET when HEAD is refused or fails (GET's answer then stands). A HEAD that
        timed out or was reset spends the attempt: the URL's next attempt is a GET. A URL whose
        HEAD failed gets GET only from then on, a host that refused HEAD with 405/501 too, and
        so do URLs in ``get_first``."""
        wants_get = (
            self._pages is not None
            or state.head_refused
            or url in self._anchors_for
            or url in self._get_first
            or url in self._head_failed
        )
        result, retry_after = await self._request(client, "GET" if wants_get else "HEAD", url)
        if wants_get:
            return result, retry_after
        head_failed = result.outcome not in (Outcome.ALIVE, Outcome.REDIRECTED)
        if not head_failed or result.error_kind in _NO_GET_FALLBACK or result.status_code == 429:
            return result, retry_after
        self._head_failed.add(url)
        if result.error_kind in _GET_NEXT_ATTEMPT:
            return result, retry_after
        if result.status_code in _HEAD_REFUSED:
            state.head_refused = True
        return await self._request(client, "GET", url)

    async def _request(self, client: httpx.AsyncClient, method: str, url: str) -> tuple[CheckResult, float | None]:
        try:
            async with asyncio.timeout(self.settings.timeout):
                answer = await self._follow(client, method, url)
        except _RedirectProblem as problem:
            judgement = Judgement(Outcome.BROKEN, problem.kind, str(problem))
            final_url = problem.redirects[-1].url if problem.redirects else url
            return _result(url, judgement, None, final_url, problem.redirects), None
        except (httpx.HTTPError, httpcore.ConnectError, OSError, TimeoutError) as error:
            judgement = judge_exception(error)  # a library's message may quote a header: _check redacts it
            return _result(url, judgement, None, None, ()), None
        except (httpx.InvalidURL, ValueError) as error:
            judgement = Judgement(Outcome.SKIPPED, ErrorKind.NOT_CHECKABLE, f"invalid URL: {error}")
            return _result(url, judgement, None, None, ()), None
        rule = self._accept.for_url(answer.final_url)  # the host that gave the final answer has its say
        judgement = judge_response(
            url, answer.status, answer.headers, answer.body, answer.final_url, answer.redirects, rule
        )
        retry_after = retry_after_seconds(answer.headers) if answer.status in RETRYABLE_STATUS else None
        result = _result(url, judgement, answer.status, answer.final_url, answer.redirects)
        if method == "GET" and self._pages is not None and judgement.error_kind is ErrorKind.SOFT_404:
            # A deep link sent to a root: a parking service's lander there says more than the root does.
            parked = self._pages.parked(_page(url, answer))
            if parked is not None:
                return replace(result, error_kind=parked.error_kind, error=parked.error), retry_after
        if method == "GET" and judgement.outcome in (Outcome.ALIVE, Outcome.REDIRECTED):
            if self._pages is not None:
                verdict = await self._pages.judge(_page(url, answer), lambda probe: self._probe(client, probe))
                if verdict.outcome is not None:
                    return replace(result, outcome=verdict.outcome, error_kind=verdict.error_kind,
                                   error=verdict.error), retry_after  # fmt: skip
                result = replace(result, fingerprint=verdict.fingerprint)
            if url in self._anchors_for:
                result = replace(result, anchors=html_anchors(answer.body))
        return result, retry_after

    async def _probe(self, client: httpx.AsyncClient, url: str) -> PageAnswer | None:
        """A random-sibling probe's answer (made with the linked URL's slots), or None if it failed."""
        try:
            async with asyncio.timeout(self.settings.timeout):
                answer = await self._follow(client, "GET", url)
        except (_RedirectProblem, httpx.HTTPError, httpcore.ConnectError, OSError, TimeoutError, ValueError):
            return None
        return _page(url, answer)

    def _build_request(
        self, client: httpx.AsyncClient, method: str, url: str, link: str | None = None
    ) -> httpx.Request:
        """The request as ``client.build_request`` would make it, with the configured headers for
        ``url`` while checking ``link`` (``url`` itself unless it is a redirect's target; see
        headers.HeaderScopes), the timeouts worked out once per run."""
        headers = {**client.headers, **self._headers.for_request(url, link or url)}
        request = httpx.Request(method, url, headers=headers, extensions={"timeout": client.timeout.as_dict()})
        port = request.url.port
        if port is not None and not 0 < port < 65536:  # httpx takes it; the socket layer overflows
            raise httpx.InvalidURL(f"port {port} is out of range (1-65535)")
        if client.cookies:
            client.cookies.set_cookie_header(request)
        return request

    async def _follow(self, client: httpx.AsyncClient, method: str, url: str) -> _Answer:
        redirects: list[Redirect] = []
        seen = {url}
        current = url
        for _ in range(self.settings.max_redirects + 1):
            try:
                request = self._build_request(client, method, current, url)
            except (httpx.InvalidURL, ValueError) as exc:  # idna's errors are ValueErrors too
                if not redirects:
                    raise  # the link itself is no URL httpx can request: _request says so
                raise _invalid_redirect(f"{current!r} ({exc})", redirects) from exc
            try:
                response = await client.send(request, stream=True)
            except (httpx.InvalidURL, UnicodeError, httpx.RemoteProtocolError) as exc:
                # The request was valid; httpx prepares the next request from the answer's
                # Location even when it follows none, and fails there on a malformed one.
                if isinstance(exc, httpx.RemoteProtocolError) and "location header" not in str(exc).lower():
                    raise
                raise _invalid_redirect(f"({exc})", redirects) from exc
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECT_STATUS and location:
                    await read_body(response, _REDIRECT_BODY_CAP)  # a short body read keeps the connection
                    redirects.append(Redirect(current, response.status_code))
                    try:
                        current = urljoin(current, location.strip())
                    except ValueError as exc:  # "http://[bad/": a server's Location is not ours to trust
                        raise _invalid_redirect(f"{location.strip()!r} ({exc})", redirects) from exc
                    if current in seen:
                        raise _RedirectProblem(ErrorKind.REDIRECT_LOOP, f"redirect loop back to {current}", redirects)
                    seen.add(current)
                    continue
                # A HEAD answer is read too (it is empty): httpcore puts a connection back in the
                # pool only once the response has been read to its end.
                wanted = self.settings.max_body_bytes
                if self._pages is not None and not _may_be_html(response.headers.get("content-type", "")):
                    wanted = 0  # every link is a GET now: a PDF or an image is not downloaded to be judged
                body = await read_body(response, wanted)
                headers_seen = {name.lower(): value for name, value in response.headers.items()}
                return _Answer(response.status_code, headers_seen, body, current, tuple(redirects))
            finally:
                await response.aclose()
        raise _RedirectProblem(
            ErrorKind.TOO_MANY_REDIRECTS, f"more than {self.settings.max_redirects} redirects", redirects
        )


class _Try:
    """One attempt: the task making it, whether it is a hedge, how far it got, and its hedge timer
    while its request is out."""

    __slots__ = ("dropped", "hedge", "sent", "started", "task", "timer")

    def __init__(self, task: asyncio.Task[Any] | None, *, hedge: bool) -> None:
        self.task = task
        self.hedge = hedge
        self.started = False  # it holds a host slot
        self.sent = False  # its request went out
        self.dropped = False  # a hedge given up before it was sent
        self.timer: asyncio.TimerHandle | None = None


class _Chain:
    """One URL's attempts: how many were begun (at most ``limit``), which are in flight, the hedges
    running in tasks of their own, and the outcome."""

    __slots__ = ("_woken", "answer", "failure", "failures", "hedges", "in_flight", "limit", "made", "state", "url")

    def __init__(self, url: str, state: HostState, limit: int) -> None:
        self.url = url
        self.state = state
        self.limit = limit
        self.made = 0  # attempts begun and not given up: waiting for their slots, in flight, or ended
        self.in_flight: list[_Try] = []  # requests out, oldest first
        self.hedges: dict[asyncio.Task[None], _Try] = {}
        self.answer: CheckResult | None = None  # the first outcome that needs no retry
        self.failure: RetryableFailure | None = None  # the last retryable failure
        self.failures = 0
        self._woken: asyncio.Future[None] | None = None

    def sent(self, attempt: _Try) -> None:
        attempt.sent = True
        self.in_flight.append(attempt)

    def ended(self, attempt: _Try) -> None:
        if attempt.timer is not None:
            attempt.timer.cancel()
            attempt.timer = None
        if attempt.sent:
            self.in_flight.remove(attempt)
        elif not attempt.dropped:
            self.made -= 1  # never sent: it does not count

    def failed(self, failure: RetryableFailure) -> None:
        if self.answer is None:
            self.failure = failure
            self.failures += 1

    def answered(self, result: CheckResult) -> None:
        """The first answer decides; hedges still waiting for their slots are dropped."""
        if self.answer is None:
            self.answer = result
            self.drop_waiting()

    def hedged(self, attempt: _Try) -> None:
        """A hedge and its task, the attempt already counted in ``made``."""
        task = attempt.task
        assert task is not None
        self.hedges[task] = attempt
        task.add_done_callback(self._hedge_ended)

    def hedges_started(self) -> bool:
        """Whether a hedge holds a host slot (its request is out, or about to be)."""
        return any(attempt.started for attempt in self.hedges.values())

    def drop_waiting(self) -> None:
        """Give up the hedges still waiting for a host slot."""
        for task, attempt in self.hedges.items():
            if not attempt.started and not attempt.dropped:
                attempt.dropped = True
                self.made -= 1
                task.cancel()

    def _hedge_ended(self, task: asyncio.Task[None]) -> None:
        self.hedges.pop(task, None)
        if self._woken is not None and not self._woken.done():
            self._woken.set_result(None)

    async def changed(self) -> None:
        """Wait until a hedge ends."""
        self._woken = asyncio.get_running_loop().create_future()
        await self._woken

    def stop(self) -> list[asyncio.Task[None]]:
        """Drop the hedges not yet started; returns those still running (their requests end in the
        background, holding their slots)."""
        self.drop_waiting()
        return [task for task in self.hedges if not task.done()]


def _may_be_html(content_type: str) -> bool:
    """Whether a page reader could read the body (rot.read_page reads HTML, and sniffs an untyped one)."""
    kind = content_type.partition(";")[0].strip().lower()
    return not kind or "html" in kind


def _page(url: str, answer: _Answer) -> PageAnswer:
    return PageAnswer(url, answer.status, answer.headers, answer.body, answer.final_url, answer.redirects)


def _open(state: HostState) -> bool:
    """Whether the host's URLs are still asked (not closed for the run, not found not answering)."""
    return state.closed is None and state.not_answering is None


async def _cancelled(tasks: Set[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait until they have ended."""
    waiting = list(tasks)
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)


async def _take_host_slot(state: HostState, priority: int) -> None:
    state.queued += 1
    try:
        await state.slots.acquire(priority)
    finally:
        state.queued -= 1


def _settled(url: str, outcome: CheckResult | BaseException) -> CheckResult:
    """A task's result; a task cancelled because the network went down is "not checked"."""
    if isinstance(outcome, CheckResult):
        return outcome
    if isinstance(outcome, asyncio.CancelledError):
        return not_checked(url)
    raise outcome


class _RedirectProblem(Exception):
    def __init__(self, kind: ErrorKind, message: str, redirects: list[Redirect]) -> None:
        super().__init__(message)
        self.kind = kind
        self.redirects = tuple(redirects)


def _invalid_redirect(detail: str, redirects: list[Redirect]) -> _RedirectProblem:
    """A redirect to something that is no URL: the link leads nowhere, and asking again won't help."""
    return _RedirectProblem(ErrorKind.INVALID_REDIRECT, f"redirected to an invalid URL {detail}", redirects)


def _result(
    url: str, judgement: Judgement, status: int | None, final_url: str | None, redirects: tuple[Redirect, ...]
) -> CheckResult:
    return CheckResult(
        url=url,
        outcome=judgement.outcome,
        status_code=status,
        final_url=final_url,
        redirects=redirects,
        error_kind=judgement.error_kind,
        error=judgement.error,
    )

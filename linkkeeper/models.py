"""The data that flows from stage to stage: frozen dataclasses and their enums, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class Kind(StrEnum):
    """Where in the Markdown a URL was written."""

    INLINE = "inline"
    IMAGE = "image"
    REFERENCE_DEFINITION = "reference_definition"
    AUTOLINK = "autolink"
    BARE_URL = "bare_url"
    HTML_ATTR = "html_attr"
    FRONT_MATTER = "front_matter"
    EMAIL = "email"  # a bare e-mail address GFM links (mailto:), never checked nor rewritten


class Syntax(StrEnum):
    """How the URL is spelled at its span; a rewrite escapes for exactly this."""

    RAW = "raw"
    ANGLE = "angle"
    AUTOLINK = "autolink"
    BARE = "bare"
    HTML_DOUBLE_QUOTED = "html-dq"
    HTML_SINGLE_QUOTED = "html-sq"
    HTML_UNQUOTED = "html-unq"
    FRONT_MATTER = "front-matter"


class Checkable(StrEnum):
    """Whether the checker can request the URL as it stands."""

    YES = "yes"
    NEEDS_BASE = "needs-base"
    NO = "no"


class Flag(StrEnum):
    """Something worth a second look about one occurrence."""

    LOOKS_LIKE_HOST_MISSING_SCHEME = "looks-like-host-missing-scheme"
    SUSPECT_BROKEN_LINK_SYNTAX = "suspect-broken-link-syntax"
    SPAN_UNVERIFIED = "span-unverified"
    UNUSED_DEFINITION = "unused-definition"
    DUPLICATE_DEFINITION = "duplicate-definition"
    LIQUID_TEMPLATE = "liquid-template"
    SUPPRESSED = "suppressed"  # by a <!-- linkkeeper-disable… --> comment
    SUPPRESSED_TO_END = "suppressed-to-end-of-file"  # by a disable never enabled again
    MALFORMED = "malformed"  # "https:/host": ``url`` is the browser's reading, ``raw`` as written


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and a 1-based column counted in characters."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One URL at one place in one file.

    ``start``/``end`` are character offsets into the file's text (decoded as UTF-8, any BOM
    removed) of exactly the characters a rewrite would replace, so ``text[start:end] == raw``.
    ``url`` is the destination as a CommonMark renderer reads it (escapes and entities decoded).
    """

    path: str
    line: int
    column: int
    start: int
    end: int
    kind: Kind
    syntax: Syntax
    raw: str
    url: str
    text: str
    checkable: Checkable
    reason: str
    flags: tuple[Flag, ...] = ()
    label: str | None = None
    usages: tuple[Position, ...] = ()
    suppressed_by: str = ""  # "file:line" of the comment that suppresses it, or ""

    @property
    def rewritable(self) -> bool:
        """Whether a rewrite may splice this span (verified, and not front matter nor an e-mail)."""
        return Flag.SPAN_UNVERIFIED not in self.flags and self.kind not in (Kind.FRONT_MATTER, Kind.EMAIL)


@dataclass(frozen=True, slots=True)
class ScanError:
    """A file that could not be scanned, and why, in words that name the problem."""

    path: str
    problem: str


@dataclass(frozen=True, slots=True)
class FileScan:
    """The outcome of scanning one file: its occurrences, or the error that stopped it."""

    path: str
    occurrences: tuple[Occurrence, ...] = ()
    error: ScanError | None = None
    sha256: str | None = None
    has_bom: bool = False
    text: str | None = None  # kept for standard input only: it cannot be read again for its anchors


@dataclass(frozen=True, slots=True)
class ScanReport:
    """Everything one scan found, in input order."""

    files: tuple[FileScan, ...]

    @property
    def occurrences(self) -> tuple[Occurrence, ...]:
        return tuple(occ for file in self.files for occ in file.occurrences)

    @property
    def errors(self) -> tuple[ScanError, ...]:
        return tuple(file.error for file in self.files if file.error is not None)

    @property
    def scanned_files(self) -> int:
        return sum(1 for file in self.files if file.error is None)


class Outcome(StrEnum):
    """One run's answer for one URL."""

    ALIVE = "alive"
    REDIRECTED = "redirected"
    BROKEN = "broken"
    ERROR = "error"
    BLOCKED = "blocked"
    EXCLUDED = "excluded"
    SKIPPED = "skipped"
    BROKEN_FRAGMENT = "broken-fragment"


class ErrorKind(StrEnum):
    """Why a check did not end in a plain success, in a word a machine can match."""

    HTTP_STATUS = "http-status"
    NAME_NOT_FOUND = "name-not-found"
    CONNECTION_REFUSED = "connection-refused"
    TIMEOUT = "timeout"
    CONNECTION_RESET = "connection-reset"
    TLS = "tls"
    PROTOCOL = "protocol"
    REDIRECT_LOOP = "redirect-loop"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    INVALID_REDIRECT = "invalid-redirect"
    SOFT_404 = "soft-404"
    PARKED = "parked"  # a domain-parking or for-sale page where the cited page was
    LOGIN_WALL = "login-wall"  # redirected to a sign-in page: a wall, never a move
    BOT_WALL = "bot-wall"
    RATE_LIMITED = "rate-limited"
    UNSAFE_ADDRESS = "unsafe-address"
    EXCLUDED_BY_PATTERN = "excluded-by-pattern"
    NOT_CHECKABLE = "not-checkable"
    INVALID_URL = "invalid-url"
    NETWORK_DOWN = "network-down"
    PROXY = "proxy"  # the proxy could not carry the request (unreachable, refused, could not reach the site)
    RESOLVER_UNPROVEN = "resolver-unproven"  # a name did not resolve, on a resolver not shown to work
    MISSING_FILE = "missing-file"
    CASE_MISMATCH = "case-mismatch"
    MISSING_FRAGMENT = "missing-fragment"
    NEEDS_SITE = "needs-site"
    OFFLINE = "offline"
    UNCHANGED = "unchanged"  # a web link on a line the change did not touch (--changed-since)
    SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True)
class Redirect:
    """One hop of a redirect chain: the URL that answered and its status."""

    url: str
    status: int


@dataclass(frozen=True, slots=True)
class Target:
    """One unique URL to check (fragment split off), with every place it was written."""

    url: str
    occurrences: tuple[Occurrence, ...]
    fragments: tuple[str, ...] = ()
    checkable: Checkable = Checkable.YES
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What checking one URL found out. Failures are results with a kind and a reason."""

    url: str
    outcome: Outcome
    status_code: int | None = None
    final_url: str | None = None
    redirects: tuple[Redirect, ...] = ()
    error_kind: ErrorKind | None = None
    error: str = ""
    attempts: int = 0
    elapsed: float = 0.0
    checked_at: str = ""
    from_cache: bool = False
    anchors: frozenset[str] | None = None
    fingerprint: str | None = None  # the page as read this run (JSON; linkkeeper.checking.rot), for drift


class Verdict(StrEnum):
    """The judgement over time, from the history: dead only after repeated failures over days."""

    ALIVE = "alive"
    REDIRECTED = "redirected"
    FAILING = "failing"
    DEAD = "dead"
    DRIFTED = "drifted"  # alive, but no longer the page that was cited
    BLOCKED = "blocked"
    EXCLUDED = "excluded"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class LinkState:
    """What the history knows of one URL across runs (times are ISO 8601, UTC)."""

    first_seen: str | None = None
    last_alive: str | None = None
    first_failed: str | None = None
    consecutive_failures: int = 0
    failing_days: int = 0
    last_failure_day: str | None = None


class NoSnapshotReason(StrEnum):
    """Why a dead link has no archived copy to point to."""

    NOT_ARCHIVED = "not-archived"
    ONLY_BAD_CAPTURES = "only-bad-captures"
    BLOCKED_BY_ARCHIVE = "blocked-by-archive"
    LOOKUP_FAILED = "lookup-failed"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A verified good capture: ``archive_url`` is always the public https://web.archive.org form."""

    url: str
    timestamp: str
    archive_url: str
    captured_status: int


@dataclass(frozen=True, slots=True)
class NoSnapshot:
    """The reason there is no usable capture, with details in words."""

    url: str
    reason: NoSnapshotReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """A target, what became of it this run, and the verdict over time."""

    target: Target
    result: CheckResult
    verdict: Verdict | None = None
    since: str | None = None
    state: LinkState | None = None
    snapshot: Snapshot | NoSnapshot | None = None
    change: ChangeRole | None = None  # checked since a ref: whether this change broke it


@dataclass(frozen=True, slots=True)
class ChangeRole:
    """A failing link in a run checked since a ref: ``caused`` when the change broke it (its line
    is new, or it was fine at the ref), else it was already broken there; ``why`` says how."""

    caused: bool
    why: str


class RunSummary(NamedTuple):
    """A past run, for the reports' chart: its id, when it started, and its verdict counts."""

    run_id: int
    started_at: str
    verdicts: dict[str, int]


class Unarchived(NamedTuple):
    """A link ``fix`` could not rewrite, and why (what ``archive`` found; "" before it looked)."""

    url: str
    why: str


class RewriteRecord(NamedTuple):
    """One rewrite ``fix`` wrote, as the history keeps it."""

    path: str
    line: int
    column: int
    url: str
    new_url: str
    style: str
    reason: str


@dataclass(frozen=True, slots=True)
class Place:
    """Where a link is written: the file, and the 1-based line and column (as ``path:line:col``)."""

    path: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class LinkResult:
    """One link as written and what became of it: the URL as the page has it, this run's outcome
    (``"alive"``, ``"broken"``, … — an ``Outcome``, which is a ``str``), the verdict over time, the
    status code and reason, and every place it is written."""

    url: str
    outcome: Outcome
    verdict: Verdict | None
    status_code: int | None
    error: str
    places: tuple[Place, ...]


@dataclass(frozen=True, slots=True)
class RunReport:
    """Everything one ``check`` run found, ready for any renderer. ``links`` lists it per link as
    written; ``entries`` per unique (canonical) URL, with the history's judgement."""

    started_at: str
    finished_at: str
    entries: tuple[Entry, ...]
    scan_errors: tuple[ScanError, ...] = ()
    files: int = 0
    network_down: bool = False
    tls_unverified: tuple[str, ...] = ()  # hosts reached over https without verifying TLS (check.hosts."h".insecure)
    changed_since: str | None = None  # the ref a run checked the change since (only its web links asked)

    def counts(self) -> dict[str, int]:
        counted = dict.fromkeys((outcome.value for outcome in Outcome), 0)
        for entry in self.entries:
            counted[entry.result.outcome.value] += 1
        return counted

    run_id: int | None = None
    elapsed: float = 0.0  # seconds the run took, measured (the timestamps are to the second)

    @property
    def links(self) -> tuple[LinkResult, ...]:
        """Each link as written (two spellings of one URL are two links, checked once), in order."""
        found: list[LinkResult] = []
        for entry in self.entries:
            places: dict[str, list[Place]] = {}
            for occ in entry.target.occurrences:
                places.setdefault(occ.url, []).append(Place(occ.path, occ.line, occ.column))
            result = entry.result
            found += [
                LinkResult(url, result.outcome, entry.verdict, result.status_code, result.error, tuple(where))
                for url, where in places.items()
            ]
        return tuple(found)

    def link(self, url: str) -> LinkResult | None:
        """The link written as ``url``, or None."""
        return next((link for link in self.links if link.url == url), None)

    @property
    def has_broken_links(self) -> bool:
        return any(entry.result.outcome is Outcome.BROKEN for entry in self.entries)

    def verdict_counts(self) -> dict[str, int]:
        counted = dict.fromkeys((verdict.value for verdict in Verdict), 0)
        for entry in self.entries:
            if entry.verdict is not None:
                counted[entry.verdict.value] += 1
        return counted


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """A dead (or failing, parked, soft-404 or drifted) link, the snapshot found for it or why
    there is none, and the date it was matched against."""

    target: Target
    verdict: Verdict
    snapshot: Snapshot | NoSnapshot
    reference_date: str
    reference_source: str
    note: str = ""  # for a drifted link: how the snapshot's title compares with today's page


@dataclass(frozen=True, slots=True)
class SaveEntry:
    """What Save Page Now did with one live link: success (with its capture), error or pending."""

    url: str
    status: str
    timestamp: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class Waiting:
    """For a command that acts on dead links only: the links in its paths that are failing but
    not dead yet, since when the oldest has failed, and the first day one of them could be dead
    (after ``dead_after.failures`` runs on ``dead_after.days`` days)."""

    failing: int = 0
    since: str | None = None
    earliest_dead: str | None = None


@dataclass(frozen=True, slots=True)
class ArchiveReport:
    """Everything one ``archive`` run found and saved; ``network_down`` when the Wayback Machine
    never answered, so nothing could be looked up."""

    entries: tuple[ArchiveEntry, ...]
    saves: tuple[SaveEntry, ...] = ()
    notes: tuple[str, ...] = ()
    waiting: Waiting = Waiting()
    network_down: bool = False


@dataclass(frozen=True, slots=True)
class Edit:
    """One splice: ``text[start:end]`` (``old``) becomes ``new``, for a reason, in ``path``."""

    path: str
    start: int
    end: int
    old: str
    new: str
    url: str
    new_url: str
    reason: str
    line: int
    column: int
    annotation: bool = False
    expected_kind: Kind = Kind.INLINE
    expected_url: str = ""


@dataclass(frozen=True, slots=True)
class FileFix:
    """What ``fix`` did (or would do) to one file: its edits, or why it was left alone."""

    path: str
    edits: tuple[Edit, ...]
    diff: str = ""
    problem: str = ""
    written: bool = False


@dataclass(frozen=True, slots=True)
class FixReport:
    """What ``fix`` did; ``without_snapshot`` holds the dead links it could not rewrite, each with
    why (what ``archive`` found, or "" when it has not looked yet)."""

    files: tuple[FileFix, ...]
    without_snapshot: tuple[Unarchived, ...] = ()
    notes: tuple[str, ...] = ()
    waiting: Waiting = Waiting()
    without_history: bool = False  # no check had run yet: nothing could be dead

    @property
    def pending(self) -> int:
        return sum(len(file.edits) for file in self.files if not file.problem)

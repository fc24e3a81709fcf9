"""A fixed RunReport with one link of every kind, for golden files and schema checks."""

from __future__ import annotations

from linkkeeper.models import (
    Checkable,
    CheckResult,
    Entry,
    ErrorKind,
    Kind,
    LinkState,
    NoSnapshot,
    NoSnapshotReason,
    Occurrence,
    Outcome,
    Redirect,
    RunReport,
    ScanError,
    Snapshot,
    Syntax,
    Target,
    Verdict,
)


def _occ(path: str, line: int, column: int, url: str) -> Occurrence:
    return Occurrence(path, line, column, 0, len(url), Kind.INLINE, Syntax.RAW, url, url, "", Checkable.YES, "")


def _entry(
    url: str, places: list[tuple[str, int, int]], result: CheckResult, verdict: Verdict, **extra: object
) -> Entry:
    target = Target(url, tuple(_occ(path, line, column, url) for path, line, column in places))
    return Entry(target, result, verdict=verdict, **extra)  # type: ignore[arg-type]


def fixed_report() -> RunReport:
    dead_state = LinkState(
        "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00", 3, 3, "2026-02-04"
    )
    failing_state = LinkState("2026-01-01T00:00:00+00:00", None, "2026-02-04T00:00:00+00:00", 1, 1, "2026-02-04")
    entries = (
        _entry(
            "https://gone.example/post",
            [("docs/a.md", 3, 12), ("docs/b.md", 7, 1)],
            CheckResult("https://gone.example/post", Outcome.BROKEN, 404, "https://gone.example/post",
                        error_kind=ErrorKind.HTTP_STATUS, error="HTTP 404", attempts=1, elapsed=0.12),
            Verdict.DEAD, since="2026-02-01T00:00:00+00:00", state=dead_state,
            snapshot=Snapshot("https://gone.example/post", "20150101000000",
                              "https://web.archive.org/web/20150101000000/https://gone.example/post", 200),
        ),
        _entry(
            "https://never.example/",
            [("docs/a.md", 9, 3)],
            CheckResult("https://never.example/", Outcome.BROKEN, error_kind=ErrorKind.NAME_NOT_FOUND,
                        error="never.example: name does not resolve", attempts=1),
            Verdict.DEAD, since="2026-02-01T00:00:00+00:00", state=dead_state,
            snapshot=NoSnapshot("https://never.example/", NoSnapshotReason.NOT_ARCHIVED),
        ),
        _entry(
            "https://flaky.example/api",
            [("docs/b.md", 2, 5)],
            CheckResult("https://flaky.example/api", Outcome.ERROR, 503, error_kind=ErrorKind.HTTP_STATUS,
                        error="HTTP 503", attempts=3),
            Verdict.FAILING, since="2026-02-04T00:00:00+00:00", state=failing_state,
        ),
        _entry(
            "https://walled.example/",
            [("docs/b.md", 4, 5)],
            CheckResult("https://walled.example/", Outcome.BLOCKED, 403, error_kind=ErrorKind.BOT_WALL,
                        error="HTTP 403: a bot challenge or WAF page", attempts=1),
            Verdict.BLOCKED,
        ),
        _entry(
            "http://moved.example/old",
            [("docs/a.md", 1, 20)],
            CheckResult("http://moved.example/old", Outcome.REDIRECTED, 200, "https://moved.example/new",
                        redirects=(Redirect("http://moved.example/old", 301),), attempts=1),
            Verdict.REDIRECTED,
        ),
        _entry(
            "https://fine.example/",
            [("docs/a.md", 5, 1)],
            CheckResult("https://fine.example/", Outcome.ALIVE, 200, "https://fine.example/", attempts=1,
                        from_cache=True),
            Verdict.ALIVE,
        ),
        _entry(
            "setup.md",
            [("docs/a.md", 6, 8)],
            CheckResult("setup.md", Outcome.SKIPPED, error_kind=ErrorKind.NOT_CHECKABLE,
                        error="relative link; resolved against this file"),
            Verdict.SKIPPED,
        ),
    )  # fmt: skip
    return RunReport(
        started_at="2026-02-04T00:00:00+00:00",
        finished_at="2026-02-04T00:01:00+00:00",
        entries=entries,
        scan_errors=(ScanError("docs/c.md", "not valid UTF-8 (byte 0xe9 at offset 3, line 1)"),),
        files=2,
        run_id=7,
    )

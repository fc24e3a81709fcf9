"""report.md: a summary table, then the links that need attention, grouped by file. Fits GitHub's
job summary and an issue body."""

from __future__ import annotations

from collections import defaultdict

from linkkeeper.models import Entry, ErrorKind, Occurrence, Outcome, RunReport, Snapshot, Verdict
from linkkeeper.report.archive import describe
from linkkeeper.report.tls import tls_note

SECTIONS: tuple[tuple[str, Verdict], ...] = (
    ("Dead", Verdict.DEAD),
    ("Failing", Verdict.FAILING),
    ("Drifted", Verdict.DRIFTED),
    ("Blocked", Verdict.BLOCKED),
    ("Redirected", Verdict.REDIRECTED),
)


def verdict_of(entry: Entry) -> Verdict:
    """The entry's verdict; without a history, this run's outcome stands in for it."""
    if entry.verdict is not None:
        return entry.verdict
    outcome = entry.result.outcome
    if outcome in (Outcome.BROKEN, Outcome.ERROR, Outcome.BROKEN_FRAGMENT):
        return Verdict.FAILING
    return Verdict(outcome.value)


def reason_of(entry: Entry) -> str:
    """Why a link is where it is, in a few words: the error, else its status, else its outcome."""
    result = entry.result
    if result.error:
        return result.error
    return f"HTTP {result.status_code}" if result.status_code is not None else result.outcome.value


def judgement(entry: Entry) -> str:
    """The verdict in words, with since when for a failing or dead link: ``dead since 2026-02-01``."""
    verdict = verdict_of(entry)
    if verdict in (Verdict.FAILING, Verdict.DEAD, Verdict.DRIFTED) and entry.since:
        return f"{verdict.value} since {entry.since[:10]}"
    return verdict.value


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_written(entry: Entry, occ: Occurrence) -> str:
    """The link as the file writes it, so a reader can search for it; a local link resolved to
    another path has that path beside it in parentheses. A web URL is shown as written too: its
    equivalent spellings share one target, named in canonical form."""
    url = entry.target.url
    if "://" in url or occ.url == url:
        return occ.url if "://" in occ.url else url
    return f"{occ.url} ({url})"


def unresolved_note(report: RunReport) -> str | None:
    """Why links whose names did not resolve were not judged, when some were not."""
    count = sum(1 for entry in report.entries if entry.result.error_kind is ErrorKind.RESOLVER_UNPROVEN)
    if not count:
        return None
    return (
        f"{count} link(s) not judged: their names did not resolve, and this machine's resolver was not shown to "
        "resolve public names this run (check.dns_canary): a proxy-only or allow-listed network?"
    )


def to_markdown(report: RunReport) -> str:
    verdicts = report.verdict_counts() if any(e.verdict for e in report.entries) else None
    outcomes = report.counts()
    lines = ["# Link health" if report.changed_since is None else "# Links this change added or broke", ""]
    if report.changed_since is not None:
        broke = [entry for entry in report.entries if entry.change is not None and entry.change.caused]
        before = [entry for entry in report.entries if entry.change is not None and not entry.change.caused]
        said = f"Since `{report.changed_since}`: {len(broke)} link(s) this change added or broke; {len(before)} "
        lines += [said + "already broken there (failing nothing); web links on unchanged lines were not asked.", ""]
    lines.append(f"{report.files} file(s), {len(report.entries)} unique link(s), run {report.run_id or '-'} "
                 f"({report.started_at}).")  # fmt: skip
    if report.network_down:
        lines += ["", "> **Network unreachable**: no host answered; no web link was judged (local links were)."]
    if not report.network_down and (note := unresolved_note(report)) is not None:
        lines += ["", f"> **Not judged**: {note}."]
    if (tls := tls_note(report)) is not None:
        lines += ["", f"> **Not verified**: {tls}."]
    lines += ["", "| | count |", "|---|---:|"]
    if verdicts is not None:
        lines += [f"| verdict: {name} | {count} |" for name, count in verdicts.items() if count]
    lines += [f"| outcome: {name} | {count} |" for name, count in outcomes.items() if count]
    for title, verdict in SECTIONS:
        entries = [entry for entry in report.entries if verdict_of(entry) is verdict]
        if not entries:
            continue
        lines += ["", f"## {title} ({len(entries)})"]
        by_file: dict[str, list[tuple[int, int, Entry, Occurrence]]] = defaultdict(list)
        for entry in entries:
            for occ in entry.target.occurrences:
                by_file[occ.path].append((occ.line, occ.column, entry, occ))
        for path in sorted(by_file):
            lines += [
                "",
                f"### `{path}`",
                "",
                "| line | link | status | since | archived copy |",
                "|---:|---|---|---|---|",
            ]
            for line, column, entry, occ in sorted(by_file[path], key=lambda item: (item[0], item[1])):
                lines.append(_row(line, column, entry, occ))
    if report.scan_errors:
        lines += ["", "## Files that could not be read", ""]
        lines += [f"- `{error.path}`: {_cell(error.problem)}" for error in report.scan_errors]
    return "\n".join(lines) + "\n"


def _row(line: int, column: int, entry: Entry, occ: Occurrence) -> str:
    result = entry.result
    status = str(result.status_code) if result.status_code is not None else (result.error_kind or "")
    if result.error and result.status_code is None:
        status = result.error
    if entry.result.outcome is Outcome.REDIRECTED and result.final_url:
        status = f"{status} → {result.final_url}"
    since = (entry.since or "")[:10]
    archived = ""
    if entry.snapshot is not None:
        archived = (
            f"[archived]({entry.snapshot.archive_url})"
            if isinstance(entry.snapshot, Snapshot)
            else describe(entry.snapshot)
        )
    link = as_written(entry, occ)
    return f"| {line}:{column} | {_cell(link)} | {_cell(str(status))} | {since} | {_cell(archived)} |"

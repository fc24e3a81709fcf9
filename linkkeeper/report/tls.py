"""The hosts whose TLS certificates were not verified (``[check.hosts."name"] insecure = true``),
and how each report says so: an answer from such a host proves less than a verified one."""

from __future__ import annotations

from collections.abc import Iterable, Set
from urllib.parse import urlsplit

from linkkeeper.models import Entry, RunReport


def _https_hosts(entry: Entry) -> set[str]:
    """The hosts an entry's answer came from over https: its URL's, each redirect hop's, the final one's."""
    urls = [entry.target.url, *(hop.url for hop in entry.result.redirects), entry.result.final_url or ""]
    hosts = set()
    for url in urls:
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.scheme.lower() == "https" and parts.hostname:
            hosts.add(parts.hostname.rstrip("."))
    return hosts


def unverified_hosts(entries: Iterable[Entry], insecure: Set[str]) -> tuple[str, ...]:
    """The insecure hosts this run's entries were answered from over https, sorted."""
    if not insecure:
        return ()
    return tuple(sorted({host for entry in entries for host in _https_hosts(entry) if host in insecure}))


def unverified(entry: Entry, report: RunReport) -> bool:
    """Whether this entry's answer came (in part) from a host whose certificate was not verified."""
    return bool(report.tls_unverified) and not _https_hosts(entry).isdisjoint(report.tls_unverified)


def tls_note(report: RunReport) -> str | None:
    """The one line every report carries when some host's TLS was not verified."""
    if not report.tls_unverified:
        return None
    hosts = ", ".join(report.tls_unverified)
    which = "host" if len(report.tls_unverified) == 1 else "hosts"
    return f"TLS not verified for {which} {hosts} (insecure = true in check.hosts): their answers prove less"

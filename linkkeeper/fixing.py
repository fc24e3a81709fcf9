"""``fix``'s orchestration, beside its stage (``rewrite``): which links to rewrite to what (dead
ones to their snapshots, moved ones to where they moved), then each file planned, proved and
written."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from linkkeeper.archive.run import waiting
from linkkeeper.config import Settings
from linkkeeper.history import History
from linkkeeper.history.verdict import is_dead
from linkkeeper.models import (
    FileFix,
    FixReport,
    Flag,
    LinkState,
    RewriteRecord,
    Snapshot,
    Unarchived,
)
from linkkeeper.pipeline import own_output, web_targets
from linkkeeper.redact import is_redacted
from linkkeeper.report.archive import describe
from linkkeeper.rewrite import (
    RewriteRefused,
    apply,
    git_patch,
    plan,
    remove_leftovers,
    verify,
    without_fragment,
    write_atomic,
)
from linkkeeper.scanning import scan_paths
from linkkeeper.scanning.source import decode


def run_fix(
    paths: Sequence[str],
    settings: Settings,
    history: History | None,
    *,
    style: str | None = None,
    include_failing: bool = False,
    redirects: bool = False,
    write: bool = True,
    now: datetime | None = None,
    malformed: bool = False,
    include_drifted: bool = False,
    skip: Sequence[Path] | None = None,
) -> FixReport:
    """Rewrite dead links (with a verified snapshot) to their archived copies, and with
    ``redirects`` permanent redirects to their final URL; ``write=False`` only plans (for --diff
    and --check). Without a history there is nothing to rewrite, but a killed run's temporary
    files are still cleared. ``malformed`` also writes malformed URLs (``https:/host``) as
    browsers read them (``https://host``), history or not. ``include_drifted`` also rewrites
    drifted links (alive, but no longer the page cited) to their cited copies."""
    style = style or settings.fix.style
    skip = own_output(settings, Path.cwd()) if skip is None else skip  # the reports' and history's folders
    scanned = scan_paths(paths, settings.scan, skip)
    replacements: dict[str, tuple[str, str]] = {}
    without: list[Unarchived] = []
    targets, aliases = web_targets(scanned.occurrences, settings)
    states: list[LinkState] = []
    drifted = history.page_records(t.url for t in targets) if history is not None and include_drifted else {}
    for target in targets:
        state = history.state(target.url) if history is not None else None
        if state is None or history is None:
            continue
        states.append(state)
        dead = is_dead(state, settings.dead_after)
        if state.consecutive_failures > 0 and (include_failing or dead):
            snapshot = history.snapshot(target.url)
            if isinstance(snapshot, Snapshot):
                replacements[target.url] = (snapshot.archive_url, "dead" if dead else "failing")
            else:
                without.append(Unarchived(target.url, "" if snapshot is None else describe(snapshot)))
            continue
        page = drifted.get(target.url)
        if page is not None and page.drift is not None:
            snapshot = history.snapshot(target.url)
            if isinstance(snapshot, Snapshot):
                replacements[target.url] = (snapshot.archive_url, "drifted")
                continue
            without.append(Unarchived(target.url, "" if snapshot is None else describe(snapshot)))
        moved = history.moved_to(target.url) if redirects else None
        if moved and is_redacted(moved):  # it carried a secret: no page is written with a hole in it
            without.append(Unarchived(target.url, "its redirect's target carried a secret, redacted; not written"))
        elif moved and moved != target.url:
            replacements[target.url] = (moved, "redirected")
    for destination, web_url in aliases.items():  # "/old-post/" checked as base_url + "/old-post/"
        if web_url in replacements:
            replacements[destination] = replacements[web_url]
    files: list[FileFix] = []
    notes: list[str] = []
    for file in scanned.files:
        if write and file.error is None:
            remove_leftovers(Path(file.path))  # a killed run's temporary files
        rewritable = [occ for occ in file.occurrences if not occ.suppressed_by]  # a comment said: leave it
        if file.error is not None or not any(
            without_fragment(o.url) in replacements or (malformed and Flag.MALFORMED in o.flags) for o in rewritable
        ):
            continue
        path = Path(file.path)
        try:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != file.sha256:  # the scan's spans are not this text's
                raise RewriteRefused(f"{file.path}: changed since it was scanned; run fix again")
            text = decode(data).text
            edits, skipped = plan(
                text, rewritable, replacements, style=style, annotation=settings.fix.annotation, malformed=malformed
            )
            notes.extend(skipped)
            if not edits:
                continue
            new_text = apply(text, edits)
            verify(text, new_text, edits, file.occurrences, file.path)
            diff = git_patch(file.path, text, new_text, has_bom=file.has_bom)
            if write:
                notes.extend(write_atomic(path, new_text, has_bom=file.has_bom, expected_sha256=file.sha256))
            if write and history is not None:
                # Recorded file by file: a later file that cannot be written loses none of these.
                records = [RewriteRecord(e.path, e.line, e.column, e.url, e.new_url, style, e.reason) for e in edits]
                history.record_rewrites(records, now or datetime.now(UTC))
            files.append(FileFix(file.path, tuple(edits), diff, written=write))
        except RewriteRefused as refused:
            files.append(FileFix(file.path, (), problem=str(refused)))
        except OSError as error:  # a read-only folder, a full disk: said with the path, and fix goes on
            files.append(FileFix(file.path, (), problem=f"{file.path}: cannot be written: {error.strerror or error}"))
    today = (now or datetime.now(UTC)).date()
    return FixReport(tuple(files), tuple(without), tuple(notes), waiting(states, settings, today))

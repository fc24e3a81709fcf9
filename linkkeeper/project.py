"""One project: its root, settings, history, ignore files and reports — the API every front end
(the command line, the Python functions, the MkDocs plugin) calls.

A ``Project`` does what a run needs beyond its stages: it finds the settings and the history
where the command line does, reads the ignore files, checks the secrets the environment holds
before any request, and writes the reports. Its ``check``, ``scan``, ``archive``, ``fix`` and
``report`` are coroutines: each runs its stages in a worker thread (the stages have their own
event loop for the network), so a caller's loop — an async app, Jupyter, a docs build — is never
blocked and never sees "asyncio.run() cannot be called from a running event loop". The ``*_now``
methods are the same work for callers without a loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkkeeper.config import HistorySettings, ReportSettings, Settings, load_settings
from linkkeeper.errors import ConfigError, HistoryError, InputError, OutputError
from linkkeeper.folders import output_folders, project_root, under_root
from linkkeeper.history import History
from linkkeeper.models import ArchiveReport, CheckResult, FixReport, RunReport, RunSummary, ScanReport
from linkkeeper.report import Places, write_reports
from linkkeeper.report import markdown as markdown_report
from linkkeeper.report.github import annotation_lines, run_url, running_in_actions, step_summary
from linkkeeper.rules import read_ignore_files

__all__ = ["CheckRun", "Project"]


@dataclass(frozen=True, slots=True)
class CheckRun:
    """A ``check`` as a front end shows it: the report, the files written, the GitHub annotation
    lines to print (on stderr), and notes (the ignore files read)."""

    report: RunReport
    written: dict[str, Path] = field(default_factory=dict)
    annotations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Project:
    """A project's root (where ``.linkkeeper/`` and the ignore files live), its settings and the
    environment its secrets come from. ``Project.load`` finds them as the command line does."""

    root: Path
    settings: Settings
    sources: Mapping[str, str] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=Path.cwd)

    @classmethod
    def load(
        cls,
        root: str | os.PathLike[str] | None = None,
        *,
        config: str | os.PathLike[str] | None = None,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        overrides_source: str = "command line",
    ) -> Project:
        """The project at ``root`` (default: the top of the git work tree holding ``cwd``, else
        ``cwd``; ``cwd`` is the working directory unless given), with its settings: ``config`` (a
        file), else the one found from the root (from ``cwd`` when no root is given), then
        ``LINKKEEPER_*`` variables, then ``overrides`` (dotted keys, ``{"check.timeout": 5}``). A
        ConfigError says what is wrong."""
        cwd = Path(cwd).absolute() if cwd is not None else Path.cwd()
        base = Path(root).absolute() if root is not None else project_root(cwd)
        environment = dict(os.environ if environ is None else environ)
        config_path = Path(config) if config is not None else None
        settings, sources = load_settings(cwd=base if root is not None else cwd, config_path=config_path,
                                          environ=environment, overrides=overrides,
                                          overrides_source=overrides_source)  # fmt: skip
        return cls(base, settings, sources, environment, cwd)

    # -- where things are ------------------------------------------------------------------------

    @property
    def history_path(self) -> Path:
        """Where the history database is (``history.db``, relative to the root)."""
        return under_root(self.settings.history.db, self.root)

    @property
    def reports_path(self) -> Path:
        """Where the reports go (``report.dir``, relative to the root)."""
        return under_root(self.settings.report.dir, self.root)

    @property
    def own_output(self) -> tuple[Path, ...]:
        """The folders linkkeeper writes, which a folder walk never reads (``folders.output_folders``)."""
        return output_folders(self.reports_path, self.history_path, cwd=self.cwd, root=self.root)

    def open_history(self, *, existing: bool = False, read_only: bool = False) -> History | None:
        """The history; None when there is none yet and only an ``existing`` one will do (nothing is
        created). ``read_only`` opens it for reading only (no migration, no write). Only the
        default location's folder is created: a configured one must exist."""
        path = self.history_path
        if not os.path.exists(path):  # os.path: a name too long for the file system is not there
            if existing or read_only:
                return None
            if self.settings.history.db != HistorySettings().db and not path.parent.is_dir():
                raise HistoryError(str(path), f"its folder {path.parent} does not exist")
        return History.open(path, read_only=read_only)

    def no_history(self) -> str:
        """Why there is nothing to read: the history is not there yet."""
        return f"no history yet ({os.path.relpath(self.history_path, self.cwd)}): a check records one"

    # -- before a run ----------------------------------------------------------------------------

    def validate_for_requests(self) -> None:
        """What the settings' own validation cannot see, checked before any request and never
        shown: headers and the GitHub token read from the environment, proxies, trust sources."""
        from linkkeeper.checking.hosts import github_token, parse_headers
        from linkkeeper.checking.proxy import proxy_rules
        from linkkeeper.checking.trust import check_trust_sources

        check = self.settings.check
        header_sets = {"check.headers": check.headers}
        header_sets |= {f"check.hosts.{host}.headers": table.headers for host, table in check.hosts.items()}
        for key, lines in header_sets.items():
            try:
                parse_headers(lines, self.environ)
            except ValueError as exc:
                raise ConfigError("environment", key, str(exc)) from exc
        try:
            github_token(check, self.environ)
        except ValueError as exc:
            raise ConfigError("environment", "check.github_token_env", str(exc)) from exc
        proxy_rules(check.proxy, self.environ)
        check_trust_sources(self.environ, check.ca_bundle)

    # -- the work, for callers without an event loop -------------------------------------------------

    def scan_now(self, paths: Sequence[str], *, changed_since: str | None = None) -> ScanReport:
        """Every link in ``paths`` with its place (with ``changed_since``, a git ref: only those on
        lines changed since it); no network. A bad path is an InputError."""
        from linkkeeper.scanning import scan_paths

        scanned = scan_paths(paths, self.settings.scan, self.own_output)
        if changed_since is None:
            return scanned
        from linkkeeper.changes import changes_since

        changes = changes_since(changed_since, self.cwd)
        files = tuple(
            dataclasses.replace(file, occurrences=tuple(o for o in file.occurrences if changes.touches(o.path, o.line)))
            for file in scanned.files
        )
        return dataclasses.replace(scanned, files=files)

    def check_now(
        self,
        paths: Sequence[str],
        *,
        offline: bool = False,
        use_cache: bool = True,
        publish: bool = False,
        changed_since: str | None = None,
        on_targets: Callable[[int], None] | None = None,
        on_result: Callable[[CheckResult], None] | None = None,
    ) -> CheckRun:
        """Scan ``paths``, check every unique link (fresh answers from the history reused), record
        the run and judge each link over time; with ``publish``, write the reports the settings
        name (and, under GitHub Actions, the job summary). With ``changed_since`` (a git ref),
        only the web links on lines changed since it are asked, and local links are judged against
        its tree too: a failure the change did not cause fails nothing."""
        from linkkeeper.changes import changes_since
        from linkkeeper.pipeline import run_check

        self.validate_for_requests()
        changes = changes_since(changed_since, self.cwd) if changed_since is not None else None
        scanned = self.scan_now(paths)  # bad input: nothing is written
        ignored, notes = read_ignore_files(self.root, self.settings.check.ignore_files)
        history = self.open_history()
        assert history is not None  # opened for writing: created when missing
        with history:
            report = run_check(paths, self.settings, history=history, use_cache=use_cache, on_targets=on_targets,
                               on_result=on_result, environ=self.environ, offline=offline, scanned=scanned,
                               ignored=ignored, changes=changes)  # fmt: skip
            summaries = history.run_summaries(self.settings.report.history_runs) if publish else []
        if not publish:
            return CheckRun(report, notes=tuple(notes))
        written, annotations = self.publish(report, summaries)
        return CheckRun(report, written, annotations, tuple(notes))

    def report_now(self, run_id: int | None = None) -> tuple[RunReport, dict[str, Path]]:
        """The last complete run (or ``run_id``) rebuilt from the history, without the network, and
        the report files written for it. An InputError when there is no history."""
        from linkkeeper.pipeline import rebuild_report

        store = self.open_history(read_only=True)
        if store is None:
            raise InputError(f"no run to render: {self.no_history()}")
        with store:
            rebuilt = rebuild_report(store, self.settings, run_id)
            summaries = store.run_summaries(self.settings.report.history_runs)
        places = self.places()
        formats = self.settings.report.written
        written = write_reports(rebuilt, places, formats, self.settings.check.fail_on, summaries,
                                parents=self._default_reports())  # fmt: skip
        return rebuilt, dict(zip(formats, written, strict=True))

    def archive_now(
        self,
        paths: Sequence[str],
        *,
        include_failing: bool = False,
        save: bool = False,
        on_total: Callable[[int], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> ArchiveReport | None:
        """Verified Wayback snapshots for the dead links in ``paths`` (and, with ``save``, Save Page
        Now for the live ones); None when there is no history yet (the paths are still read)."""
        from linkkeeper.archive.run import run_archive
        from linkkeeper.archive.save import keys_from  # the archive modules load only when asked

        keys = keys_from(self.environ) if save else None
        store = self.open_history(existing=True)
        if store is None:
            self.scan_now(paths)  # a bad path is still an InputError
            return None
        with store:
            return run_archive(paths, self.settings, store, include_failing=include_failing, save_keys=keys,
                               on_total=on_total, on_progress=on_progress, skip=self.own_output,
                               environ=self.environ)  # fmt: skip

    def fix_now(
        self,
        paths: Sequence[str],
        *,
        write: bool = True,
        include_failing: bool = False,
        redirects: bool = False,
        include_drifted: bool = False,
        malformed: bool = False,
    ) -> FixReport:
        """Rewrite dead links in ``paths`` to their archived copies (also failing ones, permanent
        redirects, drifted pages, malformed URLs, when asked); ``write=False`` only plans (a diff)."""
        from linkkeeper.fixing import run_fix

        store = self.open_history(existing=True, read_only=not write)  # a plan (--diff, --check) records nothing
        if store is None:  # malformed URLs are corrected from the text alone; the paths are still read
            planned = run_fix(paths, self.settings, None, write=write, malformed=malformed, skip=self.own_output)
            return dataclasses.replace(planned, without_history=True)
        with store:
            return run_fix(paths, self.settings, store, include_failing=include_failing, redirects=redirects,
                           write=write, malformed=malformed, include_drifted=include_drifted,
                           skip=self.own_output)  # fmt: skip

    # -- the same, awaited -----------------------------------------------------------------------

    async def scan(self, paths: Sequence[str], *, changed_since: str | None = None) -> ScanReport:
        """``scan_now`` in a worker thread."""
        return await asyncio.to_thread(lambda: self.scan_now(paths, changed_since=changed_since))

    async def check(self, paths: Sequence[str], **options: Any) -> CheckRun:
        """``check_now`` in a worker thread: the caller's loop goes on meanwhile."""
        return await asyncio.to_thread(lambda: self.check_now(paths, **options))

    async def report(self, run_id: int | None = None) -> tuple[RunReport, dict[str, Path]]:
        """``report_now`` in a worker thread."""
        return await asyncio.to_thread(self.report_now, run_id)

    async def archive(self, paths: Sequence[str], **options: Any) -> ArchiveReport | None:
        """``archive_now`` in a worker thread."""
        return await asyncio.to_thread(lambda: self.archive_now(paths, **options))

    async def fix(self, paths: Sequence[str], **options: Any) -> FixReport:
        """``fix_now`` in a worker thread."""
        return await asyncio.to_thread(lambda: self.fix_now(paths, **options))

    # -- reports ---------------------------------------------------------------------------------

    def places(self) -> Places:
        """The folders the reports' links are made relative to."""
        return Places(self.cwd.absolute(), self.root.absolute(), self.reports_path.absolute())

    def _default_reports(self) -> bool:
        """Whether the reports go to the default folder, whose missing parents are made."""
        return self.settings.report.dir == ReportSettings().dir

    def publish(self, report: RunReport, summaries: Sequence[RunSummary]) -> tuple[dict[str, Path], tuple[str, ...]]:
        """Write the report files and, under GitHub Actions, the job summary; returns the files
        written (by format) and the annotation lines for the front end to print on stderr."""
        options = self.settings.report
        fail_on = self.settings.check.fail_on
        formats = options.written
        files = write_reports(report, self.places(), formats, fail_on, summaries, parents=self._default_reports())
        written = dict(zip(formats, files, strict=True))
        if not running_in_actions(self.environ):
            return written, ()
        annotations: tuple[str, ...] = ()
        if options.annotations:
            lines = annotation_lines(report, fail_on, options.annotations_errors, options.annotations_warnings)
            annotations = tuple(lines)
        summary = self.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            _append_summary(Path(summary), markdown_report.to_markdown(report), options.summary_max_bytes,
                            run_url(self.environ))  # fmt: skip
        return written, annotations


def _append_summary(path: Path, markdown: str, max_bytes: int, url: str | None) -> None:
    """Append to the job summary what still fits in this step's budget (others may have written)."""
    try:
        used = path.stat().st_size if path.exists() else 0
        with path.open("a", encoding="utf-8") as stream:
            stream.write(step_summary(markdown, max_bytes - used, url))
    except OSError as exc:
        raise OutputError(path, exc) from exc

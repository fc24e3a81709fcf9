"""The MkDocs plugin: ``plugins: [linkkeeper]`` in mkdocs.yml checks the links of the pages'
Markdown sources on every build and logs each failing one as a warning, so ``mkdocs build
--strict`` fails on it.

The project is the folder holding mkdocs.yml: its settings (linkkeeper.toml, ``LINKKEEPER_*``),
ignore files and history (``.linkkeeper/``) are the command line's, so a link found alive within
the cache's age — by an earlier build, ``mkdocs serve``'s last rebuild or ``linkkeeper check`` —
is not asked again. Links in code are never read, let alone requested. MkDocs is imported here
only: it is no dependency of linkkeeper.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import Files

from linkkeeper.config import FAIL_ON_CHOICES
from linkkeeper.errors import LinkkeeperError
from linkkeeper.models import Entry, Occurrence, RunReport, Verdict
from linkkeeper.project import Project
from linkkeeper.report.check import failing_entries
from linkkeeper.report.markdown import as_written, judgement

__all__ = ["LinkkeeperPlugin", "LinkkeeperPluginConfig"]

log = get_plugin_logger("linkkeeper")  # the logger "mkdocs.plugins.linkkeeper": --strict counts its warnings


class LinkkeeperPluginConfig(base.Config):
    """The plugin's options in mkdocs.yml."""

    enabled = c.Type(bool, default=True)
    fail_on = c.Optional(c.Choice(FAIL_ON_CHOICES))  # unset: the project's check.fail_on (broken)
    offline = c.Type(bool, default=False)
    history = c.Optional(c.Type(str))  # unset: the project's history.db


class LinkkeeperPlugin(BasePlugin[LinkkeeperPluginConfig]):
    """Checks the web and local links of the pages' sources once per build (``mkdocs serve``
    checks on each rebuild; the history makes that cheap)."""

    def __init__(self) -> None:
        super().__init__()
        self._sources: list[str] = []

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        """Note the pages' sources: the Markdown files under docs_dir that the site includes
        (a file another plugin generates has no source there)."""
        docs = Path(os.path.abspath(config.docs_dir))  # not resolved: a page may be a symbolic link
        sources: list[str] = []
        for file in files.documentation_pages():
            if file.abs_src_path is None:
                continue
            path = Path(os.path.abspath(file.abs_src_path))
            if path.is_relative_to(docs) and path.is_file():
                sources.append(str(path))
        self._sources = sources
        return files

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled or not self._sources:
            return
        folder = _site_folder(config)
        history = str(folder / self.config.history) if self.config.history else None  # under mkdocs.yml's folder
        if history is not None:
            Path(history).parent.mkdir(parents=True, exist_ok=True)  # named in mkdocs.yml: made, as the default is
        overrides: dict[str, Any] = {"check.fail_on": self.config.fail_on, "history.db": history}
        try:
            # As `linkkeeper check` run beside mkdocs.yml: its settings found from there, the
            # history at the git work tree's top, so the plugin and the command share one history.
            project = Project.load(cwd=folder, overrides=overrides, overrides_source="mkdocs.yml")
            root = project.root
            run = project.check_now(self._sources, offline=self.config.offline)
        except LinkkeeperError as exc:
            raise PluginError(f"linkkeeper: {_one_line(str(exc))}") from exc
        for note in run.notes:
            log.debug(note)
        report = run.report
        fail_on = project.settings.check.fail_on
        failing = failing_entries(report, fail_on)
        for message in warnings(report, failing, root, fail_on):
            log.warning(message)
        log.info(_summary(report, len(failing), fail_on))


def _site_folder(config: MkDocsConfig) -> Path:
    """The folder holding mkdocs.yml (the working directory when the configuration came from
    standard input)."""
    path = config.config_file_path
    return Path(os.path.abspath(path)).parent if path else Path.cwd()


def warnings(report: RunReport, failing: list[Entry], root: Path, fail_on: str) -> list[str]:
    """One line per place of a failing link, ``docs/page.md:7: URL why``, by file and line; then
    the files that could not be read (unless nothing fails: ``never``)."""
    found = [(occ, entry) for entry in failing for occ in entry.target.occurrences]
    found.sort(key=lambda pair: (_relative(pair[0].path, root), pair[0].line, pair[0].column))
    lines = [f"{_place(occ, root)}: {_link(entry, occ)} {_why(entry)}" for occ, entry in found]
    unread = report.scan_errors if failing or fail_on != "never" else ()
    lines += [f"{_relative(error.path, root)}: cannot be checked: {error.problem}" for error in unread]
    return lines


def _link(entry: Entry, occ: Occurrence) -> str:
    """The link as the page writes it: the full URL of a web link, the path of a local one."""
    return as_written(entry, occ) if "://" in entry.target.url else occ.url


def _place(occ: Occurrence, root: Path) -> str:
    return f"{_relative(occ.path, root)}:{occ.line}"


def _relative(path: str, root: Path) -> str:
    """A source's path from the project root, with forward slashes (``docs/page.md``)."""
    return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()


def _why(entry: Entry) -> str:
    """``HTTP 404``, or the reason (a name that does not resolve, a missing file, …); and the
    verdict over time once it is more than this run's failure (``[dead since 2026-02-01]``)."""
    result = entry.result
    parts: list[str] = []
    if result.status_code is not None:
        parts.append(f"HTTP {result.status_code}")
    reason = _one_line(result.error) or (result.error_kind.value if result.error_kind is not None else "")
    if reason and (result.status_code is None or str(result.status_code) not in reason):
        parts.append(reason)
    if not parts:
        parts.append(result.outcome.value)
    repeated = entry.state is not None and entry.state.consecutive_failures > 1
    if entry.verdict in (Verdict.DEAD, Verdict.DRIFTED) or (entry.verdict is Verdict.FAILING and repeated):
        parts.append(f"[{judgement(entry)}]")  # a first failure is only this run's
    return " ".join(parts)


def _summary(report: RunReport, failing: int, fail_on: str) -> str:
    counts = report.counts()
    found = ", ".join(f"{number} {outcome}" for outcome, number in counts.items() if number)
    cached = sum(1 for entry in report.entries if entry.result.from_cache)
    line = f"{report.files} page(s), {len(report.entries)} unique link(s)" + (f": {found}" if found else "")
    line += f"; {cached} answer(s) from the history" if cached else ""
    line += f"; {failing} failing (fail_on: {fail_on})"
    if report.network_down:
        line += "; network unreachable: no web link was judged"
    return line


def _one_line(text: str) -> str:
    return " ".join(text.split())

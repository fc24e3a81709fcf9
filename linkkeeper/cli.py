"""The command line: options become Settings, one library call, and one place for exit codes.

Exit codes (README, "Exit codes"): 0 success; 1 links failed the policy, fixes pending or syntax
problems; 2 bad input (an unknown option, a path that does not exist or yields nothing to read);
3 bad settings; 4 the run could not complete; 130 interrupted (Ctrl-C). Every error is one line
on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from linkkeeper.anchors import resolve_style
from linkkeeper.canonical import canonical_url
from linkkeeper.checking.proxy import redact_proxy_url
from linkkeeper.config import (
    FAIL_ON_CHOICES,
    FIX_STYLES,
    Settings,
    default_of,
    env_name,
    parse_duration,
    reference_config,
    setting_keys,
    setting_value,
    to_toml_value,
)
from linkkeeper.errors import InputError, LinkkeeperError, OutputError
from linkkeeper.local import fragments_checked
from linkkeeper.models import RunReport
from linkkeeper.project import Project
from linkkeeper.report import archive as archive_report
from linkkeeper.report import check as check_report
from linkkeeper.report import fix as fix_report
from linkkeeper.report import history as history_report
from linkkeeper.report import markdown as markdown_report
from linkkeeper.report import scan as scan_report
from linkkeeper.runtime import tune_for_batch_work
from linkkeeper.version import __version__

F = TypeVar("F", bound=Callable[..., Any])
INTERRUPTED = 130  # 128 + SIGINT, as shells report it
# Options that may be written before or after a subcommand keep their value in ctx.meta, which
# every context of one command line shares.
CONFIG, DB, QUIET, VERBOSE = "linkkeeper.config", "linkkeeper.db", "linkkeeper.quiet", "linkkeeper.verbose"
DEAD_AFTER = "linkkeeper.dead_after"  # `history --dead-after` for `history URL` too
# Characters that end a line (str.splitlines' and terminals') or are no text (lone surrogates: an
# environment variable's bytes that were not UTF-8), written in an error as Python escapes them.
_ESCAPED = {
    code: repr(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0xD800, 0xE000))
}


class _Group(click.Group):
    """Turns every ``LinkkeeperError`` into its message on stderr and its exit code, and Ctrl-C
    into exit 130 (a check interrupted stays an incomplete run in the history)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LinkkeeperError as exc:  # one line, whatever a value it quotes holds (a path with a newline)
            click.echo(f"linkkeeper: error: {str(exc).translate(_ESCAPED)}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("linkkeeper: interrupted", err=True)
            ctx.exit(INTERRUPTED)


def _default(key: str) -> str:
    """A setting's built-in default, as --help shows it."""
    value = default_of(setting_keys()[key][1])
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _help(text: str, key: str) -> str:
    return f"{text} [default: {_default(key)}]"


def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            ctx.meta[key] = value
        return value

    return callback


_QUIET = click.option(
    "-q", "--quiet", is_flag=True, default=False, expose_value=False, callback=_remember(QUIET),
    help="Print nothing on stderr but errors.",
)  # fmt: skip
_VERBOSE = click.option(
    "-v", "--verbose", is_flag=True, default=False, expose_value=False, callback=_remember(VERBOSE),
    help="List every link, healthy ones too.",
)  # fmt: skip
_CONFIG = click.option(
    "--config", type=click.Path(path_type=Path, dir_okay=False), default=None, expose_value=False,
    callback=_remember(CONFIG),
    help="Configuration file [default: linkkeeper.toml, config.toml [linkkeeper], pyproject.toml [tool.linkkeeper]].",
)  # fmt: skip
_DB = click.option(
    "--db", type=click.Path(dir_okay=False, path_type=Path), default=None, expose_value=False, callback=_remember(DB),
    help=_help("History database; a relative setting is under the project root.", "history.db"),
)  # fmt: skip


_CHANGED_SINCE = click.option(
    "--changed-since", metavar="REF", default=None,
    help="Only the web links on lines changed since the git REF (its merge base with HEAD, and uncommitted "
    "changes); local links everywhere, a failure the change did not cause failing nothing.",
)  # fmt: skip


def _shared_options(*, db: bool = False, verbose: bool = False) -> Callable[[F], F]:
    """Options accepted before or after the subcommand: --config, -q, --db and -v (the group takes
    all four, a subcommand those that mean something to it; both keep the value in ctx.meta)."""

    def decorate(command: F) -> F:
        options = [_QUIET, *([_VERBOSE] if verbose else []), _CONFIG, *([_DB] if db else [])]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _say(ctx: click.Context, text: str) -> None:
    """A message for people on stderr, unless -q."""
    if text and not ctx.meta.get(QUIET):
        click.echo(text, err=True, nl=not text.endswith("\n"))


def _split_list(values: Sequence[str]) -> tuple[str, ...] | None:
    items = tuple(item.strip() for value in values for item in value.split(",") if item.strip())
    return items or None


@contextlib.contextmanager
def _progress(show: bool, label: str = "checking") -> Iterator[tuple[Callable[[int], None], Callable[[object], None]]]:
    """Callbacks for a progress bar on stderr; rich is loaded only when the bar is shown."""
    if not show:
        yield (lambda _: None), (lambda _: None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("links", total=None)
        yield (lambda total: progress.update(task, total=total)), (lambda _: progress.advance(task))


def _project(ctx: click.Context, overrides: dict[str, Any]) -> Project:
    """The project the command runs on: the settings found from the working directory, with
    --config, --db and the command's options on top."""
    overrides = {**overrides, "history.db": _db(ctx)}
    return Project.load(config=ctx.meta.get(CONFIG), overrides=overrides)


def _db(ctx: click.Context) -> str | None:
    db: Path | None = ctx.meta.get(DB)
    return None if db is None else str(db.resolve())


def _scan_options(command: F) -> F:
    options = [
        click.option("--extensions", multiple=True, metavar="EXT[,EXT]",
                     help=_help("File extensions to read in folders.", "scan.extensions")),
        click.option("--include-path", multiple=True, metavar="GLOB", help="Only read matching files (repeatable)."),
        click.option("--exclude-path", multiple=True, metavar="GLOB", help="Never read matching paths (repeatable)."),
        click.option("--hidden/--no-hidden", default=None, help=_help("Also read hidden files and folders.",
                                                                       "scan.hidden")),
        click.option("--no-ignore", is_flag=True, default=False, help="Do not skip .gitignore'd paths."),
        click.option("--max-file-size", type=int, default=None, metavar="BYTES",
                     help=_help("Larger files are errors.", "scan.max_file_size")),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _scan_overrides(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "scan.extensions": _split_list(params["extensions"]),
        "scan.include_paths": tuple(params["include_path"]) or None,
        "scan.exclude_paths": tuple(params["exclude_path"]) or None,
        "scan.hidden": params["hidden"],
        "scan.respect_gitignore": False if params["no_ignore"] else None,
        "scan.max_file_size": params["max_file_size"],
    }


def _dead_after(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    """``--dead-after 3/3``: failing runs / distinct days; ``3`` means 3/3."""
    if value is None:
        return None
    runs, _, days = value.partition("/")
    try:
        parsed = int(runs), int(days or runs)
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected RUNS/DAYS, such as 3/3") from None
    if min(parsed) < 1:
        raise click.BadParameter(f"{value!r}: runs and days are at least 1")
    return parsed


def _dead_after_option(command: F) -> F:
    return click.option(
        "--dead-after", metavar="RUNS/DAYS", default=None, callback=_dead_after,
        help=f"A link is dead after RUNS failing runs on DAYS distinct days [default: "
             f"{_default('dead_after.failures')}/{_default('dead_after.days')}].",
    )(command)  # fmt: skip


def _dead_after_overrides(value: tuple[int, int] | None) -> dict[str, Any]:
    return {} if value is None else {"dead_after.failures": value[0], "dead_after.days": value[1]}


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(__version__, prog_name="linkkeeper")
@_shared_options(db=True, verbose=True)
def main() -> None:
    """linkkeeper: find, check, remember and repair the links in Markdown.

    \b
    linkkeeper scan docs/       every link, with its file, line and column (no network)
    linkkeeper check docs/      check them; the history remembers every answer
    linkkeeper archive docs/    find archived copies of the links that stayed dead
    linkkeeper fix docs/        rewrite those links to their archived copies
    """
    tune_for_batch_work()


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_scan_options
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@click.option(
    "--strict",
    is_flag=True,
    default=False,
    help="Exit 1 on link syntax problems (broken syntax, missing scheme, unverifiable span) or unreadable files.",
)
@_CHANGED_SINCE
@_shared_options()
@click.pass_context
def scan(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    output_format: str,
    output: Path | None,
    strict: bool,
    changed_since: str | None,
    **params: Any,
) -> None:
    """List every URL in PATHS (files, folders, '-' for stdin) with its exact place. No network."""
    report = _project(ctx, _scan_overrides(params)).scan_now(paths, changed_since=changed_since)
    rendered = scan_report.to_json(report) if output_format == "json" else scan_report.to_text(report)
    if output is not None:
        _write_output(output, rendered)
    else:
        click.echo(rendered, nl=False)
    for error in report.errors:
        click.echo(f"linkkeeper: {error.path}: {error.problem}", err=True)
    _say(ctx, scan_report.summary(report))
    if strict:
        problems = scan_report.syntax_problems(report)
        for line in problems:
            click.echo(line, err=True)
        if problems or report.errors:
            ctx.exit(1)


def _check_options(command: F) -> F:
    options = [
        click.option("--timeout", type=float, default=None, help=_help("Total seconds per request.", "check.timeout")),
        click.option("--retries", type=int, default=None,
                     help=_help("Retries for timeouts, resets, 408, 429, 5xx.", "check.retries")),
        click.option("--max-concurrency", type=int, default=None,
                     help=_help("Requests in flight over all hosts.", "check.max_concurrency")),
        click.option("--host-concurrency", type=int, default=None,
                     help=_help("Requests in flight per host.", "check.host_concurrency")),
        click.option("--user-agent", default=None, help="User-Agent header [default: a current browser's]."),
        click.option("--header", multiple=True, metavar="'NAME: VALUE'", help="Extra header for every host."),
        click.option("--resolve", multiple=True, metavar="HOST:ADDRESS", help="Resolve HOST to ADDRESS (as curl)."),
        click.option("--exclude", multiple=True, metavar="REGEX", help="Do not check matching URLs."),
        click.option("--include", multiple=True, metavar="REGEX", help="Only check matching URLs."),
        click.option("--remap", multiple=True, metavar="'REGEX REPLACEMENT'",
                     help="Check matching URLs at the replacement; report, archive and fix them as written."),
        click.option("--accept", multiple=True, metavar="CODES",
                     help=_help("Status codes meaning alive, e.g. 200-299,403.", "check.accept")),
        click.option("--exclude-private", is_flag=True, default=None, help="Refuse private and loopback addresses."),
        click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default=None,
                     help=_help("What exits 1: this run's broken/error/blocked links, or failing/dead ones over time.",
                                "check.fail_on")),
        click.option("--root", "site_root", default=None, metavar="DIR",
                     help="The site's source folder: site-relative links (/path/) are checked there on disk."),
        click.option("--base-url", default=None, metavar="URL",
                     help="The published site: site-relative links (/path/) are checked under it over HTTP."),
        click.option("--check-fragments/--no-check-fragments", default=None,
                     help=_help("Also check #fragments of web links.", "site.check_fragments")),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _check_overrides(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "check.timeout": params["timeout"],
        "check.retries": params["retries"],
        "check.max_concurrency": params["max_concurrency"],
        "check.host_concurrency": params["host_concurrency"],
        "check.user_agent": params["user_agent"],
        "check.headers": tuple(params["header"]) or None,
        "check.resolve": tuple(params["resolve"]) or None,
        "check.exclude": tuple(params["exclude"]) or None,
        "check.include": tuple(params["include"]) or None,
        "check.remap": tuple(params["remap"]) or None,
        "check.accept": _split_list(params["accept"]),
        "check.exclude_private": params["exclude_private"],
        "check.fail_on": params["fail_on"],
        "site.root": params["site_root"],
        "site.base_url": params["base_url"],
        "site.check_fragments": params["check_fragments"],
    }


def _reports_options(command: F) -> F:
    options = [
        click.option("--reports-dir", default=None, metavar="DIR",
                     help="Where the reports are written [default: .linkkeeper/reports under the project root]."),
        click.option("--report-formats", multiple=True, metavar="FMT[,FMT]",
                     help="Reports to write: md,json,html,junit,sarif, or none [default: all]."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _reports_overrides(reports_dir: str | None, report_formats: tuple[str, ...]) -> dict[str, Any]:
    """``--reports-dir`` is relative to the working directory (the setting, to the project root);
    ``--report-formats ''`` writes none, like ``none``."""
    formats = _split_list(report_formats)
    if report_formats and formats is None:
        formats = ("none",)
    return {"report.dir": None if reports_dir is None else str(Path(reports_dir).resolve()), "report.formats": formats}


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_scan_options
@_check_options
@_dead_after_option
@click.option("--offline", is_flag=True, default=False,
              help="Request nothing: local links and fragments only; web links keep a fresh cached answer "
                   "or are skipped.")  # fmt: skip
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@click.option("--no-progress", is_flag=True, default=False, help="No progress bar on stderr.")
@click.option("--no-cache", is_flag=True, default=False, help="Request every link, even ones found alive lately.")
@_CHANGED_SINCE
@_reports_options
@_shared_options(db=True, verbose=True)
@click.pass_context
def check(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    dead_after: tuple[int, int] | None,
    offline: bool,
    output_format: str,
    output: Path | None,
    no_progress: bool,
    no_cache: bool,
    reports_dir: str | None,
    report_formats: tuple[str, ...],
    changed_since: str | None,
    **params: Any,
) -> None:
    """Scan PATHS and check every unique link; exit 1 when links fail the --fail-on policy."""
    overrides = {
        **_scan_overrides(params),
        **_check_overrides(params),
        **_dead_after_overrides(dead_after),
        **_reports_overrides(reports_dir, report_formats),
    }
    project = _project(ctx, overrides)
    show_progress = not no_progress and not ctx.meta.get(QUIET) and sys.stderr.isatty()
    with _progress(show_progress) as (on_targets, on_result):
        run = project.check_now(paths, offline=offline, use_cache=not no_cache, publish=True,
                                changed_since=changed_since, on_targets=on_targets, on_result=on_result)  # fmt: skip
    for note in run.notes:
        _say(ctx, note)
    for line in run.annotations:  # GitHub's workflow commands, on stderr: never mixed with data on stdout
        click.echo(line, err=True)
    report, written, settings = run.report, run.written, project.settings
    fail_on = settings.check.fail_on
    text = check_report.to_text(report, verbose=bool(ctx.meta.get(VERBOSE)))
    if output_format == "json":
        json_report = written.get("json")  # report.json is this very document: render it once
        rendered = json_report.read_text(encoding="utf-8") if json_report else check_report.to_json(report, fail_on)
        if output is None:
            click.echo(rendered, nl=False)
        else:
            _write_output(output, rendered)
    elif output is not None:
        _write_output(output, text)
    _say(ctx, text)
    _say(ctx, _anchors_line(report, settings))
    _say(ctx, _where(list(written.values())))
    if report.network_down:
        ctx.exit(4)
    if check_report.failing_entries(report, fail_on):
        ctx.exit(1)


class _HistoryGroup(click.Group):
    """``linkkeeper history URL`` shows a URL (options before or after it); ``linkkeeper history
    prune …`` is a subcommand."""

    _TAKES_VALUE = frozenset({"--db", "--config", "--dead-after"})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        index = 0
        while index < len(args):
            arg = args[index]
            if arg == "--":
                break
            if arg in self._TAKES_VALUE:
                index += 2
                continue
            if not arg.startswith("-"):
                if arg not in self.commands:
                    args = [*args[:index], "show", *args[index:]]
                break
            index += 1
        return super().parse_args(ctx, args)


@main.group(cls=_HistoryGroup, invoke_without_command=True)
@click.option("--failing", is_flag=True, default=False, help="List the links failing now, and for how long.")
@_dead_after_option
@_shared_options(db=True)
@click.pass_context
def history(ctx: click.Context, /, failing: bool, dead_after: tuple[int, int] | None) -> None:
    """What the history knows: `history URL`, `history --failing`, `history prune --older-than 180d`."""
    ctx.meta[DEAD_AFTER] = dead_after
    if ctx.invoked_subcommand is not None:
        return
    project = _project(ctx, _dead_after_overrides(dead_after))
    settings = project.settings
    store = project.open_history(read_only=True)
    if store is None:
        click.echo(project.no_history())
        return
    with store:
        if failing:
            click.echo(history_report.failing_text(store.failing(), settings.dead_after), nl=False)
            return
        click.echo(history_report.runs_text(store.runs()), nl=False)


@history.command("show")
@click.argument("url")
@_shared_options(db=True)
@click.pass_context
def history_show(ctx: click.Context, /, url: str) -> None:
    """A URL's checks over time, when it started failing, and where it appears."""
    project = _project(ctx, _dead_after_overrides(ctx.meta.get(DEAD_AFTER)))
    settings = project.settings
    store = project.open_history(read_only=True)
    if store is None:
        raise InputError(f"{url}: not in the history; {project.no_history()}")
    with store:
        state = store.state(url)
        if state is None:  # kept under its canonical spelling: HTTP://Example.COM is http://example.com/
            url = canonical_url(url)
            state = store.state(url)
        if state is None:
            raise InputError(f"{url}: not in the history")
        click.echo(
            history_report.url_text(url, state, store.checks(url), store.seen_at(url), settings.dead_after), nl=False
        )


@history.command("prune")
@click.option("--older-than", required=True, metavar="DURATION", help="e.g. 180d: delete runs started before then.")
@_shared_options(db=True)
@click.pass_context
def history_prune(ctx: click.Context, /, older_than: str) -> None:
    """Delete old runs and their checks; every link's state stays right."""
    try:
        age = parse_duration(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from exc
    project = _project(ctx, {})
    store = project.open_history(existing=True)
    if store is None:
        click.echo(f"nothing to prune: {project.no_history()}")
        return
    with store:
        removed = store.prune(datetime.now(UTC) - timedelta(seconds=age))
    click.echo(", ".join(f"{count} {name}" for name, count in removed.items()) + " removed")


def _anchors_line(report: RunReport, settings: Settings) -> str:
    """``anchors: jekyll (from _config.yml)``: the heading-anchor style local #fragments were
    judged by, and why; nothing when no fragment of a local page was checked."""
    if not fragments_checked(report.entries):
        return ""
    style, reason = resolve_style(settings.site.anchor_style, settings.site.root)
    return f"anchors: {style} ({reason})"


def _where(written: Sequence[Path]) -> str:
    if not written:
        return ""
    folder = os.path.relpath(written[0].parent)
    return f"reports: {folder}{os.sep} ({', '.join(path.name for path in written)})"


@main.command()
@click.option("--run", "run_id", type=int, default=None, help="The run to render [default: the last complete one].")
@_reports_options
@click.option("--format", "output_format", type=click.Choice(["none", "text", "md", "json"]), default="text",
              help="What to print on stdout.")  # fmt: skip
@_dead_after_option
@_shared_options(db=True)
@click.pass_context
def report(
    ctx: click.Context,
    /,
    run_id: int | None,
    reports_dir: str | None,
    report_formats: tuple[str, ...],
    output_format: str,
    dead_after: tuple[int, int] | None,
) -> None:
    """Re-render the last run (or --run ID) from the history, without the network."""
    overrides = {**_reports_overrides(reports_dir, report_formats), **_dead_after_overrides(dead_after)}
    project = _project(ctx, overrides)
    rebuilt, files = project.report_now(run_id)
    fail_on = project.settings.check.fail_on
    written = list(files.values())
    if output_format == "text":
        click.echo(check_report.to_text(rebuilt), nl=False)
    elif output_format == "md":
        click.echo(markdown_report.to_markdown(rebuilt), nl=False)
    elif output_format == "json":
        click.echo(check_report.to_json(rebuilt, fail_on), nl=False)
    _say(ctx, _where(written))


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_scan_options
@_dead_after_option
@click.option("--include-failing", is_flag=True, default=False, help="Also look up links failing but not dead yet.")
@click.option("--save", is_flag=True, default=False, help="Ask Save Page Now to archive live links (needs keys).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@click.option("--no-progress", is_flag=True, default=False, help="No progress bar on stderr.")
@_shared_options(db=True)
@click.pass_context
def archive(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    dead_after: tuple[int, int] | None,
    include_failing: bool,
    save: bool,
    output_format: str,
    output: Path | None,
    no_progress: bool,
    **params: Any,
) -> None:
    """Find verified Wayback snapshots for the dead links in PATHS (judged by earlier `check` runs)."""
    project = _project(ctx, {**_scan_overrides(params), **_dead_after_overrides(dead_after)})
    settings = project.settings
    per_minute = settings.wayback.cdx_per_minute
    show_progress = not no_progress and not ctx.meta.get(QUIET) and sys.stderr.isatty()
    with _progress(show_progress, f"looking up ({per_minute} lookups/min)") as (on_total, on_done):
        report = project.archive_now(paths, include_failing=include_failing, save=save, on_total=on_total,
                                     on_progress=on_done)  # fmt: skip
    if report is None:
        _say(ctx, f"nothing to look up: {project.no_history()}; {history_report.dead_rule(settings.dead_after)}")
        return
    text = archive_report.to_text(report, settings.dead_after)
    if output_format == "json":
        rendered = archive_report.to_json(report)
        if output is None:
            click.echo(rendered, nl=False)
        else:
            _write_output(output, rendered)
        _say(ctx, text)
    elif output is not None:
        _write_output(output, text)
        _say(ctx, text)
    else:
        click.echo(text, nl=False)
    if report.network_down:
        ctx.exit(4)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_scan_options
@_dead_after_option
@click.option("--style", type=click.Choice(FIX_STYLES), default=None,
              help=_help("replace: the link becomes its archived copy; annotate: an archived link is added.",
                         "fix.style"))  # fmt: skip
@click.option("--include-failing", is_flag=True, default=False, help="Also rewrite failing links (not yet dead).")
@click.option("--redirects", is_flag=True, default=False, help="Also update permanent redirects to their final URL.")
@click.option(
    "--include-drifted", is_flag=True, default=False,
    help="Also rewrite drifted links (alive, no longer the page cited) to their cited copies.",
)  # fmt: skip
@click.option(
    "--malformed", is_flag=True, default=False, help="Also correct malformed URLs (https:/host) as browsers read them."
)
@click.option("--diff", "show_diff", is_flag=True, default=False, help="Print a unified diff; write nothing.")
@click.option(
    "--check", "check_only", is_flag=True, default=False, help="Write nothing; exit 1 when fixes are pending."
)
@_shared_options(db=True)
@click.pass_context
def fix(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    dead_after: tuple[int, int] | None,
    style: str | None,
    include_failing: bool,
    redirects: bool,
    include_drifted: bool,
    malformed: bool,
    show_diff: bool,
    check_only: bool,
    **params: Any,
) -> None:
    """Rewrite dead links in PATHS to their verified archived copies, changing nothing else."""
    overrides = {**_scan_overrides(params), **_dead_after_overrides(dead_after), "fix.style": style}
    project = _project(ctx, overrides)
    settings = project.settings
    write = not (show_diff or check_only)
    result = project.fix_now(paths, write=write, include_failing=include_failing, redirects=redirects,
                             malformed=malformed, include_drifted=include_drifted)  # fmt: skip
    if result.without_history and not malformed:  # nothing can be dead; the paths were still read
        _say(ctx, f"nothing to rewrite: {project.no_history()}; {history_report.dead_rule(settings.dead_after)}")
        return
    if show_diff:
        click.echo("".join(file.diff for file in result.files), nl=False)
    _say(ctx, fix_report.to_text(result, written=write, policy=settings.dead_after))
    if check_only and result.pending:
        ctx.exit(1)
    if any(file.problem for file in result.files):
        ctx.exit(4)


@main.command("config")
@click.option("--reference", is_flag=True, default=False, help="Print the reference config.toml (all defaults).")
@click.option(
    "--from",
    "peer",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Print the linkkeeper.toml equivalent to a lychee.toml or a markdown-link-check .json file.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@_shared_options()
@click.pass_context
def show_config(ctx: click.Context, /, reference: bool, peer: Path | None, output: Path | None) -> None:
    """Print the effective settings as TOML, each with where its value came from."""
    if reference:
        click.echo(reference_config(), nl=False)
        return
    if peer is not None:
        from linkkeeper.migrate import read_peer_config, to_toml

        migration = read_peer_config(peer)
        text = to_toml(migration)
        if output is None:
            click.echo(text, nl=False)
        else:
            _write_output(output, text)
        converted = len(migration.settings) + sum(len(table) for table in migration.hosts.values())
        _say(
            ctx,
            f"{converted} setting(s) converted; {len(migration.left)} option(s) not carried over (listed at the end)",
        )
        return
    project = _project(ctx, {})
    settings, sources = project.settings, project.sources
    section = None
    for key in setting_keys():
        key_section, name = key.split(".", 1)
        if key_section != section:
            click.echo(("\n" if section else "") + f"[{key_section}]")
            section = key_section
        value = to_toml_value(setting_value(settings, key))
        if key == "check.proxy":  # a proxy URL may hold a password
            value = to_toml_value(redact_proxy_url(settings.check.proxy))
        click.echo(f"{name} = {value}  # {sources[key]} (env {env_name(key)})")


def _write_output(path: Path, text: str) -> None:
    """``--output``: written in place (it may be /dev/stdout or a pipe), its failure said in words;
    its folder must exist."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(path, exc) from exc


def run() -> None:  # pragma: no cover - the console script's entry point
    sys.exit(main())

"""The command line: options become Settings, one library call, and one place for exit codes."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from linkkeeper import __version__
from linkkeeper.check.guard import parse_resolve
from linkkeeper.check.hosts import github_token, parse_headers
from linkkeeper.config import (
    FAIL_ON_CHOICES,
    FIX_STYLES,
    Settings,
    env_name,
    load_settings,
    parse_duration,
    reference_config,
    setting_keys,
    setting_value,
    to_toml_value,
)
from linkkeeper.errors import ConfigError, InputError, LinkkeeperError, OutputError
from linkkeeper.history import History
from linkkeeper.models import RunReport
from linkkeeper.pipeline import (
    history_path,
    own_output,
    rebuild_report,
    report_places,
    run_archive,
    run_check,
    run_fix,
)
from linkkeeper.report import archive as archive_report
from linkkeeper.report import check as check_report
from linkkeeper.report import fix as fix_report
from linkkeeper.report import history as history_report
from linkkeeper.report import markdown as markdown_report
from linkkeeper.report import scan as scan_report
from linkkeeper.report import write_reports
from linkkeeper.report.github import annotation_lines, run_url, running_in_actions, step_summary
from linkkeeper.report.html import RunSummary
from linkkeeper.runtime import tune_for_batch_work
from linkkeeper.scan import scan_paths

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Turns every ``LinkkeeperError`` into its message on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LinkkeeperError as exc:
            click.echo(f"linkkeeper: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _split_list(values: Sequence[str]) -> tuple[str, ...] | None:
    items = tuple(item.strip() for value in values for item in value.split(",") if item.strip())
    return items or None


@contextlib.contextmanager
def _progress(show: bool) -> Iterator[tuple[Callable[[int], None], Callable[[object], None]]]:
    """Callbacks for a progress bar on stderr; rich is loaded only when the bar is shown."""
    if not show:
        yield (lambda _: None), (lambda _: None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("links", total=None)
        yield (lambda total: progress.update(task, total=total)), (lambda _: progress.advance(task))


def _settings(ctx: click.Context, overrides: dict[str, Any]) -> tuple[Settings, dict[str, str]]:
    config_path: Path | None = ctx.find_root().params.get("config_path")
    return load_settings(cwd=Path.cwd(), config_path=config_path, overrides=overrides)


def _scan_options(command: F) -> F:
    options = [
        click.option("--extensions", multiple=True, metavar="EXT[,EXT]", help="File extensions to read in folders."),
        click.option("--include-path", multiple=True, metavar="GLOB", help="Only read matching files (repeatable)."),
        click.option("--exclude-path", multiple=True, metavar="GLOB", help="Never read matching paths (repeatable)."),
        click.option("--hidden/--no-hidden", default=None, help="Also read hidden files and folders."),
        click.option("--no-ignore", is_flag=True, default=False, help="Do not skip .gitignore'd paths."),
        click.option("--max-file-size", type=int, default=None, metavar="BYTES", help="Larger files are errors."),
    ]
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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linkkeeper")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Configuration file (default: linkkeeper.toml, config.toml [linkkeeper], pyproject.toml).",
)
def main(config_path: Path | None) -> None:
    """linkkeeper: find, check, remember and repair the links in Markdown."""
    tune_for_batch_work()


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_scan_options
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@click.option(
    "--strict",
    is_flag=True,
    default=False,
    help="Exit 1 on link syntax problems (broken syntax, missing scheme, unverifiable span) or unreadable files.",
)
@click.pass_context
def scan(
    ctx: click.Context, /, paths: tuple[str, ...], output_format: str, output: Path | None, strict: bool, **params: Any
) -> None:
    """List every URL in PATHS (files, folders, '-' for stdin) with its exact place. No network."""
    settings, _ = _settings(ctx, _scan_overrides(params))
    report = scan_paths(paths, settings.scan, own_output(settings, Path.cwd()))
    rendered = scan_report.to_json(report) if output_format == "json" else scan_report.to_text(report)
    if output is not None:
        _write_output(output, rendered)
    else:
        click.echo(rendered, nl=False)
    for error in report.errors:
        click.echo(f"linkkeeper: {error.path}: {error.problem}", err=True)
    click.echo(scan_report.summary(report), err=True)
    if strict:
        problems = scan_report.syntax_problems(report)
        for line in problems:
            click.echo(line, err=True)
        if problems or report.errors:
            ctx.exit(1)


def _check_options(command: F) -> F:
    options = [
        click.option("--timeout", type=float, default=None, help="Total seconds per request."),
        click.option("--retries", type=int, default=None, help="Retries for timeouts, resets, 408, 429, 5xx."),
        click.option("--max-concurrency", type=int, default=None, help="Requests in flight over all hosts."),
        click.option("--host-concurrency", type=int, default=None, help="Requests in flight per host."),
        click.option("--user-agent", default=None, help="User-Agent header."),
        click.option("--header", multiple=True, metavar="'NAME: VALUE'", help="Extra header for every host."),
        click.option("--resolve", multiple=True, metavar="HOST:ADDRESS", help="Resolve HOST to ADDRESS (as curl)."),
        click.option("--exclude", multiple=True, metavar="REGEX", help="Do not check matching URLs."),
        click.option("--include", multiple=True, metavar="REGEX", help="Only check matching URLs."),
        click.option("--accept", multiple=True, metavar="CODES", help="Status codes meaning alive, e.g. 200-299,403."),
        click.option("--exclude-private", is_flag=True, default=None, help="Refuse private and loopback addresses."),
        click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default=None, help="Outcomes that exit 1."),
    ]
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
        "check.accept": _split_list(params["accept"]),
        "check.exclude_private": params["exclude_private"],
        "check.fail_on": params["fail_on"],
    }


def _db_option(command: F) -> F:
    option = click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="History database (default: .linkkeeper/history.sqlite under the project root).",
    )
    return option(command)


def _db(db: Path | None) -> str | None:
    return None if db is None else str(db.resolve())


def _reports_options(command: F) -> F:
    options = [
        click.option(
            "--reports-dir",
            default=None,
            metavar="DIR",
            help="Where the reports are written (default: .linkkeeper/reports under the project root).",
        ),
        click.option(
            "--report-formats",
            multiple=True,
            metavar="FMT[,FMT]",
            help="Reports to write: md,json,html,junit,sarif (default: all), or none.",
        ),
    ]
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
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@click.option("--no-progress", is_flag=True, default=False, help="No progress bar on stderr.")
@click.option("--no-cache", is_flag=True, default=False, help="Request every link, even ones found alive lately.")
@_reports_options
@_db_option
@click.pass_context
def check(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    output_format: str,
    output: Path | None,
    no_progress: bool,
    no_cache: bool,
    reports_dir: str | None,
    report_formats: tuple[str, ...],
    db: Path | None,
    **params: Any,
) -> None:
    """Scan PATHS and check every unique link; exit 1 when links fail the --fail-on policy."""
    overrides = {
        **_scan_overrides(params),
        **_check_overrides(params),
        "history.db": _db(db),
        **_reports_overrides(reports_dir, report_formats),
    }
    settings, _ = _settings(ctx, overrides)
    _validate_check(settings)
    show_progress = not no_progress and sys.stderr.isatty()
    with (
        _progress(show_progress) as (on_targets, on_result),
        History.open(history_path(settings, Path.cwd())) as history,
    ):
        report = run_check(
            paths, settings, history=history, use_cache=not no_cache, on_targets=on_targets, on_result=on_result
        )
        summaries = history.run_summaries(settings.report.history_runs)
    fail_on = settings.check.fail_on
    written = _publish(report, settings, summaries)
    if output_format == "json":
        json_report = written.get("json")  # report.json is this very document: render it once
        rendered = json_report.read_text(encoding="utf-8") if json_report else check_report.to_json(report, fail_on)
    else:
        rendered = check_report.to_text(report)
    if output is not None:
        _write_output(output, rendered)
        click.echo(check_report.to_text(report), err=True, nl=False)
    elif output_format == "json":
        click.echo(rendered, nl=False)
    else:
        click.echo(rendered, err=True, nl=False)
    _say_where(list(written.values()))
    if report.network_down:
        ctx.exit(4)
    if check_report.failing_entries(report, fail_on):
        ctx.exit(1)


class _HistoryGroup(click.Group):
    """``linkkeeper history URL`` shows a URL; ``linkkeeper history prune …`` is a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["show", *args]
        return super().parse_args(ctx, args)


@main.group(cls=_HistoryGroup, invoke_without_command=True)
@click.option("--failing", is_flag=True, default=False, help="List the links failing now, and for how long.")
@_db_option
@click.pass_context
def history(ctx: click.Context, /, failing: bool, db: Path | None) -> None:
    """What the history knows: `history URL`, `history --failing`, `history prune --older-than 180d`."""
    ctx.obj = db
    if ctx.invoked_subcommand is not None:
        return
    settings, _ = _settings(ctx, {"history.db": _db(db)})
    with History.open(history_path(settings, Path.cwd())) as store:
        if failing:
            click.echo(history_report.failing_text(store.failing(), settings.dead_after, datetime.now(UTC)), nl=False)
            return
        click.echo(history_report.runs_text(store.runs()), nl=False)


@history.command("show")
@click.argument("url")
@click.pass_context
def history_show(ctx: click.Context, /, url: str) -> None:
    """A URL's checks over time, when it started failing, and where it appears."""
    settings, _ = _settings(ctx, {"history.db": _db(ctx.obj)})
    with History.open(history_path(settings, Path.cwd())) as store:
        state = store.state(url)
        if state is None:
            raise InputError(f"{url}: not in the history")
        click.echo(
            history_report.url_text(url, state, store.checks(url), store.seen_at(url), settings.dead_after), nl=False
        )


@history.command("prune")
@click.option("--older-than", required=True, metavar="DURATION", help="e.g. 180d: delete runs started before then.")
@click.pass_context
def history_prune(ctx: click.Context, /, older_than: str) -> None:
    """Delete old runs and their checks; every link's state stays right."""
    try:
        age = parse_duration(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from exc
    settings, _ = _settings(ctx, {"history.db": _db(ctx.obj)})
    with History.open(history_path(settings, Path.cwd())) as store:
        removed = store.prune(datetime.now(UTC) - timedelta(seconds=age))
    click.echo(", ".join(f"{count} {name}" for name, count in removed.items()) + " removed")


def _publish(report: RunReport, settings: Settings, summaries: Sequence[RunSummary]) -> dict[str, Path]:
    """Write the report files and, under GitHub Actions, the annotations (on stderr, never mixed
    with data on stdout) and the job summary; returns the files written, by format."""
    fail_on = settings.check.fail_on
    formats = settings.report.written
    places = report_places(settings, Path.cwd())
    written = dict(zip(formats, write_reports(report, places, formats, fail_on, summaries), strict=True))
    if not running_in_actions(os.environ):
        return written
    if settings.report.annotations:
        options = settings.report
        for line in annotation_lines(report, fail_on, options.annotations_errors, options.annotations_warnings):
            click.echo(line, err=True)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        _append_summary(Path(summary), markdown_report.to_markdown(report), settings.report.summary_max_bytes)
    return written


def _append_summary(path: Path, markdown: str, max_bytes: int) -> None:
    """Append to the job summary what still fits in this step's budget (others may have written)."""
    try:
        used = path.stat().st_size if path.exists() else 0
        with path.open("a", encoding="utf-8") as stream:
            stream.write(step_summary(markdown, max_bytes - used, run_url(os.environ)))
    except OSError as exc:
        raise OutputError(path, exc) from exc


def _say_where(written: Sequence[Path]) -> None:
    if written:
        folder = os.path.relpath(written[0].parent)
        click.echo(f"reports: {folder}{os.sep} ({', '.join(path.name for path in written)})", err=True)


@main.command()
@click.option("--run", "run_id", type=int, default=None, help="The run to render (default: the last complete one).")
@_reports_options
@click.option("--format", "output_format", type=click.Choice(["none", "text", "md", "json"]), default="text",
              show_default=True, help="What to print on stdout.")  # fmt: skip
@_db_option
@click.pass_context
def report(
    ctx: click.Context,
    /,
    run_id: int | None,
    reports_dir: str | None,
    report_formats: tuple[str, ...],
    output_format: str,
    db: Path | None,
) -> None:
    """Re-render the last run (or --run ID) from the history, without the network."""
    overrides = {"history.db": _db(db), **_reports_overrides(reports_dir, report_formats)}
    settings, _ = _settings(ctx, overrides)
    with History.open(history_path(settings, Path.cwd())) as store:
        rebuilt = rebuild_report(store, settings, run_id)
        summaries = store.run_summaries(settings.report.history_runs)
    fail_on = settings.check.fail_on
    places = report_places(settings, Path.cwd())
    _say_where(write_reports(rebuilt, places, settings.report.written, fail_on, summaries))
    if output_format == "text":
        click.echo(check_report.to_text(rebuilt), nl=False)
    elif output_format == "md":
        click.echo(markdown_report.to_markdown(rebuilt), nl=False)
    elif output_format == "json":
        click.echo(check_report.to_json(rebuilt, fail_on), nl=False)


def _validate_check(settings: Settings) -> None:
    """Settings whose values have a syntax of their own, checked before any request."""
    header_sets = {"check.headers": settings.check.headers}
    header_sets |= {f"check.hosts.{host}.headers": table.headers for host, table in settings.check.hosts.items()}
    for key, lines in header_sets.items():
        try:
            parse_headers(lines, os.environ)
        except ValueError as exc:
            raise ConfigError("environment", key, str(exc)) from exc
    try:
        github_token(settings.check, os.environ)
    except ValueError as exc:
        raise ConfigError("environment", "check.github_token_env", str(exc)) from exc
    try:
        parse_resolve(settings.check.resolve)
    except ValueError as exc:
        raise ConfigError("settings", "check.resolve", f"{exc}") from exc
    for key, patterns in (("check.exclude", settings.check.exclude), ("check.include", settings.check.include)):
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError("settings", key, f"{pattern!r} is not a regular expression: {exc}") from exc
    if settings.check.fail_on not in FAIL_ON_CHOICES:
        raise ConfigError("settings", "check.fail_on", f"expected one of {', '.join(FAIL_ON_CHOICES)}")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_scan_options
@click.option("--include-failing", is_flag=True, default=False, help="Also look up links failing but not dead yet.")
@click.option("--save", is_flag=True, default=False, help="Ask Save Page Now to archive live links (needs keys).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@_db_option
@click.pass_context
def archive(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    include_failing: bool,
    save: bool,
    output_format: str,
    output: Path | None,
    db: Path | None,
    **params: Any,
) -> None:
    """Find verified Wayback snapshots for the dead links in PATHS (judged by earlier `check` runs)."""
    settings, _ = _settings(ctx, {**_scan_overrides(params), "history.db": _db(db)})
    from linkkeeper.archive.save import keys_from  # the archive modules load only for this command

    keys = keys_from(os.environ) if save else None
    with History.open(history_path(settings, Path.cwd())) as store:
        report = run_archive(paths, settings, store, include_failing=include_failing, save_keys=keys)
    rendered = archive_report.to_json(report) if output_format == "json" else archive_report.to_text(report)
    if output is not None:
        _write_output(output, rendered)
        click.echo(archive_report.to_text(report), err=True, nl=False)
    else:
        click.echo(rendered, nl=False)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_scan_options
@click.option("--style", type=click.Choice(FIX_STYLES), default=None, help="replace (default) or annotate.")
@click.option("--include-failing", is_flag=True, default=False, help="Also rewrite failing links (not yet dead).")
@click.option("--redirects", is_flag=True, default=False, help="Also update permanent redirects to their final URL.")
@click.option("--diff", "show_diff", is_flag=True, default=False, help="Print a unified diff; write nothing.")
@click.option(
    "--check", "check_only", is_flag=True, default=False, help="Write nothing; exit 1 when fixes are pending."
)
@_db_option
@click.pass_context
def fix(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    style: str | None,
    include_failing: bool,
    redirects: bool,
    show_diff: bool,
    check_only: bool,
    db: Path | None,
    **params: Any,
) -> None:
    """Rewrite dead links in PATHS to their verified archived copies, changing nothing else."""
    settings, _ = _settings(ctx, {**_scan_overrides(params), "history.db": _db(db), "fix.style": style})
    write = not (show_diff or check_only)
    with History.open(history_path(settings, Path.cwd())) as store:
        result = run_fix(paths, settings, store, include_failing=include_failing, redirects=redirects, write=write)
    if show_diff:
        click.echo("".join(file.diff for file in result.files), nl=False)
    click.echo(fix_report.to_text(result, written=write), err=True, nl=False)
    if check_only and result.pending:
        ctx.exit(1)
    if any(file.problem for file in result.files):
        ctx.exit(4)


@main.command("config")
@click.option("--reference", is_flag=True, default=False, help="Print the reference config.toml (all defaults).")
@click.pass_context
def show_config(ctx: click.Context, /, reference: bool) -> None:
    """Print the effective settings as TOML, each with where its value came from."""
    if reference:
        click.echo(reference_config(), nl=False)
        return
    settings, sources = _settings(ctx, {})
    section = None
    for key in setting_keys():
        key_section, name = key.split(".", 1)
        if key_section != section:
            click.echo(("\n" if section else "") + f"[{key_section}]")
            section = key_section
        value = to_toml_value(setting_value(settings, key))
        click.echo(f"{name} = {value}  # {sources[key]} (env {env_name(key)})")


def _write_output(path: Path, text: str) -> None:
    """``--output``: written in place (it may be /dev/stdout or a pipe), its failure said in words."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(path, exc) from exc


def run() -> None:  # pragma: no cover - the console script's entry point
    sys.exit(main())

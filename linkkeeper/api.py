"""The common case in one call: ``linkkeeper.check``, ``linkkeeper.acheck``, ``linkkeeper.scan``.

Each builds a ``Project`` as the command line does — the settings file, ``LINKKEEPER_*``
variables, the ignore files, the history in ``.linkkeeper/`` — so a link ``check`` found alive is
not asked again, within the cache's age, by ``acheck`` or by ``linkkeeper check``. Settings are
given as keyword arguments: ``timeout=5`` (a name of the ``[check]`` table, or of another table
when only one has it) or ``scan__hidden=True`` (``section__name``). No report file is written;
``Project.check_now(..., publish=True)`` writes them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from linkkeeper.config import setting_keys
from linkkeeper.models import RunReport, ScanReport
from linkkeeper.project import Project

__all__ = ["acheck", "ascan", "check", "scan"]

PathLike = str | os.PathLike[str]


def _settings_overrides(given: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments -> dotted setting keys; a TypeError names an unknown one."""
    known = setting_keys()
    overrides: dict[str, Any] = {}
    for name, value in given.items():
        if "__" in name:
            key = name.replace("__", ".", 1)
        else:
            candidates = sorted(key for key in known if key.rsplit(".", 1)[-1] == name)
            key = f"check.{name}" if f"check.{name}" in candidates else (candidates[0] if len(candidates) == 1 else "")
            if not key and candidates:
                raise TypeError(f"{name!r} is a setting of several tables; say which: {', '.join(candidates)}")
        if key not in known:
            raise TypeError(f"unknown setting {name!r}; see `linkkeeper config` for the settings")
        overrides[key] = list(value) if isinstance(value, tuple) else value
    return overrides


def _paths(paths: PathLike | Sequence[PathLike]) -> list[str]:
    if isinstance(paths, str | os.PathLike):
        return [os.fspath(paths)]
    return [os.fspath(path) for path in paths]


def _project(root: PathLike | None, config: PathLike | None, overrides: dict[str, Any]) -> Project:
    return Project.load(root, config=config, overrides=_settings_overrides(overrides), overrides_source="arguments")


def _refuse_inside_a_loop(name: str, instead: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        f"linkkeeper.{name}() cannot run inside a running event loop (it would block it); "
        f"use `await linkkeeper.{instead}(...)` there"
    )


def check(
    paths: PathLike | Sequence[PathLike],
    *,
    root: PathLike | None = None,
    config: PathLike | None = None,
    offline: bool = False,
    use_cache: bool = True,
    **overrides: Any,
) -> RunReport:
    """Check every link in ``paths`` (files or folders, relative to the working directory) and
    return the run's report: ``report.links`` has, per link as written, its outcome and places.
    ``root`` is the project's root (default: the git work tree's top). ``offline`` asks nothing
    (a web link gets its fresh answer from the history, or is skipped); ``use_cache=False`` asks
    every link again. Inside a running event loop, use ``await acheck(...)``."""
    _refuse_inside_a_loop("check", "acheck")
    project = _project(root, config, overrides)
    return project.check_now(_paths(paths), offline=offline, use_cache=use_cache).report


async def acheck(
    paths: PathLike | Sequence[PathLike],
    *,
    root: PathLike | None = None,
    config: PathLike | None = None,
    offline: bool = False,
    use_cache: bool = True,
    **overrides: Any,
) -> RunReport:
    """``check``, awaited: the work runs in a worker thread, so the caller's loop never waits on it."""
    project = await asyncio.to_thread(_project, root, config, overrides)
    run = await project.check(_paths(paths), offline=offline, use_cache=use_cache)
    return run.report


def scan(
    paths: PathLike | Sequence[PathLike],
    *,
    root: PathLike | None = None,
    config: PathLike | None = None,
    **overrides: Any,
) -> ScanReport:
    """Every link in ``paths`` with its place (``report.occurrences``: path, 1-based line and
    column, the URL, its kind), never inside code; no network. Safe inside an event loop (it only
    reads files), though ``ascan`` keeps a loop free while a large tree is read."""
    return _project(root, config, overrides).scan_now(_paths(paths))


async def ascan(
    paths: PathLike | Sequence[PathLike],
    *,
    root: PathLike | None = None,
    config: PathLike | None = None,
    **overrides: Any,
) -> ScanReport:
    """``scan``, awaited, in a worker thread."""
    project = await asyncio.to_thread(_project, root, config, overrides)
    return await project.scan(_paths(paths))

"""Relative links as documentation writes them: './', '../' to any depth, folders through their
index, encoded and bracketed names, '?query', links out of the repository, standard input, and a
property test over random trees. Every check is on disk (no network)."""

from __future__ import annotations

import json
import os
import string
import tempfile
from pathlib import Path

import hypothesis.strategies as st
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from linkkeeper.cli import main
from linkkeeper.config import Settings
from linkkeeper.local import slugify
from linkkeeper.models import Entry, ErrorKind, Outcome
from linkkeeper.pipeline import run_check
from tests.conftest import fast_config
from tests.fakeweb import FakeWeb


def check(paths: list[str]) -> dict[str, Entry]:
    """Each link's entry, by its text."""
    report = run_check(paths, Settings(), environ={})
    return {occ.text: entry for entry in report.entries for occ in entry.target.occurrences}


def tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_every_relative_form(workdir: Path) -> None:
    """Alive: '../' to any depth, './', folders through index.md or README.md, %20 and <spaces>,
    '?plain=1', '../' with a heading. Broken: a wrong case, a missing file, a missing fragment after
    '../' (broken-fragment), and a link out of the repository (said so)."""
    (workdir / ".git").mkdir()
    tree(workdir, {
        "README.md": "# Top\n", "docs/index.md": "# Docs\n", "docs/guide.md": "# Guide\n\n## Set up\n",
        "docs/my page.md": "# Mine\n", "img/a.png": "", "docs/sub/README.md": "# Sub\n",
        "docs/api/reference.md": (
            "[index](../index.md) [guide](../guide.md#set-up) [img](../../img/a.png) [top](../../README.md) "
            "[docs](../) [here](./reference.md) [sub](../sub/) [encoded](../my%20page.md) "
            "[bracketed](<../my page.md>) [query](../guide.md?plain=1) [dot](.././guide.md)\n\n"
            "[case](../Guide.md) [missing](../nope.md) [fragment](../guide.md#nope) [out](../../../outside.md) "
            "[no-folder](../nofolder/) [no-encoded](../no%20page.md) [no-bracketed](<../no page.md>) "
            "[no-query](../nope.md?plain=1) [no-dot](./nope.md) [deep-fragment](../../README.md#nope)\n"
        ),
    })  # fmt: skip
    found = check(["docs"])
    alive = ["index", "guide", "img", "top", "docs", "here", "sub", "encoded", "bracketed", "query", "dot"]
    assert {text: found[text].result.outcome for text in alive} == dict.fromkeys(alive, Outcome.ALIVE)
    assert found["case"].result.error_kind is ErrorKind.CASE_MISMATCH
    missing = ["missing", "no-folder", "no-encoded", "no-bracketed", "no-query", "no-dot"]
    assert {text: found[text].result.error_kind for text in missing} == dict.fromkeys(missing, ErrorKind.MISSING_FILE)
    assert found["deep-fragment"].result.outcome is Outcome.BROKEN_FRAGMENT
    assert found["fragment"].result.outcome is Outcome.BROKEN_FRAGMENT
    out = found["out"].result
    assert out.outcome is Outcome.BROKEN and out.error.startswith("leaves the repository")


def test_a_second_check_finds_the_same_links_and_never_its_own_report(workdir: Path, fakeweb: FakeWeb) -> None:
    """check twice in a project without a .gitignore: the second run does not read the reports
    folder the first one wrote (the report's URLs became links "in the docs", in the history)."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb))
    tree(workdir, {"docs/a.md": f"[gone](missing.md) [fine](a.md) <{fakeweb.url(0, '/status/404')}>\n"})
    command = ["check", "--no-progress", "--reports-dir", "reports", "--format", "json", "."]
    runs = [CliRunner().invoke(main, command) for _ in range(2)]
    assert (workdir / "reports" / "report.md").is_file()
    places = [
        sorted((t["url"], o["path"]) for t in json.loads(run.stdout)["targets"] for o in t["occurrences"])
        for run in runs
    ]
    assert places[0] == places[1] and {path for _, path in places[1]} == {"docs/a.md"}
    named = CliRunner().invoke(main, ["scan", "reports"])  # named explicitly, the folder is read
    assert named.output.startswith("reports/report.md:")


def test_an_anchor_in_standard_input_is_checked_against_its_own_text(workdir: Path) -> None:
    """'#title' piped in is alive when the piped text has that heading; it was "no such file: <stdin>"."""
    result = CliRunner().invoke(
        main, ["check", "--no-progress", "--format", "json", "-"], input="# Title\n\n[x](#title) [y](#nope)\n"
    )
    outcomes = {t["url"]: t["outcome"] for t in json.loads(result.stdout)["targets"]}
    assert outcomes == {"<stdin>#title": "alive", "<stdin>#nope": "broken-fragment"}


def test_reports_show_a_local_link_as_written(workdir: Path) -> None:
    """The summary shows 'img/nope.png', as the file has it, with the resolved path beside it."""
    tree(workdir, {"docs/a.md": "![x](img/nope.png)\n"})
    result = CliRunner().invoke(main, ["check", "--no-progress", "docs"])
    assert "docs/a.md:1:6  -  img/nope.png (docs/img/nope.png)  no such file" in result.output
    assert "| img/nope.png (docs/img/nope.png) |" in (workdir / ".linkkeeper" / "reports" / "report.md").read_text()


_NAME = st.text(string.ascii_lowercase, min_size=1, max_size=6)


@st.composite
def trees(draw: st.DrawFn) -> dict[str, str]:
    """Markdown files (and folders with an index.md) at random depths, each with one heading."""
    folders = draw(st.lists(st.lists(_NAME, min_size=0, max_size=3).map("/".join), min_size=1, max_size=4))
    paths = {f"{folder}/{draw(_NAME)}.md".lstrip("/") for folder in folders}
    paths |= {f"{folder}/index.md".lstrip("/") for folder in folders if folder and draw(st.booleans())}
    return {path: f"# Heading {draw(_NAME)}\n" for path in sorted(paths)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=trees(), data=st.data())
def test_relative_links_between_random_files_resolve(workdir: Path, files: dict[str, str], data: st.DataObject) -> None:
    """Every file links to every other with the path os.path.relpath gives (sometimes './'-prefixed,
    through a folder's index, or with a heading's slug): all alive. Then one target is deleted or
    renamed in case: every link to it is broken."""
    root = Path(tempfile.mkdtemp(dir=workdir))
    (root / ".git").mkdir()
    tree(root, files)
    links: dict[str, list[str]] = {}  # target -> link texts pointing at it
    sources = sorted(files)
    for source in sources:
        lines = []
        for number, target in enumerate(sources):
            relative = os.path.relpath(root / target, (root / source).parent)
            through_folder = target.endswith("/index.md") and data.draw(st.booleans())
            if through_folder:
                relative = relative.removesuffix("index.md") or "./"
            elif not relative.startswith(".") and data.draw(st.booleans()):
                relative = "./" + relative
            if target.endswith(".md") and not relative.endswith("/") and data.draw(st.booleans()):
                relative += "#" + slugify(files[target][2:].strip(), "github")
            text = f"{source}->{number}"
            if not through_folder:  # a folder stays a folder (GitHub lists it) when its index goes
                links.setdefault(target, []).append(text)
            lines.append(f"[{text}]({relative})")
        (root / source).write_text(files[source] + "\n" + "\n".join(lines) + "\n")
    found = check([str(root)])
    assert {text: entry.result.outcome for text, entry in found.items()} == dict.fromkeys(found, Outcome.ALIVE)
    linked = sorted(target for target, texts in links.items() if any(not t.startswith(f"{target}->") for t in texts))
    if not linked:
        return  # every other file reaches this one through its folder: nothing to break
    victim = data.draw(st.sampled_from(linked))
    if data.draw(st.booleans()):
        (root / victim).unlink()
    else:
        (root / victim).rename((root / victim).with_name((root / victim).name.upper()))
    after = check([str(root)])
    from_others = [text for text in links[victim] if not text.startswith(f"{victim}->")]  # its own are gone too
    assert {after[text].result.outcome for text in from_others} <= {Outcome.BROKEN}

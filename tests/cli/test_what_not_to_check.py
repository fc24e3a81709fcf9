"""Saying what not to check, as users of lychee and markdown-link-check already do: suppression
comments, ignore files, --remap, and `config --from` a peer's configuration."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linkkeeper.cli import main
from linkkeeper.config import ScanSettings
from linkkeeper.models import Flag
from linkkeeper.scanning import scan_bytes
from tests.conftest import check_on_days, fast_config, wayback_config
from tests.fakewayback import FakeWayback
from tests.fakeweb import FakeWeb

PEERS = Path(__file__).resolve().parent.parent / "fixtures" / "peers"


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def suppressed(markdown: str) -> dict[str, tuple[str, tuple[Flag, ...]]]:
    """URL -> (suppressed_by, flags) for every link in ``markdown``."""
    scanned = scan_bytes(markdown.encode(), "a.md", ScanSettings())
    return {occ.url: (occ.suppressed_by, occ.flags) for occ in scanned.occurrences}


@pytest.mark.parametrize("tool", ["linkkeeper", "markdown-link-check"])
def test_every_comment_form(tool: str) -> None:
    """disable…enable, disable-next-line and disable-line, in linkkeeper's words and markdown-link-check's."""
    found = suppressed(
        f"<!-- {tool}-disable -->\n[a](https://a.test/)\n<!-- {tool}-enable -->\n[b](https://b.test/)\n\n"
        f"<!-- {tool}-disable-next-line -->\n[c](https://c.test/)\n[d](https://d.test/)\n\n"
        f"[e](https://e.test/) <!-- {tool}-disable-line --> [f](https://f.test/)\n[g](https://g.test/)\n"
    )
    assert {url: by for url, (by, _) in found.items()} == {
        "https://a.test/": "a.md:1", "https://b.test/": "", "https://c.test/": "a.md:6", "https://d.test/": "",
        "https://e.test/": "a.md:10", "https://f.test/": "a.md:10", "https://g.test/": "",
    }  # fmt: skip
    assert all(Flag.SUPPRESSED in flags for by, flags in found.values() if by)


def test_nested_unclosed_and_in_code() -> None:
    """Pairs nest; an unclosed disable runs to the end of the file, flagged; a comment in code is text."""
    found = suppressed(
        "<!-- linkkeeper-disable -->\n<!-- linkkeeper-disable -->\n[a](https://a.test/)\n"
        "<!-- linkkeeper-enable -->\n[b](https://b.test/)\n<!-- linkkeeper-enable -->\n[c](https://c.test/)\n\n"
        "```\n<!-- linkkeeper-disable -->\n```\n[d](https://d.test/)\n\n"
        "- item <!-- linkkeeper-disable -->\n- [e](https://e.test/)\n\nlater [f](https://f.test/)\n"
    )
    assert found["https://a.test/"][0] == found["https://b.test/"][0] == "a.md:1"
    assert found["https://c.test/"][0] == found["https://d.test/"][0] == ""
    assert found["https://e.test/"] == ("a.md:14", (Flag.SUPPRESSED, Flag.SUPPRESSED_TO_END))
    assert Flag.SUPPRESSED_TO_END in found["https://f.test/"][1]
    assert found["https://a.test/"][1] == (Flag.SUPPRESSED,)


def test_a_suppressed_link_is_listed_excluded_and_never_requested(workdir: Path, fakeweb: FakeWeb) -> None:
    """check lists a suppressed dead link as excluded, 'suppressed at file:line'; it is never asked, never failing."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    dead = fakeweb.url(0, "/status/404")
    (workdir / "a.md").write_text(f"<!-- linkkeeper-disable-next-line -->\n[old]({dead})\n<{fakeweb.url(1, '/ok')}>\n")
    result = run("check", "--no-progress", "--format", "json", "a.md")
    assert result.exit_code == 0, result.output
    assert fakeweb.count(host=0) == 0 and fakeweb.count(host=1) >= 1
    (target,) = [t for t in json.loads(result.stdout)["targets"] if t["url"] == dead]
    assert (target["outcome"], target["error"], target["verdict"]) == ("excluded", "suppressed at a.md:1", "excluded")
    with sqlite3.connect(workdir / ".linkkeeper" / "history.sqlite") as database:
        assert database.execute("SELECT count(*) FROM urls WHERE url = ?", (dead,)).fetchone() == (0,)
    assert "[suppressed at a.md:1]" in run("scan", "a.md").stdout


def test_fix_leaves_a_suppressed_dead_link_alone(workdir: Path, fakeweb: FakeWeb, fakewayback: FakeWayback) -> None:
    """A dead link written twice, once under disable-line: fix rewrites the other place only."""
    dead = fakeweb.url(0, "/status/404")
    fakewayback.add_capture(dead, {"timestamp": "20150101000000", "status": 200})
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0) + wayback_config(fakewayback))
    page = f"[kept]({dead}) <!-- markdown-link-check-disable-line -->\n[fixed]({dead})\n"
    (workdir / "a.md").write_text(page)
    check_on_days(workdir, fakeweb, ["a.md"])
    assert run("archive", "--no-progress", "a.md").exit_code == 0
    assert run("fix", "a.md").exit_code == 0
    assert (workdir / "a.md").read_text() == page.replace(
        f"[fixed]({dead})", f"[fixed](https://web.archive.org/web/20150101000000/{dead})"
    )


def test_ignore_files_exclude_like_exclude(workdir: Path, fakeweb: FakeWeb) -> None:
    """.linkkeeperignore and .lycheeignore at the project root: said once, each rule named in the reason."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    (workdir / ".linkkeeperignore").write_text("# staging is flaky\n\n/status/404\n")
    (workdir / ".lycheeignore").write_text(f"^{fakeweb.url(1, '')}\n")
    (workdir / "a.md").write_text(
        f"<{fakeweb.url(0, '/status/404')}> <{fakeweb.url(1, '/status/500')}> <{fakeweb.url(2, '/ok')}>\n"
    )
    result = run("check", "--no-progress", "--format", "json", "a.md")
    assert result.exit_code == 0 and fakeweb.count(host=0) == fakeweb.count(host=1) == 0
    reasons = {t["url"]: t["error"] for t in json.loads(result.stdout)["targets"] if t["outcome"] == "excluded"}
    assert reasons == {
        fakeweb.url(0, "/status/404"): "excluded by .linkkeeperignore:3",
        fakeweb.url(1, "/status/500"): "excluded by .lycheeignore:1",
    }
    assert result.stderr.count("excluding links that match 1 pattern(s) from .lycheeignore") == 1
    (workdir / ".lycheeignore").write_text("ok\n(unclosed\n")
    bad = run("check", "--no-progress", "a.md")
    assert bad.exit_code == 3 and ".lycheeignore: line 2" in bad.stderr


def test_remap_checks_elsewhere_and_keeps_the_written_url(workdir: Path, fakeweb: FakeWeb) -> None:
    """--remap with a capture group: asked at the mirror; history, reports and exit code keep the written URL."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    written = fakeweb.url(0, "/docs/status/404")
    (workdir / "a.md").write_text(f"[doc]({written})\n")
    mirror = fakeweb.url(3, "")
    rule = rf"^http://{fakeweb.names[0]}:\d+/docs/(.*) {mirror}/$1"
    result = run("check", "--no-progress", "--format", "json", "--remap", rule, "a.md")
    assert result.exit_code == 1
    assert fakeweb.count(host=0) == 0 and fakeweb.count(host=3, path="/status/404") >= 1
    (target,) = json.loads(result.stdout)["targets"]
    assert (target["url"], target["outcome"], target["status_code"]) == (written, "broken", 404)
    assert target["occurrences"] == [{"path": "a.md", "line": 1, "column": 7, "url": written}]
    with sqlite3.connect(workdir / ".linkkeeper" / "history.sqlite") as database:
        assert database.execute("SELECT url FROM urls").fetchall() == [(written,)]
    assert written in (workdir / ".linkkeeper" / "reports" / "report.md").read_text()
    assert run("check", "--remap", "no-replacement", "a.md").exit_code == 3


def test_config_from_lychee(workdir: Path) -> None:
    """lychee's documented example converts to a linkkeeper.toml that loads, and lists what it leaves."""
    result = run("config", "--from", str(PEERS / "lychee.example.toml"))
    assert result.exit_code == 0 and sorted(path.name for path in workdir.iterdir()) == []  # nothing written
    text = result.stdout
    for expected in (
        'max_age = "2d"', "retries = 2", "max_concurrency = 14", 'accept = ["200", "429"]',
        'remap = ["https://example.com http://example.invalid"]', "host_interval = 0.05",
        '[check.hosts."blog.example.com"]', 'root = "/dist"', "check_fragments = true", "respect_gitignore = false",
    ):  # fmt: skip
        assert expected in text, expected
    assert "# - github_token: put the token in the environment as GITHUB_TOKEN" in text
    assert "# - exclude_path: lychee's are regular expressions" in text
    assert "option(s) not carried over" in result.stderr
    assert run("config", "--from", str(PEERS / "lychee.example.toml"), "--output", "linkkeeper.toml").exit_code == 0
    loaded = run("config")
    assert loaded.exit_code == 0 and "exclude_private = false" in loaded.stdout and "timeout = 20.0" in loaded.stdout


def test_config_from_markdown_link_check(workdir: Path) -> None:
    """markdown-link-check's README example converts: patterns, headers per host, timeout, retries, codes."""
    result = run("config", "--from", str(PEERS / "markdown-link-check.readme.json"), "--output", "linkkeeper.toml")
    assert result.exit_code == 0
    text = (workdir / "linkkeeper.toml").read_text()
    assert 'exclude = ["^http://example.net"]' in text and "timeout = 20.0" in text and "retries = 5" in text
    assert 'accept = ["200", "206"]' in text
    assert '[check.hosts."example.com"]\nheaders = ["Authorization: Basic Zm9vOmJhcg==", "Foo: Bar"]' in text
    assert "# - replacementPatterns '^/': {{BASEURL}} is the working folder" in text
    assert run("config").exit_code == 0
    (workdir / "bad.json").write_text("{not json")
    assert run("config", "--from", "bad.json").exit_code == 3


def test_remap_in_a_converted_config_uses_javascript_group_syntax(workdir: Path) -> None:
    """A markdown-link-check replacement with a named group ($<name>) becomes a working remap rule."""
    (workdir / "mlc.json").write_text(json.dumps({"replacementPatterns": [
        {"pattern": "^https://old.example/(?<page>.*)", "replacement": "https://new.example/$<page>"}]}))  # fmt: skip
    text = run("config", "--from", "mlc.json").stdout
    assert 'remap = ["^https://old.example/(?P<page>.*) https://new.example/$<page>"]' in text
    from linkkeeper.config import parse_remap
    from linkkeeper.rules import remap

    assert (
        remap("https://old.example/a/b", parse_remap(["^https://old.example/(?P<page>.*) https://new.example/$<page>"]))
        == "https://new.example/a/b"
    )

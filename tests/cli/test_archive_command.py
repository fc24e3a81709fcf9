"""End to end: links checked over simulated days until dead, then ``linkkeeper archive`` against
the fake Wayback Machine lists exactly the expected archive URL, or reason, for each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkkeeper.cli import main
from tests.conftest import check_on_days, fast_config, wayback_config
from tests.fakewayback import FakeWayback
from tests.fakeweb import FakeWeb


@pytest.fixture
def site(workdir: Path, fakeweb: FakeWeb, fakewayback: FakeWayback) -> dict[str, str]:
    urls = {
        "archived": fakeweb.url(0, "/status/404?archived"),
        "unarchived": fakeweb.url(1, "/status/410?unarchived"),
        "bad": fakeweb.url(2, "/status/404?bad"),
        "blocked": fakeweb.url(3, "/status/404?blocked"),
        "alive": fakeweb.url(4, "/ok"),
    }
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text("\n".join(f"* [{name}]({url})" for name, url in urls.items()) + "\n")
    fakewayback.load(
        {
            "captures": {
                urls["archived"]: [
                    {"timestamp": "20150101000000", "status": 200},
                    {"timestamp": "20270101000000", "status": 200},
                ],
                urls["bad"]: [{"timestamp": "20150101000000", "status": 404, "body": "gone"}],
                urls["blocked"]: [{"timestamp": "20150101000000", "status": 200}],
            },
            "blocked": [urls["blocked"]],
        }
    )
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0) + wayback_config(fakewayback))
    check_on_days(workdir, fakeweb, ["docs"])
    return urls


def test_archive_lists_each_dead_link_with_its_snapshot_or_reason(site: dict[str, str]) -> None:
    """Dead links get the verified capture before their citation, or the right reason; live ones nothing."""
    result = CliRunner().invoke(main, ["archive", "--format", "json", "docs"])
    assert result.exit_code == 0, result.output
    links = {link["url"]: link for link in json.loads(result.stdout)["links"]}
    assert set(links) == {site["archived"], site["unarchived"], site["bad"], site["blocked"]}
    assert (
        links[site["archived"]]["snapshot"].get("archive_url")
        == f"https://web.archive.org/web/20150101000000/{site['archived']}"
    )
    assert links[site["archived"]]["reference_source"] == "history"
    assert links[site["unarchived"]]["snapshot"]["reason"] == "not-archived"
    assert links[site["bad"]]["snapshot"]["reason"] == "only-bad-captures"
    assert links[site["blocked"]]["snapshot"]["reason"] == "blocked-by-archive"
    assert all(link["verdict"] == "dead" for link in links.values())


def test_known_snapshots_are_not_looked_up_again_and_show_in_check(
    site: dict[str, str], fakewayback: FakeWayback
) -> None:
    """A second archive run asks the archive nothing new; check's output carries the archive URL."""
    CliRunner().invoke(main, ["archive", "docs"])
    asked = len(fakewayback.requests())
    again = CliRunner().invoke(main, ["archive", "docs"])
    assert again.exit_code == 0 and len(fakewayback.requests()) == asked
    checked = CliRunner().invoke(main, ["check", "--no-progress", "--format", "json", "--fail-on", "never", "docs"])
    targets = {t["url"]: t for t in json.loads(checked.stdout)["targets"]}
    assert targets[site["archived"]]["snapshot"]["archive_url"].startswith("https://web.archive.org/web/2015")
    assert targets[site["unarchived"]]["snapshot"]["reason"] == "not-archived"


def test_save_without_keys_is_refused_with_one_message(site: dict[str, str]) -> None:
    """``archive --save`` without archive.org keys exits 3 and names the variables to set."""
    result = CliRunner().invoke(main, ["archive", "--save", "docs"], env={"LINKKEEPER_IA_ACCESS_KEY": ""})
    assert result.exit_code == 3 and "LINKKEEPER_IA_ACCESS_KEY" in result.stderr


def test_save_archives_live_links(site: dict[str, str], fakewayback: FakeWayback) -> None:
    """With keys, live links are submitted to Save Page Now and reported."""
    env = {"LINKKEEPER_IA_ACCESS_KEY": "testkey", "LINKKEEPER_IA_SECRET_KEY": "testsecret"}
    result = CliRunner().invoke(main, ["archive", "--save", "--format", "json", "docs"], env=env)
    assert result.exit_code == 0, result.output
    (saved,) = json.loads(result.stdout)["saves"]
    assert saved["url"] == site["alive"] and saved["status"] == "success"
    assert "testsecret" not in result.stdout + result.stderr


def test_include_failing_widens_the_lookup(site: dict[str, str], workdir: Path, fakeweb: FakeWeb) -> None:
    """A link failing for one day only is left out, unless --include-failing asks for it."""
    (workdir / "fresh").mkdir()
    fresh = fakeweb.url(5, "/status/404?fresh")
    (workdir / "fresh" / "b.md").write_text(f"<{fresh}>\n")
    check_on_days(workdir, fakeweb, ["fresh"], days=(5,))
    plain = json.loads(CliRunner().invoke(main, ["archive", "--format", "json", "fresh"]).stdout)
    widened = json.loads(CliRunner().invoke(main, ["archive", "--include-failing", "--format", "json", "fresh"]).stdout)
    assert plain["links"] == []
    assert [(link["url"], link["verdict"]) for link in widened["links"]] == [(fresh, "failing")]


def test_a_link_the_site_fails_today_is_saved_on_a_later_run(site: dict[str, str], fakewayback: FakeWayback) -> None:
    """A live link whose site answers SPN 503 is reported as to be submitted again, with the day,
    and the next run (the same day) does not submit it again."""
    env = {"LINKKEEPER_IA_ACCESS_KEY": "testkey", "LINKKEEPER_IA_SECRET_KEY": "testsecret"}
    fakewayback.set(spn_results={site["alive"]: "error:service-unavailable"})
    result = CliRunner().invoke(main, ["archive", "--save", "docs"], env=env)
    assert result.exit_code == 0, result.output
    assert "Save Page Now: 0 of 1 live link(s) archived; 1 to be submitted again later" in result.stdout
    assert "error:service-unavailable" in result.stdout and "submitted again from" in result.stdout
    again = CliRunner().invoke(main, ["archive", "--save", "--format", "json", "docs"], env=env)
    (saved,) = json.loads(again.stdout)["saves"]
    assert saved["status"] == "retry" and len(fakewayback.requests("save")) == 1

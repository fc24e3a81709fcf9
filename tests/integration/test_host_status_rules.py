"""Per-host status rules: ``[check.hosts."HOST"] accept`` (instead of ``check.accept``) and
``blocked_status`` (codes that mean blocked, never broken), judged by the host of the final answer."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from linkkeeper.checking import Checker
from linkkeeper.cli import main
from linkkeeper.config import CheckSettings, HostSettings
from linkkeeper.models import CheckResult, ErrorKind, Outcome
from tests.conftest import HEAD_FIRST, fast_config
from tests.fakeweb import FakeWeb

ACCEPT_403 = HostSettings(accept=("200-299", "403"))


async def check(web: FakeWeb, urls: list[str], hosts: dict[str, HostSettings], **overrides: Any) -> list[CheckResult]:
    settings = CheckSettings(
        resolve=web.resolve_entries(), timeout=2.0, connect_timeout=1.0, read_timeout=1.0,
        retries=0, backoff=0.01, hosts=hosts, **HEAD_FIRST,
    )  # fmt: skip
    return await Checker(dataclasses.replace(settings, **overrides), environ={}).run(urls)


def summary(result: CheckResult) -> tuple[Outcome, ErrorKind | None, int | None]:
    return result.outcome, result.error_kind, result.status_code


async def test_a_hosts_accept_makes_its_403_alive_and_no_other_hosts(fakeweb: FakeWeb) -> None:
    """accept in h0's table: h0's 403 is alive; h1's 403 is blocked, as every 403 is by default."""
    own, other = await check(
        fakeweb, [fakeweb.url(0, "/status/403"), fakeweb.url(1, "/status/403")], {fakeweb.names[0]: ACCEPT_403}
    )
    assert summary(own) == (Outcome.ALIVE, None, 403)
    assert summary(other) == (Outcome.BLOCKED, ErrorKind.HTTP_STATUS, 403)
    assert other.error == "HTTP 403: access refused"


async def test_a_hosts_accept_replaces_check_accept(fakeweb: FakeWeb) -> None:
    """A host's accept is the whole list for that host: check.accept's 418 is not added to it."""
    results = await check(
        fakeweb,
        [fakeweb.url(0, "/status/418"), fakeweb.url(1, "/status/418"), fakeweb.url(0, "/ok")],
        {fakeweb.names[0]: ACCEPT_403},
        accept=("200-299", "418"),
    )
    assert [result.outcome for result in results] == [Outcome.BROKEN, Outcome.ALIVE, Outcome.ALIVE]


async def test_the_host_key_matches_whatever_its_case(fakeweb: FakeWeb) -> None:
    """[check.hosts."H0.TEST"] is the rule of h0.test."""
    (result,) = await check(fakeweb, [fakeweb.url(0, "/status/403")], {fakeweb.names[0].upper() + ".": ACCEPT_403})
    assert result.outcome is Outcome.ALIVE


async def test_blocked_status_makes_a_code_blocked_with_the_setting_named(fakeweb: FakeWeb) -> None:
    """blocked_status = ["404"] on h0: h0's 404 is blocked, the text says which setting did it; h1's stays broken."""
    own, other = await check(
        fakeweb,
        [fakeweb.url(0, "/status/404"), fakeweb.url(1, "/status/404")],
        {fakeweb.names[0]: HostSettings(blocked_status=("404",))},
    )
    assert summary(own) == (Outcome.BLOCKED, ErrorKind.HTTP_STATUS, 404)
    assert own.error == f'HTTP 404 from {fakeweb.names[0]} (check.hosts."{fakeweb.names[0]}".blocked_status)'
    assert summary(other) == (Outcome.BROKEN, ErrorKind.HTTP_STATUS, 404)


async def test_blocked_status_wins_over_accept(fakeweb: FakeWeb) -> None:
    """A 403 in check.accept and in the host's blocked_status is blocked from that host; alive elsewhere."""
    own, other = await check(
        fakeweb,
        [fakeweb.url(0, "/status/403"), fakeweb.url(1, "/status/403")],
        {fakeweb.names[0]: HostSettings(accept=("200-299", "403"), blocked_status=("403",))},
        accept=("200-299", "403"),
    )
    assert summary(own) == (Outcome.BLOCKED, ErrorKind.HTTP_STATUS, 403)
    assert "blocked_status" in own.error
    assert other.outcome is Outcome.ALIVE


async def test_a_range_in_blocked_status(fakeweb: FakeWeb) -> None:
    """blocked_status takes ranges: "400-499" covers 410."""
    (result,) = await check(
        fakeweb, [fakeweb.url(0, "/status/410")], {fakeweb.names[0]: HostSettings(blocked_status=("400-499",))}
    )
    assert result.outcome is Outcome.BLOCKED


async def test_the_rule_of_the_host_that_gave_the_final_answer_applies(fakeweb: FakeWeb) -> None:
    """h0 redirects to h1's 403: h1's accept makes it alive; h0's accept does not speak for h1's answer."""
    target = fakeweb.url(1, "/status/403")
    link = fakeweb.url(0, f"/to/302?location={target}")
    (by_final,) = await check(fakeweb, [link], {fakeweb.names[1]: ACCEPT_403})
    assert (by_final.outcome, by_final.final_url) == (Outcome.ALIVE, target)
    (by_first,) = await check(fakeweb, [link], {fakeweb.names[0]: ACCEPT_403})
    assert summary(by_first) == (Outcome.BLOCKED, ErrorKind.HTTP_STATUS, 403)


async def test_a_bot_wall_stays_a_bot_wall_where_403_is_accepted(fakeweb: FakeWeb) -> None:
    """A challenge page is not the page, whatever its status: accepting 403 does not make it alive."""
    (result,) = await check(fakeweb, [fakeweb.url(0, "/botwall")], {fakeweb.names[0]: ACCEPT_403})
    assert summary(result) == (Outcome.BLOCKED, ErrorKind.BOT_WALL, 403)


async def test_a_port_table_without_status_rules_leaves_the_host_alone(fakeweb: FakeWeb) -> None:
    """A "HOST:PORT" table (headers only) gives no status rule: the host's 403 is judged as by default."""
    hosts = {f"{fakeweb.names[0]}:{fakeweb.port}": HostSettings(headers=("X-Test: 1",))}
    (result,) = await check(fakeweb, [fakeweb.url(0, "/status/403")], hosts)
    assert result.outcome is Outcome.BLOCKED


# -- the command line -----------------------------------------------------------------------------


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_check_with_host_rules_exits_0_under_fail_on_broken(workdir: Path, fakeweb: FakeWeb) -> None:
    """From the file: h0's 403 alive, h1's 404 blocked (exit 0 under --fail-on broken, never dead); h2's 404 broken."""
    h0, h1 = fakeweb.names[0], fakeweb.names[1]
    rules = f'\n[check.hosts."{h0}"]\naccept = ["200-299", "403"]\n\n[check.hosts."{h1}"]\nblocked_status = ["404"]\n'
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0) + rules)
    (workdir / "a.md").write_text(f"<{fakeweb.url(0, '/status/403')}> <{fakeweb.url(1, '/status/404')}>\n")
    result = run("check", "--no-progress", "--format", "json", "--fail-on", "broken", "--dead-after", "1/1", "a.md")
    assert result.exit_code == 0, result.output
    targets = {target["url"]: target for target in json.loads(result.stdout)["targets"]}
    assert targets[fakeweb.url(0, "/status/403")]["outcome"] == "alive"
    blocked = targets[fakeweb.url(1, "/status/404")]
    assert (blocked["outcome"], blocked["verdict"]) == ("blocked", "blocked")
    assert blocked["error"] == f'HTTP 404 from {h1} (check.hosts."{h1}".blocked_status)'
    (workdir / "b.md").write_text(f"<{fakeweb.url(2, '/status/404')}>\n")
    assert run("check", "--no-progress", "--fail-on", "broken", "b.md").exit_code == 1


def test_config_shows_the_host_rules(workdir: Path) -> None:
    """`linkkeeper config` prints a host table's accept and blocked_status."""
    (workdir / "linkkeeper.toml").write_text(
        '[check.hosts."Docs.Example"]\naccept = ["200-299", "403"]\nblocked_status = ["429", "500-599"]\n'
    )
    shown = run("config")
    assert shown.exit_code == 0
    expected = 'hosts = {"Docs.Example" = {accept = ["200-299", "403"], blocked_status = ["429", "500-599"]}}'
    assert expected in shown.stdout


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[check.hosts."a.test"]\naccept = ["299-200"]\n', "check.hosts.\"a.test\".accept: '299-200': expected status"),
        ('[check.hosts."a.test"]\naccept = ["ok"]\n', "check.hosts.\"a.test\".accept: 'ok': expected status codes"),
        ('[check.hosts."a.test"]\naccept = []\n', "leave accept out to use check.accept"),
        ('[check.hosts."a.test"]\nblocked_status = ["1000"]\n', "blocked_status: '1000': expected status codes"),
        ('[check.hosts."a.test"]\nblocked_status = [403]\n', "blocked_status: expected a list of strings"),
        ('[check.hosts."a.test"]\nblocked = ["403"]\n', 'check.hosts."a.test".blocked: unknown setting; known: '),
        (
            '[check.hosts."a.test:8443"]\nblocked_status = ["403"]\n',
            'set per host, not per port: put it in [check.hosts."a.test"]',
        ),
    ],
)
def test_bad_host_rules_are_exit_3_on_one_line(workdir: Path, table: str, message: str) -> None:
    """A bad range, an unknown key or a rule in a "HOST:PORT" table: exit 3, one line, in check and in config."""
    (workdir / "linkkeeper.toml").write_text(table)
    (workdir / "x.md").write_text("[x](http://a.invalid/)\n")
    for args in (["check", "--no-progress", "x.md"], ["config"]):
        result = run(*args)
        assert result.exit_code == 3 and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("linkkeeper: error: linkkeeper.toml: ") and message in result.stderr


def test_config_from_converts_the_peers_global_codes_and_invents_no_host_rule(workdir: Path) -> None:
    """lychee's accept (ranges too) and markdown-link-check's aliveStatusCodes become check.accept; neither
    has a status rule per host, so a lychee host table keeps only what it has (concurrency here)."""
    (workdir / "lychee.toml").write_text(
        'accept = ["200..=204", "403", "..=101"]\n[hosts."docs.example"]\nconcurrency = 2\n'
    )
    lychee = run("config", "--from", "lychee.toml", "--output", "linkkeeper.toml")
    assert lychee.exit_code == 0
    text = (workdir / "linkkeeper.toml").read_text()
    assert 'accept = ["200-204", "403", "100-101"]' in text
    assert '[check.hosts."docs.example"]\nconcurrency = 2\n' in text and "blocked_status" not in text
    assert run("config").exit_code == 0
    (workdir / "mlc.json").write_text(json.dumps({"aliveStatusCodes": [200, 206, 403]}))
    mlc = run("config", "--from", "mlc.json")
    assert mlc.exit_code == 0 and 'accept = ["200", "206", "403"]' in mlc.stdout and "check.hosts" not in mlc.stdout

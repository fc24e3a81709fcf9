"""The history over simulated days: verdicts, the cache, and what never counts."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkkeeper.config import CheckSettings, DeadAfterSettings, Settings
from linkkeeper.history import History
from linkkeeper.models import (
    Checkable,
    CheckResult,
    Entry,
    ErrorKind,
    Kind,
    Occurrence,
    Outcome,
    Redirect,
    RunReport,
    Syntax,
    Target,
    Verdict,
)
from linkkeeper.pipeline import run_check
from tests.conftest import HEAD_FIRST
from tests.fakeweb import FakeWeb

DAY_ONE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History.open(tmp_path / "history.sqlite") as store:
        yield store


def settings_for(web: FakeWeb) -> Settings:
    check = CheckSettings(
        resolve=web.resolve_entries(), timeout=2.0, connect_timeout=1.0, read_timeout=1.0, retries=0, backoff=0.01,
        **HEAD_FIRST,
    )  # fmt: skip
    return dataclasses.replace(Settings(), check=check)


def day(number: int, hours: int = 0) -> datetime:
    return DAY_ONE + timedelta(days=number - 1, hours=hours)


def run_on(page: Path, web: FakeWeb, history: History, when: datetime, **options: bool) -> RunReport:
    return run_check([str(page)], settings_for(web), history=history, now=when, environ={}, **options)


def verdict_of(report: RunReport, url: str) -> Verdict | None:
    return next(entry.verdict for entry in report.entries if entry.target.url == url)


@pytest.fixture
def page(tmp_path: Path, fakeweb: FakeWeb) -> Path:
    path = tmp_path / "page.md"
    path.write_text(f"[switch]({fakeweb.url(0, '/switch/link')})\n[steady]({fakeweb.url(1, '/ok')})\n")
    return path


def test_dead_only_after_failures_on_three_days(page: Path, fakeweb: FakeWeb, history: History) -> None:
    """A link failing on days 1, 2 and 4 is failing until day 4, and dead on day 4."""
    url = fakeweb.url(0, "/switch/link")
    fakeweb.set_status("link", 404)
    verdicts = [verdict_of(run_on(page, fakeweb, history, day(n)), url) for n in (1, 2)]
    same_day = verdict_of(run_on(page, fakeweb, history, day(2, hours=5)), url)
    fourth = run_on(page, fakeweb, history, day(4))
    assert verdicts == [Verdict.FAILING, Verdict.FAILING]
    assert same_day is Verdict.FAILING  # three failing runs, but on two days only
    assert verdict_of(fourth, url) is Verdict.DEAD
    entry = next(e for e in fourth.entries if e.target.url == url)
    assert entry.since == day(1).isoformat(timespec="seconds")
    assert entry.state is not None and (entry.state.consecutive_failures, entry.state.failing_days) == (4, 3)


def test_a_success_in_between_resets_the_count(page: Path, fakeweb: FakeWeb, history: History) -> None:
    """One success resets the failures: days 1, 2 fail, day 3 succeeds, days 4, 5 fail: not dead."""
    url = fakeweb.url(0, "/switch/link")
    for number, status in [(1, 404), (2, 500), (3, 200), (4, 404), (5, 404)]:
        fakeweb.set_status("link", status)
        report = run_on(page, fakeweb, history, day(number), use_cache=False)
    assert verdict_of(report, url) is Verdict.FAILING
    state = history.state(url)
    assert state is not None and state.consecutive_failures == 2 and state.last_alive == day(3).isoformat()


def test_blocked_answers_never_count(page: Path, fakeweb: FakeWeb, history: History) -> None:
    """A bot wall on five days is blocked, never failing or dead."""
    url = fakeweb.url(0, "/switch/link")
    fakeweb.set_status("link", 403)
    for number in range(1, 6):
        report = run_on(page, fakeweb, history, day(number))
    assert verdict_of(report, url) is Verdict.BLOCKED
    state = history.state(url)
    assert state is not None and state.consecutive_failures == 0


def test_network_down_run_changes_nothing(tmp_path: Path, fakeweb: FakeWeb, history: History) -> None:
    """A run whose network was down records no failure and keeps every state as it was."""
    page = tmp_path / "offline.md"
    page.write_text("\n".join(f"<http://h{i}.example.invalid/>" for i in range(6)) + "\n")
    before = [history.state(f"http://h{i}.example.invalid/") for i in range(6)]
    report = run_on(page, fakeweb, history, day(1))
    assert report.network_down
    assert {entry.result.outcome for entry in report.entries} == {Outcome.SKIPPED}
    after = [history.state(f"http://h{i}.example.invalid/") for i in range(6)]
    assert all(state is not None and state.consecutive_failures == 0 for state in after)
    assert before == [None] * 6
    assert history.failing() == []


def test_a_few_unreachable_hosts_alone_never_become_dead(tmp_path: Path, fakeweb: FakeWeb, history: History) -> None:
    """Two hosts that refuse connections, and nothing else, on three offline days: every run is
    "network down" and no link becomes failing or dead (they became dead: the rule needed 5 hosts)."""
    page = tmp_path / "few.md"
    urls = [f"http://127.0.0.{240 + i}:{fakeweb.port}/" for i in range(2)]
    page.write_text("".join(f"<{url}>\n" for url in urls))
    for number in (0, 1, 3):
        assert run_on(page, fakeweb, history, day(number)).network_down
    assert all(history.state(url) is None or history.state(url).consecutive_failures == 0 for url in urls)
    assert history.failing() == []


def test_one_answering_host_means_the_network_is_up(tmp_path: Path, fakeweb: FakeWeb, history: History) -> None:
    """Five unreachable hosts and one that answers: the network works, the five are broken links
    (the whole run counted as "network down")."""
    page = tmp_path / "mixed.md"
    unreachable = [f"http://127.0.0.{240 + i}:{fakeweb.port}/" for i in range(5)]
    page.write_text("".join(f"<{url}>\n" for url in [*unreachable, fakeweb.url(0, "/ok")]))
    report = run_on(page, fakeweb, history, day(1))
    assert not report.network_down
    outcomes = {entry.target.url: entry.result.outcome for entry in report.entries}
    assert [outcomes[url] for url in unreachable] == [Outcome.BROKEN] * 5


def test_a_server_that_connects_and_hangs_is_no_offline_machine(
    tmp_path: Path, fakeweb: FakeWeb, history: History
) -> None:
    """A page whose one link hangs after the connection is made: the network works (the handshake
    proves it), so the link is an error, not a "network down" run."""
    page = tmp_path / "hang.md"
    page.write_text(f"<{fakeweb.url(0, '/hang')}>\n")
    report = run_on(page, fakeweb, history, day(1))
    assert not report.network_down
    assert [entry.result.outcome for entry in report.entries] == [Outcome.ERROR]


def test_a_probe_that_answers_lets_a_run_of_dead_hosts_be_judged(
    tmp_path: Path, fakeweb: FakeWeb, history: History
) -> None:
    """With check.network_probe set, a page whose only links are unreachable is judged when the
    probe answers, and still not judged when the probe fails too."""
    page = tmp_path / "dead-only.md"
    url = f"http://127.0.0.240:{fakeweb.port}/"
    page.write_text(f"<{url}>\n")
    for probe, down in ((fakeweb.url(1, "/ok"), False), (f"http://127.0.0.241:{fakeweb.port}/", True)):
        settings = settings_for(fakeweb)
        settings = dataclasses.replace(settings, check=dataclasses.replace(settings.check, network_probe=probe))
        report = run_check([str(page)], settings, history=history, now=day(1), environ={})
        assert report.network_down is down
        assert [entry.target.url for entry in report.entries] == [url]  # the probe is no link of the page
    assert fakeweb.count(host=1, path="/ok") == 1


def test_cache_skips_fresh_alive_links_and_rechecks_failures(page: Path, fakeweb: FakeWeb, history: History) -> None:
    """Within max age, alive links are not requested again; a failing link always is."""
    fakeweb.set_status("link", 404)
    run_on(page, fakeweb, history, day(1))
    fakeweb.reset()
    fakeweb.set_status("link", 404)
    second = run_on(page, fakeweb, history, day(1, hours=3))
    assert fakeweb.count(host=1) == 0
    assert fakeweb.count(host=0, path="/switch/link") >= 1
    steady = next(entry for entry in second.entries if entry.target.url == fakeweb.url(1, "/ok"))
    assert steady.result.from_cache and steady.verdict is Verdict.ALIVE
    third = run_on(page, fakeweb, history, day(2, hours=1))
    assert fakeweb.count(host=1) == 1
    assert not next(e for e in third.entries if e.target.url == fakeweb.url(1, "/ok")).result.from_cache


def test_a_link_that_failed_is_asked_with_get_straight_away(page: Path, fakeweb: FakeWeb, history: History) -> None:
    """A failing link costs HEAD then GET once; from then on one GET, until it answers again."""
    fakeweb.set_status("link", 404)
    run_on(page, fakeweb, history, day(1))
    assert [r.method for r in fakeweb.records if r.path == "/switch/link"] == ["HEAD", "GET"]
    fakeweb.reset()
    fakeweb.set_status("link", 200)
    recovered = run_on(page, fakeweb, history, day(2))
    assert [r.method for r in fakeweb.records if r.path == "/switch/link"] == ["GET"]
    assert verdict_of(recovered, fakeweb.url(0, "/switch/link")) is Verdict.ALIVE
    fakeweb.reset()
    run_on(page, fakeweb, history, day(3, hours=1))  # past the cache's 24 hours
    assert [r.method for r in fakeweb.records if r.path == "/switch/link"] == ["HEAD"]


def test_without_the_cache_a_link_that_failed_is_still_asked_with_get(
    page: Path, fakeweb: FakeWeb, history: History
) -> None:
    """``--no-cache`` reuses no answer, but the history still says which links to ask with GET."""
    fakeweb.set_status("link", 404)
    run_on(page, fakeweb, history, day(1))
    fakeweb.reset()
    run_on(page, fakeweb, history, day(1, hours=1), use_cache=False)
    assert [r.method for r in fakeweb.records if r.path == "/switch/link"] == ["GET"]
    assert [r.method for r in fakeweb.records if r.path == "/ok"] == ["HEAD"]


def test_no_cache_requests_everything(page: Path, fakeweb: FakeWeb, history: History) -> None:
    """``use_cache=False`` (``--no-cache``) asks again even for fresh alive links."""
    run_on(page, fakeweb, history, day(1))
    fakeweb.reset()
    run_on(page, fakeweb, history, day(1, hours=1), use_cache=False)
    assert fakeweb.count(host=1) == 1


def test_history_records_checks_and_places(page: Path, fakeweb: FakeWeb, history: History) -> None:
    """Every check is kept per run, with where the URL was written."""
    url = fakeweb.url(0, "/switch/link")
    for number, status in [(1, 200), (2, 404)]:
        fakeweb.set_status("link", status)
        run_on(page, fakeweb, history, day(number), use_cache=False)
    assert [check.outcome for check in history.checks(url)] == [Outcome.ALIVE, Outcome.BROKEN]
    (seen,) = history.seen_at(url)
    assert (Path(seen.path).name, seen.line, seen.column) == ("page.md", 1, 10)
    assert [run.completed for run in history.runs()] == [True, True]


def test_prune_keeps_each_links_state(page: Path, fakeweb: FakeWeb, history: History) -> None:
    """Pruning old runs removes their checks but not what the links' states say."""
    url = fakeweb.url(0, "/switch/link")
    fakeweb.set_status("link", 404)
    for number in (1, 2, 4):
        run_on(page, fakeweb, history, day(number))
    state = history.state(url)
    removed = history.prune(day(3))
    assert removed["runs"] == 2 and removed["checks"] == 4
    assert history.state(url) == state
    assert len(history.checks(url)) == 1


def test_values_a_result_lacks_are_stored_as_null(tmp_path: Path) -> None:
    """A run's rows hold SQL NULL where a result has no value, and each value where it has one."""
    timed_out, moved = "https://a.example/slow", "https://a.example/old"
    entries = [
        _entry(timed_out, CheckResult(timed_out, Outcome.ERROR, error_kind=ErrorKind.TIMEOUT, error="timed out")),
        _entry(
            moved,
            CheckResult(moved, Outcome.REDIRECTED, 200, "https://a.example/new", (Redirect(moved, 301),)),
        ),
    ]
    with History.open(tmp_path / "history.sqlite") as store:
        run = store.start_run(DAY_ONE, ["a.md"], "digest")
        store.finish_run(run, DAY_ONE, entries, network_down=False, policy=DeadAfterSettings(), at=DAY_ONE)
    database = sqlite3.connect(tmp_path / "history.sqlite")
    checks = database.execute(
        "SELECT u.url, status, final_url, error_kind, error, redirects FROM checks JOIN urls u ON u.id = url_id"
        " ORDER BY u.url"
    ).fetchall()
    states = database.execute(
        "SELECT url, last_alive IS NULL, first_failed IS NULL, last_failure_day, last_status, last_final_url,"
        " last_redirects FROM urls ORDER BY url"
    ).fetchall()
    kinds = database.execute("SELECT kind FROM occurrences").fetchall()
    database.close()
    chain = '[["https://a.example/old", 301]]'
    assert checks == [
        (moved, 200, "https://a.example/new", None, None, chain),
        (timed_out, None, None, "timeout", "timed out", None),
    ]
    assert states == [
        (moved, 0, 1, None, 200, "https://a.example/new", chain),
        (timed_out, 1, 0, "2026-03-02", None, None, None),
    ]
    assert kinds == [("inline",), ("inline",)]


def _entry(url: str, result: CheckResult) -> Entry:
    occurrence = Occurrence("a.md", 1, 1, 0, len(url), Kind.INLINE, Syntax.RAW, url, url, "", Checkable.YES, "")
    return Entry(Target(url, (occurrence,)), result)


def test_run_summaries_count_each_runs_verdicts(tmp_path: Path) -> None:
    """The charts' counts per run are verdicts, kept with each run; runs recorded before that have
    them estimated from their outcome counts, or from their checks before schema 5."""
    alive, broken = "https://a.example/ok", "https://a.example/gone"
    entries = [
        _entry(alive, CheckResult(alive, Outcome.ALIVE, 200)),
        _entry(broken, CheckResult(broken, Outcome.BROKEN, 404, error_kind=ErrorKind.HTTP_STATUS)),
    ]
    path = tmp_path / "history.sqlite"
    policy = DeadAfterSettings(failures=3, days=3)
    with History.open(path) as store:
        for number in (1, 2, 3, 4):
            run = store.start_run(day(number), ["a.md"], "digest")
            store.finish_run(run, day(number), entries, network_down=False, policy=policy, at=day(number))
    database = sqlite3.connect(path)
    database.execute("UPDATE runs SET verdict_counts = NULL, outcome_counts = NULL WHERE id = 1")  # schema 4
    database.execute("UPDATE runs SET verdict_counts = NULL WHERE id = 2")  # schema 5
    database.commit()
    database.close()
    with History.open(path) as store:
        summaries = store.run_summaries(30)
    assert [(run, counts) for run, _, counts in summaries] == [
        (1, {"alive": 1, "failing": 1}),
        (2, {"alive": 1, "failing": 1}),
        (3, {"alive": 1, "dead": 1}),  # third failing run on a third day
        (4, {"alive": 1, "dead": 1}),
    ]

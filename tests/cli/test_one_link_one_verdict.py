"""Each link gets its own verdict, and one URL is one link however it is spelled: fragments of
one page are judged per link (the page fetched once), and equivalent spellings of a URL are
requested once and kept as one row of the history, while every report shows each as written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import junitparser
from click.testing import CliRunner, Result

from linkkeeper.cli import main
from linkkeeper.history import History
from linkkeeper.history.migrations import APPLICATION_ID, MIGRATIONS
from tests.conftest import fast_config
from tests.fakeweb import FakeWeb


def check(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", "--no-progress", *args])


def test_a_missing_fragment_fails_only_the_links_that_name_it(workdir: Path, fakeweb: FakeWeb) -> None:
    """The issue's case: /anchors has id=intro and name=legacy; of #intro, #nothere, #legacy and
    the bare page, only the #nothere line fails, in JSON, JUnit and SARIF; the page is asked once."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0) + "[site]\ncheck_fragments = true\n")
    page = fakeweb.url(0, "/anchors")
    fragments = ["#intro", "#nothere", "#legacy", "", "#nothere"]
    lines = [f"[{index}]({page}{fragment})" for index, fragment in enumerate(fragments)]
    (workdir / "a.md").write_text("\n".join(lines) + "\n")
    result = check("--format", "json", "a.md")
    assert result.exit_code == 1, result.output
    targets = {t["url"]: t for t in json.loads(result.stdout)["targets"]}
    assert set(targets) == {page, f"{page}#nothere"}
    assert targets[page]["outcome"] == "alive"
    assert [o["line"] for o in targets[page]["occurrences"]] == [1, 3, 4]
    missing = targets[f"{page}#nothere"]
    assert (missing["outcome"], missing["error"]) == ("broken-fragment", "the page has no anchor #nothere")
    assert [o["line"] for o in missing["occurrences"]] == [2, 5]
    assert fakeweb.count(path="/anchors") == 1
    reports = workdir / ".linkkeeper" / "reports"
    junit = junitparser.JUnitXml.fromfile(str(reports / "junit.xml"))
    failed = [case for suite in junit for case in suite if any(isinstance(r, junitparser.Failure) for r in case.result)]
    assert [case.name for case in failed] == [f"{page}#nothere"]
    sarif = json.loads((reports / "report.sarif").read_text())
    lines_flagged = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in sarif["runs"][0]["results"]]
    assert sorted(lines_flagged) == [2, 5]
    with History.open(workdir / ".linkkeeper" / "history.sqlite") as history:
        assert history.last_answer(page)[0] == "alive"
        assert history.last_answer(f"{page}#nothere")[0] == "broken-fragment"


def test_a_page_that_fails_is_one_link_whatever_its_fragments(workdir: Path, fakeweb: FakeWeb) -> None:
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0) + "[site]\ncheck_fragments = true\n")
    gone = fakeweb.url(0, "/status/404")
    (workdir / "a.md").write_text(f"[a]({gone}#one) [b]({gone}#two) [c]({gone})\n")
    targets = json.loads(check("--format", "json", "a.md").stdout)["targets"]
    assert [(t["url"], t["outcome"], len(t["occurrences"])) for t in targets] == [(gone, "broken", 3)]


def test_equivalent_spellings_are_one_request_and_one_history_row(workdir: Path, fakeweb: FakeWeb) -> None:
    """https://semver.org, https://semver.org/ and HTTPS://SEMVER.ORG/ in the issue; here the fake
    web's host, with a default-port and an escaped-unreserved spelling too."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    host, port = fakeweb.names[0], fakeweb.port
    spellings = [
        f"http://{host}:{port}",
        f"http://{host}:{port}/",
        f"HTTP://{host.upper()}:{port}/",
        f"http://{host}:{port}/%6Fk/../",
    ]
    (workdir / "a.md").write_text("\n".join(f"[{i}]({url})" for i, url in enumerate(spellings)) + "\n")
    result = check("--format", "json", "a.md")
    (target,) = json.loads(result.stdout)["targets"]
    assert target["url"] == f"http://{host}:{port}/"
    assert [o["url"] for o in target["occurrences"]] == spellings  # each as written
    assert fakeweb.count(host=0) == 1
    with History.open(workdir / ".linkkeeper" / "history.sqlite") as history:
        assert history.last_answer(f"http://{host}:{port}/")[0] == "alive"
    db = sqlite3.connect(workdir / ".linkkeeper" / "history.sqlite")
    assert db.execute("SELECT url FROM urls").fetchall() == [(f"http://{host}:{port}/",)]


def test_the_history_moves_old_spellings_to_the_canonical_one(tmp_path: Path) -> None:
    """A history written before URLs were made canonical (schema 6) keeps its streaks: a row under
    another spelling is renamed, and two spellings of one URL become one row, the one checked last,
    with the other's checks of runs it has none of."""
    path = tmp_path / "history.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:6]:
        migration(db)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 6")
    db.execute("INSERT INTO runs (id, started_at, inputs, settings_digest, completed) VALUES (1, 0, '[]', '', 1)")
    db.execute("INSERT INTO runs (id, started_at, inputs, settings_digest, completed) VALUES (2, 9, '[]', '', 1)")
    rows = [  # id, url, last_checked, last_outcome, consecutive_failures
        (1, "HTTP://Gone.Example/post", 9, "broken", 2),
        (2, "https://semver.org", 1, "broken", 1),
        (3, "https://semver.org/", 9, "alive", 0),
    ]
    for row_id, url, checked, outcome, failures in rows:
        db.execute(
            """INSERT INTO urls (id, url, first_seen, last_checked, last_outcome, consecutive_failures)
               VALUES (?, ?, 0, ?, ?, ?)""",
            (row_id, url, checked, outcome, failures),
        )
    checks = [(1, 2, "broken"), (2, 2, "broken"), (2, 3, "alive"), (1, 1, "broken"), (2, 1, "broken")]
    for run, url_id, outcome in checks:
        db.execute(
            "INSERT INTO checks (run_id, url_id, checked_at, outcome) VALUES (?, ?, 0, ?)", (run, url_id, outcome)
        )
    db.close()
    with History.open(path) as history:
        gone = history.state("http://gone.example/post")
        assert gone is not None and gone.consecutive_failures == 2
        assert history.last_answer("https://semver.org/")[0] == "alive"  # the row checked last won
        assert [check.outcome.value for check in history.checks("https://semver.org/")] == ["broken", "alive"]
    db = sqlite3.connect(path)
    assert sorted(url for (url,) in db.execute("SELECT url FROM urls")) == [
        "http://gone.example/post",
        "https://semver.org/",
    ]
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)

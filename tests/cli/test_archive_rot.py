"""``linkkeeper archive`` and reference rot (issue 23): a parked domain's link and a drifted page
are looked up at once (no dead-after wait), a capture that is itself a parking or not-found page
is no copy of what was cited, and a drifted link says how the snapshot's title compares with
today's page. A small web of its own on loopback, and the fake Wayback Machine."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linkkeeper.cli import main
from tests.conftest import wayback_config
from tests.fakehttp import LoopbackServer, Request, Response, serve_requests
from tests.fakewayback import FakeWayback

ADDRESS = "127.0.0.141"
PARKING = (
    "<!doctype html><html><head><title>harbourwatch.test</title>"
    '<script src="https://www.google.com/adsense/domains/caf.js"></script></head><body>'
    "<h1>harbourwatch.test</h1><p>This domain may be for sale. Buy this domain today.</p>"
    "<p>Related searches: boat insurance, marina berths, sailing lessons</p></body></html>"
)
KETTLE = (
    "Descaling a kettle with citric acid takes ten minutes and leaves no smell behind. Fill the kettle to "
    "the halfway mark, stir in two spoonfuls of the powder, bring it to the boil and let it stand. The "
    "limescale on the element softens and lifts; a soft brush clears what is left near the spout. Rinse "
    "twice, boil fresh water once and pour it away before making tea. Hard water areas need this every "
    "month, soft water areas twice a year. Vinegar works as well but lingers in the plastic parts for days, "
    "and lemon juice is too weak for thick deposits. Keep the lid open while the solution stands so the "
    "steam does not condense on the switch. An old kettle with a concealed element scales more slowly "
    "than one with a coil, but the filter at the spout clogs just the same and deserves a soak of its own."
)
MORTGAGES = (
    "Compare fixed and variable mortgage rates from dozens of lenders in one place. Our calculator shows "
    "monthly repayments, arrangement fees and the total cost over the full term, so you can see which "
    "deal suits your budget. Remortgaging could save thousands when your introductory period ends. Speak "
    "to an adviser about loan to value bands, offset accounts and overpayment limits before you apply. "
    "Credit checks will not affect your score at the quote stage. First time buyers may qualify for "
    "deposit schemes and cashback offers; landlords can browse buy to let products and portfolio lending. "
    "Rates shown are representative and subject to status, and your home may be repossessed if you do "
    "not keep up repayments on a mortgage or any other debt secured on it."
)


def article(title: str, text: str) -> str:
    head = f"<!doctype html><html><head><title>{title}</title></head>"
    return f"{head}<body><main><h1>{title}</h1><p>{text}</p></main></body></html>"


class SmallWeb:
    """A parked domain, and a blog whose kettle post becomes a lender's page in phase "after"."""

    def __init__(self) -> None:
        self.phase = "before"
        self.server = LoopbackServer(serve_requests(self._answer), [ADDRESS])

    async def _answer(self, request: Request) -> Response:
        host = request.headers.get("host", "").split(":")[0]
        if host == "harbourwatch.test":
            return Response(200, PARKING.encode(), {"Content-Type": "text/html"})
        if host == "kitchen.test" and request.target == "/posts/descaling-a-kettle":
            page = (
                article("Descaling a kettle", KETTLE)
                if self.phase == "before"
                else article("Best mortgage rates", MORTGAGES)
            )
            return Response(200, page.encode(), {"Content-Type": "text/html"})
        return Response(404, b"<html><title>404 Not Found</title></html>", {"Content-Type": "text/html"})

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.server.port}{path}"


@pytest.fixture
def web() -> Iterator[SmallWeb]:
    small = SmallWeb()
    small.server.start()
    yield small
    small.server.stop()


def config(web: SmallWeb, fakewayback: FakeWayback) -> str:
    resolve = ", ".join(f'"{host}:{ADDRESS}"' for host in ("harbourwatch.test", "kitchen.test"))
    return f"[check]\nresolve = [{resolve}]\nretries = 0\ntimeout = 5\n" + wayback_config(fakewayback)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, [*args])


def test_a_parked_link_is_archived_at_once_from_a_capture_that_is_no_parking_page(
    workdir: Path, web: SmallWeb, fakewayback: FakeWayback
) -> None:
    """Checked once (failing, not dead), the parked link is looked up all the same; the capture
    nearest the citation is the parking page itself and is passed over for the real one."""
    parked = web.url("harbourwatch.test", "/tides/2019-almanac")
    (workdir / "linkkeeper.toml").write_text(config(web, fakewayback))
    (workdir / "notes.md").write_text(f"See [the almanac]({parked}).\n")
    fakewayback.add_capture(
        parked, {"timestamp": "20190301000000", "status": 200, "body": article("Tide almanac 2019", KETTLE)}
    )
    fakewayback.add_capture(parked, {"timestamp": "20250601000000", "status": 200, "body": PARKING})
    checked = run("check", "--no-progress", "--format", "json", "notes.md")
    (target,) = json.loads(checked.stdout)["targets"]
    assert (target["outcome"], target["error_kind"], target["verdict"]) == ("broken", "parked", "failing")
    archived = run("archive", "--format", "json", "notes.md")
    assert archived.exit_code == 0, archived.output
    (link,) = json.loads(archived.stdout)["links"]
    assert link["url"] == parked
    assert link["snapshot"]["archive_url"] == f"https://web.archive.org/web/20190301000000/{parked}"


def test_a_drifted_link_is_archived_with_its_titles_compared(
    workdir: Path, web: SmallWeb, fakewayback: FakeWayback
) -> None:
    post = web.url("kitchen.test", "/posts/descaling-a-kettle")
    (workdir / "linkkeeper.toml").write_text(config(web, fakewayback))
    (workdir / "notes.md").write_text(f"How to [descale a kettle]({post}).\n")
    fakewayback.add_capture(
        post, {"timestamp": "20200101000000", "status": 200, "body": article("Descaling a kettle", KETTLE)}
    )
    first = run("check", "--no-progress", "--format", "json", "notes.md")
    assert json.loads(first.stdout)["targets"][0]["verdict"] == "alive"
    nothing = run("archive", "--format", "json", "notes.md")
    assert json.loads(nothing.stdout)["links"] == []  # alive and not drifted: nothing to look up
    web.phase = "after"
    second = run("check", "--no-progress", "--no-cache", "--format", "json", "notes.md")
    (target,) = json.loads(second.stdout)["targets"]
    assert (target["outcome"], target["verdict"]) == ("alive", "drifted")
    archived = run("archive", "notes.md")
    assert archived.exit_code == 0, archived.output
    assert re.search(r"notes\.md:1:\d+\s+drifted\s+" + re.escape(post), archived.stderr + archived.stdout)
    text = archived.stderr + archived.stdout
    assert f"https://web.archive.org/web/20200101000000/{post}" in text
    assert (
        "the snapshot is titled 'descaling a kettle', a different title from today's page ('best mortgage rates')"
        in text
    )
    fixed = run("fix", "--include-drifted", "--diff", "notes.md")
    assert f"+How to [descale a kettle](https://web.archive.org/web/20200101000000/{post})." in fixed.stdout
    plain = run("fix", "--diff", "notes.md")
    assert plain.stdout == ""  # drifted links are rewritten only on request

"""The HTML report in a real browser (headless Chromium), at desktop (1280 px) and phone (390 px)
widths: charts and table render, sorting and filtering work (on a phone too), local links open
the files they name from where the report is written, the page asks nothing of the network, and
screenshots are saved under reports/ for people to look at.

Chromium runs with every name resolving to nothing but 127.0.0.1, so whatever it (or the page)
tries, no traffic leaves this machine.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from linkkeeper.cli import main
from linkkeeper.models import RunReport, Verdict
from linkkeeper.report import Places
from linkkeeper.report.html import to_html
from tests.conftest import fast_config
from tests.fakeweb import FakeWeb
from tests.reportdata import fixed_report
from tests.scaledata import large_report

REPO = Path(__file__).resolve().parent.parent.parent
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]  # fmt: skip
CONTROL = "http://127.0.0.1:9/control.png"  # the harness's own request: proof the network log sees requests

pytestmark = pytest.mark.skipif(
    BROWSER is None and not os.environ.get("CI"), reason="Chromium is not installed (.ci/run installs it)"
)


def browse(page: Path, fragment: str, profile: Path, *extra: str) -> str:
    """The DOM after the page's script ran, as Chromium serialises it."""
    assert BROWSER is not None, "CI must have Chromium (.ci/run installs it)"
    url = page.as_uri() + (f"#{fragment}" if fragment else "")
    done = subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000", *extra, "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def visible_rows(dom: str) -> list[tuple[str, str]]:
    """(verdict, status) of the table rows the script left visible, in their order."""
    rows = re.findall(r"<tr ([^>]*)>", dom)
    return [
        (re.search(r'data-verdict="([^"]*)"', row).group(1), re.search(r'data-status="([^"]*)"', row).group(1))  # type: ignore[union-attr]
        for row in rows
        if "data-verdict" in row and "hidden" not in row
    ]


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    runs = [
        (1, "2026-02-01T00:00:00+00:00", {"failing": 1, "alive": 6}),
        (2, "2026-02-04T00:00:00+00:00", {"dead": 2, "failing": 1, "alive": 1}),
    ]
    path.write_text(to_html(fixed_report(), runs))
    return path


def test_charts_and_table_render(page: Path, tmp_path: Path) -> None:
    """The script ran, the SVG charts have their bars, and all seven links are listed."""
    dom = browse(page, "", tmp_path / "profile")
    assert 'data-ready="true"' in dom
    assert dom.count('class="bar"') >= 6 and dom.count('class="point"') == 3  # 1 failing; 2 dead + 1 failing
    assert len(visible_rows(dom)) == 7
    assert "7 of 7 links shown" in dom


def test_filtering_by_verdict_and_text(page: Path, tmp_path: Path) -> None:
    """Filtering by verdict, and by text, hides the other rows."""
    assert [verdict for verdict, _ in visible_rows(browse(page, "verdict=dead", tmp_path / "p1"))] == ["dead", "dead"]
    assert visible_rows(browse(page, "q=walled", tmp_path / "p2")) == [("blocked", "403")]


def test_sorting_by_status(page: Path, tmp_path: Path) -> None:
    """Sorting by status orders the rows by their numeric status, both ways; rows without one come last."""
    descending = [status for _, status in visible_rows(browse(page, "sort=status&dir=desc", tmp_path / "p3"))]
    numbers = [int(status) for status in descending if status]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == 503
    assert descending[len(numbers) :] == [""] * (len(descending) - len(numbers))


def test_screenshot_for_people(page: Path, tmp_path: Path) -> None:
    """A screenshot of the report is saved under reports/ (phone width too) and is a real PNG."""
    target = REPO / "reports"
    target.mkdir(exist_ok=True)
    for name, size in (("report-screenshot.png", "1280,1400"), ("report-screenshot-phone.png", "390,1600")):
        shot = target / name
        browse(page, "", tmp_path / f"s-{name}", f"--screenshot={shot}", f"--window-size={size}")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- a report written by `linkkeeper check`, opened in a frame of a given width --------------------

HARNESS = """<!doctype html><html><body><img src="{control}" alt="">
<iframe id="f" style="width:{width}px;height:3000px;border:0" src="{report}"></iframe><pre id="out">pending</pre>
<script>
const f=document.getElementById('f'),W={width};
function rows(d){{
  return Array.from(d.querySelectorAll('#links tbody tr')).filter(r=>!r.hidden).map(r=>r.dataset.status);}}
function measure(d){{
  const w=d.defaultView,sel=d.getElementById('sort'),box=sel.getBoundingClientRect(),out={{}};
  out.hrefs=Array.from(d.querySelectorAll('a.local, a.place')).map(a=>a.href);
  out.inert=Array.from(d.querySelectorAll('td.url span.inert')).map(s=>s.textContent);
  out.sortVisible=box.width>0&&box.height>0&&box.left>=0&&box.right<=W;
  out.headVisible=w.getComputedStyle(d.querySelector('#links thead')).display!=='none';
  out.overflow=d.documentElement.scrollWidth-d.documentElement.clientWidth;
  out.widths=Array.from(d.querySelector('#links tbody tr').cells).map(c=>c.getBoundingClientRect().width);
  out.statusText=Array.from(d.querySelectorAll('#links tbody tr')).map(r=>r.cells[2].textContent.trim());
  out.places=[];out.brokenNames=[];out.placesFit=true;
  d.querySelectorAll('#links a.place').forEach(a=>{{
    const text=a.textContent;out.places.push(text);
    const cell=a.closest('td').getBoundingClientRect(),box=a.getBoundingClientRect();
    if(box.left<cell.left-1||box.right>cell.right+1)out.placesFit=false;
    const chars=[],walk=d.createTreeWalker(a,NodeFilter.SHOW_TEXT);
    for(let t=walk.nextNode();t;t=walk.nextNode())for(let i=0;i<t.length;i++)chars.push([t,i]);
    let start=0;text.split('/').forEach((name,k,all)=>{{
      const end=start+name.length+(k<all.length-1?1:0)-1,range=d.createRange();
      range.setStart(chars[start][0],chars[start][1]);range.setEnd(chars[end][0],chars[end][1]+1);
      const tops=new Set(Array.from(range.getClientRects()).filter(r=>r.width>0).map(r=>Math.round(r.bottom)));
      if(tops.size>1)out.brokenNames.push(name);start=end+1;}});}});
  sel.value='status:desc';sel.dispatchEvent(new Event('change'));
  out.sorted=rows(d);out.hash=w.location.hash;return out;}}
function poll(n){{const d=f.contentDocument;
  if(d&&d.body&&d.body.dataset.ready==='true'){{document.getElementById('out').textContent=JSON.stringify(measure(d));}}
  else if(n>0)setTimeout(()=>poll(n-1),50);else document.getElementById('out').textContent='timeout';}}
poll(100);
</script></body></html>
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, fakeweb_server: FakeWeb) -> Path:
    """A small docs project with local links and links to the fake web, checked once (its folder
    named by its absolute path); its report is written where it is by default, in .linkkeeper/reports."""
    root = tmp_path_factory.mktemp("site")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "linkkeeper.toml").write_text(fast_config(fakeweb_server, retries=0))
    web = (
        fakeweb_server.url(0, path) for path in ("/status/404", "/status/503", "/ok", "/redirect/301/1", "/status/410")
    )
    (root / "docs" / "web.md").parent.mkdir(parents=True)
    (root / "docs" / "web.md").write_text("".join(f"[web]({url})\n" for url in web))
    (root / "README.md").write_text("# Readme\n")
    (root / "docs" / "my notes").mkdir()
    (root / "docs" / "my notes" / "a b.md").write_text("# A B\n")
    (root / "docs" / "other.md").write_text("# Other\n\n## Usage\n")
    deep = root / "docs" / "reference" / "configuration-options" / "advanced-network-settings.md"
    deep.parent.mkdir(parents=True)
    deep.write_text("# Network\n\nSee [the guide](../../guide.md#install-steps).\n")
    (root / "docs" / "guide.md").write_text(
        "# Guide\n\n## Install steps\n\n[readme](../README.md) [usage](other.md#usage) [self](#install-steps)\n"
        "[spaced](<my notes/a b.md>) [gone](missing.md) [site](/abs/path/)\n"
    )
    previous = Path.cwd()
    os.chdir(root)
    try:
        # The folder named absolutely, as a CI job often does: its places are absolute in the run.
        result = CliRunner().invoke(main, ["check", "--no-progress", "--fail-on", "never", str(root / "docs")])
    finally:
        os.chdir(previous)
    assert result.exit_code == 0, result.output
    return root


def open_in_frame(project: Path, width: int, profile: Path) -> tuple[dict[str, Any], set[str]]:
    """What the harness measured in the report at ``width`` px, and the http(s) URLs pages asked for."""
    report = project / ".linkkeeper" / "reports" / "report.html"
    harness = project / f"harness-{width}.html"
    harness.write_text(HARNESS.format(control=CONTROL, width=width, report=os.path.relpath(report, project)))
    net_log = profile.parent / f"net-{width}.json"
    dom = browse(harness, "", profile, "--allow-file-access-from-files", f"--log-net-log={net_log}")
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.DOTALL)
    assert found is not None and found.group(1) not in ("pending", "timeout"), dom[-2000:]
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    asked = {
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start_job and str(event["params"].get("initiator", "")).startswith("file://")
    }
    return json.loads(html.unescape(found.group(1))), asked


@pytest.fixture(scope="module")
def desktop(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], set[str]]:
    return open_in_frame(project, 1280, tmp_path_factory.mktemp("desktop") / "profile")


@pytest.fixture(scope="module")
def phone(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], set[str]]:
    return open_in_frame(project, 390, tmp_path_factory.mktemp("phone") / "profile")


def test_local_links_open_the_files_they_name(project: Path, desktop: tuple[dict[str, Any], set[str]]) -> None:
    """Every local link and place, as the browser resolves it from .linkkeeper/reports/, names a real file."""
    measured, _ = desktop
    targets = {(Path(unquote(urlsplit(href).path)), urlsplit(href).fragment) for href in measured["hrefs"]}
    assert targets >= {
        (project / "README.md", ""), (project / "docs" / "other.md", "usage"),
        (project / "docs" / "guide.md", "install-steps"), (project / "docs" / "my notes" / "a b.md", ""),
        (project / "docs" / "guide.md", ""),  # the place the links are written
    }  # fmt: skip
    missing = {path for path, _ in targets if not path.is_file()}
    assert missing == {project / "docs" / "missing.md"}  # the one broken link, as it should be
    assert measured["inert"] == ["/abs/path/"]  # site-relative, not resolved: no href to a wrong place
    moved = [text for text in measured["statusText"] if "moved to" in text]
    assert len(moved) == 1 and "/redirect/301/1" not in moved[0]  # the web redirect, and no local link


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_report_asks_nothing_of_the_network(width: str, request: pytest.FixtureRequest) -> None:
    """The page loads no script, style, font or image from anywhere: the only request is the harness's own."""
    _, asked = request.getfixturevalue(width)
    assert asked == {CONTROL}


def test_sorting_works_on_a_phone(phone: tuple[dict[str, Any], set[str]]) -> None:
    """At 390 px the header row is folded away, but the Sort control is on screen and sorts the rows."""
    measured, _ = phone
    assert measured["sortVisible"] and not measured["headVisible"]
    statuses = [status for status in measured["sorted"] if status]
    assert statuses == ["503", "410", "404", "200", "200"]
    assert measured["sorted"][len(statuses) :] == [""] * (len(measured["sorted"]) - len(statuses))
    assert "sort=status" in measured["hash"]
    assert measured["overflow"] <= 0  # nothing wider than the phone


def test_columns_are_sized_for_their_content_at_desktop_width(desktop: tuple[dict[str, Any], set[str]]) -> None:
    """At 1280 px the link column is the widest, no column is squeezed to nothing, and nothing overflows."""
    measured, _ = desktop
    link, _, status, *_ = measured["widths"]
    assert link == max(measured["widths"]) and link >= 2 * status
    assert min(measured["widths"]) >= 50
    assert measured["overflow"] <= 0 and measured["headVisible"] and measured["sortVisible"]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_places_are_shown_from_the_project_root_and_break_between_names(
    width: str, request: pytest.FixtureRequest
) -> None:
    """The folder was named by its absolute path, yet places read from the project root; a long
    place wraps after a slash, never inside a file or folder name, and stays in its column."""
    measured, _ = request.getfixturevalue(width)
    assert "docs/reference/configuration-options/advanced-network-settings.md:3:17" in measured["places"]
    assert "docs/guide.md:5:10" in measured["places"]  # where the links to the web are written
    assert not any(place.startswith("/") for place in measured["places"])
    assert measured["brokenNames"] == []
    assert measured["placesFit"]


# -- a large report: rows for the links needing attention, the rest packed and listed page by page ---


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunReport]:
    """The page of a 20,000-link run, written beside its (imaginary) project's files."""
    folder = tmp_path_factory.mktemp("large")
    report = large_report(20_000)
    page = folder / "report.html"
    page.write_text(to_html(report, places=Places(folder, folder, folder)), encoding="utf-8")
    return page, report


def shown(dom: str) -> str:
    found = re.search(r'<span id="shown"[^>]*>([^<]*)</span>', dom)
    assert found is not None
    return found.group(1)


def test_a_large_report_lists_its_packed_links_page_by_page(large: tuple[Path, RunReport], tmp_path: Path) -> None:
    """The script unpacks the links not written as rows: they are filtered, paged and sorted with the rest."""
    page, report = large
    skipped = sum(1 for entry in report.entries if entry.verdict is Verdict.SKIPPED)
    dom = browse(page, "verdict=skipped&page=2", tmp_path / "p1")
    assert 'data-ready="true"' in dom
    assert shown(dom) == f"101\u2013200 of {skipped:,} links shown (20,000 in all)"
    assert [verdict for verdict, _ in visible_rows(dom)] == ["skipped"] * 100  # every one of them packed
    assert dom.count('class="place"') >= 100 and '<span id="at">Page 2 of' in dom
    first = browse(page, "", tmp_path / "p2")
    assert shown(first) == "1\u2013100 of 20,000 links shown" and '<span id="at">Page 1 of 200</span>' in first
    assert visible_rows(first)[0][0] == "dead"
    last_alive = next(entry.target.url for entry in reversed(report.entries) if entry.verdict is Verdict.ALIVE)
    found = browse(page, f"q={last_alive}", tmp_path / "p3")
    assert shown(found) == "1 of 20,000 links shown" and f'rel="noreferrer">{last_alive}</a>' in found
    by_status = [status for _, status in visible_rows(browse(page, "sort=status&dir=desc", tmp_path / "p4"))]
    assert by_status[0] == "503" and by_status == sorted(by_status, key=int, reverse=True)


def test_without_javascript_a_large_report_still_lists_every_link_needing_attention(
    large: tuple[Path, RunReport], tmp_path: Path
) -> None:
    """Scripts off (the page without its script: headless Chromium dumps nothing with scripts disabled),
    the rows written into the page are all there, the links needing attention first, with the note."""
    page, report = large
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"<script>.*?</script>", "", page.read_text(encoding="utf-8"), flags=re.DOTALL))
    dom = browse(bare, "", tmp_path / "p")
    needing = {"dead", "failing", "drifted", "blocked"}
    count = sum(1 for entry in report.entries if entry.verdict is not None and entry.verdict.value in needing)
    verdicts = [verdict for verdict, _ in visible_rows(dom)]
    assert set(verdicts[:count]) == needing and needing.isdisjoint(verdicts[count:])
    assert len(verdicts) == page.read_text(encoding="utf-8").count("<tr data-verdict=")
    assert "readable without JavaScript" in dom and "data-ready" not in dom


def test_a_large_report_asks_nothing_of_the_network(large: tuple[Path, RunReport], tmp_path: Path) -> None:
    """Unpacking the links is no request: in a frame beside the harness's own image, the page asks for nothing."""
    page, _ = large
    harness = page.parent / "large-harness.html"
    harness.write_text(
        f'<!doctype html><html><body><img src="{CONTROL}" alt=""><iframe id="f" src="{page.name}"></iframe>'
        "<pre id=out>pending</pre><script>function poll(n){const d=document.getElementById('f').contentDocument;"
        "if(d&&d.body&&d.body.dataset.ready==='true')document.getElementById('out').textContent="
        "d.getElementById('shown').textContent;else if(n>0)setTimeout(()=>poll(n-1),50);}poll(100);</script>"
        "</body></html>"
    )
    net_log = tmp_path / "net.json"
    dom = browse(harness, "", tmp_path / "p", "--allow-file-access-from-files", f"--log-net-log={net_log}")
    assert '<pre id="out">1\u2013100 of 20,000 links shown</pre>' in dom  # unpacked
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    asked = {
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start_job and str(event["params"].get("initiator", "")).startswith("file://")
    }
    assert asked == {CONTROL}


class _Tree(HTMLParser):
    """Markup as a list of tags (attributes sorted) and texts, so two serialisations compare."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.items: list[tuple[str, ...]] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append((tag, *sorted(f"{name}={value}" for name, value in attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.items.append((f"/{tag}",))

    def handle_data(self, data: str) -> None:
        self.items.append(("text", data))


@pytest.mark.parametrize("view", ["verdict=alive&page=160", "verdict=excluded", "verdict=skipped&page=3"])
def test_a_packed_link_is_drawn_as_its_row_would_be_written(
    view: str, large: tuple[Path, RunReport], tmp_path: Path
) -> None:
    """The script draws an unpacked link exactly as the page writes a row: the same cells, links and places."""
    page, report = large
    dom = browse(page, view, tmp_path / "p")
    drawn = re.findall(r"<tr data-verdict=.*?</tr>", dom)
    assert len(drawn) > 10
    folder = page.parent
    entries = {entry.target.url: entry for entry in report.entries}
    for row in drawn:
        url = html.unescape(re.search(r'<td class="url"><[^>]*>([^<]*)<', row).group(1))  # type: ignore[union-attr]
        alone = to_html(replace(report, entries=(entries[url],)), places=Places(folder, folder, folder))
        expected = re.search(r"<tr data-verdict=.*?</tr>", alone)
        assert expected is not None and _Tree(row).items == _Tree(expected.group()).items


def test_screenshot_of_a_large_report_for_people(large: tuple[Path, RunReport], tmp_path: Path) -> None:
    """A screenshot of the 20,000-link page, its packed links unpacked, is saved under reports/ too."""
    page, _ = large
    shot = REPO / "reports" / "report-screenshot-large.png"
    shot.parent.mkdir(exist_ok=True)
    browse(page, "", tmp_path / "s", f"--screenshot={shot}", "--window-size=1280,1400")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

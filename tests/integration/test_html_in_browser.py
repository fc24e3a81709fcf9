"""The HTML report in a real browser (headless Chromium): charts and table render, sorting and
filtering work, and a screenshot is saved under reports/ for people to look at."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from linkkeeper.report.html import to_html
from tests.reportdata import fixed_report

REPO = Path(__file__).resolve().parent.parent.parent
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    BROWSER is None and not os.environ.get("CI"), reason="Chromium is not installed (.ci/run installs it)"
)


def browse(page: Path, fragment: str, profile: Path, *extra: str) -> str:
    """The DOM after the page's script ran, as Chromium serialises it."""
    assert BROWSER is not None, "CI must have Chromium (.ci/run installs it)"
    url = page.as_uri() + (f"#{fragment}" if fragment else "")
    done = subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=2000", *extra, "--dump-dom", url],
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
        (1, "2026-02-01T00:00:00+00:00", {"broken": 1, "alive": 6}),
        (2, "2026-02-04T00:00:00+00:00", {"broken": 2, "error": 1}),
    ]
    path.write_text(to_html(fixed_report(), runs))
    return path


def test_charts_and_table_render(page: Path, tmp_path: Path) -> None:
    """The script ran, the SVG charts have their bars and points, and all seven links are listed."""
    dom = browse(page, "", tmp_path / "profile")
    assert 'data-ready="true"' in dom
    assert dom.count('class="bar"') >= 6 and dom.count('class="point"') == 2
    assert len(visible_rows(dom)) == 7
    assert "7 of 7 links shown" in dom


def test_filtering_by_verdict_and_text(page: Path, tmp_path: Path) -> None:
    """Filtering by verdict, and by text, hides the other rows."""
    assert [verdict for verdict, _ in visible_rows(browse(page, "verdict=dead", tmp_path / "p1"))] == ["dead", "dead"]
    assert visible_rows(browse(page, "q=walled", tmp_path / "p2")) == [("blocked", "403")]


def test_sorting_by_status(page: Path, tmp_path: Path) -> None:
    """Sorting by status orders the rows by their numeric status, both ways."""
    descending = [status for _, status in visible_rows(browse(page, "sort=status&dir=desc", tmp_path / "p3"))]
    numbers = [int(status) for status in descending if status]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == 503


def test_screenshot_for_people(page: Path, tmp_path: Path) -> None:
    """A screenshot of the report is saved under reports/ (phone width too) and is a real PNG."""
    target = REPO / "reports"
    target.mkdir(exist_ok=True)
    for name, size in (("report-screenshot.png", "1100,1400"), ("report-screenshot-phone.png", "390,1600")):
        shot = target / name
        browse(page, "", tmp_path / f"s-{name}", f"--screenshot={shot}", f"--window-size={size}")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

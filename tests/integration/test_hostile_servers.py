"""Fault injection: hostile servers never crash a run, exhaust its memory or outlast its deadline.

Each case runs ``linkkeeper check`` in a child process against the fake web, so the child's own
peak memory (``wait4``) and exit are what is asserted, under an address-space limit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fast_config
from tests.fakeweb import FakeWeb

MEMORY_LIMIT = 1536 * 1024 * 1024  # address space; the run itself needs about a third of it
PEAK_RSS = 150 * 1024 * 1024


# The child limits its own address space, runs the command, and writes down its peak resident
# memory (VmHWM: per process image, so the forked test runner's pages before exec do not count).
_CHILD = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from linkkeeper.cli import main
try:
    main(sys.argv[1:], prog_name="linkkeeper")
finally:
    status = Path("/proc/self/status").read_text()
    peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    Path("peak-kb").write_text(peak)
"""


def run_check(workdir: Path, web: FakeWeb, urls: list[str], *options: str) -> tuple[int, int, dict[str, object], str]:
    """Exit code, peak resident memory in bytes, the JSON report and stderr of one child run."""
    (workdir / "linkkeeper.toml").write_text(fast_config(web, timeout=5.0, retries=0))
    (workdir / "doc.md").write_text("".join(f"* <{url}>\n" for url in urls))
    report = workdir / "out.json"
    command = [
        sys.executable, "-c", _CHILD.format(limit=MEMORY_LIMIT), "check", "--no-progress", "--format", "json",
        "--output", str(report), "--reports-dir", str(workdir / "reports"), "--fail-on", "never", *options, "doc.md",
    ]  # fmt: skip
    process = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=120, check=False)
    data = json.loads(report.read_text()) if report.exists() else {}
    peak = int((workdir / "peak-kb").read_text()) * 1024
    return process.returncode, peak, data, process.stderr


def outcomes(data: dict[str, object]) -> dict[str, str]:
    targets = data.get("targets", [])
    assert isinstance(targets, list)
    return {target["url"]: target["outcome"] for target in targets}


def test_a_decompression_bomb_is_read_to_the_body_cap_and_no_further(workdir: Path, fakeweb: FakeWeb) -> None:
    """256 MB of zeros gzipped twice (about 500 bytes on the wire): the page is alive, and the run's
    peak memory stays under 150 MB (it reached 2 GB for 1 GB, decoded in one call)."""
    bomb, page = fakeweb.url(0, "/bomb/256"), fakeweb.url(1, "/ok")
    code, peak, data, stderr = run_check(workdir, fakeweb, [bomb, page])
    assert (code, stderr.count("Traceback")) == (0, 0), stderr
    assert outcomes(data) == {bomb: "alive", page: "alive"}
    assert peak < PEAK_RSS, f"peak RSS {peak / 1e6:.0f} MB"


@pytest.mark.parametrize(
    ("path", "outcome"),
    [
        ("/slowloris", "error"),  # a head one byte every 100 ms: cut off by the request's deadline
        ("/endless-headers", "error"),  # a head that never ends: refused past httpx's size limit
        ("/garbage", "error"),  # no HTTP at all
        ("/reset", "error"),
        ("/hang", "error"),
        ("/trickle", "error"),
        ("/big", "alive"),  # an endless body: read to the cap
    ],
)
def test_a_hostile_server_gives_an_outcome_in_bounded_time_and_memory(
    workdir: Path, fakeweb: FakeWeb, path: str, outcome: str
) -> None:
    """Each hostile behaviour ends as a result, in the run's own clock no later than its timeout allows,
    with no traceback and under 150 MB; the page beside it is alive."""
    hostile, page = fakeweb.url(0, path), fakeweb.url(1, "/ok")
    code, peak, data, stderr = run_check(workdir, fakeweb, [hostile, page], "--timeout", "2")
    assert (code, stderr.count("Traceback")) == (0, 0), stderr
    assert outcomes(data) == {hostile: outcome, page: "alive"}
    elapsed = {target["url"]: target["elapsed_ms"] for target in data["targets"]}  # type: ignore[union-attr]
    assert elapsed[hostile] <= 2_000 + 500  # retries = 0: one attempt, one deadline
    assert peak < PEAK_RSS, f"peak RSS {peak / 1e6:.0f} MB"

"""A name that does not resolve is rot only when the resolver is shown to work in this run.

Each case runs ``linkkeeper check`` in a network namespace of its own (``unshare --net --mount``,
as root): only loopback, and /etc/resolv.conf bound to a fake DNS server of the test's (or to
nothing). So the three networks are real to the resolver: a working one with dead names, one
that resolves no public name while a loopback host answers, and none at all."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _namespaces_work() -> str | None:
    """Why the namespace cases cannot run here, or None when they can."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root to make a network namespace"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2)"
    trial = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True, timeout=30, check=False)
    return None if trial.returncode == 0 else f"unshare failed: {trial.stderr.decode(errors='replace').strip()}"


pytestmark = pytest.mark.skipif(_namespaces_work() is not None, reason=str(_namespaces_work()))


def check_on(network: str) -> dict[str, object]:
    done = subprocess.run(
        ["unshare", "--net", "--mount", "--fork", sys.executable, "-m", "tests.netns.resolver", network],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_a_working_resolver_makes_a_dead_name_broken() -> None:
    run = check_on("working")
    live, dead = run["links"]  # type: ignore[misc]
    targets = run["targets"]
    assert isinstance(targets, dict)
    assert targets[live][0] == "alive"
    assert targets[dead][:2] == ["broken", "name-not-found"]
    assert run["exit_code"] == 1


def test_a_resolver_that_resolves_no_public_name_judges_no_name() -> None:
    """The loopback host answers, so the network is up; the dead name is not judged, and the
    run says why (the canary did not resolve either)."""
    run = check_on("loopback-only")
    loopback, dead = run["links"]  # type: ignore[misc]
    targets = run["targets"]
    assert isinstance(targets, dict)
    assert targets[loopback][0] == "alive"
    assert targets[dead][:2] == ["skipped", "resolver-unproven"]
    assert "example.com" in targets[dead][2]
    assert run["exit_code"] == 0
    assert "1 link(s) not judged: their names did not resolve" in str(run["stderr"])


def test_no_network_at_all_is_exit_4_and_judges_nothing() -> None:
    run = check_on("offline")
    targets = run["targets"]
    assert isinstance(targets, dict) and len(targets) == 2
    assert all(outcome == "skipped" for outcome, _, _ in targets.values())
    assert run["exit_code"] == 4
    assert "network unreachable" in str(run["stderr"])

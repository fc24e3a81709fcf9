"""One ``linkkeeper check`` on a machine whose network the test makes: run as root inside
``unshare --net --mount`` (a network namespace with only loopback, and /etc/resolv.conf bound to
a file of ours), it prints the run's exit code and outcomes as JSON.

Networks (argv[1]):
  working        a resolver that resolves public names (example.com, live.example.org) and answers
                 NXDOMAIN for names that do not exist;
  loopback-only  a resolver that resolves nothing (NXDOMAIN for every name): a loopback host still
                 answers, as on a proxy-only or allow-listed network;
  offline        no resolver at all and nothing answering.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from linkkeeper.cli import main as linkkeeper
from tests.fakedns import FakeDNS
from tests.fakeweb import FakeWeb

NAMES = {"working": {"example.com": "127.0.0.1", "live.example.org": "127.0.0.2"}, "loopback-only": {}}


def run(network: str, folder: Path) -> dict[str, object]:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    resolv = folder / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)
    dns = FakeDNS(NAMES[network]).start() if network in NAMES else None
    web = FakeWeb(hosts=1).start()
    port = web.port
    links = {
        "working": [f"http://live.example.org:{port}/ok", f"http://dead.example.org:{port}/x"],
        "loopback-only": [f"http://127.0.0.2:{port}/ok", f"http://dead.example.org:{port}/x"],
        "offline": [f"http://dead.example.org:{port}/x", "http://gone.example.net/"],
    }[network]
    (folder / "page.md").write_text("".join(f"[link {index}]({url})\n" for index, url in enumerate(links)))
    (folder / "linkkeeper.toml").write_text(
        '[check]\nretries = 0\ntimeout = 3\nconnect_timeout = 2\nread_timeout = 2\ndns_canary = "example.com"\n'
    )
    (folder / ".git").mkdir()  # the project root: its history and reports stay in this folder
    os.chdir(folder)
    try:
        result = CliRunner().invoke(linkkeeper, ["check", "--no-progress", "--format", "json", "page.md"])
    finally:
        web.stop()
        if dns is not None:
            dns.stop()
    document = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    return {
        "exit_code": result.exit_code,
        "stderr": result.stderr,
        "targets": {t["url"]: [t["outcome"], t["error_kind"], t["error"]] for t in document.get("targets", [])},
        "links": links,
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as workdir:
        print(json.dumps(run(sys.argv[1], Path(workdir))))

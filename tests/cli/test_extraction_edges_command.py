"""Issue 25's extraction edges through the command line: ``scan`` lists a ``$`` link, a bare
e-mail and a malformed URL; ``check`` requests the malformed URL where a browser would and treats
the bare e-mail as its ``<…>`` twin; ``fix --malformed`` corrects it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from linkkeeper.cli import main
from tests.conftest import fast_config
from tests.fakeweb import FakeWeb

PAGE = (
    "# Notes\n\n"
    "Requests go through the [$http service](https://docs.angularjs.org/api/ng/service/$http) (axios's README).\n"
    "The code is [on GitHub](https:/github.com/axios/axios), questions to jane@example.org.\n\n"
    "$$ [\\psi](\\mathbf{L}) $$\n"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_scan_lists_the_dollar_link_the_email_and_the_malformed_url(workdir: Path) -> None:
    (workdir / "notes.md").write_text(PAGE)
    result = run("scan", "notes.md")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "notes.md:3:41  inline  https://docs.angularjs.org/api/ng/service/$http",
        "notes.md:4:25  inline  https://github.com/axios/axios  [written https:/github.com/axios/axios]  {malformed}",
        "notes.md:4:70  email  mailto:jane@example.org  [no: mailto: links are not checked]",
    ]
    document = json.loads(run("scan", "--format", "json", "notes.md").stdout)
    kinds = [(occ["kind"], occ["raw"], occ["flags"]) for occ in document["occurrences"]]
    assert kinds == [
        ("inline", "https://docs.angularjs.org/api/ng/service/$http", []),
        ("inline", "https:/github.com/axios/axios", ["malformed"]),
        ("email", "jane@example.org", []),
    ]
    strict = run("scan", "--strict", "notes.md")
    assert strict.exit_code == 1 and "notes.md:4:25: malformed URL" in strict.output


def test_check_requests_a_malformed_url_as_a_browser_would(workdir: Path, fakeweb: FakeWeb) -> None:
    """``http:/host:port/ok`` is requested at ``http://host:port/ok``; a bare e-mail and its
    ``<…>`` twin are one skipped ``mailto:`` target."""
    (workdir / "linkkeeper.toml").write_text(fast_config(fakeweb, retries=0))
    good = fakeweb.url(0, "/ok")
    malformed = good.replace("http://", "http:/")
    (workdir / "a.md").write_text(f"See [it]({malformed}).\n\nMail jane@example.org or <jane@example.org>.\n")
    result = run("check", "--no-progress", "--format", "json", "a.md")
    assert result.exit_code == 0, result.output
    targets = {target["url"]: target for target in json.loads(result.stdout)["targets"]}
    assert set(targets) == {good, "mailto:jane@example.org"}
    assert targets[good]["outcome"] == "alive" and fakeweb.count(host=0, path="/ok") >= 1
    mail = targets["mailto:jane@example.org"]
    assert (mail["outcome"], mail["error"], len(mail["occurrences"])) == (
        "skipped",
        "mailto: links are not checked",
        2,
    )


def test_fix_malformed_diff_check_and_write(workdir: Path) -> None:
    """No history is needed: ``--diff`` shows the correction and writes nothing, ``--check`` exits
    1 while one is pending, and ``fix --malformed`` writes it; then nothing is malformed."""
    page = workdir / "notes.md"
    page.write_text(PAGE)
    diff = run("fix", "--malformed", "--diff", "notes.md")
    assert diff.exit_code == 0, diff.output
    assert "-The code is [on GitHub](https:/github.com/axios/axios), questions to jane@example.org.\n" in diff.stdout
    assert "+The code is [on GitHub](https://github.com/axios/axios), questions to jane@example.org.\n" in diff.stdout
    changed = [line[0] for line in diff.stdout.splitlines()[3:] if line[:1] in ("-", "+")]  # after the headers
    assert changed == ["-", "+"]  # that line only
    assert "notes.md:4:25  https:/github.com/axios/axios -> https://github.com/axios/axios  (malformed)" in (
        diff.stderr
    )
    assert page.read_text() == PAGE
    assert run("fix", "--malformed", "--check", "notes.md").exit_code == 1
    assert "nothing to rewrite" in run("fix", "notes.md").output  # only on request
    written = run("fix", "--malformed", "notes.md")
    assert written.exit_code == 0, written.output
    assert page.read_text() == PAGE.replace("(https:/github.com", "(https://github.com")
    assert "{malformed}" not in run("scan", "notes.md").stdout
    assert run("fix", "--malformed", "--check", "notes.md").exit_code == 0

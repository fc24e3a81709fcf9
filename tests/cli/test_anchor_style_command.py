"""``linkkeeper check`` over local pages of a Jekyll site: ``site.anchor_style`` from
``linkkeeper.toml`` or detected, explicit ids and block IALs accepted, a missing anchor reported,
and one stderr line saying which anchor style was used and why."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from linkkeeper.cli import main

PAGE = """# Guide

## Setup {#setup}

## Install
{: #install-id}

## 1. Intro: What's new?
"""
INDEX = "[a](guide.md#setup) [b](guide.md#install-id) [c](guide.md#intro-whats-new) [d](guide.md#nowhere)\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", "--no-progress", "--offline", *args])


def site(root: Path) -> None:
    (root / "guide.md").write_text(PAGE, encoding="utf-8")
    (root / "index.md").write_text(INDEX, encoding="utf-8")


def test_jekyll_style_from_linkkeeper_toml(workdir: Path) -> None:
    """[site] anchor_style = "jekyll": {#id} and {: #id} are anchors, kramdown's automatic id too;
    the missing one is a broken fragment; stderr names the style, stdout's JSON does not."""
    site(workdir)
    (workdir / "linkkeeper.toml").write_text('[site]\nanchor_style = "jekyll"\n', encoding="utf-8")
    result = run("--format", "json", "index.md")
    assert result.exit_code == 1, result.output
    outcomes = {target["url"]: target["outcome"] for target in json.loads(result.stdout)["targets"]}
    assert outcomes == {
        "guide.md#setup": "alive",
        "guide.md#install-id": "alive",
        "guide.md#intro-whats-new": "alive",
        "guide.md#nowhere": "broken-fragment",
    }
    assert "anchors: jekyll (from site.anchor_style)\n" in result.stderr
    assert "anchors:" not in result.stdout


def test_the_style_is_detected_from_the_project_root(workdir: Path) -> None:
    """No setting: Jekyll's _config.yml at the project root makes it jekyll, and the run says so."""
    site(workdir)
    (workdir / "_config.yml").write_text("title: Guide\n", encoding="utf-8")
    result = run("index.md")
    assert result.exit_code == 1, result.output
    assert "guide.md#nowhere" in result.stderr and "guide.md#install-id" not in result.stderr
    assert "anchors: jekyll (from _config.yml)\n" in result.stderr


def test_github_by_default_and_no_line_without_local_fragments(workdir: Path) -> None:
    """Without a generator's file the style is GitHub's, where "{: #install-id}" is no anchor; a run
    that checks no fragment of a local page says nothing about anchors."""
    site(workdir)
    result = run("index.md")
    assert result.exit_code == 1, result.output
    assert "guide.md#install-id" in result.stderr
    assert "anchors: github (no site generator found)" in result.stderr
    (workdir / "plain.md").write_text("[guide](guide.md)\n", encoding="utf-8")
    quiet = run("plain.md")
    assert quiet.exit_code == 0, quiet.output
    assert "anchors:" not in quiet.stderr

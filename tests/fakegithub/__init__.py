"""A fake GitHub Enterprise Server for linkkeeper's GitHub checks: web pages, GraphQL and REST on
one loopback port (https with a trustme CA, or plain http), and a corpus of links with known answers."""

from tests.fakegithub.corpus import STATUSES, Truth, build_corpus
from tests.fakegithub.server import DEFAULT_TOKEN, FakeGitHub, LogEntry

__all__ = ["DEFAULT_TOKEN", "STATUSES", "FakeGitHub", "LogEntry", "Truth", "build_corpus"]

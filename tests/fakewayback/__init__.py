"""The fake Wayback Machine of ../shared/wayback-api.md Part B, served over loopback."""

from tests.fakewayback.server import FakeWayback

__all__ = ["FakeWayback"]

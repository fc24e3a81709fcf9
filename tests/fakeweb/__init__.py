"""A fake web for the tests: real HTTP servers on loopback addresses, one per fake host."""

from tests.fakeweb.server import FakeWeb, RequestRecord

__all__ = ["FakeWeb", "RequestRecord"]

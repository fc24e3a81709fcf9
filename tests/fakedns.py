"""A DNS server on loopback that knows a few names: an A record for each, NXDOMAIN for every other
name. It stands in for a resolver in a network namespace of the test's own (see tests/netns/)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Mapping

_A, _IN = 1, 1
_NXDOMAIN = 3


def answer(query: bytes, names: Mapping[str, str]) -> bytes | None:
    """The reply to one query, or None when it is no query we can read."""
    if len(query) < 17:
        return None
    labels, offset = [], 12
    while offset < len(query) and query[offset] != 0:
        length = query[offset]
        labels.append(query[offset + 1 : offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    end = offset + 5  # the root label, type and class
    if end > len(query):
        return None
    qtype, _ = struct.unpack(">HH", query[offset + 1 : end])
    address = names.get(".".join(labels).lower())
    records = b""
    if address is not None and qtype == _A:
        records = b"\xc0\x0c" + struct.pack(">HHIH", _A, _IN, 60, 4) + socket.inet_aton(address)
    rcode = _NXDOMAIN if address is None else 0
    header = query[:2] + struct.pack(">HHHHH", 0x8180 | rcode, 1, 1 if records else 0, 0, 0)
    return header + query[12:end] + records


class FakeDNS:
    """``FakeDNS({"example.com": "127.0.0.1"}).start()`` answers on 127.0.0.1:53 (UDP)."""

    def __init__(self, names: Mapping[str, str], address: str = "127.0.0.1", port: int = 53) -> None:
        self.names = {name.lower(): value for name, value in names.items()}
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((address, port))
        self._socket.settimeout(0.2)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.queries: list[str] = []

    def start(self) -> FakeDNS:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                query, peer = self._socket.recvfrom(512)
            except TimeoutError:
                continue
            reply = answer(query, self.names)
            if reply is not None:
                self._socket.sendto(reply, peer)

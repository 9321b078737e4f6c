"""Shared test fixtures, and a wall against the network.

Tests may only talk to loopback. The guard (tests/support/network.py) is installed here at import,
before any test module runs, and refuses both connections and name lookups for anything else, so a test
that would reach the internet fails loudly instead of passing on a developer's machine.

Plain helpers and constants (paths, the corpus, running ctk, writing files) live in ``tests/support``;
this file holds only fixtures.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import network
from tests.support.servers import RecordingServer, recording_server

network.install()


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any attempt to connect a socket fails the test (on top of the loopback-only guard): for in-process adapters."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"the in-process mock opened a socket to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[RecordingServer]:
    """A loopback server of the files put in ``tmp_path/served`` (its ``root``), recording each path asked for."""
    served = tmp_path / "served"
    served.mkdir()
    with recording_server(served) as server:
        yield server

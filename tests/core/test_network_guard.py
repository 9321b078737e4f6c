"""The test suite itself refuses to leave loopback."""

from __future__ import annotations

import socket

import pytest

from tests.support.network import NetworkAccessError


def test_name_lookups_outside_loopback_are_refused() -> None:
    with pytest.raises(NetworkAccessError):
        socket.getaddrinfo("example.com", 443)


def test_connections_outside_loopback_are_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkAccessError):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: refused before any packet is sent


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass

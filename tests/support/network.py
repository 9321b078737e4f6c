"""The wall against the network: tests may only talk to loopback.

``install()`` (called by tests/conftest.py at import, before any test module runs) refuses both
connections and name lookups for anything else, so a test that would reach the internet fails loudly
instead of passing on a developer's machine. ``real_getaddrinfo`` is the resolver as it was before, for
the tests that check what a name would resolve to without asking the guard.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

__all__ = ["NetworkAccessError", "install", "is_loopback", "real_getaddrinfo"]


class NetworkAccessError(RuntimeError):
    """A test tried to reach something other than loopback."""


def is_loopback(host: Any) -> bool:
    if host in (None, "", "localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
real_getaddrinfo = socket.getaddrinfo


def _guard(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
        raise NetworkAccessError(f"a test tried to connect to {address[0]!r}; only loopback is allowed")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _guard(self, address)
    _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _guard(self, address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_loopback(host):
        raise NetworkAccessError(f"a test tried to resolve {host!r}; only loopback is allowed")
    return real_getaddrinfo(host, *args, **kwargs)


def install() -> None:
    """Put the guard in place (idempotent)."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo

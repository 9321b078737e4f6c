"""One deadline for a whole fetch: every socket operation is given only the time that is left.

httpx's timeouts are per operation (connect, one read, one write), so a server that trickles its
answer one byte a second (headers included) never trips them, and httpx has no total timeout
(encode/httpx#1450). ctk fetches a contract with all its references and redirects under one
deadline instead: the network backend under httpx clamps each operation's timeout to the time
left and refuses to start one once it has run out. A stalled fetch therefore ends at the deadline
in the thread that started it, with no watchdog thread and no socket left behind.

Imported only when a contract is fetched: loading local contracts must not pay for httpx.
"""

from __future__ import annotations

import time
import typing

import httpcore
import httpx


class Deadline:
    """A point in time (monotonic clock) by which a fetch must be over."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def passed(self) -> bool:
        return self.left() <= 0

    def clamp(self, timeout: float | None) -> float:
        """``timeout`` cut to the time left; raises httpcore's own timeout once nothing is left."""
        left = self.left()
        if left <= 0:
            raise httpcore.ReadTimeout(f"the {self.seconds:g} s allowed for the fetch ran out")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.clamp(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: typing.Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, self._deadline.clamp(timeout))
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: Deadline) -> None:
        self._backend = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(host, port, self._deadline.clamp(timeout), local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(path, self._deadline.clamp(timeout), socket_options)
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(min(seconds, max(self._deadline.left(), 0.0)))


def deadline_client(
    deadline: Deadline, *, timeout: httpx.Timeout | float, follow_redirects: bool = False
) -> httpx.Client:
    """An httpx client whose every connection obeys ``deadline`` (``timeout`` still bounds each operation).

    httpx's HTTPTransport takes no network backend, so its connection pool is rebuilt with one; the
    attribute it keeps the pool in is pinned by a test, so an httpx upgrade that renames it fails there.
    """
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=_DeadlineBackend(deadline)
    )
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=follow_redirects)

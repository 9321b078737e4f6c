"""One deadline for a whole fetch: every socket operation is given only the time that is left.

httpx's timeouts are per operation (connect, one read, one write), so a server that trickles its
answer one byte a second (headers included) never trips them, and httpx has no total timeout
(encode/httpx#1450). ctk fetches a contract with all its references and redirects under one
deadline instead: the network backend under httpx clamps each operation's timeout to the time
left and refuses to start one once it has run out. A stalled fetch therefore ends at the deadline
in the thread that started it, with no watchdog thread and no socket left behind.

The same backend enforces where a contract's fetches may connect (``sources.AddressPolicy``): every
connection httpx opens, for the root, each reference and each redirect hop, passes through
``connect_tcp``. For a contract whose root is on a public address the name is resolved here, every
address it resolves to is checked, and the socket is connected to a checked address (an IP literal,
so nothing resolves the name a second time: DNS rebinding has no window). TLS is unaffected: httpcore
starts it afterwards with the URL's host name for SNI and the certificate check. The client is
built with an explicit transport, so httpx reads no proxy from the environment (HTTP(S)_PROXY,
ALL_PROXY): every connection really is made here, to the address that was checked.

Imported only when a contract is fetched: loading local contracts must not pay for httpx.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import typing

import httpcore
import httpx

from toolkit.errors import InternalAddressError

if typing.TYPE_CHECKING:
    from toolkit.sources import AddressPolicy


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
    def __init__(self, deadline: Deadline, policy: AddressPolicy | None = None) -> None:
        self._backend = httpcore.SyncBackend()
        self._deadline = deadline
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        policy = self._policy
        if policy is not None and policy.internal_allowed is False:
            stream = self._connect_public(host, port, timeout, local_address, socket_options)
        else:  # no policy, internal addresses allowed, or the root's connection, which decides
            stream = self._backend.connect_tcp(host, port, self._deadline.clamp(timeout), local_address, socket_options)
            if policy is not None and policy.internal_allowed is None:
                peer = stream.get_extra_info("server_addr")
                policy.internal_allowed = isinstance(peer, tuple) and policy.is_internal(str(peer[0]))
        return _DeadlineStream(stream, self._deadline)

    def _connect_public(
        self,
        host: str,
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: typing.Iterable[typing.Any] | None,
    ) -> httpcore.NetworkStream:
        """A connection to ``host`` made only if every address it resolves to is public, to one of those addresses."""
        assert self._policy is not None
        self._deadline.clamp(timeout)  # refuse to start once the deadline has passed
        try:
            ipaddress.ip_address(host)  # an address already (scoped IPv6 included): nothing to resolve
            addresses = [host]
        except ValueError:
            try:
                found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as exc:  # what socket.create_connection would have raised, mapped as httpcore maps it
                raise httpcore.ConnectError(str(exc)) from exc
            addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        for address in addresses:
            if self._policy.is_internal(address):
                raise InternalAddressError(f"{host} resolves to the internal address {address}", address=address)
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:  # in the resolver's order, as socket.create_connection tries them
            try:
                return self._backend.connect_tcp(
                    address, port, self._deadline.clamp(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(path, self._deadline.clamp(timeout), socket_options)
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(min(seconds, max(self._deadline.left(), 0.0)))


def deadline_client(
    deadline: Deadline,
    *,
    timeout: httpx.Timeout | float,
    follow_redirects: bool = False,
    policy: AddressPolicy | None = None,
    hops: list[str] | None = None,
) -> httpx.Client:
    """An httpx client whose every connection obeys ``deadline`` (``timeout`` still bounds each operation).

    ``policy`` (the reader's) decides which addresses its connections may reach; a connection it refuses
    raises ``InternalAddressError`` (a ``CtkError``, which httpx lets through unchanged). ``hops``, if given,
    receives the URL of every request sent, redirects included, so a refusal can name the one refused.
    httpx's HTTPTransport takes no network backend, so its connection pool is rebuilt with one; the
    attribute it keeps the pool in is pinned by a test, so an httpx upgrade that renames it fails there.
    """
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=_DeadlineBackend(deadline, policy)
    )
    hooks = {"request": [lambda request: hops.append(str(request.url))]} if hops is not None else None
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=follow_redirects, event_hooks=hooks)

"""An ASGI app under uvicorn in a background thread, on a loopback port, for the length of a ``with`` block.

Tests, conformance engines and benchmarks that talk to a server over real HTTP without starting a process:

    with serve_in_thread(MockASGIApp(mock), lifespan="off") as url:
        httpx.get(f"{url}/health")

The listening socket is bound here before uvicorn starts (port 0: the kernel picks a free one), so there
is no window in which another process could take the port, and the URL is known before the first request.
The block is entered once uvicorn has started serving on that socket; leaving it asks uvicorn to shut
down and waits for its thread, after which the port no longer accepts connections. uvicorn's options
pass through unchanged, e.g. ``http=`` with ctk's bounded protocol and the other settings of
``toolkit.mock.http_server.uvicorn_options`` to serve exactly as ``ctk serve`` does.

``free_port`` is for a server started some other way (a subprocess given ``--port``): a port nothing
listens on now, which the caller must bind soon.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

LOOPBACK = "127.0.0.1"
ASGIApp = Callable[..., Awaitable[None]]  # (scope, receive, send) -> None, as uvicorn calls it


class ServerStartError(RuntimeError):
    """The in-thread server could not listen or did not start in time (its reason in the message)."""


def free_port(host: str = LOOPBACK) -> int:
    """A port on ``host`` that nothing listens on now (for a server started as a subprocess)."""
    with socket.socket(_family(host)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(
    app: ASGIApp,
    *,
    host: str = LOOPBACK,
    port: int | None = None,
    startup_timeout: float = 20.0,
    shutdown_timeout: float = 10.0,
    **uvicorn_options: Any,
) -> Iterator[str]:
    """Serve ``app`` on ``host``:``port`` (a free port when None) in a thread; yield its base URL.

    ``uvicorn_options`` go to ``uvicorn.Config`` (``log_level`` defaults to "warning" and ``access_log``
    to False here; ``lifespan``, ``http`` and the rest to uvicorn's own defaults). Raises
    ``ServerStartError`` when the port cannot be bound or uvicorn has not started within
    ``startup_timeout`` seconds.
    """
    options: dict[str, Any] = {"log_level": "warning", "access_log": False, **uvicorn_options}
    sock = _listening_socket(host, port)
    bound = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=bound, **options))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as error:  # noqa: BLE001 - uvicorn exits with SystemExit on a failed startup: reported below
            failure.append(error)

    thread = threading.Thread(target=run, name=f"uvicorn-{host}:{bound}", daemon=True)
    try:
        thread.start()
        _wait_started(server, thread, failure, startup_timeout)
        yield f"http://{_url_host(host)}:{bound}"
    finally:
        server.should_exit = True
        thread.join(shutdown_timeout)
        if thread.is_alive():  # a connection that will not finish: stop without waiting for it
            server.force_exit = True
            thread.join(shutdown_timeout)
        sock.close()


def _listening_socket(host: str, port: int | None) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no conflict
        sock.bind((host, port or 0))
    except OSError as error:
        sock.close()
        raise ServerStartError(f"cannot listen on {host}:{port or 0}: {error}") from error
    return sock


def _wait_started(
    server: uvicorn.Server, thread: threading.Thread, failure: list[BaseException], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            why = f": {type(failure[0]).__name__}: {failure[0]}" if failure else " (see uvicorn's log above)"
            raise ServerStartError(f"the server stopped before it started{why}")
        if time.monotonic() > deadline:
            raise ServerStartError(f"the server did not start within {timeout:g} s")
        time.sleep(0.01)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

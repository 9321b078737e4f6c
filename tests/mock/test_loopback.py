"""``toolkit.mock.loopback``: an ASGI app under uvicorn in a thread, reached over real HTTP, stopped on exit."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from toolkit.mock.loopback import ServerStartError, free_port, serve_in_thread

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def hello(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    body = f"hello {scope['method']} {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


def _accepts(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return True
    except OSError:
        return False


def test_a_tiny_app_answers_over_real_http_and_the_port_closes_after() -> None:
    with serve_in_thread(hello, lifespan="off") as url:
        assert url.startswith("http://127.0.0.1:")
        response = httpx.get(f"{url}/ping", timeout=10)
        assert response.status_code == 200
        assert response.text == "hello GET /ping"
        assert _accepts(url)
    assert not _accepts(url), "the port still accepts connections after the block"


def test_two_servers_get_different_ports() -> None:
    with serve_in_thread(hello, lifespan="off") as first, serve_in_thread(hello, lifespan="off") as second:
        assert urlsplit(first).port != urlsplit(second).port
        assert httpx.get(first, timeout=10).text == httpx.get(second, timeout=10).text == "hello GET /"


def test_a_port_in_use_is_a_clear_error() -> None:
    with serve_in_thread(hello, lifespan="off") as url:
        port = urlsplit(url).port
        with (
            pytest.raises(ServerStartError, match=f"cannot listen on 127.0.0.1:{port}"),
            serve_in_thread(hello, port=port, lifespan="off"),
        ):
            pass


def test_an_app_that_fails_its_startup_is_a_clear_error() -> None:
    async def refuses(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        raise RuntimeError("no lifespan here")

    with (
        pytest.raises(ServerStartError, match="stopped before it started"),
        serve_in_thread(refuses, lifespan="on", log_level="critical"),
    ):
        pass


def test_free_port_is_a_port_nothing_listens_on() -> None:
    port = free_port()
    assert 0 < port < 65536
    assert not _accepts(f"http://127.0.0.1:{port}")

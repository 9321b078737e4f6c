"""``ctk.respond``: ctk's HTTP protocol writes a plain answer in one write, byte for byte what uvicorn's ``send``
writes for the two ASGI messages in two; anything else goes through uvicorn's ``send`` unchanged.

Each case is served twice, through ``BoundedHttpToolsProtocol`` (which lends the extension) and uvicorn's own
``HttpToolsProtocol`` (which does not), over a fake transport, and the bytes written must be the same."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from tests.support.fake_transport import RecordingTransport
from toolkit.exchange import MockResult, Request, Response
from toolkit.limits import DEFAULT_LIMITS
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.http_server import BoundedHttpToolsProtocol, uvicorn_options

DEFAULTS = [(b"date", b"Thu, 03 Dec 2026 01:00:00 GMT"), (b"server", b"uvicorn")]


def _serve(kind: type[HttpToolsProtocol], handler: Any, reads: list[bytes]) -> tuple[list[bytes], bool, int]:
    """The writes, whether the connection was closed, and the requests completed, after ``reads``."""
    loop = asyncio.new_event_loop()
    try:
        config = Config(
            app=MockASGIApp(handler, deliver=False), **{**uvicorn_options(DEFAULT_LIMITS), "http": "httptools"}
        )
        config.load()
        state = ServerState()
        state.default_headers = list(DEFAULTS)
        extra = {"limits": DEFAULT_LIMITS} if kind is BoundedHttpToolsProtocol else {}
        protocol = kind(config=config, server_state=state, app_state={}, _loop=loop, **extra)
        transport = RecordingTransport()
        protocol.connection_made(transport)  # type: ignore[arg-type]

        async def feed() -> None:
            for data in reads:
                protocol.data_received(data)
                for _ in range(5):
                    await asyncio.sleep(0)

        loop.run_until_complete(feed())
        protocol.connection_lost(None)
        return transport.writes, transport.closed, state.total_requests
    finally:
        loop.close()


GET = b"GET /things/1 HTTP/1.1\r\nHost: x\r\n\r\n"
CASES: dict[str, tuple[Response, list[bytes]]] = {
    "plain": (Response(200, (("content-type", "application/json"),), b'{"id":1}'), [GET]),
    "no headers, empty body": (Response(200), [GET]),
    "several headers, upper-case name": (
        Response(201, (("Content-Type", "text/xml"), ("location", "/things/2"), ("x-a", "b c")), b"<a/>" * 300),
        [GET],
    ),
    "error status": (Response(404, (("content-type", "application/problem+json"),), b'{"title":"x"}'), [GET]),
    "unusual status": (Response(299, (), b"x"), [GET]),
    "no content": (Response(204, (("x-a", "b"),)), [GET]),
    "not modified": (Response(304, (("etag", '"1"'),)), [GET]),
    "own content-length": (Response(200, (("content-length", "2"),), b"ok"), [GET]),
    "connection close": (Response(200, (("connection", "close"),), b"ok"), [GET]),
    "HEAD": (
        Response(200, (("content-type", "application/json"),), b"{}"),
        [b"HEAD /things/1 HTTP/1.1\r\nHost: x\r\n\r\n"],
    ),
    "HTTP/1.0": (Response(200, (), b"ok"), [b"GET /things/1 HTTP/1.0\r\nHost: x\r\n\r\n"]),
    "client asks to close": (
        Response(200, (), b"ok"),
        [b"GET /things/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"],
    ),
    "header value with a line break": (Response(200, (("x-echo", "a\r\nset-cookie: b"),), b"ok"), [GET]),
    "keep-alive, three requests": (Response(200, (("a", "b"),), b"ok"), [GET, GET, GET]),
    "pipelined": (Response(200, (("a", "b"),), b"ok"), [GET * 3]),
    "with a body": (Response(200, (), b"ok"), [b"POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_write_is_uvicorns_bytes(name: str) -> None:
    response, reads = CASES[name]

    def handler(request: Request) -> MockResult:
        return MockResult(Response(response.status, response.headers, response.body))  # a fresh one each time

    ours = _serve(BoundedHttpToolsProtocol, handler, reads)
    theirs = _serve(HttpToolsProtocol, handler, reads)
    assert b"".join(ours[0]) == b"".join(theirs[0])
    assert ours[1:] == theirs[1:]


def test_a_plain_answer_leaves_in_one_write() -> None:
    response = Response(200, (("content-type", "application/json"),), b'{"id":1}')
    writes, _, done = _serve(BoundedHttpToolsProtocol, lambda request: MockResult(response), [GET, GET])
    assert len(writes) == 2 and done == 2  # one write per answer (uvicorn's send: two)
    assert writes[0] == writes[1]  # the memoised answer's framed headers, reused
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\ndate: ")


def test_the_date_header_follows_the_server() -> None:
    """uvicorn replaces its default headers once a second: the next answer carries the new date."""
    loop = asyncio.new_event_loop()
    try:
        response = Response(200, (), b"ok")
        config = Config(app=MockASGIApp(lambda request: MockResult(response), deliver=False),
                        **{**uvicorn_options(DEFAULT_LIMITS), "http": "httptools"})  # fmt: skip
        config.load()
        state = ServerState()
        state.default_headers = list(DEFAULTS)
        protocol = BoundedHttpToolsProtocol(config=config, server_state=state, app_state={}, _loop=loop)
        transport = RecordingTransport()
        protocol.connection_made(transport)  # type: ignore[arg-type]

        async def one() -> None:
            protocol.data_received(GET)
            for _ in range(3):
                await asyncio.sleep(0)

        loop.run_until_complete(one())
        state.default_headers = [(b"date", b"Thu, 03 Dec 2026 01:00:01 GMT"), (b"server", b"uvicorn")]
        loop.run_until_complete(one())
        protocol.connection_lost(None)
        assert b"01:00:00 GMT" in transport.writes[0] and b"01:00:01 GMT" in transport.writes[1]
    finally:
        loop.close()

"""Answers from the parser (``BoundedHttpToolsProtocol._answer_whole``, ``MockASGIApp.answer_whole``): a request whose
body came whole with its head is answered with no ASGI cycle. The bytes written, the connection's fate, the requests
completed and the times the mock is asked must be those of the usual ASGI cycle (the same protocol with the parser's
answers turned off), for plain answers and for everything that falls back: shaped answers, bodies over ``max_body``
or in several reads, ``100 Continue``, ``HEAD``, pipelined floods past ``max_pipelined``, errors. Over a fake
transport, then over real HTTP with the example workspace's sandbox (the app ``ctk serve`` runs)."""

from __future__ import annotations

import asyncio
import functools
import re
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from tests.support.fake_transport import RecordingTransport
from toolkit.exchange import MockResult, Request, Response
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.http_server import BoundedHttpToolsProtocol, uvicorn_options
from toolkit.mock.loopback import serve_in_thread

DEFAULTS = [(b"date", b"Thu, 03 Dec 2026 01:00:00 GMT"), (b"server", b"uvicorn")]
ROOT = Path(__file__).resolve().parents[2]


class _CycleOnly(BoundedHttpToolsProtocol):
    """ctk's protocol with every request answered in the usual ASGI cycle (the reference)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._whole = None


Served = tuple[bytes, bool, bool, int, list[tuple[str, str, bytes]]]


def _serve(kind: type[BoundedHttpToolsProtocol], answer: Any, reads: list[bytes], limits: Limits) -> Served:
    """The bytes written, whether the connection was closed (and reset), the requests completed and the requests
    the mock was asked, after ``reads`` (each its own ``data_received``, the loop run a little between them)."""
    asked: list[tuple[str, str, bytes]] = []

    def handler(request: Request) -> MockResult:
        asked.append((request.method, request.path, request.body))
        result: MockResult = answer(request)
        return result

    loop = asyncio.new_event_loop()
    try:
        config = Config(app=MockASGIApp(handler, limits=limits, deliver=False),
                        **{**uvicorn_options(limits), "http": "httptools"})  # fmt: skip
        config.load()
        state = ServerState()
        state.default_headers = list(DEFAULTS)
        protocol = kind(config=config, server_state=state, app_state={}, _loop=loop, limits=limits)
        transport = RecordingTransport()
        protocol.connection_made(transport)  # type: ignore[arg-type]

        async def feed() -> None:
            for data in reads:
                if not transport.closed:
                    protocol.data_received(data)
                for _ in range(8):
                    await asyncio.sleep(0)
            await asyncio.sleep(0.05)  # a delayed or trickled answer leaves meanwhile
            for _ in range(8):
                await asyncio.sleep(0)

        loop.run_until_complete(feed())
        protocol.connection_lost(None)
        for task in asyncio.all_tasks(loop):
            task.cancel()
        return b"".join(transport.writes), transport.closed, transport.aborted, state.total_requests, asked
    finally:
        loop.close()


def _plain(request: Request) -> MockResult:
    return MockResult(Response(200, (("content-type", "application/json"),), b'{"path":"%s"}' % request.path.encode()))


def _status(status: int, headers: tuple[tuple[str, str], ...] = ()) -> Any:
    return lambda request: MockResult(Response(status, headers, b"" if status in (204, 304) else b"body"))


def _shaped(**how: Any) -> Any:
    return lambda request: MockResult(Response(503, (("content-type", "text/plain"),), b"x" * 40), **how)


def _failing(request: Request) -> MockResult:
    raise RuntimeError("a bug")


GET = b"GET /things/1 HTTP/1.1\r\nHost: x\r\n\r\n"
POST = b'POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"name":"a"}\n'
CHUNKED = (
    b"POST /things HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
)
SMALL = DEFAULT_LIMITS.replace(max_body=8, max_pipelined=4)
CASES: dict[str, tuple[Any, list[bytes], Limits]] = {
    "plain GET": (_plain, [GET], DEFAULT_LIMITS),
    "keep-alive, three reads": (_plain, [GET, GET, GET], DEFAULT_LIMITS),
    "POST with a body": (_plain, [POST], DEFAULT_LIMITS),
    "chunked body, whole": (_plain, [CHUNKED], DEFAULT_LIMITS),
    "chunked body, in two reads": (_plain, [CHUNKED[:70], CHUNKED[70:]], DEFAULT_LIMITS),
    "body in a later read": (_plain, [POST[: POST.index(b"{")], POST[POST.index(b"{") :]], DEFAULT_LIMITS),
    "body in three reads": (_plain, [POST[:-9], POST[-9:-4], POST[-4:]], DEFAULT_LIMITS),
    "head in two reads": (_plain, [GET[:10], GET[10:]], DEFAULT_LIMITS),
    "over max_body, declared": (_plain, [POST], SMALL),
    "over max_body, chunked": (_plain, [CHUNKED], SMALL),
    "expect 100-continue": (
        _plain,
        [b"POST /t HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"],
        DEFAULT_LIMITS,
    ),
    "HEAD": (_plain, [b"HEAD /things/1 HTTP/1.1\r\nHost: x\r\n\r\n"], DEFAULT_LIMITS),
    "HTTP/1.0": (_plain, [b"GET /things/1 HTTP/1.0\r\nHost: x\r\n\r\n"], DEFAULT_LIMITS),
    "client asks to close": (_plain, [b"GET /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", GET], DEFAULT_LIMITS),
    "a query string": (_plain, [b"GET /things?a=1&b=%20 HTTP/1.1\r\nHost: x\r\n\r\n"], DEFAULT_LIMITS),
    "no content": (_status(204, (("x-a", "b"),)), [GET], DEFAULT_LIMITS),
    "not modified": (_status(304), [GET], DEFAULT_LIMITS),
    "client error": (_status(404, (("content-type", "application/problem+json"),)), [GET], DEFAULT_LIMITS),
    "own content-length": (_status(200, (("content-length", "4"),)), [GET], DEFAULT_LIMITS),
    "own connection close": (_status(200, (("connection", "close"),)), [GET, GET], DEFAULT_LIMITS),
    "header value with a line break": (_status(200, (("x-echo", "a\r\nset-cookie: b"),)), [GET], DEFAULT_LIMITS),
    "unknown status": (_status(299), [GET], DEFAULT_LIMITS),
    "the mock fails": (_failing, [GET, GET], DEFAULT_LIMITS),
    "delayed": (_shaped(delay=0.001), [GET, GET], DEFAULT_LIMITS),
    "reset": (_shaped(transport_fault="reset"), [GET], DEFAULT_LIMITS),
    "empty": (_shaped(transport_fault="empty"), [GET], DEFAULT_LIMITS),
    "truncated": (_shaped(transport_fault="truncated"), [GET], DEFAULT_LIMITS),
    "malformed chunk": (_shaped(transport_fault="malformed-chunk"), [GET], DEFAULT_LIMITS),
    "trickle": (_shaped(transport_fault="trickle:100000"), [GET, GET], DEFAULT_LIMITS),
    "pipelined, three": (_plain, [GET * 3], DEFAULT_LIMITS),
    "pipelined, a POST between": (_plain, [GET + POST + GET], DEFAULT_LIMITS),
    "pipelined, up to the bound": (_plain, [GET * 5], SMALL),
    "pipelined, one past the bound": (_plain, [GET * 6], SMALL),
    "pipelined, a flood": (_plain, [GET * 40, GET], SMALL),
    "pipelined, a flood at the defaults": (_plain, [GET * 100], DEFAULT_LIMITS),
    "pipelined, the last one's body later": (_plain, [GET * 2 + POST[:-3], POST[-3:] + GET], DEFAULT_LIMITS),
    "pipelined, delayed answers": (_shaped(delay=0.001), [GET * 3], DEFAULT_LIMITS),
    "an upgrade asked": (
        _plain,
        [b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"],
        DEFAULT_LIMITS,
    ),
}


# A read with a whole request, then one the server refuses: the answer, then the refusal (in the ASGI cycle the
# refusal is written first, and the answer after it, on a connection closing). The same answers and fate otherwise.
REFUSED_AFTER_AN_ANSWER: dict[str, list[bytes]] = {
    "a valid request, then garbage": [GET + b"NOT HTTP\r\n\r\n"],
    "a head over max_header_bytes after an answer": [
        GET + b"GET / HTTP/1.1\r\nX-Big: " + b"a" * (DEFAULT_LIMITS.max_header_bytes + 10) + b"\r\n\r\n"
    ],
}


@pytest.mark.parametrize("name", list(REFUSED_AFTER_AN_ANSWER))
def test_an_answer_leaves_before_the_refusal_that_follows_it(name: str) -> None:
    reads = REFUSED_AFTER_AN_ANSWER[name]
    ours = _serve(BoundedHttpToolsProtocol, _plain, reads, DEFAULT_LIMITS)
    reference = _serve(_CycleOnly, _plain, reads, DEFAULT_LIMITS)
    answer = _serve(BoundedHttpToolsProtocol, _plain, [GET], DEFAULT_LIMITS)[0]
    assert ours[0].startswith(answer) and ours[0].count(b"HTTP/1.1 ") == 2
    assert reference[0].endswith(answer)
    assert ours[0] == answer + reference[0][: -len(answer)]
    assert ours[1:] == reference[1:]


@pytest.mark.parametrize("name", list(CASES))
def test_answers_from_the_parser_are_the_asgi_cycles(name: str) -> None:
    answer, reads, limits = CASES[name]
    ours = _serve(BoundedHttpToolsProtocol, answer, reads, limits)
    reference = _serve(_CycleOnly, answer, reads, limits)
    assert ours[0] == reference[0]
    assert ours[1:] == reference[1:]


def test_plain_answers_are_made_during_the_read_and_leave_together_at_the_end_of_the_turn() -> None:
    """No task: both pipelined answers are made when ``data_received`` returns, and leave in one write at the end of
    the loop's turn (``toolkit.mock.corked``), the same bytes as two."""
    loop = asyncio.new_event_loop()
    try:
        config = Config(
            app=MockASGIApp(_plain, deliver=False), **{**uvicorn_options(DEFAULT_LIMITS), "http": "httptools"}
        )
        config.load()
        protocol = BoundedHttpToolsProtocol(config=config, server_state=ServerState(), app_state={}, _loop=loop)
        transport = RecordingTransport()
        protocol.connection_made(transport)  # type: ignore[arg-type]
        protocol.data_received(GET * 2)
        assert transport.writes == [] and not protocol.tasks
        assert protocol._keepalive_timer is not None and protocol._idle_from is not None  # idle since the last answer
        loop.run_until_complete(asyncio.sleep(0))
        assert len(transport.writes) == 1 and transport.writes[0].count(b"HTTP/1.1 200 OK") == 2
        protocol.connection_lost(None)
    finally:
        loop.close()


# -- over real HTTP, the sandbox ctk serve runs --------------------------------------------------------------

_DATE = re.compile(rb"\r\ndate: [^\r]*\r\n")


@pytest.fixture(scope="module")
def sandbox_app() -> MockASGIApp:
    if not (ROOT / "sandbox" / "sandbox.toml").is_file():
        pytest.skip("the example workspace is absent")
    from toolkit.sandbox.server import ServeConfig, build_app, changed_limits, mounted_apis
    from toolkit.workspace import load_workspace

    space = load_workspace(ROOT)
    mounted = mounted_apis(space)
    for item in mounted:
        item.state = False
    limits = changed_limits(space.limits or DEFAULT_LIMITS)
    config = ServeConfig(contracts=mounted, seed=space.sandbox.seed, limits=limits, log_level="warning")
    return build_app(config)


def _requests() -> list[bytes]:
    soap = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<GetAccountRequest xmlns="urn:example:crm:types"><id>001A{:014d}</id></GetAccountRequest>'
        "</soap:Body></soap:Envelope>"
    )
    made = []
    for n in range(3):  # 14 requests and the last: all within max_pipelined, when pipelined
        made.append(f"GET /payments/customers/cus_{n} HTTP/1.1\r\nHost: x\r\nX-Api-Key: sk_test_1\r\n\r\n".encode())
        made.append(b"GET /payments/customers/cus_1 HTTP/1.1\r\nHost: x\r\n\r\n")  # no key: a 401
        body = soap.format(n).encode()
        head = (
            b'POST /crm HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nSOAPAction: "urn:example:crm/GetAccount"\r\n'
        )
        made.append(head + b"Content-Length: %d\r\n\r\n%b" % (len(body), body))
        query = b'{"query":"{ product(id: \\"UHJv%d\\") { id name price } }"}' % n
        head = b"POST /inventory HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        made.append(head + b"Content-Length: %d\r\n\r\n%b" % (len(query), query))
    made.append(b"GET /__ctk/health HTTP/1.1\r\nHost: x\r\n\r\n")
    made.append(
        b"GET /payments/customers/cus_9 HTTP/1.1\r\nHost: x\r\nX-Api-Key: sk_test_1\r\nPrefer: ctk-fault=503\r\n\r\n"
    )
    return made


def _exchange(url: str, requests: list[bytes], pipelined: bool) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        if pipelined:
            sock.sendall(b"".join(requests) + b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        else:
            for request in requests:
                sock.sendall(request)
                time.sleep(0.01)  # each answered before the next is sent (the reads are not merged)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        while chunk := sock.recv(65536):
            received += chunk
    return _DATE.sub(b"\r\ndate: -\r\n", received)


@pytest.mark.parametrize("pipelined", [False, True])
def test_over_real_http_the_answers_are_the_asgi_cycles(sandbox_app: MockASGIApp, pipelined: bool) -> None:
    requests = _requests()
    options = uvicorn_options(sandbox_app.limits)
    answers = []
    for kind in (BoundedHttpToolsProtocol, _CycleOnly):
        http = functools.partial(kind, limits=sandbox_app.limits)
        with serve_in_thread(sandbox_app, **{**options, "http": http, "lifespan": "off"}) as url:
            answers.append(_exchange(url, requests, pipelined))
    ours, reference = answers
    assert ours.count(b"HTTP/1.1 ") == reference.count(b"HTTP/1.1 ") >= len(requests) // 2
    assert all(b"HTTP/1.1 %d " % status in ours for status in (200, 401, 503))
    assert ours == reference


# -- keep-alive: one timer per connection, the same closing time ----------------------------------------------


def _timeline(
    kind: type[HttpToolsProtocol], answer: Any, steps: list[tuple[float, bytes | None]], timeout: float
) -> list[tuple[float, str]]:
    """Feed each step's read at its time (seconds from the start; None: only look); the answers written and
    whether the connection is closed, as seen at each step."""
    limits = DEFAULT_LIMITS.replace(keepalive_timeout=timeout)
    loop = asyncio.new_event_loop()
    seen: list[tuple[float, str]] = []
    try:
        config = Config(app=MockASGIApp(answer, limits=limits, deliver=False),
                        **{**uvicorn_options(limits), "http": "httptools"})  # fmt: skip
        config.load()
        extra = {"limits": limits} if kind is BoundedHttpToolsProtocol else {}
        protocol = kind(config=config, server_state=ServerState(), app_state={}, _loop=loop, **extra)
        transport = RecordingTransport()
        protocol.connection_made(transport)  # type: ignore[arg-type]

        async def run() -> None:
            started = loop.time()
            for at, data in steps:
                await asyncio.sleep(max(0.0, started + at - loop.time()))
                if data is not None and not transport.closed:
                    protocol.data_received(data)
                    await asyncio.sleep(0)
                answers = b"".join(transport.writes).count(b"HTTP/1.1 ")
                seen.append((at, f"{answers} answered, {'closed' if transport.closed else 'open'}"))

        loop.run_until_complete(run())
        protocol.connection_lost(None)
        return seen
    finally:
        loop.close()


@pytest.mark.parametrize("kind", [BoundedHttpToolsProtocol, HttpToolsProtocol])
def test_an_idle_connection_closes_keepalive_timeout_after_its_last_answer(kind: type[HttpToolsProtocol]) -> None:
    seen = _timeline(kind, _plain, [(0.0, GET), (0.3, None), (0.5, None)], timeout=0.4)
    assert seen == [(0.0, "1 answered, open"), (0.3, "1 answered, open"), (0.5, "1 answered, closed")]


@pytest.mark.parametrize("kind", [BoundedHttpToolsProtocol, HttpToolsProtocol])
def test_each_answer_starts_the_keepalive_again(kind: type[HttpToolsProtocol]) -> None:
    steps: list[tuple[float, bytes | None]] = [(0.0, GET), (0.3, GET), (0.6, None), (0.8, None)]
    seen = _timeline(kind, _plain, steps, timeout=0.4)
    assert seen == [(0.0, "1 answered, open"), (0.3, "2 answered, open"), (0.6, "2 answered, open"),
                    (0.8, "2 answered, closed")]  # fmt: skip


@pytest.mark.parametrize("kind", [BoundedHttpToolsProtocol, HttpToolsProtocol])
def test_a_request_answered_slowly_is_not_cut_by_the_keepalive(kind: type[HttpToolsProtocol]) -> None:
    slow = _shaped(delay=0.6)  # the answer leaves 0.6 s after the request, past a 0.4 s keep-alive
    steps: list[tuple[float, bytes | None]] = [(0.0, GET), (0.3, GET), (0.8, None), (1.4, None), (1.7, None)]
    seen = _timeline(kind, slow, steps, timeout=0.4)
    assert seen[:3] == [(0.0, "0 answered, open"), (0.3, "0 answered, open"), (0.8, "1 answered, open")]
    # the second, pipelined, waits for the first (0.6 s), then for its own delay: answered at 1.2 s, closed 0.4 s later
    assert seen[3:] == [(1.4, "2 answered, open"), (1.7, "2 answered, closed")]


# -- headers framed once per value ---------------------------------------------------------------------------


def test_headers_framed_by_value_are_uvicorns_bytes() -> None:
    """``_FRAMED`` keeps headers as framed by their value: answers with the same headers, with more distinct header
    tuples than it holds, with headers it must not frame (a line break) and with an unhashable one are each written
    as uvicorn writes them."""
    from tests.mock.test_http_server_speed import _serve as serve_both
    from toolkit.mock import http_server

    count = http_server._FRAMED_MAX + 40
    answers = [Response(200, (("content-type", "application/json"), ("x-n", str(n % (count // 2)))), b"{}")
               for n in range(count)]  # fmt: skip
    answers += [Response(200, (("x-echo", "a\r\nb"),), b"ok")] * 2
    answers += [Response(200, [("x-list", "1")], b"ok")]  # type: ignore[arg-type]
    served = iter(answers)

    def handler(request: Request) -> MockResult:
        answer = next(served)
        return MockResult(Response(answer.status, answer.headers, answer.body))

    ours = serve_both(BoundedHttpToolsProtocol, handler, [GET] * len(answers))
    served = iter(answers)
    theirs = serve_both(HttpToolsProtocol, handler, [GET] * len(answers))
    assert b"".join(ours[0]) == b"".join(theirs[0]) and ours[1:] == theirs[1:]
    assert len(http_server._FRAMED) <= http_server._FRAMED_MAX

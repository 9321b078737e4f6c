"""``toolkit.mock.corked``: answers kept until the end of the loop's turn leave together, in the order each
connection wrote them, and nothing kept is lost when a connection closes; over real HTTP too."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from tests.support.fake_transport import RecordingTransport
from toolkit.exchange import MockResult, Response
from toolkit.limits import DEFAULT_LIMITS
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.corked import CorkedTransport, Turn
from toolkit.mock.http_server import uvicorn_options
from toolkit.mock.loopback import serve_in_thread


def _turn_and(transports: int) -> tuple[asyncio.AbstractEventLoop, list[RecordingTransport], list[CorkedTransport]]:
    loop = asyncio.new_event_loop()
    turn = Turn(loop)
    raw = [RecordingTransport() for _ in range(transports)]
    return loop, raw, [CorkedTransport(transport, turn) for transport in raw]  # type: ignore[arg-type]


def test_kept_answers_leave_at_the_end_of_the_turn_in_one_write_per_connection() -> None:
    loop, raw, corked = _turn_and(2)
    try:
        corked[0].write_later(b"a1")
        corked[1].write_later(b"b1")
        corked[0].write_later(b"a2")
        assert raw[0].writes == [] and raw[1].writes == []
        assert corked[0].get_write_buffer_size() == 4  # what is kept counts as buffered
        loop.run_until_complete(asyncio.sleep(0))
        assert raw[0].writes == [b"a1a2"] and raw[1].writes == [b"b1"]
        corked[0].write_later(b"a3")  # a new turn: kept again, sent again
        loop.run_until_complete(asyncio.sleep(0))
        assert raw[0].writes == [b"a1a2", b"a3"]
    finally:
        loop.close()


@pytest.mark.parametrize("then", ["write", "writelines", "close", "write_eof"])
def test_anything_written_or_a_close_after_a_kept_answer_sends_it_first(then: str) -> None:
    loop, raw, corked = _turn_and(1)
    try:
        transport = raw[0]
        transport.writelines = lambda lines: transport.writes.extend(map(bytes, lines))  # type: ignore[attr-defined]
        transport.write_eof = lambda: transport.writes.append(b"<eof>")  # type: ignore[attr-defined]
        corked[0].write_later(b"answer")
        arguments: dict[str, tuple[Any, ...]] = {"write": (b"next",), "writelines": ([b"n", b"ext"],)}
        getattr(corked[0], then)(*arguments.get(then, ()))
        assert transport.writes[0] == b"answer"
        loop.run_until_complete(asyncio.sleep(0))
        assert transport.writes.count(b"answer") == 1  # not sent again at the end of the turn
        if then == "close":
            assert transport.closed and transport.writes == [b"answer"]
    finally:
        loop.close()


def test_abort_drops_what_is_kept_as_it_drops_the_transports_buffer() -> None:
    loop, raw, corked = _turn_and(1)
    try:
        corked[0].write_later(b"answer")
        corked[0].abort()
        loop.run_until_complete(asyncio.sleep(0))
        assert raw[0].aborted and raw[0].writes == []
    finally:
        loop.close()


def test_a_connection_whose_write_fails_is_aborted_and_the_others_still_get_their_answers() -> None:
    loop, raw, corked = _turn_and(3)
    try:

        def broken(data: bytes) -> None:
            raise RuntimeError("the socket is gone")

        raw[1].write = broken  # type: ignore[method-assign]
        for index, transport in enumerate(corked):
            transport.write_later(b"answer %d" % index)
        loop.run_until_complete(asyncio.sleep(0))
        assert raw[0].writes == [b"answer 0"] and raw[2].writes == [b"answer 2"]
        assert raw[1].aborted
    finally:
        loop.close()


def test_over_real_http_pipelined_and_sequential_answers_arrive_whole_and_in_order() -> None:
    """ctk's protocol on a real socket: ten pipelined requests in one send, then one more, on one connection; the
    answers (each naming its request's path) arrive in the order asked."""

    def handler(request: Any) -> MockResult:
        return MockResult(Response(200, (("content-type", "text/plain"),), request.path.encode()))

    options = {**uvicorn_options(DEFAULT_LIMITS), "lifespan": "off"}
    with serve_in_thread(MockASGIApp(handler, deliver=False), **options) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(b"".join(b"GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n" % n for n in range(10)))
            received = _read_answers(connection, 10)
            connection.sendall(b"GET /last HTTP/1.1\r\nHost: x\r\n\r\n")
            received += _read_answers(connection, 1)
    assert [body for _, body in received] == [b"/p%d" % n for n in range(10)] + [b"/last"]


def _read_answers(connection: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    """``count`` chunked HTTP answers read off ``connection``: (head, body) each."""
    buffer = b""
    answers: list[tuple[bytes, bytes]] = []
    while len(answers) < count:
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            end = buffer.find(b"\r\n0\r\n\r\n", head_end) if head_end >= 0 else -1
            if end >= 0:
                break
            chunk = connection.recv(65536)
            assert chunk, f"the connection closed after {len(answers)} answers: {buffer!r}"
            buffer += chunk
        head, chunked = buffer[:head_end], buffer[head_end + 4 : end]
        size, _, data = chunked.partition(b"\r\n")
        assert int(size, 16) == len(data), chunked
        answers.append((head, data))
        buffer = buffer[end + 7 :]
    return answers


def test_a_turn_answering_many_connections_sends_every_max_kept_at_once() -> None:
    from toolkit.mock.corked import MAX_KEPT

    loop, raw, corked = _turn_and(MAX_KEPT + 3)
    try:
        for transport in corked[: MAX_KEPT - 1]:
            transport.write_later(b"early")
        assert all(transport.writes == [] for transport in raw)
        corked[MAX_KEPT - 1].write_later(b"early")  # the MAX_KEPT-th connection: all of them leave now
        assert all(transport.writes == [b"early"] for transport in raw[:MAX_KEPT])
        for transport in corked[MAX_KEPT:]:
            transport.write_later(b"late")
        assert all(transport.writes == [] for transport in raw[MAX_KEPT:])
        loop.run_until_complete(asyncio.sleep(0))  # the rest at the end of the turn, the early ones not again
        assert all(transport.writes == [b"late"] for transport in raw[MAX_KEPT:])
        assert all(transport.writes == [b"early"] for transport in raw[:MAX_KEPT])
    finally:
        loop.close()

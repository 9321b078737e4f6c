"""The httpx adapter: a transport that answers from a compiled mock, in-process, with no socket.

``MockTransport(handler)`` is both a sync and an async httpx transport, so ``httpx.Client`` and
``httpx.AsyncClient`` reach the mock directly; ``respx_route(router, handler, base_url)`` routes a
respx mock's requests to it, for code that builds its own clients. Webhook deliveries are collected
on ``transport.deliveries`` for the test to inspect instead of being sent.

An answer the sandbox's faults layer shaped waits its ``delay`` (``time.sleep``, or ``asyncio.sleep`` for an
``AsyncClient``), and a broken delivery raises what httpx raises against a real server doing the same
(``FAULT_ERRORS``): a reset is ``ReadError``, a connection closed before or in the middle of an answer
``RemoteProtocolError``, a ``timeout`` ``ReadTimeout`` (at once: the client's timeout is not known here).
A ``trickle`` is delivered whole.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx

from toolkit.exchange import Delivery, MockResult, Request, Response, lower_headers
from toolkit.mock.handler import Handler

if TYPE_CHECKING:
    import respx


class MockTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.deliveries: list[Delivery] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        result = self.result(request)
        if result.delay > 0:
            time.sleep(result.delay)
        return self._delivered(result, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        result = self.result(request)
        if result.delay > 0:
            await asyncio.sleep(result.delay)
        return self._delivered(result, request)

    def answer(self, request: httpx.Request) -> httpx.Response:
        """The mock's answer at once (respx's side effect): a delay is not waited, a broken delivery still raises."""
        return self._delivered(self.result(request), request)

    def result(self, request: httpx.Request) -> MockResult:
        result = self.handler(to_neutral(request))
        self.deliveries.extend(result.deliveries)
        return result

    def _delivered(self, result: MockResult, request: httpx.Request) -> httpx.Response:
        fault = result.transport_fault
        if fault is not None and not fault.startswith("trickle:"):
            raise fault_error(fault, request)
        return to_httpx(result.response, request)


# What httpx (over httpcore and h11) raises when a real server breaks the answer so (tests/sandbox/test_faults.py
# checks each against ctk's own server).
FAULT_ERRORS: dict[str, tuple[type[httpx.TransportError], str]] = {
    "reset": (httpx.ReadError, "[Errno 104] Connection reset by peer"),
    "empty": (httpx.RemoteProtocolError, "Server disconnected without sending a response."),
    "truncated": (httpx.RemoteProtocolError, "peer closed connection without sending complete message body"),
    "malformed-chunk": (httpx.RemoteProtocolError, "illegal chunk header"),
    "timeout": (httpx.ReadTimeout, "timed out"),
}


def fault_error(fault: str, request: httpx.Request) -> httpx.TransportError:
    """The exception httpx raises for ``fault`` (a ``MockResult.transport_fault``) against a real server."""
    kind, message = FAULT_ERRORS.get(fault, (httpx.RemoteProtocolError, f"the connection broke ({fault})"))
    return kind(message, request=request)


def to_neutral(request: httpx.Request) -> Request:
    return Request(
        method=request.method,
        path=request.url.raw_path.split(b"?", 1)[0].decode("ascii"),
        query=request.url.query.decode("ascii"),
        headers=lower_headers(request.headers.raw),
        body=request.content,
    )


def to_httpx(response: Response, request: httpx.Request | None = None) -> httpx.Response:
    return httpx.Response(
        response.status,
        headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers],
        content=response.body,
        request=request,
    )


def respx_route(router: respx.Router | Any, handler: Handler, base_url: str) -> Any:
    """Route every request under ``base_url`` in a respx router to the mock; returns the route."""
    transport = MockTransport(handler)
    return router.route(url__startswith=base_url.rstrip("/")).mock(side_effect=transport.answer)

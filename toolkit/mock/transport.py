"""The httpx adapter: a transport that answers from a compiled mock, in-process, with no socket.

``MockTransport(handler)`` is both a sync and an async httpx transport, so ``httpx.Client`` and
``httpx.AsyncClient`` reach the mock directly; ``respx_route(router, handler, base_url)`` routes a
respx mock's requests to it, for code that builds its own clients. Webhook deliveries are collected
on ``transport.deliveries`` for the test to inspect instead of being sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from toolkit.exchange import Delivery, Request, Response, lower_headers
from toolkit.mock.handler import Handler

if TYPE_CHECKING:
    import respx


class MockTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.deliveries: list[Delivery] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self.answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self.answer(request)

    def answer(self, request: httpx.Request) -> httpx.Response:
        result = self.handler(to_neutral(request))
        self.deliveries.extend(result.deliveries)
        return to_httpx(result.response, request)


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

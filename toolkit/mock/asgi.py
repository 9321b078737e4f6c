"""The ASGI adapter: serves a compiled mock (``Handler``) under any ASGI server (``ctk serve``).

Kept thin on purpose: translate scope/receive into a ``Request``, call the handler, send the
``Response``. Webhook deliveries the handler asks for are sent after the response, on the server's
event loop, so a slow receiver never delays the client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from toolkit.exchange import Delivery, Request, lower_headers
from toolkit.mock import Handler, error_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_MAX_BODY = 10 * 1024 * 1024
log = logging.getLogger("ctk.mock")


class _TooLargeError(Exception):
    pass


class MockASGIApp:
    """An ASGI application over a compiled mock."""

    def __init__(self, handler: Handler, *, max_body: int = DEFAULT_MAX_BODY, deliver: bool = True) -> None:
        self.handler = handler
        self.max_body = max_body
        self.deliver = deliver  # False: webhook/callback events are dropped (test harnesses, no outbound calls)
        self._tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            body, too_large = await self._body(receive), False
        except _TooLargeError:
            body, too_large = b"", True
        request = Request(
            method=scope["method"],
            path=_raw_path(scope),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=lower_headers(scope.get("headers") or ()),
            body=body,
        )
        if too_large:
            message = f"the request body is larger than the mock's limit of {self.max_body} bytes"
            response = error_response(self.handler, request, 413, message)
        else:
            result = self.handler(request)
            response = result.response
            for delivery in result.deliveries if self.deliver else ():
                task = asyncio.get_running_loop().create_task(_deliver(delivery))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers],
            }
        )
        await send({"type": "http.response.body", "body": response.body})

    async def _body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _TooLargeError
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks) if len(chunks) != 1 else chunks[0]

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._tasks:
                    await asyncio.wait(self._tasks, timeout=5)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    if raw:
        return bytes(raw).split(b"?", 1)[0].decode("latin-1")
    from urllib.parse import quote

    return quote(scope.get("path") or "/")


async def _deliver(delivery: Delivery) -> None:
    import httpx

    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.request(
                delivery.method, delivery.url, headers=list(delivery.headers), content=delivery.body
            )
        log.info("delivered %s to %s: %s", delivery.name, delivery.url, response.status_code)
    except httpx.HTTPError as error:
        log.warning("could not deliver %s to %s: %s", delivery.name, delivery.url, type(error).__name__)

"""The ASGI adapter: serves a compiled mock (``Handler``) under any ASGI server (``ctk serve``).

Kept thin on purpose: translate scope/receive into a ``Request``, call the handler, send the
``Response``. What belongs to serving rather than to a protocol lives here, bounded by ``Limits``:
the body's size (``max_body``, answered in the protocol's own form), a guard that turns a bug into one 500,
``GET /__ctk/health`` for every protocol, one log line per refused request, and sending webhook and
callback events (``deliver.Deliverer``: after the response, on the server's event loop, so a slow
receiver never delays the client; only to destinations the ``DestinationPolicy`` allows).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from toolkit.destinations import DestinationPolicy
from toolkit.exchange import Request, Response, lower_headers
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.mock.deliver import Deliverer
from toolkit.mock.guard import failed
from toolkit.mock.handler import ADMIN_PREFIX, Handler, error_response, is_under
from toolkit.mock.problem import problem_response
from toolkit.mock.request_log import log_client_error

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HEALTH_PATH = ADMIN_PREFIX + "/health"
_HEALTHY = Response(200, (("content-type", "application/json"),), b'{"status":"ok"}')
_CLOSE = ("connection", "close")


class _BodyRefusedError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _DisconnectedError(Exception):
    """The client left (or the server closed the connection, as on ``body_timeout``) before the body was whole."""


class MockASGIApp:
    """An ASGI application over a compiled mock."""

    def __init__(
        self,
        handler: Handler,
        *,
        limits: Limits = DEFAULT_LIMITS,
        max_body: int | None = None,
        deliver: bool = True,
        policy: DestinationPolicy | None = None,
    ) -> None:
        self.handler = handler
        self.limits = limits if max_body is None else limits.replace(max_body=max_body)
        self.deliver = deliver  # False: webhook/callback events are dropped (test harnesses, no outbound calls)
        self.deliverer = Deliverer(self.limits, policy)

    @property
    def max_body(self) -> int:
        return self.limits.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = lower_headers(scope.get("headers") or ())
        try:
            body, refused = await self._body(headers, receive), None
        except _BodyRefusedError as error:
            body, refused = b"", error
        except _DisconnectedError:
            return  # nobody to answer: the mock is not asked
        request = Request(
            method=scope["method"],
            path=_raw_path(scope),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
        )
        if refused is not None:
            # The rest of the body is still on its way: close rather than read it to find the next request.
            answer = error_response(self.handler, request, refused.status, str(refused))
            response = Response(answer.status, (*answer.headers, _CLOSE), answer.body)
        else:
            response = self._answer(request)
        if 400 <= response.status < 500:
            log_client_error(request, response)
        await send({"type": "http.response.start", "status": response.status, "headers": response.raw_headers()})
        await send({"type": "http.response.body", "body": response.body})

    def _answer(self, request: Request) -> Response:
        if request.path == HEALTH_PATH:
            return _HEALTHY  # every protocol's server answers it, for supervisors and the test harness
        try:
            result = self.handler(request)
        except Exception as error:  # noqa: BLE001 -- a bug in ctk costs one 500 (guard.failed), never the server
            result = failed(error, request)
        if not result.deliveries or not self.deliver:
            return result.response
        admin = is_under(request.path, ADMIN_PREFIX)
        if admin:
            # An admin request exists only to send its event: a destination the policy refuses is its answer.
            refusal = next(filter(None, map(self.deliverer.policy.refusal, (d.url for d in result.deliveries))), None)
            if refusal is not None:
                return problem_response(403, refusal, kind="webhook-destination")
        queued = [self.deliverer.submit(delivery) for delivery in result.deliveries]
        if admin and not all(queued):
            detail = (
                f"too many webhook deliveries are waiting (webhook_concurrency={self.limits.webhook_concurrency} "
                "sending, ten times that queued); try again later"
            )
            return problem_response(503, detail, kind="webhook-queue-full", headers=(("retry-after", "1"),))
        return result.response

    async def _body(self, headers: tuple[tuple[str, str], ...], receive: Receive) -> bytes:
        """The whole body; ``_BodyRefusedError`` (413) over ``max_body``, told by the declared length when more is
        to come, or else once that many bytes have come. (A body that is too slow, ``body_timeout``, is the HTTP
        server's to cut: ``http_server``, with no timer per request here.)"""
        limit = self.limits.max_body
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _DisconnectedError
        chunk: bytes = message.get("body", b"")
        if not message.get("more_body", False) and len(chunk) <= limit:
            return chunk  # nearly every request: its whole body came with its head, and no header need be read
        declared = _content_length(headers)
        # ASCII digits only ("²".isdigit() is true and int("²") raises); more than 18 is over any limit (int() of
        # 5 000 digits raises too)
        length = declared.strip() if declared is not None else ""
        if length.isascii() and length.isdigit() and (len(length) > 18 or int(length) > limit):
            raise _BodyRefusedError(413, f"the request body is larger than the mock's limit of {limit} bytes")
        chunks = [chunk]
        size = len(chunk)
        while True:
            if size > limit:
                raise _BodyRefusedError(413, f"the request body is larger than the mock's limit of {limit} bytes")
            if not message.get("more_body", False):
                return b"".join(chunks)
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _DisconnectedError
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.deliverer.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _content_length(headers: tuple[tuple[str, str], ...]) -> str | None:
    for name, value in headers:  # a plain loop: half the cost of next() over a generator, on every request
        if name == "content-length":
            return value
    return None


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    if raw:
        return bytes(raw).split(b"?", 1)[0].decode("latin-1")
    from urllib.parse import quote

    return quote(scope.get("path") or "/")

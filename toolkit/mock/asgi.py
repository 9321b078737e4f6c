"""The ASGI adapter: serves a compiled mock (``Handler``) under any ASGI server (``ctk serve``).

Kept thin on purpose: translate scope/receive into a ``Request``, call the handler, send the
``Response``. What belongs to serving rather than to a protocol lives here, bounded by ``Limits``:
the body's size (``max_body``, answered in the protocol's own form), a guard that turns a bug into one 500,
``GET /__ctk/health`` for every protocol, one log line per refused request, and sending webhook and
callback events (``deliver.Deliverer``: after the response, on the server's event loop, so a slow
receiver never delays the client; only to destinations the ``DestinationPolicy`` allows).

An answer the sandbox's faults layer shaped (``MockResult.delay``, ``MockResult.transport_fault``) leaves after
an ``asyncio.sleep``, slowly (``trickle``), or broken: ``reset``, ``empty``, ``truncated`` and ``malformed-chunk``
need the connection itself, which ctk's HTTP protocol (``toolkit.mock.http_server``) lends through the
``ctk.raw`` scope extension (``scope["extensions"]["ctk.raw"]["write"](scope, data, abort)``: write raw bytes,
then close or reset). Under another ASGI server the answer is sent whole instead, after its delay. ``timeout``
answers nothing until the client leaves (at most ``TIMEOUT_HOLD`` seconds). The normal path pays one check.

Under ctk's HTTP protocol most requests skip the ASGI cycle altogether: one whose body came whole with its head is
answered from the protocol's parser (``answer_whole``), the same work as ``__call__`` without the messages; what it
cannot finish so it hands back as an ASGI app, run in the usual task.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

from toolkit.destinations import DestinationPolicy
from toolkit.exchange import MockResult, Request, Response, lower_headers
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
App = Callable[[Scope, Receive, Send], Awaitable[None]]
Respond = Callable[[Scope, int, Response], bool]  # the ctk.respond extension's send

HEALTH_PATH = ADMIN_PREFIX + "/health"
_HEALTHY = Response(200, (("content-type", "application/json"),), b'{"status":"ok"}')
_CLOSE = ("connection", "close")
RAW_EXTENSION = "ctk.raw"  # lent by toolkit.mock.http_server: write raw bytes to the connection, then close or reset
# lent by toolkit.mock.http_server too: ``["send"](scope, status, response) -> bool``, the answer written in one write
RESPOND_EXTENSION = "ctk.respond"
TIMEOUT_HOLD = 600.0  # seconds a ``timeout`` fault holds a connection the client keeps open
_TRICKLE_STEPS = 10  # pieces a second when trickling


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
        kind = scope["type"]
        if kind != "http":
            if kind == "lifespan":
                await self._lifespan(receive, send)
            return
        headers = _headers(scope.get("headers") or ())
        # The body: nearly every request's came whole with its head (one message, no header need be read)
        message = await receive()
        body = message.get("body", b"") if message["type"] == "http.request" else None
        refused: _BodyRefusedError | None = None
        if body is None or message.get("more_body", False) or len(body) > self.limits.max_body:
            try:
                body = await self._body(headers, receive, message)
            except _BodyRefusedError as error:
                body, refused = b"", error
            except _DisconnectedError:
                return  # nobody to answer: the mock is not asked
        answered = self._answered(scope, headers, body, refused)
        if isinstance(answered, MockResult):  # shaped by the faults layer (rare): delayed, slow or broken
            await _shaped(scope, receive, send, answered)
            return
        status = answered.status
        extensions = scope.get("extensions")
        respond = extensions.get(RESPOND_EXTENSION) if extensions else None
        if respond is not None and respond["send"](scope, status, answered):
            return  # ctk's HTTP protocol wrote it whole, in one write
        await send({"type": "http.response.start", "status": status, "headers": answered.raw_headers()})
        await send({"type": "http.response.body", "body": answered.body})

    def answer_whole(self, scope: Scope, body: bytes, respond: Respond) -> App | None:
        """Answer a request whose body came whole with its head, with no ASGI cycle: for ctk's HTTP protocol
        (``toolkit.mock.http_server``), which calls it from its parser (no task, no ``receive``/``send`` messages,
        no coroutine per request). ``respond`` is the ``ctk.respond`` extension's ``send``. None when answered;
        else the ASGI app that finishes the request in the usual cycle: this whole app when the body is over
        ``max_body`` (its 413 is read and answered as ever), or an app that sends this very answer (a shaped one,
        or one ``respond`` declined), so the mock is asked once either way."""
        if len(body) > self.limits.max_body:
            return self
        # _answered's work inline (one frame less); the header names come lower-cased from uvicorn's parser
        raw = scope["query_string"]
        headers = tuple([(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]])
        request = Request(scope["method"], _raw_path(scope), raw.decode("latin-1") if raw else "", headers, body)
        answered = self._answer(request)
        if isinstance(answered, MockResult):  # shaped by the faults layer (rare): delayed, slow or broken
            return functools.partial(_send_shaped, answered)
        status = answered.status
        if 400 <= status < 500:
            log_client_error(request, answered)
        if respond(scope, status, answered):
            return None
        return functools.partial(_send, answered)

    def _answered(
        self, scope: Scope, headers: tuple[tuple[str, str], ...], body: bytes, refused: _BodyRefusedError | None
    ) -> Response | MockResult:
        """The answer to the request of ``scope`` with ``body`` (a client error logged), or the whole result when
        the faults layer shaped how it leaves."""
        raw = scope.get("query_string")
        request = Request(scope["method"], _raw_path(scope), raw.decode("latin-1") if raw else "", headers, body)
        if refused is not None:
            # The rest of the body is still on its way: close rather than read it to find the next request.
            answer = error_response(self.handler, request, refused.status, str(refused))
            response = Response(answer.status, (*answer.headers, _CLOSE), answer.body)
        else:
            answered = self._answer(request)
            if isinstance(answered, MockResult):  # shaped by the faults layer (rare): delayed, slow or broken
                return answered
            response = answered
        if 400 <= response.status < 500:
            log_client_error(request, response)
        return response

    def _answer(self, request: Request) -> Response | MockResult:
        """The response, or the whole result when the faults layer shaped how it leaves (delayed, broken)."""
        if request.path == HEALTH_PATH:
            return _HEALTHY  # every protocol's server answers it, for supervisors and the test harness
        try:
            result = self.handler(request)
        except Exception as error:  # noqa: BLE001 -- a bug in ctk costs one 500 (guard.failed), never the server
            result = failed(error, request)
        if result.transport_fault is not None or result.delay:
            if result.deliveries and self.deliver:
                for delivery in result.deliveries:
                    self.deliverer.submit(delivery)
            return result
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

    async def _body(self, headers: tuple[tuple[str, str], ...], receive: Receive, message: Message) -> bytes:
        """The whole body, ``message`` the first of it; ``_BodyRefusedError`` (413) over ``max_body``, told by the
        declared length when more is to come, or else once that many bytes have come. (A body that is too slow,
        ``body_timeout``, is the HTTP server's to cut: ``http_server``, with no timer per request here.)"""
        limit = self.limits.max_body
        if message["type"] == "http.disconnect":
            raise _DisconnectedError
        chunk: bytes = message.get("body", b"")
        if not message.get("more_body", False) and len(chunk) <= limit:
            return chunk
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


async def _send(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    """The two ASGI messages of ``response`` (``answer_whole``'s answer that ``ctk.respond`` declined)."""
    await send({"type": "http.response.start", "status": response.status, "headers": response.raw_headers()})
    await send({"type": "http.response.body", "body": response.body})


async def _send_shaped(result: MockResult, scope: Scope, receive: Receive, send: Send) -> None:
    await _shaped(scope, receive, send, result)


async def _shaped(scope: Scope, receive: Receive, send: Send, result: MockResult) -> None:
    """Send ``result`` as the faults layer asked: after its delay, slowly, or broken (see the module's docstring)."""
    if result.delay > 0:
        await asyncio.sleep(result.delay)  # never a blocking sleep: the loop serves other connections meanwhile
    response = result.response
    fault = result.transport_fault
    if fault is not None and fault.startswith("trickle:"):
        await _trickle(send, response, int(fault.partition(":")[2]))
        return
    if fault == "timeout":
        await _hold(receive)
        return
    raw = (scope.get("extensions") or {}).get(RAW_EXTENSION) if fault is not None else None
    if raw is None:  # nothing to break, or another server (no raw access): the answer, whole
        await send({"type": "http.response.start", "status": response.status, "headers": response.raw_headers()})
        await send({"type": "http.response.body", "body": response.body})
        return
    write = raw["write"]
    if fault == "reset":
        write(scope, b"", True)
    elif fault == "empty":
        write(scope, b"", False)
    elif fault == "truncated":
        body = response.body or b"{}"  # a body must be promised for part of it to be missing
        write(scope, _head(response, (("content-length", str(len(body))),)) + body[: len(body) // 2], False)
    else:  # malformed-chunk: a chunk size line that is not hexadecimal
        write(scope, _head(response, (("transfer-encoding", "chunked"),)) + b"zz\r\n" + response.body[:16], False)


def _head(response: Response, framing: tuple[tuple[str, str], ...]) -> bytes:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in response.headers if name.lower() not in _FRAMING]
    lines += [f"{name}: {value}" for name, value in (*framing, _CLOSE)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


_FRAMING = frozenset(("content-length", "transfer-encoding", "connection"))


async def _trickle(send: Send, response: Response, rate: int) -> None:
    await send({"type": "http.response.start", "status": response.status, "headers": response.raw_headers()})
    body = response.body
    step = max(1, rate // _TRICKLE_STEPS)
    for start in range(0, len(body), step):
        piece = body[start : start + step]
        await send({"type": "http.response.body", "body": piece, "more_body": True})
        await asyncio.sleep(len(piece) / rate)
    await send({"type": "http.response.body", "body": b""})


async def _hold(receive: Receive) -> None:
    """Answer nothing until the client gives up (its read timeout), or ``TIMEOUT_HOLD`` seconds."""

    async def until_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(until_disconnect(), TIMEOUT_HOLD)


def _content_length(headers: tuple[tuple[str, str], ...]) -> str | None:
    for name, value in headers:  # a plain loop: half the cost of next() over a generator, on every request
        if name == "content-length":
            return value
    return None


def _headers(raw: Any) -> tuple[tuple[str, str], ...]:
    """The scope's headers as ``(lower-case name, value)`` strings (``lower_headers``), in one comprehension when
    they are bytes, as every ASGI server gives them."""
    try:
        return tuple([(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in raw])
    except AttributeError:  # str pairs (a test's scope): the general conversion
        return lower_headers(raw)


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    if raw:
        if type(raw) is bytes and b"?" not in raw:
            return raw.decode("latin-1")  # uvicorn's: the path alone, as received
        return bytes(raw).split(b"?", 1)[0].decode("latin-1")
    from urllib.parse import quote

    return quote(scope.get("path") or "/")

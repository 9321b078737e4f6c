"""The recorder ``ctk record`` serves: an ASGI app that forwards each request below the API's mount to the vendor's
sandbox with httpx, answers with the vendor's answer, and records the exchange redacted and checked.

A client talks to the recorder exactly as to ``ctk serve`` (the same mount), so switching a test suite between
the sandbox, the recorder and replay is a base URL. The vendor's credentials, read from the environment variables
sandbox.toml names (``toolkit.vendor.credentials``), are added to the forwarded request when it goes to the vendor's
origin; their values are secrets the redactor knows from the start, and are scrubbed from every error message.

Bounded like ``ctk serve``: the request body by ``max_body`` (413), the vendor's answer by ``MAX_ANSWER`` (502), the
time by ``TIMEOUT`` (504); a vendor that cannot be reached is a 502 problem+json naming the target. Recording and
checking run in a worker thread, one exchange at a time (the redactor's memory of secrets is shared by the run).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

import httpx

from toolkit.exchange import Request, Response, lower_headers
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.mock.handler import ADMIN_PREFIX, is_under
from toolkit.mock.problem import problem_response
from toolkit.sandbox.recording.check import ContractCheck
from toolkit.sandbox.recording.har import Exchange, Recording, entry
from toolkit.sandbox.recording.redact import Redactor
from toolkit.vendor.credentials import Credentials

__all__ = ["MAX_ANSWER", "TIMEOUT", "Recorder"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_ANSWER = 32 * 1024 * 1024  # bytes of a vendor's answer relayed (and offered to the recording)
TIMEOUT = 60.0  # seconds for the vendor to answer one request
log = logging.getLogger("ctk.record")
# Not forwarded either way: they describe one connection, not the message (and httpx sets its own Host and length).
_HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding",
        "upgrade", "host", "content-length",
    }
)  # fmt: skip
_NOT_RELAYED = _HOP_BY_HOP | {"content-encoding"}  # httpx hands the body decoded


class Recorder:
    """Forwards ``mount/...`` to ``target/...``, answers with the vendor's answer, records each exchange."""

    def __init__(
        self,
        *,
        api: str,
        mount: str,
        target: str,
        credentials: Credentials,
        redactor: Redactor,
        recording: Recording,
        check: ContractCheck | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.api = api
        self.mount = "" if mount == "/" else mount.rstrip("/")
        self.target = target.rstrip("/")
        self.credentials = credentials
        self.redactor = redactor
        self.recording = recording
        self.check = check
        self.limits = limits
        self.recorded = 0
        self._lock = threading.Lock()
        self._told_full = False
        self._client: httpx.AsyncClient | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        raw = scope.get("raw_path") or scope.get("path", "/").encode()
        path = bytes(raw).split(b"?", 1)[0].decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        headers = lower_headers(scope.get("headers") or ())
        if path == ADMIN_PREFIX + "/health":
            await _send(send, Response(200, (("content-type", "application/json"),), b'{"status":"ok"}'))
            return
        if self.mount and not is_under(path, self.mount):
            detail = f"the recorder forwards requests below {self.mount} (the API's mount) to {self.target}"
            await _send(send, problem_response(404, detail, kind="not-found"))
            return
        body = await self._body(receive)
        if body is None:
            limit = self.limits.max_body
            await _send(send, problem_response(413, f"the request body is larger than {limit} bytes", kind="too-large"))
            return
        rest = path[len(self.mount) :]
        answer = await self._forward(scope["method"], rest, query, headers, body)
        await _send(send, answer)

    async def _forward(
        self, method: str, rest: str, query: str, headers: tuple[tuple[str, str], ...], body: bytes
    ) -> Response:
        url = self.target + rest
        sent_headers = [(name, value) for name, value in headers if name not in _HOP_BY_HOP]
        if self.credentials.applies_to(url):
            names = {name.lower() for name in self.credentials.headers}
            sent_headers = [(n, v) for n, v in sent_headers if n not in names]
            sent_headers += [(name.lower(), value) for name, value in self.credentials.headers.items()]
            extra = httpx.QueryParams(self.credentials.params)
            query = "&".join(part for part in (query, str(extra)) if part)
        full = url + (f"?{query}" if query else "")
        started, clock = datetime.now(UTC), time.perf_counter()
        try:
            status, reason, answer_headers, answer = await self._send_to_vendor(method, full, sent_headers, body)
        except _TooLargeError:
            return problem_response(502, f"the vendor's answer is larger than {MAX_ANSWER} bytes", kind="bad-gateway")
        except httpx.TimeoutException:
            detail = f"the vendor did not answer within {TIMEOUT:g} s ({self.target})"
            return problem_response(504, self.credentials.redact(detail), kind="gateway-timeout")
        except httpx.HTTPError as error:
            detail = f"cannot reach the vendor at {self.target}: {type(error).__name__}: {error}"
            return problem_response(502, self.credentials.redact(detail), kind="bad-gateway")
        exchange = Exchange(
            method=method,
            url=full,
            path=rest,
            query=query,
            request_headers=sent_headers,
            request_body=body,
            status=status,
            reason=reason,
            response_headers=answer_headers,
            response_body=answer,
            started=started,
            elapsed_ms=(time.perf_counter() - clock) * 1000,
            api=self.api,
        )
        await asyncio.to_thread(self._record, exchange)
        relayed = [(name, value) for name, value in answer_headers if name.lower() not in _NOT_RELAYED]
        return Response(status, (*relayed, ("content-length", str(len(answer)))), answer)

    async def _send_to_vendor(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        if self._client is None:
            # trust_env=False: no proxy or netrc from the environment; redirects are answers to record, not to follow
            self._client = httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=TIMEOUT)
        request = self._client.build_request(method, url, headers=headers, content=body)
        response = await self._client.send(request, stream=True)
        try:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise _TooLargeError
                chunks.append(chunk)
        finally:
            await response.aclose()
        pairs = [(key.decode("latin-1"), value.decode("latin-1")) for key, value in response.headers.raw]
        return response.status_code, response.reason_phrase, pairs, b"".join(chunks)

    def _record(self, exchange: Exchange) -> None:
        """Check ``exchange`` against the contract and add it, redacted, to the recording (in a worker thread)."""
        with self._lock:
            if self.check is not None:
                request = Request(
                    exchange.method,
                    self.mount + exchange.path,
                    exchange.query,
                    lower_headers(exchange.request_headers),
                    exchange.request_body,
                )
                content_type = exchange.header(exchange.response_headers, "content-type")
                try:
                    exchange.operation, exchange.violations = self.check(
                        request, exchange.status, content_type, exchange.response_body
                    )
                except Exception as error:  # noqa: BLE001 -- a bug in the check must not lose the exchange
                    log.warning("checking %s %s failed: %s", exchange.method, exchange.path, type(error).__name__)
            item = entry(exchange, self.redactor)
            shown = f"{exchange.method} {self.mount}{self.redactor.text(exchange.path)}"
            where = f"{exchange.operation} ({shown})" if exchange.operation else shown
            if item is None:
                log.warning("%s: not recorded (a secret could not be taken out of it)", where)
                return
            for violation in item["_ctk"]["violations"]:
                log.warning(
                    "drift: %s %s %s: %s",
                    where,
                    violation["direction"],
                    violation["location"],
                    violation["message"],
                )
            if self.recording.add(item):
                self.recorded += 1
                log.info("recorded %s -> %d", where, exchange.status)
            elif not self._told_full:
                self._told_full = True
                log.warning(
                    "%s and later exchanges: not recorded; %s is full (%d entries, at most %d MiB)",
                    where, self.recording.path.name, len(self.recording.entries), self.recording.max_bytes // 2**20,
                )  # fmt: skip

    async def _body(self, receive: Receive) -> bytes | None:
        """The whole request body, or None once it passes ``max_body``."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b""
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.limits.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


class _TooLargeError(Exception):
    """The vendor's answer passed ``MAX_ANSWER``."""


async def _send(send: Send, response: Response) -> None:
    await send({"type": "http.response.start", "status": response.status, "headers": response.raw_headers()})
    await send({"type": "http.response.body", "body": response.body})

"""The HTTP server under ``ctk serve``: uvicorn with httptools, bounded per connection and per request head.

uvicorn bounds neither the size of a request head nor the time to send it, and never closes a fresh
connection that sends nothing: one client could hold memory with endless headers, or every
connection slot with heads sent one byte at a time (slowloris). ``BoundedHttpToolsProtocol`` adds:

- ``max_header_bytes``: the request line and headers together; beyond it the answer is 431 and the
  connection is closed. Bytes are counted as they arrive, so a head is refused before it is whole
  (httptools keeps a header's value until it ends: counting only parsed headers would be too late);
- ``header_timeout``: from the connection's start, or the first read of a next request's head that
  leaves it incomplete, until its headers are complete; then 408 (or nothing, if nothing was sent)
  and the connection is closed. A head that arrives whole in one read (nearly all) costs no timer;
- ``max_connections``: when one more connection arrives, the longest-idle connection (no request in
  progress: a fresh, slow or keep-alive one) is closed to make room; only when every connection has a
  request in progress does uvicorn answer 503 (its ``limit_concurrency``). So a flood of idle
  connections cannot lock out a client that sends a request;
- ``max_pipelined``: one read can hold thousands of tiny pipelined requests, each of which uvicorn
  would queue; past the limit the rest of the read is dropped and the connection closes once the
  queued requests are answered (a pipelining client resends the others, as HTTP/1.1 allows);
- closing a connection whose client does not read what was sent discards it (``abort``), so unread
  answers cannot pile up in memory until the client reads them.

- ``ctk.raw`` (an ASGI scope extension, for the sandbox's faults layer): the app may write raw bytes and
  then close or reset the connection (``transport.abort``: an RST), which standard ASGI messages cannot say.
  It costs one dict store per request (the extension is built once per connection).
- ``ctk.respond`` (another scope extension, for ``toolkit.mock.asgi``): a plain answer (keep-alive, not ``HEAD``,
  no framing header of its own) is written in one ``transport.write``, the bytes uvicorn's ``send`` writes in two
  for the two ASGI messages (one system call and one TCP segment fewer per answer); the answer's headers are
  checked and framed once per ``Response``, so a memoised answer is framed once. Anything else goes through
  uvicorn's ``send`` as before (``tests/mock/test_http_server_speed.py`` compares the bytes).

- answers from the parser: a request whose body comes whole in the read that completes its head, served by a
  ``MockASGIApp``, is answered from ``on_message_complete`` (``MockASGIApp.answer_whole``: no asyncio Task, no
  ``receive``/``send`` messages, no coroutine per request) and written with ``ctk.respond``; anything else (a body
  in later reads or over ``max_body``, ``Expect: 100-continue``, a shaped or non-plain answer, an error, another
  app) takes the usual ASGI cycle. The pipelining bound counts the requests answered earlier in the read as queued,
  so a flood gets the same answers and the same close (``tests/mock/test_common_answer_whole.py``: the bytes of the
  ASGI cycle, over a fake transport and over real HTTP);
- one keep-alive timer per connection, not one per answer (uvicorn's arm-and-cancel cost about 4 µs a request):
  it closes the connection ``keepalive_timeout`` after its last answer, as uvicorn's does;
- answers written with ``ctk.respond`` leave at the end of the event loop's turn, all the answers of a turn
  together (``toolkit.mock.corked``): each ``send`` wakes a client waiting for it, and a server busier than its
  clients paid that wake-up in kernel time once per answer (wrk, REST new ids: 16-20 µs of system time per
  request, 4-5 once corked, and about a fifth more requests a second). Every other write and a close send what
  is kept first, so a connection's bytes keep their order and nothing kept is lost;

- ``body_timeout``: from the first read that leaves a request's body incomplete until it is whole;
  then 408 and the connection is closed (the ASGI app sees a disconnect and does not ask the mock).

``keepalive_timeout`` is uvicorn's own ``timeout_keep_alive``. The body's size (``max_body``) is
bounded by the ASGI adapter, which knows the protocol's error form. The refusals made here, before any
protocol is known, are problem+json. Timers are armed only for a head or body that a read left
incomplete, so a request that arrives whole costs none.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import resource
import socket
import struct
from asyncio import TimerHandle, Transport
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.mock.corked import CorkedTransport, Turn
from toolkit.mock.problem import problem_document
from toolkit.mock.request_log import log as request_log

log = logging.getLogger("ctk.server")
LOG_LEVELS = ("debug", "info", "warning", "error")
_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large", 400: b"Bad Request"}
# A sequence rather than a clock: connections accepted in one loop iteration share the loop's time.
_ACCEPT_ORDER = itertools.count()
_HEAD_OVERHEAD = 16  # " HTTP/1.1\r\n" and the blank line: counted in the exact size of a parsed head


class _HeadTooLargeError(Exception):
    """Raised from a parser callback to stop httptools in the middle of its buffer."""


class _PipelineFullError(Exception):
    """Raised from a parser callback: ``max_pipelined`` requests already wait on this connection."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    _corked: CorkedTransport  # the connection's transport, as uvicorn's code sees it too (connection_made)

    def __init__(self, *args: Any, limits: Limits = DEFAULT_LIMITS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.max_head = limits.max_header_bytes
        self.max_pipelined = limits.max_pipelined
        self.head_bytes = 0  # bytes received of the request head being read
        # Bytes of the read in which the previous request ended: the next head may have begun in it, uncounted.
        self.head_carry = 0
        self.read_size = 0  # bytes of the read being parsed
        self.in_head = True  # reading a request head (not a body, and not between requests)
        self.opened = 0  # accept order, for eviction among connections idle since the same moment
        self._head_timer: TimerHandle | None = None
        self._body_timer: TimerHandle | None = None
        # the ctk.raw and ctk.respond extensions (toolkit.mock.asgi), built once per connection
        self._extensions: dict[str, dict[str, Any]] = {
            "ctk.raw": {"write": self._raw_write},
            "ctk.respond": {"send": self._respond},
        }
        # The app's answer_whole (a MockASGIApp): a request whose body comes whole with its head is answered from the
        # parser, with no ASGI cycle (``_answer_whole``); None under any other app
        self._whole: Any = getattr(self.app, "answer_whole", None)
        self._deferring = False  # in on_headers_complete: a request the app can answer whole waits for its body
        self._deferred: RequestResponseCycle | None = None  # that request, until its body is whole or the read ends
        self._started_in_read = 0  # requests answered or started in the read being parsed (the pipelining bound)
        # keep-alive: when the connection last became idle after an answer (None: a request is being read or answered),
        # and the one timer that closes it keepalive_timeout after that (see _unset_keepalive_if_required)
        self._idle_from: float | None = None
        self._keepalive_timer: TimerHandle | None = None
        self._defaults: list[tuple[bytes, bytes]] | None = None  # the server's default headers (date, server) ...
        self._defaults_framed = b""  # ... as framed for ctk.respond (uvicorn replaces the list once a second)

    # -- the connection ------------------------------------------------------------------------

    def connection_made(self, transport: Transport) -> None:  # type: ignore[override]
        state = self.server_state.__dict__
        turn = state.get("ctk_turn")
        if turn is None:  # one per server: its connections' answers leave together at the end of a loop turn
            turn = state["ctk_turn"] = Turn(self.loop)
        self._corked = CorkedTransport(transport, turn)
        super().connection_made(self._corked)  # type: ignore[arg-type]
        self.opened = next(_ACCEPT_ORDER)
        self._arm_head_timer()
        if len(self.connections) > self.limits.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()
        if self._keepalive_timer is not None:
            self._keepalive_timer.cancel()
            self._keepalive_timer = None
        super().connection_lost(exc)

    # -- keep-alive ----------------------------------------------------------------------------------

    def _unset_keepalive_if_required(self) -> None:
        """uvicorn cancels its keep-alive timer on every read and arms a new one after every answer: a TimerHandle,
        a heap push and a cancelled entry for the loop to pop, about 4 µs a request. Here one timer stays armed
        while the connection is used: a read (or a request's head) only marks the connection busy, and the timer,
        when due, closes it if it has been idle ``keepalive_timeout`` since its last answer, or else waits for the
        rest of that time (``_keepalive_due``). The same closing time as uvicorn's."""
        self._idle_from = None

    def on_response_complete(self) -> None:
        """uvicorn's, but the keep-alive timer armed only when none is (``_unset_keepalive_if_required``)."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._idle_from = None
        self.flow.resume_reading()
        if self.pipeline:  # the next pipelined request starts
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        else:
            self._idle_from = self.loop.time()
            if self._keepalive_timer is None:
                self._keepalive_timer = self.loop.call_later(self.timeout_keep_alive, self._keepalive_due)

    def _keepalive_due(self) -> None:
        self._keepalive_timer = None
        idle_from = self._idle_from
        if idle_from is None:
            return  # a request is in progress: its answer arms the timer again
        remaining = idle_from + self.timeout_keep_alive - self.loop.time()
        if remaining > 0:
            self._keepalive_timer = self.loop.call_later(remaining, self._keepalive_due)
        else:
            self.timeout_keep_alive_handler()

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        self.read_size = size = len(data)
        if self.in_head:
            self.head_bytes += size
        self._started_in_read = 0
        try:
            parsed = self._feed(data)
        finally:
            deferred = self._deferred
            if deferred is not None:  # its body is not whole in this read: the usual ASGI cycle reads the rest
                self._deferred = None
                HttpToolsProtocol._start_asgi_task(self, deferred, self.app)
        if not parsed:
            return
        if self.in_head and self.head_bytes:
            # A head is still incomplete after this read (most arrive whole in one, and cost no timer).
            if self.head_bytes > self.max_head:
                self._refuse(431, f"the request line and headers exceed max_header_bytes={self.max_head} bytes")
            elif self._head_timer is None:
                self._arm_head_timer()
        elif not self.in_head and self._body_timer is None:
            # A request's body is still incomplete after this read (most arrive whole with their head).
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_timed_out)

    def _feed(self, data: bytes) -> bool:
        """Parse ``data``; False when a refusal (or the pipelining bound) already decided the connection's fate."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # no WebSocket here: the request is answered as plain HTTP
        except httptools.HttpParserError as error:
            if isinstance(error.__context__, _PipelineFullError):
                # The rest of this read is not parsed: answer what is queued, then close (the client sends the
                # unanswered requests again on a new connection, as HTTP/1.1 pipelining allows).
                self.cycle.keep_alive = False
                self.in_head = False
                self.flow.pause_reading()
                request_log.info("closing %s after %d pipelined requests (max_pipelined)", _peer(self.client),
                                 self._queued() + 1)  # fmt: skip
                return False
            if isinstance(error.__context__, _HeadTooLargeError):
                self._refuse(431, f"the request line and headers exceed max_header_bytes={self.max_head} bytes")
            else:
                self._refuse(400, "invalid HTTP request")
            return False
        return True

    # -- parser callbacks ------------------------------------------------------------------------

    def on_headers_complete(self) -> None:
        # A whole head can arrive in one read, before any count could stop it. The bytes read since it began
        # bound its size, so only a head that may be over the limit is measured exactly (none of the usual ones).
        if self.head_bytes + self.head_carry > self.max_head:
            size = len(self.url) + _HEAD_OVERHEAD + sum(len(name) + len(value) + 4 for name, value in self.headers)
            if size > self.max_head:
                raise _HeadTooLargeError
        # One read can hold thousands of tiny pipelined requests, each a queued cycle: bound the queue.
        if self._queued() >= self.max_pipelined:
            raise _PipelineFullError
        self.in_head = False
        if self._head_timer is not None:
            self._cancel_head_timer()
        self._idle_from = None  # busy again (an answer given earlier in this read left it idle)
        self.scope["extensions"] = self._extensions  # type: ignore[typeddict-item]
        self._deferring = True
        try:
            HttpToolsProtocol.on_headers_complete(self)
        finally:
            self._deferring = False

    def _queued(self) -> int:
        """The requests waiting behind the one being answered, as uvicorn would queue them: those answered earlier in
        this read (``_answer_whole``) count as queued still, so a read's pipelined requests meet the same bound, get
        the same answers (the last one ``connection: close``) and leave the same rest unread as with no answer from
        the parser."""
        started = self._started_in_read
        return len(self.pipeline) + (started - 1 if started > 1 else 0)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        """uvicorn starts a request's ASGI task here, from ``on_headers_complete`` (or once the request before it is
        answered, when pipelined). A request a ``MockASGIApp`` can answer whole is held instead until its body is
        whole (``on_message_complete``), when the app answers it from the parser; its body not whole in this read,
        ``data_received`` starts its task after all. Not held: a request that expects ``100 Continue`` (uvicorn
        writes it on the first ``receive``), and the last one the pipelining bound lets a read start (it must
        still be unanswered when the next one trips the bound and marks it to close the connection)."""
        if self._deferring:
            self._started_in_read += 1
            if (
                app is self.app
                and self._whole is not None
                and not cycle.waiting_for_100_continue
                and self._started_in_read <= self.max_pipelined
            ):
                self._deferred = cycle
                return
        HttpToolsProtocol._start_asgi_task(self, cycle, app)

    def _answer_whole(self, cycle: RequestResponseCycle) -> None:
        """Answer the held request, its body whole: the app answers and writes it with ``ctk.respond``; what it
        cannot write so (a shaped answer, one ``respond`` declines, a body over ``max_body``) it hands back as an
        ASGI app, run in the request's usual task. An error is the task's too: logged, and a 500, as uvicorn does."""
        body = bytes(cycle.body)
        rest: Any
        try:
            rest = self._whole(cycle.scope, body, self._respond)
        except Exception as error:  # noqa: BLE001 -- reported by uvicorn's run_asgi, as any error of an app
            rest = functools.partial(_raise, error)
        if rest is None:
            return
        if rest is not self.app:  # the body was read, as the app's receive would have: reading goes on
            cycle.body = bytearray()
            self.flow.resume_reading()
        HttpToolsProtocol._start_asgi_task(self, cycle, rest)

    def _raw_write(self, scope: Any, data: bytes, abort: bool) -> None:
        """The ``ctk.raw`` extension: write ``data`` as the answer to the request of ``scope``, then close the
        connection (``abort``: reset it, RST, discarding what was not sent). The request's cycle is marked
        answered, so uvicorn neither adds a 500 nor logs one."""
        cycles = [self.cycle, *(cycle for cycle, _ in self.pipeline)]
        for cycle in cycles:
            if cycle is not None and cycle.scope is scope:
                cycle.response_started = cycle.response_complete = True
                cycle.keep_alive = False
        if self.transport.is_closing():
            return
        if data:
            self.transport.write(data)
        if abort:
            sock = self.transport.get_extra_info("socket")
            if sock is not None:  # linger 0: close() sends an RST, as a crashed server's kernel does
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()
        else:
            self.transport.close()

    def _respond(self, scope: Any, status: int, response: Any) -> bool:
        """The ``ctk.respond`` extension: write ``response`` (a ``toolkit.exchange.Response``) to the request of
        ``scope`` in one ``transport.write``, the very bytes uvicorn's ``send`` writes for the two ASGI messages in
        two (one system call and one TCP segment fewer per answer), and complete the request's cycle as ``send``
        does. False when the answer is not the plain case (keep-alive, not ``HEAD``, a body allowed, no framing
        header of its own, headers uvicorn accepts, nothing paused or logged): the app then sends the messages."""
        cycle = self.cycle
        if (
            cycle is None
            or cycle.scope is not scope
            or cycle.response_started
            or cycle.disconnected
            or not cycle.keep_alive
            or cycle.access_log
            or cycle.flow.write_paused
            or status in (204, 304)
            or scope["method"] == "HEAD"
        ):
            return False
        try:
            framed = _FRAMED.get(response.headers)
        except TypeError:  # headers that are not all tuples of strings: framed for this response alone
            framed = response.framed_headers(_frame_headers)
        if framed is None:
            framed = _framed(response)
        line = STATUS_LINE.get(status)
        if not framed or line is None:
            return False
        defaults = self.server_state.default_headers
        if defaults is not self._defaults:
            framed_defaults = _frame_headers(tuple(defaults))
            if not framed_defaults:  # never (the server's own date and name): uvicorn's send decides
                return False
            self._defaults, self._defaults_framed = defaults, framed_defaults[: -len(_CHUNKED)]
        body = response.body
        cycle.response_started = True
        cycle.waiting_for_100_continue = False
        write = self._corked.write_later
        if body:
            write(b"".join((line, self._defaults_framed, framed, b"%x\r\n" % len(body), body, b"\r\n0\r\n\r\n")))
        else:
            write(b"".join((line, self._defaults_framed, framed, b"0\r\n\r\n")))
        cycle.response_complete = True
        cycle.message_event.set()
        cycle.on_response()
        return True

    def on_message_complete(self) -> None:
        HttpToolsProtocol.on_message_complete(self)
        # What follows on this connection is the head of the next request (until it comes, the keep-alive timer);
        # it may begin in the rest of this read.
        self.in_head, self.head_bytes, self.head_carry = True, 0, self.read_size
        if self._body_timer is not None:
            self._cancel_body_timer()
        cycle = self._deferred
        if cycle is not None and cycle is self.cycle:
            self._deferred = None
            self._answer_whole(cycle)

    def timeout_keep_alive_handler(self) -> None:
        self._close()

    # -- limits ------------------------------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.in_head or self.transport.is_closing():
            return
        if self.head_bytes:
            self._refuse(408, f"the request headers took longer than header_timeout={self.limits.header_timeout:g} s")
        else:
            self._close()  # a connection that never sent a byte gets no answer (as nginx does)

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_timed_out(self) -> None:
        """The body is not whole after ``body_timeout``: answer 408 unless the app already answered, and close.
        The app's ``receive`` then returns ``http.disconnect``, and the mock is not asked."""
        self._body_timer = None
        if self.in_head or self.transport.is_closing():
            return
        if self.cycle is not None and self.cycle.response_started:
            self._close()
        else:
            self._refuse(408, f"the request body took longer than body_timeout={self.limits.body_timeout:g} s")

    def _idle(self) -> bool:
        return (self.cycle is None or self.cycle.response_complete) and not self.pipeline

    def _idle_since(self) -> tuple[float, int]:
        """When this idle connection last did something: its last answer (the keep-alive's start), else the head
        timer's start for a head not yet whole."""
        if self._idle_from is not None:
            return self._idle_from, self.opened
        if self._head_timer is not None:
            return self._head_timer.when() - self.limits.header_timeout, self.opened
        return float("-inf"), self.opened

    def _make_room(self) -> None:
        """Close the connection that has been idle longest, so that this one, which may bring a request, is served."""
        idle = [
            other
            for other in self.connections
            if other is not self and isinstance(other, BoundedHttpToolsProtocol) and other._idle()
        ]
        if idle:
            oldest = min(idle, key=BoundedHttpToolsProtocol._idle_since)
            log.info("max_connections=%d reached: closed the longest-idle connection", self.limits.max_connections)
            oldest._close()
            # It no longer counts: uvicorn's 503 check may run before the loop gets to its connection_lost.
            self.connections.discard(oldest)

    def _refuse(self, status: int, detail: str) -> None:
        """Answer ``status`` in problem+json and close: the head cannot be trusted, so the connection cannot be."""
        self._cancel_head_timer()
        if self.transport.is_closing():
            return
        body = json.dumps({**problem_document(status, detail), "title": _REASONS[status].decode()}).encode()
        head = (
            b"HTTP/1.1 %d %s\r\ncontent-type: application/problem+json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n" % (status, _REASONS[status], len(body))
        )
        self.transport.write(head + body)
        request_log.info("%d %s: %s", status, _peer(self.client), detail)
        self.transport.close()

    def _close(self) -> None:
        """Close now; if the client is not reading what was sent, discard it rather than wait for it forever."""
        if self.transport.is_closing():
            return
        if self.transport.get_write_buffer_size():
            self.transport.abort()
        else:
            self.transport.close()


_CHUNKED = b"transfer-encoding: chunked\r\n\r\n"
_FRAMING = (b"content-length", b"transfer-encoding", b"connection")


# Headers as framed, by their value: each uncached answer is a new Response, but nearly all of a mock's answers
# carry one of a few header tuples (a content type); framing them again cost ~1 µs an answer. At most _FRAMED_MAX
# tuples, each under _FRAMED_MAX_BYTES framed (else not kept); full, it starts again empty. One per process, used
# from the event loop's thread only.
_FRAMED: dict[tuple[tuple[str, str], ...], bytes] = {}
_FRAMED_MAX = 256
_FRAMED_MAX_BYTES = 1024


def _framed(response: Any) -> bytes:
    """``response``'s headers framed (``Response.framed_headers``), kept in ``_FRAMED`` when small."""
    framed: bytes = response.framed_headers(_frame_headers)
    if len(framed) <= _FRAMED_MAX_BYTES:
        if len(_FRAMED) >= _FRAMED_MAX:
            _FRAMED.clear()
        _FRAMED[response.headers] = framed
    return framed


def _frame_headers(headers: tuple[tuple[bytes, bytes], ...]) -> bytes:
    """``headers`` as uvicorn's ``send`` writes them (``name: value`` lines, names lower-cased) up to the blank
    line, with the chunked framing it chooses for a body of unknown length; b"" when uvicorn's ``send`` must see
    them instead: a header it refuses, or one that changes the framing or the connection."""
    lines = []
    for name, value in headers:
        lowered = name.lower()
        if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value) or lowered in _FRAMING:
            return b""
        lines.append(b"%b: %b\r\n" % (lowered, value))
    lines.append(_CHUNKED)
    return b"".join(lines)


async def _raise(error: Exception, scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app that fails with ``error`` (raised answering from the parser): uvicorn's ``run_asgi`` logs it and
    answers 500, or closes the connection when the answer had begun, as for any app's error."""
    raise error


def _peer(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "client"


def uvicorn_options(limits: Limits) -> dict[str, Any]:
    """uvicorn settings of ``ctk serve``, the same for one process and for ``--workers`` (all picklable)."""
    return {
        "http": functools.partial(BoundedHttpToolsProtocol, limits=limits),
        "ws": "none",  # the mocks speak plain HTTP; no upgrade path to harden
        # asyncio's own loop, not uvloop ("auto"): under 200 connections uvloop left answers waiting for seconds
        # (bench/sandbox_load.py: p99 2.9 s, max 4.5 s against 70 ms and 100 ms, and 4,680 against 5,370 requests/s;
        # the bare uvicorn app alike, p99 3.56 s against 90 ms); level at 32 connections, 7 % ahead only at one
        "loop": "asyncio",
        "lifespan": "on",  # the app's shutdown closes its webhook client
        "timeout_keep_alive": limits.keepalive_timeout,
        # no X-Forwarded-* rewriting of the scope's client and scheme: nothing of ctk reads them, and the middleware
        # cost every request a scan of its headers
        "proxy_headers": False,
        # uvicorn answers 503 when connections or in-flight requests reach this: BoundedHttpToolsProtocol keeps
        # connections at max_connections by closing idle ones, so one more means every one is busy.
        "limit_concurrency": limits.max_connections + 1,
        "log_level": "warning",
        "access_log": False,
    }


def ensure_file_limit(limits: Limits, reserve: int = 64) -> None:
    """Raise the soft open-file limit to hold ``max_connections`` sockets plus the server's own files, if allowed.

    Without it, a flood of connections makes ``accept`` fail (EMFILE) before ``max_connections`` is reached."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = limits.max_connections + reserve
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            target = soft
        if target < needed:
            log.warning(
                "the open-file limit (%d) is below max_connections=%d plus %d; raise it (ulimit -n) or lower the limit",
                target, limits.max_connections, reserve,
            )  # fmt: skip


def configure_logging(level: str) -> None:
    """ctk's own log lines (``ctk.*``: refused requests, deliveries, bugs) on stderr at ``level``.

    uvicorn's loggers stay at warning; ctk's are separate so that ``--log-level info`` shows each
    refused request in one line without uvicorn's per-connection chatter."""
    logger = logging.getLogger("ctk")
    logger.setLevel(level.upper())
    if not any(getattr(handler, "ctk_serve", False) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        handler.ctk_serve = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False

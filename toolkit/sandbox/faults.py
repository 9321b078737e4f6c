"""The ``faults`` layer: latency, declared error answers, broken connections and outage windows, seeded.

Configured by ``[apis.NAME.faults]`` (the keys: ``toolkit.sandbox.faults_config``). Per request, in order:

1. ``Prefer: ctk-latency=MS`` and ``Prefer: ctk-fault=STATUS|error|reset|empty|truncated|malformed-chunk|timeout``
   (``error``: what a drawn error answers; names that cannot clash with ``code=``, ``example=``, ``dynamic=``
   or SOAP's ``fault=``) force a fault on this request; they are removed from ``Prefer`` before the inner
   layers see it (so the memo still hits);
2. the operation: REST routes the request first (the mock's router: one match, no side effect), so a faulted
   request never reaches ``state``; SOAP and GraphQL learn it from the inner answer's ``operations``, and only
   when ``operations`` overrides exist (their inner layers keep no resource state);
3. the draws: a ``random.Random`` seeded by (sandbox seed, api, session, the session's request number from
   ``store.incr``), so the same seed and the same requests replay the same faults, whichever process answers;
   the draws are always made in the same order (error, connection, latency), whatever each one decides. When
   the store fails (Redis down), the counted and drawn faults are skipped for the request, which goes through
   with a ``ctk-warning`` header (as the rate limit does): outages and a fixed latency still apply;
4. an error (``fail_first`` counted with ``store.incr`` per session, an ``outage`` window, or the
   ``error_rate`` draw) is the contract's own error answer: REST re-asks the inner layers with
   ``Prefer: code=N`` for the first status the operation declares of ``error_status`` (else 503), 500, then
   any 5xx; problem+json when it declares none. SOAP re-asks with ``Prefer: fault=NAME`` when the operation
   declares a fault (a Server/Receiver fault with its detail), else a Server fault 503. GraphQL: a resolver
   error, one field ``null`` with its ``errors`` entry and the rest of ``data`` kept
   (``toolkit.sandbox.field_errors``); an explicit status (``error_status``, ``ctk-fault=503``) or an outage
   is an ``errors`` document with that HTTP status instead, as a gateway in front of a dead server answers.
   During an ``outage`` window every error answer carries ``Retry-After``: the seconds until the window ends;
5. the shaping: ``MockResult.delay`` (seconds) and ``MockResult.transport_fault`` (``reset``, ``empty``,
   ``truncated``, ``malformed-chunk``, ``timeout``, ``trickle:<bytes per s>``), which each adapter carries out
   (``toolkit.mock.asgi``, ``toolkit.mock.transport``, ``toolkit.soap.mock.zeep_transport``).

Namespaces: ``api/session/#faults`` holds the counters (``requests``, ``first``, ``first:<operation>``), so a
reset session replays from its start.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.problem import problem_response
from toolkit.model import Protocol
from toolkit.sandbox.faults_config import CONNECTION_FAULTS, Faults, FaultsConfig, parse_faults
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.reasking import with_prefer
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, StoreFullError

__all__ = ["TRANSPORT_FAULTS", "FaultsLayer", "faults_layer"]

TRANSPORT_FAULTS = (*CONNECTION_FAULTS, "timeout")
_ASKED_FAULTS = (*TRANSPORT_FAULTS, "error")  # error: what a drawn error answers (GraphQL: a field error)
_TOKEN = re.compile(r"^\s*ctk-(latency|fault)\s*=\s*\"?([^\",;\s]*)\"?\s*$", re.IGNORECASE)
_MAX_ASKED_MS = 600_000
_MAX_WARNING = 400  # characters of a ctk-warning header
WARNING = "ctk-warning"


def faults_layer(
    envelope: MockEnvelope, table: Mapping[str, Any], store: Store, *, api: str, where: str
) -> FaultsLayer:
    """The ``faults`` layer of one API, its table checked (``ConfigError``: ``sandbox.toml {where}.faults.KEY``)."""
    return FaultsLayer(envelope, parse_faults(table, where), store, api=api)


class FaultsLayer:
    """See the module's docstring. Thread-safe: nothing per request is kept but the store's counters."""

    name = "faults"

    def __init__(self, envelope: MockEnvelope, config: FaultsConfig, store: Store, *, api: str) -> None:
        self.envelope = envelope
        self.config = config
        self.api = api
        self._store = store
        self._seed = envelope.mock.options.seed
        self._started = time.time()
        self._idle = _idle(config)
        mock = envelope.mock
        # REST knows a request's operation before answering (call.operation); SOAP and GraphQL once answered
        self._routed = envelope.contract.protocol is Protocol.OPENAPI
        self._graphql = envelope.contract.protocol is Protocol.GRAPHQL
        self._rest_errors: dict[str, tuple[int, ...]] = {}
        self._soap_faults: dict[str, str] = {}
        if self._routed:
            for op_id, op in mock.operations.items():  # type: ignore[attr-defined]
                specs = op.responses.specs
                declared = {spec.status for spec in specs if spec.status >= 400 and spec.key != "default"}
                self._rest_errors[op_id] = tuple(sorted(declared))
        for port in getattr(mock, "ports", ()):
            for op in port.operations:
                if op.faults:
                    self._soap_faults[op.operation.id] = op.faults[0].name

    def prefix(self, session: str) -> str:
        return f"{self.api}/{session}/"

    def replace_config(self, config: FaultsConfig) -> None:
        """Apply ``config`` from the next request on (the admin API's ``PUT /__ctk/faults/{api}``); an outage
        window counts from now."""
        self._started = time.time()
        self._idle = False  # a request meanwhile takes the long way, which reads the table it finds
        self.config = config  # one assignment: a request reads the old table or the new one
        self._idle = _idle(config)

    def passes(self, request: Request, session: str) -> bool:
        """Whether this request needs nothing of the layer (``layers.SandboxedMock`` then skips it): no table that
        can do anything, and no fault or latency asked. The same test ``__call__`` makes first."""
        if not self._idle:
            return False
        prefer = request.header("prefer")
        return prefer is None or "ctk-" not in prefer.lower()

    def __call__(self, call: Call, inner: Next) -> MockResult:
        request = call.request
        asked_latency: float | None = None
        asked_fault: str | None = None
        prefer = request.header("prefer")
        if prefer is None or "ctk-" not in prefer.lower():
            if self._idle:  # no table and nothing asked (nearly every request): nothing to draw, count or shape
                return inner(call)
        else:
            asked_latency, asked_fault, request = _asked(request, prefer)
            call = call.with_request(request)
        config = self.config
        answered: MockResult | None = None
        operation: str | None = None
        if config.operations:
            if self._routed:
                operation = call.operation
            else:
                answered = inner(call)
                operation = answered.operation
        faults, key = config.for_operation(operation)
        drawn = self._draw(faults, key, call.session)
        error, fault, delay = drawn.error, drawn.fault, drawn.delay
        if asked_fault is not None:
            if asked_fault == "error":
                error, fault = 0, None
            elif asked_fault.isdigit():
                error, fault = int(asked_fault), None
            else:
                error, fault = None, asked_fault
        if asked_latency is not None:
            delay = asked_latency
        injected: tuple[str, ...] = ()  # what the journal and the metrics say this answer suffered
        if error is not None:
            outage = drawn.retry_after is not None and asked_fault is None
            result = self._error(call, inner, error, faults, operation, answered, outage=outage)
            if outage and result.response.status >= 500 and result.response.header("retry-after") is None:
                result = _with_header(result, "retry-after", str(drawn.retry_after))
            injected = (f"status:{result.response.status}",)
        else:
            result = answered if answered is not None else inner(call)
        if drawn.warning is not None:
            result = _with_header(result, WARNING, drawn.warning)
        if fault is None and faults.trickle_bytes_per_s:
            fault = f"trickle:{faults.trickle_bytes_per_s}"
        if fault is None and not delay:
            return replace(result, injected=(*result.injected, *injected)) if injected else result
        if delay:
            injected = (*injected, f"latency:{round(delay * 1000)}ms")
        if fault is not None:
            injected = (*injected, fault)
        return replace(result, delay=delay, transport_fault=fault, injected=(*result.injected, *injected))

    # -- the draws ---------------------------------------------------------------------------------

    def _draw(self, faults: Faults, key: str | None, session: str) -> _Drawn:
        """What this request suffers. An outage needs no store; the counted and random faults do, and when the
        store fails (Redis down) they are skipped for this request, which goes through and says why: a fault
        layer that itself crashed would hide the faults the team asked for behind a 500 of ours."""
        if not (faults.outage or faults.fail_first or faults.random):  # the common case: nothing to draw
            return _NOTHING if faults.latency is None else _Drawn(None, None, faults.latency.low)
        error: int | None = None
        retry_after: int | None = None
        now = time.time()
        outage = faults.outage
        if outage is not None and outage.active(now, self._started):
            error = 0
            retry_after = max(1, math.ceil(outage.remaining(now, self._started)))
        latency = faults.latency
        try:
            first, number = self._counts(faults, key, session)
        except (StoreError, StoreFullError) as why:
            note = f"faults not drawn: the sandbox's store failed: {why.message}"
            return _Drawn(error, None, latency.low if latency is not None else 0.0, retry_after, _header_text(note))
        if first is not None and first <= faults.fail_first:
            error = 0  # the contract's error, chosen later
        fault: str | None = None
        delay = 0.0
        if number is not None:
            rng = random.Random(f"{self._seed}/{self.api}/{session}/{number}")
            error_draw, connection_draw = rng.random(), rng.random()
            if error_draw < faults.error_rate and error is None:
                error = 0
            total = 0.0
            for name, rate in faults.connection:
                total += rate
                if connection_draw < total:
                    fault = name
                    break
            if latency is not None:
                delay = latency.draw(rng)
        elif latency is not None:
            delay = latency.low
        return _Drawn(error, fault, delay, retry_after)

    def _counts(self, faults: Faults, key: str | None, session: str) -> tuple[int | None, int | None]:
        """The session's call number for ``fail_first`` and its request number for the seeded draw (None where
        the faults need none): every store call of the layer's request path is made here."""
        namespace = self.prefix(session) + "#faults"
        first: int | None = None
        if faults.fail_first:
            counter = f"first:{key}" if key is not None and key in self.config.fail_first_operations else "first"
            first = self._store.incr(namespace, counter)
        number = self._store.incr(namespace, "requests") if faults.random else None
        return first, number

    # -- the error answer --------------------------------------------------------------------------

    def _error(
        self,
        call: Call,
        inner: Next,
        status: int,
        faults: Faults,
        operation: str | None,
        answered: MockResult | None,
        *,
        outage: bool = False,
    ) -> MockResult:
        request = call.request
        wanted = status or faults.error_status or 503
        detail = f"a fault injected by the sandbox ([faults] of {self.api}, session {call.session})"
        if self._routed:
            op = operation if operation is not None else call.operation
            declared = self._rest_errors.get(op or "", ())
            for candidate in (wanted, 500, *(code for code in declared if code >= 500)):
                if candidate in declared:
                    result = inner(with_prefer(call, f"code={candidate}"))
                    if result.response.status == candidate:
                        return result
                    break
            return MockResult(problem_response(wanted, detail, kind="injected-fault"), operations=(op,) if op else ())
        if self._soap_faults:
            if answered is None:
                answered = inner(call)
            name = self._soap_faults.get(answered.operation or "")
            if name is not None:
                result = inner(with_prefer(call, f"fault={name}"))
                if result.response.status >= 500:
                    return result
            return MockResult(self.envelope.error_response(request, wanted, detail), operations=answered.operations)
        if self._graphql and not status and not faults.error_status and not outage:
            # a resolver error, not a dead server: one field fails, the rest of data stays (partial data)
            from toolkit.graphql.mock.handler import GraphQLMock
            from toolkit.sandbox.field_errors import failed_field

            if answered is None:
                answered = inner(call)
            mock = self.envelope.mock
            failed = failed_field(mock, request, answered, detail) if isinstance(mock, GraphQLMock) else None
            if failed is not None:
                return failed
        operations = answered.operations if answered is not None else ()
        return MockResult(self.envelope.error_response(request, wanted, detail), operations=operations)


@dataclass(frozen=True, slots=True)
class _Drawn:
    error: int | None  # None: none; 0: the contract's own error, chosen by _error; else the status asked
    fault: str | None  # a transport fault (reset, empty, ...)
    delay: float  # seconds
    retry_after: int | None = None  # in an outage window: whole seconds until it ends
    warning: str | None = None  # why some faults were not drawn (a ctk-warning header)


_NOTHING = _Drawn(None, None, 0.0)


def _idle(config: FaultsConfig) -> bool:
    """Whether ``config`` can do nothing to a request that asks for no fault: no operation's table, and a top-level
    one that draws, counts, delays and trickles nothing (``error_status`` alone only says what an error answers)."""
    base = config.base
    return not config.operations and not (
        base.outage or base.fail_first or base.random or base.latency is not None or base.trickle_bytes_per_s
    )


def _with_header(result: MockResult, name: str, value: str) -> MockResult:
    response = result.response
    return replace(result, response=Response(response.status, (*response.headers, (name, value)), response.body))


def _header_text(text: str) -> str:
    """``text`` as a header value: printable ASCII (a header is latin-1), at most ``_MAX_WARNING`` characters."""
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text[:_MAX_WARNING])


def _asked(request: Request, prefer: str) -> tuple[float | None, str | None, Request]:
    """The ``ctk-latency`` and ``ctk-fault`` preferences (invalid values ignored), and the request without them."""
    latency: float | None = None
    fault: str | None = None
    kept: list[str] = []
    for part in prefer.split(","):
        found = _TOKEN.match(part)
        if found is None:
            kept.append(part.strip())
            continue
        name, value = found.group(1).lower(), found.group(2).lower()
        if name == "latency" and value.isascii() and value.isdigit() and int(value) <= _MAX_ASKED_MS:
            latency = int(value) / 1000.0
        elif name == "fault" and (value in _ASKED_FAULTS or (value.isascii() and value.isdigit() and len(value) == 3
                                                                 and 400 <= int(value) <= 599)):  # fmt: skip
            fault = value
    rest = ", ".join(part for part in kept if part)
    headers = tuple(h for h in request.headers if h[0] != "prefer")
    if rest:
        headers = (*headers, ("prefer", rest))
    return latency, fault, replace(request, headers=headers)

"""The ``faults`` layer: latency, declared error answers, broken connections and outage windows, seeded.

Configured by ``[apis.NAME.faults]`` (the keys: ``toolkit.sandbox.faults_config``). Per request, in order:

1. ``Prefer: ctk-latency=MS`` and ``Prefer: ctk-fault=STATUS|reset|empty|truncated|malformed-chunk|timeout``
   (names that cannot clash with ``code=``, ``example=``, ``dynamic=`` or SOAP's ``fault=``) force a fault on
   this request; they are removed from ``Prefer`` before the inner layers see it (so the memo still hits);
2. the operation: REST routes the request first (the mock's router: one match, no side effect), so a faulted
   request never reaches ``state``; SOAP and GraphQL learn it from the inner answer's ``operations``, and only
   when ``operations`` overrides exist (their inner layers keep no resource state);
3. the draws: a ``random.Random`` seeded by (sandbox seed, api, session, the session's request number from
   ``store.incr``), so the same seed and the same requests replay the same faults, whichever process answers;
   the draws are always made in the same order (error, connection, latency), whatever each one decides;
4. an error (``fail_first`` counted with ``store.incr`` per session, an ``outage`` window, or the
   ``error_rate`` draw) is the contract's own error answer: REST re-asks the inner layers with
   ``Prefer: code=N`` for the first status the operation declares of ``error_status`` (else 503), 500, then
   any 5xx; problem+json when it declares none. SOAP re-asks with ``Prefer: fault=NAME`` when the operation
   declares a fault (a Server/Receiver fault with its detail), else a Server fault 503. GraphQL: an
   ``errors`` document (503);
5. the shaping: ``MockResult.delay`` (seconds) and ``MockResult.transport_fault`` (``reset``, ``empty``,
   ``truncated``, ``malformed-chunk``, ``timeout``, ``trickle:<bytes per s>``), which each adapter carries out
   (``toolkit.mock.asgi``, ``toolkit.mock.transport``, ``toolkit.soap.mock.zeep_transport``).

Namespaces: ``api/session/#faults`` holds the counters (``requests``, ``first``, ``first:<operation>``), so a
reset session replays from its start.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from toolkit.exchange import MockResult, Request
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.problem import problem_response
from toolkit.model import Protocol
from toolkit.sandbox.faults_config import CONNECTION_FAULTS, Faults, FaultsConfig, parse_faults
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.reasking import with_prefer
from toolkit.sandbox.store import Store

__all__ = ["TRANSPORT_FAULTS", "FaultsLayer", "faults_layer"]

TRANSPORT_FAULTS = (*CONNECTION_FAULTS, "timeout")
_TOKEN = re.compile(r"^\s*ctk-(latency|fault)\s*=\s*\"?([^\",;\s]*)\"?\s*$", re.IGNORECASE)
_MAX_ASKED_MS = 600_000


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
        mock = envelope.mock
        # REST knows a request's operation before answering (call.operation); SOAP and GraphQL once answered
        self._routed = envelope.contract.protocol is Protocol.OPENAPI
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

    def __call__(self, call: Call, inner: Next) -> MockResult:
        request = call.request
        asked_latency: float | None = None
        asked_fault: str | None = None
        prefer = request.header("prefer")
        if prefer is not None and "ctk-" in prefer.lower():
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
        error, fault, delay = self._draw(faults, key, call.session)
        if asked_fault is not None:
            if asked_fault.isdigit():
                error, fault = int(asked_fault), None
            else:
                error, fault = None, asked_fault
        if asked_latency is not None:
            delay = asked_latency
        if error is not None:
            result = self._error(call, inner, error, faults, operation, answered)
        else:
            result = answered if answered is not None else inner(call)
        if fault is None and faults.trickle_bytes_per_s:
            fault = f"trickle:{faults.trickle_bytes_per_s}"
        if fault is None and not delay:
            return result
        return replace(result, delay=delay, transport_fault=fault)

    # -- the draws ---------------------------------------------------------------------------------

    def _draw(self, faults: Faults, key: str | None, session: str) -> tuple[int | None, str | None, float]:
        """(the error status to answer or None, the transport fault or None, the delay in seconds)."""
        error: int | None = None
        fault: str | None = None
        delay = 0.0
        namespace = self.prefix(session) + "#faults"
        if faults.fail_first:
            counter = f"first:{key}" if key is not None and key in self.config.fail_first_operations else "first"
            if self._store.incr(namespace, counter) <= faults.fail_first:
                error = 0  # the contract's error, chosen later
        if faults.outage is not None and faults.outage.active(time.time(), self._started):
            error = 0
        latency = faults.latency
        if faults.random:
            number = self._store.incr(namespace, "requests")
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
        return error, fault, delay

    # -- the error answer --------------------------------------------------------------------------

    def _error(
        self, call: Call, inner: Next, status: int, faults: Faults, operation: str | None, answered: MockResult | None
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
            return MockResult(
                self.envelope.error_response(request, status or 503, detail), operations=answered.operations
            )
        operations = answered.operations if answered is not None else ()
        return MockResult(self.envelope.error_response(request, status or 503, detail), operations=operations)


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
        elif name == "fault" and (value in TRANSPORT_FAULTS or (value.isascii() and value.isdigit() and len(value) == 3
                                                                 and 400 <= int(value) <= 599)):  # fmt: skip
            fault = value
    rest = ", ".join(part for part in kept if part)
    headers = tuple(h for h in request.headers if h[0] != "prefer")
    if rest:
        headers = (*headers, ("prefer", rest))
    return latency, fault, replace(request, headers=headers)

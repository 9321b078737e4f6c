"""The ``scenarios`` layer: named states and sequences, chosen per request, per session or for the whole sandbox.

Configured by ``[apis.NAME.scenarios]`` (the keys and the checks against the contract:
``toolkit.sandbox.scenarios_config``). A scenario names operations and what they answer: one step (a state:
"card declined", "vendor outage") or a list of steps, one per call of the operation (a sequence: "fail twice,
then succeed"), after which the last step repeats, or the list starts again with ``repeat = "cycle"``.

Which scenario a request plays, first found:

1. ``Prefer: scenario=NAME`` (``scenario=none``: none). The token is removed from ``Prefer`` before the inner
   layers see it; its name cannot clash with ``code=``, ``example=``, ``dynamic=``, SOAP's ``fault=`` or the
   faults layer's ``ctk-fault=``. ``Prefer: scenario=NAME; session`` also makes it the session's scenario.
   An unknown name is answered 400 in the API's error form, listing the scenarios;
2. the session's scenario (``X-Ctk-Session``), kept in the store at ``api/session/#scenario`` (key
   ``name``): set by ``ScenariosLayer.activate`` (the admin API) or the ``; session`` form above;
3. ``active`` of the config, for every session.

What a step answers is always the contract's own answer: REST re-asks the inner layers with
``Prefer: code=N`` (an operation that does not declare N, possible only under ``"*"``, answers
problem+json N); SOAP re-asks with ``Prefer: fault=NAME`` (the declared fault, a Server/Receiver fault with
its detail); GraphQL fails the named root field as its resolver would (``null`` with its ``errors`` entry and
``path``, the other root fields kept: ``toolkit.sandbox.field_errors``), else an ``errors`` document. A
normal step (``{}``, ``{ status = 2XX }``) passes the request on unchanged. The operation of a request: REST
asks the mock's router first (one match, no side effect), so a scenario's error never reaches ``state``;
SOAP and GraphQL answer first and read the answer's ``operations`` (a GraphQL request selecting several root
fields plays the first one the scenario names), then re-ask when the step is not normal.

A sequence's position is per session, scenario and operation, counted with ``store.incr`` in
``api/session/#sequences``, so several processes sharing a store agree on it; ``ScenariosLayer.reset``
(or resetting the session, which clears ``api/session/``) starts every sequence again. When the store fails
(Redis down), the request goes through as if no scenario were on, with a ``ctk-warning`` header saying why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.problem import problem_response
from toolkit.model import Protocol
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.reasking import with_prefer
from toolkit.sandbox.scenarios_config import NONE, Plan, ScenariosConfig, Step, known, parse_scenarios
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, StoreFullError

__all__ = ["ScenariosLayer", "UnknownScenarioError", "scenarios_layer"]

_TOKEN = re.compile(r"^\s*scenario\s*=\s*\"?([^\",;\s]*)\"?\s*(;.*)?$", re.IGNORECASE)
_SESSION_PARAM = re.compile(r";\s*session\s*(;|$)", re.IGNORECASE)
SESSION_NAMESPACE = "#scenario"
SEQUENCES_NAMESPACE = "#sequences"
WARNING = "ctk-warning"


class UnknownScenarioError(ValueError):
    """``activate`` was given a name the config does not declare."""


def scenarios_layer(
    envelope: MockEnvelope, table: Mapping[str, Any], store: Store, *, api: str, where: str
) -> ScenariosLayer:
    """The ``scenarios`` layer of one API, its table checked against the contract (``ConfigError``:
    ``sandbox.toml {where}.scenarios.KEY``)."""
    return ScenariosLayer(envelope, parse_scenarios(table, where, envelope), store, api=api)


class ScenariosLayer:
    """See the module's docstring. Thread-safe: what changes per request lives in the store."""

    name = "scenarios"

    def __init__(self, envelope: MockEnvelope, config: ScenariosConfig, store: Store, *, api: str) -> None:
        self.envelope = envelope
        self.config = config
        self.api = api
        self._store = store
        mock = envelope.mock
        # REST knows a request's operation before answering (call.operation); SOAP and GraphQL once answered
        self._routed = envelope.contract.protocol is Protocol.OPENAPI
        self._graphql = envelope.contract.protocol is Protocol.GRAPHQL
        self._rest_operations: dict[str, Any] = dict(mock.operations) if self._routed else {}  # type: ignore[attr-defined]

    # -- the choice, for tests and the admin API -----------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.config.scenarios)

    def activate(self, session: str, name: str | None) -> None:
        """Make ``name`` the scenario ``session`` plays (``none``: none, even over ``active``); None: the
        session's own choice is forgotten (``active`` of the config applies again)."""
        namespace = self._prefix(session) + SESSION_NAMESPACE
        if name is None:
            self._store.delete(namespace, "name")
            return
        if name != NONE and name not in self.config.scenarios:
            raise UnknownScenarioError(f"no scenario named {name!r}; the scenarios: {known(self.config.scenarios)}")
        self._store.put(namespace, "name", name)

    def active(self, session: str) -> str | None:
        """The scenario ``session`` plays when a request names none: its own choice, else ``active``."""
        chosen = self._store.get(self._prefix(session) + SESSION_NAMESPACE, "name")
        if isinstance(chosen, str) and (chosen == NONE or chosen in self.config.scenarios):
            return None if chosen == NONE else chosen
        return self.config.active

    def reset(self, session: str) -> int:
        """Start every sequence of ``session`` again; how many positions went."""
        return self._store.clear(self._prefix(session) + SEQUENCES_NAMESPACE)

    def position(self, session: str, scenario: str, operation: str) -> int:
        """How many calls of ``operation`` ``session`` made in ``scenario``'s sequence (0: none yet)."""
        return self._store.incr(self._prefix(session) + SEQUENCES_NAMESPACE, f"{scenario}|{operation}", by=0)

    # -- the layer -----------------------------------------------------------------------------------

    def passes(self, request: Request, session: str) -> bool:
        """Whether this request needs nothing of the layer (``layers.SandboxedMock`` then skips it): no scenario
        asked in ``Prefer`` and none the session plays. A store that fails says no (``__call__`` then answers as
        ever, saying why). The same tests ``__call__`` makes before it calls ``inner`` unchanged."""
        prefer = request.header("prefer")
        if prefer is not None and "scenario" in prefer.lower():
            return False
        if not self.config.scenarios and self.config.active is None:
            return True  # nothing a session could be playing: no store read
        try:
            return self.active(session) is None
        except (StoreError, StoreFullError):
            return False

    def __call__(self, call: Call, inner: Next) -> MockResult:
        request = call.request
        asked: str | None = None
        prefer = request.header("prefer")
        if prefer is not None and "scenario" in prefer.lower():
            asked, for_session, request = _asked(request, prefer)
            call = call.with_request(request)
            if asked is not None and asked != NONE and asked not in self.config.scenarios:
                message = f"Prefer: scenario={asked}: no such scenario; the scenarios: {known(self.config.scenarios)}"
                return MockResult(self.envelope.error_response(request, 400, message))
        # Each store call below is guarded: when the store fails (Redis down) the request goes through as if no
        # scenario were on, and says why; a 500 of ours would hide the answer the client came for. An answer
        # already made is never asked for twice (that would create twice).
        try:
            if asked is not None and for_session:
                self.activate(call.session, asked)
            name = asked if asked is not None else self.active(call.session)
        except (StoreError, StoreFullError) as why:
            return _unplayed(inner(call), why)
        if name is None or name == NONE:
            return inner(call)
        scenario = self.config.scenarios[name]
        if self._routed:
            operation = call.operation
            found = scenario.plan_for(operation) if operation is not None else None
            if operation is None or found is None:
                return inner(call)
            try:
                step = self._step(call.session, name, operation, found[1])
            except (StoreError, StoreFullError) as why:
                return _unplayed(inner(call), why)
            if step.normal:
                return inner(call)
            return _played(self._rest(call, inner, operation, step), name)
        answered = inner(call)
        for operation in answered.operations:
            found = scenario.plan_for(operation)
            if found is not None:
                break
        else:
            return answered
        try:
            step = self._step(call.session, name, operation, found[1])
        except (StoreError, StoreFullError) as why:
            return _unplayed(answered, why)
        if step.normal:
            return answered
        if step.fault is not None:
            result = inner(with_prefer(call, f"fault={step.fault}"))
            return _played(result if result.operations else replace(result, operations=answered.operations), name)
        message = step.error or f"scenario {name}"
        if self._graphql:
            # the named root field fails, as its resolver would: null with its errors entry, other fields kept
            from toolkit.graphql.mock.handler import GraphQLMock
            from toolkit.sandbox.field_errors import failed_field

            mock = self.envelope.mock
            root = operation.rsplit(".", 1)[-1]
            failed = (
                failed_field(mock, request, answered, message, root=root) if isinstance(mock, GraphQLMock) else None
            )
            if failed is not None:
                return _played(failed, name)
        error = self.envelope.error_response(request, 200, message)
        return MockResult(error, operations=answered.operations, injected=(f"scenario:{name}",))

    def _step(self, session: str, scenario: str, operation: str, plan: Plan) -> Step:
        if len(plan.steps) == 1:
            return plan.steps[0]
        number = self._store.incr(self._prefix(session) + SEQUENCES_NAMESPACE, f"{scenario}|{operation}")
        return plan.step(number)

    def _rest(self, call: Call, inner: Next, operation: str, step: Step) -> MockResult:
        assert step.status is not None
        op = self._rest_operations.get(operation)
        if op is not None and op.responses.error(step.status) is not None:
            result = inner(with_prefer(call, f"code={step.status}"))
            return result if result.operations else replace(result, operations=(operation,))
        detail = f"the sandbox's scenario answers {step.status} ([scenarios] of {self.api}, session {call.session})"
        return MockResult(problem_response(step.status, detail, kind="scenario"), operations=(operation,))

    def _prefix(self, session: str) -> str:
        return f"{self.api}/{session}/"


def _played(result: MockResult, name: str) -> MockResult:
    """``result`` saying, for the journal and the metrics, that scenario ``name`` shaped it."""
    return replace(result, injected=(*result.injected, f"scenario:{name}"))


def _unplayed(result: MockResult, why: StoreError | StoreFullError) -> MockResult:
    """``result`` with a ``ctk-warning`` saying the scenario could not be played (the store failed)."""
    note = f"scenario not played: the sandbox's store failed: {why.message}"
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in note[:400])  # a header value is latin-1
    response = result.response
    return replace(result, response=Response(response.status, (*response.headers, (WARNING, text)), response.body))


def _asked(request: Request, prefer: str) -> tuple[str | None, bool, Request]:
    """The ``scenario`` preference (the last one; a malformed name is kept as asked, to be refused), whether it
    carries ``; session``, and the request without it."""
    asked: str | None = None
    for_session = False
    kept: list[str] = []
    for part in prefer.split(","):
        found = _TOKEN.match(part)
        if found is None:
            kept.append(part.strip())
            continue
        asked = found.group(1)
        for_session = bool(found.group(2) and _SESSION_PARAM.search(found.group(2)))
    if asked is None:
        return None, False, request
    rest = ", ".join(part for part in kept if part)
    headers = tuple(h for h in request.headers if h[0] != "prefer")
    if rest:
        headers = (*headers, ("prefer", rest))
    return asked, for_session, replace(request, headers=headers)

"""The sandbox's behaviours, each a layer around the envelope, stacked in one fixed order.

A request that reaches an API of the sandbox goes through the layers the configuration turned on,
outermost first, then through the API's ``MockEnvelope`` (memo, crash guard, the protocol's own
request path). Each layer sees the request and the answer of everything inside it, so it can answer
alone (a 429, a token endpoint), change what the inner layers answer (stored state), or shape how the
answer leaves (latency, a reset connection). The order is declared once, here:

1. ``sunset``: an operation past its sunset answers 410 when asked to (outermost: nothing else runs)
2. ``oauth2``: token, revocation and introspection endpoints; expired, revoked or missing tokens and missing
   scopes refused (REST, SOAP, GraphQL)
3. ``rate_limit``: 429 with ``Retry-After`` per credential
4. ``faults``: latency, declared error answers, broken connections, outage windows
5. ``scenarios``: the named state or step of a sequence this request plays
6. ``overlays``: fixed answers and hooks from ``mocks/<api>/``
7. ``replay``: answers recorded from the vendor's sandbox (``ctk record``, ``mocks/<api>/recordings/``)
8. ``state``: resources created, read back, listed, updated and deleted (innermost: it shapes the data)

A layer that needs the operation a request targets asks ``call.operation``: the API's mock routes it
(``CompiledMock.operation_of``: REST, before answering) once per request, however many layers ask; SOAP
and GraphQL read it from the inner answer's ``operations``.

``X-Ctk-Session: NAME`` scopes state, scenarios and counters, so parallel tests sharing one sandbox
never see each other's data; without the header a request is in the ``default`` session. The admin
endpoints (``/__ctk``) and the contract's own documents (SOAP's ``?wsdl`` and ``?xsd=``:
``CompiledMock.serves_contract``) are not layered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from toolkit.exchange import MockResult, Request, Response, setters
from toolkit.mock.compiled import CompiledMock, Endpoint
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.handler import ADMIN_PREFIX, is_under
from toolkit.model import Contract

ORDER = ("sunset", "oauth2", "rate_limit", "faults", "scenarios", "overlays", "replay", "state")
SESSION_HEADER = "x-ctk-session"
DEFAULT_SESSION = "default"
_SESSION_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


_UNRESOLVED = object()


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the layers see it: the request, the session it belongs to, and (on first ask) the
    contract operation it targets. A layer that rewrites the request keeps the rest: ``call.with_request``."""

    request: Request
    session: str
    resolve: Callable[[Request], str | None] | None = None  # the API's CompiledMock.operation_of
    _operation: object = field(default=_UNRESOLVED, init=False, repr=False, compare=False)

    def __init__(self, request: Request, session: str, resolve: Callable[[Request], str | None] | None = None) -> None:
        # one per request: the slots set through their descriptors, as ``toolkit.exchange`` does (frozen still)
        _set_request(self, request)
        _set_session(self, session)
        _set_resolve(self, resolve)
        _set_operation(self, _UNRESOLVED)

    @property
    def operation(self) -> str | None:
        """The id of the operation the request targets when the mock can tell without answering (REST), else
        None; routed once per request however many layers ask (a cache, not state)."""
        found = self._operation
        if found is _UNRESOLVED:
            found = self.resolve(self.request) if self.resolve is not None else None
            _set_operation(self, found)
        return found  # type: ignore[return-value]

    def with_request(self, request: Request) -> Call:
        """This call with ``request`` instead (the same method and path: a header changed), the route kept."""
        changed = Call(request, self.session, self.resolve)
        if request.method == self.request.method and request.path == self.request.path:
            _set_operation(changed, self._operation)
        return changed


_set_request, _set_session, _set_resolve, _set_operation = setters(Call, "request session resolve _operation")
Next = Callable[[Call], MockResult]


class Layer(Protocol):
    """One behaviour of the sandbox. ``name`` is its place in ``ORDER``."""

    @property
    def name(self) -> str: ...

    def __call__(self, call: Call, inner: Next) -> MockResult:
        """Answer ``call``: alone, or by calling ``inner`` (the layers inside, then the envelope) and
        returning, changing or shaping what it answers. Every answer must still fit the contract."""
        ...

    # A layer may also define ``passes(request, session) -> bool``: True when it would only call ``inner`` with the
    # call unchanged and return what it answers unchanged, having counted or stored nothing (see SandboxedMock).


class LayerOrderError(ValueError):
    """A layer whose name is not in ``ORDER``, or the same layer twice: a bug in ctk, not in a config."""


class SandboxedMock:
    """An API's envelope with the sandbox's layers around it: a handler the adapters serve like an envelope."""

    def __init__(self, envelope: MockEnvelope, layers: Sequence[Layer]) -> None:
        names = [layer.name for layer in layers]
        unknown = [name for name in names if name not in ORDER]
        if unknown or len(set(names)) != len(names):
            raise LayerOrderError(f"layers {names}: each must be one of {ORDER}, once")
        self.envelope = envelope
        self._operation_of = envelope.mock.operation_of
        self._serves_contract = envelope.mock.serves_contract
        self.layers = tuple(sorted(layers, key=lambda layer: ORDER.index(layer.name)))
        # chains[i]: the layers from the i-th inward, then the envelope; chains[-1]: the envelope alone
        chains: list[Next] = [self._innermost]
        for layer in reversed(self.layers):
            chains.append(_bind(layer, chains[-1]))
        chains.reverse()
        self._chains = tuple(chains)
        # A layer that can tell a request needs nothing of it (``passes``: the faults layer with no table and nothing
        # asked, nearly always) is skipped when it says so, and the outer layers that pass with it: the request
        # enters the chain at the first layer that does not pass (the envelope alone, when none is left)
        self._passes = tuple(getattr(layer, "passes", None) for layer in self.layers)

    @property
    def mock(self) -> CompiledMock:
        return self.envelope.mock

    @property
    def contract(self) -> Contract:
        return self.envelope.contract

    @property
    def mount(self) -> str:
        return self.envelope.mount

    def endpoints(self) -> list[Endpoint]:
        return self.envelope.endpoints()

    def warm(self) -> None:
        self.envelope.warm()

    def error_response(self, request: Request, status: int, message: str) -> Response:
        return self.envelope.error_response(request, status, message)

    def __call__(self, request: Request) -> MockResult:
        path = request.path
        if (path.startswith(ADMIN_PREFIX) and is_under(path, ADMIN_PREFIX)) or self._serves_contract(request):
            return self.envelope(request)  # the admin endpoints, and the contract's documents as published
        session = session_of(request)
        if session is None:
            message = f"{SESSION_HEADER} must be 1 to 64 letters, digits, '.', '_' or '-'"
            return MockResult(self.envelope.error_response(request, 400, message))
        start = 0
        for passes in self._passes:
            if passes is None or not passes(request, session):
                break
            start += 1
        if start == len(self._passes):
            return self.envelope(request)  # guarded as ever: the envelope's own guard
        try:
            return self._chains[start](Call(request, session, self._operation_of))
        except Exception as error:  # noqa: BLE001 -- a bug in a layer costs one 500 in the protocol's form, as in the envelope
            return self.envelope.failed(error, request)

    def _innermost(self, call: Call) -> MockResult:
        return self.envelope(call.request)


def session_of(request: Request) -> str | None:
    """The session a request belongs to (``X-Ctk-Session``, else ``default``), or None when the name is invalid."""
    name = request.header(SESSION_HEADER)
    if name is None:
        return DEFAULT_SESSION
    return name if _SESSION_NAME.match(name) else None


def valid_session(name: str) -> bool:
    """Whether ``name`` is a session name ``X-Ctk-Session`` may give."""
    return _SESSION_NAME.match(name) is not None


def _bind(layer: Layer, inner: Next) -> Next:
    def call(call: Call) -> MockResult:
        return layer(call, inner)

    return call

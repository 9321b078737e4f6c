"""What a protocol's compiled mock offers the neutral layer: the ``CompiledMock`` interface.

A protocol's mock (``openapi.mock.handler.OpenAPIMock``, ``soap.mock.handler.SoapMock``,
``graphql.mock.handler.GraphQLMock``) is compiled once per contract and implements this; the neutral
``MockEnvelope`` wraps it with what every protocol needs the same way (memo, crash guard, admin
endpoints, deprecated-use counts), and the adapters (ASGI, httpx, zeep) serve the envelope. Nothing
in ``toolkit.mock`` imports a protocol: the protocol table (``toolkit.protocols``) picks the class.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from toolkit.exchange import Delivery, MockResult, Request, Response
    from toolkit.mock.options import MockOptions
    from toolkit.model import Contract


@dataclass(frozen=True)
class Endpoint:
    """A place the mock answers at, for ``ctk serve`` to announce: a path and what answers there."""

    path: str
    what: str
    wsdl: bool = False  # a SOAP port: its WSDL is at ``path?wsdl``


@runtime_checkable
class CompiledMock(Protocol):
    """One contract's mock, compiled: a sans-IO request path plus what the neutral layer asks of it."""

    @property
    def contract(self) -> Contract:
        """The contract it was compiled from."""
        ...

    @property
    def options(self) -> MockOptions:
        """The options it was compiled with (a protocol's own options class, a ``MockOptions``)."""
        ...

    @property
    def mount(self) -> str:
        """The URL path it serves under ("" for the root), decided at compile time."""
        ...

    @property
    def protocol_label(self) -> str:
        """How logs and errors name it: "OpenAPI", "SOAP", "GraphQL"."""
        ...

    def answer(self, request: Request) -> MockResult:
        """The protocol's own request path: route, validate, answer. Unmemoised and unguarded: the envelope
        does both, the same way for every protocol."""
        ...

    def operation_of(self, request: Request) -> str | None:
        """The id of the contract operation ``request`` targets, when the mock can tell without answering (REST:
        one route, ``HEAD`` as its ``GET``); None when it cannot (SOAP and GraphQL read it from the body:
        the answer's ``MockResult.operations`` says) or no operation matches."""
        ...

    def serves_contract(self, request: Request) -> bool:
        """Whether ``request`` asks for the contract's own documents (SOAP: ``GET ?wsdl``, ``?xsd=NAME``). The
        sandbox serves those as published, outside its layers: a client loads them before it calls anything,
        and a fault, quota or token check on them would break the client's construction, not its calls."""
        ...

    def memo_key(self, request: Request) -> Hashable | None:
        """What identifies ``request``'s answer (the answer is a pure function of it), or None when it must not
        be memoised (too large, or an answer the memo should not hold). Only the parts that can change the
        answer belong in it, so that different clients share entries."""
        ...

    def error_response(self, request: Request, status: int, message: str) -> Response:
        """An error found outside the protocol's request path (a body over the limit: 413; a bug in ctk: 500),
        in the protocol's own form: problem+json, a SOAP Fault, a GraphQL ``errors`` document."""
        ...

    def warm(self) -> None:
        """Build what the first request would otherwise wait for (Faker's value pools)."""
        ...

    def endpoints(self) -> list[Endpoint]:
        """Where it answers, for ``ctk serve`` to announce (a WSDL's ports are each at their own path)."""
        ...

    @property
    def webhooks(self) -> Mapping[str, object]:
        """The events it can send on demand (``POST /__ctk/webhooks/NAME``), by name; empty if none."""
        ...

    def webhook_event(self, name: str, url: str, request: Request | None = None) -> Delivery | None:
        """A contract-valid event for webhook ``name`` addressed to ``url``, or None if it has no such webhook."""
        ...

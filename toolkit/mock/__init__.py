"""Protocol-neutral parts of the mock: the handler type, adapters (ASGI, httpx) and shared helpers.

A protocol's compiled mock (``toolkit.openapi.mock.handler.OpenAPIMock``, …) is a ``Handler``: a plain
callable from ``toolkit.exchange.Request`` to ``MockResult``. Everything here wraps such a callable;
nothing here knows a contract format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from toolkit.exchange import MockResult, Request, Response
    from toolkit.model import Contract

Handler = Callable[["Request"], "MockResult"]
ADMIN_PREFIX = "/__ctk"  # the mocks' own endpoints (health, webhooks on demand), outside every API's mount


def is_under(path: str, prefix: str) -> bool:
    """``path`` is ``prefix`` or below it: ``/v1`` covers ``/v1`` and ``/v1/x``, not ``/v10``."""
    return path == prefix or path.startswith(prefix + "/")


def compile_mock(contract: Contract, *, seed: int = 0, validate: bool = True, **options: object) -> Handler:
    """The compiled mock of ``contract``: all routing, validators and generators built now."""
    from toolkit.model import Protocol

    if contract.protocol is Protocol.OPENAPI:
        from toolkit.openapi.load import OpenAPIContract
        from toolkit.openapi.mock.handler import MockOptions, OpenAPIMock

        assert isinstance(contract, OpenAPIContract)
        return OpenAPIMock(contract, MockOptions(seed=seed, validate=validate, **_known(MockOptions, options)))
    if contract.protocol is Protocol.SOAP:
        from toolkit.soap.load import SoapContract
        from toolkit.soap.mock.handler import SoapMock, SoapMockOptions

        assert isinstance(contract, SoapContract)
        return SoapMock(contract, SoapMockOptions(seed=seed, validate=validate, **_known(SoapMockOptions, options)))
    from toolkit.graphql.load import GraphQLContract
    from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions

    assert isinstance(contract, GraphQLContract)
    return GraphQLMock(
        contract, GraphQLMockOptions(seed=seed, validate=validate, **_known(GraphQLMockOptions, options))
    )


def _known(options_class: type, options: dict[str, object]) -> dict[str, Any]:
    """The options a protocol's mock understands: ``ctk serve`` passes one set to every API (webhooks are REST's,
    mirrors matter to SOAP's ``?wsdl``), and each mock takes its own."""
    import dataclasses

    names = {item.name for item in dataclasses.fields(options_class)}
    return {key: value for key, value in options.items() if key in names}


def mount_of(handler: Handler) -> str:
    """The URL path a compiled mock serves under (its router decided it at compile time), "" for the root."""
    mount = getattr(handler, "mount", None)
    if mount is None:
        mount = getattr(getattr(handler, "router", None), "mount", "")
    return mount if isinstance(mount, str) else ""


def error_response(handler: Handler, request: Request, status: int, message: str) -> Response:
    """The error an adapter found before the handler ran (a body over the limit), in the protocol's own form.

    A SOAP client expects a Fault and a GraphQL client an ``errors`` list, not problem+json: a handler
    that knows its protocol's form exposes ``error_response(request, status, message)``.
    """
    own = getattr(handler, "error_response", None)
    if callable(own):
        answer = own(request, status, message)
        from toolkit.exchange import Response

        if isinstance(answer, Response):
            return answer
    from toolkit.mock.problem import problem_response

    kind = "too-large" if status == 413 else "error"
    return problem_response(status, message, kind=kind)

"""The protocol-neutral mock: the envelope every compiled mock is served in, the adapters, shared helpers.

A protocol's compiled mock implements ``compiled.CompiledMock``; ``envelope.MockEnvelope`` wraps it
with the request path every protocol shares (admin endpoints, memo, crash guard); the result is a
``Handler``: a plain callable from ``toolkit.exchange.Request`` to ``MockResult``, which the adapters
serve (``asgi``: uvicorn; ``transport``: httpx and respx; SOAP's zeep transport). Nothing here knows a
contract format, and nothing here imports a protocol package: ``toolkit.protocols`` compiles mocks.

- ``compiled``: the ``CompiledMock`` interface and ``Endpoint``
- ``envelope``: ``MockEnvelope``: admin endpoints, memo, crash guard, deprecated-use counts
- ``options``: ``MockOptions``, the options every protocol's mock takes
- ``admin``: the ``/__ctk`` endpoints (health, webhooks on demand)
- ``asgi``, ``http_server``, ``transport``, ``loopback``: adapters (ASGI app, bounded HTTP/1.1 protocol,
  httpx transport, a server on a loopback port)
- ``deliver``, ``destinations``: sending webhook and callback events, and where they may go
- ``guard``, ``memo``, ``problem``, ``seed``, ``json_body``, ``cors``, ``deprecation``, ``request_log``:
  helpers every protocol's mock uses
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.exchange import MockResult, Request, Response
    from toolkit.mock.asgi import MockASGIApp
    from toolkit.mock.compiled import CompiledMock, Endpoint
    from toolkit.mock.envelope import MockEnvelope
    from toolkit.mock.options import MockOptions
    from toolkit.mock.transport import MockTransport, respx_route

__all__ = [
    "ADMIN_PREFIX",
    "CompiledMock",
    "Endpoint",
    "Handler",
    "MockASGIApp",
    "MockEnvelope",
    "MockOptions",
    "MockTransport",
    "respx_route",
]

# The public names defined in submodules, imported on first use: a protocol mock that needs only
# ``toolkit.mock.problem`` must not load httpx or uvicorn with this package.
_LAZY = {
    "CompiledMock": "toolkit.mock.compiled",
    "Endpoint": "toolkit.mock.compiled",
    "MockASGIApp": "toolkit.mock.asgi",
    "MockEnvelope": "toolkit.mock.envelope",
    "MockOptions": "toolkit.mock.options",
    "MockTransport": "toolkit.mock.transport",
    "respx_route": "toolkit.mock.transport",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit.mock' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


Handler = Callable[["Request"], "MockResult"]
ADMIN_PREFIX = "/__ctk"  # the mocks' own endpoints (health, webhooks on demand), outside every API's mount


def is_under(path: str, prefix: str) -> bool:
    """``path`` is ``prefix`` or below it: ``/v1`` covers ``/v1`` and ``/v1/x``, not ``/v10``."""
    return path == prefix or path.startswith(prefix + "/")


def error_response(handler: Handler, request: Request, status: int, message: str) -> Response:
    """The error an adapter found before the handler ran (a body over the limit), in the protocol's own form.

    A SOAP client expects a Fault and a GraphQL client an ``errors`` list, not problem+json: a handler that
    knows its protocol's form (a ``MockEnvelope``, the sandbox's dispatcher) has ``error_response``; a plain
    callable gets problem+json.
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

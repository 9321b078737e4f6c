"""The protocol-neutral mock: the envelope every compiled mock is served in, the adapters, shared helpers.

A protocol's compiled mock implements ``compiled.CompiledMock``; ``envelope.MockEnvelope`` wraps it
with the request path every protocol shares (admin endpoints, memo, crash guard); the result is a
``Handler``: a plain callable from ``toolkit.exchange.Request`` to ``MockResult``, which the adapters
serve (``asgi``: uvicorn; ``transport``: httpx and respx; SOAP's zeep transport). Nothing here knows a
contract format, and nothing here imports a protocol package: ``toolkit.protocols`` compiles mocks.

- ``handler``: ``Handler``, the ``/__ctk`` prefix, adapter errors in the protocol's form
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

from typing import TYPE_CHECKING

from toolkit.mock.handler import ADMIN_PREFIX, Handler

if TYPE_CHECKING:
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


def __getattr__(name: str) -> object:
    """The public names defined in submodules, imported on first use: a protocol mock that needs only
    ``toolkit.mock.problem`` must not load httpx or uvicorn with this package."""
    if name in ("CompiledMock", "Endpoint"):
        from toolkit.mock import compiled

        return getattr(compiled, name)
    if name == "MockASGIApp":
        from toolkit.mock.asgi import MockASGIApp

        return MockASGIApp
    if name == "MockEnvelope":
        from toolkit.mock.envelope import MockEnvelope

        return MockEnvelope
    if name == "MockOptions":
        from toolkit.mock.options import MockOptions

        return MockOptions
    if name in ("MockTransport", "respx_route"):
        from toolkit.mock import transport

        return getattr(transport, name)
    raise AttributeError(f"module 'toolkit.mock' has no attribute {name!r}")

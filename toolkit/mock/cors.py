"""The answer to ``OPTIONS``, with a CORS preflight's headers: the same for every protocol's mock.

A browser app under development (or GraphiQL) calls the mock from another origin; without these
headers the browser refuses before the request is sent, and the developer blames the mock.
"""

from __future__ import annotations

from toolkit.exchange import Request, Response


def options_response(allowed: str, request: Request) -> Response:
    """``204`` with ``Allow: <allowed>``; for a preflight (an ``Origin`` header), the CORS headers too."""
    headers = [("allow", allowed)]
    origin = request.header("origin")
    if origin:
        headers += [
            ("access-control-allow-origin", origin),
            ("access-control-allow-methods", allowed),
            ("access-control-allow-headers", request.header("access-control-request-headers") or "*"),
            ("access-control-max-age", "600"),
            ("vary", "Origin"),
        ]
    return Response(204, tuple(headers))

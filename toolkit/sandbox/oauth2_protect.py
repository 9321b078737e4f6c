"""The resource server half of the ``oauth2`` layer: reading a request's bearer token, finding which operations a
SOAP or GraphQL request calls before anything answers it, and the 401 and 403 refusals in each protocol's form.

A refusal carries ``WWW-Authenticate: Bearer realm="ctk", error="invalid_token"`` (401) or
``error="insufficient_scope", scope="..."`` (403), as RFC 6750 3 writes them, and a body in the protocol's form:

- REST: the contract's declared 401/403 (the inner layers re-asked with ``Prefer: code=401``), else problem+json;
- SOAP: a Client (1.1) / Sender (1.2) Fault in the request's SOAP version, HTTP 401/403;
- GraphQL: an ``errors`` document, HTTP 401/403, ``extensions.code`` ``UNAUTHENTICATED`` / ``FORBIDDEN`` (the
  codes Apollo Server and most GraphQL servers use).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.problem import problem_response
from toolkit.model import Protocol
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.reasking import loads, with_prefer, without_applied_code

__all__ = ["Operations", "Refusals", "bearer", "without_expired_preference"]

_EXPIRED = re.compile(r"^\s*token\s*=\s*\"?expired\"?\s*$", re.IGNORECASE)
_GRAPHQL_CODES = {401: "UNAUTHENTICATED", 403: "FORBIDDEN"}


def without_expired_preference(call: Call) -> tuple[Call, bool]:
    """``call`` without the ``token=expired`` preference, and whether it asked for it: the inner layers never see
    it (a ``Prefer`` the mock does not know would otherwise show in its memo key and its warnings)."""
    request = call.request
    prefer = request.header("prefer")
    if prefer is None or "token" not in prefer.lower():
        return call, False
    parts = [part.strip() for part in prefer.split(",") if part.strip()]
    kept = [part for part in parts if not _EXPIRED.match(part)]
    if len(kept) == len(parts):
        return call, False
    headers = tuple(h for h in request.headers if h[0] != "prefer")
    if kept:
        headers = (*headers, ("prefer", ", ".join(kept)))
    return call.with_request(replace(request, headers=headers)), True


def bearer(request: Request) -> str:
    """The request's bearer token (``Authorization: Bearer <token>``), or "" when it sends none."""
    scheme, _, token = (request.header("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class Operations:
    """The operations a SOAP or GraphQL request calls, before the inner layers answer it: asked of the API's
    envelope, whose mock is pure (its answer depends on the request only and changes nothing) and whose memo then
    holds the answer, so the inner layers' own ask is a dict lookup rather than a second answer (and a crash is
    the envelope's one 500). Only asked when the answer matters: a request without a valid token where some
    operations are public, or a token short of a scope some operation requires."""

    def __init__(self, envelope: MockEnvelope) -> None:
        self._envelope = envelope

    def __call__(self, request: Request) -> tuple[str, ...]:
        return self._envelope(request).operations


class Refusals:
    """401 and 403 answers in the form of the API's protocol."""

    def __init__(self, envelope: MockEnvelope) -> None:
        self._envelope = envelope
        self._protocol = envelope.contract.protocol

    def unauthorized(self, call: Call, inner: Next, operations: tuple[str, ...], description: str) -> MockResult:
        challenge = f'Bearer realm="ctk", error="invalid_token", error_description="{description}"'
        return self._refused(call, inner, operations, 401, description, challenge)

    def forbidden(
        self, call: Call, inner: Next, operations: tuple[str, ...], scopes: frozenset[str], description: str
    ) -> MockResult:
        challenge = (
            f'Bearer realm="ctk", error="insufficient_scope", error_description="{description}", '
            f'scope="{" ".join(sorted(scopes))}"'
        )
        return self._refused(call, inner, operations, 403, description, challenge)

    def _refused(
        self, call: Call, inner: Next, operations: tuple[str, ...], status: int, description: str, challenge: str
    ) -> MockResult:
        authenticate = ("www-authenticate", challenge)
        if self._protocol is Protocol.OPENAPI:
            result = inner(with_prefer(call, f"code={status}"))  # the contract's own 401/403, when it declares one
            response = result.response
            if response.status == status:
                kept = tuple(h for h in without_applied_code(response.headers) if h[0].lower() != "www-authenticate")
                return replace(result, response=Response(status, (*kept, authenticate), response.body), deliveries=())
            kind = "invalid-token" if status == 401 else "insufficient-scope"
            return MockResult(problem_response(status, description, kind=kind, headers=(authenticate,)),
                              operations=operations)  # fmt: skip
        response = self._envelope.error_response(call.request, status, description)
        if self._protocol is Protocol.GRAPHQL:
            response = _with_code(response, _GRAPHQL_CODES[status])
        kept = tuple(h for h in response.headers if h[0].lower() != "www-authenticate")
        return MockResult(Response(status, (*kept, authenticate), response.body), operations=operations)


def _with_code(response: Response, code: str) -> Response:
    """The GraphQL envelope's error document with ``extensions.code`` ``code``."""
    document: Any = loads(response.body)
    if not isinstance(document, dict) or not isinstance(document.get("errors"), list):
        return response
    for entry in document["errors"]:
        if isinstance(entry, dict):
            entry["extensions"] = {**(entry.get("extensions") or {}), "code": code}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")
    return Response(response.status, response.headers, body)

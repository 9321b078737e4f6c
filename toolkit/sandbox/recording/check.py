"""Each recorded exchange checked against the contract: what the vendor's sandbox does that the contract does not
say is drift evidence, recorded with the exchange (``_ctk.violations``) and told by ``ctk record``.

The request is judged by the API's own mock (the envelope: the same validation ``ctk serve`` applies, which also
names the operation); the answer, for REST, by the operation's declared responses: a status the operation does not
declare, a media type it does not declare, a JSON body that does not fit the response schema (each error with its
JSON pointer). SOAP and GraphQL answers are not judged yet (their requests are). A violation is
``{"operation", "direction", "location", "message"}``; messages pass through redaction before they are written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from toolkit.exchange import Request
from toolkit.mock.envelope import MockEnvelope
from toolkit.model import Protocol

if TYPE_CHECKING:
    from toolkit.openapi.mock.operations import CompiledOperation

__all__ = ["ContractCheck"]

_MAX_PER_EXCHANGE = 20  # violations kept per exchange: evidence, not an exhaustive list


class ContractCheck:
    """Judges exchanges against one API's contract, through its compiled mock."""

    def __init__(self, envelope: MockEnvelope) -> None:
        self.envelope = envelope
        self._operations: dict[str, CompiledOperation] | None = None

    def __call__(
        self, request: Request, status: int, content_type: str, body: bytes
    ) -> tuple[str | None, list[dict[str, str]]]:
        """The operation ``request`` reached (or None) and the violations of the request and of its answer."""
        result = self.envelope(request)
        operation = result.operation
        found = [
            _violation(operation, "request", item.location, item.message)
            for item in result.violations[:_MAX_PER_EXCHANGE]
        ]
        if operation is None and not found and status < 400:
            where = f"{request.method} {request.path}"
            found.append(_violation(None, "request", where, "the contract has no operation for this request"))
        if operation is not None and self.envelope.contract.protocol is Protocol.OPENAPI:
            found += self._rest_answer(operation, status, content_type, body)
        return operation, found[:_MAX_PER_EXCHANGE]

    def _rest_answer(self, operation: str, status: int, content_type: str, body: bytes) -> list[dict[str, str]]:
        from toolkit.openapi.mock.bodies import essence
        from toolkit.openapi.mock.handler import OpenAPIMock
        from toolkit.openapi.mock.responses import validator_of

        mock = self.envelope.mock
        if not isinstance(mock, OpenAPIMock):
            return []
        if self._operations is None:
            self._operations = mock.operations  # compiles every operation once
        compiled = self._operations.get(operation)
        if compiled is None:
            return []
        spec = compiled.responses.for_status(status)
        if spec is None:
            return [_violation(operation, "response", "status", f"status {status} is not declared")]
        if not body or not spec.media:
            return []
        kind = essence(content_type) if content_type else ""
        media = next((item for item in spec.media if item.essence == kind), None)
        if media is None:
            declared = ", ".join(item.media_type for item in spec.media)
            message = f"media type {kind or '(none)'} is not declared for status {spec.key} (declared: {declared})"
            return [_violation(operation, "response", "header content-type", message)]
        if media.schema is None or not kind.endswith("json"):
            return []
        try:
            value: Any = json.loads(body)
        except (ValueError, RecursionError):
            return [_violation(operation, "response", "body", "the body is not JSON")]
        errors = validator_of(media, mock.validators).errors(value)
        return [
            _violation(operation, "response", f"body {pointer or '/'}", message)
            for pointer, message in errors[:_MAX_PER_EXCHANGE]
        ]


def _violation(operation: str | None, direction: str, location: str, message: str) -> dict[str, str]:
    return {"operation": operation or "", "direction": direction, "location": location, "message": message[:500]}

"""Each recorded exchange checked against the contract: what the vendor's sandbox does that the contract does not
say is drift evidence, recorded with the exchange (``_ctk.violations``) and told by ``ctk record``.

The request is judged by the API's own mock (the envelope: the same validation ``ctk serve`` applies, which also
names the operation); the answer by the contract too: REST by the operation's declared responses (a status or media
type the operation does not declare, a JSON body that does not fit the response schema, each error with its JSON
pointer); SOAP by the WSDL's schema (each element of the answer's Body, a Fault excepted, validated by the mock's
``XsdValidator``, each error with its element path); GraphQL by walking the request's operation beside the answer's
``data`` (``toolkit.graphql.answer_check``: keys, nullability, lists, enums, scalars, abstract types). A violation
is ``{"operation", "direction", "location", "message"}``; messages pass through redaction before they are written.
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
        protocol = self.envelope.contract.protocol
        if operation is not None and protocol is Protocol.OPENAPI:
            found += self._rest_answer(operation, status, content_type, body)
        elif operation is not None and protocol is Protocol.SOAP and body:
            found += self._soap_answer(operation, body)
        elif protocol is Protocol.GRAPHQL and body and status < 500:
            found += self._graphql_answer(operation, request.body, body)
        return operation, found[:_MAX_PER_EXCHANGE]

    def _soap_answer(self, operation: str, body: bytes) -> list[dict[str, str]]:
        from toolkit.soap.mock.envelope import EnvelopeError, detached, read_envelope
        from toolkit.soap.mock.handler import SoapMock

        mock = self.envelope.mock
        if not isinstance(mock, SoapMock):
            return []
        limits = mock.options.limits
        try:
            envelope = read_envelope(body, limits.max_xml_elements)
        except EnvelopeError as error:
            return [_violation(operation, "response", "envelope", str(error))]
        found: list[dict[str, str]] = []
        for element in envelope.body:
            if str(element.tag).rpartition("}")[2] == "Fault":
                continue  # a declared or transport fault: its detail is the fault's, not the operation's answer
            listed, _ = mock.validator.check(detached(element), listed=_MAX_PER_EXCHANGE - len(found))
            found += [_violation(operation, "response", f"envelope {item.path}", item.message) for item in listed]
        return found

    def _graphql_answer(self, operation: str | None, sent: bytes, body: bytes) -> list[dict[str, str]]:
        import graphql

        from toolkit.graphql.answer_check import Checker

        schema = getattr(self.envelope.contract, "schema", None)
        try:
            asked, answer = json.loads(sent), json.loads(body)
        except (ValueError, RecursionError):
            return [_violation(operation, "response", "body", "the answer is not JSON")]
        if not isinstance(asked, dict) or not isinstance(answer, dict) or not isinstance(schema, graphql.GraphQLSchema):
            return []
        if not isinstance(answer.get("data"), dict):
            return []  # errors only: nothing to walk
        try:
            document = graphql.parse(str(asked.get("query") or ""))
        except graphql.GraphQLError:
            return []
        name = asked.get("operationName")
        chosen = [
            node
            for node in document.definitions
            if isinstance(node, graphql.OperationDefinitionNode)
            and (not name or (node.name and node.name.value == name))
        ]
        if len(chosen) != 1:
            return []
        variables = asked.get("variables") if isinstance(asked.get("variables"), dict) else {}
        problems = Checker(schema, document, variables or {}).check(chosen[0], answer["data"])
        return [
            _violation(operation, "response", f"body {place}", message)
            for place, _, message in (problem.partition(": ") for problem in problems[:_MAX_PER_EXCHANGE])
        ]

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

"""Compiling one operation of an OpenAPI document into what the mock's request path needs.

Everything here runs once per operation (on its first request): parameter decoders, the body reader
(Swagger 2.0 body/formData parameters included), the security check, the response set, deprecation
headers and callbacks. Contract-wide facts the mock needs at load (webhooks, declared header names)
are read here too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from toolkit.documents import pointer
from toolkit.errors import CtkError
from toolkit.mock.deprecation import deprecation_headers as neutral_deprecation_headers
from toolkit.model import HttpOperation
from toolkit.openapi.jsonschema import SchemaValidators, place
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.mock.bodies import BodyReader, MediaBody
from toolkit.openapi.mock.callbacks import CallbackSpec, compile_callbacks
from toolkit.openapi.mock.parameters import CompiledParameter, FormArrays, ParameterReader, compile_parameters
from toolkit.openapi.mock.responses import ResponseSet, compile_responses
from toolkit.openapi.mock.security import SecurityCheck, compile_security
from toolkit.openapi.mock.xml_bodies import XmlBody
from toolkit.sunset import parse_sunset

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(slots=True)
class CompiledOperation:
    operation: HttpOperation
    parameters: ParameterReader
    path_parameter_names: tuple[str, ...]
    body: BodyReader | None
    security: SecurityCheck
    responses: ResponseSet
    deprecation_headers: tuple[tuple[str, str], ...]
    callbacks: list[CallbackSpec]
    ids: tuple[str, ...] = ()  # (operation.id,): what every MockResult of this operation reports, built once

    def __post_init__(self) -> None:
        self.ids = (self.operation.id,)


def deprecation_headers(op: HttpOperation, raw: dict[str, Any], item_sunset: Any) -> tuple[tuple[str, str], ...]:
    docs = raw.get("externalDocs")
    return neutral_deprecation_headers(
        op.deprecated,
        sunset=op.sunset or parse_sunset(item_sunset),
        since=parse_sunset(raw.get("x-deprecated-at", raw.get("x-deprecation-date"))),
        link=docs["url"] if isinstance(docs, dict) and isinstance(docs.get("url"), str) else None,
    )


def declared_headers(contract: OpenAPIContract) -> frozenset[str]:
    """Lower-case names of every header parameter and API-key header the contract declares (one cheap pass)."""
    resolver = contract.resolver
    names: set[str] = set()
    if resolver is None:
        return frozenset()
    document = contract.document
    schemes = document.get("securityDefinitions") or (document.get("components") or {}).get("securitySchemes") or {}
    for raw in schemes.values() if isinstance(schemes, dict) else ():
        scheme, _ = resolver.deref(raw, resolver.root_uri)
        if isinstance(scheme, dict) and scheme.get("in") == "header" and isinstance(scheme.get("name"), str):
            names.add(scheme["name"].lower())
    for raw_item in (document.get("paths") or {}).values():
        item, item_uri = resolver.deref(raw_item, resolver.root_uri)
        if not isinstance(item, dict):
            continue
        places = [(item, item_uri)]
        places += [resolver.deref(item[m], item_uri) for m in HTTP_METHODS if isinstance(item.get(m), dict)]
        for owner, owner_uri in places:
            for raw_parameter in owner.get("parameters") or () if isinstance(owner, dict) else ():
                parameter, _ = resolver.deref(raw_parameter, owner_uri)
                if isinstance(parameter, dict) and parameter.get("in") == "header":
                    names.add(str(parameter.get("name")).lower())
    return frozenset(names)


def webhooks_of(contract: OpenAPIContract) -> dict[str, tuple[Any, str]]:
    """Webhook name -> (request body schema, its place), for 3.1 ``webhooks``."""
    out: dict[str, tuple[Any, str]] = {}
    resolver = contract.resolver
    hooks = contract.document.get("webhooks")
    if resolver is None or not isinstance(hooks, dict):
        return out
    for name, raw_item in hooks.items():
        item, item_uri = resolver.deref(raw_item, resolver.root_uri)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            operation, op_uri = resolver.deref(operation, item_uri)
            body, body_uri = resolver.deref(operation.get("requestBody"), op_uri)
            content = body.get("content") if isinstance(body, dict) else None
            if isinstance(content, dict):
                for entry in content.values():
                    if isinstance(entry, dict) and entry.get("schema") is not None:
                        out[str(name)] = (entry["schema"], place(body_uri, ""))
                        break
            break
    return out


def swagger2_body(
    operation: dict[str, Any],
    item_parameters: list[Any],
    uri: str,
    resolver: Any,
    validators: SchemaValidators,
    contract: OpenAPIContract,
) -> BodyReader | None:
    """Swagger 2.0 ``in: body`` / ``in: formData`` parameters, read as an OpenAPI 3 request body."""
    parameters = [resolver.deref(p, uri)[0] for p in [*item_parameters, *(operation.get("parameters") or [])]]
    consumes = operation.get("consumes") or contract.document.get("consumes") or ["application/json"]
    for parameter in parameters:
        if isinstance(parameter, dict) and parameter.get("in") == "body":
            schema = parameter.get("schema", {})
            validator = validators.validator(schema, f"{uri}#", "request")
            bodies = [MediaBody(str(m), validator, XmlBody.of(str(m), schema, uri, resolver)) for m in consumes]
            return BodyReader(bool(parameter.get("required")), bodies)
    form = [p for p in parameters if isinstance(p, dict) and p.get("in") == "formData"]
    if not form:
        return None
    properties = {
        p["name"]: {
            k: v for k, v in p.items() if k not in {"name", "in", "required", "description", "collectionFormat"}
        }
        for p in form
        if isinstance(p.get("name"), str)
    }
    for schema in properties.values():
        if schema.get("type") == "file":
            schema["type"] = "string"
    required = [p["name"] for p in form if p.get("required") and isinstance(p.get("name"), str)]
    schema = {"type": "object", "properties": properties, **({"required": required} if required else {})}
    validator = validators.validator(schema, f"{uri}#", "request")
    media = [m for m in consumes if "form" in str(m)] or ["application/x-www-form-urlencoded"]
    arrays = FormArrays.compile(form, resolver, uri)  # collectionFormat: csv (the default), ssv, tsv, pipes, multi
    return BodyReader(bool(required), [MediaBody(str(m), validator) for m in media], arrays)


@dataclass(frozen=True, slots=True)
class OperationSource:
    """Where one operation sits in the document: what ``compile_operation`` needs, found at load."""

    operation: HttpOperation
    raw: dict[str, Any]  # the operation object, $ref followed
    uri: str  # the document it lives in
    pointer: str  # its JSON pointer there ("" when reached through a $ref)
    item_parameters: list[Any]
    item_uri: str
    item_pointer: str
    item_sunset: Any
    root_produces: list[str]


def operation_sources(contract: OpenAPIContract) -> Iterator[tuple[str, str, OperationSource]]:
    """Every operation of the document as (path template, method, source), in document order."""
    resolver = contract.resolver
    assert resolver is not None
    document = contract.document
    by_id = {op.id: op for op in contract.operations if isinstance(op, HttpOperation)}
    root_produces = document.get("produces") if isinstance(document.get("produces"), list) else []
    for path, raw_item in (document.get("paths") or {}).items():
        if not isinstance(path, str) or not path.startswith("/"):
            continue
        item, item_uri = resolver.deref(raw_item, resolver.root_uri)
        if not isinstance(item, dict):
            continue
        item_pointer = pointer("paths", path) if item is raw_item else ""
        item_parameters: list[Any] = item["parameters"] if isinstance(item.get("parameters"), list) else []
        for method in HTTP_METHODS:
            raw_operation = item.get(method)
            if not isinstance(raw_operation, dict):
                continue
            operation, op_uri = resolver.deref(raw_operation, item_uri)
            http_operation = by_id.get(f"{method.upper()} {path}")
            if http_operation is None:
                continue
            op_pointer = f"{item_pointer}/{method}" if item_pointer and operation is raw_operation else ""
            yield path, method, OperationSource(
                http_operation, operation, op_uri, op_pointer, item_parameters, item_uri, item_pointer,
                item.get("x-sunset"), list(root_produces or []),
            )  # fmt: skip


def compile_operation(
    contract: OpenAPIContract, validators: SchemaValidators, source: OperationSource
) -> CompiledOperation:
    resolver = contract.resolver
    assert resolver is not None
    operation, uri, pointer = source.raw, source.uri, source.pointer
    own_parameters: list[Any] = operation["parameters"] if isinstance(operation.get("parameters"), list) else []
    compiled_parameters = compile_parameters(
        source.item_parameters, source.item_uri, f"{source.item_pointer}/parameters", resolver, validators
    ) + compile_parameters(own_parameters, uri, f"{pointer}/parameters", resolver, validators)
    merged: dict[tuple[str, str], CompiledParameter] = {(p.location, p.name): p for p in compiled_parameters}
    parameters = list(merged.values())
    body: BodyReader | None = None
    if contract.spec_version == "2.0":
        body = swagger2_body(operation, source.item_parameters, uri, resolver, validators, contract)
    elif operation.get("requestBody") is not None:
        body = BodyReader.compile(operation["requestBody"], uri, f"{pointer}/requestBody", resolver, validators)
    produces = operation.get("produces") if isinstance(operation.get("produces"), list) else source.root_produces
    responses = compile_responses(
        operation.get("responses"), uri, f"{pointer}/responses", resolver, validators, contract.spec_version,
        list(produces or []),
    )  # fmt: skip
    return CompiledOperation(
        operation=source.operation,
        parameters=ParameterReader(parameters),
        path_parameter_names=tuple(p.name for p in parameters if p.location == "path"),
        body=body,
        security=compile_security(operation, contract.document, contract.spec_version),
        responses=responses,
        deprecation_headers=deprecation_headers(source.operation, operation, source.item_sunset),
        callbacks=compile_callbacks(operation.get("callbacks"), uri, resolver),
    )


class OperationSlot:
    """An operation compiled on first use: startup stays fast on a 400-operation spec, and each
    operation's validators and generators are still built once, never per request.

    All or nothing: the compiled operation is kept only once every part of it compiled (the schema
    caches below roll back their own half-built entries). A contract the mock cannot serve (a
    ``CtkError``: a schema no validator can be built for) fails the same way on every request without
    compiling again; any other failure (a MemoryError) leaves the slot as if never compiled, so the
    next request tries again rather than meeting a half-built operation."""

    __slots__ = ("_compiled", "_contract", "_failed", "_lock", "_source", "_validators")

    def __init__(self, contract: OpenAPIContract, validators: SchemaValidators, source: OperationSource) -> None:
        self._contract = contract
        self._validators = validators
        self._source = source
        self._compiled: CompiledOperation | None = None
        self._failed: CtkError | None = None
        self._lock = threading.Lock()

    @property
    def operation(self) -> HttpOperation:
        return self._source.operation

    def get(self) -> CompiledOperation:
        compiled = self._compiled
        if compiled is None:
            with self._lock:
                if self._failed is not None:
                    raise self._failed.with_traceback(None)  # a fresh traceback: it must not grow per request
                if self._compiled is None:
                    try:
                        self._compiled = compile_operation(self._contract, self._validators, self._source)
                    except CtkError as error:
                        self._failed = error
                        raise
                compiled = self._compiled
        return compiled

"""OpenAPI 3 ``callbacks``: after an operation, the mock calls the URL the request named.

A callback's key is a runtime expression such as ``{$request.body#/callback_url}``; it is read at
load time into a ``CallbackSpec`` and expanded per request against that request only. The URL comes
from the client, so whoever sends it decides where the mock posts: the adapter that sends checks it
against the server's destination policy (``toolkit.destinations``) first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from toolkit.documents import unescape_pointer_token
from toolkit.errors import CtkError
from toolkit.exchange import Request
from toolkit.openapi.jsonschema import place
from toolkit.openapi.mock.responses import HeaderSpec
from toolkit.openapi.refs import Resolver

_EXPRESSION = re.compile(r"\{(\$[^{}]+)\}")
MAX_URL = 2048  # characters of a callback or webhook URL; a longer value from a request is no URL to call


@dataclass(frozen=True, slots=True)
class CallbackSpec:
    name: str
    expression: str
    schema: Any
    schema_place: str
    headers: tuple[HeaderSpec, ...] = ()  # the header parameters the receiver requires


def event_headers(item: Any, operation: Any, uri: str, resolver: Resolver) -> tuple[HeaderSpec, ...]:
    """The required header parameters of a webhook or callback operation (path-item ones too; the operation's
    win on the same name): what the event must carry for its receiver to accept it."""
    found: dict[str, HeaderSpec] = {}
    for owner in (item, operation):
        raw_parameters = owner.get("parameters") if isinstance(owner, dict) else None
        for raw in raw_parameters if isinstance(raw_parameters, list) else ():
            try:
                parameter, parameter_uri = resolver.deref(raw, uri)
            except CtkError:  # a broken reference must not stop the mock; lint reports it
                continue
            if not isinstance(parameter, dict) or parameter.get("in") != "header":
                continue
            name = parameter.get("name")
            if not isinstance(name, str) or not name or name.lower() == "content-type":
                continue
            if not parameter.get("required"):
                found.pop(name.lower(), None)
                continue
            schema = parameter.get("schema")
            if schema is None and "type" in parameter:  # Swagger-style keywords on the parameter
                schema = {k: v for k, v in parameter.items() if k not in {"name", "in", "required", "description"}}
            example = parameter.get("example", schema.get("example") if isinstance(schema, dict) else None)
            found[name.lower()] = HeaderSpec(
                name=name,
                required=True,
                schema=schema if schema is not None else {"type": "string"},
                schema_place=place(parameter_uri, ""),
                example=example,
                has_example=example is not None,
            )
    return tuple(found.values())


def compile_callbacks(callbacks: Any, uri: str, resolver: Resolver) -> list[CallbackSpec]:
    out: list[CallbackSpec] = []
    if not isinstance(callbacks, dict):
        return out
    for name, raw in callbacks.items():
        callback, callback_uri = resolver.deref(raw, uri)
        if not isinstance(callback, dict):
            continue
        for expression, raw_item in callback.items():
            item, item_uri = resolver.deref(raw_item, callback_uri)
            operation = item.get("post") or item.get("put") if isinstance(item, dict) else None
            schema = None
            headers: tuple[HeaderSpec, ...] = ()
            if isinstance(operation, dict):
                operation, operation_uri = resolver.deref(operation, item_uri)
                headers = event_headers(item, operation, operation_uri, resolver)
                body, body_uri = resolver.deref(operation.get("requestBody"), operation_uri)
                content = body.get("content") if isinstance(body, dict) else None
                if isinstance(content, dict) and content:
                    entry = next(iter(content.values()))
                    schema = entry.get("schema") if isinstance(entry, dict) else None
                    item_uri = body_uri
            out.append(CallbackSpec(str(name), str(expression), schema, place(item_uri, ""), headers))
    return out


def expand_expression(
    template: str, request: Request, body: Any, query_items: list[tuple[str, str]] | None = None
) -> str | None:
    """``{$request.body#/url}``, ``{$request.query.x}``, ``{$request.header.x}``, ``{$request.path.x}``
    (not known here), ``$url``, ``$method``: None when an expression has no value in this request.
    ``query_items``: the query as the mock already read it within its limits (else read here, bounded)."""
    if query_items is None:
        try:
            query_items = request.query_items()
        except ValueError:  # over the bound: no query value is taken from it
            query_items = []
    items = query_items
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = _evaluate(match.group(1), request, body, items)
        if found is None:
            missing = True
            return ""
        return found

    if template.startswith("$") and "{" not in template:
        expanded = _evaluate(template, request, body, items)
    else:
        expanded = _EXPRESSION.sub(value, template)
    return None if missing or expanded is None or len(expanded) > MAX_URL else expanded


def _evaluate(expression: str, request: Request, body: Any, query_items: list[tuple[str, str]]) -> str | None:
    if expression == "$method":
        return request.method
    if expression.startswith("$request.query."):
        name = expression[len("$request.query.") :]
        return next((v for k, v in query_items if k == name), None)
    if expression.startswith("$request.header."):
        return request.header(expression[len("$request.header.") :].lower())
    if expression.startswith("$request.body"):
        pointer = expression.partition("#")[2]
        node = body
        for token in pointer.split("/")[1:] if pointer else ():
            token = unescape_pointer_token(token)
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdecimal() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node if isinstance(node, str) else None
    return None

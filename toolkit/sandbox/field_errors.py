"""A GraphQL answer in which one field failed: ``errors`` with a ``path``, and the rest of ``data`` kept.

What a GraphQL server answers when one resolver raises (a backend timed out, a record is locked): the field
is ``null``, an ``errors`` entry names it by ``path`` and ``locations``, and everything else the document
asked for is still there. When the failed field is non-null, its ``null`` propagates to the nearest nullable
parent (graphql-core's rule); when there is none, ``data`` itself is ``null``. Clients that only test the
happy path or the "whole request failed" path break on exactly this shape, so the ``faults`` and
``scenarios`` layers answer GraphQL errors with it.

Which field fails: the one a scenario names (a root field, ``Query.product``), else, for an injected fault,
the first nullable field that holds a value, breadth first under the first root field (the shallowest place
a real resolver error leaves the most partial data around it), else that root field itself.

The walk reads the mock's cached parse of the document (``GraphQLMock.document``: no second parse) and the
schema's types (``toolkit.graphql.selection``: fragments and ``@skip``/``@include`` as the executor applies them);
it never invents a value, it only replaces one with ``null``, so the answer still fits the schema.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import replace
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLAbstractType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_variable_values

from toolkit.exchange import MockResult, Request, Response
from toolkit.graphql.mock.costs import location_of
from toolkit.graphql.mock.handler import GraphQLMock
from toolkit.graphql.mock.over_http import Refusal, read_params
from toolkit.graphql.selection import Selection

__all__ = ["failed_field"]

CODE = "INTERNAL_SERVER_ERROR"  # Apollo's and most servers' code for a resolver that raised
_MAX_VISITED = 2_000  # fields looked at before giving up on a nested one: the walk stays cheap on huge answers

_Fragments = dict[str, FragmentDefinitionNode]


def failed_field(
    mock: GraphQLMock, request: Request, result: MockResult, message: str, *, root: str | None = None, code: str = CODE
) -> MockResult | None:
    """``result`` (the mock's 200 answer to the GraphQL ``request``) with one field failed, or None when the answer
    holds no ``data`` to fail a field of (a refused document, an errors document). ``root`` names the root
    field (its schema name, e.g. ``product``) to fail itself; None: a nested nullable field, as above."""
    response = result.response
    if response.status != 200:
        return None
    try:
        body = json.loads(response.body)
    except ValueError:
        return None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not data or body.get("errors"):
        return None
    limits = mock.options.limits
    params = read_params(request, limits.max_nesting, limits.max_form_fields)
    if isinstance(params, Refusal):
        return None
    document = mock.document(params.query)
    operation = get_operation_ast(document, params.operation_name) if document is not None else None
    if document is None or operation is None:
        return None
    root_type = mock.schema.get_root_type(operation.operation)
    if root_type is None:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    variables = get_variable_values(mock.schema, operation.variable_definitions or (), params.variables or {})
    if not isinstance(variables, VariableValues):
        return None
    walk = _Walk(Selection(mock.schema, fragments, variables))
    roots = walk.collect(operation.selection_set, root_type)
    chosen = _root_key(roots, data, root)
    if chosen is None:
        return None
    nodes = roots[chosen]
    field = root_type.fields.get(nodes[0].name.value)
    if field is None:
        return None
    found = None if root is not None else walk.nested(chosen, data[chosen], field.type, nodes)
    path: list[str | int]
    kept: dict[str, Any] | None = data
    if found is None:
        path, node = [chosen], nodes[0]
        if isinstance(field.type, GraphQLNonNull):
            kept = None  # null propagates to data itself
        else:
            data[chosen] = None
    else:
        path, node = found
        _set_null(data, path)
    entry = {"message": message, "locations": location_of(node), "path": path, "extensions": {"code": code}}
    answer = {"errors": [entry], "data": kept, **{k: v for k, v in body.items() if k not in ("errors", "data")}}
    text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    headers = tuple((k, v) for k, v in response.headers if k != "content-length")
    return replace(result, response=Response(200, headers, text.encode("utf-8", "backslashreplace")))


def _root_key(roots: dict[str, list[FieldNode]], data: dict[str, Any], root: str | None) -> str | None:
    for key, nodes in roots.items():
        if key in data and (root is None or nodes[0].name.value == root) and not key.startswith("__"):
            return key
    return None


def _set_null(data: Any, path: list[str | int]) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = None


class _Walk:
    """The document's selections over the schema's types, as the executor would see them."""

    def __init__(self, selection: Selection) -> None:
        self.schema = selection.schema
        self.collect = selection.collect

    def nested(
        self, key: str, value: Any, type_: GraphQLOutputType, nodes: list[FieldNode]
    ) -> tuple[list[str | int], FieldNode] | None:
        """The first nullable field holding a value under the root field ``key``, breadth first, and its node."""
        queue: deque[tuple[list[str | int], Any, GraphQLOutputType, list[FieldNode]]] = deque()
        queue.append(([key], value, type_, nodes))
        visited = 0
        while queue and visited < _MAX_VISITED:
            path, value, type_, nodes = queue.popleft()
            visited += 1
            nullable = not isinstance(type_, GraphQLNonNull)
            inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
            if value is None:
                continue
            if nullable and len(path) > 1 and isinstance(path[-1], str):
                return path, nodes[0]
            if isinstance(inner, GraphQLList):
                if isinstance(value, list) and value:
                    queue.append(([*path, 0], value[0], inner.of_type, nodes))
                continue
            runtime = self._runtime(inner, value)
            if runtime is None or not isinstance(value, dict):
                continue
            children = self.collect(nodes, runtime)
            for child_key, child_nodes in children.items():
                definition = runtime.fields.get(child_nodes[0].name.value)
                if definition is not None and child_key in value:
                    queue.append(([*path, child_key], value[child_key], definition.type, child_nodes))
        return None

    def _runtime(self, type_: Any, value: Any) -> GraphQLObjectType | None:
        """The object type ``value`` is: the field's own, or the one its ``__typename`` names; an interface's
        fields stand in when the document did not ask for ``__typename``."""
        if isinstance(type_, GraphQLObjectType):
            return type_
        if isinstance(type_, GraphQLAbstractType) and isinstance(value, dict):
            named = self.schema.get_type(str(value.get("__typename", "")))
            if isinstance(named, GraphQLObjectType):
                return named
            if isinstance(type_, GraphQLInterfaceType):
                return GraphQLObjectType(type_.name, type_.fields, interfaces=[type_])
        return None

"""Queries that differ only in the order of their selections (and in inlined literals) share one compiled plan.

A client building its queries at run time sends the same fields in another order, or another id inlined, with
every request: each such text is new, so the per-text cache misses and the plan (``plan``) is compiled again,
the largest part of answering it. The answer of a plan does not depend on the order of the selections: every
value is drawn by its field's name, type, arguments and path, never by its position among its siblings (``resolve``;
``tests/graphql/test_gqlnf_order_shapes.py`` checks it against the text's own plan on the example, GitHub and
SWAPI schemas); only the order of the keys in each object follows the document's.

``order_of`` reads a parsed query into its *order shape*: the query written with each selection set's fields
sorted and each field argument's string, int or float literal of a built-in scalar type (``ID``, ``String``,
``Int``, ``Float``) as a slot, its literals (in that written order), and the response keys of each selection
set in the query's own order. ``OrderShapes`` keeps, per shape, a plan compiled once from the *template*: the
sorted query with the slots as variables ``$__ctk<i>`` (as ``shapes`` templates are), and answers another query
of that shape by running that plan with the query's literals as those variables, its objects' keys put back in
the query's order. The handler asks it only for a valid query it has measured, and only for the first request
of a text (a text sent again gets its own plan and lane, as before).

Left to the text's own plan (``order_of`` answers None): fragments (named or inline), directives, a response key
used twice in one selection set (fields merged), introspection (``__schema``/``__type``), mutations and
subscriptions, a literal of another type (kept as written in the shape instead, so it still shares), and nesting
deeper than ``_MAX_DEPTH``. A plan that meets anything graphql-core would report (``Fallback``) or a literal
that does not fit its slot sends the request back to the full path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
    get_named_type,
    parse,
)
from graphql.execution.values import VariableValues

from toolkit.graphql.doc_shape import type_text
from toolkit.graphql.mock.fallback import Fallback
from toolkit.graphql.mock.json_text import json_text
from toolkit.graphql.mock.plan import Plan, compile_plan
from toolkit.graphql.mock.resolve import Resolvers
from toolkit.graphql.mock.shapes import SLOT_PREFIX
from toolkit.mock.memo import Memo

__all__ = ["OrderShapes", "Ordered", "order_of", "reordered"]

_MAX_DEPTH = 32  # selection sets; deeper queries keep their own plan
_MAX_SLOTS = 64
_first = itemgetter(0)
_NO_LITERALS: list[tuple[str, Any]] = []  # shared, never appended to
_PLACEHOLDER = "\x00"  # a slot in a template being written (never in a parsed query's printed values)
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_FIELDS_TYPES = (GraphQLObjectType, GraphQLInterfaceType)
_SLOTTED = {GraphQLID: "ID", GraphQLString: "String", GraphQLInt: "Int", GraphQLFloat: "Float"}
_Compile = Callable[
    [GraphQLSchema, Resolvers, OperationDefinitionNode, Mapping[str, FragmentDefinitionNode]], "Plan | None"
]
# per response key, the order of the object below it (None: a leaf, its value kept as it is)
Order = tuple[tuple[str, "Order | None"], ...]


@dataclass(frozen=True)
class Ordered:
    """A query's order shape (``key``), its literals in the shape's order ((type, node) per slot) and the response
    keys of each of its selection sets in its own order."""

    key: str
    literals: tuple[tuple[str, Any], ...]
    order: Order
    template: str  # the query text of the shape: fields sorted, slots as $__ctk<i>


class _NotOrdered(Exception):  # noqa: N818 - a signal: the query keeps its own plan
    pass


def order_of(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> Ordered | None:
    """``operation``'s order shape, or None when it has none (see the module's docstring)."""
    if operation.operation is not OperationType.QUERY or operation.directives or operation.description is not None:
        return None
    if len(document.definitions) != 1:
        return None  # other operations or fragments: the text's own plan
    root = schema.query_type
    if root is None:
        return None
    try:
        key, template, order, literals = _selections(schema, operation.selection_set, root, 0)
    except (_NotOrdered, RecursionError):
        return None
    if len(literals) > _MAX_SLOTS:
        return None
    pieces = template.split(_PLACEHOLDER)  # the slots numbered in the template's order, the literals' order
    numbered = [pieces[0]]
    for index, piece in enumerate(pieces[1:]):
        numbered.append(f"${SLOT_PREFIX}{index}{piece}")
    written = []
    for definition in operation.variable_definitions or ():
        if definition.directives or definition.description is not None:
            return None
        default = definition.default_value
        try:  # a default nested past _MAX_DEPTH: the text's own plan (it escaped as an error before)
            printed = "" if default is None else " = " + _printed(default, 0)
        except (_NotOrdered, RecursionError):
            return None
        written.append(f"${definition.variable.name.value}: {type_text(definition.type)}{printed}")
    variables = ", ".join(written)
    header = f"query({variables}) " if variables else "query "
    return Ordered(f"{variables}|{key}", tuple(literals), order, header + "".join(numbered))


def _selections(
    schema: GraphQLSchema, node: Any, parent: Any, depth: int
) -> tuple[str, str, Order, list[tuple[str, Any]]]:
    """A selection set's shape text, template text (slots as ``_PLACEHOLDER``), the query's order of its response
    keys, and its literals in the template's order: fields sorted by their shape text."""
    if depth > _MAX_DEPTH:
        raise _NotOrdered
    fields = parent.fields if isinstance(parent, _FIELDS_TYPES) else None
    written: list[tuple[str, str, list[tuple[str, Any]]]] = []
    order: list[tuple[str, Order | None]] = []
    responses: set[str] = set()
    for selection in node.selections:
        if type(selection) is not FieldNode or selection.directives:
            raise _NotOrdered
        name = selection.name.value
        if name == "__schema" or name == "__type":
            raise _NotOrdered
        alias_node = selection.alias
        if alias_node is None and selection.arguments is None and selection.selection_set is None:
            # a plain leaf (most fields), as the general case below writes it
            if name in responses or (name != "__typename" and (fields is None or name not in fields)):
                raise _NotOrdered
            responses.add(name)
            written.append((":" + name + "()", name, _NO_LITERALS))
            order.append((name, None))
            continue
        alias = alias_node.value if alias_node is not None else ""
        response = alias or name
        if response in responses:
            raise _NotOrdered  # merged fields: their selections merge in the query's order
        responses.add(response)
        definition = fields.get(name) if fields is not None else None
        if definition is None and name != "__typename":
            raise _NotOrdered  # not a valid query (the handler validates first)
        own: list[tuple[str, Any]] = []
        shape_args: list[str] = []
        template_args: list[str] = []
        for argument in selection.arguments or ():
            argument_name = argument.name.value
            value = argument.value
            slot = _slot(value, definition.args.get(argument_name) if definition is not None else None)
            if slot is None:
                text = _printed(value, depth)
                shape_args.append(f"{argument_name}:{text}")
                template_args.append(f"{argument_name}: {text}")
            else:
                shape_args.append(f"{argument_name}:?{slot}")
                template_args.append(f"{argument_name}: {_PLACEHOLDER}")
                own.append((slot, value))
        head = f"{alias}:{name}({','.join(shape_args)})"
        template = (
            (alias + ": " if alias else "") + name + ("(" + ", ".join(template_args) + ")" if template_args else "")
        )
        if selection.selection_set is None:
            written.append((head, template, own))
            order.append((response, None))
            continue
        inner = get_named_type(definition.type) if definition is not None else None
        shape, inner_template, inner_order, below = _selections(schema, selection.selection_set, inner, depth + 1)
        written.append((head + shape, template + " " + inner_template, own + below))
        order.append((response, inner_order))
    written.sort(key=_first)
    literals = [literal for _, _, own in written if own for literal in own]
    shape_text = "{" + ",".join([item[0] for item in written]) + "}"
    return shape_text, "{ " + " ".join([item[1] for item in written]) + " }", tuple(order), literals


def _printed(node: Any, depth: int) -> str:
    """A value as GraphQL text (a block string as a plain one: the same value), for the shape and the template."""
    if depth > _MAX_DEPTH:
        raise _NotOrdered
    kind = type(node)
    if kind is VariableNode:
        return "$" + str(node.name.value)
    if kind is StringValueNode:
        return json.dumps(node.value)  # JSON's escapes are GraphQL's
    if kind is IntValueNode or kind is FloatValueNode or kind is EnumValueNode:
        return str(node.value)
    if kind is BooleanValueNode:
        return "true" if node.value else "false"
    if kind is NullValueNode:
        return "null"
    if kind is ListValueNode:
        return "[" + ", ".join([_printed(item, depth + 1) for item in node.values]) + "]"
    if kind is ObjectValueNode:
        return "{" + ", ".join([f"{f.name.value}: {_printed(f.value, depth + 1)}" for f in node.fields]) + "}"
    raise _NotOrdered


def _slot(value: Any, argument: Any) -> str | None:
    """The built-in scalar a literal field argument is lifted as, or None (kept as written)."""
    if argument is None or type(value) not in (StringValueNode, IntValueNode, FloatValueNode):
        return None
    accepted = argument.type
    if type(accepted) is GraphQLNonNull:
        accepted = accepted.of_type
    return _SLOTTED.get(accepted)


def _slot_value(expected: str, node: Any) -> tuple[bool, Any]:
    """(whether the literal fits ``expected``, the value graphql-core passes the resolver for it)."""
    kind = type(node)
    if expected == "String":
        return (True, node.value) if kind is StringValueNode else (False, None)
    if expected == "ID":
        return (True, node.value) if kind is StringValueNode or kind is IntValueNode else (False, None)
    if expected == "Int":
        if kind is not IntValueNode or len(node.value) > 11:
            return False, None
        number = int(node.value)
        return _INT_MIN <= number <= _INT_MAX, number
    if (kind is not IntValueNode and kind is not FloatValueNode) or len(node.value) > 400:
        return False, None
    real = float(node.value)
    return math.isfinite(real), real


def reordered(value: Any, order: Order) -> Any:
    """``value`` (an object of the template's answer, a list of them, or null) with its keys in ``order``."""
    if value is None:
        return None
    if type(value) is list:
        return [reordered(item, order) for item in value]
    return {key: value[key] if below is None else reordered(value[key], below) for key, below in order}


@dataclass
class _Shape:
    plan: Plan | None  # None: the template does not plan; its queries keep their own plans
    size: int


class OrderShapes:
    """Plans by order shape: 512 shapes, 16 MiB, a template's plan about 64 bytes per character of its text."""

    def __init__(self, schema: GraphQLSchema, resolvers: Resolvers, compiler: _Compile = compile_plan) -> None:
        self.schema = schema
        self.resolvers = resolvers
        self.compiler = compiler  # the handler's (tests that turn plans off turn these off too)
        self._shapes: Memo[_Shape] = Memo(lambda shape: 64 * shape.size + 4096, max_entries=512,
                                          max_bytes=16 * 1024 * 1024)  # fmt: skip

    def text(
        self, document: DocumentNode, operation: OperationDefinitionNode, variables: dict[str, Any] | None
    ) -> str | None:
        """The answer's ``data`` as JSON text (as ``Plan.text`` writes it), from the plan of the query's order shape;
        None: the query has no shape, its shape has no plan, or the plan would report an error."""
        ordered = order_of(self.schema, document, operation)
        if ordered is None:
            return None
        shape = self._shapes.get(ordered.key)
        if shape is None:
            shape = self._learn(ordered)
        plan = shape.plan
        if plan is None:
            return None
        values: dict[str, Any] = {}
        for index, (expected, node) in enumerate(ordered.literals):
            fits, value = _slot_value(expected, node)
            if not fits:
                return None
            values[f"{SLOT_PREFIX}{index}"] = value
        coerced = plan.variables.coerce(variables or {})
        if not isinstance(coerced, VariableValues):
            return None
        try:
            data = plan.run(VariableValues(coerced.sources, {**coerced.coerced, **values}))
        except Fallback:
            return None
        return json_text(reordered(data, ordered.order))

    def _learn(self, ordered: Ordered) -> _Shape:
        try:
            template = parse(ordered.template, no_location=False)
        except Exception:  # noqa: BLE001 - a template that does not parse keeps its queries on their own plans
            shape = _Shape(None, len(ordered.template))
        else:
            operation = template.definitions[0]
            assert isinstance(operation, OperationDefinitionNode)
            shape = _Shape(self.compiler(self.schema, self.resolvers, operation, {}), len(ordered.template))
        self._shapes.put(ordered.key, shape)
        return shape

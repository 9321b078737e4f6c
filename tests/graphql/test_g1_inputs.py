"""A known operation's inputs read the short way (``toolkit.graphql.mock.inputs``) give what graphql-core's
``get_variable_values`` and ``get_argument_values`` give: the same coerced values, or (through them) the same
errors, for values that pass, that graphql-core converts, that it refuses, and that are missing."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    build_schema,
    get_argument_values,
    get_variable_values,
    parse,
)
from graphql.execution.values import VariableValues

from toolkit.graphql.mock.inputs import Arguments, Variables

SCHEMA = build_schema(
    """
    enum Color { RED GREEN }
    input Filter { name: String, min: Int, colors: [Color!] }
    scalar Money
    type Item { id: ID! }
    type Query {
      item(id: ID!, note: String = "n", first: Int = 10, flag: Boolean): Item
      search(filter: Filter, ids: [ID!], color: Color, price: Money, ratio: Float, first: Int): [Item!]!
    }
    """
)

OPERATIONS = [
    "query($id: ID!) { item(id: $id) { id } }",
    "query($id: ID!, $note: String, $first: Int, $flag: Boolean) "
    "{ item(id: $id, note: $note, first: $first, flag: $flag) { id } }",
    'query($id: ID, $first: Int!) { item(id: $id, note: "x", first: $first) { id } }',
    "query($n: String) { search(filter: {name: $n, min: 2}) { id } }",
    "query($c: Color, $p: Money, $r: Float) { search(color: $c, price: $p, ratio: $r) { id } }",
    "query($ids: [ID!], $f: Filter) { search(ids: $ids, filter: $f) { id } }",
    "query($a: ID!, $b: Int = 5) { x: item(id: $a, first: $b) { id } y: search(ids: [$a], first: $b) { id } }",
    "query($id: ID!) { item(id: $id, first: 3) { id } }",
]

VALUES: list[Any] = [
    "p1", "", "é ü ✓", 7, -0, 2**31 - 1, 2**31, -(2**31) - 1, 1.5, 2.0, float("inf"), True, False, None,
    ["p1", "p2"], ["p1", None], {"name": "x", "min": 3}, {"name": 5}, "RED", "BLUE", [], {},
]  # fmt: skip
NAMES = ["id", "note", "first", "flag", "n", "c", "p", "r", "ids", "f", "a", "b"]


def _outcome(call: Any, *args: Any) -> Any:
    try:
        found = call(*args)
    except GraphQLError as failure:
        return ("error", failure.message)
    if isinstance(found, VariableValues):
        return ("values", found.coerced)
    if isinstance(found, list):
        return ("errors", [error.message for error in found])
    return ("values", found)


def _inputs(count: int) -> list[dict[str, Any]]:
    """Every variable given each value, alone and in pairs, and some left out."""
    out: list[dict[str, Any]] = [{}]
    for name, value in itertools.product(NAMES, VALUES):
        out.append({name: value})
        out.append({name: value, "id": "p9", "first": 4, "a": "q"})
    for left, right in itertools.islice(itertools.combinations(VALUES, 2), count):
        out.append({"id": left, "first": right, "a": right, "b": left, "note": right, "flag": left})
    return out


@pytest.mark.parametrize("text", OPERATIONS)
def test_variables_coerce_as_get_variable_values(text: str) -> None:
    operation = parse(text).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    definitions = operation.variable_definitions or ()
    short = Variables(SCHEMA, definitions)
    for inputs in _inputs(200):
        expected = _outcome(get_variable_values, SCHEMA, definitions, inputs)
        assert _outcome(short.coerce, inputs) == expected, inputs


def test_only_simple_definitions_take_the_short_way() -> None:
    for text, simple in [(OPERATIONS[0], True), (OPERATIONS[1], True), (OPERATIONS[4], False),
                         (OPERATIONS[5], False), (OPERATIONS[6], False)]:  # fmt: skip
        operation = parse(text).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        assert (Variables(SCHEMA, operation.variable_definitions or ()).simple is not None) is simple, text


@pytest.mark.parametrize("text", OPERATIONS)
def test_arguments_read_as_get_argument_values(text: str) -> None:
    operation = parse(text).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    query = SCHEMA.query_type
    assert query is not None
    for selection in operation.selection_set.selections:
        assert isinstance(selection, FieldNode)
        definition = query.fields[selection.name.value]
        short = Arguments(definition, selection)
        for inputs in _inputs(200):
            variables = get_variable_values(SCHEMA, operation.variable_definitions or (), inputs)
            if not isinstance(variables, VariableValues):
                continue
            expected = _outcome(get_argument_values, definition, selection, variables)
            assert _outcome(short.values, variables) == expected, (text, inputs)


def test_a_variable_inside_a_literal_is_read_the_general_way() -> None:
    operation = parse(OPERATIONS[3]).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    field = operation.selection_set.selections[0]
    assert isinstance(field, FieldNode)
    query = SCHEMA.query_type
    assert query is not None
    assert Arguments(query.fields["search"], field).template is None
    first = parse(OPERATIONS[0]).definitions[0]
    assert isinstance(first, OperationDefinitionNode)
    item = first.selection_set.selections[0]
    assert isinstance(item, FieldNode)
    reader = Arguments(query.fields["item"], item)
    assert reader.template is not None and reader.slots == (("id", "id", True),)

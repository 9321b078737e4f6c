"""``costs._Walker`` (a field's measures added straight to its selection set's part) measures exactly what the
walk before it measured (a part per field, merged): depth, cost, the deepest field (the very node), truncation,
deprecated fields in order, introspection cost. The reference walk is kept here as it was.

Compared on graphql-core's validation documents (fragments, cycles, unknown fields), generated documents on the
deep-lists schema of ``test_mock_limits`` (lists of lists, sizes by literal, variable and default), the example
schema, and the corpus's GitHub schema, at several depth limits.
"""

from __future__ import annotations

import random
from dataclasses import astuple
from typing import Any

import pytest
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    get_named_type,
    parse,
)

from tests.graphql.test_g2_validate_fast import CASES, HARNESS, INVENTORY
from tests.graphql.test_mock_limits import DEEP_LISTS
from tests.support.corpus import corpus
from toolkit.graphql.mock import costs
from toolkit.graphql.mock.costs import DEFAULT_LIST, Measure, _merge, _Part, _Walker, list_levels, measure, produced
from toolkit.limits import DEFAULT_LIMITS


class _Reference(_Walker):
    """The walk as it was: a ``_Part`` per field, merged into its selection set's."""

    def selection_set(
        self, node: SelectionSetNode, parent: GraphQLNamedType | None, level: int, inherited: int | None
    ) -> _Part:
        part = _Part()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                child = self.reference_field(selection, parent, level, inherited)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                child = self.selection_set(selection.selection_set, scope, level, inherited)
            elif isinstance(selection, FragmentSpreadNode):
                child = self.spread(selection.name.value, level, inherited)
            else:
                continue
            _merge(part, child)
        return part

    def reference_field(
        self, node: FieldNode, parent: GraphQLNamedType | None, level: int, inherited: int | None
    ) -> _Part:
        depth = level + 1
        if node.name.value in costs._INTROSPECTION and parent is not None and parent is self.schema.query_type:
            return _Part(introspection=self.introspection.root(node, level))
        part = _Part(depth=depth, cost=1)
        if depth > self.limit:
            part.deepest = node
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(node.name.value)
        if definition is not None and definition.deprecation_reason is not None:
            part.deprecated[f"{parent.name}.{node.name.value}"] = None  # type: ignore[union-attr]
        own = self.size_of(node, definition)
        levels = list_levels(definition.type) if definition is not None else 0
        if own is None:
            own = inherited if inherited is not None and levels == 1 else None
        first = own if own is not None else DEFAULT_LIST
        items, reached = produced(levels, first, self.limits) if levels else (1, True)
        if node.selection_set is None:
            part.cost = 1 + items if levels else 1
            return part
        if depth >= self.stop:
            part.truncated = True
            return part
        child_inherited = own if not levels else None
        target = get_named_type(definition.type) if definition is not None else None
        child = self.selection_set(node.selection_set, target, depth, child_inherited)
        if reached:
            part.cost += items * child.cost
            part.introspection += items * child.introspection
        else:
            part.cost += items
        part.depth = max(depth, child.depth)
        part.deepest = part.deepest or child.deepest
        part.truncated = child.truncated
        part.deprecated.update(child.deprecated)
        return part


def _seen(found: Measure) -> tuple[Any, ...]:
    values = astuple(found)
    return (*values[:2], id(found.deepest), *values[3:])


def _compare(schema: GraphQLSchema, text: str, variables: dict[str, Any] | None = None) -> int:
    try:
        document = parse(text)
    except GraphQLError:
        return 0
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    compared = 0
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        for limit in (1, 3, 15):
            arguments = (schema, operation, fragments, variables or {}, limit, DEFAULT_LIMITS, lambda: 10**9)
            found = measure(*arguments)
            original = costs._Walker
            costs._Walker = _Reference  # type: ignore[misc]
            try:
                expected = measure(*arguments)
            finally:
                costs._Walker = original  # type: ignore[misc]
            assert _seen(found) == _seen(expected), (text, limit)
            compared += 1
    return compared


def test_graphql_core_documents() -> None:
    assert sum(_compare(HARNESS, case["document"]) for case in CASES["documents"]) > 1000


_LITERALS = ["2", "0", "150", "$n", "$m", "-1", "null", '"s"']


def _draw(schema: GraphQLSchema, parent: Any, rng: random.Random, depth: int) -> str:
    fields = getattr(parent, "fields", None) or {}
    parts = []
    for name in rng.sample(sorted(fields), min(len(fields), rng.randint(1, 4))) + rng.sample(["nope", "x"], 1):
        field = fields.get(name)
        arguments = []
        for argument in field.args if field is not None else ():
            if rng.random() < 0.6:
                arguments.append(f"{argument}: {rng.choice(_LITERALS)}")
        alias = rng.choice(["", "", "a: "])
        written = f"({', '.join(arguments)})" if arguments else ""
        inner = get_named_type(field.type) if field is not None else None
        nested = ""
        if getattr(inner, "fields", None) and depth < 4:
            nested = _draw(schema, inner, rng, depth + 1)
            if rng.random() < 0.2:
                nested = "{ ... on " + inner.name + " " + nested + " }"  # type: ignore[union-attr]
        elif field is None and rng.random() < 0.3:
            nested = "{ x }"
        parts.append(f"{alias}{name}{written}{' @deprecated' if rng.random() < 0.05 else ''} {nested}")
    return "{ " + " ".join(parts) + " }"


@pytest.mark.parametrize("schema_name", ["deep lists", "inventory", "github"])
def test_generated_documents(schema_name: str) -> None:
    if schema_name == "github":
        schema = build_schema(corpus("graphql", "github_schema.graphql").read_text(encoding="utf-8"))
    else:
        schema = build_schema(DEEP_LISTS) if schema_name == "deep lists" else INVENTORY
    rng = random.Random(5)
    compared = 0
    for _ in range(150):
        text = "query($n: Int, $m: Int = 4) " + _draw(schema, schema.query_type, rng, 0)
        compared += _compare(schema, text, rng.choice([{}, {"n": 7}, {"n": 500, "m": 1}]))
    assert compared > 300


def _reference_nesting(text: str, limit: int) -> costs.Nesting | None:
    """``nesting`` without its count of opening brackets first: the scan alone."""
    depth = 0
    for match in costs._BRACKETS.finditer(text):
        char = match.group()
        if len(char) != 1:
            continue
        if char in costs._OPEN:
            depth += 1
            if depth > limit:
                where = match.start()
                line = text.count("\n", 0, where) + 1
                return costs.Nesting(depth, line, where - (text.rfind("\n", 0, where) + 1) + 1)
        else:
            depth = max(0, depth - 1)
    return None


def test_nesting_counts_brackets_first() -> None:
    rng = random.Random(9)
    pieces = ["{", "}", "[", "]", "(", ")", '"{[("', "# ((\n", '"""{{"""', "a", " ", "\n", '"\\""']
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        for limit in (0, 1, 3, 8, 20):
            assert costs.nesting(text, limit) == _reference_nesting(text, limit), (text, limit)

"""Depth and cost limits for the GraphQL mock, measured before validation and execution.

A hostile document costs the server in three places: the parser (recursion on nesting), the
validator (``OverlappingFieldsCanBeMerged`` is quadratic in same-named fields) and execution (list
fields multiply). So the limits are checked in that order, each before the expensive step:

1. ``nesting``: a bracket scan of the raw text (a regex, no recursion) refuses documents nested
   deeper than any useful query before the parser sees them;
2. the parser's own token cap (``max_tokens``), passed by the caller;
3. ``measure``: one walk of the selected operation, fragments expanded but memoised per
   (fragment, type, inherited list size), so a fan-out of fragments costs its size, not its
   expansion, and a fragment cycle (which validation reports) ends the walk instead of looping.
   It tolerates unknown fields (validation has not run yet) and also lists the deprecated fields
   the operation selects, which the mock reports.

Depth does not count inside ``__schema``/``__type`` (see ``_INTROSPECTION``); cost does.
Cost: each field costs 1 for each time it will be produced, so a list field multiplies its
selection by its size: the size the client asked for (``first: 50``), or the mock's default of 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from toolkit.graphql.mock_values import is_size_argument

MAX_LIST = 100  # the mock never makes a list longer than this, whatever the client asks (vendors cap pages too)
DEFAULT_LIST = 3  # a list the client did not size holds 1 to 3 items
_RECURSION_MARGIN = 100  # the walk stops descending this far past the limit: the answer is "too deep" anyway
_BRACKETS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\n\r]*|[{}\[\]()]')
_OPEN = frozenset("{[(")
# Introspection nests ``ofType`` 9 levels deep in graphql-core's standard query (GraphiQL's is similar):
# its depth is not the client's choice, and graphql-core's MaxIntrospectionDepthRule bounds its abuse.
_INTROSPECTION = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Nesting:
    depth: int
    line: int = 0
    column: int = 0


def nesting(text: str, limit: int) -> Nesting | None:
    """Where the bracket nesting of ``text`` first passes ``limit``, or None. The scan stops there, so a
    10 000-deep document costs what the limit does."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if len(char) != 1:
            continue  # a string or comment: its brackets are text
        if char in _OPEN:
            depth += 1
            if depth > limit:
                where = match.start()
                line = text.count("\n", 0, where) + 1
                return Nesting(depth, line, where - (text.rfind("\n", 0, where) + 1) + 1)
        else:
            depth = max(0, depth - 1)
    return None


# GraphQL's lexical tokens as graphql-core's parser counts them for ``max_tokens`` (comments count, commas
# do not): block strings, strings, the spread, punctuators, numbers, names, comments. A string is one token.
_TOKENS = re.compile(
    r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n])*"|\.\.\.|[!$&():=@\[\]{|}]'
    r"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[_A-Za-z][_0-9A-Za-z]*|#[^\n\r]*"
)


def count_tokens(text: str, stop: int | None = None) -> tuple[int, int]:
    """(tokens counted, where the one past ``stop`` starts or -1): counting ends there, so a huge document costs
    what the limit does."""
    count = 0
    for match in _TOKENS.finditer(text):
        count += 1
        if stop is not None and count > stop:
            return count, match.start()
    return count, -1


def over_token_limit(text: str, limit: int) -> Nesting | None:
    """Where ``text`` passes ``limit`` tokens, or None. graphql-core's parser would lex up to the limit first,
    at about 7 µs a token; this regex scan costs a fraction of that."""
    if len(text) <= limit:  # every token is at least one character
        return None
    count, where = count_tokens(text, limit)
    if where < 0:
        return None
    line = text.count("\n", 0, where) + 1
    return Nesting(count, line, where - (text.rfind("\n", 0, where) + 1) + 1)


@dataclass
class Measure:
    """What the walk found: the depth (and the first field past the depth limit), the cost, deprecations."""

    depth: int = 0
    cost: int = 0
    deepest: FieldNode | None = None
    truncated: bool = False  # the walk stopped descending: the depth is a lower bound
    deprecated: list[str] = field(default_factory=list)


@dataclass
class _Part:
    depth: int = 0
    cost: int = 0  # per one production of the selection set
    deepest: FieldNode | None = None
    truncated: bool = False
    deprecated: dict[str, None] = field(default_factory=dict)  # ordered set


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any], limit: int
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.limit = limit
        self.stop = limit + _RECURSION_MARGIN
        self.memo: dict[tuple[str, str, int | None, int], _Part] = {}
        self.active: set[str] = set()

    def selection_set(
        self, node: SelectionSetNode, parent: GraphQLNamedType | None, level: int, inherited: int | None
    ) -> _Part:
        part = _Part()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                child = self.field(selection, parent, level, inherited)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                child = self.selection_set(selection.selection_set, scope, level, inherited)
            elif isinstance(selection, FragmentSpreadNode):
                child = self.spread(selection.name.value, level, inherited)
            else:  # pragma: no cover - the parser makes no other selection
                continue
            _merge(part, child)
        return part

    def spread(self, name: str, level: int, inherited: int | None) -> _Part:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.active:
            return _Part()  # unknown or cyclic: validation reports it; the walk must not loop
        # The depth of a fragment's content is relative; memoised by the level it starts at, so a
        # fragment spread in a thousand places is walked once per level, not once per place.
        key = (name, fragment.type_condition.name.value, inherited, level)
        found = self.memo.get(key)
        if found is None:
            self.active.add(name)
            scope = self.schema.get_type(fragment.type_condition.name.value)
            found = self.selection_set(fragment.selection_set, scope, level, inherited)
            self.active.discard(name)
            self.memo[key] = found
        return found

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, level: int, inherited: int | None) -> _Part:
        depth = level + 1
        part = _Part(depth=depth, cost=1)
        if depth > self.limit:
            part.deepest = node
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(node.name.value)
        if definition is not None and definition.deprecation_reason is not None:
            part.deprecated[f"{parent.name}.{node.name.value}"] = None  # type: ignore[union-attr]
        if node.selection_set is None:
            return part
        if depth >= self.stop:
            part.truncated = True
            return part
        own = self.size_of(node)
        size = 1
        child_inherited = None
        if definition is not None and _is_list(definition.type):
            size = own if own is not None else (inherited if inherited is not None else DEFAULT_LIST)
        elif own is not None:
            child_inherited = own  # a connection: its edges/nodes lists take the size asked of it
        target = get_named_type(definition.type) if definition is not None else None
        child = self.selection_set(node.selection_set, target, depth, child_inherited)
        part.cost += size * child.cost
        if node.name.value not in _INTROSPECTION:
            part.depth = max(depth, child.depth)
            part.deepest = part.deepest or child.deepest
            part.truncated = child.truncated
        part.deprecated.update(child.deprecated)
        return part

    def size_of(self, node: FieldNode) -> int | None:
        for argument in node.arguments or ():
            if not is_size_argument(argument.name.value):
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(0, min(value, MAX_LIST))
        return None


def _merge(into: _Part, part: _Part) -> None:
    into.cost += part.cost
    if part.depth > into.depth:
        into.depth = part.depth
    into.deepest = into.deepest or part.deepest
    into.truncated = into.truncated or part.truncated
    into.deprecated.update(part.deprecated)


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    max_depth: int,
) -> Measure:
    """Depth, cost and deprecated fields of ``operation`` (the walk stops descending past ``max_depth``)."""
    root = schema.get_root_type(operation.operation)
    walker = _Walker(schema, fragments, variables, max_depth)
    part = walker.selection_set(operation.selection_set, root, 0, None)
    return Measure(part.depth, part.cost, part.deepest, part.truncated, list(part.deprecated))


def location_of(node: Node | None) -> list[dict[str, int]]:
    if node is None or node.loc is None:
        return []
    location = node.loc.source.get_location(node.loc.start)
    return [{"line": location.line, "column": location.column}]

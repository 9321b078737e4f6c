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

Depth does not count inside ``__schema``/``__type`` (see ``_INTROSPECTION``). Cost: each field costs 1
for each time it will be produced, so a list field multiplies its selection by its size: the size the
client asked for (``first: 50``, or the argument's declared default), else the mock's default of 3. A
list of scalars counts its items, and a list of lists multiplies again (``list_shape``: the generator
fills the same levels with at most the same sizes), so a query within the cost gets an answer within
it. Introspection is counted apart, on the schema's real list sizes (``introspection``), against
its own budget.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
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
    StringValueNode,
    VariableNode,
    get_named_type,
)

from toolkit.graphql.mock.introspection import INTROSPECTION_FIELDS, IntrospectionCost, OverBudget
from toolkit.graphql.mock.values import is_size_argument
from toolkit.limits import Limits

MAX_LIST = 100  # the mock never makes a list longer than this, whatever the client asks (vendors cap pages too)
DEFAULT_LIST = 3  # a list the client did not size holds 1 to 3 items
_RECURSION_MARGIN = 100  # the walk stops descending this far past the limit: the answer is "too deep" anyway
# Possessive (``++``, ``*+``): a plain ``(?:a|b)*`` over a string literal keeps a backtracking entry per character,
# about 120 bytes each (a 3 MB literal cost 350 MB); these keep none.
_BRACKETS = re.compile(r'"""(?:[^"\\]++|\\.|"(?!""))*+"""|"(?:[^"\\\n]++|\\.)*+"|#[^\n\r]*|[{}\[\]()]')
_OPEN = frozenset("{[(")
# Introspection nests ``ofType`` 9 levels deep in graphql-core's standard query (GraphiQL's is similar):
# its depth is not the client's choice, and graphql-core's MaxIntrospectionDepthRule bounds its abuse.
_INTROSPECTION = INTROSPECTION_FIELDS
_MAX_INT_DIGITS = 18  # a size literal longer than this is "huge": never converted (Python refuses 4300+ digits)
_HUGE_INT: int = 10**_MAX_INT_DIGITS
_WRAPPERS = (GraphQLNonNull, GraphQLList)
_WITH_FIELDS = (GraphQLObjectType, GraphQLInterfaceType)


def filled_levels(limits: Limits, first: int = DEFAULT_LIST) -> int:
    """How many levels of a list of lists the mock fills; deeper lists are empty (valid for any list type).

    The outermost list holds up to ``first`` items (the size asked for, else ``DEFAULT_LIST``) and each inner
    one up to ``DEFAULT_LIST``, so a level is filled only while the most items it can hold stay within
    ``max_array_items`` (with the defaults: 6 levels, 3 x 3^5 = 729; with ``first: 100``, 3 levels), and within
    ``max_generation_depth``. The outermost list is always filled."""
    most = max(1, first)
    levels = 1
    while most * DEFAULT_LIST <= limits.max_array_items and levels < limits.max_generation_depth:
        most *= DEFAULT_LIST
        levels += 1
    return levels


def list_levels(type_: Any) -> int:
    """How many lists wrap a type: ``[[Int!]]!`` is 2."""
    levels = 0
    while isinstance(type_, _WRAPPERS):
        levels += isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return levels


def produced(levels: int, first: int, limits: Limits) -> tuple[int, bool]:
    """(the most values the innermost filled level holds, whether they are the named type's values), for a
    field of ``levels`` nested lists whose outer list holds up to ``first`` items. Past the filled levels
    the innermost values are empty lists."""
    filled = filled_levels(limits, first) if levels > 1 else 1
    used = min(levels, filled)
    return first * DEFAULT_LIST ** (used - 1), levels <= filled


@dataclass(frozen=True)
class Nesting:
    depth: int
    line: int = 0
    column: int = 0


def nesting(text: str, limit: int) -> Nesting | None:
    """Where the bracket nesting of ``text`` first passes ``limit``, or None. The scan stops there, so a
    10 000-deep document costs what the limit does."""
    if text.count("{") + text.count("[") + text.count("(") <= limit:
        return None  # not even every opening bracket nested in the one before reaches past the limit
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
    r'"""(?:\\"""|[^"\\]++|\\|"(?!""))*+"""|"(?:\\.|[^"\\\n]++)*+"|\.\.\.|[!$&():=@\[\]{|}]'
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
    """What the walk found: the depth (and the first field past the depth limit), the cost, the introspection
    cost (``introspection_over``: past its budget, the walk stopped), deprecations."""

    depth: int = 0
    cost: int = 0
    deepest: FieldNode | None = None
    truncated: bool = False  # the walk stopped descending: the depth is a lower bound
    deprecated: list[str] = field(default_factory=list)
    introspection: int = 0
    introspection_over: bool = False


@dataclass
class _Part:
    depth: int = 0
    cost: int = 0  # per one production of the selection set
    introspection: int = 0  # likewise, for __schema/__type fields
    deepest: FieldNode | None = None
    truncated: bool = False
    deprecated: dict[str, None] = field(default_factory=dict)  # ordered set


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        limit: int,
        limits: Limits,
        introspection: IntrospectionCost,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.limit = limit
        self.stop = limit + _RECURSION_MARGIN
        self.largest = min(MAX_LIST, limits.max_array_items)
        self.limits = limits
        self.introspection = introspection
        self.memo: dict[tuple[str, str, int | None, int], _Part] = {}
        self.active: set[str] = set()

    def selection_set(
        self, node: SelectionSetNode, parent: GraphQLNamedType | None, level: int, inherited: int | None
    ) -> _Part:
        part = _Part()
        fields = parent.fields if isinstance(parent, _WITH_FIELDS) else None
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent, fields, level, inherited, part)
                continue
            if isinstance(selection, InlineFragmentNode):
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

    def field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType | None,
        fields: dict[str, Any] | None,
        level: int,
        inherited: int | None,
        into: _Part,
    ) -> None:
        """The field's measures added to its selection set's ``into`` (as ``_merge`` adds a part: a field's own
        part is never made, most fields being leaves)."""
        depth = level + 1
        name = node.name.value
        if name in _INTROSPECTION and parent is not None and parent is self.schema.query_type:
            # counted on the schema's real sizes, apart; its depth is not the client's choice (see above)
            into.introspection += self.introspection.root(node, level)
            return
        definition = fields.get(name) if fields is not None else None
        if definition is not None and definition.deprecation_reason is not None:
            into.deprecated[f"{parent.name}.{name}"] = None  # type: ignore[union-attr]
        if into.deepest is None and depth > self.limit:
            into.deepest = node
        own = self.size_of(node, definition) if node.arguments or (definition is not None and definition.args) else None
        levels = list_levels(definition.type) if definition is not None else 0
        # a connection's size is inherited by its edges/nodes; a list of lists sizes its outer list alone,
        # exactly as the resolver does (resolve), so both fill the same levels
        if own is None:
            own = inherited if inherited is not None and levels == 1 else None
        first = own if own is not None else DEFAULT_LIST
        items, reached = produced(levels, first, self.limits) if levels else (1, True)
        if depth > into.depth:
            into.depth = depth
        if node.selection_set is None:
            into.cost += 1 + items if levels else 1  # a list of scalars: each item is a value too
            return
        if depth >= self.stop:
            into.cost += 1
            into.truncated = True
            return
        child_inherited = own if not levels else None  # a connection: its edges and nodes take its size
        target = get_named_type(definition.type) if definition is not None else None
        child = self.selection_set(node.selection_set, target, depth, child_inherited)
        if reached:
            into.cost += 1 + items * child.cost
            into.introspection += items * child.introspection
        else:  # the innermost lists are left empty: nothing below them is produced
            into.cost += 1 + items
        if child.depth > into.depth:
            into.depth = child.depth
        if into.deepest is None:
            into.deepest = child.deepest
        into.truncated = into.truncated or child.truncated
        if child.deprecated:
            into.deprecated.update(child.deprecated)

    def size_of(self, node: FieldNode, definition: Any) -> int | None:
        """The list size the field asks for (its argument, else the argument's declared default), capped: what
        graphql-core will pass the resolver."""
        if not node.arguments and (definition is None or not definition.args):
            return None  # nothing asked, nothing declared (most fields)
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        for name in definition.args if definition is not None else given:
            if not is_size_argument(name):
                continue
            value = given.get(name)
            number: Any = None
            if value is None or (isinstance(value, VariableNode) and value.name.value not in self.variables):
                number = _default(definition.args[name]) if definition is not None else None
            elif isinstance(value, IntValueNode):
                number = _int_literal(value.value)
            elif isinstance(value, VariableNode):
                number = self.variables.get(value.name.value)
            if isinstance(number, int) and not isinstance(number, bool):
                return max(0, min(number, self.largest))
        return None


def _default(argument: Any) -> Any:
    """An argument's declared default (``first: Int = 10``): a literal from SDL, a value from introspection."""
    default = getattr(argument, "default", None)  # graphql-core 3.3: GraphQLDefaultInput(value | literal)
    if default is None:
        return argument.default_value
    if isinstance(default.literal, IntValueNode):
        return _int_literal(default.literal.value)
    return default.value


def _int_literal(text: str) -> int:
    """An Int literal's value, without converting thousands of digits (Python refuses past 4300)."""
    digits = text.lstrip("-")
    if len(digits) > _MAX_INT_DIGITS:
        return -_HUGE_INT if text.startswith("-") else _HUGE_INT
    return int(text)


def _variable_defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    """The operation's own variable defaults (``query($n: Int = 50)``) that size a list or name a type."""
    defaults: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        value = definition.default_value
        if isinstance(value, IntValueNode):
            defaults[definition.variable.name.value] = _int_literal(value.value)
        elif isinstance(value, StringValueNode):
            defaults[definition.variable.name.value] = value.value
    return defaults


def _merge(into: _Part, part: _Part) -> None:
    into.cost += part.cost
    into.introspection += part.introspection
    if part.depth > into.depth:
        into.depth = part.depth
    into.deepest = into.deepest or part.deepest
    into.truncated = into.truncated or part.truncated
    into.deprecated.update(part.deprecated)


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    max_depth: int,
    limits: Limits,
    introspection_budget: Callable[[], int],
) -> Measure:
    """Depth, cost, introspection cost and deprecated fields of ``operation`` (the walk stops descending past
    ``max_depth``, and counting introspection past ``introspection_budget()``, asked for only when needed)."""
    return _measure(schema, operation, fragments, {**_variable_defaults(operation), **variables}, max_depth,
                    limits, introspection_budget)  # fmt: skip


class _Reads(dict[str, Any]):
    """The variables, recording which names the walk looked up (``get`` and ``in`` are all it uses)."""

    def __init__(self, variables: dict[str, Any]) -> None:
        super().__init__(variables)
        self.read: dict[str, None] = {}  # ordered set

    def get(self, name: str, default: Any = None) -> Any:
        self.read[name] = None
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.read[name] = None
        return super().__contains__(name)


_MISSING = object()
_OTHER = object()


def _seen(variables: dict[str, Any], name: str) -> object:
    """What the walk can tell of one variable: absent, an Int, a String, or anything else (which neither sizes a
    list nor names a type: null, a bool, a float, a list, an object)."""
    value = variables.get(name, _MISSING)
    if value is _MISSING:
        return _MISSING
    kind = type(value)
    return value if kind is int or kind is str else _OTHER


class Measured:
    """One operation's measures, kept with its parsed document: the walk depends on the document and on the
    variables it looks up alone (those sizing a list or naming an introspected type), so a query text sent again
    with other ids is not walked again. At most ``MAX_KEPT`` variants (sizes a client varies), each reading at most
    ``MAX_READS`` variables, are kept (a few KB beside the document the memo counts); others are walked afresh."""

    MAX_KEPT = 16
    MAX_READS = 32

    def __init__(self, operation: OperationDefinitionNode) -> None:
        self.operation = operation
        self.defaults = _variable_defaults(operation)
        self.kept: list[tuple[tuple[str, ...], tuple[object, ...], Measure]] = []
        self.lock = threading.Lock()

    def measure(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        max_depth: int,
        limits: Limits,
        introspection_budget: Callable[[], int],
    ) -> Measure:
        """What ``measure`` would return for these variables (a kept one when the variables it read agree)."""
        merged = {**self.defaults, **variables} if self.defaults else variables
        for names, seen, found in self.kept:
            if all(_seen(merged, name) == value for name, value in zip(names, seen, strict=True)):
                return found
        reads = _Reads(merged)
        result = _measure(schema, self.operation, fragments, reads, max_depth, limits, introspection_budget)
        names = tuple(reads.read)
        with self.lock:
            if len(self.kept) < self.MAX_KEPT and len(names) <= self.MAX_READS:
                self.kept.append((names, tuple(_seen(merged, name) for name in names), result))
        return result


def _measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    max_depth: int,
    limits: Limits,
    introspection_budget: Callable[[], int],
) -> Measure:
    root = schema.get_root_type(operation.operation)
    stop = max_depth + _RECURSION_MARGIN
    introspection = IntrospectionCost(schema, fragments, variables, introspection_budget, stop)
    walker = _Walker(schema, fragments, variables, max_depth, limits, introspection)
    try:
        part = walker.selection_set(operation.selection_set, root, 0, None)
    except OverBudget:
        return Measure(introspection=(introspection.limit or 0) + 1, introspection_over=True)
    return Measure(part.depth, part.cost, part.deepest, part.truncated, list(part.deprecated), part.introspection)


def location_of(node: Node | None) -> list[dict[str, int]]:
    if node is None or node.loc is None:
        return []
    location = node.loc.source.get_location(node.loc.start)
    return [{"line": location.line, "column": location.column}]

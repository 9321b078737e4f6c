"""What an introspection answer will cost, counted on THIS schema's real list sizes before it is executed.

``__schema { types { fields { ... } } }`` is not a list of 3: it is every type of the schema, each with
all its fields. Costed as a size-1 list, a 45 KB query of aliased ``__schema`` copies produced hundreds of
megabytes on a GitHub-size schema. Introspection's answer is a pure function of the schema, so its size
can be counted exactly: this walk follows the selection over the schema's own types, fields, arguments,
enum values and directives and counts every value it would produce (a field 1, an item of a list of
scalars 1), as the regular cost does.

It is cheap because the walk is memoised per (selection set, schema object): the standard introspection
query's ``...TypeRef`` on ten thousand ``String!`` fields is counted once. Its work is bounded too: every
step the walk takes produces at least one value, so it stops at the first step (or partial sum) past the
budget and reports "over" without finishing; a thousand aliased copies cost the budget, not a thousand walks.

The budget itself (see ``GraphQLMock``) is not ``max_cost``: a real schema's full introspection is far larger
than any data query (GitHub's: about 140 000 values), and tools must keep working. It is a multiple of what
the full standard introspection query costs on this schema, counted once by this same walk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_introspection_query,
    parse,
)

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class OverBudget(Exception):  # noqa: N818 - a signal inside the walk, never seen outside this package
    """The introspection selection produces more than the budget (or nests past the walk's depth bound)."""


class IntrospectionCost:
    """Counts the values introspection fields produce, for one operation, under one shared budget.

    ``budget`` is asked for only when the walk meets introspection (computing it may take a full-query walk);
    ``max_levels`` bounds the walk's nesting (fragments can chain deeper than brackets)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        budget: Callable[[], int],
        max_levels: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self._budget = budget
        self.limit: int | None = None
        self.max_levels = max_levels
        self.steps = 0
        self.memo: dict[tuple[int, str, object], int] = {}
        self.active: set[str] = set()

    def root(self, node: FieldNode, level: int) -> int:
        """The cost of a ``__schema``/``__type`` field, itself included; raises ``OverBudget``."""
        if self.limit is None:
            self.limit = self._budget()
        if node.selection_set is None:
            return 1
        if node.name.value == "__schema":
            return 1 + self._selection(node.selection_set, "__Schema", self.schema, level + 1)
        named = self._type_name(node)
        type_ = self.schema.get_type(named) if named is not None else None
        if type_ is None:
            return 1  # null (or a validation or coercion error)
        return 1 + self._selection(node.selection_set, "__Type", type_, level + 1)

    def _type_name(self, node: FieldNode) -> str | None:
        for argument in node.arguments or ():
            if argument.name.value != "name":
                continue
            if isinstance(argument.value, StringValueNode):
                return argument.value.value
            if isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
                return value if isinstance(value, str) else None
        return None

    def _selection(self, node: SelectionSetNode, kind: str, obj: Any, level: int) -> int:
        if level > self.max_levels:
            raise OverBudget
        key = (id(node), kind, _identity(kind, obj))
        found = self.memo.get(key)
        if found is not None:
            return found
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, kind, obj, level)
            elif isinstance(selection, InlineFragmentNode):
                total += self._selection(selection.selection_set, kind, obj, level)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in self.active:
                    continue  # unknown or cyclic: validation reports it
                self.active.add(name)
                try:
                    total += self._selection(fragment.selection_set, kind, obj, level)
                finally:
                    self.active.discard(name)
            self._check(total)
        self.memo[key] = total
        return total

    def _field(self, node: FieldNode, kind: str, obj: Any, level: int) -> int:
        self.steps += 1
        self._check(self.steps)
        found = _children(self.schema, kind, obj, node.name.value)
        if found is None:
            return 1  # a scalar, or a field validation will refuse
        child_kind, items = found
        if child_kind is None:  # a list of scalars (a directive's locations): each item is a value
            return 1 + len(items)
        if node.selection_set is None:
            return 1
        total = 1
        for item in items:
            total += self._selection(node.selection_set, child_kind, item, level + 1)
            self._check(total)
        return total

    def _check(self, value: int) -> None:
        assert self.limit is not None
        if value > self.limit:
            raise OverBudget


def _identity(kind: str, obj: Any) -> object:
    """What makes two schema objects answer alike: a type by its printed name (the ten thousand ``String!``
    wrappers of a big schema are one), anything else by identity (the schema outlives the walk)."""
    if kind == "__Type":
        return str(obj)
    if kind == "__EnumValue":
        return None  # only scalars below: every member costs the same
    return id(obj)


def _children(schema: GraphQLSchema, kind: str, obj: Any, name: str) -> tuple[str | None, list[Any]] | None:
    """(kind of the values, the values) an introspection field produces, or None for a scalar field."""
    if kind == "__Schema":
        if name == "types":
            return "__Type", list(schema.type_map.values())
        if name in ("queryType", "mutationType", "subscriptionType"):
            root = {"queryType": schema.query_type, "mutationType": schema.mutation_type,
                    "subscriptionType": schema.subscription_type}[name]  # fmt: skip
            return "__Type", [root] if root is not None else []
        if name == "directives":
            return "__Directive", list(schema.directives)
        return None
    if kind == "__Type":
        return _type_children(schema, obj, name)
    if kind == "__Field":
        if name == "args":
            return "__InputValue", list(obj.args.values())
        return ("__Type", [obj.type]) if name == "type" else None
    if kind == "__InputValue":
        return ("__Type", [obj.type]) if name == "type" else None
    if kind == "__Directive":
        if name == "args":
            return "__InputValue", list(obj.args.values())
        return (None, list(obj.locations)) if name == "locations" else None
    return None  # __EnumValue: scalars only


def _type_children(schema: GraphQLSchema, type_: Any, name: str) -> tuple[str | None, list[Any]] | None:
    items: Iterable[Any] = ()
    if name == "fields":
        kind = "__Field"
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            items = type_.fields.values()
    elif name == "interfaces":
        kind = "__Type"
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            items = type_.interfaces
    elif name == "possibleTypes":
        kind = "__Type"
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            items = schema.get_possible_types(type_)
    elif name == "enumValues":
        kind = "__EnumValue"
        if isinstance(type_, GraphQLEnumType):
            items = type_.values.values()
    elif name == "inputFields":
        kind = "__InputValue"
        if isinstance(type_, GraphQLInputObjectType):
            items = type_.fields.values()
    elif name == "ofType":
        kind = "__Type"
        if isinstance(type_, GraphQLList | GraphQLNonNull):
            items = (type_.of_type,)
    else:
        return None
    return kind, list(items)


def full_introspection_cost(schema: GraphQLSchema) -> int:
    """What the standard introspection query with every option (descriptions, deprecated arguments and input
    fields, specifiedByURL, isRepeatable, oneOf) costs on ``schema``: the yardstick of the introspection budget."""
    document = parse(
        get_introspection_query(
            descriptions=True, specified_by_url=True, directive_is_repeatable=True, schema_description=True,
            input_value_deprecation=True, one_of=True,
        )
    )  # fmt: skip
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    walk = IntrospectionCost(schema, fragments, {}, lambda: 1 << 62, max_levels=64)
    total = 0
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value in INTROSPECTION_FIELDS:
            total += walk.root(selection, 0)
    return total

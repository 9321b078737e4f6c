"""A document's *validity key*: equal for documents that differ only where validation's verdict cannot.

Clients that build their queries at run time send a structurally new document with every request: the same
fields in another order, another id inlined. graphql-core's rules find a document valid or not by what it
selects, never by the order of the selections in a selection set, so a document whose key is that of one
found valid is valid too, and ``validate_fast.Validator`` skips the rules for it (an invalid document is
always validated in full: its errors, their messages and their order depend on the text).

The key is the document written out with each selection set's selections sorted, and a field argument's
literal replaced by its kind where any literal of that kind is valid at that place and no other field could be
compared with it. Rule by rule (graphql-core 3.3's ``specified_rules`` and ``NoSchemaIntrospectionCustomRule``;
``KEYED_RULES``), for a document the key accepts:

- per node, with the parent type its ancestors give (known types, operation types, scalar leafs, fields on
  correct type, known directives and arguments, unique arguments and directives at a node, required
  arguments, values of correct type, variables in allowed positions, defer/stream placement, no introspection):
  a node's ancestors and the node itself are in the key, its siblings' order is not;
- per document, over sets (unique operation names, lone anonymous operation, unique variable names, no
  undefined or unused variables, unique defer/stream labels): the key keeps definitions, variable definitions,
  arguments and directives in their order, and selections as a multiset;
- ``SingleFieldSubscriptions`` counts the root fields: a multiset is enough;
- ``OverlappingFieldsCanBeMerged`` compares fields of the same response name pairwise, over a multiset: which
  of two fields is compared first changes no conflict, only how much of the rule's complexity budget is spent
  (``Validator`` keeps a verdict only when even the costliest order stays well within it, ``budget_bound``);
- a literal is abstracted only as the whole value of a field argument whose type (non-null or not) is the
  built-in ``String`` or ``ID`` (a string; any is valid), ``Int`` (an int in 32 bits) or ``ID`` (any int), and
  whose field's response name occurs once in the document: no field is ever compared with it, so no other
  literal's equality matters (graphql-core compares the arguments of fields merged under one response name).

Anything else gets no key (and is validated every time): fragment definitions and spreads (the overlapping
rule's comparisons through fragments are memoised in an order that decides how much budget they spend),
``__schema``/``__type`` (``MaxIntrospectionDepthRule`` memoises fragments too), descriptions, fragment
arguments, non-executable definitions, nesting deeper than ``_MAX_DEPTH``.
``tests/graphql/test_gqlnf_validity_key.py`` checks that permutations share a key, that any other change does
not, and that the verdict of graphql-core's own rules agrees on every document sharing a key.
"""

from __future__ import annotations

import json
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    GraphQLID,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    NoSchemaIntrospectionCustomRule,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    VariableNode,
    get_named_type,
    specified_rules,
)

__all__ = ["KEYED_RULES", "budget_bound", "validity_key"]

# The rules whose verdicts the key was checked against, one by one (see the module's docstring); a validator
# running any other rule keys nothing.
KEYED_RULES = frozenset((*specified_rules, NoSchemaIntrospectionCustomRule))

_MAX_DEPTH = 64  # selection sets, lists and objects: far below where any rule or this walk could recurse too deep
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_OPERATION = {"query": "Q", "mutation": "M", "subscription": "S"}
_FIELDS_TYPES = (GraphQLObjectType, GraphQLInterfaceType)


class _UnkeyedError(Exception):
    """The document holds something the key does not cover."""


def validity_key(schema: GraphQLSchema, document: DocumentNode) -> tuple[str, int] | None:
    """The document's validity key and its field count (for ``budget_bound``), or None when it has none.

    Two documents with one key (on one schema) are both valid or both invalid under ``KEYED_RULES``."""
    walk = _KeyWalk(schema, frozenset())
    try:
        key = walk.document(document)
        if walk.abstracted:
            repeated = walk.repeated()
            if not walk.abstracted.isdisjoint(repeated):
                # a literal was abstracted under a response name that occurs twice: keyed again, kept as written
                walk = _KeyWalk(schema, frozenset(repeated))
                key = walk.document(document)
    except (_UnkeyedError, TypeError, RecursionError):
        return None
    return key, len(walk.responses)


def budget_bound(spent: int, fields: int) -> int:
    """The most of ``OverlappingFieldsCanBeMergedRule``'s complexity budget any order of the selections of a
    document (without fragments) can spend, when one order spent ``spent``.

    Without fragments the rule compares the same pairs of fields in any order, at the same cost, but for one
    step: matching the response names of two collected selection sets costs one per name of the first (graphql-
    core's ``get_overlapping_fields``), and which set comes first follows the order. That step follows a
    comparison of two fields (at least 2 spent), and a selection set has at most ``fields`` names."""
    return spent * (1 + fields)


class _KeyWalk:
    """One walk writing the key; ``responses`` the response name of every field met, ``abstracted`` those whose
    field had a literal abstracted."""

    def __init__(self, schema: GraphQLSchema, keep_literals: frozenset[str]) -> None:
        self.schema = schema
        self.keep_literals = keep_literals
        self.responses: list[str] = []
        self.abstracted: set[str] = set()

    def repeated(self) -> set[str]:
        """The response names met more than once."""
        seen: set[str] = set()
        repeated: set[str] = set()
        for name in self.responses:
            if name in seen:
                repeated.add(name)
            seen.add(name)
        return repeated

    def document(self, document: DocumentNode) -> str:
        parts = []
        for definition in document.definitions:
            if type(definition) is not OperationDefinitionNode:
                raise _UnkeyedError  # a fragment, or what ExecutableDefinitionsRule refuses
            parts.append(self.operation(definition))
        return ";".join(parts)

    def operation(self, node: OperationDefinitionNode) -> str:
        if node.description is not None:
            raise _UnkeyedError
        kind = _OPERATION[node.operation.value]
        name = node.name.value if node.name is not None else ""
        variables = ""
        if node.variable_definitions:
            written = []
            for definition in node.variable_definitions:
                if definition.description is not None:
                    raise _UnkeyedError
                default = definition.default_value
                written.append(
                    f"${definition.variable.name.value}:{type_text(definition.type)}"
                    f"{'' if default is None else '=' + _value(default, 0)}{self.directives(definition.directives)},"
                )
            variables = "".join(written)
        selections = self.selections(node.selection_set, self.schema.get_root_type(node.operation), 0)
        return f"{kind}{name}({variables}){self.directives(node.directives)}{selections}"

    def selections(self, node: Any, parent: Any, depth: int) -> str:
        if depth > _MAX_DEPTH:
            raise _UnkeyedError
        fields = parent.fields if isinstance(parent, _FIELDS_TYPES) else None
        responses = self.responses
        written = []
        for selection in node.selections:
            kind = type(selection)
            if kind is FieldNode:
                name = selection.name.value
                if name == "__schema" or name == "__type":
                    raise _UnkeyedError
                if (
                    selection.alias is None
                    and selection.arguments is None
                    and selection.directives is None
                    and selection.selection_set is None
                ):
                    responses.append(name)
                    written.append(":" + name + "()")  # a plain leaf, as ``field`` writes it
                else:
                    written.append(self.field(selection, name, fields, depth))
            elif kind is InlineFragmentNode:
                condition = selection.type_condition
                if condition is None:
                    inner, type_name = parent, ""
                else:
                    type_name = condition.name.value
                    inner = self.schema.get_type(type_name)
                written.append(f"...{type_name}{self.directives(selection.directives)}"
                               f"{self.selections(selection.selection_set, inner, depth + 1)}")  # fmt: skip
            else:
                raise _UnkeyedError  # a fragment spread
        written.sort()
        return "{" + ",".join(written) + "}"

    def field(self, node: FieldNode, name: str, fields: Any, depth: int) -> str:
        alias = node.alias.value if node.alias is not None else ""
        response = alias or name
        self.responses.append(response)
        definition = fields.get(name) if fields is not None else None
        arguments = ""
        if node.arguments:
            declared = definition.args if definition is not None and response not in self.keep_literals else None
            written = []
            for argument in node.arguments:
                argument_name = argument.name.value
                value = argument.value
                abstract = None
                if declared is not None and type(value) in (StringValueNode, IntValueNode):
                    accepted = declared.get(argument_name)
                    if accepted is not None:
                        abstract = _abstract(value, accepted.type)
                if abstract is None:
                    written.append(f"{argument_name}:{_value(value, depth)},")
                else:
                    self.abstracted.add(response)
                    written.append(f"{argument_name}:{abstract},")
            arguments = "".join(written)
        directives = self.directives(node.directives) if node.directives else ""
        if node.selection_set is None:
            return f"{alias}:{name}({arguments}){directives}"
        inner = get_named_type(definition.type) if definition is not None else None
        return f"{alias}:{name}({arguments}){directives}{self.selections(node.selection_set, inner, depth + 1)}"

    def directives(self, nodes: Any) -> str:
        if not nodes:
            return ""
        written = []
        for directive in nodes:
            arguments = "".join(f"{a.name.value}:{_value(a.value, 0)}," for a in directive.arguments or ())
            written.append(f"@{directive.name.value}({arguments})")
        return "".join(written)


def _abstract(value: Any, accepted: Any) -> str | None:
    """The literal's kind where any literal of that kind is valid for an argument of type ``accepted``."""
    if type(accepted) is GraphQLNonNull:
        accepted = accepted.of_type
    if type(value) is StringValueNode:
        return "?s" if accepted is GraphQLString or accepted is GraphQLID else None
    if accepted is GraphQLID:
        return "?i"
    text = value.value
    if accepted is GraphQLInt and len(text) <= 11 and _INT_MIN <= int(text) <= _INT_MAX:
        return "?n"  # an Int in 32 bits: another than ID's "?i", as a position may not take both
    return None


def _value(node: Any, depth: int) -> str:
    """A value as written (kind and text; strings quoted with escapes, so the key parses back one way)."""
    if depth > _MAX_DEPTH:
        raise _UnkeyedError
    kind = type(node)
    if kind is VariableNode:
        return "$" + str(node.name.value)
    if kind is StringValueNode:
        return ("b" if node.block else "s") + json.dumps(node.value)
    if kind is IntValueNode:
        return "i" + str(node.value)
    if kind is FloatValueNode:
        return "f" + str(node.value)
    if kind is BooleanValueNode:
        return "T" if node.value else "F"
    if kind is NullValueNode:
        return "N"
    if kind is EnumValueNode:
        return "e" + str(node.value)
    if kind is ListValueNode:
        return "[" + "".join(_value(item, depth + 1) + "," for item in node.values) + "]"
    if kind is ObjectValueNode:
        return "{" + "".join(f"{f.name.value}:{_value(f.value, depth + 1)}," for f in node.fields) + "}"
    raise _UnkeyedError


def type_text(node: Any) -> str:
    """A variable's type as GraphQL writes it (``[ID!]!``), for the validity key and the order shapes' templates.
    TypeError for a node that is no type (a parsed document has none)."""
    kind = type(node)
    if kind is NamedTypeNode:
        return str(node.name.value)
    if kind is ListTypeNode:
        return "[" + type_text(node.type) + "]"
    if kind is NonNullTypeNode:
        return type_text(node.type) + "!"
    raise TypeError(f"not a type node: {kind.__name__}")

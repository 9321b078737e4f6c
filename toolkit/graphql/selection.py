"""What one GraphQL request selects, read the way graphql-core executes it: the fields under a selection set
on an object of a given type, with fragments (named and inline, type conditions on interfaces and unions)
applied and ``@skip``/``@include`` honoured; and a field's arguments, coerced with the request's variables."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values

__all__ = ["Selection"]


class Selection:
    """What one request asks: the document's fragments and the variables, to collect fields."""

    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: VariableValues
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def collect(
        self, nodes: list[FieldNode] | SelectionSetNode, type_: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        """Response key -> the field nodes asking for it, on an object of ``type_`` (fragments applied)."""
        out: dict[str, list[FieldNode]] = {}
        sets = [nodes] if isinstance(nodes, SelectionSetNode) else [n.selection_set for n in nodes if n.selection_set]
        for selection_set in sets:
            self._into(selection_set, type_, out, set())
        return out

    def _into(
        self, selection_set: SelectionSetNode, type_: GraphQLObjectType, out: dict[str, list[FieldNode]], seen: set[str]
    ) -> None:
        for node in selection_set.selections:
            if not self._included(node):
                continue
            if isinstance(node, FieldNode):
                out.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                if node.type_condition is None or self._applies(node.type_condition.name.value, type_):
                    self._into(node.selection_set, type_, out, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if (
                    fragment is not None
                    and name not in seen
                    and self._applies(fragment.type_condition.name.value, type_)
                ):
                    self._into(fragment.selection_set, type_, out, seen | {name})

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def _applies(self, condition: str, type_: GraphQLObjectType) -> bool:
        if condition == type_.name:
            return True
        abstract = self.schema.get_type(condition)
        return isinstance(abstract, GraphQLAbstractType) and self.schema.is_sub_type(abstract, type_)

    def arguments(self, field: GraphQLField, node: FieldNode) -> dict[str, Any]:
        return get_argument_values(field, node, self.variables)

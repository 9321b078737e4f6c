"""Is a GraphQL answer's ``data`` a valid result of the operation it answers? A walker independent of any executor.

It walks the operation (fields, aliases, fragments, ``@skip``/``@include``) beside the ``data`` and checks response
keys and their order, nullability, list shapes, enum membership, the built-in scalars (Int 32-bit, Float finite,
String, Boolean, ID a string) and abstract types (the object must fit one possible type; ``__typename`` must be that
type). Pure: ``ctk verify`` judges the mock's answers with it, ``ctk record`` the vendor's.
"""

from __future__ import annotations

import math
from typing import Any

import graphql

__all__ = ["INT_MAX", "INT_MIN", "Checker"]

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class Checker:
    """Is ``data`` a valid result of ``operation`` against ``schema``? Lists the reasons it is not."""

    def __init__(self, schema: graphql.GraphQLSchema, document: graphql.DocumentNode, variables: dict[str, Any]):
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, graphql.FragmentDefinitionNode)
        }
        self.problems: list[str] = []

    def check(self, operation: graphql.OperationDefinitionNode, data: Any) -> list[str]:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return [f"the schema has no {operation.operation.value} type"]
        if not isinstance(data, dict):
            return [f"data is {type(data).__name__}, not an object"]
        self._object(root, [operation.selection_set], data, "data")
        return self.problems

    def _fail(self, path: str, message: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(f"{path}: {message}")

    def _collect(
        self, type_: graphql.GraphQLObjectType, sets: list[graphql.SelectionSetNode]
    ) -> dict[str, list[graphql.FieldNode]]:
        fields: dict[str, list[graphql.FieldNode]] = {}
        for selection_set in sets:
            self._collect_into(type_, selection_set, fields, set())
        return fields

    def _collect_into(
        self,
        type_: graphql.GraphQLObjectType,
        selection_set: graphql.SelectionSetNode,
        fields: dict[str, list[graphql.FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, graphql.FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, graphql.InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, type_):
                    self._collect_into(type_, selection.selection_set, fields, visited)
            elif isinstance(selection, graphql.FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition.name.value, type_):
                    self._collect_into(type_, fragment.selection_set, fields, visited)

    def _included(self, node: graphql.SelectionNode) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition: Any = True
            for argument in directive.arguments or ():
                if argument.name.value == "if":
                    condition = graphql.value_from_ast_untyped(argument.value, self.variables)
            if (name == "skip" and condition is True) or (name == "include" and condition is not True):
                return False
        return True

    def _applies(self, condition: str, type_: graphql.GraphQLObjectType) -> bool:
        target = self.schema.get_type(condition)
        if target is None:
            return False
        if target is type_:
            return True
        if isinstance(target, graphql.GraphQLInterfaceType | graphql.GraphQLUnionType):
            return self.schema.is_sub_type(target, type_)
        return False

    def _object(
        self, type_: graphql.GraphQLObjectType, sets: list[graphql.SelectionSetNode], value: dict[str, Any], path: str
    ) -> None:
        expected = self._collect(type_, sets)
        if list(value) != list(expected):
            self._fail(path, f"keys {list(value)} are not the selection's {list(expected)} on {type_.name}")
            return
        for key, field_nodes in expected.items():
            name = field_nodes[0].name.value
            here = f"{path}.{key}"
            if name == "__typename":
                if value[key] != type_.name:
                    self._fail(here, f"__typename {value[key]!r} is not {type_.name}")
                continue
            definition = type_.fields.get(name)
            if definition is None:
                if name not in ("__schema", "__type"):
                    self._fail(here, f"{type_.name} has no field {name}")
                continue
            if name.startswith("__"):
                continue  # introspection: graphql-core answers it, the round-trip test covers it
            subsets = [n.selection_set for n in field_nodes if n.selection_set is not None]
            self._value(definition.type, subsets, value[key], here)

    def _value(
        self, type_: graphql.GraphQLOutputType, sets: list[graphql.SelectionSetNode], value: Any, path: str
    ) -> None:
        if isinstance(type_, graphql.GraphQLNonNull):
            if value is None:
                self._fail(path, f"null in a non-null field ({type_})")
                return
            type_ = type_.of_type
        if value is None:
            return
        if isinstance(type_, graphql.GraphQLList):
            if not isinstance(value, list):
                self._fail(path, f"{type(value).__name__} where a list ({type_}) is due")
                return
            for index, item in enumerate(value):
                self._value(type_.of_type, sets, item, f"{path}[{index}]")
            return
        if isinstance(type_, graphql.GraphQLScalarType):
            problem = _scalar_problem(type_.name, value)
            if problem:
                self._fail(path, problem)
            return
        if isinstance(type_, graphql.GraphQLEnumType):
            if not isinstance(value, str) or value not in type_.values:
                self._fail(path, f"{value!r} is not a member of enum {type_.name}")
            return
        if not isinstance(value, dict):
            self._fail(path, f"{type(value).__name__} where an object of {type_.name} is due")
            return
        if isinstance(type_, graphql.GraphQLObjectType):
            self._object(type_, sets, value, path)
            return
        if isinstance(type_, graphql.GraphQLInterfaceType | graphql.GraphQLUnionType):
            self._abstract(type_, sets, value, path)

    def _abstract(
        self,
        type_: graphql.GraphQLInterfaceType | graphql.GraphQLUnionType,
        sets: list[graphql.SelectionSetNode],
        value: dict[str, Any],
        path: str,
    ) -> None:
        possible = list(self.schema.get_possible_types(type_))
        named = {value[k] for k in self._typename_keys(possible, sets) if k in value}
        if named:
            candidates = [t for t in possible if t.name in named]
            if len(named) > 1 or not candidates:
                self._fail(path, f"__typename {sorted(named)} is not one possible type of {type_.name}")
                return
        else:
            candidates = [t for t in possible if list(self._collect(t, sets)) == list(value)]
        for candidate in candidates:
            trial = Checker(self.schema, graphql.DocumentNode(definitions=()), self.variables)
            trial.fragments = self.fragments
            trial._object(candidate, sets, value, path)
            if not trial.problems:
                return
        if not candidates:
            self._fail(path, f"the object fits no possible type of {type_.name}: keys {list(value)}")
        else:
            self._object(candidates[0], sets, value, path)  # report the first candidate's reasons

    def _typename_keys(
        self, possible: list[graphql.GraphQLObjectType], sets: list[graphql.SelectionSetNode]
    ) -> dict[str, list[graphql.FieldNode]]:
        keys: dict[str, list[graphql.FieldNode]] = {}
        for candidate in possible:
            for key, field_nodes in self._collect(candidate, sets).items():
                if field_nodes[0].name.value == "__typename":
                    keys[key] = field_nodes
        return keys


def _scalar_problem(name: str, value: Any) -> str:
    if name == "Int":
        if isinstance(value, bool) or not isinstance(value, int) or not INT_MIN <= value <= INT_MAX:
            return f"{value!r} is not a 32-bit Int"
    elif name == "Float":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{value!r} is not a finite Float"
    elif name in ("String", "ID") and not isinstance(value, str):
        return f"{value!r} is not a {name} (a JSON string)"
    elif name == "Boolean" and not isinstance(value, bool):
        return f"{value!r} is not a Boolean"
    return ""

"""Type and default-value comparisons for the GraphQL diff rules, as graphql-core defines them.

Output positions may only narrow (a field that was ``Int`` may become ``Int!``), input positions
may only widen (an argument that was ``Int!`` may become ``Int``); defaults compare as introspection
prints them, so object-field order in a default never counts as a change.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLType,
    GraphQLUnionType,
    Undefined,
    print_ast,
)
from graphql.utilities.sort_value_node import sort_value_node

# -- type comparisons (graphql-core's rules, on wrapped types) --------------------------------------


def safe_output_change(old: GraphQLType, new: GraphQLType) -> bool:
    """A client reading the field still gets what it expects: same type, or a non-null/list-compatible one."""
    if isinstance(old, GraphQLList):
        return (isinstance(new, GraphQLList) and safe_output_change(old.of_type, new.of_type)) or (
            isinstance(new, GraphQLNonNull) and safe_output_change(old, new.of_type)
        )
    if isinstance(old, GraphQLNonNull):
        return isinstance(new, GraphQLNonNull) and safe_output_change(old.of_type, new.of_type)
    return (not isinstance(new, (GraphQLList, GraphQLNonNull)) and _name(old) == _name(new)) or (
        isinstance(new, GraphQLNonNull) and safe_output_change(old, new.of_type)
    )


def safe_input_change(old: GraphQLType, new: GraphQLType) -> bool:
    """Every value a client could send before is still accepted: same type, or a nullable one."""
    if isinstance(old, GraphQLList):
        return isinstance(new, GraphQLList) and safe_input_change(old.of_type, new.of_type)
    if isinstance(old, GraphQLNonNull):
        return (isinstance(new, GraphQLNonNull) and safe_input_change(old.of_type, new.of_type)) or (
            not isinstance(new, GraphQLNonNull) and safe_input_change(old.of_type, new)
        )
    return not isinstance(new, (GraphQLList, GraphQLNonNull)) and _name(old) == _name(new)


def same_type(old: GraphQLType, new: GraphQLType) -> bool:
    while isinstance(old, (GraphQLList, GraphQLNonNull)):
        if type(old) is not type(new):
            return False
        old, new = old.of_type, new.of_type
    return not isinstance(new, (GraphQLList, GraphQLNonNull)) and _name(old) == _name(new)


def lost_non_null(old: GraphQLType, new: GraphQLType) -> bool:
    return isinstance(old, GraphQLNonNull) and not isinstance(new, GraphQLNonNull)


def gained_non_null(old: GraphQLType, new: GraphQLType) -> bool:
    return isinstance(new, GraphQLNonNull) and not isinstance(old, GraphQLNonNull)


def _name(type_: GraphQLType) -> str:
    return type_.name if isinstance(type_, GraphQLNamedType) else str(type_)


def kind_name(type_: GraphQLNamedType) -> str:
    kinds: list[tuple[type, str]] = [
        (GraphQLScalarType, "a scalar type"),
        (GraphQLObjectType, "an object type"),
        (GraphQLInterfaceType, "an interface type"),
        (GraphQLUnionType, "a union type"),
        (GraphQLEnumType, "an enum type"),
        (GraphQLInputObjectType, "an input type"),
    ]
    return next((text for cls, text in kinds if isinstance(type_, cls)), "a type")


# -- default values --------------------------------------------------------------------------------


def has_default(item: GraphQLArgument | GraphQLInputField) -> bool:
    return default_text(item) is not None


def default_text(item: GraphQLArgument | GraphQLInputField) -> str | None:
    """The default value as introspection shows it, object fields sorted, or None when there is none.

    Sorting makes ``{a: 1, b: 2}`` and ``{b: 2, a: 1}`` the same default, as graphql-core does.
    """
    if getattr(item, "default", None) is None and item.default_value is Undefined:
        return None  # most arguments have no default: answered without building one
    node = _default_ast(item)
    return None if node is None else print_ast(sort_value_node(node))


def _default_ast(item: GraphQLArgument | GraphQLInputField) -> Any:
    try:  # graphql-core 3.3: defaults may be given as a literal or a value
        from graphql.utilities.get_default_value_ast import get_default_value_ast
    except ImportError:  # pragma: no cover - graphql-core 3.2
        from graphql import Undefined, ast_from_value

        if item.default_value is Undefined:
            return None
        return ast_from_value(item.default_value, item.type)
    return get_default_value_ast(item)

"""Values for GraphQL state: whether a JSON value fits an output type, what a mutation's arguments say about
an entity (its fields in a create's input, the changes of an update), and merging them into a stored object.
Shared by the layer (``graphql``) and the seed check (``graphql_seeds``)."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    get_named_type,
)

__all__ = ["CLIENT_MUTATION_ID", "at_path", "changes", "client_mutation_id", "echo", "fits", "merged", "scalar_fits"]

_WRAPPER_DEPTH = 3  # input objects inside input objects searched for an update's changes (input.patch.data)
CLIENT_MUTATION_ID = "clientMutationId"


def fits(type_: GraphQLOutputType | GraphQLInputObjectType, value: Any) -> bool:
    """Whether ``value`` can be answered as-is for a field of ``type_`` (an object: any JSON object, its fields
    shaped later; an interface or union: never, its concrete type is unknown)."""
    if isinstance(type_, GraphQLNonNull):
        return value is not None and fits(type_.of_type, value)
    if value is None:
        return True
    if isinstance(type_, GraphQLList):
        return isinstance(value, list) and all(fits(type_.of_type, item) for item in value)
    if isinstance(type_, GraphQLEnumType):
        return isinstance(value, str) and value in type_.values
    if isinstance(type_, GraphQLScalarType):
        return scalar_fits(type_, value)
    return isinstance(type_, GraphQLObjectType) and isinstance(value, dict)


def scalar_fits(type_: GraphQLScalarType, value: Any) -> bool:
    """The built-in scalars' result coercion, strictly; a custom scalar takes any JSON leaf."""
    name = type_.name
    if name == "Int":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
    if name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "Boolean":
        return isinstance(value, bool)
    if name in ("String", "ID"):
        return isinstance(value, str) or (name == "ID" and isinstance(value, int) and not isinstance(value, bool))
    return not isinstance(value, dict | list)


def echo(type_: GraphQLObjectType, value: dict[str, Any]) -> dict[str, Any]:
    """The input object's fields that ``type_`` has, where the value fits the output field's type (never
    ``id``: the server's)."""
    out: dict[str, Any] = {}
    for name, given in value.items():
        field = type_.fields.get(name)
        if field is None or name == "id":
            continue
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType) and isinstance(given, dict):
            out[name] = echo(named, given)
        elif fits(field.type, given):
            out[name] = given
    return out


def changes(type_: GraphQLObjectType, arguments: dict[str, Any], id_path: tuple[str, ...]) -> dict[str, Any]:
    """What an update's arguments change on an object of ``type_``: the arguments and input-object fields named
    like its fields, found directly or inside input objects that are not fields of the type (``input``,
    ``patch``, ``changes``, ``data``, ``_set``, ``productPatch``), the id and ``clientMutationId`` left out.
    Deeper wrappers win over shallower ones, as the more specific."""
    return _changes(type_, arguments, id_path, 0)


def _changes(type_: GraphQLObjectType, given: dict[str, Any], id_path: tuple[str, ...], depth: int) -> dict[str, Any]:
    direct: dict[str, Any] = {}
    wrapped: dict[str, Any] = {}
    for name, value in given.items():
        if id_path == (name,) or name == CLIENT_MUTATION_ID:
            continue
        if isinstance(value, dict) and name not in type_.fields:
            if depth < _WRAPPER_DEPTH:
                inner_path = id_path[1:] if id_path[:1] == (name,) else ()
                wrapped = merged(wrapped, _changes(type_, value, inner_path, depth + 1))
        else:
            direct[name] = value
    return merged(echo(type_, direct), wrapped)


def merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged into ``base`` (a new dict): nested objects merged alike, any other value replaced."""
    out = dict(base)
    for name, value in over.items():
        out[name] = merged(out[name], value) if isinstance(value, dict) and isinstance(out.get(name), dict) else value
    return out


def client_mutation_id(arguments: dict[str, Any]) -> Any:
    """The ``clientMutationId`` a Relay mutation's input carries (a payload repeats it), else None."""
    if CLIENT_MUTATION_ID in arguments:
        return arguments[CLIENT_MUTATION_ID]
    return next(
        (v[CLIENT_MUTATION_ID] for v in arguments.values() if isinstance(v, dict) and CLIENT_MUTATION_ID in v), None
    )


def at_path(arguments: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at ``path`` in the coerced arguments, else None."""
    value: Any = arguments
    for name in path:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value

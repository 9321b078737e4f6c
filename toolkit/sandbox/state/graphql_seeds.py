"""Seed objects for GraphQL state, checked against the schema: ``{"Product": [{"id": "p1", "name": ...}]}``.

Keyed by object type (one with an ``id`` field); each object's fields must be the type's, each value fit its
field's type: nullability, lists, enum values, the built-in scalars' ranges and kinds (a custom scalar takes
any JSON leaf), nested objects by the same rules. A field of an interface or union type cannot be seeded (its
concrete type would be unknown). Fields left out are generated on the first read and kept, as for an object
a create stored.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)

from toolkit.sandbox.state.graphql_values import scalar_fits
from toolkit.sandbox.state.seeds import SeedFile, did_you_mean

__all__ = ["checked_seeds"]

_SHOWN = 60  # characters of a refused value quoted in a message


def checked_seeds(schema: GraphQLSchema, seeds: SeedFile) -> dict[str, dict[str, dict[str, Any]]]:
    """Type name -> id -> object, every object checked (a ``ConfigError`` naming the file, line and item)."""
    roots = {root.name for root in (schema.query_type, schema.mutation_type, schema.subscription_type) if root}
    kinds = sorted(
        name
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and "id" in type_.fields and not name.startswith("__")
        and name not in roots
    )  # fmt: skip
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for key, items in seeds.entries.items():
        type_ = schema.get_type(key)
        if key not in kinds or not isinstance(type_, GraphQLObjectType):
            hint = did_you_mean(key, kinds) or (
                f"the object types with an id: {', '.join(kinds[:20])}" if kinds else "this schema has none"
            )
            raise seeds.refuse_key(key, f"{key!r} is not an object type with an id field in the schema", hint)
        objects: dict[str, dict[str, Any]] = {}
        for item in items:
            identifier = item.value.get("id")
            if isinstance(identifier, bool) or not isinstance(identifier, str | int) or identifier == "":
                raise item.refuse(f"each {key} needs its id (a string or an integer)", hint='add an "id" field')
            problem = _object_problem(type_, item.value, "")
            if problem is not None:
                raise item.refuse(*problem)
            if str(identifier) in objects:
                raise item.refuse(f"the id {identifier!r} is seeded twice for {key}")
            objects[str(identifier)] = item.value
        out[key] = objects
    return out


def _object_problem(type_: GraphQLObjectType, value: dict[str, Any], at: str) -> tuple[str, str | None] | None:
    for name, given in value.items():
        place = f"{at}.{name}" if at else name
        field = type_.fields.get(name)
        if field is None:
            return f"{type_.name} has no field {name!r}", did_you_mean(name, type_.fields)
        problem = _value_problem(field.type, given, place)
        if problem is not None:
            return problem
    return None


def _value_problem(type_: Any, value: Any, place: str) -> tuple[str, str | None] | None:
    if isinstance(type_, GraphQLNonNull):
        if value is None:
            return f"{place} is null, but its type {type_} is non-null", "give a value, or leave the field out"
        return _value_problem(type_.of_type, value, place)
    if value is None:
        return None
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            return f"{place} must be a list ({type_}), not {_shown(value)}", None
        for index, item in enumerate(value):
            problem = _value_problem(type_.of_type, item, f"{place}[{index}]")
            if problem is not None:
                return problem
        return None
    if isinstance(type_, GraphQLEnumType):
        if not isinstance(value, str) or value not in type_.values:
            hint = did_you_mean(value, type_.values) if isinstance(value, str) else None
            return (
                f"{place} must be one of {type_.name}'s values ({', '.join(type_.values)}), not {_shown(value)}",
                hint,
            )
        return None
    if isinstance(type_, GraphQLScalarType):
        if not scalar_fits(type_, value):
            return f"{place} must be a {type_.name}, not {_shown(value)}", None
        return None
    if isinstance(type_, GraphQLObjectType):
        if not isinstance(value, dict):
            return f"{place} must be an object ({type_.name}), not {_shown(value)}", None
        return _object_problem(type_, value, place)
    kind = "an interface" if type_.__class__.__name__ == "GraphQLInterfaceType" else "a union"
    return (f"{place} is {kind} ({type_.name}): a seed cannot say which of its types it is",
            "leave it out: it is generated on the first read")  # fmt: skip


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."

"""Linting GraphQL schemas: graphql-core's schema validation, placed by file and line (less what the loader's
repairs tolerate: those are the contract's warnings, each with its place, see ``repairs``); and what the mock
cannot fill (lists of lists nested deeper than the levels its limits let it fill).

graphql-core gives some errors no location ("Query root type must be provided.", and every error of a schema
built from introspection JSON, which has no source): those are placed at the first type (or field) of the
schema the message names, by its coordinate and, from SDL, its line; else at the top of the first file.
"""

from __future__ import annotations

import re
from typing import Any

from toolkit.graphql.load import GraphQLContract
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.model import Location, Problem, Severity
from toolkit.sources import display_name


def lint_graphql(contract: GraphQLContract, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    from toolkit.graphql.repairs import serving_errors

    if contract.schema is None:
        return []
    problems: list[Problem] = []
    fallback = display_name(contract.files[0]) if contract.files else contract.source
    for error in serving_errors(contract.schema):  # what repairs tolerate: warnings already
        if error.locations and error.source is not None:
            where = error.locations[0]
            location = Location(error.source.name, line=where.line, column=where.column)
        else:
            location = _named_place(error.message, contract, fallback)
        problems.append(Problem(Severity.ERROR, location, error.message))
    return problems + _unfillable_lists(contract.schema, fallback, limits)


# A type name, maybe with a field: "Node.id", "Film"
_COORDINATE = re.compile(r"\b([_A-Za-z][_0-9A-Za-z]*)(?:\.([_A-Za-z][_0-9A-Za-z]*))?\b")


def _named_place(message: str, contract: GraphQLContract, fallback: str) -> Location:
    """The place of the first schema type (or field) ``message`` names; else the top of the first SDL file, or
    the schema (introspection JSON has no lines that graphql-core knows)."""
    from graphql import specified_scalar_types

    schema = contract.schema
    assert schema is not None
    for match in _COORDINATE.finditer(message):
        type_ = schema.type_map.get(match[1])
        if type_ is None or match[1].startswith("__") or match[1] in specified_scalar_types:
            continue
        field = getattr(type_, "fields", {}).get(match[2]) if match[2] else None
        coordinate = f"{match[1]}.{match[2]}" if field is not None else match[1]
        return _location(field if field is not None else type_, fallback, coordinate)
    return Location(fallback, line=1) if contract.document is not None else Location(fallback, path="schema")


def _unfillable_lists(schema: Any, fallback: str, limits: Limits) -> list[Problem]:
    """A warning per output field whose lists nest deeper than the mock fills: its answers hold empty lists there."""
    from graphql import GraphQLInterfaceType, GraphQLObjectType

    from toolkit.graphql.mock.costs import filled_levels, list_levels

    filled = filled_levels(limits)
    problems = []
    for type_ in schema.type_map.values():
        if type_.name.startswith("__") or not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for name, field in type_.fields.items():
            levels = list_levels(field.type)
            if levels <= filled:
                continue
            message = (
                f"{type_.name}.{name} nests lists {levels} levels deep; the mock fills at most {filled} "
                f"(max_array_items {limits.max_array_items}: up to 3 items a level) and answers the deeper "
                "lists empty"
            )
            problems.append(Problem(Severity.WARNING, _location(field, fallback, f"{type_.name}.{name}"), message))
    return problems


def _location(field: Any, fallback: str, coordinate: str) -> Location:
    node = field.ast_node
    if node is None or node.loc is None:
        return Location(fallback, path=coordinate)
    place = node.loc.source.get_location(node.loc.start)
    return Location(node.loc.source.name, line=place.line, column=place.column, path=coordinate)

"""Linting GraphQL schemas: graphql-core's schema validation, placed by file and line (less what the loader's
repairs tolerate: those are the contract's warnings, each with its place, see ``repairs``); and what the mock
cannot fill (lists of lists nested deeper than the levels its limits let it fill)."""

from __future__ import annotations

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
            location = Location(fallback)
        problems.append(Problem(Severity.ERROR, location, error.message))
    return problems + _unfillable_lists(contract.schema, fallback, limits)


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

"""Linting GraphQL schemas: graphql-core's schema validation, placed by file and line."""

from __future__ import annotations

from toolkit.graphql.load import GraphQLContract
from toolkit.model import Location, Problem, Severity
from toolkit.sources import display_name


def lint_graphql(contract: GraphQLContract) -> list[Problem]:
    from graphql import validate_schema

    if contract.schema is None:
        return []
    problems: list[Problem] = []
    fallback = display_name(contract.files[0]) if contract.files else contract.source
    for error in validate_schema(contract.schema):
        if error.locations and error.source is not None:
            where = error.locations[0]
            location = Location(error.source.name, line=where.line, column=where.column)
        else:
            location = Location(fallback)
        problems.append(Problem(Severity.ERROR, location, error.message))
    return problems

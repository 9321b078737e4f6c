"""Loading GraphQL schemas: SDL in one or several files, or an introspection result.

The operations of a GraphQL API are the fields of its root types (Query, Mutation,
Subscription): those are what a client can call, and what a vendor can remove or deprecate.

What vendors publish that graphql-core refuses is repaired on the way (``repairs``), each repair a warning with
its place: file:line for SDL, a JSON pointer (and its line) for an introspection result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    build_ast_schema,
    build_client_schema,
    concat_ast,
    get_introspection_query,
    parse,
)
from graphql import Source as GraphQLSource
from graphql.validation.validate import validate_sdl

from toolkit.documents import PointerLines
from toolkit.errors import LoadError, ParseError, UnknownFormatError
from toolkit.graphql import repairs
from toolkit.model import Contract, GraphQLOperation, Location, Problem, Protocol, Severity
from toolkit.sources import Source
from toolkit.sunset import sunset_in_text


@dataclass(eq=False)
class GraphQLContract(Contract):
    """A GraphQL contract: the built schema, and the SDL document when it came from SDL."""

    schema: GraphQLSchema | None = None
    document: DocumentNode | None = None


def introspection_query() -> str:
    """The standard introspection query, with graphql-core's defaults (accepted by older servers too)."""
    return get_introspection_query()


def introspection_schema(data: Any) -> dict[str, Any] | None:
    """The ``__schema`` object of an introspection result, in either of its usual wrappings."""
    if not isinstance(data, dict):
        return None
    inner = data.get("data")
    if isinstance(inner, dict) and isinstance(inner.get("__schema"), dict):
        return inner
    if isinstance(data.get("__schema"), dict):
        return data
    return None


def load_sdl(sources: Sequence[Source], title: str) -> GraphQLContract:
    documents = []
    repaired: list[Problem] = []
    for source in sources:
        documents.append(_parse_sdl(source, repaired))
    document = concat_ast(documents)
    if not document.definitions:
        raise UnknownFormatError("defines no GraphQL types", where=sources[0].name)
    document, found = repairs.repeated_fields(document)
    repaired += _sdl_problems(found, sources[0].name)
    errors = validate_sdl(document)
    # Directives a schema uses without defining them (vendor annotations such as @md, often defined by
    # the vendor's server framework) change nothing a client sees: tolerated, and reported by lint.
    tolerated = [e for e in errors if e.message.startswith("Unknown directive")]
    errors = [e for e in errors if not e.message.startswith("Unknown directive")]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise LoadError(
            f"is not a buildable GraphQL schema: {first.message}{more}",
            where=_where(first, sources[0].name),
            hint="every type and directive a schema uses must be defined in the files loaded together",
        )
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (TypeError, GraphQLError) as exc:
        raise LoadError(f"is not a buildable GraphQL schema: {exc}", where=sources[0].name) from None
    found = repairs.quoted_enum_defaults(schema) + repairs.deprecated_implementations(schema)
    repaired += _sdl_problems(found, sources[0].name)
    contract = _contract(repairs.tolerating(schema) if found else schema, document, title, sources)
    contract.warnings = tuple(
        Problem(Severity.WARNING, _location(error, sources[0].name), f"{error.message} (used but not defined)")
        for error in tolerated
    ) + tuple(repaired)
    return contract


def _parse_sdl(source: Source, repaired: list[Problem]) -> DocumentNode:
    """One SDL file parsed; when it does not parse, parsed again with pre-2018 ``implements`` lists repaired
    (each repair added to ``repaired``), and the error of the repaired text raised when that fails too."""
    text = source.text()
    try:
        return parse(GraphQLSource(text, source.name))
    except GraphQLSyntaxError as exc:
        error = exc
    fixed, found = repairs.legacy_implements(text, source.name)
    if found:
        try:
            document = parse(GraphQLSource(fixed, source.name))
        except GraphQLSyntaxError as exc:
            error = exc
        else:
            repaired += _sdl_problems(found, source.name)
            return document
    raise ParseError(f"invalid GraphQL SDL: {error.message}", where=_where(error, source.name)) from None


def _sdl_problems(found: list[repairs.Repair], fallback: str) -> list[Problem]:
    """A warning per repair, placed at its SDL node (file:line:column) or its line and column."""
    problems = []
    for repair in found:
        node = repair.node
        if node is not None and node.loc is not None:
            place = node.loc.source.get_location(node.loc.start)
            location = Location(node.loc.source.name, place.line, place.column)
        else:
            location = Location(fallback, repair.line, repair.column)
        problems.append(Problem(Severity.WARNING, location, repairs.REPAIRED + repair.message))
    return problems


def _location(error: GraphQLError, fallback: str) -> Location:
    if error.locations:
        name = error.source.name if error.source else fallback
        return Location(name, error.locations[0].line, error.locations[0].column)
    return Location(fallback)


def load_parsed(source: Source, text: str, data: Any, reader: object) -> GraphQLContract | None:
    """The schema a parsed JSON or YAML introspection result holds, or None when it is not one (the protocol
    table's ``load_data`` job: ``toolkit.load`` asks each protocol in turn)."""
    introspection = introspection_schema(data)
    if introspection is None:
        return None
    prefix = "/data" if introspection is not data else ""
    return load_introspection(source, introspection, text=text, pointer_prefix=prefix)


def load_introspection(
    source: Source, introspection: dict[str, Any], *, text: str | None = None, pointer_prefix: str = ""
) -> GraphQLContract:
    """The schema of an introspection result (``{"__schema": ...}``); ``text`` (the document it was read from)
    and ``pointer_prefix`` (where ``__schema``'s parent sits in it) place the repairs' warnings."""
    try:
        schema = build_client_schema(introspection)  # type: ignore[arg-type]
    except (TypeError, GraphQLError, KeyError) as exc:
        raise LoadError(
            f"is not a usable GraphQL introspection result: {exc}",
            where=source.name,
            hint="save the full result of the standard introspection query",
        ) from None
    found = repairs.quoted_enum_defaults(schema) + repairs.deprecated_implementations(schema)
    title = introspection["__schema"].get("description") or Path(source.uri).stem
    contract = _contract(repairs.tolerating(schema) if found else schema, None, str(title), [source])
    if found:
        lines = PointerLines(text) if text is not None else None
        pointers = _IntrospectionPointers(introspection, pointer_prefix)
        problems = []
        for repair in found:
            pointer = pointers.of(repair.coordinate)
            line = lines.line(pointer) if lines is not None else None
            problems.append(
                Problem(Severity.WARNING, Location(source.name, line, path=pointer), repairs.REPAIRED + repair.message)
            )
        contract.warnings = tuple(problems)
    return contract


class _IntrospectionPointers:
    """JSON pointers to schema coordinates in an introspection result: ``/__schema/types/12/fields/3``."""

    def __init__(self, introspection: dict[str, Any], prefix: str) -> None:
        self.schema = introspection["__schema"]
        self.prefix = prefix + "/__schema"

    def of(self, coordinate: tuple[str, ...]) -> str:
        """The pointer to ``coordinate`` (a type or ``@directive``, then a field or argument, then an argument),
        or to the deepest part of it found."""
        owner, *rest = coordinate
        directive = owner.startswith("@")
        key = "directives" if directive else "types"
        index, entry = _named_entry(self.schema.get(key), owner.removeprefix("@"))
        if entry is None:
            return self.prefix
        pointer = f"{self.prefix}/{key}/{index}"
        keys = ["args"] if directive else ["inputFields" if entry.get("inputFields") else "fields", "args"]
        for key, name in zip(keys, rest, strict=False):
            index, child = _named_entry(entry.get(key), name)
            if child is None:
                return pointer
            pointer, entry = f"{pointer}/{key}/{index}", child
        return pointer


def _named_entry(entries: Any, name: str) -> tuple[int, dict[str, Any] | None]:
    if isinstance(entries, list):
        for index, entry in enumerate(entries):
            if isinstance(entry, dict) and entry.get("name") == name:
                return index, entry
    return -1, None


def _where(error: GraphQLError, fallback: str) -> str:
    if error.locations:
        location = error.locations[0]
        name = error.source.name if error.source else fallback
        return f"{name}:{location.line}:{location.column}"
    return fallback


def _contract(
    schema: GraphQLSchema, document: DocumentNode | None, title: str, sources: Sequence[Source]
) -> GraphQLContract:
    return GraphQLContract(
        protocol=Protocol.GRAPHQL,
        title=title,
        version="",
        source=sources[0].uri if len(sources) == 1 else ",".join(source.uri for source in sources),
        operations=tuple(_operations(schema)),
        files=tuple(source.uri for source in sources),
        schema=schema,
        document=document,
    )


def _operations(schema: GraphQLSchema) -> list[GraphQLOperation]:
    operations: list[GraphQLOperation] = []
    roots: list[tuple[str, GraphQLObjectType | None]] = [
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
        ("subscription", schema.subscription_type),
    ]
    for root, root_type in roots:
        if root_type is None:
            continue
        for name, field in root_type.fields.items():
            reason = field.deprecation_reason
            operations.append(
                GraphQLOperation(
                    id=f"{root_type.name}.{name}",
                    name=name,
                    deprecated=reason is not None,
                    sunset=sunset_in_text(reason),
                    summary=(field.description or "").strip().split("\n")[0][:200],
                    root=root,
                    type_name=root_type.name,
                    field=name,
                )
            )
    return operations

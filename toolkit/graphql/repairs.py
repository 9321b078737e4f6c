"""What vendors publish that graphql-core refuses, repaired at load: one warning per repair, with its place.

Load is tolerant, lint is strict: each repair below leaves every query executing as the vendor's server runs
it, and is reported (``Problem`` warnings on the contract, which ``ctk lint`` lists and ``ctk serve`` logs).
What cannot be repaired without guessing stays refused, by lint and by the mock, with graphql-core's message.

- ``implements A, B`` / ``implements A B`` (SDL before the June 2018 spec): read as ``implements A & B``.
  Only tried when the SDL does not parse; the text is edited in place, so lines and columns stay the file's.
- A field repeated identically in one type definition: one copy kept. A repeated field that differs in any
  way (type, arguments, directives, description) stays refused: which one the vendor serves is a guess.
- An enum-typed default written as a quoted string (``"RED"``, as some introspection dumps print it): the enum
  value of that name. A string naming no value of the enum stays refused.
- An implementing field deprecated while its interface field is not (a rule graphql-core took from
  graphql-js 17; the published spec does not have it): the deprecation is kept, as the vendor's server
  reports it in introspection, and the schema is served. Deprecation changes no execution.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    EnumValueNode,
    GraphQLArgument,
    GraphQLDefaultInput,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    Lexer,
    ListValueNode,
    Node,
    ObjectFieldNode,
    ObjectValueNode,
    StringValueNode,
    TokenKind,
    ValueNode,
    print_ast,
    validate_schema,
)
from graphql import Source as GraphQLSource

# graphql-core's message for the one schema rule a repair tolerates (``validate_type_implements_interface``)
_DEPRECATED_IMPLEMENTATION = re.compile(
    r"Interface field \S+ is not deprecated, so implementation field \S+ must not be deprecated\.\Z"
)
# names that begin the next definition after a type without fields, never an interface in a legacy list
_DEFINITION_KEYWORDS = frozenset(
    {"type", "interface", "enum", "union", "input", "scalar", "schema", "directive", "extend"}
)


REPAIRED = "repaired: "  # how each repair's warning begins


@dataclass(frozen=True, slots=True)
class Repair:
    """One repair: where (an SDL node, or a schema coordinate a placer turns into a place) and what was done."""

    message: str
    node: Node | None = None
    coordinate: tuple[str, ...] = ()
    line: int | None = None
    column: int | None = None


def serving_errors(schema: GraphQLSchema) -> list[GraphQLError]:
    """graphql-core's schema errors, less those a repair tolerates (reported as warnings at load)."""
    return [error for error in validate_schema(schema) if not _DEPRECATED_IMPLEMENTATION.match(error.message)]


def legacy_implements(text: str, name: str) -> tuple[str, list[Repair]]:
    """``text`` with each pre-2018 ``implements`` separator (a comma or a space) made ``&``, keeping every line
    and, where the separator is a space or a comma, every column; the text unchanged when it has none."""
    try:
        inserts, repairs = _legacy_separators(text, name)
    except GraphQLSyntaxError:  # a character no GraphQL token starts with: nothing to repair, the parse error stands
        return text, []
    if not inserts:
        return text, []
    parts: list[str] = []
    start = 0
    for offset in inserts:
        parts.append(text[start:offset])
        parts.append("&")
        start = offset + 1 if text[offset : offset + 1] in (" ", "\t", ",") else offset
    parts.append(text[start:])
    return "".join(parts), repairs


def _legacy_separators(text: str, name: str) -> tuple[list[int], list[Repair]]:
    lexer = Lexer(GraphQLSource(text, name))
    inserts: list[int] = []  # offsets where an ``&`` goes: over a space/tab/comma, else before the character
    repairs: list[Repair] = []
    before: list[Any] = []  # the last two significant tokens
    listing = 0  # 0: not in an implements list; 1: after `implements` or `&`; 2: after an interface name
    token = lexer.advance()
    while token.kind != TokenKind.EOF:
        if token.kind == TokenKind.NAME and listing == 2 and token.value not in _DEFINITION_KEYWORDS:
            previous = before[-1]
            inserts.append(previous.end)
            repairs.append(
                Repair(
                    f"`{_written(text, previous, token)}` in an implements list has no `&` (SDL before 2018); "
                    f"read as `{previous.value} & {token.value}`",
                    line=token.line,
                    column=token.column,
                )
            )
        elif token.kind == TokenKind.AMP and listing:
            listing = 1
        elif token.kind == TokenKind.NAME and listing == 1:
            listing = 2
        elif (
            token.kind == TokenKind.NAME
            and token.value == "implements"
            and len(before) == 2
            and before[-1].kind == TokenKind.NAME
            and before[-2].kind == TokenKind.NAME
            and before[-2].value in ("type", "interface")
        ):
            listing = 1
        else:
            listing = 0
        before = [*before[-1:], token]
        token = lexer.advance()
    return inserts, repairs


def _written(text: str, first: Any, last: Any) -> str:
    written = text[first.start : last.end]
    return written if len(written) <= 80 and "#" not in written else f"{first.value} {last.value}"


def repeated_fields(document: DocumentNode) -> tuple[DocumentNode, list[Repair]]:
    """``document`` without each field a type repeats identically, in its definition or an extension (the first
    kept); a repeated field that differs is kept, for graphql-core to refuse."""
    repairs: list[Repair] = []
    definitions = []
    first: dict[tuple[str, str], str] = {}  # each field as first printed, by type (definitions and extensions)
    for definition in document.definitions:
        fields = getattr(definition, "fields", None)
        kept: list[Any] = []
        for field in fields or ():
            key = (definition.name.value, field.name.value)  # type: ignore[attr-defined]
            printed = print_ast(field)
            if first.get(key) == printed:
                repairs.append(Repair(f"{'.'.join(key)} is defined twice, identically; one copy kept", node=field))
                continue
            first.setdefault(key, printed)
            kept.append(field)
        if fields and len(kept) != len(fields):
            definition = dataclasses.replace(definition, fields=tuple(kept))  # type: ignore[call-arg]
        definitions.append(definition)
    if not repairs:
        return document, []
    return dataclasses.replace(document, definitions=tuple(definitions)), repairs


def quoted_enum_defaults(schema: GraphQLSchema) -> list[Repair]:
    """Makes each default written as a quoted string where an enum value is expected that enum value, when the
    string names one (in lists and input objects too); others stay as they are, for graphql-core to refuse."""
    repairs: list[Repair] = []
    for coordinate, value in _input_values(schema):
        default = value.default
        literal = getattr(default, "literal", None) if default is not None else None
        if not isinstance(literal, ValueNode):
            continue
        fixed = _enum_literal(literal, value.type, 0)
        if fixed is literal:
            continue
        value.default = GraphQLDefaultInput(literal=fixed)  # type: ignore[arg-type]
        repairs.append(
            Repair(
                f"{_coordinate_text(coordinate)} has the default {print_ast(literal)}, quoting what must be an "
                f"enum value; read as {print_ast(fixed)}",
                node=value.ast_node,
                coordinate=coordinate,
            )
        )
    return repairs


def deprecated_implementations(schema: GraphQLSchema) -> list[Repair]:
    """Each implementing field deprecated while its interface field is not (kept deprecated, and served)."""
    repairs: list[Repair] = []
    for type_ in schema.type_map.values():
        if type_.name.startswith("__") or not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for interface in type_.interfaces:
            for name, interface_field in interface.fields.items():
                field = type_.fields.get(name)
                if field is None or field.deprecation_reason is None or interface_field.deprecation_reason is not None:
                    continue
                repairs.append(
                    Repair(
                        f"{type_.name}.{name} is deprecated while {interface.name}.{name}, which it implements, is "
                        "not; served as published (deprecated)",
                        node=field.ast_node,
                        coordinate=(type_.name, name),
                    )
                )
    return repairs


def tolerating(schema: GraphQLSchema) -> GraphQLSchema:
    """``schema``, marked valid when its only errors are those repairs tolerate (graphql-core's execution
    asserts a valid schema); unchanged otherwise, so lint and the mock still refuse the real errors."""
    if serving_errors(schema) or not validate_schema(schema):
        return schema
    kwargs = schema.to_kwargs()
    kwargs["assume_valid"] = True
    return GraphQLSchema(**kwargs)


def _input_values(schema: GraphQLSchema) -> Iterator[tuple[tuple[str, ...], GraphQLArgument | GraphQLInputField]]:
    for type_ in schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in type_.fields.items():
                for arg_name, arg in field.args.items():
                    yield (type_.name, name, arg_name), arg
        elif isinstance(type_, GraphQLInputObjectType):
            for name, input_field in type_.fields.items():
                yield (type_.name, name), input_field
    for directive in schema.directives:
        for arg_name, arg in directive.args.items():
            yield ("@" + directive.name, arg_name), arg


def _enum_literal(node: ValueNode, type_: Any, depth: int) -> ValueNode:
    """``node`` with quoted strings naming a value of the enum expected there made enum values; ``node`` itself
    when nothing changes."""
    if depth > 64:  # a literal nested this deep is no vendor's default
        return node
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLEnumType):
        if isinstance(node, StringValueNode) and node.value in type_.values:
            return EnumValueNode(value=node.value, loc=node.loc)
        return node
    if isinstance(type_, GraphQLList):
        if not isinstance(node, ListValueNode):
            return _enum_literal(node, type_.of_type, depth + 1)  # one item stands for a list of one
        items = [_enum_literal(item, type_.of_type, depth + 1) for item in node.values]
        if all(item is old for item, old in zip(items, node.values, strict=True)):
            return node
        return ListValueNode(values=tuple(items), loc=node.loc)
    if isinstance(type_, GraphQLInputObjectType) and isinstance(node, ObjectValueNode):
        fields = []
        for field in node.fields:
            expected = type_.fields.get(field.name.value)
            value = _enum_literal(field.value, expected.type, depth + 1) if expected else field.value
            fields.append(field if value is field.value else ObjectFieldNode(name=field.name, value=value))
        if all(new is old for new, old in zip(fields, node.fields, strict=True)):
            return node
        return ObjectValueNode(fields=tuple(fields), loc=node.loc)
    return node


def _coordinate_text(coordinate: tuple[str, ...]) -> str:
    if len(coordinate) == 3:
        return f"{coordinate[0]}.{coordinate[1]}({coordinate[2]}:)"
    if coordinate[0].startswith("@"):
        return f"{coordinate[0]}({coordinate[1]}:)"
    return f"{coordinate[0]}.{coordinate[1]}"

"""A known operation's inputs read per request without graphql-core's general coercion: its variables
(``get_variable_values``) and a field's arguments (``get_argument_values``), for the common shapes only.

graphql-core coerces every variable and argument through its type on each request, walking the definitions
and building error handlers that a valid request never calls (about 3 µs for one ``$id: ID!``). For one
operation most of that is fixed: which variables there are, their types, which argument reads which
variable, the literal arguments' values. ``Variables`` passes a variable of a built-in scalar type through
when the value sent already is what its coercion returns (a str for String and ID, a bool for Boolean, an
int within 32 bits for Int, a null where the type allows one), and ``Arguments`` fills the variables' values
into the field's arguments coerced once with stand-ins for them. Anything else — a default, an input object,
a list, a value that would be converted or refused, a missing variable — goes to graphql-core's functions,
which give their own values and errors (tests/graphql/test_g1_inputs.py compares the two).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    VariableDefinitionNode,
    VariableNode,
    get_argument_values,
    get_variable_values,
    specified_scalar_types,
    type_from_ast,
)
from graphql.execution.values import VariableValues

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# the Python type a value must have to pass a built-in scalar's input coercion unchanged
_PASSING: dict[str, type] = {"String": str, "ID": str, "Boolean": bool, "Int": int}


class Variables:
    """``get_variable_values`` for one operation's variable definitions."""

    def __init__(self, schema: GraphQLSchema, definitions: Collection[VariableDefinitionNode]) -> None:
        self.schema = schema
        self.definitions = definitions
        # (name, the type a value passes as, whether null is refused), or None: every request the general way
        self.simple: tuple[tuple[str, type, bool], ...] | None = self._simple(schema, definitions)

    @staticmethod
    def _simple(
        schema: GraphQLSchema, definitions: Collection[VariableDefinitionNode]
    ) -> tuple[tuple[str, type, bool], ...] | None:
        out: list[tuple[str, type, bool]] = []
        for definition in definitions:
            type_ = type_from_ast(schema, definition.type)
            non_null = isinstance(type_, GraphQLNonNull)
            named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
            if not isinstance(named, GraphQLScalarType) or named is not specified_scalar_types.get(named.name):
                return None  # an input object, a list, an enum, a custom scalar, a schema's own String...
            passing = _PASSING.get(named.name)
            if passing is None:
                return None  # Float: an int is converted
            if definition.default_value is not None or definition.directives:
                return None
            out.append((definition.variable.name.value, passing, non_null))
        return tuple(out)

    def coerce(self, inputs: dict[str, Any]) -> VariableValues | list[Any]:
        """What ``get_variable_values(schema, definitions, inputs)`` returns: the coerced values, or its errors.
        On the fast path ``sources`` is empty: only fragment variables read it, and a plan has none."""
        simple = self.simple
        if simple is not None:
            coerced: dict[str, Any] = {}
            for name, passing, non_null in simple:
                value: Any = inputs.get(name, Undefined)
                if value is Undefined:
                    if non_null:
                        break  # graphql-core's error
                    continue  # a nullable variable not sent is left out
                if value is None:
                    if non_null:
                        break
                elif (kind := type(value)) is not passing or (kind is int and not _INT_MIN <= value <= _INT_MAX):
                    break  # converted (an int for an ID) or refused: graphql-core decides
                coerced[name] = value
            else:
                return VariableValues({}, coerced)
        return get_variable_values(self.schema, self.definitions, inputs)


class Arguments:
    """``get_argument_values(definition, node, variables)`` for one field node whose arguments read variables."""

    def __init__(self, definition: GraphQLField, node: FieldNode) -> None:
        self.definition = definition
        self.node = node
        # the arguments coerced once with a stand-in for each variable, and where each variable's value goes
        self.template: dict[str, Any] | None = None
        self.slots: tuple[tuple[str, str, bool], ...] = ()
        # each variable read by one argument, bare (``id: $id``); one inside a list or an input object, or read twice,
        # and every request goes the general way
        argument_of: dict[str, str] = {}
        for argument in node.arguments or ():
            if isinstance(argument.value, VariableNode):
                name = argument.value.name.value
                if name in argument_of:
                    return
                argument_of[name] = argument.name.value
            elif has_variable(argument.value):
                return
        stand_ins = {name: _StandIn(name) for name in argument_of}
        try:
            template = get_argument_values(definition, node, VariableValues({}, dict(stand_ins)))
        except Exception:  # noqa: BLE001 - coerced the general way on every request, with its errors
            return
        slots: list[tuple[str, str, bool]] = []
        for out_name, value in template.items():
            if isinstance(value, _StandIn):
                non_null = isinstance(definition.args[argument_of[value.name]].type, GraphQLNonNull)
                slots.append((out_name, value.name, non_null))
            elif _holds_stand_in(value):
                return
        self.template = template
        self.slots = tuple(slots)

    def values(self, variables: VariableValues) -> dict[str, Any]:
        template = self.template
        if template is not None:
            coerced = variables.coerced
            args = dict(template)
            for out_name, name, non_null in self.slots:
                value = coerced.get(name, Undefined)
                if value is Undefined or (value is None and non_null):
                    break  # a default, or graphql-core's error
                args[out_name] = value
            else:
                return args
        return get_argument_values(self.definition, self.node, variables)


class _StandIn:
    """A variable's value while the arguments are coerced once: graphql-core passes a variable's value through."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def has_variable(value: Any) -> bool:
    """Whether a value node reads a variable, at any depth of its lists and input objects."""
    if isinstance(value, VariableNode):
        return True
    for child in getattr(value, "values", None) or ():  # a list literal
        if has_variable(child):
            return True
    return any(has_variable(field.value) for field in getattr(value, "fields", None) or ())


def _holds_stand_in(value: Any) -> bool:
    if isinstance(value, _StandIn):
        return True
    if isinstance(value, dict):
        return any(_holds_stand_in(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_stand_in(item) for item in value)
    return False

"""The GraphQL comparison rules: one small function per construct, as graphql-core's own.

graphql-core's ``find_breaking_changes``/``find_dangerous_changes`` decide what is breaking or
dangerous, and ctk keeps their verdicts and enum names as rule ids. They return only a sentence,
though; the drift report needs the schema coordinate of each change, both sides, the deprecation
state and the sunset date, so the same comparisons are written here and record all of that.
Changes graphql-core calls safe are kept as ``info`` under graphql-core's ``SafeChangeType`` names
(``FIELD_ADDED``, ``TYPE_ADDED``, ...). What graphql-core does not compare has GraphQL Inspector's
change names and default criticality: deprecations (``FIELD_DEPRECATION_ADDED``,
``ENUM_VALUE_DEPRECATION_REASON_CHANGED``, ...), directive usages (``DIRECTIVE_USAGE_*``), and the
members of a new type, each listed as Inspector lists them (``FIELD_ADDED``, ``ENUM_VALUE_ADDED``,
``UNION_MEMBER_ADDED``, ``INPUT_FIELD_ADDED``, ``OBJECT_TYPE_INTERFACE_ADDED``, all info).
Descriptions are ignored: they never change what a client can send or get.

This module compares types and enum values and runs every rule; the other constructs are in
``fields``, ``directives``, ``deprecation`` and ``usage``, on the plumbing of ``found``.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    is_specified_scalar_type,
)

from toolkit.graphql.diff.directives import DirectiveRules
from toolkit.graphql.diff.found import BREAKING, DANGEROUS, INFO, Found, added_and_removed
from toolkit.graphql.diff.type_changes import kind_name


class Rules(DirectiveRules):
    """Compares two schemas; ``run`` returns every change found, in no particular order."""

    def run(self) -> list[Found]:
        self.roots()
        self.types()
        self.directives()
        self.schema_usages()
        return self.found

    def roots(self) -> None:
        """The schema's root types (Inspector's SCHEMA_*_TYPE_CHANGED): one set where there was none is info."""
        pairs = (
            ("QUERY", self.old.query_type, self.new.query_type),
            ("MUTATION", self.old.mutation_type, self.new.mutation_type),
            ("SUBSCRIPTION", self.old.subscription_type, self.new.subscription_type),
        )
        for role, old_root, new_root in pairs:
            old_name = old_root.name if old_root is not None else None
            new_name = new_root.name if new_root is not None else None
            if old_name == new_name:
                continue
            what = f"The {role.lower()} root type"
            if old_name is None:
                self.add(f"SCHEMA_{role}_TYPE_CHANGED", INFO, f"{what} is now {new_name}.", None, new_name)
                continue
            text = (
                f"{what} {old_name} was removed"
                if new_name is None
                else f"{what} changed from {old_name} to {new_name}"
            )
            self.add(f"SCHEMA_{role}_TYPE_CHANGED", BREAKING, f"{text}; its operations fail.", old_name, new_name)

    def schema_usages(self) -> None:
        """Directives on ``schema { ... }`` and each ``extend schema``, paired by position as Inspector does."""
        self.usages("SCHEMA", "", self.old, self.new)
        old_extensions, new_extensions = self.old.extension_ast_nodes or (), self.new.extension_ast_nodes or ()
        for position in range(max(len(old_extensions), len(new_extensions))):
            old_node = old_extensions[position] if position < len(old_extensions) else None
            new_node = new_extensions[position] if position < len(new_extensions) else None
            old_list = tuple(old_node.directives or ()) if old_node is not None else ()
            new_list = tuple(new_node.directives or ()) if new_node is not None else ()
            self.usage_lists("SCHEMA", "", old_list, new_list)

    # -- types ---------------------------------------------------------------------------------

    def types(self) -> None:
        old_map, new_map = self.old.type_map, self.new.type_map
        for name, old_type in old_map.items():
            if name.startswith("__"):
                continue
            new_type = new_map.get(name)
            if new_type is None:
                if is_specified_scalar_type(old_type):
                    text = f"Standard scalar {name} was removed because no field or argument uses it any more."
                else:
                    text = f"Type {name} was removed; operations that name it in a fragment or variable fail."
                self.add("TYPE_REMOVED", BREAKING, text, name, None)
            elif type(old_type) is not type(new_type):
                self.add(
                    "TYPE_CHANGED_KIND",
                    BREAKING,
                    f"{name} changed from {kind_name(old_type)} to {kind_name(new_type)}.",
                    name,
                    name,
                )
            elif isinstance(old_type, GraphQLEnumType):
                assert isinstance(new_type, GraphQLEnumType)
                self.enum(old_type, new_type)
            elif isinstance(old_type, GraphQLUnionType):
                assert isinstance(new_type, GraphQLUnionType)
                self.union(old_type, new_type)
            elif isinstance(old_type, GraphQLInputObjectType):
                assert isinstance(new_type, GraphQLInputObjectType)
                self.input_object(old_type, new_type)
            elif isinstance(old_type, (GraphQLObjectType, GraphQLInterfaceType)):
                assert isinstance(new_type, (GraphQLObjectType, GraphQLInterfaceType))
                self.fields(old_type, new_type)
                self.interfaces(old_type, new_type)
            if new_type is not None and type(old_type) is type(new_type):
                self.usages(_usage_kind(new_type), name, old_type, new_type)
        for name, new_type in new_map.items():
            # a standard scalar only enters the type map when something uses it: that use is the change
            if name not in old_map and not name.startswith("__") and not is_specified_scalar_type(new_type):
                self.add("TYPE_ADDED", INFO, f"{kind_name(new_type).capitalize()} {name} was added.", None, name)
                self.new_members(new_type)

    def new_members(self, new: GraphQLNamedType) -> None:
        """What a new type brings, each member its own (info) change, as Inspector lists them."""
        name = new.name
        if isinstance(new, GraphQLEnumType):
            for value_name, value in new.values.items():
                coordinate = f"{name}.{value_name}"
                self.add("ENUM_VALUE_ADDED", INFO, f"Enum value {coordinate} came with the new enum.", None, coordinate)
                self.deprecation("ENUM_VALUE", f"Enum value {coordinate}", coordinate, None, value)
                self.usages("ENUM_VALUE", coordinate, None, value, new_element=True)
        elif isinstance(new, GraphQLUnionType):
            for member in new.types:
                text = f"{member.name} is a member of the new union {name}."
                self.add("UNION_MEMBER_ADDED", INFO, text, None, name)
        elif isinstance(new, GraphQLInputObjectType):
            for field_name, input_field in new.fields.items():
                self.input_field_added(name, field_name, input_field)
        elif isinstance(new, (GraphQLObjectType, GraphQLInterfaceType)):
            for interface in new.interfaces:
                text = f"The new type {name} implements {interface.name}."
                self.add("OBJECT_TYPE_INTERFACE_ADDED", INFO, text, None, name)
            for field_name, field in new.fields.items():
                self.field_added(name, field_name, field)
        self.usages(_usage_kind(new), name, None, new, new_element=True)

    def enum(self, old: GraphQLEnumType, new: GraphQLEnumType) -> None:
        for name in new.values:
            if name not in old.values:
                self.add(
                    "VALUE_ADDED_TO_ENUM",
                    DANGEROUS,
                    f"Enum value {new.name}.{name} was added; a client that receives it may not handle it.",
                    None,
                    f"{new.name}.{name}",
                )
                coordinate = f"{new.name}.{name}"
                self.deprecation("ENUM_VALUE", f"Enum value {coordinate}", coordinate, None, new.values[name])
                self.usages("ENUM_VALUE", coordinate, None, new.values[name], new_element=True)
        for name, old_value in old.values.items():
            coordinate = f"{old.name}.{name}"
            new_value = new.values.get(name)
            if new_value is None:
                self.removed(
                    "VALUE_REMOVED_FROM_ENUM",
                    f"Enum value {coordinate} was removed",
                    "clients that send it fail",
                    coordinate,
                    old_value,
                )
            else:
                self.deprecation("ENUM_VALUE", f"Enum value {coordinate}", coordinate, old_value, new_value)
                self.usages("ENUM_VALUE", coordinate, old_value, new_value)

    def union(self, old: GraphQLUnionType, new: GraphQLUnionType) -> None:
        added, removed = added_and_removed([member.name for member in old.types], [member.name for member in new.types])
        for member in added:
            text = f"{member} was added to union {new.name}; a client may receive a member it does not expect."
            self.add("TYPE_ADDED_TO_UNION", DANGEROUS, text, old.name, new.name)
        for member in removed:
            text = f"{member} was removed from union {old.name}."
            self.add("TYPE_REMOVED_FROM_UNION", BREAKING, text, old.name, new.name)

    def interfaces(
        self, old: GraphQLObjectType | GraphQLInterfaceType, new: GraphQLObjectType | GraphQLInterfaceType
    ) -> None:
        added, removed = added_and_removed([i.name for i in old.interfaces], [i.name for i in new.interfaces])
        for interface in added:
            text = (
                f"{new.name} now implements {interface}; clients that switch on the type of an "
                f"{interface} may meet {new.name}."
            )
            self.add("IMPLEMENTED_INTERFACE_ADDED", DANGEROUS, text, old.name, new.name)
        for interface in removed:
            text = f"{old.name} no longer implements interface {interface}."
            self.add("IMPLEMENTED_INTERFACE_REMOVED", BREAKING, text, old.name, new.name)


def _usage_kind(type_: GraphQLNamedType) -> str:
    """Inspector's element kind, in its change names, for the directives used on a type."""
    kinds: list[tuple[type, str]] = [
        (GraphQLObjectType, "OBJECT"),
        (GraphQLInterfaceType, "INTERFACE"),
        (GraphQLUnionType, "UNION_MEMBER"),
        (GraphQLEnumType, "ENUM"),
        (GraphQLInputObjectType, "INPUT_OBJECT"),
        (GraphQLScalarType, "SCALAR"),
    ]
    return next(kind for cls, kind in kinds if isinstance(type_, cls))

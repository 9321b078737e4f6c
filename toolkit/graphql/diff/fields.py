"""Fields, arguments and input fields compared: removed, added, retyped, defaults, deprecations, directive usages.

Output fields may only narrow and inputs (arguments, input fields) may only widen; the type tests
are in ``type_changes``. Arguments are compared the same way for a field (``Type.field.arg``) and a
directive (``@name(arg:)``), only the rule ids and one verdict differ, as in graphql-core.

A new field is listed with what it brings, as GraphQL Inspector lists it: its arguments
(``FIELD_ARGUMENT_ADDED``, info: no client passes them yet), its deprecation and its directive usages.
``new_members`` does the same for every field of a type that is new.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
)

from toolkit.graphql.diff.deprecation import DeprecationRules
from toolkit.graphql.diff.found import BREAKING, DANGEROUS, INFO
from toolkit.graphql.diff.type_changes import (
    default_text,
    gained_non_null,
    has_default,
    lost_non_null,
    safe_input_change,
    safe_output_change,
    same_type,
)


class FieldRules(DeprecationRules):
    """Field, argument and input-field rules."""

    def fields(
        self, old: GraphQLObjectType | GraphQLInterfaceType, new: GraphQLObjectType | GraphQLInterfaceType
    ) -> None:
        old_fields, new_fields = old.fields, new.fields
        for name, old_field in old_fields.items():
            coordinate = f"{old.name}.{name}"
            new_field = new_fields.get(name)
            if new_field is None:
                self.removed(
                    "FIELD_REMOVED",
                    f"Field {coordinate} was removed",
                    "operations that select it fail",
                    coordinate,
                    old_field,
                )
                continue
            self.arguments(coordinate, old_field.args, new_field.args)
            if not safe_output_change(old_field.type, new_field.type):
                self.add(
                    "FIELD_CHANGED_KIND",
                    BREAKING,
                    f"Field {coordinate} changed type from {old_field.type} to {new_field.type}"
                    + ("; clients may now receive null." if lost_non_null(old_field.type, new_field.type) else "."),
                    coordinate,
                    coordinate,
                )
            elif not same_type(old_field.type, new_field.type):
                self.add(
                    "FIELD_CHANGED_KIND_SAFE",
                    INFO,
                    f"Field {coordinate} changed type from {old_field.type} to {new_field.type}, "
                    "which existing clients can still read.",
                    coordinate,
                    coordinate,
                )
            self.deprecation("FIELD", f"Field {coordinate}", coordinate, old_field, new_field)
            self.usages("FIELD_DEFINITION", coordinate, old_field, new_field)
        for name, new_field in new_fields.items():
            if name not in old_fields:
                self.field_added(new.name, name, new_field)

    def field_added(self, owner: str, name: str, field: GraphQLField) -> None:
        """A field that is new, with its arguments, deprecation and directive usages."""
        coordinate = f"{owner}.{name}"
        self.add("FIELD_ADDED", INFO, f"Field {coordinate} was added.", None, coordinate)
        for arg_name, arg in field.args.items():
            text = f"Argument {coordinate}.{arg_name}: {arg.type} came with the new field {coordinate}."
            self.add("FIELD_ARGUMENT_ADDED", INFO, text, None, f"{coordinate}.{arg_name}")
        self.deprecation("FIELD", f"Field {coordinate}", coordinate, None, field)
        self.usages("FIELD_DEFINITION", coordinate, None, field, new_element=True)

    def input_field_added(self, owner: str, name: str, field: GraphQLInputField) -> None:
        """An input field of an input type that is new (its usages are info: nobody sends it yet)."""
        coordinate = f"{owner}.{name}"
        self.add("INPUT_FIELD_ADDED", INFO, f"Input field {coordinate}: {field.type} was added.", None, coordinate)
        self.deprecation("INPUT_FIELD", f"Input field {coordinate}", coordinate, None, field)
        self.usages("INPUT_FIELD_DEFINITION", coordinate, None, field, new_element=True)

    def arguments(
        self, owner: str, old_args: Mapping[str, GraphQLArgument], new_args: Mapping[str, GraphQLArgument]
    ) -> None:
        """Arguments of a field (``owner`` = ``Type.field``) or a directive (``owner`` = ``@name``)."""
        directive = owner.startswith("@")
        for name, old_arg in old_args.items():
            coordinate = f"{owner}({name}:)" if directive else f"{owner}.{name}"
            new_arg = new_args.get(name)
            if new_arg is None:
                rule = "DIRECTIVE_ARG_REMOVED" if directive else "ARG_REMOVED"
                self.removed(rule, f"Argument {coordinate} was removed", "calls that pass it fail", coordinate, old_arg)
                continue
            what = f"Argument {coordinate}"
            consequence = "clients that omit it or send null now fail"
            self.input_value("ARG_CHANGED_KIND", "ARG", what, consequence, coordinate, old_arg, new_arg)
            if not directive:  # Inspector compares the usages on a field's arguments only
                self.usages("ARGUMENT_DEFINITION", coordinate, old_arg, new_arg)
        for name, new_arg in new_args.items():
            if name in old_args:
                continue
            coordinate = f"{owner}({name}:)" if directive else f"{owner}.{name}"
            required = isinstance(new_arg.type, GraphQLNonNull) and not has_default(new_arg)
            if required:
                rule = "REQUIRED_DIRECTIVE_ARG_ADDED" if directive else "REQUIRED_ARG_ADDED"
                self.add(
                    rule,
                    BREAKING,
                    f"A required argument {coordinate} was added; calls that do not pass it fail.",
                    None,
                    coordinate,
                )
            else:
                # graphql-core calls an optional directive argument safe, a field's one dangerous
                rule = "OPTIONAL_DIRECTIVE_ARG_ADDED" if directive else "OPTIONAL_ARG_ADDED"
                severity = INFO if directive else DANGEROUS
                self.add(rule, severity, f"An optional argument {coordinate} was added.", None, coordinate)

    def input_object(self, old: GraphQLInputObjectType, new: GraphQLInputObjectType) -> None:
        old_fields, new_fields = old.fields, new.fields
        for name, new_field in new_fields.items():
            if name in old_fields:
                continue
            coordinate = f"{new.name}.{name}"
            if isinstance(new_field.type, GraphQLNonNull) and not has_default(new_field):
                self.add(
                    "REQUIRED_INPUT_FIELD_ADDED",
                    BREAKING,
                    f"A required input field {coordinate} was added; inputs that do not set it fail.",
                    None,
                    coordinate,
                )
            else:
                self.add(
                    "OPTIONAL_INPUT_FIELD_ADDED",
                    DANGEROUS,
                    f"An optional input field {coordinate} was added.",
                    None,
                    coordinate,
                )
            self.deprecation("INPUT_FIELD", f"Input field {coordinate}", coordinate, None, new_field)
            self.usages("INPUT_FIELD_DEFINITION", coordinate, None, new_field, new_element=True)
        for name, old_field in old_fields.items():
            coordinate = f"{old.name}.{name}"
            new_field = new_fields.get(name)
            if new_field is None:
                self.removed(
                    "FIELD_REMOVED",
                    f"Input field {coordinate} was removed",
                    "inputs that set it fail",
                    coordinate,
                    old_field,
                )
                continue
            what = f"Input field {coordinate}"
            consequence = "inputs that leave it out or send null now fail"
            self.input_value("FIELD_CHANGED_KIND", "INPUT_FIELD", what, consequence, coordinate, old_field, new_field)
            self.usages("INPUT_FIELD_DEFINITION", coordinate, old_field, new_field)

    def input_value(
        self,
        retyped_rule: str,
        kind: str,
        what: str,
        consequence: str,
        coordinate: str,
        old: GraphQLArgument | GraphQLInputField,
        new: GraphQLArgument | GraphQLInputField,
    ) -> None:
        """An argument or input field in both versions: its type may only widen; then its default and deprecation."""
        if not safe_input_change(old.type, new.type):
            self.add(
                retyped_rule,
                BREAKING,
                f"{what} changed type from {old.type} to {new.type}"
                + (f"; {consequence}." if gained_non_null(old.type, new.type) else "."),
                coordinate,
                coordinate,
            )
        else:
            self.default_value(kind, what, coordinate, old, new)
        self.deprecation(kind, what, coordinate, old, new)

    def default_value(
        self,
        kind: str,
        what: str,
        coordinate: str,
        old: GraphQLArgument | GraphQLInputField,
        new: GraphQLArgument | GraphQLInputField,
    ) -> None:
        """A default value removed or changed (dangerous), added (info), or the type safely widened."""
        old_default, new_default = default_text(old), default_text(new)
        if old_default is not None and new_default is None:
            self.add(
                f"{kind}_DEFAULT_VALUE_CHANGE",
                DANGEROUS,
                f"{what} lost its default value {old_default}; calls that omit it now send nothing.",
                coordinate,
                coordinate,
            )
        elif old_default is not None and old_default != new_default:
            self.add(
                f"{kind}_DEFAULT_VALUE_CHANGE",
                DANGEROUS,
                f"{what} changed its default value from {old_default} to {new_default}; "
                "calls that omit it behave differently.",
                coordinate,
                coordinate,
            )
        elif old_default is None and new_default is not None:
            self.add(
                f"{kind}_DEFAULT_VALUE_ADDED",
                INFO,
                f"{what} gained the default value {new_default}.",
                coordinate,
                coordinate,
            )
        elif not same_type(old.type, new.type):
            rule = "ARG_CHANGED_KIND_SAFE" if kind == "ARG" else "FIELD_CHANGED_KIND_SAFE"
            self.add(
                rule,
                INFO,
                f"{what} changed type from {old.type} to {new.type}, which accepts everything it accepted.",
                coordinate,
                coordinate,
            )

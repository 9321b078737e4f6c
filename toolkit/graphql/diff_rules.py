"""The GraphQL comparison rules: one small function per construct, as graphql-core's own.

graphql-core's ``find_breaking_changes``/``find_dangerous_changes`` decide what is breaking or
dangerous, and ctk keeps their verdicts and enum names as rule ids. They return only a sentence,
though; the drift report needs the schema coordinate of each change, both sides, the deprecation
state and the sunset date, so the same comparisons are written here and record all of that.
Changes graphql-core calls safe are kept as ``info`` under graphql-core's ``SafeChangeType`` names
(``FIELD_ADDED``, ``TYPE_ADDED``, ...), deprecations under ctk names in the same style
(``FIELD_DEPRECATED``). Descriptions are ignored: they never change what a client can send or get.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLDirective,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    is_specified_scalar_type,
)

from toolkit.graphql.diff_types import (
    default_text,
    gained_non_null,
    has_default,
    kind_name,
    lost_non_null,
    safe_input_change,
    safe_output_change,
    same_type,
)
from toolkit.model import ChangeSeverity
from toolkit.sunset import sunset_in_text

BREAKING = ChangeSeverity.BREAKING
DANGEROUS = ChangeSeverity.DANGEROUS
INFO = ChangeSeverity.INFO


@dataclass(frozen=True, slots=True)
class Found:
    """One change before operations are attached: its rule, verdict, sentence and coordinates."""

    id: str
    severity: ChangeSeverity
    message: str
    old: str | None
    new: str | None
    sunset: dt.date | None = None
    deprecation: bool = False


class Rules:
    """Compares two schemas; ``run`` returns every change found, in no particular order."""

    def __init__(self, old: GraphQLSchema, new: GraphQLSchema, today: dt.date) -> None:
        self.old = old
        self.new = new
        self.today = today
        self.found: list[Found] = []

    def run(self) -> list[Found]:
        self.types()
        self.directives()
        return self.found

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.found.append(Found(*args, **kwargs))

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
        for name, new_type in new_map.items():
            if name not in old_map and not name.startswith("__"):
                self.add("TYPE_ADDED", INFO, f"{kind_name(new_type).capitalize()} {name} was added.", None, name)

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

    def union(self, old: GraphQLUnionType, new: GraphQLUnionType) -> None:
        old_members = {member.name for member in old.types}
        new_members = {member.name for member in new.types}
        for member in new.types:
            if member.name not in old_members:
                self.add(
                    "TYPE_ADDED_TO_UNION",
                    DANGEROUS,
                    f"{member.name} was added to union {new.name}; a client may receive a member it does not expect.",
                    old.name,
                    new.name,
                )
        for member in old.types:
            if member.name not in new_members:
                self.add(
                    "TYPE_REMOVED_FROM_UNION",
                    BREAKING,
                    f"{member.name} was removed from union {old.name}.",
                    old.name,
                    new.name,
                )

    def interfaces(
        self, old: GraphQLObjectType | GraphQLInterfaceType, new: GraphQLObjectType | GraphQLInterfaceType
    ) -> None:
        old_names = {interface.name for interface in old.interfaces}
        new_names = {interface.name for interface in new.interfaces}
        for interface in new.interfaces:
            if interface.name not in old_names:
                self.add(
                    "IMPLEMENTED_INTERFACE_ADDED",
                    DANGEROUS,
                    f"{new.name} now implements {interface.name}; clients that switch on the type of an "
                    f"{interface.name} may meet {new.name}.",
                    old.name,
                    new.name,
                )
        for interface in old.interfaces:
            if interface.name not in new_names:
                self.add(
                    "IMPLEMENTED_INTERFACE_REMOVED",
                    BREAKING,
                    f"{old.name} no longer implements interface {interface.name}.",
                    old.name,
                    new.name,
                )

    # -- fields and arguments ------------------------------------------------------------------

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
        for name in new_fields:
            if name not in old_fields:
                coordinate = f"{new.name}.{name}"
                self.add("FIELD_ADDED", INFO, f"Field {coordinate} was added.", None, coordinate)

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
            if not safe_input_change(old_arg.type, new_arg.type):
                self.add(
                    "ARG_CHANGED_KIND",
                    BREAKING,
                    f"Argument {coordinate} changed type from {old_arg.type} to {new_arg.type}"
                    + (
                        "; clients that omit it or send null now fail."
                        if gained_non_null(old_arg.type, new_arg.type)
                        else "."
                    ),
                    coordinate,
                    coordinate,
                )
            else:
                self.default_value("ARG", f"Argument {coordinate}", coordinate, old_arg, new_arg)
            self.deprecation("ARG", f"Argument {coordinate}", coordinate, old_arg, new_arg)
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
            elif directive:
                # graphql-core calls an optional directive argument safe, a field's one dangerous
                self.add(
                    "OPTIONAL_DIRECTIVE_ARG_ADDED",
                    INFO,
                    f"An optional argument {coordinate} was added.",
                    None,
                    coordinate,
                )
            else:
                self.add(
                    "OPTIONAL_ARG_ADDED",
                    DANGEROUS,
                    f"An optional argument {coordinate} was added.",
                    None,
                    coordinate,
                )

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
            if not safe_input_change(old_field.type, new_field.type):
                self.add(
                    "FIELD_CHANGED_KIND",
                    BREAKING,
                    f"Input field {coordinate} changed type from {old_field.type} to {new_field.type}"
                    + (
                        "; inputs that leave it out or send null now fail."
                        if gained_non_null(old_field.type, new_field.type)
                        else "."
                    ),
                    coordinate,
                    coordinate,
                )
            else:
                self.default_value("INPUT_FIELD", f"Input field {coordinate}", coordinate, old_field, new_field)
            self.deprecation("INPUT_FIELD", f"Input field {coordinate}", coordinate, old_field, new_field)

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

    # -- deprecations and removals ---------------------------------------------------------------

    def removed(self, rule: str, what: str, consequence: str, coordinate: str, old: Any) -> None:
        """A field, argument, input field or enum value removed: breaking, unless it was deprecated.

        A client was told to stop using a deprecated element, so its removal is the announced end
        of a deprecation: still worth a warning (dangerous), but not a surprise (breaking).
        """
        reason: str | None = old.deprecation_reason
        if reason is None:
            self.add(rule, BREAKING, f"{what}; {consequence}.", coordinate, None)
            return
        sunset = sunset_in_text(reason)
        if sunset is not None and self.today > sunset:
            note = f"after its sunset date {sunset.isoformat()}"
        elif sunset is not None:
            note = f"before its announced sunset date {sunset.isoformat()}"
        else:
            note = "after it was deprecated"
        text = f"{what} {note} (deprecation reason: {reason!r}); {consequence}."
        self.add(rule, DANGEROUS, text, coordinate, None, sunset)

    def deprecation(self, kind: str, what: str, coordinate: str, old: Any, new: Any) -> None:
        """Deprecation added or withdrawn, and sunset dates announced or moved."""
        old_reason: str | None = old.deprecation_reason
        new_reason: str | None = new.deprecation_reason
        if old_reason == new_reason:
            return
        new_sunset = sunset_in_text(new_reason)
        if old_reason is None:
            assert new_reason is not None
            sunset_note = f", sunset {new_sunset.isoformat()}" if new_sunset else ""
            self.add(
                f"{kind}_DEPRECATED",
                INFO,
                f"{what} was deprecated{sunset_note} (reason: {new_reason!r}).",
                coordinate,
                coordinate,
                new_sunset,
                True,
            )
            return
        if new_reason is None:
            self.add(f"{kind}_DEPRECATION_REMOVED", INFO, f"{what} is no longer deprecated.", coordinate, coordinate)
            return
        old_sunset = sunset_in_text(old_reason)
        if old_sunset == new_sunset:
            return  # only the wording of the reason changed
        if new_sunset is None:
            assert old_sunset is not None
            text = f"{what} no longer announces a sunset date (was {old_sunset.isoformat()})."
            self.add("SUNSET_REMOVED", INFO, text, coordinate, coordinate)
        elif old_sunset is None:
            text = f"{what} now announces its sunset for {new_sunset.isoformat()}."
            self.add("SUNSET_ADDED", INFO, text, coordinate, coordinate, new_sunset, True)
        elif new_sunset < old_sunset:
            text = f"{what}'s sunset moved earlier, from {old_sunset.isoformat()} to {new_sunset.isoformat()}."
            self.add("SUNSET_MOVED_EARLIER", DANGEROUS, text, coordinate, coordinate, new_sunset, True)
        else:
            text = f"{what}'s sunset moved later, from {old_sunset.isoformat()} to {new_sunset.isoformat()}."
            self.add("SUNSET_MOVED_LATER", INFO, text, coordinate, coordinate, new_sunset)

    # -- directives ------------------------------------------------------------------------------

    def directives(self) -> None:
        old_directives = {directive.name: directive for directive in self.old.directives}
        new_directives = {directive.name: directive for directive in self.new.directives}
        for name, old_directive in old_directives.items():
            new_directive = new_directives.get(name)
            if new_directive is None:
                self.add("DIRECTIVE_REMOVED", BREAKING, f"Directive @{name} was removed.", f"@{name}", None)
            else:
                self.directive(old_directive, new_directive)
        for name in new_directives:
            if name not in old_directives:
                self.add("DIRECTIVE_ADDED", INFO, f"Directive @{name} was added.", None, f"@{name}")

    def directive(self, old: GraphQLDirective, new: GraphQLDirective) -> None:
        coordinate = f"@{old.name}"
        self.arguments(coordinate, old.args, new.args)
        if old.is_repeatable and not new.is_repeatable:
            text = f"Directive {coordinate} is no longer repeatable; documents that repeat it fail."
            self.add("DIRECTIVE_REPEATABLE_REMOVED", BREAKING, text, coordinate, coordinate)
        elif new.is_repeatable and not old.is_repeatable:
            self.add(
                "DIRECTIVE_REPEATABLE_ADDED", INFO, f"Directive {coordinate} became repeatable.", coordinate, coordinate
            )
        for location in old.locations:
            if location not in new.locations:
                text = f"{location.name} was removed from the locations of {coordinate}."
                self.add("DIRECTIVE_LOCATION_REMOVED", BREAKING, text, coordinate, coordinate)
        for location in new.locations:
            if location not in old.locations:
                text = f"{location.name} was added to the locations of {coordinate}."
                self.add("DIRECTIVE_LOCATION_ADDED", INFO, text, coordinate, coordinate)

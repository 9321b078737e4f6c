"""Directives compared: removed or added, arguments, repeatable, locations.

Directive changes are schema-wide (no operation is listed for them). Their arguments follow the
field-argument rules of ``fields`` under graphql-core's directive rule ids. A new directive is listed
with what it brings, as GraphQL Inspector lists it: repeatable, each location, each argument
(``DIRECTIVE_ARGUMENT_ADDED``, info: nobody uses the directive yet).
"""

from __future__ import annotations

from graphql import GraphQLDirective

from toolkit.graphql.diff.fields import FieldRules
from toolkit.graphql.diff.found import BREAKING, INFO, added_and_removed


class DirectiveRules(FieldRules):
    """Directive rules; a directive's arguments are compared as a field's are."""

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
                self.directive_added(new_directives[name])

    def directive_added(self, directive: GraphQLDirective) -> None:
        coordinate = f"@{directive.name}"
        self.add("DIRECTIVE_ADDED", INFO, f"Directive {coordinate} was added.", None, coordinate)
        if directive.is_repeatable:
            text = f"The new directive {coordinate} is repeatable."
            self.add("DIRECTIVE_REPEATABLE_ADDED", INFO, text, None, coordinate)
        for location in directive.locations:
            text = f"{location.name} is a location of the new directive {coordinate}."
            self.add("DIRECTIVE_LOCATION_ADDED", INFO, text, None, coordinate)
        for name, arg in directive.args.items():
            text = f"Argument {name}: {arg.type} came with the new directive {coordinate}."
            self.add("DIRECTIVE_ARGUMENT_ADDED", INFO, text, None, f"{coordinate}({name}:)")

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
        added, removed = added_and_removed(old.locations, new.locations)
        for location in removed:
            text = f"{location.name} was removed from the locations of {coordinate}."
            self.add("DIRECTIVE_LOCATION_REMOVED", BREAKING, text, coordinate, coordinate)
        for location in added:
            text = f"{location.name} was added to the locations of {coordinate}."
            self.add("DIRECTIVE_LOCATION_ADDED", INFO, text, coordinate, coordinate)

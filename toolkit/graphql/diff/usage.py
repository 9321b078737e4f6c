"""Directive usages compared: a directive applied to, or taken off, any element of a schema.

GraphQL Inspector's ``DIRECTIVE_USAGE_*`` rules, with its change names, paths and default
criticality. A directive used on an element can change how a server, a gateway or a code generator
treats it (``@key``, ``@requires``, ``@external``, ``@shareable``, ``@auth``, ...), so adding or removing
one is dangerous; ``@oneOf`` added to an input is breaking (inputs that set several fields, or none,
are refused), and ``@deprecated`` is graded by the deprecation rules, so its usage is info. A usage on
an element that is itself new is info: no client can depend on it yet.

A repeatable directive may appear several times on one element; usages are matched by name in
order, as Inspector does, so ``@tag(name: "a") @tag(name: "b")`` → ``@tag(name: "b")`` is one
usage whose argument changed and one usage removed. An argument whose value changed is reported
as removed (dangerous) and added (info), Inspector's two changes for it; on ``@deprecated`` both are
info, a departure from Inspector: a reworded reason changes no behaviour, and the deprecation rules
already grade it (a sunset moved earlier is breaking there).

Coordinates extend the schema coordinate of the element with ``.@name`` (``Product.@key``,
``Query.product.@cost``, ``Query.product.id.@deprecated``) and ``.@name.argument`` for an argument of
the usage; the schema's own usages sit at ``.@name``, as Inspector writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from graphql import ConstDirectiveNode, print_ast

from toolkit.graphql.diff.found import BREAKING, DANGEROUS, INFO, Recorder
from toolkit.model import ChangeSeverity

# Inspector's element kinds in its change names, with the words a sentence uses for them
ELEMENTS = {
    "SCHEMA": "the schema",
    "OBJECT": "object type",
    "INTERFACE": "interface",
    "UNION_MEMBER": "union",
    "ENUM": "enum",
    "ENUM_VALUE": "enum value",
    "INPUT_OBJECT": "input object",
    "INPUT_FIELD_DEFINITION": "input field",
    "SCALAR": "scalar",
    "FIELD_DEFINITION": "field",
    "ARGUMENT_DEFINITION": "argument",
}


def _added_level(name: str, new_element: bool) -> ChangeSeverity:
    if new_element or name == "deprecated":
        return INFO
    return BREAKING if name == "oneOf" else DANGEROUS


def _removed_level(name: str) -> ChangeSeverity:
    # without @oneOf an input accepts more; without @deprecated an element is simply in use again
    return INFO if name in ("deprecated", "oneOf") else DANGEROUS


def directive_nodes(element: Any) -> Sequence[ConstDirectiveNode]:
    """The directives written on an element's definition (none for a schema read from introspection)."""
    node = element.ast_node if element is not None else None
    return (node.directives or ()) if node is not None else ()


def _match(
    old: Sequence[ConstDirectiveNode], new: Sequence[ConstDirectiveNode]
) -> tuple[list[ConstDirectiveNode], list[ConstDirectiveNode], list[tuple[ConstDirectiveNode, ConstDirectiveNode]]]:
    """Removed, added and kept usages, the n-th use of a name in OLD paired with its n-th use in NEW."""
    pending: dict[str, list[ConstDirectiveNode]] = {}
    for node in new:
        pending.setdefault(node.name.value, []).append(node)
    removed: list[ConstDirectiveNode] = []
    kept: list[tuple[ConstDirectiveNode, ConstDirectiveNode]] = []
    for node in old:
        matches = pending.get(node.name.value)
        if matches:
            kept.append((node, matches.pop(0)))
        else:
            removed.append(node)
    paired = {id(after) for _, after in kept}
    added = [node for node in new if id(node) not in paired]
    return removed, added, kept


class UsageRules(Recorder):
    """Directive-usage rules, called by every construct with its element's two versions."""

    def usages(self, kind: str, coordinate: str, old: Any, new: Any, *, new_element: bool = False) -> None:
        """Usages on one element: ``old`` is None when the element is new (its usages are then info)."""
        old_list, new_list = directive_nodes(old), directive_nodes(new)
        if old_list or new_list:  # most elements use no directive: a large schema is walked at no cost
            self.usage_lists(kind, coordinate, old_list, new_list, new_element=new_element)

    def usage_lists(
        self,
        kind: str,
        coordinate: str,
        old: Sequence[ConstDirectiveNode],
        new: Sequence[ConstDirectiveNode],
        *,
        new_element: bool = False,
    ) -> None:
        element = ELEMENTS[kind]
        where = element if kind == "SCHEMA" else f"{element} {coordinate}"
        removed, added, kept = _match(old, new)
        for node in removed:
            name = node.name.value
            self.add(
                f"DIRECTIVE_USAGE_{kind}_REMOVED",
                _removed_level(name),
                f"Directive @{name} was removed from {where}; a server or gateway may now treat it differently.",
                f"{coordinate}.@{name}",
                None,
            )
        for node in added:
            name = node.name.value
            level = _added_level(name, new_element)
            consequence = {
                BREAKING: "; inputs that set several of its fields, or none, now fail",
                DANGEROUS: "; a server or gateway may now treat it differently",
                INFO: "",
            }[level]
            self.add(
                f"DIRECTIVE_USAGE_{kind}_ADDED",
                level,
                f"Directive @{name} was added to {where}{consequence}.",
                None,
                f"{coordinate}.@{name}",
            )
            self.usage_arguments(coordinate, name, (), node.arguments or ())
        for before, after in kept:
            self.usage_arguments(coordinate, after.name.value, before.arguments or (), after.arguments or ())

    def usage_arguments(self, coordinate: str, directive: str, old: Iterable[Any], new: Iterable[Any]) -> None:
        """The arguments a usage passes: added (info), removed or changed in value (dangerous)."""
        old_values = {argument.name.value: print_ast(argument.value) for argument in old}
        new_values = {argument.name.value: print_ast(argument.value) for argument in new}
        usage = f"{coordinate}.@{directive}"
        for name, value in old_values.items():
            if new_values.get(name) == value:
                continue
            if name in new_values:
                text = f"The use of @{directive} at {usage} changed {name} from {value} to {new_values[name]}"
            else:
                text = f"The use of @{directive} at {usage} no longer passes {name}: {value}"
            deprecated = directive == "deprecated"
            self.add(
                "DIRECTIVE_USAGE_ARGUMENT_REMOVED",
                INFO if deprecated else DANGEROUS,
                f"{text}." if deprecated else f"{text}; it can change how the element behaves.",
                f"{usage}.{name}",
                None,
            )
        for name, value in new_values.items():
            if old_values.get(name) == value:
                continue
            text = f"The use of @{directive} at {usage} passes {name}: {value}."
            self.add("DIRECTIVE_USAGE_ARGUMENT_ADDED", INFO, text, None, f"{usage}.{name}")

"""Element and attribute declarations compared: nillable, default and fixed values, and the declared type.

A declaration is compared where it is used (a slot of a content model) or as a global component.
A reference to a global declaration is left to that component, and a named type to its own
comparison; what is compared here is what the declaration itself says, and an inline or swapped
type judged by its value space (``value_spaces``).
"""

from __future__ import annotations

from lxml import etree

from toolkit.soap.diff.value_spaces import compare_facts, facts_of_name, facts_of_node
from toolkit.soap.diff.xsd_base import XsdRules, is_true, type_kind
from toolkit.soap.wsdl import local_name
from toolkit.soap.xsd.schema_index import SchemaIndex, node_local_name, xsd_children


class DeclarationRules(XsdRules):
    """The declaration rules of ``xsd.SchemaDiff``."""

    def global_of(self, index: SchemaIndex, node: etree._Element) -> etree._Element:
        ref = node.get("ref")
        if ref is None:
            return node
        kind = "element" if node_local_name(node) == "element" else "attribute"
        return index.get(kind, index.resolve(node, ref)) or node

    def compare_declaration(self, old: etree._Element, new: etree._Element) -> None:
        if old.get("ref") is not None and new.get("ref") is not None:
            return  # the referenced global declaration is a component of its own
        old, new = self.global_of(self.old, old), self.global_of(self.new, new)
        what = f"{node_local_name(new)} '{new.get('name', '')}'"
        if node_local_name(new) == "element":
            old_nil, new_nil = is_true(old.get("nillable")), is_true(new.get("nillable"))
            if old_nil != new_nil:
                kind = "element-became-nillable" if new_nil else "element-nillable-removed"
                self.add(
                    kind,
                    f"{self.owner()}: {what} {'became' if new_nil else 'is no longer'} nillable",
                    old,
                    new,
                    "nillable",
                    "nillable",
                )
        for attribute in ("default", "fixed"):
            before, after = old.get(attribute), new.get(attribute)
            if before != after:
                self.add(
                    f"element-{attribute}-changed",
                    f"{self.owner()}: {what} {attribute} {before!r} -> {after!r}",
                    old,
                    new,
                    attribute,
                    attribute,
                )
        self.compare_declared_types(old, new, what)

    def compare_declared_types(self, old: etree._Element, new: etree._Element, what: str) -> None:
        old_inline = next(xsd_children(old, "simpleType", "complexType"), None)
        new_inline = next(xsd_children(new, "simpleType", "complexType"), None)
        old_name = self.renamed("type", self.old.resolve(old, old.get("type")))
        new_name = self.new.resolve(new, new.get("type"))
        if old_inline is None and new_inline is None and old_name == new_name:
            return  # the named type is compared as a component of its own
        old_node = old_inline if old_inline is not None else self.old.get("type", old_name)
        new_node = new_inline if new_inline is not None else self.new.get("type", new_name)
        if (
            old_node is not None
            and new_node is not None
            and node_local_name(old_node) == node_local_name(new_node) == "complexType"
        ):
            self.compare_complex(old_node, new_node)
            return
        if (
            old_inline is not None
            and new_inline is not None
            and node_local_name(old_inline) == node_local_name(new_inline)
        ):
            self.compare_simple(old_inline, new_inline)
            return
        old_facts = facts_of_node(self.old, old_node) if old_node is not None else facts_of_name(self.old, old_name)
        new_facts = facts_of_node(self.new, new_node) if new_node is not None else facts_of_name(self.new, new_name)
        kind = type_kind(compare_facts(old_facts, new_facts))
        if kind:
            self.add(
                kind,
                f"{self.owner()}: type of {what} changed ({_type_text(old_name, old_inline)} -> "
                f"{_type_text(new_name, new_inline)})",
                old,
                new,
                "type" if old_inline is None else None,
                "type" if new_inline is None else None,
            )


def _type_text(name: str | None, inline: etree._Element | None) -> str:
    if inline is not None:
        return f"inline {node_local_name(inline)}"
    return local_name(name) if name else "anyType"

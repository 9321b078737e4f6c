"""Comparing the XML Schema of two contracts, component by component, by what instances may look like.

Each named component present in both versions is compared once (an unchanged one costs a signature
comparison). A content model is flattened into "slots" (an element, attribute, group reference or
wildcard, with its effective minOccurs/maxOccurs through the enclosing sequences and choices), so a
change is judged by what it does to documents, not by how the schema text moved. Changes inside a
named type are reported at that type; the operations that reach it decide the direction later.

The rules are split by construct: content models (``xsd_content``, over the slots of
``xsd_slots``), declarations (``xsd_declarations``) and simple types (``xsd_simple_types``);
this module walks the components and hands each to the part that compares its kind.
"""

from __future__ import annotations

from lxml import etree

from toolkit.soap.diff.rules import Finding
from toolkit.soap.diff.xsd_content import ContentRules
from toolkit.soap.diff.xsd_declarations import DeclarationRules
from toolkit.soap.diff.xsd_simple_types import SimpleTypeRules
from toolkit.soap.wsdl import local_name
from toolkit.soap.xsd.schema_index import node_local_name


class SchemaDiff(ContentRules, DeclarationRules, SimpleTypeRules):
    """Findings for every named component of OLD and NEW that ``used`` says some operation reaches."""

    def run(self) -> list[Finding]:
        for key, component in self.new.components.items():
            before = self.old.components.get(key)
            if before is None or self.old.signature(before.element) == self.new.signature(component.element):
                continue
            if not self.used(key):
                continue
            self.component = key
            self.compare_component(key[0], before.element, component.element)
        for old_key, new_key in sorted(self.renames.items()):
            if self.used(new_key):
                self.component = new_key
                old_node, new_node = self.old.components[old_key].element, self.new.components[new_key].element
                self.add(
                    "type-renamed",
                    f"{old_key[0]} '{local_name(old_key[1])}' renamed to '{local_name(new_key[1])}' (same structure, "
                    "references moved)",
                    old_node,
                    new_node,
                )
        return self.findings

    # --- components ------------------------------------------------------------------------------

    def compare_component(self, kind: str, old: etree._Element, new: etree._Element) -> None:
        if kind == "type":
            self.compare_type_nodes(old, new, new)
        elif kind in ("element", "attribute"):
            self.compare_declaration(old, new)
        elif kind == "group":
            self.compare_slots(self.group_slots(self.old, old), self.group_slots(self.new, new), new)
        elif kind == "attributeGroup":
            self.compare_slots(self.attribute_slots(self.old, old), self.attribute_slots(self.new, new), new)

    def compare_type_nodes(self, old: etree._Element, new: etree._Element, at: etree._Element) -> None:
        old_kind, new_kind = node_local_name(old), node_local_name(new)
        if old_kind == new_kind == "complexType":
            self.compare_complex(old, new)
        elif old_kind == new_kind == "simpleType":
            self.compare_simple(old, new)
        else:
            self.add("type-changed", f"{self.owner()}: {old_kind} became {new_kind}", old, at)

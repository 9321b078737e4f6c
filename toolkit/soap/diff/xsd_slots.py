"""Flattening an XSD content model into slots, so two versions compare by what instances may contain.

A slot is one element, attribute, group reference or wildcard a type's instances may hold, with its
effective minOccurs/maxOccurs through the enclosing sequences and choices and the compositors around
it. Comparing slots rather than schema text means a change is judged by what it does to documents:
wrapping an element in a redundant sequence changes nothing, moving it into a choice does.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from toolkit.soap.diff.xsd_base import XsdRules
from toolkit.soap.xsd.schema_index import SchemaIndex, is_xsd, node_local_name, xsd_children

_PARTICLES = ("element", "sequence", "choice", "all", "group", "any")
_ATTRIBUTE_USES = ("attribute", "attributeGroup", "anyAttribute")


@dataclass
class Slot:
    """One thing an instance of a type may contain, with its effective occurrence bounds."""

    key: str
    kind: str  # element | group | any | attribute | attributeGroup | anyAttribute
    node: etree._Element
    min: int
    max: int | None  # None: unbounded
    compositors: str  # e.g. "sequence/choice": the model groups around it


def _occurs(node: etree._Element) -> tuple[int, int | None]:
    try:
        low = int(node.get("minOccurs", "1"))
    except ValueError:
        low = 1
    high_text = node.get("maxOccurs", "1").strip()
    if high_text == "unbounded":
        return low, None
    try:
        return low, int(high_text)
    except ValueError:
        return low, 1


def _times(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a * b


class SlotReader(XsdRules):
    """The slots of a complex type, a model group or an attribute group, in one schema index."""

    def particle_slots(
        self, index: SchemaIndex, node: etree._Element, low: int, high: int | None, around: str, out: dict[str, Slot]
    ) -> None:
        kind = node_local_name(node)
        own_low, own_high = _occurs(node)
        low, high = low * own_low, _times(high, own_high)
        if kind in ("sequence", "all", "choice"):
            children = list(xsd_children(node, *_PARTICLES))
            child_low = 0 if kind == "choice" and len(children) > 1 else low
            for child in children:
                self.particle_slots(index, child, child_low, high, f"{around}/{kind}", out)
            return
        if kind == "element":
            ref = node.get("ref")
            key = (index.resolve(node, ref) or "") if ref else index.local_name_of(node, self.namespace())
        elif kind == "group":
            key = f"group:{self.renamed('group', index.resolve(node, node.get('ref')))}"
        else:
            key = f"any:{node.get('namespace', '##any')}"
        unique, count = key, 1
        while unique in out:
            count += 1
            unique = f"{key}#{count}"
        out[unique] = Slot(unique, kind, node, low, high, around)

    def attribute_slots(self, index: SchemaIndex, container: etree._Element) -> dict[str, Slot]:
        out: dict[str, Slot] = {}
        for node in xsd_children(container, *_ATTRIBUTE_USES):
            kind = node_local_name(node)
            if kind == "attribute":
                if node.get("use") == "prohibited":
                    continue
                ref = node.get("ref")
                name = (index.resolve(node, ref) or "") if ref else self.attribute_name(index, node)
                required = node.get("use") == "required"
                out[f"@{name}"] = Slot(f"@{name}", kind, node, int(required), 1, "")
            elif kind == "attributeGroup":
                key = f"@group:{self.renamed('attributeGroup', index.resolve(node, node.get('ref')))}"
                out[key] = Slot(key, kind, node, 0, 1, "")
            else:
                out["@*"] = Slot("@*", kind, node, 0, 1, "")
        return out

    def attribute_name(self, index: SchemaIndex, node: etree._Element) -> str:
        if node.getparent() is not None and is_xsd(node.getparent(), "schema"):  # type: ignore[arg-type]
            return f"{{{self.namespace()}}}{node.get('name', '')}"
        return index.local_name_of(node, self.namespace())

    def group_slots(self, index: SchemaIndex, group: etree._Element) -> dict[str, Slot]:
        out: dict[str, Slot] = {}
        for child in xsd_children(group, "sequence", "choice", "all"):
            self.particle_slots(index, child, 1, 1, "", out)
        return out

    def complex_parts(
        self, index: SchemaIndex, complex_type: etree._Element
    ) -> tuple[etree._Element | None, dict[str, Slot]]:
        """The derivation node (extension/restriction) if any, and every slot of the type's own content."""
        derivation: etree._Element | None = None
        container = complex_type
        slots: dict[str, Slot] = {}
        for child in xsd_children(complex_type):
            kind = node_local_name(child)
            if kind in ("complexContent", "simpleContent"):
                derivation = next(xsd_children(child, "extension", "restriction"), None)
                if derivation is not None:
                    container = derivation
        for child in xsd_children(container, "sequence", "choice", "all", "group"):
            self.particle_slots(index, child, 1, 1, "", slots)
        slots.update(self.attribute_slots(index, container))
        return derivation, slots

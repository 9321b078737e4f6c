"""Complex types compared slot by slot: mixed content, derivation, and each element, attribute or wildcard.

Slots (from ``xsd_slots``) pair up by qualified name; a name that only moved to another
namespace pairs up too and is reported once as such. What is left over was removed or added; each
pair is compared for occurrence bounds, the compositor around it, its place in a sequence and
its declaration (``xsd_declarations``).
"""

from __future__ import annotations

from lxml import etree

from toolkit.soap.diff.value_spaces import compare_facts, facts_of_name
from toolkit.soap.diff.xsd_base import is_true, type_kind
from toolkit.soap.diff.xsd_slots import Slot, SlotReader
from toolkit.soap.wsdl import local_name
from toolkit.soap.xsd.schema_index import namespace_of, node_local_name, xsd_children


class ContentRules(SlotReader):
    """The content-model rules of ``xsd.SchemaDiff``."""

    def compare_complex(self, old: etree._Element, new: etree._Element) -> None:
        pair = (id(old), id(new))
        if pair in self._active:
            return  # a recursive type: its own changes are found on the way in
        self._active.add(pair)
        try:
            self._compare_complex(old, new)
        finally:
            self._active.discard(pair)

    def _compare_complex(self, old: etree._Element, new: etree._Element) -> None:
        if _mixed(old) != _mixed(new):
            kind = "mixed-added" if _mixed(new) else "mixed-removed"
            self.add(
                kind,
                f"{self.owner()}: mixed content {'allowed' if _mixed(new) else 'no longer allowed'}",
                old,
                new,
                "mixed",
                "mixed",
            )
        old_derivation, old_slots = self.complex_parts(self.old, old)
        new_derivation, new_slots = self.complex_parts(self.new, new)
        self.compare_derivation(old_derivation, new_derivation, old, new)
        self.compare_slots(old_slots, new_slots, new)

    def compare_derivation(
        self, old: etree._Element | None, new: etree._Element | None, old_type: etree._Element, new_type: etree._Element
    ) -> None:
        if old is None and new is None:
            return
        if old is None or new is None:
            self.add(
                "type-changed",
                f"{self.owner()}: derivation changed",
                old if old is not None else old_type,
                new if new is not None else new_type,
            )
            return
        old_content, new_content = node_local_name(old.getparent()), node_local_name(new.getparent())  # type: ignore[arg-type]
        old_base = self.renamed("type", self.old.resolve(old, old.get("base")))
        new_base = self.new.resolve(new, new.get("base"))
        if (old_content, node_local_name(old)) != (new_content, node_local_name(new)):
            self.add(
                "type-changed",
                f"{self.owner()}: {old_content}/{node_local_name(old)} became {new_content}/{node_local_name(new)}",
                old,
                new,
            )
        elif old_base != new_base:
            if new_content == "simpleContent":
                kind = type_kind(compare_facts(facts_of_name(self.old, old_base), facts_of_name(self.new, new_base)))
            else:
                kind = "type-changed"
            if kind:
                self.add(
                    kind,
                    f"{self.owner()}: base type {local_name(old_base or '')} became {local_name(new_base or '')}",
                    old,
                    new,
                    "base",
                    "base",
                )

    def compare_slots(self, old: dict[str, Slot], new: dict[str, Slot], new_container: etree._Element) -> None:
        removed = [key for key in old if key not in new]
        added = [key for key in new if key not in old]
        pairs = [(key, key) for key in old if key in new]
        # The same local name in another namespace: elementFormDefault or a targetNamespace moved it.
        fresh = {(new[key].kind, local_name(key)): key for key in added}
        for key in list(removed):
            match = fresh.pop((old[key].kind, local_name(key)), None)
            if match is not None and not key.startswith(("any:", "group:", "@group:", "@*")):
                removed.remove(key)
                added.remove(match)
                pairs.append((key, match))
                self.add(
                    "element-namespace-changed",
                    f"{self.owner()}: '{local_name(key)}' now in namespace '{namespace_of(match) or '(none)'}' "
                    f"(was '{namespace_of(key) or '(none)'}')",
                    old[key].node,
                    new[match].node,
                )
        for key in removed:
            self.slot_removed(old[key], self.container_in_new(key, old, new, new_container))
        for key in added:
            self.slot_added(new[key])
        for old_key, new_key in pairs:
            self.compare_slot(old[old_key], new[new_key])
        self.compare_order(old, new, pairs)

    def container_in_new(
        self, key: str, old: dict[str, Slot], new: dict[str, Slot], default: etree._Element
    ) -> etree._Element:
        """Where a removed slot used to sit, in NEW: the parent of its nearest surviving neighbour."""
        order = list(old)
        position = order.index(key)
        for neighbour in list(reversed(order[:position])) + order[position + 1 :]:
            if neighbour in new and new[neighbour].kind == old[key].kind:
                parent = new[neighbour].node.getparent()
                if parent is not None:
                    return parent
        return default

    def slot_removed(self, slot: Slot, container: etree._Element) -> None:
        what = _describe(slot)
        kind = "wildcard-removed" if slot.kind in ("any", "anyAttribute") else "element-removed"
        self.add(kind, f"{self.owner()}: {what} removed", slot.node, container)

    def slot_added(self, slot: Slot) -> None:
        what = _describe(slot)
        if slot.kind in ("any", "anyAttribute"):
            self.add("wildcard-added", f"{self.owner()}: {what} added", None, slot.node)
            return
        required = slot.min >= 1
        if slot.kind == "group":
            group = self.new.get("group", self.new.resolve(slot.node, slot.node.get("ref")))
            required = (
                required and group is not None and any(s.min >= 1 for s in self.group_slots(self.new, group).values())
            )
        elif slot.kind == "attributeGroup":
            group = self.new.get("attributeGroup", self.new.resolve(slot.node, slot.node.get("ref")))
            required = group is not None and any(s.min >= 1 for s in self.attribute_slots(self.new, group).values())
        if required:
            self.add("element-added-required", f"{self.owner()}: required {what} added", None, slot.node)
        else:
            self.add("element-added-optional", f"{self.owner()}: optional {what} added", None, slot.node)

    def compare_slot(self, old: Slot, new: Slot) -> None:
        what = _describe(new)
        is_attribute = new.kind == "attribute"
        low_attribute = "use" if is_attribute else "minOccurs"
        if new.min != old.min:
            if new.min > old.min:
                kind = "element-became-required" if old.min == 0 else "element-min-occurs-raised"
            else:
                kind = "element-became-optional" if new.min == 0 else "element-min-occurs-lowered"
            message = f"{self.owner()}: {what} minOccurs {old.min} -> {new.min}"
            self.add(kind, message, old.node, new.node, low_attribute, low_attribute)
        if new.max != old.max:
            kind = "element-max-occurs-raised" if _more(new.max, old.max) else "element-max-occurs-lowered"
            message = f"{self.owner()}: {what} maxOccurs {_bound(old.max)} -> {_bound(new.max)}"
            self.add(kind, message, old.node, new.node, "maxOccurs", "maxOccurs")
        occurrence_changed = new.min != old.min or new.max != old.max
        if old.compositors != new.compositors and not occurrence_changed:
            self.add(
                "compositor-changed",
                f"{self.owner()}: {what} now inside {new.compositors.strip('/') or 'no group'} "
                f"(was {old.compositors.strip('/') or 'no group'})",
                old.node.getparent(),
                new.node.getparent(),
            )
        if new.kind in ("element", "attribute"):
            self.compare_declaration(old.node, new.node)

    def compare_order(self, old: dict[str, Slot], new: dict[str, Slot], pairs: list[tuple[str, str]]) -> None:
        in_sequence = [
            (o, n)
            for o, n in pairs
            if old[o].kind == "element"
            and "choice" not in old[o].compositors
            and "all" not in old[o].compositors
            and "all" not in new[n].compositors
        ]
        mapping = dict(in_sequence)
        old_order = [mapping[key] for key in old if key in mapping]
        new_order = [key for key in new if key in mapping.values()]
        if old_order != new_order:
            moved = next(o for o, n in zip(old_order, new_order, strict=True) if o != n)
            parent = new[moved].node.getparent()
            self.add(
                "element-order-changed",
                f"{self.owner()}: elements reordered: {', '.join(map(local_name, new_order))}",
                old[moved].node.getparent(),
                parent,
            )


def _mixed(node: etree._Element) -> bool:
    if is_true(node.get("mixed")):
        return True
    content = next(xsd_children(node, "complexContent"), None)
    return content is not None and is_true(content.get("mixed"))


def _more(a: int | None, b: int | None) -> bool:
    """Is bound ``a`` larger than ``b`` (None is unbounded)?"""
    return (a is None and b is not None) or (a is not None and b is not None and a > b)


def _bound(value: int | None) -> str:
    return "unbounded" if value is None else str(value)


def _describe(slot: Slot) -> str:
    if slot.kind in ("element", "attribute"):
        return f"{slot.kind} '{local_name(slot.key.lstrip('@'))}'"
    if slot.kind in ("group", "attributeGroup"):
        return f"{slot.kind} reference '{local_name(slot.key.partition(':')[2])}'"
    return "wildcard (xs:any)" if slot.kind == "any" else "attribute wildcard (xs:anyAttribute)"

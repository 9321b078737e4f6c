"""Comparing the XML Schema of two contracts, component by component, by what instances may look like.

Each named component present in both versions is compared once (an unchanged one costs a signature
comparison). A content model is flattened into "slots" (an element, attribute, group reference or
wildcard, with its effective minOccurs/maxOccurs through the enclosing sequences and choices), so a
change is judged by what it does to documents, not by how the schema text moved. Changes inside a
named type are reported at that type; the operations that reach it decide the direction later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from toolkit.soap.diff_rules import Finding
from toolkit.soap.diff_simple import (
    CHANGED,
    NARROWED,
    WIDENED,
    bound_change,
    compare_facts,
    facts_of_name,
    facts_of_node,
    pattern_change,
)
from toolkit.soap.schema_model import Key, SchemaIndex, is_xsd, localname, namespace_of, path, xsd_children

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


def _more(a: int | None, b: int | None) -> bool:
    """Is bound ``a`` larger than ``b`` (None is unbounded)?"""
    return (a is None and b is not None) or (a is not None and b is not None and a > b)


def type_kind(flags: set[str]) -> str | None:
    if not flags:
        return None
    if CHANGED in flags:
        return "type-changed"
    if flags == {NARROWED, WIDENED}:
        return "type-narrowed-widened"
    return "type-narrowed" if NARROWED in flags else "type-widened"


def _short(name: str) -> str:
    return name.rpartition("}")[2]


class SchemaDiff:
    """Findings for every named component of OLD and NEW that ``used`` says some operation reaches."""

    def __init__(self, old: SchemaIndex, new: SchemaIndex, renames: dict[Key, Key], used: Callable[[Key], bool]):
        self.old, self.new, self.renames, self.used = old, new, renames, used
        self.findings: list[Finding] = []
        self.component: Key = ("", "")
        self._active: set[tuple[int, int]] = set()

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
                    f"{old_key[0]} '{_short(old_key[1])}' renamed to '{_short(new_key[1])}' (same structure, "
                    "references moved)",
                    old_node,
                    new_node,
                )
        return self.findings

    # --- plumbing ---------------------------------------------------------------------------------

    def add(
        self,
        kind: str,
        message: str,
        old: etree._Element | None,
        new: etree._Element | None,
        old_attribute: str | None = None,
        new_attribute: str | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                kind,
                message,
                path(old, old_attribute) if old is not None else None,
                path(new, new_attribute) if new is not None else None,
                component=self.component,
            )
        )

    def renamed(self, kind: str, name: str | None) -> str | None:
        if name is None:
            return None
        return self.renames.get((kind, name), (kind, name))[1]

    def owner(self) -> str:
        return f"{self.component[0]} '{_short(self.component[1])}'"

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
        old_kind, new_kind = localname(old), localname(new)
        if old_kind == new_kind == "complexType":
            self.compare_complex(old, new)
        elif old_kind == new_kind == "simpleType":
            self.compare_simple(old, new)
        else:
            self.add("type-changed", f"{self.owner()}: {old_kind} became {new_kind}", old, at)

    # --- slots -------------------------------------------------------------------------------------

    def namespace(self) -> str:
        return namespace_of(self.component[1])

    def particle_slots(
        self, index: SchemaIndex, node: etree._Element, low: int, high: int | None, around: str, out: dict[str, Slot]
    ) -> None:
        kind = localname(node)
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
            kind = localname(node)
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
            kind = localname(child)
            if kind in ("complexContent", "simpleContent"):
                derivation = next(xsd_children(child, "extension", "restriction"), None)
                if derivation is not None:
                    container = derivation
        for child in xsd_children(container, "sequence", "choice", "all", "group"):
            self.particle_slots(index, child, 1, 1, "", slots)
        slots.update(self.attribute_slots(index, container))
        return derivation, slots

    # --- complex types -----------------------------------------------------------------------------

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
        old_content, new_content = localname(old.getparent()), localname(new.getparent())  # type: ignore[arg-type]
        old_base = self.renamed("type", self.old.resolve(old, old.get("base")))
        new_base = self.new.resolve(new, new.get("base"))
        if (old_content, localname(old)) != (new_content, localname(new)):
            self.add(
                "type-changed",
                f"{self.owner()}: {old_content}/{localname(old)} became {new_content}/{localname(new)}",
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
                    f"{self.owner()}: base type {_short(old_base or '')} became {_short(new_base or '')}",
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
        fresh = {(new[key].kind, _short(key)): key for key in added}
        for key in list(removed):
            match = fresh.pop((old[key].kind, _short(key)), None)
            if match is not None and not key.startswith(("any:", "group:", "@group:", "@*")):
                removed.remove(key)
                added.remove(match)
                pairs.append((key, match))
                self.add(
                    "element-namespace-changed",
                    f"{self.owner()}: '{_short(key)}' now in namespace '{namespace_of(match) or '(none)'}' "
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
        occurrence_changed = False
        if new.min > old.min:
            occurrence_changed = True
            kind = "element-became-required" if old.min == 0 else "element-min-occurs-raised"
            self.add(
                kind,
                f"{self.owner()}: {what} minOccurs {old.min} -> {new.min}",
                old.node,
                new.node,
                low_attribute,
                low_attribute,
            )
        elif new.min < old.min:
            occurrence_changed = True
            kind = "element-became-optional" if new.min == 0 else "element-min-occurs-lowered"
            self.add(
                kind,
                f"{self.owner()}: {what} minOccurs {old.min} -> {new.min}",
                old.node,
                new.node,
                low_attribute,
                low_attribute,
            )
        if _more(new.max, old.max):
            occurrence_changed = True
            self.add(
                "element-max-occurs-raised",
                f"{self.owner()}: {what} maxOccurs {_bound(old.max)} -> {_bound(new.max)}",
                old.node,
                new.node,
                "maxOccurs",
                "maxOccurs",
            )
        elif _more(old.max, new.max):
            occurrence_changed = True
            self.add(
                "element-max-occurs-lowered",
                f"{self.owner()}: {what} maxOccurs {_bound(old.max)} -> {_bound(new.max)}",
                old.node,
                new.node,
                "maxOccurs",
                "maxOccurs",
            )
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
                f"{self.owner()}: elements reordered: {', '.join(map(_short, new_order))}",
                old[moved].node.getparent(),
                parent,
            )

    # --- declarations -------------------------------------------------------------------------------

    def global_of(self, index: SchemaIndex, node: etree._Element) -> etree._Element:
        ref = node.get("ref")
        if ref is None:
            return node
        kind = "element" if localname(node) == "element" else "attribute"
        return index.get(kind, index.resolve(node, ref)) or node

    def compare_declaration(self, old: etree._Element, new: etree._Element) -> None:
        if old.get("ref") is not None and new.get("ref") is not None:
            return  # the referenced global declaration is a component of its own
        old, new = self.global_of(self.old, old), self.global_of(self.new, new)
        what = f"{localname(new)} '{new.get('name', '')}'"
        if localname(new) == "element":
            old_nil, new_nil = _true(old.get("nillable")), _true(new.get("nillable"))
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
            and localname(old_node) == localname(new_node) == "complexType"
        ):
            self.compare_complex(old_node, new_node)
            return
        if old_inline is not None and new_inline is not None and localname(old_inline) == localname(new_inline):
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

    # --- simple types -------------------------------------------------------------------------------

    def compare_simple(self, old: etree._Element, new: etree._Element) -> None:
        old_body = next(xsd_children(old), None)
        new_body = next(xsd_children(new), None)
        if old_body is None or new_body is None:
            return
        if localname(old_body) == localname(new_body) == "restriction":
            old_base = self.renamed("type", self.old.resolve(old_body, old_body.get("base")))
            new_base = self.new.resolve(new_body, new_body.get("base"))
            inline = next(xsd_children(old_body, "simpleType"), None), next(xsd_children(new_body, "simpleType"), None)
            if old_base == new_base and inline == (None, None):
                self.compare_facets(old_body, new_body)
                return
        elif localname(old_body) == localname(new_body) == "list":
            old_item = self.renamed("type", self.old.resolve(old_body, old_body.get("itemType")))
            new_item = self.new.resolve(new_body, new_body.get("itemType"))
            old_inline = next(xsd_children(old_body, "simpleType"), None)
            new_inline = next(xsd_children(new_body, "simpleType"), None)
            if old_inline is not None and new_inline is not None:
                self.compare_simple(old_inline, new_inline)
                return
            if old_item == new_item and old_inline is None and new_inline is None:
                return
        kind = type_kind(compare_facts(facts_of_node(self.old, old), facts_of_node(self.new, new)))
        if kind:
            self.add(
                kind,
                f"{self.owner()}: simple type {localname(old_body)} -> {localname(new_body)} changed its value space",
                old_body,
                new_body,
            )

    def compare_facets(self, old: etree._Element, new: etree._Element) -> None:
        old_facets, new_facets = _facets(old), _facets(new)
        for facet in sorted(set(old_facets) | set(new_facets)):
            if facet in ("enumeration", "pattern", "whiteSpace", "annotation"):
                continue
            before, after = old_facets.get(facet, [None])[0], new_facets.get(facet, [None])[0]
            before_value = before.get("value") if before is not None else None
            after_value = after.get("value") if after is not None else None
            kind = type_kind(bound_change(facet, before_value, after_value))
            if kind:
                self.add(
                    kind,
                    f"{self.owner()}: {facet} {before_value or '(none)'} -> {after_value or '(none)'}",
                    before if before is not None else old,
                    after if after is not None else new,
                    "value" if before is not None else None,
                    "value" if after is not None else None,
                )
        old_patterns = frozenset(p.get("value", "") for p in old_facets.get("pattern", []))
        new_patterns = frozenset(p.get("value", "") for p in new_facets.get("pattern", []))
        kind = type_kind(pattern_change(old_patterns, new_patterns))
        if kind:
            first_old = old_facets.get("pattern", [old])[0]
            first_new = new_facets.get("pattern", [new])[0]
            self.add(
                kind, f"{self.owner()}: pattern {sorted(old_patterns)} -> {sorted(new_patterns)}", first_old, first_new
            )
        old_values = {e.get("value", ""): e for e in old_facets.get("enumeration", [])}
        new_values = {e.get("value", ""): e for e in new_facets.get("enumeration", [])}
        if old_values and not new_values:
            self.add(
                "type-widened", f"{self.owner()}: enumeration dropped: any value of the base type allowed", old, new
            )
        elif new_values and not old_values:
            self.add("type-narrowed", f"{self.owner()}: enumeration added: only {sorted(new_values)} allowed", old, new)
        else:
            for value, node in old_values.items():
                if value not in new_values:
                    self.add("enum-value-removed", f"{self.owner()}: enumeration value '{value}' removed", node, new)
            for value, node in new_values.items():
                if value not in old_values:
                    self.add("enum-value-added", f"{self.owner()}: enumeration value '{value}' added", old, node)


def _facets(restriction: etree._Element) -> dict[str, list[etree._Element]]:
    out: dict[str, list[etree._Element]] = {}
    for facet in xsd_children(restriction):
        out.setdefault(localname(facet), []).append(facet)
    return out


def _mixed(node: etree._Element) -> bool:
    if _true(node.get("mixed")):
        return True
    content = next(xsd_children(node, "complexContent"), None)
    return content is not None and _true(content.get("mixed"))


def _true(value: str | None) -> bool:
    return value is not None and value.strip() in ("true", "1")


def _bound(value: int | None) -> str:
    return "unbounded" if value is None else str(value)


def _describe(slot: Slot) -> str:
    if slot.kind in ("element", "attribute"):
        return f"{slot.kind} '{_short(slot.key.lstrip('@'))}'"
    if slot.kind in ("group", "attributeGroup"):
        return f"{slot.kind} reference '{_short(slot.key.partition(':')[2])}'"
    return "wildcard (xs:any)" if slot.kind == "any" else "attribute wildcard (xs:anyAttribute)"


def _type_text(name: str | None, inline: etree._Element | None) -> str:
    if inline is not None:
        return f"inline {localname(inline)}"
    return _short(name) if name else "anyType"

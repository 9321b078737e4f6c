"""Simple types compared: a restriction's facets one by one, list item types, else the whole value space.

When both versions restrict the same base, each facet is judged on its own (a lower maxLength
narrows, a dropped enumeration value is reported by value), which gives precise findings at the
facet's own place; any other change is judged by comparing the two value spaces (``value_spaces``).
"""

from __future__ import annotations

from lxml import etree

from toolkit.soap.diff.value_spaces import bound_change, compare_facts, facts_of_node, pattern_change
from toolkit.soap.diff.xsd_base import XsdRules, type_kind
from toolkit.soap.xsd.schema_index import node_local_name, xsd_children


class SimpleTypeRules(XsdRules):
    """The simple-type rules of ``xsd.SchemaDiff``."""

    def compare_simple(self, old: etree._Element, new: etree._Element) -> None:
        old_body = next(xsd_children(old), None)
        new_body = next(xsd_children(new), None)
        if old_body is None or new_body is None:
            return
        if node_local_name(old_body) == node_local_name(new_body) == "restriction":
            old_base = self.renamed("type", self.old.resolve(old_body, old_body.get("base")))
            new_base = self.new.resolve(new_body, new_body.get("base"))
            inline = next(xsd_children(old_body, "simpleType"), None), next(xsd_children(new_body, "simpleType"), None)
            if old_base == new_base and inline == (None, None):
                self.compare_facets(old_body, new_body)
                return
        elif node_local_name(old_body) == node_local_name(new_body) == "list":
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
                f"{self.owner()}: simple type {node_local_name(old_body)} -> {node_local_name(new_body)}"
                " changed its value space",
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
        out.setdefault(node_local_name(facet), []).append(facet)
    return out

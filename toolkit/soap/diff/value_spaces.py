"""Is a simple type narrower, wider, or unrelated after a change? Value spaces, not text.

A client sending a value must fit NEW's value space (a narrower request type breaks it); a client
receiving one must cope with NEW's (a wider response type may surprise it). Both questions reduce
to comparing value spaces: the XSD built-in derivation tree, then the facets each derivation step
adds. Enumerations are compared per value, since a rule (and a report row) is about one value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from toolkit.soap.wsdl import local_name
from toolkit.soap.xsd.schema_index import SchemaIndex, is_builtin, is_xsd, node_local_name, xsd_children

NARROWED = "narrowed"
WIDENED = "widened"
CHANGED = "changed"  # unrelated value spaces: neither contains the other

# The XSD 1.0 built-in type hierarchy (restriction and list), child -> parent.
_PARENT = {
    "anySimpleType": "anyType",
    "string": "anySimpleType",
    "normalizedString": "string",
    "token": "normalizedString",
    "language": "token",
    "Name": "token",
    "NMTOKEN": "token",
    "NCName": "Name",
    "ID": "NCName",
    "IDREF": "NCName",
    "ENTITY": "NCName",
    "integer": "decimal",
    "nonPositiveInteger": "integer",
    "negativeInteger": "nonPositiveInteger",
    "long": "integer",
    "int": "long",
    "short": "int",
    "byte": "short",
    "nonNegativeInteger": "integer",
    "unsignedLong": "nonNegativeInteger",
    "unsignedInt": "unsignedLong",
    "unsignedShort": "unsignedInt",
    "unsignedByte": "unsignedShort",
    "positiveInteger": "nonNegativeInteger",
    "float": "double",  # not XSD's tree, but every float is a double: float -> double widens
}
_PRIMITIVES = (
    "decimal double boolean duration dateTime time date gYearMonth gYear gMonthDay gDay gMonth "
    "hexBinary base64Binary anyURI QName NOTATION NMTOKENS IDREFS ENTITIES"
)
for _primitive in _PRIMITIVES.split():
    _PARENT.setdefault(_primitive, "anySimpleType")

# Facets bounding from above (a lower value narrows) and from below (a higher value narrows).
UPPER = frozenset({"maxLength", "totalDigits", "fractionDigits", "maxInclusive", "maxExclusive"})
LOWER = frozenset({"minLength", "minInclusive", "minExclusive"})
EXACT = frozenset({"length"})
BOUNDS = UPPER | LOWER | EXACT


def ancestors(builtin: str) -> list[str]:
    chain = [builtin]
    while chain[-1] in _PARENT:
        chain.append(_PARENT[chain[-1]])
    return chain


def _number(value: str) -> Decimal | str:
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return value.strip()  # dates and times in ISO form still order as text


def bound_change(facet: str, old: str | None, new: str | None) -> set[str]:
    """How changing one bounding facet moves the value space."""
    if old == new or (old is not None and new is not None and old.strip() == new.strip()):
        return set()
    if old is None:
        return {NARROWED}
    if new is None:
        return {WIDENED}
    if facet in EXACT:
        return {CHANGED}
    a, b = _number(old), _number(new)
    if type(a) is not type(b):
        return {NARROWED, WIDENED}
    lower = b < a  # type: ignore[operator]
    if facet in UPPER:
        return {NARROWED} if lower else {WIDENED}
    return {WIDENED} if lower else {NARROWED}


def pattern_change(old: frozenset[str], new: frozenset[str]) -> set[str]:
    """Patterns of one derivation step are alternatives (ORed); no patterns means no constraint."""
    if old == new:
        return set()
    if not old:
        return {NARROWED}
    if not new:
        return {WIDENED}
    if old < new:
        return {WIDENED}
    if new < old:
        return {NARROWED}
    return {NARROWED, WIDENED}


@dataclass
class Facts:
    """The value space of a simple type, as the chain of restrictions defines it."""

    builtin: str  # nearest built-in ancestor's local name; "" for a complex type
    variety: str = "atomic"  # atomic | list | union | complex
    bounds: dict[str, str] | None = None
    patterns: tuple[frozenset[str], ...] = ()
    enumeration: frozenset[str] | None = None
    item: Facts | None = None
    members: tuple[Facts, ...] = ()


def facts_of_name(index: SchemaIndex, name: str | None, depth: int = 0) -> Facts:
    if name is None:
        return Facts("anyType", variety="complex")
    if is_builtin(name):
        local = local_name(name)
        if local in ("NMTOKENS", "IDREFS", "ENTITIES"):
            return Facts(local, variety="list", item=Facts(local[:-1]))
        return Facts(local, variety="complex" if local == "anyType" else "atomic")
    node = index.get("type", name)
    if node is None or depth > 30:
        return Facts(name, variety="unknown")
    return facts_of_node(index, node, depth + 1)


def facts_of_node(index: SchemaIndex, node: etree._Element, depth: int = 0) -> Facts:
    """Facts of an ``xs:simpleType`` (or a complexType, which has no simple value space)."""
    if not is_xsd(node, "simpleType"):
        return Facts("", variety="complex")
    for child in xsd_children(node):
        kind = node_local_name(child)
        if kind == "restriction":
            return restrict(_facts_of_inline_or_named(index, child, "base", depth), child)
        if kind == "list":
            return Facts("", variety="list", item=_facts_of_inline_or_named(index, child, "itemType", depth))
        if kind == "union":
            members = [
                facts_of_name(index, index.resolve(child, m), depth + 1) for m in child.get("memberTypes", "").split()
            ]
            members += [facts_of_node(index, inline, depth + 1) for inline in xsd_children(child, "simpleType")]
            return Facts("", variety="union", members=tuple(members))
    return Facts("anySimpleType")


def _facts_of_inline_or_named(index: SchemaIndex, node: etree._Element, attribute: str, depth: int) -> Facts:
    """Facts of the type a restriction or list builds on: its inline simpleType, else the one ``attribute`` names."""
    inline = next(xsd_children(node, "simpleType"), None)
    if inline is not None:
        return facts_of_node(index, inline, depth + 1)
    return facts_of_name(index, index.resolve(node, node.get(attribute)), depth + 1)


def restrict(base: Facts, restriction: etree._Element) -> Facts:
    bounds = dict(base.bounds or {})
    patterns = list(base.patterns)
    enumeration = base.enumeration
    step_patterns: set[str] = set()
    step_enumeration: set[str] = set()
    for facet in xsd_children(restriction):
        kind, value = node_local_name(facet), facet.get("value", "")
        if kind in BOUNDS:
            bounds[kind] = value
        elif kind == "pattern":
            step_patterns.add(value)
        elif kind == "enumeration":
            step_enumeration.add(value)
    if step_patterns:
        patterns.append(frozenset(step_patterns))
    if step_enumeration:
        enumeration = frozenset(step_enumeration)
    return Facts(
        base.builtin,
        variety=base.variety,
        bounds=bounds,
        patterns=tuple(patterns),
        enumeration=enumeration,
        item=base.item,
        members=base.members,
    )


def compare_facts(old: Facts, new: Facts) -> set[str]:
    """NARROWED / WIDENED / CHANGED flags for the move from ``old``'s value space to ``new``'s."""
    if old == new:
        return set()
    if old.variety != new.variety:
        return {CHANGED}
    if old.variety == "complex":
        return set() if old.builtin == new.builtin else {CHANGED}
    if old.variety == "list":
        assert old.item is not None and new.item is not None
        return compare_facts(old.item, new.item)
    if old.variety == "union":
        old_members, new_members = set(map(repr, old.members)), set(map(repr, new.members))
        members: set[str] = set()
        if old_members - new_members:
            members.add(NARROWED)
        if new_members - old_members:
            members.add(WIDENED)
        return members
    flags: set[str] = set()
    if old.builtin != new.builtin:
        if new.builtin in ancestors(old.builtin):
            flags.add(WIDENED)
        elif old.builtin in ancestors(new.builtin):
            flags.add(NARROWED)
        else:
            return {CHANGED}
    old_bounds, new_bounds = old.bounds or {}, new.bounds or {}
    for facet in sorted(set(old_bounds) | set(new_bounds)):
        flags |= bound_change(facet, old_bounds.get(facet), new_bounds.get(facet))
    if old.patterns != new.patterns:
        flags |= pattern_change(
            frozenset(old.patterns[-1:][0] if old.patterns else ()),
            frozenset(new.patterns[-1:][0] if new.patterns else ()),
        )
        if len(old.patterns) != len(new.patterns):
            flags |= {NARROWED} if len(new.patterns) > len(old.patterns) else {WIDENED}
    if old.enumeration != new.enumeration:
        if old.enumeration is None:
            flags.add(NARROWED)
        elif new.enumeration is None:
            flags.add(WIDENED)
        else:
            if old.enumeration - new.enumeration:
                flags.add(NARROWED)
            if new.enumeration - old.enumeration:
                flags.add(WIDENED)
    if CHANGED in flags:
        return {CHANGED}
    return flags

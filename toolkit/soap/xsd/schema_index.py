"""An index of a contract's XML Schema, for diff and generation alike: components by meaning, references, paths.

The loader keeps every XSD component as lxml elements keyed by Clark QName. Diffing needs three
more things, computed once per contract: which components each component refers to (so a change
can be traced to the operations that reach it), a canonical signature of each component (so an
unchanged component is skipped in one string comparison, and a renamed one is recognised), and
readable element paths for the report. Prefixes, attribute order, whitespace, annotations and the
file a component lives in never enter a signature, so reformatting a schema changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from toolkit.soap.wsdl import BUILTIN_NAMESPACES, WSDL, XSD_NAMESPACES, Component, Definitions, qname

# A schema component: (kind, Clark QName); kind is element | type | attribute | group | attributeGroup.
Key = tuple[str, str]

_TABLES = {
    "element": "elements",
    "type": "types",
    "attribute": "attributes",
    "group": "groups",
    "attributeGroup": "attribute_groups",
}
# XSD attributes whose value is a QName, and the kind of component each names (by the owner's tag).
_QNAME_ATTRIBUTES = {"type", "ref", "base", "itemType", "substitutionGroup", "memberTypes"}
# Attribute values equal to the XSD default say nothing; dropped so `minOccurs="1"` equals no minOccurs.
_DEFAULTS = {
    ("minOccurs", "1"),
    ("maxOccurs", "1"),
    ("nillable", "false"),
    ("use", "optional"),
    ("mixed", "false"),
    ("abstract", "false"),
    ("processContents", "strict"),
}


def is_xsd(node: etree._Element, *localnames: str) -> bool:
    if not isinstance(node.tag, str):
        return False
    tag = etree.QName(node)
    return tag.namespace in XSD_NAMESPACES and (not localnames or tag.localname in localnames)


def xsd_children(node: etree._Element, *localnames: str) -> Iterator[etree._Element]:
    """XSD children of ``node`` (annotations never count)."""
    for child in node:
        if is_xsd(child, *localnames) and etree.QName(child).localname != "annotation":
            yield child


def node_local_name(node: etree._Element) -> str:
    """An lxml node's tag without its namespace (for a Clark name string, see ``wsdl.local_name``)."""
    return etree.QName(node).localname


def namespace_of(name: str) -> str:
    return name[1:].partition("}")[0] if name.startswith("{") else ""


def is_builtin(name: str | None) -> bool:
    return name is not None and namespace_of(name) in BUILTIN_NAMESPACES


def reference_kind(owner: str, attribute: str) -> str:
    """Which table a QName-valued attribute points into."""
    if attribute in ("type", "base", "itemType", "memberTypes"):
        return "type"
    if attribute == "substitutionGroup":
        return "element"
    return {"element": "element", "attribute": "attribute", "group": "group", "attributeGroup": "attributeGroup"}.get(
        owner, "type"
    )


def path(node: etree._Element, attribute: str | None = None) -> str:
    """An element path from the top-level component, e.g. ``xs:simpleType[@name='X']/xs:restriction``.

    Steps stop below ``xs:schema`` (XSD) or ``wsdl:definitions`` (WSDL), as the contracts README's
    answer key writes them; ``@name``, ``@value`` (enumerations) or ``@ref`` tell siblings apart, and a
    position only where nothing else does.
    """
    steps: list[str] = []
    current: etree._Element | None = node
    while current is not None and isinstance(current.tag, str):
        if is_xsd(current, "schema") or (
            etree.QName(current).namespace == WSDL and node_local_name(current) == "definitions"
        ):
            break
        prefix = current.prefix
        step = f"{prefix}:{node_local_name(current)}" if prefix else node_local_name(current)
        # enumerations are told apart by value; other facets appear once per restriction
        predicates = ("name", "ref", "value") if node_local_name(current) == "enumeration" else ("name", "ref")
        for predicate in predicates:
            if current.get(predicate) is not None:
                step += f"[@{predicate}='{current.get(predicate)}']"
                break
        else:
            parent = current.getparent()
            if parent is not None:
                same = [sibling for sibling in parent if sibling.tag == current.tag]
                if len(same) > 1:
                    step += f"[{same.index(current) + 1}]"
        steps.append(step)
        current = current.getparent()
    text = "/".join(reversed(steps))
    if attribute:
        text = f"{text}/@{attribute}" if text else f"@{attribute}"
    return text


@dataclass
class SchemaIndex:
    """The schema components of one contract, with QNames mapped into NEW's namespaces.

    ``namespace_map`` renames namespaces of OLD (a changed targetNamespace) so that OLD and NEW
    components pair up by meaning; the namespace change itself is reported once, elsewhere.
    """

    definitions: Definitions
    namespace_map: Mapping[str, str] = field(default_factory=dict)
    components: dict[Key, Component] = field(init=False, default_factory=dict)
    _references: dict[Key, frozenset[Key]] = field(init=False, default_factory=dict)
    _signatures: dict[int, str] = field(init=False, default_factory=dict)
    _reach: dict[Key, frozenset[Key]] = field(init=False, default_factory=dict)
    _substitutes: dict[str, list[str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for kind, table in _TABLES.items():
            components: dict[str, Component] = getattr(self.definitions, table)
            for name, component in components.items():
                self.components.setdefault((kind, self.map_name(name)), component)
        for (kind, name), component in self.components.items():
            head = self.resolve(component.element, component.element.get("substitutionGroup"))
            if kind == "element" and head:
                self._substitutes.setdefault(head, []).append(name)

    # --- names ----------------------------------------------------------------------------------

    def map_name(self, name: str) -> str:
        namespace = namespace_of(name)
        if namespace in self.namespace_map:
            return f"{{{self.namespace_map[namespace]}}}{name.rpartition('}')[2]}"
        return name

    def map_namespace(self, namespace: str) -> str:
        return self.namespace_map.get(namespace, namespace)

    def resolve(self, node: etree._Element, value: str | None) -> str | None:
        """``prefix:local`` in the scope of ``node`` as a Clark QName, in NEW's namespaces."""
        name = qname(node, value)
        return self.map_name(name) if name else None

    def get(self, kind: str, name: str | None) -> etree._Element | None:
        component = self.components.get((kind, name or ""))
        return component.element if component is not None else None

    def schema_of(self, node: etree._Element) -> etree._Element | None:
        current: etree._Element | None = node
        while current is not None and not is_xsd(current, "schema"):
            current = current.getparent()
        return current

    def local_name_of(self, node: etree._Element, namespace: str) -> str:
        """The QName a local element or attribute declaration gives its instances (form rules)."""
        name = node.get("name", "")
        form = node.get("form")
        if form is None:
            schema = self.schema_of(node)
            default = "elementFormDefault" if node_local_name(node) == "element" else "attributeFormDefault"
            form = schema.get(default, "unqualified") if schema is not None else "unqualified"
        return f"{{{namespace}}}{name}" if form == "qualified" and namespace else name

    # --- references and reachability -----------------------------------------------------------

    def references(self, key: Key) -> frozenset[Key]:
        """The components ``key`` names directly (builtins left out)."""
        cached = self._references.get(key)
        if cached is not None:
            return cached
        found: set[Key] = set()
        component = self.components.get(key)
        if component is not None:
            for node in component.element.iter():
                if not is_xsd(node):
                    continue
                owner = node_local_name(node)
                for attribute in _QNAME_ATTRIBUTES:
                    value = node.get(attribute)
                    if value is None or (attribute == "substitutionGroup"):
                        continue  # a member is reached from its head, not the other way round
                    for item in value.split() if attribute == "memberTypes" else [value]:
                        name = self.resolve(node, item)
                        if name and not is_builtin(name):
                            found.add((reference_kind(owner, attribute), name))
            if key[0] == "element":
                found.update(("element", member) for member in self._substitutes.get(key[1], []))
        frozen = frozenset(found)
        self._references[key] = frozen
        return frozen

    def reach(self, roots: Iterable[Key]) -> frozenset[Key]:
        """Every component reachable from ``roots`` (the roots included), memoised per root."""
        result: set[Key] = set()
        for root in roots:
            cached = self._reach.get(root)
            if cached is None:
                seen: set[Key] = set()
                stack = [root]
                while stack:
                    key = stack.pop()
                    if key in seen or key not in self.components:
                        continue
                    seen.add(key)
                    stack.extend(self.references(key) - seen)
                cached = frozenset(seen)
                self._reach[root] = cached
            result.update(cached)
        return frozenset(result)

    # --- signatures ------------------------------------------------------------------------------

    def signature(self, node: etree._Element, *, with_name: bool = False) -> str:
        """A canonical text of ``node``'s subtree: equal for two declarations that mean the same.

        The element namespace rules of its schema are part of it (they change the instance names).
        """
        cached = self._signatures.get(id(node)) if not with_name else None
        if cached is not None:
            return cached
        schema = self.schema_of(node)
        forms = ""
        if schema is not None:
            elements, attributes = schema.get("elementFormDefault"), schema.get("attributeFormDefault")
            forms = f"{elements or 'unqualified'}|{attributes or 'unqualified'}|"
        parts: list[str] = [forms]
        self._canonical(node, parts, top=not with_name)
        text = "".join(parts)
        if not with_name:
            self._signatures[id(node)] = text
        return text

    def _canonical(self, node: etree._Element, out: list[str], *, top: bool) -> None:
        if not isinstance(node.tag, str):
            return
        tag = etree.QName(node)
        if tag.namespace in XSD_NAMESPACES:
            if tag.localname in ("annotation", "documentation", "appinfo"):
                return
            out.append(f"<xs:{tag.localname}")
        else:
            out.append(f"<{node.tag}")
        attributes: list[str] = []
        for attribute, value in node.attrib.items():
            attribute = str(attribute)
            value = str(value)
            if (top and attribute == "name") or (attribute, value.strip()) in _DEFAULTS:
                continue
            if attribute in _QNAME_ATTRIBUTES:
                value = " ".join(self.resolve(node, item) or "" for item in value.split())
            elif attribute.endswith("}arrayType"):  # wsdl:arrayType="xsd:string[]" names a type too
                name, bracket, rest = value.partition("[")
                value = f"{self.resolve(node, name) or ''}{bracket}{rest}"
            attributes.append(f" {attribute}={value.strip()!r}")
        out.extend(sorted(attributes))
        out.append(">")
        for child in node:
            self._canonical(child, out, top=False)
        out.append("</>")

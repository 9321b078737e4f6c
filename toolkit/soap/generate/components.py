"""The global components of a schema set, by Clark QName, and the helpers to read XSD nodes.

Built from the standalone schema copies ``validate.schema_documents`` makes, so the generator
reads exactly what the validator compiles.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from toolkit.soap.generate.nodes import UNBOUNDED
from toolkit.soap.wsdl import XSD, XSD_NAMESPACES
from toolkit.soap.xsd.assemble import OLD_TYPE_NAMES, SchemaDocument
from toolkit.soap.xsd.builtin import XML
from toolkit.soap.xsd.schema_index import is_xsd, xsd_children


@dataclass(frozen=True, slots=True)
class Scope:
    """The schema document a component sits in: its namespace and its form defaults."""

    tns: str
    qualified_elements: bool
    qualified_attributes: bool


@dataclass(frozen=True, slots=True)
class Entry:
    node: etree._Element
    scope: Scope


def children(node: etree._Element) -> list[etree._Element]:
    """The XSD children of a component, annotations left out."""
    return list(xsd_children(node))


def occurs(node: etree._Element) -> tuple[int, int]:
    try:
        low = int(node.get("minOccurs", "1"))
        high_text = node.get("maxOccurs", "1")
        high = UNBOUNDED if high_text == "unbounded" else int(high_text)
    except ValueError:
        return 1, 1
    return low, high


class Index:
    """Every global component of the schema set, by Clark QName, and who derives from whom."""

    def __init__(self, documents: list[SchemaDocument]) -> None:
        self.tables: dict[str, dict[str, Entry]] = {kind: {} for kind in
            ("element", "type", "attribute", "group", "attributeGroup")}  # fmt: skip
        self.derived: dict[str, list[str]] = {}  # base type → types derived from it
        self.substitutes: dict[str, list[str]] = {}  # head element → members
        self.builtin_namespaces = {document.namespace for document in documents if document.builtin}
        for document in documents:
            root = document.root
            scope = Scope(
                document.namespace,
                root.get("elementFormDefault") == "qualified",
                root.get("attributeFormDefault") == "qualified",
            )
            for child in root:
                if not is_xsd(child, "element", "complexType", "simpleType", "attribute", "group", "attributeGroup"):
                    continue
                kind = etree.QName(child).localname
                kind = "type" if kind in ("complexType", "simpleType") else kind
                name = child.get("name")
                if name:
                    self.tables[kind].setdefault(self.clark(scope.tns, name), Entry(child, scope))
        for name, entry in self.tables["type"].items():
            for derivation in entry.node.iter():
                base = derivation.get("base") if is_xsd(derivation, "extension", "restriction") else None
                parent = derivation.getparent()
                if base and parent is not None and is_xsd(parent, "complexContent", "simpleContent"):
                    self.derived.setdefault(self.resolve(derivation, base, entry.scope), []).append(name)
        for name, entry in self.tables["element"].items():
            head = entry.node.get("substitutionGroup")
            if head:
                self.substitutes.setdefault(self.resolve(entry.node, head, entry.scope), []).append(name)

    @staticmethod
    def clark(namespace: str, local: str) -> str:
        return f"{{{namespace}}}{local}" if namespace else local

    def resolve(self, node: etree._Element, value: str, scope: Scope) -> str:
        """``prefix:local`` in the scope of ``node`` → Clark QName (XSD drafts read as 2001)."""
        prefix, _, local = value.strip().rpartition(":")
        namespace = XML if prefix == "xml" else node.nsmap.get(prefix or None) or ""
        if not namespace and scope.tns and not prefix:
            namespace = scope.tns  # a chameleon include: unprefixed names belong to the includer
        if namespace in XSD_NAMESPACES:
            return f"{{{XSD}}}{OLD_TYPE_NAMES.get(local, local)}"
        return self.clark(namespace, local)

"""The parts of a WSDL 1.1 contract, gathered across wsdl:import, xsd:import and xsd:include.

Names are Clark-notation QNames (``{namespace}local``) so that components from different
files compare by what they mean. Every component keeps its element, so messages can point at
the file and line it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from toolkit.errors import ParseError, UnknownFormatError
from toolkit.model import Problem
from toolkit.soap.prefixes import PrefixRepairs
from toolkit.soap.xml import parse_xml
from toolkit.sources import Source, SourceReader, display_name

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL20 = "http://www.w3.org/ns/wsdl"
SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
HTTP = "http://schemas.xmlsoap.org/wsdl/http/"
# The SOAP version a binding speaks, by the namespace of its soap:binding (soap12:binding) element.
SOAP_VERSIONS = {SOAP11: "1.1", SOAP12: "1.2"}
XSD = "http://www.w3.org/2001/XMLSchema"
# Drafts that early SOAP toolkits (and WSDLs still served today) were written against.
XSD_NAMESPACES = frozenset({XSD, "http://www.w3.org/1999/XMLSchema", "http://www.w3.org/2000/10/XMLSchema"})

# Namespaces whose components every toolkit knows without a schema document.
BUILTIN_NAMESPACES = frozenset(
    {
        *XSD_NAMESPACES,
        "http://schemas.xmlsoap.org/soap/encoding/",
        "http://www.w3.org/2003/05/soap-encoding",
        "http://www.w3.org/XML/1998/namespace",
        "http://www.w3.org/2005/05/xmlmime",
        WSDL,
    }
)


def qname(element: etree._Element, value: str | None) -> str | None:
    """Resolve ``prefix:local`` in the scope of ``element`` to ``{namespace}local``."""
    if not value:
        return None
    prefix, _, local = value.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    if prefix and namespace is None:
        return f"{{?{prefix}}}{local}"  # unknown prefix: cannot match anything, reported by lint
    return f"{{{namespace}}}{local}" if namespace else local


def local_name(name: str) -> str:
    """The local part of a Clark name: ``{ns}Order`` → ``Order`` (for an lxml node, see ``node_local_name``)."""
    return name.rpartition("}")[2]


def split_clark(name: str) -> tuple[str, str]:
    """``{namespace}local`` → ``(namespace, local)``; a name in no namespace → ``("", name)``."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


@dataclass(slots=True)
class Component:
    name: str  # Clark QName
    element: etree._Element
    uri: str


@dataclass
class Definitions:
    """Everything a WSDL and its imports define, merged."""

    root_uri: str
    root: etree._Element
    target_namespace: str
    messages: dict[str, Component] = field(default_factory=dict)
    port_types: dict[str, Component] = field(default_factory=dict)
    bindings: dict[str, Component] = field(default_factory=dict)
    services: list[Component] = field(default_factory=list)
    schemas: list[Component] = field(default_factory=list)  # name: the schema's target namespace
    elements: dict[str, Component] = field(default_factory=dict)
    types: dict[str, Component] = field(default_factory=dict)
    attributes: dict[str, Component] = field(default_factory=dict)
    groups: dict[str, Component] = field(default_factory=dict)
    attribute_groups: dict[str, Component] = field(default_factory=dict)
    uris: list[str] = field(default_factory=list)
    # an import's resolved URI -> the URI its document was read from, when a redirect moved it
    redirected: dict[str, str] = field(default_factory=dict)
    # what the loader repaired (an undeclared SOAP binding prefix), one warning per repair with its place
    warnings: list[Problem] = field(default_factory=list)


def parse_repairing(source: Source, warnings: list[Problem]) -> etree._Element:
    """``parse_xml``, declaring a SOAP binding prefix the author forgot when its namespace is unambiguous
    (``prefixes``); each repair is appended to ``warnings``."""
    repairs = PrefixRepairs(source)
    root = parse_xml(source, repairs.attempt)
    misplaced = repairs.check() if repairs.repaired else None
    if misplaced is not None:
        raise ParseError(
            f"invalid XML: namespace prefix {misplaced.prefix} on {etree.QName(misplaced).localname} is not defined"
            " (and this is no SOAP binding element in its place, so ctk does not declare it)",
            where=f"{source.name}:{misplaced.sourceline}",
            hint=f'declare xmlns:{misplaced.prefix}="<its namespace>" on <definitions>',
        )
    warnings.extend(repairs.warnings)
    return root


def read_definitions(source: Source, reader: SourceReader) -> Definitions:
    warnings: list[Problem] = []
    root = parse_repairing(source, warnings)
    tag = etree.QName(root)
    if tag.namespace == WSDL20:
        raise UnknownFormatError(
            "is a WSDL 2.0 description; ctk reads WSDL 1.1",
            where=source.name,
            hint="ask the vendor for the WSDL 1.1 form",
        )
    if tag.namespace in XSD_NAMESPACES and tag.localname == "schema":
        raise UnknownFormatError(
            "is an XML Schema, not a WSDL", where=source.name, hint="load the WSDL that imports this schema"
        )
    if tag.namespace != WSDL or tag.localname != "definitions":
        raise UnknownFormatError(
            f"is XML with root element <{tag.localname}>, not a WSDL 1.1 <definitions>",
            where=source.name,
            hint="ctk reads WSDL 1.1, OpenAPI and GraphQL contracts",
        )
    definitions = Definitions(source.uri, root, root.get("targetNamespace", ""), warnings=warnings)
    _Collector(definitions, reader).wsdl(root, source.uri)
    return definitions


class _Collector:
    def __init__(self, definitions: Definitions, reader: SourceReader) -> None:
        self.definitions = definitions
        self.reader = reader
        self.seen: set[tuple[str, str]] = set()  # (uri, namespace it was read as) for chameleon includes
        self.parsed: dict[str, etree._Element] = {}  # a schema imported from many places is parsed once
        self.final: dict[str, str] = {}  # an import's URI -> the URI it was read from (after redirects)

    def where(self, element: etree._Element, uri: str) -> str:
        return f"{display_name(uri)}:{element.sourceline}"

    def load(self, element: etree._Element, uri: str, location: str) -> tuple[etree._Element, str]:
        """The document an import's ``location`` names, and the URI it is known by (after redirects).

        Through the reader's ``resolve``, so an import in a WSDL fetched from a URL obeys the same trust
        boundary as a ``$ref``: no local file, no way out of a mirror's folder.
        """
        referrer = self.where(element, uri)
        target = self.reader.resolve(uri, location, referrer=referrer)
        final = self.final.get(target)
        if final is None:
            source = self.reader.read(target, referrer=referrer)
            final = self.final[target] = source.uri
            if final != target:
                self.definitions.redirected[target] = final
            if final not in self.parsed:
                self.parsed[final] = parse_repairing(source, self.definitions.warnings)
        return self.parsed[final], final

    def wsdl(self, root: etree._Element, uri: str) -> None:
        if (uri, "wsdl") in self.seen:
            return
        self.seen.add((uri, "wsdl"))
        self.definitions.uris.append(uri)
        tns = root.get("targetNamespace", "")
        defs = self.definitions
        for child in root:
            if not isinstance(child.tag, str):
                continue
            child_tag = etree.QName(child)
            if child_tag.namespace != WSDL:
                continue
            kind = child_tag.localname
            name = child.get("name", "")
            full = f"{{{tns}}}{name}" if tns else name
            if kind == "import":
                location = child.get("location")
                if location:
                    imported, imported_uri = self.load(child, uri, location)
                    if etree.QName(imported).localname == "schema":
                        self.schema(imported, imported_uri, None)
                    else:
                        self.wsdl(imported, imported_uri)
            elif kind == "types":
                for schema in child:
                    if isinstance(schema.tag, str) and etree.QName(schema).namespace in XSD_NAMESPACES:
                        self.schema(schema, uri, None)
            elif kind == "message":
                defs.messages.setdefault(full, Component(full, child, uri))
            elif kind == "portType":
                defs.port_types.setdefault(full, Component(full, child, uri))
            elif kind == "binding":
                defs.bindings.setdefault(full, Component(full, child, uri))
            elif kind == "service":
                defs.services.append(Component(full, child, uri))

    def schema(self, schema: etree._Element, uri: str, chameleon_namespace: str | None) -> None:
        tns = schema.get("targetNamespace") or chameleon_namespace or ""
        key = (f"{uri}@{schema.sourceline}", tns)
        if key in self.seen:
            return
        self.seen.add(key)
        if uri not in self.definitions.uris:
            self.definitions.uris.append(uri)
        self.definitions.schemas.append(Component(tns, schema, uri))
        tables = {
            "element": self.definitions.elements,
            "complexType": self.definitions.types,
            "simpleType": self.definitions.types,
            "attribute": self.definitions.attributes,
            "group": self.definitions.groups,
            "attributeGroup": self.definitions.attribute_groups,
        }
        for child in schema:
            if not isinstance(child.tag, str) or etree.QName(child).namespace not in XSD_NAMESPACES:
                continue
            kind = etree.QName(child).localname
            if kind in ("import", "include", "redefine"):
                location = child.get("schemaLocation")
                # SOAP encoding, xml:, XSD itself: every toolkit knows them; never fetch a copy
                if location and child.get("namespace") not in BUILTIN_NAMESPACES:
                    loaded, loaded_uri = self.load(child, uri, location)
                    if etree.QName(loaded).localname == "schema":
                        self.schema(loaded, loaded_uri, tns if kind != "import" else None)
                continue
            table = tables.get(kind)
            name = child.get("name")
            if table is not None and name:
                full = f"{{{tns}}}{name}" if tns else name
                table.setdefault(full, Component(full, child, uri))

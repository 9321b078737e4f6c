"""Assembling a WSDL's scattered schemas into one lxml XML Schema, in memory.

A WSDL's schemas are scattered (inline ``<wsdl:types>``, imported and included .xsd files, chameleon
includes) and libxml2 has habits that make the naive "compile each schema" approach fail:

- an inline schema uses prefixes declared on ``<wsdl:definitions>``; a standalone copy loses them,
  so each copy is rebuilt with its full in-scope namespace map;
- libxml2 ignores a second ``xs:import`` of a namespace it already imported, so whichever document
  is imported first wins and the rest of that namespace is silently missing. Every namespace gets one
  wrapper schema that ``xs:include``s each of its documents (chameleons too); every import in every
  document is rewritten to point at that wrapper, and a master schema imports each namespace once;
- references to soapenc:, wsdl:, xml:, xmime: need schemas nobody ships (``builtin``);
- 1999/2000 XSD drafts are rewritten to the 2001 namespace.

Everything resolves in memory through an ``etree.Resolver`` with synthetic URLs: never the network,
never the file system. ``validate`` compiles the result and decides what to do when libxml2 refuses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from toolkit.soap.wsdl import XSD, XSD_NAMESPACES, Definitions
from toolkit.soap.xml import source_line
from toolkit.soap.xsd.builtin import BUILTIN_SCHEMAS, XML, XSD_BUILTIN_TYPES
from toolkit.soap.xsd.schema_index import is_xsd
from toolkit.sources import display_name

_SCHEME = "ctk-xsd:/"
# Attributes of schema components whose values are QNames (or lists of them): each names a namespace
# the document needs imported.
_QNAME_ATTRIBUTES = ("type", "base", "ref", "itemType", "substitutionGroup", "refer")
_OLD_XSD = (b"http://www.w3.org/1999/XMLSchema", b"http://www.w3.org/2000/10/XMLSchema")
# Type names of the 1999 draft that 2001 renamed.
OLD_TYPE_NAMES = {"timeInstant": "dateTime", "timeDuration": "duration", "uriReference": "anyURI",
                  "binary": "base64Binary", "recurringDuration": "dateTime"}  # fmt: skip


@dataclass(slots=True)
class SchemaDocument:
    """A standalone, rewritten copy of one schema document, ready for libxml2."""

    url: str  # synthetic, what the resolver answers
    namespace: str
    root: etree._Element
    uri: str  # the file it came from ("" for built-ins and extra schemas)
    builtin: bool = False
    repairs: list[str] = field(default_factory=list)  # what was tolerated, for the validator's warnings
    left_out: set[str] = field(default_factory=set)  # global elements removed in lenient mode
    origin_lines: list[int | None] = field(default_factory=list)
    text: bytes = b""

    @property
    def label(self) -> str:
        if self.builtin:
            return f"built-in schema {self.namespace}"
        where = display_name(self.uri) if self.uri else "extra schema"
        line = self.root.sourceline
        return f"{where}:{line}" if line else where


def schema_documents(definitions: Definitions, extra_schemas: Sequence[etree._Element] = ()) -> list[SchemaDocument]:
    """Standalone copies of every schema of the WSDL, the extra ones and the built-ins it lacks."""
    sources: list[tuple[etree._Element, str, str]] = [(c.element, c.name, c.uri) for c in definitions.schemas]
    sources += [(schema, schema.get("targetNamespace", ""), "") for schema in extra_schemas]
    documents = [
        SchemaDocument(f"{_SCHEME}doc/{index}.xsd", namespace, _standalone(schema), uri)
        for index, (schema, namespace, uri) in enumerate(sources)
    ]
    for document in documents:
        _repair_unprefixed_builtins(document)
    present = {document.namespace for document in documents}
    for namespace, text in BUILTIN_SCHEMAS.items():
        if namespace not in present:
            root = etree.fromstring(text.encode())
            documents.append(SchemaDocument(f"{_SCHEME}builtin/{len(documents)}.xsd", namespace, root, "", True))
    return documents


def _standalone(schema: etree._Element) -> etree._Element:
    """A copy of ``schema`` that declares every prefix in scope where it was (e.g. on wsdl:definitions).

    Serializing a subelement writes the declarations it inherits, and keeps nested ones that repeat a
    URI under another prefix (which moving nodes between lxml trees would "clean up"); each node of
    the copy keeps the line of its original, for messages.
    """
    copy = etree.fromstring(etree.tostring(schema))
    for original, node in zip(schema.iter(), copy.iter(), strict=False):
        if original.sourceline:
            node.sourceline = original.sourceline
    return copy


def _repair_unprefixed_builtins(document: SchemaDocument) -> None:
    """``type="string"`` with no default namespace: early toolkits meant xs:string; read it so.

    Strictly it names a no-namespace type that does not exist; zeep and .NET accept it, so do we.
    """
    root = document.root
    xsd_prefix = root.prefix
    if xsd_prefix is None:
        return  # the schema's own elements use the default namespace: unprefixed names are XSD already
    for element in root.iter():
        if not isinstance(element.tag, str) or element.nsmap.get(None) is not None:
            continue
        for name in ("type", "base", "itemType"):
            value = element.get(name)
            if value and ":" not in value and value in XSD_BUILTIN_TYPES:
                element.set(name, f"{xsd_prefix}:{value}")
                document.repairs.append(f"{document.label}: type {value!r} has no prefix; read as xs:{value}")


def _referenced_namespaces(root: etree._Element) -> set[str]:
    """Namespaces a schema document refers to: by QName-valued attributes and by its own imports."""
    found: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if is_xsd(element, "import"):
            found.add(element.get("namespace", ""))
            continue
        values = [element.get(name) for name in _QNAME_ATTRIBUTES]
        values += (element.get("memberTypes") or "").split()
        for value in values:
            if value:
                prefix, _, _ = value.strip().rpartition(":")
                # xml: is bound everywhere without a declaration
                namespace = XML if prefix == "xml" else element.nsmap.get(prefix or None)
                if namespace is not None or not prefix:
                    found.add(namespace or "")
    return found - XSD_NAMESPACES


def _prepare(document: SchemaDocument, wrappers: dict[str, str]) -> None:
    """Rewrite imports to the namespace wrappers, drop includes (the wrapper includes every document)."""
    root = document.root
    xsd = etree.QName(root).namespace or XSD
    needed = sorted(_referenced_namespaces(root) - {document.namespace})
    for child in list(root):
        if is_xsd(child, "import") or is_xsd(child, "include") or is_xsd(child, "redefine"):
            root.remove(child)
    for position, namespace in enumerate(namespace for namespace in needed if namespace in wrappers):
        attrib = {"schemaLocation": wrappers[namespace]}
        if namespace:
            attrib["namespace"] = namespace
        root.insert(position, etree.Element(f"{{{xsd}}}import", attrib=attrib))
    document.origin_lines = [source_line(node) for node in root.iter()]
    text = etree.tostring(root)
    if any(old in text for old in _OLD_XSD):
        text = _modernise(text)
    document.text = text


def _modernise(text: bytes) -> bytes:
    for old in _OLD_XSD:
        text = text.replace(old, XSD.encode())
    root = etree.fromstring(text)
    for element in root.iter():
        for name in ("type", "base"):
            value = element.get(name)
            if value:
                prefix, _, local = value.rpartition(":")
                if element.nsmap.get(prefix or None) == XSD and local in OLD_TYPE_NAMES:
                    element.set(name, f"{prefix}:{OLD_TYPE_NAMES[local]}" if prefix else OLD_TYPE_NAMES[local])
    return etree.tostring(root)


class _MemoryResolver(etree.Resolver):
    """Answers every URL libxml2 asks for from memory; an unknown URL gets a non-schema, never a file."""

    def __init__(self, texts: dict[str, bytes]) -> None:
        super().__init__()
        self.texts = texts

    def resolve(self, system_url: str, public_id: str, context: object) -> object:  # type: ignore[override]
        text = self.texts.get(system_url or "", b"<unresolved/>")
        return self.resolve_string(text, context, base_url=system_url)


def compile_schema(documents: list[SchemaDocument]) -> etree.XMLSchema:
    namespaces = sorted({document.namespace for document in documents})
    wrappers = {namespace: f"{_SCHEME}ns/{index}.xsd" for index, namespace in enumerate(namespaces)}
    texts: dict[str, bytes] = {}
    for document in documents:
        _prepare(document, wrappers)
        texts[document.url] = document.text
    for namespace, url in wrappers.items():
        target = f' targetNamespace="{_xml_attr(namespace)}"' if namespace else ""
        includes = "".join(f'<xs:include schemaLocation="{d.url}"/>' for d in documents if d.namespace == namespace)
        texts[url] = f'<xs:schema xmlns:xs="{XSD}"{target}>{includes}</xs:schema>'.encode()
    master = "".join(
        f'<xs:include schemaLocation="{url}"/>'
        if not namespace
        else f'<xs:import namespace="{_xml_attr(namespace)}" schemaLocation="{url}"/>'
        for namespace, url in wrappers.items()
    )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(_MemoryResolver(texts))
    root = etree.fromstring(
        f'<xs:schema xmlns:xs="{XSD}">{master}</xs:schema>'.encode(), parser, base_url=f"{_SCHEME}master.xsd"
    )
    return etree.XMLSchema(root)


def _xml_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def global_elements(document: SchemaDocument) -> set[str]:
    prefix = f"{{{document.namespace}}}" if document.namespace else ""
    return {f"{prefix}{child.get('name')}" for child in document.root
            if is_xsd(child, "element") and child.get("name")}  # fmt: skip

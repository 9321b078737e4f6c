"""One compiled lxml XML Schema for a whole WSDL, to check message bodies in microseconds.

A WSDL's schemas are scattered (inline ``<wsdl:types>``, imported and included .xsd files, chameleon
includes) and libxml2 has habits that make the naive "compile each schema" approach fail:

- an inline schema uses prefixes declared on ``<wsdl:definitions>``; a standalone copy loses them,
  so each copy is rebuilt with its full in-scope namespace map;
- libxml2 ignores a second ``xs:import`` of a namespace it already imported, so whichever document
  is imported first wins and the rest of that namespace is silently missing. Every namespace gets one
  wrapper schema that ``xs:include``s each of its documents (chameleons too); every import in every
  document is rewritten to point at that wrapper, and a master schema imports each namespace once;
- references to soapenc:, wsdl:, xml:, xmime: need schemas nobody ships (``xsd_builtin``);
- 1999/2000 XSD drafts are rewritten to the 2001 namespace.

Everything resolves in memory through an ``etree.Resolver`` with synthetic URLs: never the network,
never the file system. When libxml2 refuses the set, strict mode raises a ``LoadError`` pointing at
the original file and line; lenient mode drops the offending documents and says which.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from toolkit.errors import LoadError
from toolkit.soap.wsdl import XSD, XSD_NAMESPACES, Definitions
from toolkit.soap.xsd_builtin import BUILTIN_SCHEMAS, XSD_BUILTIN_TYPES
from toolkit.sources import display_name

_SCHEME = "ctk-xsd:/"
_XML = "http://www.w3.org/XML/1998/namespace"  # bound to xml: everywhere without a declaration
# Attributes of schema components whose values are QNames (or lists of them): each names a namespace
# the document needs imported.
_QNAME_ATTRIBUTES = ("type", "base", "ref", "itemType", "substitutionGroup", "refer")
_OLD_XSD = (b"http://www.w3.org/1999/XMLSchema", b"http://www.w3.org/2000/10/XMLSchema")
# Type names of the 1999 draft that 2001 renamed.
_OLD_TYPE_NAMES = {"timeInstant": "dateTime", "timeDuration": "duration", "uriReference": "anyURI",
                   "binary": "base64Binary", "recurringDuration": "dateTime"}  # fmt: skip
_ELEMENT_PREFIX = re.compile(r"^Element '[^']*'(?:, attribute '[^']*')?: ")
_MAX_ATTEMPTS = 50  # each attempt removes at least one component; a hopeless set stops here
_LOCAL_STEP = re.compile(r"\*\[local-name\(\)\s*=\s*'([^']*)'[^\]]*\]")


@dataclass(frozen=True, slots=True)
class XsdViolation:
    """One reason an element is not valid: where in the element, and libxml2's words."""

    path: str  # e.g. "/GetAccountRequest/account/email" (local names; [n] when repeated)
    message: str
    line: int | None = None


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


def _is_xsd(element: etree._Element, localname: str) -> bool:
    return (
        isinstance(element.tag, str)
        and etree.QName(element).namespace in XSD_NAMESPACES
        and (etree.QName(element).localname == localname)
    )


def _referenced_namespaces(root: etree._Element) -> set[str]:
    """Namespaces a schema document refers to: by QName-valued attributes and by its own imports."""
    found: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if _is_xsd(element, "import"):
            found.add(element.get("namespace", ""))
            continue
        values = [element.get(name) for name in _QNAME_ATTRIBUTES]
        values += (element.get("memberTypes") or "").split()
        for value in values:
            if value:
                prefix, _, _ = value.strip().rpartition(":")
                namespace = _XML if prefix == "xml" else element.nsmap.get(prefix or None)
                if namespace is not None or not prefix:
                    found.add(namespace or "")
    return found - XSD_NAMESPACES


def _prepare(document: SchemaDocument, wrappers: dict[str, str]) -> None:
    """Rewrite imports to the namespace wrappers, drop includes (the wrapper includes every document)."""
    root = document.root
    xsd = etree.QName(root).namespace or XSD
    needed = sorted(_referenced_namespaces(root) - {document.namespace})
    for child in list(root):
        if _is_xsd(child, "import") or _is_xsd(child, "include") or _is_xsd(child, "redefine"):
            root.remove(child)
    for position, namespace in enumerate(namespace for namespace in needed if namespace in wrappers):
        attrib = {"schemaLocation": wrappers[namespace]}
        if namespace:
            attrib["namespace"] = namespace
        root.insert(position, etree.Element(f"{{{xsd}}}import", attrib=attrib))
    document.origin_lines = [_line(node) for node in root.iter()]
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
                if element.nsmap.get(prefix or None) == XSD and local in _OLD_TYPE_NAMES:
                    element.set(name, f"{prefix}:{_OLD_TYPE_NAMES[local]}" if prefix else _OLD_TYPE_NAMES[local])
    return etree.tostring(root)


class _MemoryResolver(etree.Resolver):
    """Answers every URL libxml2 asks for from memory; an unknown URL gets a non-schema, never a file."""

    def __init__(self, texts: dict[str, bytes]) -> None:
        super().__init__()
        self.texts = texts

    def resolve(self, system_url: str, public_id: str, context: object) -> object:  # type: ignore[override]
        text = self.texts.get(system_url or "", b"<unresolved/>")
        return self.resolve_string(text, context, base_url=system_url)


def _compile(documents: list[SchemaDocument]) -> etree.XMLSchema:
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


def _global_elements(document: SchemaDocument) -> set[str]:
    prefix = f"{{{document.namespace}}}" if document.namespace else ""
    return {f"{prefix}{child.get('name')}" for child in document.root
            if _is_xsd(child, "element") and child.get("name")}  # fmt: skip


class XsdValidator:
    """Validates SOAP body children against every schema of a WSDL, compiled once."""

    def __init__(
        self,
        schema: etree.XMLSchema | None,
        elements: frozenset[str],
        unvalidated: frozenset[str] = frozenset(),
        warnings: Sequence[str] = (),
    ) -> None:
        self._schema = schema
        self.elements = elements  # global elements the compiled schema declares
        self._unvalidated = unvalidated  # global elements of documents left out in lenient mode
        self.warnings = list(warnings)
        self._lock = threading.Lock()  # an XMLSchema keeps its error log on the instance

    @classmethod
    def from_definitions(
        cls, definitions: Definitions, extra_schemas: Sequence[etree._Element] = (), *, strict: bool = True
    ) -> XsdValidator:
        """Compile every schema of ``definitions`` plus ``extra_schemas`` into one validator.

        ``strict``: raise a ``LoadError`` (file:line, libxml2's words) when libxml2 refuses the set.
        Lenient: leave out each top-level component libxml2 complains about (a whole document when the
        complaint is about the document itself) and try again, listing what was left out in ``warnings``.
        """
        documents = schema_documents(definitions, extra_schemas)
        every_document = list(documents)
        warnings = [repair for document in documents for repair in document.repairs]
        schema: etree.XMLSchema | None = None
        for _ in range(_MAX_ATTEMPTS):
            try:
                schema = _compile(documents) if documents else None
                break
            except etree.XMLSchemaParseError as exc:
                complaints = _complaints(exc, documents)
                if strict or not complaints:
                    where, message = (complaints[0][2], complaints[0][3]) if complaints else ("", str(exc))
                    if strict:
                        raise LoadError(
                            f"libxml2 refuses the XML Schema: {message}",
                            where=where or None,
                            hint="fix the schema; the mock can still serve it unvalidated (lenient mode)",
                        ) from None
                    break  # nothing to blame: validate nothing rather than refuse to serve
                _leave_out(complaints, documents, warnings)
        else:
            documents = []
        if schema is None and documents:
            warnings.append("libxml2 refuses the schemas; messages are not validated")
        compiled = documents if schema is not None else []
        elements: set[str] = set().union(*(_global_elements(document) for document in compiled))
        unvalidated: set[str] = set().union(*(document.left_out for document in every_document))
        return cls(schema, frozenset(elements), frozenset(unvalidated - elements), warnings)

    def validate(self, element: etree._Element) -> list[XsdViolation]:
        """Every violation of ``element`` against its global declaration; [] when valid. Never raises."""
        try:
            if not isinstance(element.tag, str):
                return [XsdViolation("/", "not an element")]
            if self._schema is None or element.tag in self._unvalidated:
                return []  # lenient mode: the declaring document could not be compiled
            with self._lock:
                if self._schema.validate(element):
                    return []
                entries = [*iter(self._schema.error_log)]  # type: ignore[call-overload]
            return [_violation(entry, element) for entry in entries] or [XsdViolation("/", "invalid")]
        except Exception as exc:  # noqa: BLE001 - odd input (a foreign node type, a broken tree) must not crash a mock
            return [XsdViolation("/", f"could not be validated: {exc}")]


def _violation(entry: etree._LogEntry, element: etree._Element) -> XsdViolation:
    message = _ELEMENT_PREFIX.sub("", entry.message or "").strip()
    return XsdViolation(_readable_path(entry.path or "", element), message, entry.line or None)


def _readable_path(path: str, element: etree._Element) -> str:
    """libxml2's node path (prefixes, or ``*`` for default-namespace nodes) as local names with [n]."""
    steps = [step for step in path.split("/") if step]
    node: etree._Element | None = element
    if len(steps) > 1:
        namespaces = {prefix: uri for prefix, uri in element.nsmap.items() if prefix}
        for descendant in element.iter():
            if isinstance(descendant.tag, str):
                namespaces.update({prefix: uri for prefix, uri in descendant.nsmap.items() if prefix})
        try:
            found = element.xpath("./" + "/".join(steps[1:]), namespaces=namespaces)
        except etree.XPathError:
            found = []
        node = found[0] if isinstance(found, list) and found and isinstance(found[0], etree._Element) else None
    if node is None:  # the path could not be followed: drop the prefixes at least
        return "/" + "/".join(_LOCAL_STEP.sub(r"\1", step).rpartition(":")[2] for step in steps)
    names: list[str] = []
    while node is not None:
        step = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None and node is not element:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                step += f"[{same.index(node) + 1}]"
        names.append(step)
        node = None if node is element else parent
    return "/" + "/".join(reversed(names))


# One complaint: the document, the index of its top-level child at fault (None: the document itself),
# where in the original file, and libxml2's message.
_Complaint = tuple[SchemaDocument, int | None, str, str]


def _complaints(exc: etree.XMLSchemaParseError, documents: list[SchemaDocument]) -> list[_Complaint]:
    by_url = {document.url: document for document in documents}
    complaints: list[_Complaint] = []
    for entry in exc.error_log:
        document = by_url.get(entry.filename or "")
        if document is None:
            continue
        message = _ELEMENT_PREFIX.sub("", entry.message or "").strip() or str(exc)
        index, line = _locate(document, entry.line or 0)
        where = f"{display_name(document.uri)}:{line}" if document.uri and line else document.label
        complaints.append((document, index, where, message))
    return complaints


def _line(node: etree._Element) -> int | None:
    value = node.sourceline
    return value if isinstance(value, int) else None


def _locate(document: SchemaDocument, line: int) -> tuple[int | None, int | None]:
    """The top-level child of ``document`` at ``line`` of its serialized copy, and the original line."""
    try:
        reparsed = etree.fromstring(document.text)
    except etree.XMLSyntaxError:
        return None, None
    origin = None
    for node, original in zip(reparsed.iter(), document.origin_lines, strict=False):
        node_line = _line(node)
        if node_line is not None and node_line >= line:
            origin = original
            break
    index = None
    for position, child in enumerate(reparsed):
        child_line = _line(child)
        if child_line is not None and child_line <= line:
            index = position
    if index is not None and _is_xsd(reparsed[index], "import"):
        index = None  # an import we wrote: the document as a whole is at fault
    return index, origin


def _leave_out(complaints: list[_Complaint], documents: list[SchemaDocument], warnings: list[str]) -> None:
    """Remove the components complained about (or whole documents) so the rest can compile."""
    by_document: dict[int, tuple[SchemaDocument, set[int | None], list[tuple[str, str]]]] = {}
    for document, index, where, message in complaints:
        entry = by_document.setdefault(id(document), (document, set(), []))
        entry[1].add(index)
        entry[2].append((where, message))
    for document, indexes, places in by_document.values():
        if None in indexes:
            documents.remove(document)
            document.left_out |= _global_elements(document)
            warnings.append(f"{document.label}: left out of validation: {places[0][1]}")
            continue
        children = list(document.root)
        for index in sorted(indexes, key=lambda i: -(i or 0)):
            child = children[index or 0]
            kind = etree.QName(child).localname if isinstance(child.tag, str) else "node"
            name = child.get("name", "")
            if kind == "element" and name:
                prefix = f"{{{document.namespace}}}" if document.namespace else ""
                document.left_out.add(f"{prefix}{name}")
            document.root.remove(child)
        for where, message in dict.fromkeys(places):
            warnings.append(f"{where}: left out of validation: {message}")

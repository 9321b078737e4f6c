"""A second XML-Schema judge for SOAP messages, independent of ctk's own (``toolkit.soap.xsd.validate``).

ctk's ``XsdValidator`` compiles, with libxml2, a schema set that ctk's own code assembles (standalone
copies, namespace wrappers, rewritten imports, repairs); the SOAP mock's answers are generated against
that same set. A check made with it cannot catch a mistake in the assembly. This judge shares nothing
with it: the WSDL files are read here, each inline ``<wsdl:types>`` schema is handed to the ``xmlschema``
package (a pure-Python XSD 1.0 processor) with the namespaces in scope where it stood, imports and
includes are resolved by xmlschema's own loader from the files on disk, and the well-known schemas
(soap-encoding, wsdl, xml) come from the copies of the originals xmlschema ships (SOAP 1.2 encoding and
xmime, which it lacks, from ctk's ``xsd_builtin`` strings, as data). Nothing is repaired: a schema that
is not valid XSD 1.0 (a draft XSD namespace, ``type="string"`` with no namespace for it) makes the
judge *unavailable* for that WSDL, with xmlschema's reason, rather than quietly lenient. One tolerance,
reported in ``notes``: inline schemas of one WSDL may refer to each other's namespaces (and to
soap-encoding) without ``xs:import``, as every SOAP toolkit allows (see ``_standalone``).

rpc/literal wrappers (``{soap:body namespace}Op`` and ``OpResponse``) are declared by no schema; the
judge reads messages, port types and bindings itself and declares each wrapper in a small synthetic
schema: parts by ``type=`` become unqualified local elements, parts by ``element=`` references (WSDL 1.1
section 3.5). rpc/encoded messages are not described by any schema and are not declared.

Never the network: every resource is opened with ``allow="local"`` (remote URLs are refused) and parsed
with ``defuse="always"`` (no DTDs or entities); URLs a saved WCF export names go through ``mirrors``.

A test oracle, not part of ctk (xmlschema is a development dependency): plugged into the SOAP
conformance engine (``toolkit.verify.soap``) as the "xmlschema" judge by ``tests.support.soap_conformance``,
which the tests and ``scripts/soap_zeep_conformance.py`` use.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

XSD = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP_BINDINGS = ("http://schemas.xmlsoap.org/wsdl/soap/", "http://schemas.xmlsoap.org/wsdl/soap12/")
SOAP12_ENCODING = "http://www.w3.org/2003/05/soap-encoding"
XMIME = "http://www.w3.org/2005/05/xmlmime"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_SETTINGS: dict[str, Any] = {"allow": "local", "defuse": "always", "timeout": 5}


@dataclass(frozen=True)
class RpcWrapper:
    """One rpc/literal wrapper element: its QName and its parts as (name, element, type) Clark names."""

    name: str
    parts: tuple[tuple[str, str | None, str | None], ...]


@dataclass
class XmlSchemaJudge:
    """Validates SOAP Body children (global elements and rpc/literal wrappers) with xmlschema."""

    schema: Any = None  # an xmlschema.XMLSchema whose global maps hold every component; None: unavailable
    reason: str = ""  # why the judge is unavailable for this WSDL
    wrappers: dict[str, RpcWrapper] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # tolerated deviations, wrappers left undeclared and why
    schema_errors: list[str] = field(default_factory=list)  # lax mode only: what xmlschema found wrong

    @property
    def available(self) -> bool:
        return self.schema is not None

    @classmethod
    def from_wsdl(
        cls, path: Path | str, mirrors: Mapping[str, str | Path] | None = None, *, lax: bool = False
    ) -> XmlSchemaJudge:
        """Assemble the schemas of the WSDL at ``path`` (and its ``wsdl:import``s) independently of ctk."""
        uri_map = {url: Path(file).resolve().as_uri() for url, file in (mirrors or {}).items()}
        try:
            documents = _wsdl_documents(Path(path).resolve().as_uri(), uri_map)
        except (OSError, etree.XMLSyntaxError) as error:
            return cls(reason=f"the WSDL cannot be read: {error}")
        sources: list[tuple[str, str | None]] = [(text, base) for doc in documents for text, base in doc.schemas]
        sources += [(url, None) for document in documents for url in document.schema_urls]
        notes = [note for document in documents for note in document.notes]
        unread = [note for note in notes if not note.startswith("tolerated")]
        if unread:
            return cls(reason=unread[0], notes=notes)
        judge = cls.from_sources(sources, _rpc_wrappers(documents), uri_map, lax=lax)
        judge.notes[:0] = notes
        return judge

    @classmethod
    def from_sources(
        cls,
        sources: list[tuple[str, str | None]],
        wrappers: Iterable[RpcWrapper] = (),
        uri_map: Mapping[str, str] | None = None,
        *,
        lax: bool = False,
    ) -> XmlSchemaJudge:
        """Build from schema sources: (XML text, base URL) or (URL, None), plus rpc wrappers to declare.

        ``lax``: when xmlschema refuses the schemas, build them again in its "lax" mode, which records
        each error in ``schema_errors`` and keeps going (a component in error may then accept more than
        its declaration says). For a caller that wants a verdict on a sample and states which schema
        errors it accepts; the conformance run never uses it.
        """
        wrappers = list(wrappers)
        if not sources and not wrappers:
            return cls(reason="the WSDL has no schema and declares no rpc/literal message")
        settings = {**_SETTINGS, "uri_mapper": dict(uri_map or {})}
        try:
            return cls._build(sources, wrappers, settings, "strict")
        except Exception as error:  # noqa: BLE001 - any refusal by xmlschema makes the judge unavailable, with why
            reason = f"xmlschema refuses the schemas: {type(error).__name__}: {_first_line(error)}"
            if not lax:
                return cls(reason=reason)
        try:
            judge = cls._build(sources, wrappers, settings, "lax")
        except Exception as error:  # noqa: BLE001 - even lax mode cannot build them
            return cls(reason=f"{reason}; lax mode too: {type(error).__name__}: {_first_line(error)}")
        judge.schema_errors = [str(getattr(error, "message", error)) for error in judge.schema.maps.all_errors]
        return judge

    @classmethod
    def _build(
        cls, sources: list[tuple[str, str | None]], wrappers: list[RpcWrapper], settings: dict[str, Any], mode: str
    ) -> XmlSchemaJudge:
        import xmlschema
        from xmlschema.loaders import LocationSchemaLoader

        judge = cls()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # xmlschema warns when an import has no location: expected here
            # LocationSchemaLoader: an import naming a location not loaded yet is followed even when its
            # namespace is loaded (xmlschema's default loader imports each namespace once, so a namespace
            # split over several files would lose all but the first).
            first, base = sources[0] if sources else (_wrapper_schemas(wrappers)[0], None)
            schema = xmlschema.XMLSchema(first, base_url=base, build=False, validation=mode,
                                         loader_class=LocationSchemaLoader, **settings)  # fmt: skip
            for text, base in sources[1:]:
                schema.add_schema(text, base_url=base)
            for text in _missing_builtins(schema):
                schema.add_schema(text)
            schema.maps.build()
            if sources:
                declared = [w for w in wrappers if w.name not in schema.maps.elements]
                judge.notes += [f"{w.name} is declared by the schema: not redeclared as an rpc wrapper"
                                for w in wrappers if w.name in schema.maps.elements]  # fmt: skip
                for text in _wrapper_schemas(declared):
                    schema.add_schema(text)
                if declared:
                    schema.maps.build()
            else:
                declared = wrappers  # the first source is the wrappers' schema (one namespace)
                for text in _wrapper_schemas(wrappers)[1:]:
                    schema.add_schema(text)
                schema.maps.build()
        judge.schema = schema
        judge.wrappers = {w.name: w for w in declared}
        return judge

    def validate(self, element: etree._Element) -> list[str]:
        """Every reason ``element`` is not valid against its global declaration ("path: reason"); [] if valid."""
        if self.schema is None:
            raise RuntimeError(f"the xmlschema judge is unavailable: {self.reason}")
        if element.tag not in self.schema.maps.elements:
            return [f"/{etree.QName(element).localname}: no global element {element.tag} is declared"]
        detached = etree.fromstring(etree.tostring(element))  # in-scope namespaces kept, ancestors dropped
        declaration = self.schema.maps.elements[element.tag]
        return [f"{error.path}: {error.reason}" for error in declaration.iter_errors(detached)]


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return " ".join(line.strip() for line in text.splitlines()[:3])[:300]


# -- reading the WSDL files ----------------------------------------------------------------------


@dataclass
class _WsdlDocument:
    url: str
    root: etree._Element
    schemas: list[tuple[str, str]] = field(default_factory=list)  # (standalone text, base URL)
    schema_urls: list[str] = field(default_factory=list)  # .xsd files a wsdl:import names
    notes: list[str] = field(default_factory=list)  # tolerated deviations, and schemas the judge cannot read


def _open(url: str, uri_map: Mapping[str, str]) -> tuple[str, etree._Element]:
    target = uri_map.get(url, url)
    parts = urlsplit(target)
    if parts.scheme != "file":
        raise OSError(f"{url} is not a local file (no mirror for it); the judge never uses the network")
    data = Path(parts.path).read_bytes()
    return target, etree.fromstring(data, _PARSER)


def _wsdl_documents(url: str, uri_map: Mapping[str, str]) -> list[_WsdlDocument]:
    """The root WSDL and every WSDL it imports (transitively), each with its inline schemas."""
    found: list[_WsdlDocument] = []
    inline: list[tuple[_WsdlDocument, etree._Element, str]] = []
    seen: set[str] = set()
    pending = [url]
    while pending:
        location = pending.pop(0)
        real, root = _open(location, uri_map)
        if real in seen:
            continue
        seen.add(real)
        document = _WsdlDocument(location, root)
        found.append(document)
        for types in root.iter(f"{{{WSDL}}}types"):
            for schema in types:
                if isinstance(schema.tag, str) and etree.QName(schema).localname == "schema":
                    inline.append((document, schema, real.rpartition("/")[0] + "/"))
        for imported in root.iter(f"{{{WSDL}}}import"):
            if not imported.get("location"):
                continue
            target = urljoin(location, imported.get("location", ""))
            if _is_schema(target, uri_map):
                document.schema_urls.append(target)
            else:
                pending.append(target)
    siblings = {schema.get("targetNamespace", "") for _, schema, _ in inline} | _WELL_KNOWN
    for document, schema, base in inline:
        if schema.tag != f"{{{XSD}}}schema":
            document.notes.append(f"line {schema.sourceline}: a schema in {etree.QName(schema).namespace}, a "
                                  "pre-Recommendation draft of XSD that XSD 1.0 processors do not read")  # fmt: skip
            continue
        document.schemas.append((_standalone(schema, siblings, document.notes), base))
    return found


# Namespaces xmlschema has its own copies of (or the judge adds): importable without a location.
_WELL_KNOWN = frozenset({"http://schemas.xmlsoap.org/soap/encoding/", WSDL, SOAP12_ENCODING, XMIME,
                         "http://www.w3.org/XML/1998/namespace"})  # fmt: skip
_QNAME_ATTRIBUTES = ("type", "base", "ref", "itemType", "substitutionGroup", "refer")


def _standalone(schema: etree._Element, siblings: set[str] | frozenset[str], notes: list[str]) -> str:
    """The inline schema as a document of its own, with the namespace declarations it inherits.

    One tolerance, reported in ``notes``: a reference to a component of another inline schema of the
    same WSDL (or of soap-encoding/wsdl/xml) with no ``xs:import`` of its namespace. XSD (src-resolve
    4.2) and WS-I BP (R2102) require the import; every SOAP toolkit reads the types section as one unit
    without it. The missing import (no location: the namespace is loaded already) is added. A reference
    to a namespace nothing in the WSDL defines is left as it is, for xmlschema to refuse.
    """
    copy = etree.fromstring(etree.tostring(schema))
    target = copy.get("targetNamespace", "")
    imported = {node.get("namespace", "") for node in copy if node.tag == f"{{{XSD}}}import"}
    referenced: set[str] = set()
    for node in copy.iter():
        if not isinstance(node.tag, str):
            continue
        values = [node.get(name) for name in _QNAME_ATTRIBUTES] + (node.get("memberTypes") or "").split()
        for value in values:
            if value:
                prefix, _, _ = value.strip().rpartition(":")
                namespace = node.nsmap.get(prefix or None)
                if prefix == "xml":
                    namespace = "http://www.w3.org/XML/1998/namespace"
                if namespace is not None:
                    referenced.add(namespace)
    missing = sorted(referenced - imported - {target, XSD} & set(siblings))
    for namespace in missing:
        copy.insert(0, etree.Element(f"{{{XSD}}}import", namespace=namespace))
        notes.append(f"tolerated: the schema at line {schema.sourceline} refers to {namespace} without an xs:import")
    return etree.tostring(copy, encoding="unicode")


def _is_schema(url: str, uri_map: Mapping[str, str]) -> bool:
    try:
        _, root = _open(url, uri_map)
    except OSError:
        return False
    return bool(root.tag == f"{{{XSD}}}schema")


def _missing_builtins(schema: Any) -> list[str]:
    """The SOAP 1.2 encoding and xmime schemas, which xmlschema does not ship, when something refers to them.

    Taken from ctk's built-in copies as data (their namespaces are not fetched anywhere); soap-encoding
    1.1, wsdl and xml come from xmlschema's own copies of the W3C/xmlsoap originals.
    """
    from toolkit.soap.xsd.builtin import SOAP12_ENCODING_SCHEMA, XMIME_SCHEMA

    return [text for namespace, text in ((SOAP12_ENCODING, SOAP12_ENCODING_SCHEMA), (XMIME, XMIME_SCHEMA))
            if namespace not in schema.maps.namespaces and _referenced(schema, namespace)]  # fmt: skip


def _referenced(schema: Any, namespace: str) -> bool:
    """Whether any loaded schema declares a prefix for ``namespace`` (the references use one)."""
    return any(namespace in loaded.namespaces.values() for loaded in schema.maps.iter_schemas())


# -- rpc wrappers ---------------------------------------------------------------------------------


def _clark(element: etree._Element, value: str | None) -> str | None:
    if not value:
        return None
    prefix, _, local = value.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    return f"{{{namespace}}}{local}" if namespace else local


def _rpc_wrappers(documents: list[_WsdlDocument]) -> list[RpcWrapper]:
    """Every rpc/literal request and response wrapper the bindings describe (first binding wins)."""
    messages: dict[str, list[tuple[str, str | None, str | None]]] = {}
    port_types: dict[str, dict[str, tuple[str | None, str | None]]] = {}
    for document in documents:
        root = document.root
        target = root.get("targetNamespace", "")
        for message in root.findall(f"{{{WSDL}}}message"):
            parts = [(p.get("name", ""), _clark(p, p.get("element")), _clark(p, p.get("type")))
                     for p in message.findall(f"{{{WSDL}}}part")]  # fmt: skip
            messages[f"{{{target}}}{message.get('name')}"] = parts
        for port_type in root.findall(f"{{{WSDL}}}portType"):
            operations: dict[str, tuple[str | None, str | None]] = {}
            for op in port_type.findall(f"{{{WSDL}}}operation"):
                given, taken = op.find(f"{{{WSDL}}}input"), op.find(f"{{{WSDL}}}output")
                operations.setdefault(op.get("name", ""), (
                    _clark(given, given.get("message")) if given is not None else None,
                    _clark(taken, taken.get("message")) if taken is not None else None,
                ))  # fmt: skip
            port_types[f"{{{target}}}{port_type.get('name')}"] = operations
    found: dict[str, RpcWrapper] = {}
    for document in documents:
        for binding in document.root.findall(f"{{{WSDL}}}binding"):
            soap = next((b for ns in SOAP_BINDINGS for b in binding.findall(f"{{{ns}}}binding")), None)
            if soap is None:
                continue  # an HTTP binding: no envelope
            operations = port_types.get(_clark(binding, binding.get("type")) or "", {})
            for op in binding.findall(f"{{{WSDL}}}operation"):
                soap_op = next((o for ns in SOAP_BINDINGS for o in op.findall(f"{{{ns}}}operation")), None)
                style = (soap_op.get("style") if soap_op is not None else None) or soap.get("style") or "document"
                if style != "rpc":
                    continue
                name = op.get("name", "")
                for direction, suffix, index in (("input", "", 0), ("output", "Response", 1)):
                    bound = op.find(f"{{{WSDL}}}{direction}")
                    message_name = operations.get(name, (None, None))[index]
                    body = None if bound is None else next(
                        (b for ns in SOAP_BINDINGS for b in bound.findall(f"{{{ns}}}body")), None)  # fmt: skip
                    if body is None or message_name is None or body.get("use", "literal") != "literal":
                        continue
                    parts = messages.get(message_name, [])
                    chosen = body.get("parts")
                    if chosen is not None:
                        parts = [part for part in parts if part[0] in chosen.split()]
                    namespace = body.get("namespace", "")
                    wrapper = f"{{{namespace}}}{name}{suffix}" if namespace else f"{name}{suffix}"
                    found.setdefault(wrapper, RpcWrapper(wrapper, tuple(parts)))
    return list(found.values())


def _wrapper_schemas(wrappers: Iterable[RpcWrapper]) -> list[str]:
    """One synthetic schema text per wrapper namespace."""
    by_namespace: dict[str, list[RpcWrapper]] = {}
    for wrapper in wrappers:
        namespace = wrapper.name[1:].partition("}")[0] if wrapper.name.startswith("{") else ""
        by_namespace.setdefault(namespace, []).append(wrapper)
    return [_wrapper_schema(namespace, items) for namespace, items in by_namespace.items()]


def _wrapper_schema(namespace: str, items: list[RpcWrapper]) -> str:
    prefixes: dict[str, str] = {}  # namespace -> prefix declared on the schema element

    def ref(clark: str) -> str:
        ns, _, local = clark[1:].partition("}") if clark.startswith("{") else ("", "", clark)
        if not ns:
            return local  # no default namespace is declared: an unprefixed QName has no namespace
        prefixes.setdefault(ns, f"p{len(prefixes)}")
        return f"{prefixes[ns]}:{local}"

    body = []
    for wrapper in items:
        children = []
        for name, element, type_ in wrapper.parts:
            if element:
                children.append(f'<xs:element ref="{_attr(ref(element))}"/>')
            else:
                typed = ref(type_ or f"{{{XSD}}}anyType")  # an untyped part holds anything
                children.append(f'<xs:element name="{_attr(name)}" type="{_attr(typed)}"/>')
        local = wrapper.name.rpartition("}")[2]
        body.append(f'<xs:element name="{_attr(local)}"><xs:complexType><xs:sequence>{"".join(children)}'
                    "</xs:sequence></xs:complexType></xs:element>")  # fmt: skip
    imports = "".join(f'<xs:import namespace="{_attr(ns)}"/>' for ns in sorted(prefixes) if ns not in (XSD, namespace))
    if namespace and any(not (e or t or "{").startswith("{") for w in items for _, e, t in w.parts):
        imports += "<xs:import/>"  # a part typed in no namespace
    declarations = "".join(f' xmlns:{p}="{_attr(ns)}"' for ns, p in prefixes.items())
    target = f' targetNamespace="{_attr(namespace)}"' if namespace else ""
    return f'<xs:schema xmlns:xs="{XSD}"{declarations}{target}>{imports}{"".join(body)}</xs:schema>'


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

"""The ``?wsdl`` / ``?wsdl=<name>`` / ``?xsd=<name>`` documents the mock serves.

A client pointed at the mock's ``?wsdl`` must then call the mock, not the vendor, and must find the
imported documents there too (zeep, .NET's svcutil and Java's wsimport fetch every import). So each
document is a copy of the parsed tree with every ``soap:address``/``soap12:address`` rewritten to the
mock's own URL and every ``wsdl:import``/``xsd:import``/``xsd:include`` location rewritten to
``{own url}?wsdl=<name>`` or ``?xsd=<name>`` (``<name>``: the file's stem). An import of a well-known
schema by its W3C/xmlsoap URL (SOAP encoding, ``xml:``) points at ``?xsd=ctk-soap-encoding`` & co.,
ctk's built-in copies, so a client needs no internet either. The copies are serialized once, at
compile time, with placeholders for the origin and path; a request only substitutes them (its Host
header decides them, or X-Forwarded-Proto/-Host and Forwarded behind a proxy).
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from toolkit.exchange import Request
from toolkit.soap.load import SoapContract
from toolkit.soap.wsdl import SOAP11, SOAP12, WSDL, XSD_NAMESPACES
from toolkit.soap.xsd.builtin import BUILTIN_SCHEMAS, SOAP12_ENCODING, SOAP_ENCODING, XMIME, XML
from toolkit.sources import SourceReader

_ORIGIN = "__ctk_origin__"  # scheme://host of the request, substituted per request
_SELF = "__ctk_self__"  # origin + the path the client fetched ?wsdl from
_HOST = re.compile(r"^[A-Za-z0-9._\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
# Names of the built-in schemas (builtin) the mock serves in place of their canonical URLs.
BUILTIN_NAMES = {SOAP_ENCODING: "ctk-soap-encoding", SOAP12_ENCODING: "ctk-soap12-encoding",
                 WSDL: "ctk-wsdl", XML: "ctk-xml", XMIME: "ctk-xmime"}  # fmt: skip
_FORWARDED_PROTO = re.compile(r"proto=\"?(https?)\"?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Document:
    kind: str  # "wsdl" | "xsd"
    name: str  # "" for the root WSDL
    data: bytes  # serialized, with placeholders


class WsdlDocuments:
    """Every document of a contract, ready to serve; ``find(kind, name)`` then ``render(document, request)``."""

    def __init__(
        self,
        contract: SoapContract,
        address_path: Callable[[str, str], str | None],
        mirrors: Mapping[str, str] | None = None,
    ) -> None:
        """``address_path(service, port)`` is the path the mock serves that port at, with the query its address
        keeps (``/x.dll?Impl=Svc``; None: not served)."""
        definitions = contract.definitions
        assert definitions is not None
        roots = _documents(contract)
        names = _names(roots, definitions.root_uri)
        resolver = SourceReader(allow_network=False, mirrors=mirrors)  # resolves as the loader did
        self._documents: dict[tuple[str, str], Document] = {}
        builtins: set[str] = set()  # built-in namespaces some document imports from a URL
        for uri, root in roots.items():
            kind, name = names[uri]
            tree = copy.deepcopy(root)
            builtins |= _rewrite_imports(tree, uri, names, resolver, definitions.redirected)
            if kind == "wsdl":
                _rewrite_addresses(tree, address_path)
            data = bytes(etree.tostring(tree, xml_declaration=True, encoding="utf-8"))
            self._documents[(kind, name)] = Document(kind, name, data)
        for namespace in sorted(builtins):
            # soapenc & co.: a client would fetch them from the W3C/xmlsoap sites; ctk serves its own copy
            text = b'<?xml version="1.0" encoding="utf-8"?>\n' + BUILTIN_SCHEMAS[namespace].encode()
            self._documents[("xsd", BUILTIN_NAMES[namespace])] = Document("xsd", BUILTIN_NAMES[namespace], text)

    @property
    def names(self) -> list[str]:
        return [f"?{kind}={name}" if name else "?wsdl" for kind, name in self._documents]

    def find(self, query: str) -> Document | bool | None:
        """The document a query asks for; None when it names an unknown one; False when it asks for none."""
        key, sep, value = query.partition("=")
        kind = key.lower()
        if kind not in ("wsdl", "xsd"):
            return False
        if kind == "wsdl" and not value:
            return self._documents.get(("wsdl", ""))
        return self._documents.get((kind, value)) if sep else None

    def render(self, document: Document, request: Request) -> bytes:
        origin = origin_of(request)
        own = _attribute_safe(request.path)
        return document.data.replace(_SELF.encode(), (origin + own).encode()).replace(_ORIGIN.encode(), origin.encode())


def origin_of(request: Request) -> str:
    """``scheme://host`` as the client reached the mock, behind a proxy too (X-Forwarded-*, Forwarded)."""
    scheme = "http"
    forwarded = request.header("forwarded")
    proto = request.header("x-forwarded-proto")
    if proto and proto.split(",")[0].strip().lower() in ("http", "https"):
        scheme = proto.split(",")[0].strip().lower()
    elif forwarded:
        match = _FORWARDED_PROTO.search(forwarded)
        if match:
            scheme = match.group(1).lower()
    host = (request.header("x-forwarded-host") or request.header("host") or "").split(",")[0].strip()
    # The host goes into XML attributes and URLs: anything but a plain host[:port] is replaced.
    if not _HOST.match(host):
        host = "localhost"
    return f"{scheme}://{host}"


def _attribute_safe(path: str) -> str:
    return path.replace("&", "%26").replace("<", "%3C").replace(">", "%3E").replace('"', "%22").replace("'", "%27")


def _documents(contract: SoapContract) -> dict[str, etree._Element]:
    """uri -> root element of every document the contract was read from, in the loader's order."""
    definitions = contract.definitions
    assert definitions is not None
    found: dict[str, etree._Element] = {definitions.root_uri: definitions.root}
    tables = (definitions.messages, definitions.port_types, definitions.bindings, definitions.elements,
              definitions.types, definitions.attributes, definitions.groups, definitions.attribute_groups)  # fmt: skip
    components = [*definitions.services, *definitions.schemas]
    for table in tables:
        components.extend(table.values())
    for component in components:
        found.setdefault(component.uri, component.element.getroottree().getroot())
    order = {uri: index for index, uri in enumerate(definitions.uris)}
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))


def _names(roots: dict[str, etree._Element], root_uri: str) -> dict[str, tuple[str, str]]:
    """uri -> (kind, name): the file's stem (``crm-types``), numbered when two files share one."""
    names: dict[str, tuple[str, str]] = {}
    taken: set[tuple[str, str]] = set()
    for uri, root in roots.items():
        tag = etree.QName(root)
        kind = "wsdl" if tag.namespace == WSDL else "xsd"
        if uri == root_uri:
            names[uri] = ("wsdl", "")
            continue
        path = urlsplit(uri).path if "://" in uri else uri
        stem = re.sub(r"[^A-Za-z0-9._\-]", "_", os.path.splitext(os.path.basename(path))[0]) or kind
        name, number = stem, 1
        while (kind, name) in taken:
            number += 1
            name = f"{stem}{number}"
        taken.add((kind, name))
        names[uri] = (kind, name)
    return names


def _rewrite_imports(
    tree: etree._Element,
    uri: str,
    names: dict[str, tuple[str, str]],
    resolver: SourceReader,
    redirected: Mapping[str, str],
) -> set[str]:
    """Point every import at the mock; returns the built-in namespaces imported by URL (served too).
    An import the vendor redirected is known by its final URL (``redirected``: asked -> served from)."""
    builtins: set[str] = set()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element)
        if tag.namespace == WSDL and tag.localname == "import":
            attribute = "location"
        elif tag.namespace in XSD_NAMESPACES and tag.localname in ("import", "include", "redefine"):
            attribute = "schemaLocation"
        else:
            continue
        location = element.get(attribute)
        if not location:
            continue
        resolved = resolver.resolve(uri, location)
        target = names.get(redirected.get(resolved, resolved))
        namespace = element.get("namespace", "")
        if target is not None:
            kind, name = target
            element.set(attribute, f"{_SELF}?{kind}={name}" if name else f"{_SELF}?wsdl")
        elif attribute == "schemaLocation" and namespace in BUILTIN_NAMES:
            builtins.add(namespace)
            element.set(attribute, f"{_SELF}?xsd={BUILTIN_NAMES[namespace]}")
    return builtins


def _rewrite_addresses(tree: etree._Element, address_path: Callable[[str, str], str | None]) -> None:
    for service in tree.iter(f"{{{WSDL}}}service"):
        for port in service.iter(f"{{{WSDL}}}port"):
            path = address_path(service.get("name", ""), port.get("name", ""))
            for address in port:
                if path is not None and address.tag in (f"{{{SOAP11}}}address", f"{{{SOAP12}}}address"):
                    address.set("location", f"{_ORIGIN}{path or '/'}")

"""Synthetic XSD declarations of rpc-style wrapper elements.

In rpc style the Body holds a wrapper named after the operation (``{soap:body namespace}GetQuote``,
and ``GetQuoteResponse`` for the answer) with one child per message part; no schema declares it.
Declaring each wrapper as a global element of a small extra schema makes an rpc message "just a
global element" for the XSD validator and generator, so rpc needs no second code path there.
rpc/literal parts typed by ``type=`` are unqualified child elements named after the part (WSDL 1.1
section 3.5); parts given by ``element=`` are references to that global element.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from toolkit.soap.mock.dispatch import Part, Port
from toolkit.soap.wsdl import XSD, split_clark

_XS = f"{{{XSD}}}"


def wrapper_schemas(ports: Iterable[Port], declared: frozenset[str] | set[str]) -> list[etree._Element]:
    """One schema per rpc namespace declaring every request/response wrapper not already ``declared``."""
    wrappers: dict[str, tuple[Part, ...]] = {}  # Clark name -> parts, first binding wins (1.1/1.2 agree)
    for port in ports:
        for op in port.operations:
            if op.style != "rpc":
                continue
            named = [(op.request_qname, op.input.parts)]
            if op.output is not None:
                named.append((op.response_qname, op.output.parts))
            for name, parts in named:
                if name and name not in declared:
                    wrappers.setdefault(name, parts)
    by_namespace: dict[str, list[tuple[str, tuple[Part, ...]]]] = {}
    for name, parts in wrappers.items():
        namespace, local = split_clark(name)
        by_namespace.setdefault(namespace, []).append((local, parts))
    return [_schema(namespace, items) for namespace, items in by_namespace.items()]


def _schema(namespace: str, items: list[tuple[str, tuple[Part, ...]]]) -> etree._Element:
    prefixes: dict[str, str] = {XSD: "xs"}  # namespace -> prefix, declared on the schema element

    def prefixed(clark: str) -> str:
        ns, local = split_clark(clark)
        if not ns:
            return local  # no default namespace is declared below, so an unprefixed name has none
        if ns not in prefixes:
            prefixes[ns] = f"p{len(prefixes)}"
        return f"{prefixes[ns]}:{local}"

    declarations: list[tuple[str, list[dict[str, str]]]] = []
    for local, parts in items:
        children: list[dict[str, str]] = []
        for part in parts:
            if part.element:
                children.append({"ref": prefixed(part.element)})
            else:
                # an untyped part (rare, lint reports it) holds anything
                children.append({"name": part.name, "type": prefixed(part.type or f"{{{XSD}}}anyType")})
        declarations.append((local, children))
    nsmap: dict[str, str] = {"xs": XSD, **{prefix: ns for ns, prefix in prefixes.items()}}
    schema = etree.Element(f"{_XS}schema", nsmap=nsmap)
    if namespace:
        schema.set("targetNamespace", namespace)
    schema.set("elementFormDefault", "unqualified")
    for local, children in declarations:
        element = etree.SubElement(schema, f"{_XS}element", name=local)
        sequence = etree.SubElement(etree.SubElement(element, f"{_XS}complexType"), f"{_XS}sequence")
        for attributes in children:
            etree.SubElement(sequence, f"{_XS}element", attrib=attributes)
    return schema

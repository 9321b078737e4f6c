"""Loading a WSDL 1.1 contract: one operation per service port and binding operation.

A SOAP 1.1 and a SOAP 1.2 port of the same service are different endpoints with different
envelopes, so each is listed; the id ``Service/Port/Operation`` tells them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from toolkit.model import Contract, Protocol, SoapOperation
from toolkit.soap.wsdl import HTTP, SOAP_VERSIONS, WSDL, Definitions, local_name, qname, read_definitions
from toolkit.sources import Source, SourceReader
from toolkit.sunset import DEPRECATED_WORD, sunset_in_text


@dataclass(eq=False)
class SoapContract(Contract):
    """A WSDL contract: the merged definitions of the WSDL and everything it imports."""

    definitions: Definitions | None = None
    target_namespace: str = ""


def load_wsdl(source: Source, reader: SourceReader) -> SoapContract:
    definitions = read_definitions(source, reader)
    root = definitions.root
    services = definitions.services
    title = root.get("name") or (local_name(services[0].name) if services else "") or source.name
    return SoapContract(
        protocol=Protocol.SOAP,
        title=title,
        version=_version(root),
        source=source.uri,
        operations=tuple(_operations(definitions)),
        files=tuple(definitions.uris),
        warnings=tuple(definitions.warnings),
        definitions=definitions,
        target_namespace=definitions.target_namespace,
    )


def _version(root: etree._Element) -> str:
    # WSDL has no version field; some vendors put one in a root-level documentation or attribute.
    return root.get("version", "")


def documentation(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return " ".join(
        " ".join(str(text) for text in doc.itertext()).strip() for doc in element.findall(f"{{{WSDL}}}documentation")
    ).strip()


def _operations(definitions: Definitions) -> list[SoapOperation]:
    operations: list[SoapOperation] = []
    for service in definitions.services:
        service_name = local_name(service.name)
        for port in service.element.findall(f"{{{WSDL}}}port"):
            binding = definitions.bindings.get(qname(port, port.get("binding")) or "")
            if binding is None:
                continue  # reported by lint; nothing to list
            operations.extend(_port_operations(definitions, service_name, port, binding.element))
    return operations


def _port_operations(
    definitions: Definitions, service_name: str, port: etree._Element, binding: etree._Element
) -> list[SoapOperation]:
    soap_version: str | None = None
    style = "document"
    for child in binding:
        if not isinstance(child.tag, str):
            continue
        tag = etree.QName(child)
        if tag.localname == "binding" and tag.namespace in SOAP_VERSIONS:
            soap_version = SOAP_VERSIONS[tag.namespace]
            style = child.get("style", "document")
    address = None
    for child in port:
        if isinstance(child.tag, str) and etree.QName(child).localname == "address":
            address = child.get("location")
    port_type = definitions.port_types.get(qname(binding, binding.get("type")) or "")
    abstract = {op.get("name"): op for op in (port_type.element.findall(f"{{{WSDL}}}operation") if port_type else [])}
    port_name = port.get("name", "")
    operations: list[SoapOperation] = []
    for bound in binding.findall(f"{{{WSDL}}}operation"):
        name = bound.get("name", "")
        soap_action: str | None = None
        op_style = style
        for child in bound:
            if isinstance(child.tag, str) and etree.QName(child).localname == "operation":
                namespace = etree.QName(child).namespace
                if namespace in SOAP_VERSIONS:
                    soap_action = child.get("soapAction")
                    op_style = child.get("style", style)
                elif namespace == HTTP:
                    soap_action = None
        use = _body_use(bound)
        docs = f"{documentation(abstract.get(name))} {documentation(bound)}".strip()
        deprecated = bool(DEPRECATED_WORD.search(docs))
        operations.append(
            SoapOperation(
                id=f"{service_name}/{port_name}/{name}",
                name=name,
                deprecated=deprecated,
                sunset=sunset_in_text(docs) if deprecated else None,
                summary=docs.split(". ")[0][:200] if docs else "",
                service=service_name,
                port=port_name,
                binding=binding.get("name", ""),
                soap_action=soap_action,
                soap_version=soap_version,
                style=op_style if soap_version else None,
                use=use if soap_version else None,
                address=address,
            )
        )
    return operations


def _body_use(bound: etree._Element) -> str:
    request = bound.find(f"{{{WSDL}}}input")
    if request is not None:
        for child in request:
            if isinstance(child.tag, str) and etree.QName(child).localname == "body":
                return child.get("use", "literal")
    return "literal"

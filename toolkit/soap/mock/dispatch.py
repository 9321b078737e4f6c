"""What each SOAP port serves, compiled once from the WSDL: its path, version and operations, and the
tables that find an operation from a request (SOAPAction, SOAP 1.2 ``action``, body element QName).

Clients dispatch differently: .NET and zeep always send the SOAPAction the binding declares, some
Java stacks send an empty one and rely on the body element, and SOAP 1.2 moves the action into the
Content-Type. So every declared action and every distinct request body QName is a key; an action
that several operations share (or an empty one) falls back to the body element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from toolkit.mock.deprecation import deprecation_headers
from toolkit.model import SoapOperation
from toolkit.soap.load import SoapContract
from toolkit.soap.wsdl import SOAP_VERSIONS, WSDL, Definitions, local_name, qname


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    element: str | None  # Clark QName of a global element (document style, or rpc part by element=)
    type: str | None  # Clark QName of a type (rpc part by type=)


@dataclass(frozen=True, slots=True)
class HeaderPart:
    element: str  # Clark QName of the header block's global element
    part: str


@dataclass(frozen=True, slots=True)
class BoundMessage:
    parts: tuple[Part, ...]
    headers: tuple[HeaderPart, ...] = ()
    namespace: str = ""  # soap:body namespace (the rpc wrapper's namespace)


@dataclass(frozen=True, slots=True)
class BoundFault:
    name: str  # the wsdl:fault name
    element: str | None  # the detail element of its message's (first) part


@dataclass(frozen=True, slots=True)
class PortOperation:
    operation: SoapOperation
    style: str  # "document" | "rpc"
    use: str  # "literal" | "encoded"
    soap_action: str
    input: BoundMessage
    output: BoundMessage | None  # None: a one-way operation
    faults: tuple[BoundFault, ...]
    deprecation: tuple[tuple[str, str], ...] = ()  # Deprecation/Sunset headers every answer carries

    @property
    def name(self) -> str:
        return self.operation.name

    @property
    def request_qname(self) -> str | None:
        """The QName of the first Body element a request carries."""
        if self.style == "rpc":
            return _clark(self.input.namespace, self.name)
        first = self.input.parts[0] if self.input.parts else None
        return first.element if first is not None else None

    @property
    def response_qname(self) -> str | None:
        if self.output is None:
            return None
        if self.style == "rpc":
            return _clark(self.output.namespace, f"{self.name}Response")
        return self.output.parts[0].element if self.output.parts else None


@dataclass(slots=True)
class Port:
    service: str
    name: str
    version: str  # "1.1" | "1.2"
    address: str
    path: str  # the address's path without a trailing "/" ("" for the root)
    operations: list[PortOperation] = field(default_factory=list)
    by_action: dict[str, PortOperation] = field(default_factory=dict)
    by_body: dict[str | None, PortOperation] = field(default_factory=dict)
    header_elements: frozenset[str] = frozenset()  # every header block the port's operations declare
    query: str = ""  # the address's query string (ASP/ISAPI ``x.dll?Impl=Svc``), "" for most ports

    def find(self, action: str | None, body_qname: str | None) -> PortOperation | None:
        """The operation a request means: by its action where that is unambiguous, else by its body element."""
        if action:
            found = self.by_action.get(action)
            if found is not None:
                return found
        return self.by_body.get(body_qname)

    @property
    def known(self) -> list[str]:
        return [op.name for op in self.operations]


def compile_ports(contract: SoapContract) -> list[Port]:
    """Every SOAP 1.1/1.2 port of the contract, with its operations (HTTP GET/POST bindings are not SOAP)."""
    definitions = contract.definitions
    if definitions is None:
        return []
    listed = {op.id: op for op in contract.operations if isinstance(op, SoapOperation)}
    ports: list[Port] = []
    for service in definitions.services:
        service_name = local_name(service.name)
        for element in service.element.findall(f"{{{WSDL}}}port"):
            port = _port(definitions, listed, service_name, element)
            if port is not None:
                ports.append(port)
    return ports


def _port(
    definitions: Definitions, listed: dict[str, SoapOperation], service: str, element: etree._Element
) -> Port | None:
    binding = definitions.bindings.get(qname(element, element.get("binding")) or "")
    if binding is None:
        return None
    version = None
    for child in binding.element:
        if isinstance(child.tag, str) and etree.QName(child).localname == "binding":
            version = SOAP_VERSIONS.get(etree.QName(child).namespace or "")
    if version is None:
        return None
    address = ""
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == "address":
            address = child.get("location", "")
    split = urlsplit(address) if "://" in address else None
    path = split.path if split is not None else ""
    port = Port(service, element.get("name", ""), version, address, path.rstrip("/"))
    port.query = split.query if split is not None else ""
    for bound in binding.element.findall(f"{{{WSDL}}}operation"):
        operation = listed.get(f"{service}/{port.name}/{bound.get('name', '')}")
        if operation is not None:
            port.operations.append(_operation(definitions, binding.element, bound, operation))
    _index(port)
    return port


def _index(port: Port) -> None:
    actions: dict[str, list[PortOperation]] = {}
    for op in port.operations:
        if op.soap_action:
            actions.setdefault(op.soap_action, []).append(op)
        port.by_body.setdefault(op.request_qname, op)
    # An action shared by several operations says nothing; those are told apart by their body element.
    port.by_action = {action: ops[0] for action, ops in actions.items() if len(ops) == 1}
    port.header_elements = frozenset(
        header.element
        for op in port.operations
        for message in (op.input, op.output)
        if message is not None
        for header in message.headers
    )


def _operation(
    definitions: Definitions, binding: etree._Element, bound: etree._Element, operation: SoapOperation
) -> PortOperation:
    port_type = definitions.port_types.get(qname(binding, binding.get("type")) or "")
    abstract = None
    if port_type is not None:
        for candidate in port_type.element.findall(f"{{{WSDL}}}operation"):
            if candidate.get("name") == operation.name:
                abstract = candidate
                break
    messages: dict[str, BoundMessage | None] = {"input": None, "output": None}
    for direction in messages:
        declared = abstract.find(f"{{{WSDL}}}{direction}") if abstract is not None else None
        if declared is not None:
            messages[direction] = _message(definitions, declared, bound.find(f"{{{WSDL}}}{direction}"))
    faults: list[BoundFault] = []
    for declared in abstract.findall(f"{{{WSDL}}}fault") if abstract is not None else ():
        parts = _parts(definitions, declared, declared.get("message"))
        faults.append(BoundFault(declared.get("name", ""), parts[0].element if parts else None))
    return PortOperation(
        operation=operation,
        style=operation.style or "document",
        use=operation.use or "literal",
        soap_action=operation.soap_action or "",
        input=messages["input"] or BoundMessage(()),
        output=messages["output"],
        faults=tuple(faults),
        deprecation=deprecation_headers(operation.deprecated, sunset=operation.sunset),
    )


def _message(definitions: Definitions, declared: etree._Element, bound: etree._Element | None) -> BoundMessage:
    message = qname(declared, declared.get("message"))
    parts = _parts(definitions, declared, declared.get("message"))
    namespace = ""
    headers: list[HeaderPart] = []
    selected: list[str] | None = None
    in_header: set[str] = set()  # parts of this same message that a soap:header carries
    for child in bound if bound is not None else ():
        if not isinstance(child.tag, str) or etree.QName(child).namespace not in SOAP_VERSIONS:
            continue
        kind = etree.QName(child).localname
        if kind == "body":
            namespace = child.get("namespace", "")
            if child.get("parts") is not None:
                selected = child.get("parts", "").split()
        elif kind == "header":
            for part in _parts(definitions, child, child.get("message")):
                if part.name == child.get("part") and part.element:
                    headers.append(HeaderPart(part.element, part.name))
                    if qname(child, child.get("message")) == message:
                        in_header.add(part.name)
    if selected is not None:
        parts = [part for part in parts if part.name in selected]
    else:
        # a part that a soap:header of the same message carries is not also in the body (as zeep and .NET read it)
        parts = [part for part in parts if part.name not in in_header]
    return BoundMessage(tuple(parts), tuple(headers), namespace)


def _parts(definitions: Definitions, scope: etree._Element, message_ref: str | None) -> list[Part]:
    message = definitions.messages.get(qname(scope, message_ref) or "")
    if message is None:
        return []
    return [
        Part(part.get("name", ""), qname(part, part.get("element")), qname(part, part.get("type")))
        for part in message.element.findall(f"{{{WSDL}}}part")
    ]


def _clark(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}" if namespace else local

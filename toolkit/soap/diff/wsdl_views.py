"""Each contract read as operations: the WSDL elements of every ``Service/Port/Operation``, and what it reaches.

Both WSDL rules and schema rules need the same view of an operation: the binding and portType
operation behind its id, its input/output/fault messages, and the schema roots its SOAP headers
name. ``Usage`` turns those roots into the schema components each operation sends and receives,
which is how a schema finding learns its directions and operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from toolkit.model import SoapOperation
from toolkit.soap.diff.rules import REQUEST, RESPONSE
from toolkit.soap.load import SoapContract
from toolkit.soap.wsdl import WSDL, Component, local_name, qname
from toolkit.soap.xsd.schema_index import Key, SchemaIndex, is_builtin

Part = tuple[str, str, str]  # (name, "element" | "type", mapped QName)


@dataclass
class OperationView:
    """One operation of one port, with the WSDL elements it is made of."""

    operation: SoapOperation
    service: Component
    port: etree._Element
    bound: etree._Element  # wsdl:binding/wsdl:operation
    abstract: etree._Element | None  # wsdl:portType/wsdl:operation
    messages: dict[str, etree._Element | None] = field(default_factory=dict)  # input | output
    faults: dict[str, etree._Element | None] = field(default_factory=dict)  # fault name -> wsdl:message
    headers: dict[str, list[Key]] = field(default_factory=dict)  # input | output -> schema roots


def operation_views(contract: SoapContract, index: SchemaIndex) -> dict[str, OperationView]:
    """Every operation of ``contract`` by id, walked in the loader's order so the ids agree."""
    definitions = contract.definitions
    assert definitions is not None
    by_id = {op.id: op for op in contract.operations if isinstance(op, SoapOperation)}
    views: dict[str, OperationView] = {}
    for service in definitions.services:
        for port in service.element.findall(f"{{{WSDL}}}port"):
            binding = definitions.bindings.get(qname(port, port.get("binding")) or "")
            if binding is None:
                continue
            port_type = definitions.port_types.get(qname(binding.element, binding.element.get("type")) or "")
            abstract = {
                op.get("name"): op for op in (port_type.element.findall(f"{{{WSDL}}}operation") if port_type else [])
            }
            for bound in binding.element.findall(f"{{{WSDL}}}operation"):
                op_id = f"{local_name(service.name)}/{port.get('name', '')}/{bound.get('name', '')}"
                operation = by_id.get(op_id)
                if operation is None or op_id in views:
                    continue
                view = OperationView(operation, service, port, bound, abstract.get(bound.get("name")))
                _fill_messages(view, contract, index)
                views[op_id] = view
    return views


def _message(contract: SoapContract, node: etree._Element | None) -> etree._Element | None:
    if node is None or contract.definitions is None:
        return None
    component = contract.definitions.messages.get(qname(node, node.get("message")) or "")
    return component.element if component is not None else None


def _fill_messages(view: OperationView, contract: SoapContract, index: SchemaIndex) -> None:
    abstract = view.abstract
    for direction in ("input", "output"):
        node = abstract.find(f"{{{WSDL}}}{direction}") if abstract is not None else None
        view.messages[direction] = _message(contract, node)
        roots: list[Key] = []
        bound = view.bound.find(f"{{{WSDL}}}{direction}")
        for header in bound.iter() if bound is not None else []:
            if isinstance(header.tag, str) and etree.QName(header).localname == "header":
                message = contract.definitions.messages.get(qname(header, header.get("message")) or "")  # type: ignore[union-attr]
                if message is not None:
                    wanted = header.get("part")
                    roots += [_root(p) for p in parts(message.element, index) if p[0] == wanted]
        view.headers[direction] = roots
    for fault in abstract.findall(f"{{{WSDL}}}fault") if abstract is not None else []:
        view.faults[fault.get("name", "")] = _message(contract, fault)


def parts(message: etree._Element | None, index: SchemaIndex) -> list[Part]:
    found: list[Part] = []
    for part in message.findall(f"{{{WSDL}}}part") if message is not None else []:
        kind = "element" if part.get("element") else "type"
        found.append((part.get("name", ""), kind, index.resolve(part, part.get(kind)) or ""))
    return found


def _root(part: Part) -> Key:
    return (part[1], part[2])


class Usage:
    """Which operations reach a schema component, and in which direction.

    Each operation keeps the reach of its request and response roots (closures memoised per root
    by the index, so shared types are walked once per contract); a component is looked up only
    when something about it changed, so an unchanged contract costs no per-component work.
    """

    def __init__(self, views: dict[str, OperationView], index: SchemaIndex) -> None:
        self.reach: dict[str, tuple[frozenset[Key], frozenset[Key]]] = {}
        for op_id, view in views.items():
            sent = [_root(p) for p in parts(view.messages.get("input"), index) if not is_builtin(p[2])]
            received = [_root(p) for p in parts(view.messages.get("output"), index) if not is_builtin(p[2])]
            for fault in view.faults.values():
                received += [_root(p) for p in parts(fault, index)]
            self.reach[op_id] = (
                index.reach(sent + view.headers["input"]),
                index.reach(received + view.headers["output"]),
            )

    def of(self, key: Key) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for op_id, (sent, received) in self.reach.items():
            directions = {d for d, reached in ((REQUEST, sent), (RESPONSE, received)) if key in reached}
            if directions:
                found[op_id] = directions
        return found

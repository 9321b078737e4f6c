"""WSDL-level drift: services, ports, operations, SOAP bindings, messages and faults.

Operations are compared by their ``Service/Port/Operation`` id, so a SOAP 1.1 and a SOAP 1.2 port
are judged separately (a change to both is merged into one report row later). Each operation's
view also yields the schema roots it sends and receives, which is how schema findings learn their
directions and operations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from toolkit.model import Change, ChangeSeverity, SoapOperation
from toolkit.soap.diff_rules import REQUEST, RESPONSE, Finding
from toolkit.soap.load import SoapContract
from toolkit.soap.schema_model import Key, SchemaIndex, is_builtin, path
from toolkit.soap.wsdl import SOAP11, SOAP12, WSDL, Component, local_name, qname
from toolkit.sunset import DEPRECATED_WORD

B, D, I = ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS, ChangeSeverity.INFO  # noqa: E741 - a rule table reads better
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


def _documentation_with(node: etree._Element | None) -> etree._Element | None:
    for doc in node.findall(f"{{{WSDL}}}documentation") if node is not None else []:
        if DEPRECATED_WORD.search(" ".join(str(text) for text in doc.itertext())):
            return doc
    return None


def _deprecation_path(view: OperationView) -> str:
    """The documentation that deprecates the operation (portType first, as the loader reads it)."""
    for node in (view.abstract, view.bound):
        doc = _documentation_with(node)
        if doc is not None:
            return path(doc)
    return _op_path(view)


def _binding_child(bound: etree._Element, localname: str, *parents: str) -> etree._Element | None:
    node = bound
    for parent in parents:
        found = node.find(f"{{{WSDL}}}{parent}")
        if found is None:
            return None
        node = found
    for child in node:
        if isinstance(child.tag, str) and etree.QName(child).localname == localname:
            return child
    return None


def _soap_version(port: etree._Element, contract: SoapContract) -> str | None:
    binding = contract.definitions.bindings.get(qname(port, port.get("binding")) or "")  # type: ignore[union-attr]
    for child in binding.element if binding is not None else []:
        if isinstance(child.tag, str) and etree.QName(child).localname == "binding":
            return {SOAP11: "1.1", SOAP12: "1.2"}.get(etree.QName(child).namespace or "")
    return None


class WsdlDiff:
    """Changes to services, ports and operations, plus message-part findings to be judged by direction."""

    def __init__(
        self,
        old: SoapContract,
        new: SoapContract,
        old_index: SchemaIndex,
        new_index: SchemaIndex,
        old_views: dict[str, OperationView],
        new_views: dict[str, OperationView],
        today: dt.date,
        renames: dict[Key, Key],
    ) -> None:
        self.old, self.new = old, new
        self.renames = renames
        self.old_index, self.new_index = old_index, new_index
        self.old_views, self.new_views = old_views, new_views
        self.today = today
        self.changes: list[Change] = []
        self.findings: list[Finding] = []

    def change(
        self,
        rule: str,
        severity: ChangeSeverity,
        message: str,
        operations: list[str],
        old: str | None,
        new: str | None,
        **extra: object,
    ) -> None:
        self.changes.append(Change(rule, severity, message, tuple(operations), old, new, **extra))  # type: ignore[arg-type]

    def run(self) -> tuple[list[Change], list[Finding]]:
        old_ports = dict(self._ports(self.old))
        new_ports = dict(self._ports(self.new))
        old_services = {service for service, _ in old_ports}
        new_services = {service for service, _ in new_ports}
        gone_ports: set[tuple[str, str]] = set()
        for (service, port), (component, element) in old_ports.items():
            ops = self._ops(self.old_views, service, port)
            if service not in new_services:
                gone_ports.add((service, port))
                self.change(
                    "service-removed",
                    B,
                    f"service '{service}' removed",
                    ops,
                    path(component.element),
                    None,
                )
            elif (service, port) not in new_ports:
                gone_ports.add((service, port))
                version = _soap_version(element, self.old)
                remaining = sorted(p for s, p in new_ports if s == service)
                self.change(
                    "port-removed",
                    B,
                    f"{_version_text(version)}port '{port}' of service '{service}' removed"
                    f"{'; remaining: ' + ', '.join(remaining) if remaining else ''}",
                    ops,
                    path(element),
                    None,
                )
        for (service, port), (component, element) in new_ports.items():
            ops = self._ops(self.new_views, service, port)
            if service not in old_services:
                self.change("service-added", I, f"service '{service}' added", ops, None, path(component.element))
            elif (service, port) not in old_ports:
                version = _soap_version(element, self.new)
                self.change(
                    "port-added",
                    I,
                    f"{_version_text(version)}port '{port}' added to service '{service}'",
                    ops,
                    None,
                    path(element),
                )
            else:
                self.compare_port(service, port, old_ports[(service, port)][1], element)
        self.compare_operations(gone_ports | {key for key in new_ports if key not in old_ports})
        return self.changes, self.findings

    def _ports(self, contract: SoapContract) -> Iterator[tuple[tuple[str, str], tuple[Component, etree._Element]]]:
        for service in contract.definitions.services:  # type: ignore[union-attr]
            for port in service.element.findall(f"{{{WSDL}}}port"):
                yield (local_name(service.name), port.get("name", "")), (service, port)

    def _ops(self, views: dict[str, OperationView], service: str, port: str) -> list[str]:
        prefix = f"{service}/{port}/"
        return [op_id for op_id in views if op_id.startswith(prefix)]

    def compare_port(self, service: str, port: str, old: etree._Element, new: etree._Element) -> None:
        ops = self._ops(self.new_views, service, port)
        old_address, new_address = _address(old), _address(new)
        if (
            old_address is not None
            and new_address is not None
            and old_address.get("location") != new_address.get("location")
        ):
            # Clients that take the endpoint from the WSDL follow; those configured with the old URL do not.
            self.change(
                "endpoint-address-changed",
                D,
                f"port '{port}' endpoint {old_address.get('location')} -> {new_address.get('location')}",
                ops,
                path(old_address, "location"),
                path(new_address, "location"),
            )
        old_binding, new_binding = (
            local_name(qname(old, old.get("binding")) or ""),
            local_name(qname(new, new.get("binding")) or ""),
        )
        old_version, new_version = _soap_version(old, self.old), _soap_version(new, self.new)
        if old_version != new_version:
            self.change(
                "port-soap-version-changed",
                B,
                f"port '{port}' now speaks {_version_text(new_version) or 'HTTP '}"
                f"(was {_version_text(old_version) or 'HTTP '})".replace(" )", ")"),
                ops,
                path(old, "binding"),
                path(new, "binding"),
            )
        elif old_binding != new_binding:
            self.change(
                "port-binding-changed",
                I,
                f"port '{port}' binding {old_binding} -> {new_binding}",
                ops,
                path(old, "binding"),
                path(new, "binding"),
            )

    # --- operations ---------------------------------------------------------------------------------

    def compare_operations(self, skipped_ports: set[tuple[str, str]]) -> None:
        def port_of(op_id: str) -> tuple[str, str]:
            service, port, _ = op_id.split("/", 2)
            return service, port

        removed = [i for i in self.old_views if i not in self.new_views and port_of(i) not in skipped_ports]
        added = [i for i in self.new_views if i not in self.old_views and port_of(i) not in skipped_ports]
        for old_id in list(removed):
            old_view = self.old_views[old_id]
            signature = self._signature(old_view, self.old_index)
            match = next(
                (
                    new_id
                    for new_id in added
                    if port_of(new_id) == port_of(old_id)
                    and self._signature(self.new_views[new_id], self.new_index) == signature
                ),
                None,
            )
            if match is not None:
                removed.remove(old_id)
                added.remove(match)
                new_view = self.new_views[match]
                self.change(
                    "operation-renamed",
                    B,
                    f"operation '{old_view.operation.name}' renamed to '{new_view.operation.name}' (same messages)",
                    [old_id, match],
                    _op_path(old_view),
                    _op_path(new_view),
                )
        for old_id in removed:
            self.operation_removed(self.old_views[old_id])
        for new_id in added:
            view = self.new_views[new_id]
            self.change(
                "operation-added", I, f"operation '{view.operation.name}' added", [new_id], None, _op_path(view)
            )
        for op_id, new_view in self.new_views.items():
            previous = self.old_views.get(op_id)
            if previous is not None:
                self.compare_operation(op_id, previous, new_view)

    def _signature(self, view: OperationView, index: SchemaIndex) -> tuple[object, ...]:
        return tuple(tuple(parts(view.messages.get(d), index)) for d in ("input", "output"))

    def operation_removed(self, view: OperationView) -> None:
        op = view.operation
        if not op.deprecated:
            self.change(
                "operation-removed",
                B,
                f"operation '{op.name}' removed without deprecation",
                [op.id],
                _op_path(view),
                None,
            )
        elif op.sunset is not None and op.sunset > self.today:
            self.change(
                "operation-removed-before-sunset",
                B,
                f"deprecated operation '{op.name}' removed before its sunset {op.sunset.isoformat()}",
                [op.id],
                _op_path(view),
                None,
                sunset=op.sunset,
            )
        else:
            when = f"its sunset {op.sunset.isoformat()} has passed" if op.sunset else "it had no sunset date"
            self.change(
                "operation-removed",
                D,
                f"deprecated operation '{op.name}' removed ({when})",
                [op.id],
                _op_path(view),
                None,
                sunset=op.sunset,
            )

    def compare_operation(self, op_id: str, old: OperationView, new: OperationView) -> None:
        self.compare_deprecation(op_id, old, new)
        before, after = old.operation, new.operation
        name = after.name
        action_old = _binding_child(old.bound, "operation")
        action_new = _binding_child(new.bound, "operation")
        if (before.soap_action or "") != (after.soap_action or ""):
            self.change(
                "operation-soap-action-changed",
                B,
                f"operation '{name}' SOAPAction {before.soap_action!r} -> {after.soap_action!r}",
                [op_id],
                _opt_path(action_old, "soapAction"),
                _opt_path(action_new, "soapAction"),
            )
        if before.style != after.style:
            self.change(
                "operation-style-changed",
                B,
                f"operation '{name}' style {before.style} -> {after.style}",
                [op_id],
                _opt_path(action_old if action_old is not None else old.bound, "style"),
                _opt_path(action_new if action_new is not None else new.bound, "style"),
            )
        if before.use != after.use:
            body_old = _binding_child(old.bound, "body", "input")
            body_new = _binding_child(new.bound, "body", "input")
            self.change(
                "operation-use-changed",
                B,
                f"operation '{name}' use {before.use} -> {after.use}",
                [op_id],
                _opt_path(body_old if body_old is not None else old.bound, "use"),
                _opt_path(body_new if body_new is not None else new.bound, "use"),
            )
        for message, direction in (("input", REQUEST), ("output", RESPONSE)):
            self.compare_parts(op_id, name, old.messages.get(message), new.messages.get(message), direction)
        self.compare_faults(op_id, name, old, new)

    def compare_deprecation(self, op_id: str, old: OperationView, new: OperationView) -> None:
        before, after = old.operation, new.operation
        where, old_where = _deprecation_path(new), _deprecation_path(old)
        if after.deprecated and not before.deprecated:
            sunset = f" (sunset {after.sunset.isoformat()})" if after.sunset else ""
            self.change(
                "operation-deprecated",
                I,
                f"operation '{after.name}' deprecated{sunset}",
                [op_id],
                None,
                where,
                sunset=after.sunset,
                deprecation=True,
            )
        elif before.deprecated and not after.deprecated:
            self.change(
                "operation-deprecation-removed",
                I,
                f"operation '{after.name}' is no longer deprecated",
                [op_id],
                old_where,
                _op_path(new),
            )
        elif after.deprecated and before.sunset != after.sunset:
            text = f"operation '{after.name}' sunset {before.sunset or '(none)'} -> {after.sunset or '(none)'}"
            if before.sunset is not None and (after.sunset is None or after.sunset > before.sunset):
                self.change(
                    "operation-sunset-moved-later",
                    I,
                    text,
                    [op_id],
                    old_where,
                    where,
                    sunset=after.sunset,
                    deprecation=True,
                )
            else:
                # An earlier (or newly announced) sunset shortens the time clients have to migrate.
                self.change(
                    "operation-sunset-moved-earlier",
                    D,
                    text,
                    [op_id],
                    old_where,
                    where,
                    sunset=after.sunset,
                    deprecation=True,
                )

    def compare_parts(
        self, op_id: str, name: str, old: etree._Element | None, new: etree._Element | None, direction: str
    ) -> None:
        old_parts = {p[0]: p for p in parts(old, self.old_index)}
        new_parts = {p[0]: p for p in parts(new, self.new_index)}
        usage = ((op_id, direction),)
        label = "request" if direction == REQUEST else "response"
        for part_name in old_parts:
            if part_name not in new_parts:
                self.findings.append(
                    Finding(
                        "part-removed",
                        f"{label} message part '{part_name}' removed",
                        _part_path(old, part_name),
                        _opt_path(new),
                        usage=usage,
                    )
                )
        for part_name, part in new_parts.items():
            if part_name not in old_parts:
                self.findings.append(
                    Finding(
                        "part-added",
                        f"{label} message part '{part_name}' added",
                        None,
                        _part_path(new, part_name),
                        usage=usage,
                    )
                )
                continue
            before = old_parts[part_name]
            if before[1] == part[1] and self._renamed(before) == part[2]:
                continue
            self.findings.append(
                Finding(
                    "part-element-changed",
                    f"{label} message part '{part_name}' {before[1]} {local_name(before[2])} -> "
                    f"{part[1]} {local_name(part[2])}",
                    _part_path(old, part_name, before[1]),
                    _part_path(new, part_name, part[1]),
                    usage=usage,
                )
            )

    def _renamed(self, part: Part) -> str:
        return self.renames.get((part[1], part[2]), (part[1], part[2]))[1]

    def compare_faults(self, op_id: str, name: str, old: OperationView, new: OperationView) -> None:
        for fault, message in old.faults.items():
            if fault not in new.faults:
                self.change(
                    "operation-fault-removed",
                    I,
                    f"operation '{name}' no longer declares fault '{fault}'",
                    [op_id],
                    _fault_path(old, fault),
                    _op_path(new),
                )
            elif parts(message, self.old_index) != parts(new.faults[fault], self.new_index):
                self.change(
                    "operation-fault-changed",
                    D,
                    f"operation '{name}' fault '{fault}' carries a different detail",
                    [op_id],
                    _fault_path(old, fault),
                    _fault_path(new, fault),
                )
        for fault in new.faults:
            if fault not in old.faults:
                # A client may now receive a fault it has no handler (or generated class) for.
                self.change(
                    "operation-fault-added",
                    D,
                    f"operation '{name}' may now return fault '{fault}'",
                    [op_id],
                    _op_path(old),
                    _fault_path(new, fault),
                )


def _version_text(version: str | None) -> str:
    return f"SOAP {version} " if version else ""


def _address(port: etree._Element) -> etree._Element | None:
    for child in port:
        if isinstance(child.tag, str) and etree.QName(child).localname == "address":
            return child
    return None


def _opt_path(node: etree._Element | None, attribute: str | None = None) -> str | None:
    return path(node, attribute) if node is not None else None


def _op_path(view: OperationView) -> str:
    return path(view.abstract if view.abstract is not None else view.bound)


def _fault_path(view: OperationView, fault: str) -> str:
    if view.abstract is not None:
        for node in view.abstract.findall(f"{{{WSDL}}}fault"):
            if node.get("name") == fault:
                return path(node)
    return _op_path(view)


def _part_path(message: etree._Element | None, part_name: str, attribute: str | None = None) -> str | None:
    for part in message.findall(f"{{{WSDL}}}part") if message is not None else []:
        if part.get("name") == part_name:
            return path(part, attribute)
    return _opt_path(message)

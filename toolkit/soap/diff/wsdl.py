"""WSDL-level drift: services, ports, endpoint addresses and SOAP versions, then each port's operations.

A service or port that disappeared is one change listing its operations, not one per operation;
the operations of ports present in both versions are compared by ``wsdl_operations``, over
the per-operation view of ``wsdl_views``.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from toolkit.model import Change
from toolkit.soap.diff.rules import B, D, Finding, I
from toolkit.soap.diff.wsdl_operations import OperationRules
from toolkit.soap.diff.wsdl_views import OperationView
from toolkit.soap.load import SoapContract
from toolkit.soap.wsdl import SOAP11, SOAP12, WSDL, Component, local_name, qname
from toolkit.soap.xsd.schema_index import path


def _soap_version(port: etree._Element, contract: SoapContract) -> str | None:
    binding = contract.definitions.bindings.get(qname(port, port.get("binding")) or "")  # type: ignore[union-attr]
    for child in binding.element if binding is not None else []:
        if isinstance(child.tag, str) and etree.QName(child).localname == "binding":
            return {SOAP11: "1.1", SOAP12: "1.2"}.get(etree.QName(child).namespace or "")
    return None


class WsdlDiff(OperationRules):
    """Changes to services, ports and operations, plus message-part findings to be judged by direction."""

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


def _version_text(version: str | None) -> str:
    return f"SOAP {version} " if version else ""


def _address(port: etree._Element) -> etree._Element | None:
    for child in port:
        if isinstance(child.tag, str) and etree.QName(child).localname == "address":
            return child
    return None

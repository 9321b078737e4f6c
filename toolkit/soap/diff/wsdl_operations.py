"""WSDL drift per operation: added, removed or renamed, SOAP binding attributes, deprecation, messages, faults.

Operations are compared by their ``Service/Port/Operation`` id, so a SOAP 1.1 and a SOAP 1.2 port
are judged separately (a change to both is merged into one report row later). Binding attributes,
deprecation and faults become changes here; message parts become findings, judged later by the
direction in which each operation uses them, like schema findings.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from toolkit.model import DEFAULT_DRIFT_POLICIES, Change, ChangeSeverity, DriftPolicies
from toolkit.soap.diff.rules import REQUEST, RESPONSE, B, D, Finding, I
from toolkit.soap.diff.wsdl_views import OperationView, Part, parts
from toolkit.soap.load import SoapContract
from toolkit.soap.wsdl import WSDL, local_name
from toolkit.soap.xsd.schema_index import Key, SchemaIndex, path
from toolkit.sunset import DEPRECATED_WORD


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


def _binding_path(bound: etree._Element, attribute: str, localname: str, *parents: str) -> str:
    """Where a SOAP binding attribute is written, or the binding operation when it is left to its default."""
    holder = _binding_child(bound, localname, *parents)
    return path(holder if holder is not None else bound, attribute)


class OperationRules:
    """The state of one WSDL comparison and its operation rules; ``wsdl.WsdlDiff`` adds services and ports."""

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
        policies: DriftPolicies = DEFAULT_DRIFT_POLICIES,
    ) -> None:
        self.old, self.new = old, new
        self.policies = policies
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
            # breaking, as graphql-core and GraphQL Inspector grade a deprecated field's removal: a client still
            # calling it fails; dangerous only under the team's opt-in policy deprecated-removal-is-dangerous
            when = f"its sunset {op.sunset.isoformat()} has passed" if op.sunset else "it had no sunset date"
            relaxed = self.policies.relaxes("deprecated-removal-is-dangerous")
            self.change(
                "operation-removed",
                D if relaxed else B,
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
        for attribute, before_value, after_value, holder in (
            ("style", before.style, after.style, ("operation",)),
            ("use", before.use, after.use, ("body", "input")),
        ):
            if before_value != after_value:
                self.change(
                    f"operation-{attribute}-changed",
                    B,
                    f"operation '{name}' {attribute} {before_value} -> {after_value}",
                    [op_id],
                    _binding_path(old.bound, attribute, *holder),
                    _binding_path(new.bound, attribute, *holder),
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
            if before.sunset is None:
                # a date announced for what was deprecated without one: info, as in GraphQL (SUNSET_ADDED)
                rule, severity, action = "operation-sunset-added", I, True
            elif after.sunset is None or after.sunset > before.sunset:
                rule, severity, action = "operation-sunset-moved-later", I, False  # good news: nothing to do
            else:
                # clients have less time to migrate than they were promised: breaking in every protocol
                # (oasdiff's api-sunset-date-changed-too-small for OpenAPI, SUNSET_MOVED_EARLIER for GraphQL)
                rule, severity, action = "operation-sunset-moved-earlier", B, True
            self.change(rule, severity, text, [op_id], old_where, where, sunset=after.sunset, deprecation=action)

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

"""``diff(old, new)``: what changed between two versions of a WSDL contract, as it affects a client.

No other tool diffs WSDL, so ctk carries the rules itself, in oasdiff's style: one rule id per kind
of change, graded breaking / dangerous / info from the client's side. This module joins the parts:
namespace pairing (a changed targetNamespace is one change, not every component removed and
re-added), type renames, the WSDL rules (wsdl), the schema rules (xsd) judged by the
direction in which each operation reaches a component (rules), and one merged, sorted list.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from toolkit.errors import CtkError
from toolkit.model import DEFAULT_DRIFT_POLICIES, Change, ChangeSeverity, Contract, DriftPolicies
from toolkit.soap.diff.rules import Finding, judge
from toolkit.soap.diff.wsdl import WsdlDiff
from toolkit.soap.diff.wsdl_views import Usage, operation_views
from toolkit.soap.diff.xsd import SchemaDiff
from toolkit.soap.load import SoapContract
from toolkit.soap.wsdl import Definitions, local_name
from toolkit.soap.xsd.schema_index import Key, SchemaIndex, namespace_of

__all__ = ["diff"]

_RENAMEABLE = ("type", "group", "attributeGroup")


def diff(
    old: Contract, new: Contract, *, today: dt.date | None = None, policies: DriftPolicies = DEFAULT_DRIFT_POLICIES
) -> list[Change]:
    """Every change from ``old`` to ``new`` (two loaded WSDL contracts), in a stable order.

    ``today`` decides whether a removed operation's announced sunset has passed; ``policies`` are the team's
    opt-in relaxations (``deprecated-removal-is-dangerous``: a deprecated operation removed after its sunset,
    or without one, is dangerous instead of breaking).
    """
    if (
        not isinstance(old, SoapContract)
        or not isinstance(new, SoapContract)
        or not old.definitions
        or not new.definitions
    ):
        raise CtkError(
            "the WSDL diff compares two WSDL contracts",
            where=f"{old.source} -> {new.source}",
            hint="load both versions with load_contract; both must be WSDL 1.1",
        )
    today = today or dt.date.today()
    namespaces = namespace_map(old.definitions, new.definitions)
    old_index = SchemaIndex(old.definitions, namespaces)
    new_index = SchemaIndex(new.definitions)
    old_views, new_views = operation_views(old, old_index), operation_views(new, new_index)
    old_usage, new_usage = Usage(old_views, old_index), Usage(new_views, new_index)
    renames = find_renames(old_index, new_index)
    before = {new_key: old_key for old_key, new_key in renames.items()}

    def usage_of(key: Key) -> dict[str, set[str]]:
        merged: dict[str, set[str]] = {}
        for table, lookup in ((new_usage, key), (old_usage, before.get(key, key))):
            for op_id, directions in table.of(lookup).items():
                merged.setdefault(op_id, set()).update(directions)
        return merged

    findings = SchemaDiff(old_index, new_index, renames, lambda key: bool(usage_of(key))).run()
    changes, part_findings = WsdlDiff(
        old, new, old_index, new_index, old_views, new_views, today, renames, policies
    ).run()
    changes += _namespace_changes(old, new, namespaces, old_usage)
    order = {op.id: i for i, op in enumerate([*new.operations, *old.operations])}
    changes += _judge(findings + part_findings, usage_of)
    return _merge(changes, order)


def namespace_map(old: Definitions, new: Definitions) -> dict[str, str]:
    """OLD namespace -> NEW namespace for each targetNamespace that changed.

    A namespace of OLD that NEW no longer has is paired with the new namespace whose components
    share the most local names with it; components then pair up by meaning.
    """
    old_names, new_names = _names_by_namespace(old), _names_by_namespace(new)
    mapping: dict[str, str] = {}
    fresh = [ns for ns in new_names if ns not in old_names]
    for namespace, names in sorted(old_names.items()):
        if namespace in new_names or not fresh:
            continue
        overlap = Counter({candidate: len(names & new_names[candidate]) for candidate in fresh})
        best, count = overlap.most_common(1)[0]
        if count:
            mapping[namespace] = best
            fresh.remove(best)
    return mapping


def _names_by_namespace(definitions: Definitions) -> dict[str, set[tuple[str, str]]]:
    result: dict[str, set[tuple[str, str]]] = {}
    tables = ("messages", "port_types", "bindings", "elements", "types", "attributes", "groups", "attribute_groups")
    for table in tables:
        for name in getattr(definitions, table):
            result.setdefault(namespace_of(name), set()).add((table, local_name(name)))
    for service in definitions.services:
        result.setdefault(namespace_of(service.name), set()).add(("services", local_name(service.name)))
    return result


def _namespace_changes(
    old: SoapContract,
    new: SoapContract,
    namespaces: dict[str, str],
    old_usage: Usage,
) -> list[Change]:
    changes: list[Change] = []
    assert old.definitions is not None and new.definitions is not None
    for before, after in sorted(namespaces.items()):
        if before == old.definitions.target_namespace:
            operations = [op.id for op in new.operations]
            where = "wsdl:definitions/@targetNamespace"
        else:
            reached = {
                op_id
                for op_id, (sent, received) in old_usage.reach.items()
                if any(namespace_of(key[1]) == after for key in sent | received)
            }
            operations = sorted(reached)
            where = "xs:schema/@targetNamespace"
        changes.append(
            Change(
                "target-namespace-changed",
                ChangeSeverity.BREAKING,
                f"target namespace '{before}' became '{after}': every element in it changes name",
                tuple(operations),
                where,
                where,
            )
        )
    return changes


def find_renames(old: SchemaIndex, new: SchemaIndex) -> dict[Key, Key]:
    """Named types (and groups) that disappeared while one with the very same definition appeared."""
    renames: dict[Key, Key] = {}
    for kind in _RENAMEABLE:
        fresh: dict[str, list[Key]] = {}
        for key, component in new.components.items():
            if key[0] == kind and key not in old.components:
                fresh.setdefault(new.signature(component.element), []).append(key)
        for key, component in old.components.items():
            if key[0] == kind and key not in new.components:
                candidates = fresh.get(old.signature(component.element), [])
                if len(candidates) == 1:
                    renames[key] = candidates.pop()
    return renames


def _judge(findings: list[Finding], usage_of: Callable[[Key], dict[str, set[str]]]) -> list[Change]:
    """Schema and part findings, each with the rule and severity of its strictest direction."""
    grouped: dict[tuple[str, str, str | None, str | None, Key | None], dict[str, set[str]]] = {}
    for finding in findings:
        key = (finding.kind, finding.message, finding.old, finding.new, finding.component)
        target = grouped.setdefault(key, {})
        reach = usage_of(finding.component) if finding.component is not None else {}
        for op_id, directions in reach.items():
            target.setdefault(op_id, set()).update(directions)
        for op_id, direction in finding.usage:
            target.setdefault(op_id, set()).add(direction)
    changes: list[Change] = []
    for (kind, message, old, new, _), reach in grouped.items():
        if not reach:
            continue  # no operation sends or receives it: nothing a client can notice
        rule, severity = judge(kind, {d for directions in reach.values() for d in directions})
        changes.append(Change(rule, severity, message, tuple(reach), old, new))
    return changes


def _merge(changes: list[Change], order: dict[str, int]) -> list[Change]:
    """One row per change: the same change on several ports (or operations) lists them all."""
    merged: dict[tuple[object, ...], set[str]] = {}
    first: dict[tuple[object, ...], Change] = {}
    key: tuple[object, ...]
    for change in changes:
        key = (change.id, change.severity, change.message, change.old, change.new, change.sunset, change.deprecation)
        merged.setdefault(key, set()).update(change.operations)
        first.setdefault(key, change)
    result = []
    for key, operations in merged.items():
        change = first[key]
        ordered = tuple(sorted(operations, key=lambda op_id: (order.get(op_id, len(order)), op_id)))
        result.append(
            Change(
                change.id,
                change.severity,
                change.message,
                ordered,
                change.old,
                change.new,
                change.sunset,
                change.deprecation,
                change.source,
            )
        )
    result.sort(key=lambda c: (-c.severity.rank, c.id, c.location or "", c.message))
    return result

"""OpenAPI drift: the changes between two versions of a contract, as they affect a client.

Rule ids and default levels are oasdiff's (the reference tool, ~500 rules), so reports can be
checked against it; severities follow ctk's direction rule (see ``levels``). The work is
split by what is compared:

- ``nodes``          both sides read alike ($refs followed, Swagger 2.0 read as 3.x)
- ``endpoints``      endpoints added/removed/deprecated, sunsets, operation attributes, security
- ``operations``     parameters, request bodies and responses of an operation both sides have
- ``schemas``        two schemas compared by meaning, with pruning and memoisation
- ``keywords``       the keywords of one schema level compared (type, enum, bounds, deprecation, …)
- ``typesets``       how a type, format or list-of-types change reads where it is (direction, JSON or text)
- ``document``       webhooks, security schemes, component schemas, servers
- ``emit``           ids, severities, messages: one ``Change`` per operation (and media type)
- ``policy``         what depends on a team's policy: sunset notice, stability tracking, semver bumps
"""

from __future__ import annotations

import datetime as dt

from toolkit.errors import UnknownFormatError
from toolkit.model import DEFAULT_DRIFT_POLICIES, Change, ChangeSeverity, Contract, DriftPolicies
from toolkit.openapi.diff.document import compare_document
from toolkit.openapi.diff.emit import Emitter
from toolkit.openapi.diff.endpoints import compare_endpoint, compare_stability, global_security, removed
from toolkit.openapi.diff.nodes import Side, normalise_path, operations, view
from toolkit.openapi.diff.operations import compare_operation
from toolkit.openapi.diff.policy import DEFAULT_POLICY, DiffPolicy, stability_label, versioning_violation
from toolkit.openapi.diff.schemas import SchemaDiff
from toolkit.openapi.load import OpenAPIContract


def diff(
    old: Contract,
    new: Contract,
    *,
    today: dt.date | None = None,
    policy: DiffPolicy | None = None,
    policies: DriftPolicies = DEFAULT_DRIFT_POLICIES,
) -> list[Change]:
    """Every change from ``old`` to ``new``, in a stable order (document order of OLD, then additions).

    ``policy`` holds oasdiff's configurable rules (sunset notice, stability tracking); its defaults are oasdiff's.
    Without it, they are read from ``policies`` (the team's drift policies, shared by every protocol).
    """
    if policy is None:
        policy = (
            DEFAULT_POLICY
            if policies == DEFAULT_DRIFT_POLICIES
            else DiffPolicy(
                min_sunset_beta_days=policies.sunset_days("beta"),
                min_sunset_stable_days=policies.sunset_days("stable"),
                stability_level=policies.stability_level,
            )
        )
    before, after = Side(as_openapi(old, "old")), Side(as_openapi(new, "new"))
    out = Emitter(today or dt.date.today(), policy)
    schemas = SchemaDiff(before, after, policy)
    old_ops, new_ops = operations(before), operations(after)
    new_items = {key[0]: item for key, (_, item, _) in new_ops.items()}
    new_paths = _declared_paths(after)  # every path NEW declares, with or without operations
    for key, (path, item, op) in old_ops.items():
        op_id = f"{key[1].upper()} {path}"
        if key not in new_ops:
            # a whole path gone is api-path-removed-*, one method of a path that stays is api-removed-*
            whole = key[0] not in new_paths
            kept = new_items.get(key[0])
            where = after.where(kept.uri, kept.ptr) if kept is not None else "/paths"
            removed(before, op_id, op, item, whole, where, out)
            continue
        new_path, new_item, new_op = new_ops[key]
        new_id = f"{key[1].upper()} {new_path}"
        if schemas.same(op, new_op) and schemas.same(item, new_item):
            continue  # equal raw subtrees whose $refs lead to equal components: nothing to find
        level = new_op.value.get("x-stability-level")
        if stability_label(level) is not None and not policy.tracks(level):
            compare_stability(before, after, new_id, op, new_op, out)
            continue
        compare_endpoint(before, after, new_id, op, new_op, item, new_item, out)
        compare_operation(
            before,
            after,
            view(before, path, key[1], item, op),
            view(after, new_path, key[1], new_item, new_op),
            schemas,
            out,
        )
    for key, (path, _item, op) in new_ops.items():
        if key not in old_ops:
            op_id = f"{key[1].upper()} {path}"
            out.add("endpoint-added", f"{op_id}: the operation was added", op_id, None, after.where(op.uri, op.ptr))
    global_security(before, after, out)
    compare_document(before, after, out)
    _versioning(before, after, out)
    return out.changes


def _versioning(old: Side, new: Side, out: Emitter) -> None:
    """A breaking change released without the semver bump it calls for (judged after every other rule)."""
    if not any(change.severity is ChangeSeverity.BREAKING for change in out.changes):
        return
    found = versioning_violation(old.contract.version, new.contract.version)
    if found is not None:
        out.add(found[0], found[1], None, "/info/version", "/info/version")


def as_openapi(contract: Contract, side: str) -> OpenAPIContract:
    if not isinstance(contract, OpenAPIContract) or contract.resolver is None:
        raise UnknownFormatError(
            f"the {side} contract is {contract.protocol}, not OpenAPI",
            where=contract.source,
            hint="compare two versions of the same kind of contract",
        )
    return contract


def _declared_paths(side: Side) -> set[str]:
    paths = side.root.value.get("paths")
    return {normalise_path(p) for p in paths if isinstance(p, str)} if isinstance(paths, dict) else set()

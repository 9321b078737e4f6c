"""Endpoints: added, removed (with or without deprecation, before or after ``x-sunset``), deprecated,
reactivated, sunsets moved; and the operation's own attributes (operationId, tags, security,
``x-stability-level``).

A sunset is the date until which a deprecated endpoint keeps working, so removing it before that
date breaks clients that were promised time; removing it after (or with no date) is expected.
"""

from __future__ import annotations

from typing import Any

from toolkit.openapi.diff.emit import Emitter
from toolkit.openapi.diff.nodes import Node, Side
from toolkit.openapi.diff.policy import STABILITY, stability_label
from toolkit.sunset import parse_sunset


def _sunset_of(op: Node, item: Node) -> Any:
    value = op.value.get("x-sunset")
    return value if value is not None else item.value.get("x-sunset") if isinstance(item.value, dict) else None


def removed(old: Side, op_id: str, op: Node, item: Node, whole_path: bool, new_where: str | None, out: Emitter) -> None:
    """An operation of OLD that NEW does not have."""
    level = op.value.get("x-stability-level")
    where = old.where(op.uri, op.ptr)
    if stability_label(level) is None:
        # what it promised cannot be read, so its removal is not judged: the level is the finding (as oasdiff)
        _invalid_stability(op_id, level, old.where(op.uri, op.at("x-stability-level")), new_where, out)
        return
    if not out.policy.tracks(level):
        return  # below the tracked level (default: draft and alpha) no compatibility is promised
    head = "api-path" if whole_path else "api"
    what = "the path and its operation" if whole_path else "the operation"
    if op.value.get("deprecated") is not True:
        out.add(
            f"{head}-removed-without-deprecation",
            f"{op_id}: {what} was removed without deprecation",
            op_id,
            where,
            new_where,
        )
        return
    raw = _sunset_of(op, item)
    if raw is None:
        out.add(
            f"{head}-removed-with-deprecation",
            f"{op_id}: {what} was removed after deprecation",
            op_id,
            where,
            new_where,
        )
        return
    sunset = parse_sunset(raw)
    if sunset is None:
        rule = "api-path-sunset-parse" if whole_path else "api-deprecated-sunset-parse"
        out.add(rule, f"{op_id}: the sunset {raw!r} of the removed operation is not a date", op_id, where, new_where)
    elif out.today < sunset:
        out.add(
            f"{head}-removed-before-sunset",
            f"{op_id}: {what} was removed before its sunset {sunset}",
            op_id,
            where,
            new_where,
            sunset=sunset,
        )
    else:
        out.add(
            f"{head}-removed-with-deprecation",
            f"{op_id}: {what} was removed after its sunset {sunset}",
            op_id,
            where,
            new_where,
            sunset=sunset,
        )


def compare_endpoint(old: Side, new: Side, op_id: str, o: Node, n: Node, oi: Node, ni: Node, out: Emitter) -> None:
    """Lifecycle and operation-level attributes of an operation both versions have."""
    ov, nv = o.value, n.value
    where_old, where_new = old.where(o.uri, o.ptr), new.where(n.uri, n.ptr)
    was, now = ov.get("deprecated") is True, nv.get("deprecated") is True
    raw_old, raw_new = _sunset_of(o, oi), _sunset_of(n, ni)
    # an unreadable x-stability-level on either side is a finding of its own, and the rules that depend on
    # the level (deprecation notice) are not judged against a level nobody can read (as oasdiff)
    readable = stability_label(nv.get("x-stability-level")) is not None
    if now and not was and readable:
        sunset = parse_sunset(raw_new) if raw_new is not None else None
        stability = nv.get("x-stability-level")
        days = out.policy.deprecation_days(stability)
        if raw_new is not None and sunset is None:
            out.add(
                "api-deprecated-sunset-parse",
                f"{op_id}: deprecated with a sunset {raw_new!r} that is not a date",
                op_id,
                where_old,
                where_new,
                deprecation=True,
            )
        elif sunset is None and days > 0:
            out.add(
                "api-deprecated-sunset-missing",
                f"{op_id}: the operation was deprecated without a sunset date (the policy asks for {days} days)",
                op_id, where_old, where_new, deprecation=True,
            )  # fmt: skip
        elif sunset is not None and out.policy.sunset_too_soon(sunset, out.today, stability):
            out.add(
                "api-sunset-date-too-small",
                f"{op_id}: the operation was deprecated with sunset {sunset}, less than {days} days from {out.today}",
                op_id, where_old, where_new, sunset=sunset, deprecation=True,
            )  # fmt: skip
        elif sunset is not None:
            out.add(
                "endpoint-deprecated-with-sunset",
                f"{op_id}: the operation was deprecated, sunset {sunset}",
                op_id,
                where_old,
                where_new,
                sunset=sunset,
                deprecation=True,
            )
        else:
            out.add(
                "endpoint-deprecated",
                f"{op_id}: the operation was deprecated (no sunset date)",
                op_id,
                where_old,
                where_new,
                deprecation=True,
            )
    elif was and not now:
        out.add("endpoint-reactivated", f"{op_id}: the operation is no longer deprecated", op_id, where_old, where_new)
    elif was and now and raw_old is not None and raw_old != raw_new:
        if raw_new is None:
            out.add(
                "sunset-deleted",
                f"{op_id}: the sunset {raw_old} of the deprecated operation was deleted",
                op_id,
                where_old,
                where_new,
            )
        else:
            before, after = parse_sunset(raw_old), parse_sunset(raw_new)
            if before is None or after is None:
                bad = raw_old if before is None else raw_new
                out.add(
                    "api-path-sunset-parse", f"{op_id}: the sunset {bad!r} is not a date", op_id, where_old, where_new
                )
            elif after < before and readable:
                out.add(
                    "api-sunset-date-changed-too-small",
                    f"{op_id}: the sunset moved earlier, from {before} to {after}",
                    op_id, where_old, where_new, sunset=after, deprecation=True,
                )  # fmt: skip
    _attributes(op_id, ov, nv, where_old, where_new, out)
    _security(op_id, ov.get("security"), nv.get("security"), where_old, where_new, out, "api")


def _attributes(
    op_id: str, ov: dict[str, Any], nv: dict[str, Any], where_old: str, where_new: str, out: Emitter
) -> None:
    a, b = ov.get("operationId"), nv.get("operationId")
    if a != b:
        if a is None:
            out.add("api-operation-id-added", f"{op_id}: operationId `{b}` was added", op_id, where_old, where_new)
        elif b is None:
            out.add("api-operation-id-removed", f"{op_id}: operationId `{a}` was removed", op_id, where_old, where_new)
        else:
            out.add(
                "api-operation-id-removed",
                f"{op_id}: operationId changed from `{a}` to `{b}`",
                op_id,
                where_old,
                where_new,
            )
    old_tags = [t for t in ov.get("tags") or [] if isinstance(t, str)] if isinstance(ov.get("tags"), list) else []
    new_tags = [t for t in nv.get("tags") or [] if isinstance(t, str)] if isinstance(nv.get("tags"), list) else []
    out.members("api-tag", "tag", old_tags, new_tags, op_id, where_old, where_new)
    _stability(op_id, ov.get("x-stability-level"), nv.get("x-stability-level"), where_old, where_new, out)


def compare_stability(old: Side, new: Side, op_id: str, o: Node, n: Node, out: Emitter) -> None:
    """Only the ``x-stability-level`` of an operation whose other changes are not tracked (its level in NEW
    is below the policy's: oasdiff leaves such operations out of every other rule)."""
    where_old, where_new = old.where(o.uri, o.ptr), new.where(n.uri, n.ptr)
    _stability(op_id, o.value.get("x-stability-level"), n.value.get("x-stability-level"), where_old, where_new, out)


def _stability(op_id: str, raw_old: Any, raw_new: Any, where_old: str, where_new: str, out: Emitter) -> None:
    """``x-stability-level`` of an operation both versions have: unreadable on either side (each reported,
    changed or not), or moved between levels (no level is ``stable``), when the policy tracks the level left."""
    before, after = stability_label(raw_old), stability_label(raw_new)
    if before is None:
        _invalid_stability(op_id, raw_old, f"{where_old}/x-stability-level", None, out)
    if after is None:
        _invalid_stability(op_id, raw_new, None, f"{where_new}/x-stability-level", out)
    if before is None or after is None or before == after or not out.policy.tracks(before):
        return
    rule = "api-stability-decreased" if STABILITY.index(after) < STABILITY.index(before) else "api-stability-increased"
    out.add(rule, f"{op_id}: stability changed from {before} to {after}", op_id, where_old, where_new)


def _invalid_stability(op_id: str, value: Any, where_old: str | None, where_new: str | None, out: Emitter) -> None:
    side = "OLD" if where_old is not None else "NEW"
    out.add(
        "api-invalid-stability-level",
        f"{op_id}: x-stability-level {value!r} ({side}) is not one of {', '.join(STABILITY)}",
        op_id,
        where_old,
        where_new,
    )


def _requirements(value: Any) -> dict[str, set[str]]:
    """A security requirement list as {"scheme+scheme": scopes}: each entry is one alternative."""
    found: dict[str, set[str]] = {}
    if not isinstance(value, list):
        return found
    for requirement in value:
        if isinstance(requirement, dict):
            name = " AND ".join(sorted(str(k) for k in requirement)) or "(none)"
            scopes = {f"{k}:{s}" for k, v in requirement.items() if isinstance(v, list) for s in v}
            found[name] = scopes
    return found


def _security(
    op_id: str | None, before: Any, after: Any, where_old: str | None, where_new: str | None, out: Emitter, head: str
) -> None:
    """Security requirements of an operation (head "api") or of the document (head "api-global")."""
    if before == after:
        return
    a, b = _requirements(before), _requirements(after)
    label = f"{op_id}: " if op_id else ""
    out.members(f"{head}-security", "security requirement", a, b, op_id, where_old, where_new)
    for name in a:
        if name in b:
            for scope in sorted(b[name] - a[name]):
                out.add(
                    f"{head}-security-scope-added",
                    f"{label}scope `{scope}` was added to `{name}`",
                    op_id,
                    where_old,
                    where_new,
                )
            for scope in sorted(a[name] - b[name]):
                out.add(
                    f"{head}-security-scope-removed",
                    f"{label}scope `{scope}` was removed from `{name}`",
                    op_id,
                    where_old,
                    where_new,
                )


def global_security(old: Side, new: Side, out: Emitter) -> None:
    _security(
        None,
        old.root.value.get("security"),
        new.root.value.get("security"),
        "/security",
        "/security",
        out,
        "api-global",
    )

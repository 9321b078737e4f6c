"""What changed inside one operation both versions have: parameters, request body, responses.

Findings are reported per operation and, for bodies, per media type, as oasdiff does, so counts
match it. Parameters are matched by (in, name) — header names case-insensitively, path parameters
by their position in the path, so renaming ``{id}`` to ``{userId}`` changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Protocol, TypeVar

from toolkit.openapi.diff.emit import Emitter, Place, strongly_typed
from toolkit.openapi.diff.facts import Fact
from toolkit.openapi.diff.media import pair_renamed, rename_rule
from toolkit.openapi.diff.nodes import Node, OperationView, ParamView, Side
from toolkit.openapi.diff.schemas import SchemaDiff
from toolkit.sunset import parse_sunset

Headers = dict[str, tuple[Node, Node | None, bool]]


def compare_operation(
    old: Side, new: Side, o: OperationView, n: OperationView, schemas: SchemaDiff, out: Emitter
) -> None:
    """The caller has pruned operations whose raw subtrees (and their ``$ref`` targets) are equal."""
    _parameters(old, new, o, n, schemas, out)
    _request_body(old, new, o, n, schemas, out)
    _responses(old, new, o, n, schemas, out)


class _Viewed(Protocol):
    node: Node


_K = TypeVar("_K")
_V = TypeVar("_V", bound=_Viewed)


def _changed(
    old: Side, new: Side, before: dict[_K, _V], after: dict[_K, _V], schemas: SchemaDiff
) -> Iterator[tuple[_K, _V, _V, str, str]]:
    """(key, old view, new view, old location, new location) of what both sides have and that differs."""
    for key, a in before.items():
        b = after.get(key)
        if b is not None and not schemas.same(a.node, b.node):
            yield key, a, b, old.where(a.node.uri, a.node.ptr), new.where(b.node.uri, b.node.ptr)


def _param_label(param: ParamView) -> str:
    return f"the {param.where} parameter `{param.name}`"


def _parameters(old: Side, new: Side, o: OperationView, n: OperationView, schemas: SchemaDiff, out: Emitter) -> None:
    op = n.id
    for key, before in o.params.items():
        if key in n.params:
            continue
        where_old = old.where(before.node.uri, before.node.ptr)
        where_new = new.where(n.node.uri, n.node.ptr)
        raw_sunset = before.node.value.get("x-sunset")
        sunset = parse_sunset(raw_sunset) if raw_sunset is not None else None
        if before.node.value.get("deprecated") is True:
            if raw_sunset is not None and sunset is None:
                # the promised date cannot be read, so whether the removal came too early cannot be judged
                rule, why = "request-parameter-sunset-parse", f"but its sunset {raw_sunset!r} is not a date"
            elif sunset is not None and out.today < sunset:
                rule, why = "request-parameter-removed-before-sunset", f"before its sunset {sunset}"
            else:
                rule, why = "request-parameter-removed-with-deprecation", "after deprecation"
        else:
            rule, why = "request-parameter-removed", "without deprecation"
        out.add(rule, f"{op}: {_param_label(before)} was removed {why}", op, where_old, where_new)
    for key, after in n.params.items():
        if key in o.params:
            continue
        kind = "required" if after.required else "optional"
        if after.where == "path":
            rule = "new-request-path-parameter"
        elif after.path_level:
            rule = f"new-{kind}-request-default-parameter-to-existing-path"
        else:
            rule = f"new-{kind}-request-parameter"
        out.add(
            rule,
            f"{op}: {kind} {_param_label(after)} was added",
            op,
            old.where(o.node.uri, o.node.ptr),
            new.where(after.node.uri, after.node.ptr),
        )
    for _key, before, after, where_old, where_new in _changed(old, new, o.params, n.params, schemas):
        label = _param_label(after)
        if before.required != after.required:
            rule = "request-parameter-became-required" if after.required else "request-parameter-became-optional"
            out.add(
                rule, f"{op}: {label} became {'required' if after.required else 'optional'}", op, where_old, where_new
            )
        stability = n.node.value.get("x-stability-level")
        _parameter_lifecycle(before, after, op, label, where_old, where_new, out, stability)
        place = Place(
            "parameter",
            label,
            strict=True,
            header=after.where == "header",
            stability=stability,
            form_explode=_form_explode(after, new.swagger),
        )
        out.facts(_item_bounds_as_parameter(schemas.compare(before.schema, after.schema, "request")), place, op)


_ITEM_BOUNDS = ("max-items-increased", "max-items-decreased")


def _item_bounds_as_parameter(facts: list[Fact]) -> list[Fact]:
    """``maxItems`` moved on an array parameter's ``items`` counts as the parameter's own, unless the parameter's
    own ``maxItems`` moved too (oasdiff reads both places for ``request-parameter-max-items-*``)."""
    if any(not f.path and f.rules[0] in _ITEM_BOUNDS for f in facts):
        return facts
    return [replace(f, path=()) if f.path == ("items",) and f.rules[0] in _ITEM_BOUNDS else f for f in facts]


def _form_explode(param: ParamView, swagger: bool) -> bool:
    """Serialised form/explode (``?color=red&color=blue``), the default for query and cookie parameters
    (Swagger 2.0: ``collectionFormat: multi``)."""
    value = param.node.value
    if param.where not in ("query", "cookie"):
        return False
    if swagger:
        return param.where == "query" and value.get("collectionFormat") == "multi"
    style = value.get("style", "form")
    return style == "form" and value.get("explode", style == "form") is True


def _parameter_lifecycle(
    before: ParamView,
    after: ParamView,
    op: str,
    label: str,
    where_old: str,
    where_new: str,
    out: Emitter,
    stability: object,
) -> None:
    was, now = before.node.value.get("deprecated") is True, after.node.value.get("deprecated") is True
    if now and not was:
        _parameter_deprecated(after, op, label, where_old, where_new, out, stability)
    elif was and not now:
        out.add("request-parameter-reactivated", f"{op}: {label} is no longer deprecated", op, where_old, where_new)
    if not (was and now):
        return
    raw_old, raw_new = before.node.value.get("x-sunset"), after.node.value.get("x-sunset")
    if raw_old is None or raw_old == raw_new:
        return
    if raw_new is None:
        out.add(
            "request-parameter-sunset-deleted",
            f"{op}: the sunset {raw_old} of {label} was deleted",
            op,
            where_old,
            where_new,
        )
        return
    old_date, new_date = parse_sunset(raw_old), parse_sunset(raw_new)
    if old_date is None or new_date is None:
        bad = raw_old if old_date is None else raw_new
        out.add(
            "request-parameter-sunset-parse",
            f"{op}: the sunset {bad!r} of {label} is not a date",
            op,
            where_old,
            where_new,
        )
    elif new_date < old_date:
        out.add(
            "request-parameter-sunset-date-changed-too-small",
            f"{op}: the sunset of {label} moved earlier, from {old_date} to {new_date}",
            op, where_old, where_new, sunset=new_date, deprecation=True,
        )  # fmt: skip


def _parameter_deprecated(
    after: ParamView, op: str, label: str, where_old: str, where_new: str, out: Emitter, stability: object
) -> None:
    """A parameter newly deprecated: with a readable sunset far enough ahead (oasdiff's policy), or not."""
    raw = after.node.value.get("x-sunset")
    days = out.policy.deprecation_days(stability)
    sunset = parse_sunset(raw) if raw is not None else None
    if raw is None and days > 0:
        rule = "request-parameter-deprecated-sunset-missing"
        why = f"without a sunset date (the policy asks for {days} days)"
    elif raw is None:
        rule, why = "request-parameter-deprecated", ""
    elif sunset is None:
        rule, why = "request-parameter-sunset-parse", f"with a sunset {raw!r} that is not a date"
    elif out.policy.sunset_too_soon(sunset, out.today, stability):
        rule = "request-parameter-sunset-date-too-small"
        why = f"with sunset {sunset}, less than {days} days from {out.today}"
    else:
        rule, why = "request-parameter-deprecated", f"with sunset {sunset}"
    message = f"{op}: {label} was deprecated" + (f" {why}" if why else "")
    out.add(rule, message, op, where_old, where_new, sunset=sunset, deprecation=True)


def _request_body(old: Side, new: Side, o: OperationView, n: OperationView, schemas: SchemaDiff, out: Emitter) -> None:
    op = n.id
    if o.body is None and n.body is None:
        return
    if o.body is None:
        assert n.body is not None
        kind = "required" if n.body.required else "optional"
        out.add(
            f"request-body-added-{kind}",
            f"{op}: a {kind} request body was added",
            op,
            old.where(o.node.uri, o.node.ptr),
            new.where(n.body.node.uri, n.body.node.ptr),
        )
        return
    where_old = old.where(o.body.node.uri, o.body.node.ptr)
    if n.body is None:
        out.add(
            "request-body-removed",
            f"{op}: the request body was removed",
            op,
            where_old,
            new.where(n.node.uri, n.node.ptr),
        )
        return
    where_new = new.where(n.body.node.uri, n.body.node.ptr)
    if o.body.required != n.body.required:
        rule = "request-body-became-required" if n.body.required else "request-body-became-optional"
        out.add(
            rule,
            f"{op}: the request body became {'required' if n.body.required else 'optional'}",
            op,
            where_old,
            where_new,
        )
    for media, schema in o.body.content.items():
        if media not in n.body.content:
            out.add(
                "request-body-media-type-removed",
                f"{op}: the media type `{media}` was removed from the request body",
                op,
                where_old,
                where_new,
            )
            continue
        after = n.body.content[media]
        if schema is None and after is not None:
            out.add(
                "request-body-media-type-schema-added",
                f"{op}: a schema was added to the `{media}` request body",
                op,
                where_old,
                where_new,
            )
        elif schema is not None and after is None:
            out.add(
                "request-body-media-type-schema-removed",
                f"{op}: the schema of the `{media}` request body was removed",
                op,
                where_old,
                where_new,
            )
        else:
            place = Place(
                "request-body",
                f"the request body ({media})",
                strict=strongly_typed(media),
                stability=n.node.value.get("x-stability-level"),
            )
            out.facts(schemas.compare(schema, after, "request"), place, op)
    for media in n.body.content:
        if media not in o.body.content:
            out.add(
                "request-body-media-type-added",
                f"{op}: the media type `{media}` was added to the request body",
                op,
                where_old,
                where_new,
            )


def _success(status: str) -> bool:
    return status.startswith("2") or status.upper() == "2XX"


def _responses(old: Side, new: Side, o: OperationView, n: OperationView, schemas: SchemaDiff, out: Emitter) -> None:
    op = n.id
    responses_old = old.where(o.node.uri, o.node.at("responses"))
    responses_new = new.where(n.node.uri, n.node.at("responses"))
    for status, before in o.responses.items():
        if status in n.responses:
            continue
        rule = "response-success-status-removed" if _success(status) else "response-non-success-status-removed"
        out.add(
            rule,
            f"{op}: the response status {status} was removed",
            op,
            old.where(before.node.uri, before.node.ptr),
            responses_new,
        )
    for status, after in n.responses.items():
        if status in o.responses:
            continue
        rule = "response-success-status-added" if _success(status) else "response-non-success-status-added"
        out.add(
            rule,
            f"{op}: the response status {status} was added",
            op,
            responses_old,
            new.where(after.node.uri, after.node.ptr),
        )
    for status, before, after, where_old, where_new in _changed(old, new, o.responses, n.responses, schemas):
        renamed = dict(
            pair_renamed(
                [m for m in before.content if m not in after.content],
                [m for m in after.content if m not in before.content],
            )
        )
        for old_media, schema in before.content.items():
            media = old_media if old_media in after.content else renamed.get(old_media)
            if media is None:
                out.add(
                    "response-media-type-removed",
                    f"{op}: the media type `{old_media}` was removed from the {status} response",
                    op,
                    where_old,
                    where_new,
                )
                continue
            if media != old_media:
                rule, why = rename_rule(old_media, media)
                out.add(
                    rule,
                    f"{op}: the media type `{old_media}` of the {status} response became `{media}`: {why}",
                    op, where_old, where_new,
                )  # fmt: skip
            other = after.content[media]
            if schema is not None and other is None:
                out.add(
                    "response-body-media-type-schema-removed",
                    f"{op}: the schema of the `{media}` {status} response was removed",
                    op,
                    where_old,
                    where_new,
                )
            elif schema is None and other is not None:
                out.add(
                    "response-body-media-type-schema-added",
                    f"{op}: a schema was added to the `{media}` {status} response",
                    op,
                    where_old,
                    where_new,
                )
            else:
                place = Place(
                    "response-body",
                    f"the {status} response ({media})",
                    strict=strongly_typed(media),
                    stability=n.node.value.get("x-stability-level"),
                )
                out.facts(schemas.compare(schema, other, "response"), place, op)
        for media in after.content:
            if media not in before.content and media not in renamed.values():
                out.add(
                    "response-media-type-added",
                    f"{op}: the media type `{media}` was added to the {status} response",
                    op,
                    where_old,
                    where_new,
                )
        _headers(old, new, op, status, before.headers, after.headers, schemas, out)


def _headers(
    old: Side, new: Side, op: str, status: str, before: Headers, after: Headers, schemas: SchemaDiff, out: Emitter
) -> None:
    for name, (node, schema, required) in before.items():
        if name in after:
            other_node, other_schema, other_required = after[name]
            where_old, where_new = old.where(node.uri, node.ptr), new.where(other_node.uri, other_node.ptr)
            if required and not other_required:
                out.add(
                    "response-header-became-optional",
                    f"{op}: the response header `{name}` ({status}) became optional",
                    op,
                    where_old,
                    where_new,
                )
            place = Place("header", f"the response header `{name}` ({status})", strict=False)  # text on the wire
            out.facts(schemas.compare(schema, other_schema, "response"), place, op)
            continue
        rule = "required-response-header-removed" if required else "optional-response-header-removed"
        out.add(
            rule, f"{op}: the response header `{name}` ({status}) was removed", op, old.where(node.uri, node.ptr), None
        )
    for name, (node, _schema, _required) in after.items():
        if name not in before:
            out.add(
                "response-header-added",
                f"{op}: the response header `{name}` ({status}) was added",
                op,
                None,
                new.where(node.uri, node.ptr),
            )

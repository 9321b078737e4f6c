"""Flattening ``allOf`` (and ``$ref`` with siblings) into one schema, so a generator can be built for it.

A value for ``allOf: [A, B]`` must satisfy both; generating from A and B separately and merging
the results rarely works, generating from one schema that carries both sets of constraints
usually does. The merge is an approximation on purpose (what it cannot merge it keeps from the
first schema); every generated value is checked against the real schema anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_ANNOTATIONS_OF_PARTS = ("examples", "default", "title", "description")


class NoValueError(Exception):
    """A generator branch cannot produce a value; the nearest choice point tries another."""


def def_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def flatten(node: Any, defs: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``node`` with its ``allOf`` and ``$ref`` merged in; a ``$ref`` back into ``seen`` stays a ``$ref``."""
    if node is True or node is None:
        return {}
    if node is False:
        return {"not": {}}
    if not isinstance(node, dict):
        return {}
    out: dict[str, Any] = {}
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = def_name(ref)
        if name in seen or name not in defs:
            out = {"$ref": ref}
        else:
            out = flatten(defs[name], defs, seen | {name})
            out.pop("examples", None)  # an example of the target may not fit the siblings
            out.pop("default", None)
    for part in node.get("allOf") or ():
        flat = flatten(part, defs, seen)
        for key in _ANNOTATIONS_OF_PARTS:
            flat.pop(key, None)
        out = merge(out, flat)
    rest = {key: value for key, value in node.items() if key not in ("$ref", "allOf")}
    return merge(out, rest)


def merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    if not first:
        return dict(second)
    out = dict(first)
    for key, value in second.items():
        if key not in out:
            out[key] = value
        elif key == "properties" and isinstance(value, dict):
            properties = dict(out[key])
            for name, schema in value.items():
                properties[name] = {"allOf": [properties[name], schema]} if name in properties else schema
            out[key] = properties
        elif key == "required" and isinstance(value, list):
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key == "type":
            mine, theirs = _types(out[key]), _types(value)
            kinds = [kind for kind in mine if kind in theirs]
            if (
                "integer" not in kinds
                and {"integer", "number"} <= {*mine, *theirs}
                and (("integer" in mine and "number" in theirs) or ("number" in mine and "integer" in theirs))
            ):
                kinds.append("integer")  # an integer is a number: the intersection is integer
            out[key] = kinds
        elif key == "enum" and isinstance(value, list):
            mine_keys = {_key(item) for item in out[key]}
            out[key] = [item for item in value if _key(item) in mine_keys]
        elif key in _LOWER_BOUNDS and _number(value) and _number(out[key]):
            out[key] = max(out[key], value)
        elif key in _UPPER_BOUNDS and _number(value) and _number(out[key]):
            out[key] = min(out[key], value)
        elif key in ("anyOf", "oneOf") and out[key] != value:
            # two choices to satisfy at once: keep the first to generate from, the check does the rest
            out.setdefault("x-unmerged", []).append({key: value})
        elif key == "additionalProperties" and value is False:
            out[key] = False
    return out


def _types(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [item for item in value if isinstance(item, str)]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)

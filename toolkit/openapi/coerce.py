"""Typing string values by their schema: form bodies, deepObject and exploded query values arrive as
strings even where the schema wants numbers or booleans.

Walks the value (not the schema), so the cost is proportional to the request, and follows the
bundled JSON Schema a ``Validator`` compiled (``$defs``/``$ref``, compositions) to learn which types
each position admits.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from toolkit.documents import unescape_pointer_token

_MAX_DEPTH = 32


def coerce(value: Any, schema: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    if depth > _MAX_DEPTH or not isinstance(schema, dict):
        return value
    schemas = composed_schemas(schema, defs, 0)
    if isinstance(value, (str, int, float, bool)) and not isinstance(value, dict):
        types = [t for s in schemas for t in declared_types(s)]
        if "array" in types and not ({"string", "integer", "number", "boolean"} & set(types)):
            # a form field given once is one value; the schema says it is a list of one
            items = [s["items"] for s in schemas if isinstance(s.get("items"), dict)]
            return [coerce(value, items[0], defs, depth + 1) if items else value]
        return _convert(value, types) if isinstance(value, str) else value
    numbered = isinstance(value, dict) and value and all(isinstance(k, str) and k.isdecimal() for k in value)
    wants_list = any("array" in declared_types(s) for s in schemas) and not any(
        "object" in declared_types(s) for s in schemas
    )
    if numbered and wants_list:  # a[0]=x&a[2]=y: numbered form fields where the schema wants a list
        return coerce([value[key] for key in sorted(value, key=int)], schema, defs, depth)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = [
                s["properties"][key]
                for s in schemas
                if isinstance(s.get("properties"), dict) and key in s["properties"]
            ]
            if not sub:
                sub = [s["additionalProperties"] for s in schemas if isinstance(s.get("additionalProperties"), dict)]
            out[key] = coerce(item, sub[0], defs, depth + 1) if sub else item
        return out
    if isinstance(value, list):
        items = [s["items"] for s in schemas if isinstance(s.get("items"), dict)]
        if items:
            return [coerce(item, items[0], defs, depth + 1) for item in value]
    return value


def composed_schemas(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    """The schema and every schema it is composed of (through $ref, allOf, anyOf, oneOf)."""
    if depth > 8:
        return []
    out = [schema]
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(unescape_pointer_token(ref[len("#/$defs/") :]))
        if isinstance(target, dict):
            out.extend(composed_schemas(target, defs, depth + 1))
    for keyword in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(keyword) or ():
            if isinstance(sub, dict):
                out.extend(composed_schemas(sub, defs, depth + 1))
    return out


def declared_types(schema: dict[str, Any]) -> list[str]:
    """The names a schema's ``type`` keyword gives (a string or a list of them); none when it has none."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    return []


def typed_candidates(text: str, types: tuple[str, ...] | list[str]) -> list[Any]:
    """The values a string may stand for, given the types allowed, in the types' order, the string last:
    the caller (or a validator) picks the first that fits."""
    out: list[Any] = []
    for kind in types:
        if kind == "integer":
            with contextlib.suppress(ValueError):  # also past Python's integer-digit limit: then it is text
                out.append(int(text))
        elif kind == "number":
            try:
                number = float(text)
            except ValueError:
                continue
            if not math.isfinite(number):
                continue  # "1e999", "nan": no JSON number, and an answer repeating it would not be JSON
            out.append(int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number)
        elif kind == "boolean" and text in ("true", "false"):
            out.append(text == "true")
        elif kind == "null" and text in ("", "null"):
            out.append(None)
    out.append(text)
    return out


def _convert(text: str, types: list[str]) -> Any:
    return text if not types or "string" in types else typed_candidates(text, types)[0]

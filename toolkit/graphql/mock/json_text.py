"""JSON text of answer values, byte for byte what the GraphQL mock's ``json.dumps`` of a whole answer writes.

The mock writes answers as ``json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)``.
A compiled plan (``plan``, ``plan_source``) writes its answer's ``data`` as text directly, value by value, so each
value must read exactly as that call would write it inside the document: strings through the same C escaper
(``encode_string``: non-ASCII kept, a lone surrogate kept for the final ``backslashreplace``), ints and floats by
their ``repr``, anything else (a custom scalar's dict, a list of leaves) through one C encoder made once with the
same options (``json_text``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

__all__ = ["encode_string", "json_text", "scalar_text"]

# json.dumps(ensure_ascii=False)'s string escaper: the C one where CPython has it, as the encoder itself uses
encode_string: Callable[[str], str] = json.encoder.encode_basestring

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _writer() -> Callable[[Any], str]:
    """``_COMPACT.encode``, through the C encoder made once rather than per call. Made without the circular-reference
    check: answers are fresh trees of generated values, never cyclic (one would be a RecursionError instead of a
    ValueError: the answer fails either way). Where CPython's C encoder is missing, the encoder itself."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython has it
        return _COMPACT.encode
    try:  # (markers, default, encoder, indent, key_separator, item_separator, sort_keys, skipkeys, allow_nan)
        chunks = make(None, _COMPACT.default, encode_string, None, ":", ",", False, False, False)
    except TypeError:  # pragma: no cover - another signature than CPython 3.11-3.13's
        return _COMPACT.encode
    return lambda value: "".join(chunks(value, 0))


json_text: Callable[[Any], str] = _writer()


def scalar_text(value: Any) -> str:
    """``json_text`` of one value, the common kinds without the encoder's call."""
    kind = type(value)
    if kind is str:
        return encode_string(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    return json_text(value)

"""What every backend does the same way: values as compact JSON text, the two refusals, a counter's ttl.

Every backend keeps a value as the JSON text ``encode`` makes, so a value read back is what a JSON
round trip gives (tuples become lists, keys strings) and never the caller's own object, whatever the
backend; the size refused is the size of that text. Counters are kept apart from values: ``get``,
``items`` and ``count`` see values only, ``incr`` counters only; ``delete`` and ``clear`` remove both.
A namespace holds at most ``max_stored_items`` values and, apart, as many live counters.
"""

from __future__ import annotations

import json
import math
from typing import Any

from toolkit.limits import Limits
from toolkit.sandbox.stores.errors import StoreFullError

_ENCODER = json.JSONEncoder(separators=(",", ":"))  # ASCII only: a lone surrogate of a JSON string survives
_HINT = (
    "reset the session (clear its namespaces) or raise the limit (ctk serve --limit {name}=N, sandbox.toml [limits])"
)


def encode(value: Any, namespace: str, limits: Limits) -> str:
    """``value`` as compact JSON text; ``StoreFullError`` when it is longer than ``max_body`` bytes."""
    text = _ENCODER.encode(value)
    if len(text) > limits.max_body:  # ASCII: one character is one byte
        raise StoreFullError(
            f"a value of {len(text)} bytes as JSON is more than max_body ({limits.max_body}) allows",
            limit="max_body",
            namespace=namespace,
            where=namespace,
            hint=_HINT.format(name="max_body"),
        )
    return text


def decode(text: str | bytes) -> Any:
    return json.loads(text)


def full(namespace: str, limits: Limits, what: str = "values") -> StoreFullError:
    """The refusal of one more key in a namespace that holds ``max_stored_items`` already."""
    return StoreFullError(
        f"the namespace holds {limits.max_stored_items} {what}, the most max_stored_items allows; nothing was evicted",
        limit="max_stored_items",
        namespace=namespace,
        where=namespace,
        hint=_HINT.format(name="max_stored_items"),
    )


def checked_ttl(ttl: float | None) -> float | None:
    """``ttl`` if it is None or a positive finite number of seconds; ValueError otherwise (a caller's bug)."""
    if ttl is not None and (isinstance(ttl, bool) or not math.isfinite(ttl) or ttl <= 0):
        raise ValueError(f"a counter's ttl must be a positive number of seconds, not {ttl!r}")
    return ttl


def checked_by(by: int) -> int:
    if isinstance(by, bool) or not isinstance(by, int):
        raise TypeError(f"a counter is incremented by an integer, not {by!r}")
    return by

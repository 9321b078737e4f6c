"""Integers and numbers within bounds and multiples, realistic by property name where possible.

Both validators must agree with the value: jsonschema_rs (the mock's) and the Python ``jsonschema``
library (the independent check in the tests, and what many clients use). They disagree on float
``multipleOf`` (Python divides in binary floating point), so a value is accepted only when the
Python formula agrees too.

Bounds are contract input: integers beyond a float's precision (``minimum: 10**30``) are drawn with
Python's exact integers, and steps or bounds that overflow a float (``multipleOf: 1e-300`` beside
``minimum: 1e300``, YAML's ``.inf``) make that draw give up, never the mock.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from toolkit.fake import Fake
from toolkit.openapi.generate.merge import NoValueError

Gen = Callable[[random.Random, int], Any]
_SPAN = 1000  # the range drawn from when a side is unbounded


def number_generator(
    node: dict[str, Any],
    kind: str,
    name: str | None,
    fake: Fake,
    checker_of: Callable[[Any], Any],
) -> Gen:
    integer = kind == "integer"
    minimum, maximum = _num(node.get("minimum")), _num(node.get("maximum"))
    ex_min, ex_max = _num(node.get("exclusiveMinimum")), _num(node.get("exclusiveMaximum"))
    step = _num(node.get("multipleOf"))
    low = max((bound for bound in (minimum, ex_min) if bound is not None), default=None)
    high = min((bound for bound in (maximum, ex_max) if bound is not None), default=None)
    keys = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
    constrained = {key: node[key] for key in keys if key in node}
    checker = checker_of({"type": kind, **constrained}) if constrained else None

    def ok(value: Any) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            return False  # JSON has no infinity
        try:
            if checker is not None and not checker.is_valid(value):
                return False
        except (ValueError, OverflowError):  # a number the validator cannot represent
            return False
        if step is not None:
            try:
                if isinstance(step, float) or isinstance(value, float):
                    quotient = value / step
                    return math.isfinite(quotient) and int(quotient) == quotient
                return bool(value % step == 0)
            except (OverflowError, ZeroDivisionError):
                return False
        return True

    # exact integers where the bounds are integers (10**30 is not a float's), floats otherwise
    exact = all(bound is None or isinstance(bound, int) for bound in (low, high))
    a: int | float
    b: int | float
    if low is None and high is None:
        a, b = (1, _SPAN)
    elif high is None:
        a, b = low, low + _SPAN  # type: ignore[operator,assignment]
    elif low is None:
        a, b = (1 if high >= _SPAN else high - _SPAN), high
    else:
        a, b = low, high
    if not exact:
        a, b = float(a), float(b)

    def draw(rng: random.Random) -> Any:
        try:
            return _draw(rng, a, b, step, integer)
        except (OverflowError, ValueError, ZeroDivisionError):  # infinities, or quotients past a float
            return None

    def gen(rng: random.Random, depth: int) -> Any:
        if name:
            value = fake.integer_by_name(name, rng) if integer else fake.number_by_name(name, rng)
            if value is not None and ok(value):
                return value
        for _ in range(6):
            value = draw(rng)
            if value is not None and ok(value):
                return value
        for edge in (low, high, 0):  # the bounds themselves, when inclusive
            usable = edge is not None and (isinstance(edge, int) or (math.isfinite(edge) and edge.is_integer()))
            if edge is not None and (usable or (not integer and math.isfinite(edge))):
                value = int(edge) if integer else edge
                if ok(value):
                    return value
        raise NoValueError

    return gen


def _draw(rng: random.Random, a: int | float, b: int | float, step: int | float | None, integer: bool) -> Any:
    if step is not None and step > 0:
        if isinstance(step, int) and isinstance(a, int) and isinstance(b, int):
            first, last = -(-a // step), b // step
        else:
            first, last = math.ceil(a / step), math.floor(b / step)
        if first > last:
            return None
        multiple = rng.randint(first, min(last, first + _SPAN)) * step
        if integer:
            return multiple if isinstance(multiple, int) else (int(multiple) if multiple.is_integer() else None)
        return multiple if isinstance(step, int) else round(multiple, 10)
    if integer:
        first, last = math.ceil(a), math.floor(b)
        return rng.randint(first, last) if first <= last else None
    return round(rng.uniform(a, b), 2)


def _num(value: Any) -> int | float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

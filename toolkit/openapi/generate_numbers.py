"""Integers and numbers within bounds and multiples, realistic by property name where possible.

Both validators must agree with the value: jsonschema_rs (the mock's) and the Python ``jsonschema``
library (the independent check in the tests, and what many clients use). They disagree on float
``multipleOf`` (Python divides in binary floating point), so a value is accepted only when the
Python formula agrees too.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from toolkit.fake import Fake
from toolkit.openapi.generate_merge import NoValueError

Gen = Callable[[random.Random, int], Any]
_SPAN = 1000  # the range drawn from when a side is unbounded


def number_generator(
    node: dict[str, Any], kind: str, name: str | None, fake: Fake, checker_of: Callable[[Any], Any]
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
        if checker is not None and not checker.is_valid(value):
            return False
        if step is not None:
            if isinstance(step, float):
                quotient = value / step
                return math.isfinite(quotient) and int(quotient) == quotient
            return bool(value % step == 0)
        return True

    if low is None and high is None:
        a, b = (1.0, float(_SPAN))
    elif high is None:
        a, b = float(low), float(low) + _SPAN  # type: ignore[arg-type]
    elif low is None:
        a, b = (1.0 if high >= _SPAN else float(high) - _SPAN), float(high)
    else:
        a, b = float(low), float(high)

    def draw(rng: random.Random) -> Any:
        if step is not None and step > 0:
            first, last = math.ceil(a / step), math.floor(b / step)
            if first > last:
                return None
            multiple = rng.randint(first, min(last, first + _SPAN)) * step
            if integer:
                return int(multiple) if float(multiple).is_integer() else None
            return multiple if isinstance(step, int) else round(multiple, 10)
        if integer:
            first, last = math.ceil(a), math.floor(b)
            return rng.randint(first, last) if first <= last else None
        return round(rng.uniform(a, b), 2)

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
            if edge is not None and (not integer or float(edge).is_integer()):
                value = int(edge) if integer else edge
                if ok(value):
                    return value
        raise NoValueError

    return gen


def _num(value: Any) -> int | float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

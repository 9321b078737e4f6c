"""The REST mock's JSON writer (``responses.encode_json``: orjson, the stdlib's encoder for what orjson refuses)
writes the values the stdlib's compact encoder writes: the same text for strings, integers, booleans, nulls and
ordinary floats, the same values where the two spell a number differently (``1e16`` against ``1e+16``)."""

from __future__ import annotations

import json
import math
import random
from typing import Any

from toolkit.openapi.mock.responses import encode_json

_STDLIB = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return rng.choice(["", "plain", "é ü 漢字 🙂", 'quote " and \\ backslash', "\n\t\x00\x1f", "\u2028\u2029"])
    if kind == 1:
        return rng.choice([0, -1, 2**31, -(2**63), 2**63 - 1, rng.randrange(-(10**12), 10**12)])
    if kind == 2:
        return rng.choice([0.0, -0.0, 1.5, 0.1, 1e16, 1e-5, 123456.789, 1.7976931348623157e308, 5e-324,
                           rng.uniform(-1e6, 1e6)])  # fmt: skip
    if kind == 3:
        return rng.choice([True, False])
    if kind in (4, 5):
        return None
    if kind == 6:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {f"k{index}": _value(rng, depth + 1) for index in range(rng.randrange(4))}


def test_the_same_json_values_as_the_stdlib_encoder_and_the_same_text_but_exponents() -> None:
    rng = random.Random(11)
    exponents = 0
    for _ in range(3000):
        value = _value(rng)
        ours, stdlib = encode_json(value), _STDLIB.encode(value).encode()
        assert json.loads(ours) == json.loads(stdlib), value
        if not _exponent_float(value):
            assert ours == stdlib, value
        else:
            exponents += 1
    assert exponents > 100  # both kinds were written


def _exponent_float(value: Any) -> bool:
    """Whether a float the stdlib writes in exponent form (``1e+16``) is anywhere in ``value``."""
    if isinstance(value, float):
        return "e" in repr(value)
    if isinstance(value, list):
        return any(map(_exponent_float, value))
    if isinstance(value, dict):
        return any(map(_exponent_float, value.values()))
    return False


def test_what_orjson_refuses_is_written_by_the_stdlib_encoder() -> None:
    huge = {"id": 2**70, "nested": [10**30]}  # past 64 bits
    assert encode_json(huge) == _STDLIB.encode(huge).encode()
    keyed = {200: "ok", "x": 1}  # a key that is not a string (YAML examples can have them)
    assert encode_json(keyed) == _STDLIB.encode(keyed).encode()
    assert json.loads(encode_json({"n": math.nan})) == {"n": None}  # NaN (only an example can hold one): null

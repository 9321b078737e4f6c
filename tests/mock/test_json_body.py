"""The one JSON reader (toolkit.mock.json_body): nesting, surrogates, huge numbers, NaN, in the C parser's time."""

from __future__ import annotations

import pytest

from toolkit.mock.json_body import json_nesting_exceeds, load_json


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (nested(65), "nesting"),
        (nested(200_000), "nesting"),  # the C decoder's RecursionError, caught
        (b'[{"a":' * 33 + b"1" + b"}]" * 33, "nesting"),
        (b"[" * 100, "nesting"),  # unparsable and too deep: the depth is named
        (b'{"a": "\\ud800"}', "surrogate"),
        (b'{"\\udc00": 1}', "surrogate"),
        (b'["\\ud83d x"]', "surrogate"),  # a high one followed by no low one
        (b'["\\ude00\\ud83d"]', "surrogate"),  # the halves in the wrong order
        (b'["\\ud83d\\ude00\\ude00"]', "surrogate"),  # a pair, then a low one alone
        (b'["\\\\\\ud800"]', "surrogate"),  # an escaped backslash, then a real escape
        (b'["\\\\", "\\ude00"]', "surrogate"),  # the same, with the backslashes elsewhere
        (b'["\\\\", "\\ud83d\\ude00\\ude00"]', "surrogate"),
        (b'["\xed\xa0\x80"]', "invalid"),  # a surrogate encoded in the bytes: not UTF-8
        (b"[NaN]", "invalid"),
        (b"[-Infinity]", "invalid"),
        (b"[1e400]", "invalid"),
        (b"[" + b"7" * 5000 + b"]", "invalid"),
        (b"{", "invalid"),
    ],
)
def test_refusals(raw: bytes, kind: str) -> None:
    value, refusal = load_json(raw, 64)
    assert value is None and refusal is not None and refusal.kind == kind


def test_accepted_values() -> None:
    assert load_json(nested(64), 64)[1] is None
    assert load_json(b'["\\ud83d\\ude00", "\\\\ud800", "\\uD83D\\uDE00"]', 64) == (
        ["\U0001f600", "\\ud800", "\U0001f600"],
        None,
    )
    assert load_json(b'["\\\\", "\\ud83d\\ude00", "\\\\ude00"]', 64) == (["\\", "\U0001f600", "\\ude00"], None)
    assert load_json(b'["[[[[[[[[", "{{{{{{{{{{"]', 3) == (["[[[[[[[[", "{{{{{{{{{{"], None)  # brackets in strings
    assert load_json(b"[[],[[],[[],[[[]]]]]]", 6) == ([[], [[], [[], [[[]]]]]], None)
    assert load_json('{"a": 1.5}', 64) == ({"a": 1.5}, None)
    assert load_json('["\u00e9"]'.encode("utf-16"), 64) == (["\u00e9"], None)


def test_text_with_a_surrogate_character_is_refused() -> None:
    _, refusal = load_json('["\ud800"]', 64)
    assert refusal is not None and refusal.kind == "surrogate"


@pytest.mark.parametrize(
    ("text", "limit", "exceeds"),
    [
        (nested(64), 64, False),
        (nested(65), 64, True),
        (b'["[[[[[[[[", "\\"[[[[[["]', 3, False),
        (b"[" * 100, 64, True),
        (b'"unterminated \\" [[[[[[[[[', 3, False),
    ],
)
def test_byte_scan(text: bytes, limit: int, exceeds: bool) -> None:
    assert json_nesting_exceeds(text, limit) is exceeds


def test_a_body_starting_with_a_brace_is_read_as_detect_encoding_would_read_it() -> None:
    """load_json skips json.detect_encoding for a "{" not followed by a NUL (it would say UTF-8): the same values
    and refusals as with the detection, on UTF-8, UTF-16 and UTF-32 bodies and random bytes after a brace."""
    import json
    import random

    from toolkit.mock.json_body import load_json

    rng = random.Random(7)
    bodies = [text.encode(codec) for text in ('{"a": "é"}', "{}", '{"x": [1, 2]}')
              for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")]  # fmt: skip
    bodies += [b"{" + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 8))) for _ in range(3000)]
    for body in bodies:
        try:
            expected = json.loads(body.decode(json.detect_encoding(body)))
        except (UnicodeDecodeError, ValueError, RecursionError):
            expected = None
        value, refusal = load_json(body, 64)
        if expected is None:
            assert refusal is not None, body
        else:
            assert refusal is None and value == expected, body

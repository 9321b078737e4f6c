"""Reading a REST request within the limits: JSON nesting, refusals, forms, multipart, violations, echoes."""

from __future__ import annotations

import json

import pytest

from toolkit.exchange import Violation
from toolkit.limits import DEFAULT_LIMITS
from toolkit.openapi.coerce import typed_candidates
from toolkit.openapi.jsonschema import Validator
from toolkit.openapi.mock.multipart import read_multipart
from toolkit.openapi.mock.prefer import parse_prefer
from toolkit.openapi.mock.reading import echo_fits, json_nesting_exceeds, nest_form, read_form, read_json, read_query
from toolkit.openapi.mock.violations import Violations


def nested(depth: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * depth + close * depth).encode()


@pytest.mark.parametrize(
    ("text", "limit", "exceeds"),
    [
        (nested(64), 64, False),
        (nested(65), 64, True),
        (b'[{"a":' * 32 + b"1" + b"}]" * 32, 64, False),  # 64 levels, mixed
        (b'[{"a":' * 33 + b"1" + b"}]" * 33, 64, True),
        (b'["[[[[[[[[", "\\"[[[[[["]', 3, False),  # brackets inside strings, escaped quotes
        (b"[[],[[],[[],[[[[]]]]]]]", 5, True),  # siblings between the levels
        (b"[" * 100, 64, True),  # never closed
        (b"[1, 2, 3]", 64, False),
        (b'"unterminated \\" [[[[[[[[[', 3, False),
    ],
)
def test_json_nesting_is_measured_on_the_bytes(text: bytes, limit: int, exceeds: bool) -> None:
    assert json_nesting_exceeds(text, limit) is exceeds
    if not exceeds and text.count(b"[") == text.count(b"]"):
        _, refusal = read_json(text, limit)
        assert refusal is None or "nests" not in refusal.detail


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (nested(100_000), "nests deeper than 64"),
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"\\udc00": 1}', "lone surrogate"),
        (b"[NaN]", "NaN is not a JSON number"),
        (b"[-Infinity]", "is not a JSON number"),
        (b"[1e400]", "out of range"),
        (b"[" + b"7" * 5000 + b"]", "more than 4300 digits"),
        (b"{", "not valid JSON"),
    ],
)
def test_json_refusals_name_the_problem(raw: bytes, words: str) -> None:
    value, refusal = read_json(raw, 64)
    assert value is None and refusal is not None and refusal.status == 400
    assert words in refusal.detail


def test_json_keeps_surrogate_pairs_and_escaped_text() -> None:
    value, refusal = read_json(b'["\\ud83d\\ude00", "\\\\ud800"]', 64)
    assert refusal is None and value == ["\U0001f600", "\\ud800"]


def test_form_limits() -> None:
    _, refusal = read_form("a=1&" * 1000 + "a=2", 1000, 64)
    assert refusal is not None and refusal.status == 413 and "max_form_fields" in refusal.detail
    _, refusal = read_form("a" + "[b]" * 65 + "=1", 1000, 64)
    assert refusal is not None and refusal.status == 400 and "max_nesting" in refusal.detail
    value, refusal = read_form("a" + "[b]" * 64 + "=1", 1000, 64)
    assert refusal is None and "a" in value
    assert read_query("&".join(["q=1"] * 1001), 1000)[1] is not None
    assert read_query("&".join(["q=1"] * 1000), 1000) == ([("q", "1")] * 1000, None)


def test_form_repeated_keys_append_in_place_and_numeric_keys_stay_keys() -> None:
    value, _ = nest_form([("a", "1"), ("a", "2"), ("a", "3"), ("b[]", "x"), ("b[]", "y")], 64)
    assert value == {"a": ["1", "2", "3"], "b": ["x", "y"]}
    value, _ = nest_form([("m[0]", "x"), ("m[1]", "y")], 64)
    assert value == {"m": ["x", "y"]}
    for keys in (["01", "1"], ["0", "2"], ["9" * 5000]):  # not 0..n-1 exactly, and int() would raise
        value, refusal = nest_form([(f"m[{key}]", "v") for key in keys], 64)
        assert refusal is None and value == {"m": dict.fromkeys(keys, "v")}


def multipart(*parts: str, boundary: str = "bnd") -> tuple[str, bytes]:
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    return f"multipart/form-data; boundary={boundary}", body.encode("latin-1")


def test_multipart_reads_fields_files_json_and_base64() -> None:
    content_type, body = multipart(
        'Content-Disposition: form-data; name="name"\r\n\r\nRex',
        'Content-Disposition: form-data; name="photo"; filename="a;b.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG',
        'Content-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n{"a": [1]}',
        'Content-Disposition: form-data; name="b64"\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=',
        'Content-Disposition: form-data; name="q\\"uoted"\r\n\r\nx',
        "Content-Type: text/plain\r\n\r\nno name: skipped",
    )
    pairs, refusal = read_multipart(content_type, body, 100, 64)
    assert refusal is None
    assert pairs == [("name", "Rex"), ("photo", "\x89PNG"), ("meta", {"a": [1]}), ("b64", "hi"), ('q"uoted', "x")]


def test_multipart_limits_and_malformed() -> None:
    content_type, body = multipart(*['Content-Disposition: form-data; name="f"\r\n\r\nx'] * 101)
    _, refusal = read_multipart(content_type, body, 100, 64)
    assert refusal is not None and refusal.status == 413 and "max_multipart_parts" in refusal.detail
    assert read_multipart("multipart/form-data", body, 100, 64)[1] is not None  # no boundary
    deep = "[" * 1000 + "]" * 1000
    content_type, body = multipart(
        f'Content-Disposition: form-data; name="j"\r\nContent-Type: application/json\r\n\r\n{deep}'
    )
    assert read_multipart(content_type, body, 100, 64) == ([("j", deep)], None)  # kept as text


def validator(schema: dict[str, object]) -> Validator:
    import jsonschema_rs

    return Validator(schema, "test", _compiled=jsonschema_rs.Draft202012Validator(schema))


def test_violations_are_capped_counted_and_clipped() -> None:
    limits = DEFAULT_LIMITS.replace(max_violations=3, max_echo_length=50)
    found = Violations(limits)
    check = validator({"type": "object", "propertyNames": {"maxLength": 2}})
    instance = {f"key{index}" + "x" * 100: 1 for index in range(10)}
    found.schema(check, instance, 100, lambda pointer, message: Violation("body", message, pointer=pointer))
    errors = found.errors()
    assert found.total == 10 and len(errors) == 4
    assert errors[-1] == {"more": 7, "detail": "and 7 more"}
    assert all(len(error["detail"]) <= 50 + 30 for error in errors)  # each message renders a 104-char key
    assert found.summary() == "the request does not match the contract (10 problems, the first 3 listed)"


def test_violations_of_a_large_part_stop_at_the_first() -> None:
    found = Violations(DEFAULT_LIMITS)
    check = validator({"type": "array", "items": {"type": "string"}})
    found.schema(
        check, [1] * 100_000, DEFAULT_LIMITS.max_violation_scan + 1, lambda p, m: Violation("body", m, pointer=p)
    )
    errors = found.errors()
    assert found.total == 1 and errors[0]["pointer"] == "/0"
    assert errors[-1]["detail"].startswith("and possibly more")
    assert "at least 1 problem" in found.summary()


def test_statuses_and_size_refusals() -> None:
    found = Violations(DEFAULT_LIMITS)
    found.append(Violation("body", "x"))
    assert found.status == 400
    found.append(Violation("body", "too many parts"), status=413)
    assert found.status == 413 and len(found) == 2


def test_echo_fits_stops_counting_early() -> None:
    assert echo_fits("x" * 100, 1024) and not echo_fits("x" * 2000, 1024)
    assert echo_fits({"a": [1, 2, {"b": "c"}]}, 1024)
    assert not echo_fits([0] * 10_000_000, 1024)
    assert not echo_fits(10**4000, 1024) and echo_fits(10**20, 1024)


def test_prefer_code_is_three_ascii_digits() -> None:
    assert parse_prefer("code=404").code == 404
    assert parse_prefer("code=" + "9" * 5000).code is None
    assert parse_prefer("code=٤٠٤").code is None
    assert parse_prefer("code=0404").code is None


def test_typed_candidates_never_make_non_finite_numbers() -> None:
    assert typed_candidates("1e999", ("number",)) == ["1e999"]
    assert typed_candidates("nan", ("number",)) == ["nan"]
    assert typed_candidates("9" * 5000, ("integer",)) == ["9" * 5000]
    assert typed_candidates("2.5", ("number",)) == [2.5, "2.5"]


def test_json_dumps_roundtrip_of_a_refusal_free_body() -> None:
    body = {"a": [{"b": "é"}], "n": 1.5}
    value, refusal = read_json(json.dumps(body).encode(), 64)
    assert refusal is None and value == body


def test_prefer_lists_each_preference_once_with_its_last_value() -> None:
    """Finding 6: ``dynamic,`` x5000 was a 70 KB Preference-Applied header."""
    prefer = parse_prefer("dynamic, " * 5000 + "code=404, code=200, example=a, example=b")
    assert prefer.applied == ("dynamic=true", "code=200", "example=b")
    assert (prefer.code, prefer.example, prefer.dynamic) == (200, "b", True)


def test_a_query_over_max_form_fields_is_414() -> None:
    """Finding 18: a query string over its limit is a request part over its size, like a form body's 413."""
    _, refusal = read_query("&".join(["q=1"] * 1001), 1000)
    assert refusal is not None and refusal.status == 414 and "max_form_fields" in refusal.detail


def test_multipart_without_its_closing_delimiter_counts_every_part() -> None:
    """Finding 13: a body with no closing delimiter passed with max_parts + 1 parts."""
    part = '--bnd\r\nContent-Disposition: form-data; name="f"\r\n\r\nx\r\n'
    content_type = "multipart/form-data; boundary=bnd"
    _, refusal = read_multipart(content_type, (part * 101).encode(), 100, 64)
    assert refusal is not None and refusal.status == 413
    pairs, refusal = read_multipart(content_type, (part * 100).encode(), 100, 64)
    assert refusal is None and len(pairs) == 100
    pairs, refusal = read_multipart(content_type, b"preamble\r\n" + (part * 100).encode() + b"--bnd--", 100, 64)
    assert refusal is None and len(pairs) == 100
    assert read_multipart(content_type, b"--bnd--\r\n", 100, 64) == ([], None)
    assert read_multipart(content_type, (part * 100).encode() + b"--bnd--\r\n" + part.encode() * 5, 100, 64)[1] is None

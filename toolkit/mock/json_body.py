"""The one JSON reader for request bodies and JSON-encoded request values, within the limits, for every protocol.

``load_json(data, max_nesting) -> (value, None) | (None, JSONRefusal)``. A refusal is a client's mistake,
never a crash: JSON nested deeper than ``max_nesting``, a lone UTF-16 surrogate (``"\\ud800"`` is valid
JSON but not Unicode text, and no answer holding it could be encoded), a number over Python's
integer-digit limit, ``NaN``/``Infinity`` or a number that overflows to infinity (none is JSON), or text
that is not JSON at all.

The cost on an ordinary body is the C parser's own (measured: within a few percent of ``json.loads``):

- one module-level decoder (``json.loads`` with arguments builds a new ``JSONDecoder`` per call);
- nesting: a body with at most ``max_nesting`` brackets in all cannot nest deeper (two C-speed counts);
  otherwise it is parsed first — since Python 3.11 the C decoder raises ``RecursionError`` safely however
  deep the text (200 000 nested brackets measured) — and the parsed value's containers are then walked,
  stopping at the first one past the limit;
- surrogates: looked for only when the text holds a backslash and a ``\\ud``/``\\uD`` escape, and only a high surrogate
  not followed by a low one, or a low one alone, is refused (an emoji sent escaped, as Python clients do
  by default, is a valid pair);
- a raw surrogate encoded in the bytes is refused by the strict decoding of the bytes.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Literal

__all__ = ["JSONRefusal", "echo_fits", "json_nesting_exceeds", "load_json"]


@dataclass(frozen=True, slots=True)
class JSONRefusal:
    """Why a JSON text is refused. ``reason`` reads after the name of what was read ("the body " + reason);
    ``kind`` lets a protocol word or code its own answer."""

    kind: Literal["nesting", "invalid", "surrogate"]
    reason: str


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


# Called by the C scanner only for numbers with a fraction or an exponent; integers stay in C.
_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LOW_ESCAPE = re.compile(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_HIGH, _LOW = r"[dD][89abAB][0-9a-fA-F]{2}", r"[dD][c-fC-F][0-9a-fA-F]{2}"
# A high surrogate escape not followed by a low one, or a low one not preceded by a high one: one C-speed
# search, exact when the text holds no escaped backslash (then every backslash-u is an escape).
_LONE_ESCAPE = re.compile(rf"\\u(?:{_HIGH}(?!\\u{_LOW})|(?<!\\u{_HIGH}\\u){_LOW})")


def load_json(data: bytes | str, max_nesting: int) -> tuple[Any, JSONRefusal | None]:
    """The JSON value of ``data`` (bytes in UTF-8, -16 or -32 as JSON allows, or text), or why it is refused."""
    if isinstance(data, str):
        text = data
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return None, JSONRefusal("surrogate", _SURROGATE_REASON)
    else:
        try:
            # a first byte "{" with no NUL after it is what detect_encoding calls UTF-8 (nearly every body): not asked
            encoding = "utf-8" if data[:1] == b"{" and data[1:2] != b"\x00" else json.detect_encoding(data)
            text = data.decode(encoding)  # strict: an encoded surrogate is refused here
        except UnicodeDecodeError as error:
            return None, JSONRefusal("invalid", f"is not valid JSON: {error}")
    brackets = text.count("[") + text.count("{")
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        return None, _nesting(max_nesting)
    except ValueError as error:
        if brackets > max_nesting and json_nesting_exceeds(text.encode("utf-8", "surrogatepass"), max_nesting):
            return None, _nesting(max_nesting)  # unparsable and too deep: the depth is the first mistake
        message = str(error)
        if "integer string conversion" in message:
            message = f"a number has more than {sys.get_int_max_str_digits()} digits"
        return None, JSONRefusal("invalid", f"is not valid JSON: {message}")
    if brackets > max_nesting and _deeper_than(value, max_nesting):
        return None, _nesting(max_nesting)
    if "\\" in text and _has_lone_surrogate_escape(text):  # one memchr when the text has no escape at all
        return None, JSONRefusal("surrogate", _SURROGATE_REASON)
    return value, None


_SURROGATE_REASON = "has a lone surrogate escape (\\ud800-\\udfff): not a Unicode character"


def _nesting(limit: int) -> JSONRefusal:
    return JSONRefusal("nesting", f"nests deeper than {limit} levels (the limit max_nesting)")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests more than ``limit`` containers deep (iterative; stops at the first)."""
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        for child in node.values() if type(node) is dict else node:
            if type(child) is dict or type(child) is list:
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _has_lone_surrogate_escape(text: str) -> bool:
    """Whether ``text`` holds a ``\\uD800``-``\\uDBFF`` escape not followed by a ``\\uDC00``-``\\uDFFF`` one, or
    a low one alone. An escaped backslash (``\\\\ud800``) is text, not an escape: told by the backslashes before."""
    if _SURROGATE_ESCAPE.search(text) is None:  # a regex search: faster than str's "in" for a 3-character needle
        return False
    if "\\\\" not in text:
        return _LONE_ESCAPE.search(text) is not None
    paired_until = -1  # escaped backslashes: each escape's backslashes counted
    for match in _SURROGATE_ESCAPE.finditer(text):
        start = match.start()
        if start < paired_until:
            continue  # the low half of a pair just accepted
        backslashes = 0
        while start - backslashes - 1 >= 0 and text[start - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2:
            continue  # "\\ud800": an escaped backslash, then letters
        if text[start + 3] in "89abAB" and _LOW_ESCAPE.match(text, match.end()):
            paired_until = match.end() + 6
            continue
        return True
    return False


# The byte scan, for a text the parser refused: is its nesting the first mistake? Strings removed, then
# everything but brackets; the closing quote is optional so that an unterminated string matches to the end
# at once (a required quote would make the regex retry at every later quote: quadratic).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_CURLY_AS_SQUARE = bytes.maketrans(b"{}", b"[]")
_DEPTH_STEP = tuple(1 if byte == ord("[") else -1 if byte == ord("]") else 0 for byte in range(256))


def json_nesting_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the (possibly invalid) JSON text ``raw`` nests deeper than ``limit``, found on the bytes.

    Strings are removed, then everything but brackets, with ``{}`` as ``[]``; a run of more than ``limit``
    opening brackets is too deep at once, otherwise the running sum of +1/-1 gives the depth at every
    point, in C iterators (no Python loop per byte). ``load_json`` needs it only for a text it could not
    parse; it is linear in the text."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", raw).translate(_CURLY_AS_SQUARE, _NOT_BRACKET)
    if b"[" * (limit + 1) in brackets:
        return True
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > limit


def echo_fits(value: Any, limit: int) -> bool:
    """Whether ``value`` is small enough to repeat in an answer: its JSON text at most about ``limit``
    characters. Stops counting as soon as it is over, so a huge value costs no more than a small one."""
    if type(value) is str:  # nearly every echo: a path parameter or a body field
        return len(value) + 2 <= limit
    budget = limit
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            budget -= len(item) + 2
        elif isinstance(item, bool) or item is None:
            budget -= 5
        elif isinstance(item, int):
            budget -= item.bit_length() // 3 + 1  # about its decimal digits, without converting it
        elif isinstance(item, float):
            budget -= 24
        elif isinstance(item, (dict, list)):
            budget -= 2 + len(item)
        if budget < 0:
            return False
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True

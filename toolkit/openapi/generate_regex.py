"""Strings that match a regular expression, drawn with the caller's ``random.Random``.

Hypothesis' ``from_regex`` needs a Hypothesis engine and is not driven by a plain rng, so the
mock would lose its determinism; this is the small exrex-style alternative: parse the pattern
once with Python's own regex parser, then walk the parsed tree with the rng on every draw.
Patterns Python cannot parse (ECMA-only syntax such as ``\\p{L}``) get no generator; the caller
falls back to other strategies. Repetitions are kept short (at most 4 beyond the minimum), so
values stay readable; the caller checks lengths and draws again.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from typing import Any

try:  # Python 3.11+: the parser lives in re._parser; sre_parse is its deprecated alias
    import re._constants as _sre  # type: ignore[import-not-found]
    import re._parser as _sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_constants as _sre
    import sre_parse as _sre_parse

_PRINTABLE = string.ascii_letters + string.digits + " -_.,:;!?@#"
_CATEGORIES: dict[Any, str] = {
    _sre.CATEGORY_DIGIT: string.digits,
    _sre.CATEGORY_NOT_DIGIT: string.ascii_letters + "-_",
    _sre.CATEGORY_SPACE: " ",
    _sre.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
    _sre.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    _sre.CATEGORY_NOT_WORD: " -.,:",
}
_EXTRA_REPEATS = 4

RegexGenerator = Callable[[random.Random], str]
_CACHE: dict[str, RegexGenerator | None] = {}


def regex_generator(pattern: str) -> RegexGenerator | None:
    """A function drawing a matching string for ``pattern``, or None when it cannot be parsed."""
    if pattern not in _CACHE:
        try:
            parsed = _sre_parse.parse(pattern)
        except (re.error, RecursionError, OverflowError, ValueError):
            _CACHE[pattern] = None
        else:
            classes: dict[int, tuple[str, str]] = {}  # id of a class in `parsed` -> its characters, fallback

            def draw(rng: random.Random, parsed: Any = parsed) -> str:
                out: list[str] = []
                _emit(parsed, rng, out, {}, classes)
                return "".join(out)

            _CACHE[pattern] = draw
    return _CACHE[pattern]


def _emit(
    items: Any, rng: random.Random, out: list[str], groups: dict[int, str], classes: dict[int, tuple[str, str]]
) -> None:
    for op, arg in items:
        if op is _sre.LITERAL:
            out.append(chr(arg))
        elif op is _sre.NOT_LITERAL:
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif op is _sre.ANY:
            out.append(rng.choice(string.ascii_letters))
        elif op is _sre.IN:
            found = classes.get(id(arg))
            if found is None:  # a class's characters are listed once per pattern, not on every draw
                found = classes[id(arg)] = _class_choices(arg)
            choices, fallback = found
            out.append(rng.choice(choices) if choices else fallback)
        elif op is _sre.BRANCH:
            _emit(rng.choice(arg[1]), rng, out, groups, classes)
        elif op is _sre.SUBPATTERN:
            group, _, _, body = arg
            start = len(out)
            _emit(body, rng, out, groups, classes)
            if group is not None:
                groups[group] = "".join(out[start:])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) or op is getattr(_sre, "POSSESSIVE_REPEAT", None):
            low, high, body = arg
            high = low + _EXTRA_REPEATS if high is _sre.MAXREPEAT or high > low + _EXTRA_REPEATS else high
            for _ in range(rng.randint(low, high)):
                _emit(body, rng, out, groups, classes)
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            _emit(arg, rng, out, groups, classes)
        elif op is _sre.GROUPREF:
            out.append(groups.get(arg, ""))
        elif op is _sre.CATEGORY:
            out.append(rng.choice(_CATEGORIES.get(arg, string.ascii_letters)))
        # AT (anchors), ASSERT/ASSERT_NOT (lookarounds): nothing to emit; the caller checks the result


def _class_choices(items: Any) -> tuple[str, str]:
    """The characters a class (``[a-z0-9]``, ``[^,]``) draws from, and what stands in when there are none."""
    negate = bool(items) and items[0][0] is _sre.NEGATE
    allowed: list[str] = []
    for op, arg in items[1:] if negate else items:
        if op is _sre.LITERAL:
            allowed.append(chr(arg))
        elif op is _sre.RANGE:
            low, high = arg
            allowed.extend(chr(code) for code in range(low, min(high, low + 255) + 1))
        elif op is _sre.CATEGORY:
            allowed.extend(_CATEGORIES.get(arg, string.ascii_letters))
    if negate:
        excluded = set(allowed)
        return "".join(c for c in _PRINTABLE if c not in excluded), "~"
    return "".join(allowed), ""

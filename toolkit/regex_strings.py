"""Strings that match a regular expression, drawn with the caller's ``random.Random``.

Hypothesis' ``from_regex`` needs a Hypothesis engine and is not driven by a plain rng, so the
mock would lose its determinism; this is the small exrex-style alternative: parse the pattern
once with Python's own regex parser, then walk the parsed tree with the rng on every draw.
Patterns Python cannot parse (ECMA-only syntax such as ``\\p{L}``) get no generator; the caller
falls back to other strategies. Repetitions are kept short (at most 4 beyond the minimum), so
values stay readable; the caller checks lengths and draws again.

A pattern is contract input: ``(a{1000}){1000}`` asks for a million characters and ``(?:){999999999}``
for a billion empty steps. A draw therefore stops once it has emitted ``max_length`` characters or
taken a bounded number of steps, returning what it has (which the caller's check then refuses), and
``pattern_min_length`` tells the caller beforehand when no match can be short enough.
"""

from __future__ import annotations

import contextlib
import random
import re
import string
from collections.abc import Callable
from typing import Any

from toolkit.limits import DEFAULT_LIMITS

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
_CACHE: dict[tuple[str, int], RegexGenerator | None] = {}
_MAX_CACHED = 10_000
_STEPS_PER_CHARACTER = 8  # a draw's steps (tree nodes visited) per character it may emit, plus a constant
_BASE_STEPS = 1000


class _DrawOverError(Exception):
    """The draw has emitted or walked enough: what it has is returned (and refused by the caller's check)."""


def _parse(pattern: str) -> Any:
    try:
        return _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None


def pattern_min_length(pattern: str) -> int:
    """The length of the shortest string ``pattern`` can match (0 when Python cannot parse it)."""
    parsed = _parse(pattern)
    if parsed is None:
        return 0
    try:
        return int(parsed.getwidth()[0])
    except (RecursionError, OverflowError):
        return 0


def regex_generator(pattern: str, max_length: int = DEFAULT_LIMITS.max_string_length) -> RegexGenerator | None:
    """A function drawing a string for ``pattern`` of at most ``max_length`` characters, or None when it
    cannot be parsed. A draw that would go longer is cut short (and will not match)."""
    key = (pattern, max_length)
    if key in _CACHE:
        return _CACHE[key]
    parsed = _parse(pattern)
    draw: RegexGenerator | None = None
    if parsed is not None:
        classes: dict[int, tuple[str, str]] = {}  # id of a class in `parsed` -> its characters, fallback
        steps = _BASE_STEPS + _STEPS_PER_CHARACTER * max_length

        def draw(rng: random.Random, parsed: Any = parsed) -> str:
            state = _Draw(max_length, steps, classes)
            with contextlib.suppress(_DrawOverError, RecursionError):
                _emit(parsed, rng, state)
            return "".join(state.out)[:max_length]

    if len(_CACHE) < _MAX_CACHED:  # patterns come from contracts: a process loading many keeps a bounded few
        _CACHE[key] = draw
    return draw


class _Draw:
    """One draw's output and what it may still spend."""

    __slots__ = ("classes", "groups", "length", "max_length", "out", "steps")

    def __init__(self, max_length: int, steps: int, classes: dict[int, tuple[str, str]]) -> None:
        self.out: list[str] = []
        self.length = 0
        self.max_length = max_length
        self.steps = steps
        self.groups: dict[int, str] = {}
        self.classes = classes

    def add(self, text: str) -> None:
        self.out.append(text)
        self.length += len(text)
        if self.length > self.max_length:
            raise _DrawOverError


def _emit(items: Any, rng: random.Random, state: _Draw) -> None:
    out, groups, classes = state.out, state.groups, state.classes
    for op, arg in items:
        state.steps -= 1
        if state.steps < 0:
            raise _DrawOverError
        if op is _sre.LITERAL:
            state.add(chr(arg))
        elif op is _sre.NOT_LITERAL:
            state.add(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif op is _sre.ANY:
            state.add(rng.choice(string.ascii_letters))
        elif op is _sre.IN:
            found = classes.get(id(arg))
            if found is None:  # a class's characters are listed once per pattern, not on every draw
                found = classes[id(arg)] = _class_choices(arg)
            choices, fallback = found
            state.add(rng.choice(choices) if choices else fallback)
        elif op is _sre.BRANCH:
            _emit(rng.choice(arg[1]), rng, state)
        elif op is _sre.SUBPATTERN:
            group, _, _, body = arg
            start = len(out)
            _emit(body, rng, state)
            if group is not None:
                groups[group] = "".join(out[start:])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) or op is getattr(_sre, "POSSESSIVE_REPEAT", None):
            low, high, body = arg
            high = low + _EXTRA_REPEATS if high is _sre.MAXREPEAT or high > low + _EXTRA_REPEATS else high
            for _ in range(rng.randint(low, high)):  # ends early: every pass spends steps (see _DrawOverError)
                _emit(body, rng, state)
                state.steps -= 1
                if state.steps < 0:
                    raise _DrawOverError
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            _emit(arg, rng, state)
        elif op is _sre.GROUPREF:
            state.add(groups.get(arg, ""))
        elif op is _sre.CATEGORY:
            state.add(rng.choice(_CATEGORIES.get(arg, string.ascii_letters)))
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

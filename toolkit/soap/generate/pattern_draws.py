"""Drawers for simple patterns that make ``regex_strings``' draws, the same rng calls in the same order, faster.

``toolkit.regex_strings`` walks the parsed pattern on every draw, counting characters and steps against its
budget (a contract's pattern may ask for a million characters). For a pattern whose longest draw fits the
budget with room to spare, counting can never stop a draw, so the walk is compiled once into closures that make
only the rng calls: a ``[A-Za-z0-9]{18}`` id is one ``randint`` and eighteen picks. Patterns with
back-references, or whose draws could reach the budget, get no drawer here: the caller uses ``regex_strings``.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

# The same tables as regex_strings' walk (its private names: what it draws from must be what this draws from).
from toolkit.regex_strings import _CATEGORIES, _EXTRA_REPEATS, _PRINTABLE, _class_choices, _parse

try:  # as regex_strings: Python 3.11+ has the parser's constants in re._constants
    import re._constants as sre  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_constants as sre

__all__ = ["fast_drawer"]

Drawer = Callable[[random.Random, list[str]], None]
_SAFE_STEPS = 1000  # regex_strings' budget is at least this many steps (its base), whatever the length allowed
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_SILENT = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}


class _UnsupportedError(Exception):
    pass


def fast_drawer(pattern: str, max_length: int) -> Callable[[random.Random], str] | None:
    """A drawer making ``regex_generator(pattern, max_length)``'s strings from the same rng draws, or None."""
    parsed = _parse(pattern)
    if parsed is None:
        return None
    try:
        draw, longest, steps = _compile(parsed)
    except (_UnsupportedError, RecursionError):
        return None
    if longest > max_length or steps > _SAFE_STEPS:
        return None  # regex_strings may stop such a draw short: it draws them itself

    def drawn(rng: random.Random) -> str:
        out: list[str] = []
        draw(rng, out)
        return "".join(out)

    return drawn


def _compile(items: Any) -> tuple[Drawer, int, int]:
    """The drawer of a sequence of parsed items, its longest output, and the most steps regex_strings spends."""
    parts: list[Drawer] = []
    longest = steps = 0
    for op, arg in items:
        steps += 1
        part, length, inner = _item(op, arg)
        longest += length
        steps += inner
        if part is not None:
            parts.append(part)

    def sequence(rng: random.Random, out: list[str]) -> None:
        for part in parts:
            part(rng, out)

    return (parts[0] if len(parts) == 1 else sequence), longest, steps


def _item(op: Any, arg: Any) -> tuple[Drawer | None, int, int]:
    if op is sre.LITERAL:
        text = chr(arg)
        return (lambda rng, out: out.append(text)), 1, 0
    if op is sre.NOT_LITERAL:
        return _pick("".join(c for c in _PRINTABLE if ord(c) != arg)), 1, 0
    if op is sre.ANY:
        return _pick(string.ascii_letters), 1, 0
    if op is sre.IN:
        choices, fallback = _class_choices(arg)
        if not choices:
            return (lambda rng, out: out.append(fallback)), len(fallback), 0
        return _pick(choices), 1, 0
    if op is sre.CATEGORY:
        return _pick(_CATEGORIES.get(arg, string.ascii_letters)), 1, 0
    if op is sre.BRANCH:
        branches = [_compile(branch) for branch in arg[1]]
        drawers = [drawer for drawer, _, _ in branches]

        def branch(rng: random.Random, out: list[str]) -> None:
            rng.choice(drawers)(rng, out)

        return branch, max(length for _, length, _ in branches), max(steps for _, _, steps in branches)
    if op is sre.SUBPATTERN:
        return _compile(arg[3])  # the group it captures matters only to a back-reference, refused below
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _compile(arg)
    if op in _REPEATS:
        low, high, body = arg
        high = low + _EXTRA_REPEATS if high is sre.MAXREPEAT or high > low + _EXTRA_REPEATS else high
        inner, length, steps = _compile(body)
        if isinstance(inner, _Picker):
            return _repeated(inner, low, high), length * high, (steps + 1) * high

        def repeat(rng: random.Random, out: list[str]) -> None:
            for _ in range(rng.randint(low, high)):
                inner(rng, out)

        return repeat, length * high, (steps + 1) * high
    if op in _SILENT:
        return None, 0, 0
    raise _UnsupportedError(op)  # GROUPREF and what regex_strings does not know


class _Picker:
    """One character from ``choices``: ``rng.choice(choices)``."""

    __slots__ = ("bits", "choices", "size")

    def __init__(self, choices: str) -> None:
        self.choices = choices
        self.size = len(choices)
        self.bits = self.size.bit_length()

    def __call__(self, rng: random.Random, out: list[str]) -> None:
        out.append(rng.choice(self.choices))


def _pick(choices: str) -> Drawer:
    return _Picker(choices)


def _repeated(picker: _Picker, low: int, high: int) -> Drawer:
    """``low`` to ``high`` picks (``rng.randint(low, high)`` of them): for a ``random.Random``, ``randint`` and
    ``choice`` with their algorithm inline (``randrange``'s ``_randbelow`` on ``getrandbits``: the same calls,
    the same string and rng state; a fixed count draws too, as ``randint(n, n)`` does); any other rng is asked."""
    choices, size, bits = picker.choices, picker.size, picker.bits
    width = high - low + 1
    width_bits = width.bit_length()

    def repeat(rng: random.Random, out: list[str]) -> None:
        if type(rng) is not random.Random or width < 1 or not size:
            for _ in range(rng.randint(low, high)):
                picker(rng, out)
            return
        draw = rng.getrandbits
        r = draw(width_bits)
        while r >= width:
            r = draw(width_bits)
        for _ in range(low + r):
            r = draw(bits)
            while r >= size:
                r = draw(bits)
            out.append(choices[r])

    return repeat

"""Per-leaf value plans: what ``SimpleType.draw`` would do for one leaf, decided once instead of per value.

``draw`` finds, on every value, the type's enumeration and family, the realistic-value strategy the field
name calls for (``Fake.by_name`` walks a long list of names), then checks the value against the facets. All of
that depends only on the type, the leaf's name and its parent's name, so it is decided when the leaf is first
drawn; the plan keeps the rng draws, the same ones in the same order, and the checks that can fail:

- an enumeration whose values the facets accept: ``rng.choice`` among them (what ``draw`` does);
- a name ``Fake.by_name`` answers with picks from pools joined with fixed text (an email, a company, a
  person's two names, a URL, a ``cus_…`` id): a ``Template`` of those picks. Which pools, and the text around
  them, is learnt by running ``by_name`` once with a stand-in rng (``_Scripted``) whose picks are markers, and
  confirmed by running it again with every value of every pool in each place: a ``by_name`` that transforms a
  pick (capitalizes it) or uses the rng any other way (numbers, counts) gets no template, and the plan calls it;
- dates and times, decimals, booleans, languages: the same literals, with the per-type work done once;
- otherwise the plan calls ``values.atomic_value`` as ``draw`` does.

Each value a plan makes is checked with ``accepts`` as ``draw`` checks it (and drawn again, or the minimal
value taken, the same way), unless it cannot fail: a plain ``xs:string`` (no facets) accepts any text, and a
date or time without facets is written in its lexical form. Plans change the cost, never the value
(``tests/soap/test_fast_answers.py`` draws every corpus element with and without them).
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from toolkit.fake import Fake
from toolkit.regex_strings import regex_generator
from toolkit.soap.generate.builtin_types import LIST_BUILTINS, family
from toolkit.soap.generate.moments import FORMS, moment_plan
from toolkit.soap.generate.pattern_draws import fast_drawer
from toolkit.soap.generate.simple_types import SimpleType
from toolkit.soap.generate.values import (
    FEW_DIGITS,
    atomic_value,
    bound_text,
    decimal_bounds,
    decimal_range,
    decimal_text,
    fit,
    quick_decimal_text,
)

__all__ = ["Plan", "value_plan"]

Plan = Callable[[random.Random], str]
_TRIES = 6  # as SimpleType.draw: six candidates, then the minimal value
_MAX_PICKS = 32  # a template with more picks than this is left to by_name
_MARKER = re.compile("\x00(\\d+)\x00")
_NOTHING = object()  # by_name answered None without drawing


class _ProbeError(Exception):
    """The probed code used the rng for something other than picks from sequences of strings."""


class _Scripted:
    """Stands in for the rng while ``Fake.by_name`` runs: its n-th pick is ``script[n]`` (an index; 0 past the
    end) from the sequence picked from, or, ``marked``, a marker naming the pick. Anything else raises."""

    def __init__(self, script: Sequence[int] = (), *, marked: bool = False) -> None:
        self.script = script
        self.marked = marked
        self.picks: list[Sequence[str]] = []

    def choice(self, seq: Sequence[Any]) -> Any:
        if not seq or not (type(seq) is str or (type(seq) is tuple and all(type(item) is str for item in seq))):
            raise _ProbeError
        if len(self.picks) >= _MAX_PICKS:
            raise _ProbeError
        n = len(self.picks)
        self.picks.append(seq)
        if self.marked:
            return f"\x00{n}\x00"
        return seq[self.script[n] if n < len(self.script) else 0]

    def __getattr__(self, name: str) -> Any:
        raise _ProbeError(name)


def _below(draw: Callable[[int], int], size: int, bits: int) -> int:
    """``random.Random._randbelow_with_getrandbits(size)`` (what ``choice`` uses) given ``size.bit_length()``."""
    r = draw(bits)
    while r >= size:
        r = draw(bits)
    return r


class Pick:
    """``rng.choice(values)``: for a ``random.Random`` with its algorithm inline (the same ``getrandbits`` calls,
    so the same value and rng state, two frames fewer); any other rng is asked itself."""

    __slots__ = ("bits", "size", "values")

    def __init__(self, values: Sequence[str]) -> None:
        self.values = values
        self.size = len(values)
        self.bits = self.size.bit_length()

    def __call__(self, rng: random.Random) -> str:
        if type(rng) is not random.Random or not self.size:
            return rng.choice(self.values)
        draw, size, bits = rng.getrandbits, self.size, self.bits
        r = draw(bits)
        while r >= size:
            r = draw(bits)
        return self.values[r]


class Template:
    """Fixed text around picks: ``texts[0] + pick(pools[0]) + texts[1] + ... + texts[-1]``."""

    __slots__ = ("accepted", "picks", "pools", "texts")

    def __init__(self, texts: list[str], pools: list[Sequence[str]]) -> None:
        self.texts = texts
        self.pools = pools
        self.accepted = False  # every value it can make is one the leaf's type accepts (_always_accepted)
        # per pick: its pool, the pool's size and bit length (``Pick``), and the text after it
        self.picks = tuple((pool, len(pool), len(pool).bit_length(), text)
                           for pool, text in zip(pools, texts[1:], strict=True))  # fmt: skip

    def __call__(self, rng: random.Random) -> str:
        if type(rng) is random.Random:  # ``choice``'s algorithm inline (see ``Pick``): the same draws
            draw = rng.getrandbits
            if len(self.picks) == 1:
                pool, size, bits, text = self.picks[0]
                return self.texts[0] + pool[_below(draw, size, bits)] + text
            out = [self.texts[0]]
            for pool, size, bits, text in self.picks:
                out.append(pool[_below(draw, size, bits)])
                out.append(text)
            return "".join(out)
        texts, choice = self.texts, rng.choice
        if len(self.pools) == 1:
            return texts[0] + choice(self.pools[0]) + texts[1]
        out = [texts[0]]
        for pool, text in zip(self.pools, texts[1:], strict=True):
            out.append(choice(pool))
            out.append(text)
        return "".join(out)

    def render(self, script: Sequence[int]) -> str:
        out = [self.texts[0]]
        for pool, index, text in zip(self.pools, script, self.texts[1:], strict=True):
            out.append(pool[index])
            out.append(text)
        return "".join(out)


def template(call: Callable[[Any], object]) -> Template | object | None:
    """What ``call(rng)`` draws as a ``Template``; ``_NOTHING`` when it answers None without drawing; None when
    it is not picks joined with fixed text (or raises: the plan then calls it as ``draw`` does)."""
    try:
        marked = _Scripted(marked=True)
        result = call(marked)
        if result is None:
            return _NOTHING if not marked.picks else None
        if not isinstance(result, str):
            return None
        pieces = _MARKER.split(result)
        order = [int(index) for index in pieces[1::2]]
        if order != list(range(len(marked.picks))) or any("\x00" in text for text in pieces[0::2]):
            return None
        found = Template(pieces[0::2], marked.picks)
        # every value of every pool in each place (the others at their first): the same text as by_name's
        size = len(found.pools)
        for place, pool in enumerate(found.pools):
            for index in range(len(pool)):
                script = [0] * size
                script[place] = index
                if call(_Scripted(script)) != found.render(script):
                    return None
    except Exception:  # noqa: BLE001 - _ProbeError, or by_name doing what a stand-in cannot: no template
        return None
    return found


def value_plan(simple: SimpleType, fake: Fake, name: str, owner: str | None, max_length: int) -> Plan | None:
    """The plan of a leaf called ``name`` (in an element called ``owner``), or None: ``draw`` decides each time."""
    if simple.shortest() > max_length:
        return None  # draw() raises the limit error, naming the leaf
    enumeration = simple.enumeration()
    if enumeration:
        accepted = tuple(value for value in enumeration if simple.accepts(value))
        return Pick(accepted) if accepted else None
    builtin = simple.builtin
    if builtin in ("union", "list") or builtin in LIST_BUILTINS:
        return None
    patterns = simple.facet("patterns")
    if isinstance(patterns, list) and patterns:
        return _patterned(simple, fake, name, owner, max_length, patterns)
    atomic = _atomic(simple, fake, name, owner)
    # A value these always accept: a plain string or URI takes any text, a date without facets is written lexically,
    # and a template's every value may have been checked already.
    if (not simple.steps and (builtin in ("string", "anyURI") or builtin in _DATES)) or getattr(
        atomic, "accepted", False
    ):
        return atomic

    def plan(rng: random.Random) -> str:
        for _ in range(_TRIES):
            value = atomic(rng)
            if simple.accepts(value):
                return value
        return simple.minimal(rng, fake, max_length=max_length)

    return plan


def _patterned(
    simple: SimpleType, fake: Fake, name: str, owner: str | None, max_length: int, patterns: list[Any]
) -> Plan | None:
    """``draw`` under a pattern: a realistic candidate when every pattern is exact and accepts it, else one
    drawn from the patterns."""
    exact = all(pattern.exact for pattern in patterns)
    # the patterns' regex_generators, each replaced by a drawer making the same strings faster where there is one
    drawers = [fast_drawer(pattern.python, max_length) or generator for pattern in patterns
               if (generator := regex_generator(pattern.python, max_length))]  # fmt: skip
    candidate: Callable[[random.Random], str | None] | None = None
    if name and family(simple.builtin) == "string":
        found = template(lambda rng: fake.by_name(name, rng, owner=owner))
        if isinstance(found, Template):
            candidate = found
            if len(found.pools) == 1 and exact:  # one pick: which of its values the type accepts, known now
                values = [found.render([index]) for index in range(len(found.pools[0]))]
                accepted = frozenset(value for value in values if simple.accepts(value))
                views = simple._views

                def pooled(rng: random.Random) -> str:
                    value = found(rng)
                    if value in accepted:
                        views["accepted"] = value  # as accepts() leaves it (vet() then need not match it again)
                        return value
                    return simple.from_patterns(rng, fake, patterns, max_length, drawers)

                return pooled
        elif found is None:
            candidate = lambda rng: fake.by_name(name, rng, owner=owner)  # noqa: E731 - drawn as draw() does

    def plan(rng: random.Random) -> str:
        if candidate is not None:
            value = candidate(rng)
            if value is not None and exact and simple.accepts(value):
                return value
        return simple.from_patterns(rng, fake, patterns, max_length, drawers)

    return plan


class _Sure:
    """A drawer whose every value the leaf's type accepts, as shown when the plan was made."""

    __slots__ = ("draw",)
    accepted = True

    def __init__(self, draw: Callable[[random.Random], str]) -> None:
        self.draw = draw

    def __call__(self, rng: random.Random) -> str:
        return self.draw(rng)


def _numbers_accepted(simple: SimpleType, floor: Decimal | None, places: int) -> bool:
    """Whether every ``decimal_text`` the type's plan writes is accepted: with at most one restriction step whose
    facets are inclusive bounds and digit counts, it writes a number inside the bounds (it checks them, and
    falls back to the low bound, checked here) with ``places`` fraction digits (at most fractionDigits) and no
    more integer digits than totalDigits leaves (``decimal_bounds`` clips the bounds to them)."""
    if len(simple.steps) > 1:
        return False
    for step in simple.steps:
        if step.enumeration is not None or step.patterns or step.whitespace is not None:
            return False
        if any(value is not None for value in (step.length, step.min_length, step.max_length,
                                               step.min_exclusive, step.max_exclusive)):  # fmt: skip
            return False
        if step.total_digits is not None and step.total_digits > FEW_DIGITS:
            return False  # not clipped to: too many digits to bound a draw with
    return simple.accepts(bound_text(floor, places))


def _always_accepted(simple: SimpleType, made: Template) -> bool:
    """Whether the type accepts every value ``made`` can draw, so that ``draw``'s check cannot fail: all of
    them checked when there are few (one pick), else bounded lengths under a type with only length facets."""
    low, high = simple.length_bounds()
    if len(made.pools) <= 1:
        values = [made.render([index]) for index in range(len(made.pools[0]))] if made.pools else [made.render([])]
        return all(low <= len(value) and (high is None or len(value) <= high) and simple.accepts(value)
                   for value in values)  # fmt: skip
    if simple.builtin != "string" or any(
        step.enumeration is not None or step.patterns or step.whitespace not in (None, "preserve")
        or any(getattr(step, facet) is not None for facet in _VALUE_FACETS) for step in simple.steps
    ):  # fmt: skip
        return False  # a string type with only length facets accepts any text of the right length
    fixed = sum(len(text) for text in made.texts)
    shortest = fixed + sum(min(len(value) for value in pool) for pool in made.pools)
    longest = fixed + sum(max(len(value) for value in pool) for pool in made.pools)
    return low <= shortest and (high is None or longest <= high)


_VALUE_FACETS = ("min_inclusive", "max_inclusive", "min_exclusive", "max_exclusive", "total_digits", "fraction_digits")
_DATES = FORMS


def _atomic(simple: SimpleType, fake: Fake, name: str, owner: str | None) -> Callable[[random.Random], str]:
    """``atomic_value(simple, rng, fake, name, owner)`` with what depends only on its arguments decided now."""
    builtin = simple.builtin
    kind = family(builtin)
    if builtin in _DATES:  # datetime.fromtimestamp(..., UTC).strftime: the same text, from tables (``moments``)
        return moment_plan(builtin)
    if kind == "boolean":
        return Pick(("true", "false"))
    if kind in ("decimal", "float") and (not name or template(lambda rng: fake.number_by_name(name, rng)) is _NOTHING):
        floor, ceiling, places, lo, hi = decimal_bounds(simple)  # no hint by name: a number in the type's range
        start, top = decimal_range(lo, hi)

        # rounding is monotonic: when both ends of the range round to numbers inside the bounds, so does every value
        # between them, and ``decimal_text``'s check of the bounds cannot fail (the quick text is then the same)
        ends = [quick_decimal_text(end, places) for end in (start, top)]
        inside = all(end is not None and (floor is None or Decimal(end) >= floor)
                     and (ceiling is None or Decimal(end) <= ceiling) for end in ends)  # fmt: skip

        def number(rng: random.Random) -> str:
            value = rng.uniform(start, top)
            if inside and start <= value <= top:
                text = quick_decimal_text(value, places)
                if text is not None:
                    return text
            return decimal_text(value, floor, ceiling, places)

        return _Sure(number) if _numbers_accepted(simple, floor, places) else number
    low, high = simple.length_bounds()
    if builtin == "anyURI":
        named = template(lambda rng: fake.by_name(name, rng, owner=owner))
        uri = template(lambda rng: fake.by_format("uri", rng))
        if isinstance(named, Template) or named is _NOTHING:
            by_name = named if isinstance(named, Template) else None
            by_format = uri if isinstance(uri, Template) else None

            def linked(rng: random.Random) -> str:
                value = by_name(rng) if by_name is not None else None
                value = value or (by_format(rng) if by_format is not None else fake.by_format("uri", rng))
                return fit(value or "https://example.com/x", low, high, rng, string.ascii_lowercase)

            return linked
    elif kind in ("string", "token", "normalizedString"):
        found = template(lambda rng: fake.by_name(name, rng, owner=owner, max_length=high)) if name else _NOTHING
        if found is _NOTHING:
            return lambda rng: fit(fake.text(rng, low, high), low, high, rng, string.ascii_lowercase)
        if isinstance(found, Template):
            made = found
            if _always_accepted(simple, made):
                made.accepted = True
                return made

            def pooled(rng: random.Random) -> str:
                candidate = made(rng)
                if low <= len(candidate) and (high is None or len(candidate) <= high):
                    return candidate
                return fit(fake.text(rng, low, high), low, high, rng, string.ascii_lowercase)

            return pooled
    return lambda rng: atomic_value(simple, rng, fake, name, owner)

"""Object generators compiled into one flat function per object schema, with their members' draws inlined.

The compiled generators are a tree of closures (``compiler.py``): an answer of a dozen members made some 60
Python calls (each member's wrapper for examples, its nullable choice, its string's candidate checks...), which was
most of an uncached REST answer's cost. Here an object's generator is written as Python source once, when the
schema compiles: its members unrolled in order, and each member whose generator is one of the small kinds below
written inline (the same draws, in the same order, with the same checks and budget charges), so one call makes the
object: strings (a Faker pool's draw too, once the pools are built), nulls, booleans, consts, examples, nullable
types, the order of a ``oneOf``/``anyOf``'s branches, references, and a map's free members. Generators of any other
kind (numbers, enums, arrays, a choice's branches, nested objects, references' targets) are called, as before; the
values and the draws are the closures' exactly (``tests/openapi/test_rest_flat.py`` holds the two equal on every
component schema of the corpus contracts).

The generator factories say what their closures do by ``describe(gen, Inline...)``; a closure nobody described is
called. Bounded: a member is inlined at most ``_MAX_INLINE`` kinds deep, and an object whose source would pass
``_MAX_LINES`` lines keeps its closure (a contract's largest objects have a few hundred members).
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from toolkit.fake import Fake
from toolkit.openapi.generate.bounds import OverLimitError, charge, current_budget, exceeded
from toolkit.openapi.generate.merge import NoValueError

Gen = Callable[[random.Random, int], Any]

ENABLED = True  # False: objects keep their closures (the tests compare the two)
_MAX_INLINE = 4  # kinds nested inline in one member (a nullable string with examples is 3)
_MAX_LINES = 3000  # an object's source; past it the object keeps its closure


@dataclass(frozen=True, slots=True)
class Const:
    """Always ``value``, an immutable JSON scalar."""

    value: Any


@dataclass(frozen=True, slots=True)
class Boolean:
    """``rng.random() < 0.5``."""


@dataclass(frozen=True, slots=True)
class Null:
    """Always None."""


@dataclass(frozen=True, slots=True)
class Picked:
    """``pick(rng)``: the generator ignores its depth."""

    pick: Callable[[random.Random], Any]


@dataclass(frozen=True, slots=True)
class Text:
    """A string: ``first(rng)`` kept when its length is within [shortest, longest] and ``extra`` (if any) accepts it,
    charged ``len + 2`` to the answer's budget; else ``after(rng, value)`` (``strings_arrays.string_generator``)."""

    first: Callable[[random.Random], str]
    shortest: int
    longest: int
    extra: Callable[[str], bool] | None
    after: Callable[[random.Random, str], str]


@dataclass(frozen=True, slots=True)
class FirstOf:
    """The first of ``gens`` that gives a value (``compiler._first_of``)."""

    gens: tuple[Gen, ...]


@dataclass(frozen=True, slots=True)
class Nullable:
    """Several types, null among them, the order decided per value (``compiler._compile_plain``)."""

    null_last: bool
    deep_null: bool
    null_share: float
    max_depth: int
    null_first: tuple[Gen, ...]
    null_after: tuple[Gen, ...]


@dataclass(frozen=True, slots=True)
class Candidates:
    """The schema's examples and default, one of them for a ``share`` of the values when valid (``judge``, kept in
    ``verdicts``), else ``inner`` (``compiler._with_candidates``)."""

    inner: Gen
    share: float
    bits: int
    count: int
    verdicts: dict[int, bool]
    judge: Callable[[int], bool]
    candidates: tuple[Any, ...]
    scalar: bool


@dataclass(frozen=True, slots=True)
class Choice:
    """``oneOf``/``anyOf``: the branches tried in an order drawn per value (``compiler._choice``)."""

    gens: tuple[Gen, ...]
    max_depth: int
    null_last: bool
    null_share: float
    null_ranks: tuple[bool, ...]
    ranks: tuple[tuple[int, ...], tuple[int, ...]]  # each branch's rank: not too deep, too deep
    null_then_cheap: tuple[Gen, ...]
    only_other: tuple[Gen, ...] | None  # the order when the one non-null branch is drawn first, nulls after
    sampled: Callable[[random.Random], list[Gen]]  # the order when the non-null branches are drawn in turn
    ordered: Callable[[random.Random, Any], list[Gen]]  # the order by rank, ties by a draw per branch
    exclusive: bool
    unchecked: frozenset[int]  # ids of the branches whose non-null values need no oneOf check
    exclusive_check: Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Reference:
    """A referenced definition's generator, looked up when called (``compiler._ref``)."""

    hard: int
    error: OverLimitError
    gens: Mapping[str, Gen]
    name: str


Inline = Const | Boolean | Null | Picked | Text | FirstOf | Nullable | Candidates | Choice | Reference

_DESCRIBED: WeakKeyDictionary[Callable[..., Any], Inline] = WeakKeyDictionary()


def describe(gen: Gen, inline: Inline) -> Gen:
    """Say what ``gen`` does, so that an object can write it inline; ``gen`` itself is returned."""
    _DESCRIBED[gen] = inline
    return gen


def described(gen: Gen) -> Inline | None:
    return _DESCRIBED.get(gen)


@dataclass(frozen=True, slots=True)
class Lengths:
    """A check of a name's length: at least ``shortest``, at most ``longest`` (None: no most)."""

    shortest: int
    longest: int | None


_CHECKS: WeakKeyDictionary[Callable[..., Any], Lengths] = WeakKeyDictionary()


def describe_check(check: Callable[[str], bool], lengths: Lengths) -> Callable[[str], bool]:
    """Say what a name check does, so that an object can write it inline; ``check`` itself is returned."""
    _CHECKS[check] = lengths
    return check


@dataclass(frozen=True, slots=True)
class FreeMembers:
    """The free members of a map (``objects``' ``_fill`` where the object declares no member, only what any other
    member is): 1 to 3 of them when not too deep (at least ``low``), each named by ``word`` where ``key_ok`` (if any)
    accepts the name, drawn by ``value``; past ``high`` members, ``trim``."""

    low: int
    word: Callable[[random.Random], str]
    key_ok: Callable[[str], bool] | None
    value: Gen
    high: int | None
    trim: Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Member:
    """One row of an object: how its member is written (``objects._mode``), its generator or fixed value, and its
    key's bytes."""

    name: str
    make: Gen | None
    mode: str
    fixed: Any
    size: int


@dataclass(frozen=True, slots=True)
class Shape:
    """What an object's draw needs beside its members (see ``objects.object_generator``)."""

    bound_depth: int
    depth_error: Callable[[int], None]
    max_depth: int
    keen: float
    tail: Callable[..., int] | None  # _fill: minProperties, free-form members, maxProperties
    cohere: Callable[[dict[str, Any], random.Random], None] | None
    where: str
    free: FreeMembers | None = None  # a map's free members, written inline (then ``tail`` is None)


class _TooLongError(Exception):
    """The object's source passed ``_MAX_LINES``."""


class _Writer:
    """The source of one object's flat generator, and the names it refers to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "NoValueError": NoValueError,
            "charge": charge,
            "current_budget": current_budget,
            "exceeded": exceeded,
            "deepcopy": copy.deepcopy,
            "_MISSING": _MISSING,
        }
        self._bound: dict[int, str] = {}

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)
        if len(self.lines) > _MAX_LINES:
            raise _TooLongError

    def bind(self, value: Any, hint: str) -> str:
        """A global name for ``value`` in the generated module (one per object)."""
        name = self._bound.get(id(value))
        if name is None:
            name = f"{hint}{len(self._bound)}"
            self._bound[id(value)] = name
            self.namespace[name] = value
        return name

    def literal(self, value: Any, hint: str) -> str:
        """``value`` as source: a literal for short strings, ints, floats, bools and None, else a bound name."""
        if value is None or type(value) is bool:
            return repr(value)
        if (type(value) is str and len(value) <= 120) or (type(value) is int and -(2**62) < value < 2**62):
            return repr(value)
        if type(value) is float and math.isfinite(value):  # repr round-trips a finite float exactly
            return repr(value)
        return self.bind(value, hint)

    # -- members ---------------------------------------------------------------------------------------
    def value(self, gen: Gen, depth: str, indent: int, level: int = 0) -> None:
        """Lines setting ``v`` to ``gen(rng, depth)``: its draws inline where ``gen`` is described."""
        inline = described(gen) if level < _MAX_INLINE else None
        line = self.line
        if inline is None:
            line(indent, f"v = {self.bind(gen, 'g')}(rng, {depth})")
        elif type(inline) is Const:
            line(indent, f"v = {self.literal(inline.value, 'k')}")
        elif type(inline) is Null:
            line(indent, "v = None")
        elif type(inline) is Boolean:
            line(indent, "v = random() < 0.5")
        elif type(inline) is Picked:
            line(indent, f"v = {self.bind(inline.pick, 'p')}(rng)")
        elif type(inline) is Text:
            self._text(inline, indent, level)
        elif type(inline) is FirstOf:
            self._first_of(inline.gens, depth, indent, level)
        elif type(inline) is Nullable:
            self._nullable(inline, depth, indent, level)
        elif type(inline) is Candidates:
            self._candidates(inline, depth, indent, level)
        elif type(inline) is Choice:
            self._choice(inline, depth, indent, level)
        elif type(inline) is Reference:
            line(indent, f"if {depth} > {inline.hard}:")
            line(indent + 1, f"raise exceeded({self.bind(inline.error, 'e')})")
            line(indent, f"v = {self.bind(inline.gens, 'defs')}[{self.literal(inline.name, 'n')}](rng, {depth})")
        else:  # pragma: no cover - every Inline kind is handled above
            line(indent, f"v = {self.bind(gen, 'g')}(rng, {depth})")

    def _text(self, text: Text, indent: int, level: int) -> None:
        line = self.line
        size = f"n{level}"
        pool = _pool_of(text.first)
        if pool is None:
            line(indent, f"v = {self.bind(text.first, 'f')}(rng)")
        else:  # the picker's draw written out: ``pool[rng._randbelow(len(pool))]``, as rng.choice draws
            bits, draw = len(pool).bit_length(), f"d{level}"
            line(indent, f"{draw} = getrandbits({bits})")
            line(indent, f"while {draw} >= {len(pool)}:")
            line(indent + 1, f"{draw} = getrandbits({bits})")
            line(indent, f"v = {self.bind(pool, 'pool')}[{draw}]")
        line(indent, f"{size} = len(v)")
        fits = f"{text.shortest} <= {size} <= {text.longest}"
        if text.extra is not None:
            fits += f" and {self.bind(text.extra, 'x')}(v)"
        line(indent, f"if {fits}:")
        line(indent + 1, "if budget is not None:")
        line(indent + 2, f"budget.left -= {size} + 2")
        line(indent + 2, "if budget.left < 0:")
        line(indent + 3, "charge(0)")
        line(indent, "else:")
        line(indent + 1, f"v = {self.bind(text.after, 'a')}(rng, v)")

    def _first_of(self, gens: tuple[Gen, ...], depth: str, indent: int, level: int) -> None:
        """Each of ``gens`` in turn until one gives a value: nested ``try`` blocks, a plain NoValueError when none
        does (as the closures raise); a null ends the chain."""
        for gen in gens:
            if type(described(gen)) is Null:
                self.line(indent, "v = None")
                return
            self.line(indent, "try:")
            self.value(gen, depth, indent + 1, level + 1)
            self.line(indent, "except NoValueError:")
            indent += 1
        self.line(indent, "raise NoValueError")

    def _nullable(self, nullable: Nullable, depth: str, indent: int, level: int) -> None:
        if nullable.null_last:
            prefer = f"{depth} >= {nullable.max_depth + 2}"
        else:
            parts = []
            if nullable.deep_null:
                parts.append(f"{depth} >= {nullable.max_depth}")
            if nullable.null_share > 0:
                parts.append(f"random() < {nullable.null_share!r}")
            prefer = " or ".join(parts)
        if not prefer:
            self._first_of(nullable.null_after, depth, indent, level)
            return
        self.line(indent, f"if {prefer}:")
        self._first_of(nullable.null_first, depth, indent + 1, level)
        self.line(indent, "else:")
        self._first_of(nullable.null_after, depth, indent + 1, level)

    def _choice(self, choice: Choice, depth: str, indent: int, level: int) -> None:
        """The order of the branches drawn as the closure draws it, then each branch called in turn."""
        line = self.line
        order, branch = f"order{level}", f"branch{level}"
        conditions: list[tuple[str, Callable[[int], None]]] = []
        if choice.null_last:  # a little past max_depth: cheap non-null branches (ids)
            conditions.append(
                (f"{depth} < {choice.max_depth + 2}", lambda at: self._ordered(choice, choice.null_ranks, order, at))
            )
        if choice.null_share > 0:  # null now and then
            shown = self.bind(list(choice.null_then_cheap), "order")
            conditions.append(
                (
                    f"{depth} < {choice.max_depth} and random() < {choice.null_share!r}",
                    lambda at: line(at, f"{order} = {shown}"),
                )
            )

        def drawn_first(at: int) -> None:
            if choice.only_other is not None:  # rng.sample(others, 1), inline in the closure: the same draw
                line(at, "while getrandbits(1):")
                line(at + 1, "pass")
                line(at, f"{order} = {self.bind(list(choice.only_other), 'order')}")
            else:
                line(at, f"{order} = {self.bind(choice.sampled, 'sampled')}(rng)")

        conditions.append((f"{depth} < {choice.max_depth} and random() < (0.3 if {depth} == 0 else 0.1)", drawn_first))
        for position, (condition, write) in enumerate(conditions):
            line(indent, f"{'if' if position == 0 else 'elif'} {condition}:")
            write(indent + 1)
        line(indent, "else:")  # cheap branches first; null last unless too deep
        line(indent + 1, f"if {depth} >= {choice.max_depth}:")
        self._ordered(choice, choice.ranks[1], order, indent + 2)
        line(indent + 1, "else:")
        self._ordered(choice, choice.ranks[0], order, indent + 2)
        line(indent, f"for {branch} in {order}:")
        line(indent + 1, "try:")
        line(indent + 2, f"v = {branch}(rng, {depth})")
        line(indent + 1, "except NoValueError:")
        line(indent + 2, "continue")
        if not choice.exclusive:
            line(indent + 1, "break")
        else:
            unchecked = self.bind(choice.unchecked, "unchecked")
            check = self.bind(choice.exclusive_check, "one_of")
            line(indent + 1, f"if (v is not None and id({branch}) in {unchecked}) or {check}(v):")
            line(indent + 2, "break")
        line(indent, "else:")
        line(indent + 1, "raise NoValueError")

    def _ordered(self, choice: Choice, ranks: tuple[Any, ...], order: str, indent: int) -> None:
        """``ordered(rng, ranks)``: sorted by (rank, a draw per branch); two branches written out."""
        if len(choice.gens) != 2:
            self.line(
                indent, f"{order} = {self.bind(choice.ordered, 'ordered')}(rng, {self.bind(list(ranks), 'ranks')})"
            )
            return
        ahead, behind = self.bind(list(choice.gens), "order"), self.bind(list(choice.gens[::-1]), "order")
        first, second = ranks
        if first == second:
            self.line(indent, f"{order} = {ahead} if random() <= random() else {behind}")
        else:  # the ranks decide; each branch's draw is still made
            self.line(indent, "random()")
            self.line(indent, "random()")
            self.line(indent, f"{order} = {ahead if first < second else behind}")

    def _candidates(self, candidates: Candidates, depth: str, indent: int, level: int) -> None:
        line = self.line
        index, verdict = f"i{level}", f"c{level}"
        line(indent, "v = _MISSING")
        line(indent, f"if random() < {candidates.share!r}:")
        line(indent + 1, f"{index} = getrandbits({candidates.bits})")
        line(indent + 1, f"while {index} >= {candidates.count}:")
        line(indent + 2, f"{index} = getrandbits({candidates.bits})")
        line(indent + 1, f"{verdict} = {self.bind(candidates.verdicts, 'verdicts')}.get({index})")
        line(indent + 1, f"if {verdict} is None:")
        line(indent + 2, f"{verdict} = {self.bind(candidates.judge, 'judge')}({index})")
        line(indent + 1, f"if {verdict}:")
        shown = f"{self.bind(candidates.candidates, 'cands')}[{index}]"
        line(indent + 2, f"v = {shown}" if candidates.scalar else f"v = deepcopy({shown})")
        line(indent, "if v is _MISSING:")
        self.value(candidates.inner, depth, indent + 1, level + 1)


_MISSING: Any = object()
_POOL_PICK = Fake()._pool_choice("words").__code__  # the code of every ``Fake._pool_choice`` picker


def _pool_of(pick: Callable[[random.Random], Any]) -> tuple[str, ...] | None:
    """The pool a ``Fake._pool_choice`` picker draws from, once its pools are built (a served mock builds them before
    any schema compiles: ``warm``); None for any other picker, or before. The picker says which pool it uses in its
    closure (``fake``, ``attr``); it draws ``pool[_randbelow(len(pool))]``."""
    code = getattr(pick, "__code__", None)
    if code is not _POOL_PICK or not pick.__closure__:
        return None
    cells = dict(zip(code.co_freevars, (cell.cell_contents for cell in pick.__closure__), strict=True))
    fake, attr = cells.get("fake"), cells.get("attr")
    if not isinstance(fake, Fake) or not isinstance(attr, str) or fake._pools is None:
        return None
    pool = getattr(fake._pools, attr, None)
    return pool if isinstance(pool, tuple) and pool and all(type(item) is str for item in pool) else None


# how a member is written (as ``objects``' modes)
FIXED, ALWAYS, WHOLE, KEEN_ROW, PLAIN = "fixed", "always", "whole", "keen", "plain"


def object_function(members: list[Member], shape: Shape) -> Gen | None:
    """The object's flat generator, or None where it stays a closure (disabled, or over ``_MAX_LINES``)."""
    if not ENABLED:
        return None
    writer = _Writer()
    try:
        _write_object(writer, members, shape)
    except _TooLongError:
        return None
    source = "\n".join(writer.lines) + "\n"
    code = compile(source, f"<ctk object generator {shape.where[:200]}>", "exec")
    exec(code, writer.namespace)  # noqa: S102 - source written above from the schema's compiled decisions
    made: Gen = writer.namespace["gen"]
    return made


def _write_object(writer: _Writer, members: list[Member], shape: Shape) -> None:
    line = writer.line
    line(0, "def gen(rng, depth):")
    line(1, f"if depth >= {shape.bound_depth}:")
    line(2, f"{writer.bind(shape.depth_error, 'depth_error')}(depth)")
    line(1, "random = rng.random")
    line(1, "getrandbits = rng.getrandbits")
    line(1, "budget = current_budget()")
    line(1, "keys = 2")
    line(1, "out = {}")
    line(1, f"shallow = depth < {shape.max_depth}")
    line(1, "share = 0.9 if depth < 2 else (0.5 if shallow else 0.0)")
    line(1, f"keen_share = {shape.keen!r} if shallow else share")
    line(1, "deeper = depth + 1")
    if shape.tail is not None:
        line(1, "skipped = []")
    for member in members:
        key = writer.literal(member.name, "key")
        if member.mode == FIXED:  # deepcopy of an immutable value is that value: written as it is
            fixed = writer.literal(member.fixed, "fixed")
            line(1, f"out[{key}] = {fixed}" if _immutable(member.fixed) else f"out[{key}] = deepcopy({fixed})")
            continue
        assert member.make is not None
        if member.mode == ALWAYS:  # required: a failure gives up the object
            writer.value(member.make, "deeper", 1)
            line(1, f"out[{key}] = v")
            line(1, f"keys += {member.size}")
            continue
        if member.mode == WHOLE:
            line(1, "if shallow or random() < share:")
        else:
            line(1, f"if random() < {'keen_share' if member.mode == KEEN_ROW else 'share'}:")
        line(2, "try:")
        writer.value(member.make, "deeper", 3)
        line(3, f"out[{key}] = v")
        line(3, f"keys += {member.size}")
        line(2, "except NoValueError:")  # over a limit too: an optional part is left out
        line(3, "pass")
        if shape.tail is not None:
            line(1, "else:")
            line(2, f"skipped.append(({key}, {writer.bind(member.make, 'g')}))")
    if shape.tail is not None:
        line(1, f"keys += {writer.bind(shape.tail, 'fill')}(out, skipped, rng, depth, keys)")
    if shape.free is not None:
        _write_free_members(writer, shape.free, shape.max_depth)
    line(1, "if budget is not None:")
    line(2, "budget.left -= keys")
    line(2, "if budget.left < 0:")
    line(3, "charge(0)")
    if shape.cohere is not None:
        line(1, f"{writer.bind(shape.cohere, 'cohere')}(out, rng)")
    line(1, "return out")


def _immutable(value: Any) -> bool:
    return value is None or type(value) in (str, int, float, bool)


def _write_free_members(writer: _Writer, free: FreeMembers, max_depth: int) -> None:
    """``objects._fill`` for a map, written out: the same draws (its count as ``rng.randint(1, 3)``, then a name and a
    value per member) and the same bytes charged."""
    line = writer.line
    line(1, f"wanted = {free.low}")
    line(1, f"if depth < {max_depth}:")
    line(2, "drawn = getrandbits(2)")
    line(2, "while drawn >= 3:")
    line(3, "drawn = getrandbits(2)")
    line(2, f"wanted = max({free.low}, 1 + drawn)")
    line(1, "tries = 0")
    line(1, "while len(out) < wanted and tries < wanted * 4 + 4:")
    line(2, "tries += 1")
    pool = _pool_of(free.word)
    if pool is None:
        line(2, f"key = {writer.bind(free.word, 'word')}(rng)")
    else:
        bits = len(pool).bit_length()
        line(2, f"key = getrandbits({bits})")
        line(2, f"while key >= {len(pool)}:")
        line(3, f"key = getrandbits({bits})")
        line(2, f"key = {writer.bind(pool, 'pool')}[key]")
    fits = "key not in out"
    lengths = _CHECKS.get(free.key_ok) if free.key_ok is not None else None
    if lengths is not None:
        fits += f" and len(key) >= {lengths.shortest}"
        if lengths.longest is not None:
            fits += f" and len(key) <= {lengths.longest}"
    elif free.key_ok is not None:
        fits += f" and {writer.bind(free.key_ok, 'key_ok')}(key)"
    line(2, f"if {fits}:")
    writer.value(free.value, "deeper", 3)
    line(3, "out[key] = v")
    line(3, "keys += len(key) + 4")
    if free.high is not None:
        line(1, f"if len(out) > {free.high}:")
        line(2, f"{writer.bind(free.trim, 'trim')}(out)")

"""Cheap seeded random streams for the GraphQL mock's values.

Every leaf of an answer draws from its own stream (so a field's value does not depend on what else the
query selects), which made seeding the answer's cost: a ``random.Random`` seeded from an int runs
Mersenne Twister's 624-word initialisation (about 4 µs). Here a stream is splitmix64 (``Stream``: its
n-th output is the finaliser of ``key + n * GOLDEN``; seeding stores an int; pure integer arithmetic,
stable across processes and Python versions, unlike ``hash()``), its outputs laid out as Mersenne
Twister's 32-bit ones, so the ``random.Random`` methods the value makers use (``choice``, ``randint``,
``uniform``, ``getrandbits``, ``randbytes``...) work unchanged on top.

Keys: an object's child is keyed ``mix(key, part)`` (the finaliser of ``step(key, part)``: children of
different objects never line up), and draws what it needs itself (null or not, a list's size, a type)
from ``stream(key)``. A leaf is keyed ``step(key, part)``, unfinalised, and draws from ``Stream(key)``:
its stream's outputs are already finalisers of distinct points, so a leaf costs one splitmix64 step per
64 bits it draws and nothing to seed (the plan's hottest loop). Keys that hash request data (an id, a
field's arguments) still go through ``toolkit.mock.seed``.
"""

from __future__ import annotations

import hashlib
import random
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

_T = TypeVar("_T")

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
_TO_UNIT = 1.0 / (1 << 53)


def step(key: int, part: int) -> int:
    """The key of leaf ``part`` (a field's code) under ``key``: ``key + (part + 1) * GOLDEN``, a point of splitmix64's
    sequence of its own (the codes are 64-bit hashes, so two fields' streams never overlap in practice)."""
    return (key + (part + 1) * GOLDEN) & MASK


def mix(key: int, part: int) -> int:
    """The key of object ``part`` (a field's code, a list index) under ``key``: splitmix64's finaliser of ``step``."""
    z = (key + (part + 1) * GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


@lru_cache(maxsize=16384)  # field names of a schema: a few thousand at most, asked for on every value
def name_code(name: str) -> int:
    """A stable 64-bit constant for a field name (or a fixed word: "value", "edge", "item")."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


VALUE = name_code("\x00value")
EDGE = name_code("\x00edge")
ITEM = name_code("\x00item")
VALUE_STEP = (VALUE + 1) * GOLDEN & MASK  # ``step(key, VALUE)``: an object's or a list's own draws
ITEM_STRIDE = name_code("\x00leaf item") | 1


_Random = random.Random  # by another name: the class's own ``random`` method hides the module in its body
if TYPE_CHECKING:
    _RandomLike = random.Random  # to the type checker a Stream is a Random: the value makers take one
else:
    # at run time it is not: a Random allocates Mersenne Twister's 2.5 KB state when made (0.6 µs, and the plan makes
    # several streams per object); the methods the makers use are ``random.Random``'s own, on ``getrandbits``/``random``
    _RandomLike = object


class Stream(_RandomLike):
    """``random.Random``'s interface over splitmix64: seeded by storing the int. Its 32-bit outputs are the halves of
    splitmix64's, the high one first (``half``: the low one, not yet drawn, or -1)."""

    __slots__ = ("half", "state")

    def __init__(self, seed: int = 0) -> None:
        self.state = seed & MASK
        self.half = -1

    def seed(self, a: object = None, version: int = 2) -> None:
        self.state = (a if isinstance(a, int) else hash(a)) & MASK
        self.half = -1

    def getrandbits(self, k: int, /) -> int:
        # laid out as CPython's Mersenne Twister lays out its 32-bit outputs (``k <= 32``: the top ``k`` bits of one;
        # more: as many as needed, the first in the lowest bits, the last one's top bits), so code written against
        # that layout (``toolkit.fake.draw_characters``) draws the same from this generator as ``choice`` does
        if k <= 32:
            if k < 0:
                raise ValueError("number of bits must be non-negative")
            half = self.half
            if half >= 0:
                self.half = -1
                return half >> (32 - k)
            state = (self.state + GOLDEN) & MASK
            self.state = state
            z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            z ^= z >> 31
            self.half = z & 0xFFFFFFFF
            return z >> (64 - k)
        if 96 < k <= 128 and self.half < 0:  # two steps (an id's 112-bit tail), the loop below written out
            state = (self.state + GOLDEN) & MASK
            z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            z ^= z >> 31
            state = (state + GOLDEN) & MASK
            self.state = state
            y = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            y = ((y ^ (y >> 27)) * 0x94D049BB133111EB) & MASK
            y ^= y >> 31
            # the words z_high, z_low, y_high, then the top bits of y_low
            return (z >> 32) | (z & 0xFFFFFFFF) << 32 | (y >> 32) << 64 | ((y & 0xFFFFFFFF) >> (128 - k)) << 96
        words = (k + 31) >> 5
        out = 0
        shift = 0
        if self.half >= 0:
            out = self.half
            self.half = -1
            shift = 32
            words -= 1
        state = self.state
        while words >= 2:  # two words a step: the high half first, in the lower bits
            state = (state + GOLDEN) & MASK
            z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            z ^= z >> 31
            out |= ((z >> 32) | ((z & 0xFFFFFFFF) << 32)) << shift
            shift += 64
            words -= 2
        self.state = state
        if words:
            out |= self.getrandbits(32) << shift
        if k & 31:  # the last word's top bits only
            top = shift + (32 if words else 0) - 32
            last = out >> top
            out = (out & ((1 << top) - 1)) | ((last >> (32 - (k & 31))) << top)
        return out

    def random(self) -> float:
        state = (self.state + GOLDEN) & MASK
        self.state = state
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return ((z ^ (z >> 31)) >> 11) * _TO_UNIT

    def getstate(self) -> tuple[int, ...]:
        return (self.state,)

    def setstate(self, state: tuple[int, ...]) -> None:
        self.state = state[0]

    def below(self, n: int) -> int:
        """A number below ``n`` (at most 2**32) from one 32-bit output, by multiplying (Lemire's map without its
        rejection step: a bias under ``n / 2**32``, never a second draw, so a value's draws are known in advance and
        the plan draws nulls and ``values.Drawn`` inline); ``(getrandbits(32) * n) >> 32``."""
        half = self.half
        if half >= 0:
            self.half = -1
            return (half * n) >> 32
        state = (self.state + GOLDEN) & MASK
        self.state = state
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        self.half = z & 0xFFFFFFFF
        return ((z >> 32) * n) >> 32

    # ``random.Random``'s own algorithms (``_randbelow_with_getrandbits``), without its argument checks and
    # extra calls: the same numbers for the same stream; a draw of up to 32 bits written out (a leaf's value is
    # usually one or two such draws: this is the plan's innermost call)
    def _below(self, n: int) -> int:
        k = n.bit_length()
        if k > 32:
            draw = self.getrandbits
            r = draw(k)
            while r >= n:
                r = draw(k)
            return r
        shift = 32 - k
        while True:
            half = self.half
            if half >= 0:
                self.half = -1
                r = half >> shift
            else:
                state = (self.state + GOLDEN) & MASK
                self.state = state
                z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
                z ^= z >> 31
                self.half = z & 0xFFFFFFFF
                r = z >> (32 + shift)
            if r < n:
                return r

    # what ``random.Random``'s methods below draw with: its own (the same numbers as ``_below``)
    _randbelow = getattr(_Random, "_randbelow_with_getrandbits")  # noqa: B009 - not in typeshed

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None and step == 1 and type(start) is int and start > 0:
            return self._below(start)
        return _Random.randrange(self, start, stop, step)

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        size = len(seq)
        if not size:
            raise IndexError("Cannot choose from an empty sequence")
        return seq[self._below(size)]

    def randint(self, a: int, b: int) -> int:
        if type(a) is not int or type(b) is not int or b < a:
            return _Random.randint(self, a, b)  # its errors and its coercions
        return a + self._below(b - a + 1)

    # ``random.Random``'s own, drawing through the methods above
    uniform = _Random.uniform
    randbytes = _Random.randbytes
    shuffle = _Random.shuffle
    sample = _Random.sample
    choices = _Random.choices
    triangular = _Random.triangular


def stream(key: int) -> Stream:
    """The random stream of the object or list keyed ``key``: what it draws itself (null or not, its size, its
    type), apart from its items' and fields' streams: ``Stream(step(key, VALUE))``, a point of its own like a leaf's."""
    return Stream((key + VALUE_STEP) & MASK)


def leaf_item(key: int, index: int) -> int:
    """The key of leaf item ``index`` of the list keyed ``key``: ``key + (index + 1) * ITEM_STRIDE``, unfinalised like a
    leaf's (the stride is no small multiple of ``GOLDEN``, so neighbouring items' streams never overlap)."""
    return (key + (index + 1) * ITEM_STRIDE) & MASK

"""Cheap seeded random streams for the GraphQL mock's values.

Every leaf of an answer draws from its own stream (so a field's value does not depend on what else the
query selects), which made seeding the answer's cost: a ``random.Random`` seeded from an int runs
Mersenne Twister's 624-word initialisation (about 4 µs), and the keys were blake2 digests of ``repr``
tuples (about 1 µs each), for two to three draws per value. Here a key is mixed from its parent's key
and a constant per field name with the splitmix64 finaliser (pure integer arithmetic, stable across
processes and Python versions, unlike ``hash()``), and a value's stream is a ``random.Random`` whose
core generator is splitmix64 (its outputs laid out as Mersenne Twister's 32-bit ones): seeding stores an
int. The ``random.Random`` methods the value makers use (``choice``, ``randint``, ``uniform``,
``getrandbits``, ``randbytes``...) work unchanged on top.
Keys that hash request data (an id, a field's arguments) still go through ``toolkit.mock.seed``.
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


def mix(key: int, part: int) -> int:
    """A 64-bit key for ``part`` (a field's code, a list index) under ``key``: splitmix64's finaliser."""
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


class Stream(random.Random):
    """A ``random.Random`` over splitmix64: seeded by storing the int (no Mersenne Twister state is used)."""

    def __init__(self, seed: int = 0) -> None:  # no super().__init__: it would seed the unused MT state
        self._state = seed & MASK

    def seed(self, a: object = None, version: int = 2) -> None:
        self._state = (a if isinstance(a, int) else hash(a)) & MASK

    def getrandbits(self, k: int, /) -> int:
        # laid out as CPython's Mersenne Twister lays out its 32-bit outputs (``k <= 32``: the top ``k`` bits of one;
        # more: as many as needed, the first in the lowest bits, the last one's top bits), so code written against
        # that layout (``toolkit.fake.draw_characters``) draws the same from this generator as ``choice`` does
        if k <= 32:
            if k < 0:
                raise ValueError("number of bits must be non-negative")
            state = (self._state + GOLDEN) & MASK
            self._state = state
            z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            return (z ^ (z >> 31)) >> (64 - k)
        out = 0
        shift = 0
        while k > 0:
            out |= self.getrandbits(min(k, 32)) << shift
            shift += 32
            k -= 32
        return out

    def random(self) -> float:
        state = (self._state + GOLDEN) & MASK
        self._state = state
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return ((z ^ (z >> 31)) >> 11) * _TO_UNIT

    def getstate(self) -> tuple[int, ...]:
        return (self._state,)

    def setstate(self, state: tuple[int, ...]) -> None:
        self._state = state[0]

    # ``random.Random``'s own algorithms (``_randbelow_with_getrandbits``), without its argument checks and
    # extra calls: the same numbers for the same stream
    def _below(self, n: int) -> int:
        k = n.bit_length()
        draw = self.getrandbits
        r = draw(k)
        while r >= n:
            r = draw(k)
        return r

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        if not len(seq):
            raise IndexError("Cannot choose from an empty sequence")
        return seq[self._below(len(seq))]

    def randint(self, a: int, b: int) -> int:
        if type(a) is not int or type(b) is not int or b < a:
            return super().randint(a, b)  # its errors and its coercions
        return a + self._below(b - a + 1)


def stream(key: int) -> Stream:
    """The random stream of the value keyed ``key``."""
    return Stream(mix(key, VALUE))

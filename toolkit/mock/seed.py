"""One seeding rule for every protocol's mock: same seed and same key, same random stream.

A key is whatever identifies an answer (operation id, status, request fields). blake2b over its
``repr`` gives a stable 64-bit seed across processes and Python versions, unlike ``hash()``, whose
string hashing is salted per process; that is what lets ``--workers N`` and repeated runs agree.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any


def seed_of(seed: int, key: tuple[Any, ...]) -> int:
    digest = hashlib.blake2b(repr((seed, key)).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng_for(seed: int, key: tuple[Any, ...]) -> random.Random:
    """A ``random.Random`` for one answer: the mock's seed and the answer's key decide it."""
    return random.Random(seed_of(seed, key))

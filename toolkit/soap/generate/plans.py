"""Per-leaf value plans: what ``SimpleType.draw`` would do for one leaf, decided once instead of per value.

``draw`` finds, on every value, the type's enumeration, its family, the realistic-value strategy its field
name calls for (``Fake.by_name`` walks a long list of names) and then checks the value against the facets.
For the commonest leaves all of that depends only on the type, the leaf's name and its parent's name, so it is
decided when the leaf is first drawn, and the plan keeps only the rng draws, the same ones in the same order:

- an enumeration whose values the facets accept: ``rng.choice`` among them (what ``draw`` does);
- a string-family leaf whose name ``Fake.by_name`` answers with one pick from a pool (emails, cities,
  companies...): ``rng.choice`` over that pool, when every value of the pool fits the type (lengths, facets),
  so that ``draw``'s check would pass on whichever is picked.

Which pool ``by_name`` picks from is learnt by asking it once with a stand-in rng (``_Probe``) that records the
pick; anything else it does with the rng (several picks, numbers, a composed value) leaves the leaf to
``draw``. A leaf without a plan is drawn by ``draw`` as before: plans change the cost, never the value.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from toolkit.fake import Fake
from toolkit.soap.generate.builtin_types import LIST_BUILTINS, family
from toolkit.soap.generate.simple_types import SimpleType

__all__ = ["Plan", "value_plan"]

Plan = Callable[[random.Random], str]
_STRING_FAMILIES = frozenset({"string", "token", "normalizedString"})


class _ProbeError(Exception):
    """The probed code used the rng for something other than one pick."""


class _Probe:
    """Stands in for the rng while ``Fake.by_name`` runs: records the one sequence it picks from."""

    def __init__(self) -> None:
        self.picked: Sequence[Any] | None = None

    def choice(self, seq: Sequence[Any]) -> Any:
        if self.picked is not None or not seq:
            raise _ProbeError
        self.picked = seq
        return seq[0]

    def __getattr__(self, name: str) -> Any:
        raise _ProbeError(name)


def value_plan(simple: SimpleType, fake: Fake, name: str, owner: str | None, max_length: int) -> Plan | None:
    """The plan of a leaf called ``name`` (in an element called ``owner``), or None: ``draw`` decides each time."""
    if simple.shortest() > max_length:
        return None  # draw() raises the limit error, naming the leaf
    enumeration = simple.enumeration()
    if enumeration:
        accepted = [value for value in enumeration if simple.accepts(value)]
        if not accepted:
            return None
        choices = tuple(accepted)
        return lambda rng: rng.choice(choices)
    builtin = simple.builtin
    if (
        not name
        or builtin in ("union", "list", "anyURI")
        or builtin in LIST_BUILTINS
        or family(builtin) not in _STRING_FAMILIES
        or simple.has_patterns()
    ):
        return None
    low, high = simple.length_bounds()
    probe = _Probe()
    try:
        candidate = fake.by_name(name, probe, owner=owner, max_length=high)  # type: ignore[arg-type]
    except _ProbeError:
        return None
    pool = probe.picked
    if candidate is None or pool is None or type(pool) is not tuple or candidate is not pool[0]:
        return None  # no pick, or a value composed around the pick
    if not all(
        isinstance(value, str) and low <= len(value) and (high is None or len(value) <= high) and simple.accepts(value)
        for value in pool
    ):
        return None  # draw() would check and draw again for some of them
    values: tuple[str, ...] = pool
    return lambda rng: rng.choice(values)

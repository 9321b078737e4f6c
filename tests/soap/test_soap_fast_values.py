"""Value plans written a faster way give the values (and leave the rng where) the former way did: dates and times
from tables (``moments``) against ``time.strftime`` of ``time.gmtime``."""

from __future__ import annotations

import random
import time

import pytest

from toolkit.soap.generate.moments import FORMS, moment_plan
from toolkit.soap.generate.values import EPOCH_LOW, SPAN


def _former(form: str, rng: random.Random) -> str:
    """The plan before the tables: the reference."""
    return time.strftime(form, time.gmtime(EPOCH_LOW + rng.randrange(SPAN)))


class _Fixed(random.Random):
    """An rng whose ``randrange`` answers a given offset (the span's edges)."""

    def __init__(self, offset: int) -> None:
        super().__init__(0)
        self.offset = offset

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        return self.offset


@pytest.mark.parametrize("builtin", sorted(FORMS))
def test_every_form_is_strftimes_for_the_same_draws(builtin: str) -> None:
    plan = moment_plan(builtin)
    for seed in range(3000):
        ours, theirs = random.Random(seed), random.Random(seed)
        assert plan(ours) == _former(FORMS[builtin], theirs)
        assert ours.getstate() == theirs.getstate()  # the same draws: what is drawn next is the same too


@pytest.mark.parametrize("builtin", sorted(FORMS))
def test_the_spans_edges_and_day_boundaries_are_written_as_strftime_writes_them(builtin: str) -> None:
    plan = moment_plan(builtin)
    day = 86400
    offsets = [0, 1, 59, 60, 3599, 3600, day - 1, day, day + 1, SPAN - 1, SPAN - day, SPAN - day - 1]
    offsets += [n * day + second for n in (58, 59, 424, 789, 1154, 1520, 1885) for second in (0, 43199, day - 1)]
    for offset in offsets:
        assert plan(_Fixed(offset)) == _former(FORMS[builtin], _Fixed(offset)), offset

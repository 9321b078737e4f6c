"""Dates and times of the generator's span, written from tables made once rather than by ``time.strftime``.

A date or time leaf without facets is ``time.strftime(form, time.gmtime(EPOCH_LOW + rng.randrange(SPAN)))`` (what
``values`` writes, from the same draw): a draw, a ``struct_time`` and a format parse per value, over a microsecond
of a ~50 µs answer for each ``dateTime``. The span starts at midnight and lasts whole days, so a moment is a day of
the span and a second of that day: the day's text is looked up (a table of the span's days, made once: 2,555
strings, about 190 KB), the time's too (a table of a day's minutes, 1,440 strings, and of the seconds, 60). The same
text for every moment (``tests/soap/test_soap_fast_values.py`` compares them over the whole span's edges and a
sample), the same draws from the rng (``randrange``'s ``_randbelow`` inline for a ``random.Random``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import cache

from toolkit.soap.generate.values import EPOCH_LOW, SPAN

__all__ = ["FORMS", "moment_plan"]

# the built-in date and time types written this way, and the form ``values`` writes each in
FORMS = {"dateTime": "%Y-%m-%dT%H:%M:%SZ", "date": "%Y-%m-%d", "time": "%H:%M:%S", "gYear": "%Y", "gYearMonth": "%Y-%m"}
_DAY = 86400
_BITS = SPAN.bit_length()
assert EPOCH_LOW % _DAY == 0 and SPAN % _DAY == 0, "the span is whole days from a midnight"


@cache  # one table: the span's days
def _days() -> tuple[str, ...]:
    return tuple(time.strftime("%Y-%m-%d", time.gmtime(EPOCH_LOW + day * _DAY)) for day in range(SPAN // _DAY))


@cache  # one table: a day's minutes
def _minutes() -> tuple[str, ...]:
    return tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60))


_SECONDS = tuple(f":{second:02d}" for second in range(60))


def moment_plan(builtin: str) -> Callable[[random.Random], str]:
    """The plan writing ``builtin`` (a key of ``FORMS``) as ``time.strftime(FORMS[builtin], ...)`` would."""
    days, minutes, seconds = _days(), _minutes(), _SECONDS

    def offset(rng: random.Random) -> int:
        if type(rng) is random.Random:  # randrange(SPAN)'s draws, inline
            draw = rng.getrandbits
            r = draw(_BITS)
            while r >= SPAN:
                r = draw(_BITS)
            return r
        return rng.randrange(SPAN)

    def date_time(rng: random.Random) -> str:
        day, second = divmod(offset(rng), _DAY)
        minute, second = divmod(second, 60)
        return days[day] + "T" + minutes[minute] + seconds[second] + "Z"

    def date(rng: random.Random) -> str:
        return days[offset(rng) // _DAY]

    def clock(rng: random.Random) -> str:
        minute, second = divmod(offset(rng) % _DAY, 60)
        return minutes[minute] + seconds[second]

    def year(rng: random.Random) -> str:
        return days[offset(rng) // _DAY][:4]

    def month(rng: random.Random) -> str:
        return days[offset(rng) // _DAY][:7]

    plans = {"dateTime": date_time, "date": date, "time": clock, "gYear": year, "gYearMonth": month}
    return plans[builtin]

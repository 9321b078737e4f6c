"""Literals for XML Schema's built-in types, inside the bounds a simple type's facets set.

Realistic first (``toolkit.fake`` by field name: an ``Email`` gets an email, an ``Amount`` a money
amount), then a plain value of the right shape and size. The caller (``SimpleType.draw``) checks
each candidate and falls back to the minimal value.
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, NamedTuple

from toolkit.fake import Fake
from toolkit.soap.generate.builtin_types import INTEGER_RANGES, LIST_BUILTINS, family

if TYPE_CHECKING:
    from toolkit.soap.generate.simple_types import SimpleType

EPOCH_LOW = _EPOCH_LOW = 1546300800  # 2019-01-01
SPAN = _SPAN = 7 * 365 * 86400
# totalDigits up to this bound the values drawn; past it, 10**totalDigits (a contract may say 2 000 000 000)
# would only cost time and memory, for a bound no drawn value comes near.
FEW_DIGITS = _FEW_DIGITS = 400
_LANGUAGES = ("en", "en-US", "en-GB", "fr", "fr-FR", "de", "es", "it", "nl", "pt-BR", "ja", "sv")


def atomic_value(
    simple: SimpleType, rng: random.Random, fake: Fake, name: str, owner: str | None, *, plain: bool = False
) -> str:
    builtin = simple.builtin
    if builtin in LIST_BUILTINS:
        return " ".join(f"{fake.word(rng)}{index}" for index in range(rng.randint(1, 3)))
    kind = family(builtin)
    if kind == "integer":
        return str(_integer(simple, rng, fake, name, INTEGER_RANGES[builtin], plain))
    if kind in ("decimal", "float"):
        return _decimal(simple, rng, fake, name, plain, kind)
    if kind == "boolean":
        return "false" if plain else rng.choice(("true", "false"))
    if kind in _TEMPORAL:
        return _TEMPORAL[kind](datetime.fromtimestamp(_EPOCH_LOW + rng.randrange(_SPAN), tz=UTC), rng)
    if kind in ("hexBinary", "base64Binary"):
        low, high = simple.length_bounds()
        size = rng.randint(low, max(low, min(high if high is not None else 24, low + 24))) if not plain else low
        data = rng.randbytes(size or (0 if high == 0 else max(low, 4 if not plain else 1)))
        return data.hex().upper() if kind == "hexBinary" else base64.b64encode(data).decode()
    if kind == "language":
        return "en" if plain else rng.choice(_LANGUAGES)
    if kind == "QName":
        return "xsd:string"  # the generator declares xsd: on every root it makes
    low, high = simple.length_bounds()
    if kind in ("NCName", "Name", "NMTOKEN"):
        value = _identifier(rng, fake, builtin, name, plain)
        return _fit(value, low, high, rng, string.ascii_lowercase)
    if builtin == "anyURI":
        candidate = None if plain else fake.by_name(name, rng, owner=owner) or fake.by_format("uri", rng)
        return _fit(candidate or "https://example.com/x", low, high, rng, string.ascii_lowercase)
    candidate = None if plain or not name else fake.by_name(name, rng, owner=owner, max_length=high)
    if candidate is not None and low <= len(candidate) and (high is None or len(candidate) <= high):
        return candidate
    if plain:
        return _fit("", low, high, rng, "x")
    return _fit(fake.text(rng, low, high), low, high, rng, string.ascii_lowercase)


def _identifier(rng: random.Random, fake: Fake, builtin: str, name: str, plain: bool) -> str:
    if builtin == "ID":  # IDs must be unique in a document: a random tail makes collisions unlikely
        return f"id{rng.getrandbits(40):x}"
    word = "x" if plain else "".join(char for char in fake.word(rng) if char.isalpha()) or "item"
    return word if word[0].isalpha() else f"x{word}"


def fit(value: str, low: int, high: int | None, rng: random.Random, filler: str) -> str:
    """``value`` cut to ``high`` characters, or padded with ``filler`` characters to ``low``."""
    return _fit(value, low, high, rng, filler)


def _fit(value: str, low: int, high: int | None, rng: random.Random, filler: str) -> str:
    if high is not None and len(value) > high:
        value = value[:high].rstrip()
    while len(value) < low:
        value += rng.choice(filler)
    return value


def _bound(simple: SimpleType, *names: str) -> Decimal | None:
    """The tightest of the facets ``names`` across the derivation steps (min: largest, max: smallest)."""
    best: Decimal | None = None
    lower = names[0].startswith("min")
    for step in simple.steps:
        for facet in names:
            raw = getattr(step, facet)
            if raw is None:
                continue
            try:
                value = Decimal(raw)
            except (InvalidOperation, ValueError):
                continue
            if facet.endswith("exclusive"):
                value = value + 1 if lower else value - 1  # integers; decimals nudge further below
            if best is None or (value > best if lower else value < best):
                best = value
    return best


def _integer(
    simple: SimpleType, rng: random.Random, fake: Fake, name: str, builtin: tuple[int | None, int | None], plain: bool
) -> int:
    low_bound, high_bound = builtin
    low = _bound(simple, "min_inclusive", "min_exclusive")
    high = _bound(simple, "max_inclusive", "max_exclusive")
    lo = max(v for v in (low_bound, int(low) if low is not None else None) if v is not None) if (
        low_bound is not None or low is not None) else None  # fmt: skip
    hi = min(v for v in (high_bound, int(high) if high is not None else None) if v is not None) if (
        high_bound is not None or high is not None) else None  # fmt: skip
    digits = simple.facet("total_digits")
    if isinstance(digits, int) and digits <= _FEW_DIGITS:  # more digits do not bound the values drawn here
        limit = 10**digits - 1
        hi = limit if hi is None else min(hi, limit)
        lo = -limit if lo is None else max(lo, -limit)
    if lo is not None and hi is not None and lo > hi:
        return lo  # contradictory facets: no valid value; the caller's check reports it
    if not plain:
        hint = fake.integer_by_name(name, rng) if name else None
        if hint is not None and (lo is None or hint >= lo) and (hi is None or hint <= hi):
            return hint
    start = lo if lo is not None else (min(hi, 1) if hi is not None else 1)
    if plain:
        return max(start, 0) if (hi is None or hi >= 0) and (lo is None or lo <= 0) else start
    # readable: small positive numbers when allowed, otherwise near the lower bound
    if (lo is None or lo <= 1) and (hi is None or hi >= 1):
        return rng.randint(max(lo if lo is not None else 1, 1), min(hi if hi is not None else 1000, 1000))
    top = hi if hi is not None else start + 1000
    return rng.randint(start, min(top, start + 1000))


class DecimalBounds(NamedTuple):
    """What ``_decimal`` works out from a type's facets: the same for every value of the type."""

    low: Decimal | None  # the facets' bounds (totalDigits included)
    high: Decimal | None
    places: int  # fraction digits written
    lo: float  # the range drawn from
    hi: float


def decimal_bounds(simple: SimpleType) -> DecimalBounds:
    """The type's ``DecimalBounds``, worked out once (a type's facets never change once it is built)."""
    cached = simple._views.get("decimal_bounds")
    if isinstance(cached, DecimalBounds):
        return cached
    low = _bound(simple, "min_inclusive", "min_exclusive")
    high = _bound(simple, "max_inclusive", "max_exclusive")
    fraction = simple.facet("fraction_digits")
    places = min(fraction, _FEW_DIGITS) if isinstance(fraction, int) else 2
    digits = simple.facet("total_digits")
    if isinstance(digits, int) and digits <= _FEW_DIGITS:
        places = min(places, digits)
        limit = Decimal(10) ** (digits - places) - 1
        high = limit if high is None else min(high, limit)
        low = -limit if low is None else max(low, -limit)
    lo = float(low) if low is not None else 0.0
    hi = float(high) if high is not None else max(lo, 0.0) + 1000.0
    if lo > hi:
        lo, hi = hi, lo
    bounds = DecimalBounds(low, high, places, lo, hi)
    simple._views["decimal_bounds"] = bounds
    return bounds


def _decimal(simple: SimpleType, rng: random.Random, fake: Fake, name: str, plain: bool, kind: str) -> str:
    low, high, places, lo, hi = decimal_bounds(simple)
    if not plain and name:
        hint = fake.number_by_name(name, rng)
        if hint is not None and lo <= hint <= hi:
            return _decimal_text(Decimal(str(hint)), places)
    value = lo if plain else rng.uniform(*decimal_range(lo, hi))
    return decimal_text(value, low, high, places)


def decimal_range(lo: float, hi: float) -> tuple[float, float]:
    """Where ``_decimal`` draws from in ``[lo, hi]``: readable amounts, not the 18-digit ceiling totalDigits allows."""
    top = min(hi, max(lo, 0.0) + 10_000.0)
    return max(lo, min(1.0, top)), top


def decimal_text(value: float, low: Decimal | None, high: Decimal | None, places: int) -> str:
    """``value`` written with ``places`` fraction digits; the low bound (or 0) when rounding left the bounds."""
    text = _decimal_text(Decimal(str(value)), places)
    if (low is not None and Decimal(text) < low) or (high is not None and Decimal(text) > high):
        text = bound_text(low, places)
    return text


def quick_decimal_text(value: float, places: int) -> str | None:
    """``_decimal_text(Decimal(str(value)), places)`` worked on the float's shortest text, for ``places`` >= 1 and a
    text without an exponent (None otherwise): the same half-even rounding of the same decimal digits, the sign
    kept (``-0.00`` as Decimal writes it), in a third of the time. ``tests/soap/test_soap_values.py`` compares them.

    A text with two or more digits past the rounding place (a drawn float's usual one) is rounded by ``format``,
    which rounds the float itself, correctly: they agree because no rounding boundary (``x.xx5``) lies between the
    float and its shortest text (both are in the float's rounding interval; a boundary in it would be a shorter
    text that reads back as the float, and ``repr`` gives the shortest)."""
    text = repr(value)
    if places < 1 or "e" in text or "n" in text:  # 1e-05, 1e+16, inf, nan: the Decimal way
        return None
    if len(text) - text.find(".") > places + 2:
        return f"{value:.{places}f}"
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    whole, _, fraction = text.partition(".")
    if len(fraction) <= places:
        return f"{sign}{whole}.{fraction}{'0' * (places - len(fraction))}"
    rest = fraction[places:]
    number = int(whole + fraction[:places])
    first = rest[0]
    if first > "5" or (first == "5" and (rest[1:].strip("0") or number & 1)):  # ROUND_HALF_EVEN
        number += 1
    digits = str(number)
    if len(digits) <= places:
        digits = "0" * (places + 1 - len(digits)) + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def bound_text(low: Decimal | None, places: int) -> str:
    """What ``decimal_text`` writes when rounding left the bounds: the low bound (or 0)."""
    return _decimal_text(low if low is not None else Decimal(0), places)


def _decimal_text(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    text = f"{value.quantize(quantum):f}" if places else str(int(value))
    return text


def _date_time(moment: datetime, rng: random.Random) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_TEMPORAL: dict[str, Callable[[datetime, random.Random], str]] = {
    "dateTime": _date_time,
    "date": lambda moment, rng: moment.strftime("%Y-%m-%d"),
    "time": lambda moment, rng: moment.strftime("%H:%M:%S"),
    "duration": lambda moment, rng: f"P{rng.randint(1, 30)}DT{rng.randint(0, 23)}H",
    "gYear": lambda moment, rng: moment.strftime("%Y"),
    "gYearMonth": lambda moment, rng: moment.strftime("%Y-%m"),
    "gMonth": lambda moment, rng: moment.strftime("--%m"),
    "gDay": lambda moment, rng: moment.strftime("---%d"),
    "gMonthDay": lambda moment, rng: (
        moment - timedelta(days=1 if moment.strftime("%m-%d") == "02-29" else 0)
    ).strftime("--%m-%d"),
}

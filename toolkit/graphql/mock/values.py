"""Leaf values for the GraphQL mock: scalars and enums, chosen by type name and field name.

A GraphQL schema says little about a String (no format, no pattern), so the field's name does the
work, through the same faker layer as the REST mock (``toolkit.fake``): ``email`` gets an address,
``createdAt`` a timestamp. Custom scalars say more by their own name (``DateTime``, ``URL``, ``UUID``);
a scalar nobody recognises gets a plain string, which any scalar accepts on the wire. Every value
here is also valid for its type by construction: Int fits 32 bits, Float is finite, ID is a string.
``leaf_maker`` decides all of that once per (type, field, owner): the maker then only draws. The commonest
makers are one draw (``Drawn``: an enum member, an int in a range, a boolean, a price, a date, a timestamp),
by multiplying one 32-bit output (``pick``), which the plan draws inline.
"""

from __future__ import annotations

import random
import re
import string
import time
import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from graphql import GraphQLEnumType, GraphQLScalarType, specified_scalar_types

from toolkit.fake import ID_PREFIXES, Fake, snake

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_LIST_SIZE_ARGS = frozenset({"first", "last", "limit", "take", "size", "count", "pagesize", "page_size", "perpage",
                             "per_page", "top", "max", "maxresults", "max_results"})  # fmt: skip
_LEAF = Callable[[Fake, random.Random, str, str], Any]
_MAKER = Callable[[random.Random], Any]


def pick(rng: random.Random, n: int) -> int:
    """A number below ``n`` (at most 2**32) from one 32-bit draw by multiplying: ``streams.Stream.below``, for any
    ``random.Random``."""
    return (rng.getrandbits(32) * n) >> 32


class Drawn:
    """A maker that is one ``pick`` below ``n``: the value ``table[r]``, or ``offset + r`` without a table, passed
    through ``finish`` if there is one (a price's decimal string, a timestamp's date). The plan reads these to draw it
    inline (``plan``)."""

    __slots__ = ("finish", "n", "offset", "table")

    def __init__(
        self,
        n: int,
        offset: int = 0,
        table: tuple[Any, ...] | None = None,
        finish: Callable[[int], Any] | None = None,
    ) -> None:
        if not 0 < n <= 1 << 32:
            raise ValueError("a Drawn maker draws below 1 to 2**32")
        self.n = n
        self.offset = offset
        self.table = table
        self.finish = finish

    def __call__(self, rng: random.Random) -> Any:
        r = (rng.getrandbits(32) * self.n) >> 32
        if self.table is not None:
            return self.table[r]
        return self.offset + r if self.finish is None else self.finish(self.offset + r)


def is_size_argument(name: str) -> bool:
    """``first: 5``, ``limit``, ``pageSize``…: the client says how many items a list should hold."""
    return name.lower() in _LIST_SIZE_ARGS


@lru_cache(maxsize=4096)  # per enum type of a schema: the request path asks for the same few on every answer
def _served_names(enum: GraphQLEnumType) -> tuple[str, ...]:
    return tuple(name for name, value in enum.values.items() if value.deprecation_reason is None) or tuple(enum.values)


def enum_value(enum: GraphQLEnumType, rng: random.Random) -> Any:
    """A member, preferring those not deprecated (a client that switched away should not see them)."""
    names = _served_names(enum)
    if not names:
        return None
    chosen = enum.values[names[pick(rng, len(names))]]
    return chosen.value if chosen.value is not None else names[pick(rng, len(names))]


def leaf_maker(leaf: GraphQLScalarType | GraphQLEnumType, fake: Fake, field: str, owner: str) -> _MAKER:
    """``scalar_value``/``enum_value`` for one (type, field, owner), decided now: ``make(rng)`` returns what they
    return for the same rng state, drawing the same numbers (tests/graphql/test_plan_speed.py holds them equal),
    without matching the field's name against the rules on every value."""
    if isinstance(leaf, GraphQLEnumType):
        names = _served_names(leaf)
        if not names or any(leaf.values[name].value is None for name in names):
            return lambda rng: enum_value(leaf, rng)
        members = tuple(leaf.values[name].value for name in names)
        return Drawn(len(members), table=members)  # ``enum_value``
    compiled = _COMPILED.get(leaf.name)
    if compiled is not None:
        return compiled(fake, field, owner)
    custom = _custom_maker(leaf.name)
    drawn = _DRAWN.get(custom)
    if drawn is not None:
        return drawn
    fmt = _FORMATS.get(custom)
    picker = fake.format_picker(fmt) if fmt is not None else None
    if picker is not None:  # ``by_format`` decided now (the same draws), falling back as ``_fmt`` does
        string_maker = _string_maker(fake, field, owner)

        def formatted(rng: random.Random) -> Any:
            return picker(rng) or string_maker(rng)

        return formatted
    return lambda rng: custom(fake, rng, field, owner)


def wire_maker(leaf: GraphQLScalarType | GraphQLEnumType, fake: Fake, field: str, owner: str) -> _MAKER | None:
    """``leaf_maker`` with its values as the answer carries them, where that is known now: graphql-core's
    ``coerce_output_value`` of each (an enum member's name; a built-in scalar's value as made, valid by
    construction; a custom scalar's as made, its coercion being the identity and no maker making None); None for
    other leaves (a schema's own ``String``, a scalar with a serialiser), which are coerced per value."""
    if isinstance(leaf, GraphQLEnumType):
        names = _served_names(leaf)
        if not names or any(leaf.values[name].value is None for name in names):
            return None
        try:
            wire = tuple(leaf.serialize(leaf.values[name].value) for name in names)
        except Exception:  # noqa: BLE001 - an internal value graphql-core cannot serialise: coerced per value
            return None
        if not all(type(name) is str for name in wire):
            return None
        return Drawn(len(wire), table=wire)  # the same draw as ``leaf_maker``'s
    if leaf is not specified_scalar_types.get(leaf.name) and leaf.coerce_output_value is not _IDENTITY:
        return None  # a schema's own serialiser (only one built in code has one; SDL and introspection give none)
    return leaf_maker(leaf, fake, field, owner)


_IDENTITY = GraphQLScalarType.serialize  # a scalar's output coercion when its definition gives none


def scalar_value(scalar: GraphQLScalarType, fake: Fake, rng: random.Random, field: str, owner: str) -> Any:
    builtin = _BUILTIN.get(scalar.name)
    if builtin is not None:
        return builtin(fake, rng, field, owner)
    return custom_scalar_value(scalar.name, fake, rng, field, owner)


def custom_scalar_value(name: str, fake: Fake, rng: random.Random, field: str, owner: str) -> Any:
    """A value for a custom scalar, guessed from its name, then from the field's; a string otherwise."""
    return _custom_maker(name)(fake, rng, field, owner)


@lru_cache(maxsize=1024)  # the scalar's name decides the maker: matched once, not on every value
def _custom_maker(name: str) -> _LEAF:
    key = snake(name).replace("_", "")
    return next((make for pattern, make in _CUSTOM if pattern.search(key)), _string)


# -- built-in scalars ----------------------------------------------------------------------------------


def _int(fake: Fake, rng: random.Random, field: str, owner: str) -> int:
    value = fake.integer_by_name(field, rng)
    if value is None:
        key = snake(field)
        if key.endswith(("count", "total", "size", "number", "quantity")) or key.startswith(("num_", "total")):
            value = pick(rng, 101)
        else:
            value = 1 + pick(rng, 1000)
    return max(INT_MIN, min(INT_MAX, value))


def _float(fake: Fake, rng: random.Random, field: str, owner: str) -> float:
    value = fake.number_by_name(field, rng)
    return float(value) if value is not None else round(rng.uniform(0, 1000), 2)


def _string(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    key = snake(field)
    if key in ID_PREFIXES:  # ``Fake.by_name``'s first rule (a reference to a resource: its id), drawn faster
        return f"{ID_PREFIXES[key]}_{id_tail(rng)}"
    value = fake.by_name(field, rng, owner=owner)
    return value if value is not None else plain_text(fake, rng)


def _id(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    return _id_prefix(field, owner) + id_tail(rng)


@lru_cache(maxsize=4096)
def _id_prefix(field: str, owner: str) -> str:
    """What ``Fake.identifier`` puts before an id's random tail, for the resource the field names: ``prod_``."""
    key = snake(field)
    resource = owner if key in ("id", "uid", "identifier", "node_id", "global_id") else key.removesuffix("_id")
    return Fake().identifier(random.Random(0), resource)[:-14] if resource else ""


def id_tail(rng: random.Random) -> str:
    """14 letters and digits, as ``Fake.identifier``'s tail, from one draw of 112 bits: each byte picks a character
    (``_TAIL``: the 62, then the first 8 again, so those are a little likelier; no redraws, two generator steps)."""
    return rng.getrandbits(112).to_bytes(14, "little").translate(_TAIL).decode("ascii")


_TAIL = bytes.maketrans(bytes(range(256)), ((string.ascii_letters + string.digits) * 5)[:256].encode("ascii"))


def _boolean(fake: Fake, rng: random.Random, field: str, owner: str) -> bool:
    return pick(rng, 2) == 1


_BUILTIN: dict[str, _LEAF] = {"Int": _int, "Float": _float, "String": _string, "Boolean": _boolean, "ID": _id}


# -- the built-in scalars' makers, decided per field (``leaf_maker``) -----------------------------------------
# Whether a name rule of ``Fake`` matches depends on the name alone, never on the draw: probed once with a
# throwaway rng, a field no rule knows goes straight to its plain value.


def _int_maker(fake: Fake, field: str, owner: str) -> _MAKER:
    if fake.integer_by_name(field, random.Random(0)) is not None:
        return lambda rng: _int(fake, rng, field, owner)
    key = snake(field)
    if key.endswith(("count", "total", "size", "number", "quantity")) or key.startswith(("num_", "total")):
        return Drawn(101)  # ``_int``'s ``pick(rng, 101)``
    return Drawn(1000, offset=1)


def _float_maker(fake: Fake, field: str, owner: str) -> _MAKER:
    if fake.number_by_name(field, random.Random(0)) is not None:
        return lambda rng: _float(fake, rng, field, owner)
    return lambda rng: round(rng.uniform(0, 1000), 2)


def plain_text(fake: Fake, rng: random.Random) -> str:
    """``fake.text(rng, 3, 40)`` drawn with ``pick``: a String no name rule knows. Words from the pool until there
    are 3 characters (one word, nearly always), cut at 40."""
    words = fake.pools.words
    count = len(words)
    first = words[(rng.getrandbits(32) * count) >> 32]
    if 3 <= len(first) <= 40:
        return first
    chosen = [first]
    length = len(first)
    while length < 3:
        chosen.append(words[(rng.getrandbits(32) * count) >> 32])
        length += len(chosen[-1]) + 1
    value = " ".join(chosen)
    return value if len(value) <= 40 else value[:40].rstrip().ljust(3, "x")


def _string_maker(fake: Fake, field: str, owner: str) -> _MAKER:
    key = snake(field)
    if key in ID_PREFIXES:
        head = f"{ID_PREFIXES[key]}_"
        return lambda rng: head + id_tail(rng)
    picker = fake.name_picker(field, owner=owner)  # ``by_name`` resolved once: the same draws
    if picker is None:
        return lambda rng: plain_text(fake, rng)

    def make(rng: random.Random) -> str:
        value = picker(rng)
        return value if value is not None else plain_text(fake, rng)

    return make


def _id_maker(fake: Fake, field: str, owner: str) -> _MAKER:
    prefix = _id_prefix(field, owner)
    return lambda rng: prefix + id_tail(rng)


def _boolean_maker(fake: Fake, field: str, owner: str) -> _MAKER:
    return Drawn(2, table=(False, True))


_COMPILED: dict[str, Callable[[Fake, str, str], _MAKER]] = {"Int": _int_maker, "Float": _float_maker,
                                                            "String": _string_maker, "Boolean": _boolean_maker,
                                                            "ID": _id_maker}  # fmt: skip


# -- custom scalars, by name ---------------------------------------------------------------------------


# Seconds from 2019-01-01 to 2025-12-31 (``toolkit.fake``'s dates), as one draw
_EPOCH_LOW, _EPOCH_HIGH = 1546300800, 1767139200
_EPOCH_SPAN = _EPOCH_HIGH - _EPOCH_LOW + 1


_DAY = 86_400
# "YYYY-MM-DD" of each day of the range (2 557 strings, 28 KB): a date-time is its day's and the time of day
_DAYS = tuple(time.strftime("%Y-%m-%d", time.gmtime(day)) for day in range(_EPOCH_LOW, _EPOCH_HIGH + 1, _DAY))


def _date_time(seconds: int) -> str:
    day, rest = divmod(seconds - _EPOCH_LOW, _DAY)
    return "%sT%02d:%02d:%02dZ" % (_DAYS[day], rest // 3600, rest // 60 % 60, rest % 60)  # noqa: UP031 - faster


# the custom makers that are one ``Drawn`` (``leaf_maker`` returns it, the plan draws it inline)
_DRAWN_FORMATS = {
    "date-time": Drawn(_EPOCH_SPAN, _EPOCH_LOW, finish=_date_time),
    "date": Drawn(_EPOCH_SPAN, _EPOCH_LOW, finish=lambda seconds: _DAYS[(seconds - _EPOCH_LOW) // _DAY]),
}
_DRAWN: dict[_LEAF, Drawn] = {}


def _fmt(fmt: str) -> _LEAF:
    drawn = _DRAWN_FORMATS.get(fmt)
    if drawn is not None:

        def make_drawn(fake: Fake, rng: random.Random, field: str, owner: str) -> Any:
            return drawn(rng)

        _DRAWN[make_drawn] = drawn
        return make_drawn

    def make(fake: Fake, rng: random.Random, field: str, owner: str) -> Any:
        return fake.by_format(fmt, rng) or _string(fake, rng, field, owner)

    _FORMATS[make] = fmt
    return make


_FORMATS: dict[_LEAF, str] = {}  # the makers ``_fmt`` made, and their format


def _const(values: tuple[Any, ...]) -> _LEAF:
    return lambda fake, rng, field, owner: rng.choice(values)


_MONEY = Drawn(99999, 1, finish=lambda cents: f"{cents / 100:.2f}")  # a decimal string: the usual wire form


def _money(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    return str(_MONEY(rng))


def _big_int(fake: Fake, rng: random.Random, field: str, owner: str) -> int:
    return rng.randint(1, 2**53 - 1)  # above Int's 32 bits but still exact in a JavaScript number


def _positive(fake: Fake, rng: random.Random, field: str, owner: str) -> int:
    return max(1, _int(fake, rng, field, owner))


_TIMESTAMP = Drawn(_EPOCH_SPAN, _EPOCH_LOW)


def _timestamp(fake: Fake, rng: random.Random, field: str, owner: str) -> int:
    return int(_TIMESTAMP(rng))


def _json(fake: Fake, rng: random.Random, field: str, owner: str) -> Any:
    return {fake.word(rng): fake.word(rng), "count": rng.randint(0, 100)}


def _hex(length: int) -> _LEAF:
    return lambda fake, rng, field, owner: f"{rng.getrandbits(length * 4):0{length}x}"


def _html(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    return f"<p>{fake.text(rng, 10, 60)}</p>"


def _cursor(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    return f"Y3Vyc29yOn{rng.getrandbits(40):010x}"


def _country(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    return rng.choice(fake.pools.country_codes)


def _currency(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    return rng.choice(fake.pools.currency_codes)


def _locale(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    return rng.choice(fake.pools.locales)


def _uuid(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _fuzzy_date_int(fake: Fake, rng: random.Random, field: str, owner: str) -> int:
    return rng.randint(1990, 2025) * 10000 + rng.randint(1, 12) * 100 + rng.randint(1, 28)  # AniList's YYYYMMDD


def _base64(fake: Fake, rng: random.Random, field: str, owner: str) -> str:
    return fake.by_format("byte", rng) or "Y3Rr"


# Order matters: the first pattern that matches the scalar's name (snake-cased, underscores dropped) wins.
_CUSTOM: tuple[tuple[re.Pattern[str], _LEAF], ...] = tuple(
    (re.compile(pattern), make)
    for pattern, make in (
        (r"fuzzydateint", _fuzzy_date_int),
        (r"timestamp$|epoch|unixtime", _timestamp),
        (r"datetime|instant|timestamp|gittimestamp", _fmt("date-time")),
        (r"date$|^date", _fmt("date")),
        (r"time$|^time", _fmt("time")),
        (r"duration", _fmt("duration")),
        (r"email", _fmt("email")),
        (r"^(url|uri|link|href)|(url|uri)$", _fmt("uri")),
        (r"uuid|guid", _uuid),
        (r"^json|json$|object$|^map$|^any$|^arbitrary|^metadata", _json),
        (r"money|decimal|amount|price", _money),
        (r"bigint|long|int64|biginteger|unsignedint64", _big_int),
        (r"positiveint|nonnegativeint|unsignedint|natural", _positive),
        (r"^int|int$", _int),
        (r"float|double|number", _float),
        (r"html", _html),
        (r"markdown|^md$", lambda fake, rng, field, owner: f"**{fake.text(rng, 5, 30)}**"),
        (r"cursor", _cursor),
        (r"colou?r|hex$", _fmt("color")),
        (r"phone", _fmt("phone")),
        (r"countrycode|^country", _country),
        (r"currency", _currency),
        (r"locale|language", _locale),
        (r"ipv6", _fmt("ipv6")),
        (r"ip(v4)?(address)?$", _fmt("ipv4")),
        (r"hostname|domain", _fmt("hostname")),
        (r"objectid|sha|hash|oid", _hex(40)),
        (r"base64|bytes|binary|upload|file", _base64),
        (r"bool", _boolean),
        (r"x509|certificate|pem", lambda fake, rng, field, owner: "-----BEGIN CERTIFICATE-----\nMIIB...\n"),
        (r"sshremote|gitssh", lambda fake, rng, field, owner: f"git@{fake.by_format('hostname', rng)}:ctk/repo.git"),
        (r"^id$|identifier|^key$", _id),
    )
)
_DRAWN[_money] = _MONEY
_DRAWN[_timestamp] = _TIMESTAMP

"""Values for XML Schema simple types: drawn valid by construction where cheap, checked always.

A ``SimpleType`` is the compiled form of a simple type (its built-in ancestor, its facets step by
step, or its list item / union members); it draws values with the caller's rng (realistic ones by
element name through ``toolkit.fake``) and says whether a value is acceptable (``accepts``), which is
how overrides echoed from a request are vetted. Nothing here reads the schema document.
"""

from __future__ import annotations

import base64
import functools
import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from toolkit.fake import Fake
from toolkit.limits import DEFAULT_LIMITS
from toolkit.regex_strings import pattern_min_length, regex_generator
from toolkit.soap.generate.builtin_types import INTEGER_RANGES, LIST_BUILTINS, family
from toolkit.soap.generate.errors import XsdGenerationLimitError
from toolkit.soap.generate.values import atomic_value
from toolkit.soap.xsd.regex import XsdPattern

_TZ = r"(Z|[+-]\d\d:\d\d)?"
_NCNAME = r"[A-Za-z_][\w.\-]*"
LEXICAL: dict[str, re.Pattern[str]] = {
    name: re.compile(regex)
    for name, regex in {
        "boolean": r"true|false|1|0",
        "decimal": r"[+-]?(\d+(\.\d*)?|\.\d+)",
        "integer": r"[+-]?\d+",
        "float": r"[+-]?(\d+(\.\d*)?|\.\d+)([Ee][+-]?\d+)?|-?INF|NaN",
        "dateTime": r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?" + _TZ,
        "date": r"-?\d{4,}-\d\d-\d\d" + _TZ,
        "time": r"\d\d:\d\d:\d\d(\.\d+)?" + _TZ,
        "duration": r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?",
        "gYear": r"-?\d{4,}" + _TZ,
        "gYearMonth": r"-?\d{4,}-\d\d" + _TZ,
        "gMonth": r"--\d\d" + _TZ,
        "gDay": r"---\d\d" + _TZ,
        "gMonthDay": r"--\d\d-\d\d" + _TZ,
        "hexBinary": r"([0-9a-fA-F]{2})*",
        "base64Binary": r"[A-Za-z0-9+/= ]*",
        "NCName": _NCNAME,
        "Name": r"[A-Za-z_:][\w.\-:]*",
        "NMTOKEN": r"[\w.\-:]+",
        "language": r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*",
        "QName": rf"({_NCNAME}:)?{_NCNAME}",
        "token": r"(\S+( \S+)*)?",
        "normalizedString": r"[^\t\n\r]*",
    }.items()
}
# Each built-in's family: what its values look like lexically.
_MAX_PLANS = 256  # leaves (name, parent's name) per type with a plan kept: contracts name a few
_BOUND_FACETS = ("min_inclusive", "max_inclusive", "min_exclusive", "max_exclusive")


@dataclass(slots=True)
class Facets:
    """The facets of one derivation step (a restriction); steps are checked one after the other."""

    enumeration: list[str] | None = None
    patterns: list[XsdPattern] = field(default_factory=list)
    length: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_inclusive: str | None = None
    max_inclusive: str | None = None
    min_exclusive: str | None = None
    max_exclusive: str | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    whitespace: str | None = None


class _Plan(NamedTuple):
    """How ``SimpleType.accepts`` checks a value of one type (computed once per type)."""

    whitespace: str
    lexical: Callable[[str], object] | None  # a truthy result: the value's form is right
    steps: tuple[tuple[Facets, frozenset[str] | None, tuple[XsdPattern, ...], bool, bool], ...]


@dataclass(slots=True)
class SimpleType:
    """A compiled simple type: atomic (a built-in plus facet steps), list or union."""

    builtin: str = "string"  # the nearest built-in ancestor (atomic) or "list"/"union"
    steps: list[Facets] = field(default_factory=list)
    item: SimpleType | None = None
    members: list[SimpleType] = field(default_factory=list)
    # Derived views, computed on first use: a type's steps never change once it is built, and the
    # request path asks for the same facets for every value it draws.
    _views: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    # The hottest of them as attributes (read per value drawn or checked): -1/None until computed.
    _shortest: int = field(default=-1, repr=False, compare=False)
    _patterned: int = field(default=-1, repr=False, compare=False)  # has_patterns(): 1, 0, or -1 unknown
    _plan: _Plan | None = field(default=None, repr=False, compare=False)
    _fitting: tuple[list[str], bool] | None = field(default=None, repr=False, compare=False)
    # Per leaf (its name, its parent's name): the plan ``plans.value_plan`` made for it, None for none.
    _plans: dict[tuple[str, str | None], object] | None = field(default=None, repr=False, compare=False)

    def plan(self, key: tuple[str, str | None], plan: object) -> object:
        """Remember ``plan`` for the leaf ``key`` (a draw asks ``_plans`` first); returns it."""
        if self._plans is None:
            self._plans = {}
        if len(self._plans) < _MAX_PLANS:
            self._plans[key] = plan
        return plan

    # -- derived views -----------------------------------------------------------------------------
    def facet(self, name: str) -> object:
        """The most derived value of a facet (restrictions may only narrow, so the last one counts)."""
        views = self._views
        if name in views:
            return views[name]
        found: object = None
        for step in reversed(self.steps):
            value = getattr(step, name)
            if value not in (None, []):
                found = value
                break
        views[name] = found
        return found

    def enumeration(self) -> list[str] | None:
        value = self.facet("enumeration")
        return list(value) if isinstance(value, list) else None

    def length_bounds(self) -> tuple[int, int | None]:
        low, high = 0, None
        for step in self.steps:
            if step.length is not None:
                low, high = step.length, step.length
            if step.min_length is not None:
                low = max(low, step.min_length)
            if step.max_length is not None:
                high = step.max_length if high is None else min(high, step.max_length)
        return low, high

    def shortest(self) -> int:
        """The fewest characters a value can have by the facets and patterns (a floor, for the limits)."""
        if self._shortest >= 0:
            return self._shortest
        self._shortest = 0  # a (broken) self-referencing type ends here
        low, _ = self.length_bounds()
        if self.builtin == "union":
            result = min((member.shortest() for member in self.members), default=0)
        elif self.builtin == "list":
            item = self.item.shortest() if self.item is not None else 1
            result = low * max(item, 1) + max(low - 1, 0)  # items and the spaces between them
        elif self.builtin == "hexBinary":
            result = 2 * low
        elif self.builtin == "base64Binary":
            result = 4 * -(-low // 3)
        else:
            result = low
        for step in self.steps:  # every step's patterns apply; within one step, any pattern may match
            if step.patterns:
                result = max(result, min(pattern_min_length(pattern.python) for pattern in step.patterns))
        self._shortest = result
        return result

    def check_length(self, max_length: int, name: str = "") -> None:
        """Raise ``XsdGenerationLimitError`` when no value of this type fits in ``max_length`` characters."""
        shortest = self._shortest if self._shortest >= 0 else self.shortest()
        if shortest > max_length:
            of = f" of <{name}>" if name else ""
            raise XsdGenerationLimitError(
                f"a value{of} of at least {shortest} characters", limit="max_string_length", value=max_length,
                where=None,
            )  # fmt: skip

    def whitespace(self) -> str:
        cached = self._views.get("whitespace()")
        if isinstance(cached, str):
            return cached
        value = self.facet("whitespace")
        if isinstance(value, str):
            result = value
        elif self.builtin == "string" or self.builtin in ("anySimpleType", "anyType"):
            result = "preserve"
        else:
            result = "replace" if self.builtin == "normalizedString" else "collapse"
        self._views["whitespace()"] = result
        return result

    def normalized_enumeration(self, step: Facets) -> frozenset[str]:
        key = f"enumeration#{id(step)}"
        cached = self._views.get(key)
        if isinstance(cached, frozenset):
            return cached
        values = frozenset(_normalize(value, self.whitespace()) for value in step.enumeration or ())
        self._views[key] = values
        return values

    # -- checking ----------------------------------------------------------------------------------
    def accepts(self, value: str) -> bool:
        """Whether ``value`` is valid for this type, as far as can be told without libxml2."""
        plan = self._plan if self._plan is not None else self._make_plan()
        whitespace = plan.whitespace
        normal = value if whitespace == "preserve" else _normalize(value, whitespace)
        builtin = self.builtin
        if builtin == "union":
            if not any(member.accepts(value) for member in self.members):
                return False
        elif builtin == "list":
            items = normal.split(" ") if normal else []
            if self.item is not None and not all(self.item.accepts(item) for item in items):
                return False
        elif plan.lexical is not None and not plan.lexical(normal):
            return False
        for step, listed, patterns, length, bounds in plan.steps:
            if listed is not None and normal not in listed and not _numeric_in(self, normal, step.enumeration or []):
                return False
            if patterns and not any(pattern.matches(normal) is not False for pattern in patterns):
                return False
            if length and not _length_ok(step, _length_of(self, normal)):
                return False
            if bounds and not _bounds_ok(self, step, normal):
                return False
        self._views["accepted"] = value  # the last value accepted: ``pattern_failure`` need not match it again
        return True

    def _make_plan(self) -> _Plan:
        """What ``accepts`` checks, worked out once per type from its facets (they never change): the
        lexical test, and per step only the facets it has (a step without length or bound facets has
        nothing to measure or parse: its checks would pass whatever the value)."""
        builtin = self.builtin
        kind = family(builtin)
        lexical: Callable[[str], object] | None
        if builtin in ("union", "list"):
            lexical = None
        elif builtin in LIST_BUILTINS or kind == "integer":
            lexical = functools.partial(_lexical_ok, builtin)
        else:
            pattern = LEXICAL.get(kind)
            lexical = pattern.fullmatch if pattern is not None else None
        numeric = kind in ("integer", "decimal", "float")
        temporal = kind in ("dateTime", "date", "time", "gYear", "gYearMonth", "gMonthDay")
        steps = []
        for step in self.steps:
            listed = self.normalized_enumeration(step) if step.enumeration is not None else None
            length = builtin not in ("QName", "NOTATION") and (
                step.length is not None or step.min_length is not None or step.max_length is not None
            )
            bounded = any(
                getattr(step, facet) for facet in ("min_inclusive", "max_inclusive", "min_exclusive", "max_exclusive")
            )
            # a number the lexical test passed always parses, so an unbounded step's _bounds_ok is True
            bounds = (numeric and (bounded or step.total_digits is not None or step.fraction_digits is not None or
                                   any(getattr(step, facet) is not None for facet in _BOUND_FACETS))) or (
                temporal and bounded)  # fmt: skip
            steps.append((step, listed, tuple(step.patterns), length, bounds))
        plan = _Plan(self.whitespace(), lexical, tuple(steps))
        self._plan = plan
        return plan

    def has_patterns(self) -> bool:
        """Whether a pattern applies to this type's values (its own steps, or its list item's)."""
        if self._patterned >= 0:
            return self._patterned == 1
        own = any(step.patterns for step in self.steps)
        result = own or (self.builtin == "list" and self.item is not None and self.item.has_patterns())
        self._patterned = int(result)
        return result

    def pattern_failure(self, value: str) -> str | None:
        """The pattern step ``value`` certainly fails (an exact pattern's RE2 verdict; how libxml2 writes
        it), or None. The values the generator writes pass this, so the validator need not match the
        patterns it took from libxml2 (``patterns``) on them again; an accepted value costs no match."""
        if not (self._patterned == 1 if self._patterned >= 0 else self.has_patterns()):
            return None
        if self._views.get("accepted") == value:
            return None
        normal = _normalize(value, self.whitespace() if self.builtin != "list" else "collapse")
        for step in self.steps:
            if step.patterns and all(pattern.matches(normal) is False for pattern in step.patterns):
                return "|".join(pattern.source for pattern in step.patterns)
        if self.builtin == "list" and self.item is not None:
            for item in normal.split(" ") if normal else ():
                failed = self.item.pattern_failure(item)
                if failed is not None:
                    return failed
        return None

    # -- drawing -----------------------------------------------------------------------------------
    def draw(
        self,
        rng: random.Random,
        fake: Fake,
        name: str = "",
        owner: str | None = None,
        *,
        max_length: int = DEFAULT_LIMITS.max_string_length,
    ) -> str:
        """A value for a field called ``name``: realistic when the name says what it is, valid always
        where the facets are understood (callers check the element with libxml2 anyway). A type whose
        shortest value is over ``max_length`` characters raises ``XsdGenerationLimitError``."""
        if (self._shortest if self._shortest >= 0 else self.shortest()) > max_length:
            self.check_length(max_length, name)
        fitting = self._fitting
        if fitting is None:
            enumeration = self.enumeration()
            accepted = [value for value in enumeration if self.accepts(value)] if enumeration else []
            # the enumeration values the facets accept depend only on the type: worked out once
            fitting = self._fitting = (accepted or enumeration or [], bool(accepted))
        if fitting[0]:
            value = rng.choice(fitting[0])
            if fitting[1] and self._patterned != 0:
                self._views["accepted"] = value  # as accepts() left it: pattern_failure need not match it
            return value
        patterns = self.facet("patterns")
        if isinstance(patterns, list) and patterns:
            # a realistic value that happens to match (an email for an "email" with an email pattern)
            candidate = fake.by_name(name, rng, owner=owner) if name and family(self.builtin) == "string" else None
            if candidate is not None and all(pattern.exact for pattern in patterns) and self.accepts(candidate):
                return candidate
            return self._from_patterns(rng, fake, patterns, max_length)
        if self.builtin == "union":
            # members whose values cannot fit are left out (check_length above: at least one fits)
            members = [member for member in self.members if member.shortest() <= max_length] or [SimpleType()]
            for _ in range(4):
                value = rng.choice(members).draw(rng, fake, name, owner, max_length=max_length)
                if self.accepts(value):
                    return value
            return members[0].draw(rng, fake, name, owner, max_length=max_length)
        if self.builtin == "list":
            return self._list(rng, fake, name, max_length)
        for _ in range(6):
            value = _atomic(self, rng, fake, name, owner)
            if self.accepts(value):
                return value
        return self.minimal(rng, fake, max_length=max_length)

    def minimal(self, rng: random.Random, fake: Fake, *, max_length: int = DEFAULT_LIMITS.max_string_length) -> str:
        """A plain, boring value: the lowest bound, the first enumeration value, the shortest string."""
        self.check_length(max_length)
        enumeration = self.enumeration()
        if enumeration:
            return enumeration[0]
        for bound in ("min_inclusive", "max_inclusive"):
            value = self.facet(bound)
            if isinstance(value, str) and self.accepts(value):
                return value
        return _atomic(self, rng, fake, "", None, plain=True)

    def _list(self, rng: random.Random, fake: Fake, name: str, max_length: int) -> str:
        low, high = self.length_bounds()
        count = rng.randint(max(low, 1), max(low, 1) + 2) if high is None else rng.randint(low, max(low, min(high, 3)))
        item = self.item or SimpleType("NMTOKEN")
        values = []
        for _ in range(count):
            value = item.draw(rng, fake, name, max_length=max_length)
            values.append(value if " " not in value.strip() else value.strip().replace(" ", "_"))
        return " ".join(value.strip() for value in values)

    def from_patterns(
        self,
        rng: random.Random,
        fake: Fake,
        patterns: list[XsdPattern],
        max_length: int,
        drawers: list[Callable[[random.Random], str]] | None = None,
    ) -> str:
        """A value drawn from ``patterns`` (the type's own) that the type accepts, as ``draw`` makes one;
        ``drawers``: the patterns' ``regex_generator``s, or drawers making the same strings (``plans``)."""
        return self._from_patterns(rng, fake, patterns, max_length, drawers)

    def _from_patterns(
        self,
        rng: random.Random,
        fake: Fake,
        patterns: list[XsdPattern],
        max_length: int,
        drawers: list[Callable[[random.Random], str]] | None = None,
    ) -> str:
        candidates = drawers
        if candidates is None:
            candidates = [made for pattern in patterns if (made := regex_generator(pattern.python, max_length))]
        low, high = self.length_bounds()
        for attempt in range(40):
            value = rng.choice(candidates)(rng) if candidates else _brute(rng, patterns, low, high, attempt)
            if self.accepts(value):
                return value
        for attempt in range(200):
            value = _brute(rng, patterns, low, high, attempt)
            if self.accepts(value):
                return value
        return candidates[0](rng) if candidates else ""


def _normalize(value: str, whitespace: str) -> str:
    """XSD's whiteSpace facet: XML's four whitespace characters only (str.split() would split at U+00A0
    too, and accept a value libxml2 refuses)."""
    if whitespace == "preserve":
        return value
    value = value.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return " ".join(part for part in value.split(" ") if part) if whitespace == "collapse" else value


def _lexical_ok(builtin: str, value: str) -> bool:
    if builtin in LIST_BUILTINS:
        return bool(value) and all(LEXICAL["NMTOKEN"].fullmatch(item) for item in value.split())
    kind = family(builtin)
    if kind == "integer":
        if not LEXICAL["integer"].fullmatch(value):
            return False
        low, high = INTEGER_RANGES[builtin]
        # Decimal, not int: int() refuses more than 4300 digits, and a client may send 5000
        number = Decimal(value)
        return (low is None or number >= low) and (high is None or number <= high)
    pattern = LEXICAL.get(kind)
    return pattern is None or bool(pattern.fullmatch(value))


def _length_of(owner: SimpleType, value: str) -> int:
    if owner.builtin == "list":
        return len(value.split(" ")) if value else 0
    if owner.builtin == "hexBinary":
        return len(value) // 2
    if owner.builtin == "base64Binary":
        try:
            return len(base64.b64decode(value.replace(" ", ""), validate=True))
        except ValueError:
            return -1
    return len(value)


def _step_ok(owner: SimpleType, step: Facets, value: str) -> bool:
    listed = step.enumeration is None or value in owner.normalized_enumeration(step)
    if not listed and not _numeric_in(owner, value, step.enumeration or []):
        return False
    if step.patterns and not any(pattern.matches(value) is not False for pattern in step.patterns):
        return False
    # length facets on QNames are ignored by libxml2
    if owner.builtin not in ("QName", "NOTATION") and not _length_ok(step, _length_of(owner, value)):
        return False
    return _bounds_ok(owner, step, value)


def _length_ok(step: Facets, size: int) -> bool:
    return (
        (step.length is None or size == step.length)
        and (step.min_length is None or size >= step.min_length)
        and (step.max_length is None or size <= step.max_length)
    )


def _numeric_in(owner: SimpleType, value: str, enumeration: list[str]) -> bool:
    if family(owner.builtin) not in ("integer", "decimal", "float"):
        return False
    number = _number(value)
    return number is not None and any(_number(item) == number for item in enumeration)


def _number(value: str) -> Decimal | None:
    try:
        return Decimal(value.strip())
    except (InvalidOperation, ValueError):
        return None


def _bounds_ok(owner: SimpleType, step: Facets, value: str) -> bool:
    kind = family(owner.builtin)
    if kind in ("integer", "decimal", "float"):
        number = _number(value)
        if number is None:
            return kind == "float"  # INF/NaN: let libxml2 judge
        for facet, test in (("min_inclusive", number.__ge__), ("max_inclusive", number.__le__),
                            ("min_exclusive", number.__gt__), ("max_exclusive", number.__lt__)):  # fmt: skip
            raw = getattr(step, facet)
            if not raw:
                continue  # absent: nothing to parse (a failed parse, an exception, is what costs here)
            bound = _number(raw)
            if bound is not None and not test(bound):
                return False
        if step.total_digits is not None or step.fraction_digits is not None:
            digits = number.as_tuple()
            exponent = digits.exponent if isinstance(digits.exponent, int) else 0
            fraction = max(0, -exponent)
            total = max(len(digits.digits), fraction)
            if step.total_digits is not None and total > step.total_digits:
                return False
            if step.fraction_digits is not None and fraction > step.fraction_digits:
                return False
        return True
    if kind in ("dateTime", "date", "time", "gYear", "gYearMonth", "gMonthDay"):
        # Same-shaped literals without time zones order like their strings; good enough to choose.
        for facet, wanted in (("min_inclusive", (0, 1)), ("max_inclusive", (-1, 0)),
                              ("min_exclusive", (1,)), ("max_exclusive", (-1,))):  # fmt: skip
            bound = getattr(step, facet)
            if bound and len(bound) == len(value) and _order(value, bound) not in wanted:
                return False
    return True


def _order(left: str, right: str) -> int:
    return (left > right) - (left < right)


def _brute(rng: random.Random, patterns: list[XsdPattern], low: int, high: int | None, attempt: int) -> str:
    """Random strings over the characters a pattern mentions: the last resort for odd patterns."""
    alphabet = sorted({char for pattern in patterns for char in pattern.source if char.isalnum()}) or list("abc")
    alphabet += list(string.digits) if attempt % 2 else list(string.ascii_letters)
    top = high if high is not None else max(low, 12)
    size = rng.randint(low, max(low, min(top, low + 12)))
    return "".join(rng.choice(alphabet) for _ in range(size))


def _atomic(
    simple: SimpleType, rng: random.Random, fake: Fake, name: str, owner: str | None, *, plain: bool = False
) -> str:
    return atomic_value(simple, rng, fake, name, owner, plain=plain)

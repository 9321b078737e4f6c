"""Strings and arrays: realistic strings by format, name and pattern; arrays of a readable size.

A string tries, in order, a Faker value by format, one by property name (and its lower/upper case
variants), a string drawn from the pattern, and plain words sized to the bounds; each candidate is
checked against the string's own keywords with a tiny jsonschema_rs validator, so a value that
looks real but breaks ``maxLength`` or ``pattern`` is never returned.

Bounded whatever the schema says: a string longer than ``max_string_length`` (its ``minLength``, or
the shortest match of its ``pattern``) or an array longer than ``max_array_items`` is never built;
the generator gives up at once (``OverLimitError``), and every string and item is charged against
the answer's size budget.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from toolkit.fake import filled_kind
from toolkit.openapi.generate import flat
from toolkit.openapi.generate.bounds import charge, current_budget
from toolkit.openapi.generate.merge import NoValueError as _Fail
from toolkit.regex_strings import pattern_min_length, regex_generator

if TYPE_CHECKING:
    from toolkit.openapi.generate.compiler import _Compiler

Gen = Callable[[random.Random, int], Any]
_STRING_KEYWORDS = ("minLength", "maxLength", "pattern", "format", "enum", "const")


def string_generator(compiler: _Compiler, node: dict[str, Any], name: str | None, owner: str | None) -> Gen:
    fmt = node.get("format") if isinstance(node.get("format"), str) else None
    pattern = node.get("pattern") if isinstance(node.get("pattern"), str) else None
    bound = compiler.bounds.max_string_length
    low = int(node.get("minLength", 0))
    if low > bound:  # the schema alone asks for too much: give up before building anything
        return compiler.over("max_string_length", bound, f"a string of minLength {low}")
    shortest = pattern_min_length(pattern) if pattern else 0
    if shortest > bound:
        demand = f"a string matching {_shown(pattern)} ({shortest}+ characters)"
        return compiler.over("max_string_length", bound, demand)
    regex = regex_generator(pattern, bound) if pattern else None
    high = node.get("maxLength")
    high = min(int(high), bound) if high is not None else None
    constrained = {key: node[key] for key in _STRING_KEYWORDS if key in node}
    checker = compiler.checker({"type": "string", **constrained}) if constrained else None
    examples = [item for item in node.get("examples") or () if isinstance(item, str)]
    lowercase = "lowercase" in str(node.get("description", "")).lower() or any(item.islower() for item in examples)
    if not examples and name and filled_kind(name) == "currency":  # the case the contract's examples use
        lowercase = lowercase or compiler.currency_lowercase
    fake = compiler.fake

    # decided now, not per value: which Faker rule serves this format and this name, and how a candidate is checked
    by_format = fake.format_picker(fmt) if fmt else None
    by_name = fake.name_picker(name, owner=owner, lowercase=lowercase, max_length=high) if name else None
    shortest, longest, extra = _length_check(checker, constrained, bound)
    text = fake.text_picker(low, high)

    def ok(value: str) -> bool:
        size = len(value)
        if size > longest or size < shortest:
            return False
        if extra is not None and not extra(value):
            return False
        budget = current_budget()  # charge(), inline: this runs for every string of every answer
        if budget is not None:
            budget.left -= size + 2
            if budget.left < 0:
                charge(0)  # raises the limit's error, recording it
        return True

    # the candidates after the first, in their order: the name's value and its case variants, the pattern, words
    def tail(rng: random.Random) -> str:
        if regex is not None:
            for _ in range(10):
                value = regex(rng)
                if ok(value):
                    return value
        value = text(rng)
        if ok(value):
            return value
        raise _Fail

    def after_name(rng: random.Random, value: str) -> str:
        for variant in (value.lower(), value.upper()):  # "USD" where ^[a-z]{3}$ wants "usd"
            if ok(variant):
                return variant
        return tail(rng)

    def after_format(rng: random.Random, value: str) -> str:
        if by_name is None:
            return tail(rng)
        value = by_name(rng)
        return value if ok(value) else after_name(rng, value)

    if by_format is None and by_name is None:
        return flat.describe(lambda rng, depth: tail(rng), flat.Picked(tail))
    first = by_format or by_name
    after = after_format if by_format is not None else after_name
    assert first is not None

    def gen(rng: random.Random, depth: int) -> str:
        value = first(rng)  # the format's value, else the name's: ok(), inline, as most strings stop here
        size = len(value)
        if shortest <= size <= longest and (extra is None or extra(value)):
            budget = current_budget()
            if budget is None:
                return value
            budget.left -= size + 2
            if budget.left >= 0:
                return value
            charge(0)  # raises the limit's error, recording it
        return after(rng, value)

    return flat.describe(gen, flat.Text(first, shortest, longest, extra, after))


def _length_check(checker: Any, constrained: dict[str, Any], bound: int) -> tuple[int, int, Any]:
    """How a candidate string is checked against its own keywords: (shortest, longest, the rest or None). Lengths are
    compared here (Python and JSON Schema both count code points); any other keyword asks the compiled validator."""
    shortest, longest = constrained.get("minLength", 0), constrained.get("maxLength", bound)
    if type(shortest) is not int or type(longest) is not int or shortest < 0 or longest < 0:
        return 0, bound, checker.is_valid  # odd bounds: the validator's reading decides
    longest = min(longest, bound)
    if checker is None or set(constrained) <= {"minLength", "maxLength"}:
        return shortest, longest, None
    return shortest, longest, checker.is_valid


def array_generator(compiler: _Compiler, node: dict[str, Any], name: str | None, owner: str | None) -> Gen:
    low = int(node.get("minItems", 0))
    bound = compiler.bounds.max_array_items
    if low > bound:  # the schema alone asks for too much: give up before building anything
        return compiler.over("max_array_items", bound, f"an array of minItems {low}")
    high = node.get("maxItems")
    items = node.get("items", True)
    prefix = [
        compiler.compile(item, name=name, owner=owner, at=("prefixItems", str(index)))
        for index, item in enumerate(node.get("prefixItems") or ())
    ]
    item_gen = None if items is False else compiler.compile(items, name=_singular(name), owner=owner, at=("items",))
    unique = node.get("uniqueItems") is True
    contains = (
        compiler.compile(node["contains"], name=name, owner=owner, at=("contains",)) if "contains" in node else None
    )
    max_depth = compiler.max_depth
    too_deep = compiler.depth_guard()

    def gen(rng: random.Random, depth: int) -> list[Any]:
        too_deep(depth)
        charge(2)
        if depth >= max_depth:
            count = low
        elif depth >= 2:
            count = max(low, rng.randint(0, 1))
        else:
            count = rng.randint(max(low, 1), max(low, 1) + 2)
        count = min(count, bound, int(high) if high is not None else bound)
        if item_gen is None:
            count = min(count, len(prefix))
        out: list[Any] = []
        seen: set[str] = set()
        if contains is not None:
            out.append(contains(rng, depth + 1))
            seen.add(_key(out[-1]))
        tries = 0
        while len(out) < count:
            tries += 1
            if tries > count * 6 + 10:
                break
            index = len(out)
            make = prefix[index] if index < len(prefix) else item_gen
            if make is None:
                break
            charge(1)
            value = make(rng, depth + 1)
            if unique:
                key = _key(value)
                if key in seen:
                    continue
                seen.add(key)
            out.append(value)
        if len(out) < low:
            raise _Fail
        return out

    return gen


def _shown(pattern: str | None) -> str:
    text = repr(pattern)
    return text if len(text) <= 60 else text[:57] + "...'"


def _singular(name: str | None) -> str | None:
    """``tags`` → ``tag``: array items are named after their array, in the singular, for ``toolkit.fake``."""
    if not name:
        return name
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("sses") or name.endswith("xes"):
        return name[:-2]
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)

"""Objects: required properties always, optional ones mostly (a realistic resource is populated), and
those a person expects filled (name, email, amount...) nearly always; an address whole.

Direction matters here: a request never carries ``readOnly`` properties and a response never
``writeOnly`` ones, unless the schema requires them. Nesting is bounded: past two levels optional
properties thin out, at ``max_depth`` only required ones remain, so recursive schemas (Stripe has
~90 cycles) terminate and a response stays a readable size. The limits hold whatever the schema
says: an object asked to have more than ``max_object_properties`` members, or nested deeper than
``max_generation_depth``, is not built (``OverLimitError``), and every member is charged against
the answer's size budget.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from toolkit.fake import MONEY_TAILS, filled_kind, snake
from toolkit.openapi.generate import flat
from toolkit.openapi.generate.bounds import charge, current_budget
from toolkit.openapi.generate.merge import NoValueError, def_name
from toolkit.regex_strings import RegexGenerator, regex_generator

if TYPE_CHECKING:
    from toolkit.openapi.generate.compiler import _Compiler

Gen = Callable[[random.Random, int], Any]
_GENERATED = object()  # marks an entry whose value is generated, not fixed


def object_generator(compiler: _Compiler, node: dict[str, Any], owner: str | None, forced: Mapping[str, Any]) -> Gen:
    given = node.get("properties")
    properties: dict[str, Any] = given if isinstance(given, dict) else {}
    required = [name for name in node.get("required") or () if isinstance(name, str)]
    skip = "readOnly" if compiler.bundle.direction == "request" else "writeOnly"
    low = int(node.get("minProperties", 0))
    bound = compiler.bounds.max_object_properties
    if max(low, len(required)) > bound:  # the schema alone asks for too much: give up before building anything
        what = f"minProperties {low}" if low >= len(required) else f"{len(required)} required properties"
        return compiler.over("max_object_properties", bound, f"an object with {what}")
    entries: list[tuple[str, Gen | None, bool, Any]] = []
    for prop, schema in properties.items():
        if prop in forced:
            entries.append((prop, None, True, forced[prop]))
        elif prop in required or not _flagged(schema, compiler.defs, skip):
            make = compiler.compile(schema, name=prop, owner=owner, at=("properties", prop))
            entries.append((prop, make, prop in required, _GENERATED))
    additional = node.get("additionalProperties", True)
    extra_gen = (
        compiler.compile(additional, name=None, owner=owner, at=("additionalProperties",))
        if isinstance(additional, dict)
        else None
    )
    # a property the schema does not describe: additionalProperties' generator, else any value
    undescribed = extra_gen or compiler.compile({}, name=None, owner=owner)
    for prop in required:
        if prop not in properties:
            entries.append((prop, undescribed, True, _GENERATED))
    for prop, value in forced.items():
        if prop not in properties:
            entries.append((prop, None, True, value))
    key_length = compiler.bounds.max_string_length
    compiled = [
        (
            regex_generator(regex, key_length),
            compiler.compile(schema, name=None, owner=owner, at=("patternProperties", regex)),
        )
        for regex, schema in (node.get("patternProperties") or {}).items()
    ]
    patterns: list[tuple[RegexGenerator, Gen]] = [(regex, make) for regex, make in compiled if regex is not None]
    free_form = not properties
    key_ok = _names_check(compiler, node.get("propertyNames"))
    high = node.get("maxProperties")
    max_depth = compiler.max_depth
    word = compiler.fake.word_picker()
    too_deep = compiler.depth_guard()
    # an address is all filled or absent: its optional parts are all written (and never null, see filled_kind)
    parts = {prop for prop in properties if prop != "address" and filled_kind(prop) == "address"}
    always = parts if len(parts) >= 2 else set()
    # a field a person expects filled (name, email, amount...) is written 19 times in 20 where the object is
    keen = {prop for prop in properties if filled_kind(prop)} - always
    cohere = _coherence(compiler, properties)
    # per entry, decided now: how it is written (fixed, always, or drawn for with its share) and its key's bytes
    rows: list[tuple[str, Any, str, Any, int]] = [
        (prop, make, _mode(make, needed, prop in always, prop in keen), fixed, len(prop) + 4)
        for prop, make, needed, fixed in entries
    ]
    bound_depth = compiler.bounds.max_depth
    depth_error = too_deep  # raised through compiler.depth_guard's closure: kept for its place and message
    # what runs after the members, decided now: most objects have no minProperties, no free-form members,
    # no maxProperties and no coherence rule, so their draw ends with the members
    tail = low > 0 or (free_form and (extra_gen is not None or bool(patterns))) or high is not None

    def gen(rng: random.Random, depth: int) -> dict[str, Any]:
        if depth >= bound_depth:
            depth_error(depth)  # raises the limit's error, recording it
        keys = 2  # the braces and each key's bytes, charged once when the object is built (values charge themselves)
        out: dict[str, Any] = {}
        shallow = depth < max_depth
        share = 0.9 if depth < 2 else (0.5 if shallow else 0.0)
        keen_share = _KEEN if shallow else share
        deeper = depth + 1
        skipped: list[tuple[str, Gen]] = []
        for prop, make, mode, fixed, size in rows:
            if mode is _ALWAYS:  # required: a failure gives up the object (no try needed)
                out[prop] = make(rng, deeper)
                keys += size
                continue
            if mode is _FIXED:
                out[prop] = fixed if type(fixed) is str else copy.deepcopy(fixed)
                continue
            # optional: written with its address when shallow, else drawn for (a person's field: keen_share)
            if (mode is not _WHOLE or not shallow) and rng.random() >= (keen_share if mode is _KEEN_ROW else share):
                skipped.append((prop, make))
                continue
            try:
                out[prop] = make(rng, deeper)
                keys += size
            except NoValueError:  # over a limit too: an optional part is left out
                pass
        if tail:
            keys += _fill(out, skipped, rng, depth, keys)
        budget = current_budget()  # charge(keys), inline
        if budget is not None:
            budget.left -= keys
            if budget.left < 0:
                charge(0)  # raises the limit's error, recording it
        if cohere is not None:
            cohere(out, rng)
        return out

    def _fill(out: dict[str, Any], skipped: list[tuple[str, Gen]], rng: random.Random, depth: int, keys: int) -> int:
        """minProperties, free-form members and maxProperties: the bytes of the keys added."""
        added = 0
        wanted = low
        if free_form and depth < max_depth and (extra_gen is not None or patterns):
            drawn = rng.getrandbits(2)  # rng.randint(1, 3), inline: the same draws
            while drawn >= 3:
                drawn = rng.getrandbits(2)
            wanted = max(low, 1 + drawn)
        for prop, make in skipped:  # minProperties first takes the optional properties left out
            if len(out) >= wanted:
                break
            try:
                out[prop] = make(rng, depth + 1)
                added += len(prop) + 4
            except NoValueError:
                continue
        tries = 0
        while len(out) < wanted and tries < wanted * 4 + 4:
            tries += 1
            if patterns:
                regex, pick = rng.choice(patterns)
                key = regex(rng)
            elif extra_gen is not None or additional is not False:
                key, pick = word(rng), undescribed
            else:
                break
            if key not in out and (key_ok is None or key_ok(key)):
                out[key] = pick(rng, depth + 1)
                added += len(key) + 4
        if high is not None and len(out) > int(high):
            _trim(out)
        return added

    def _trim(out: dict[str, Any]) -> None:
        """maxProperties: the last members drawn go first, never a required or forced one."""
        assert high is not None
        for prop in [prop for prop in reversed(list(out)) if prop not in required and prop not in forced]:
            if len(out) <= int(high):
                break
            del out[prop]

    # the same draws written as one function, its members' generators inlined where they are simple (see flat)
    members = [flat.Member(prop, make, mode, fixed, size) for prop, make, mode, fixed, size in rows]
    free = None
    if free_form and extra_gen is not None and not patterns and (high is None or type(high) is int):
        # _fill of a map (metadata, labels): no members left out to take first, every free member drawn alike
        free = flat.FreeMembers(low, word, key_ok, extra_gen, high, _trim)
    filling = _fill if tail and free is None else None
    shape = flat.Shape(bound_depth, depth_error, max_depth, _KEEN, filling, cohere, compiler.where(), free)
    return flat.object_function(members, shape) or gen


_KEEN = 0.95
# how an entry is written, decided at compile time (compared by identity in the loop)
_FIXED, _ALWAYS, _WHOLE, _KEEN_ROW, _PLAIN = flat.FIXED, flat.ALWAYS, flat.WHOLE, flat.KEEN_ROW, flat.PLAIN


def _mode(make: Gen | None, needed: bool, whole: bool, eager: bool) -> str:
    if make is None:
        return _FIXED
    if needed:
        return _ALWAYS
    return _WHOLE if whole else (_KEEN_ROW if eager else _PLAIN)


def _names_check(compiler: _Compiler, names: Any) -> Callable[[str], bool] | None:
    """The check of a drawn member name against ``propertyNames`` (None when any name will do): a name that breaks
    it is not used, so that the object stays valid by construction (see ``exact``)."""
    if names is None or names is True or names == {}:
        return None
    if isinstance(names, dict) and set(names) <= {"maxLength", "minLength", "type", "description"}:
        shortest, longest = names.get("minLength", 0), names.get("maxLength")
        if (
            type(shortest) is int
            and (longest is None or type(longest) is int)
            and names.get("type", "string") == "string"
        ):

            def lengths(key: str) -> bool:
                return len(key) >= shortest and (longest is None or len(key) <= longest)

            return flat.describe_check(lengths, flat.Lengths(shortest, longest))
    return compiler.checker(names).is_valid  # type: ignore[no-any-return]


Fix = Callable[[dict[str, Any], random.Random], None]


def _coherence(compiler: _Compiler, properties: dict[str, Any]) -> Fix | None:
    """Relations the names make obvious, kept where each value stays valid for its own schema: a part of an
    amount (``amount_captured``, ``amount_refunded``) is at most ``amount``; ``created`` is not after ``updated``.
    None when the object has no such pair (nothing runs per draw)."""
    by_key = {snake(prop): prop for prop in properties}
    amount = by_key.get("amount")
    parts = [
        prop for key, prop in by_key.items()
        if amount is not None and key.startswith("amount_") and key[len("amount_"):] in MONEY_TAILS
    ]  # fmt: skip
    created = next((by_key[key] for key in _CREATED if key in by_key), None)
    updated = next((by_key[key] for key in _UPDATED if key in by_key), None)
    if not parts and (created is None or updated is None):
        return None
    checker = compiler.checker

    def fits(prop: str, value: Any) -> bool:
        return bool(checker(properties[prop]).is_valid(value))

    def cohere(out: dict[str, Any], rng: random.Random) -> None:
        total: Any = out.get(amount) if amount is not None else None
        if _number(total):
            for prop in parts:
                value = out.get(prop)
                if _number(value) and value > total:
                    share = total if rng.random() < 0.5 else type(total)(total * rng.randint(0, 20) // 20)
                    for candidate in (share, total):
                        if fits(prop, candidate):
                            out[prop] = candidate
                            break
        if created is not None and updated is not None:
            first: Any = out.get(created)
            last: Any = out.get(updated)
            if _comparable(first, last) and first > last and fits(created, last) and fits(updated, first):
                out[created], out[updated] = last, first

    return cohere


_CREATED = ("created", "created_at", "created_on", "created_time", "creation_date", "date_created", "create_time")
_UPDATED = ("updated", "updated_at", "updated_on", "updated_time", "modified", "modified_at", "last_modified",
            "date_updated", "date_modified", "last_updated", "update_time")  # fmt: skip


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _comparable(first: Any, last: Any) -> bool:
    """Two timestamps of one kind: numbers, or ISO 8601 strings of one shape (compared as text)."""
    if _number(first) and _number(last):
        return True
    return (
        isinstance(first, str) and isinstance(last, str) and len(first) == len(last) and len(first) >= 10
        and first[4:5] == "-" == last[4:5] and first[:4].isdigit() and last[:4].isdigit()
        and first.endswith("Z") == last.endswith("Z")
    )  # fmt: skip


def _flagged(schema: Any, defs: Mapping[str, Any], flag: str) -> bool:
    if not isinstance(schema, dict):
        return False
    if schema.get(flag) is True:
        return True
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = defs.get(def_name(ref))
        return isinstance(target, dict) and target.get(flag) is True
    return False

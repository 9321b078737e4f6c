"""The compiler behind ``generator.py``: converted (2020-12) schema nodes into generator closures.

One compiler per direction, shared by every generator of a contract: a referenced schema (a
``$defs`` entry of the bundle) is compiled once and called through a lazy reference, so recursion
costs nothing at compile time and Stripe's 274 schemas compile in about a second. Choice points
(types, ``oneOf``/``anyOf`` branches, nullable) catch ``NoValueError`` and try the next option, which
is how a required recursion ends: deep enough, only a null or empty branch is left.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import jsonschema_rs

from toolkit.documents import escape_pointer_token
from toolkit.fake import NULL_SHARE, Fake, filled_kind
from toolkit.openapi.coerce import declared_types
from toolkit.openapi.generate import flat
from toolkit.openapi.generate.bounds import Bounds, OverLimitError, exceeded
from toolkit.openapi.generate.exact import exact
from toolkit.openapi.generate.merge import NoValueError as _Fail
from toolkit.openapi.generate.merge import def_name, flatten
from toolkit.openapi.generate.numeric import number_generator
from toolkit.openapi.generate.objects import object_generator
from toolkit.openapi.generate.strings_arrays import array_generator, string_generator
from toolkit.openapi.jsonschema import DIALECT, NULL_BY_NULLABLE, _Bundle

Gen = Callable[[random.Random, int], Any]

_SCALARS = frozenset({"string", "number", "integer", "boolean", "null"})
# What a oneOf/anyOf node's own keys that do not constrain its branches (annotations).
_NOT_BASE = frozenset({"oneOf", "anyOf", "discriminator", "examples", "default", "description", "title", "readOnly",
                       "writeOnly", "deprecated", "x-unmerged", NULL_BY_NULLABLE})  # fmt: skip
_NULL_COST = {False: 9, True: -1}  # the rank of a null branch: last, or first when too deep
_MAX_NESTING = 24  # inline expansion depth at compile time before falling back to shared, lazy references


class _Compiler:
    """Compiles converted (2020-12) schema nodes of one direction into generator closures."""

    def __init__(self, bundle: _Bundle, fake: Fake, max_depth: int, bounds: Bounds) -> None:
        self.bundle = bundle
        self.defs = bundle.defs
        self.fake = fake
        self.max_depth = max_depth
        self.bounds = bounds
        self.def_gens: dict[str, Gen] = {}
        self._pending: list[str] = []
        self._checkers: dict[int, tuple[Any, Any]] = {}
        self._nesting = 0
        self._inlining: list[str] = []  # definitions whose content is being compiled inline, outermost first
        self._base = ""  # the place of the schema being compiled (for messages), and the path below it
        self._trail: list[str] = []
        self._currency_lowercase: bool | None = None

    @property
    def currency_lowercase(self) -> bool:
        """Whether the contract's own examples write currency codes in lowercase (``"usd"``, Stripe's way)."""
        if self._currency_lowercase is None:
            self._currency_lowercase = _currency_lowercase(self.bundle.resolver.document(self.bundle.resolver.root_uri))
        return self._currency_lowercase

    # -- plumbing ------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, where: str) -> Iterator[None]:
        """Compile one generator all or nothing: on any failure (a MemoryError, a RecursionError), forget the
        definitions this compile started, so that the next compile starts them again instead of calling a
        half-built one."""
        before = set(self.def_gens)
        self._base, self._trail = where, []
        try:
            yield
        except BaseException:
            for name in set(self.def_gens) - before:
                del self.def_gens[name]
            self._pending.clear()
            self._nesting = 0
            self._inlining.clear()
            raise

    def where(self) -> str:
        """The schema place being compiled: its definition's (or root's) place and the path below it."""
        return self._base + "".join("/" + escape_pointer_token(token) for token in self._trail)

    def over(self, limit: str, bound: int, demand: str) -> Gen:
        """A generator that always gives up: the schema alone asks for more than ``limit`` allows."""
        error = OverLimitError(limit, bound, demand, self.where())

        def gen(rng: random.Random, depth: int) -> Any:
            raise exceeded(error)

        return gen

    def depth_guard(self) -> Callable[[int], None]:
        """A check for a container compiled here: at ``depth`` it would nest deeper than max_generation_depth,
        so this part is given up (left out when optional). Its place is taken now, at compile time."""
        bound = self.bounds.max_depth
        error = OverLimitError(
            "max_generation_depth", bound, f"a value nested deeper than {bound} levels", self.where()
        )

        def guard(depth: int) -> None:
            if depth >= bound:
                raise exceeded(error)

        return guard

    def drain(self) -> None:
        while self._pending:
            name = self._pending.pop()
            self._base, self._trail = self.bundle.place_of(name), []
            self._compile_def(name)

    def checker(self, node: Any) -> Any:
        """A jsonschema_rs validator for a converted node (with the $defs it needs), compiled once."""
        cached = self._checkers.get(id(node))
        if cached is None:
            document = dict(node) if isinstance(node, dict) else {"allOf": [node]}
            document["$schema"] = DIALECT
            defs = self.bundle.closure(_refs_in(node))
            if defs:
                document["$defs"] = defs
            compiled: Any
            try:
                compiled = jsonschema_rs.Draft202012Validator(document, validate_formats=True)
            except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
                compiled = _ACCEPT_ALL
            cached = (node, compiled)
            self._checkers[id(node)] = cached  # the node is kept so that its id is not reused
        return cached[1]

    def _ref(self, name: str) -> Gen:
        if name not in self.def_gens and name not in self._pending:
            self._pending.append(name)
        gens = self.def_gens
        hard = self.bounds.max_depth  # a *required* recursion gives up at the generation depth limit
        error = OverLimitError(
            "max_generation_depth", hard, f"a value nested deeper than {hard} levels", self.bundle.place_of(name)
        )

        def gen(rng: random.Random, depth: int) -> Any:
            if depth > hard:
                raise exceeded(error)
            return gens[name](rng, depth)

        return flat.describe(gen, flat.Reference(hard, error, gens, name))

    def _compile_def(self, name: str) -> None:
        self.def_gens[name] = _unready
        node = self.defs.get(name, {})
        forced: dict[str, Any] = {}
        merged = flatten(node, self.defs, frozenset({name})) if isinstance(node, dict) else node
        if isinstance(merged, dict):
            discriminator = merged.get("discriminator")
            if isinstance(discriminator, dict) and not ("oneOf" in merged or "anyOf" in merged):
                prop = discriminator.get("propertyName")
                mapping = discriminator.get("mapping") or {}
                keys = [key for key, ref in mapping.items() if ref == f"#/$defs/{name}"]
                if isinstance(prop, str):
                    forced[prop] = keys[0] if keys else self.bundle.origins.get(name, name)
        self._inlining.append(name)
        try:
            self.def_gens[name] = self.compile(
                merged, name=None, owner=self.bundle.origins.get(name, name), forced=forced
            )
        finally:
            self._inlining.pop()

    # -- schemas -------------------------------------------------------------------------------
    def compile(
        self,
        node: Any,
        *,
        name: str | None,
        owner: str | None,
        forced: Mapping[str, Any] | None = None,
        at: tuple[str, ...] = (),
    ) -> Gen:
        """The generator of ``node``; ``at`` is its path below the node being compiled (for messages)."""
        if not at:
            return self._compile_here(node, name=name, owner=owner, forced=forced)
        self._trail.extend(at)
        try:
            return self._compile_here(node, name=name, owner=owner, forced=forced)
        finally:
            del self._trail[len(self._trail) - len(at) :]

    def _compile_here(self, node: Any, *, name: str | None, owner: str | None, forced: Mapping[str, Any] | None) -> Gen:
        if node is True or node == {}:
            return lambda rng, depth: self.fake.word(rng)
        if not isinstance(node, dict):
            return _fail
        ref = node.get("$ref")
        if isinstance(ref, str) and (
            self._nesting > _MAX_NESTING
            or (not forced and set(node) <= {"$ref", "readOnly", "writeOnly", "description"})
        ):
            return self._ref(def_name(ref))
        self._nesting += 1
        try:
            return self._compile_node(node, name=name, owner=owner, forced=forced)
        finally:
            self._nesting -= 1

    def _compile_node(
        self, node: dict[str, Any], *, name: str | None, owner: str | None, forced: Mapping[str, Any] | None
    ) -> Gen:
        inlined = _inlined_names(node)
        if inlined:
            looping = [name for name in inlined if name in self._inlining]
            if looping or self._nesting > _MAX_NESTING:
                # expanding this reference inline again would never end: share the definition's generator
                # and check the rest of the node on its values
                gen = self._ref(looping[0] if looping else inlined[0])
                return gen if _only_refs(node) else self._checked(gen, node)
        if inlined or "allOf" in node:
            node = flatten(node, self.defs)
            if isinstance(node.get("$ref"), str):  # a recursion flatten had to stop at
                return self._ref(def_name(node["$ref"]))
        self._inlining.extend(inlined)
        try:
            gen = self._compile_plain(node, name=name, owner=owner, forced=forced or {})
        finally:
            del self._inlining[len(self._inlining) - len(inlined) :]
        candidates = [*(node.get("examples") or ()), *([node["default"]] if "default" in node else [])]
        if candidates:
            gen = self._with_candidates(gen, node, candidates)
        if "not" in node or "x-unmerged" in node or "if" in node:
            gen = self._checked(gen, node)
        return gen

    def _compile_plain(
        self, node: dict[str, Any], *, name: str | None, owner: str | None, forced: Mapping[str, Any]
    ) -> Gen:
        if "const" in node:
            const = node["const"]
            if immutable(const):  # nothing to copy: the same str or number every time
                return flat.describe(lambda rng, depth: const, flat.Const(const))
            return lambda rng, depth: copy.deepcopy(const)
        if isinstance(node.get("enum"), list):
            return self._enum(
                node["enum"], null_allowed=node.get(NULL_BY_NULLABLE) is not True and not filled_kind(name)
            )
        choices = node.get("oneOf") if isinstance(node.get("oneOf"), list) else node.get("anyOf")
        if isinstance(choices, list) and choices:
            return self._choice(node, choices, name=name, owner=owner, forced=forced)
        kinds = _kinds(node)
        gens = [(kind, self._typed(kind, node, name=name, owner=owner, forced=forced)) for kind in kinds]
        if len(gens) == 1:
            return gens[0][1]
        max_depth = self.max_depth
        null_last = node.get(NULL_BY_NULLABLE) is True  # see jsonschema._nullable
        # nullable means "may be null", not "usually": null for about one value in 20, never for a field a person
        # expects filled (name, email, amount...); and by depth only where a container could recurse on
        null_share = 0.0 if filled_kind(name) or null_last else NULL_SHARE
        deep_null = not set(kinds) <= _SCALARS
        null_first = sorted(gens, key=lambda item: item[0] != "null")
        null_after = sorted(gens, key=lambda item: item[0] == "null")
        if not null_last and not deep_null and null_share == 0:
            return _first_of([typed for _, typed in null_after])  # never null by choice: no draw to decide it

        def gen(rng: random.Random, depth: int) -> Any:
            if null_last:
                prefer_null = depth >= max_depth + 2
            else:
                prefer_null = (deep_null and depth >= max_depth) or (null_share > 0 and rng.random() < null_share)
            for _, typed in null_first if prefer_null else null_after:
                try:
                    return typed(rng, depth)
                except _Fail:
                    continue
            raise _Fail

        first = tuple(typed for _, typed in null_first)
        after = tuple(typed for _, typed in null_after)
        return flat.describe(gen, flat.Nullable(null_last, deep_null, null_share, max_depth, first, after))

    def _enum(self, values: list[Any], *, null_allowed: bool = True) -> Gen:
        real = [value for value in values if value is not None] or values
        copied = not all(immutable(value) for value in real)

        def gen(rng: random.Random, depth: int) -> Any:
            if null_allowed and len(real) < len(values) and rng.random() < 0.05:
                return None
            if not real:
                _raise()
            value = rng.choice(real)
            return copy.deepcopy(value) if copied else value

        return gen

    def _choice(
        self,
        node: dict[str, Any],
        choices: list[Any],
        *,
        name: str | None,
        owner: str | None,
        forced: Mapping[str, Any],
    ) -> Gen:
        base = {key: value for key, value in node.items() if key not in _NOT_BASE}
        given = node.get("discriminator")
        discriminator: dict[str, Any] = given if isinstance(given, dict) else {}
        prop = discriminator.get("propertyName")
        by_ref = {ref: key for key, ref in (discriminator.get("mapping") or {}).items()}
        branches: list[tuple[int, Gen]] = []
        exclusive = "oneOf" in node
        plain: list[Any] = []  # per branch: the choice as written when it is compiled as it is (else None)
        for choice in choices:
            branch_forced = dict(forced)
            if isinstance(choice, dict) and isinstance(choice.get("$ref"), str) and choice["$ref"] in by_ref and prop:
                branch_forced[prop] = by_ref[choice["$ref"]]
            merged = flatten({"allOf": [base, choice]}, self.defs) if base else choice
            if isinstance(choice, dict) and isinstance(choice.get("$ref"), str) and not base and not branch_forced:
                merged = choice  # keep the shared, lazily compiled generator of the referenced schema
            at = () if node.get(NULL_BY_NULLABLE) else ("oneOf" if exclusive else "anyOf", str(len(branches)))
            plain.append(choice if not base and not branch_forced else None)
            branches.append(
                (_cost(merged, self.defs), self.compile(merged, name=name, owner=owner, forced=branch_forced, at=at))
            )
        # anyOf: any branch value is fine, the final check covers the rest; oneOf: exactly one must match
        checker_of = self.checker
        max_depth = self.max_depth
        # null that only `nullable` allowed (3.0 `$ref`/anyOf + nullable): strict readers of 3.0.3 refuse
        # it, so it is the last resort, used to end a recursion or when no other branch works.
        null_last = node.get(NULL_BY_NULLABLE) is True
        nulls = [branch for branch in branches if branch[0] < 0]
        others = [branch for branch in branches if branch[0] >= 0]
        null_share = NULL_SHARE if nulls and not null_last and not filled_kind(name) else 0.0
        null_then_cheap = [*nulls, *sorted(others, key=lambda branch: branch[0])]
        one_of: Callable[[Any], Any] | None = None

        def exclusive_check(value: Any) -> bool:
            nonlocal one_of
            if one_of is None:
                one_of = checker_of(node).is_valid  # compiled on first use, then kept here
            return bool(one_of(value))

        # decided now: each branch's rank when too deep or not (cheap first; null last unless too deep), and which
        # branches a value needs no oneOf check from: a value that is not null, from a branch valid by construction
        # whose every sibling allows only null, matches exactly one branch (the check would say so)
        ranks = {deep: [_NULL_COST[deep] if cost < 0 else cost for cost, _ in branches] for deep in (False, True)}
        null_ranks = [cost < 0 for cost, _ in branches]
        gens = [branch for _, branch in branches]
        unchecked = (
            {id(gen) for (cost, gen), choice in zip(branches, plain, strict=True)
             if cost >= 0 and choice is not None and self._exact_branch(choice)}
            if exclusive and len(nulls) == len(branches) - 1 else set()
        )  # fmt: skip
        only_other = others[0][1] if len(others) == 1 else None

        def ordered(rng: random.Random, keys: list[Any]) -> list[Gen]:
            # sorted(branches, key=(rank, rng.random())): one draw per branch, in the branches' order
            drawn = [(rank, rng.random()) for rank in keys]
            if len(drawn) == 2:
                return gens if drawn[0] <= drawn[1] else gens[::-1]
            return [gens[index] for index in sorted(range(len(drawn)), key=drawn.__getitem__)]

        def gen(rng: random.Random, depth: int) -> Any:
            too_deep = depth >= max_depth
            order: list[Gen]
            if null_last and depth < max_depth + 2:  # a little past max_depth: cheap non-null branches (ids)
                order = ordered(rng, null_ranks)
            elif not too_deep and null_share > 0 and rng.random() < null_share:
                order = [branch for _, branch in null_then_cheap]  # null now and then (one value in 20)
            elif not too_deep and rng.random() < (0.3 if depth == 0 else 0.1):
                if only_other is not None:  # rng.sample(others, 1), inline: the same draw
                    while rng.getrandbits(1):
                        pass
                    order = [only_other, *[branch for _, branch in nulls]]
                else:
                    order = [branch for _, branch in [*rng.sample(others, len(others)), *nulls]]
            else:  # cheap branches first (an id rather than an expanded object); null last unless too deep
                order = ordered(rng, ranks[too_deep])
            for branch in order:
                try:
                    value = branch(rng, depth)
                except _Fail:
                    continue
                if not exclusive or (value is not None and id(branch) in unchecked) or exclusive_check(value):
                    return value
            raise _Fail

        def sampled(rng: random.Random) -> list[Gen]:
            return [branch for _, branch in [*rng.sample(others, len(others)), *nulls]]

        inline = flat.Choice(
            gens=tuple(gens),
            max_depth=max_depth,
            null_last=null_last,
            null_share=null_share,
            null_ranks=tuple(null_ranks),
            ranks=(tuple(ranks[False]), tuple(ranks[True])),
            null_then_cheap=tuple(branch for _, branch in null_then_cheap),
            only_other=None if only_other is None else (only_other, *[branch for _, branch in nulls]),
            sampled=sampled,
            ordered=ordered,
            exclusive=exclusive,
            unchecked=frozenset(unchecked),
            exclusive_check=exclusive_check,
        )
        return flat.describe(gen, inline)

    def _exact_branch(self, choice: Any) -> bool:
        """Whether a branch compiled as written (no merged keywords, nothing forced) is valid by construction."""
        if not isinstance(choice, dict):
            return False
        document = dict(choice)
        defs = self.bundle.closure(_refs_in(choice))
        if defs:
            document["$defs"] = defs
        return exact(document)

    def _typed(
        self, kind: str, node: dict[str, Any], *, name: str | None, owner: str | None, forced: Mapping[str, Any]
    ) -> Gen:
        if kind == "null":
            return flat.describe(lambda rng, depth: None, flat.Null())
        if kind == "boolean":
            return flat.describe(lambda rng, depth: rng.random() < 0.5, flat.Boolean())
        if kind == "string":
            return string_generator(self, node, name, owner)
        if kind in ("integer", "number"):
            return number_generator(node, kind, name, self.fake, self.checker)
        if kind == "array":
            return array_generator(self, node, name, owner)
        if kind == "object":
            return self._object(node, owner if name is None else name, forced)
        return _fail

    # -- objects -------------------------------------------------------------------------------
    def _object(self, node: dict[str, Any], owner: str | None, forced: Mapping[str, Any]) -> Gen:
        return object_generator(self, node, owner, forced)

    def _with_candidates(self, gen: Gen, node: dict[str, Any], candidates: list[Any]) -> Gen:
        verdicts: dict[int, bool] = {}
        scalar = all(not isinstance(item, (dict, list)) for item in candidates)
        share = 0.5 if scalar else 0.25

        count = len(candidates)
        bits = count.bit_length()

        def judge(index: int) -> bool:
            verdict = verdicts[index] = bool(self.checker(node).is_valid(candidates[index]))
            return verdict

        def with_candidates(rng: random.Random, depth: int) -> Any:
            if rng.random() < share:
                index = rng.getrandbits(bits)  # rng.randrange(count), inline: the same draws
                while index >= count:
                    index = rng.getrandbits(bits)
                if index not in verdicts:
                    judge(index)
                if verdicts[index]:
                    return candidates[index] if scalar else copy.deepcopy(candidates[index])
            return gen(rng, depth)

        inline = flat.Candidates(gen, share, bits, count, verdicts, judge, tuple(candidates), scalar)
        return flat.describe(with_candidates, inline)

    def _checked(self, gen: Gen, node: dict[str, Any]) -> Gen:
        def checked(rng: random.Random, depth: int) -> Any:
            checker = self.checker(node)
            for _ in range(5):
                value = gen(rng, depth)
                if checker.is_valid(value):
                    return value
            raise _Fail

        return checked


class _AcceptAll:
    @staticmethod
    def is_valid(value: Any) -> bool:
        return True


_ACCEPT_ALL = _AcceptAll()


def _first_of(gens: list[Gen]) -> Gen:
    """The first of ``gens`` that gives a value (each tried in turn when one gives up)."""
    first, rest = gens[0], gens[1:]

    def gen(rng: random.Random, depth: int) -> Any:
        try:
            return first(rng, depth)
        except _Fail:
            pass
        for typed in rest:
            try:
                return typed(rng, depth)
            except _Fail:
                continue
        raise _Fail

    return flat.describe(gen, flat.FirstOf(tuple(gens)))


def immutable(value: Any) -> bool:
    """A JSON value that can be shared between answers as it is (no container to be changed by a caller)."""
    return value is None or isinstance(value, (str, int, float, bool))


def _unready(rng: random.Random, depth: int) -> Any:
    raise _Fail  # a definition used while it is being compiled: compile() never calls gens, so unreachable


def _fail(rng: random.Random, depth: int) -> Any:
    raise _Fail


def _raise() -> Any:
    raise _Fail


def _kinds(node: dict[str, Any]) -> list[str]:
    if isinstance(node.get("type"), (str, list)):
        return declared_types(node)
    if "properties" in node or "additionalProperties" in node or "required" in node or "patternProperties" in node:
        return ["object"]
    if "items" in node or "prefixItems" in node or "minItems" in node:
        return ["array"]
    if any(key in node for key in ("minLength", "maxLength", "pattern", "format")):
        return ["string"]
    if any(key in node for key in ("minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum")):
        return ["number"]
    return ["string"]


def _cost(node: Any, defs: Mapping[str, Any]) -> int:
    """How big a value of this branch tends to be: scalars 0, arrays 1, objects and references 2."""
    if not isinstance(node, dict):
        return 0
    if "$ref" in node:
        target = defs.get(def_name(node["$ref"]))
        return 2 if not isinstance(target, dict) or not set(_kinds(target)) <= _SCALARS else 0
    kinds = set(_kinds(node)) if "type" in node or "properties" in node or "items" in node else {"string"}
    if "null" in kinds and len(kinds) == 1:
        return -1
    return 0 if kinds <= _SCALARS else (1 if "array" in kinds else 2)


def _currency_lowercase(document: Any) -> bool:
    """Whether a contract's currency codes, where its examples or enums show any, are mostly lowercase."""
    lower = upper = 0
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(key, str) and filled_kind(key) == "currency":
                    shown: list[Any] = [value] if isinstance(value, str) else []
                    if isinstance(value, dict):
                        shown = [value.get("example"), *(value.get("examples") or ()), *(value.get("enum") or ())]
                    for code in shown:
                        if isinstance(code, str) and len(code) == 3 and code.isalpha():
                            lower += code.islower()
                            upper += code.isupper()
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return lower > upper


def _refs_in(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                found.add(def_name(ref))
            stack.extend(value for key, value in item.items() if key not in ("enum", "const", "examples", "default"))
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _inlined_names(node: dict[str, Any]) -> list[str]:
    """The definitions flattening ``node`` would expand inline: its own $ref and those of its allOf."""
    refs = [node.get("$ref"), *(part.get("$ref") for part in node.get("allOf") or () if isinstance(part, dict))]
    return [def_name(ref) for ref in refs if isinstance(ref, str)]


def _only_refs(node: dict[str, Any]) -> bool:
    """A node that is nothing but references (and annotations): its definition's values need no check."""
    parts = [node, *(node.get("allOf") or ())]
    annotations = {"$ref", "allOf", "readOnly", "writeOnly", "description", "title", "deprecated", "examples"}
    return all(isinstance(part, dict) and set(part) <= annotations for part in parts)

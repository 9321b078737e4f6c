"""Deterministic, realistic, always-valid values for OpenAPI schemas: what the mock answers with.

Each schema node is compiled once into a tree of small closures (``Gen = (rng, depth) -> value``)
from the JSON Schema that ``jsonschema.py`` already converted and bundled, so there is one dialect
to handle and nothing is walked per request. Referenced schemas are compiled once per direction
and shared by every generator. Values come from ``toolkit.fake`` by format and property name,
so a customer has a name with a space and an email that looks like one.

Valid by construction where it is cheap, valid by check everywhere: every generated value is
checked with the compiled jsonschema_rs validator; an invalid one is drawn again, then replaced by
a minimal value, then by a search with schemathesis' own generator, and only then is the schema
declared unsatisfiable (``GenerationError`` naming its place). A schema whose generator is valid by
construction (``exact``: no construction the generators only approximate) has one value in
``SAMPLE_EVERY`` checked, every value with ``CTK_CHECK_GENERATED=1``; a failed sample turns the full
check back on for that schema.

Bounded by ``Limits`` (see ``bounds``): a schema that asks for more than the limits allow
(a billion-character string, nesting deeper than ``max_generation_depth``) is answered with
``GenerationLimitError``, naming the schema place and the limit, never with a hang or gigabytes.
Compiling is all or nothing: a generator whose compile fails (even on a MemoryError) leaves no
half-compiled definition behind for the next one to use.
"""

from __future__ import annotations

import copy
import os
import random
from collections.abc import Callable, Mapping
from typing import Any, Literal

from toolkit.errors import CtkError
from toolkit.fake import Fake
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.openapi.generate.bounds import (
    Bounds,
    Budget,
    OverLimitError,
    end_budget,
    limit_hint,
    reset_budget,
    set_budget,
    start_budget,
)
from toolkit.openapi.generate.compiler import Gen, _Compiler
from toolkit.openapi.generate.exact import SAMPLE_EVERY, exact, member_check
from toolkit.openapi.generate.merge import NoValueError as _Fail
from toolkit.openapi.generate.merge import def_name
from toolkit.openapi.jsonschema import SchemaCompileError, SchemaValidators, Validator
from toolkit.openapi.load import OpenAPIContract

Direction = Literal["request", "response"]

_ATTEMPTS = 4  # full draws before falling back to a minimal value


class GenerationError(CtkError):
    """No value satisfying the schema could be generated: the schema is most likely unsatisfiable."""


class GenerationLimitError(GenerationError):
    """The schema asks for more than the generation limits allow; ``limit`` names the one to raise."""

    def __init__(self, message: str, *, limit: str, where: str | None, hint: str | None = None) -> None:
        super().__init__(message, where=where, hint=hint or limit_hint(limit))
        self.limit = limit


class Generator:
    """Values for one schema node in one direction; ``generate`` is the only call the mock makes."""

    def __init__(
        self,
        root: Gen,
        validator: Validator,
        max_depth: int,
        fallback: Callable[[], Any],
        max_bytes: int = DEFAULT_LIMITS.max_generated_bytes,
        *,
        exact: bool = False,
        members: Callable[[str, Any], bool] | None = None,
    ) -> None:
        self._root = root
        self.validator = validator
        self._max_depth = max_depth
        self._fallback = fallback
        self._max_bytes = max_bytes
        # valid by construction (see ``exact``): one value in SAMPLE_EVERY is still checked
        self.exact = exact
        self._drawn = 0
        # whether one member fits the object (exact object schemas with no rule across members; see member_check)
        self._members = members

    def generate(self, rng: random.Random, *, overrides: Mapping[str, Any] | None = None) -> Any:
        if self.exact:  # the common case: one draw, its budget, and one value in SAMPLE_EVERY checked
            budget = Budget(self._max_bytes)
            token = set_budget(budget)
            try:
                value = self._root(rng, 0)
            except (_Fail, RecursionError):
                value = _NOTHING
            finally:
                reset_budget(token)
            if value is not _NOTHING:
                self._drawn += 1
                if not self._drawn % SAMPLE_EVERY and not self.validator.is_valid(value):
                    self.exact = False  # the reasoning missed something in this schema: every value is checked again
                    value = self._drawn_again(rng, 1, budget.hit)
            else:
                value = self._drawn_again(rng, 1, budget.hit)
        else:
            value = self._drawn_again(rng, 0, None)
        if overrides and isinstance(value, dict):
            fits = self._members
            if fits is not None and self.exact:  # _override's common case, inline
                # a valid object whose members are judged one by one: each override that fits its member is taken,
                # which is what checking the whole candidate, then each override in turn, comes to
                value = dict(value)
                for key, item in overrides.items():
                    if fits(key, item):
                        value[key] = item
                return value
            value = self._override(value, overrides)
        return value

    def _drawn_again(self, rng: random.Random, done: int, hit: OverLimitError | None) -> Any:
        """The draws after the first ``done``: full ones, then a minimal one, then the search (see the module)."""
        for depth in ([0] * _ATTEMPTS + [self._max_depth])[done:]:  # the last draw is the minimal one
            budget, token = start_budget(self._max_bytes)
            try:
                value = self._root(rng, depth)
            except (_Fail, RecursionError):
                continue
            finally:
                end_budget(token)
                hit = hit or budget.hit
            if self.exact:
                self._drawn += 1
                if self._drawn % SAMPLE_EVERY:
                    return value
                if self.validator.is_valid(value):
                    return value
                self.exact = False  # the reasoning missed something in this schema: every value is checked again
                continue
            if self.validator.is_valid(value):
                return value
        if hit is not None:
            # the search below knows no limits: a schema that asks for a billion characters must not reach it
            raise GenerationLimitError(
                f"the schema asks for more than ctk generates: {hit.demand}, over the limit {hit.limit}={hit.bound}",
                limit=hit.limit,
                where=hit.where or self.validator.where,
            )
        found = self._fallback()
        if found is not _NOTHING:
            return copy.deepcopy(found)
        raise GenerationError(
            "no value satisfying this schema could be generated (is it satisfiable?)",
            where=self.validator.where,
            hint="check for contradictions such as required properties that are forbidden, or enums outside the type",
        )

    def _override(self, value: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
        fits = self._members
        if fits is not None and self.exact:
            # a valid object whose members are judged one by one: each override that fits its member is taken,
            # which is what checking the whole candidate, then each override in turn, comes to
            out = dict(value)
            for key, item in overrides.items():
                if fits(key, item):
                    out[key] = item
            return out
        candidate = {**value, **overrides}
        if self.validator.is_valid(candidate):
            return candidate
        for key, item in overrides.items():  # the ones that fit, one by one
            attempt = {**value, key: item}
            if self.validator.is_valid(attempt):
                value = attempt
        return value


_NOTHING: Any = object()


class Generators:
    """Generators for the schemas of one contract, compiled once per (schema node, direction)."""

    def __init__(
        self,
        contract: OpenAPIContract,
        validators: SchemaValidators,
        *,
        max_depth: int = 4,
        seed: int = 0,
        locale: str = "en_US",
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.contract = contract
        self.validators = validators
        self.max_depth = max_depth
        self.bounds = Bounds.of(limits)
        self.fake = Fake(seed, locale)
        self._compilers: dict[str, _Compiler] = {}
        self._cache: dict[int, tuple[Validator, Generator]] = {}

    def generator(self, schema: Any, place: str, direction: Direction) -> Generator:
        try:
            validator = self.validators.validator(schema, place, direction)
        except SchemaCompileError as error:  # what cannot be checked is never sent: no value for this schema
            raise GenerationError(
                f"no value can be generated for a schema that cannot be checked: {error.message}",
                where=error.where,
                hint=error.hint,
            ) from None
        cached = self._cache.get(id(validator))
        if cached is not None:
            return cached[1]
        if direction not in self._compilers:
            bundle = self.validators.bundle(direction)
            self._compilers[direction] = _Compiler(bundle, self.fake, self.max_depth, self.bounds)
        compiler = self._compilers[direction]
        document = validator.json_schema
        root = {key: value for key, value in document.items() if key not in ("$defs", "$schema")}
        owner = def_name(root["$ref"]) if isinstance(root.get("$ref"), str) else None
        with compiler.transaction(validator.where):  # a failed compile leaves no half-compiled definition
            gen = compiler.compile(root, name=None, owner=owner)
            compiler.drain()
        checked = os.environ.get("CTK_CHECK_GENERATED") == "1"  # debugging: every value checked, as before
        generator = Generator(
            gen,
            validator,
            self.max_depth,
            lambda: _search(validator),
            self.bounds.max_bytes,
            exact=not checked and exact(validator.json_schema),
            members=member_check(document, compiler.checker),
        )
        self._cache[id(validator)] = (validator, generator)
        return generator


def _search(validator: Validator) -> Any:
    """Last resort: schemathesis' own JSON Schema generator, derandomised, shrunk to a minimal value."""
    try:
        from hypothesis import HealthCheck, find, settings
        from schemathesis.generation.jsonschema.builder import build

        strategy = build(validator.json_schema, draft=20, formats={})  # 20: its code for 2020-12
        return find(
            strategy,
            validator.is_valid,
            settings=settings(
                derandomize=True, database=None, max_examples=200, suppress_health_check=list(HealthCheck)
            ),
        )
    except Exception:  # noqa: BLE001 - any failure of an optional, private engine means "nothing found"
        return _NOTHING

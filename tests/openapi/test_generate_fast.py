"""Generators valid by construction (``exact``) skip the final check of most values: the reasoning is tested here.

For every schema of every corpus contract the ``exact`` verdict grants, many values drawn straight from the compiled
generator (no final check at all) must pass the full validator; the verdict refuses what the generators only
approximate; and a failed sample, or ``CTK_CHECK_GENERATED=1``, turns the full check back on.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.support.generation import CONTRACTS, contract_path, schema_engines
from toolkit.openapi.generate.exact import SAMPLE_EVERY, exact
from toolkit.openapi.generate.generator import Generator, Generators
from toolkit.openapi.jsonschema import SchemaValidators, place
from toolkit.openapi.load import OpenAPIContract


@pytest.mark.parametrize("entry", CONTRACTS, ids=[entry.rsplit("/", 1)[-1] for entry in CONTRACTS])
def test_exact_generators_draw_only_valid_values(entry: str) -> None:
    _, engines = schema_engines(str(contract_path(entry)))
    seen = set()
    for name, direction, generator, _ in engines:
        if not generator.exact or id(generator) in seen:
            continue
        seen.add(id(generator))
        for seed in range(12):
            for depth in (0, 2, generator._max_depth):
                try:
                    value = generator._root(random.Random(seed), depth)  # no check at all on this path
                except Exception:  # noqa: BLE001 - a draw that gives up returns nothing, which is fine here
                    continue
                assert generator.validator.is_valid(value), f"{name} ({direction}) seed {seed}: {value!r:.300}"


def _schema(**node: Any) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **node}


@pytest.mark.parametrize(
    "node",
    [
        {"allOf": [{"type": "string"}, {"maxLength": 3}]},
        {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
        {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
        {"type": "array", "contains": {"const": 1}},
        {"type": "object", "properties": {"a": {"type": "string"}}, "minProperties": 1},
        {"type": "object", "required": ["a", "b"], "maxProperties": 1},
        {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}},
        {"type": "object", "properties": {"long_name": {"type": "string"}}, "propertyNames": {"maxLength": 3}},
        {"type": "object", "required": ["a"], "additionalProperties": False},
        {"type": "object", "discriminator": {"propertyName": "kind"}, "properties": {"kind": {"enum": ["x"]}}},
        {"anyOf": [{"type": "string"}, {"type": "integer"}], "maxLength": 3},
        {"$ref": "#/$defs/A", "maxLength": 3, "$defs": {"A": {"type": "string"}}},
        {"const": "abcdef", "maxLength": 3},
        {"enum": ["a", 1], "type": "string"},
        {"type": "string", "contentEncoding": "base64"},
        {"type": "object", "dependentRequired": {"a": ["b"]}},
        {"type": "object", "unevaluatedProperties": False},
        {"type": "object", "properties": {"a": {"$defs": {}, "$id": "x"}}},
    ],
)
def test_what_the_generators_approximate_is_not_exact(node: dict[str, Any]) -> None:
    assert not exact(_schema(**node))


@pytest.mark.parametrize(
    "node",
    [
        {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "pattern": "^cus_"}}},
        {"type": "object", "maxProperties": 50, "propertyNames": {"maxLength": 40},
         "additionalProperties": {"type": "string", "maxLength": 500}},
        {"oneOf": [{"$ref": "#/$defs/A"}, {"type": "null"}], "$defs": {"A": {"type": "integer", "minimum": 3}}},
        {"anyOf": [{"type": "string"}, {"type": "integer"}], "description": "either"},
        {"enum": ["a", "b", None], "type": ["string", "null"]},
        {"type": "string", "not": {"const": "x"}},
        {"type": "array", "items": {"$ref": "#/$defs/A", "description": "an A"}, "maxItems": 3,
         "$defs": {"A": {"type": "boolean"}}},
    ],
)  # fmt: skip
def test_what_the_generators_check_where_they_draw_is_exact(node: dict[str, Any]) -> None:
    assert exact(_schema(**node))


class _Says:
    def __init__(self, verdict: bool) -> None:
        self.verdict = verdict
        self.asked = 0
        self.where = "here"

    def is_valid(self, value: Any) -> bool:
        self.asked += 1
        return self.verdict


def test_an_exact_generator_checks_one_value_in_sample_every_and_a_failed_sample_turns_the_check_back_on() -> None:
    validator = _Says(True)
    generator = Generator(lambda rng, depth: depth, validator, 4, lambda: None, exact=True)  # type: ignore[arg-type]
    for _ in range(SAMPLE_EVERY * 3):
        generator.generate(random.Random(0))
    assert validator.asked == 3 and generator.exact
    validator.verdict = False
    for _ in range(SAMPLE_EVERY):
        generator.generate(random.Random(0))  # the sample fails: drawn again, then the fallback
    assert not generator.exact
    asked = validator.asked
    generator.generate(random.Random(0))
    assert validator.asked > asked  # every value checked from now on


def test_ctk_check_generated_checks_every_value(monkeypatch: pytest.MonkeyPatch) -> None:
    contract = _contract()
    monkeypatch.setenv("CTK_CHECK_GENERATED", "1")
    generator = Generators(contract, SchemaValidators(contract)).generator(
        {"type": "string"}, _where(contract), "response"
    )
    assert not generator.exact
    monkeypatch.delenv("CTK_CHECK_GENERATED")
    generator = Generators(contract, SchemaValidators(contract)).generator(
        {"type": "string"}, _where(contract), "response"
    )
    assert generator.exact


def _where(contract: OpenAPIContract) -> str:
    assert contract.resolver is not None
    return place(contract.resolver.root_uri, "/components/schemas/Customer/properties/name")


def _contract() -> OpenAPIContract:
    from tests.support.paths import REPO
    from toolkit import load_contract

    contract = load_contract(REPO / "contracts" / "payments" / "v1")
    assert isinstance(contract, OpenAPIContract)
    return contract


@pytest.mark.parametrize("entry", CONTRACTS, ids=[entry.rsplit("/", 1)[-1] for entry in CONTRACTS])
def test_overrides_judged_member_by_member_are_those_the_whole_check_takes(entry: str) -> None:
    _, engines = schema_engines(str(contract_path(entry)))
    judged = 0
    for _, _, generator, _ in engines:
        if generator._members is None or not generator.exact:
            continue
        for seed in range(3):
            value = generator.generate(random.Random(seed))
            other = generator.generate(random.Random(seed + 100))
            if not isinstance(value, dict) or not isinstance(other, dict):
                continue
            # the request's values: some fit (another valid value's members), some do not, some are undeclared
            overrides = {**other, "id": "x" * 3, "undeclared_name": 7, **dict.fromkeys(list(other)[:2])}
            fast = generator._override(value, overrides)
            members, generator._members = generator._members, None
            try:
                slow = generator._override(value, overrides)
            finally:
                generator._members = members
            assert fast == slow and list(fast) == list(slow)
            judged += 1
    assert judged or "multifile" in entry or "main.yaml" in entry

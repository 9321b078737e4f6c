"""Generators: realistic, deterministic, valid values; overrides, recursion, discriminators, direction."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.generation import depth
from toolkit import load_contract
from toolkit.openapi.generate.generator import GenerationError, Generator, Generators
from toolkit.openapi.jsonschema import SchemaValidators, place
from toolkit.openapi.load import OpenAPIContract

CUSTOMER = {
    "type": "object",
    "required": ["id", "email", "name", "created"],
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "country": {"type": "string", "maxLength": 2, "minLength": 2},
        "currency": {"type": "string", "description": "Three-letter ISO code, in lowercase."},
        "created": {"type": "integer", "readOnly": True},
        "updated_at": {"type": "string", "format": "date-time"},
        "phone": {"type": "string", "nullable": True},
        "balance": {"type": "integer", "minimum": 0},
        "password": {"type": "string", "writeOnly": True},
        "metadata": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 20}},
    },
}
SCHEMAS: dict[str, Any] = {
    "customer": CUSTOMER,
    "Node": {
        "type": "object",
        "required": ["value", "children"],
        "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "parent": {"$ref": "#/components/schemas/Node"},
        },
    },
    "Chain": {  # a required recursion that can only end through the nullable branch
        "type": "object",
        "required": ["next"],
        "properties": {"next": {"allOf": [{"$ref": "#/components/schemas/Chain"}], "nullable": True}},
    },
    "Pet": {
        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
        "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}},
    },
    "Cat": {
        "type": "object",
        "required": ["kind", "lives"],
        "properties": {"kind": {"type": "string"}, "lives": {"type": "integer", "minimum": 1, "maximum": 9}},
    },
    "Dog": {
        "type": "object",
        "required": ["kind", "bark"],
        "properties": {"kind": {"type": "string"}, "bark": {"type": "string", "enum": ["woof", "yap"]}},
    },
    "Code": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
    "Money": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 100, "multipleOf": 0.25},
    "Tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}, "uniqueItems": True, "minItems": 3},
    "Impossible": {"type": "string", "enum": [1, 2]},
    "NotFoo": {"type": "string", "not": {"enum": ["foo"]}, "enum": ["foo", "bar"]},
    "Sized": {"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}},
    "WithExample": {"type": "string", "example": "exampled"},
    "Letters": {"type": "string", "pattern": "^\\p{Lu}{2}$"},  # ECMA-only syntax: Python's parser refuses it
}


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> OpenAPIContract:
    path: Path = tmp_path_factory.mktemp("gen") / "api.json"
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    document["components"] = {"schemas": SCHEMAS}
    path.write_text(json.dumps(document))
    loaded = load_contract(path)
    assert isinstance(loaded, OpenAPIContract)
    return loaded


@pytest.fixture(scope="module")
def generators(contract: OpenAPIContract) -> Generators:
    return Generators(contract, SchemaValidators(contract))


def gen(contract: OpenAPIContract, generators: Generators, name: str, direction: str = "response") -> Generator:
    assert contract.resolver is not None
    where = place(contract.resolver.root_uri, f"/components/schemas/{name}")
    return generators.generator(contract.document["components"]["schemas"][name], where, direction)  # type: ignore[arg-type]


def test_customer_looks_real(contract: OpenAPIContract, generators: Generators) -> None:
    generator = gen(contract, generators, "customer")
    for seed in range(20):
        value = generator.generate(random.Random(seed))
        assert generator.validator.is_valid(value)
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", value["email"]), value["email"]
        assert " " in value["name"]
        assert value["id"].startswith("cus_")
        assert 1546300800 <= value["created"] <= 1767139200  # a unix time in 2019..2025
        if "country" in value:
            assert re.fullmatch(r"[A-Z]{2}", value["country"])
        if "currency" in value:
            assert re.fullmatch(r"[a-z]{3}", value["currency"])  # "in lowercase" in its description
        assert "password" not in value  # writeOnly: never in a response


def test_request_omits_read_only_and_may_carry_write_only(contract: OpenAPIContract, generators: Generators) -> None:
    generator = gen(contract, generators, "customer", "request")
    values = [generator.generate(random.Random(seed)) for seed in range(20)]
    assert all("id" not in value and "created" not in value for value in values)
    assert any("password" in value for value in values)


def test_same_seed_same_value_different_seeds_differ(contract: OpenAPIContract, generators: Generators) -> None:
    generator = gen(contract, generators, "customer")
    assert generator.generate(random.Random(7)) == generator.generate(random.Random(7))
    values = {json.dumps(generator.generate(random.Random(seed)), sort_keys=True) for seed in range(10)}
    assert len(values) == 10


def test_overrides_apply_where_valid(contract: OpenAPIContract, generators: Generators) -> None:
    generator = gen(contract, generators, "customer")
    value = generator.generate(random.Random(1), overrides={"id": "cus_123", "balance": -5})
    assert value["id"] == "cus_123"
    assert value.get("balance", 0) >= 0  # -5 would break minimum: 0, so it was not applied


def test_recursion_terminates(contract: OpenAPIContract, generators: Generators) -> None:
    generator = gen(contract, generators, "Node")
    for seed in range(10):
        value = generator.generate(random.Random(seed))
        assert generator.validator.is_valid(value)
        assert depth(value) <= 2 * (generators.max_depth + 2)


def test_required_recursion_ends_through_null(contract: OpenAPIContract, generators: Generators) -> None:
    generator = gen(contract, generators, "Chain")
    value = generator.generate(random.Random(3))
    assert generator.validator.is_valid(value)
    while value is not None:
        value = value["next"]


def test_discriminator_mapping_and_implicit_names(contract: OpenAPIContract, generators: Generators) -> None:
    generator = gen(contract, generators, "Pet")
    kinds = {}
    for seed in range(30):
        value = generator.generate(random.Random(seed))
        kinds[value["kind"]] = "lives" if "lives" in value else "bark"
    assert kinds == {"cat": "lives", "Dog": "bark"}  # mapped key; implicit name of the schema


def test_pattern_multiple_of_unique_items(contract: OpenAPIContract, generators: Generators) -> None:
    for seed in range(10):
        rng = random.Random(seed)
        assert re.fullmatch(r"[A-Z]{3}-\d{4}", gen(contract, generators, "Code").generate(rng))
        money = gen(contract, generators, "Money").generate(rng)
        assert 0 < money <= 100 and (money * 4) == int(money * 4)
        assert sorted(gen(contract, generators, "Tags").generate(rng)) == ["a", "b", "c"]
        assert gen(contract, generators, "NotFoo").generate(rng) == "bar"
        assert len(gen(contract, generators, "Sized").generate(rng)) >= 2


def test_examples_are_used(contract: OpenAPIContract, generators: Generators) -> None:
    values = {gen(contract, generators, "WithExample").generate(random.Random(seed)) for seed in range(20)}
    assert "exampled" in values and len(values) > 1


def test_unsatisfiable_schema_raises_naming_its_place(contract: OpenAPIContract, generators: Generators) -> None:
    with pytest.raises(GenerationError) as caught:
        gen(contract, generators, "Impossible").generate(random.Random(0))
    assert caught.value.where is not None and caught.value.where.endswith("/components/schemas/Impossible")


def test_pattern_python_cannot_parse_falls_back_to_search(contract: OpenAPIContract, generators: Generators) -> None:
    generator = gen(contract, generators, "Letters")
    value = generator.generate(random.Random(0))
    assert generator.validator.is_valid(value) and len(value) == 2
    assert value == generator.generate(random.Random(0))  # the search is derandomised


def test_one_generator_per_node(contract: OpenAPIContract, generators: Generators) -> None:
    assert gen(contract, generators, "customer") is gen(contract, generators, "customer")

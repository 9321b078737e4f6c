"""Data that looks like the vendor's: nullable means "may be null", not "usually"; records that cohere."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from toolkit import load_contract
from toolkit.openapi.generate.generator import Generator, Generators
from toolkit.openapi.jsonschema import SchemaValidators, place
from toolkit.openapi.load import OpenAPIContract

DRAWS = 200
NULLABLE = {"type": ["string", "null"]}
ADDRESS = {
    "type": "object",
    "properties": {
        part: {"type": ["string", "null"], "maxLength": 200}
        for part in ("line1", "line2", "city", "postal_code", "country")
    },
}
CUSTOMER = {
    "type": "object",
    "required": ["id", "name", "email", "phone", "address", "created", "updated", "nickname"],
    "properties": {
        "id": {"type": "string"},
        "name": NULLABLE,
        "email": {"type": ["string", "null"], "format": "email"},
        "phone": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "address": {"oneOf": [{"$ref": "#/components/schemas/Address"}, {"type": "null"}]},
        "created": {"type": "integer", "minimum": 0},
        "updated": {"type": "integer", "minimum": 0},
        "nickname": NULLABLE,  # no name a person expects filled: null now and then
    },
}
CHARGE = {
    "type": "object",
    "required": ["amount", "amount_captured", "amount_refunded", "currency", "created_at", "updated_at"],
    "properties": {
        "amount": {"type": "integer", "minimum": 50, "maximum": 100000},
        "amount_captured": {"type": "integer", "minimum": 0, "maximum": 100000},
        "amount_refunded": {"type": "integer", "minimum": 0, "maximum": 100000},
        "currency": {"type": "string", "pattern": "^[a-zA-Z]{3}$"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
SCHEMAS: dict[str, Any] = {"Address": ADDRESS, "Customer": CUSTOMER, "Charge": CHARGE}
PATHS = {  # the contract's own example writes currencies in lowercase: generated ones follow it
    "/charges": {
        "get": {
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"example": {"amount": 2000, "currency": "usd"}}},
                }
            }
        }
    }
}


def _contract(folder: Path, version: str, schemas: dict[str, Any]) -> OpenAPIContract:
    path = folder / "api.json"
    document = {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": PATHS}
    document["components"] = {"schemas": schemas}
    path.write_text(json.dumps(document))
    loaded = load_contract(path)
    assert isinstance(loaded, OpenAPIContract)
    return loaded


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> OpenAPIContract:
    return _contract(tmp_path_factory.mktemp("realism"), "3.1.0", SCHEMAS)


def _generator(contract: OpenAPIContract, name: str, seed: int = 0) -> Generator:
    assert contract.resolver is not None
    generators = Generators(contract, SchemaValidators(contract), seed=seed)
    where = place(contract.resolver.root_uri, f"/components/schemas/{name}")
    return generators.generator(contract.document["components"]["schemas"][name], where, "response")


def _draws(contract: OpenAPIContract, name: str) -> list[dict[str, Any]]:
    generator = _generator(contract, name)
    rng = random.Random(7)
    values = [generator.generate(rng) for _ in range(DRAWS)]
    assert all(generator.validator.is_valid(value) for value in values)
    return values


def test_fields_a_person_expects_are_rarely_null(contract: OpenAPIContract) -> None:
    customers = _draws(contract, "Customer")
    for field in ("name", "email", "phone", "address"):
        nulls = sum(customer[field] is None for customer in customers)
        assert nulls <= DRAWS // 10, (field, nulls)
    assert len({customer["name"] for customer in customers}) > DRAWS // 4  # filled with varied values


def test_other_nullable_fields_are_null_now_and_then_not_usually(contract: OpenAPIContract) -> None:
    nulls = sum(customer["nickname"] is None for customer in _draws(contract, "Customer"))
    assert 0 < nulls <= DRAWS // 10


def test_an_address_is_all_filled_or_absent(contract: OpenAPIContract) -> None:
    for customer in _draws(contract, "Customer"):
        address = customer["address"]
        if address is not None:
            assert set(address) == {"line1", "line2", "city", "postal_code", "country"}, address
            assert all(isinstance(part, str) and part for part in address.values()), address


def test_amount_parts_stay_within_the_amount_and_created_precedes_updated(contract: OpenAPIContract) -> None:
    charges = _draws(contract, "Charge")
    for charge in charges:
        assert charge["amount_captured"] <= charge["amount"], charge
        assert charge["amount_refunded"] <= charge["amount"], charge
        assert charge["created_at"] <= charge["updated_at"], charge
    for customer in _draws(contract, "Customer"):
        assert customer["created"] <= customer["updated"], customer
    assert len({charge["amount_captured"] == charge["amount"] for charge in charges}) == 2  # not always all of it


def test_currency_codes_follow_the_case_of_the_contracts_examples(contract: OpenAPIContract, tmp_path: Path) -> None:
    assert all(charge["currency"].islower() for charge in _draws(contract, "Charge"))
    upper = _contract(tmp_path, "3.1.0", {"Charge": {**CHARGE, "examples": [{"currency": "EUR"}]}})
    generator = _generator(upper, "Charge")
    rng = random.Random(3)
    # the path's example says "usd", the schema's "EUR": one each, so the tie goes to the upper case
    assert all(generator.generate(rng)["currency"].isupper() for _ in range(20))


def test_openapi_3_0_nullable_is_rarely_null(tmp_path: Path) -> None:
    schemas = {
        "Customer": {
            "type": "object",
            "required": ["name", "email", "note"],
            "properties": {
                "name": {"type": "string", "nullable": True},
                "email": {"type": "string", "format": "email", "nullable": True},
                "note": {"type": "string", "nullable": True},
            },
        }
    }
    customers = _draws(_contract(tmp_path, "3.0.3", schemas), "Customer")
    for field in ("name", "email", "note"):
        assert sum(customer[field] is None for customer in customers) <= DRAWS // 10


def test_optional_fields_a_person_expects_are_nearly_always_written_even_nested(tmp_path: Path) -> None:
    person = {"type": "object", "properties": {"name": {"type": "string"}, "email": {"type": "string"}}}
    nested = {"type": "object", "properties": {"order": {"type": "object", "properties": {"customer": person}}}}
    contract = _contract(tmp_path, "3.1.0", {"Wrapper": {**nested, "required": ["order"]}})
    generator = _generator(contract, "Wrapper")
    rng = random.Random(2)
    customers = [value["order"].get("customer") for value in (generator.generate(rng) for _ in range(DRAWS))]
    found = [customer for customer in customers if customer is not None]
    assert len(found) > DRAWS // 3
    for field in ("name", "email"):  # at depth 2, where other optional properties are written one time in two
        assert sum(field not in customer for customer in found) <= len(found) // 10, field


def test_same_seed_same_bytes(contract: OpenAPIContract) -> None:
    def run(seed: int) -> str:
        generator = _generator(contract, "Customer", seed)
        rng = random.Random(11)
        return json.dumps([generator.generate(rng) for _ in range(20)])

    assert run(1) == run(1)
    assert run(1) != run(2)

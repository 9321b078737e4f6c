"""OpenAPI schemas → compiled JSON Schema validators: dialect conversions, direction, refs, formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolkit import load_contract
from toolkit.openapi.jsonschema import SchemaValidators, Validator, place
from toolkit.openapi.load import OpenAPIContract


def contract_of(tmp_path: Path, schemas: dict[str, Any], version: str = "3.0.3") -> OpenAPIContract:
    if version == "2.0":
        doc: dict[str, Any] = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}
        doc["definitions"] = schemas
    else:
        doc = {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {}}
        doc["components"] = {"schemas": schemas}
    path = tmp_path / "api.json"
    path.write_text(json.dumps(doc))
    contract = load_contract(path)
    assert isinstance(contract, OpenAPIContract)
    return contract


def validator_of(contract: OpenAPIContract, name: str, direction: str = "response") -> Validator:
    section = "/definitions" if contract.spec_version == "2.0" else "/components/schemas"
    schemas = contract.document["definitions" if contract.spec_version == "2.0" else "components"]
    node = schemas[name] if contract.spec_version == "2.0" else schemas["schemas"][name]
    assert contract.resolver is not None
    return SchemaValidators(contract).validator(node, place(contract.resolver.root_uri, f"{section}/{name}"), direction)  # type: ignore[arg-type]


def test_nullable_30_allows_null_for_types_enums_and_refs(tmp_path: Path) -> None:
    contract = contract_of(
        tmp_path,
        {
            "Color": {"type": "string", "enum": ["red"], "nullable": True},
            "Thing": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "nullable": True},
                    "color": {"$ref": "#/components/schemas/Color"},
                    "other": {"$ref": "#/components/schemas/Other", "nullable": True},
                },
            },
            "Other": {"type": "object", "properties": {"a": {"type": "integer"}}},
        },
    )
    validator = validator_of(contract, "Thing")
    assert validator.is_valid({"name": None, "color": None, "other": None})
    assert validator.is_valid({"color": "red", "other": {"a": 1}})
    assert not validator.is_valid({"color": "blue"})
    assert not validator.is_valid({"other": {"a": "x"}})


def test_exclusive_minimum_boolean_becomes_numeric(tmp_path: Path) -> None:
    contract = contract_of(tmp_path, {"N": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 10}})
    validator = validator_of(contract, "N")
    assert validator.json_schema["$defs"]["N"]["exclusiveMinimum"] == 0
    assert not validator.is_valid(0)
    assert validator.is_valid(0.5)
    assert validator.is_valid(10)


def test_read_only_not_required_in_requests_write_only_not_in_responses(tmp_path: Path) -> None:
    contract = contract_of(
        tmp_path,
        {
            "Id": {"type": "string", "readOnly": True},
            "User": {
                "type": "object",
                "required": ["id", "password", "name"],
                "properties": {
                    "id": {"$ref": "#/components/schemas/Id"},
                    "password": {"type": "string", "writeOnly": True},
                    "name": {"type": "string"},
                },
            },
        },
    )
    request = validator_of(contract, "User", "request")
    response = validator_of(contract, "User", "response")
    assert request.is_valid({"password": "x", "name": "n"})
    assert not request.is_valid({"id": "1", "name": "n"})
    assert response.is_valid({"id": "1", "name": "n"})
    assert not response.is_valid({"password": "x", "name": "n"})


def test_errors_give_instance_pointers_and_messages(tmp_path: Path) -> None:
    contract = contract_of(
        tmp_path,
        {"T": {"type": "object", "properties": {"a/b": {"type": "integer"}, "list": {"items": {"type": "string"}}}}},
    )
    errors = validator_of(contract, "T").errors({"a/b": "x", "list": ["ok", 3]})
    assert sorted(pointer for pointer, _ in errors) == ["/a~1b", "/list/1"]
    assert all(message for _, message in errors)


def test_formats_are_checked_and_unknown_formats_accepted(tmp_path: Path) -> None:
    contract = contract_of(
        tmp_path,
        {
            "T": {
                "type": "object",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "mail": {"type": "string", "format": "email"},
                    "id": {"type": "string", "format": "uuid"},
                    "odd": {"type": "string", "format": "my-own-format"},
                },
            }
        },
    )
    validator = validator_of(contract, "T")
    good = {"at": "2024-05-01T10:00:00Z", "mail": "a@example.com", "id": "6f1c1f50-8d3e-4a7a-9d6b-1f2a3b4c5d6e"}
    assert validator.is_valid({**good, "odd": "anything"})
    assert not validator.is_valid({**good, "at": "yesterday"})
    assert not validator.is_valid({**good, "mail": "nobody"})
    assert not validator.is_valid({**good, "id": "nope"})


def test_recursive_schema_is_bundled_with_refs_kept(tmp_path: Path) -> None:
    contract = contract_of(
        tmp_path,
        {
            "Node": {
                "type": "object",
                "properties": {"child": {"$ref": "#/components/schemas/Node"}, "v": {"type": "integer"}},
            }
        },
    )
    validator = validator_of(contract, "Node")
    assert "Node" in validator.json_schema["$defs"]
    assert validator.is_valid({"child": {"child": {"v": 1}}})
    assert not validator.is_valid({"child": {"child": {"v": "x"}}})


def test_invalid_pattern_is_dropped_with_a_warning(tmp_path: Path) -> None:
    contract = contract_of(tmp_path, {"P": {"type": "string", "pattern": "(?<!x"}})
    validator = validator_of(contract, "P")
    assert validator.is_valid("anything")
    assert any("pattern" in warning for warning in validator.warnings)


def test_swagger_2_x_nullable_and_discriminator_annotation(tmp_path: Path) -> None:
    contract = contract_of(
        tmp_path,
        {
            "Pet": {
                "type": "object",
                "discriminator": "kind",
                "required": ["kind"],
                "properties": {"kind": {"type": "string"}, "tag": {"type": "string", "x-nullable": True}},
            }
        },
        version="2.0",
    )
    validator = validator_of(contract, "Pet")
    assert validator.is_valid({"kind": "Cat", "tag": None})
    assert not validator.is_valid({"tag": "x"})
    assert validator.json_schema["$defs"]["Pet"]["discriminator"] == {"propertyName": "kind"}


def test_openapi_31_type_arrays_and_examples(tmp_path: Path) -> None:
    contract = contract_of(
        tmp_path,
        {"T": {"type": ["string", "null"], "examples": ["a"], "example": "b", "exclusiveMaximum": 5}},
        version="3.1.0",
    )
    validator = validator_of(contract, "T")
    assert validator.is_valid(None)
    assert validator.is_valid("x")
    assert not validator.is_valid(3)
    assert validator.json_schema["$defs"]["T"]["examples"] == ["a"]


def test_same_node_compiles_once(tmp_path: Path) -> None:
    contract = contract_of(tmp_path, {"T": {"type": "string"}})
    validators = SchemaValidators(contract)
    node = contract.document["components"]["schemas"]["T"]
    assert contract.resolver is not None
    where = place(contract.resolver.root_uri, "/components/schemas/T")
    assert validators.validator(node, where, "request") is validators.validator(node, where, "request")
    assert validators.validator(node, where, "request") is not validators.validator(node, where, "response")


@pytest.mark.parametrize("direction", ["request", "response"])
def test_inline_node_with_relative_refs_in_other_file(tmp_path: Path, direction: str) -> None:
    (tmp_path / "common.json").write_text(json.dumps({"Money": {"type": "integer", "minimum": 0}}))
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {"Price": {"properties": {"amount": {"$ref": "common.json#/Money"}}}}},
    }
    (tmp_path / "api.json").write_text(json.dumps(doc))
    contract = load_contract(tmp_path / "api.json")
    assert isinstance(contract, OpenAPIContract) and contract.resolver is not None
    inline = {"type": "array", "items": {"$ref": "#/components/schemas/Price"}}
    validator = SchemaValidators(contract).validator(inline, place(contract.resolver.root_uri, "/x"), direction)  # type: ignore[arg-type]
    assert validator.is_valid([{"amount": 3}])
    assert not validator.is_valid([{"amount": -3}])

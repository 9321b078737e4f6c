"""Error answers: the contract's own example for the status (with or without path parameters, the path
parameter's example replaced by the request's value), and generated error bodies whose code- and
message-like fields read like a vendor's, only where the schema allows it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from toolkit import compile_mock, load_contract
from toolkit.mock import MockTransport
from toolkit.openapi.jsonschema import SchemaValidators
from toolkit.openapi.mock.answers import fill_error_fields, resource_of

NOT_FOUND_EXAMPLE = {"error": {"type": "invalid_request_error", "code": "resource_missing",
                               "message": "No such customer: cus_123", "param": "id"}}  # fmt: skip
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type"],
            "properties": {
                "type": {"type": "string", "enum": ["api_error", "invalid_request_error"]},
                "code": {"type": "string", "maxLength": 40},
                "message": {"type": "string"},
                "param": {"type": "string"},
                "doc_url": {"type": "string"},
            },
        }
    },
}
CUSTOMER = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}


RATE_LIMITED = "Too many requests hit the API too quickly. Retry after a short pause."
UNAVAILABLE = "The service is temporarily unavailable. Please retry in a moment."


def contract(tmp_path: Path, document: dict[str, Any]) -> Any:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(document))
    return load_contract(path)


def client(tmp_path: Path, document: dict[str, Any]) -> httpx.Client:
    mock = compile_mock(contract(tmp_path, document))
    return httpx.Client(transport=MockTransport(mock), base_url="http://api.test")


def error_response(example: bool) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Error"}}
    if example:
        media["example"] = NOT_FOUND_EXAMPLE
    return {"description": "no such object", "content": {"application/json": media}}


def api(example: bool = True) -> dict[str, Any]:
    ok = {"description": "ok", "content": {"application/json": {"schema": CUSTOMER}}}
    bad = {"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    customer = {"name": "customer", "in": "path", "required": True, "schema": {"type": "string", "example": "cus_123"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "errors", "version": "1"},
        "paths": {
            "/v1/customers": {
                "get": {"responses": {"200": ok, "404": error_response(example)}},
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {"name": {"type": "string"}},
                                    "additionalProperties": False,
                                }
                            }
                        },
                    },
                    "responses": {"200": ok, "400": bad},
                },
            },
            "/v1/customers/{customer}": {
                "get": {"parameters": [customer], "responses": {"200": ok, "404": error_response(example)}}
            },
        },
        "components": {"schemas": {"Error": ERROR}},
    }


def test_an_error_example_is_used_without_path_parameters(tmp_path: Path) -> None:
    answer = client(tmp_path, api()).get("/v1/customers", headers={"prefer": "code=404"})
    assert answer.status_code == 404
    assert answer.json() == NOT_FOUND_EXAMPLE


def test_an_error_example_is_used_with_path_parameters_naming_the_requested_id(tmp_path: Path) -> None:
    answer = client(tmp_path, api()).get("/v1/customers/cus_9Zq", headers={"prefer": "code=404"})
    assert answer.status_code == 404
    # the parameter's example (cus_123) is replaced by the request's value; the rest is the contract's
    assert answer.json() == {"error": {**NOT_FOUND_EXAMPLE["error"], "message": "No such customer: cus_9Zq"}}


def test_prefer_dynamic_generates_even_when_an_example_exists(tmp_path: Path) -> None:
    answer = client(tmp_path, api()).get("/v1/customers/cus_9Zq", headers={"prefer": "code=404, dynamic=true"})
    assert answer.json()["error"]["message"] == "No such customer: cus_9Zq"
    assert answer.json()["error"]["code"] == "resource_missing"


def test_generated_error_bodies_read_like_a_vendors(tmp_path: Path) -> None:
    answer = client(tmp_path, api(example=False)).get("/v1/customers/cus_41", headers={"prefer": "code=404"})
    body = answer.json()
    jsonschema.validate(body, ERROR)
    assert body["error"]["code"] == "resource_missing"
    assert body["error"]["message"] == "No such customer: cus_41"
    assert body["error"]["type"] == "invalid_request_error"  # the enum's member, not a made-up word
    listing = client(tmp_path, api(example=False)).get("/v1/customers", headers={"prefer": "code=404"}).json()
    assert listing["error"]["message"] == "The requested resource does not exist."


def test_a_validation_error_in_the_contracts_own_shape_says_what_was_wrong(tmp_path: Path) -> None:
    answer = client(tmp_path, api()).post("/v1/customers", json={"nickname": 1})
    assert answer.status_code == 400
    body = answer.json()
    jsonschema.validate(body, ERROR)
    assert body["error"]["code"] == "parameter_invalid"
    assert "does not match the contract" in body["error"]["message"]


def test_a_400_example_takes_the_requests_problem_as_its_message(tmp_path: Path) -> None:
    document = api()
    example = {"error": {"type": "invalid_request_error", "code": "parameter_missing", "message": "Missing name."}}
    document["paths"]["/v1/customers"]["post"]["responses"]["400"]["content"]["application/json"]["example"] = example
    body = client(tmp_path, document).post("/v1/customers", json={"nickname": 1}).json()
    assert body["error"]["code"] == "parameter_missing"  # the contract's own code is kept
    assert body["error"]["message"] != "Missing name."
    assert "does not match the contract" in body["error"]["message"]


def test_schema_example_serves_when_the_media_type_has_none(tmp_path: Path) -> None:
    document = api(example=False)
    document["components"]["schemas"]["Error"] = {**ERROR, "example": NOT_FOUND_EXAMPLE}
    answer = client(tmp_path, document).get("/v1/customers", headers={"prefer": "code=404"})
    assert answer.json() == NOT_FOUND_EXAMPLE


def test_swagger2_error_examples_are_used(tmp_path: Path) -> None:
    document = {
        "swagger": "2.0",
        "info": {"title": "errors", "version": "1"},
        "produces": ["application/json"],
        "paths": {
            "/customers/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "type": "string", "x-example": "cus_123"}
                    ],
                    "responses": {
                        "200": {"description": "ok", "schema": CUSTOMER},
                        "404": {
                            "description": "missing",
                            "schema": ERROR,
                            "examples": {"application/json": NOT_FOUND_EXAMPLE},
                        },
                    },
                }
            }
        },
    }
    body = client(tmp_path, document).get("/customers/cus_77", headers={"prefer": "code=404"}).json()
    assert body == {"error": {**NOT_FOUND_EXAMPLE["error"], "message": "No such customer: cus_77"}}


@pytest.mark.parametrize(
    ("schema", "field", "drawn", "expected"),
    [
        ({"type": "string", "enum": ["E1", "E2"]}, "code", "E2", "E2"),  # an enum keeps its own values
        ({"type": "string", "pattern": "^[A-Z]+$"}, "code", "ABC", "ABC"),  # a pattern the code misses: as drawn
        ({"type": "string", "maxLength": 5}, "message", "x", "x"),  # too short for the sentence: as drawn
        ({"type": "integer"}, "code", 7, 429),  # a numeric code is the status
        ({"type": "string"}, "error_description", "x", RATE_LIMITED),
        ({"type": "string"}, "error", "x", "rate_limit_exceeded"),  # OAuth's error: a code
        ({"type": "string", "format": "uri"}, "type", "x", "about:blank"),  # problem+json's type is a URI
    ],
)  # fmt: skip
def test_filled_fields_respect_the_schema(tmp_path: Path, schema: dict[str, Any], field: str, drawn: Any,
                                          expected: Any) -> None:  # fmt: skip
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    validators = SchemaValidators(contract(tmp_path, document))
    validator = validators.validator({"type": "object", "properties": {field: schema}}, "test#", "response")
    before = {field: drawn}
    after = fill_error_fields(before, validator, 429)
    assert validator.is_valid(after)
    assert after == {field: expected}
    assert before == {field: drawn}  # the caller's value is not changed


def test_an_absent_declared_message_is_added_where_allowed(tmp_path: Path) -> None:
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    validators = SchemaValidators(contract(tmp_path, document))
    validator = validators.validator(ERROR, "test#", "response")
    filled = fill_error_fields({"error": {"type": "api_error"}}, validator, 503)
    assert filled == {"error": {"type": "api_error", "code": "service_unavailable", "message": UNAVAILABLE}}


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/v1/customers/{customer}", "/v1/customers/cus_9", ("customer", "cus_9")),
        ("/v1/customers/{customer}/sources/{id}", "/mount/v1/customers/c/sources/src_1", ("source", "src_1")),
        ("/categories/{id}", "/categories/a%20b", ("category", "a b")),
        ("/v1/customers", "/v1/customers", ("customer", None)),
        ("/{id}", "/7", (None, "7")),
    ],
)
def test_the_resource_a_request_names(template: str, path: str, expected: tuple[str | None, str | None]) -> None:
    assert resource_of(template, path) == expected

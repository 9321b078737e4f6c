"""Swagger 2.0 ``collectionFormat`` on query, header, path and formData arrays (csv when omitted; ssv, tsv,
pipes, multi; nested ``items.collectionFormat``), through ``MockTransport`` and httpx; OpenAPI 3's
style/explode read as before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from toolkit.limits import DEFAULT_LIMITS
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.transport import MockTransport
from toolkit.openapi.jsonschema import SchemaValidators
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.mock.handler import OpenAPIMock, OpenAPIMockOptions
from toolkit.openapi.mock.parameters import ParameterReader, compile_parameters
from toolkit.openapi.mock.violations import Violations

BASE = "https://api.example.com/v1"

SWAGGER2 = {
    "swagger": "2.0",
    "info": {"title": "Collections", "version": "1"},
    "host": "api.example.com",
    "basePath": "/v1",
    "schemes": ["https"],
    "paths": {
        "/things": {
            "get": {
                "parameters": [
                    # no collectionFormat: csv
                    {"name": "ids", "in": "query", "type": "array", "maxItems": 3, "items": {"type": "integer"}},
                    {"name": "multi", "in": "query", "type": "array", "collectionFormat": "multi",
                     "items": {"type": "integer"}},
                    {"name": "piped", "in": "query", "type": "array", "collectionFormat": "pipes",
                     "items": {"type": "integer"}},
                    {"name": "spaced", "in": "query", "type": "array", "collectionFormat": "ssv",
                     "items": {"type": "boolean"}},
                    {"name": "tabbed", "in": "query", "type": "array", "collectionFormat": "tsv",
                     "items": {"type": "number"}},
                    # csv of pipes: ?m=1|2,3|4 is [[1, 2], [3, 4]]
                    {"name": "m", "in": "query", "type": "array", "minItems": 2, "maxItems": 2,
                     "items": {"type": "array", "collectionFormat": "pipes", "minItems": 2, "maxItems": 2,
                               "items": {"type": "integer"}}},
                    {"name": "X-Ids", "in": "header", "type": "array", "items": {"type": "integer"}},
                    {"name": "X-Piped", "in": "header", "type": "array", "collectionFormat": "pipes",
                     "maxItems": 2, "items": {"type": "integer"}},
                ],
                "responses": {"200": {"description": "ok", "schema": {"type": "object"}}},
            }
        },
        "/things/{ids}": {
            "get": {
                "parameters": [
                    {"name": "ids", "in": "path", "required": True, "type": "array", "collectionFormat": "pipes",
                     "items": {"type": "integer"}},
                ],
                "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Ids"}}},
            }
        },
        "/forms": {
            "post": {
                "consumes": ["application/x-www-form-urlencoded", "multipart/form-data"],
                "parameters": [
                    {"name": "ids", "in": "formData", "type": "array", "items": {"type": "integer"}},
                    {"name": "tags", "in": "formData", "type": "array", "collectionFormat": "multi",
                     "items": {"type": "string"}},
                    {"name": "m", "in": "formData", "type": "array",
                     "items": {"type": "array", "collectionFormat": "pipes", "items": {"type": "integer"}}},
                    {"name": "note", "in": "formData", "type": "string"},
                ],
                "responses": {"201": {"description": "made", "schema": {"$ref": "#/definitions/Form"}}},
            }
        },
        "/uploads": {
            "post": {
                "consumes": ["multipart/form-data"],
                "parameters": [
                    {"name": "files", "in": "formData", "type": "array", "items": {"type": "file"}},
                ],
                "responses": {"201": {"description": "made", "schema": {"$ref": "#/definitions/Uploads"}}},
            }
        },
    },
    "definitions": {
        "Uploads": {"type": "object", "required": ["files"],
                    "properties": {"files": {"type": "array", "items": {"type": "string"}}}},
        "Ids": {"type": "object", "required": ["ids"],
                "properties": {"ids": {"type": "array", "items": {"type": "integer"}}}},
        "Form": {
            "type": "object",
            "required": ["ids", "tags", "m", "note"],
            "properties": {
                "ids": {"type": "array", "items": {"type": "integer"}},
                "tags": {"type": "array", "items": {"type": "string"}},
                "m": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
                "note": {"type": "string"},
            },
        },
    },
}  # fmt: skip

OPENAPI3 = {
    "openapi": "3.0.3",
    "info": {"title": "Styles", "version": "1"},
    "servers": [{"url": BASE}],
    "paths": {
        "/things": {
            "get": {
                "parameters": [
                    {"name": "exploded", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}}},
                    {"name": "flat", "in": "query", "explode": False,
                     "schema": {"type": "array", "items": {"type": "integer"}}},
                    {"name": "piped", "in": "query", "style": "pipeDelimited", "explode": False,
                     "schema": {"type": "array", "items": {"type": "integer"}}},
                ],
                "responses": {"200": {"description": "ok",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
        }
    },
}  # fmt: skip


def _client(tmp_path: Path, document: dict[str, Any]) -> httpx.Client:
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(document))
    mock = MockEnvelope(OpenAPIMock(load_contract(path), OpenAPIMockOptions(seed=1)))  # type: ignore[arg-type]
    return httpx.Client(transport=MockTransport(mock), base_url=BASE)


@pytest.fixture
def swagger2(tmp_path: Path) -> Iterator[httpx.Client]:
    with _client(tmp_path, SWAGGER2) as client:
        yield client


@pytest.fixture
def openapi3(tmp_path: Path) -> Iterator[httpx.Client]:
    with _client(tmp_path, OPENAPI3) as client:
        yield client


def _errors(response: httpx.Response) -> list[tuple[str, str, str]]:
    assert response.status_code == 400, response.text
    return [(e["in"], e.get("name", ""), e.get("pointer", "")) for e in response.json()["errors"]]


# -- query ------------------------------------------------------------------------------------------


def test_query_array_without_collection_format_is_csv(swagger2: httpx.Client) -> None:
    assert swagger2.get("/things", params={"ids": "1,2,3"}).status_code == 200
    # split first: four integers are over maxItems 3, the items are not one string
    assert _errors(swagger2.get("/things", params={"ids": "1,2,3,4"})) == [("query", "ids", "")]
    # each repeated field is split too (clients that send multi where csv is declared)
    assert swagger2.get("/things?ids=1,2&ids=3").status_code == 200


def test_query_invalid_item_is_refused_with_the_item_named(swagger2: httpx.Client) -> None:
    assert _errors(swagger2.get("/things", params={"ids": "1,x,3"})) == [("query", "ids", "/1")]
    assert _errors(swagger2.get("/things", params={"piped": "1|2|z"})) == [("query", "piped", "/2")]


def test_query_multi_pipes_ssv_tsv(swagger2: httpx.Client) -> None:
    assert swagger2.get("/things?multi=1&multi=2&multi=3").status_code == 200
    # multi does not split: one field is one item
    assert _errors(swagger2.get("/things", params={"multi": "1,2"})) == [("query", "multi", "/0")]
    assert swagger2.get("/things", params={"piped": "1|2|3"}).status_code == 200
    assert _errors(swagger2.get("/things", params={"piped": "1,2"})) == [("query", "piped", "/0")]
    assert swagger2.get("/things", params={"spaced": "true false"}).status_code == 200
    assert swagger2.get("/things", params={"tabbed": "1.5\t2"}).status_code == 200
    assert _errors(swagger2.get("/things", params={"tabbed": "1.5,2"})) == [("query", "tabbed", "/0")]


def test_nested_items_split_by_their_own_collection_format(swagger2: httpx.Client) -> None:
    assert swagger2.get("/things", params={"m": "1|2,3|4"}).status_code == 200
    # [[1], [2, 3]]: the inner array is under minItems 2, which only a split could tell
    assert _errors(swagger2.get("/things", params={"m": "1,2|3"})) == [("query", "m", "/0")]
    assert _errors(swagger2.get("/things", params={"m": "1|2,3|y"})) == [("query", "m", "/1/1")]


def test_query_values_are_typed_item_by_item(tmp_path: Path) -> None:
    """What the validator accepted above is the typed value itself (query values are not echoed)."""
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(SWAGGER2))
    contract = load_contract(path)
    assert isinstance(contract, OpenAPIContract) and contract.resolver is not None
    raw = SWAGGER2["paths"]["/things"]["get"]["parameters"]  # type: ignore[index]
    compiled = compile_parameters(raw, contract.resolver.root_uri, "", contract.resolver, SchemaValidators(contract))
    query = "ids=1,2&multi=3&multi=4&piped=5|6&spaced=true+false&tabbed=1.5%092&m=1|2,3|4"
    found = Violations(DEFAULT_LIMITS)
    values = ParameterReader(compiled).read({}, parse_qsl(query), (("x-piped", "7|8"),), dict, found)
    assert not found, found.errors()
    assert values == {
        "ids": [1, 2], "multi": [3, 4], "piped": [5, 6], "spaced": [True, False], "tabbed": [1.5, 2],
        "m": [[1, 2], [3, 4]], "X-Piped": [7, 8],
    }  # fmt: skip


# -- header and path --------------------------------------------------------------------------------


def test_header_arrays(swagger2: httpx.Client) -> None:
    assert swagger2.get("/things", headers={"X-Ids": "1,2,3", "X-Piped": "4|5"}).status_code == 200
    assert _errors(swagger2.get("/things", headers={"X-Ids": "1,b"})) == [("header", "X-Ids", "/1")]
    assert _errors(swagger2.get("/things", headers={"X-Piped": "4|5|6"})) == [("header", "X-Piped", "")]


def test_path_array_is_split_and_typed(swagger2: httpx.Client) -> None:
    response = swagger2.get("/things/7|8|9")
    assert response.status_code == 200, response.text
    assert response.json()["ids"] == [7, 8, 9]
    assert _errors(swagger2.get("/things/7|q")) == [("path", "ids", "/1")]


# -- formData ---------------------------------------------------------------------------------------


def test_form_data_arrays_in_a_urlencoded_body(swagger2: httpx.Client) -> None:
    body = "ids=1,2,3&tags=a,b&tags=c&m=1|2,3&note=x,y"
    response = swagger2.post("/forms", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 201, response.text
    echoed = response.json()
    assert echoed["ids"] == [1, 2, 3]
    assert echoed["tags"] == ["a,b", "c"]  # multi: repeated, never split
    assert echoed["m"] == [[1, 2], [3]]
    assert echoed["note"] == "x,y"  # not an array: left whole
    bad = swagger2.post("/forms", content="ids=1,zz", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert _errors(bad) == [("body", "", "/ids/1")]


def test_form_data_arrays_in_a_multipart_body(swagger2: httpx.Client) -> None:
    response = swagger2.post("/forms", files={"ids": (None, "4,5"), "m": (None, "6|7"), "note": (None, "n")})
    assert response.status_code == 201, response.text
    assert response.json()["ids"] == [4, 5]
    assert response.json()["m"] == [[6, 7]]


def test_form_data_file_arrays_are_never_split(swagger2: httpx.Client) -> None:
    """``items: {type: file}`` is off-spec but published: an upload's content holds commas."""
    response = swagger2.post("/uploads", files=[("files", ("a.csv", b"x,y")), ("files", ("b.csv", b"z"))])
    assert response.status_code == 201, response.text
    assert response.json()["files"] == ["x,y", "z"]


# -- OpenAPI 3 keeps its styles ---------------------------------------------------------------------


def test_openapi3_styles_unchanged(openapi3: httpx.Client) -> None:
    assert openapi3.get("/things?exploded=1&exploded=2").status_code == 200
    # form with explode (the default) is not csv: one field is one item
    assert _errors(openapi3.get("/things", params={"exploded": "1,2"})) == [("query", "exploded", "/0")]
    assert openapi3.get("/things", params={"flat": "1,2"}).status_code == 200
    assert openapi3.get("/things", params={"piped": "1|2"}).status_code == 200
    assert _errors(openapi3.get("/things", params={"piped": "1,2"})) == [("query", "piped", "/0")]

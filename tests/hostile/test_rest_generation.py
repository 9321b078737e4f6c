"""Hostile contracts, REST: a schema that asks for unbounded generation, served by a real ``ctk serve``.

Each class (a billion-character string, millions of items or properties, a pattern whose shortest
match is huge, required nesting past max_generation_depth, a required recursion with no way out,
limits that each hold but multiply, a schema too deep to check) is answered within the hang
timeout, with bounded server memory, no traceback in the log, and never data that breaks the
contract: a 2xx body is validated against the contract's schema here, with the Python
``jsonschema`` library (independent of the mock's jsonschema_rs). ``ctk lint`` warns about each
class beforehand: warnings alone exit 0, 1 with --strict.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from tests.support.cli import ctk
from tests.support.served import MIB, Served, assert_no_traceback, served

BILLION = 1_000_000_000


def _nested(levels: int, leaf: dict[str, Any]) -> dict[str, Any]:
    node = leaf
    for _ in range(levels):
        node = {"type": "object", "required": ["inner"], "properties": {"inner": node}}
    return node


def _arrays(levels: int, count: int, leaf: dict[str, Any]) -> dict[str, Any]:
    node = leaf
    for _ in range(levels):
        node = {"type": "array", "minItems": count, "items": node}
    return node


# name -> (the response schema, the limit lint and the mock name); each served at GET /<name>
OVER: dict[str, tuple[dict[str, Any], str]] = {
    "long": ({"type": "string", "minLength": BILLION}, "max_string_length"),
    "many": ({"type": "array", "minItems": 50_000_000, "items": {"type": "integer"}}, "max_array_items"),
    "wide": ({"type": "object", "minProperties": 20_000_000}, "max_object_properties"),
    "pattern": ({"type": "string", "pattern": "^(ab{100}){500}$"}, "max_string_length"),
    "deep": (_nested(60, {"type": "string"}), "max_generation_depth"),
    "loop": ({"$ref": "#/components/schemas/Loop"}, "max_generation_depth"),
    "cube": (_arrays(5, 40, {"type": "string", "minLength": 50}), "max_generated_bytes"),
}
ERROR = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
FINE: dict[str, dict[str, Any]] = {
    # optional parts over a limit are left out, a nullable one is null, a choice takes the branch that fits
    "optional": {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "integer"},
            "blob": {"type": "string", "minLength": BILLION},
            "rows": {"type": "array", "minItems": 50_000_000, "items": {"type": "integer"}},
            "tree": _nested(60, {"type": "string"}),
            "cube": _arrays(5, 40, {"type": "string", "minLength": 50}),
        },
    },
    "nullable": {"type": "string", "minLength": BILLION, "nullable": True},
    "either": {"oneOf": [{"type": "string", "minLength": BILLION}, {"type": "integer", "enum": [7]}]},
    "numbers": {
        "type": "object",
        "required": ["big", "step"],
        "properties": {
            "big": {"type": "integer", "minimum": 10**30, "maximum": 10**30 + 10, "multipleOf": 7},
            "step": {"type": "number", "minimum": 1, "maximum": 2, "multipleOf": 1e-300},
        },
    },
}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def _document(*, uncheckable: bool = True) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name, (schema, _) in OVER.items():
        paths[f"/{name}"] = {"get": {"operationId": name, "responses": {"200": _ok(schema)}}}
        # the same schema beside a declared error that can be valid: the mock answers that instead
        paths[f"/{name}/or-error"] = {
            "get": {"operationId": f"{name}OrError", "responses": {"200": _ok(schema), "404": _ok(ERROR)}}
        }
    for name, schema in FINE.items():
        paths[f"/{name}"] = {"get": {"operationId": name, "responses": {"200": _ok(schema)}}}
    paths["/plain"] = {"get": {"operationId": "plain", "responses": {"200": _ok(ERROR)}}}
    if uncheckable:  # (openapi-spec-validator itself gives up on it: lint reports an error)
        paths["/uncheckable"] = {"get": {"operationId": "uncheckable", "responses": {"200": _ok(_nested(300, {}))}}}
    loop = {"type": "object", "required": ["next"], "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "hostile generation", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": {"Loop": loop}},
    }


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile-generation") / "api.json"
    path.write_text(json.dumps(_document()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(contract: Path) -> Iterator[Served]:
    with served(str(contract)) as running:
        yield running


@pytest.fixture(scope="module")
def baseline(server: Served) -> int:
    with server.client() as client:
        assert client.get("/plain").status_code == 200  # warmed: Faker's pools and a compiled operation
    return server.peak_rss()


def _get(server: Served, path: str) -> httpx.Response:
    with server.client() as client:
        return client.get(path)  # a hang fails here, at the client's timeout


def _check_bounded(server: Served, baseline: int) -> None:
    assert server.alive()
    assert server.peak_rss() - baseline < 200 * MIB, f"peak RSS grew {(server.peak_rss() - baseline) // MIB} MiB"
    assert_no_traceback(server)


@pytest.mark.parametrize("name", list(OVER))
def test_a_schema_over_a_limit_is_a_clear_500_never_a_hang(server: Served, baseline: int, name: str) -> None:
    for _ in range(2):  # the second time too: nothing half-built was kept by the first
        response = _get(server, f"/{name}")
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 500 and problem["type"].endswith("unsatisfiable-schema")
        assert f"GET /{name}" in problem["detail"]
        assert "api.json#/" in problem["detail"]  # the schema's place
        limit = OVER[name][1]
        assert limit in problem["detail"] and "--limit" in problem["detail"], problem["detail"]
    _check_bounded(server, baseline)


@pytest.mark.parametrize("name", list(OVER))
def test_a_schema_over_a_limit_beside_a_valid_error_answers_that_error(
    server: Served, baseline: int, name: str
) -> None:
    response = _get(server, f"/{name}/or-error")
    assert response.status_code == 404
    assert "asks for more than the mock generates" in response.headers["ctk-warning"]
    jsonschema.validate(response.json(), ERROR)
    _check_bounded(server, baseline)


@pytest.mark.parametrize("name", list(FINE))
def test_parts_over_a_limit_are_left_out_and_what_is_sent_is_valid(server: Served, baseline: int, name: str) -> None:
    response = _get(server, f"/{name}")
    assert response.status_code == 200, response.text
    value = response.json()
    jsonschema.validate(value, _json_schema(FINE[name]))
    if name == "optional":
        assert set(value) <= {"id"}, value
    _check_bounded(server, baseline)


def test_a_schema_too_deep_to_check_is_never_sent_unchecked(server: Served, baseline: int) -> None:
    response = _get(server, "/uncheckable")
    assert response.status_code == 500
    assert response.json()["type"].endswith("unsatisfiable-schema")
    _check_bounded(server, baseline)


def test_lint_warns_about_every_class_with_its_place_and_limit(tmp_path: Path) -> None:
    contract = tmp_path / "api.yaml"
    contract.write_text(yaml.safe_dump(_document(uncheckable=False), sort_keys=False), encoding="utf-8")
    code, out, _ = ctk("lint", str(contract), "--format", "json")
    assert code == 0  # warnings alone: the contract is valid
    problems = json.loads(out)["problems"]
    assert problems and all(problem["severity"] == "warning" for problem in problems)
    for name, (_, limit) in OVER.items():
        place = "/components/schemas/Loop" if name == "loop" else f"/paths/~1{name}/get/responses/200"
        found = [p for p in problems if f"({place}" in p["location"] and limit in p["message"]]
        assert found, (name, problems)
        for problem in found:  # file:line (pointer), and the option to raise the limit
            assert re.search(r"api\.yaml:\d+ \(/.*\)$", problem["location"]), problem["location"]
            assert f"--limit {limit}=" in problem["message"]
    strict, _, _ = ctk("lint", str(contract), "--strict")
    assert strict == 1


def _json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0 schema as JSON Schema for the Python judge (``nullable`` is 3.0's own)."""
    if isinstance(schema, dict):
        out = {key: _json_schema(value) for key, value in schema.items() if key != "nullable"}
        if schema.get("nullable") is True:
            return {"anyOf": [{"type": "null"}, out]}
        return out
    if isinstance(schema, list):
        return [_json_schema(item) for item in schema]  # type: ignore[return-value]
    return schema

"""Form-urlencoded request bodies: form encoding has no bytes for "no fields", so an empty body sent as a
form is an empty object, judged by the schema like any other form; other empty bodies stay missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.transport import MockTransport
from toolkit.openapi.mock.handler import OpenAPIMock, OpenAPIMockOptions

BASE = "https://subscriptions.example.com/v1"
FORM = "application/x-www-form-urlencoded"


def _operation(operation_id: str, content: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation_id,
            "requestBody": {"required": required, "content": content},
            "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
            },
        }
    }


OPTIONAL_FIELDS = {"type": "object", "properties": {"expand": {"type": "array", "items": {"type": "string"}}}}
NEEDS_PLAN = {"type": "object", "required": ["plan"], "properties": {"plan": {"type": "string"}}}

CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Subscriptions", "version": "1"},
    "servers": [{"url": BASE}],
    "paths": {
        # Stripe's shape: POST /v1/subscriptions/{id}/cancel with a required form whose every field is optional
        "/cancel": _operation("cancel", {FORM: {"schema": OPTIONAL_FIELDS}}),
        "/subscribe": _operation("subscribe", {FORM: {"schema": NEEDS_PLAN}}),
        "/either": _operation(
            "either", {"application/json": {"schema": OPTIONAL_FIELDS}, FORM: {"schema": OPTIONAL_FIELDS}}
        ),
        "/json": _operation("json", {"application/json": {"schema": OPTIONAL_FIELDS}}),
        "/optional": _operation("optional", {FORM: {"schema": NEEDS_PLAN}}, required=False),
    },
}


@pytest.fixture
def client(tmp_path: Path) -> httpx.Client:
    path = tmp_path / "subscriptions.json"
    path.write_text(json.dumps(CONTRACT), encoding="utf-8")
    mock = MockEnvelope(OpenAPIMock(load_contract(path), OpenAPIMockOptions(seed=1)))  # type: ignore[arg-type]
    return httpx.Client(transport=MockTransport(mock), base_url=BASE)


def _details(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    return [error["detail"] for error in response.json()["errors"]]


@pytest.mark.parametrize("path", ["/cancel", "/either"])
def test_an_empty_form_is_an_empty_object(client: httpx.Client, path: str) -> None:
    assert client.post(path, content=b"", headers={"content-type": FORM}).status_code == 200
    assert client.post(path, content=b"", headers={"content-type": f"{FORM}; charset=utf-8"}).status_code == 200
    # httpx (and requests) send data={} as no body and no Content-Type at all
    assert client.post(path, data={}).status_code == 200
    assert client.post(path, data={"expand[]": "plan"}).status_code == 200


def test_an_empty_form_is_judged_by_its_schema(client: httpx.Client) -> None:
    """A schema that needs a field names it, as it would for a form holding other fields."""
    sent_empty = _details(client.post("/subscribe", content=b"", headers={"content-type": FORM}))
    assert len(sent_empty) == 1 and "plan" in sent_empty[0]
    assert sent_empty == _details(client.post("/subscribe", data={"other": "x"}))
    # with no Content-Type it is no form: the body is missing
    assert _details(client.post("/subscribe", data={})) == ["the request body is required"]


def test_other_empty_bodies_stay_missing(client: httpx.Client) -> None:
    for headers in ({"content-type": "application/json"}, {}):
        assert _details(client.post("/json", content=b"", headers=headers)) == ["the request body is required"]
    assert _details(client.post("/either", content=b"", headers={"content-type": "application/json"})) == [
        "the request body is required"
    ]


def test_an_optional_empty_form_is_absent(client: httpx.Client) -> None:
    assert client.post("/optional", content=b"", headers={"content-type": FORM}).status_code == 200

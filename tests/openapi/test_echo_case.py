"""Request values echo into the response also when the names differ only by case convention: Twilio takes
``FriendlyName`` in a form and answers ``friendly_name``; never a value the response schema refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from toolkit import compile_mock, load_contract
from toolkit.mock import MockTransport
from toolkit.openapi.mock.answers import echoed_names
from toolkit.openapi.mock.responses import convention_key

QUEUE = {
    "type": "object",
    "properties": {
        "sid": {"type": "string"},
        "friendly_name": {"type": "string", "maxLength": 64},
        "max_size": {"type": "integer", "maximum": 5000},
        "statusCallbackUrl": {"type": "string"},
        "queue-kind": {"type": "string", "enum": ["fifo", "lifo"]},
    },
}
QUEUE_MEDIA = {"schema": QUEUE}
FORM = {
    "type": "object",
    "properties": {
        "FriendlyName": {"type": "string"},
        "MaxSize": {"type": "integer"},
        "status_callback_url": {"type": "string"},
        "QueueKind": {"type": "string"},
    },
}


def client(tmp_path: Path, media_type: str = "application/x-www-form-urlencoded") -> httpx.Client:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "queues", "version": "1"},
        "paths": {
            "/Queues": {
                "post": {
                    "requestBody": {"required": True, "content": {media_type: {"schema": FORM}}},
                    "responses": {"201": {"description": "created", "content": {"application/json": QUEUE_MEDIA}}},
                }
            }
        },
    }
    path = tmp_path / "api.json"
    path.write_text(json.dumps(document))
    mock = compile_mock(load_contract(path))
    return httpx.Client(transport=MockTransport(mock), base_url="http://api.test")


def test_form_values_echo_under_the_responses_snake_case_names(tmp_path: Path) -> None:
    answer = client(tmp_path).post("/Queues", data={"FriendlyName": "support queue", "MaxSize": "25"})
    assert answer.status_code == 201
    body = answer.json()
    assert body["friendly_name"] == "support queue"
    assert body["max_size"] == 25
    assert "FriendlyName" not in body and "MaxSize" not in body


def test_snake_case_echoes_into_camel_case_and_pascal_into_kebab(tmp_path: Path) -> None:
    body = (
        client(tmp_path, "application/json")
        .post("/Queues", json={"status_callback_url": "https://hooks.example.com/q", "QueueKind": "lifo"})
        .json()
    )
    assert body["statusCallbackUrl"] == "https://hooks.example.com/q"
    assert body["queue-kind"] == "lifo"


def test_a_value_the_response_schema_refuses_is_not_echoed(tmp_path: Path) -> None:
    body = (
        client(tmp_path, "application/json")
        .post("/Queues", json={"FriendlyName": "x" * 65, "MaxSize": 9000, "QueueKind": "random"})
        .json()
    )
    assert len(body.get("friendly_name", "")) <= 64
    assert body.get("max_size", 0) <= 5000
    assert body.get("queue-kind") in (None, "fifo", "lifo")


@pytest.mark.parametrize("name", ["FriendlyName", "friendlyName", "friendly_name", "friendly-name", "FRIENDLY_NAME"])
def test_every_convention_reads_alike(name: str) -> None:
    assert convention_key(name) == "friendlyname"


def test_an_exact_name_wins_and_ambiguous_spellings_are_left_out() -> None:
    declared = frozenset({"friendly_name", "FriendlyName"})
    by_convention: dict[str, str] = {}  # both declared names read "friendlyname": ambiguous, no conversion
    overrides: dict[str, Any] = {"friendlyName": "a", "FriendlyName": "b"}
    assert echoed_names(overrides, declared, by_convention) == {"FriendlyName": "b"}
    assert echoed_names({"FriendlyName": "b", "friendly_name": "c"}, frozenset({"friendly_name"}),
                        {"friendlyname": "friendly_name"}) == {"friendly_name": "c"}  # fmt: skip

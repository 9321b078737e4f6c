"""The replay layer's matching, in process: placeholders match any value, sequences play in order per session, a
query or body that differs falls through to the mock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.files import write_file
from tests.support.secret_vendor import SHOP
from toolkit import compile_mock, load_contract
from toolkit.exchange import Request
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.recording.replay import has_recordings, replay_layer

P1, P2 = "ctk-redacted-0123456789abcdef", "ctk-redacted-fedcba9876543210"


def _entry(method: str, path: str, query: list[tuple[str, str]], body: str, answer: Any) -> dict[str, Any]:
    return {
        "request": {
            "method": method,
            "url": f"https://vendor.example/v1{path}",
            "queryString": [{"name": name, "value": value} for name, value in query],
            "headers": [],
            **({"postData": {"mimeType": "application/json", "text": body}} if body else {}),
        },
        "response": {
            "status": 200,
            "headers": [
                {"name": "Content-Type", "value": "application/json"},
                {"name": "Content-Length", "value": "9"},
            ],
            "content": {"mimeType": "application/json", "text": json.dumps(answer)},
        },
        "_ctk": {"path": path, "operation": None, "omitted": []},
    }


def _sandbox(tmp_path: Path, entries: list[dict[str, Any]]) -> SandboxedMock:
    contract = write_file(tmp_path, "shop.yaml", SHOP)
    write_file(tmp_path, "mocks/shop/recordings/run.har", json.dumps({"log": {"version": "1.2", "entries": entries}}))
    envelope = compile_mock(load_contract(contract), seed=1, mount="/shop")
    assert has_recordings(tmp_path / "mocks" / "shop")
    return SandboxedMock(envelope, [replay_layer(envelope, tmp_path / "mocks" / "shop")])


def _get(path: str, query: str = "", session: str = "default") -> Request:
    return Request("GET", path, query, (("x-shop-key", "k"), ("x-ctk-session", session)))


def test_placeholders_match_any_value_and_a_redacted_credential_may_be_absent(tmp_path: Path) -> None:
    sandbox = _sandbox(tmp_path, [_entry("GET", f"/orders/{P1}", [("api_token", P2), ("expand", "items")], "", "rec")])
    assert json.loads(sandbox(_get("/shop/orders/o-9", "api_token=anything&expand=items")).response.body) == "rec"
    assert json.loads(sandbox(_get("/shop/orders/o-9", "expand=items")).response.body) == "rec"
    assert sandbox(_get("/shop/orders/o-9", "expand=other")).response.body != b'"rec"'  # a real value differs
    assert sandbox(_get("/shop/orders/o-9", "expand=items&page=2")).response.body != b'"rec"'  # one more parameter
    answer = sandbox(_get("/shop/orders/o-9", "expand=items")).response
    assert answer.header("content-length") == str(len(answer.body))  # the recorded length is not served


def test_a_request_recorded_several_times_plays_its_answers_in_order_per_session(tmp_path: Path) -> None:
    entries = [_entry("GET", "/profile", [], "", {"n": n}) for n in (1, 2)]
    sandbox = _sandbox(tmp_path, entries)
    played = [json.loads(sandbox(_get("/shop/profile")).response.body)["n"] for _ in range(3)]
    assert played == [1, 2, 2]  # the last answer repeats
    assert json.loads(sandbox(_get("/shop/profile", session="other")).response.body)["n"] == 1


def test_json_bodies_match_by_structure_with_placeholders_as_wildcards(tmp_path: Path) -> None:
    recorded = json.dumps({"amount": 5, "pin_code": P1, "note": f"card {P2} ending"})
    sandbox = _sandbox(tmp_path, [_entry("POST", "/orders", [], recorded, "created")])

    def post(body: dict[str, Any]) -> bytes:
        headers = (("content-type", "application/json"), ("x-shop-key", "k"))
        return sandbox(Request("POST", "/shop/orders", "", headers, json.dumps(body).encode())).response.body

    assert post({"note": "card  4111   ending", "pin_code": 1234, "amount": 5}) == b'"created"'
    assert post({"amount": 6, "pin_code": "x", "note": "card 1 ending"}) != b'"created"'
    assert post({"amount": 5, "pin_code": "x", "note": "card 1 ending", "more": 1}) != b'"created"'

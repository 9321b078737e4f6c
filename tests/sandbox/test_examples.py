"""Named examples: ``mocks/<api>/examples/**/<name>.json``, chosen per request by ``Prefer: example=<name>``.

REST on payments v1 (whose ``GET /customers/{customer_id}`` also declares a contract example, ``jenny``), SOAP on
CRM v1, GraphQL on inventory v1; in-process through the layer. Over a real server: ``test_overlays_served.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.support.files import write_file
from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.mock import MockEnvelope
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.overlays import overlays_layer
from toolkit.soap.mock.envelope import SOAP11_ENV, read_envelope

KEY = ("x-api-key", "sk_test_1")
CUSTOMER = "GET /customers/{customer_id}"
VIP = {
    "id": "cus_vip", "object": "customer", "email": "vip@example.com", "name": None, "phone": "+14155550123",
    "address": {"city": "Paris"}, "created": 1718000000, "livemode": False, "metadata": {},
}  # fmt: skip
GONE = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "archived", "code": "resource_missing"}
TYPES = "urn:example:crm:types"
ACCOUNT = "001A00000000000001"


def _example(folder: Path, name: str, document: Any) -> Path:
    return write_file(folder, f"examples/{name}.json", json.dumps(document, indent=2))


def _get(sandbox: SandboxedMock, path: str, prefer: str | None = None) -> MockResult:
    headers = (KEY, ("prefer", prefer)) if prefer else (KEY,)
    return sandbox(Request("GET", path, "", headers))


def _refused(envelope: MockEnvelope, folder: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        overlays_layer(envelope, folder, api="api")
    return caught.value


def test_prefer_example_picks_the_folders_example_then_the_contracts(payments: MockEnvelope, tmp_path: Path) -> None:
    _example(tmp_path, "customers/vip", {"operation": CUSTOMER, "status": 200, "json": VIP})
    _example(tmp_path, "customers/gone", {"operation": CUSTOMER, "status": 404, "json": GONE})
    intent = {"operation": "GET /payment_intents/{intent_id}", "status": 404, "json": GONE, "description": "same name"}
    _example(tmp_path, "payment_intents/vip", intent)
    sandbox = SandboxedMock(payments, [overlays_layer(payments, tmp_path, api="payments")])
    vip = _get(sandbox, "/v1/customers/cus_1", "example=vip")
    assert vip.response.status == 200 and json.loads(vip.response.body) == VIP
    assert vip.response.header("preference-applied") == "example=vip"
    assert vip.operations == (CUSTOMER,)
    gone = _get(sandbox, "/v1/customers/cus_1", 'code=200, example="gone"')
    assert gone.response.status == 404 and json.loads(gone.response.body) == GONE
    assert gone.response.header("content-type") == "application/problem+json"
    # a name the folder does not hold: the contract's own named example, as without overlays
    jenny = _get(sandbox, "/v1/customers/cus_9s6XKzkNRiz8i3", "example=jenny")
    assert json.loads(jenny.response.body)["email"] == "jenny.rosen@example.com"
    assert jenny.response.header("preference-applied") == "example=jenny"
    plain = _get(sandbox, "/v1/customers/cus_1")
    assert json.loads(plain.response.body)["id"] == "cus_1" and plain.response.header("preference-applied") is None
    unknown = _get(sandbox, "/v1/customers/cus_1", "example=nobody")
    assert json.loads(unknown.response.body) == json.loads(plain.response.body)
    other = _get(sandbox, "/v1/payment_intents/pi_1", "example=vip")
    assert other.response.status == 404 and json.loads(other.response.body) == GONE


def test_an_example_asked_for_wins_over_a_matching_overlay(payments: MockEnvelope, tmp_path: Path) -> None:
    _example(tmp_path, "vip", {"operation": CUSTOMER, "json": VIP})
    write_file(
        tmp_path, "overlays.toml", f'[[overlay]]\noperation = "{CUSTOMER}"\nstatus = 404\njson_file = "gone.json"\n'
    )
    write_file(tmp_path, "gone.json", json.dumps(GONE))
    sandbox = SandboxedMock(payments, [overlays_layer(payments, tmp_path, api="payments")])
    assert _get(sandbox, "/v1/customers/cus_1").response.status == 404
    assert json.loads(_get(sandbox, "/v1/customers/cus_1", "example=vip").response.body) == VIP


def test_a_bad_example_is_refused_naming_its_file_and_the_line_of_the_value(
    payments: MockEnvelope, tmp_path: Path
) -> None:
    path = _example(tmp_path, "vip", {"operation": CUSTOMER, "json": {**VIP, "created": "today"}})
    error = _refused(payments, tmp_path)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if '"created"' in text)
    assert error.where == f"{path}:{line}" and "/created" in error.message
    _example(tmp_path, "vip", {"operation": "GET /customer/{customer_id}", "json": VIP})
    assert _refused(payments, tmp_path).hint == f"did you mean {CUSTOMER!r}?"
    _example(tmp_path, "vip", {"operation": CUSTOMER, "jsn": VIP})
    assert _refused(payments, tmp_path).hint == "did you mean 'json'?"
    _example(tmp_path, "vip", [VIP])
    listed = _refused(payments, tmp_path)
    assert listed.where == f"{path}:1" and "holds a JSON object" in listed.message
    write_file(tmp_path, "examples/vip.json", '{\n  "operation": "x",\n  "json": {,}\n}')
    broken = _refused(payments, tmp_path)
    assert broken.where == f"{path}:3" and "not valid JSON" in broken.message


def test_two_examples_of_one_name_for_one_operation_are_refused(payments: MockEnvelope, tmp_path: Path) -> None:
    first = _example(tmp_path, "a/vip", {"operation": CUSTOMER, "json": VIP})
    second = _example(tmp_path, "b/vip", {"operation": CUSTOMER, "json": VIP})
    error = _refused(payments, tmp_path)
    assert error.where == f"{second}:1" and f"(the first: {first}:1)" in error.message
    second.unlink()
    _example(tmp_path, "b/v i p", {"operation": CUSTOMER, "json": VIP})
    assert "an example's name (its file name) must be" in _refused(payments, tmp_path).message


def test_soap_examples_answer_fixed_values_or_a_fault(tmp_path: Path) -> None:
    crm = compile_mock(load_contract(REPO / "contracts" / "crm" / "v1" / "crm.wsdl"), seed=1, mount="/crm")
    _example(tmp_path, "acme", {"operation": "GetAccount", "answer": {"account/name": "Acme Corp"}})
    _example(tmp_path, "down", {"operation": "GetAccount", "fault": "CrmFault"})
    sandbox = SandboxedMock(crm, [overlays_layer(crm, tmp_path, api="crm")])

    def call(prefer: str) -> MockResult:
        text = (f'<e:Envelope xmlns:e="{SOAP11_ENV}" xmlns:c="{TYPES}"><e:Body><c:GetAccountRequest>'
                f"<c:id>{ACCOUNT}</c:id></c:GetAccountRequest></e:Body></e:Envelope>")  # fmt: skip
        headers = (("content-type", "text/xml"), ("soapaction", '"urn:example:crm/GetAccount"'), ("prefer", prefer))
        return sandbox(Request("POST", "/crm", "", headers, text.encode()))

    acme = call("example=acme")
    first = read_envelope(acme.response.body).first
    assert first is not None and first.findtext(f"{{{TYPES}}}account/{{{TYPES}}}name") == "Acme Corp"
    assert acme.response.header("preference-applied") == "example=acme"
    down = call("example=down")
    assert down.response.status == 500 and b"CrmFault" in down.response.body
    plain = read_envelope(call("example=none").response.body).first
    assert plain is not None and etree.QName(plain).localname == "GetAccountResponse"
    assert plain.findtext(f"{{{TYPES}}}account/{{{TYPES}}}name") != "Acme Corp"


def test_graphql_examples_give_a_fields_value_with_nulls_or_an_error(tmp_path: Path) -> None:
    inventory = compile_mock(load_contract(REPO / "contracts" / "inventory" / "v1"), seed=1, mount="/graphql")
    _example(tmp_path, "bare", {"operation": "Query.product", "json": {"name": "Bare", "description": None}})
    _example(tmp_path, "missing", {"operation": "Query.product", "error": "no such product", "code": "NOT_FOUND"})
    sandbox = SandboxedMock(inventory, [overlays_layer(inventory, tmp_path, api="inventory")])

    def ask(prefer: str) -> MockResult:
        body = json.dumps({"query": '{ product(id: "p1") { id name description } }'}).encode()
        return sandbox(
            Request("POST", "/graphql", "", (("content-type", "application/json"), ("prefer", prefer)), body)
        )

    bare = ask("example=bare")
    assert json.loads(bare.response.body) == {"data": {"product": {"id": "p1", "name": "Bare", "description": None}}}
    assert bare.response.header("preference-applied") == "example=bare"
    missing = json.loads(ask("example=missing").response.body)
    assert missing["data"] == {"product": None} and missing["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    assert json.loads(ask("example=other").response.body)["data"]["product"]["name"] != "Bare"
    _example(tmp_path, "bad", {"operation": "Query.product", "json": {"name": None}})
    with pytest.raises(ConfigError, match="null for the non-null String!") as caught:
        overlays_layer(inventory, tmp_path, api="inventory")
    assert caught.value.where == f"{tmp_path / 'examples' / 'bad.json'}:4"

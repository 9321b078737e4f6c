"""Sunsets enforced when asked (``toolkit.sandbox.sunset``): REST (payments v2, ``GET /charges`` sunset
2027-06-30), SOAP (CRM v2, ``ListContacts`` sunset 2027-03-31) and GraphQL (inventory v2, ``Query.productBySku``
sunset 2027-01-31), in-process, through ``build_handler`` and over HTTP once."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.mock import MockEnvelope
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.loopback import serve_in_thread
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.sunset import sunset_layer

PAYMENTS = REPO / "contracts" / "payments" / "v2"
CRM = REPO / "contracts" / "crm" / "v2"
INVENTORY = REPO / "contracts" / "inventory" / "v2"
CRM_NS = "urn:example:crm:types"
KEY = ("x-api-key", "sk_test_1")
SUNSET_HEADER = "Wed, 30 Jun 2027 00:00:00 GMT"


@pytest.fixture(scope="module")
def payments() -> MockEnvelope:
    return compile_mock(load_contract(PAYMENTS), seed=1, mount="/v2")


@pytest.fixture(scope="module")
def crm() -> MockEnvelope:
    return compile_mock(load_contract(CRM), seed=1, mount="/crm")


@pytest.fixture(scope="module")
def inventory() -> MockEnvelope:
    return compile_mock(load_contract(INVENTORY), seed=1, mount="/graphql")


def sandboxed(envelope: MockEnvelope, table: dict[str, Any], api: str = "payments") -> SandboxedMock:
    return SandboxedMock(envelope, [sunset_layer(envelope, table, api=api, where=f"[apis.{api}]")])


def get(path: str) -> Request:
    return Request("GET", "/v2" + path, headers=(KEY,))


def soap(action: str, body: str) -> Request:
    envelope = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    )
    headers = (("content-type", "text/xml; charset=utf-8"), ("soapaction", f'"urn:example:crm/{action}"'))
    return Request("POST", "/crm", headers=headers, body=envelope.encode())


def graphql(query: str) -> Request:
    body = json.dumps({"query": query}).encode()
    return Request("POST", "/graphql", headers=(("content-type", "application/json"),), body=body)


def test_the_contracts_sunsets_are_the_ones_these_tests_rely_on() -> None:
    sunsets = {op.id: op.sunset for op in load_contract(PAYMENTS).operations if op.sunset}
    assert sunsets == {"GET /charges": dt.date(2027, 6, 30)}


# -- REST -------------------------------------------------------------------------------------------------


def test_after_the_sunset_the_operation_is_gone(payments: MockEnvelope) -> None:
    handler = sandboxed(payments, {"enforce": True, "today": "2027-07-01"})
    result = handler(get("/charges"))
    response = result.response
    assert response.status == 410
    assert response.header("content-type") == "application/problem+json"
    assert response.header("sunset") == SUNSET_HEADER
    body = json.loads(response.body)
    assert body["status"] == 410 and "2027-06-30" in body["detail"] and "GET /charges" in body["detail"]
    assert result.operations == ("GET /charges",)
    # the other operations are served as ever
    assert handler(get("/charges/ch_1abc")).response.status in (200, 404)
    assert handler(get("/customers")).response.status == 200


def test_on_the_sunset_day_it_is_gone_and_the_day_before_it_is_served(payments: MockEnvelope) -> None:
    assert sandboxed(payments, {"enforce": True, "today": dt.date(2027, 6, 30)})(get("/charges")).response.status == 410
    before = sandboxed(payments, {"enforce": True, "today": "2027-06-29"})(get("/charges")).response
    assert before.status == 200
    assert before.header("deprecation") is not None
    assert before.header("sunset") == SUNSET_HEADER


def test_before_the_sunset_the_answer_is_normal_with_its_deprecation_headers(payments: MockEnvelope) -> None:
    handler = sandboxed(payments, {"enforce": True, "today": "2027-01-01"})
    result = handler(get("/charges"))
    assert result.response.status == 200
    assert result.response.header("deprecation") == "@0"
    assert result.response.header("sunset") == SUNSET_HEADER
    assert "data" in json.loads(result.response.body)


def test_without_enforce_nothing_changes(payments: MockEnvelope) -> None:
    for table in ({}, {"enforce": False, "today": "2030-01-01"}):
        assert sandboxed(payments, table)(get("/charges")).response.status == 200


def test_head_of_a_gone_operation_is_410(payments: MockEnvelope) -> None:
    handler = sandboxed(payments, {"enforce": True, "today": "2027-07-01"})
    assert handler(Request("HEAD", "/v2/charges", headers=(KEY,))).response.status == 410


def test_a_declared_410_is_the_contracts_own(tmp_path: Any) -> None:
    (tmp_path / "openapi.yaml").write_text(
        """openapi: 3.0.3
info: {title: Old, version: "1"}
servers: [{url: "https://old.example.com/api"}]
paths:
  /things:
    get:
      deprecated: true
      x-sunset: "2026-01-31"
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}}}
        "410":
          description: gone
          content:
            application/json:
              schema:
                type: object
                required: [gone_code]
                properties: {gone_code: {type: string, enum: [endpoint_retired]}}
""",
        encoding="utf-8",
    )
    envelope = compile_mock(load_contract(tmp_path / "openapi.yaml"), seed=1, mount="/api")
    handler = sandboxed(envelope, {"enforce": True, "today": "2026-02-01"}, api="old")
    response = handler(Request("GET", "/api/things")).response
    assert response.status == 410
    assert json.loads(response.body) == {"gone_code": "endpoint_retired"}
    assert response.header("sunset") == "Sat, 31 Jan 2026 00:00:00 GMT"
    assert response.header("preference-applied") is None


# -- SOAP and GraphQL ---------------------------------------------------------------------------------------


def test_soap_a_gone_operation_is_a_client_fault_410(crm: MockEnvelope) -> None:
    handler = sandboxed(crm, {"enforce": True, "today": "2027-04-01"}, api="crm")
    listed = handler(
        soap(
            "ListContacts",
            f'<ListContactsRequest xmlns="{CRM_NS}"><accountId>001A000001Xyz12AAB</accountId></ListContactsRequest>',
        )
    )
    assert listed.response.status == 410
    assert b"Client" in listed.response.body and b"2027-03-31" in listed.response.body
    assert listed.response.header("sunset") == "Wed, 31 Mar 2027 00:00:00 GMT"
    assert listed.operations == ("CrmService/CrmSoap11Port/ListContacts",)
    live = handler(
        soap("GetAccount", f'<GetAccountRequest xmlns="{CRM_NS}"><id>001A000001Xyz12AAB</id></GetAccountRequest>')
    )
    assert live.response.status == 200


def test_graphql_a_request_of_gone_fields_only_is_410_gone(inventory: MockEnvelope) -> None:
    handler = sandboxed(inventory, {"enforce": True, "today": "2027-02-01"}, api="inventory")
    result: MockResult = handler(graphql('{ productBySku(sku: "A") { sku } }'))
    assert result.response.status == 410
    document = json.loads(result.response.body)
    (error,) = document["errors"]
    assert error["extensions"]["code"] == "GONE" and "2027-01-31" in error["message"]
    assert "data" not in document or document["data"] is None


def test_graphql_a_mixed_request_is_answered_whole_with_the_gone_field_listed(inventory: MockEnvelope) -> None:
    handler = sandboxed(inventory, {"enforce": True, "today": "2027-02-01"}, api="inventory")
    result = handler(graphql('{ productBySku(sku: "A") { sku } warehouses { id } }'))
    assert result.response.status == 200
    document = json.loads(result.response.body)
    assert "warehouses" in document["data"]
    assert [e["extensions"]["code"] for e in document["errors"]] == ["GONE"]
    before = sandboxed(inventory, {"enforce": True, "today": "2027-01-30"}, api="inventory")
    assert before(graphql('{ productBySku(sku: "A") { sku } }')).response.status == 200


# -- configuration ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "where", "said"),
    [
        ({"enforced": True}, "sandbox.toml [apis.payments].sunset.enforced", "did you mean 'enforce'?"),
        ({"enforce": "yes"}, "sandbox.toml [apis.payments].sunset.enforce", "true or false"),
        ({"enforce": True, "today": "July 1st"}, "sandbox.toml [apis.payments].sunset.today", "2027-06-01"),
        ({"enforce": True, "today": 20270701}, "sandbox.toml [apis.payments].sunset.today", "a date"),
    ],
)
def test_config_errors_are_named(payments: MockEnvelope, table: dict[str, Any], where: str, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        sunset_layer(payments, table, api="payments", where="[apis.payments]")
    assert caught.value.where == where
    assert said in f"{caught.value.message} {caught.value.hint}"


# -- through ctk serve's handler and over HTTP ------------------------------------------------------------------


def test_build_handler_and_real_http(tmp_path: Any) -> None:
    from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler

    item = MountedContract(
        str(PAYMENTS), mount="/v2", name="payments", sunset={"enforce": True, "today": dt.date(2027, 7, 1)}
    )
    handler = build_handler(ServeConfig([item]))
    with serve_in_thread(MockASGIApp(handler)) as url, httpx.Client(base_url=url, headers=dict([KEY])) as http:
        gone = http.get("/v2/charges")
        assert gone.status_code == 410 and gone.headers["sunset"] == SUNSET_HEADER
        assert http.get("/v2/customers").status_code == 200

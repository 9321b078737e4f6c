"""The same sandbox behaviours for REST, SOAP and GraphQL, each run twice: over real HTTP against a ``ctk serve``
subprocess, and in-process through ``MockTransport`` (httpx) and ``MockZeepTransport`` (zeep) on the handler
``ctk serve`` would build from the same workspace. Both runs must see the same thing, as a client would:

- a CRUD round trip (create, read back, the list holds it, update, delete, the read is the contract's not-found);
- a scenario sequence (fail, fail, succeed; a declared Fault, then the answer; a field error, then data);
- every broken-connection fault as the exception the client library actually raises (httpx; zeep through
  requests);
- the rate limit's 429 with ``Retry-After`` and the ``RateLimit-*`` headers, in each protocol's form;
- GraphQL's partial data for an injected error.

OAuth2 token expiry and refresh have their own file (``test_oauth2_protocols.py``), which also runs both ways.
Time is never asserted: a client timeout is only a hang guard.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import zeep
import zeep.exceptions
from zeep.transports import Transport

from tests.support.files import write_file, write_workspace
from tests.support.items_wsdl import items_wsdl
from tests.support.paths import REPO
from tests.support.served import HANG, assert_no_traceback, served
from toolkit.mock import MockTransport
from toolkit.sandbox.server import ServeConfig, build_handler, mounted_apis
from toolkit.soap import MockZeepTransport
from toolkit.workspace import load_workspace

CONTRACTS = REPO / "contracts"
KEY = {"x-api-key": "sk_test_each"}
PRODUCT = '{ product(id: "UHJvZHVjdDox") { id name } }'
ACCOUNT_ID = "001A000001Xyz12AAB"

WORKSPACE = f"""
[sandbox]
seed = 1

[apis.payments]
contract = "{CONTRACTS / "payments" / "v1"}"
mount = "/payments"
state = true
[apis.payments.scenarios.flaky]
"POST /customers" = [{{ status = 429 }}, {{ status = 429 }}, {{}}]
[apis.payments.rate_limit]
requests = 1000
per = "1h"
[apis.payments.rate_limit.operations."GET /customers"]
requests = 3
per = "1h"

[apis.crm]
contract = "{CONTRACTS / "crm" / "v1" / "crm.wsdl"}"
mount = "/crm"
[apis.crm.scenarios.flaky]
GetAccount = [{{ fault = "CrmFault" }}, {{}}]
[apis.crm.rate_limit]
requests = 3
per = "1h"

[apis.inventory]
contract = "{CONTRACTS / "inventory" / "v1"}"
mount = "/inventory"
[apis.inventory.scenarios.flaky]
"Query.product" = [{{ error = "catalogue unavailable" }}, {{}}]
[apis.inventory.rate_limit]
requests = 3
per = "1h"

[apis.items]
contract = "contracts/items.wsdl"
mount = "/items"
state = true

[apis.shop]
contract = "contracts/shop"
mount = "/shop"
state = true
"""

# What crm and inventory lack for a whole round trip: a SOAP Update and Delete with a declared not-found fault,
# and GraphQL update and delete mutations.
ITEMS_WSDL = items_wsdl(create="CreateItem", read="GetItem", update="UpdateItem", delete="DeleteItem")

SHOP_SDL = """
type Query { product(id: ID!): Product  products: [Product!]! }
type Product { id: ID! name: String! price: Float }
input CreateProductInput { name: String! price: Float }
input UpdateProductInput { id: ID! name: String price: Float }
type Mutation {
  createProduct(input: CreateProductInput!): Product!
  updateProduct(input: UpdateProductInput!): Product
  deleteProduct(id: ID!): Boolean!
}
"""


@dataclass
class Sandbox:
    """One way to reach the workspace's sandbox: over HTTP, or in-process."""

    way: str
    url: str
    handler: Any = None  # in-process: what ctk serve would serve

    def http(self, timeout: float = HANG) -> httpx.Client:
        if self.handler is None:
            return httpx.Client(base_url=self.url, timeout=timeout)
        return httpx.Client(transport=MockTransport(self.handler), base_url=self.url, timeout=timeout)

    def zeep(self, timeout: float = HANG, api: str = "crm") -> zeep.Client:
        """A zeep client of an API (crm); its calls' headers go in ``client.settings(extra_http_headers=...)``, so
        that the WSDL itself is fetched without them (a fault asked for would break the fetch instead of the call)."""
        if self.handler is None:
            transport: Transport = Transport(timeout=timeout, operation_timeout=timeout)
        else:
            transport = MockZeepTransport(self.handler, base_url=self.url)
        return zeep.Client(f"{self.url}/{api}?wsdl", transport=transport)


def workspace(root: Path) -> Path:
    write_file(root, "contracts/items.wsdl", ITEMS_WSDL)
    write_file(root, "contracts/shop/schema.graphql", SHOP_SDL)
    return write_workspace(root, WORKSPACE)


@pytest.fixture(scope="module", params=["http", "in-process"])
def sandbox(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    root = workspace(tmp_path_factory.mktemp("each"))
    if request.param == "http":
        with served("--root", str(root)) as server:
            yield Sandbox("http", server.url)
            assert_no_traceback(server)
    else:
        space = load_workspace(root)
        config = ServeConfig(mounted_apis(space), seed=space.sandbox.seed)
        yield Sandbox("in-process", "http://sandbox.test", build_handler(config))


def session(name: str, sandbox: Sandbox) -> str:
    return f"{name}-{sandbox.way}"  # the served process lives for the module: one session per test and way


# -- a CRUD round trip: create, read back, list holds it, update, delete, read is the contract's not-found ------


def test_rest_crud_round_trip(sandbox: Sandbox) -> None:
    headers = {**KEY, "x-ctk-session": session("rest-crud", sandbox)}
    with sandbox.http() as client:
        created = client.post("/payments/customers", json={"email": "ada@example.com"}, headers=headers)
        path = f"/payments/customers/{created.json()['id']}"
        read = client.get(path, headers=headers)
        listed = client.get("/payments/customers", headers=headers).json()["data"]
        updated = client.post(path, json={"name": "Ada King"}, headers=headers)
        deleted = client.delete(path, headers=headers)
        gone = client.get(path, headers=headers)
    assert created.status_code == 201 and read.json() == created.json()
    assert created.json()["id"] in [item["id"] for item in listed]
    assert updated.json()["name"] == "Ada King" and updated.json()["email"] == "ada@example.com"
    assert deleted.status_code == 200 and gone.status_code == 404  # payments' own 404


def test_soap_crud_round_trip_through_zeep(sandbox: Sandbox) -> None:
    client = sandbox.zeep(api="items")
    with client.settings(extra_http_headers={"X-Ctk-Session": session("soap-crud", sandbox)}):
        created = client.service.CreateItem(label="blue box")
        key = created.itemId
        read = client.service.GetItem(itemId=key)
        listed = client.service.ListItems()
        updated = client.service.UpdateItem(itemId=key, label="red box")
        reread = client.service.GetItem(itemId=key)
        client.service.DeleteItem(itemId=key)
        with pytest.raises(zeep.exceptions.Fault) as gone:
            client.service.GetItem(itemId=key)
    assert created.label == "blue box" and read.label == "blue box" and read.itemId == key
    assert [item.itemId for item in listed] == [key]
    assert updated.label == "red box" and reread.label == "red box"
    assert "ItemNotFound" in zeep_fault_text(gone.value)  # the fault the WSDL declares


def test_graphql_crud_round_trip(sandbox: Sandbox) -> None:
    headers = {"x-ctk-session": session("graphql-crud", sandbox)}

    def post(query: str) -> Any:
        with sandbox.http() as client:
            return client.post("/shop", json={"query": query}, headers=headers).json()

    created = post('mutation { createProduct(input: {name: "Lamp", price: 12.5}) { id name price } }')
    key = created["data"]["createProduct"]["id"]
    read = post(f'{{ product(id: "{key}") {{ id name price }} }}')
    listed = post("{ products { id } }")
    updated = post(f'mutation {{ updateProduct(input: {{id: "{key}", name: "Desk lamp"}}) {{ name price }} }}')
    deleted = post(f'mutation {{ deleteProduct(id: "{key}") }}')
    gone = post(f'{{ product(id: "{key}") {{ id }} }}')
    assert read["data"]["product"] == created["data"]["createProduct"] == {"id": key, "name": "Lamp", "price": 12.5}
    assert key in [item["id"] for item in listed["data"]["products"]]
    assert updated["data"]["updateProduct"] == {"name": "Desk lamp", "price": 12.5}
    assert deleted["data"]["deleteProduct"] is True
    assert gone == {"data": {"product": None}}  # a nullable field: null, as GraphQL servers answer


# -- a scenario sequence ----------------------------------------------------------------------------


def test_rest_scenario_sequence(sandbox: Sandbox) -> None:
    headers = {**KEY, "prefer": "scenario=flaky", "x-ctk-session": session("rest-seq", sandbox)}
    with sandbox.http() as client:
        statuses = [client.post("/payments/customers", json={}, headers=headers).status_code for _ in range(3)]
    assert statuses == [429, 429, 201]


def test_soap_scenario_sequence_through_zeep(sandbox: Sandbox) -> None:
    client = sandbox.zeep()
    headers = {"Prefer": "scenario=flaky", "X-Ctk-Session": session("soap-seq", sandbox)}
    with client.settings(extra_http_headers=headers):
        with pytest.raises(zeep.exceptions.Fault) as fault:
            client.service.GetAccount(id=ACCOUNT_ID)
        account = client.service.GetAccount(id=ACCOUNT_ID)
    assert fault.value.detail is not None and "CrmFault" in zeep_fault_text(fault.value)
    assert account.id


def test_graphql_scenario_sequence(sandbox: Sandbox) -> None:
    headers = {"prefer": "scenario=flaky", "x-ctk-session": session("graphql-seq", sandbox)}
    with sandbox.http() as client:
        failed, ok = (client.post("/inventory", json={"query": PRODUCT}, headers=headers).json() for _ in range(2))
    assert failed["errors"][0]["path"] == ["product"] and failed["data"] == {"product": None}
    assert "errors" not in ok and ok["data"]["product"]["id"]


# -- broken connections, as the client library raises them -------------------------------------------

HTTPX_RAISES: dict[str, tuple[type[Exception], ...]] = {
    "reset": (httpx.ReadError, httpx.RemoteProtocolError),
    "empty": (httpx.RemoteProtocolError,),
    "truncated": (httpx.RemoteProtocolError,),
    "malformed-chunk": (httpx.RemoteProtocolError,),
    "timeout": (httpx.ReadTimeout,),
}
ZEEP_RAISES: dict[str, type[Exception]] = {
    "reset": requests.exceptions.ConnectionError,
    "empty": requests.exceptions.ConnectionError,
    "truncated": requests.exceptions.ChunkedEncodingError,
    "malformed-chunk": requests.exceptions.ChunkedEncodingError,
    "timeout": requests.exceptions.ReadTimeout,
}


@pytest.mark.parametrize("fault", sorted(HTTPX_RAISES))
def test_rest_broken_connections(sandbox: Sandbox, fault: str) -> None:
    headers = {**KEY, "prefer": f"ctk-fault={fault}", "x-ctk-session": session(f"rest-{fault}", sandbox)}
    with sandbox.http(timeout=1.0) as client, pytest.raises(httpx.TransportError) as raised:
        client.get(f"/payments/customers/cus_{fault}", headers=headers)
    assert isinstance(raised.value, HTTPX_RAISES[fault]), repr(raised.value)


@pytest.mark.parametrize("fault", sorted(HTTPX_RAISES))
def test_graphql_broken_connections(sandbox: Sandbox, fault: str) -> None:
    headers = {"prefer": f"ctk-fault={fault}", "x-ctk-session": session(f"graphql-{fault}", sandbox)}
    with sandbox.http(timeout=1.0) as client, pytest.raises(httpx.TransportError) as raised:
        client.post("/inventory", json={"query": PRODUCT}, headers=headers)
    assert isinstance(raised.value, HTTPX_RAISES[fault]), repr(raised.value)


@pytest.mark.parametrize("fault", sorted(ZEEP_RAISES))
def test_soap_broken_connections_through_zeep(sandbox: Sandbox, fault: str) -> None:
    client = sandbox.zeep(timeout=1.0)
    headers = {"Prefer": f"ctk-fault={fault}", "X-Ctk-Session": session(f"soap-{fault}", sandbox)}
    with client.settings(extra_http_headers=headers), pytest.raises(ZEEP_RAISES[fault]):
        client.service.GetAccount(id=ACCOUNT_ID)


# -- the rate limit's 429 ----------------------------------------------------------------------------


def test_rest_429_is_the_contracts_with_retry_after(sandbox: Sandbox) -> None:
    headers = {**KEY, "x-ctk-session": session("rest-429", sandbox)}
    with sandbox.http() as client:
        answers = [client.get("/payments/customers", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) >= 1 and refused.headers["ratelimit-remaining"] == "0"
    assert refused.json()["code"]  # payments' own 429 body (its Error schema), not a generic one


def test_soap_429_is_a_client_fault_zeep_raises(sandbox: Sandbox) -> None:
    client = sandbox.zeep()
    with client.settings(extra_http_headers={"X-Ctk-Session": session("soap-429", sandbox)}):
        for _ in range(3):
            client.service.GetAccount(id=ACCOUNT_ID)
        with pytest.raises(zeep.exceptions.Fault) as fault:
            client.service.GetAccount(id=ACCOUNT_ID)
    assert fault.value.code is not None and "Client" in str(fault.value.code)
    with sandbox.http() as http:  # what zeep does not show: the status and the headers
        raw = http.post(
            "/crm",
            content=GET_ACCOUNT_ENVELOPE,
            headers={"content-type": "text/xml", "soapaction": '"urn:example:crm/GetAccount"',
                     "x-ctk-session": session("soap-429", sandbox)},
        )  # fmt: skip
    assert raw.status_code == 429 and int(raw.headers["retry-after"]) >= 1


def test_graphql_429_is_an_errors_document(sandbox: Sandbox) -> None:
    headers = {"x-ctk-session": session("graphql-429", sandbox)}
    with sandbox.http() as client:
        answers = [client.post("/inventory", json={"query": PRODUCT}, headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(answers[-1].headers["retry-after"]) >= 1


def test_the_wsdl_and_its_schemas_are_served_outside_the_layers(sandbox: Sandbox) -> None:
    """A zeep client loads them before its first call: no quota, fault or scenario may break its construction."""
    headers = {"prefer": "ctk-fault=reset, scenario=flaky", "x-ctk-session": session("soap-documents", sandbox)}
    with sandbox.http() as client:
        answers = [client.get("/crm", params=query, headers=headers) for query in ["wsdl"] * 5 + ["xsd=crm-types"]]
    assert [a.status_code for a in answers] == [200] * 6
    assert "ratelimit-remaining" not in answers[-1].headers and b"<xs:schema" in answers[-1].content


# -- GraphQL partial data -----------------------------------------------------------------------------


def test_graphql_injected_error_is_partial_data(sandbox: Sandbox) -> None:
    query = '{ product(id: "UHJvZHVjdDox") { id name } warehouses { id } }'
    headers = {"prefer": "ctk-fault=error", "x-ctk-session": session("graphql-partial", sandbox)}
    with sandbox.http() as client:
        answer = client.post("/inventory", json={"query": query}, headers=headers)
    body = answer.json()
    assert answer.status_code == 200
    assert len(body["errors"]) == 1 and body["errors"][0]["path"][0] in ("product", "warehouses")
    assert body["data"] is None or any(value is not None for value in body["data"].values())


GET_ACCOUNT_ENVELOPE = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    f'<GetAccountRequest xmlns="urn:example:crm:types"><id>{ACCOUNT_ID}</id></GetAccountRequest>'
    "</soap:Body></soap:Envelope>"
).encode()


def zeep_fault_text(fault: zeep.exceptions.Fault) -> str:
    from lxml import etree

    return etree.tostring(fault.detail).decode() if fault.detail is not None else ""


def test_the_served_and_in_process_handlers_are_built_from_one_workspace(tmp_path: Path) -> None:
    space = load_workspace(workspace(tmp_path))
    assert [api.name for api in mounted_apis(space)] == ["payments", "crm", "inventory", "items", "shop"]

"""What a client sees when the sandbox injects an error: GraphQL partial data (one field failed, the rest kept),
``Retry-After`` during an outage window, and faults and scenarios when the store itself is down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.exchange import MockResult, Request
from toolkit.mock import MockEnvelope, MockTransport
from toolkit.sandbox.faults import faults_layer
from toolkit.sandbox.layers import Call, Next, SandboxedMock
from toolkit.sandbox.scenarios import scenarios_layer
from toolkit.sandbox.stores import StoreError
from toolkit.sandbox.stores.memory import MemoryStore

PAYMENTS = REPO / "contracts" / "payments" / "v1"
CRM = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"
KEY = {"X-Api-Key": "sk_test_1"}
WHERE = "[apis.test]"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
GET_ACCOUNT = (
    f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
    '<GetAccountRequest xmlns="urn:example:crm:types"><id>001A000001Xyz12AAB</id></GetAccountRequest>'
    "</soap:Body></soap:Envelope>"
)
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:example:crm/GetAccount"'}

SHOP_SDL = """
type Query {
  product(id: ID!): Product
  shop: Shop!
  search(text: String!): [Result!]!
}
type Product { id: ID! name: String! supplier: Supplier! price: Float! }
type Supplier { id: ID! name: String! address: Address }
type Address { city: String! }
type Shop { name: String! owner: String! }
interface Result { id: ID! label: String }
type Article implements Result { id: ID! label: String body: String! }
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> MockEnvelope:
    folder: Path = tmp_path_factory.mktemp("shop")
    (folder / "schema.graphql").write_text(SHOP_SDL)
    return compile_mock(load_contract(folder), seed=3, mount="/graphql")


def graphql(handler: Any, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as http:
        return http.post("/graphql", json={"query": query}, headers=headers or {})


def with_faults(envelope: MockEnvelope, table: dict[str, Any], store: Any = None) -> SandboxedMock:
    layer = faults_layer(envelope, table, store if store is not None else MemoryStore(), api="test", where=WHERE)
    return SandboxedMock(envelope, [layer])


def at(data: Any, path: list[Any]) -> Any:
    for step in path:
        data = data[step]
    return data


# -- GraphQL: a resolver error, not a dead server ----------------------------------------------------


def test_an_injected_graphql_error_fails_one_nested_field_and_keeps_the_rest(shop: MockEnvelope) -> None:
    query = '{ product(id: "p1") { id name supplier { name address { city } } } shop { name } }'
    plain = graphql(shop, query).json()
    assert plain["data"]["product"]["supplier"]["address"] is not None  # the seed gives a value to fail

    answer = graphql(with_faults(shop, {"error_rate": 1.0}), query)

    assert answer.status_code == 200  # a field error, as graphql-core answers a resolver that raised
    body = answer.json()
    (error,) = body["errors"]
    assert error["path"] == ["product", "supplier", "address"]  # the shallowest nullable field with a value
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["locations"] == [{"line": 1, "column": query.index("address") + 1}]
    assert at(body["data"], error["path"]) is None
    # everything else the document asked for is still there, as it was
    assert body["data"]["product"]["id"] == plain["data"]["product"]["id"]
    assert body["data"]["product"]["supplier"]["name"] == plain["data"]["product"]["supplier"]["name"]
    assert body["data"]["shop"] == plain["data"]["shop"]


def test_a_nullable_root_field_fails_itself_when_nothing_below_it_is_nullable(shop: MockEnvelope) -> None:
    body = graphql(with_faults(shop, {"error_rate": 1.0}), '{ product(id: "p1") { id name } shop { name } }').json()
    assert body["errors"][0]["path"] == ["product"]
    assert body["data"]["product"] is None and body["data"]["shop"]["name"]


def test_a_non_null_chain_nulls_data_itself(shop: MockEnvelope) -> None:
    body = graphql(with_faults(shop, {"error_rate": 1.0}), "{ shop { name owner } }").json()
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["shop"]


def test_list_items_and_interfaces_are_walked_through_typename(shop: MockEnvelope) -> None:
    query = '{ search(text: "x") { __typename id label ... on Article { body } } }'
    plain = graphql(shop, query).json()["data"]["search"]
    body = graphql(with_faults(shop, {"error_rate": 1.0}), query).json()
    path = body["errors"][0]["path"]
    assert path[:2] == ["search", 0] and path[2] == "label"  # Result.label is nullable; body is not
    assert body["data"]["search"][0]["label"] is None
    assert body["data"]["search"][0]["id"] == plain[0]["id"]


def test_an_explicit_status_or_ctk_fault_is_the_http_status_form(shop: MockEnvelope) -> None:
    query = '{ product(id: "p1") { id } }'
    configured = graphql(with_faults(shop, {"error_rate": 1.0, "error_status": 502}), query)
    asked = graphql(with_faults(shop, {}), query, {"Prefer": "ctk-fault=503"})
    field_error = graphql(with_faults(shop, {}), query, {"Prefer": "ctk-fault=error"})
    assert configured.status_code == 502 and configured.json()["errors"] and "data" not in configured.json()
    assert asked.status_code == 503
    assert field_error.status_code == 200 and field_error.json()["errors"][0]["path"] == ["product"]


def test_a_graphql_scenario_error_fails_the_named_root_field_only(shop: MockEnvelope) -> None:
    layer = scenarios_layer(
        shop, {"down": {"Query.product": {"error": "catalogue unavailable"}}}, MemoryStore(), api="t", where=WHERE
    )
    query = '{ shop { name } product(id: "p1") { id } }'
    answer = graphql(SandboxedMock(shop, [layer]), query, {"Prefer": "scenario=down"})
    body = answer.json()
    assert answer.status_code == 200
    assert body["errors"] == [
        {
            "message": "catalogue unavailable",
            "locations": [{"line": 1, "column": query.index("product") + 1}],
            "path": ["product"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    assert body["data"]["product"] is None and body["data"]["shop"]["name"]


# -- outages tell the client when to come back -------------------------------------------------------

ALWAYS_DOWN = {"outage": {"every_s": 600, "for_s": 600}}  # a window as long as its period: always in it


def test_rest_outage_answers_carry_retry_after_until_the_window_ends() -> None:
    handler = with_faults(compile_mock(load_contract(PAYMENTS), seed=1), ALWAYS_DOWN)
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as http:
        answer = http.get("/v1/customers/cus_1", headers=KEY)
    assert answer.status_code == 503
    assert 1 <= int(answer.headers["retry-after"]) <= 600


def test_soap_and_graphql_outage_answers_carry_retry_after(shop: MockEnvelope) -> None:
    crm = with_faults(compile_mock(load_contract(CRM), seed=1), ALWAYS_DOWN)
    with httpx.Client(transport=MockTransport(crm), base_url="http://sandbox.test") as http:
        soap = http.post(crm.envelope.mount, content=GET_ACCOUNT, headers=SOAP_HEADERS)
    down = graphql(with_faults(shop, ALWAYS_DOWN), '{ product(id: "p1") { id } }')
    assert soap.status_code == 500 and "Fault" in soap.text
    assert 1 <= int(soap.headers["retry-after"]) <= 600
    assert down.status_code == 503 and down.json()["errors"]  # a dead server, not a field error
    assert 1 <= int(down.headers["retry-after"]) <= 600


def test_no_retry_after_outside_an_outage() -> None:
    handler = with_faults(compile_mock(load_contract(PAYMENTS), seed=1), {"error_rate": 1.0})
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as http:
        answer = http.get("/v1/customers/cus_1", headers=KEY)
    assert answer.status_code == 503 and "retry-after" not in answer.headers


# -- the store down: the request goes through and says why --------------------------------------------


class DownStore(MemoryStore):
    """A store whose backend is unreachable, as a Redis that went away."""

    def incr(self, namespace: str, key: str, by: int = 1) -> int:
        raise StoreError("cannot reach redis://127.0.0.1:1/0", where="redis://127.0.0.1:1/0")

    def get(self, namespace: str, key: str) -> Any:
        raise StoreError("cannot reach redis://127.0.0.1:1/0", where="redis://127.0.0.1:1/0")

    def put(self, namespace: str, key: str, value: Any) -> None:
        raise StoreError("cannot reach redis://127.0.0.1:1/0", where="redis://127.0.0.1:1/0")


def test_faults_with_the_store_down_let_the_request_through_with_a_warning() -> None:
    handler = with_faults(compile_mock(load_contract(PAYMENTS), seed=1), {"fail_first": 3}, DownStore())
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as http:
        answer = http.get("/v1/customers/cus_1", headers=KEY)
    assert answer.status_code == 200
    assert (
        "faults not drawn" in answer.headers["ctk-warning"] and "redis://127.0.0.1:1/0" in answer.headers["ctk-warning"]
    )


def test_an_outage_still_applies_with_the_store_down() -> None:
    handler = with_faults(
        compile_mock(load_contract(PAYMENTS), seed=1), {**ALWAYS_DOWN, "error_rate": 0.5}, DownStore()
    )
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as http:
        answer = http.get("/v1/customers/cus_1", headers=KEY)
    assert answer.status_code == 503 and "retry-after" in answer.headers and "ctk-warning" in answer.headers


class CountingState:
    """Stands where the state layer would, counting what reaches it: an answer made twice would create twice."""

    name = "state"

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, call: Call, inner: Next) -> MockResult:
        self.calls += 1
        return inner(call)


@pytest.mark.parametrize(
    ("prefer", "table"),
    [
        ("scenario=flaky; session", {"flaky": {"GetAccount": [{"fault": "CrmFault"}, {}]}}),  # activate: a put
        ("", {"flaky": {"GetAccount": [{"fault": "CrmFault"}, {}]}, "active": "flaky"}),  # a sequence: an incr
    ],
)
def test_scenarios_with_the_store_down_answer_once_with_a_warning(prefer: str, table: dict[str, Any]) -> None:
    crm = compile_mock(load_contract(CRM), seed=1)
    counting = CountingState()
    handler = SandboxedMock(crm, [scenarios_layer(crm, table, DownStore(), api="crm", where=WHERE), counting])
    headers = {**SOAP_HEADERS, **({"Prefer": prefer} if prefer else {})}
    lowered = tuple((k.lower(), v) for k, v in headers.items())
    result = handler(Request("POST", crm.mount, "", lowered, GET_ACCOUNT.encode()))
    assert result.response.status == 200
    assert "scenario not played" in (result.response.header("ctk-warning") or "")
    assert b"Fault" not in result.response.body
    assert counting.calls == 1

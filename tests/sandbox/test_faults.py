"""The sandbox's ``faults`` layer (``toolkit.sandbox.faults``): declared error answers in each protocol's form,
``fail_first``, latency, broken connections over real HTTP and in-process, config errors, and replay by seed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.exchange import Request
from toolkit.limits import DEFAULT_LIMITS
from toolkit.mock import MockEnvelope, MockTransport
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.http_server import uvicorn_options
from toolkit.mock.loopback import serve_in_thread
from toolkit.sandbox.faults import faults_layer
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.stores.memory import MemoryStore
from toolkit.soap.mock.zeep_transport import MockZeepTransport

PAYMENTS = REPO / "contracts" / "payments" / "v1"
CRM = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"
INVENTORY = REPO / "contracts" / "inventory" / "v1"
KEY = {"X-Api-Key": "sk_test_1"}
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
GET_ACCOUNT = (
    f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
    '<GetAccountRequest xmlns="urn:example:crm:types"><id>001A000001Xyz12AAB</id></GetAccountRequest>'
    "</soap:Body></soap:Envelope>"
)
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:example:crm/GetAccount"'}
WHERE = "[apis.test]"
_ENVELOPES: dict[str, MockEnvelope] = {}


def envelope(source: Any) -> MockEnvelope:
    key = str(source)
    if key not in _ENVELOPES:
        _ENVELOPES[key] = compile_mock(load_contract(source), seed=7)
    return _ENVELOPES[key]


def sandboxed(source: Any, table: dict[str, Any]) -> SandboxedMock:
    mock = envelope(source)
    return SandboxedMock(mock, [faults_layer(mock, table, MemoryStore(), api="test", where=WHERE)])


def rest_client(table: dict[str, Any]) -> httpx.Client:
    return httpx.Client(transport=MockTransport(sandboxed(PAYMENTS, table)), base_url="http://sandbox.test", timeout=10)


# -- declared error answers ------------------------------------------------------------------------


def test_rest_error_rate_one_answers_a_declared_error_or_problem_json() -> None:
    with rest_client({"error_rate": 1.0}) as client:
        response = client.get("/v1/customers/cus_1", headers=KEY)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 503


def test_rest_prefer_status_is_answered_from_the_contract_when_declared() -> None:
    with rest_client({}) as client:
        response = client.get("/v1/customers/cus_1", headers={**KEY, "Prefer": "ctk-fault=404"})
        plain = client.get("/v1/customers/cus_1", headers=KEY)
    assert response.status_code == 404
    assert plain.status_code == 200


def test_soap_error_rate_one_answers_the_declared_fault() -> None:
    mock = sandboxed(CRM, {"error_rate": 1.0})
    result = mock(Request("POST", envelope(CRM).mount, "", _lower(SOAP_HEADERS), GET_ACCOUNT.encode()))
    assert result.response.status == 500
    body = result.response.body.decode()
    assert "Fault" in body and "CrmFault" in body


def test_graphql_error_rate_one_answers_a_field_error() -> None:
    mock = sandboxed(INVENTORY, {"error_rate": 1.0})
    body = json.dumps({"query": "{ products(first: 1) { edges { node { id } } } }"}).encode()
    result = mock(Request("POST", envelope(INVENTORY).mount, "", (("content-type", "application/json"),), body))
    assert result.response.status == 200  # a resolver error (tests/sandbox/test_fault_answers.py: partial data)
    answer = json.loads(result.response.body)
    assert answer["errors"][0]["path"] == ["products"] and answer["data"] is None  # non-null all the way up


def test_fail_first_two_then_success_per_session() -> None:
    with rest_client({"fail_first": 2}) as client:
        statuses = [client.get("/v1/customers/cus_1", headers=KEY).status_code for _ in range(3)]
        other = client.get("/v1/customers/cus_1", headers={**KEY, "X-Ctk-Session": "other"}).status_code
    assert statuses == [503, 503, 200]
    assert other == 503  # each session has its own first calls


def test_operation_override() -> None:
    table = {"operations": {"GET /customers/{customer_id}": {"error_rate": 1.0}}}
    with rest_client(table) as client:
        assert client.get("/v1/customers/cus_1", headers=KEY).status_code == 503
        assert client.get("/v1/customers", headers=KEY).status_code == 200


# -- latency ---------------------------------------------------------------------------------------


def test_latency_adds_at_least_the_delay() -> None:
    with rest_client({"latency": {"fixed_ms": 200}}) as client:
        started = time.monotonic()
        assert client.get("/v1/customers/cus_1", headers=KEY).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_prefer_latency_alone() -> None:
    with rest_client({}) as client:
        started = time.monotonic()
        client.get("/v1/customers/cus_1", headers={**KEY, "Prefer": "ctk-latency=150"})
    assert time.monotonic() - started >= 0.15


# -- broken connections: real HTTP and in-process ---------------------------------------------------

# What httpx raises against ctk's own server, checked here, and what MockTransport raises in-process.
EXPECTED = {
    "reset": (httpx.ReadError, httpx.RemoteProtocolError),
    "empty": (httpx.RemoteProtocolError,),
    "truncated": (httpx.RemoteProtocolError,),
    "malformed-chunk": (httpx.RemoteProtocolError,),
}


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    app = MockASGIApp(sandboxed(PAYMENTS, {}), limits=DEFAULT_LIMITS)
    with serve_in_thread(app, **uvicorn_options(DEFAULT_LIMITS)) as url:
        yield url


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_transport_fault_over_http_and_in_process(served: str, fault: str) -> None:
    headers = {**KEY, "Prefer": f"ctk-fault={fault}"}
    with httpx.Client(base_url=served, timeout=10) as client, pytest.raises(httpx.TransportError) as over_http:
        client.get("/v1/customers/cus_1", headers=headers)
    assert isinstance(over_http.value, EXPECTED[fault]), repr(over_http.value)
    with rest_client({}) as client, pytest.raises(httpx.TransportError) as in_process:
        client.get("/v1/customers/cus_1", headers=headers)
    assert type(in_process.value) is type(over_http.value)


def test_timeout_over_http_and_in_process(served: str) -> None:
    headers = {**KEY, "Prefer": "ctk-fault=timeout"}
    with httpx.Client(base_url=served, timeout=0.5) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/v1/customers/cus_1", headers=headers)
    with rest_client({}) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/v1/customers/cus_1", headers=headers)


def test_served_normal_answer_and_trickle(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as client:
        assert client.get("/v1/customers/cus_1", headers=KEY).status_code == 200
    app = MockASGIApp(sandboxed(PAYMENTS, {"trickle_bytes_per_s": 100_000}), limits=DEFAULT_LIMITS)
    with serve_in_thread(app, **uvicorn_options(DEFAULT_LIMITS)) as url, httpx.Client(base_url=url, timeout=10) as c:
        response = c.get("/v1/customers/cus_1", headers=KEY)
    assert response.status_code == 200 and response.json()["id"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("reset", requests.exceptions.ConnectionError),
        ("empty", requests.exceptions.ConnectionError),
        ("truncated", requests.exceptions.ChunkedEncodingError),
        ("malformed-chunk", requests.exceptions.ChunkedEncodingError),
    ],
)
def test_zeep_transport_raises_the_requests_error(fault: str, error: type[Exception]) -> None:
    import zeep

    mock = sandboxed(CRM, {})
    transport = MockZeepTransport(mock)
    client = zeep.Client(f"http://ctk.mock{mock.mount}?wsdl", transport=transport)
    with client.settings(extra_http_headers={"Prefer": f"ctk-fault={fault}"}), pytest.raises(error):
        client.service.GetAccount(id="001A000001Xyz12AAB")


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"eror_rate": 0.1}, "faults.eror_rate"),
        ({"error_rate": 1.5}, "faults.error_rate"),
        ({"latency": {"fixed_ms": -5}}, "faults.latency.fixed_ms"),
        ({"connection": {"reset": 2}}, "faults.connection.reset"),
        ({"outage": {"every_s": 0, "for_s": 1}}, "faults.outage"),
    ],
)
def test_config_errors_name_the_key(table: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        sandboxed(PAYMENTS, table)
    assert f"sandbox.toml {WHERE}.{named}" in str(raised.value)


def test_unknown_key_suggests_the_known_one() -> None:
    with pytest.raises(ConfigError) as raised:
        sandboxed(PAYMENTS, {"eror_rate": 0.1})
    assert "error_rate" in (raised.value.hint or "")


# -- reproducibility -------------------------------------------------------------------------------


def _sequence() -> list[str]:
    table = {"error_rate": 0.3, "connection": {"reset": 0.1, "empty": 0.1}, "latency": {"min_ms": 0, "max_ms": 5}}
    mock = sandboxed(PAYMENTS, table)
    out = []
    for _ in range(40):
        result = mock(Request("GET", "/v1/customers/cus_1", "", (("x-api-key", "sk_test_1"),)))
        out.append(f"{result.response.status}/{result.transport_fault}/{result.delay:.6f}")
    return out


def test_same_seed_same_faults() -> None:
    first = _sequence()
    assert first == _sequence()
    assert len(set(first)) > 3  # the draws vary from request to request


def _lower(headers: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name.lower(), value) for name, value in headers.items())

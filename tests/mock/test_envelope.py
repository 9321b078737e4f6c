"""The envelope every protocol's mock is served in, and what a MockResult reports, for REST, SOAP and GraphQL.

Each protocol's mock supplies only its request path; the memo, the crash guard, the admin endpoints and
the deprecated-use counts are the envelope's, so they are checked here once per protocol.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.exchange import MockResult, Request, Violation
from toolkit.mock import CompiledMock, MockEnvelope

CRM = "urn:example:crm:types"
API_KEY = (("x-api-key", "sk_test_1"),)


def _envelope(path: str, **options: Any) -> MockEnvelope:
    return compile_mock(load_contract(REPO / path), seed=1, **options)


@pytest.fixture(scope="module")
def rest() -> MockEnvelope:
    return _envelope("contracts/payments/v2", mount="/v2")


@pytest.fixture(scope="module")
def soap() -> MockEnvelope:
    return _envelope("contracts/crm/v2", mount="/crm")


@pytest.fixture(scope="module")
def graphql() -> MockEnvelope:
    return _envelope("contracts/inventory/v2", mount="/graphql")


def _soap(action: str, body: str) -> Request:
    envelope = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    )
    headers = (("content-type", "text/xml; charset=utf-8"), ("soapaction", f'"urn:example:crm/{action}"'))
    return Request("POST", "/crm", headers=headers, body=envelope.encode())


def _graphql(query: str) -> Request:
    body = json.dumps({"query": query}).encode()
    return Request("POST", "/graphql", headers=(("content-type", "application/json"),), body=body)


def test_every_protocols_mock_is_a_compiled_mock(rest: MockEnvelope, soap: MockEnvelope, graphql: MockEnvelope) -> None:
    for envelope, label in ((rest, "OpenAPI"), (soap, "SOAP"), (graphql, "GraphQL")):
        assert isinstance(envelope.mock, CompiledMock)
        assert envelope.mock.protocol_label == label
        assert envelope.contract is envelope.mock.contract


# -- what a MockResult reports ------------------------------------------------------------------------------


def test_rest_reports_the_operation_its_violations_and_deprecated_use(rest: MockEnvelope) -> None:
    found = rest(Request("GET", "/v2/customers/cus_1", headers=API_KEY))
    assert found.response.status == 200
    assert (found.operations, found.operation, found.violations, found.deprecated) == (
        ("GET /customers/{customer_id}",),
        "GET /customers/{customer_id}",
        (),
        (),
    )
    body = json.dumps({"amount": "ten"}).encode()
    json_type = (*API_KEY, ("content-type", "application/json"))
    refused = rest(Request("POST", "/v2/payment_intents", headers=json_type, body=body))
    assert refused.response.status in (400, 422)
    assert refused.operation == "POST /payment_intents"
    assert refused.violations and all(isinstance(v, Violation) for v in refused.violations)
    listed = json.loads(refused.response.body)["errors"]
    # the neutral violations are what the problem+json lists (the protocol's rendering of them)
    assert [(v.part, v.pointer, v.message) for v in refused.violations] == [
        (entry["in"], entry.get("pointer"), entry["detail"]) for entry in listed if "in" in entry
    ]
    charges = rest(Request("GET", "/v2/charges", headers=API_KEY))
    assert charges.deprecated == ("GET /charges",) and charges.response.header("deprecation")


def test_a_path_no_operation_matches_reports_none(rest: MockEnvelope, soap: MockEnvelope) -> None:
    assert rest(Request("GET", "/v2/nowhere", headers=API_KEY)).operations == ()
    assert soap(Request("GET", "/crm", query="wsdl")).operations == ()


def test_soap_reports_the_operation_its_violations_and_deprecated_use(soap: MockEnvelope) -> None:
    ok = soap(_soap("GetAccount", f'<GetAccountRequest xmlns="{CRM}"><id>001A000001Xyz12AAB</id></GetAccountRequest>'))
    assert ok.response.status == 200
    assert ok.operations == ("CrmService/CrmSoap11Port/GetAccount",) and ok.violations == ()
    bad = soap(_soap("GetAccount", f'<GetAccountRequest xmlns="{CRM}"><id>short</id></GetAccountRequest>'))
    assert bad.response.status == 500 and b"Client" in bad.response.body
    assert bad.operation == "CrmService/CrmSoap11Port/GetAccount"
    (violation,) = bad.violations
    assert violation.part == "envelope" and violation.pointer and "/id" in violation.pointer
    assert violation.message.encode() in bad.response.body.replace(b"&quot;", b'"').replace(b"&apos;", b"'")
    listed = soap(
        _soap(
            "ListContacts",
            f'<ListContactsRequest xmlns="{CRM}"><accountId>001A000001Xyz12AAB</accountId></ListContactsRequest>',
        )
    )
    assert listed.deprecated == ("CrmService/CrmSoap11Port/ListContacts",)


def test_graphql_reports_the_root_fields_its_violations_and_deprecated_use(graphql: MockEnvelope) -> None:
    fragment = "fragment F on Query { warehouses { id } }"
    both = graphql(_graphql('{ product(id: "1") { id } ...F } ' + fragment))
    assert both.response.status == 200
    assert both.operations == ("Query.product", "Query.warehouses")  # through the fragment too
    bad = graphql(_graphql('{ product(id: "1") { nosuchfield } }'))
    assert bad.operations == ("Query.product",)
    (violation,) = bad.violations
    assert violation.part == "document" and violation.pointer == "1:22" and "nosuchfield" in violation.message
    old = graphql(_graphql('{ productBySku(sku: "A") { sku } }'))
    assert old.deprecated == ("Query.productBySku",)


# -- the envelope ---------------------------------------------------------------------------------------------


def test_the_memo_answers_a_repeated_request_from_memory_for_every_protocol(
    rest: MockEnvelope, soap: MockEnvelope, graphql: MockEnvelope
) -> None:
    requests = (
        (rest, Request("GET", "/v2/customers/cus_memo", headers=API_KEY)),
        (
            soap,
            _soap("GetAccount", f'<GetAccountRequest xmlns="{CRM}"><id>001A000001Xyz12MEM</id></GetAccountRequest>'),
        ),
        (graphql, _graphql('{ product(id: "memo") { id name } }')),
    )
    for envelope, request in requests:
        first = envelope(request)  # seen once: remembered by its key's hash alone (Memo repeats_only)
        second = envelope(request)  # seen again: kept
        assert second == first
        assert envelope(request) is second  # the same object: answered from the memo


def test_deprecated_uses_are_counted_for_every_protocol_memo_hits_included() -> None:
    rest = _envelope("contracts/payments/v2", mount="/v2")
    soap = _envelope("contracts/crm/v2", mount="/crm")
    graphql = _envelope("contracts/inventory/v2", mount="/graphql")
    listing = _soap(
        "ListContacts",
        f'<ListContactsRequest xmlns="{CRM}"><accountId>001A000001Xyz12AAB</accountId></ListContactsRequest>',
    )
    for _ in range(2):
        rest(Request("GET", "/v2/charges", headers=API_KEY))
        soap(listing)
        graphql(_graphql('{ productBySku(sku: "A") { sku } }'))
    assert rest.deprecated_uses == {"GET /charges": 2}
    assert soap.deprecated_uses == {"CrmService/CrmSoap11Port/ListContacts": 2}
    assert graphql.deprecated_uses == {"Query.productBySku": 2}


def test_a_bug_is_one_500_in_each_protocols_own_form_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> MockResult:
        raise LookupError("a bug only this test raises")

    cases = (
        ("contracts/payments/v2", "/v2", Request("GET", "/v2/customers", headers=API_KEY), "application/problem+json"),
        ("contracts/crm/v2", "/crm", _soap("GetAccount", "<x/>"), "text/xml"),
        ("contracts/inventory/v2", "/graphql", _graphql("{ warehouses { id } }"), "json"),
    )
    for path, mount, request, media in cases:
        envelope = _envelope(path, mount=mount)
        monkeypatch.setattr(envelope.mock, "answer", broken)
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="ctk.mock"):
            answers = [envelope(request) for _ in range(3)]
        response = answers[0].response
        assert response.status == 500 and media in (response.header("content-type") or "")
        assert b"LookupError" in response.body and b"bug in ctk" in response.body
        assert len([record for record in caplog.records if record.exc_info]) <= 1  # once per place, run-wide
    soap_fault = _envelope("contracts/crm/v2", mount="/crm")
    monkeypatch.setattr(soap_fault.mock, "answer", broken)
    assert b"Server" in soap_fault(_soap("GetAccount", "<x/>")).response.body  # the server's fault, not the client's


def test_the_admin_endpoints_answer_for_every_protocol(soap: MockEnvelope, graphql: MockEnvelope) -> None:
    for envelope in (soap, graphql):
        health = envelope(Request("GET", "/__ctk/health"))
        assert (health.response.status, health.response.body) == (200, b'{"status":"ok"}')
        url = json.dumps({"url": "http://127.0.0.1:9/"}).encode()
        missing = envelope(Request("POST", "/__ctk/webhooks/paid", body=url)).response
        assert missing.status == 404
        assert "no webhook named 'paid'; the contract has: (none)" in json.loads(missing.body)["detail"]


def test_an_answer_that_sends_events_is_never_replayed_from_the_memo() -> None:
    envelope = _envelope(
        "contracts/payments/v1",
        mount="/v1",
        webhook_url="http://127.0.0.1:9/hook",
        webhook_after={"POST /customers": "payment_intent.succeeded"},
    )
    request = Request("POST", "/v1/customers", headers=(*API_KEY, ("content-type", "application/json")), body=b"{}")
    first, second = envelope(request), envelope(request)
    assert first.deliveries and second.deliveries and first is not second

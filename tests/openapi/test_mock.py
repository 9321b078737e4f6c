"""Behaviour of the sans-IO OpenAPI mock (``OpenAPIMock``): routing, validation, responses, data, webhooks.

Every test talks to the mock the way an adapter does, with a neutral ``Request``, so a failure
points at the core and not at a server or a client library. The payments contract is the example
workspace's own; the small contracts in tests/data/mock/ cover what it does not (3.0, Swagger 2.0,
header and cookie parameters, no security, a 422-only API, text and XML, callbacks).
"""

from __future__ import annotations

import email.utils
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import DATA, REPO
from toolkit.exchange import MockResult, Request, Response
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.openapi.mock.handler import OpenAPIMock, OpenAPIMockOptions
from toolkit.openapi.mock.responses import validator_of

PAYMENTS_V1 = REPO / "contracts" / "payments" / "v1"
PAYMENTS_V2 = REPO / "contracts" / "payments" / "v2"
MOCK_DATA = DATA / "mock"
KEY = (("x-api-key", "sk_test_123"),)
PROBLEM = "application/problem+json"


def make_mock(source: Path, **options: Any) -> OpenAPIMock:
    contract = load_contract(source)
    return MockEnvelope(OpenAPIMock(contract, OpenAPIMockOptions(**options)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def payments() -> OpenAPIMock:
    return make_mock(PAYMENTS_V1, seed=1)


@pytest.fixture(scope="module")
def pets() -> OpenAPIMock:
    return make_mock(MOCK_DATA / "pets30.yaml")


def call(mock: OpenAPIMock, *args: Any, **kwargs: Any) -> Response:
    """``send``'s response alone."""
    return send(mock, *args, **kwargs).response


def send(
    mock: OpenAPIMock,
    method: str,
    path: str,
    query: str = "",
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes | dict[str, Any] = b"",
    *,
    auth: bool = True,
) -> MockResult:
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        headers = (("content-type", "application/json"), *headers)
    all_headers = (*(KEY if auth else ()), *headers)
    return mock(Request(method, path, query, all_headers, body))


def as_json(response: Response) -> Any:
    return json.loads(response.body)


def problem(response: Response, status: int) -> dict[str, Any]:
    """The RFC 9457 body of a problem response, after checking its status and media type."""
    assert response.status == status, (response.status, response.body)
    assert response.header("content-type") == PROBLEM, response.headers
    body = as_json(response)
    assert body["status"] == status and body["title"] and body["type"], body
    return body  # type: ignore[no-any-return]


def check_schema(schema: dict[str, Any], value: Any) -> None:
    """Validate with the reference implementation (python-jsonschema), not the mock's own engine."""
    validator = jsonschema.Draft202012Validator
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(value)


def response_schema(mock: OpenAPIMock, operation: str, status: int, media_type: str = "") -> dict[str, Any]:
    spec = mock.mock.operations[operation].responses.for_status(status)
    assert spec is not None and spec.media, (operation, status)
    media = next(m for m in spec.media if not media_type or m.media_type == media_type)
    return validator_of(media, mock.mock.validators).json_schema


# -- routing ---------------------------------------------------------------------------------------


def test_templated_path_routes_and_echoes_the_id(payments: OpenAPIMock) -> None:
    response = call(payments, "GET", "/v1/customers/cus_1")
    assert response.status == 200
    assert response.header("content-type") == "application/json"
    assert as_json(response)["id"] == "cus_1"
    deep = call(payments, "POST", "/v1/payment_intents/pi_42/confirm")
    assert deep.status == 200 and as_json(deep)["id"] == "pi_42"


def test_mount_point_is_the_first_server_path(payments: OpenAPIMock) -> None:
    assert payments.mock.router.mount == "/v1"
    assert problem(call(payments, "GET", "/customers"), 404)  # not under /v1
    assert call(payments, "GET", "/v1/customers/").status == 200  # a trailing slash is tolerated


def test_unknown_path_is_404_problem(payments: OpenAPIMock) -> None:
    body = problem(call(payments, "GET", "/v1/invoices"), 404)
    assert "/v1/invoices" in body["detail"]
    problem(call(payments, "GET", "/v1/customers/cus_1/extra/segments"), 404)


def test_wrong_method_is_405_with_allow(payments: OpenAPIMock) -> None:
    response = call(payments, "PUT", "/v1/customers/cus_1")
    problem(response, 405)
    allowed = {m.strip() for m in (response.header("allow") or "").split(",")}
    assert {"GET", "POST", "DELETE"} <= allowed
    assert "PUT" not in allowed and "PATCH" not in allowed


def test_head_has_the_headers_of_get_and_no_body(payments: OpenAPIMock) -> None:
    get = call(payments, "GET", "/v1/customers/cus_1")
    head = call(payments, "HEAD", "/v1/customers/cus_1")
    assert head.status == get.status == 200
    assert head.body == b""
    assert head.headers == (*get.headers, ("content-length", str(len(get.body))))


def test_options_answers_allow_and_cors_preflight(payments: OpenAPIMock) -> None:
    plain = call(payments, "OPTIONS", "/v1/customers", auth=False)
    assert plain.status == 204 and plain.body == b""
    assert set((plain.header("allow") or "").replace(" ", "").split(",")) == {"GET", "POST", "HEAD", "OPTIONS"}
    assert plain.header("access-control-allow-origin") is None
    preflight = call(
        payments, "OPTIONS", "/v1/customers",
        headers=(("origin", "http://localhost:3000"), ("access-control-request-headers", "x-api-key")),
        auth=False,
    )  # fmt: skip
    assert preflight.status == 204
    assert preflight.header("access-control-allow-origin") == "http://localhost:3000"
    assert "POST" in (preflight.header("access-control-allow-methods") or "")
    assert preflight.header("access-control-allow-headers") == "x-api-key"


def test_literal_path_beats_template(pets: OpenAPIMock) -> None:
    mine = call(pets, "GET", "/api/pets/mine")
    assert mine.status == 200 and as_json(mine) == {"owner": "me"}
    one = call(pets, "GET", "/api/pets/7")
    assert one.status == 200 and as_json(one)["id"] == 7


def test_percent_encoded_slash_stays_inside_the_parameter(pets: OpenAPIMock, payments: OpenAPIMock) -> None:
    response = call(pets, "GET", "/api/files/reports%2F2024.csv")
    assert response.status == 200, response.body
    assert as_json(response)["file_name"] == "reports/2024.csv"
    # On payments the decoded value is validated (and fails the id pattern): routed, not a 404.
    body = problem(call(payments, "GET", "/v1/customers/cus_1%2Fcus_2"), 400)
    assert [(e["in"], e["name"]) for e in body["errors"]] == [("path", "customer_id")]


# -- validation ------------------------------------------------------------------------------------


def test_every_violation_listed_with_its_location_in_the_contracts_400(payments: OpenAPIMock) -> None:
    response = call(
        payments, "POST", "/v1/payment_intents",
        headers=(("idempotency-key", ""),),
        body={"amount": 0, "currency": "USD", "capture_method": "later"},
    )  # fmt: skip
    assert response.status == 400
    assert response.header("content-type") == PROBLEM
    body = as_json(response)
    check_schema(response_schema(payments, "POST /payment_intents", 400), body)
    places = {(e["in"], e.get("pointer") or e.get("name")) for e in body["errors"]}
    assert places == {
        ("header", "Idempotency-Key"),
        ("body", "/amount"),
        ("body", "/currency"),
        ("body", "/capture_method"),
    }
    assert all(e["detail"] for e in body["errors"])


def test_query_parameter_types_and_bounds(payments: OpenAPIMock) -> None:
    assert call(payments, "GET", "/v1/customers", "limit=5").status == 200
    for bad in ("limit=0", "limit=101", "limit=ten", "customer=nobody"):
        path = "/v1/payment_intents"
        body = problem(call(payments, "GET", path, bad), 400)
        assert [(e["in"], e["name"]) for e in body["errors"]] == [("query", bad.split("=")[0])], bad


def test_arrays_in_form_explode_and_comma_style(pets: OpenAPIMock) -> None:
    ok = (("x-request-id", "0b7d7e2a-3c1f-4b8e-9a61-5d2f4c7e8a90"), ("cookie", "session=abcd"))
    assert call(pets, "GET", "/api/pets", "tags=cat&tags=dog&ids=1,2,3", ok).status == 200
    body = problem(call(pets, "GET", "/api/pets", "tags=cat&tags=fish", ok), 400)
    assert [(e["in"], e["name"], e.get("pointer")) for e in body["errors"]] == [("query", "tags", "/1")]
    body = problem(call(pets, "GET", "/api/pets", "ids=1,x", ok), 400)
    assert [(e["name"], e.get("pointer")) for e in body["errors"]] == [("ids", "/1")]
    body = problem(call(pets, "GET", "/api/pets", "ids=1,2,3,4", ok), 400)
    assert [e["name"] for e in body["errors"]] == ["ids"]


def test_deep_object_and_enum(pets: OpenAPIMock) -> None:
    ok = (("x-request-id", "0b7d7e2a-3c1f-4b8e-9a61-5d2f4c7e8a90"), ("cookie", "session=abcd"))
    assert call(pets, "GET", "/api/pets", "filter[min_age]=2&filter[kind]=dog&sort=age", ok).status == 200
    body = problem(call(pets, "GET", "/api/pets", "filter[min_age]=-1&filter[colour]=red&sort=size", ok), 400)
    found = {(e["name"], e.get("pointer", "")) for e in body["errors"]}
    assert ("filter", "/min_age") in found
    assert ("sort", "") in found
    assert any(name == "filter" and "colour" in e["detail"] for e in body["errors"] for name in [e["name"]])


def test_header_and_cookie_parameters(pets: OpenAPIMock) -> None:
    body = problem(call(pets, "GET", "/api/pets"), 400)
    assert {(e["in"], e["name"]) for e in body["errors"]} == {("header", "X-Request-Id"), ("cookie", "session")}
    bad = (("x-request-id", "not-a-uuid"), ("x-page", "0"), ("cookie", "theme=dark; session=ab"))
    body = problem(call(pets, "GET", "/api/pets", headers=bad), 400)
    assert {(e["in"], e["name"]) for e in body["errors"]} == {
        ("header", "X-Request-Id"),
        ("header", "X-Page"),
        ("cookie", "session"),
    }
    good = (("x-request-id", "0b7d7e2a-3c1f-4b8e-9a61-5d2f4c7e8a90"), ("x-page", "2"), ("cookie", "session=abcd"))
    assert call(pets, "GET", "/api/pets", headers=good).status == 200


def test_form_urlencoded_body_with_bracket_nesting(payments: OpenAPIMock) -> None:
    form = (("content-type", "application/x-www-form-urlencoded"),)
    good = b"email=jenny%40example.com&address[city]=Paris&address[country]=FR&metadata[crm_id]=A-1"
    response = call(payments, "POST", "/v1/customers", headers=form, body=good)
    assert response.status == 201, response.body
    created = as_json(response)
    assert created["email"] == "jenny@example.com"  # the created resource repeats what was sent
    assert created["address"]["city"] == "Paris" and created["metadata"] == {"crm_id": "A-1"}
    typed = call(payments, "POST", "/v1/payment_intents", headers=form, body=b"amount=2000&confirm=true")
    assert typed.status == 201 and as_json(typed)["amount"] == 2000  # "2000" typed by the schema
    bad = call(payments, "POST", "/v1/customers", headers=form, body=b"email=nope&address[country]=France")
    body = as_json(bad)
    assert bad.status == 400
    assert {e["pointer"] for e in body["errors"]} == {"/email", "/address/country"}


def test_multipart_body(pets: OpenAPIMock) -> None:
    boundary = "ctkboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nRex\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="age"\r\n\r\n3\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="rex.png"\r\n'
        "Content-Type: image/png\r\n\r\n\x89PNG\r\n",
        f"--{boundary}--\r\n",
    ]
    headers = (("content-type", f"multipart/form-data; boundary={boundary}"),)
    ok = call(pets, "POST", "/api/pets", headers=headers, body="".join(parts).encode("latin-1"))
    assert ok.status == 201, ok.body
    assert as_json(ok)["name"] == "Rex"
    missing = "".join([parts[0].replace("Rex", "x" * 30), parts[3]]).encode()
    body = problem(call(pets, "POST", "/api/pets", headers=headers, body=missing), 400)
    details = " ".join(e["detail"] for e in body["errors"])
    assert all(e["in"] == "body" for e in body["errors"])
    assert "photo" in details and any(e.get("pointer") == "/name" for e in body["errors"])


def test_json_body_with_charset_parameter(payments: OpenAPIMock) -> None:
    headers = (("content-type", "application/json; charset=utf-8"),)
    assert call(payments, "POST", "/v1/refunds", headers=headers, body=b'{"charge": "ch_1"}').status == 201
    problem(call(payments, "POST", "/v1/refunds", headers=(("content-type", "application/jsonx"),), body=b"{}"), 415)


def test_json_body_that_does_not_parse(payments: OpenAPIMock) -> None:
    response = call(payments, "POST", "/v1/payment_intents", headers=(("content-type", "application/json"),), body=b"{")
    body = as_json(response)
    assert response.status == 400
    assert body["errors"][0]["in"] == "body" and "JSON" in body["errors"][0]["detail"]


def test_required_body_missing(payments: OpenAPIMock) -> None:
    body = as_json(call(payments, "POST", "/v1/refunds"))
    assert [e["in"] for e in body["errors"]] == ["body"]


def test_undeclared_content_type_is_415(payments: OpenAPIMock) -> None:
    response = call(payments, "POST", "/v1/customers", headers=(("content-type", "text/csv"),), body=b"a,b")
    body = problem(response, 415)
    assert body["errors"][0]["in"] == "header" and "text/csv" in body["errors"][0]["detail"]


def test_missing_credentials_is_the_contracts_401_without_details(payments: OpenAPIMock) -> None:
    response = call(payments, "POST", "/v1/payment_intents", body={"amount": -5}, auth=False)
    assert response.status == 401
    assert response.header("content-type") == PROBLEM
    body = as_json(response)
    check_schema(response_schema(payments, "POST /payment_intents", 401), body)
    assert not body.get("errors")  # the invalid amount is not revealed before authentication
    assert "amount" not in response.body.decode()
    bearer = call(payments, "GET", "/v1/customers", headers=(("authorization", "Bearer eyJ.x.y"),), auth=False)
    assert bearer.status == 200
    assert call(payments, "GET", "/v1/customers", headers=(("authorization", "Bearer "),), auth=False).status == 401


def test_401_is_problem_json_when_the_contract_declares_none() -> None:
    mock = make_mock(MOCK_DATA / "orders422.yaml")
    response = mock(Request("POST", "/orders", headers=(("content-type", "application/json"),), body=b'{"sku": 1}'))
    body = problem(response.response, 401)
    assert "X-Key".lower() in body["detail"].lower()
    assert "errors" not in body


def test_422_only_contract_gets_its_own_schema() -> None:
    mock = make_mock(MOCK_DATA / "orders422.yaml")
    headers = (("x-key", "k"), ("content-type", "application/json"))
    response = mock(Request("POST", "/orders", headers=headers, body=b'{"sku": "abc", "quantity": 0}')).response
    assert response.status == 422, response.body
    body = as_json(response)
    check_schema(response_schema(mock, "POST /orders", 422), body)
    assert {e["pointer"] for e in body["errors"]} == {"/sku", "/quantity"}
    created = mock(Request("POST", "/orders", headers=headers, body=b'{"sku": "ABC-123", "quantity": 2}')).response
    assert created.status == 201 and as_json(created)["quantity"] == 2


def test_validate_false_accepts_anything() -> None:
    mock = make_mock(PAYMENTS_V1, validate=False)
    response = mock(Request("POST", "/v1/payment_intents", "limit=x", (("content-type", "text/csv"),), b"???"))
    assert response.response.status == 201
    assert mock(Request("GET", "/v1/customers/nope")).response.status == 200


def test_no_security_contract_needs_no_credentials(pets: OpenAPIMock) -> None:
    response = call(pets, "GET", "/api/pets/3", auth=False)
    assert response.status == 200


def test_openapi30_nullable(pets: OpenAPIMock) -> None:
    assert call(pets, "POST", "/api/pets", body={"name": "Rex", "tag": None}).status == 201
    body = problem(call(pets, "POST", "/api/pets", body={"name": None}), 400)
    assert [e["pointer"] for e in body["errors"]] == ["/name"]


def test_swagger2_body_and_form_data_parameters() -> None:
    mock = make_mock(MOCK_DATA / "swagger2.yaml")
    json_type = (("content-type", "application/json"),)
    created = mock(Request("POST", "/v2/users", headers=json_type, body=b'{"name": "Ann"}'))
    assert created.response.status == 201 and as_json(created.response)["name"] == "Ann"
    nullable = mock(Request("POST", "/v2/users", headers=json_type, body=b'{"name": "Bo", "email": null}'))
    assert nullable.response.status == 201  # x-nullable is honoured
    bad = mock(Request("POST", "/v2/users", headers=json_type, body=b'{"email": "bo"}'))
    assert bad.response.status == 400
    assert {(e["in"], e["pointer"]) for e in as_json(bad.response)["errors"]} == {("body", ""), ("body", "/email")}
    form = (("content-type", "application/x-www-form-urlencoded"),)
    assert mock(Request("POST", "/v2/avatars", headers=form, body=b"user_id=3&caption=hi")).response.status == 200
    rejected = as_json(mock(Request("POST", "/v2/avatars", "", form, b"user_id=0&caption=far+too+long")).response)
    assert {e["pointer"] for e in rejected["errors"]} == {"/user_id", "/caption"}
    assert mock(Request("GET", "/v2/users/5", "fields=name,email")).response.status == 200
    fields = as_json(mock(Request("GET", "/v2/users/5", "fields=name,phone")).response)
    assert [(e["in"], e["name"]) for e in fields["errors"]] == [("query", "fields")]


# -- responses -------------------------------------------------------------------------------------


def test_lowest_2xx_by_default(payments: OpenAPIMock) -> None:
    assert call(payments, "POST", "/v1/customers", body={"name": "Ann"}).status == 201
    assert call(payments, "DELETE", "/v1/customers/cus_1").status == 200


def test_prefer_code_and_preference_applied(payments: OpenAPIMock) -> None:
    response = call(payments, "GET", "/v1/customers/cus_1", headers=(("prefer", "code=404"),))
    assert response.status == 404
    assert response.header("content-type") == PROBLEM
    assert response.header("preference-applied") == "code=404"
    check_schema(response_schema(payments, "GET /customers/{customer_id}", 404), as_json(response))
    limited = call(payments, "GET", "/v1/customers", headers=(("prefer", "code=429"),))
    assert limited.status == 429 and int(limited.header("retry-after") or "0") >= 1


def test_prefer_example(payments: OpenAPIMock) -> None:
    response = call(payments, "GET", "/v1/customers/cus_1", headers=(("prefer", "code=404, example=deleted"),))
    assert response.status == 404
    assert as_json(response)["code"] == "resource_deleted"
    assert response.header("preference-applied") == "code=404, example=deleted"
    jenny = call(payments, "GET", "/v1/customers/cus_9s6XKzkNRiz8i3", headers=(("prefer", "example=jenny"),))
    assert as_json(jenny)["name"] == "Jenny Rosen"


def test_example_used_for_its_own_resource_and_dynamic_ignores_it(payments: OpenAPIMock) -> None:
    path = "/v1/customers/cus_9s6XKzkNRiz8i3"
    assert as_json(call(payments, "GET", path))["email"] == "jenny.rosen@example.com"
    dynamic = call(payments, "GET", path, headers=(("prefer", "dynamic=true"),))
    assert dynamic.header("preference-applied") == "dynamic=true"
    generated = as_json(dynamic)
    assert generated["id"] == "cus_9s6XKzkNRiz8i3"
    assert generated["email"] != "jenny.rosen@example.com"
    check_schema(response_schema(payments, "GET /customers/{customer_id}", 200), generated)


def test_prefer_unknown_code_is_400_problem(payments: OpenAPIMock) -> None:
    body = problem(call(payments, "GET", "/v1/customers/cus_1", headers=(("prefer", "code=418"),)), 400)
    assert "418" in body["detail"]


def test_content_type_exact_text_and_xml(pets: OpenAPIMock) -> None:
    text = call(pets, "GET", "/api/pets/3/note")
    assert text.header("content-type") == "text/plain"
    assert 1 <= len(text.body.decode()) <= 80
    xml = call(pets, "GET", "/api/pets/3", headers=(("accept", "application/xml"),))
    assert xml.status == 200 and xml.header("content-type") == "application/xml"
    root = ET.fromstring(xml.body)
    assert root.findtext("id") == "3"
    assert call(pets, "GET", "/api/pets/3").header("content-type") == "application/json"
    refused = call(pets, "GET", "/api/pets/3", headers=(("accept", "text/csv"),))
    assert refused.status == 406


def test_declared_response_headers_present(pets: OpenAPIMock) -> None:
    ok = (("x-request-id", "0b7d7e2a-3c1f-4b8e-9a61-5d2f4c7e8a90"), ("cookie", "session=abcd"))
    response = call(pets, "GET", "/api/pets", headers=ok)
    assert 0 <= int(response.header("x-rate-limit-remaining") or "-1") <= 100
    assert response.header("x-next-cursor") == "cursor_2"  # the declared example


def test_deprecated_operation_sends_deprecation_and_sunset() -> None:
    mock = make_mock(PAYMENTS_V2)
    response = mock(Request("GET", "/v1/charges", headers=KEY)).response
    assert response.status == 200
    assert re.fullmatch(r"@-?\d+", response.header("deprecation") or ""), response.headers
    assert response.header("sunset") == "Wed, 30 Jun 2027 00:00:00 GMT"
    assert email.utils.parsedate_to_datetime(response.header("sunset") or "").year == 2027
    current = mock(Request("GET", "/v1/refunds", headers=KEY)).response
    assert current.header("deprecation") is None and current.header("sunset") is None


# -- data ------------------------------------------------------------------------------------------


def test_deterministic_across_calls_and_separately_compiled_mocks(payments: OpenAPIMock) -> None:
    other = make_mock(PAYMENTS_V1, seed=1)
    for path, query in (("/v1/customers/cus_1", ""), ("/v1/payment_intents", "limit=3"), ("/v1/refunds/re_9", "")):
        first = call(payments, "GET", path, query)
        assert call(payments, "GET", path, query).body == first.body
        assert call(other, "GET", path, query).body == first.body
        assert call(other, "GET", path, query).headers == first.headers


def test_different_resources_differ_and_each_is_stable(payments: OpenAPIMock) -> None:
    one = as_json(call(payments, "GET", "/v1/customers/cus_1"))
    two = as_json(call(payments, "GET", "/v1/customers/cus_2"))
    assert one["id"] == "cus_1" and two["id"] == "cus_2"
    assert {k: v for k, v in one.items() if k != "id"} != {k: v for k, v in two.items() if k != "id"}
    assert as_json(call(payments, "GET", "/v1/customers/cus_2")) == two


def test_seed_changes_the_data(payments: OpenAPIMock) -> None:
    reseeded = make_mock(PAYMENTS_V1, seed=2)
    assert call(reseeded, "GET", "/v1/customers/cus_1").body != call(payments, "GET", "/v1/customers/cus_1").body
    assert as_json(call(reseeded, "GET", "/v1/customers/cus_1"))["id"] == "cus_1"


def test_path_parameter_echoed_into_id_only(payments: OpenAPIMock) -> None:
    body = as_json(call(payments, "GET", "/v1/charges/ch_abc123"))
    assert body["id"] == "ch_abc123"
    assert "charge_id" not in body  # the path parameter's own name is not a property of Charge
    for status in (200, 404):
        text = call(payments, "GET", "/v1/customers/cus_1", headers=(("prefer", f"code={status}, dynamic=true"),)).body
        assert b"customer_id" not in text


def test_limit_sizes_a_list(payments: OpenAPIMock) -> None:
    page = as_json(call(payments, "GET", "/v1/customers", "limit=20"))
    assert len(page["data"]) == 20
    assert len({c["id"] for c in page["data"]}) == 20  # twenty different customers, not one repeated
    check_schema(response_schema(payments, "GET /customers", 200), page)
    assert len(as_json(call(payments, "GET", "/v1/charges", "limit=1"))["data"]) == 1


_IDS = {"customer_id": "cus_Q1w2E3", "intent_id": "pi_Z9x8Y7", "charge_id": "ch_K4j5H6", "refund_id": "re_M1n2B3"}
_BODIES: dict[str, dict[str, Any]] = {
    "POST /customers": {"email": "ann@example.com", "name": "Ann", "metadata": {"crm_id": "7"}},
    "POST /customers/{customer_id}": {"name": "Ann B."},
    "POST /payment_intents": {"amount": 1500, "currency": "eur", "customer": "cus_Q1w2E3"},
    "POST /refunds": {"charge": "ch_K4j5H6", "amount": 100},
}


def _every_response(mock: OpenAPIMock) -> Iterator[tuple[str, int, Response]]:
    for operation_id, status, _, _, response in _every_exchange(mock):
        yield operation_id, status, response


def _every_exchange(mock: OpenAPIMock) -> Iterator[tuple[str, int, str, str, Response]]:
    """Every declared response of every operation, asked for with ``Prefer``: (id, status, method, path, answer)."""
    for operation_id, compiled in mock.mock.operations.items():
        method, _, template = operation_id.partition(" ")
        path = "/v1" + re.sub(r"\{(\w+)\}", lambda m: _IDS[m.group(1)], template)
        body = _BODIES.get(operation_id, b"")
        for spec in compiled.responses.specs:
            for dynamic in ("false", "true"):
                prefer = (("prefer", f"code={spec.status}, dynamic={dynamic}"),)
                response = call(mock, method, path, "limit=7" if method == "GET" else "", prefer, body)
                yield operation_id, spec.status, method, path, response


@pytest.mark.parametrize("source", [PAYMENTS_V1, PAYMENTS_V2], ids=["v1", "v2"])
def test_every_response_of_payments_is_valid_against_its_schema(source: Path) -> None:
    mock = make_mock(source, seed=3)
    checked = 0
    for operation_id, status, response in _every_response(mock):
        assert response.status == status, (operation_id, status, response.body)
        spec = mock.mock.operations[operation_id].responses.for_status(status)
        assert spec is not None
        media = next(m for m in spec.media if m.media_type == response.header("content-type"))
        try:
            check_schema(validator_of(media, mock.mock.validators).json_schema, as_json(response))
        except jsonschema.ValidationError as error:
            pytest.fail(f"{operation_id} {status}: {error.message} at {list(error.absolute_path)}")
        for header in spec.headers:
            assert response.header(header.name) is not None, (operation_id, status, header.name)
        if status >= 400:  # a generated problem body states the status it was sent with
            assert as_json(response)["status"] == status, (operation_id, response.body)
        checked += 1
    assert checked >= 70  # 14 operations, each with 3-6 declared responses, with and without examples


def test_every_response_of_payments_passes_openapi_core() -> None:
    """A second opinion from openapi-core, which reads the contract itself (not ctk's converted schemas)."""
    openapi_core = pytest.importorskip("openapi_core")
    from openapi_core.testing import MockRequest, MockResponse

    config = openapi_core.Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    api = openapi_core.OpenAPI.from_file_path(str(PAYMENTS_V1 / "openapi.yaml"), config=config)
    mock = make_mock(PAYMENTS_V1, seed=5)
    checked = 0
    for operation_id, status, method, path, response in _every_exchange(mock):
        request = MockRequest("https://api.payments.example.com", method.lower(), path, headers=dict(KEY))
        answer = MockResponse(
            response.body, status_code=response.status, headers=dict(response.headers),
            content_type=response.header("content-type") or "",
        )  # fmt: skip
        try:
            api.validate_response(request, answer)
        except Exception as error:  # noqa: BLE001 - openapi-core raises several unrelated classes
            pytest.fail(f"{operation_id} {status}: {error!r} {getattr(error, '__cause__', '')!r}")
        checked += 1
    assert checked >= 70


# -- webhooks and callbacks --------------------------------------------------------------------------


def _webhook_schema(mock: OpenAPIMock, name: str) -> dict[str, Any]:
    schema, where = mock.mock.webhooks[name]
    return mock.mock.validators.validator(schema, where, "request").json_schema


def test_webhook_on_demand(payments: OpenAPIMock) -> None:
    result = payments(
        Request("POST", "/__ctk/webhooks/payment_intent.succeeded", body=b'{"url": "http://127.0.0.1:9/h"}')
    )
    assert result.response.status == 202
    assert len(result.deliveries) == 1
    delivery = result.deliveries[0]
    assert (delivery.method, delivery.url) == ("POST", "http://127.0.0.1:9/h")
    assert delivery.name == "payment_intent.succeeded"
    assert dict(delivery.headers)["content-type"] == "application/json"
    event = json.loads(delivery.body)
    check_schema(_webhook_schema(payments, "payment_intent.succeeded"), event)
    assert event["type"] == "payment_intent.succeeded"
    assert event["data"]["object"]["object"] == "payment_intent"


def test_webhook_on_demand_errors(payments: OpenAPIMock) -> None:
    unknown = payments(Request("POST", "/__ctk/webhooks/nope", body=b'{"url": "http://127.0.0.1:9/h"}'))
    assert unknown.response.status == 404 and not unknown.deliveries
    assert b"payment_intent.succeeded" in unknown.response.body  # names the webhooks that exist
    no_url = payments(Request("POST", "/__ctk/webhooks/charge.refunded"))
    assert no_url.response.status == 400 and not no_url.deliveries


def test_webhook_after_an_operation() -> None:
    mock = make_mock(
        PAYMENTS_V1,
        webhook_after={"POST /payment_intents": "payment_intent.succeeded"},
        webhook_url="http://127.0.0.1:9/events",
    )
    result = send(mock, "POST", "/v1/payment_intents", body={"amount": 2000, "currency": "usd"})
    assert result.response.status == 201
    assert [(d.name, d.url) for d in result.deliveries] == [("payment_intent.succeeded", "http://127.0.0.1:9/events")]
    check_schema(_webhook_schema(mock, "payment_intent.succeeded"), json.loads(result.deliveries[0].body))
    assert not send(mock, "GET", "/v1/payment_intents").deliveries
    rejected = send(mock, "POST", "/v1/payment_intents", body={"amount": 0})
    assert rejected.response.status == 400 and not rejected.deliveries  # an invalid call triggers nothing


def test_callback_url_from_the_request_body(pets: OpenAPIMock) -> None:
    result = send(pets, "POST", "/api/pets", body={"name": "Rex", "callbackUrl": "http://127.0.0.1:9/cb"})
    assert result.response.status == 201
    assert [(d.name, d.url) for d in result.deliveries] == [("petCreated", "http://127.0.0.1:9/cb")]
    event = json.loads(result.deliveries[0].body)
    spec = pets.mock.operations["POST /pets"].callbacks[0]
    check_schema(pets.mock.validators.validator(spec.schema, spec.schema_place, "request").json_schema, event)
    assert not send(pets, "POST", "/api/pets", body={"name": "Rex"}).deliveries  # no URL, no callback


def test_a_declared_header_is_validated_on_every_request(pets: OpenAPIMock) -> None:
    """Identical requests are memoised; one that differs only by a declared header must not share the answer."""
    good = (("x-request-id", "0b7d7e2a-3c1f-4b8e-9a61-5d2f4c7e8a90"), ("cookie", "session=abcd"))
    assert call(pets, "GET", "/api/pets", "sort=age", good).status == 200
    bad = (("x-request-id", "not-a-uuid"), ("cookie", "session=abcd"))
    body = problem(call(pets, "GET", "/api/pets", "sort=age", bad), 400)
    assert [(e["in"], e["name"]) for e in body["errors"]] == [("header", "X-Request-Id")]


def test_preference_applied_names_only_what_this_request_got(payments: OpenAPIMock) -> None:
    path = "/v1/customers/cus_9s6XKzkNRiz8i3"
    static = call(payments, "GET", path, headers=(("prefer", "dynamic=false"),))
    assert static.header("preference-applied") == "dynamic=false"
    assert call(payments, "GET", path, headers=(("prefer", "code=200"),)).header("preference-applied") == "code=200"
    assert call(payments, "GET", path).header("preference-applied") is None
    unknown = call(payments, "GET", path, headers=(("prefer", "example=nope"),))
    assert unknown.status == 200 and unknown.header("preference-applied") is None
    assert unknown.body == call(payments, "GET", path).body  # an unknown example changes nothing


# -- contracts that contradict themselves, and paths of the same shape ------------------------------

SAME_SHAPE_AND_UNSATISFIABLE = """
openapi: 3.0.3
info: {title: Odd, version: "1"}
paths:
  /secrets/{name}:
    post:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
  /secrets/{id}:
    delete:
      responses:
        "204": {description: gone}
  /items:
    get:
      responses:
        "200":
          description: an item that cannot exist (null and string at once)
          content: {application/json: {schema: {type: "null", oneOf: [{type: string}]}}}
        "404":
          description: not found
          content:
            application/json:
              schema: {type: object, required: [message], properties: {message: {type: string}}}
"""


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> OpenAPIMock:
    path = tmp_path_factory.mktemp("odd") / "odd.yaml"
    path.write_text(SAME_SHAPE_AND_UNSATISFIABLE)
    return make_mock(path)


def test_templates_of_the_same_shape_route_by_method(odd: OpenAPIMock) -> None:
    assert call(odd, "POST", "/secrets/abc").status == 200
    assert call(odd, "DELETE", "/secrets/abc").status == 204
    refused = call(odd, "PUT", "/secrets/abc")
    assert refused.status == 405
    assert set(refused.header("allow").split(", ")) >= {"POST", "DELETE"}  # type: ignore[union-attr]


def test_an_unsatisfiable_response_is_replaced_by_a_valid_declared_one(odd: OpenAPIMock) -> None:
    response = call(odd, "GET", "/items")
    assert response.status == 404  # the only declared response that can be made valid
    assert isinstance(json.loads(response.body)["message"], str)
    assert "admits no value" in (response.header("ctk-warning") or "")
    asked = call(odd, "GET", "/items", headers=(("prefer", "code=200"),))
    assert asked.status == 500
    assert asked.header("content-type") == PROBLEM


# -- hostile and odd requests: the mock answers every one, and never with a crash -----------------------


@pytest.mark.parametrize(
    ("query", "body", "headers"),
    [
        ("limit=²", b"", ()),  # a digit str.isdigit() accepts and int() refuses
        ("", b"metadata[\xc2\xb2]=x&expand[]=a", (("content-type", "application/x-www-form-urlencoded"),)),
        ("", b"", (("prefer", "code=\xb2"),)),
        ("created[gt]=%FF&limit=99999999999999999999999", b"", ()),
    ],
)
def test_odd_digits_and_bytes_get_an_answer_not_a_crash(
    payments: OpenAPIMock, query: str, body: bytes, headers: tuple[tuple[str, str], ...]
) -> None:
    method = "POST" if body else "GET"
    path = "/v1/customers"
    response = call(payments, method, path, query, headers, body)
    assert response.status < 500


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW"]),
    path=st.lists(
        st.sampled_from(["v1", "customers", "cus_1", "payment_intents", "%2F", "%FF", "{x}", "", "é"]).map(str),
        max_size=4,
    ).map(lambda parts: "/" + "/".join(parts)),
    query=st.text(max_size=40),
    body=st.binary(max_size=60),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "text/plain",
            "",
        ]
    ),
)
def test_any_request_gets_an_answer_below_500(
    payments: OpenAPIMock, method: str, path: str, query: str, body: bytes, content_type: str
) -> None:
    headers = (*KEY, *((("content-type", content_type),) if content_type else ()))
    result = payments(Request(method, path, query, headers, body))
    assert 200 <= result.response.status < 500, result.response.body[:300]


def test_a_huge_numeric_form_index_is_a_key_not_an_allocation(payments: OpenAPIMock) -> None:
    # `metadata[99999999999]=x` once made the form reader allocate a list of that length
    body = b"email=a%40b.co&metadata[99999999999]=x&metadata[7]=y"
    headers = (("content-type", "application/x-www-form-urlencoded"),)
    response = call(payments, "POST", "/v1/customers", headers=headers, body=body)
    assert response.status < 500


# -- limits: each bound read from MockOptions.limits, not from a constant --------------------------


def test_limits_come_from_the_mock_options() -> None:
    from toolkit.limits import DEFAULT_LIMITS

    limits = DEFAULT_LIMITS.replace(max_violations=2, max_echo_length=8, max_form_fields=3, max_nesting=4)
    mock = make_mock(MOCK_DATA / "hostile_rest.yaml", limits=limits)
    tags = {f"T{index}": "x" for index in range(5)}  # each outside propertyNames
    body = problem(call(mock, "POST", "/things", body={"tags": tags}), 400)
    assert len(body["errors"]) == 3 and body["errors"][-1] == {"more": 3, "detail": "and 3 more"}
    form = (("content-type", "application/x-www-form-urlencoded"),)
    assert call(mock, "POST", "/things", headers=form, body=b"a=1&b=2&c=3&d=4").status == 413
    deep = problem(call(mock, "POST", "/things", body={"extra": [[[[[1]]]]]}), 400)
    assert "deeper than 4" in deep["errors"][0]["detail"]
    assert as_json(call(mock, "GET", "/things/short"))["id"] == "short"
    assert as_json(call(mock, "GET", "/things/much-longer-than-8"))["id"] != "much-longer-than-8"


def test_admin_endpoints_run_inside_the_crash_guard(payments: OpenAPIMock, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.mock.admin import AdminEndpoints

    def broken(*args: Any) -> MockResult:
        raise RuntimeError("an admin endpoint bug")

    monkeypatch.setattr(AdminEndpoints, "__call__", broken)
    body = problem(call(payments, "GET", "/__ctk/health"), 500)
    assert "RuntimeError" in body["detail"]


def test_a_huge_request_is_answered_but_not_memoised() -> None:
    mock = make_mock(MOCK_DATA / "hostile_rest.yaml")
    huge = "/things/" + "i" * 20_000
    first, second = call(mock, "GET", huge), call(mock, "GET", huge)
    assert first == second and first.status == 200  # same answer: seeded by the request, not the memo
    assert len(mock._memo) == 0
    call(mock, "GET", "/things/t1")
    call(mock, "GET", "/things/t1")  # the envelope keeps an answer from its request's second sighting
    assert len(mock._memo) == 1


# -- review findings 4, 6, 9, 10, 18 ---------------------------------------------------------------------


def test_preference_applied_lists_only_the_example_applied(payments: OpenAPIMock) -> None:
    """Finding 6: junk ``example=`` values were echoed whole when a later one named a real example."""
    junk = "example=" + "j" * 30_000 + ", " + "dynamic, " * 100
    response = call(payments, "GET", "/v1/customers/cus_1", headers=(("prefer", junk + "code=404, example=deleted"),))
    assert response.status == 404
    assert response.header("preference-applied") == "example=deleted, dynamic=true, code=404"
    response = call(payments, "GET", "/v1/customers/cus_1", headers=(("prefer", "example=deleted, " + junk),))
    assert response.header("preference-applied") == "dynamic=true"  # the last example is junk: none applied


def test_a_bug_in_the_mock_logs_its_traceback_once_per_place(
    payments: OpenAPIMock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Finding 10: the envelope's crash guard reports through toolkit.mock.guard (once per place)."""
    from toolkit.mock.admin import AdminEndpoints

    def broken(*args: Any) -> MockResult:
        raise KeyError("a bug only this test raises")

    monkeypatch.setattr(AdminEndpoints, "__call__", broken)
    with caplog.at_level("ERROR", logger="ctk.mock"):
        for _ in range(3):
            assert call(payments, "GET", "/__ctk/health" + "x" * 5000).status == 500
    tracebacks = [record for record in caplog.records if record.exc_info]
    assert len(tracebacks) == 1 and len(caplog.records) == 3
    assert all(len(record.getMessage()) < 1000 for record in caplog.records)  # the path shortened


def test_a_query_over_max_form_fields_is_414_alone_even_without_validation() -> None:
    """Finding 18: a refused query was 400 (a form 413), reported with false 'missing' query parameters, and
    with --no-validate an over-limit query reached the callbacks' own unbounded parse (finding 9)."""
    from toolkit.limits import DEFAULT_LIMITS

    limits = DEFAULT_LIMITS.replace(max_form_fields=3)
    for validate in (True, False):
        mock = make_mock(PAYMENTS_V1, seed=1, limits=limits, validate=validate)
        body = problem(call(mock, "GET", "/v1/customers/cus_1", "a=1&b=2&c=3&d=4"), 414)
        assert len(body["errors"]) == 1 and "max_form_fields" in body["errors"][0]["detail"]


def test_callbacks_read_the_query_the_mock_already_read() -> None:
    """Finding 9: ``$request.query.x`` used Request.query_items(), a second parse with no bound."""
    from toolkit.openapi.mock.callbacks import expand_expression

    request = Request("POST", "/p", "&".join(["x=1"] * 5000))
    assert expand_expression("{$request.query.x}", request, None, [("x", "http://a/")]) == "http://a/"
    assert expand_expression("{$request.query.x}", request, None) is None  # over the bound: no value
    with pytest.raises(ValueError):
        request.query_items()
    assert Request("GET", "/p", "a=1&a=2").query_items(max_fields=2) == [("a", "1"), ("a", "2")]


def test_a_memo_key_with_large_headers_is_not_kept() -> None:
    """Finding 4/3: the request's size is no longer summed before every lookup; the memo counts the key
    (headers included) when it would keep it, so a request with a 20 KB header is answered, not memoised."""
    mock = make_mock(MOCK_DATA / "hostile_rest.yaml")
    headers = (("x-padding", "p" * 20_000),)
    first, second = call(mock, "GET", "/things/t1", headers=headers), call(mock, "GET", "/things/t1", headers=headers)
    assert first == second and first.status == 200
    assert len(mock._memo) == 0

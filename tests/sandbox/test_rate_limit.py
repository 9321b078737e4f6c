"""Rate limits per credential (``toolkit.sandbox.rate_limit``): REST, SOAP and GraphQL, in-process and over HTTP.

REST is the payments example contract (``contracts/payments/v1``, whose operations declare a 429 with a
required integer ``Retry-After``); openapi-core judges every REST answer a client receives, reading the
contract itself. SOAP is the CRM WSDL, GraphQL the inventory schema. Windows are short (a fraction of a
second to a second) and tests sleep past them; no test asserts an upper bound on time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.support.openapi_judge import Judge
from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.limits import Limits
from toolkit.mock import MockEnvelope, MockTransport
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.loopback import serve_in_thread
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.rate_limit import RateLimitLayer, rate_limit_layer
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import open_store

PAYMENTS = REPO / "contracts" / "payments" / "v1"
CRM = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"
INVENTORY = REPO / "contracts" / "inventory" / "v1"
PROBLEM = "application/problem+json"
WHERE = "[apis.payments]"
SECRET = "sk_live_PLANTED_SECRET"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:example:crm/GetAccount"'}
PRODUCT = '{ product(id: "UHJvZHVjdDox") { id name } }'


# -- helpers -----------------------------------------------------------------------------------------


def limited(
    envelope: MockEnvelope, table: dict[str, Any], store: Store, api: str = "payments"
) -> tuple[SandboxedMock, RateLimitLayer]:
    layer = rate_limit_layer(envelope, table, store, api=api, where=f"[apis.{api}]")
    return SandboxedMock(envelope, [layer]), layer


def client(handler: SandboxedMock, judge: Judge | None, **headers: str) -> httpx.Client:
    hooks: dict[str, list[Callable[..., Any]]] = {"response": [judge]} if judge is not None else {}
    return httpx.Client(
        transport=MockTransport(handler), base_url="https://sandbox.test/v1", headers=headers, event_hooks=hooks
    )


def at_window_start(window: float) -> None:
    """Sleep to just after the wall clock's next multiple of ``window``: fixed windows are aligned on it, so the
    requests a test sends next fall in one window (no test is that slow)."""
    time.sleep(window - time.time() % window + 0.01)


def key(value: str) -> dict[str, str]:
    return {"X-Api-Key": value}


def rest(method: str, path: str, *headers: tuple[str, str]) -> Request:
    return Request(method, "/v1" + path, headers=headers)


def soap(username: str | None = None) -> bytes:
    security = (
        f'<soap:Header><wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username><wsse:Password>pw-{username}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security></soap:Header>"
        if username is not None
        else ""
    )
    return (
        f'<soap:Envelope xmlns:soap="{SOAP11}">{security}<soap:Body>'
        '<GetAccountRequest xmlns="urn:example:crm:types"><id>001A000001Xyz12AAB</id></GetAccountRequest>'
        "</soap:Body></soap:Envelope>"
    ).encode()


# -- REST ----------------------------------------------------------------------------------------------


def test_the_n_plus_first_request_is_the_contracts_429(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, _ = limited(payments, {"requests": 3, "per": "1h"}, store)
    with client(handler, judge, **key("sk_test_a")) as http:
        answers = [http.get("/customers") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0"]
        assert {a.headers["ratelimit-limit"] for a in answers} == {"3"}
        assert all(1 <= int(a.headers["ratelimit-reset"]) <= 3600 for a in answers)
        refused = http.get("/customers")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM
    retry_after = int(refused.headers["retry-after"])  # declared: integer, minimum 1, required
    assert 1 <= retry_after <= 3600
    assert refused.headers["ratelimit-remaining"] == "0"
    body = refused.json()
    # the contract's declared 429 (its own type and code), with our detail
    assert body["code"] == "rate_limit" and body["status"] == 429
    assert body["type"] == "https://docs.payments.example.com/errors/rate_limit"
    assert "3 requests per 1 h" in body["detail"] and f"Retry after {retry_after} second" in body["detail"]
    assert "preference-applied" not in refused.headers
    assert judge.checked >= 4


def test_the_429_reports_its_operation_and_leaves_other_requests_alone(payments: MockEnvelope, store: Store) -> None:
    handler, _ = limited(payments, {"requests": 1, "per": "1h"}, store)
    request = rest("POST", "/customers", ("x-api-key", "k"), ("content-type", "application/json"))
    request = Request(request.method, request.path, headers=request.headers, body=b'{"name": "Ann"}')
    first = handler(request)
    assert first.response.status == 201 and first.operations == ("POST /customers",)
    second = handler(request)
    assert second.response.status == 429 and second.operations == ("POST /customers",)
    assert second.deliveries == ()  # a refused request triggers no webhook


def test_two_credentials_have_separate_quotas(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, _ = limited(payments, {"requests": 2, "per": "1h"}, store)
    with client(handler, judge) as http:
        for _ in range(2):
            assert http.get("/customers", headers=key("sk_test_a")).status_code == 200
        assert http.get("/customers", headers=key("sk_test_a")).status_code == 429
        # another API key, and a bearer token, each have a quota of their own
        assert http.get("/customers", headers=key("sk_test_b")).status_code == 200
        bearer = {"Authorization": "Bearer eyJ.token.b"}
        assert [http.get("/customers", headers=bearer).status_code for _ in range(3)] == [200, 200, 429]


def test_two_sessions_have_separate_quotas(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, layer = limited(payments, {"requests": 1, "per": "1h"}, store)
    with client(handler, judge, **key("sk_test_a")) as http:
        assert http.get("/customers", headers={"X-Ctk-Session": "one"}).status_code == 200
        assert http.get("/customers", headers={"X-Ctk-Session": "one"}).status_code == 429
        assert http.get("/customers", headers={"X-Ctk-Session": "two"}).status_code == 200
        assert http.get("/customers").status_code == 200  # the default session
    assert layer.report("one")["limited"] == 1 and layer.report("two")["limited"] == 0
    assert layer.reset("one") > 0
    with client(handler, judge, **key("sk_test_a")) as http:
        assert http.get("/customers", headers={"X-Ctk-Session": "one"}).status_code == 200


def test_the_window_resets(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, _ = limited(payments, {"requests": 2, "per": "500ms"}, store)
    with client(handler, judge, **key("sk_test_a")) as http:
        at_window_start(0.5)
        # a full quota used without a 429: the next window has a whole one again
        assert [http.get("/customers").status_code for _ in range(2)] == [200, 200]
        at_window_start(0.5)
        assert [http.get("/customers").status_code for _ in range(2)] == [200, 200]
        refused = http.get("/customers")
        assert refused.status_code == 429
        # after a 429, waiting as long as Retry-After asked is enough
        time.sleep(int(refused.headers["retry-after"]) + 0.05)
        again = http.get("/customers")
        assert again.status_code == 200, again.text


def test_a_token_bucket_bursts_then_refills(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    # 3 requests in 3 s (a token a second), a bucket of 3
    table = {"requests": 3, "per_s": 3, "algorithm": "token_bucket", "burst": 3}
    handler, layer = limited(payments, table, store)
    with client(handler, judge, **key("sk_test_a")) as http:
        burst = [http.get("/customers") for _ in range(3)]
        assert [a.status_code for a in burst] == [200, 200, 200]
        assert burst[0].headers["ratelimit-limit"] == "3"
        assert burst[0].headers["ratelimit-remaining"] == "2"
        refused = http.get("/customers")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"  # a token in at most 1 s
        time.sleep(1.05)  # past Retry-After: a token has come back
        assert http.get("/customers").status_code == 200
    bucket = store.get(
        layer.prefix("default") + "buckets", f"{layer.client_id(rest('GET', '/', ('x-api-key', 'sk_test_a')))}|*"
    )
    assert bucket is not None and 0 <= bucket["tokens"] < 1


def test_a_token_bucket_refills_gradually(payments: MockEnvelope, store: Store) -> None:
    table = {"requests": 10, "per_s": 1, "algorithm": "token_bucket", "burst": 2}
    handler, _ = limited(payments, table, store)
    request = rest("GET", "/customers", ("x-api-key", "sk_test_a"))
    assert [handler(request).response.status for _ in range(2)] == [200, 200]
    time.sleep(0.25)  # two or more tokens back at 10 a second, without any 429 in between
    assert handler(request).response.status == 200


def test_an_early_retry_is_a_violation_and_is_counted(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, layer = limited(payments, {"requests": 1, "per_s": 2}, store)
    request = rest("GET", "/customers", ("x-api-key", "sk_test_a"))
    at_window_start(2)
    assert handler(request).response.status == 200
    refused = handler(request)
    assert refused.response.status == 429 and refused.violations == ()
    asked = int(refused.response.header("retry-after") or 0)
    time.sleep(0.1)
    early = handler(request)
    assert early.response.status == 429
    (violation,) = early.violations
    assert violation.part == "header" and violation.name == "retry-after"
    assert violation.message.startswith("retried 0.") and violation.message.endswith(f"a 429 that asked for {asked} s")
    assert 1 <= int(early.response.header("retry-after") or 0) <= asked
    # another credential is not affected by this one's hold
    assert handler(rest("GET", "/customers", ("x-api-key", "sk_test_b"))).response.status == 200
    report = layer.report("default")
    client_id = layer.client_id(request)
    assert report["limited"] == 2 and report["early_retries"] == 1
    assert report["clients"][client_id] == {"limited": 2, "early_retries": 1, "retry_after": [asked, asked]}
    assert report["retry_after"] == [asked, asked]
    # the counter is the store's own (an atomic incr; adding 0 reads it)
    assert store.incr(layer.prefix("default") + "counts", f"{client_id}|early_retries", by=0) == 1
    # waiting as asked is no violation
    time.sleep(asked + 0.05)
    assert handler(request).violations == ()


def test_x_ratelimit_headers_and_none(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, _ = limited(payments, {"requests": 1, "per": "1h", "headers": "x-ratelimit"}, store)
    with client(handler, judge, **key("sk_test_a")) as http:
        first = http.get("/customers")
        assert first.headers["x-ratelimit-limit"] == "1" and first.headers["x-ratelimit-remaining"] == "0"
        assert int(first.headers["x-ratelimit-reset"]) >= int(time.time())  # epoch seconds
        assert "ratelimit-limit" not in first.headers
    quiet = open_store("memory")
    handler, _ = limited(payments, {"requests": 1, "per": "1h", "headers": "none"}, quiet)
    with client(handler, judge, **key("sk_test_a")) as http:
        first = http.get("/customers")
        assert not [name for name in first.headers if "ratelimit" in name]
        refused = http.get("/customers")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert not [name for name in refused.headers if "ratelimit" in name]
    quiet.close()


def test_an_operation_has_its_own_quota(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    table = {"requests": 100, "per": "1h", "operations": {"POST /customers": {"requests": 1}}}
    handler, _ = limited(payments, table, store)
    with client(handler, judge, **key("sk_test_a")) as http:
        assert http.post("/customers", json={"name": "Ann"}).status_code == 201
        refused = http.post("/customers", json={"name": "Bob"})
        assert refused.status_code == 429 and refused.headers["ratelimit-limit"] == "1"
        assert "this operation" in refused.json()["detail"]
        listed = http.get("/customers")
        assert listed.status_code == 200 and listed.headers["ratelimit-limit"] == "100"


def test_declared_rate_limit_headers_are_filled_when_they_fit(tmp_path: Path, store: Store) -> None:
    header = {"schema": {"type": "integer", "minimum": 0}, "required": True}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "limits", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {
                                "X-RateLimit-Remaining": header,
                                # a schema our value never fits: the generated value stays
                                "RateLimit-Limit": {"schema": {"type": "string", "enum": ["unlimited"]}},
                            },
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                    }
                }
            },
            "/limited": {
                "get": {
                    "responses": {
                        "200": {"description": "ok"},
                        "429": {
                            "description": "slow down",
                            "headers": {
                                # a Retry-After in a form ours is not: sent anyway, a 429 always has one
                                "Retry-After": {"schema": {"type": "string", "enum": ["later"]}},
                                "X-RateLimit-Limit": {"schema": {"type": "integer"}},
                            },
                            "content": {"application/json": {"schema": {"type": "object", "required": ["slow"]}}},
                        },
                    }
                }
            },
        },
    }
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    envelope = compile_mock(load_contract(path), seed=1, mount="/api")
    handler, _ = limited(envelope, {"requests": 5, "per": "1h"}, store, api="things")
    handler(Request("GET", "/api/limited", headers=(("authorization", "Bearer a"),)))
    declared = handler(Request("GET", "/api/limited", headers=(("authorization", "Bearer a"),))).response
    assert declared.status == 200
    for _ in range(4):
        declared = handler(Request("GET", "/api/limited", headers=(("authorization", "Bearer a"),))).response
    assert declared.status == 429 and "slow" in json.loads(declared.body)  # the contract's own 429
    assert declared.header("x-ratelimit-limit") == "5"  # declared there: filled
    assert int(declared.header("retry-after") or 0) >= 1
    answer = handler(Request("GET", "/api/things")).response
    assert answer.status == 200
    assert answer.header("x-ratelimit-remaining") == "4"  # declared, filled although headers = "ratelimit"
    assert answer.header("ratelimit-limit") == "unlimited"
    assert answer.header("ratelimit-remaining") == "4"  # undeclared: added (OpenAPI allows it)
    # the contract declares no 429: problem+json, still with Retry-After
    for _ in range(4):
        handler(Request("GET", "/api/things"))
    refused = handler(Request("GET", "/api/things")).response
    assert refused.status == 429 and refused.header("content-type") == PROBLEM
    assert int(refused.header("retry-after") or 0) >= 1
    assert json.loads(refused.body)["status"] == 429


def test_over_real_http(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, layer = limited(payments, {"requests": 2, "per": "1h"}, store)
    with (
        serve_in_thread(MockASGIApp(handler, deliver=False), lifespan="off") as url,
        httpx.Client(base_url=url + "/v1", headers=key("sk_test_a"), event_hooks={"response": [judge]}) as http,
    ):
        answers = [http.get("/customers") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
    assert answers[0].headers["ratelimit-remaining"] == "1"
    assert layer.report("default")["early_retries"] == 1


def test_a_shared_sqlite_store_shares_the_quota(payments: MockEnvelope, tmp_path: Path) -> None:
    # two "processes": two stores opened on one file, two sandboxes
    url = f"sqlite:{tmp_path / 'sandbox.db'}"
    first_store, second_store = open_store(url), open_store(url)
    try:
        first, first_layer = limited(payments, {"requests": 3, "per": "1h"}, first_store)
        second, _ = limited(payments, {"requests": 3, "per": "1h"}, second_store)
        request = rest("GET", "/customers", ("x-api-key", "sk_test_a"))
        assert [first(request).response.status, second(request).response.status] == [200, 200]
        assert second(request).response.header("ratelimit-remaining") == "0"
        refused = first(request)
        assert refused.response.status == 429
        early = second(request)  # the hold is shared too: an early retry through the other process
        assert early.response.status == 429 and early.violations
        assert first_layer.report("default")["early_retries"] == 1
    finally:
        first_store.close()
        second_store.close()


def test_concurrent_requests_through_two_sandboxes_share_one_exact_quota(
    payments: MockEnvelope, tmp_path: Path
) -> None:
    url = f"sqlite:{tmp_path / 'sandbox.db'}"
    stores = [open_store(url), open_store(url)]
    try:
        handlers = [limited(payments, {"requests": 25, "per": "1h"}, store)[0] for store in stores]
        request = rest("GET", "/customers", ("x-api-key", "sk_test_a"))

        def send(index: int) -> int:
            return handlers[index % 2](request).response.status

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(send, range(60)))
        # a fixed window is one atomic incr per request: exactly the quota gets through
        assert statuses.count(200) == 25 and statuses.count(429) == 35
    finally:
        for store in stores:
            store.close()


def test_a_planted_secret_is_never_stored_nor_echoed(payments: MockEnvelope, tmp_path: Path) -> None:
    database = tmp_path / "sandbox.db"
    stores = [open_store("memory"), open_store(f"sqlite:{database}")]
    answers: list[MockResult] = []
    reports: list[dict[str, Any]] = []
    try:
        for store in stores:
            for algorithm in ("fixed_window", "token_bucket"):
                handler, layer = limited(payments, {"requests": 2, "per": "1h", "algorithm": algorithm}, store)
                for credential in (("x-api-key", SECRET), ("authorization", f"Bearer {SECRET}")):
                    for _ in range(4):  # two allowed, a 429, an early retry
                        answers.append(handler(rest("GET", "/customers", credential)))
                reports.append(layer.report("default"))
                namespaces = ("buckets", "holds", "clients")
                for namespace in namespaces:
                    items = store.items(layer.prefix("default") + namespace)
                    assert SECRET not in json.dumps(items)
                    assert all(key.split("|")[0] != "anonymous" for key, _ in items)
                layer.reset("default")
        assert sum(a.response.status == 429 for a in answers) == 16
        assert any(a.violations for a in answers)
        for answer in answers:
            response = answer.response
            assert SECRET not in json.dumps(response.headers) and SECRET.encode() not in response.body
            assert SECRET not in repr(answer.violations)
        assert SECRET not in json.dumps(reports)
        assert reports[0]["limited"] == 4 and len(reports[0]["clients"]) == 2
        stores[1].close()
        for path in tmp_path.iterdir():  # the SQLite file and its WAL: the counters' keys too
            assert SECRET.encode() not in path.read_bytes(), path.name
    finally:
        for store in stores:
            store.close()


def test_a_full_store_lets_requests_through_with_a_warning(payments: MockEnvelope) -> None:
    store = open_store("memory", limits=Limits(max_stored_items=1))
    try:
        handler, _ = limited(payments, {"requests": 1, "per": "1h"}, store)
        assert handler(rest("GET", "/customers", ("x-api-key", "a"))).response.status == 200
        answer = handler(rest("GET", "/customers", ("x-api-key", "b"))).response  # a second counter: refused
        assert answer.status == 200
        assert (answer.header("ctk-warning") or "").startswith("rate limit not applied: the sandbox's store failed")
        assert answer.header("ratelimit-limit") is None
    finally:
        store.close()


def test_credentials_from_a_query_parameter_and_a_cookie(tmp_path: Path, store: Store) -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "keys", "version": "1"},
        "components": {
            "securitySchemes": {
                "q": {"type": "apiKey", "in": "query", "name": "api_key"},
                "c": {"type": "apiKey", "in": "cookie", "name": "sid"},
            }
        },
        "security": [{"q": []}, {"c": []}],
        "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    envelope = compile_mock(load_contract(path), seed=1, mount="/api")
    handler, layer = limited(envelope, {"requests": 1, "per": "1h"}, store, api="keys")
    by_query = [Request("GET", "/api/things", query=f"api_key={name}") for name in ("a", "b")]
    by_cookie = [Request("GET", "/api/things", headers=(("cookie", f"sid={name}"),)) for name in ("a", "b")]
    ids = {layer.client_id(request) for request in (*by_query, *by_cookie)}
    assert len(ids) == 4 and "anonymous" not in ids
    assert layer.client_id(Request("GET", "/api/things")) == "anonymous"
    assert [handler(request).response.status for request in (*by_query, by_query[0])] == [200, 200, 429]


# -- SOAP and GraphQL ----------------------------------------------------------------------------------


def test_soap_429_is_a_client_fault_with_retry_after(crm: MockEnvelope, store: Store) -> None:
    handler, layer = limited(crm, {"requests": 2, "per": "1h"}, store, api="crm")
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as http:
        answers = [http.post("/crm", content=soap("ann"), headers=SOAP_HEADERS) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[0].headers["ratelimit-remaining"] == "1"
        refused = answers[2]
        assert int(refused.headers["retry-after"]) >= 1 and refused.headers["ratelimit-remaining"] == "0"
        assert refused.headers["content-type"].startswith("text/xml")
        fault = etree.fromstring(refused.content).find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault")
        assert fault is not None
        assert (fault.findtext("faultcode") or "").endswith("Client")
        assert "Rate limit exceeded" in (fault.findtext("faultstring") or "")
        # the WS-Security Username is the credential: another user has a quota of its own
        assert http.post("/crm", content=soap("bob"), headers=SOAP_HEADERS).status_code == 200
        # without credentials: anonymous, a quota of its own too
        assert http.post("/crm", content=soap(), headers=SOAP_HEADERS).status_code == 200
        # an Authorization header comes first
        basic = {**SOAP_HEADERS, "Authorization": "Basic YW5uOnB3"}
        assert http.post("/crm", content=soap("ann"), headers=basic).status_code == 200
    for name in ("buckets", "holds", "clients"):
        assert "pw-ann" not in json.dumps(store.items(layer.prefix("default") + name))
        assert '"ann"' not in json.dumps(store.items(layer.prefix("default") + name))


def test_soap_12_429_is_a_sender_fault(crm: MockEnvelope, store: Store) -> None:
    handler, _ = limited(crm, {"requests": 1, "per": "1h"}, store, api="crm")
    request = Request("POST", "/crm", headers=(("content-type", "application/soap+xml; charset=utf-8"),), body=b"<x/>")
    handler(request)
    refused = handler(request).response
    assert refused.status == 429
    assert b"Sender" in refused.body and b"http://www.w3.org/2003/05/soap-envelope" in refused.body


def test_graphql_429_is_an_errors_document_rate_limited(inventory: MockEnvelope, store: Store) -> None:
    handler, _ = limited(inventory, {"requests": 2, "per": "1h"}, store, api="inventory")
    headers = {"Accept": "application/json", "Authorization": "Bearer t1"}
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as http:
        answers = [http.post("/inventory", json={"query": PRODUCT}, headers=headers) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert "data" in answers[0].json() and answers[1].headers["ratelimit-remaining"] == "0"
        refused = answers[2]
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"].startswith("application/json")
        (error,) = refused.json()["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED" and "Rate limit exceeded" in error["message"]
        other = {**headers, "Authorization": "Bearer t2"}
        assert http.post("/inventory", json={"query": PRODUCT}, headers=other).status_code == 200


# -- configuration ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "where", "says"),
    [
        ({"request": 5}, "rate_limit.request", "did you mean 'requests'?"),
        ({}, "rate_limit.requests", "requests is required"),
        ({"requests": 0}, "rate_limit.requests", "at least 1"),
        ({"requests": True}, "rate_limit.requests", "whole number"),
        ({"requests": 5, "per": "soon"}, "rate_limit.per", "duration"),
        ({"requests": 5, "per": "1h", "per_s": 60}, "rate_limit.per_s", "keep one"),
        ({"requests": 5, "per_s": -1}, "rate_limit.per_s", "positive"),
        ({"requests": 5, "algorithm": "token-bucket"}, "rate_limit.algorithm", "did you mean 'token_bucket'?"),
        ({"requests": 5, "burst": 3}, "rate_limit.burst", "token_bucket"),
        ({"requests": 5, "algorithm": "token_bucket", "burst": 0}, "rate_limit.burst", "at least 1"),
        ({"requests": 5, "headers": "draft"}, "rate_limit.headers", "must be one of"),
        ({"requests": 5, "operations": {"POST /customer": {"requests": 1}}}, 'rate_limit.operations."POST /customer"',
         "did you mean 'POST /customers'?"),
        ({"requests": 5, "operations": {"POST /customers": {"requets": 1}}},
         'rate_limit.operations."POST /customers".requets', "did you mean 'requests'?"),
        ({"requests": 5, "operations": {"POST /customers": 3}}, 'rate_limit.operations."POST /customers"', "table"),
    ],
)  # fmt: skip
def test_config_errors_are_named(
    payments: MockEnvelope, store: Store, table: dict[str, Any], where: str, says: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        rate_limit_layer(payments, table, store, api="payments", where=WHERE)
    assert refused.value.where == f"sandbox.toml {WHERE}.{where}"
    assert says in str(refused.value)


def test_per_operation_quotas_are_refused_for_soap(crm: MockEnvelope, store: Store) -> None:
    with pytest.raises(ConfigError) as refused:
        rate_limit_layer(crm, {"requests": 5, "operations": {"GetAccount": {"requests": 1}}}, store, api="crm",
                         where="[apis.crm]")  # fmt: skip
    assert refused.value.where == "sandbox.toml [apis.crm].rate_limit.operations"
    assert "REST" in refused.value.message


def test_the_layer_has_its_place(payments: MockEnvelope, store: Store) -> None:
    layer = rate_limit_layer(payments, {"requests": 5, "per_s": 0.5}, store, api="payments", where=WHERE)
    assert layer.name == "rate_limit"
    assert layer.limits.quota.window == 0.5 and layer.limits.headers == "ratelimit"


def test_ctk_serve_builds_the_layer_from_the_api_table() -> None:
    from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler

    api = MountedContract(str(PAYMENTS), "/v1", name="payments", rate_limit={"requests": 1, "per": "1h"})
    handler = build_handler(ServeConfig(contracts=[api], seed=1))
    request = rest("GET", "/customers", ("x-api-key", "sk_test_a"))
    assert [handler(request).response.status for _ in range(2)] == [200, 429]
    wrong = MountedContract(str(PAYMENTS), "/v1", name="payments", rate_limit={"requets": 1})
    with pytest.raises(ConfigError) as refused:
        build_handler(ServeConfig(contracts=[wrong], seed=1))
    assert refused.value.where == "sandbox.toml [apis.payments].rate_limit.requets"

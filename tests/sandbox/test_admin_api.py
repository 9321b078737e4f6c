"""The admin API of a real ``ctk serve --root`` over HTTP, every answer judged against the sandbox's own OpenAPI
document (``toolkit/sandbox/admin/openapi.json``) by openapi-core.

A workspace written here serves payments (REST, state, scenarios), crm (SOAP, state) and inventory (GraphQL,
state), with recordings under ``mocks/payments/recordings/``. Each test works in sessions of its own; the one
that resets everything runs on a server of its own. Time is never asserted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.files import write_file, write_workspace
from tests.support.paths import REPO
from tests.support.served import Served, assert_no_traceback, served

ADMIN_DOCUMENT = REPO / "toolkit" / "sandbox" / "admin" / "openapi.json"
API_KEY = {"x-api-key": "sk_test_admin"}
HAR = json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": []}})
CUSTOMER = "cus_9s6XKzkNRiz8i3"  # the contract's example customer: a seed item of every session
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "urn:example:crm:types"


class AdminJudge:
    """openapi-core's verdict on every ``/__ctk`` answer a client receives (an httpx response hook)."""

    def __init__(self) -> None:
        openapi_core = pytest.importorskip("openapi_core")
        config = openapi_core.Config(extra_media_type_deserializers={"application/problem+json": json.loads})
        self.api = openapi_core.OpenAPI.from_file_path(str(ADMIN_DOCUMENT), config=config)
        self.checked: set[tuple[str, str, int]] = set()

    def __call__(self, response: httpx.Response) -> None:
        from openapi_core.testing import MockRequest, MockResponse

        request = response.request
        if not request.url.path.startswith("/__ctk"):
            return
        response.read()
        judged = MockRequest("http://sandbox.test", request.method.lower(), request.url.path,
                             headers=dict(request.headers))  # fmt: skip
        answer = MockResponse(response.content, status_code=response.status_code, headers=dict(response.headers),
                              content_type=response.headers.get("content-type", "").split(";")[0])  # fmt: skip
        from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

        try:
            self.api.validate_response(judged, answer)
        except (PathNotFound, OperationNotFound):
            assert response.status_code in (404, 405), f"{request.method} {request.url.path} is not in the document"
            return  # an endpoint or method the document does not have: the test judges the 404 or 405
        except Exception as error:  # noqa: BLE001 - openapi-core raises several unrelated classes
            why = f"{error!r} {error.__cause__!r}"[:1000]
            pytest.fail(f"{request.method} {request.url.path} {response.status_code}: {why}")
        self.checked.add((request.method, request.url.path, response.status_code))


def workspace(root: Path) -> Path:
    contracts = REPO / "contracts"
    write_file(root, "mocks/payments/recordings/empty.har", HAR)
    write_file(root, "mocks/payments/recordings/notes.txt", "not a recording")
    return write_workspace(
        root,
        f"""
[sandbox]
seed = 1

[apis.payments]
contract = "{contracts / "payments" / "v1"}"
mount = "/payments"
state = true

[apis.payments.scenarios.card_declined]
"POST /payment_intents" = {{ status = 422 }}

[apis.payments.scenarios.flaky_create]
"POST /customers" = [{{ status = 429 }}, {{}}]

[apis.payments.faults]
latency = {{ fixed_ms = 1 }}

[apis.crm]
contract = "{contracts / "crm" / "v1" / "crm.wsdl"}"
mount = "/crm"
state = true

[apis.inventory]
contract = "{contracts / "inventory" / "v1"}"
mount = "/inventory"
state = true
""",
    )


@pytest.fixture(scope="module")
def judge() -> AdminJudge:
    return AdminJudge()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served("--root", str(workspace(tmp_path_factory.mktemp("admin")))) as server:
        yield server
        assert_no_traceback(server)


@pytest.fixture
def client(sandbox: Served, judge: AdminJudge) -> Iterator[httpx.Client]:
    with sandbox.client(event_hooks={"response": [judge]}) as client:
        yield client


def create_customer(client: httpx.Client, session: str, email: str = "ada@example.com") -> httpx.Response:
    headers = {**API_KEY, "x-ctk-session": session}
    return client.post("/payments/customers", data={"email": email}, headers=headers)


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = answer.json()
    return document


# -- the APIs, webhooks, recordings, reload, the document itself -----------------------------------------------


def test_apis_lists_every_api_with_its_operations_scenarios_and_webhooks(client: httpx.Client) -> None:
    apis = {api["name"]: api for api in client.get("/__ctk/apis").json()["apis"]}
    assert set(apis) == {"payments", "crm", "inventory"}
    payments = apis["payments"]
    assert (payments["protocol"], payments["mount"], payments["state"]) == ("openapi", "/payments", True)
    assert {"id": "GET /customers", "method": "GET", "path": "/customers", "deprecated": False} in payments[
        "operations"
    ]
    assert payments["scenarios"] == ["card_declined", "flaky_create"]
    assert payments["webhooks"] == ["charge.refunded", "payment_intent.succeeded"]
    assert apis["crm"]["protocol"] == "soap" and apis["inventory"]["protocol"] == "graphql"
    assert {"id": "Query.product", "method": "query", "path": "product", "deprecated": False} in apis["inventory"][
        "operations"
    ]


def test_webhooks_recordings_and_reload(client: httpx.Client) -> None:
    assert client.get("/__ctk/webhooks").json()["apis"]["payments"] == ["charge.refunded", "payment_intent.succeeded"]
    recordings = client.get("/__ctk/recordings").json()["apis"]
    assert recordings["payments"] == [
        {"file": "empty.har", "entries": 0, "bytes": len(HAR)},
        {"file": "notes.txt", "entries": None, "bytes": len("not a recording")},
    ]
    assert recordings["crm"] == []
    assert client.get("/__ctk/reload").json() == {"generation": 1, "reloaded_at": None, "error": None}


def test_the_admin_document_is_served_and_lints_clean(client: httpx.Client) -> None:
    from tests.support.cli import ctk

    served_document = client.get("/__ctk/openapi.json").json()
    assert served_document == json.loads(ADMIN_DOCUMENT.read_text())
    assert served_document["openapi"] == "3.1.0"
    code, stdout, stderr = ctk("lint", str(ADMIN_DOCUMENT))
    assert code == 0, stdout + stderr


def test_ctk_serve_of_the_admin_document_answers() -> None:
    with served(str(ADMIN_DOCUMENT)) as server, server.client() as client:
        assert client.get("/__ctk/health").json() == {"status": "ok"}
        assert client.get("/__ctk/apis").json()["apis"][0]["name"] == "/"
        assert_no_traceback(server)


def test_unknown_endpoints_methods_and_bodies_are_clear_errors(client: httpx.Client) -> None:
    missing = problem(client.get("/__ctk/nothing"), 404)
    assert "no admin endpoint /__ctk/nothing" in missing["detail"] and "/__ctk/requests" in missing["detail"]
    wrong = client.post("/__ctk/apis")
    assert problem(wrong, 405)["detail"] == "POST is not allowed on /__ctk/apis; allowed: GET"
    assert wrong.headers["allow"] == "GET"
    malformed = problem(client.post("/__ctk/reset", content=b"{not json"), 400)
    assert "not valid JSON" in malformed["detail"]
    assert "nesting" in problem(client.post("/__ctk/reset", content=b"[" * 10_000 + b"]" * 10_000), 400)["detail"]
    unknown_key = problem(client.post("/__ctk/reset", json={"apis": "payments"}), 422)
    assert "unknown key 'apis'" in unknown_key["detail"] and unknown_key["where"] == "body/apis"
    unknown_api = problem(client.put("/__ctk/faults/billing", json={}), 404)
    assert unknown_api["detail"] == "no API named 'billing'; the APIs: payments, crm, inventory"
    big = problem(client.put("/__ctk/faults/payments", content=b" " * (1024 * 1024) + b"{}"), 413)
    assert "at most 1048576 bytes" in big["detail"]


# -- scenarios -------------------------------------------------------------------------------------------------


def test_a_scenario_set_for_a_session_is_played_listed_and_cleared(client: httpx.Client) -> None:
    intent = {"amount": "100", "currency": "usd"}
    headers = {**API_KEY, "x-ctk-session": "a-scen"}
    chosen = client.put("/__ctk/scenarios/payments", json={"scenario": "card_declined", "session": "a-scen"})
    assert chosen.json() == {"api": "payments", "session": "a-scen", "active": "card_declined"}
    assert client.post("/payments/payment_intents", data=intent, headers=headers).status_code == 422
    other = {**API_KEY, "x-ctk-session": "a-scen-other"}
    assert client.post("/payments/payment_intents", data=intent, headers=other).status_code in (200, 201)
    listed = client.get("/__ctk/scenarios").json()["apis"]
    assert listed["payments"]["sessions"]["a-scen"] == "card_declined"
    assert listed["payments"]["declared"] == ["card_declined", "flaky_create"] and listed["payments"]["active"] is None
    assert listed["crm"] == {"declared": [], "active": None, "sessions": {}}
    assert client.put("/__ctk/scenarios/payments", json={"scenario": None, "session": "a-scen"}).status_code == 200
    assert client.post("/payments/payment_intents", data=intent, headers=headers).status_code in (200, 201)


def test_a_scenario_sequence_starts_again_after_its_reset(client: httpx.Client) -> None:
    client.put("/__ctk/scenarios/payments", json={"scenario": "flaky_create", "session": "a-seq"})
    statuses = [create_customer(client, "a-seq").status_code for _ in range(2)]
    assert statuses[0] == 429 and statuses[1] in (200, 201)
    reset = client.post("/__ctk/scenarios/reset", json={"api": "payments", "session": "a-seq"}).json()
    assert reset == {"apis": ["payments"], "sessions": ["a-seq"], "restarted": 1}
    assert create_customer(client, "a-seq").status_code == 429


def test_unknown_scenarios_and_apis_without_scenarios_are_refused(client: httpx.Client) -> None:
    unknown = problem(client.put("/__ctk/scenarios/payments", json={"scenario": "nope"}), 422)
    assert unknown["detail"] == "payments has no scenario named 'nope'; its scenarios: card_declined, flaky_create"
    none = problem(client.put("/__ctk/scenarios/crm", json={"scenario": "x"}), 422)
    assert none["detail"] == "crm declares no scenarios"
    assert "scenario" in problem(client.put("/__ctk/scenarios/payments", json={}), 422)["detail"]
    bad_session = problem(client.put("/__ctk/scenarios/payments", json={"scenario": None, "session": "a b"}), 422)
    assert bad_session["where"] == "body/session"


# -- faults ----------------------------------------------------------------------------------------------------


def test_faults_are_set_at_once_refused_when_wrong_and_cleared(client: httpx.Client) -> None:
    assert client.get("/__ctk/faults").json()["apis"]["payments"] == {"latency": {"fixed_ms": 1}}
    headers = {**API_KEY, "x-ctk-session": "a-faults"}
    set_ = client.put("/__ctk/faults/inventory", json={"error_rate": 1.0, "error_status": 503})
    assert set_.json() == {"api": "inventory", "faults": {"error_rate": 1.0, "error_status": 503}}
    query = {"query": '{ product(id: "UHJvZHVjdDox") { id } }'}
    assert client.post("/inventory", json=query, headers=headers).status_code == 503
    refused = problem(client.put("/__ctk/faults/inventory", json={"error_rate": 2}), 422)
    assert "error_rate" in refused["detail"] and refused["where"] == "PUT /__ctk/faults/inventory"
    assert "errror_rate" in problem(client.put("/__ctk/faults/inventory", json={"errror_rate": 1}), 422)["detail"]
    assert client.get("/__ctk/faults").json()["apis"]["inventory"] == {"error_rate": 1.0, "error_status": 503}
    assert client.delete("/__ctk/faults/inventory").json() == {"api": "inventory", "faults": {}}
    assert client.post("/inventory", json=query, headers=headers).status_code == 200


# -- state -----------------------------------------------------------------------------------------------------


def test_rest_state_is_read_seeded_and_cleared_per_session(client: httpx.Client) -> None:
    assert create_customer(client, "a-state").status_code in (200, 201)
    counts = client.get("/__ctk/state/payments", params={"session": "a-state"}).json()["collections"]
    assert counts["customers"] == 2  # the contract's example, and the one created
    example = client.get(f"/payments/customers/{CUSTOMER}", headers={**API_KEY, "x-ctk-session": "a-state"}).json()
    item = {**example, "id": "cus_admin01", "email": "grace@example.com"}
    added = client.post("/__ctk/state/payments/customers", params={"session": "a-state"}, json=[item])
    assert added.status_code == 201 and added.json() == {"added": ["cus_admin01"]}
    read = client.get("/payments/customers/cus_admin01", headers={**API_KEY, "x-ctk-session": "a-state"})
    assert read.status_code == 200 and read.json()["email"] == "grace@example.com"
    items = client.get("/__ctk/state/payments/customers", params={"session": "a-state"}).json()
    assert items["total"] == 3 and items["items"][-1]["id"] == "cus_admin01"
    assert client.get("/__ctk/state/payments", params={"session": "a-other"}).json()["collections"]["customers"] == 1
    deleted = client.delete("/__ctk/state/payments/customers", params={"session": "a-state"}).json()
    assert deleted == {"deleted": 3}
    gone = client.get(f"/payments/customers/{CUSTOMER}", headers={**API_KEY, "x-ctk-session": "a-state"})
    assert gone.status_code == 404
    assert client.get("/__ctk/state/payments", params={"session": "a-state"}).json()["collections"]["customers"] == 0


def test_state_items_that_do_not_fit_are_refused_naming_the_item(client: httpx.Client) -> None:
    unfit = problem(client.post("/__ctk/state/payments/customers", json={"id": "cus_x"}), 422)
    assert unfit["detail"].startswith("customers[0]: does not fit the customer schema")
    assert "GET /customers/{customer_id}" in unfit["hint"]
    unknown = problem(client.get("/__ctk/state/payments/customer"), 404)
    assert "no collection 'customer'" in unknown["detail"] and unknown["hint"] == "did you mean 'customers'?"
    assert problem(client.post("/__ctk/state/payments/customers", json=[1]), 422)["where"] == "body/0"
    assert problem(client.get("/__ctk/state/payments", params={"session": "bad session"}), 422)["where"] == (
        "query session"
    )


def test_soap_and_graphql_state_are_read_seeded_and_cleared(client: httpx.Client) -> None:
    assert client.get("/__ctk/state/crm").json()["collections"] == {"Account": 0}
    assert client.get("/__ctk/state/inventory").json()["collections"] == {"Product": 0}
    product = {"id": "UHJvZHVjdDo5OQ==", "sku": "SKU-99", "name": "Admin widget"}
    added = client.post("/__ctk/state/inventory/Product", params={"session": "a-gql"}, json=product)
    assert added.status_code == 201, added.text
    query = '{ product(id: "UHJvZHVjdDo5OQ==") { id name } }'
    answer = client.post("/inventory", json={"query": query}, headers={"x-ctk-session": "a-gql"}).json()
    assert answer["data"]["product"] == {"id": "UHJvZHVjdDo5OQ==", "name": "Admin widget"}
    assert client.delete("/__ctk/state/inventory/Product", params={"session": "a-gql"}).json() == {"deleted": 1}
    refused = problem(client.post("/__ctk/state/crm/Account", json={"name": 1}), 422)
    assert refused["detail"].startswith("Account[0]")


# -- reset -----------------------------------------------------------------------------------------------------


def test_reset_of_one_session_leaves_the_others(client: httpx.Client) -> None:
    for session in ("a-reset1", "a-reset2"):
        assert create_customer(client, session).status_code in (200, 201)
    answer = client.post("/__ctk/reset", json={"api": "payments", "session": "a-reset1"}).json()
    assert answer["reset"] == ["payments"] and answer["session"] == "a-reset1" and answer["cleared"] > 0
    assert answer["journal_cleared"] == 0
    counts = {
        session: client.get("/__ctk/state/payments", params={"session": session}).json()["collections"]["customers"]
        for session in ("a-reset1", "a-reset2")
    }
    assert counts == {"a-reset1": 1, "a-reset2": 2}
    assert client.get("/__ctk/requests/count").json()["count"] > 0


def test_a_full_reset_clears_state_faults_scenarios_and_the_journal(tmp_path: Path, judge: AdminJudge) -> None:
    with (
        served("--root", str(workspace(tmp_path))) as server,
        server.client(event_hooks={"response": [judge]}) as client,
    ):
        assert create_customer(client, "r1").status_code in (200, 201)
        client.put("/__ctk/faults/payments", json={"error_rate": 1.0})
        client.put("/__ctk/scenarios/payments", json={"scenario": "card_declined"})
        one = client.post("/__ctk/reset", json={"api": "crm"}).json()
        assert one["reset"] == ["crm"] and one["journal_cleared"] == 0
        assert client.get("/__ctk/faults").json()["apis"]["payments"] == {"error_rate": 1.0}
        answer = client.post("/__ctk/reset").json()
        assert answer["reset"] == ["payments", "crm", "inventory"] and answer["journal_cleared"] >= 1
        assert client.get("/__ctk/requests").json() == {"requests": [], "total": 0}
        assert client.get("/__ctk/faults").json()["apis"]["payments"] == {"latency": {"fixed_ms": 1}}
        assert client.get("/__ctk/scenarios").json()["apis"]["payments"]["active"] is None
        assert client.get("/__ctk/state/payments", params={"session": "r1"}).json()["collections"]["customers"] == 1
        assert client.delete("/__ctk/requests").json() == {"deleted": 0}
        assert_no_traceback(server)


def test_every_documented_endpoint_answers_as_documented(sandbox: Served) -> None:
    """One call of each endpoint of the admin document (a fresh judge), each answer judged against it."""
    judge = AdminJudge()
    with sandbox.client(event_hooks={"response": [judge]}) as client:
        session = {"session": "a-every"}
        calls: list[tuple[str, str, dict[str, Any]]] = [
            ("GET", "/__ctk/health", {}), ("GET", "/__ctk/", {}), ("GET", "/__ctk/dashboard", {}),
            ("GET", "/__ctk/static/dashboard.js", {}), ("GET", "/__ctk/openapi.json", {}), ("GET", "/__ctk/apis", {}),
            ("GET", "/__ctk/requests", {"params": {"limit": "5"}}), ("GET", "/__ctk/requests/count", {}),
            ("GET", "/__ctk/requests/unmatched", {}), ("GET", "/__ctk/requests/unmatched/near-misses", {}),
            ("POST", "/__ctk/reset", {"json": {"api": "payments", "session": "a-every"}}),
            ("GET", "/__ctk/scenarios", {}), ("POST", "/__ctk/scenarios/reset", {"json": {"session": "a-every"}}),
            ("PUT", "/__ctk/scenarios/payments", {"json": {"scenario": None, "session": "a-every"}}),
            ("GET", "/__ctk/faults", {}), ("PUT", "/__ctk/faults/crm", {"json": {"latency": {"fixed_ms": 1}}}),
            ("DELETE", "/__ctk/faults/crm", {}), ("GET", "/__ctk/state/payments", {"params": session}),
            ("GET", "/__ctk/state/payments/customers", {"params": session}),
            ("POST", "/__ctk/state/inventory/Product", {"params": session, "json": {"id": "P1", "sku": "S"}}),
            ("DELETE", "/__ctk/state/inventory/Product", {"params": session}), ("GET", "/__ctk/recordings", {}),
            ("GET", "/__ctk/webhooks", {}), ("GET", "/__ctk/metrics", {}), ("GET", "/__ctk/reload", {}),
            ("POST", "/__ctk/webhooks/payment_intent.succeeded", {"json": {"url": "http://127.0.0.1:9/hook"}}),
        ]  # fmt: skip
        for method, path, options in calls:
            answer = client.request(method, path, **options)
            assert answer.status_code < 300, (method, path, answer.text)
        assert client.delete("/__ctk/requests").status_code == 200
    document = json.loads(ADMIN_DOCUMENT.read_text())
    documented = {(method.upper(), template) for template, item in document["paths"].items() for method in item
                  if method != "parameters"}  # fmt: skip
    assert len(judge.checked) == len(calls) + 1 == len(documented)

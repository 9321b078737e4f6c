"""The request journal, near misses, the access log and the metrics of a real ``ctk serve --root`` over HTTP.

A workspace written here serves payments (REST, state, a scenario, a rate limit on one operation), crm (SOAP),
inventory (GraphQL) and legacy (a small REST contract with a deprecated operation). Every test uses sessions
of its own (``X-Ctk-Session``) and filters the journal by them, so the tests share one server. Time is never
asserted: every request carries the harness's client timeout.
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

SECRET = "sk_live_PLANTED7q9Zx"  # never to be found in the journal, the access log or the metrics
API_KEY = {"x-api-key": "sk_test_journal"}
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "urn:example:crm:types"
LEGACY = """
openapi: 3.1.0
info: {title: Legacy, version: "1"}
paths:
  /things/{thing_id}:
    get:
      operationId: getThing
      deprecated: true
      parameters: [{name: thing_id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: a thing
          content: {application/json: {schema: {type: object, required: [id], properties: {id: {type: string}}}}}
"""


def workspace(root: Path) -> Path:
    contracts = REPO / "contracts"
    write_file(root, "contracts/legacy.yaml", LEGACY)
    return write_workspace(
        root,
        f"""
[sandbox]
seed = 1
journal_size = 500
access_log = "logs/access.jsonl"

[apis.payments]
contract = "{contracts / "payments" / "v1"}"
mount = "/payments"
state = true

[apis.payments.scenarios.card_declined]
"POST /payment_intents" = {{ status = 422 }}

[apis.payments.rate_limit]
requests = 1000
per = "1m"
operations = {{ "GET /payment_intents" = {{ requests = 1, per = "1m" }} }}

[apis.crm]
contract = "{contracts / "crm" / "v1" / "crm.wsdl"}"
mount = "/crm"

[apis.inventory]
contract = "{contracts / "inventory" / "v1"}"
mount = "/inventory"

[apis.legacy]
contract = "contracts/legacy.yaml"
mount = "/legacy"
""",
    )


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = workspace(tmp_path_factory.mktemp("journal"))
    (root / "logs").mkdir()
    return root


@pytest.fixture(scope="module")
def sandbox(root: Path) -> Iterator[Served]:
    with served("--root", str(root)) as server:
        yield server
        assert_no_traceback(server)


def entries(client: httpx.Client, **filters: str) -> list[dict[str, Any]]:
    answer = client.get("/__ctk/requests", params={"limit": "10000", **filters})
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["total"] >= len(document["requests"])
    found: list[dict[str, Any]] = document["requests"]
    return found


def soap(client: httpx.Client, element: str, body: str, session: str, action: str = "GetAccount") -> httpx.Response:
    text = (f'<e:Envelope xmlns:e="{SOAP11}" xmlns:c="{TYPES}"><e:Body>'
            f"<c:{element}>{body}</c:{element}></e:Body></e:Envelope>")  # fmt: skip
    headers = {"content-type": "text/xml; charset=utf-8", "x-ctk-session": session,
               "soapaction": f'"urn:example:crm/{action}"'}  # fmt: skip
    return client.post("/crm", content=text.encode(), headers=headers)


# -- one entry per request, for each protocol ------------------------------------------------------------------


def test_a_rest_request_is_journaled_with_its_operation_status_and_violations(sandbox: Served) -> None:
    with sandbox.client() as client:
        headers = {**API_KEY, "x-ctk-session": "j-rest"}
        assert client.get("/payments/customers/cus_9s6XKzkNRiz8i3", headers=headers).status_code == 200
        refused = client.post("/payments/customers", data={"email": "not-an-email"}, headers=headers)
        assert refused.status_code == 400, refused.text
        newest, oldest = entries(client, session="j-rest")
    assert oldest["api"] == "payments" and oldest["method"] == "GET" and oldest["status"] == 200
    assert oldest["path"] == "/payments/customers/cus_9s6XKzkNRiz8i3"
    assert oldest["operation"] == "GET /customers/{customer_id}" and oldest["operations"] == [oldest["operation"]]
    assert oldest["violations"] == [] and oldest["unmatched"] is False and oldest["faults"] == []
    assert newest["id"] > oldest["id"] and newest["time"].endswith("Z") and newest["latency_ms"] >= 0
    assert newest["operation"] == "POST /customers" and newest["status"] == 400
    (violation,) = newest["violations"]
    assert (violation["part"], violation["pointer"], violation["location"]) == ("body", "/email", "body /email")
    assert set(violation) == {"part", "name", "pointer", "message", "location"}


def test_soap_and_graphql_requests_are_journaled_with_their_operations(sandbox: Served) -> None:
    with sandbox.client() as client:
        answer = soap(client, "GetAccountRequest", "<c:id>001A000001Xyz12AAB</c:id>", "j-multi")
        assert answer.status_code == 200, answer.text
        query = '{ product(id: "UHJvZHVjdDox") { id name } warehouses { id } }'
        graphql = client.post("/inventory", json={"query": query}, headers={"x-ctk-session": "j-multi"})
        assert graphql.status_code == 200 and "errors" not in graphql.json(), graphql.text
        found = entries(client, session="j-multi")
    by_api = {entry["api"]: entry for entry in found}
    assert by_api["crm"]["operation"] == "CrmService/CrmSoap11Port/GetAccount"
    assert by_api["inventory"]["operations"] == ["Query.product", "Query.warehouses"]
    assert by_api["inventory"]["operation"] == "Query.product"


def test_deprecated_uses_and_injected_faults_are_journaled(sandbox: Served) -> None:
    with sandbox.client() as client:
        session = {"x-ctk-session": "j-faults"}
        assert client.get("/legacy/things/t1", headers=session).status_code == 200
        delayed = client.get("/legacy/things/t2", headers={**session, "prefer": "ctk-latency=5"})
        assert delayed.status_code == 200
        failed = client.get("/legacy/things/t3", headers={**session, "prefer": "ctk-fault=503"})
        assert failed.status_code == 503
        declined = client.post(
            "/payments/payment_intents", data={"amount": "100", "currency": "usd"},
            headers={**API_KEY, **session, "prefer": "scenario=card_declined"},
        )  # fmt: skip
        assert declined.status_code == 422, declined.text
        assert client.get("/payments/payment_intents", headers={**API_KEY, **session}).status_code == 200
        assert client.get("/payments/payment_intents", headers={**API_KEY, **session}).status_code == 429
        found = {entry["path"] + str(entry["status"]): entry for entry in entries(client, session="j-faults")}
    assert found["/legacy/things/t1200"]["deprecated"] == ["GET /things/{thing_id}"]
    assert found["/legacy/things/t1200"]["faults"] == []
    assert found["/legacy/things/t2200"]["faults"] == ["latency:5ms"]
    assert found["/legacy/things/t3503"]["faults"] == ["status:503"]
    assert found["/payments/payment_intents422"]["faults"] == ["scenario:card_declined"]
    assert found["/payments/payment_intents429"]["faults"] == ["rate-limited"]
    assert found["/payments/payment_intents200"]["faults"] == []


# -- filters, count, since, and the ring's bound ----------------------------------------------------------------


def test_filters_and_count_select_the_same_entries(sandbox: Served) -> None:
    with sandbox.client() as client:
        headers = {**API_KEY, "x-ctk-session": "j-filters"}
        for _ in range(3):
            client.get("/payments/customers/cus_9s6XKzkNRiz8i3", headers=headers)
        client.get("/payments/customers/cus_nobody", headers=headers)  # state on: the contract's 404
        client.get("/payments/nowhere", headers=headers)  # no operation: unmatched
        first = entries(client, session="j-filters")
        assert len(first) == 5
        assert [e["id"] for e in first] == sorted((e["id"] for e in first), reverse=True)  # newest first
        cases: list[tuple[dict[str, str], int]] = [
            ({"status": "200"}, 3), ({"status": "4xx"}, 2), ({"status": "404"}, 2), ({"unmatched": "true"}, 1),
            ({"unmatched": "false"}, 4), ({"operation": "GET /customers/{customer_id}"}, 4), ({"api": "crm"}, 0),
            ({"since": str(first[2]["id"])}, 2), ({"since": "2000-01-01T00:00:00Z"}, 5), ({"limit": "2"}, 2),
        ]  # fmt: skip
        for filters, expected in cases:
            chosen = entries(client, session="j-filters", **filters)
            assert len(chosen) == expected, filters
            count = client.get("/__ctk/requests/count", params={"session": "j-filters", **filters}).json()["count"]
            assert count == (5 if "limit" in filters else expected), filters
        unmatched = client.get("/__ctk/requests/unmatched", params={"session": "j-filters"}).json()["requests"]
        assert [entry["path"] for entry in unmatched] == ["/payments/nowhere"]


@pytest.mark.parametrize(
    ("query", "named"),
    [("status=abc", "status"), ("unmatched=maybe", "unmatched"), ("since=yesterday", "since"), ("limit=0", "limit"),
     ("colour=red", "colour")],
)  # fmt: skip
def test_a_bad_filter_is_a_400_naming_it(sandbox: Served, query: str, named: str) -> None:
    with sandbox.client() as client:
        answer = client.get(f"/__ctk/requests?{query}")
    assert answer.status_code == 400 and answer.headers["content-type"] == "application/problem+json"
    assert named in answer.json()["detail"] and answer.json()["where"] == f"query {named}"


def test_the_journal_keeps_only_its_size() -> None:
    with (
        served(str(REPO / "contracts" / "payments" / "v1"), "--journal-size", "5") as server,
        server.client() as client,
    ):
        for number in range(12):
            client.get(f"/v1/customers/cus_{number}", headers=API_KEY)
        document = client.get("/__ctk/requests").json()
        metrics = client.get("/__ctk/metrics").text
    assert document["total"] == 5
    assert [entry["path"] for entry in document["requests"]] == [f"/v1/customers/cus_{n}" for n in range(11, 6, -1)]
    assert "ctk_journal_entries 5.0" in metrics


def test_a_journal_size_out_of_bounds_is_refused_before_serving() -> None:
    from tests.support.cli import ctk

    code, _, stderr = ctk("serve", str(REPO / "contracts" / "payments" / "v1"), "--journal-size", "0", "--check")
    assert code == 2
    assert "--journal-size must be from 1 to 1000000, not 0" in stderr


# -- secrets --------------------------------------------------------------------------------------------------


def test_secrets_reach_neither_the_journal_nor_the_access_log_nor_the_metrics(sandbox: Served, root: Path) -> None:
    with sandbox.client() as client:
        headers = {**API_KEY, "authorization": f"Bearer {SECRET}", "x-ctk-session": "j-secret"}
        client.get(f"/payments/customers?api_key={SECRET}&token={SECRET}&limit=2", headers=headers)
        client.post("/payments/customers", data={"email": "a@example.com", "description": SECRET}, headers=headers)
        client.get(f"/payments/nowhere?client_secret={SECRET}", headers=headers)
        journal = client.get("/__ctk/requests", params={"limit": "10000"}).text
        near = client.get("/__ctk/requests/unmatched/near-misses").text
        metrics = client.get("/__ctk/metrics").text
        mine = entries(client, session="j-secret")
    assert len(mine) == 3
    assert mine[-1]["query"] == "api_key=***&token=***&limit=2"
    assert mine[0]["query"] == "client_secret=***"
    log = (root / "logs" / "access.jsonl").read_text(encoding="utf-8")
    assert "j-secret" in log
    for text in (journal, near, metrics, log):
        assert SECRET not in text


def test_the_access_log_has_one_json_line_per_request(sandbox: Served, root: Path) -> None:
    with sandbox.client() as client:
        for number in range(3):
            client.get(f"/legacy/things/log{number}", headers={"x-ctk-session": "j-log"})
        ids = [entry["id"] for entry in entries(client, session="j-log")]
    lines = [json.loads(line) for line in (root / "logs" / "access.jsonl").read_text().splitlines()]
    mine = [line for line in lines if line["session"] == "j-log"]
    assert sorted(line["id"] for line in mine) == sorted(ids)
    assert {line["operation"] for line in mine} == {"GET /things/{thing_id}"}
    assert set(mine[0]) == set(entries_keys())


def entries_keys() -> tuple[str, ...]:
    return ("id", "time", "session", "api", "method", "path", "query", "status", "latency_ms", "operation",
            "operations", "violations", "deprecated", "faults", "unmatched", "near_misses")  # fmt: skip


# -- near misses ----------------------------------------------------------------------------------------------


def test_near_misses_explain_a_rest_request_no_operation_matched(sandbox: Served) -> None:
    with sandbox.client() as client:
        headers = {**API_KEY, "x-ctk-session": "j-near"}
        assert client.get("/payments/customer/cus_1", headers=headers).status_code == 404
        assert client.put("/payments/customers/cus_1", headers=headers, data={}).status_code == 405
        wrong_method, wrong_path = entries(client, session="j-near")
    assert wrong_path["unmatched"] is True and wrong_path["operation"] is None
    nearest = wrong_path["near_misses"][0]
    assert nearest["operation"] == "GET /customers/{customer_id}"
    assert nearest["reason"] == "path segment 1 is 'customer', the contract has 'customers'"
    assert len(wrong_path["near_misses"]) <= 3
    assert wrong_method["near_misses"][0]["reason"] == (
        "PUT is not declared for /customers/{customer_id} (declared: GET, POST, DELETE)"
    )


def test_near_misses_for_soap_and_graphql(sandbox: Served) -> None:
    with sandbox.client() as client:
        assert soap(client, "GetAcountRequest", "", "j-near2", action="GetAcount").status_code == 500
        graphql = client.post("/inventory", json={"query": "{ prodct(id: 1) { id } }"},
                              headers={"x-ctk-session": "j-near2"})  # fmt: skip
        assert "errors" in graphql.json()
        found = {entry["api"]: entry for entry in entries(client, session="j-near2", unmatched="true")}
        listed = client.get("/__ctk/requests/unmatched/near-misses", params={"session": "j-near2"}).json()
    assert found["crm"]["near_misses"][0]["operation"] == "CrmService/CrmSoap11Port/GetAccount"
    assert "'GetAcountRequest'" in found["crm"]["near_misses"][0]["reason"]
    assert found["inventory"]["near_misses"][0]["operation"] == "Query.product"
    assert "'prodct'" in found["inventory"]["near_misses"][0]["reason"]
    assert {item["api"] for item in listed["near_misses"]} == {"crm", "inventory"} and listed["total"] == 2


# -- metrics --------------------------------------------------------------------------------------------------


def metric(text: str, name: str, **labels: str) -> float:
    """The value of the sample ``name{labels}`` (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def test_metrics_move_with_requests(sandbox: Served) -> None:
    with sandbox.client() as client:
        before = client.get("/__ctk/metrics")
        assert before.headers["content-type"].startswith("text/plain; version=")
        session = {**API_KEY, "x-ctk-session": "j-metrics"}
        client.get("/payments/customers/cus_9s6XKzkNRiz8i3", headers=session)
        client.post("/payments/customers", data={"email": "nope"}, headers=session)
        client.get("/legacy/things/m1", headers={"prefer": "ctk-fault=503, ctk-latency=1"})
        client.get("/payments/payment_intents", headers=session)
        client.get("/payments/payment_intents", headers=session)
        after = client.get("/__ctk/metrics").text
    read = {"api": "payments", "operation": "GET /customers/{customer_id}", "status": "200"}
    assert metric(after, "ctk_requests_total", **read) == metric(before.text, "ctk_requests_total", **read) + 1
    created = {"api": "payments", "operation": "POST /customers"}
    assert (
        metric(after, "ctk_violations_total", **created) >= metric(before.text, "ctk_violations_total", **created) + 1
    )
    for fault in ("status:503", "latency"):
        labels = {"api": "legacy", "fault": fault}
        assert metric(after, "ctk_faults_injected_total", **labels) == (
            metric(before.text, "ctk_faults_injected_total", **labels) + 1
        )
    assert metric(after, "ctk_rate_limited_total", api="payments") == (
        metric(before.text, "ctk_rate_limited_total", api="payments") + 1
    )
    count = metric(after, "ctk_request_duration_seconds_count", api="legacy")
    assert count >= 1 and metric(after, "ctk_request_duration_seconds_bucket", api="legacy", le="+Inf") == count
    assert metric(after, "ctk_journal_entries") >= 5
    assert metric(after, "ctk_reloads_total", outcome="ok") == 0


def test_access_log_to_a_file_from_the_command_line(tmp_path: Path) -> None:
    log = tmp_path / "access.jsonl"
    with served(str(REPO / "contracts" / "payments" / "v1"), "--access-log", str(log)) as server:
        with server.client() as client:
            client.get("/v1/customers/cus_1?api_key=hidden", headers=API_KEY)
        lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(line["path"], line["query"], line["api"]) for line in lines] == [
        ("/v1/customers/cus_1", "api_key=***", "/v1")
    ]


def test_a_log_that_cannot_be_opened_and_a_bad_journal_size_are_refused_at_start(tmp_path: Path) -> None:
    from tests.support.cli import ctk

    payments = str(REPO / "contracts" / "payments" / "v1")
    code, _, stderr = ctk("serve", payments, "--access-log", str(tmp_path / "no" / "such" / "a.jsonl"), "--check")
    assert code == 2 and "cannot open the access log" in stderr and "Traceback" not in stderr
    root = write_workspace(tmp_path / "ws", f'[sandbox]\njournal_size = 0\n[apis.p]\ncontract = "{payments}"\n')
    code, _, stderr = ctk("serve", "--root", str(root), "--check")
    assert code == 2 and "sandbox.journal_size must be an integer from 1 to 1000000" in stderr

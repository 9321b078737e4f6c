"""A whole workspace served by the real CLI, over real HTTP: payments (REST), crm (SOAP) and inventory
(GraphQL), each with state, plus a payments scenario sequence and a payments rate limit.

Twice on one real redis-server (two ``ctk serve --root`` processes, each on its own port): SOAP CRUD and
GraphQL create/read cross from one process to the other, a scenario sequence and a quota are counted once
for both, and another ``X-Ctk-Session`` sees none of it. Then once with ``--workers 2`` on a SQLite store,
with clients that open a new connection per request so either worker may answer.

Time is never asserted: every request carries the harness's client timeout (``HANG``) as a hang guard.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.support.files import write_workspace
from tests.support.paths import REPO
from tests.support.redis_server import redis_server
from tests.support.served import HANG, assert_no_traceback, served

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "urn:example:crm:types"
API_KEY = {"x-api-key": "sk_test_served"}


def _workspace(root: Path, store: str) -> Path:
    contracts = REPO / "contracts"
    return write_workspace(
        root,
        f"""
[sandbox]
seed = 1
store = "{store}"

[apis.payments]
contract = "{contracts / "payments" / "v1"}"
mount = "/payments"
state = true

[apis.payments.scenarios.flaky_once]
"POST /customers" = [{{ status = 429 }}, {{}}]

[apis.payments.rate_limit]
requests = 3
per = "1m"

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


# -- SOAP (crm) ---------------------------------------------------------------------------------------


def _soap(client: httpx.Client, op: str, body: str, session: str) -> etree._Element:
    """``op`` through crm's SOAP 1.1 port; the Body's first element (asserted not a Fault)."""
    text = (f'<e:Envelope xmlns:e="{SOAP11_ENV}" xmlns:c="{TYPES}"><e:Body>'
            f"<c:{op}Request>{body}</c:{op}Request></e:Body></e:Envelope>")  # fmt: skip
    headers = {
        "content-type": "text/xml; charset=utf-8",
        "soapaction": f'"urn:example:crm/{op}"',
        "x-ctk-session": session,
    }
    answer = client.post("/crm", content=text.encode(), headers=headers)
    assert answer.status_code == 200, answer.text
    assert "ctk-warning" not in answer.headers, answer.headers["ctk-warning"]
    root = etree.fromstring(answer.content)
    body_element = root.find(f"{{{SOAP11_ENV}}}Body")
    assert body_element is not None and len(body_element), answer.text
    first = body_element[0]
    assert etree.QName(first).localname == f"{op}Response", answer.text
    return first


def _soap_fault(client: httpx.Client, op: str, body: str, session: str) -> str:
    text = (f'<e:Envelope xmlns:e="{SOAP11_ENV}" xmlns:c="{TYPES}"><e:Body>'
            f"<c:{op}Request>{body}</c:{op}Request></e:Body></e:Envelope>")  # fmt: skip
    headers = {
        "content-type": "text/xml; charset=utf-8",
        "soapaction": f'"urn:example:crm/{op}"',
        "x-ctk-session": session,
    }
    answer = client.post("/crm", content=text.encode(), headers=headers)
    assert answer.status_code == 500 and "Fault" in answer.text, answer.text
    return answer.text


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path, {"c": TYPES})
    return found.text if found is not None else None


def _account(element: etree._Element) -> dict[str, str]:
    account = element.find("c:account", {"c": TYPES})
    assert account is not None, etree.tostring(element)
    return {etree.QName(leaf).localname: leaf.text or "" for leaf in account.iter() if not len(leaf)}


NEW = ("<c:account><c:name>Served Rockets</c:name><c:industry>Energy</c:industry>"
       "<c:phone>+1 555 0199</c:phone><c:billingAddress><c:street>2 Main St</c:street>"
       "<c:city>Springfield</c:city><c:country>US</c:country></c:billingAddress></c:account>")  # fmt: skip


def _soap_round_trip(a: httpx.Client, b: httpx.Client, session: str) -> str:
    """CreateAccount through ``a``; GetAccount, SearchAccounts, UpdateAccount, GetAccount across both."""
    key = _text(_soap(a, "CreateAccount", NEW, session), "c:id")
    assert key is not None and len(key) == 18

    first = _account(_soap(b, "GetAccount", f"<c:id>{key}</c:id>", session))
    assert first["id"] == key and first["name"] == "Served Rockets" and first["industry"] == "Energy"
    assert first["phone"] == "+1 555 0199" and first["city"] == "Springfield" and first["country"] == "US"
    assert _account(_soap(a, "GetAccount", f"<c:id>{key}</c:id>", session)) == first  # the same through A

    found = _soap(b, "SearchAccounts", "<c:query>Served</c:query>", session)
    assert key in [_text(item, "c:id") for item in found.findall("c:account", {"c": TYPES})]

    update = f"<c:id>{key}</c:id><c:account><c:name>Served Orbital</c:name></c:account>"
    assert _text(_soap(b, "UpdateAccount", update, session), "c:id") == key
    changed = _account(_soap(a, "GetAccount", f"<c:id>{key}</c:id>", session))
    assert changed["name"] == "Served Orbital"
    assert {k: v for k, v in changed.items() if k != "name"} == {k: v for k, v in first.items() if k != "name"}
    return key


# -- GraphQL (inventory) ------------------------------------------------------------------------------

CREATE = """mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { product { id sku name price status tags } userErrors { message } }
}"""
INPUT = {"sku": "SKU-SERVED", "name": "Served widget", "description": "A widget, served.", "price": "7.25",
         "status": "ACTIVE", "tags": ["served"],
         "dimensions": {"length": 1.0, "width": 2.0, "height": 3.0, "unit": "CENTIMETERS"}}  # fmt: skip
READ = """query Read($id: ID!) {
  product(id: $id) { id sku name description price status tags dimensions { length width height unit } }
}"""


def _graphql(client: httpx.Client, query: str, variables: dict[str, Any], session: str) -> dict[str, Any]:
    answer = client.post(
        "/inventory",
        json={"query": query, "variables": variables},
        headers={"accept": "application/json", "x-ctk-session": session},
    )
    assert answer.status_code == 200 and "ctk-warning" not in answer.headers, answer.text
    document: dict[str, Any] = answer.json()
    assert "errors" not in document, document
    return document["data"]


def _graphql_round_trip(a: httpx.Client, b: httpx.Client, session: str) -> str:
    made = _graphql(a, CREATE, {"input": INPUT}, session)["createProduct"]
    assert made["userErrors"] == []
    created = made["product"]
    assert created["sku"] == "SKU-SERVED" and created["name"] == "Served widget" and created["tags"] == ["served"]
    product = _graphql(b, READ, {"id": created["id"]}, session)["product"]
    assert product is not None
    assert {k: product[k] for k in created} == created
    assert product["description"] == "A widget, served."
    assert product["dimensions"] == INPUT["dimensions"]
    assert _graphql(a, READ, {"id": created["id"]}, session)["product"] == product
    return str(created["id"])


# -- two servers on one redis-server ------------------------------------------------------------------


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with redis_server() as redis, ExitStack() as stack:
        root = _workspace(tmp_path / "workspace", redis.url)
        first = stack.enter_context(served("--root", str(root)))
        second = stack.enter_context(served("--root", str(root)))
        assert first.port != second.port
        yield stack.enter_context(first.client()), stack.enter_context(second.client())
        assert_no_traceback(first)
        assert_no_traceback(second)


def test_soap_crud_crosses_two_servers_and_stays_in_its_session(
    two_servers: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = two_servers
    key = _soap_round_trip(a, b, "soap-x")
    # another session sees none of it, through either server
    for client in (a, b):
        assert "No such Account" in _soap_fault(client, "GetAccount", f"<c:id>{key}</c:id>", "soap-y")
        empty = _soap(client, "SearchAccounts", "<c:query>Served</c:query>", "soap-y")
        assert key not in [_text(item, "c:id") for item in empty.findall("c:account", {"c": TYPES})]


def test_graphql_create_and_read_cross_two_servers_and_stay_in_their_session(
    two_servers: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = two_servers
    key = _graphql_round_trip(a, b, "graphql-x")
    for client in (a, b):
        assert _graphql(client, READ, {"id": key}, "graphql-y") == {"product": None}
        listed = _graphql(client, "{ products { totalCount edges { node { id } } } }", {}, "graphql-y")
        assert key not in [edge["node"]["id"] for edge in listed["products"]["edges"]]


def test_a_scenario_sequence_is_counted_once_for_both_servers(two_servers: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = two_servers
    body = {"email": "seq@example.com", "name": "Seq Uence"}
    headers = {**API_KEY, "x-ctk-session": "scenario-x"}
    # the first call makes flaky_once the session's scenario and plays its first step
    first = a.post("/payments/customers", json=body, headers={**headers, "prefer": "scenario=flaky_once; session"})
    assert first.status_code == 429, first.text
    assert "retry-after" in first.headers
    second = b.post("/payments/customers", json=body, headers=headers)  # the session's scenario, step two
    assert second.status_code == 201, second.text
    customer = second.json()
    # what the sequence let through is stored, and readable through A (another key: the quota of 3 is
    # per credential and session, and is not what this test is about)
    reader = {"x-api-key": "sk_test_reader", "x-ctk-session": "scenario-x"}
    read = a.get(f"/payments/customers/{customer['id']}", headers=reader)
    assert read.status_code == 200 and read.json() == customer
    # the last step repeats: still 201 through A
    assert a.post("/payments/customers", json=body, headers=reader).status_code == 201
    # another session does not see the customer, and has no scenario: its first create goes through
    # (read before creating there: ids are seeded, so the same create in a fresh session may get the same id)
    other = {**API_KEY, "x-ctk-session": "scenario-y"}
    assert a.get(f"/payments/customers/{customer['id']}", headers=other).status_code == 404
    made = b.post("/payments/customers", json=body, headers=other)
    assert made.status_code == 201, made.text


def _fresh_window(client: httpx.Client, headers: dict[str, str]) -> None:
    """Wait, if the aligned 1-minute window is about to end, for the next one (so 4 requests share one)."""
    probe = client.get("/payments/customers", headers={**headers, "x-ctk-session": "window-probe"})
    reset = int(probe.headers.get("ratelimit-reset", "60"))
    if reset < 10:
        time.sleep(reset + 1)


def test_a_quota_is_shared_by_both_servers(two_servers: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = two_servers
    headers = {"x-api-key": "sk_test_quota", "x-ctk-session": "quota-x"}
    _fresh_window(a, {"x-api-key": "sk_test_window"})
    answers = [(a, b)[n % 2].get("/payments/customers", headers=headers) for n in range(4)]
    assert [answer.status_code for answer in answers[:3]] == [200, 200, 200], [r.text for r in answers]
    assert [answer.headers.get("ratelimit-remaining") for answer in answers[:3]] == ["2", "1", "0"]
    fourth = answers[3]
    assert fourth.status_code == 429, fourth.text
    assert int(fourth.headers["retry-after"]) >= 1
    # the quota is per credential and session: another session with the same key is not limited
    other = b.get("/payments/customers", headers={**headers, "x-ctk-session": "quota-y"})
    assert other.status_code == 200


# -- one server, two workers, one SQLite file ---------------------------------------------------------


def test_workers_sharing_a_sqlite_store_share_soap_and_graphql_state(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "workspace", f"sqlite:{tmp_path / 'state.db'}")
    with served("--root", str(root), "--workers", "2") as server:
        fresh = httpx.Limits(max_keepalive_connections=0)  # a new connection per request: either worker answers
        clients = [httpx.Client(base_url=server.url, timeout=HANG, limits=fresh) for _ in range(2)]
        try:
            for attempt in range(3):
                one, two = clients[attempt % 2], clients[(attempt + 1) % 2]
                key = _soap_round_trip(one, two, f"sqlite-soap-{attempt}")
                assert "No such Account" in _soap_fault(two, "GetAccount", f"<c:id>{key}</c:id>", "sqlite-other")
                product = _graphql_round_trip(one, two, f"sqlite-graphql-{attempt}")
                assert _graphql(two, READ, {"id": product}, "sqlite-other") == {"product": None}
        finally:
            for client in clients:
                client.close()
        assert_no_traceback(server)

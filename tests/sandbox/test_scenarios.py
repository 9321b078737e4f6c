"""Scenarios (``toolkit.sandbox.scenarios``): named states and sequences per request, per session, sandbox-wide.

REST is the payments example contract (``contracts/payments/v1``): its operations declare 400, 401, 404, 422 and
429 (no 5xx), so the scenarios here play 422 and 429; openapi-core judges every REST answer a client receives.
SOAP is the CRM v2 WSDL (every operation declares the fault ``CrmFault``), GraphQL the inventory schema.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.support.openapi_judge import Judge
from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.mock import MockEnvelope, MockTransport
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.loopback import serve_in_thread
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.scenarios import ScenariosLayer, UnknownScenarioError, scenarios_layer
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import open_store

PAYMENTS = REPO / "contracts" / "payments" / "v1"
CRM = REPO / "contracts" / "crm" / "v2" / "crm.wsdl"
INVENTORY = REPO / "contracts" / "inventory" / "v1"
PROBLEM = "application/problem+json"
KEY = {"X-Api-Key": "sk_test_1"}
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
GET_ACCOUNT = (
    f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
    '<GetAccountRequest xmlns="urn:example:crm:types"><id>001A000001Xyz12AAB</id></GetAccountRequest>'
    "</soap:Body></soap:Envelope>"
)
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:example:crm/GetAccount"'}
PRODUCT = '{ product(id: "UHJvZHVjdDox") { id name } }'
CONFIRM = "POST /payment_intents/{intent_id}/confirm"
PAYMENTS_TABLE: dict[str, Any] = {
    "card_declined": {"description": "new payments refused", "POST /payment_intents": {"status": 422}},
    "throttled": {"*": {"status": 429}},
    "flaky_confirm": {CONFIRM: [{"status": 429}, {"status": 429}, {"status": 200}]},
    "flapping": {"repeat": "cycle", CONFIRM: [{"status": 429}, {}]},
}
NEW_INTENT = {"amount": 1000, "currency": "usd"}


# -- helpers -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crm() -> MockEnvelope:
    return compile_mock(load_contract(CRM), seed=1, mount="/crm")


def layered(
    envelope: MockEnvelope, table: dict[str, Any], store: Store, api: str = "payments"
) -> tuple[SandboxedMock, ScenariosLayer]:
    layer = scenarios_layer(envelope, table, store, api=api, where=f"[apis.{api}]")
    return SandboxedMock(envelope, [layer]), layer


def client(handler: SandboxedMock, judge: Judge | None, **headers: str) -> httpx.Client:
    hooks: dict[str, list[Callable[..., Any]]] = {"response": [judge]} if judge is not None else {}
    return httpx.Client(
        transport=MockTransport(handler), base_url="https://sandbox.test/v1", headers={**KEY, **headers},
        event_hooks=hooks,
    )  # fmt: skip


def confirm(http: httpx.Client, **headers: str) -> int:
    return http.post("/payment_intents/pi_1/confirm", json={}, headers=headers).status_code


def soap_fault_name(body: bytes) -> str | None:
    root = etree.fromstring(body)
    fault = root.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault")
    if fault is None:
        return None
    detail = fault.find("detail")
    assert detail is not None and len(detail), "a declared fault carries its detail"
    return str(etree.QName(detail[0]).localname)


def config_error(envelope: MockEnvelope, table: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        scenarios_layer(envelope, table, open_store("memory"), api="payments", where="[apis.payments]")
    return f"{caught.value} {getattr(caught.value, 'hint', '') or ''}"


# -- REST: states, per request, per session, sandbox-wide ---------------------------------------------


def test_a_state_per_request_answers_the_declared_status_and_is_stripped(
    payments: MockEnvelope, store: Store, judge: Judge
) -> None:
    handler, _ = layered(payments, PAYMENTS_TABLE, store)
    with client(handler, judge) as http:
        declined = http.post("/payment_intents", json=NEW_INTENT, headers={"Prefer": "scenario=card_declined"})
        plain = http.post("/payment_intents", json=NEW_INTENT)
        other = http.get("/customers", headers={"Prefer": "scenario=card_declined"})  # not named by the scenario
        both = http.post("/payment_intents", json=NEW_INTENT, headers={"Prefer": "example=x, scenario=throttled"})
    assert declined.status_code == 422 and declined.headers["content-type"].startswith(PROBLEM)
    assert "scenario" not in declined.headers.get("preference-applied", "")
    assert plain.status_code == 201 and other.status_code == 200
    assert both.status_code == 429 and int(both.headers["retry-after"]) >= 0
    assert judge.checked >= 4


def test_an_unknown_scenario_asked_is_refused_naming_the_known_ones(payments: MockEnvelope, store: Store) -> None:
    handler, _ = layered(payments, PAYMENTS_TABLE, store)
    with client(handler, None) as http:
        refused = http.get("/customers", headers={"Prefer": "scenario=card_decline"})
        none = http.get("/customers", headers={"Prefer": "scenario=none"})
    assert refused.status_code == 400 and "card_declined" in refused.text
    assert none.status_code == 200


def test_a_session_scenario_applies_to_that_session_only(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, layer = layered(payments, PAYMENTS_TABLE, store)
    layer.activate("alice", "card_declined")
    assert layer.active("alice") == "card_declined" and layer.active("bob") is None
    with client(handler, judge, **{"X-Ctk-Session": "alice"}) as alice, client(handler, judge) as bob:
        assert alice.post("/payment_intents", json=NEW_INTENT).status_code == 422
        assert bob.post("/payment_intents", json=NEW_INTENT, headers={"X-Ctk-Session": "bob"}).status_code == 201
        # a request's own choice wins over the session's
        assert alice.post("/payment_intents", json=NEW_INTENT, headers={"Prefer": "scenario=none"}).status_code == 201
        # Prefer: scenario=NAME; session makes it the session's
        assert bob.get("/customers", headers={"X-Ctk-Session": "bob", "Prefer": "scenario=throttled; session"}
                       ).status_code == 429  # fmt: skip
        assert bob.get("/customers", headers={"X-Ctk-Session": "bob"}).status_code == 429
    assert layer.active("bob") == "throttled"
    layer.activate("alice", None)
    assert layer.active("alice") is None
    with pytest.raises(UnknownScenarioError, match="card_declined"):
        layer.activate("alice", "nope")


def test_active_in_config_plays_for_every_session_unless_one_chose_otherwise(
    payments: MockEnvelope, store: Store, judge: Judge
) -> None:
    handler, layer = layered(payments, {**PAYMENTS_TABLE, "active": "throttled"}, store)
    layer.activate("calm", "none")
    with client(handler, judge) as http:
        assert http.get("/customers").status_code == 429
        assert http.get("/customers", headers={"X-Ctk-Session": "x"}).status_code == 429
        assert http.get("/customers", headers={"X-Ctk-Session": "calm"}).status_code == 200
        assert http.get("/customers", headers={"Prefer": "scenario=none"}).status_code == 200
    assert layer.active("x") == "throttled" and layer.active("calm") is None


# -- REST: sequences ------------------------------------------------------------------------------------


def test_a_sequence_fails_twice_then_succeeds_per_session_and_resets(
    payments: MockEnvelope, store: Store, judge: Judge
) -> None:
    handler, layer = layered(payments, {**PAYMENTS_TABLE, "active": "flaky_confirm"}, store)
    with client(handler, judge, **{"X-Ctk-Session": "a"}) as a, client(handler, judge, **{"X-Ctk-Session": "b"}) as b:
        assert [confirm(a) for _ in range(2)] == [429, 429]
        assert confirm(b) == 429  # b has its own position
        assert [confirm(a) for _ in range(2)] == [200, 200]  # the last step repeats
        assert a.get("/customers").status_code == 200  # other operations are not counted
        assert layer.position("a", "flaky_confirm", CONFIRM) == 4
        assert layer.reset("a") >= 1
        assert [confirm(a) for _ in range(3)] == [429, 429, 200]
        assert [confirm(b) for _ in range(2)] == [429, 200]


def test_a_cycling_sequence_starts_again(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, _ = layered(payments, PAYMENTS_TABLE, store)
    with client(handler, judge, Prefer="scenario=flapping") as http:
        assert [confirm(http) for _ in range(5)] == [429, 200, 429, 200, 429]


def test_two_sandboxes_on_one_sqlite_store_share_the_sequence(
    payments: MockEnvelope, tmp_path: Path, judge: Judge
) -> None:
    url = f"sqlite:{tmp_path / 'sandbox.db'}"
    first_store, second_store = open_store(url), open_store(url)
    try:
        first, _ = layered(payments, PAYMENTS_TABLE, first_store)
        second, second_layer = layered(payments, PAYMENTS_TABLE, second_store)
        second_layer.activate("shared", "flaky_confirm")  # the session's choice is shared too
        headers = {"X-Ctk-Session": "shared"}
        with client(first, judge, **headers) as one, client(second, judge, **headers) as two:
            assert [confirm(one), confirm(two), confirm(one), confirm(two)] == [429, 429, 200, 200]
            second_layer.reset("shared")
            assert [confirm(two), confirm(one), confirm(two)] == [429, 429, 200]
    finally:
        first_store.close()
        second_store.close()


def test_over_real_http(payments: MockEnvelope, store: Store, judge: Judge) -> None:
    handler, _ = layered(payments, PAYMENTS_TABLE, store)
    with (
        serve_in_thread(MockASGIApp(handler, deliver=False), lifespan="off") as url,
        httpx.Client(base_url=url + "/v1", headers=KEY, event_hooks={"response": [judge]}) as http,
    ):
        asked = {"Prefer": "scenario=flaky_confirm", "X-Ctk-Session": "http"}
        answers = [http.post("/payment_intents/pi_1/confirm", json={}, headers=asked) for _ in range(3)]
        declined = http.post("/payment_intents", json=NEW_INTENT, headers={"Prefer": "scenario=card_declined"})
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["content-type"].startswith(PROBLEM)
    assert declined.status_code == 422


# -- SOAP and GraphQL -----------------------------------------------------------------------------------


def test_soap_a_state_answers_the_declared_fault(crm: MockEnvelope, store: Store) -> None:
    table = {"locked": {"GetAccount": {"fault": "CrmFault"}}, "flaky": {"GetAccount": [{"fault": "CrmFault"}, {}]}}
    handler, layer = layered(crm, table, store, api="crm")
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as http:
        plain = http.post("/crm", content=GET_ACCOUNT, headers=SOAP_HEADERS)
        locked = http.post("/crm", content=GET_ACCOUNT, headers={**SOAP_HEADERS, "Prefer": "scenario=locked"})
        layer.activate("default", "flaky")
        sequence = [http.post("/crm", content=GET_ACCOUNT, headers=SOAP_HEADERS) for _ in range(3)]
    assert plain.status_code == 200 and soap_fault_name(plain.content) is None
    assert locked.status_code == 500 and soap_fault_name(locked.content) == "CrmFault"
    assert [r.status_code for r in sequence] == [500, 200, 200]


def test_graphql_a_state_answers_an_errors_document(inventory: MockEnvelope, store: Store) -> None:
    table = {
        "down": {"Query.product": {"error": "catalogue unavailable"}},
        "other": {"Query.warehouses": {"error": "x"}},
    }
    handler, _ = layered(inventory, table, store, api="inventory")
    with httpx.Client(transport=MockTransport(handler), base_url="http://sandbox.test") as http:
        down = http.post("/inventory", json={"query": PRODUCT}, headers={"Prefer": "scenario=down"})
        other = http.post("/inventory", json={"query": PRODUCT}, headers={"Prefer": "scenario=other"})
    assert down.status_code == 200
    assert down.json()["errors"][0]["message"] == "catalogue unavailable"
    assert other.status_code == 200 and other.json()["data"]["product"] is not None


# -- config errors ----------------------------------------------------------------------------------------


def test_config_errors_name_the_key_and_what_is_declared(
    payments: MockEnvelope, crm: MockEnvelope, inventory: MockEnvelope
) -> None:
    unknown_active = config_error(payments, {**PAYMENTS_TABLE, "active": "card_decline"})
    assert "sandbox.toml [apis.payments].scenarios.active" in unknown_active and "'card_declined'" in unknown_active
    unknown_op = config_error(payments, {"s": {"POST /payment_intent": {"status": 422}}})
    assert 'scenarios.s."POST /payment_intent"' in unknown_op and "'POST /payment_intents'" in unknown_op
    undeclared = config_error(payments, {"s": {"POST /payment_intents": {"status": 503}}})
    assert "does not declare a 503" in undeclared and "422" in undeclared and "scenarios.s" in undeclared
    in_sequence = config_error(payments, {"s": {CONFIRM: [{"status": 429}, {"status": 402}]}})
    assert f'scenarios.s."{CONFIRM}"[1].status' in in_sequence
    every = config_error(payments, {"s": {"*": {"status": 503}}})
    assert "503" in every
    fault = config_error(crm, {"s": {"GetAccount": {"fault": "CrmFaul"}}})
    assert "declares no fault 'CrmFaul'" in fault and "'CrmFault'" in fault
    wrong_protocol = config_error(payments, {"s": {"POST /payment_intents": {"fault": "X"}}})
    assert "for SOAP" in wrong_protocol
    graphql = config_error(inventory, {"s": {"Query.produc": {"error": "x"}}})
    assert "'Query.product'" in graphql
    not_a_table = config_error(payments, {"activ": "card_declined"})
    assert "'active'" in not_a_table
    repeat = config_error(payments, {"s": {"repeat": "forever", CONFIRM: [{}]}})
    assert "scenarios.s.repeat" in repeat
    reserved = config_error(payments, {"none": {}})
    assert "none" in reserved


# -- the layer skipped when it has nothing to do -----------------------------------------------------------------


@pytest.mark.parametrize("table", [{}, PAYMENTS_TABLE, {**PAYMENTS_TABLE, "active": "throttled"}])
def test_passes_says_exactly_when_the_layer_would_hand_the_request_on_unchanged(
    payments: MockEnvelope, store: Store, table: dict[str, Any]
) -> None:
    """``passes`` is what lets ``SandboxedMock`` skip the layer: True only when ``__call__`` would call ``inner`` with
    the request as it came, for every way a scenario can be chosen (none, config ``active``, a session's own choice,
    ``none`` chosen, a ``Prefer``); and True whenever no scenario is asked or played."""
    from toolkit.exchange import MockResult, Request
    from toolkit.sandbox.layers import Call

    _, layer = layered(payments, table, store, api=f"passes{len(table)}")
    if table:
        layer.activate("chose", "card_declined")
        layer.activate("calm", "none")
    for session in ("default", "chose", "calm"):
        for prefer in (None, "code=200", "scenario=throttled", "Scenario=none"):
            headers = (("x-api-key", "sk_test_1"),) + ((("prefer", prefer),) if prefer else ())
            request = Request("GET", "/customers", "", headers)
            seen: list[Request] = []

            def inner(call: Call, seen: list[Request] = seen) -> MockResult:
                seen.append(call.request)
                return payments(call.request)

            answered = layer(Call(request, session), inner)
            untouched = seen == [request] and answered.response == payments(request).response
            playing = (prefer is not None and "scenario" in prefer.lower()) or layer.active(session) is not None
            passes = layer.passes(request, session)
            assert not passes or untouched, (table.keys(), session, prefer)  # never skipped when it would act
            assert passes == (not playing), (table.keys(), session, prefer)


def test_a_failing_store_never_lets_the_layer_be_skipped(payments: MockEnvelope) -> None:
    """With the store down the layer must answer (it says why in ``ctk-warning``), so ``passes`` says no."""
    from toolkit.exchange import Request
    from toolkit.sandbox.stores import StoreError
    from toolkit.sandbox.stores.memory import MemoryStore

    class Down(MemoryStore):
        def get(self, namespace: str, key: str) -> Any:
            raise StoreError("the store is down")

    layer = scenarios_layer(payments, PAYMENTS_TABLE, Down(), api="payments", where="[apis.payments]")
    assert not layer.passes(Request("GET", "/customers", "", (("x-api-key", "sk_test_1"),)), "default")

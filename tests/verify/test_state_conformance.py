"""Conformance with the sandbox's state layer on: each protocol's engine against ``ctk serve SPEC --state``
(memory store) on a small sample, every answer still judged against the contract. The whole corpus runs in
``scripts/self_conformance.py --state``, ``scripts/soap_zeep_conformance.py --state`` and
``scripts/graphql_conformance.py --state``.

With state on, an operation naming an id the session never created is not found, as at the vendor: REST
answers the contract's 404 (schemathesis judges it like any declared answer), SOAP a fault the binding
allows (``toolkit.verify.soap._fault_problems``), GraphQL a ``NOT_FOUND`` field error that must still be a
valid partial result (``toolkit.verify.graphql.judge(..., not_found=True)``); the tests below also show each
of those judges refusing what is not allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
from lxml import etree

from tests.support.corpus import corpus
from tests.support.files import write_file
from tests.support.items_wsdl import items_wsdl
from tests.support.paths import REPO
from tests.support.soap_conformance import xmlschema_judge
from toolkit.load import load_contract
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.envelope import SOAP11_ENV, SOAP12_ENV
from toolkit.soap.mock.handler import SoapMock
from toolkit.verify import graphql as graphql_conformance
from toolkit.verify import openapi as rest_conformance
from toolkit.verify import soap as soap_conformance
from toolkit.verify.targets import CtkServe, CtkTarget

STATE = CtkServe(("--state", "--store", "memory"), startup_timeout=60)
PAYMENTS = REPO / "contracts" / "payments" / "v1"
CRM_V1 = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"
INVENTORY = REPO / "contracts" / "inventory" / "v1"


def test_the_served_target_really_keeps_state() -> None:
    """What the runs below rest on: ``CtkServe(("--state",))`` serves the contract with state on, at the mount
    the in-process mock has."""
    assert STATE.state and not CtkServe().state and STATE.name == "ctk serve --state --store memory"
    headers = {"X-Api-Key": "sk_test_1"}
    with STATE.serving(PAYMENTS, seed=1) as origin, httpx.Client(base_url=f"{origin}/v1", headers=headers) as client:
        created = client.post("/customers", json={"email": "ada@example.com", "name": "Ada"})
        assert created.status_code == 201, created.text
        key = created.json()["id"]
        read = client.get(f"/customers/{key}")
        assert read.status_code == 200 and read.json() == created.json()
        assert client.get("/customers/cus_NeverCreated1").status_code == 404


# --- REST ---------------------------------------------------------------------------------------------


def test_stripe_customers_and_their_nested_collections_conform_with_state_on() -> None:
    """Stripe's /v1/customers and what is nested under a customer (sources, cards, bank accounts, tax ids,
    balance transactions, subscriptions): collection/item pairs, creates, reads, updates, deletes and lists,
    each inferred by the state layer. Every answer must pass schemathesis' five response checks."""
    path = corpus("openapi", "stripe-spec3-2019-09-27.yaml")
    target = CtkTarget(STATE, notes=False)  # the contract's notes would walk all of Stripe's 400 operations
    outcome = rest_conformance.run_one(
        path, 1, seed=1, workers=1, target=target, include_path_regex="^/v1/customers", label="stripe customers"
    )
    assert outcome.error == ""
    assert outcome.tested >= 25, outcome.untestable
    assert outcome.failures == []


# --- SOAP ---------------------------------------------------------------------------------------------


def _items_wsdl(folder: Path) -> Path:
    """Items over one SOAP 1.1 port: AddItem creates, FindItemById and RemoveItem declare an ItemNotFound fault."""
    return write_file(folder, "items.wsdl", items_wsdl())


def test_a_wsdl_with_a_declared_not_found_fault_conforms_with_state_on(tmp_path: Path) -> None:
    """Reads and deletes of an id never created answer the declared ItemNotFound fault: it passes, its detail
    checked by both judges; creates and lists answer as without state."""
    path = _items_wsdl(tmp_path)
    outcome = soap_conformance.run_one(path, judges={"xmlschema": xmlschema_judge}, served_by=STATE, seed=3)
    assert outcome.error == "" and outcome.unavailable == {}
    assert outcome.callable == outcome.passed == 4 and outcome.failed == []
    faulted = {op.rsplit("/", 1)[1]: reason for op, reason in outcome.faulted}
    assert set(faulted) == {"FindItemById", "RemoveItem"}
    assert all("ItemNotFound" in reason for reason in faulted.values())
    assert outcome.checked == {"lxml": 4, "xmlschema": 4}  # the two answers and the two fault details


def test_crm_conforms_with_state_on() -> None:
    """The workspace's crm over both ports: GetAccount, UpdateAccount and GetContact of ids never created
    answer a Client/Sender fault (crm declares no NotFound fault; SOAP 1.2's with HTTP 400), every other
    answer as without state."""
    outcome = soap_conformance.run_one(CRM_V1, judges={"xmlschema": xmlschema_judge}, served_by=STATE, seed=0)
    assert outcome.error == "" and outcome.callable == 18
    assert outcome.failed == [], outcome.failed
    assert outcome.passed == 18
    assert {op.rsplit("/", 1)[1] for op, _ in outcome.faulted} == {"GetAccount", "UpdateAccount", "GetContact"}


def test_with_state_off_a_fault_still_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fault judge is only for state: without it the mock has no reason to fault, so any fault fails."""
    path = _items_wsdl(tmp_path)
    answer = SoapMock.answer

    def faulting(self: SoapMock, request: Any) -> Any:  # every call a Client fault; ?wsdl as it is
        from toolkit.exchange import MockResult
        from toolkit.soap.mock.faults import FaultCode, fault_response

        if request.method != "POST":
            return answer(self, request)
        return MockResult(fault_response("1.1", FaultCode.CLIENT, "no"))

    monkeypatch.setattr(SoapMock, "answer", faulting)
    outcome = soap_conformance.run_one(path, in_process=True)
    assert outcome.passed == 0 and len(outcome.failed) == 4 and outcome.faulted == []


def _envelope(version: str, fault: str) -> etree._Element:
    namespace = SOAP11_ENV if version == "1.1" else SOAP12_ENV
    return etree.fromstring(f'<e:Envelope xmlns:e="{namespace}"><e:Body>{fault}</e:Body></e:Envelope>')


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory) -> SoapMock:
    contract = load_contract(_items_wsdl(tmp_path_factory.mktemp("items")))
    assert isinstance(contract, SoapContract)
    return SoapMock(contract)


def _find(mock: SoapMock) -> Any:
    return next(op for op in mock.ports[0].operations if op.name == "FindItemById")


FAULT_11 = '<e:Fault xmlns:i="urn:items"><faultcode>e:{code}</faultcode><faultstring>no</faultstring>{detail}</e:Fault>'


@pytest.mark.parametrize(
    ("code", "detail", "status", "problem"),
    [
        ("Client", "", 500, None),  # an undeclared Client fault: the request names what does not exist
        ("Server", "<detail><i:ItemNotFound><i:itemId>x</i:itemId></i:ItemNotFound></detail>", 500, None),
        ("Server", "", 500, "declaring nothing"),  # the server's own failure: a crash, a store error
        ("Client", "", 200, "HTTP 200, not 500"),
        ("Server", "<detail><i:ItemNotFound><i:label>x</i:label></i:ItemNotFound></detail>", 500, "judge"),
    ],
)
def test_the_fault_judge(items: SoapMock, code: str, detail: str, status: int, problem: str | None) -> None:
    judges = {"xmlschema": xmlschema_judge(Path(items.contract.files[0]), {})}
    envelope = _envelope("1.1", FAULT_11.replace("{code}", code).replace("{detail}", detail))
    common, verdicts = soap_conformance._fault_problems(items, judges, _find(items), envelope, status)
    reasons = common + [f"judge {name}: {found[0]}" for name, found in verdicts.items() if found]
    if problem is None:
        assert reasons == []
    else:
        assert reasons and problem in reasons[0], reasons
        if problem == "judge":  # both judges reject the declared detail that is not valid
            assert verdicts["lxml"] and verdicts["xmlschema"]


def test_a_soap12_sender_fault_is_http_400(items: SoapMock) -> None:
    fault = ('<e:Fault><e:Code><e:Value>e:Sender</e:Value></e:Code><e:Reason><e:Text xml:lang="en">no</e:Text>'
             "</e:Reason></e:Fault>")  # fmt: skip
    mock_op = _as_soap12(_find(items))
    assert soap_conformance._fault_problems(items, {}, mock_op, _envelope("1.2", fault), 400)[0] == []
    common, _ = soap_conformance._fault_problems(items, {}, mock_op, _envelope("1.2", fault), 500)
    assert common and "not 400" in common[0]


def _as_soap12(op: Any) -> Any:
    from dataclasses import replace

    return replace(op, operation=replace(op.operation, soap_version="1.2"))


# --- GraphQL ------------------------------------------------------------------------------------------


def test_the_inventory_schema_conforms_with_state_on() -> None:
    outcome = graphql_conformance.run_one(INVENTORY, examples=30, seed=5, served_by=STATE)
    assert outcome.sent >= 20
    assert outcome.failures == [], outcome.failures[:3]
    assert outcome.passed + outcome.limited == outcome.sent


SCHEMA = graphql.build_schema("""
    type Issue { id: ID! title: String! }
    type Payload { issue: Issue clientMutationId: String }
    type Query { issue(id: ID!): Issue! ok: Boolean }
    type Mutation { deleteIssue(id: ID!): Payload updateIssue(id: ID!, title: String): Payload! }
""")
NOT_FOUND = {"message": "no Issue with id 'x'", "extensions": {"code": "NOT_FOUND"}}


def _not_found(query: str, body: dict[str, Any], status: int = 200) -> tuple[str, str]:
    return graphql_conformance.judge(SCHEMA, query, status, body, not_found=True)


def test_a_not_found_field_error_passes_only_with_state_on_and_as_a_valid_partial_result() -> None:
    delete = 'mutation { deleteIssue(id: "x") { clientMutationId } }'
    body = {"data": {"deleteIssue": None}, "errors": [{**NOT_FOUND, "path": ["deleteIssue"]}]}
    assert _not_found(delete, body) == ("not_found", "")
    assert graphql_conformance.judge(SCHEMA, delete, 200, body)[0] == "failed"  # state off: an error is a failure
    # a non-null field: the null propagates to data
    read = '{ issue(id: "x") { id } ok }'
    assert _not_found(read, {"data": None, "errors": [{**NOT_FOUND, "path": ["issue"]}]}) == ("not_found", "")


@pytest.mark.parametrize(
    ("query", "body", "status", "reason"),
    [
        ('{ issue(id: "x") { id } ok }', {"errors": [{**NOT_FOUND, "path": ["issue"]}]}, 200, "without data"),
        ('mutation { deleteIssue(id: "x") { clientMutationId } }',
         {"data": {"deleteIssue": {"clientMutationId": None}}, "errors": [{**NOT_FOUND, "path": ["deleteIssue"]}]},
         200, "holds a value"),
        ('mutation { deleteIssue(id: "x") { clientMutationId } }',
         {"data": {"deleteIssue": None}, "errors": [{**NOT_FOUND, "path": ["deleteIssue"]}]}, 404, "HTTP 404"),
        ('mutation { deleteIssue(id: "x") { clientMutationId } }',
         {"data": {"deleteIssue": None}, "errors": [NOT_FOUND]}, 200, "without a path"),
        ('mutation { updateIssue(id: "x") { issue { id } } }',  # non-null: the null propagates to data itself
         {"data": {"updateIssue": None}, "errors": [{**NOT_FOUND, "path": ["updateIssue"]}]}, 200, "non-null"),
        ('mutation { deleteIssue(id: "x") { clientMutationId } }',
         {"data": {"deleteIssue": None}, "errors": [{**NOT_FOUND, "path": ["deleteIssue"]},
                                                    {"message": "boom", "path": ["deleteIssue"]}]}, 200, "errors"),
    ],
)  # fmt: skip
def test_the_not_found_judge_refuses_what_is_no_partial_result(
    query: str, body: dict[str, Any], status: int, reason: str
) -> None:
    verdict, why = _not_found(query, body, status)
    assert verdict == "failed" and reason in why, why

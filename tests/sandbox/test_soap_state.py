"""SOAP state inferred from the WSDL (``toolkit.sandbox.state.soap``): crm v1 over its SOAP 1.1 and 1.2 ports,
in-process; a small WSDL written here for what crm does not have (a Delete operation, a declared NotFound
fault); a real zeep client through ``MockZeepTransport``. Every answer envelope's Body is validated by the
mock's own XSD validator and by the independent xmlschema judge (``tests.support.xsd_judge``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import zeep
from lxml import etree

from tests.support.files import write_file
from tests.support.items_wsdl import items_wsdl
from tests.support.paths import REPO
from tests.support.xsd_judge import XmlSchemaJudge
from toolkit.exchange import MockResult, Request
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.model import Protocol
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.state import has_state, state_layer
from toolkit.sandbox.state.soap import SoapStateLayer
from toolkit.sandbox.state.soap_model import Kind
from toolkit.sandbox.stores import open_store
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.envelope import SOAP11_ENV, SOAP12_ENV, detached
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions
from toolkit.soap.mock.zeep_transport import MockZeepTransport

CRM = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"
TYPES = "urn:example:crm:types"
PORTS = {"1.1": ("/soap/v1", SOAP11_ENV, "text/xml; charset=utf-8"),
         "1.2": ("/soap12/v1", SOAP12_ENV, "application/soap+xml; charset=utf-8")}  # fmt: skip


class Client:
    """Envelopes to one sandboxed SOAP mock, each answer checked by both XSD judges."""

    def __init__(self, path: Path, judge: XmlSchemaJudge, namespace: str, action_prefix: str, **options: Any) -> None:
        contract = load_contract(path)
        assert isinstance(contract, SoapContract)
        self.mock = SoapMock(contract, SoapMockOptions(seed=5, **options))
        self.envelope = MockEnvelope(self.mock)
        self.layer = state_layer(self.envelope, open_store("memory"), api="crm")
        self.sandbox = SandboxedMock(self.envelope, [self.layer])
        self.judge = judge
        self.namespace = namespace
        self.action_prefix = action_prefix

    def call(
        self, op: str, body: str, *, version: str = "1.1", session: str | None = None, path: str | None = None
    ) -> tuple[MockResult, etree._Element]:
        where, env, content_type = PORTS[version]
        text = (f'<e:Envelope xmlns:e="{env}" xmlns:c="{self.namespace}"><e:Body>'
                f"<c:{op}Request>{body}</c:{op}Request></e:Body></e:Envelope>")  # fmt: skip
        headers = [("content-type", content_type)]
        if version == "1.1":
            headers.append(("soapaction", f'"{self.action_prefix}{op}"'))
        if session:
            headers.append(("x-ctk-session", session))
        result = self.sandbox(Request("POST", path or where, headers=tuple(headers), body=text.encode()))
        assert result.response.header("ctk-warning") is None  # every answer here is built from stored data
        root = etree.fromstring(result.response.body)
        assert etree.QName(root).namespace == env
        first = root.find(f"{{{env}}}Body")[0]  # type: ignore[index]
        if etree.QName(first).localname != "Fault":
            assert self.mock.validator.validate(detached(first)) == [], result.response.body
            assert self.judge.validate(first) == [], result.response.body
        return result, first


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path, {"c": TYPES})
    return found.text if found is not None else None


def _account(element: etree._Element) -> dict[str, str]:
    account = element.find("c:account", {"c": TYPES})
    assert account is not None
    values = {etree.QName(leaf).localname: leaf.text or "" for leaf in account.iter() if not len(leaf)}
    return values | {"@status": account.get("status") or ""}


@pytest.fixture(scope="module")
def crm_judge() -> XmlSchemaJudge:
    judge = XmlSchemaJudge.from_wsdl(CRM)
    assert judge.available, judge.reason
    return judge


@pytest.fixture
def crm(crm_judge: XmlSchemaJudge) -> Client:
    return Client(CRM, crm_judge, TYPES, "urn:example:crm/")


def test_soap_has_state_and_the_crm_model_is_inferred_from_operation_names(crm: Client) -> None:
    assert has_state(Protocol.SOAP)
    layer = crm.layer
    assert isinstance(layer, SoapStateLayer)
    model = layer.model
    assert sorted(model.entities) == ["Account", "Contact"]  # Lead has no read operation: no state
    account = model.entities["Account"]
    assert account.operations == {Kind.READ: "GetAccount", Kind.CREATE: "CreateAccount",
                                   Kind.UPDATE: "UpdateAccount", Kind.LIST: "SearchAccounts"}  # fmt: skip
    assert (account.element, account.id_name) == ("account", "id")
    contact = model.entities["Contact"]
    assert contact.operations == {Kind.READ: "GetContact", Kind.CREATE: "CreateContact", Kind.LIST: "ListContacts"}
    assert "ConvertLead" not in model.operations and "CreateLead" not in model.operations


NEW = ("<c:account><c:name>Acme Rockets</c:name><c:industry>Energy</c:industry>"
       "<c:phone>+1 555 0100</c:phone><c:billingAddress><c:street>1 Main St</c:street>"
       "<c:city>Springfield</c:city><c:country>US</c:country></c:billingAddress></c:account>")  # fmt: skip


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_create_get_search_update_get_on_crm(crm: Client, version: str) -> None:
    result, created = crm.call("CreateAccount", NEW, version=version)
    assert result.response.status == 200
    key = _text(created, "c:id")
    assert key is not None and len(key) == 18

    _, got = crm.call("GetAccount", f"<c:id>{key}</c:id>", version=version)
    first = _account(got)
    assert first["id"] == key and first["name"] == "Acme Rockets" and first["industry"] == "Energy"
    assert first["phone"] == "+1 555 0100" and first["city"] == "Springfield" and first["country"] == "US"
    _, again = crm.call("GetAccount", f"<c:id>{key}</c:id>", version="1.2" if version == "1.1" else "1.1")
    assert _account(again) == first  # the same entity through the other port, whatever the request's seed

    _, found = crm.call("SearchAccounts", "<c:query>Acme</c:query>", version=version)
    listed = found.findall("c:account", {"c": TYPES})
    assert [_text(item, "c:id") for item in listed] == [key]
    assert _text(found, "c:totalSize") == "1"
    _, none = crm.call("SearchAccounts", "<c:query>Acme</c:query><c:industry>Banking</c:industry>", version=version)
    assert none.findall("c:account", {"c": TYPES}) == [] and _text(none, "c:totalSize") == "0"

    update = f"<c:id>{key}</c:id><c:account><c:name>Acme Orbital</c:name><c:website>https://acme.example</c:website></c:account>"
    result, updated = crm.call("UpdateAccount", update, version=version)
    assert result.response.status == 200 and _text(updated, "c:id") == key
    _, got = crm.call("GetAccount", f"<c:id>{key}</c:id>", version=version)
    changed = _account(got)
    assert changed["name"] == "Acme Orbital" and changed["website"] == "https://acme.example"
    assert {k: v for k, v in changed.items() if k not in ("name", "website")} == {
        k: v for k, v in first.items() if k not in ("name", "website")
    }


def test_an_id_never_created_is_a_client_fault_when_no_not_found_fault_is_declared(crm: Client) -> None:
    # SOAP 1.1 sends every fault with HTTP 500; SOAP 1.2 a Sender fault with 400 (part 2, table 20)
    for version, code, status in (("1.1", "Client", 500), ("1.2", "Sender", 400)):
        result, fault = crm.call("GetAccount", "<c:id>001000000000000AAA</c:id>", version=version)
        assert result.response.status == status and etree.QName(fault).localname == "Fault"
        assert code in etree.tostring(fault).decode() and "No such Account" in etree.tostring(fault).decode()
        result, _ = crm.call("UpdateAccount", f"<c:id>001000000000000AAA</c:id>{NEW}", version=version)
        assert result.response.status == status


def test_an_invalid_request_still_gets_the_mocks_answer(crm: Client) -> None:
    result, fault = crm.call("GetAccount", "<c:id>short</c:id>")
    assert result.response.status == 500 and "does not match the contract" in etree.tostring(fault).decode()


def test_sessions_are_isolated_and_identical_creates_get_distinct_ids(crm: Client) -> None:
    _, one = crm.call("CreateAccount", NEW, session="one")
    _, two = crm.call("CreateAccount", NEW, session="one")
    a, b = _text(one, "c:id"), _text(two, "c:id")
    assert a and b and a != b
    result, _ = crm.call("GetAccount", f"<c:id>{a}</c:id>", session="two")
    assert result.response.status == 500
    _, listed = crm.call("SearchAccounts", "<c:query>Acme</c:query>", session="one")
    assert [_text(item, "c:id") for item in listed.findall("c:account", {"c": TYPES})] == [a, b]
    _, empty = crm.call("SearchAccounts", "<c:query>Acme</c:query>", session="two")
    assert empty.findall("c:account", {"c": TYPES}) == []


def test_contacts_are_listed_by_their_account(crm: Client) -> None:
    _, made = crm.call("CreateAccount", NEW)
    account = _text(made, "c:id")
    contact = f"<c:contact><c:lastName>Doe</c:lastName><c:accountId>{account}</c:accountId></c:contact>"
    _, created = crm.call("CreateContact", contact)
    key = _text(created, "c:id")
    _, got = crm.call("GetContact", f"<c:id>{key}</c:id>")
    assert _text(got, "c:contact/c:lastName") == "Doe" and _text(got, "c:contact/c:accountId") == account
    _, listed = crm.call("ListContacts", f"<c:accountId>{account}</c:accountId>")
    assert [_text(item, "c:id") for item in listed.findall("c:contact", {"c": TYPES})] == [key]
    _, other = crm.call("ListContacts", "<c:accountId>001000000000000AAA</c:accountId>")
    assert other.findall("c:contact", {"c": TYPES}) == []


def test_a_real_zeep_client_creates_reads_and_searches(crm_judge: XmlSchemaJudge) -> None:
    contract = load_contract(CRM)
    assert isinstance(contract, SoapContract)
    envelope = MockEnvelope(SoapMock(contract, SoapMockOptions(seed=3, mount="/crm")))
    sandbox = SandboxedMock(envelope, [state_layer(envelope, open_store("memory"), api="crm")])
    client = zeep.Client("http://ctk.mock/crm?wsdl", transport=MockZeepTransport(sandbox))  # type: ignore[no-untyped-call]
    key = client.service.CreateAccount(account={"name": "Zeep Ltd", "industry": "Retail"})
    account = client.service.GetAccount(id=key)
    assert account.id == key and account.name == "Zeep Ltd" and account.industry == "Retail"
    found = client.service.SearchAccounts(query="Zeep")
    assert [item.id for item in found.account] == [key] and found.totalSize == 1
    client.service.UpdateAccount(id=key, account={"name": "Zeep Group"})
    assert client.service.GetAccount(id=key).name == "Zeep Group"
    with pytest.raises(zeep.exceptions.Fault, match="No such Account"):
        client.service.GetAccount(id="001000000000000AAA")


# A WSDL with what crm lacks: RemoveItem, a declared ItemNotFound fault, FindItemById, ListItems.
ITEMS = items_wsdl()


@pytest.fixture
def items(tmp_path: Path) -> Client:
    path = write_file(tmp_path, "items.wsdl", ITEMS)
    judge = XmlSchemaJudge.from_wsdl(path)
    assert judge.available, judge.reason
    return Client(path, judge, "urn:items", "urn:items/")


def test_delete_then_read_is_the_declared_not_found_fault(items: Client) -> None:
    model = items.layer.model  # type: ignore[attr-defined]
    assert model.entities["Item"].operations == {Kind.CREATE: "AddItem", Kind.READ: "FindItemById",
                                                 Kind.DELETE: "RemoveItem", Kind.LIST: "ListItems"}  # fmt: skip
    assert model.entities["Item"].id_name == "itemId"
    _, added = items.call("AddItem", "<c:label>blue box</c:label><c:size>3</c:size>")
    key = _text_ns(added, "i:item/i:itemId")
    assert key and _text_ns(added, "i:item/i:label") == "blue box"
    _, found = items.call("FindItemById", f"<c:itemId>{key}</c:itemId>")
    assert _text_ns(found, "i:item/i:label") == "blue box" and _text_ns(found, "i:item/i:size") == "3"
    _, listed = items.call("ListItems", "")
    assert [_text_ns(item, "i:itemId") for item in listed.findall("i:item", {"i": "urn:items"})] == [key]
    result, _ = items.call("RemoveItem", f"<c:itemId>{key}</c:itemId>")
    assert result.response.status == 200
    result, fault = items.call("FindItemById", f"<c:itemId>{key}</c:itemId>")
    text = etree.tostring(fault).decode()
    assert result.response.status == 500 and "ItemNotFound" in text and "detail" in text
    result, fault = items.call("RemoveItem", f"<c:itemId>{key}</c:itemId>")
    assert result.response.status == 500 and "ItemNotFound" in etree.tostring(fault).decode()
    _, listed = items.call("ListItems", "")
    assert listed.findall("i:item", {"i": "urn:items"}) == []


def _text_ns(element: etree._Element, path: str) -> str | None:
    found = element.find(path, {"i": "urn:items"})
    return found.text if found is not None else None


def test_prefer_fault_still_answers_the_declared_fault_for_a_stored_id(crm: Client) -> None:
    _, created = crm.call("CreateAccount", NEW)
    key = _text(created, "c:id")
    text = (f'<e:Envelope xmlns:e="{SOAP11_ENV}" xmlns:c="{TYPES}"><e:Body><c:GetAccountRequest><c:id>{key}</c:id>'
            "</c:GetAccountRequest></e:Body></e:Envelope>")  # fmt: skip
    headers = (
        ("content-type", "text/xml"),
        ("soapaction", '"urn:example:crm/GetAccount"'),
        ("prefer", "fault=CrmFault"),
    )
    result = crm.sandbox(Request("POST", "/soap/v1", headers=headers, body=text.encode()))
    assert result.response.status == 500 and b"CrmFault" in result.response.body


def test_a_full_store_is_a_fault_that_says_so_not_a_crash(crm_judge: XmlSchemaJudge) -> None:
    from toolkit.limits import DEFAULT_LIMITS

    client = Client(CRM, crm_judge, TYPES, "urn:example:crm/")
    tiny = open_store("memory", limits=DEFAULT_LIMITS.replace(max_stored_items=1))
    client.layer = state_layer(client.envelope, tiny, api="crm")
    client.sandbox = SandboxedMock(client.envelope, [client.layer])
    client.call("CreateAccount", NEW)
    where, env, content_type = PORTS["1.1"]
    request = f"<c:CreateAccountRequest>{NEW}</c:CreateAccountRequest>"
    body = f'<e:Envelope xmlns:e="{env}" xmlns:c="{TYPES}"><e:Body>{request}</e:Body></e:Envelope>'
    headers = (("content-type", content_type), ("soapaction", '"urn:example:crm/CreateAccount"'))
    refused = client.sandbox(Request("POST", where, headers=headers, body=body.encode())).response
    assert refused.status == 500 and b"Fault" in refused.body and b"max_stored_items" in refused.body


def test_java_style_camel_case_operations_get_state_too(tmp_path: Path) -> None:
    """Axis and JAX-WS services name operations ``getItem``/``addItem`` (Atlassian Crowd: ``addPrincipal``,
    ``removePrincipal``, ``searchPrincipals``); .NET services ``GetItem``. Both spellings are one model."""
    wsdl = items_wsdl(create="addItem", read="getItem", update="updateItem", delete="removeItem", list_="listItems")
    path = write_file(tmp_path, "items.wsdl", wsdl)
    judge = XmlSchemaJudge.from_wsdl(path)
    items = Client(path, judge, "urn:items", "urn:items/")
    model = items.layer.model  # type: ignore[attr-defined]
    assert model.entities["Item"].operations == {Kind.CREATE: "addItem", Kind.READ: "getItem",
                                                 Kind.UPDATE: "updateItem", Kind.DELETE: "removeItem",
                                                 Kind.LIST: "listItems"}  # fmt: skip
    _, added = items.call("addItem", "<c:label>green box</c:label>")
    key = _text_ns(added, "i:item/i:itemId")
    _, found = items.call("getItem", f"<c:itemId>{key}</c:itemId>")
    assert _text_ns(found, "i:item/i:label") == "green box"
    items.call("removeItem", f"<c:itemId>{key}</c:itemId>")
    result, fault = items.call("getItem", f"<c:itemId>{key}</c:itemId>")
    assert result.response.status == 500 and "ItemNotFound" in etree.tostring(fault).decode()

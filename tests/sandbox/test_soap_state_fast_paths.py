"""The SOAP state layer's shortcuts give the answers the long way gives: a read answered from the layer's memo is
byte for byte the read computed afresh, follows every change of the stored entity, and keeps the warning of a
stored entity that does not validate; a create that skips re-checking what it already checked still sends only
answers both XSD judges accept (many creates, minted ids, every session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.sandbox.test_soap_state import CRM, NEW, TYPES, Client, _text, crm, crm_judge  # noqa: F401
from tests.support.xsd_judge import XmlSchemaJudge
from toolkit.exchange import Request
from toolkit.load import load_contract
from toolkit.sandbox.state import soap as soap_state
from toolkit.sandbox.state.soap import SoapStateLayer
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.envelope import SOAP11_ENV
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions


def _mock(path: Path) -> SoapMock:
    contract = load_contract(path)
    assert isinstance(contract, SoapContract)
    return SoapMock(contract, SoapMockOptions(seed=5))


def _layer(client: Client) -> SoapStateLayer:
    assert isinstance(client.layer, SoapStateLayer)
    return client.layer


def _get(client: Client, key: str, session: str | None = None) -> bytes:
    result, _ = client.call("GetAccount", f"<c:id>{key}</c:id>", session=session)
    assert result.response.status == 200
    return result.response.body


def test_a_memoised_read_is_the_read_computed_afresh(crm: Client) -> None:  # noqa: F811
    keys = []
    for n in range(6):
        _, created = crm.call("CreateAccount", NEW.replace("Acme Rockets", f"Acme {n}"))
        keys.append(_text(created, "c:id"))
    first = {key: _get(crm, key) for key in keys if key}
    assert len(first) == 6 and _layer(crm)._reads  # the reads were remembered
    again = {key: _get(crm, key) for key in first}  # from the memo
    _layer(crm)._reads.clear()
    fresh = {key: _get(crm, key) for key in first}  # computed again
    assert first == again == fresh
    assert all(f"Acme {n}".encode() in first[key] for n, key in enumerate(first))


def test_a_read_after_an_update_is_the_updated_entity_not_the_remembered_one(crm: Client) -> None:  # noqa: F811
    _, created = crm.call("CreateAccount", NEW)
    key = _text(created, "c:id")
    assert key is not None
    before = _get(crm, key)
    update = f"<c:id>{key}</c:id><c:account><c:name>Acme Orbital</c:name></c:account>"
    crm.call("UpdateAccount", update)
    after = _get(crm, key)
    assert b"Acme Rockets" in before and b"Acme Orbital" in after and b"Acme Rockets" not in after
    _layer(crm)._reads.clear()
    assert _get(crm, key) == after


def test_a_stored_entity_that_does_not_validate_is_warned_about_on_every_read(crm: Client) -> None:  # noqa: F811
    _, created = crm.call("CreateAccount", NEW)
    key = _text(created, "c:id")
    assert key is not None
    layer = _layer(crm)
    broken = f'<c:account xmlns:c="{TYPES}"><c:id>{key}</c:id><c:name></c:name></c:account>'  # no createdAt
    layer._store.put("crm/default/Account", key, broken)
    body = (f'<e:Envelope xmlns:e="{SOAP11_ENV}" xmlns:c="{TYPES}"><e:Body><c:GetAccountRequest><c:id>{key}</c:id>'
            "</c:GetAccountRequest></e:Body></e:Envelope>").encode()  # fmt: skip
    headers = (("content-type", "text/xml; charset=utf-8"), ("soapaction", '"urn:example:crm/GetAccount"'))
    answers = [crm.sandbox(Request("POST", "/soap/v1", headers=headers, body=body)) for _ in range(3)]
    for result in answers:
        assert "does not validate: generated answer" in (result.response.header("ctk-warning") or "")
        assert b"<c:name></c:name>" not in result.response.body and b"crm:name></crm:name>" not in result.response.body
    assert len({result.response.body for result in answers}) == 1


def test_the_read_memo_is_bounded(crm: Client, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(soap_state, "_READ_MEMO", 5)
    layer = _layer(crm)
    for n in range(12):
        _, created = crm.call("CreateAccount", NEW.replace("Acme Rockets", f"Acme {n}"))
        _get(crm, _text(created, "c:id") or "")
        assert 0 < len(layer._reads) <= 5


def test_many_creates_with_minted_ids_are_valid_for_both_judges(crm: Client) -> None:  # noqa: F811
    """Client.call validates every answer with the mock's validator and xmlschema, and refuses a ctk-warning."""
    seen: set[str] = set()
    for session in ("a", "b"):
        for n in range(40):
            _, created = crm.call("CreateAccount", NEW.replace("Acme Rockets", f"Acme {n}"), session=session)
            key = _text(created, "c:id")
            assert key is not None and len(key) == 18
            seen.add(f"{session}/{key}")
            stored = etree.fromstring(_get(crm, key, session=session))
            assert stored.find(f".//{{{TYPES}}}id").text == key  # type: ignore[union-attr]
    assert len(seen) == 80


ACCOUNTS = [
    "<c:account><c:name>Solo</c:name></c:account>",
    NEW,
    "<c:account><c:name>Web Co</c:name><c:annualRevenue>12.50</c:annualRevenue><c:website>https://web.example"
    "</c:website></c:account>",
    "<c:account><c:name>Addr Co</c:name><c:phone>+44 113 000</c:phone><c:billingAddress><c:street>2 High St"
    "</c:street><c:city>Leeds</c:city><c:state>West Yorkshire</c:state><c:country>GB</c:country></c:billingAddress>"
    "</c:account>",
    "<c:account><c:name>Rev Co</c:name><c:industry>Retail</c:industry><c:annualRevenue>0</c:annualRevenue>"
    "<c:website>https://rev.example/x?y=1</c:website></c:account>",
]


def test_merging_every_leaf_at_once_stores_and_answers_what_checking_each_leaf_does(
    crm_judge: XmlSchemaJudge,  # noqa: F811
) -> None:
    fast, slow = Client(CRM, crm_judge, TYPES, "urn:example:crm/"), Client(CRM, crm_judge, TYPES, "urn:example:crm/")
    assert _layer(fast)._independent_leaves  # crm's schema ties no leaves together
    _layer(slow)._independent_leaves = False
    for version in ("1.1", "1.2"):
        for account in ACCOUNTS:
            created = [client.call("CreateAccount", account, version=version) for client in (fast, slow)]
            assert created[0][0].response.body == created[1][0].response.body
            key = _text(created[0][1], "c:id")
            assert key is not None, created[0][0].response.body
            assert _get(fast, key) == _get(slow, key)
            update = f"<c:id>{key}</c:id>{account.replace('Co<', 'Corp<')}"
            updated = [client.call("UpdateAccount", update, version=version)[0] for client in (fast, slow)]
            assert updated[0].response.body == updated[1].response.body
            assert _get(fast, key) == _get(slow, key)


def test_a_schema_with_identity_constraints_or_id_types_checks_each_leaf_alone(tmp_path: Path) -> None:
    wsdl = CRM.read_text().replace("<xs:schema", "<xs:schema", 1)
    types = (CRM.parent / "crm-types.xsd").read_text()
    tied = types.replace('type="crm:IdType"/>', 'type="xs:ID"/>', 1)
    assert tied != types
    (tmp_path / "crm.wsdl").write_text(wsdl)
    (tmp_path / "crm-types.xsd").write_text(tied)
    assert not soap_state._ties_leaves(_mock(CRM))
    assert soap_state._ties_leaves(_mock(tmp_path / "crm.wsdl"))

"""The SOAP state layer's shortcuts give the answers the long way gives: a read answered from the layer's memo is
byte for byte the read computed afresh, follows every change of the stored entity, and keeps the warning of a
stored entity that does not validate; a create that skips re-checking what it already checked still sends only
answers both XSD judges accept (many creates, minted ids, every session)."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.sandbox.test_soap_state import CRM, NEW, TYPES, Client, _text, crm, crm_judge  # noqa: F401
from toolkit.exchange import Request
from toolkit.sandbox.state import soap as soap_state
from toolkit.sandbox.state.soap import SoapStateLayer
from toolkit.soap.mock.envelope import SOAP11_ENV


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

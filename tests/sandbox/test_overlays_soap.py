"""SOAP overlays (``toolkit.sandbox.overlays.soap``): fixed answers for the CRM v1 WSDL, in-process.

Every answer the overlays give is validated by the mock's own XSD validator and by the independent xmlschema
judge (``tests.support.xsd_judge``); a real zeep client reads them through ``MockZeepTransport``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import zeep
from lxml import etree

from tests.support.files import write_file
from tests.support.paths import REPO
from tests.support.xsd_judge import XmlSchemaJudge
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.mock import MockEnvelope
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.overlays import OverlaysLayer, overlays_layer
from toolkit.sandbox.state import state_layer
from toolkit.sandbox.stores import open_store
from toolkit.soap.mock.envelope import SOAP11_ENV, SOAP12_ENV, detached, read_envelope
from toolkit.soap.mock.zeep_transport import MockZeepTransport

CRM = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"
TYPES = "urn:example:crm:types"
NS = {"c": TYPES}
ACME = "001A00000000000001"
BROKEN = "001A00000000000002"
OTHER = "001A00000000000003"
VERSIONS = {"1.1": (SOAP11_ENV, "text/xml; charset=utf-8"), "1.2": (SOAP12_ENV, "application/soap+xml; charset=utf-8")}
OVERLAYS = f"""
[[overlay]]
operation = "GetAccount"
body = {{ id = "{ACME}" }}
answer = {{ name = "Acme", "@status" = "Active", "billingAddress/city" = "Paris" }}

[[overlay]]
operation = "GetAccount"
body = {{ id = "{BROKEN}" }}
fault = "CrmFault"

[[overlay]]
operation = "CrmService/CrmSoap12Port/SearchAccounts"
body = {{ query = "acme" }}
answer = {{ totalSize = 7 }}
"""


@pytest.fixture(scope="module")
def judge() -> XmlSchemaJudge:
    found = XmlSchemaJudge.from_wsdl(CRM)
    assert found.available, found.reason
    return found


def _layer(crm: MockEnvelope, folder: Path, text: str) -> OverlaysLayer:
    write_file(folder, "overlays.toml", text)
    return overlays_layer(crm, folder, api="crm")


def _refused(crm: MockEnvelope, folder: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        _layer(crm, folder, text)
    return caught.value


def _call(sandbox: SandboxedMock, op: str, body: str, *, version: str = "1.1", prefer: str = "") -> MockResult:
    env, content_type = VERSIONS[version]
    text = (f'<e:Envelope xmlns:e="{env}" xmlns:c="{TYPES}"><e:Body>'
            f"<c:{op}Request>{body}</c:{op}Request></e:Body></e:Envelope>")  # fmt: skip
    headers = [("content-type", content_type if version == "1.1" else f'{content_type}; action="urn:example:crm/{op}"')]
    if version == "1.1":
        headers.append(("soapaction", f'"urn:example:crm/{op}"'))
    if prefer:
        headers.append(("prefer", prefer))
    return sandbox(Request("POST", "/crm", "", tuple(headers), text.encode()))


def _body(result: MockResult, judge: XmlSchemaJudge, crm: MockEnvelope) -> etree._Element:
    """The answer's first Body element, valid by both judges (a Fault: returned as it is)."""
    first = read_envelope(result.response.body).first
    assert first is not None
    if etree.QName(first).localname != "Fault":
        assert crm.mock.validator.validate(detached(first)) == []  # type: ignore[attr-defined]
        assert judge.validate(first) == []
    return first


def test_an_answer_overlay_sets_values_in_a_generated_answer(
    crm: MockEnvelope, judge: XmlSchemaJudge, tmp_path: Path
) -> None:
    sandbox = SandboxedMock(crm, [_layer(crm, tmp_path, OVERLAYS)])
    for version in ("1.1", "1.2"):
        result = _call(sandbox, "GetAccount", f"<c:id>{ACME}</c:id>", version=version)
        assert result.response.status == 200
        assert result.operations[0].endswith("/GetAccount")
        account = _body(result, judge, crm).find("c:account", NS)
        assert account is not None
        assert account.findtext("c:name", namespaces=NS) == "Acme"
        assert account.get("status") == "Active"
        assert account.findtext("c:billingAddress/c:city", namespaces=NS) == "Paris"
    # the same answer at every request (generated once, at load); another id gets the mock's own
    again = _body(_call(sandbox, "GetAccount", f"<c:id>{ACME}</c:id>"), judge, crm)
    first = _body(_call(sandbox, "GetAccount", f"<c:id>{ACME}</c:id>"), judge, crm)
    assert etree.tostring(again) == etree.tostring(first)
    other = _body(_call(sandbox, "GetAccount", f"<c:id>{OTHER}</c:id>"), judge, crm)
    assert other.findtext("c:account/c:id", namespaces=NS) == OTHER
    assert other.findtext("c:account/c:name", namespaces=NS) != "Acme"


def test_a_fault_overlay_answers_the_declared_fault(crm: MockEnvelope, judge: XmlSchemaJudge, tmp_path: Path) -> None:
    sandbox = SandboxedMock(crm, [_layer(crm, tmp_path, OVERLAYS)])
    result = _call(sandbox, "GetAccount", f"<c:id>{BROKEN}</c:id>")
    assert result.response.status == 500
    fault = _body(result, judge, crm)
    assert etree.QName(fault).localname == "Fault"
    assert fault.findtext("faultcode") == "soap:Server"
    detail = fault.find("detail/c:CrmFault", NS)
    assert detail is not None and judge.validate(detail) == []


def test_an_overlay_naming_one_port_leaves_the_other_port_alone(
    crm: MockEnvelope, judge: XmlSchemaJudge, tmp_path: Path
) -> None:
    sandbox = SandboxedMock(crm, [_layer(crm, tmp_path, OVERLAYS)])
    soap12 = _body(_call(sandbox, "SearchAccounts", "<c:query>acme</c:query>", version="1.2"), judge, crm)
    assert soap12.findtext("c:totalSize", namespaces=NS) == "7"
    soap11 = _body(_call(sandbox, "SearchAccounts", "<c:query>acme</c:query>"), judge, crm)
    assert soap11.findtext("c:totalSize", namespaces=NS) != "7"


def test_the_mock_still_refuses_an_invalid_request_and_prefer_fault_is_the_clients(
    crm: MockEnvelope, tmp_path: Path
) -> None:
    sandbox = SandboxedMock(crm, [_layer(crm, tmp_path, OVERLAYS.replace(ACME, "A-1"))])
    refused = _call(sandbox, "GetAccount", "<c:id>A-1</c:id>")  # ids are 18 characters: a Client fault
    assert refused.response.status == 500 and b"Client" in refused.response.body
    asked = _call(sandbox, "GetAccount", f"<c:id>{BROKEN}</c:id>".replace(BROKEN, OTHER), prefer="fault=CrmFault")
    assert b"CrmFault" in asked.response.body


def test_xml_gives_the_whole_answer_and_an_overlaid_create_stores_nothing(
    crm: MockEnvelope, judge: XmlSchemaJudge, tmp_path: Path
) -> None:
    xml = f"<c:CreateAccountResponse xmlns:c='{TYPES}'><c:id>{ACME}</c:id></c:CreateAccountResponse>"
    write_file(tmp_path, "answers/created.xml", xml)
    layer = _layer(
        crm,
        tmp_path,
        '[[overlay]]\noperation = "CreateAccount"\nbody = { name = "Fixed Ltd" }\nxml_file = "answers/created.xml"\n'
        f'[[overlay]]\noperation = "GetContact"\nxml = """<c:GetContactResponse xmlns:c="{TYPES}">'
        "<c:contact><c:id>003A00000000000001</c:id><c:firstName>Ada</c:firstName><c:lastName>Lovelace</c:lastName>"
        '<c:accountId>001A00000000000009</c:accountId></c:contact></c:GetContactResponse>"""\n',
    )
    store = open_store("memory")
    sandbox = SandboxedMock(crm, [layer, state_layer(crm, store, api="crm")])
    created = _body(_call(sandbox, "CreateAccount", "<c:account><c:name>Fixed Ltd</c:name></c:account>"), judge, crm)
    assert created.findtext("c:id", namespaces=NS) == ACME
    assert store.items("crm/default/Account") == []  # answered from the envelope: state never saw it
    contact = _body(_call(sandbox, "GetContact", "<c:id>003A00000000000042</c:id>"), judge, crm)
    assert contact.findtext("c:contact/c:firstName", namespaces=NS) == "Ada"


def test_a_real_zeep_client_reads_an_overlaid_answer_and_fault(crm: MockEnvelope, tmp_path: Path) -> None:
    sandbox = SandboxedMock(crm, [_layer(crm, tmp_path, OVERLAYS)])
    client = zeep.Client("http://ctk.mock/crm?wsdl", transport=MockZeepTransport(sandbox))  # type: ignore[no-untyped-call]
    account = client.service.GetAccount(id=ACME)
    assert account.name == "Acme" and account.status == "Active" and account.billingAddress.city == "Paris"
    with pytest.raises(zeep.exceptions.Fault):
        client.service.GetAccount(id=BROKEN)
    assert client.service.GetAccount(id=OTHER).id == OTHER


# -- refusals at load --------------------------------------------------------------------------------


def test_values_the_xsd_refuses_are_refused_with_file_and_line(crm: MockEnvelope, tmp_path: Path) -> None:
    text = f'# crm\n\n[[overlay]]\noperation = "GetAccount"\nbody = {{ id = "{ACME}" }}\n'
    text += 'answer = { "@status" = "Sleeping" }\n'
    error = _refused(crm, tmp_path, text)
    assert error.where == f"{tmp_path / 'overlays.toml'}:3"
    assert "answer does not fit GetAccount" in error.message and "Sleeping" in error.message
    missing = _refused(crm, tmp_path, '[[overlay]]\noperation = "GetAccount"\nanswer = { nickname = "x" }\n')
    assert "no GetAccount answer has nickname" in missing.message
    xml = _refused(crm, tmp_path, f'[[overlay]]\noperation = "GetAccount"\nxml = "<c:Nope xmlns:c=\'{TYPES}\'/>"\n')
    assert "must be a <{urn:example:crm:types}GetAccountResponse> element" in xml.message
    dtd = _refused(crm, tmp_path, '[[overlay]]\noperation = "GetAccount"\nxml = "<!DOCTYPE x []><x/>"\n')
    assert "DTD" in dtd.message


def test_unknown_operations_faults_and_keys_are_refused(crm: MockEnvelope, tmp_path: Path) -> None:
    unknown = _refused(crm, tmp_path, '[[overlay]]\noperation = "GetAcount"\nfault = "CrmFault"\n')
    assert unknown.message == "the contract has no operation 'GetAcount'"
    assert unknown.hint == "did you mean 'GetAccount'?"
    fault = _refused(crm, tmp_path, '[[overlay]]\noperation = "GetAccount"\nfault = "Oops"\n')
    assert "GetAccount declares no fault 'Oops' (declared: CrmFault)" in fault.message
    both = _refused(
        crm, tmp_path, '[[overlay]]\noperation = "GetAccount"\nfault = "CrmFault"\nanswer = { name = "x" }\n'
    )
    assert both.message == "give answer or fault, not both"
    key = _refused(crm, tmp_path, '[[overlay]]\noperation = "GetAccount"\nbodyy = { id = "x" }\nfault = "CrmFault"\n')
    assert key.hint == "did you mean 'body'?"
    none = _refused(crm, tmp_path, '[[overlay]]\noperation = "GetAccount"\n')
    assert "one of answer, xml, xml_file or fault is required" in none.message

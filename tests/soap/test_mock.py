"""The SOAP mock: where it answers, how it dispatches, what it answers (valid, seeded, echoing the request),
faults (declared, Prefer, mustUnderstand), deprecation headers, and the ?wsdl/?xsd documents."""

from __future__ import annotations

import copy
import logging
import random

import pytest
from lxml import etree

from tests.support.paths import DATA, REPO
from toolkit.exchange import Request, Response
from toolkit.load import load_contract
from toolkit.mock import guard
from toolkit.mock.envelope import MockEnvelope
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.dispatch import compile_ports
from toolkit.soap.mock.envelope import read_envelope
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions

S11 = "http://schemas.xmlsoap.org/soap/envelope/"
S12 = "http://www.w3.org/2003/05/soap-envelope"
ACC = "urn:test:accounts"
CRM = "urn:example:crm:types"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
XSD = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"


def _load(path: object) -> SoapContract:
    contract = load_contract(path)  # type: ignore[arg-type]
    assert isinstance(contract, SoapContract)
    return contract


@pytest.fixture(scope="module")
def accounts() -> SoapMock:
    return MockEnvelope(SoapMock(_load(DATA / "soap" / "accounts.wsdl"), SoapMockOptions(seed=1)))


@pytest.fixture(scope="module")
def crm() -> SoapMock:
    return MockEnvelope(
        SoapMock(_load(REPO / "contracts" / "crm" / "v1" / "crm.wsdl"), SoapMockOptions(seed=1, mount="/crm"))
    )


@pytest.fixture(scope="module")
def quotes() -> SoapMock:
    return MockEnvelope(SoapMock(_load(DATA / "soap" / "quotes_rpc.wsdl"), SoapMockOptions(seed=1)))


@pytest.fixture(scope="module")
def echo() -> SoapMock:
    return MockEnvelope(SoapMock(_load(DATA / "soap" / "soap12_only.wsdl"), SoapMockOptions(seed=1)))


def envelope(body: str, *, version: str = "1.1", header: str = "") -> bytes:
    namespace = S11 if version == "1.1" else S12
    head = f"<s:Header>{header}</s:Header>" if header else ""
    return (f'<s:Envelope xmlns:s="{namespace}" xmlns:a="{ACC}" xmlns:c="{CRM}">{head}<s:Body>{body}</s:Body>'
            "</s:Envelope>").encode()  # fmt: skip


def post(mock: SoapMock, path: str, body: bytes, *, action: str | None = None, version: str = "1.1",
         extra: tuple[tuple[str, str], ...] = ()) -> Response:  # fmt: skip
    if version == "1.1":
        headers: tuple[tuple[str, str], ...] = (("content-type", "text/xml; charset=utf-8"),)
        if action is not None:
            headers += (("soapaction", action),)
    else:
        parameter = f'; action="{action}"' if action else ""
        headers = (("content-type", f"application/soap+xml; charset=utf-8{parameter}"),)
    return mock(Request("POST", path, "", headers + extra, body)).response


def body_of(response: Response) -> list[etree._Element]:
    return list(read_envelope(response.body).body)


def get_account(account_id: str = "A-42", header: str = "") -> bytes:
    body = f"<a:GetAccountRequest><a:AccountId>{account_id}</a:AccountId></a:GetAccountRequest>"
    return envelope(body, header=header)


# -- where it answers ------------------------------------------------------------------------------


def test_without_a_mount_each_port_answers_at_its_address_path(accounts: SoapMock) -> None:
    assert accounts.mount == "/services" and accounts.mock.mount == "/services"
    ok11 = post(accounts, "/services/soap11", get_account(), action='"urn:test:accounts/GetAccount"')
    assert ok11.status == 200 and ok11.header("content-type") == "text/xml; charset=utf-8"
    at_mount = post(accounts, "/services", get_account(), action="urn:test:accounts/GetAccount")
    assert at_mount.status == 200  # dispatched by envelope version
    soap12 = envelope("<a:GetAccountRequest><a:AccountId>A-1</a:AccountId></a:GetAccountRequest>", version="1.2")
    ok12 = post(accounts, "/services/soap12", soap12, action="urn:test:accounts/GetAccount", version="1.2")
    assert ok12.status == 200 and ok12.header("content-type") == "application/soap+xml; charset=utf-8"
    assert etree.QName(etree.fromstring(ok12.body)).namespace == S12
    assert accounts(Request("POST", "/elsewhere", "", (), get_account())).response.status == 404


def test_a_version_the_port_does_not_speak_is_a_version_mismatch(accounts: SoapMock) -> None:
    soap12 = envelope("<a:GetAccountRequest><a:AccountId>A-1</a:AccountId></a:GetAccountRequest>", version="1.2")
    response = post(accounts, "/services/soap11", soap12, version="1.2")
    assert response.status == 500 and b"VersionMismatch" in response.body


def test_a_given_mount_serves_every_port_and_the_envelope_picks_it(crm: SoapMock) -> None:
    assert crm.mount == "/crm"
    request = "<c:GetContactRequest><c:id>0031234567890ABCDE</c:id></c:GetContactRequest>"
    r11 = post(crm, "/crm", envelope(request), action="urn:example:crm/GetContact")
    r12 = post(crm, "/crm", envelope(request, version="1.2"), action="urn:example:crm/GetContact", version="1.2")
    assert r11.status == r12.status == 200
    assert etree.QName(etree.fromstring(r11.body)).namespace == S11
    assert etree.QName(etree.fromstring(r12.body)).namespace == S12
    assert post(crm, "/soap/v1", envelope(request)).status == 404


# -- dispatch ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ['"urn:test:accounts/GetAccount"', "urn:test:accounts/GetAccount", "", None])
def test_dispatch_by_soapaction_quoted_or_not_or_by_body_element(accounts: SoapMock, action: str | None) -> None:
    response = post(accounts, "/services/soap11", get_account(), action=action)
    assert response.status == 200
    assert body_of(response)[0].tag == f"{{{ACC}}}GetAccountResponse"


def test_soap12_dispatches_by_the_action_parameter(echo: SoapMock) -> None:
    # the body element alone would also find Echo; an unknown action with no body shows the action is read
    response = post(echo, "/echo", envelope("", version="1.2"), action="urn:test:echo/Echo", version="1.2")
    assert response.status == 400 and b"expected &lt;{urn:test:echo}Echo&gt;" in response.body
    ok = post(echo, "/echo", envelope('<e:Echo xmlns:e="urn:test:echo"><e:Text>hi</e:Text></e:Echo>', version="1.2"),
              action="urn:test:echo/Echo", version="1.2")  # fmt: skip
    assert ok.status == 200 and body_of(ok)[0].tag == "{urn:test:echo}EchoResponse"


def test_an_unknown_soap12_operation_is_a_sender_fault_with_400(echo: SoapMock) -> None:
    response = post(echo, "/echo", envelope("<x:Nope xmlns:x='urn:x'/>", version="1.2"), action="urn:x", version="1.2")
    assert response.status == 400
    assert b"env:Sender" in response.body and b"known operations: Echo" in response.body


# -- answers ----------------------------------------------------------------------------------------


def test_request_leaf_values_echo_into_the_response(accounts: SoapMock) -> None:
    response = post(accounts, "/services/soap11", get_account("ACC-777"), action="urn:test:accounts/GetAccount")
    (answer,) = body_of(response)
    assert answer.findtext(f"{{{ACC}}}AccountId") == "ACC-777"
    assert accounts.mock.validator.validate(copy.deepcopy(answer)) == []


def test_same_seed_and_request_give_the_same_bytes_and_another_seed_other_data(accounts: SoapMock) -> None:
    request = get_account("A-1")
    first = post(accounts, "/services/soap11", request, action="urn:test:accounts/GetAccount")
    again = MockEnvelope(SoapMock(accounts.contract, SoapMockOptions(seed=1)))  # type: ignore[arg-type]
    second = post(again, "/services/soap11", request, action="urn:test:accounts/GetAccount")
    other = MockEnvelope(SoapMock(accounts.contract, SoapMockOptions(seed=2)))  # type: ignore[arg-type]
    third = post(other, "/services/soap11", request, action="urn:test:accounts/GetAccount")
    assert first.body == second.body
    assert first.body != third.body


def test_declared_output_headers_are_generated(accounts: SoapMock) -> None:
    response = post(accounts, "/services/soap11", get_account(), action="urn:test:accounts/GetAccount")
    info = etree.fromstring(response.body).find(f"{{{S11}}}Header/{{{ACC}}}ServerInfo")
    assert info is not None and info.findtext(f"{{{ACC}}}Region")


def test_a_deprecated_operation_carries_deprecation_and_sunset(accounts: SoapMock) -> None:
    body = envelope("<a:CloseAccountRequest><a:AccountId>A-1</a:AccountId></a:CloseAccountRequest>")
    response = post(accounts, "/services/soap11", body, action="urn:test:accounts/CloseAccount")
    assert response.status == 200
    assert response.header("deprecation") == "@0"
    assert response.header("sunset") == "Wed, 31 Mar 2027 00:00:00 GMT"
    live = post(accounts, "/services/soap11", get_account(), action="urn:test:accounts/GetAccount")
    assert live.header("deprecation") is None


def test_a_one_way_operation_is_accepted_with_202(accounts: SoapMock) -> None:
    response = post(accounts, "/services/soap11", envelope("<a:PingRequest/>"), action="")
    assert response.status == 202 and response.body == b""


def test_every_crm_operation_answers_valid_xml_for_a_generated_request(crm: SoapMock) -> None:
    port = next(port for port in crm.mock.ports if port.version == "1.1")
    for index, op in enumerate(port.operations):
        assert op.request_qname and op.response_qname
        request = crm.mock.generator.element(op.request_qname, random.Random(index))
        body = etree.tostring(request).decode()
        response = post(crm, "/crm", envelope(body), action=op.soap_action)
        assert response.status == 200, (op.name, response.body[:500])
        (answer,) = body_of(response)
        assert answer.tag == op.response_qname
        assert crm.mock.validator.validate(copy.deepcopy(answer)) == [], op.name


# -- rpc --------------------------------------------------------------------------------------------


def test_rpc_literal_wrappers_are_validated_and_answered(quotes: SoapMock) -> None:
    body = '<q:GetQuote xmlns:q="urn:test:quotes:rpc"><Symbol>ACME</Symbol><Count>3</Count></q:GetQuote>'
    response = post(quotes, "/rpc", envelope(body), action="urn:test:quotes#GetQuote")
    assert response.status == 200, response.body
    (wrapper,) = body_of(response)
    assert wrapper.tag == "{urn:test:quotes:rpc}GetQuoteResponse"
    assert [child.tag for child in wrapper] == ["quote", "{urn:test:quotes}Trace"]
    assert wrapper.findtext("quote/{urn:test:quotes}Symbol") == "ACME"  # echoed
    bad = '<q:GetQuote xmlns:q="urn:test:quotes:rpc"><Symbol>ACME</Symbol><Count>many</Count></q:GetQuote>'
    refused = post(quotes, "/rpc", envelope(bad), action="urn:test:quotes#GetQuote")
    assert refused.status == 500 and b'path="/GetQuote/Count"' in refused.body


# -- faults -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["AccountNotFound", "AccountFault"])
def test_prefer_fault_answers_the_declared_fault_with_a_generated_detail(accounts: SoapMock, name: str) -> None:
    response = post(accounts, "/services/soap11", get_account(), action="urn:test:accounts/GetAccount",
                    extra=(("prefer", f"fault={name}"),))  # fmt: skip
    assert response.status == 500
    fault = etree.fromstring(response.body).find(f"{{{S11}}}Body/{{{S11}}}Fault")
    assert fault is not None and fault.findtext("faultcode") == "soap:Server"
    detail = fault.find(f"detail/{{{ACC}}}AccountFault")
    assert detail is not None and accounts.mock.validator.validate(copy.deepcopy(detail)) == []


def test_prefer_an_undeclared_fault_lists_the_declared_ones(accounts: SoapMock) -> None:
    response = post(accounts, "/services/soap11", get_account(), action="urn:test:accounts/GetAccount",
                    extra=(("prefer", "fault=Boom"),))  # fmt: skip
    assert response.status == 500
    assert b"soap:Client" in response.body and b"declared faults: AccountNotFound" in response.body


def test_must_understand_headers(accounts: SoapMock) -> None:
    unknown = '<x:Tracking xmlns:x="urn:x" s:mustUnderstand="1">t</x:Tracking>'
    refused = post(accounts, "/services/soap11", get_account(header=unknown), action="urn:test:accounts/GetAccount")
    assert refused.status == 500 and b"soap:MustUnderstand" in refused.body and b"{urn:x}Tracking" in refused.body
    optional = '<x:Tracking xmlns:x="urn:x" s:mustUnderstand="0">t</x:Tracking>'
    security = f'<w:Security xmlns:w="{WSSE}" s:mustUnderstand="1"><w:UsernameToken/></w:Security>'
    declared = '<a:AuthHeader s:mustUnderstand="1"><a:Token>t</a:Token></a:AuthHeader>'
    for header in (optional, security, declared):
        accepted = post(accounts, "/services/soap11", get_account(header=header), action="urn:test:accounts/GetAccount")
        assert accepted.status == 200, header


def test_soap12_must_understand_lists_not_understood_blocks(echo: SoapMock) -> None:
    header = '<x:Tracking xmlns:x="urn:x" s:mustUnderstand="true">t</x:Tracking>'
    body = envelope('<e:Echo xmlns:e="urn:test:echo"><e:Text>hi</e:Text></e:Echo>', version="1.2", header=header)
    response = post(echo, "/echo", body, action="urn:test:echo/Echo", version="1.2")
    assert response.status == 500
    root = etree.fromstring(response.body)
    assert root.findtext(f"{{{S12}}}Body/{{{S12}}}Fault/{{{S12}}}Code/{{{S12}}}Value") == "env:MustUnderstand"
    block = root.find(f"{{{S12}}}Header/{{{S12}}}NotUnderstood")
    assert block is not None and block.get("qname") == "h:Tracking" and block.nsmap["h"] == "urn:x"


def test_error_response_is_a_fault_of_the_requests_version(crm: SoapMock) -> None:
    r11 = crm.error_response(Request("POST", "/crm", "", (("content-type", "text/xml"),)), 413, "too big")
    r12 = crm.error_response(Request("POST", "/crm", "", (("content-type", "application/soap+xml"),)), 413, "too big")
    assert r11.status == r12.status == 413
    assert b"soap:Client" in r11.body and b"too big" in r11.body
    assert b"env:Sender" in r12.body


def test_other_methods_are_405_with_allow(crm: SoapMock) -> None:
    response = crm(Request("PUT", "/crm", "", (), b"")).response
    assert response.status == 405 and response.header("allow") == "GET, POST"


# -- ?wsdl ------------------------------------------------------------------------------------------


def _get(mock: SoapMock, path: str, query: str, *headers: tuple[str, str]) -> Response:
    return mock(Request("GET", path, query, (("host", "mock.test:8000"), *headers))).response


def test_wsdl_addresses_and_imports_point_at_the_mock(crm: SoapMock) -> None:
    response = _get(crm, "/crm", "wsdl")
    assert response.status == 200 and response.header("content-type") == "text/xml; charset=utf-8"
    root = etree.fromstring(response.body)
    locations = [a.get("location") for a in root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address",
                                                      "{http://schemas.xmlsoap.org/wsdl/soap12/}address")]  # fmt: skip
    assert locations == ["http://mock.test:8000/crm", "http://mock.test:8000/crm"]
    imports = [i.get("schemaLocation") for i in root.iter(f"{{{XSD}}}import")]
    assert imports == ["http://mock.test:8000/crm?xsd=crm-types"]
    schema = _get(crm, "/crm", "xsd=crm-types")
    assert schema.status == 200 and etree.fromstring(schema.body).get("targetNamespace") == CRM


def test_wsdl_without_a_mount_keeps_each_port_path_and_honours_the_proxy_scheme(accounts: SoapMock) -> None:
    response = _get(accounts, "/services/soap11", "WSDL", ("x-forwarded-proto", "https"))
    root = etree.fromstring(response.body)
    locations = {a.get("location") for a in root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address",
                                                      "{http://schemas.xmlsoap.org/wsdl/soap12/}address")}  # fmt: skip
    assert locations == {"https://mock.test:8000/services/soap11", "https://mock.test:8000/services/soap12"}
    forwarded = _get(accounts, "/services", "wsdl", ("forwarded", "for=1.2.3.4;proto=https"))
    assert b"https://mock.test:8000/services/soap11" in forwarded.body


def test_a_hostile_host_header_never_reaches_the_document(accounts: SoapMock) -> None:
    response = accounts(Request("GET", "/services", "wsdl", (("host", '"><evil/>'),))).response
    assert b"<evil" not in response.body and b"http://localhost/services/soap11" in response.body


def test_multi_file_wsdls_serve_every_imported_document() -> None:
    from tests.support.corpus import corpus

    mock = MockEnvelope(SoapMock(_load(corpus("wsdl", "zeep", "import", "soap_import_main.wsdl")), SoapMockOptions()))
    root = etree.fromstring(_get(mock, mock.mount, "wsdl").body)
    location = root.find(f"{{{WSDL}}}import")
    assert location is not None and location.get("location", "").endswith("?wsdl=soap_import_2")
    imported = _get(mock, mock.mount, "wsdl=soap_import_2")
    assert imported.status == 200 and b"?xsd=test_import_2" in imported.body
    assert _get(mock, mock.mount, "xsd=test_import_2").status == 200


def test_unknown_documents_are_404_and_other_gets_405(crm: SoapMock) -> None:
    missing = _get(crm, "/crm", "xsd=nope")
    assert missing.status == 404 and b"?xsd=crm-types" in missing.body
    plain = _get(crm, "/crm", "")
    assert plain.status == 405 and plain.header("allow") == "GET, POST" and b"?wsdl" in plain.body


def test_wsdl_documents_are_built_once_not_per_request(crm: SoapMock, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("a ?wsdl request re-serialized a tree")

    monkeypatch.setattr(etree, "tostring", refuse)
    assert _get(crm, "/crm", "wsdl").status == 200


def test_ports_list_rpc_wrappers_and_header_parts() -> None:
    ports = compile_ports(_load(DATA / "soap" / "accounts.wsdl"))
    get = next(op for op in ports[0].operations if op.name == "GetAccount")
    assert [h.element for h in get.input.headers] == [f"{{{ACC}}}AuthHeader"]
    assert [f.name for f in get.faults] == ["AccountNotFound"]
    (rpc,) = compile_ports(_load(DATA / "soap" / "quotes_rpc.wsdl"))[0].operations
    assert rpc.request_qname == "{urn:test:quotes:rpc}GetQuote"
    assert rpc.response_qname == "{urn:test:quotes:rpc}GetQuoteResponse"


# -- what an error answer quotes from the request, and bugs --------------------------------------------


def test_a_huge_path_query_or_action_is_quoted_clipped(accounts: SoapMock) -> None:
    echo = accounts.mock.options.limits.max_echo_length
    missing = accounts(Request("POST", "/" + "p" * 1_000_000, "", (), get_account())).response
    assert missing.status == 404 and missing.body.startswith(b"no SOAP endpoint at /ppp")
    no_document = accounts(Request("GET", "/services/soap11", "xsd=" + "q" * 1_000_000)).response
    assert no_document.status == 404 and b"qqq" in no_document.body
    action = post(accounts, "/services/soap11", envelope("<a:Nothing/>"), action="x" * 1_000_000)
    assert action.status == 500 and b"xxx" in action.body
    prefer = post(accounts, "/services/soap11", get_account(), extra=(("prefer", "fault=" + "f" * 100_000),))
    assert prefer.status == 500 and b"fff" in prefer.body
    for response in (missing, no_document, action, prefer):
        assert len(response.body) < echo + 2000


def test_a_repeated_bug_logs_one_traceback(
    accounts: SoapMock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> Response:
        raise LookupError("a bug")

    monkeypatch.setattr(guard, "_seen", set())
    monkeypatch.setattr(SoapMock, "_post", broken)
    with caplog.at_level(logging.ERROR, logger="ctk.mock"):
        for n in range(3):
            response = post(accounts, "/services/soap11", get_account(f"A-{n}"))
            assert response.status == 500 and b"LookupError" in response.body
    assert len(caplog.records) == 3
    assert len([record for record in caplog.records if record.exc_info]) == 1
    assert all("SOAP mock bug" in record.getMessage() for record in caplog.records)

"""Bad input to the SOAP mock: each is answered with a SOAP Fault (the protocol's error), never a 500 page
or a traceback, and nothing is fetched or expanded. Nothing here times anything; the point of the
hostile cases (billion laughs, 10 000-deep nesting) is that they are refused before any work is done."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lxml import etree

from tests.support.paths import DATA, REPO
from tests.support.servers import RecordingServer
from toolkit.exchange import Request, Response
from toolkit.load import load_contract
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.envelope import MockEnvelope
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions

S11 = "http://schemas.xmlsoap.org/soap/envelope/"
S12 = "http://www.w3.org/2003/05/soap-envelope"
CRM = "urn:example:crm:types"


@pytest.fixture(scope="module")
def crm() -> SoapMock:
    contract = load_contract(REPO / "contracts" / "crm" / "v1" / "crm.wsdl")
    return MockEnvelope(SoapMock(contract, SoapMockOptions(seed=1, mount="/crm")))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def soap12_only() -> SoapMock:
    return MockEnvelope(SoapMock(load_contract(DATA / "soap" / "soap12_only.wsdl"), SoapMockOptions(seed=1)))  # type: ignore[arg-type]


def post(mock: SoapMock, body: bytes, content_type: str = "text/xml; charset=utf-8", path: str = "/crm",
         action: str | None = None) -> Response:  # fmt: skip
    headers = [("content-type", content_type)]
    if action is not None:
        headers.append(("soapaction", action))
    return mock(Request("POST", path, "", tuple(headers), body)).response


def fault_of(response: Response) -> tuple[str, str, etree._Element]:
    """(fault code, message, Fault element) of a SOAP 1.1 or 1.2 fault answer."""
    assert b"Traceback" not in response.body
    root = etree.fromstring(response.body)
    fault = root.find(f"{{{S11}}}Body/{{{S11}}}Fault")
    if fault is not None:
        assert response.header("content-type") == "text/xml; charset=utf-8"
        return fault.findtext("faultcode") or "", fault.findtext("faultstring") or "", fault
    fault = root.find(f"{{{S12}}}Body/{{{S12}}}Fault")
    assert fault is not None, response.body
    assert response.header("content-type") == "application/soap+xml; charset=utf-8"
    code = fault.findtext(f"{{{S12}}}Code/{{{S12}}}Value") or ""
    return code, fault.findtext(f"{{{S12}}}Reason/{{{S12}}}Text") or "", fault


def envelope(body: str, namespace: str = S11, header: str = "") -> bytes:
    head = f"<s:Header>{header}</s:Header>" if header else ""
    return f'<s:Envelope xmlns:s="{namespace}" xmlns:c="{CRM}">{head}<s:Body>{body}</s:Body></s:Envelope>'.encode()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>", "not usable XML"),
        (b'{"accountId": "A-1"}', "not usable XML"),
        (b"GetAccount A-1", "not usable XML"),
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01\x02binary", "not usable XML"),
        (b"<Envelope><Body/></Envelope>", "neither SOAP 1.1"),
        (b"<root/>", "not a SOAP <Envelope>"),
    ],
)
def test_unusable_bodies_are_client_faults(crm: SoapMock, body: bytes, says: str) -> None:
    response = post(crm, body)
    code, message, _ = fault_of(response)
    assert response.status == 500
    assert code in ("soap:Client", "soap:VersionMismatch")
    assert says in message


def test_a_soap12_client_gets_a_sender_fault_with_status_400(crm: SoapMock) -> None:
    response = post(crm, b"not xml at all", content_type="application/soap+xml; charset=utf-8")
    code, _, fault = fault_of(response)
    assert response.status == 400 and code == "env:Sender"
    text = fault.find(f"{{{S12}}}Reason/{{{S12}}}Text")
    assert text is not None and text.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_xxe_with_a_file_url_is_refused_and_nothing_is_read(crm: SoapMock, tmp_path: Any) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<s:Envelope xmlns:s="{S11}"><s:Body><c:GetAccountRequest xmlns:c="{CRM}"><c:id>&x;</c:id>'
        "</c:GetAccountRequest></s:Body></s:Envelope>"
    ).encode()
    response = post(crm, body)
    code, message, _ = fault_of(response)
    assert code == "soap:Client" and "DOCTYPE" in message
    assert b"TOP-SECRET" not in response.body


def test_xxe_with_an_http_url_fetches_nothing(crm: SoapMock, http_server: RecordingServer) -> None:
    (http_server.root / "evil.dtd").write_text('<!ENTITY y "pwned">')
    body = (
        f'<!DOCTYPE e SYSTEM "{http_server.url}/evil.dtd"><s:Envelope xmlns:s="{S11}"><s:Body/></s:Envelope>'
    ).encode()
    code, message, _ = fault_of(post(crm, body))
    assert code == "soap:Client" and "DOCTYPE" in message
    assert http_server.requests == []


def test_billion_laughs_is_refused_without_expansion(crm: SoapMock) -> None:
    entities = '<!ENTITY l0 "ha">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>'
            f'<s:Envelope xmlns:s="{S11}"><s:Body>&l9;</s:Body></s:Envelope>')  # fmt: skip
    response = post(crm, body.encode())
    code, message, _ = fault_of(response)
    assert code == "soap:Client" and "nothing was fetched or expanded" in message
    assert len(response.body) < 2000


def test_a_10000_deep_nesting_is_refused(crm: SoapMock) -> None:
    deep = "<a>" * 10_000 + "</a>" * 10_000
    code, message, _ = fault_of(post(crm, envelope(f"<c:GetAccountRequest>{deep}</c:GetAccountRequest>")))
    assert code == "soap:Client" and "not usable XML" in message
    assert "nested deeper than 256 levels" in message and "XML_PARSE_HUGE" not in message


def test_a_soap12_envelope_on_a_soap11_only_port_is_a_version_mismatch(soap12_only: SoapMock) -> None:
    body = f'<s:Envelope xmlns:s="{S11}"><s:Body><e:Echo xmlns:e="urn:test:echo"/></s:Body></s:Envelope>'.encode()
    response = post(soap12_only, body, path="/echo")
    code, message, _ = fault_of(response)
    assert code == "soap:VersionMismatch" and "SOAP 1.2" in message
    upgrade = etree.fromstring(response.body).find(f"{{{S11}}}Header/{{{S12}}}Upgrade")
    assert upgrade is not None
    supported = upgrade.find(f"{{{S12}}}SupportedEnvelope")
    assert supported is not None and supported.get("qname", "").endswith(":Envelope")
    prefix = supported.get("qname", "").split(":")[0]
    assert supported.nsmap[prefix] == S12


def test_an_unknown_envelope_namespace_is_a_version_mismatch(crm: SoapMock) -> None:
    response = post(crm, envelope("<c:GetAccountRequest/>", namespace="urn:not-soap"))
    code, message, _ = fault_of(response)
    assert code == "soap:VersionMismatch" and "urn:not-soap" in message


def test_a_missing_body_is_a_client_fault(crm: SoapMock) -> None:
    body = f'<s:Envelope xmlns:s="{S11}"><s:Header/></s:Envelope>'.encode()
    code, message, _ = fault_of(post(crm, body))
    assert code == "soap:Client" and "no Body" in message


def test_an_unknown_operation_names_what_was_received_and_the_known_ones(crm: SoapMock) -> None:
    response = post(crm, envelope("<c:DeleteEverything/>"), action='"urn:example:crm/DeleteEverything"')
    code, message, _ = fault_of(response)
    assert code == "soap:Client"
    assert "urn:example:crm/DeleteEverything" in message and "{urn:example:crm:types}DeleteEverything" in message
    assert "GetAccount" in message and "ConvertLead" in message


def test_an_invalid_body_lists_each_violation_with_its_path(crm: SoapMock) -> None:
    body = envelope("<c:GetAccountRequest><c:unexpected>1</c:unexpected></c:GetAccountRequest>")
    response = post(crm, body, action="urn:example:crm/GetAccount")
    code, message, fault = fault_of(response)
    assert code == "soap:Client" and "does not match the contract for GetAccount" in message
    violations = fault.findall("detail/{urn:ctk:mock}violation")
    assert violations, response.body
    assert all(v.get("path", "").startswith("/GetAccountRequest") for v in violations)
    assert all(v.text for v in violations)


def test_a_body_of_another_operation_is_refused_for_the_action(crm: SoapMock) -> None:
    body = envelope("<c:GetContactRequest><c:id>C-1</c:id></c:GetContactRequest>")
    code, _, fault = fault_of(post(crm, body, action="urn:example:crm/GetAccount"))
    assert code == "soap:Client"
    violation = fault.find("detail/{urn:ctk:mock}violation")
    assert violation is not None and "GetAccountRequest" in (violation.text or "")


def _asgi(app: MockASGIApp, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []
    chunks = [body[i : i + 4096] for i in range(0, len(body), 4096)] or [b""]

    async def receive() -> dict[str, Any]:
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": headers}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    start, end = sent[0], sent[1]
    return start["status"], end["body"]


@pytest.mark.parametrize(("content_type", "namespace"), [(b"text/xml", S11), (b"application/soap+xml", S12)])
def test_an_oversized_body_is_a_soap_fault_with_413(crm: SoapMock, content_type: bytes, namespace: str) -> None:
    app = MockASGIApp(crm, max_body=10_000)
    padding = "<c:name>" + "x" * 50_000 + "</c:name>"
    status, body = _asgi(app, "/crm", envelope(padding, namespace), [(b"content-type", content_type)])
    assert status == 413
    root = etree.fromstring(body)
    assert etree.QName(root).namespace == namespace
    assert b"10000 bytes" in body and b"Traceback" not in body


def test_an_unexpected_exception_is_a_server_fault(crm: SoapMock, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> etree._Element:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(crm.mock.generator, "element", broken)
    monkeypatch.setattr(crm.mock.generator, "text", broken)  # the answer written as text, or built as a tree
    body = envelope("<c:GetContactRequest><c:id>0031234567890ABCDE</c:id></c:GetContactRequest>")
    response = post(crm, body, action="urn:example:crm/GetContact")
    code, message, _ = fault_of(response)
    assert response.status == 500 and code == "soap:Server"
    assert "ZeroDivisionError" in message and "boom" not in message

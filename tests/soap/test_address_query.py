"""SOAP ports whose ``soap:address`` carries a query string (ASP/ISAPI ``svc.dll?Impl=Orders``, ``?Service=Crm``):
the WSDL is served at ``<address>&wsdl`` as well as ``<path>?wsdl``, POSTs at the address with its query are
answered by the port(s) that query names, and the served WSDL keeps the query in its addresses."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import zeep
from lxml import etree

from tests.support.served import served
from toolkit.exchange import Request
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions
from toolkit.soap.mock.zeep_transport import MockZeepTransport

_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
_WSDL = "http://schemas.xmlsoap.org/wsdl/"


def _wsdl(ports: list[tuple[str, str, str]]) -> str:
    """A document/literal WSDL with one portType, binding and SOAP port per (name, operation, address)."""
    types = "".join(
        f'<xs:element name="{op}"><xs:complexType><xs:sequence><xs:element name="id" type="xs:string"/>'
        f"</xs:sequence></xs:complexType></xs:element>"
        f'<xs:element name="{op}Response"><xs:complexType><xs:sequence><xs:element name="id" type="xs:string"/>'
        f'<xs:element name="total" type="xs:int"/></xs:sequence></xs:complexType></xs:element>'
        for _, op, _ in ports
    )
    parts = []
    for name, op, _ in ports:
        parts.append(f"""
  <message name="{op}In"><part name="p" element="tns:{op}"/></message>
  <message name="{op}Out"><part name="p" element="tns:{op}Response"/></message>
  <portType name="{name}Type"><operation name="{op}"><input message="tns:{op}In"/><output message="tns:{op}Out"/>
  </operation></portType>
  <binding name="{name}Binding" type="tns:{name}Type">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="{op}"><soap:operation soapAction="urn:aq/{op}"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>""")
    service_ports = "".join(
        f'<port name="{name}Port" binding="tns:{name}Binding"><soap:address location="{address}"/></port>'
        for name, _, address in ports
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<definitions xmlns="{_WSDL}" xmlns:soap="{_SOAP11}" xmlns:tns="urn:aq" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    targetNamespace="urn:aq" name="Isapi">
  <types><xs:schema targetNamespace="urn:aq" elementFormDefault="qualified">{types}</xs:schema></types>
  {"".join(parts)}
  <service name="Isapi">{service_ports}</service>
</definitions>
"""


_TWO_PORTS = [
    ("Orders", "GetOrder", "http://vendor.example/isapi/svc.dll?Impl=Orders"),
    ("Billing", "GetInvoice", "http://vendor.example/isapi/svc.dll?Impl=Billing"),
]


@pytest.fixture
def two_ports(tmp_path: Path) -> Path:
    path = tmp_path / "isapi.wsdl"
    path.write_text(_wsdl(_TWO_PORTS), encoding="utf-8")
    return path


def _mock(path: Path, **options: object) -> MockEnvelope:
    contract = load_contract(path)
    assert isinstance(contract, SoapContract)
    return MockEnvelope(SoapMock(contract, SoapMockOptions(seed=3, **options)))  # type: ignore[arg-type]


def _get(mock: MockEnvelope, path: str, query: str) -> tuple[int, bytes]:
    result = mock(Request("GET", path, query, (("host", "ctk.mock"),), b""))
    return result.response.status, result.response.body


def _envelope(op: str) -> bytes:
    return (
        f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        f'<{op} xmlns="urn:aq"><id>X-1</id></{op}></s:Body></s:Envelope>'
    ).encode()


def _post(mock: MockEnvelope, path: str, query: str, op: str, action: str = "") -> tuple[int, bytes]:
    headers = (("host", "ctk.mock"), ("content-type", "text/xml; charset=utf-8"), ("soapaction", f'"{action}"'))
    result = mock(Request("POST", path, query, headers, _envelope(op)))
    return result.response.status, result.response.body


@pytest.mark.parametrize(
    "query", ["Impl=Orders&wsdl", "Impl=Billing&wsdl", "Impl=Orders&WSDL", "wsdl", "wsdl&Impl=Orders"]
)
def test_the_wsdl_is_served_at_the_address_with_its_query(two_ports: Path, query: str) -> None:
    status, body = _get(_mock(two_ports), "/isapi/svc.dll", query)
    assert status == 200, body
    root = etree.fromstring(body)
    locations = sorted(str(a.get("location")) for a in root.iter(f"{{{_SOAP11}}}address"))
    # the query stays in each address, the host is the mock's (lxml decodes the &amp; it had to write)
    assert locations == [
        "http://ctk.mock/isapi/svc.dll?Impl=Billing",
        "http://ctk.mock/isapi/svc.dll?Impl=Orders",
    ]
    assert b"Impl=Orders&amp;" not in body  # no document query leaked into the address


def test_the_address_alone_is_still_a_post_endpoint_and_unknown_documents_are_404(two_ports: Path) -> None:
    mock = _mock(two_ports)
    status, body = _get(mock, "/isapi/svc.dll", "Impl=Orders")
    assert status == 405 and b"?wsdl" in body
    status, body = _get(mock, "/isapi/svc.dll", "Impl=Orders&xsd=nothing")
    assert status == 404 and b"?xsd=nothing" in body and b"Impl=Orders" not in body


def test_a_post_at_the_address_with_its_query_goes_to_that_port(two_ports: Path) -> None:
    mock = _mock(two_ports)
    status, body = _post(mock, "/isapi/svc.dll", "Impl=Billing", "GetInvoice", "urn:aq/GetInvoice")
    assert status == 200, body
    assert b"GetInvoiceResponse" in body and b"X-1" in body
    status, body = _post(mock, "/isapi/svc.dll", "Impl=Orders", "GetOrder", "urn:aq/GetOrder")
    assert status == 200 and b"GetOrderResponse" in body, body
    # Impl=Orders names the Orders port only: its operations are the known ones
    status, body = _post(mock, "/isapi/svc.dll", "Impl=Orders", "GetInvoice", "urn:aq/GetInvoice")
    assert status == 500 and b"known operations: GetOrder" in body, body
    # without the query both ports answer at the path, as before
    status, body = _post(mock, "/isapi/svc.dll", "", "GetInvoice", "urn:aq/GetInvoice")
    assert status == 200, body


def test_the_memo_tells_two_queries_apart(two_ports: Path) -> None:
    mock = _mock(two_ports)
    assert _post(mock, "/isapi/svc.dll", "Impl=Billing", "GetInvoice", "urn:aq/GetInvoice")[0] == 200
    assert _post(mock, "/isapi/svc.dll", "Impl=Orders", "GetInvoice", "urn:aq/GetInvoice")[0] == 500


def test_a_mount_keeps_the_address_query(two_ports: Path) -> None:
    status, body = _get(_mock(two_ports, mount="/erp"), "/erp", "Impl=Orders&wsdl")
    assert status == 200, body
    locations = {a.get("location") for a in etree.fromstring(body).iter(f"{{{_SOAP11}}}address")}
    assert locations == {"http://ctk.mock/erp?Impl=Orders", "http://ctk.mock/erp?Impl=Billing"}


def test_zeep_in_process_reads_the_wsdl_at_address_and_wsdl_and_calls_the_port(two_ports: Path) -> None:
    mock = _mock(two_ports)
    transport = MockZeepTransport(mock)
    client = zeep.Client("http://ctk.mock/isapi/svc.dll?Impl=Billing&wsdl", transport=transport)
    service = client.bind("Isapi", "BillingPort")
    result = service.GetInvoice(id="INV-7")
    assert result.id == "INV-7"
    posted = [r for r in transport.requests if r.method == "POST"]
    assert [(r.path, r.query) for r in posted] == [("/isapi/svc.dll", "Impl=Billing")]


def test_ctk_serve_announces_and_zeep_calls_over_loopback(tmp_path: Path) -> None:
    path = tmp_path / "crm.wsdl"
    path.write_text(_wsdl([("Crm", "GetContact", "https://crm.vendor.example/ws/api.asmx?Service=Crm")]), "utf-8")
    with served(str(path)) as server:
        # zeep's own transport (requests over a real socket) pointed at <address>&wsdl
        client = zeep.Client(f"{server.url}/ws/api.asmx?Service=Crm&wsdl")
        assert client.service.GetContact(id="C-42").id == "C-42"
        assert httpx.get(f"{server.url}/ws/api.asmx?wsdl", timeout=10).status_code == 200
        log = server.log()
    announced = "SOAP 1.1, Isapi/CrmPort (POST to ?Service=Crm, WSDL also at ?Service=Crm&wsdl)"
    assert f"{announced} at {server.url}/ws/api.asmx" in log
    assert "(WSDL: /ws/api.asmx?wsdl)" in log


def test_zeep_follows_the_imports_of_the_wsdl_read_at_address_and_wsdl(tmp_path: Path) -> None:
    schema = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:aq" elementFormDefault="qualified">
  <xs:element name="GetOrder"><xs:complexType><xs:sequence><xs:element name="id" type="xs:string"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="GetOrderResponse"><xs:complexType><xs:sequence><xs:element name="id" type="xs:string"/>
  <xs:element name="total" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>
"""
    (tmp_path / "orders-types.xsd").write_text(schema, encoding="utf-8")
    text = _wsdl([("Orders", "GetOrder", "http://vendor.example/isapi/svc.dll?Impl=Orders")])
    start, end = text.index("<types>"), text.index("</types>") + len("</types>")
    imported = '<types><xs:schema><xs:import namespace="urn:aq" schemaLocation="orders-types.xsd"/></xs:schema></types>'
    path = tmp_path / "orders.wsdl"
    path.write_text(text[:start] + imported + text[end:], encoding="utf-8")
    transport = MockZeepTransport(_mock(path))
    client = zeep.Client("http://ctk.mock/isapi/svc.dll?Impl=Orders&wsdl", transport=transport)  # type: ignore[no-untyped-call]
    assert client.service.GetOrder(id="O-9").id == "O-9"
    fetched = [(r.path, r.query) for r in transport.requests if r.method == "GET"]
    assert fetched == [("/isapi/svc.dll", "Impl=Orders&wsdl"), ("/isapi/svc.dll", "xsd=orders-types")]

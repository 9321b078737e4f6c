"""WSDLs using a SOAP binding prefix their author forgot to declare: loaded with a warning at its place when the
namespace meant is unambiguous, reported by ``ctk lint``, served; anything else stays a load error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zeep

from tests.support.cli import ctk
from toolkit.errors import ParseError, UnsafeXMLError
from toolkit.exchange import Request
from toolkit.lint import lint_contract
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.model import Severity
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions
from toolkit.soap.mock.zeep_transport import MockZeepTransport

_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"


def _wsdl(prefix: str = "soap", declarations: str = "", binding_declarations: str = "", extra: str = "") -> str:
    """A one-operation document/literal WSDL whose binding and port use ``prefix`` (declared by ``declarations``
    on the root, or by ``binding_declarations`` on the binding only). The soap:binding element is on line 17."""
    p = prefix
    return f"""<?xml version="1.0" encoding="utf-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="urn:pr"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" {declarations}
    targetNamespace="urn:pr" name="Repair">
  <types><xs:schema targetNamespace="urn:pr" elementFormDefault="qualified">
    <xs:element name="Ping"><xs:complexType><xs:sequence><xs:element name="id" type="xs:string"/>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="PingResponse"><xs:complexType><xs:sequence><xs:element name="id" type="xs:string"/>
    </xs:sequence></xs:complexType></xs:element>
  </xs:schema></types>
  <message name="PingIn"><part name="p" element="tns:Ping"/></message>
  <message name="PingOut"><part name="p" element="tns:PingResponse"/></message>
  <portType name="RepairType"><operation name="Ping"><input message="tns:PingIn"/>
    <output message="tns:PingOut"/></operation></portType>
  <binding name="RepairBinding" type="tns:RepairType" {binding_declarations}>
    {extra}
    <{p}:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Ping"><{p}:operation soapAction="urn:pr/Ping"/>
      <input><{p}:body use="literal"/></input><output><{p}:body use="literal"/></output></operation>
  </binding>
  <service name="Repair"><port name="RepairPort" binding="tns:RepairBinding">
    <{p}:address location="http://vendor.example/repair"/></port></service>
</definitions>
"""


def _write(tmp_path: Path, text: str, name: str = "repair.wsdl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _load(path: Path) -> SoapContract:
    contract = load_contract(path)
    assert isinstance(contract, SoapContract)
    return contract


@pytest.mark.parametrize(("prefix", "namespace", "version"), [("soap", _SOAP11, "1.1"), ("soap12", _SOAP12, "1.2")])
def test_an_undeclared_conventional_prefix_loads_with_one_warning_at_its_first_use(
    tmp_path: Path, prefix: str, namespace: str, version: str
) -> None:
    contract = _load(_write(tmp_path, _wsdl(prefix)))
    assert [op.id for op in contract.operations] == ["Repair/RepairPort/Ping"]
    assert contract.operations[0].soap_version == version  # type: ignore[attr-defined]
    assert contract.operations[0].soap_action == "urn:pr/Ping"  # type: ignore[attr-defined]
    (warning,) = contract.warnings
    assert warning.severity == Severity.WARNING
    assert warning.location.file.endswith("repair.wsdl") and warning.location.line == 17
    assert f"prefix {prefix!r} is used but never declared" in warning.message
    assert f"SOAP {version} binding namespace {namespace}" in warning.message
    assert "(and 4 more uses)" in warning.message  # operation, two bodies, address


def test_a_prefix_declared_elsewhere_takes_that_namespace(tmp_path: Path) -> None:
    # xmlns:soap (to SOAP 1.2!) on a documentation element only: the binding's soap: means that one
    extra = f'<documentation xmlns:soap="{_SOAP12}">see soap:binding</documentation>'
    contract = _load(_write(tmp_path, _wsdl("soap", extra=extra)))
    assert contract.operations[0].soap_version == "1.2"  # type: ignore[attr-defined]
    assert _SOAP12 in contract.warnings[0].message


def test_only_the_undeclared_uses_are_repaired_and_counted(tmp_path: Path) -> None:
    # the binding declares soap: for itself; the port's soap:address (line 22) was left without it
    contract = _load(_write(tmp_path, _wsdl("soap", binding_declarations=f'xmlns:soap="{_SOAP11}"')))
    (warning,) = contract.warnings
    assert warning.location.line == 22
    assert "more use" not in warning.message and _SOAP11 in warning.message
    assert contract.operations[0].address == "http://vendor.example/repair"  # type: ignore[attr-defined]


def test_a_prefix_declared_to_two_namespaces_elsewhere_is_ambiguous(tmp_path: Path) -> None:
    extra = f'<documentation xmlns:soap="{_SOAP12}"/><documentation xmlns:soap="{_SOAP11}"/>'
    with pytest.raises(ParseError, match="Namespace prefix soap on binding is not defined") as error:
        load_contract(_write(tmp_path, _wsdl("soap", extra=extra)))
    assert ":17:" in str(error.value.where) and str(error.value.where).split(":")[0].endswith("repair.wsdl")


def test_an_unknown_prefix_stays_refused_with_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="Namespace prefix foo on binding is not defined") as error:
        load_contract(_write(tmp_path, _wsdl("foo")))
    assert ":17:" in str(error.value.where) and str(error.value.where).split(":")[0].endswith("repair.wsdl")
    assert 'xmlns:foo="<its namespace>"' in str(error.value.hint)


def test_a_conventional_prefix_outside_a_binding_elements_place_stays_refused(tmp_path: Path) -> None:
    # soap:binding right under <definitions>: the prefix would be declared, but for no SOAP binding element
    text = _wsdl("soap").replace("<types>", '<soap:binding style="document"/>\n  <types>', 1)
    with pytest.raises(ParseError, match="no SOAP binding element in its place") as error:
        load_contract(_write(tmp_path, text))
    assert error.value.where.endswith("repair.wsdl:5")


def test_a_declared_wsdl_loads_without_warnings(tmp_path: Path) -> None:
    contract = _load(_write(tmp_path, _wsdl("soap", declarations=f'xmlns:soap="{_SOAP11}"')))
    assert contract.warnings == ()


def test_a_doctype_stays_refused_even_with_an_undeclared_prefix(tmp_path: Path) -> None:
    text = _wsdl("soap").replace(
        "<definitions", '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<definitions', 1
    )
    with pytest.raises(UnsafeXMLError):
        load_contract(_write(tmp_path, text))


def test_lint_reports_the_repair_with_its_place_and_exits_0(tmp_path: Path) -> None:
    path = _write(tmp_path, _wsdl("soap"))
    problems = lint_contract(_load(path))
    repaired = [p for p in problems if "never declared" in p.message]
    assert len(repaired) == 1 and repaired[0].location.line == 17
    code, out, err = ctk("lint", str(path))
    assert code == 0, (out, err)  # warnings exit 0 (README "Exit codes"); --strict makes them 1
    assert "repair.wsdl:17" in out + err and "never declared" in out + err
    code, out, err = ctk("lint", "--strict", str(path))
    assert code == 1, (out, err)
    code, out, _ = ctk("lint", "--format", "json", str(path))
    problems_json = json.loads(out)["problems"]
    assert any(p["location"].endswith("repair.wsdl:17") and "never declared" in p["message"] for p in problems_json)


def test_ctk_serve_check_serves_the_repaired_wsdl(tmp_path: Path) -> None:
    code, _, err = ctk("serve", str(_write(tmp_path, _wsdl("soap"))), "--check")
    assert code == 0, err
    assert "SOAP 1.1, Repair/RepairPort at http://127.0.0.1:8000/repair" in err


def test_the_mock_answers_zeep_and_serves_the_wsdl_with_the_prefix_declared(tmp_path: Path) -> None:
    mock = MockEnvelope(SoapMock(_load(_write(tmp_path, _wsdl("soap"))), SoapMockOptions(seed=2)))
    served = mock(Request("GET", "/repair", "wsdl", (("host", "ctk.mock"),), b"")).response
    assert served.status == 200 and f'xmlns:soap="{_SOAP11}"'.encode() in served.body
    client = zeep.Client("http://ctk.mock/repair?wsdl", transport=MockZeepTransport(mock))  # type: ignore[no-untyped-call]
    assert client.service.Ping(id="P-1") == "P-1"  # zeep unwraps a one-child answer


def test_an_imported_wsdl_with_an_undeclared_prefix_is_repaired_at_its_own_place(tmp_path: Path) -> None:
    _write(tmp_path, _wsdl("soap12"), "binding.wsdl")
    root = """<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:pr">
  <import namespace="urn:pr" location="binding.wsdl"/>
</definitions>
"""
    contract = _load(_write(tmp_path, root, "main.wsdl"))
    (warning,) = contract.warnings
    assert warning.location.file.endswith("binding.wsdl") and warning.location.line == 17
    assert contract.operations[0].soap_version == "1.2"  # type: ignore[attr-defined]

"""A real zeep client against the SOAP mock: in-process through ``MockZeepTransport`` (no socket at all),
and the conformance script (``scripts/soap_zeep_conformance.py``) on crm and a few small corpus WSDLs,
one per style: every operation zeep can call must pass (answer deserialized, body valid against the XSD)."""

from __future__ import annotations

from typing import Any

import pytest
import zeep

from tests.support import soap_conformance as conformance
from tests.support.corpus import corpus
from tests.support.paths import DATA, REPO
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions
from toolkit.soap.mock.zeep_transport import MockZeepTransport


def _mock(path: Any, **options: Any) -> SoapMock:
    contract = load_contract(path)
    assert isinstance(contract, SoapContract)
    return MockEnvelope(SoapMock(contract, SoapMockOptions(seed=3, **options)))


def test_zeep_calls_the_mock_in_process_without_a_socket(no_sockets: list[Any]) -> None:
    mock = _mock(REPO / "contracts" / "crm" / "v1" / "crm.wsdl", mount="/crm")
    transport = MockZeepTransport(mock)
    client = zeep.Client("http://ctk.mock/crm?wsdl", transport=transport)
    result = client.service.GetContact(id="0031234567890ABCDE")
    assert result.id == "0031234567890ABCDE"  # echoed from the request
    fetched = [(r.method, r.query) for r in transport.requests]
    assert ("GET", "wsdl") in fetched and ("GET", "xsd=crm-types") in fetched
    assert transport.requests[-1].header("soapaction") == '"urn:example:crm/GetContact"'
    assert no_sockets == []


def test_zeep_sees_a_declared_fault_as_its_fault_exception() -> None:
    mock = _mock(DATA / "soap" / "accounts.wsdl")
    client = zeep.Client("http://ctk.mock/services?wsdl", transport=MockZeepTransport(mock))
    with (
        client.settings(extra_http_headers={"Prefer": "fault=AccountNotFound"}),
        pytest.raises(zeep.exceptions.Fault) as fault,
    ):
        client.service.GetAccount(AccountId="A-1", _soapheaders=[_auth_header()])
    assert fault.value.code is not None and fault.value.detail is not None


def _auth_header() -> Any:
    from lxml import etree

    header = etree.Element("{urn:test:accounts}AuthHeader")
    etree.SubElement(header, "{urn:test:accounts}Token").text = "t"
    return header


def test_the_transport_refuses_urls_outside_the_mock() -> None:
    transport = MockZeepTransport(_mock(DATA / "soap" / "soap12_only.wsdl"))
    with pytest.raises(zeep.exceptions.TransportError, match="not under the mock's base URL"):
        transport.load("http://example.com/other.wsdl")


def test_conformance_on_crm_over_a_real_loopback_server() -> None:
    outcome = conformance.run_one(REPO / "contracts" / "crm" / "v1" / "crm.wsdl", seed=1)
    assert outcome.error == ""
    assert outcome.operations == 18 and outcome.callable == 18
    assert outcome.failed == [] and outcome.passed == 18


@pytest.mark.parametrize(
    "relative",
    [
        "wsdl/zeep/soap.wsdl",  # document/literal
        "wsdl/savon/telefonkatalogen.wsdl",  # rpc/literal
        "wsdl/node-soap/hello.wsdl",  # rpc/encoded
        "wsdl/zeep/claim.wsdl",  # rpc/encoded with soapenc arrays
        "wsdl/savon/temperature.wsdl",  # SOAP 1.1 + 1.2 + HTTP bindings
        "wsdl/zeep/soap_header.wsdl",  # soap:header parts
        "wsdl/zeep/import/soap_import_main.wsdl",  # multi-file root
    ],
)
def test_conformance_on_small_corpus_wsdls(relative: str) -> None:
    path = corpus(*relative.split("/"))
    outcome = conformance.run_one(path, in_process=True, seed=1)
    assert outcome.error == ""
    assert outcome.callable > 0
    assert outcome.failed == [], outcome.failed
    assert outcome.passed == outcome.callable


def test_http_bindings_are_listed_as_not_callable_not_failed() -> None:
    outcome = conformance.run_one(corpus("wsdl", "savon", "temperature.wsdl"), in_process=True)
    assert outcome.not_callable and all("HTTP GET/POST binding" in reason for _, reason in outcome.not_callable)
    assert outcome.failed == [] and outcome.passed == outcome.callable == 2
    assert outcome.operations == outcome.callable + len(outcome.not_callable)


def test_the_script_fails_when_an_answer_does_not_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without this, a 100% pass rate could come from a harness that checks nothing: a mock whose answers
    carry an undeclared element must fail every callable operation."""
    from lxml import etree

    import toolkit.soap.mock.handler as soap_mock

    real = soap_mock.build_envelope

    def planted(version: str, body: Any, headers: Any = ()) -> bytes:
        elements = list(body)
        for element in elements:
            etree.SubElement(element, "{urn:planted}unexpected").text = "x"
        return real(version, elements, headers)

    monkeypatch.setattr(soap_mock, "build_envelope", planted)
    outcome = conformance.run_one(REPO / "contracts" / "crm" / "v1" / "crm.wsdl", in_process=True)
    assert outcome.callable == 18 and len(outcome.failed) == 18 and outcome.passed == 0


def test_conformance_on_a_wcf_export_whose_imports_name_the_vendors_urls() -> None:
    """rio2's imports are absolute URLs of the vendor's server, loaded through mirrors: the mock's ?wsdl must
    still point every one of them at the mock, or zeep would try the vendor (and the network guard refuses)."""
    path = corpus("wsdl", "savon", "rio2", "rio2.wsdl")
    outcome = conformance.run_one(path, mirrors=conformance._mirrors("savon/rio2/rio2.wsdl"), in_process=True)
    assert outcome.error == "" and outcome.callable == 4 and outcome.passed == 4


@pytest.mark.parametrize("label", [label for label, _, _ in conformance.targets()])
def test_every_workspace_and_corpus_wsdl_conforms_for_each_operation_zeep_can_call(label: str) -> None:
    """The issue's bar, kept by CI: every operation zeep can call passes (both judges); the script prints it."""
    [(_, path, mirrors)] = [target for target in conformance.targets([label]) if target[0] == label]
    outcome = conformance.run_one(path, label=label, mirrors=mirrors, in_process=True, seed=7)
    if outcome.error:  # only a WSDL that needs the network may fail to load
        assert "xsd_include_http" in label and "http" in outcome.error
        return
    assert outcome.failed == [], outcome.failed[:3]
    assert outcome.passed == outcome.callable

"""How the SOAP engine judges one raw answer (the checks the drifted vendor does not plant: declared and Client
faults, invalid fault details, a 5xx without a Fault, media types, the wrong response element, SOAP 1.2), and
what zeep cannot call (skipped with its reason, never sent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.support.cli import run_ctk
from tests.support.corpus import corpus
from tests.support.paths import REPO
from tests.support.vendors.soap import CONTRACT
from toolkit.load import load_contract
from toolkit.mock.loopback import free_port
from toolkit.model import SoapOperation
from toolkit.verify.core import VerifyContext
from toolkit.verify.engine_soap import _judge, _setup, endpoint
from toolkit.verify.guard import SafeClient

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def _envelope(body: str, namespace: str = SOAP11) -> bytes:
    return f'<s:Envelope xmlns:s="{namespace}" xmlns:l="urn:library"><s:Body>{body}</s:Body></s:Envelope>'.encode()


def _fault(code: str, detail: str = "") -> str:
    return f"<s:Fault><faultcode>s:{code}</faultcode><faultstring>x</faultstring>{detail}</s:Fault>"


def _checks(contract_path: str, operation: str, status: int, content: bytes, media: str) -> list[str]:
    contract = load_contract(contract_path)
    ctx = VerifyContext(api="t", contract=contract, base_url="http://127.0.0.1:9", client=SafeClient())
    op = contract.operation(operation)
    assert isinstance(op, SoapOperation)
    answer = requests.Response()
    answer.status_code, answer._content = status, content
    answer.headers["content-type"] = media
    return [check for check, _, _ in _judge(ctx, _setup(ctx), op, answer)]


SEARCH = "LibraryService/LibraryPort/SearchBooks"
BAD_QUERY = "<detail><l:BadQuery><l:reason>empty</l:reason></l:BadQuery></detail>"


@pytest.mark.parametrize(
    ("status", "content", "media", "expected"),
    [
        (200, _envelope("<l:SearchBooksResponse><l:title>a</l:title></l:SearchBooksResponse>"), "text/xml", []),
        (500, _envelope(_fault("Server", BAD_QUERY)), "text/xml; charset=utf-8", []),  # a declared fault
        (500, _envelope(_fault("Client")), "text/xml", []),  # the request named what the vendor does not hold
        (500, _envelope(_fault("Server")), "text/xml", ["fault_declared"]),
        (500, _envelope(_fault("Server", "<detail><l:BadQuery/></detail>")), "text/xml",
         ["response_schema_conformance"]),
        (200, _envelope(_fault("Server", BAD_QUERY)), "text/xml", ["status_code_conformance"]),
        (500, b"<html>proxy error</html", "text/html", ["content_type_conformance", "not_a_server_error"]),
        (503, _envelope("<l:SearchBooksResponse/>"), "text/xml", ["not_a_server_error"]),
        (200, _envelope("<l:SearchBooksResponse/>"), "application/json", ["content_type_conformance"]),
        (200, _envelope("<l:GetBookResponse/>"), "text/xml", ["response_schema_conformance"]),
        (200, _envelope("<l:SearchBooksResponse><l:author>a</l:author></l:SearchBooksResponse>"), "text/xml",
         ["response_schema_conformance"]),
    ],
)  # fmt: skip
def test_each_way_an_answer_breaks_the_wsdl_has_its_check(
    status: int, content: bytes, media: str, expected: list[str]
) -> None:
    assert _checks(str(CONTRACT), SEARCH, status, content, media) == expected


CRM = str(REPO / "contracts" / "crm" / "v1" / "crm.wsdl")
GET_ACCOUNT_12 = "CrmService/CrmSoap12Port/GetAccount"


def _fault12(code: str) -> bytes:
    return _envelope(f"<s:Fault><s:Code><s:Value>s:{code}</s:Value></s:Code><s:Reason><s:Text xml:lang='en'>x"
                     "</s:Text></s:Reason></s:Fault>", SOAP12)  # fmt: skip


@pytest.mark.parametrize(
    ("status", "content", "media", "expected"),
    [
        (400, _fault12("Sender"), "application/soap+xml", []),
        (500, _fault12("Sender"), "application/soap+xml", ["status_code_conformance"]),
        (400, _fault12("Sender"), "text/xml", ["content_type_conformance"]),
    ],
)
def test_soap_12_faults_take_their_own_status_and_media_type(
    status: int, content: bytes, media: str, expected: list[str]
) -> None:
    assert _checks(CRM, GET_ACCOUNT_12, status, content, media) == expected


def test_the_endpoint_is_the_base_url_with_a_path_else_the_ports_address_path() -> None:
    contract = load_contract(CRM)
    op = contract.operation(GET_ACCOUNT_12)
    assert isinstance(op, SoapOperation)
    at = VerifyContext(api="t", contract=contract, base_url="http://127.0.0.1:8000", client=SafeClient())
    assert endpoint(at, op) == "http://127.0.0.1:8000/soap12/v1"
    at.base_url = "https://sandbox.example.com/crm/endpoint"
    assert endpoint(at, op) == "https://sandbox.example.com/crm/endpoint"
    at.extra["soap_endpoint"] = "https://other.example.com/x"
    assert endpoint(at, op) == "https://other.example.com/x"


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("wsdl/oracles/node-soap-samples/getAvailability__should_not_fail_without_children/soap.wsdl",
         "zeep cannot read this WSDL: XMLParseError"),
        ("wsdl/savon/geotrust.wsdl", "zeep dropped this operation"),
    ],
)  # fmt: skip
def test_what_zeep_cannot_call_is_skipped_with_its_reason_and_nothing_is_sent(
    relative: str, reason: str, tmp_path: Path
) -> None:
    wsdl = corpus(relative)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens: nothing may be sent
    done = run_ctk("verify", str(wsdl), "--base-url", url, "--format", "json", "-q",
                   "--evidence", str(tmp_path / "evidence.json"), cwd=tmp_path)  # fmt: skip
    (api,) = json.loads(done.stdout)["apis"]
    assert done.returncode == 0, api
    assert api["requests_sent"] == 0 and api["failures"] == []
    assert len(api["skipped"]) == len(api["operations"]) == 1
    assert reason in next(iter(api["skipped"].values()))

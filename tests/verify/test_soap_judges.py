"""The two XML-Schema judges of the SOAP conformance run: ctk's own (lxml) and the independent one
(``tests/support/xsd_judge.py``, xmlschema). A judge that accepted everything would make 100% meaningless,
so the independent judge is shown to reject broken answers, and to say when it cannot judge at all."""

from __future__ import annotations

import random
from typing import Any

import pytest
from lxml import etree

from tests.support import soap_conformance as conformance
from tests.support.corpus import corpus
from tests.support.paths import REPO
from tests.support.xsd_judge import XmlSchemaJudge
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.handler import SoapMock

CRM_V1 = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"
CRM = "{urn:example:crm:types}"


def _encoded_or_one_way(outcome: conformance.Outcome, path: Any) -> int:
    """Callable operations no judge checks: rpc/encoded answers and one-way operations."""
    contract = load_contract(path)
    assert isinstance(contract, SoapContract)
    mock = MockEnvelope(SoapMock(contract))
    return sum(1 for port in mock.mock.ports for op in port.operations
               if op.output is None or op.use == "encoded")  # fmt: skip


@pytest.mark.parametrize(
    "relative",
    [
        "crm/v1",  # the workspace contract: document/literal wrapped, SOAP 1.1 + 1.2, xsd:import
        "wsdl/zeep/soap.wsdl",  # document/literal, one one-way operation
        "wsdl/savon/telefonkatalogen.wsdl",  # rpc/literal: each judge declares its own wrapper
        "wsdl/gowsdl/mnb-exchange.wsdl",  # a WCF export, SOAP 1.1 + 1.2
    ],
)
def test_every_answer_passes_both_judges(relative: str) -> None:
    path = CRM_V1 if relative == "crm/v1" else corpus(*relative.split("/"))
    outcome = conformance.run_one(path, in_process=True, seed=2)
    assert outcome.error == "" and outcome.unavailable == {}
    assert outcome.callable > 0 and outcome.passed == outcome.callable and outcome.failed == []
    expected = outcome.callable - _encoded_or_one_way(outcome, path)
    assert expected > 0
    for judge in conformance.JUDGES:
        assert outcome.checked[judge] == expected, f"{judge} checked {outcome.checked[judge]} of {expected}"
        assert outcome.rejected[judge] == []


def test_crm_over_loopback_is_checked_by_both_judges() -> None:
    outcome = conformance.run_one(CRM_V1, seed=5)
    assert outcome.passed == outcome.callable == 18
    assert outcome.checked == {"lxml": 18, "xmlschema": 18}


# --- the independent judge rejects broken answers ---------------------------------------------------


@pytest.fixture(scope="module")
def crm() -> tuple[SoapMock, XmlSchemaJudge]:
    contract = load_contract(CRM_V1)
    assert isinstance(contract, SoapContract)
    judge = XmlSchemaJudge.from_wsdl(CRM_V1)
    assert judge.available, judge.reason
    return MockEnvelope(SoapMock(contract)), judge


def _account_response(mock: SoapMock, seed: int = 1) -> etree._Element:
    return mock.mock.generator.element(f"{CRM}GetAccountResponse", random.Random(seed))


def test_a_generated_answer_is_valid(crm: tuple[SoapMock, XmlSchemaJudge]) -> None:
    mock, judge = crm
    for seed in range(5):
        assert judge.validate(_account_response(mock, seed)) == []


def test_a_required_element_removed_is_rejected(crm: tuple[SoapMock, XmlSchemaJudge]) -> None:
    mock, judge = crm
    answer = _account_response(mock)
    account = answer.find(f"{CRM}account")
    assert account is not None
    removed = account.find(f"{CRM}id")
    assert removed is not None
    account.remove(removed)
    problems = judge.validate(answer)
    assert problems and "account" in problems[0] and "id" in problems[0]
    assert mock.mock.validator.validate(answer), "ctk's judge agrees"


def test_an_enum_value_changed_is_rejected(crm: tuple[SoapMock, XmlSchemaJudge]) -> None:
    mock, judge = crm
    answer = _account_response(mock)
    account = answer.find(f"{CRM}account")
    assert account is not None and account.get("status")
    account.set("status", "Bankrupt")  # AccountStatusType enumerates Active, Inactive, ...
    problems = judge.validate(answer)
    assert problems and "status" in problems[0] and "Active" in problems[0], problems  # lists the enumeration
    assert mock.mock.validator.validate(answer), "ctk's judge agrees"


def test_an_undeclared_body_element_is_rejected(crm: tuple[SoapMock, XmlSchemaJudge]) -> None:
    _, judge = crm
    assert judge.validate(etree.Element(f"{CRM}NoSuchResponse")) != []


def test_an_rpc_literal_wrapper_with_a_wrong_part_is_rejected() -> None:
    path = corpus("wsdl", "savon", "telefonkatalogen.wsdl")
    judge = XmlSchemaJudge.from_wsdl(path)
    assert judge.available and "sendsmsResponse" in judge.wrappers, judge.reason
    good = etree.fromstring("<sendsmsResponse><body>sent</body></sendsmsResponse>")
    assert judge.validate(good) == []
    renamed = etree.fromstring("<sendsmsResponse><text>sent</text></sendsmsResponse>")
    assert judge.validate(renamed) != []
    missing = etree.fromstring("<sendsmsResponse/>")
    assert judge.validate(missing) != []


def test_the_script_counts_each_judges_rejections(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer broken the way the judges are meant to catch (an enum value changed) fails every operation
    that returns an account, and each judge's column says so."""
    from toolkit.soap.mock.envelope import build_envelope as real

    def broken(version: str, body: Any, headers: Any = ()) -> bytes:
        elements = list(body)
        for element in elements:
            for node in element.iter(f"{CRM}account"):
                node.set("status", "Bankrupt")
        return real(version, elements, headers)

    monkeypatch.setattr("toolkit.soap.mock.handler.build_envelope", broken)
    outcome = conformance.run_one(CRM_V1, in_process=True)
    lxml = {op for op, _ in outcome.rejected["lxml"]}
    xmlschema = {op for op, _ in outcome.rejected["xmlschema"]}
    assert xmlschema and xmlschema == lxml
    assert {op for op, _ in outcome.failed} == xmlschema and outcome.passed == outcome.callable - len(xmlschema)


# --- unavailable, never silently passing ------------------------------------------------------------


def test_a_draft_xsd_namespace_makes_the_judge_unavailable_with_its_reason() -> None:
    judge = XmlSchemaJudge.from_wsdl(corpus("wsdl", "node-soap", "stockquote.wsdl"))
    assert not judge.available and "2000/10/XMLSchema" in judge.reason
    with pytest.raises(RuntimeError, match="unavailable"):
        judge.validate(etree.Element("{urn:x}any"))


def test_a_schema_xmlschema_refuses_is_reported_per_wsdl() -> None:
    outcome = conformance.run_one(corpus("wsdl", "node-soap", "xsdinclude", "xsd_include.wsdl"), in_process=True)
    assert "xs:sequence" in outcome.unavailable["xmlschema"]
    assert "left out of validation" in outcome.unavailable["lxml"]
    assert outcome.checked["xmlschema"] == 0
    assert "n/a" in conformance.render([outcome])


def test_a_remote_import_is_refused_not_fetched() -> None:
    judge = XmlSchemaJudge.from_wsdl(corpus("wsdl", "node-soap", "xsdinclude", "xsd_include_http.wsdl"))
    assert not judge.available and "remote" in judge.reason


def test_missing_imports_between_inline_schemas_are_tolerated_and_reported() -> None:
    """crowd.wsdl's inline schemas refer to each other's namespaces without xs:import (XSD src-resolve 4.2,
    WS-I R2102); every SOAP toolkit reads it, and so does the judge, saying so."""
    judge = XmlSchemaJudge.from_wsdl(corpus("wsdl", "savon", "crowd.wsdl"))
    assert judge.available, judge.reason
    assert any(note.startswith("tolerated") and "exception.integration.crowd" in note for note in judge.notes)

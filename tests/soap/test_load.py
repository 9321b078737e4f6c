"""WSDL loading: operations per port, SOAP versions, styles, deprecation."""

from __future__ import annotations

import datetime as dt

from tests.support.corpus import corpus
from tests.support.paths import REPO
from toolkit import SoapOperation, load_contract


def soap_operations(path: object) -> list[SoapOperation]:
    operations = load_contract(path).operations  # type: ignore[arg-type]
    assert all(isinstance(op, SoapOperation) for op in operations)
    return list(operations)  # type: ignore[arg-type]


def test_example_crm_has_each_operation_on_both_ports() -> None:
    operations = soap_operations(REPO / "contracts/crm/v1/crm.wsdl")
    get_account = {op.soap_version: op for op in operations if op.name == "GetAccount"}
    assert set(get_account) == {"1.1", "1.2"}
    v11 = get_account["1.1"]
    assert v11.id == "CrmService/CrmSoap11Port/GetAccount"
    assert v11.soap_action == "urn:example:crm/GetAccount"
    assert (v11.style, v11.use) == ("document", "literal")
    assert v11.address == "https://crm.example.com/soap/v1"


def test_documented_deprecation_with_sunset() -> None:
    operations = soap_operations(REPO / "contracts/crm/v2/crm.wsdl")
    deprecated = [op for op in operations if op.deprecated]
    assert {op.name for op in deprecated} == {"ListContacts"}
    assert {op.sunset for op in deprecated} == {dt.date(2027, 3, 31)}
    assert not any(op.deprecated for op in soap_operations(REPO / "contracts/crm/v1/crm.wsdl"))


def test_rpc_encoded() -> None:
    (operation,) = soap_operations(corpus("wsdl", "node-soap", "hello.wsdl"))
    assert (operation.style, operation.use, operation.soap_version) == ("rpc", "encoded", "1.1")


def test_rpc_literal() -> None:
    operations = soap_operations(corpus("wsdl", "savon", "telefonkatalogen.wsdl"))
    assert {(op.style, op.use) for op in operations} == {("rpc", "literal")}


def test_http_bindings_are_listed_without_a_soap_version() -> None:
    operations = soap_operations(corpus("wsdl", "savon", "temperature.wsdl"))
    assert {op.soap_version for op in operations} == {"1.1", "1.2", None}
    assert all(op.soap_action is None and op.style is None for op in operations if op.soap_version is None)


def test_wsdl_import_and_xsd_import_are_followed() -> None:
    contract = load_contract(corpus("wsdl", "node-soap", "wsdlImport", "main.wsdl"))
    assert len(contract.files) >= 2
    assert contract.operations


def test_chameleon_xsd_include_takes_the_including_namespace() -> None:
    contract = load_contract(corpus("wsdl", "node-soap", "xsdinclude", "xsd_include.wsdl"))
    definitions = contract.definitions  # type: ignore[attr-defined]
    assert "{http://www.dummy.com/Types}IdType" in definitions.types

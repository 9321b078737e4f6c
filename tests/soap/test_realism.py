"""Data that looks like the vendor's, in SOAP: minOccurs="0" means "may be absent", not "often"."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

from toolkit import load_contract
from toolkit.soap.generate.generator import XsdGenerator
from toolkit.soap.load import SoapContract
from toolkit.soap.xsd.validate import XsdValidator

TNS = "urn:example:realism"
DRAWS = 200
OPTIONAL = ("Name", "Email", "Phone", "Address", "Nickname")
WSDL = f"""<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{TNS}" targetNamespace="{TNS}">
  <types>
    <xs:schema targetNamespace="{TNS}" elementFormDefault="qualified">
      <xs:complexType name="Address">
        <xs:sequence>
          <xs:element name="Line1" type="xs:string" minOccurs="0" nillable="true"/>
          <xs:element name="Line2" type="xs:string" minOccurs="0" nillable="true"/>
          <xs:element name="City" type="xs:string" minOccurs="0" nillable="true"/>
          <xs:element name="PostalCode" type="xs:string" minOccurs="0" nillable="true"/>
          <xs:element name="Country" type="xs:string" minOccurs="0" nillable="true"/>
        </xs:sequence>
      </xs:complexType>
      <xs:element name="Customer">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="Id" type="xs:string"/>
            <xs:element name="Name" type="xs:string" minOccurs="0" nillable="true"/>
            <xs:element name="Email" type="xs:string" minOccurs="0" nillable="true"/>
            <xs:element name="Phone" type="xs:string" minOccurs="0" nillable="true"/>
            <xs:element name="Address" type="tns:Address" minOccurs="0" nillable="true"/>
            <xs:element name="Nickname" type="xs:string" minOccurs="0" nillable="true"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="Charge">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="amount" type="xs:long"/>
            <xs:element name="amountCaptured" type="xs:long"/>
            <xs:element name="amountRefunded" type="xs:long" minOccurs="0"/>
            <xs:element name="createdAt" type="xs:dateTime"/>
            <xs:element name="updatedAt" type="xs:dateTime"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
    </xs:schema>
  </types>
  <message name="In"><part name="parameters" element="tns:Customer"/></message>
  <portType name="P">
    <operation name="GetCustomer"><input message="tns:In"/><output message="tns:In"/></operation>
  </portType>
  <binding name="B" type="tns:P">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
    <operation name="GetCustomer"><soap:operation soapAction="urn:GetCustomer"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="S"><port name="Port" binding="tns:B"><soap:address location="http://localhost/s"/></port></service>
</definitions>
"""


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> SoapContract:
    path: Path = tmp_path_factory.mktemp("soap_realism") / "customers.wsdl"
    path.write_text(WSDL)
    loaded = load_contract(path)
    assert isinstance(loaded, SoapContract) and loaded.definitions is not None
    return loaded


def _customers(contract: SoapContract, seed: int = 0) -> list[etree._Element]:
    assert contract.definitions is not None
    generator = XsdGenerator(contract.definitions, seed=seed)
    validator = XsdValidator.from_definitions(contract.definitions)
    rng = random.Random(5)
    customers = [generator.element(f"{{{TNS}}}Customer", rng) for _ in range(DRAWS)]
    assert all(validator.validate(customer) == [] for customer in customers)
    return customers


def _child(element: etree._Element, local: str) -> etree._Element | None:
    return element.find(f"{{{TNS}}}{local}")


def _filled(element: etree._Element | None) -> bool:
    return element is not None and (bool(element.text) or len(element) > 0)


def test_optional_fields_a_person_expects_are_written(contract: SoapContract) -> None:
    customers = _customers(contract)
    for local in ("Name", "Email", "Phone", "Address"):
        missing = sum(not _filled(_child(customer, local)) for customer in customers)
        assert missing <= DRAWS // 10, (local, missing)


def test_other_optional_fields_are_left_out_now_and_then_not_often(contract: SoapContract) -> None:
    missing = sum(_child(customer, "Nickname") is None for customer in _customers(contract))
    assert 0 < missing <= DRAWS // 10


def test_an_address_is_whole(contract: SoapContract) -> None:
    for customer in _customers(contract):
        address = _child(customer, "Address")
        if address is not None:
            assert [etree.QName(part).localname for part in address] == [
                "Line1", "Line2", "City", "PostalCode", "Country"
            ]  # fmt: skip
            assert all(part.text for part in address)


def test_amount_parts_stay_within_the_amount_and_created_precedes_updated(contract: SoapContract) -> None:
    assert contract.definitions is not None
    generator = XsdGenerator(contract.definitions, seed=0)
    validator = XsdValidator.from_definitions(contract.definitions)
    rng = random.Random(9)
    for _ in range(DRAWS):
        charge = generator.element(f"{{{TNS}}}Charge", rng)
        assert validator.validate(charge) == []
        text = {etree.QName(child).localname: child.text or "" for child in charge}
        assert int(text["amountCaptured"]) <= int(text["amount"]), text
        assert int(text.get("amountRefunded", "0")) <= int(text["amount"]), text
        assert text["createdAt"] <= text["updatedAt"], text


def test_same_seed_same_bytes(contract: SoapContract) -> None:
    def run(seed: int) -> bytes:
        return b"".join(etree.tostring(customer) for customer in _customers(contract, seed)[:20])

    assert run(1) == run(1)
    assert run(1) != run(2)

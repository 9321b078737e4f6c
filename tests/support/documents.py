"""Test documents shared by more than one test module.

- ``wsdl`` / ``xsd``: one minimal valid WSDL 1.1 and one XSD, each with hooks (a DOCTYPE, imports,
  documentation) for the XML-safety and bad-input tests to plant an attack or a broken reference in;
- ``SLOW_WSDL``: a WSDL whose pattern libxml2 would backtrack on (``(a|aa)*c``), for the RE2 pattern
  tests of the SOAP limits and the hostile suite.
"""

from __future__ import annotations

__all__ = ["SLOW_NS", "SLOW_WSDL", "wsdl", "xsd"]


def wsdl(
    *,
    doctype: str = "",
    imports: str = "",
    schema_imports: str = "",
    documentation: str = "Returns one account.",
    encoding: str = "UTF-8",
) -> str:
    """A minimal valid WSDL 1.1 (document/literal, one operation, SOAP 1.1 binding, one service).

    ``doctype`` goes between the XML declaration and the root element, ``imports`` right inside
    <definitions> (wsdl:import), ``schema_imports`` at the top of the inline xs:schema
    (xs:import / xs:include) and ``documentation`` inside the operation's <documentation>.
    """
    return f"""<?xml version="1.0" encoding="{encoding}"?>
{doctype}<definitions name="Accounts" targetNamespace="urn:accounts"
    xmlns="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:tns="urn:accounts"
    xmlns:xs="http://www.w3.org/2001/XMLSchema">
  {imports}
  <types>
    <xs:schema targetNamespace="urn:accounts" elementFormDefault="qualified">
      {schema_imports}
      <xs:element name="GetAccount">
        <xs:complexType><xs:sequence><xs:element name="id" type="xs:string"/></xs:sequence></xs:complexType>
      </xs:element>
      <xs:element name="GetAccountResponse">
        <xs:complexType><xs:sequence><xs:element name="name" type="xs:string"/></xs:sequence></xs:complexType>
      </xs:element>
    </xs:schema>
  </types>
  <message name="GetAccountRequest"><part name="parameters" element="tns:GetAccount"/></message>
  <message name="GetAccountResponse"><part name="parameters" element="tns:GetAccountResponse"/></message>
  <portType name="AccountsPortType">
    <operation name="GetAccount">
      <documentation>{documentation}</documentation>
      <input message="tns:GetAccountRequest"/>
      <output message="tns:GetAccountResponse"/>
    </operation>
  </portType>
  <binding name="AccountsBinding" type="tns:AccountsPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="GetAccount">
      <soap:operation soapAction="urn:accounts/GetAccount"/>
      <input><soap:body use="literal"/></input>
      <output><soap:body use="literal"/></output>
    </operation>
  </binding>
  <service name="AccountsService">
    <port name="AccountsSoap" binding="tns:AccountsBinding">
      <soap:address location="http://localhost:8080/accounts"/>
    </port>
  </service>
</definitions>
"""


def xsd(*, doctype: str = "", documentation: str = "Extra types.") -> str:
    """A small schema (targetNamespace urn:types, one element ``Extra``) with a DOCTYPE hook."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{doctype}<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:types">
  <xs:annotation><xs:documentation>{documentation}</xs:documentation></xs:annotation>
  <xs:element name="Extra" type="xs:string"/>
</xs:schema>
"""


# --- a contract pattern libxml2 would backtrack on: matched with RE2 (toolkit/soap/xsd/patterns.py) ---

SLOW_NS = "urn:hostile:slow"
SLOW_WSDL = f"""<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{SLOW_NS}" targetNamespace="{SLOW_NS}" name="Slow">
  <wsdl:types><xs:schema targetNamespace="{SLOW_NS}" elementFormDefault="qualified">
    <xs:simpleType name="Slow"><xs:restriction base="xs:string"><xs:pattern value="(a|aa)*c"/></xs:restriction>
    </xs:simpleType>
    <xs:element name="ValuesRequest"><xs:complexType><xs:sequence>
      <xs:element name="v" type="tns:Slow" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="ValuesResponse"><xs:complexType><xs:sequence>
      <xs:element name="count" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
  </xs:schema></wsdl:types>
  <wsdl:message name="In"><wsdl:part name="p" element="tns:ValuesRequest"/></wsdl:message>
  <wsdl:message name="Out"><wsdl:part name="p" element="tns:ValuesResponse"/></wsdl:message>
  <wsdl:portType name="PT"><wsdl:operation name="Values"><wsdl:input message="tns:In"/>
    <wsdl:output message="tns:Out"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="B" type="tns:PT"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Values"><soap:operation soapAction="{SLOW_NS}/Values"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation></wsdl:binding>
  <wsdl:service name="S"><wsdl:port name="P" binding="tns:B"><soap:address location="http://localhost/slow"/>
  </wsdl:port></wsdl:service>
</wsdl:definitions>
"""

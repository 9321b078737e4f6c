"""Schemas every SOAP toolkit knows without fetching them, written here as strings.

WSDLs reference ``soapenc:Array``, ``soapenc:string``, ``wsdl:arrayType``, ``xml:lang`` or
``xmime:contentType`` without shipping a schema for them (the loader never fetches one either), yet
libxml2 refuses a schema set with a dangling reference. These are small, hand-written equivalents of
the W3C/xmlsoap originals: only the components WSDLs reference, with the same names and meanings.
Nothing is ever downloaded.
"""

from __future__ import annotations

from toolkit.soap.wsdl import WSDL

SOAP_ENCODING = "http://schemas.xmlsoap.org/soap/encoding/"
SOAP12_ENCODING = "http://www.w3.org/2003/05/soap-encoding"
XML = "http://www.w3.org/XML/1998/namespace"
XMIME = "http://www.w3.org/2005/05/xmlmime"

# The XSD built-ins soapenc re-declares (as elements and as complex types carrying id/href).
# ENTITY, ENTITIES and NOTATION are left out: no SOAP message can use them without a DTD.
_SOAPENC_SIMPLE = (
    "string", "boolean", "float", "double", "decimal", "duration", "dateTime", "time", "date", "gYearMonth",
    "gYear", "gMonthDay", "gDay", "gMonth", "hexBinary", "base64Binary", "normalizedString", "token", "language",
    "Name", "NMTOKEN", "NCName", "NMTOKENS", "ID", "IDREF", "IDREFS", "integer", "nonPositiveInteger",
    "negativeInteger", "long", "int", "short", "byte", "nonNegativeInteger", "unsignedLong", "unsignedInt",
    "unsignedShort", "unsignedByte", "positiveInteger", "anyURI", "QName",
)  # fmt: skip


def _soapenc_simple() -> str:
    parts = []
    for name in _SOAPENC_SIMPLE:
        parts.append(
            f'<xs:complexType name="{name}"><xs:simpleContent><xs:extension base="xs:{name}">'
            '<xs:attributeGroup ref="tns:commonAttributes"/></xs:extension></xs:simpleContent></xs:complexType>'
            f'<xs:element name="{name}" type="tns:{name}"/>'
        )
    return "".join(parts)


SOAP_ENCODING_SCHEMA = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{SOAP_ENCODING}"
    targetNamespace="{SOAP_ENCODING}">
  <xs:attribute name="root"><xs:simpleType><xs:restriction base="xs:boolean">
    <xs:pattern value="0|1"/></xs:restriction></xs:simpleType></xs:attribute>
  <xs:attributeGroup name="commonAttributes">
    <xs:attribute name="id" type="xs:ID"/>
    <xs:attribute name="href" type="xs:anyURI"/>
    <xs:anyAttribute namespace="##other" processContents="lax"/>
  </xs:attributeGroup>
  <xs:simpleType name="arrayCoordinate"><xs:restriction base="xs:string"/></xs:simpleType>
  <xs:attribute name="arrayType" type="xs:string"/>
  <xs:attribute name="offset" type="tns:arrayCoordinate"/>
  <xs:attributeGroup name="arrayAttributes">
    <xs:attribute ref="tns:arrayType"/>
    <xs:attribute ref="tns:offset"/>
  </xs:attributeGroup>
  <xs:attribute name="position" type="tns:arrayCoordinate"/>
  <xs:attributeGroup name="arrayMemberAttributes">
    <xs:attribute ref="tns:position"/>
  </xs:attributeGroup>
  <xs:group name="Array">
    <xs:sequence>
      <xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="lax"/>
    </xs:sequence>
  </xs:group>
  <xs:element name="Array" type="tns:Array"/>
  <xs:complexType name="Array">
    <xs:group ref="tns:Array" minOccurs="0"/>
    <xs:attributeGroup ref="tns:arrayAttributes"/>
    <xs:attributeGroup ref="tns:commonAttributes"/>
  </xs:complexType>
  <xs:element name="Struct" type="tns:Struct"/>
  <xs:group name="Struct">
    <xs:sequence>
      <xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="lax"/>
    </xs:sequence>
  </xs:group>
  <xs:complexType name="Struct">
    <xs:group ref="tns:Struct" minOccurs="0"/>
    <xs:attributeGroup ref="tns:commonAttributes"/>
  </xs:complexType>
  <xs:simpleType name="base64"><xs:restriction base="xs:base64Binary"/></xs:simpleType>
  {_soapenc_simple()}
</xs:schema>"""

SOAP12_ENCODING_SCHEMA = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{SOAP12_ENCODING}"
    targetNamespace="{SOAP12_ENCODING}">
  <xs:attribute name="id" type="xs:ID"/>
  <xs:attribute name="ref" type="xs:IDREF"/>
  <xs:attribute name="nodeType"><xs:simpleType><xs:restriction base="xs:token">
    <xs:enumeration value="simple"/><xs:enumeration value="struct"/><xs:enumeration value="array"/>
  </xs:restriction></xs:simpleType></xs:attribute>
  <xs:attribute name="itemType" type="xs:QName"/>
  <xs:attribute name="arraySize"><xs:simpleType><xs:restriction base="xs:string">
    <xs:pattern value="(\\*|(\\d+))(\\s+\\d+)*"/></xs:restriction></xs:simpleType></xs:attribute>
  <xs:attributeGroup name="commonAttributes">
    <xs:attribute ref="tns:id"/>
    <xs:attribute ref="tns:ref"/>
    <xs:anyAttribute namespace="##other" processContents="lax"/>
  </xs:attributeGroup>
  <xs:complexType name="Array">
    <xs:sequence><xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="lax"/></xs:sequence>
    <xs:attribute ref="tns:arraySize"/>
    <xs:attribute ref="tns:itemType"/>
    <xs:attributeGroup ref="tns:commonAttributes"/>
  </xs:complexType>
  <xs:complexType name="Struct">
    <xs:sequence><xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="lax"/></xs:sequence>
    <xs:attributeGroup ref="tns:commonAttributes"/>
  </xs:complexType>
</xs:schema>"""

# Only what schemas use of the WSDL namespace: the arrayType annotation on soapenc:Array restrictions.
WSDL_SCHEMA = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{WSDL}">
  <xs:attribute name="arrayType" type="xs:string"/>
  <xs:attribute name="required" type="xs:boolean"/>
</xs:schema>"""

XML_SCHEMA = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{XML}">
  <xs:attribute name="lang"><xs:simpleType><xs:union memberTypes="xs:language">
    <xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value=""/></xs:restriction></xs:simpleType>
  </xs:union></xs:simpleType></xs:attribute>
  <xs:attribute name="space"><xs:simpleType><xs:restriction base="xs:NCName">
    <xs:enumeration value="default"/><xs:enumeration value="preserve"/>
  </xs:restriction></xs:simpleType></xs:attribute>
  <xs:attribute name="base" type="xs:anyURI"/>
  <xs:attribute name="id" type="xs:ID"/>
  <xs:attributeGroup name="specialAttrs">
    <xs:attribute ref="xml:base"/>
    <xs:attribute ref="xml:lang"/>
    <xs:attribute ref="xml:space"/>
    <xs:attribute ref="xml:id"/>
  </xs:attributeGroup>
</xs:schema>"""

XMIME_SCHEMA = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xmime="{XMIME}"
    targetNamespace="{XMIME}">
  <xs:attribute name="contentType"><xs:simpleType><xs:restriction base="xs:string">
    <xs:minLength value="3"/></xs:restriction></xs:simpleType></xs:attribute>
  <xs:attribute name="expectedContentTypes" type="xs:string"/>
  <xs:complexType name="base64Binary"><xs:simpleContent><xs:extension base="xs:base64Binary">
    <xs:attribute ref="xmime:contentType"/></xs:extension></xs:simpleContent></xs:complexType>
  <xs:complexType name="hexBinary"><xs:simpleContent><xs:extension base="xs:hexBinary">
    <xs:attribute ref="xmime:contentType"/></xs:extension></xs:simpleContent></xs:complexType>
</xs:schema>"""

BUILTIN_SCHEMAS: dict[str, str] = {
    SOAP_ENCODING: SOAP_ENCODING_SCHEMA,
    SOAP12_ENCODING: SOAP12_ENCODING_SCHEMA,
    WSDL: WSDL_SCHEMA,
    XML: XML_SCHEMA,
    XMIME: XMIME_SCHEMA,
}

# The built-in simple types of XML Schema 1.0 (plus anyType/anySimpleType), by local name.
XSD_BUILTIN_TYPES = frozenset(
    {
        "anyType", "anySimpleType", "string", "normalizedString", "token", "language", "Name", "NCName", "ID",
        "IDREF", "IDREFS", "ENTITY", "ENTITIES", "NMTOKEN", "NMTOKENS", "anyURI", "QName", "NOTATION", "boolean",
        "decimal", "integer", "nonPositiveInteger", "negativeInteger", "long", "int", "short", "byte",
        "nonNegativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "positiveInteger",
        "float", "double", "duration", "dateTime", "date", "time", "gYear", "gYearMonth", "gMonth", "gDay",
        "gMonthDay", "base64Binary", "hexBinary",
    }
)  # fmt: skip

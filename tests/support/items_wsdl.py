"""A small document/literal WSDL with one entity, ``Item`` (``itemId``, ``label``, optional ``size``), and the
operations a test names: what the workspace's crm lacks for a whole state round trip (an update and a delete
with a declared ``ItemNotFound`` fault), in the spelling the test wants (``AddItem``, ``getItem``, ...)."""

from __future__ import annotations

__all__ = ["items_wsdl"]

_ENTITY = '<xs:element name="item" type="tns:Item"/>'
_ID = '<xs:element name="itemId" type="xs:string"/>'
_LABEL = '<xs:element name="label" type="xs:string"/>'
_SIZE = '<xs:element name="size" type="xs:int" minOccurs="0"/>'
# operation kind -> (request members, response members, whether it declares ItemNotFound)
_SHAPES = {
    "create": (_LABEL + _SIZE, _ENTITY, False),
    "read": (_ID, _ENTITY, True),
    "update": (_ID + _LABEL + _SIZE, _ENTITY, True),
    "delete": (_ID, '<xs:element name="ok" type="xs:boolean"/>', True),
    "list": ("", '<xs:element name="item" type="tns:Item" minOccurs="0" maxOccurs="unbounded"/>', False),
}


def items_wsdl(
    *,
    create: str = "AddItem",
    read: str = "FindItemById",
    update: str | None = None,
    delete: str | None = "RemoveItem",
    list_: str | None = "ListItems",
) -> str:
    """The WSDL text with these operations (None: left out); namespace and SOAPAction prefix ``urn:items``."""
    names = {"create": create, "read": read, "update": update, "delete": delete, "list": list_}
    operations = [(kind, name) for kind, name in names.items() if name is not None]
    elements, messages, port_ops, bound = [], [], [], []
    fault = '<fault name="ItemNotFound" message="tns:NotFound"/>'
    bound_fault = '<fault name="ItemNotFound"><soap:fault name="ItemNotFound" use="literal"/></fault>'
    for kind, name in operations:
        request, response, not_found = _SHAPES[kind]
        elements.append(
            f'<xs:element name="{name}Request"><xs:complexType><xs:sequence>{request}</xs:sequence>'
            f'</xs:complexType></xs:element><xs:element name="{name}Response"><xs:complexType><xs:sequence>'
            f"{response}</xs:sequence></xs:complexType></xs:element>"
        )
        messages.append(
            f'<message name="{name}In"><part name="p" element="tns:{name}Request"/></message>'
            f'<message name="{name}Out"><part name="p" element="tns:{name}Response"/></message>'
        )
        port_ops.append(
            f'<operation name="{name}"><input message="tns:{name}In"/><output message="tns:{name}Out"/>'
            f"{fault if not_found else ''}</operation>"
        )
        bound.append(
            f'<operation name="{name}"><soap:operation soapAction="urn:items/{name}"/>'
            '<input><soap:body use="literal"/></input><output><soap:body use="literal"/></output>'
            f"{bound_fault if not_found else ''}</operation>"
        )
    return f"""<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:items" targetNamespace="urn:items">
  <types><xs:schema targetNamespace="urn:items" elementFormDefault="qualified">
    <xs:complexType name="Item"><xs:sequence>{_ID}{_LABEL}{_SIZE}</xs:sequence></xs:complexType>
    <xs:element name="ItemNotFound"><xs:complexType><xs:sequence>{_ID}</xs:sequence></xs:complexType></xs:element>
    {"".join(elements)}
  </xs:schema></types>
  {"".join(messages)}
  <message name="NotFound"><part name="f" element="tns:ItemNotFound"/></message>
  <portType name="Items">{"".join(port_ops)}</portType>
  <binding name="ItemsSoap" type="tns:Items">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>{"".join(bound)}
  </binding>
  <service name="ItemsService"><port name="ItemsPort" binding="tns:ItemsSoap">
    <soap:address location="https://items.example.com/soap/v1"/></port></service>
</definitions>
"""

"""Every namespace an answer may use gets a prefix of its own on the root, even where the WSDL spells another
namespace with the prefix ctk would make up (``ns1``): two namespaces never share one."""

from __future__ import annotations

import random
from pathlib import Path

from lxml import etree

from toolkit.load import load_contract
from toolkit.soap.generate.generator import XsdGenerator
from toolkit.soap.load import SoapContract

# urn:a is spelled ns1 by the WSDL; urn:b (second, so "ns1" by ctk's numbering) is spelled nowhere
WSDL = """<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:ns1="urn:a" targetNamespace="urn:a">
  <types>
    <xs:schema targetNamespace="urn:a" elementFormDefault="qualified">
      <xs:element name="A"><xs:complexType><xs:sequence><xs:element name="x" type="xs:string"/>
      </xs:sequence></xs:complexType></xs:element>
    </xs:schema>
    <xs:schema targetNamespace="urn:b" elementFormDefault="qualified">
      <xs:element name="B"><xs:complexType><xs:sequence><xs:element name="y" type="xs:int"/>
      </xs:sequence></xs:complexType></xs:element>
    </xs:schema>
  </types>
</definitions>
"""


def test_two_namespaces_never_share_a_prefix_and_both_are_written_as_text(tmp_path: Path) -> None:
    path = tmp_path / "prefixes.wsdl"
    path.write_text(WSDL)
    contract = load_contract(path)
    assert isinstance(contract, SoapContract) and contract.definitions is not None
    generator = XsdGenerator(contract.definitions, seed=1)
    prefixes = generator._prefixes
    assert prefixes["urn:a"] == "ns1"  # the WSDL's own spelling kept
    assert len(set(prefixes.values())) == len(prefixes)
    for name in ("{urn:a}A", "{urn:b}B"):
        text = generator.text(name, random.Random(3))
        assert text is not None, name  # every namespace declared on the root: written as text
        tree = generator.element(name, random.Random(3))
        assert text == etree.tostring(tree).decode()
        assert etree.fromstring(text.encode()).tag == name

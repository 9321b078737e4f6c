"""Generated content writers (``soap/generate/writers.py``) write the bytes the generic walk writes.

For every global element of the workspace, the tricky and realism WSDLs and the corpus (skipped when
../shared/corpus is absent: then only the first three), many seeds, with and without echoed values, and under
tight limits (the size limit reached mid-answer, optional parts cut at half of it, shallow depth limits),
``XsdGenerator.text`` gives the same text, or raises the same error, with the writers as without them.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

from tests.soap.test_fast_answers import _contracts
from tests.support.soap_conformance import CORPUS
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.load import load_contract
from toolkit.soap.generate import writers
from toolkit.soap.generate.generator import XsdGenerator
from toolkit.soap.generate.nodes import TypeGen
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.envelope import leaf_values

SEEDS = 10
VARIED_SEEDS = 80


TNS = "urn:example:writers"
# What the generated code writes itself: optional, required, fixed and prohibited attributes on a type with element
# content, optional and required leaves (echoable, patterned, fixed, needing escapes), a nested complex child, a
# child whose content may all be left out (<x/>), an abstract type's child (xsi:type: generic), a nillable
# recursion reaching the depth limits, a nested sequence, a repeated child and a choice (generic).
VARIED = f"""<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="{TNS}" targetNamespace="{TNS}">
  <types>
    <xs:schema targetNamespace="{TNS}" elementFormDefault="qualified" attributeFormDefault="qualified">
      <xs:simpleType name="Code"><xs:restriction base="xs:string"><xs:pattern value="[A-Z]{{3}}-[0-9]{{2}}"/>
      </xs:restriction></xs:simpleType>
      <xs:simpleType name="Odd"><xs:restriction base="xs:string">
        <xs:enumeration value="a&amp;b"/><xs:enumeration value="&lt;c&gt;"/></xs:restriction></xs:simpleType>
      <xs:complexType name="Base" abstract="true"><xs:sequence><xs:element name="label" type="xs:string"/>
      </xs:sequence></xs:complexType>
      <xs:complexType name="Derived"><xs:complexContent><xs:extension base="tns:Base"><xs:sequence>
        <xs:element name="size" type="xs:int"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>
      <xs:complexType name="Maybe"><xs:sequence><xs:element name="note" type="xs:string" minOccurs="0"/>
        <xs:element name="extra" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType>
      <xs:complexType name="Chain"><xs:sequence><xs:element name="id" type="tns:Code" minOccurs="0"/>
        <xs:element name="next" type="tns:Chain" nillable="true"/></xs:sequence></xs:complexType>
      <xs:complexType name="Item">
        <xs:sequence>
          <xs:element name="id" type="tns:Code"/>
          <xs:element name="name" type="xs:string"/>
          <xs:element name="odd" type="tns:Odd" minOccurs="0"/>
          <xs:element name="version" type="xs:string" fixed="1.0"/>
          <xs:element name="amount" type="xs:decimal" minOccurs="0"/>
          <xs:sequence><xs:element name="city" type="xs:string"/><xs:element name="zip" type="xs:string"
            minOccurs="0"/></xs:sequence>
          <xs:element name="maybe" type="tns:Maybe"/>
          <xs:element name="shape" type="tns:Base" minOccurs="0"/>
          <xs:element name="tag" type="xs:string" maxOccurs="3"/>
          <xs:choice><xs:element name="left" type="xs:date"/><xs:element name="right" type="xs:boolean"/></xs:choice>
        </xs:sequence>
        <xs:attribute name="status" type="tns:Odd" use="required"/>
        <xs:attribute name="region" type="tns:Code"/>
        <xs:attribute name="kind" type="xs:string" fixed="a &quot;b&quot;"/>
        <xs:attribute name="never" type="xs:string" use="prohibited"/>
      </xs:complexType>
      <xs:element name="Order"><xs:complexType><xs:sequence>
        <xs:element name="item" type="tns:Item"/><xs:element name="other" type="tns:Item" minOccurs="0"/>
        <xs:element name="chain" type="tns:Chain"/>
      </xs:sequence><xs:attribute name="ref" type="xs:string"/></xs:complexType></xs:element>
    </xs:schema>
  </types>
</definitions>
"""


@pytest.fixture(scope="module")
def contracts(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, SoapContract]]:
    tmp = tmp_path_factory.mktemp("compiled_writers")
    (tmp / "varied.wsdl").write_text(VARIED)
    varied = load_contract(tmp / "varied.wsdl")
    assert isinstance(varied, SoapContract)
    return [("varied", varied), *_contracts(tmp)]


class _OtherRandom(random.Random):
    """An rng that is not a ``random.Random`` itself: the generated code calls the plans (no picks inline)."""


def _text(
    generator: XsdGenerator, name: str, seed: int, echoes: dict[str, str], compiled: bool, rng: type = random.Random
) -> object:
    generator.compiled_writers = compiled
    try:
        return generator.text(name, rng(seed), overrides=echoes)
    except Exception as error:  # noqa: BLE001 - the same error either way
        return (type(error), str(error))


def _generated(generator: XsdGenerator) -> int:
    """How many generated writers the generator's types hold (not the generic ``write`` they fall back to)."""
    return sum(
        1
        for type_gen in generator._compiler.types.values()
        if isinstance(type_gen, TypeGen) and type_gen._writers
        for writer in type_gen._writers.values()
        if writer is not None and getattr(writer, "__code__", None) is not None
        and writer.__code__.co_filename.startswith("<ctk soap writer")
    )  # fmt: skip


def _compare(generator: XsdGenerator, label: str) -> tuple[int, int]:
    """(texts compared, of which errors) over every element and seed, with echoes from another draw."""
    compared = errors = 0
    for name in generator.names:
        echoes: dict[str, str] = {}
        for seed in range(VARIED_SEEDS if label == "varied" else SEEDS):
            slow = _text(generator, name, seed, echoes, compiled=False)
            fast = _text(generator, name, seed, echoes, compiled=True)
            assert fast == slow, (label, name, seed)
            if seed % 3 == 0:
                assert _text(generator, name, seed, echoes, compiled=True, rng=_OtherRandom) == slow, (label, name)
            compared += 1
            errors += isinstance(slow, tuple)
            if isinstance(slow, str) and seed % 2:  # the next draws echo this one's leaves (valid for them)
                echoes = leaf_values((etree.fromstring(slow.encode()),))
    return compared, errors


def test_generated_writers_write_what_the_generic_walk_writes(contracts: list[tuple[str, SoapContract]]) -> None:
    compared = generated = 0
    for label, contract in contracts:
        generator = XsdGenerator(contract.definitions, seed=3)  # type: ignore[arg-type]
        generator.check_every_answer = True  # a sampled check must not hide a difference behind None
        count, _ = _compare(generator, label)
        compared += count
        generated += _generated(generator)
    assert compared > 100
    assert generated > 10  # the writers were made and used, not only the generic walk


@pytest.mark.parametrize(
    "limits",
    [
        Limits(max_generated_bytes=600),  # optional parts cut past 300 characters, the limit reached mid-answer
        Limits(max_generated_bytes=2_000, max_generation_depth=2),
        Limits(max_generation_depth=3),
        Limits(max_occurs=0),
        Limits(max_string_length=4),
    ],
    ids=["small-answers", "shallow-small", "shallow", "no-occurrences", "short-strings"],
)
def test_generated_writers_keep_the_limits(contracts: list[tuple[str, SoapContract]], limits: Limits) -> None:
    compared = 0
    for label, contract in contracts[:4]:
        generator = XsdGenerator(contract.definitions, seed=5, limits=limits)  # type: ignore[arg-type]
        generator.check_every_answer = True
        count, _ = _compare(generator, label)
        compared += count
    assert compared > 20


def test_the_corpus_is_compared_when_present(contracts: list[tuple[str, SoapContract]]) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}: only the workspace, tricky and realism WSDLs are compared")
    assert len(contracts) > 5


def test_a_type_gets_generated_writers_for_a_bounded_number_of_owners(tmp_path: Path) -> None:
    owners = writers.MAX_OWNERS + 8
    elements = "".join(f'<xs:element name="e{n}" type="tns:T"/>' for n in range(owners))
    wsdl = f"""<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="urn:owners" targetNamespace="urn:owners">
  <types><xs:schema targetNamespace="urn:owners" elementFormDefault="qualified">
    <xs:complexType name="T"><xs:sequence><xs:element name="name" type="xs:string"/>
      <xs:element name="note" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType>
    <xs:element name="Root"><xs:complexType><xs:sequence>{elements}</xs:sequence></xs:complexType></xs:element>
  </xs:schema></types>
</definitions>"""
    path = tmp_path / "owners.wsdl"
    path.write_text(wsdl)
    contract = load_contract(path)
    assert isinstance(contract, SoapContract)
    generator = XsdGenerator(contract.definitions, seed=1)  # type: ignore[arg-type]
    name = "{urn:owners}Root"
    for seed in range(4):
        slow = _text(generator, name, seed, {}, compiled=False)
        assert _text(generator, name, seed, {}, compiled=True) == slow
    type_gen = generator._compiler.types["{urn:owners}T"]
    assert isinstance(type_gen, TypeGen) and type_gen._writers is not None
    assert len(type_gen._writers) == writers.MAX_OWNERS
    assert DEFAULT_LIMITS.max_occurs >= 1


def test_a_planned_value_its_pattern_refuses_is_refused_by_the_generated_code_too(
    contracts: list[tuple[str, SoapContract]],
) -> None:
    """Plans draw values their pattern accepts; were one not to, both ways raise the same error (``vet``)."""
    generator = XsdGenerator(dict(contracts)["varied"].definitions, seed=2)  # type: ignore[arg-type]
    name = f"{{{TNS}}}Order"
    assert isinstance(_text(generator, name, 0, {}, compiled=True), str)  # the types compiled and planned
    code = generator._compiler.simple_types[f"{{{TNS}}}Code"]
    assert code._plans is not None and ("id", "item") in code._plans and ("region", "item") in code._plans
    code._plans[("id", "item")] = code._plans[("region", "item")] = lambda rng: "not-a-code"
    for seed in range(1, 4):  # the second sighting makes the writers, with the planted plans bound
        slow = _text(generator, name, seed, {}, compiled=False)
        assert isinstance(slow, tuple) and "not-a-code" in slow[1]
        assert _text(generator, name, seed, {}, compiled=True) == slow
    assert _generated(generator) > 0

"""The SOAP mock's answers written as text (``XsdGenerator.text``) are the answers the tree path gives.

The tree path (``XsdGenerator.element``: lxml elements, each validated, serialized in an envelope) is the
reference: for every global element of the workspace and corpus WSDLs and many seeds, the text written is
byte for byte the tree drawn from the same rng state, serialized, and valid by the XSD validator; the mock's
whole answers (echoes included) are those of the tree path; an instance that a sampled check finds invalid
is answered by the tree path instead (which draws again), and every later one of that element too.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

from tests.soap.test_realism import WSDL as REALISM_WSDL
from tests.support.soap_conformance import targets
from toolkit.exchange import Request
from toolkit.load import load_contract
from toolkit.regex_strings import regex_generator
from toolkit.soap.generate import nodes
from toolkit.soap.generate.generator import XsdGenerator, _strict_part
from toolkit.soap.generate.pattern_draws import fast_drawer
from toolkit.soap.generate.xmltext import unwritable
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.envelope import build_envelope, envelope_text
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions

SEEDS = 12
TNS = "urn:example:fast"
# Constructs the writer must serialize exactly as lxml: mixed content, empty and attribute-only elements,
# values and fixed attributes that need escaping, substitution groups, abstract types (xsi:type), nil at the
# depth limit of a required recursion, a choice, a strict wildcard, a lax one; and one whose wildcard element
# is in a namespace the root does not declare (lxml declares it where it is used: built as a tree).
TRICKY = f"""<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{TNS}" targetNamespace="{TNS}">
  <types>
    <xs:schema targetNamespace="{TNS}" elementFormDefault="qualified">
      <xs:simpleType name="Odd"><xs:restriction base="xs:string">
        <xs:enumeration value="a&amp;b"/><xs:enumeration value="&lt;tag&gt;"/>
        <xs:enumeration value="say &quot;hi&quot;"/><xs:enumeration value="cr&#13;lf&#10;tab&#9;"/>
      </xs:restriction></xs:simpleType>
      <xs:complexType name="Shape" abstract="true"><xs:sequence>
        <xs:element name="label" type="tns:Odd"/></xs:sequence></xs:complexType>
      <xs:complexType name="Circle"><xs:complexContent><xs:extension base="tns:Shape"><xs:sequence>
        <xs:element name="radius" type="xs:decimal"/></xs:sequence></xs:extension></xs:complexContent>
      </xs:complexType>
      <xs:complexType name="Square"><xs:complexContent><xs:extension base="tns:Shape"><xs:sequence>
        <xs:element name="side" type="xs:int"/></xs:sequence></xs:extension></xs:complexContent>
      </xs:complexType>
      <xs:complexType name="Node"><xs:sequence>
        <xs:element name="value" type="xs:string" minOccurs="0"/>
        <xs:element name="next" type="tns:Node" nillable="true"/>
      </xs:sequence></xs:complexType>
      <xs:element name="Vehicle" type="xs:string" abstract="true"/>
      <xs:element name="Car" type="xs:string" substitutionGroup="tns:Vehicle"/>
      <xs:element name="Bike" type="xs:string" substitutionGroup="tns:Vehicle"/>
      <xs:element name="Note" type="tns:Odd"/>
      <xs:element name="Everything">
        <xs:complexType mixed="true">
          <xs:sequence>
            <xs:element name="empty"><xs:complexType/></xs:element>
            <xs:element name="flagged"><xs:complexType>
              <xs:attribute name="why" type="xs:string" fixed="a &quot;quoted&quot; &amp; &lt;odd&gt; one"/>
              <xs:attribute name="odd" type="tns:Odd" use="required"/>
            </xs:complexType></xs:element>
            <xs:element name="priced"><xs:complexType><xs:simpleContent>
              <xs:extension base="xs:decimal"><xs:attribute name="currency" type="xs:string"/></xs:extension>
            </xs:simpleContent></xs:complexType></xs:element>
            <xs:element name="odd" type="tns:Odd" maxOccurs="3"/>
            <xs:element name="shape" type="tns:Shape"/>
            <xs:element ref="tns:Vehicle" maxOccurs="2"/>
            <xs:element name="chain" type="tns:Node"/>
            <xs:choice><xs:element name="left" type="xs:date"/><xs:element name="right" type="xs:boolean"/></xs:choice>
            <xs:any namespace="##targetNamespace" processContents="strict" minOccurs="1"/>
            <xs:element name="anything" minOccurs="0"><xs:complexType><xs:sequence>
              <xs:any namespace="##local" processContents="lax"/></xs:sequence></xs:complexType></xs:element>
            <xs:element name="amount" type="xs:long"/>
            <xs:element name="amountCaptured" type="xs:long"/>
            <xs:element name="created" type="xs:dateTime"/>
            <xs:element name="updated" type="xs:dateTime"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
    </xs:schema>
    <xs:schema targetNamespace="urn:example:fast:else" elementFormDefault="qualified">
      <xs:element name="Elsewhere"><xs:complexType><xs:sequence>
        <xs:any namespace="##other" processContents="lax"/></xs:sequence></xs:complexType></xs:element>
    </xs:schema>
  </types>
  <message name="In"><part name="parameters" element="tns:Note"/></message>
  <message name="Out"><part name="parameters" element="tns:Everything"/></message>
  <portType name="P"><operation name="Get"><input message="tns:In"/><output message="tns:Out"/></operation></portType>
  <binding name="B" type="tns:P">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
    <operation name="Get"><soap:operation soapAction="urn:Get"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="S"><port name="Port" binding="tns:B"><soap:address location="http://localhost/s"/></port></service>
</definitions>
"""


def _written(tmp: Path, name: str, text: str) -> SoapContract:
    path = tmp / name
    path.write_text(text)
    loaded = load_contract(path)
    assert isinstance(loaded, SoapContract)
    return loaded


def _contracts(tmp: Path) -> list[tuple[str, SoapContract]]:
    found = [("tricky", _written(tmp, "tricky.wsdl", TRICKY)), ("realism", _written(tmp, "realism.wsdl", REALISM_WSDL))]
    for label, path, mirrors in targets():
        try:
            loaded = load_contract(path, mirrors=mirrors) if mirrors else load_contract(path)
        except Exception:  # noqa: BLE001 - only a WSDL that needs the network fails to load (test_zeep says so)
            continue
        assert isinstance(loaded, SoapContract)
        found.append((label, loaded))
    return found


@pytest.fixture(scope="module")
def mocks(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, SoapMock]]:
    tmp = tmp_path_factory.mktemp("fast_answers")
    return [(label, SoapMock(contract, SoapMockOptions(seed=3, mount="/crm" if label.startswith("crm") else None)))
            for label, contract in _contracts(tmp)]  # fmt: skip


def test_the_text_written_is_the_tree_drawn_from_the_same_rng_serialized_and_valid(
    mocks: list[tuple[str, SoapMock]],
) -> None:
    written = trees = 0
    for label, mock in mocks:
        generator = mock.generator
        generator.check_every_answer = True  # a sampled check failing would hide a difference behind the tree path
        for name in generator.names:
            decl = generator._compiler.global_element(name)
            assert decl is not None
            for seed in range(SEEDS):
                try:
                    tree = generator._draw(decl, random.Random(seed), {}, minimal=False)
                except Exception as error:  # the writer raises the same error
                    with pytest.raises(type(error)):
                        text = generator.text(name, random.Random(seed))
                        assert text is None  # a tree-only part is found before any draw
                        raise error
                    continue
                text = generator.text(name, random.Random(seed))
                if text is None:
                    assert generator._writable[name] is False, (label, name, seed)
                    trees += 1
                    continue
                written += 1
                assert text == etree.tostring(tree).decode(), (label, name, seed)
                violations = _strict_part(generator.validator.validate(tree, patterns=False), tree, [])
                assert violations == [], (label, name, seed, violations)
    assert written > 20 * trees  # nearly every element of every WSDL is written as text


def test_mixed_content_escaping_substitutions_xsi_type_nil_and_coherence_are_written(
    mocks: list[tuple[str, SoapMock]],
) -> None:
    generator = dict(mocks)["tricky"].generator
    texts = [generator.text(f"{{{TNS}}}Everything", random.Random(seed)) for seed in range(60)]
    assert all(text is not None for text in texts)
    joined = "".join(text or "" for text in texts)
    for needle in ('xsi:type="tns:Circle"', 'xsi:type="tns:Square"', 'xsi:nil="true"/>', "<tns:empty/>",
                   "&amp;b", "&lt;tag&gt;", "&quot;hi&quot;", "&#13;", "<tns:Car>", "<tns:Bike>"):  # fmt: skip
        assert needle in joined, needle
    assert any(not text.split(">", 1)[1].startswith("<") for text in texts if text)  # mixed text, sometimes
    assert "<extension>" in joined
    assert generator.text("{urn:example:fast:else}Elsewhere", random.Random(0)) is None


def test_the_mock_answers_the_same_bytes_as_the_tree_path(
    mocks: list[tuple[str, SoapMock]], monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = dict(mocks)["crm/v1"]
    ops = [("GetAccount", "<GetAccountRequest xmlns='urn:example:crm:types'><id>001A{:014d}</id></GetAccountRequest>"),
           ("ListContacts", "<ListContactsRequest xmlns='urn:example:crm:types'><accountId>001A{:014d}</accountId>"
                            "</ListContactsRequest>"),
           ("SearchAccounts", "<SearchAccountsRequest xmlns='urn:example:crm:types'><query>acme {}</query>"
                              "</SearchAccountsRequest>")]  # fmt: skip

    def answers() -> list[bytes]:
        out = []
        for action, body in ops:
            for n in range(25):
                for version, namespace, content_type in (
                    ("1.1", "http://schemas.xmlsoap.org/soap/envelope/", "text/xml; charset=utf-8"),
                    ("1.2", "http://www.w3.org/2003/05/soap-envelope", "application/soap+xml; charset=utf-8"),
                ):
                    envelope = f"<e:Envelope xmlns:e='{namespace}'><e:Body>{body.format(n)}</e:Body></e:Envelope>"
                    headers = (("content-type", content_type), ("soapaction", f"urn:example:crm/{action}"))
                    result = crm.answer(Request("POST", "/crm", "", headers, envelope.encode()))
                    assert result.response.status == 200, (version, result.response.body[:300])
                    out.append(result.response.body)
        return out

    fast = answers()
    assert crm.generator._written  # the text path answered them
    monkeypatch.setattr(SoapMock, "_written", lambda *args: None)
    assert answers() == fast
    assert b"001A00000000000007" in b"".join(fast)  # the requested id is echoed into the answer


def test_an_instance_the_sampled_check_finds_invalid_is_answered_by_the_tree_path(
    mocks: list[tuple[str, SoapMock]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that broke validity is caught by the checks of an element's first answers: the answer is the
    tree path's (valid), and that element's later answers are built as trees too."""
    label, contract = "crm/v1", dict(mocks)["crm/v1"].contract
    mock = SoapMock(contract, SoapMockOptions(seed=3, mount="/crm"))
    real = nodes.ElementDecl.write_one

    def broken(self: nodes.ElementDecl, draw: nodes.Draw, out: list[str], *args: object) -> None:
        real(self, draw, out, *args)  # type: ignore[arg-type]
        if self.tag.endswith("}industry"):
            out.append("<crm:planted/>")

    monkeypatch.setattr(nodes.ElementDecl, "write_one", broken)
    envelope = (
        "<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body><GetAccountRequest "
        "xmlns='urn:example:crm:types'><id>001A{:014d}</id></GetAccountRequest></e:Body></e:Envelope>"
    )
    headers = (("content-type", "text/xml"), ("soapaction", "urn:example:crm/GetAccount"))
    name = "{urn:example:crm:types}GetAccountResponse"
    for n in range(40):
        body = mock.answer(Request("POST", "/crm", "", headers, envelope.format(n).encode())).response.body
        assert b"planted" not in body, (label, n)
        if mock.generator._writable.get(name) is False:
            break
    assert mock.generator._writable[name] is False


def test_the_envelope_written_as_text_is_the_one_built_as_a_tree() -> None:
    block = '<h:Session xmlns:h="urn:h">1&amp;2</h:Session>'
    element = '<b:Answer xmlns:b="urn:b"><b:x/></b:Answer>'
    for version in ("1.1", "1.2"):
        for body, headers in (([element], []), ([element, element], [block]), ([], []), ([], [block])):
            trees = [etree.fromstring(text) for text in body]
            blocks = [etree.fromstring(text) for text in headers]
            assert envelope_text(version, body, headers) == build_envelope(version, trees, blocks)


def test_value_plans_draw_the_values_draw_would(
    mocks: list[tuple[str, SoapMock]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plans (``plans.value_plan``) make the leaves' choices once: with them or without, the same instances."""

    def instances(with_plans: bool) -> list[str]:
        out = []
        for _, mock in mocks:
            generator = XsdGenerator(mock.contract.definitions, seed=5)  # type: ignore[arg-type]
            for name in generator.names:
                for seed in range(6):
                    try:
                        element = generator.element(name, random.Random(seed), overrides={"id": "A1", "city": "Oslo"})
                        out.append(etree.tostring(element).decode())
                    except Exception as error:  # noqa: BLE001 - the same error either way
                        out.append(f"{type(error).__name__}: {error}")
        return out

    planned = instances(True)
    monkeypatch.setattr(nodes, "value_plan", lambda *args: None)
    assert instances(False) == planned


def test_text_lxml_refuses_is_found_by_unwritable() -> None:
    """``unwritable`` says what lxml says: the answer is then built as a tree, where lxml refuses it as before."""
    samples = [chr(code) for code in (*range(0, 0x80), 0x85, 0xA0, 0xD7FF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000,
                                      0x10FFFF)] + ["\ud800", "\udfff", "a\x00b", "é"]  # fmt: skip
    for text in samples:
        try:
            etree.Element("a").text = text
            refused = False
        except ValueError:
            refused = True
        assert unwritable(text) == refused, repr(text)


@pytest.mark.parametrize(
    "pattern",
    [r"[A-Za-z0-9]{18}", r"\+?[0-9 ().\-]{3,40}", r"[^@\s]+@[^@\s]+\.[^@\s]+", r"[A-Z]{2}", r"(ab|cd)+x?",
     r"\d{3}-\d{4}", r"[^a]", r"a.b", r"(?:x|y){2,}", r"\w+\s\W", r"^[a-z](?=x)?$", r"[]", r"(a)\1"],
)  # fmt: skip
def test_a_fast_pattern_drawer_makes_regex_strings_draws(pattern: str) -> None:
    """The same strings and the same rng state after, or no fast drawer (a back-reference, a long draw)."""
    drawer, generator = fast_drawer(pattern, 1000), regex_generator(pattern, 1000)
    if pattern in (r"(a)\1", r"[]"):
        assert drawer is None
        return
    assert drawer is not None and generator is not None
    for seed in range(200):
        fast, slow = random.Random(seed), random.Random(seed)
        assert drawer(fast) == generator(slow)
        assert fast.getstate() == slow.getstate()
    assert fast_drawer(r"[a-z]{500}", 100) is None  # regex_strings cuts that draw short: it draws it itself


def test_every_value_a_plan_draws_is_accepted_by_its_type(mocks: list[tuple[str, SoapMock]]) -> None:
    """Plans skip ``accepts`` where they show it cannot fail (plain strings, dates, checked pools, numbers in
    bounds): drawn many times, each of those values is accepted all the same."""
    planned = 0
    for _, mock in mocks:
        generator = mock.generator
        for name in generator.names[:40]:
            for seed in range(3):
                generator.text(name, random.Random(seed))
        compiler = generator._compiler
        types = [*compiler.simple_types.values(), *(t.simple for t in compiler.types.values() if t.simple)]
        for simple in types:
            for plan in (simple._plans or {}).values():
                if plan is None:
                    continue
                planned += 1
                rng = random.Random(planned)
                for _ in range(30):
                    value = plan(rng)  # type: ignore[operator]
                    assert simple.accepts(value) or simple.has_patterns(), (simple, value)
    assert planned > 50


@pytest.mark.parametrize("check_answers", [True, False])
def test_check_answers_validates_every_answer_written_as_text_not_a_sample(
    mocks: list[tuple[str, SoapMock]], monkeypatch: pytest.MonkeyPatch, check_answers: bool
) -> None:
    contract = dict(mocks)["crm/v1"].contract
    mock = SoapMock(contract, SoapMockOptions(seed=3, mount="/crm", check_answers=check_answers))
    real = nodes.ElementDecl.write_one

    def broken(self: nodes.ElementDecl, draw: nodes.Draw, out: list[str], *args: object) -> None:
        real(self, draw, out, *args)  # type: ignore[arg-type]
        if self.tag.endswith("}industry"):
            out.append("<crm:planted/>")

    monkeypatch.setattr(nodes.ElementDecl, "write_one", broken)
    name = "{urn:example:crm:types}GetAccountResponse"
    mock.generator._written[name] = 1000  # past the first answers checked, and 1001 is no multiple of the sample
    envelope = (
        "<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body><GetAccountRequest "
        "xmlns='urn:example:crm:types'><id>001A00000000000042</id></GetAccountRequest></e:Body></e:Envelope>"
    )
    headers = (("content-type", "text/xml"), ("soapaction", "urn:example:crm/GetAccount"))
    bodies = [mock.answer(Request("POST", "/crm", "", headers, envelope.encode())).response.body for _ in range(3)]
    industry = any(b"industry" in body for body in bodies)
    if check_answers:
        assert industry and not any(b"planted" in body for body in bodies)
    else:
        assert not industry or any(b"planted" in body for body in bodies)  # unchecked: what the writer wrote


def test_echoed_values_needing_escapes_are_written_as_lxml_writes_them(mocks: list[tuple[str, SoapMock]]) -> None:
    """Echoes (request values set into same-named leaves and attributes) with ``& < > " '`` and CR/LF/tab."""
    echoes = {"name": "Ben & Jerry's <x> \"q\"\r\n\t", "city": "a&b", "description": "<tag>", "id": 'a"b&c',
              "Name": "x>y", "value": "1 & 2", "code": '"&"', "status": "Active"}  # fmt: skip
    escaped = 0
    for _, mock in mocks:
        generator = mock.generator
        for name in generator.names:
            decl = generator._compiler.global_element(name)
            assert decl is not None
            for seed in range(3):
                try:
                    tree = etree.tostring(generator._draw(decl, random.Random(seed), echoes, minimal=False)).decode()
                except Exception:  # noqa: BLE001 - errors are compared in the test above
                    continue
                text = generator.text(name, random.Random(seed), overrides=echoes)
                if text is not None:
                    assert text == tree, (name, seed)
                    escaped += "&amp;" in text or "&quot;" in text or "&#13;" in text
    assert escaped > 20

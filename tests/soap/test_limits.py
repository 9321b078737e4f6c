"""The SOAP mock's bounds, module by module: linear-time patterns, counted and capped violations, the
element count of an envelope, generation within ``Limits``, and nothing half-compiled kept after a
failure. The same classes through a real server are in ``tests/hostile/test_soap_hostile.py``."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

from tests.support.cli import ctk
from tests.support.files import schema_wsdl
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.load import load_contract
from toolkit.soap.generate.compiler import Compiler
from toolkit.soap.generate.generator import XsdGenerationError, XsdGenerationLimitError, XsdGenerator
from toolkit.soap.generate.simple_types import SimpleType
from toolkit.soap.lint import lint_soap
from toolkit.soap.load import SoapContract
from toolkit.soap.mock.envelope import EnvelopeError, leaf_values, read_envelope
from toolkit.soap.mock.faults import violation_elements
from toolkit.soap.xml import more_elements_than
from toolkit.soap.xsd.regex import translate
from toolkit.soap.xsd.validate import XsdValidator

NS = "urn:limits"
T = f"{{{NS}}}"
SCHEMA = """
  <xs:complexType name="Item"><xs:sequence><xs:element name="n" type="xs:int"/></xs:sequence></xs:complexType>
  <xs:element name="List"><xs:complexType><xs:sequence>
    <xs:element name="item" type="tns:Item" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
  <xs:element name="Ten"><xs:complexType><xs:sequence>
    <xs:element name="x" type="xs:string" minOccurs="10" maxOccurs="10"/></xs:sequence></xs:complexType></xs:element>
  <xs:element name="Wide"><xs:simpleType><xs:restriction base="xs:string"><xs:length value="50"/>
    </xs:restriction></xs:simpleType></xs:element>
  <xs:element name="Either"><xs:simpleType><xs:union>
    <xs:simpleType><xs:restriction base="xs:string"><xs:minLength value="5000000"/></xs:restriction></xs:simpleType>
    <xs:simpleType><xs:restriction base="xs:int"/></xs:simpleType>
  </xs:union></xs:simpleType></xs:element>
  <xs:element name="Digits"><xs:simpleType><xs:restriction base="xs:integer"><xs:totalDigits value="2000000000"/>
    </xs:restriction></xs:simpleType></xs:element>
  <xs:element name="Held" type="tns:Item"/>
"""


def _contract(tmp_path: Path) -> SoapContract:
    return schema_wsdl(tmp_path, NS, SCHEMA, "limits.wsdl")


def _generator(tmp_path: Path, limits: Limits = DEFAULT_LIMITS) -> XsdGenerator:
    definitions = _contract(tmp_path).definitions
    assert definitions is not None
    return XsdGenerator(definitions, limits=limits, validator=XsdValidator.from_definitions(definitions))


# --- patterns: RE2, linear in the value --------------------------------------------------------


@pytest.mark.parametrize("pattern", ["(a|a)*b", "(a+)+$", "(a|aa)*c", "(.*a){12}x"])
def test_catastrophic_patterns_are_matched_in_linear_time(pattern: str) -> None:
    # Python's re takes minutes on 40 characters of these; RE2 answers at once, whatever the length
    for size in (40, 100_000):
        assert translate(pattern).matches("a" * size) is False


def test_xsd_classes_read_as_xsd_means_them() -> None:
    assert translate(r"\d{3}").matches("١٢٣") is True  # XSD's \d is any Unicode decimal digit
    assert translate(r"[\p{IsLatinExtended-A}]+").matches("ā") is True
    assert translate(r"\w+").matches("é") is True  # XSD's \w: every letter, mark, number and symbol
    assert translate(r"\w+").matches("a_b") is False  # ... but no punctuation (_ is Pc)
    assert translate(r"\p{Lu}\p{Ll}{2,5}").matches("Élan") is True  # categories are Unicode's, exactly
    assert translate(r"\p{Lu}\p{Ll}{2,5}").matches("élan") is False
    assert translate(r"[\p{IsBasicLatin}]+").matches("abé") is False
    assert translate("a.b").matches("a\rb") is False  # XSD's . excludes carriage return
    assert translate("a{2000}{2000}").matches("a") is None  # RE2 refuses it: libxml2 judges


def test_huge_integers_are_checked_without_int() -> None:
    assert SimpleType("integer").accepts("9" * 5000)
    assert not SimpleType("int").accepts("9" * 5000)


# --- violations: all counted, a few listed -------------------------------------------------------


def _list(count: int) -> etree._Element:
    return etree.fromstring(f'<List xmlns="{NS}">{"<item><n>x</n></item>" * count}</List>'.encode())


@pytest.mark.parametrize("tree_bytes", [1 << 30, 64], ids=["tree", "streamed"])
def test_violations_are_counted_and_the_first_listed(tmp_path: Path, tree_bytes: int) -> None:
    validator = XsdValidator.from_definitions(_contract(tmp_path).definitions)  # type: ignore[arg-type]
    listed, total = validator.check(_list(500), listed=5, tree_bytes=tree_bytes)
    assert total == 500 and len(listed) == 5
    assert listed[0].path == ("/List/item[1]/n" if tree_bytes > 64 else "/List//n")
    assert validator.check(etree.fromstring(f'<List xmlns="{NS}"><item><n>1</n></item></List>'.encode())) == ([], 0)


def test_messages_clip_the_values_libxml2_quotes(tmp_path: Path) -> None:
    validator = XsdValidator.from_definitions(_contract(tmp_path).definitions)  # type: ignore[arg-type]
    element = etree.fromstring(f'<List xmlns="{NS}"><item><n>{"7" * 100_000}</n></item></List>'.encode())
    listed, _ = validator.check(element, message_length=200)
    # libxml2 itself cuts a message near 64 KB; the value it quotes is clipped to a quarter of the length
    assert "characters)" in listed[0].message and len(listed[0].message) < 400


def test_violation_elements_say_how_many_more() -> None:
    elements = violation_elements([("/a", "bad"), ("/b", "worse")], total=102)
    assert [element.text for element in elements] == ["bad", "worse", "and 100 more"]
    assert elements[-1].get("path") is None
    assert len(violation_elements([("/a", "bad")], total=1)) == 1


# --- envelopes ------------------------------------------------------------------------------------


def test_elements_are_counted_before_a_tree_is_built() -> None:
    assert not more_elements_than(b"<a>" + b"<b/>" * 10 + b"</a>", 11)
    assert more_elements_than(b"<a>" + b"<b/>" * 11 + b"</a>", 11)
    # '<' inside CDATA and comments are no elements: an exact count follows a high byte count
    assert not more_elements_than(b"<a><![CDATA[" + b"<<<<" * 100 + b"]]><!--<<<<--></a>", 11)
    with pytest.raises(EnvelopeError, match="max_xml_elements=5"):
        read_envelope(b'<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>' + b"<x/>" * 9 + b"</Body>"
                      b"</Envelope>", max_elements=5)  # fmt: skip


def test_long_values_are_not_echoed() -> None:
    body = (etree.fromstring(b"<r><short>ok</short><long>" + b"z" * 2000 + b"</long></r>"),)
    assert leaf_values(body, max_length=1024) == {"short": "ok"}


# --- generation within the limits -----------------------------------------------------------------


def test_demands_over_the_limits_name_the_element_and_the_limit(tmp_path: Path) -> None:
    generator = _generator(tmp_path, Limits(max_occurs=5, max_string_length=20))
    with pytest.raises(XsdGenerationLimitError, match=r"<x> 10 times \(minOccurs\).*max_occurs=5") as many:
        generator.element(f"{T}Ten", random.Random(0))
    assert many.value.limit == "max_occurs" and "--limit max_occurs=N" in (many.value.hint or "")
    with pytest.raises(XsdGenerationLimitError, match=r"at least 50 characters.*max_string_length=20"):
        generator.element(f"{T}Wide", random.Random(0))


def test_within_the_limits_the_same_schema_is_answered(tmp_path: Path) -> None:
    generator = _generator(tmp_path)
    assert len(generator.element(f"{T}Ten", random.Random(0))) == 10
    assert len(generator.element(f"{T}Wide", random.Random(0)).text or "") == 50
    # a union member that cannot fit is left out; another one answers
    assert int(generator.element(f"{T}Either", random.Random(0)).text or "x") is not None
    # totalDigits in the billions bounds nothing: no 10**2000000000 is computed
    assert generator.element(f"{T}Digits", random.Random(0)).text


def test_an_answer_over_max_generated_bytes_is_refused(tmp_path: Path) -> None:
    generator = _generator(tmp_path, Limits(max_generated_bytes=100))
    with pytest.raises(XsdGenerationLimitError, match=r"max_generated_bytes=100"):
        generator.element(f"{T}Ten", random.Random(0))


@pytest.mark.parametrize(
    ("failure", "message", "remembered"),
    [
        (RecursionError("maximum recursion depth exceeded"), "nests too deeply", True),
        (ValueError("an impossible facet"), "impossible values", False),  # may depend on the draw: not kept
    ],
)
def test_a_failure_mid_compile_keeps_nothing_half_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception, message: str, remembered: bool
) -> None:
    generator = _generator(tmp_path)
    generator.element(f"{T}Ten", random.Random(0))
    compiler = generator._compiler
    ten = compiler.elements[f"{T}Ten"]
    original = Compiler._complex
    calls = 0

    def failing_once(self: Compiler, *args: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise failure
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Compiler, "_complex", failing_once)
    # Item is cached before its content is compiled: the failure would leave it empty for good
    with pytest.raises(XsdGenerationError, match=message):
        generator.element(f"{T}Held", random.Random(0))
    assert f"{T}Item" not in compiler.types and f"{T}Held" not in compiler.elements  # that element taken back
    assert generator._compiler is compiler and compiler.elements[f"{T}Ten"] is ten  # the others' kept
    if remembered:  # the same clean error, without compiling again
        with pytest.raises(XsdGenerationError, match=message):
            generator.element(f"{T}Held", random.Random(0))
        assert calls == 1
    else:
        held = generator.element(f"{T}Held", random.Random(0))
        assert held.find(f"{T}n") is not None
    items = generator.element(f"{T}List", random.Random(0)).findall(f"{T}item")
    assert items and all(item.find(f"{T}n") is not None for item in items)  # Item compiled whole this time


def test_a_failure_that_is_not_an_exception_is_not_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator(tmp_path)

    def interrupted(self: Compiler, *args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Compiler, "_complex", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generator.element(f"{T}Held", random.Random(0))
    assert generator._failed == {}


# --- lint -----------------------------------------------------------------------------------------


def test_lint_warns_at_each_demand_over_the_limits(tmp_path: Path) -> None:
    contract = _contract(tmp_path)
    problems = lint_soap(contract, Limits(max_occurs=5, max_string_length=20))
    messages = [(problem.location.line, problem.message) for problem in problems]
    assert any("<x> 10 times (minOccurs)" in message and "max_occurs=5" in message for _, message in messages)
    assert any("length 50" in message and "max_string_length=20" in message for _, message in messages)
    assert any("minLength 5000000" in message for _, message in messages)
    assert all(line for line, _ in messages)
    assert not [problem for problem in lint_soap(contract) if "max_occurs" in problem.message]


def test_ctk_lint_reports_them(tmp_path: Path) -> None:
    _contract(tmp_path)
    code, out, _ = ctk("lint", str(tmp_path / "limits.wsdl"))
    assert code == 0 and "minLength 5000000" in out and "max_string_length=10000" in out


def test_the_slow_pattern_limit_reaches_the_mock(tmp_path: Path) -> None:
    """A pattern RE2 cannot say exactly (class subtraction) stays with libxml2 under max_slow_pattern_values."""
    from tests.support.documents import SLOW_NS, SLOW_WSDL
    from toolkit import compile_mock
    from toolkit.exchange import Request
    from toolkit.limits import DEFAULT_LIMITS

    path = tmp_path / "slow.wsdl"
    path.write_text(SLOW_WSDL.replace("(a|aa)*c", "([a-z-[c]]|[a-z-[c]][a-z-[c]])*c"), encoding="utf-8")
    body = (
        '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>'
        f'<ValuesRequest xmlns="{SLOW_NS}"><v>abc</v><v>abc</v></ValuesRequest></Body></Envelope>'
    ).encode()
    request = Request(
        "POST", "/slow", headers=(("content-type", "text/xml"), ("soapaction", f"{SLOW_NS}/Values")), body=body
    )
    for allowed, status in ((DEFAULT_LIMITS.max_slow_pattern_values, 200), (1, 500)):
        mock = compile_mock(load_contract(path), limits=DEFAULT_LIMITS.replace(max_slow_pattern_values=allowed))
        answer = mock(request).response
        assert answer.status == status, answer.body[:400]
        if status == 500:
            assert b"Client" in answer.body and b"max_slow_pattern_values" in answer.body, answer.body

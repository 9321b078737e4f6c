"""Contract patterns libxml2 would match by backtracking are moved out of its schema and matched with
RE2 (``toolkit/soap/xsd/patterns.py``); deterministic ones stay with libxml2; the few RE2 cannot say
exactly stay with libxml2 under a per-request count. The same through a server: ``tests/hostile``."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from lxml import etree

from tests.support.files import schema_wsdl
from toolkit.limits import DEFAULT_LIMITS, LIMIT_DOCS, limits_from
from toolkit.load import load_contract
from toolkit.soap.generate.compiler import Compiler
from toolkit.soap.generate.components import Index
from toolkit.soap.generate.generator import XsdGenerator
from toolkit.soap.generate.nodes import XsdGenerationError, vet
from toolkit.soap.generate.simple_types import SimpleType
from toolkit.soap.load import SoapContract
from toolkit.soap.xsd import validate as xsd_validate
from toolkit.soap.xsd.assemble import schema_documents
from toolkit.soap.xsd.patterns import MAX_SLOW_VALUES, is_cheap_for_libxml2, plan
from toolkit.soap.xsd.regex import translate
from toolkit.soap.xsd.validate import XsdValidator

NS = "urn:patterns"
SCHEMA = """
  <xs:simpleType name="Slow"><xs:restriction base="xs:string"><xs:pattern value="(a|aa)*c"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="Counted"><xs:restriction base="xs:string"><xs:pattern value="(a{1,10}){1,10}b"/>
  </xs:restriction></xs:simpleType>
  <xs:simpleType name="Id"><xs:restriction base="xs:string"><xs:pattern value="[A-Za-z0-9]{18}"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="Either"><xs:restriction base="xs:string"><xs:pattern value="(a|aa)*c"/>
    <xs:pattern value="[0-9]{3}"/></xs:restriction></xs:simpleType>
  <xs:simpleType name="Letters"><xs:restriction base="xs:string"><xs:pattern value="([a-z-[c]]|[a-z-[c]][a-z-[c]])*c"/>
  </xs:restriction></xs:simpleType>
  <xs:simpleType name="Words"><xs:list itemType="tns:Slow"/></xs:simpleType>
  <xs:simpleType name="Member"><xs:restriction base="xs:string"><xs:pattern value="(b|bb)*c"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="OneOf"><xs:union memberTypes="tns:Member xs:int"/></xs:simpleType>
  <xs:simpleType name="Tok"><xs:restriction base="xs:token"><xs:pattern value="(a|aa)* c"/></xs:restriction>
  </xs:simpleType>
  <xs:element name="R"><xs:complexType><xs:sequence>
    <xs:element name="v" type="tns:Slow" minOccurs="0" maxOccurs="unbounded" nillable="true"/>
    <xs:element name="n" type="tns:Counted" minOccurs="0"/>
    <xs:element name="id" type="tns:Id" minOccurs="0"/>
    <xs:element name="e" type="tns:Either" minOccurs="0"/>
    <xs:element name="l" type="tns:Letters" minOccurs="0" maxOccurs="unbounded"/>
    <xs:element name="w" type="tns:Words" minOccurs="0"/>
    <xs:element name="u" type="tns:OneOf" minOccurs="0" maxOccurs="unbounded"/>
    <xs:element name="t" type="tns:Tok" minOccurs="0"/>
    <xs:element name="s" minOccurs="0"><xs:complexType><xs:simpleContent><xs:extension base="tns:Id">
      <xs:attribute name="code" type="tns:Slow"/></xs:extension></xs:simpleContent></xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
"""


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> SoapContract:
    return schema_wsdl(tmp_path_factory.mktemp("patterns"), NS, SCHEMA, "patterns.wsdl")


@pytest.fixture(scope="module")
def validator(contract: SoapContract) -> XsdValidator:
    assert contract.definitions is not None
    return XsdValidator.from_definitions(contract.definitions, strict=False)


def request(fields: str) -> etree._Element:
    return etree.fromstring(f'<R xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{fields}</R>')


def check(validator: XsdValidator, fields: str) -> tuple[list[tuple[str, str]], int]:
    found, total = validator.check(request(fields))
    return [(v.path, v.message) for v in found], total


@pytest.mark.parametrize(
    ("pattern", "cheap"),
    [("[A-Za-z0-9]{18}", True), (r"\d{3}-\d{4}", True), ("(a|a)*b", True), ("(a|aa)*c", False),
     ("(.*a){20}", False), ("(a{1,50}){1,50}b", False), (r"[^@\s]+@[^@\s]+\.[^@\s]+", False)],
)  # fmt: skip
def test_which_patterns_libxml2_matches_without_backtracking(pattern: str, cheap: bool) -> None:
    assert is_cheap_for_libxml2(pattern) is cheap


def test_expensive_steps_are_moved_out_of_libxml2_and_deterministic_ones_stay(contract: SoapContract) -> None:
    assert contract.definitions is not None
    documents = schema_documents(contract.definitions)
    moved = plan(documents)
    assert frozenset({"(a|aa)*c"}) in moved.moved
    assert frozenset({"(a{1,10}){1,10}b"}) in moved.moved  # a counted range: libxml2 backtracks
    assert frozenset({"(a|aa)*c", "[0-9]{3}"}) in moved.moved  # one step's alternatives move together
    assert frozenset({"([a-z-[c]]|[a-z-[c]][a-z-[c]])*c"}) in moved.slow  # class subtraction: not exact in RE2
    assert frozenset({"(b|bb)*c"}) in moved.slow  # a union member's: left with libxml2
    left = {node.get("value") for document in documents for node in document.root.iter("{*}pattern")}
    assert "[A-Za-z0-9]{18}" in left and "(b|bb)*c" in left
    assert "(a|aa)*c" not in left and "[0-9]{3}" not in left and "(a{1,10}){1,10}b" not in left


def test_moved_patterns_are_checked_by_re2_in_linear_time(validator: XsdValidator) -> None:
    started = time.perf_counter()
    assert check(validator, "<v>" + "a" * 30 + "c</v>" * 1) == ([], 0)
    assert check(validator, ("<v>" + "a" * 30 + "c</v>") * 2000) == ([], 0)  # streamed: > max_violation_scan
    found, total = check(validator, ("<v>" + "a" * 30 + "b</v>") * 2000)
    assert time.perf_counter() - started < 2  # libxml2 alone: ~120 ms per value, four minutes in all
    assert total == 2000 and len(found) == 20
    assert found[0] == (
        "/R/v[1]",
        f"[facet 'pattern'] The value '{'a' * 30}b' is not accepted by the pattern '(a|aa)*c'.",
    )
    assert found[19][0] == "/R/v[20]"


def test_moved_patterns_everywhere_a_value_sits(validator: XsdValidator) -> None:
    assert check(validator, "<n>aaab</n><e>123</e><w>ac aac</w><t>  aa   c </t>")[1] == 0
    assert check(validator, '<v xsi:nil="true"/>') == ([], 0)
    assert check(validator, '<s code="ac">abcdefghijklmnopqr</s>') == ([], 0)
    found, total = check(validator, "<n>aaa</n><e>12</e><w>ac ab</w>")
    assert total == 3
    assert [path for path, _ in found] == ["/R/n", "/R/e", "/R/w"]
    assert "'(a|aa)*c|[0-9]{3}'" in found[1][1] or "'[0-9]{3}|(a|aa)*c'" in found[1][1]
    found, total = check(validator, '<s code="ab">abcdefghijklmnopqr</s>')
    assert total == 1 and found[0][0] == "/R/s" and found[0][1].startswith("attribute 'code': [facet 'pattern']")


def test_libxml2_and_re2_violations_are_listed_together(validator: XsdValidator) -> None:
    found, total = validator.check(request("<v>ab</v><id>short</id>"), listed=1)
    assert total == 2 and len(found) == 1


def test_slow_patterns_left_with_libxml2_are_counted_and_capped(validator: XsdValidator) -> None:
    assert check(validator, "<l>abc</l>" * MAX_SLOW_VALUES) == ([], 0)
    found, total = check(validator, ("<l>" + "a" * 40 + "b</l>") * (MAX_SLOW_VALUES + 1000))
    assert total == 1 and found[0][0] == "/R" and f"limit: {MAX_SLOW_VALUES}" in found[0][1]
    assert check(validator, "<u>1</u><u>bbc</u>") == ([], 0)


def test_a_wsdl_without_expensive_patterns_has_no_checker(tmp_path: Path) -> None:
    path = tmp_path / "plain.wsdl"
    path.write_text(
        f"""<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    targetNamespace="{NS}"><wsdl:types><xs:schema targetNamespace="{NS}"><xs:element name="Id">
    <xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="[A-Za-z0-9]{{18}}"/></xs:restriction>
    </xs:simpleType></xs:element></xs:schema></wsdl:types></wsdl:definitions>""",
        encoding="utf-8",
    )
    contract = load_contract(path)
    assert isinstance(contract, SoapContract) and contract.definitions is not None
    assert XsdValidator.from_definitions(contract.definitions).patterns is None


def test_values_are_matched_by_re2s_own_program_with_fullmatchs_verdicts() -> None:
    # the re2 module's fullmatch maps byte offsets back to characters in Python (3 µs a value); matches()
    # calls the compiled program on the UTF-8 bytes (0.5 µs). A google-re2 without it falls back, slower.
    cases = {
        r"\+?[0-9 ().\-]{3,40}": ["241.909.3093", "+1 (555) 000-1234", "ab", "", "12", "é"],
        r"\p{Lu}\p{Ll}{2,5}": ["Élan", "Abc", "abc", "Ab", "ÀBCDEF", "Ωμέγα"],
        r"[^@\s]+@[^@\s]+\.[^@\s]+": ["a@b.c", "a @b.c", "ü@ö.ä", "a@b"],
        "(a|aa)*c": ["a" * 40 + "c", "a" * 40 + "b", "c"],
        r"\w+\.\d": ["ab.٣", "a_b.1", "ab.x"],
    }
    for source, values in cases.items():
        pattern = translate(source)
        assert pattern.program is not None, "google-re2's compiled program is reachable (re2._Regexp._regexp)"
        for value in values:
            assert pattern.matches(value) is (pattern.compiled.fullmatch(value) is not None), (source, value)
    assert translate("[a-z]+").matches("\ud800") is None  # a lone surrogate is not UTF-8: no verdict


def _simple(contract: SoapContract, name: str) -> SimpleType:
    assert contract.definitions is not None
    type_gen = Compiler(Index(schema_documents(contract.definitions))).type(f"{{{NS}}}{name}")
    assert type_gen.simple is not None
    return type_gen.simple


def test_the_generator_writes_no_value_that_fails_a_pattern(contract: SoapContract) -> None:
    # the validator skips the moved patterns on the generator's own instances (validate(patterns=False)):
    # every value written under a pattern has met it, whichever way it was drawn (a fallback, a fixed value)
    slow, words = _simple(contract, "Slow"), _simple(contract, "Words")
    assert slow.pattern_failure("aac") is None and words.pattern_failure("ac  aac") is None
    assert slow.pattern_failure("aab") == "(a|aa)*c"
    assert words.pattern_failure("ac ab") == "(a|aa)*c"  # a list's items
    assert slow.accepts("ac") and slow.pattern_failure("ac") is None  # just accepted: not matched again
    with pytest.raises(XsdGenerationError, match=r"<v>.*'aab' is not accepted by the pattern '\(a\|aa\)\*c'"):
        vet(slow, "aab", "v")


def test_whitespace_is_collapsed_at_xmls_four_characters_only(contract: SoapContract) -> None:
    tok = _simple(contract, "Tok")  # xs:token, pattern "(a|aa)* c"
    assert tok.accepts(" aa \t c ")
    assert not tok.accepts("aa\u00a0c"), "U+00A0 is not XML whitespace: libxml2 keeps it, the pattern fails"
    assert tok.pattern_failure("aa\u00a0c") == "(a|aa)* c"


def test_generated_instances_pass_the_moved_patterns_without_the_validator_matching_them(
    contract: SoapContract, validator: XsdValidator
) -> None:
    assert contract.definitions is not None
    generator = XsdGenerator(contract.definitions, validator=validator)
    for seed in range(30):
        instance = generator.element(f"{{{NS}}}R", random.Random(seed))
        assert validator.validate(instance, patterns=False) == validator.validate(instance) == [], seed
    assert validator.validate(request("<v>ab</v>"))  # a request's value: matched
    assert validator.validate(request("<v>ab</v>"), patterns=False) == []  # the caller vouches for its values


def test_a_small_element_is_not_serialized_only_to_be_measured(
    validator: XsdValidator, monkeypatch: pytest.MonkeyPatch
) -> None:
    element = request("<v>ab</v>")
    monkeypatch.setattr(xsd_validate.etree, "tostring", _no_serializing)
    found, total = validator.check(element, size=200, tree_bytes=1000)  # the request body's length, say
    assert total == 1 and found[0].path == "/R/v"
    found, _ = validator.check(element, tree_bytes=1000)  # the size unknown: measured
    assert "could not be validated: serialized" in found[0].message


def _no_serializing(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("serialized")


def test_the_slow_value_cap_is_a_limit(validator: XsdValidator) -> None:
    assert DEFAULT_LIMITS.max_slow_pattern_values == MAX_SLOW_VALUES == 4
    assert "max_slow_pattern_values" in LIMIT_DOCS
    assert limits_from({"max_slow_pattern_values": "2"}, "test").max_slow_pattern_values == 2
    assert validator.check(request("<l>abc</l>" * 2), slow_values=2) == ([], 0)
    found, total = validator.check(request("<l>abc</l>" * 3), slow_values=2)
    assert total == 1 and "limit: 2 such values per request, max_slow_pattern_values" in found[0].message

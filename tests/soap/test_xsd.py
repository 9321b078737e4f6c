"""The XML Schema layer of the SOAP mock: one compiled validator per WSDL, and valid generated bodies.

Every global element of every corpus WSDL (and the CRM contract) is generated with several seeds and
checked by an independently compiled ``XsdValidator``. The node-soap oracle responses, which check the
validator the other way round (real messages it must accept), are in ``test_oracles.py``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.support.corpus import corpus, corpus_mirrors
from tests.support.paths import CORPUS, DATA, REPO
from toolkit.errors import CtkError, LoadError
from toolkit.load import load_contract
from toolkit.soap.generate.generator import XsdGenerationError, XsdGenerator
from toolkit.soap.load import SoapContract
from toolkit.soap.wsdl import Definitions
from toolkit.soap.xsd.validate import XsdValidator

FEATURES = DATA / "soap" / "xsd_features.wsdl"
F = "{urn:features}"
CRM = "{urn:example:crm:types}"

# Corpus WSDLs whose schemas libxml2 rightly refuses, and why: served leniently (the rest validates).
REFUSED = {
    "wsdl/node-soap/xsdinclude/xsd_include.wsdl": "types.xsd puts xs:sequence straight inside xs:element",
    "wsdl/node-soap/xsdinclude/xsd_include_inline_xmlns.wsdl": "types.xsd puts xs:sequence straight inside xs:element",
    "wsdl/savon/iws.wsdl": "types in namespace 'urn:' that no schema defines",
    "wsdl/oracles/node-soap-samples/Dummy__should_handle_inline_types/soap.wsdl": "a named xs:simpleType nested "
    "in an element",
    "wsdl/oracles/node-soap-samples/Dummy__should_work_with_imported_schemas_that_have_aliases/soap.wsdl": "type= "
    "names an element, not a type",
    "wsdl/oracles/node-soap-samples/RetrieveFareQuoteDateRange__should_handle_child_namespaces/soap.wsdl": "refers to "
    "namespaces no schema in the sample defines",
    "wsdl/oracles/node-soap-samples/createData__should_generate_complex_type_request/soap.wsdl": "types Tab, "
    "LookupInfo, LookupValues are referenced but never defined",
}


def _listed(pattern: str) -> list[str]:
    if not CORPUS.is_dir():
        return ["<corpus absent>"]
    return sorted(str(path.relative_to(CORPUS)) for path in CORPUS.glob(pattern) if path.is_file())


CORPUS_WSDLS = [*_listed("wsdl/*/*.wsdl"), *_listed("wsdl/*/*/*.wsdl"), *_listed("wsdl/oracles/*/*/soap.wsdl")]


def _definitions(path: Path, relative: str = "") -> Definitions:
    try:
        contract = load_contract(path, mirrors=corpus_mirrors(relative))
    except LoadError as exc:
        pytest.skip(f"the loader cannot load it offline: {exc}")
    assert isinstance(contract, SoapContract) and contract.definitions is not None
    return contract.definitions


def _check_every_element(definitions: Definitions, validator: XsdValidator, seeds: range) -> int:
    generator = XsdGenerator(definitions, seed=seeds.start)
    checked = 0
    for name in generator.names:
        for seed in seeds:
            instance = generator.element(name, random.Random(seed))
            assert etree.QName(instance).text in (name, *generator.names)  # substitution may pick a member
            violations = validator.validate(instance)
            assert violations == [], f"{name} seed {seed}: {violations}\n{etree.tostring(instance).decode()}"
            checked += 1
    return checked


@pytest.mark.parametrize("relative", CORPUS_WSDLS)
def test_every_global_element_of_every_corpus_wsdl_generates_valid_instances(relative: str) -> None:
    definitions = _definitions(corpus(*relative.split("/")), relative)
    if relative in REFUSED:
        with pytest.raises(LoadError) as refused:
            XsdValidator.from_definitions(definitions)
        assert refused.value.where and ":" in refused.value.where, "the refusal names file:line"
        validator = XsdValidator.from_definitions(definitions, strict=False)
        assert validator.warnings, "lenient mode says what it left out"
    else:
        validator = XsdValidator.from_definitions(definitions)
    checked = _check_every_element(definitions, validator, range(3))
    assert checked == 3 * len(XsdGenerator(definitions).names)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_crm_contract_every_element_valid(version: str) -> None:
    definitions = _definitions(REPO / "contracts" / "crm" / version / "crm.wsdl")
    validator = XsdValidator.from_definitions(definitions)
    assert _check_every_element(definitions, validator, range(5)) >= 5 * 19


_CRM: dict[str, tuple[XsdGenerator, XsdValidator]] = {}


def _crm() -> tuple[XsdGenerator, XsdValidator]:
    if not _CRM:
        definitions = _definitions(REPO / "contracts" / "crm" / "v2" / "crm.wsdl")
        _CRM["v2"] = (XsdGenerator(definitions), XsdValidator.from_definitions(definitions))
    return _CRM["v2"]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**64 - 1))
def test_property_crm_generated_elements_always_validate(seed: int) -> None:
    generator, validator = _crm()
    for name in generator.names:
        instance = generator.element(name, random.Random(seed))
        assert validator.validate(instance) == [], etree.tostring(instance)


def test_features_fixture_every_element_valid_over_many_seeds() -> None:
    definitions = _definitions(FEATURES)
    validator = XsdValidator.from_definitions(definitions)
    assert _check_every_element(definitions, validator, range(25)) == 25 * 8


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_same_bytes_and_different_seeds_different_values() -> None:
    definitions = _definitions(FEATURES)
    first = XsdGenerator(definitions, seed=7).element(f"{F}Everything", random.Random(7))
    again = XsdGenerator(definitions, seed=7).element(f"{F}Everything", random.Random(7))
    assert etree.tostring(first) == etree.tostring(again)
    generator, _ = _crm()
    outputs = {etree.tostring(generator.element(f"{CRM}GetAccountResponse", random.Random(seed))) for seed in range(6)}
    assert len(outputs) == 6


# --- features ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def features() -> XsdGenerator:
    return XsdGenerator(_definitions(FEATURES))


def _draws(generator: XsdGenerator, name: str, count: int = 20) -> list[etree._Element]:
    return [generator.element(name, random.Random(seed)) for seed in range(count)]


def test_abstract_types_get_a_concrete_xsi_type_and_abstract_heads_a_member(features: XsdGenerator) -> None:
    xsi_type = "{http://www.w3.org/2001/XMLSchema-instance}type"
    instances = _draws(features, f"{F}Everything")
    types = {instance.find(f"{F}shape").get(xsi_type) for instance in instances}  # type: ignore[union-attr]
    assert types == {"f:Circle", "f:Square"}
    members = {child.tag for instance in instances for child in instance if child.tag in (f"{F}Book", f"{F}Film")}
    assert members == {f"{F}Book", f"{F}Film"}
    assert all(instance.find(f"{F}Item") is None for instance in instances)


def test_forms_fixed_values_and_required_attributes(features: XsdGenerator) -> None:
    for instance in _draws(features, f"{F}Everything", 5):
        assert instance.find("local") is not None, "form=unqualified: no namespace"
        assert instance.find(f"{F}fixed").text == "constant"  # type: ignore[union-attr]
        assert instance.get("version") and instance.get(f"{F}scope") in ("red", "green")
        assert instance.get("kind") in (None, "full")
        ints = instance.find(f"{F}ints").text.split()  # type: ignore[union-attr]
        assert len(ints) == 3 and all(0 <= int(value) <= 255 for value in ints)


def test_recursion_terminates_within_the_depth_limit(features: XsdGenerator) -> None:
    for instance in _draws(features, f"{F}Forest"):
        depth = max(len(list(node.iterancestors())) for node in instance.iter())
        assert depth <= 2 * 6 + 2


def test_encoded_arrays_write_typed_items_and_their_count(features: XsdGenerator) -> None:
    array = features.element(f"{F}Numbers", random.Random(1))
    items = list(array)
    assert items and all(item.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "xsd:int" for item in items)
    assert array.get("{http://schemas.xmlsoap.org/soap/encoding/}arrayType") == f"xsd:int[{len(items)}]"


def test_bare_soapenc_array_restrictions_still_get_items() -> None:
    # To the letter of XSD a restriction of soapenc:Array with no content model has empty content;
    # every SOAP toolkit reads it as "items of wsdl:arrayType", and so does the mock (leniently checked).
    extra = etree.fromstring(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:soapenc="http://schemas.xmlsoap.org/soap/'
        'encoding/" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:e="urn:enc" targetNamespace="urn:enc">'
        '<xs:complexType name="Names"><xs:complexContent><xs:restriction base="soapenc:Array">'
        '<xs:attribute ref="soapenc:arrayType" wsdl:arrayType="xs:string[]"/></xs:restriction></xs:complexContent>'
        '</xs:complexType><xs:element name="names" type="e:Names"/></xs:schema>'
    )
    generator = XsdGenerator(_definitions(FEATURES), extra_schemas=[extra])
    array = generator.element("{urn:enc}names", random.Random(2))
    assert len(array) >= 1 and array.get("{http://schemas.xmlsoap.org/soap/encoding/}arrayType", "").startswith(
        "xsd:string[")  # fmt: skip


def test_overrides_apply_only_where_valid(features: XsdGenerator) -> None:
    echoed = features.element(f"{F}Echo", random.Random(0), overrides={"id": "AB-123", "count": "42"})
    assert echoed.findtext(f"{F}id") == "AB-123" and echoed.findtext(f"{F}count") == "42"
    refused = features.element(f"{F}Echo", random.Random(0), overrides={"id": "not a code", "count": "many"})
    assert refused.findtext(f"{F}id") != "not a code" and refused.findtext(f"{F}count") != "many"


def test_realistic_values_by_name() -> None:
    generator, _ = _crm()
    contact = generator.element(f"{CRM}GetContactResponse", random.Random(3)).find(f"{CRM}contact")
    assert contact is not None and "@" in (contact.findtext(f"{CRM}email") or "")


def test_unknown_element_is_a_ctk_error(features: XsdGenerator) -> None:
    with pytest.raises(XsdGenerationError) as error:
        features.element(f"{F}Nope", random.Random(0))
    assert isinstance(error.value, CtkError) and error.value.hint


def test_unsatisfiable_element_raises_naming_it(tmp_path: Path) -> None:
    wsdl = FEATURES.read_text().replace(
        '<xs:element name="Forest" type="f:Node"/>',
        '<xs:element name="Never"><xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="[a-z]{3}"/>'
        '<xs:maxLength value="2"/></xs:restriction></xs:simpleType></xs:element>',
    )
    path = tmp_path / "never.wsdl"
    path.write_text(wsdl)
    definitions = _definitions(path)
    generator = XsdGenerator(definitions, validator=XsdValidator.from_definitions(definitions, strict=False))
    with pytest.raises(XsdGenerationError, match="Never"):
        generator.element(f"{F}Never", random.Random(0))


# --- validator ---------------------------------------------------------------------------------


def test_violations_have_readable_paths_and_messages() -> None:
    _, validator = _crm()
    request = etree.fromstring(
        f'<c:SearchAccountsResponse xmlns:c="{CRM[1:-1]}"><c:totalSize>-1</c:totalSize></c:SearchAccountsResponse>'
    )
    violations = validator.validate(request)
    assert violations and violations[0].path == "/SearchAccountsResponse/totalSize"
    assert not violations[0].message.startswith("Element '")


def test_validate_works_on_a_body_child_in_place_and_never_raises() -> None:
    _, validator = _crm()
    envelope = etree.fromstring(
        '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:example:crm:types">'
        "<e:Body><c:GetContactRequest><c:id>003000000000001AAA</c:id></c:GetContactRequest></e:Body></e:Envelope>"
    )
    body_child = envelope[0][0]
    assert validator.validate(body_child) == [] or all(v.path.startswith("/GetContactRequest") for v in
                                                      validator.validate(body_child))  # fmt: skip
    odd = [etree.Comment("x"), etree.Element("unknown"), etree.fromstring("<a xmlns='urn:nowhere'><b/></a>")]
    for node in odd:
        assert validator.validate(node), "odd input is reported, not raised"


def test_extra_schema_sharing_a_namespace_with_the_wsdl() -> None:
    definitions = _definitions(FEATURES)
    extra = etree.fromstring(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:f="urn:features" targetNamespace="urn:features" '
        'elementFormDefault="qualified"><xs:element name="opResponse"><xs:complexType><xs:sequence>'
        '<xs:element name="result" type="f:Code"/></xs:sequence></xs:complexType></xs:element></xs:schema>'
    )
    validator = XsdValidator.from_definitions(definitions, [extra])
    generator = XsdGenerator(definitions, extra_schemas=[extra], validator=validator)
    instance = generator.element(f"{F}opResponse", random.Random(0))
    assert validator.validate(instance) == [] and f"{F}Everything" in validator.elements


def test_old_xsd_namespace_and_unprefixed_builtins_are_read() -> None:
    definitions = _definitions(corpus("wsdl", "node-soap", "stockquote.wsdl"))  # 2000/10 XSD, type="string"
    validator = XsdValidator.from_definitions(definitions)
    assert validator.warnings, "the repair of unprefixed type names is reported"
    assert _check_every_element(definitions, validator, range(2)) == 2 * 4


def test_strict_refusal_names_file_and_line_and_lenient_keeps_the_rest() -> None:
    definitions = _definitions(corpus("wsdl", "node-soap", "xsdinclude", "xsd_include.wsdl"))
    with pytest.raises(LoadError) as refused:
        XsdValidator.from_definitions(definitions)
    assert refused.value.where == f"{CORPUS / 'wsdl/node-soap/xsdinclude/types.xsd'}:25" or (
        refused.value.where or "").endswith("types.xsd:25")  # fmt: skip
    lenient = XsdValidator.from_definitions(definitions, strict=False)
    assert "{http://www.dummy.com/Types}DummyRequest" in lenient.elements, "only the broken components are left out"
    assert any("types.xsd:25" in warning for warning in lenient.warnings)

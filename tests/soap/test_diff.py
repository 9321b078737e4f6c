"""WSDL drift rules: the crm answer key, one planted change per rule, and "no change, no report".

Planted cases copy a real WSDL from the shared corpus into tmp_path, edit its text, and check that
exactly one change comes back, with the rule id, severity, location and operations expected.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.corpus import CONTRACTS, EXPECTED_REFUSALS, ORACLE_WSDLS, corpus, corpus_mirrors
from tests.support.paths import REPO
from toolkit import load_contract
from toolkit.errors import CtkError, LoadError
from toolkit.model import DEFAULT_DRIFT_POLICIES, Change, ChangeSeverity, DriftPolicies
from toolkit.soap.diff.compare import diff

B, D, I = ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS, ChangeSeverity.INFO  # noqa: E741
TODAY = dt.date(2026, 1, 1)


def _names(change: Change) -> set[str]:
    return {op_id.rsplit("/", 1)[1] for op_id in change.operations}


# --- 1. the crm answer key (contracts/README.md) ---------------------------------------------------

CRM_ROWS = [
    ("response-element-removed", B, "xs:complexType[@name='Account']/xs:sequence", {"GetAccount", "SearchAccounts"}),
    (
        "request-element-became-required",
        B,
        "xs:complexType[@name='Contact']/xs:complexContent/xs:extension/xs:sequence/xs:element[@name='email']/@minOccurs",
        {"CreateContact", "GetContact", "ListContacts"},
    ),
    (
        "request-element-type-narrowed",
        B,
        "xs:simpleType[@name='AccountNameType']/xs:restriction/xs:maxLength/@value",
        {"CreateAccount", "UpdateAccount", "GetAccount", "SearchAccounts"},
    ),
    (
        "request-element-enum-value-removed",
        B,
        "xs:simpleType[@name='LeadStatusType']/xs:restriction",
        {"CreateLead"},
    ),
    (
        "response-optional-element-added",
        I,
        "xs:complexType[@name='Contact']/xs:complexContent/xs:extension/xs:sequence/xs:element[@name='mobilePhone']",
        {"GetContact", "ListContacts", "CreateContact"},
    ),
    (
        "operation-deprecated",
        I,
        "wsdl:portType[@name='CrmPortType']/wsdl:operation[@name='ListContacts']/wsdl:documentation",
        {"ListContacts"},
    ),
    (
        "response-element-enum-value-added",
        D,
        "xs:simpleType[@name='AccountStatusType']/xs:restriction/xs:enumeration[@value='Archived']",
        {"GetAccount", "SearchAccounts"},
    ),
]


def test_crm_v1_to_v2_is_exactly_the_answer_key() -> None:
    old = load_contract(REPO / "contracts/crm/v1/crm.wsdl")
    new = load_contract(REPO / "contracts/crm/v2/crm.wsdl")
    changes = diff(old, new, today=TODAY)
    found = {(c.id, c.severity, c.location, frozenset(_names(c))) for c in changes}
    assert found == {(rule, severity, where, frozenset(ops)) for rule, severity, where, ops in CRM_ROWS}
    for change in changes:  # every operation is listed on both its SOAP 1.1 and its SOAP 1.2 port
        assert {op_id.split("/")[1] for op_id in change.operations} == {"CrmSoap11Port", "CrmSoap12Port"}
    (deprecated,) = [c for c in changes if c.id == "operation-deprecated"]
    assert deprecated.deprecation and deprecated.sunset == dt.date(2027, 3, 31)
    assert not any(c.deprecation for c in changes if c is not deprecated)


def test_crm_order_is_stable_and_reverse_diff_swaps_directions() -> None:
    old = load_contract(REPO / "contracts/crm/v1/crm.wsdl")
    new = load_contract(REPO / "contracts/crm/v2/crm.wsdl")
    assert diff(old, new, today=TODAY) == diff(old, new, today=TODAY)
    backwards = {c.id for c in diff(new, old, today=TODAY)}
    # v2 -> v1: fax reappears, mobilePhone disappears from a shared type, Unqualified comes back
    assert "response-element-removed" in backwards and "request-element-enum-value-added" in backwards
    assert "operation-deprecation-removed" in backwards


# --- 2. planted changes -------------------------------------------------------------------------------

Edit = tuple[str, str, str]  # (anchor the edit comes after, text, replacement); a "re:" text is a regex


@dataclass
class Case:
    source: str
    new: list[Edit]
    rule: str
    severity: ChangeSeverity
    location: str
    operations: set[str]
    old: list[Edit] = field(default_factory=list)  # edits applied to OLD only (e.g. an earlier sunset)
    both: list[Edit] = field(default_factory=list)  # edits applied to both (scaffolding, not a change)
    today: dt.date = TODAY
    sunset: dt.date | None = None
    deprecation: bool = False
    policies: DriftPolicies = DEFAULT_DRIFT_POLICIES


def _apply(text: str, edits: list[Edit]) -> str:
    for anchor, old, new in edits:
        start = text.index(anchor) if anchor else 0
        if old.startswith("re:"):
            head, tail = text[:start], text[start:]
            tail, count = re.subn(old[3:], new, tail, flags=re.DOTALL)
            assert count, f"no match for {old!r}"
            text = head + tail
            continue
        position = text.index(old, start)
        text = text[:position] + new + text[position + len(old) :]
    return text


def _plant(tmp_path: Path, source: str, name: str, edits: list[Edit]) -> Path:
    origin = corpus(*source.split("/"))
    folder = tmp_path / name
    folder.mkdir()
    target = folder / origin.name
    shutil.copyfile(origin, target)
    target.write_text(_apply(origin.read_text(encoding="utf-8"), edits), encoding="utf-8")
    return target


CROWD = "wsdl/savon/crowd.wsdl"
TEMPERATURE = "wsdl/savon/temperature.wsdl"
TIMESHEET = "wsdl/node-soap/list_parameter.wsdl"
PASSWORD = 'name="PasswordCredential">'
ADD_PRINCIPAL = '<xsd:element name="addPrincipal">'
IN2 = 'name="in2" nillable="true" type="ns1:PasswordCredential"/>'
FIND = '<xsd:element name="findPrincipalByName">'
FIND_IN1 = 'name="in1" nillable="true" type="xsd:string"/>'
FIND_OP = '<wsdl:operation name="findPrincipalByName">'
PORT_TYPE_FIND = "wsdl:portType[@name='SecurityServerPortType']/wsdl:operation[@name='findPrincipalByName']"
ADD_RESPONSE = '<xsd:element name="addPrincipalResponse">'
COOKIE = 'name="SOAPCookieInfo">'
PRINCIPAL = 'name="SOAPPrincipal">'
PRINCIPAL_OPS = {
    "addPrincipal",
    "findPrincipalByName",
    "findPrincipalByToken",
    "findPrincipalWithAttributesByName",
    "searchPrincipals",
}
PASSWORD_OPS = {"addPrincipal", "authenticateApplication", "authenticatePrincipal", "updatePrincipalCredential"}
RELAXED_REMOVALS = DriftPolicies(relaxed=frozenset({"deprecated-removal-is-dangerous"}))
DEPRECATED = "<wsdl:documentation>Deprecated: use searchPrincipals. Sunset: {}.</wsdl:documentation>"
MAX_LENGTH = (
    'name="in1" nillable="true"><xsd:simpleType><xsd:restriction base="xsd:string">'
    '<xsd:maxLength value="{}"/></xsd:restriction></xsd:simpleType></xsd:element>'
)
IN1_FACET = "xsd:element[@name='findPrincipalByName']/xsd:complexType/xsd:sequence/xsd:element[@name='in1']"
REMOVE_FIND_OP = (FIND_OP, r're:<wsdl:operation name="findPrincipalByName">.*?</wsdl:operation>\s*', "")

CASES: dict[str, Case] = {
    # --- request side
    "request element added as required": Case(
        CROWD,
        [(ADD_PRINCIPAL, IN2, IN2 + '<xsd:element name="in3" type="xsd:string"/>')],
        "request-element-added-required",
        B,
        "xsd:element[@name='addPrincipal']/xsd:complexType/xsd:sequence/xsd:element[@name='in3']",
        {"addPrincipal"},
    ),
    "request element added as optional": Case(
        CROWD,
        [(ADD_PRINCIPAL, IN2, IN2 + '<xsd:element name="in3" minOccurs="0" type="xsd:string"/>')],
        "request-optional-element-added",
        I,
        "xsd:element[@name='addPrincipal']/xsd:complexType/xsd:sequence/xsd:element[@name='in3']",
        {"addPrincipal"},
    ),
    "required attribute added to a request type": Case(
        CROWD,
        [(PASSWORD, "</xsd:sequence>", '</xsd:sequence><xsd:attribute name="version" type="xsd:int" use="required"/>')],
        "request-element-added-required",
        B,
        "xsd:complexType[@name='PasswordCredential']/xsd:attribute[@name='version']",
        PASSWORD_OPS,
    ),
    "request element became required": Case(
        CROWD,
        [(PASSWORD, 'minOccurs="0" name="credential"', 'minOccurs="1" name="credential"')],
        "request-element-became-required",
        B,
        "xsd:complexType[@name='PasswordCredential']/xsd:sequence/xsd:element[@name='credential']/@minOccurs",
        PASSWORD_OPS,
    ),
    "request element minOccurs raised (1 -> 2)": Case(
        CROWD,
        [
            (
                'name="ArrayOfValidationFactor">',
                'minOccurs="1" name="ValidationFactor"',
                'minOccurs="2" name="ValidationFactor"',
            )
        ],
        "request-element-min-occurs-raised",
        B,
        "xsd:complexType[@name='ArrayOfValidationFactor']/xsd:sequence/xsd:element[@name='ValidationFactor']"
        "/@minOccurs",
        {"authenticateApplication", "authenticatePrincipal", "createPrincipalToken", "isValidPrincipalToken"},
        both=[
            (
                'name="ArrayOfValidationFactor">',
                'minOccurs="0" name="ValidationFactor"',
                'minOccurs="1" name="ValidationFactor"',
            )
        ],
    ),
    "request element removed": Case(
        CROWD,
        [(PASSWORD, '<xsd:element minOccurs="0" name="encryptedCredential" type="xsd:boolean"/>', "")],
        "request-element-removed",
        B,
        "xsd:complexType[@name='PasswordCredential']/xsd:sequence",
        PASSWORD_OPS,
    ),
    "request element maxOccurs lowered": Case(
        CROWD,
        [('name="ArrayOfValidationFactor">', 'maxOccurs="unbounded"', 'maxOccurs="1"')],
        "request-element-max-occurs-lowered",
        B,
        "xsd:complexType[@name='ArrayOfValidationFactor']/xsd:sequence/xsd:element[@name='ValidationFactor']"
        "/@maxOccurs",
        {"authenticateApplication", "authenticatePrincipal", "createPrincipalToken", "isValidPrincipalToken"},
    ),
    "request element type narrowed (string -> token)": Case(
        CROWD,
        [(FIND, FIND_IN1, FIND_IN1.replace("xsd:string", "xsd:token"))],
        "request-element-type-narrowed",
        B,
        "xsd:element[@name='findPrincipalByName']/xsd:complexType/xsd:sequence/xsd:element[@name='in1']/@type",
        {"findPrincipalByName"},
    ),
    "request facet narrowed (maxLength 255 -> 80)": Case(
        CROWD,
        [(FIND, MAX_LENGTH.format(255), MAX_LENGTH.format(80))],
        "request-element-type-narrowed",
        B,
        f"{IN1_FACET}/xsd:simpleType/xsd:restriction/xsd:maxLength/@value",
        {"findPrincipalByName"},
        both=[(FIND, FIND_IN1, MAX_LENGTH.format(255))],
    ),
    "request facet widened (maxLength 255 -> 1000)": Case(
        CROWD,
        [(FIND, MAX_LENGTH.format(255), MAX_LENGTH.format(1000))],
        "request-element-type-widened",
        I,
        f"{IN1_FACET}/xsd:simpleType/xsd:restriction/xsd:maxLength/@value",
        {"findPrincipalByName"},
        both=[(FIND, FIND_IN1, MAX_LENGTH.format(255))],
    ),
    "request element moved out of its namespace": Case(
        CROWD,
        [(PASSWORD, 'name="credential"', 'form="unqualified" name="credential"')],
        "request-element-namespace-changed",
        B,
        "xsd:complexType[@name='PasswordCredential']/xsd:sequence/xsd:element[@name='credential']",
        PASSWORD_OPS,
    ),
    "request enumeration value removed": Case(
        TEMPERATURE,
        [("", '<s:enumeration value="kelvin" />', "")],
        "request-element-enum-value-removed",
        B,
        "s:simpleType[@name='TemperatureUnit']/s:restriction",
        {"ConvertTemp"},
    ),
    "request enumeration value added": Case(
        TEMPERATURE,
        [("", '<s:enumeration value="kelvin" />', '<s:enumeration value="kelvin" /><s:enumeration value="planck" />')],
        "request-element-enum-value-added",
        I,
        "s:simpleType[@name='TemperatureUnit']/s:restriction/s:enumeration[@value='planck']",
        {"ConvertTemp"},
    ),
    # --- response side
    "response element removed": Case(
        CROWD,
        [(COOKIE, '<xsd:element minOccurs="0" name="secure" type="xsd:boolean"/>', "")],
        "response-element-removed",
        B,
        "xsd:complexType[@name='SOAPCookieInfo']/xsd:sequence",
        {"getCookieInfo"},
    ),
    "response element became optional": Case(
        CROWD,
        [(ADD_RESPONSE, 'minOccurs="1" name="out"', 'minOccurs="0" name="out"')],
        "response-element-became-optional",
        B,
        "xsd:element[@name='addPrincipalResponse']/xsd:complexType/xsd:sequence/xsd:element[@name='out']/@minOccurs",
        {"addPrincipal"},
    ),
    "response element minOccurs lowered (2 -> 1)": Case(
        CROWD,
        [(ADD_RESPONSE, 'minOccurs="2" name="out"', 'minOccurs="1" name="out"')],
        "response-element-min-occurs-lowered",
        B,
        "xsd:element[@name='addPrincipalResponse']/xsd:complexType/xsd:sequence/xsd:element[@name='out']/@minOccurs",
        {"addPrincipal"},
        both=[
            (ADD_RESPONSE, 'maxOccurs="1" minOccurs="1" name="out"', 'maxOccurs="unbounded" minOccurs="2" name="out"')
        ],
    ),
    "response element became nillable": Case(
        CROWD,
        [(COOKIE, 'name="secure" type', 'name="secure" nillable="true" type')],
        "response-element-became-nillable",
        D,
        "xsd:complexType[@name='SOAPCookieInfo']/xsd:sequence/xsd:element[@name='secure']/@nillable",
        {"getCookieInfo"},
    ),
    "response element maxOccurs raised": Case(
        CROWD,
        [(ADD_RESPONSE, 'maxOccurs="1" minOccurs="1" name="out"', 'maxOccurs="unbounded" minOccurs="1" name="out"')],
        "response-element-max-occurs-raised",
        D,
        "xsd:element[@name='addPrincipalResponse']/xsd:complexType/xsd:sequence/xsd:element[@name='out']/@maxOccurs",
        {"addPrincipal"},
    ),
    "response optional element added": Case(
        CROWD,
        [(COOKIE, "</xsd:sequence>", '<xsd:element minOccurs="0" name="path" type="xsd:string"/></xsd:sequence>')],
        "response-optional-element-added",
        I,
        "xsd:complexType[@name='SOAPCookieInfo']/xsd:sequence/xsd:element[@name='path']",
        {"getCookieInfo"},
    ),
    "response type widened (int -> long)": Case(
        TIMESHEET,
        [('<s:complexType name="Response">', 'name="ReturnCode" type="s:int"', 'name="ReturnCode" type="s:long"')],
        # Response is shared: in requests widening is harmless, in responses it is dangerous
        "response-element-type-widened",
        D,
        "s:complexType[@name='Response']/s:sequence/s:element[@name='ReturnCode']/@type",
        {
            "AddTimesheet",
            "AddTimesheetCommitPerPeriod",
            "AddTimesheetEntryByChargeCode",
            "AddTimesheetWithDefaultDistribution",
            "DeleteTimesheetEntry",
            "GetTimesheet",
            "GetTimesheetValues",
            "GetTimesheetValuesWithRelatedColumns",
        },
    ),
    "response type changed (boolean -> string)": Case(
        CROWD,
        [(COOKIE, 'name="secure" type="xsd:boolean"', 'name="secure" type="xsd:string"')],
        "response-element-type-changed",
        B,
        "xsd:complexType[@name='SOAPCookieInfo']/xsd:sequence/xsd:element[@name='secure']/@type",
        {"getCookieInfo"},
    ),
    # --- shared types: the stricter direction decides
    "element removed from a shared type": Case(
        CROWD,
        [(PRINCIPAL, '<xsd:element minOccurs="0" name="directoryId" type="xsd:long"/>', "")],
        "response-element-removed",
        B,
        "xsd:complexType[@name='SOAPPrincipal']/xsd:sequence",
        PRINCIPAL_OPS,
    ),
    "required element added to a shared type": Case(
        CROWD,
        [(PRINCIPAL, "</xsd:sequence>", '<xsd:element name="tenant" type="xsd:string"/></xsd:sequence>')],
        "request-element-added-required",
        B,
        "xsd:complexType[@name='SOAPPrincipal']/xsd:sequence/xsd:element[@name='tenant']",
        PRINCIPAL_OPS,
    ),
    "type renamed with its references": Case(
        CROWD,
        [("", "re:ApplicationAuthenticationContext", "AppAuthenticationContext")],
        "type-renamed",
        I,
        "xsd:complexType[@name='AppAuthenticationContext']",
        {"authenticateApplication"},
    ),
    # --- operations
    "operation removed": Case(
        CROWD,
        [REMOVE_FIND_OP],
        "operation-removed",
        B,
        PORT_TYPE_FIND,
        {"findPrincipalByName"},
    ),
    "deprecated operation removed before its sunset": Case(
        CROWD,
        [REMOVE_FIND_OP],
        "operation-removed-before-sunset",
        B,
        PORT_TYPE_FIND,
        {"findPrincipalByName"},
        old=[(FIND_OP, "<wsdl:input", DEPRECATED.format("2027-01-31") + "<wsdl:input")],
        sunset=dt.date(2027, 1, 31),
    ),
    "deprecated operation removed after its sunset": Case(
        CROWD,
        [REMOVE_FIND_OP],
        "operation-removed",
        B,  # as graphql-core and GraphQL Inspector grade a deprecated field's removal
        PORT_TYPE_FIND,
        {"findPrincipalByName"},
        old=[(FIND_OP, "<wsdl:input", DEPRECATED.format("2025-06-30") + "<wsdl:input")],
        sunset=dt.date(2025, 6, 30),
    ),
    "deprecated operation removed after its sunset, removals relaxed": Case(
        CROWD,
        [REMOVE_FIND_OP],
        "operation-removed",
        D,
        PORT_TYPE_FIND,
        {"findPrincipalByName"},
        old=[(FIND_OP, "<wsdl:input", DEPRECATED.format("2025-06-30") + "<wsdl:input")],
        sunset=dt.date(2025, 6, 30),
        policies=RELAXED_REMOVALS,
    ),
    "deprecated operation removed before its sunset, removals relaxed": Case(
        CROWD,
        [REMOVE_FIND_OP],
        "operation-removed-before-sunset",
        B,  # the announced date is a promise the relaxation does not break
        PORT_TYPE_FIND,
        {"findPrincipalByName"},
        old=[(FIND_OP, "<wsdl:input", DEPRECATED.format("2027-01-31") + "<wsdl:input")],
        sunset=dt.date(2027, 1, 31),
        policies=RELAXED_REMOVALS,
    ),
    "operation renamed": Case(
        CROWD,
        [("", f"re:{FIND_OP}", '<wsdl:operation name="lookupPrincipalByName">')],
        "operation-renamed",
        B,
        "wsdl:portType[@name='SecurityServerPortType']/wsdl:operation[@name='lookupPrincipalByName']",
        {"findPrincipalByName", "lookupPrincipalByName"},
    ),
    "operation added": Case(
        CROWD,
        [
            (
                "",
                r"re:(<wsdl:operation name=\"findPrincipalByName\">(.*?)</wsdl:operation>)",
                r'\1<wsdl:operation name="findPrincipalByNameV2">\2</wsdl:operation>',
            )
        ],
        "operation-added",
        I,
        "wsdl:portType[@name='SecurityServerPortType']/wsdl:operation[@name='findPrincipalByNameV2']",
        {"findPrincipalByNameV2"},
    ),
    "operation deprecated with a sunset": Case(
        CROWD,
        [(FIND_OP, "<wsdl:input", DEPRECATED.format("2027-01-31") + "<wsdl:input")],
        "operation-deprecated",
        I,
        f"{PORT_TYPE_FIND}/wsdl:documentation",
        {"findPrincipalByName"},
        sunset=dt.date(2027, 1, 31),
        deprecation=True,
    ),
    "sunset announced for a deprecated operation": Case(
        CROWD,
        [(FIND_OP, "<wsdl:input", DEPRECATED.format("2026-09-30") + "<wsdl:input")],
        "operation-sunset-added",
        I,
        f"{PORT_TYPE_FIND}/wsdl:documentation",
        {"findPrincipalByName"},
        old=[
            (
                FIND_OP,
                "<wsdl:input",
                "<wsdl:documentation>Deprecated: use searchPrincipals.</wsdl:documentation><wsdl:input",
            )
        ],
        sunset=dt.date(2026, 9, 30),
        deprecation=True,
    ),
    "sunset moved earlier": Case(
        CROWD,
        [(FIND_OP, "<wsdl:input", DEPRECATED.format("2026-09-30") + "<wsdl:input")],
        "operation-sunset-moved-earlier",
        B,  # breaking in every protocol, as oasdiff grades api-sunset-date-changed-too-small
        f"{PORT_TYPE_FIND}/wsdl:documentation",
        {"findPrincipalByName"},
        old=[(FIND_OP, "<wsdl:input", DEPRECATED.format("2027-01-31") + "<wsdl:input")],
        sunset=dt.date(2026, 9, 30),
        deprecation=True,
    ),
    "sunset moved later": Case(
        CROWD,
        [(FIND_OP, "<wsdl:input", DEPRECATED.format("2027-01-31") + "<wsdl:input")],
        "operation-sunset-moved-later",
        I,
        f"{PORT_TYPE_FIND}/wsdl:documentation",
        {"findPrincipalByName"},
        old=[(FIND_OP, "<wsdl:input", DEPRECATED.format("2026-09-30") + "<wsdl:input")],
        sunset=dt.date(2027, 1, 31),
        deprecation=False,  # a later sunset needs no action: --fail-on deprecation ignores it
    ),
    "fault added": Case(
        CROWD,
        [
            (
                FIND_OP,
                "</wsdl:output>",
                '</wsdl:output><wsdl:fault name="InvalidUserException" '
                'message="tns:InvalidUserException"></wsdl:fault>',
            )
        ],
        "operation-fault-added",
        D,
        f"{PORT_TYPE_FIND}/wsdl:fault[@name='InvalidUserException']",
        {"findPrincipalByName"},
    ),
    "fault removed": Case(
        CROWD,
        [(FIND_OP, '<wsdl:fault name="RemoteException" message="tns:RemoteException"></wsdl:fault>', "")],
        "operation-fault-removed",
        I,
        PORT_TYPE_FIND,  # gone from NEW: the location is the operation it was removed from
        {"findPrincipalByName"},
    ),
    "request message part added": Case(
        CROWD,
        [
            (
                '<wsdl:message name="findPrincipalByNameRequest">',
                "</wsdl:part>",
                '</wsdl:part><wsdl:part name="extra" element="tns:findPrincipalByToken"></wsdl:part>',
            )
        ],
        "request-part-added",
        B,
        "wsdl:message[@name='findPrincipalByNameRequest']/wsdl:part[@name='extra']",
        {"findPrincipalByName"},
    ),
    "response message part element changed": Case(
        CROWD,
        [
            (
                '<wsdl:message name="findPrincipalByNameResponse">',
                'element="tns:findPrincipalByNameResponse"',
                'element="tns:findPrincipalByTokenResponse"',
            )
        ],
        "response-part-element-changed",
        B,
        "wsdl:message[@name='findPrincipalByNameResponse']/wsdl:part[@name='parameters']/@element",
        {"findPrincipalByName"},
    ),
    # --- bindings, ports, services, namespaces
    "SOAPAction changed": Case(
        TEMPERATURE,
        [("<soap12:operation", 'soapAction="http://www.webserviceX.NET/ConvertTemp"', 'soapAction="urn:ConvertTemp"')],
        "operation-soap-action-changed",
        B,
        "wsdl:binding[@name='ConvertTemperatureSoap12']/wsdl:operation[@name='ConvertTemp']/soap12:operation"
        "/@soapAction",
        {"ConvertTemp"},
    ),
    "style changed": Case(
        TEMPERATURE,
        [("<soap:operation", 'style="document"', 'style="rpc"')],
        "operation-style-changed",
        B,
        "wsdl:binding[@name='ConvertTemperatureSoap']/wsdl:operation[@name='ConvertTemp']/soap:operation/@style",
        {"ConvertTemp"},
    ),
    "use changed": Case(
        TEMPERATURE,
        [("<soap:operation", '<soap:body use="literal" />', '<soap:body use="encoded" />')],
        "operation-use-changed",
        B,
        "wsdl:binding[@name='ConvertTemperatureSoap']/wsdl:operation[@name='ConvertTemp']/wsdl:input/soap:body/@use",
        {"ConvertTemp"},
    ),
    "endpoint address changed": Case(
        TEMPERATURE,
        [("<soap12:address", "http://www.webservicex.net/", "https://api.webservicex.net/")],
        "endpoint-address-changed",
        D,
        "wsdl:service[@name='ConvertTemperature']/wsdl:port[@name='ConvertTemperatureSoap12']/soap12:address/@location",
        {"ConvertTemp"},
    ),
    "SOAP 1.2 port removed": Case(
        TEMPERATURE,
        [("", r're:<wsdl:port name="ConvertTemperatureSoap12".*?</wsdl:port>', "")],
        "port-removed",
        B,
        "wsdl:service[@name='ConvertTemperature']/wsdl:port[@name='ConvertTemperatureSoap12']",
        {"ConvertTemp"},
    ),
    "port switched to the SOAP 1.2 binding": Case(
        TEMPERATURE,
        [
            (
                '<wsdl:port name="ConvertTemperatureSoap" ',
                'binding="tns:ConvertTemperatureSoap"',
                'binding="tns:ConvertTemperatureSoap12"',
            )
        ],
        "port-soap-version-changed",
        B,
        "wsdl:service[@name='ConvertTemperature']/wsdl:port[@name='ConvertTemperatureSoap']/@binding",
        {"ConvertTemp"},
    ),
    "service removed": Case(
        TEMPERATURE,
        [("", r're:<wsdl:service name="ConvertTemperature">.*?</wsdl:service>', "")],
        "service-removed",
        B,
        "wsdl:service[@name='ConvertTemperature']",
        {"ConvertTemp"},
    ),
    "target namespace changed": Case(
        TEMPERATURE,
        [("", 're:http://www.webserviceX.NET/"', 'http://www.webservicex.net/v2"')],
        "target-namespace-changed",
        B,
        "wsdl:definitions/@targetNamespace",
        {"ConvertTemp"},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_planted_change_is_found_alone(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    old_path = _plant(tmp_path, case.source, "old", case.both + case.old)
    new_path = _plant(tmp_path, case.source, "new", case.both + case.new)
    old, new = load_contract(old_path), load_contract(new_path)
    changes = diff(old, new, today=case.today, policies=case.policies)
    assert len(changes) == 1, [(c.id, c.location, c.message) for c in changes]
    (change,) = changes
    assert (change.id, change.severity, change.location) == (case.rule, case.severity, case.location), change
    assert _names(change) == case.operations
    # every port that offers the operation is listed (SOAP 1.1 and 1.2 are separate operations)
    everywhere = {op.id for op in (*old.operations, *new.operations) if op.name in case.operations}
    assert set(change.operations) <= everywhere
    assert change.sunset == case.sunset and change.deprecation is case.deprecation
    assert diff(new, new, today=case.today) == []


def test_soap_11_and_12_ports_are_reported_as_separate_operations(tmp_path: Path) -> None:
    old = load_contract(_plant(tmp_path, TEMPERATURE, "old", []))
    new = load_contract(_plant(tmp_path, TEMPERATURE, "new", CASES["request enumeration value removed"].new))
    (change,) = diff(old, new)
    assert change.operations == (
        "ConvertTemperature/ConvertTemperatureSoap/ConvertTemp",
        "ConvertTemperature/ConvertTemperatureSoap12/ConvertTemp",
    )


# --- 3. diff(a, a) is empty for the whole corpus ---------------------------------------------------------

WSDLS = [rel for rel in [*CONTRACTS, *ORACLE_WSDLS] if rel.startswith("wsdl/") and rel not in EXPECTED_REFUSALS]


@pytest.mark.parametrize("relative", WSDLS)
def test_diff_of_a_contract_with_itself_is_empty(relative: str) -> None:
    path = corpus(*relative.split("/"))
    try:
        old = load_contract(path, mirrors=corpus_mirrors(relative))
    except LoadError:
        pytest.skip("the corpus load test covers this refusal")
    new = load_contract(path, mirrors=corpus_mirrors(relative))
    assert diff(old, new) == []


# --- 4. reformatting is not a change --------------------------------------------------------------------


def test_reformatted_schema_diffs_empty(tmp_path: Path) -> None:
    """Prefixes renamed, attributes reordered, whitespace changed, a type moved to an included XSD."""
    original = REPO / "contracts/crm/v1"
    folder = tmp_path / "reformatted"
    shutil.copytree(original, folder)
    types = (folder / "crm-types.xsd").read_text(encoding="utf-8")
    types = types.replace("xmlns:xs=", "xmlns:schema=").replace("xs:", "schema:").replace("xmlns:crm=", "xmlns:t=")
    types = types.replace('"crm:', '"t:').replace("\n      ", "\n  ")
    types = re.sub(r'name="(\w+)" type="([^"]+)"', r'type="\2"   name="\1"', types)
    moved = re.search(r'<schema:simpleType name="PhoneType">.*?</schema:simpleType>', types, re.DOTALL)
    assert moved is not None
    types = types.replace(moved.group(0), '<schema:include schemaLocation="phone.xsd"/>')
    (folder / "crm-types.xsd").write_text(types, encoding="utf-8")
    (folder / "phone.xsd").write_text(
        '<?xml version="1.0"?>\n<q:schema xmlns:q="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:example:crm:types" elementFormDefault="qualified">'
        + moved.group(0).replace("schema:", "q:")
        + "</q:schema>",
        encoding="utf-8",
    )
    wsdl = (folder / "crm.wsdl").read_text(encoding="utf-8").replace("tns:", "api:").replace("xmlns:tns=", "xmlns:api=")
    (folder / "crm.wsdl").write_text(wsdl, encoding="utf-8")
    old, new = load_contract(original / "crm.wsdl"), load_contract(folder / "crm.wsdl")
    assert len(new.files) == len(old.files) + 1, "the moved type really lives in another file"
    assert diff(old, new) == []


def test_diff_refuses_a_non_wsdl_contract() -> None:
    wsdl = load_contract(REPO / "contracts/crm/v1/crm.wsdl")
    openapi = load_contract(REPO / "contracts/payments/v1/openapi.yaml")
    with pytest.raises(CtkError) as refused:
        diff(openapi, wsdl)
    assert refused.value.hint

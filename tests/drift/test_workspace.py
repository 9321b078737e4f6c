"""End to end: each example workspace API, v1 → v2, through the real CLI, against the answer key.

The expected rows are written out here from contracts/README.md (rule id, severity, location in v2,
operations, sunset); nothing is parsed from the README at test time. Both forms are checked:
``ctk drift contracts/X/v1 contracts/X/v2`` and ``ctk drift X`` (NEW from ``published``).

Changes are compared per (rule, severity, location) with their operations unioned, because OpenAPI
diffs report one change per operation and media type while WSDL and GraphQL report one per place.
The location is the one in v2, or in v1 for what v2 no longer has (``Change.location``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.cli import ctk
from tests.support.paths import REPO


@dataclass(frozen=True)
class Row:
    id: str
    severity: str
    location: str
    operations: frozenset[str]  # must all be reported
    also: frozenset[str] = frozenset()  # may be reported too (a shared type's harmless direction)
    sunset: str | None = None


def row(id: str, severity: str, location: str, ops: str, also: str = "", sunset: str | None = None) -> Row:  # noqa: A002
    split = lambda text: frozenset(op.strip() for op in text.split(",") if op.strip())  # noqa: E731
    return Row(id, severity, location, split(ops), split(also), sunset)


CUSTOMER_OPS = "GET /customers, POST /customers, GET /customers/{customer_id}, POST /customers/{customer_id}"
INTENT_OPS = (
    "GET /payment_intents, POST /payment_intents, GET /payment_intents/{intent_id}, "
    "POST /payment_intents/{intent_id}/confirm, POST /payment_intents/{intent_id}/cancel"
)
PRODUCT_OPS = (
    "Query.node, Query.product, Query.productBySku, Query.products, Query.search, Query.warehouse, "
    "Query.warehouses, Mutation.adjustStock, Mutation.createProduct"
)

ANSWER_KEY: dict[str, list[Row]] = {
    "payments": [
        row("response-optional-property-removed", "breaking", "/components/schemas/Customer/properties", CUSTOMER_OPS),
        row(
            "request-property-became-required",
            "breaking",
            "/components/schemas/PaymentIntentCreateParams/required",
            "POST /payment_intents",
        ),
        row(
            "request-property-type-changed",
            "breaking",
            "/components/schemas/RefundCreateParams/properties/amount/type",
            "POST /refunds",
        ),
        row(
            "request-property-enum-value-removed",
            "breaking",
            "/components/schemas/PaymentIntentCreateParams/properties/capture_method/enum",
            "POST /payment_intents",
        ),
        row(
            "response-optional-property-added",
            "info",
            "/components/schemas/Customer/properties/preferred_locales",
            CUSTOMER_OPS,
        ),
        row("endpoint-deprecated-with-sunset", "info", "/paths/~1charges/get", "GET /charges", sunset="2027-06-30"),
        row(
            "response-property-enum-value-added",
            "dangerous",
            "/components/schemas/PaymentIntent/properties/status/enum",
            INTENT_OPS,
        ),
    ],
    # SOAP operation ids are Service/Port/Operation (one per SOAP 1.1 and 1.2 port): compared by operation name.
    "crm": [
        row(
            "response-element-removed",
            "breaking",
            "xs:complexType[@name='Account']/xs:sequence",
            "GetAccount, SearchAccounts",
        ),
        row(
            "request-element-became-required",
            "breaking",
            "xs:complexType[@name='Contact']/xs:complexContent/xs:extension/xs:sequence/xs:element[@name='email']/@minOccurs",
            "CreateContact",
            also="GetContact, ListContacts",
        ),
        row(
            "request-element-type-narrowed",
            "breaking",
            "xs:simpleType[@name='AccountNameType']/xs:restriction/xs:maxLength/@value",
            "CreateAccount, UpdateAccount",
            also="GetAccount, SearchAccounts",
        ),
        row(
            "request-element-enum-value-removed",
            "breaking",
            "xs:simpleType[@name='LeadStatusType']/xs:restriction",
            "CreateLead",
        ),
        row(
            "response-optional-element-added",
            "info",
            "xs:complexType[@name='Contact']/xs:complexContent/xs:extension/xs:sequence/xs:element[@name='mobilePhone']",
            "GetContact, ListContacts",
            also="CreateContact",
        ),
        row(
            "operation-deprecated",
            "info",
            "wsdl:portType[@name='CrmPortType']/wsdl:operation[@name='ListContacts']/wsdl:documentation",
            "ListContacts",
            sunset="2027-03-31",
        ),
        row(
            "response-element-enum-value-added",
            "dangerous",
            "xs:simpleType[@name='AccountStatusType']/xs:restriction/xs:enumeration[@value='Archived']",
            "GetAccount, SearchAccounts",
        ),
    ],
    "inventory": [
        row("FIELD_REMOVED", "breaking", "Product.legacyCode", PRODUCT_OPS),
        row("FIELD_CHANGED_KIND", "breaking", "AdjustStockInput.reason", "Mutation.adjustStock"),
        row("FIELD_CHANGED_KIND", "breaking", "ProductFilter.minPrice", "Query.products"),
        row("VALUE_REMOVED_FROM_ENUM", "breaking", "StockStatus.DISCONTINUED", PRODUCT_OPS),
        row("FIELD_ADDED", "info", "Product.barcode", PRODUCT_OPS),
        row("FIELD_DEPRECATION_ADDED", "info", "Query.productBySku", "Query.productBySku", sunset="2027-01-31"),
        row("DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED", "info", "Query.productBySku.@deprecated", "Query.productBySku"),
        row("DIRECTIVE_USAGE_ARGUMENT_ADDED", "info", "Query.productBySku.@deprecated.reason", "Query.productBySku"),
        row("VALUE_ADDED_TO_ENUM", "dangerous", "ProductStatus.ARCHIVED", PRODUCT_OPS),
    ],
}


def _operation_name(api: str, operation: str) -> str:
    return operation.rsplit("/", 1)[-1] if api == "crm" else operation


def _found(api: str, changes: list[dict[str, Any]]) -> dict[tuple[str, str, str], tuple[set[str], set[str | None]]]:
    """(id, severity, location) -> (operations, sunsets), over every change reported for ``api``."""
    found: dict[tuple[str, str, str], tuple[set[str], set[str | None]]] = defaultdict(lambda: (set(), set()))
    for change in changes:
        assert change["api"] == api
        location = change["location"]["new"] if change["location"]["new"] is not None else change["location"]["old"]
        operations, sunsets = found[(change["id"], change["severity"], location)]
        operations.update(_operation_name(api, op) for op in change["operations"])
        sunsets.add(change["sunset"])
    return dict(found)


def _check(api: str, report: dict[str, Any]) -> None:
    assert [entry["status"] for entry in report["apis"]] == ["failing"], report["apis"]
    found = _found(api, report["changes"])
    expected = {(r.id, r.severity, r.location): r for r in ANSWER_KEY[api]}
    assert sorted(found) == sorted(expected)  # every row, and nothing more
    for key, expected_row in expected.items():
        operations, sunsets = found[key]
        assert expected_row.operations <= operations <= expected_row.operations | expected_row.also, key
        assert sunsets == {expected_row.sunset}, key
    counts = {
        severity: sum(r.severity == severity for r in ANSWER_KEY[api]) for severity in ("breaking", "dangerous", "info")
    }
    assert all((report["summary"][severity] > 0) == (counts[severity] > 0) for severity in counts)


def _run(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = ctk("drift", *args, "--format", "json")
    assert out, err
    data: dict[str, Any] = json.loads(out)
    return code, data, err


@pytest.mark.parametrize("api", sorted(ANSWER_KEY))
def test_v1_to_v2_by_path_matches_the_answer_key(api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, report, err = _run(f"contracts/{api}/v1", f"contracts/{api}/v2")
    _check(api, report)
    assert code == 1, err  # every API has breaking changes


@pytest.mark.parametrize("api", sorted(ANSWER_KEY))
def test_workspace_api_against_published_matches_the_answer_key(api: str) -> None:
    code, report, err = _run(api, "--workspace", str(REPO))
    assert report["apis"][0]["via"] == "published"
    _check(api, report)
    assert code == 1, err


def test_the_whole_workspace_in_one_report() -> None:
    code, report, err = _run("--workspace", str(REPO))
    assert [entry["api"] for entry in report["apis"]] == ["payments", "crm", "inventory"]
    for api in ANSWER_KEY:
        _check(
            api,
            {
                "apis": [e for e in report["apis"] if e["api"] == api],
                "changes": [c for c in report["changes"] if c["api"] == api],
                "summary": next(e["summary"] for e in report["apis"] if e["api"] == api),
            },
        )
    assert code == 1, err

"""One finding per cause: grouping in the report layer, the same for every protocol.

The unit cases pin the grouping rule on changes shaped as each protocol's diff writes them; the
Stripe pair (../shared/corpus/drift/openapi) pins the point of it through the real CLI: 477 breaking
rows that are one removed optional property, reached through every operation's ``default`` error
response, come out as one finding listing its operations, while JSON keeps every row and
``--explode`` still draws one row per operation.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import ctk
from tests.support.corpus import corpus
from tests.support.drift import BREAKING, DANGEROUS, INFO, report_of
from tests.support.paths import REPO
from toolkit.drift.findings import group, split_route, without_operation
from toolkit.drift.renderers import render
from toolkit.model import Change

SHARED = "/components/schemas/sepa_debit/properties/mandate"
PARENT = "/components/schemas/sepa_debit/properties"


def removed(operation: str, route: str, old: str = SHARED, new: str = PARENT) -> Change:
    """An OpenAPI row: one operation, its route to the place, and what happened there."""
    return Change(
        "response-optional-property-removed",
        BREAKING,
        f"{operation}: {route}: was removed (it was optional)",
        (operation,),
        old=old,
        new=new,
    )


def test_a_shared_place_reached_by_many_operations_is_one_finding() -> None:
    changes = [
        removed(
            "DELETE /v1/account", "property `error/card/sepa_debit/mandate` of the default response (application/json)"
        ),
        removed(
            "GET /v1/charges", "property `error/card/sepa_debit/mandate` of the default response (application/json)"
        ),
        removed("GET /v1/charges", "property `data/items/sepa_debit/mandate` of the 200 response (application/json)"),
        removed("POST /v1/charges", "property `sepa_debit/mandate` of the 200 response (application/json)"),
    ]
    [finding] = group(changes)
    assert finding.operations == ("DELETE /v1/account", "GET /v1/charges", "POST /v1/charges")
    assert finding.changes == tuple(changes)  # the per-operation detail stays with it
    assert finding.location == PARENT and finding.change.old == SHARED
    # the routes differ, so the cause is said by what they name alike
    assert finding.message == "property `…/sepa_debit/mandate`: was removed (it was optional)"
    assert len(finding.reached) == 3


def test_one_route_keeps_its_words_without_the_operation() -> None:
    route = "property `error/mandate` of the default response (application/json)"
    [finding] = group([removed("GET /a", route), removed("GET /b", route)])
    assert finding.message == f"{route}: was removed (it was optional)"
    assert finding.operations == ("GET /a", "GET /b") and finding.reached == ()


def test_different_members_at_one_place_stay_different_causes() -> None:
    where = "/paths/~1hooks/post/requestBody/content/application~1json/schema/properties/events/items/enum"

    def enum_removed(value: str) -> Change:
        place = "property `events/items` of the request body (application/json)"
        message = f"POST /hooks: {place}: enum value `{value}` was removed"
        return Change("request-property-enum-value-removed", BREAKING, message, ("POST /hooks",), old=where, new=where)

    findings = group([enum_removed("a.canceled"), enum_removed("b.canceled")])
    assert [f.message for f in findings] == [
        "property `events/items` of the request body (application/json): enum value `a.canceled` was removed",
        "property `events/items` of the request body (application/json): enum value `b.canceled` was removed",
    ]


def test_within_one_operation_two_routes_to_one_place_stay_apart() -> None:
    # two media types renamed in one response: the response node alone does not say which
    def renamed(media: str) -> Change:
        message = f"GET /a: the media type `{media}` of the 200 response became `application/json`: generalized"
        return Change("response-media-type-name-generalized", INFO, message, ("GET /a",), old="/r", new="/r")

    assert len(group([renamed("application/x+json"), renamed("application/y+json")])) == 2


def test_one_property_through_two_request_media_types_is_one_cause() -> None:
    def required(media: str) -> Change:
        message = f"POST /intents: property `currency` of the request body ({media}): became required"
        where = "/components/schemas/IntentParams/required"
        return Change("request-property-became-required", BREAKING, message, ("POST /intents",), old=where, new=where)

    [finding] = group([required("application/json"), required("application/x-www-form-urlencoded")])
    assert finding.message == "property `currency` of the request body: became required"
    assert finding.operations == ("POST /intents",) and len(finding.changes) == 2


def test_other_protocols_group_only_identical_causes() -> None:
    # GraphQL and WSDL report one change per place with its operations: two sentences at one place stay two
    a = Change("FIELD_REMOVED", BREAKING, "Field Product.sku was removed", ("Query.product",), old="Product.sku")
    b = Change("FIELD_REMOVED", BREAKING, "Field Product.sku was removed", ("Query.products",), old="Product.sku")
    c = Change("FIELD_REMOVED", BREAKING, "Field Product.sku: reason changed", ("Query.search",), old="Product.sku")
    findings = group([a, b, c])
    assert [f.operations for f in findings] == [("Query.product", "Query.products"), ("Query.search",)]
    assert findings[1].message == c.message  # no operation prefix: the message is kept whole


def test_severity_sunset_and_source_split_causes() -> None:
    base = removed("GET /a", "property `x` of the 200 response (application/json)")
    other = Change(base.id, DANGEROUS, "GET /b: property `x` of the 200 response (application/json): was removed "
                   "(it was optional)", ("GET /b",), old=SHARED, new=PARENT)  # fmt: skip
    assert len(group([base, other])) == 2


def test_message_helpers() -> None:
    change = removed("GET /a", "property `a: b` of the 200 response")
    assert without_operation(change) == "property `a: b` of the 200 response: was removed (it was optional)"
    assert split_route("property `a: b` of it: gone") == ("property `a: b` of it", "gone")
    assert split_route("no route here") == ("", "no route here")


def test_the_report_counts_findings_and_keeps_changes() -> None:
    route = "property `fax` of the 200 response (application/json)"
    report = report_of(removed("GET /customers", route), removed("POST /customers", route))
    drift = report.apis[0]
    assert len(report.active(drift)) == 2 and len(report.findings(drift)) == 1
    assert report.finding_counts() == {BREAKING: 1, DANGEROUS: 0, INFO: 0}
    assert len(report.findings(drift, explode=True)) == 2
    data = json.loads(render(report, "json"))
    assert len(data["changes"]) == 2
    [finding] = data["findings"]
    assert finding["operations"] == ["GET /customers", "POST /customers"] and finding["changes"] == [0, 1]
    assert finding["operation_count"] == 2 and finding["change_count"] == 2


# --- the Stripe pair, through the CLI ------------------------------------------------------------------

STRIPE = "drift/openapi/stripe-spec3-2019-09-27"


@pytest.fixture(scope="module")
def stripe() -> tuple[str, str]:
    folder: Path = corpus(STRIPE)
    return str(folder / "base.json"), str(folder / "revision.json")


def _json(*args: str) -> dict[str, Any]:
    code, out, err = ctk("drift", *args, "--format", "json")
    assert code == 1, err  # breaking changes, at the default --fail-on breaking
    data: dict[str, Any] = json.loads(out)
    return data


def test_stripe_breaking_section_lists_each_cause_once(stripe: tuple[str, str]) -> None:
    data = _json(*stripe)
    breaking_rows = [c for c in data["changes"] if c["severity"] == "breaking"]
    assert len(breaking_rows) > 400  # JSON keeps every per-operation row
    breaking = [f for f in data["findings"] if f["severity"] == "breaking"]
    assert len(breaking) < 20
    causes = Counter((f["id"], f["location"]["old"], f["location"]["new"], f["message"]) for f in breaking)
    assert max(causes.values()) == 1
    [mandate] = [
        f for f in breaking if f["location"]["old"].endswith("/payment_method_details_sepa_debit/properties/mandate")
    ]
    assert mandate["change_count"] >= 470  # the ~477 rows of one removed optional property
    assert mandate["operation_count"] == len(mandate["operations"]) > 300
    assert "DELETE /v1/account" in mandate["operations"]
    assert "sepa_debit/mandate" in mandate["message"] and "was removed" in mandate["message"]
    rows = [data["changes"][i] for i in mandate["changes"]]
    assert {row["id"] for row in rows} == {"response-optional-property-removed"}
    assert data["finding_summary"]["breaking"] == len(breaking)
    assert data["summary"]["breaking"] == len(breaking_rows)


def test_stripe_markdown_fits_a_pull_request_comment_and_says_each_cause_once(stripe: tuple[str, str]) -> None:
    code, out, _ = ctk("drift", *stripe, "--format", "markdown")
    assert code == 1
    assert len(out) < 60_000
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#### Breaking ("))
    end = next(i for i, line in enumerate(lines[start + 1 :], start + 1) if line.startswith("#### "))
    section = lines[start:end]
    rows = [line for line in section if "payment_method_details_sepa_debit" in line]
    assert len(rows) == 1 and "operations:**" in rows[0]  # one row, saying how many operations it reaches


@pytest.mark.parametrize("api", ["crm", "inventory"])
def test_wsdl_and_graphql_changes_are_already_one_per_cause(api: str) -> None:
    # their diffs report one change per place with its operations: grouping keeps each as it is
    code, out, err = ctk(
        "drift", str(REPO / f"contracts/{api}/v1"), str(REPO / f"contracts/{api}/v2"), "--format", "json"
    )
    assert code == 1, err
    data = json.loads(out)
    assert len(data["findings"]) == len(data["changes"]) > 0
    for finding in data["findings"]:
        [index] = finding["changes"]
        row = data["changes"][index]
        assert [finding[key] for key in ("id", "operations", "message")] == [
            row["id"],
            row["operations"],
            row["message"],
        ]

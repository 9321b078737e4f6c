"""``ctk drift --path/--operation/--severity``: a run that looks at part of the drift, exit code included.

The payments pair is loaded for real (its operations, paths and operationIds); the diff is stubbed with the
four shared changes (a deprecation on GET /charges, an enum value added under PaymentIntent, the version, a
property removed from Customer).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.support.cli import ctk
from tests.support.drift import PAIR, stub_diff

DEPRECATED = "endpoint-deprecated-with-sunset"
ENUM_ADDED = "response-property-enum-value-added"
VERSION = "info-version-changed"
REMOVED = "response-optional-property-removed"


@pytest.fixture(autouse=True)
def _stubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    stub_diff(monkeypatch)


def kept(*flags: str) -> tuple[int, set[str]]:
    code, out, err = ctk("drift", *PAIR, "--format", "json", *flags)
    assert out, err
    return code, {change["id"] for change in json.loads(out)["changes"]}


@pytest.mark.parametrize(
    ("flags", "ids"),
    [
        ((), {DEPRECATED, ENUM_ADDED, VERSION, REMOVED}),
        (("--severity", "breaking"), {REMOVED}),
        (("--severity", "breaking", "--severity", "dangerous"), {REMOVED, ENUM_ADDED}),
        (("--severity", "deprecation"), {DEPRECATED}),
        (("--operation", "GET /charges"), {DEPRECATED}),
        (("--operation", "* /customers"), {REMOVED}),
        (("--operation", "createCustomer"), {REMOVED}),  # an operationId
        (("--operation", "listPaymentIntents", "--operation", "GET /charges"), {ENUM_ADDED, DEPRECATED}),
        (("--path", "/customers"), {REMOVED}),  # an operation's URL path
        (("--path", "/info/*"), {VERSION}),  # a contract-wide change, by its place
        (("--path", "/components/schemas/PaymentIntent/*"), {ENUM_ADDED}),
        (("--path", "/charges", "--severity", "dangerous"), set()),  # flags must all match
        (("--path", "/charges", "--severity", "info"), {DEPRECATED}),
        (("--operation", "nothing-like-it"), set()),
    ],
)
def test_filters_select_changes(flags: tuple[str, ...], ids: set[str]) -> None:
    assert kept(*flags)[1] == ids


def test_what_is_filtered_out_does_not_fail_the_run() -> None:
    assert kept()[0] == 1
    assert kept("--severity", "dangerous")[0] == 0
    assert kept("--severity", "dangerous", "--fail-on", "dangerous")[0] == 1
    assert kept("--operation", "GET /charges", "--fail-on", "dangerous")[0] == 0


def test_junit_lists_only_the_selected_operations() -> None:
    code, out, _ = ctk("drift", *PAIR, "--format", "junit", "--operation", "*Customer*")
    assert code == 1
    names = {case.get("name") for case in ET.fromstring(out).iter("testcase")}
    assert names == {"GET /customers", "POST /customers", "GET /customers/{customer_id}",
                     "POST /customers/{customer_id}", "DELETE /customers/{customer_id}"}  # fmt: skip


def test_an_unknown_severity_is_a_usage_error() -> None:
    code, _, err = ctk("drift", *PAIR, "--severity", "fatal")
    assert code == 2 and "'fatal' is not one of" in err

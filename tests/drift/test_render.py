"""The drift renderers: JSON shape and order, JUnit validity and cases, HTML escaping, Markdown tables, text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.support.drift import BREAKING, CHANGES, DANGEROUS, report_of
from toolkit.drift.ignore import IgnoreEntry, IgnoreList
from toolkit.drift.renderers import FORMATS, render
from toolkit.drift.report import ApiDrift, ApiError, DriftReport, FailOn
from toolkit.model import Change

TODAY = dt.date(2026, 11, 21)
HOSTILE = Change(
    "request-property-removed",
    BREAKING,
    "description now says <script>alert('x')</script> & | pipes `ticks`",
    ("POST /customers",),
    old="/components/schemas/<b>Customer</b>",
    new=None,
)
IGNORE = IgnoreEntry(
    id="response-property-enum-value-added",
    location="/components/schemas/PaymentIntent/*",
    reason="we map unknown statuses to pending",
    expires=dt.date(2027, 1, 31),
    where="drift-ignore.toml:1",
)


def full_report(*extra: Change) -> DriftReport:
    """payments with every kind of change and one ignored; crm that could not be compared."""
    base = report_of(*CHANGES, *extra, ignores=IgnoreList((IGNORE,)), today=TODAY)
    crm = ApiDrift(
        name="crm",
        old="contracts/crm/v1/crm.wsdl",
        new="https://crm.example.com/soap/v1?wsdl",
        via="wsdl",
        error=ApiError("answered HTTP 503", where="https://crm.example.com/soap/v1?wsdl", hint="try later"),
    )
    return dataclasses.replace(base, apis=(*base.apis, crm))


def as_json(report: DriftReport, level: FailOn = FailOn.BREAKING) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "json", level))
    return data


CHANGE_KEYS = [
    "api",
    "id",
    "severity",
    "operation",
    "operations",
    "location",
    "message",
    "sunset",
    "deprecation",
    "source",
]


def test_json_has_exactly_the_documented_shape() -> None:
    data = as_json(full_report())
    assert list(data) == ["changes", "findings", "summary", "finding_summary", "errors", "skipped", "apis"]
    assert data["summary"] == {"breaking": 1, "dangerous": 0, "info": 2}  # the dangerous one is ignored
    assert data["finding_summary"] == {"breaking": 1, "dangerous": 0, "info": 2}
    where = "https://crm.example.com/soap/v1?wsdl"
    assert data["errors"] == [{"api": "crm", "message": "answered HTTP 503", "where": where, "hint": "try later"}]
    assert data["skipped"] == []
    for finding in data["findings"]:
        assert list(finding) == [*CHANGE_KEYS, "operation_count", "reached", "change_count", "changes"]
        assert finding["change_count"] == len(finding["changes"])
    for change in data["changes"]:
        assert list(change) == CHANGE_KEYS
        assert list(change["location"]) == ["old", "new"]
        assert change["severity"] in ("breaking", "dangerous", "info")
        assert isinstance(change["operations"], list) and isinstance(change["deprecation"], bool)
        assert change["operation"] == (change["operations"][0] if change["operations"] else None)
        assert change["sunset"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", change["sunset"])
    first = data["changes"][0]
    assert first == {
        "api": "payments",
        "id": "response-optional-property-removed",
        "severity": "breaking",
        "operation": "GET /customers",
        "operations": ["GET /customers", "POST /customers"],
        "location": {
            "old": "/components/schemas/Customer/properties/fax",
            "new": "/components/schemas/Customer/properties",
        },
        "message": "Customer.fax was removed",
        "sunset": None,
        "deprecation": False,
        "source": "diff",
    }
    assert [c["id"] for c in data["changes"]] == [
        "response-optional-property-removed",
        "info-version-changed",
        "endpoint-deprecated-with-sunset",
    ]
    assert data["changes"][2]["sunset"] == "2027-06-30"


def test_json_lists_ignored_changes_and_errors_per_api() -> None:
    payments, crm = as_json(full_report())["apis"]
    assert payments["api"] == "payments" and payments["status"] == "failing" and payments["error"] is None
    [ignored] = payments["ignored"]
    assert ignored["id"] == "response-property-enum-value-added"
    assert ignored["ignored"] == {
        "reason": "we map unknown statuses to pending",
        "until": "2027-01-31",
        "entry": "drift-ignore.toml:1",
    }
    assert crm["status"] == "error"
    assert crm["error"] == {
        "message": "answered HTTP 503",
        "where": "https://crm.example.com/soap/v1?wsdl",
        "hint": "try later",
    }
    assert crm["summary"] == {"breaking": 0, "dangerous": 0, "info": 0}


def test_json_is_stable_whatever_order_changes_arrive_in() -> None:
    forward = render(report_of(*CHANGES), "json", FailOn.BREAKING)
    backward = render(report_of(*reversed(CHANGES)), "json", FailOn.BREAKING)
    assert forward == backward


def _junit(report: DriftReport, level: FailOn = FailOn.BREAKING) -> ET.Element:
    return ET.fromstring(render(report, "junit", level))


def test_junit_has_one_case_per_operation_and_fails_on_breaking() -> None:
    root = _junit(full_report())
    assert root.tag == "testsuites"
    payments = root.find("testsuite[@name='payments']")
    assert payments is not None
    cases = {case.get("name"): case for case in payments.iter("testcase")}
    # every operation of the API, changed or not, plus one case for the contract-wide change
    assert list(cases) == [
        "GET /customers",
        "POST /customers",
        "GET /charges",
        "GET /payment_intents",
        "DELETE /customers",
        "payments",
    ]
    assert all(case.get("classname") == "payments" for case in cases.values())
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {"GET /customers", "POST /customers"}
    failure = cases["GET /customers"].find("failure")
    assert failure is not None and "Customer.fax was removed" in (failure.text or "")
    assert "GET /charges was deprecated" in (cases["GET /charges"].findtext("system-out") or "")
    assert "version 1.0.0" in (cases["payments"].findtext("system-out") or "")
    assert payments.get("tests") == "6" and payments.get("failures") == "2" and payments.get("errors") == "0"


def test_junit_follows_fail_on_and_reports_api_errors() -> None:
    root = _junit(full_report(), FailOn.DEPRECATION)
    payments = root.find("testsuite[@name='payments']")
    assert payments is not None
    failed = {case.get("name") for case in payments.iter("testcase") if case.find("failure") is not None}
    assert failed == {"GET /customers", "POST /customers", "GET /charges"}
    crm_case = root.find("testsuite[@name='crm']/testcase")
    assert crm_case is not None and crm_case.get("name") == "crm"
    error = crm_case.find("error")
    assert error is not None and "answered HTTP 503" in (error.get("message") or "")
    assert root.get("errors") == "1"
    never = _junit(full_report(), FailOn.NEVER)
    assert never.find(".//failure") is None


def test_junit_escapes_hostile_messages() -> None:
    text = render(full_report(HOSTILE), "junit", FailOn.BREAKING)
    root = ET.fromstring(text)  # would raise if the message broke the XML
    failure = root.find("testsuite[@name='payments']/testcase[@name='POST /customers']/failure")
    assert failure is not None and "<script>alert('x')</script>" in (failure.text or "")
    assert "<script>" not in text


def test_html_escapes_everything_and_loads_nothing() -> None:
    page = render(full_report(HOSTILE), "html", FailOn.BREAKING)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Customer&lt;/b&gt;" in page and "<b>" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from anywhere
    assert "<style>" in page and "default-src 'none'" in page
    assert "ignored (until 2027-01-31: we map unknown statuses to pending)" in page
    assert "answered HTTP 503" in page


def test_markdown_has_a_summary_table_and_a_section_per_api() -> None:
    text = render(full_report(HOSTILE), "markdown", FailOn.BREAKING)
    lines = text.splitlines()
    header = lines.index("| API | protocol | breaking | dangerous | info | ignored | status |")
    assert lines[header + 2] == "| payments | openapi | 2 | 0 | 2 | 1 | ❌ fails |"
    assert lines[header + 3].startswith("| crm | - | 0 | 0 | 0 | 0 | ⚠️ error |")
    assert lines.index("### payments") < lines.index("### crm")
    sections = [line for line in lines if line.startswith("#### ")]
    assert sections == ["#### Breaking (2)", "#### Info (2)", "#### Ignored (1)"]
    assert any("ignored (until 2027-01-31: we map unknown statuses to pending)" in line for line in lines)
    section = lines.index("### payments")
    hostile = next(line for line in lines[section:] if "request-property-removed" in line)
    assert hostile.count(" | ") == 4  # the pipe in the message is escaped: still five cells
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_text_is_grouped_and_plain_when_not_a_terminal() -> None:
    text = render(full_report(), "text", FailOn.BREAKING)
    assert "\x1b[" not in text
    lines = text.splitlines()
    assert lines[0].startswith("payments — openapi: contracts/payments/v1 → contracts/payments/v2")
    assert lines[1] == "  breaking (1)"
    assert lines[2].startswith("    GET /customers, POST /customers  /components/schemas/Customer/properties  ")
    assert "sunset 2027-06-30" in text
    assert "ignored (until 2027-01-31: we map unknown statuses to pending)" in text
    assert "  error: https://crm.example.com/soap/v1?wsdl: answered HTTP 503" in text
    assert lines[-1] == (
        "2 APIs: 1 breaking, 0 dangerous, 2 info (1 ignored); 1 API could not be compared — incomplete, "
        "and what was compared fails at --fail-on breaking"
    )


def test_text_uses_colour_only_when_asked() -> None:
    assert "\x1b[" in render(full_report(), "text", FailOn.BREAKING, color=True)


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format_renders_an_empty_report(output_format: str) -> None:
    report = report_of()
    text = render(report, output_format, FailOn.BREAKING)
    assert text.endswith("\n")
    assert "Customer.fax" not in text
    if output_format == "json":
        assert json.loads(text)["changes"] == []


def test_observed_changes_are_marked() -> None:
    observed = Change("sunset-header", DANGEROUS, "Sunset header seen", ("GET /charges",), source="observed")
    report = report_of(*CHANGES).merge("payments", [observed])
    assert "(observed)" in render(report, "text", FailOn.BREAKING)
    assert as_json(report)["changes"][1]["source"] == "observed"

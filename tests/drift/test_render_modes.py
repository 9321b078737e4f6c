"""Every format on a run with errors, with skipped APIs, in ``--summary`` and in ``--explode``.

Through ``ctk drift`` where the CLI makes the case (a contract that cannot be read; the payments pair);
on reports built by hand for what only a workspace run makes (an API skipped, one that failed while
another was compared).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.cli import ctk
from tests.support.drift import CHANGES, PAIR, report_of
from toolkit.drift.renderers import FORMATS, render
from toolkit.drift.report import ApiDrift, ApiError, DriftReport

MISSING = "/nonexistent/drift/old.yaml"


def well_formed(output_format: str, text: str) -> None:
    """The output parses as its format says (JSON, XML, one workflow command a line, an HTML page)."""
    if output_format == "json":
        json.loads(text)
    elif output_format == "junit":
        ET.fromstring(text)
    elif output_format == "github":
        assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in text.splitlines())
    elif output_format == "html":
        assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</body></html>")
    assert text.endswith("\n")


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_run_that_cannot_start_still_writes_its_format(output_format: str, tmp_path: Path) -> None:
    target = tmp_path / "report.out"
    code, _, err = ctk("drift", MISSING, PAIR[1], "--format", output_format, "-o", str(target))
    assert code == 2 and "Traceback" not in err
    text = target.read_text(encoding="utf-8")
    well_formed(output_format, text)
    assert "no such file" in text and "passes" not in text
    if output_format == "json":
        [error] = json.loads(text)["errors"]
        assert error["api"] is None and error["where"] == MISSING and error["hint"]
    if output_format == "junit":
        root = ET.fromstring(text)
        assert root.get("errors") == "1"
        case = root.find("testsuite/testcase")
        assert case is not None and case.find("error") is not None


@pytest.mark.parametrize("output_format", ["json", "junit", "github", "markdown"])
def test_the_error_report_goes_to_stdout_for_machine_formats(output_format: str) -> None:
    code, out, err = ctk("drift", MISSING, PAIR[1], "--format", output_format)
    assert code == 2 and "no such file" in err
    well_formed(output_format, out)
    assert "no such file" in out


def mixed() -> DriftReport:
    """payments compared, crm failed, inventory skipped on purpose."""
    base = report_of(*CHANGES)
    wsdl = "https://crm.example/?wsdl"
    error = ApiError("answered HTTP 503", where=wsdl, hint="try later")
    crm = ApiDrift(name="crm", old="contracts/crm/v1", new=wsdl, via="wsdl", error=error)
    inventory = ApiDrift(name="inventory", old="contracts/inventory/v1", new="-", skipped="no live source for it")
    return DriftReport(apis=(*base.apis, crm, inventory), today=base.today)


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format_says_which_api_failed_and_which_was_skipped(output_format: str) -> None:
    text = render(mixed(), output_format)
    well_formed(output_format, text)
    assert "answered HTTP 503" in text
    assert "no live source for it" in text
    if output_format == "json":
        data = json.loads(text)
        assert [e["api"] for e in data["errors"]] == ["crm"]
        assert data["skipped"] == [{"api": "inventory", "note": "no live source for it"}]
        assert [api["status"] for api in data["apis"]] == ["failing", "error", "skipped"]
    if output_format == "junit":
        root = ET.fromstring(text)
        skipped = root.find("testsuite[@name='inventory']/testcase/skipped")
        assert skipped is not None and root.get("skipped") == "1" and root.get("errors") == "1"


def test_the_summary_line_never_says_passes_when_something_could_not_be_compared() -> None:
    clean = report_of()
    failed = DriftReport(apis=(*clean.apis, mixed().apis[1]), today=clean.today)
    for output_format in ("text", "markdown", "html"):
        assert "passes at --fail-on" in render(clean, output_format)
        text = render(failed, output_format)
        assert "passes at --fail-on" not in text and "incomplete" in text


@pytest.mark.parametrize("output_format", FORMATS)
def test_summary_mode_through_the_cli(output_format: str) -> None:
    _, full, _ = ctk("drift", *PAIR, "--format", output_format)
    code, out, err = ctk("drift", *PAIR, "--format", output_format, "--summary")
    assert code == 1, err
    well_formed(output_format, out)
    if output_format == "junit":
        assert out == full  # a test view is already a summary
        return
    if output_format in ("markdown", "html", "json"):
        assert len(out) < len(full)
    if output_format == "text":
        assert "  breaking (" in full and "  breaking (" not in out  # no per-severity listing
    if output_format == "github":
        assert re.search(r"^::notice title=ctk drift%3A payments::payments: \d+ breaking", out, re.M)  # counts per API
        assert sum(1 for line in out.splitlines() if line.startswith(("::error file", "::warning file"))) <= 10
    if output_format == "json":
        data = json.loads(out)
        assert "changes" not in data and 0 < len(data["findings"]) <= 10
        assert data["summary"]["breaking"] > 0
    if output_format in ("markdown", "text"):
        assert "top " in out.lower() and "payments" in out


def test_explode_through_the_cli_is_one_row_per_change() -> None:
    _, grouped, _ = ctk("drift", *PAIR, "--format", "json")
    _, exploded, _ = ctk("drift", *PAIR, "--format", "json", "--explode")
    grouped_data, exploded_data = json.loads(grouped), json.loads(exploded)
    assert grouped_data["changes"] == exploded_data["changes"]  # the detail is the same either way
    assert len(exploded_data["findings"]) == len(exploded_data["changes"])
    assert len(grouped_data["findings"]) < len(grouped_data["changes"])  # payments' Customer.fax reaches 4 operations
    _, text, _ = ctk("drift", *PAIR, "--explode")
    assert text.count("[response-optional-property-removed]") == sum(
        1 for c in exploded_data["changes"] if c["id"] == "response-optional-property-removed"
    )

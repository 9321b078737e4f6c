"""Drift dispatch and the report model: protocol checks, stable order, counts, merging, --fail-on levels.

The protocol diff modules are stood in for by a stub module put into ``sys.modules``, so these tests
pin ctk's own behaviour whatever the per-protocol rules report. ``stub_diff``, ``CHANGES`` and
``report_of`` are shared with the other drift test modules (tests/support/drift.py).
"""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from tests.support.drift import BREAKING, CHANGES, DANGEROUS, INFO, report_of, stub_diff
from tests.support.paths import REPO
from toolkit import load_contract
from toolkit.drift import diff_contracts
from toolkit.drift.errors import ProtocolMismatchError
from toolkit.drift.report import FailOn
from toolkit.model import Change
from toolkit.protocols import JobUnavailableError


def test_diff_contracts_dispatches_to_the_protocol_module(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = stub_diff(monkeypatch)
    old = load_contract(REPO / "contracts/payments/v1")
    new = load_contract(REPO / "contracts/payments/v2")
    today = dt.date(2026, 1, 2)
    assert diff_contracts(old, new, today=today) == list(CHANGES)
    assert calls == [(old, new, today)]


def test_contracts_of_different_protocols_are_refused_naming_both() -> None:
    old = load_contract(REPO / "contracts/payments/v1")
    new = load_contract(REPO / "contracts/inventory/v2")
    with pytest.raises(ProtocolMismatchError) as caught:
        diff_contracts(old, new)
    assert "OpenAPI" in caught.value.message and "GraphQL" in caught.value.message
    assert "contracts/inventory/v2" in caught.value.message  # the folder, not a list of its SDL files
    assert caught.value.hint


def test_a_missing_protocol_module_is_a_ctk_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "toolkit.soap.diff.compare", None)  # makes the import fail as if absent
    contract = load_contract(REPO / "contracts/crm/v1/crm.wsdl")
    with pytest.raises(JobUnavailableError) as caught:
        diff_contracts(contract, contract)
    assert "WSDL" in caught.value.message


def test_changes_are_ordered_by_severity_then_location() -> None:
    report = report_of(*CHANGES)
    ordered = report.active(report.apis[0])
    assert [c.id for c in ordered] == [
        "response-optional-property-removed",
        "response-property-enum-value-added",
        "info-version-changed",
        "endpoint-deprecated-with-sunset",
    ]
    assert report_of(*reversed(CHANGES)).active(report.apis[0]) == ordered


def test_counts_per_severity() -> None:
    report = report_of(*CHANGES)
    assert report.counts() == {BREAKING: 1, DANGEROUS: 1, INFO: 2}


def test_observed_findings_merge_in_one_line() -> None:
    observed = Change(
        "deprecation-header", INFO, "Deprecation header seen", ("GET /charges",), deprecation=True, source="observed"
    )
    report = report_of(*CHANGES).merge("payments", [observed])
    assert observed in report.active(report.api("payments"))
    assert report.counts()[INFO] == 3
    with pytest.raises(KeyError):
        report.merge("nope", [observed])


@pytest.mark.parametrize(
    ("level", "failing_ids"),
    [
        (FailOn.BREAKING, {"response-optional-property-removed"}),
        (FailOn.DANGEROUS, {"response-optional-property-removed", "response-property-enum-value-added"}),
        (
            FailOn.DEPRECATION,
            {
                "response-optional-property-removed",
                "response-property-enum-value-added",
                "endpoint-deprecated-with-sunset",
            },
        ),
        (FailOn.NEVER, set()),
    ],
)
def test_fail_on_levels_are_nested(level: FailOn, failing_ids: set[str]) -> None:
    assert {c.id for c in report_of(*CHANGES).failing(level)} == failing_ids


def test_an_info_deprecation_alone_fails_only_at_deprecation() -> None:
    report = report_of(CHANGES[0])
    assert [bool(report.failing(level)) for level in FailOn] == [False, False, True, False]


def test_drift_modules_load_no_protocol_library_or_httpx() -> None:
    # The CLI imports toolkit.cli.drift on every `ctk` run; protocol libraries load only when a diff needs them.
    import subprocess

    heavy = "('graphql', 'lxml', 'openapi_spec_validator', 'httpx')"
    modules = "toolkit.cli.drift, toolkit.drift.sources, toolkit.drift.renderers, toolkit.drift.report"
    code = f"import sys, {modules}; print(sorted(m for m in {heavy} if m in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"

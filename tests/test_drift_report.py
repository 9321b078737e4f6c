"""Drift dispatch and the report model: protocol checks, stable order, counts, merging, --fail-on levels.

The protocol diff modules are stood in for by a stub module put into ``sys.modules``, so these tests
pin ctk's own behaviour whatever the per-protocol rules report. ``stub_diff`` and ``CHANGES`` are
shared with the other drift test modules.
"""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections.abc import Callable, Sequence

import pytest

from tests.conftest import REPO
from toolkit import load_contract
from toolkit.drift import diff_contracts
from toolkit.drift.errors import ProtocolMismatchError
from toolkit.drift.report import ApiDrift, DriftReport, FailOn
from toolkit.model import Change, ChangeSeverity, Contract
from toolkit.protocols import JobUnavailableError

BREAKING, DANGEROUS, INFO = ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS, ChangeSeverity.INFO

# Listed out of report order on purpose: the report sorts them.
CHANGES = (
    Change(
        "endpoint-deprecated-with-sunset",
        INFO,
        "GET /charges was deprecated",
        ("GET /charges",),
        old="/paths/~1charges/get",
        new="/paths/~1charges/get",
        sunset=dt.date(2027, 6, 30),
        deprecation=True,
    ),
    Change(
        "response-property-enum-value-added",
        DANGEROUS,
        "status gained requires_review",
        ("GET /payment_intents",),
        old="/components/schemas/PaymentIntent/properties/status/enum",
        new="/components/schemas/PaymentIntent/properties/status/enum",
    ),
    Change("info-version-changed", INFO, "version 1.0.0 -> 2.0.0", (), old="/info/version", new="/info/version"),
    Change(
        "response-optional-property-removed",
        BREAKING,
        "Customer.fax was removed",
        ("GET /customers", "POST /customers"),
        old="/components/schemas/Customer/properties/fax",
        new="/components/schemas/Customer/properties",
    ),
)


def stub_diff(
    monkeypatch: pytest.MonkeyPatch,
    changes: Sequence[Change] | Callable[[Contract, Contract], list[Change]] = CHANGES,
    module: str = "toolkit.openapi.diff.compare",
) -> list[tuple[Contract, Contract, dt.date | None]]:
    """Stand in for a protocol's diff module; returns the list of calls it receives."""
    calls: list[tuple[Contract, Contract, dt.date | None]] = []

    def diff(old: Contract, new: Contract, *, today: dt.date | None = None) -> list[Change]:
        calls.append((old, new, today))
        return changes(old, new) if callable(changes) else list(changes)

    stub = types.ModuleType(module)
    stub.diff = diff  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module, stub)
    return calls


def report_of(*changes: Change, name: str = "payments", **kwargs: object) -> DriftReport:
    drift = ApiDrift(
        name=name,
        old="contracts/payments/v1",
        new="contracts/payments/v2",
        protocol="openapi",
        changes=changes,
        operations=("GET /customers", "POST /customers", "GET /charges", "GET /payment_intents", "DELETE /customers"),
    )
    return DriftReport(apis=(drift,), **kwargs)  # type: ignore[arg-type]


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

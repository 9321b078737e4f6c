"""The drift tests' shared fixtures: a few changes of each level, a stand-in protocol diff module, a report
built from changes, and the workspace's payments pair."""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections.abc import Callable, Sequence

import pytest

from tests.support.paths import REPO
from toolkit.drift.report import ApiDrift, DriftReport
from toolkit.model import Change, ChangeSeverity, Contract

__all__ = ["BREAKING", "CHANGES", "DANGEROUS", "INFO", "PAIR", "report_of", "stub_diff"]

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

    def diff(old: Contract, new: Contract, *, today: dt.date | None = None, policies: object = None) -> list[Change]:
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


# the workspace's payments v1 and v2, as ``ctk drift OLD NEW`` takes them
PAIR = (str(REPO / "contracts/payments/v1"), str(REPO / "contracts/payments/v2"))

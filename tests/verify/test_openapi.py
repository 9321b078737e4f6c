"""Self-conformance on a small sample: schemathesis against the running mock finds nothing wrong,
and the same harness does find a mock that contradicts its contract. The whole corpus runs in
``scripts/self_conformance.py``."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tests.support.paths import REPO
from toolkit.exchange import MockResult, Request, Response
from toolkit.openapi.mock.handler import OpenAPIMock
from toolkit.verify import openapi as self_conformance


def test_the_payments_mock_conforms_to_its_contract() -> None:
    outcome = self_conformance.run_one(REPO / "contracts" / "payments" / "v1", max_examples=3, seed=1, workers=1)
    assert outcome.error == ""
    assert outcome.operations == 15
    assert outcome.failures == []


def test_the_harness_catches_a_mock_that_breaks_its_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(self: OpenAPIMock, request: Request) -> MockResult:
        return MockResult(Response(299, (("content-type", "text/plain"),), b"not json"))

    monkeypatch.setattr(OpenAPIMock, "answer", wrong)
    outcome: Any = self_conformance.run_one(REPO / "contracts" / "payments" / "v1", max_examples=1, seed=1, workers=1)
    assert outcome.operations == 15
    assert len(outcome.failed) == 15


def test_an_external_server_runs_through_the_same_harness() -> None:
    # ctk itself as the external command: what bench/prism_compare.py does with Prism.
    command = [sys.executable, "-m", "toolkit.cli", "serve", "{spec}", "--port", "{port}"]
    target = self_conformance.ExternalTarget("ctk serve", command, base_path="/v1", startup_timeout=60)
    outcome = self_conformance.run_one(REPO / "contracts" / "payments" / "v1", 1, seed=1, workers=1, target=target)
    assert outcome.error == ""
    assert outcome.operations == 15
    assert outcome.failures == []


def test_the_payments_mock_with_state_on_still_conforms() -> None:
    # ctk serve --state: created resources read back, unknown ids answer the contract's 404; schemathesis' checks
    # (status codes, content types, headers, schemas) must still all pass
    command = [sys.executable, "-m", "toolkit.cli", "serve", "{spec}", "--port", "{port}", "--state"]
    target = self_conformance.ExternalTarget("ctk serve --state", command, base_path="/v1", startup_timeout=60)
    for version in ("v1", "v2"):
        contract = REPO / "contracts" / "payments" / version
        outcome = self_conformance.run_one(contract, 3, seed=1, workers=1, target=target)
        assert outcome.error == "" and outcome.operations == 15
        assert outcome.failures == [], outcome.failures


def test_an_external_server_that_never_listens_is_reported_not_raised() -> None:
    target = self_conformance.ExternalTarget("exits", [sys.executable, "-c", "raise SystemExit(3)"])
    outcome = self_conformance.run_one(REPO / "contracts" / "payments" / "v1", 1, seed=1, workers=1, target=target)
    assert outcome.error.startswith("the server exited with 3")
    assert outcome.operations == 0

"""oasdiff's own checker tests, replayed: each public oracle case whose rules ctk implements must be met.

The matching logic lives in tests/support/oasdiff_oracles.py (scripts/oasdiff_oracles.py runs it over
every case and prints the summary); this runs the cases one by one so a regression names its case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import oasdiff_oracles
from tests.support.corpus import corpus
from tests.support.paths import CORPUS

CASES = CORPUS / "drift" / "oracles" / "oasdiff" / "cases.json"


def _cases() -> list[Any]:
    if not CASES.is_file():
        return [pytest.param(None, id="corpus-absent")]
    return [pytest.param(case, id=case["case"]) for case in json.loads(CASES.read_text())["cases"]]


@pytest.mark.parametrize("case", _cases())
def test_oasdiff_case(case: dict[str, Any] | None) -> None:
    path = corpus("drift", "oracles", "oasdiff", "cases.json")
    assert case is not None
    outcome = oasdiff_oracles.run_case(case, Path(path).parent)
    if outcome.status in ("unreproducible", "unimplemented"):
        pytest.skip(f"{outcome.status}: {outcome.detail}")
    assert outcome.status == "met", outcome.detail


def test_rules_of_a_check_follow_its_name() -> None:
    rules = oasdiff_oracles.rules_of_check
    assert rules("RequestParameterMaxLengthUpdatedCheck") == {
        "request-parameter-max-length-increased",
        "request-parameter-max-length-decreased",
        "request-parameter-max-length-set",
    }
    assert "response-body-one-of-added" in rules("ResponsePropertyOneOfUpdated")
    assert "request-parameter-min-items-increased" not in rules("RequestParameterMinUpdatedCheck")

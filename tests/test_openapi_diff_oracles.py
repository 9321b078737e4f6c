"""oasdiff's own checker tests, replayed: each public oracle case whose rules ctk implements must be met.

The cases and the matching logic live in scripts/oasdiff_oracles.py (which also prints the summary);
this runs them one by one so a regression names its case.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import CORPUS, REPO, corpus

CASES = CORPUS / "drift" / "oracles" / "oasdiff" / "cases.json"


@functools.cache
def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("oasdiff_oracles", REPO / "scripts" / "oasdiff_oracles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("oasdiff_oracles", module)
    spec.loader.exec_module(module)
    return module


def _cases() -> list[Any]:
    if not CASES.is_file():
        return [pytest.param(None, id="corpus-absent")]
    return [pytest.param(case, id=case["case"]) for case in json.loads(CASES.read_text())["cases"]]


@pytest.mark.parametrize("case", _cases())
def test_oasdiff_case(case: dict[str, Any] | None) -> None:
    path = corpus("drift", "oracles", "oasdiff", "cases.json")
    assert case is not None
    outcome = _script().run_case(case, Path(path).parent)
    if outcome.status in ("unreproducible", "unimplemented"):
        pytest.skip(f"{outcome.status}: {outcome.detail}")
    assert outcome.status == "met", outcome.detail


def test_rules_of_a_check_follow_its_name() -> None:
    rules = _script().rules_of_check
    assert rules("RequestParameterMaxLengthUpdatedCheck") == {
        "request-parameter-max-length-increased",
        "request-parameter-max-length-decreased",
        "request-parameter-max-length-set",
    }
    assert "response-body-one-of-added" in rules("ResponsePropertyOneOfUpdated")
    assert "request-parameter-min-items-increased" not in rules("RequestParameterMinUpdatedCheck")

"""Contract coverage: the terminal summary, ``--ctk-usage`` JSON, and the same bytes whether the tests ran in one
process or in four xdist workers sharing nothing but the controller (which also shows no cross-talk between
tests sharing a worker's sandbox)."""

from __future__ import annotations

import json

import pytest

from tests.support.paths import REPO

_SUITE = """
import httpx, pytest, requests

H = {"X-Api-Key": "k"}

@pytest.mark.parametrize("n", range(6))
def test_mock_state_per_test(ctk_mock, ctk_journal, n):
    payments = ctk_mock("payments")
    httpx.post(payments.url + "/customers", json={"name": f"mock-{n}"}, headers=H)
    names = [c.get("name") for c in httpx.get(payments.url + "/customers", headers=H).json()["data"]]
    assert [name for name in names if str(name).startswith("mock-")] == [f"mock-{n}"]
    assert ctk_journal.counts() == {"POST /customers": 1, "GET /customers": 1}

@pytest.mark.parametrize("n", range(6))
def test_shared_sandbox_no_cross_talk(ctk_sandbox, ctk_journal, n):
    url, headers = ctk_sandbox.url("payments"), {**ctk_sandbox.headers, **H}
    requests.post(url + "/customers", json={"name": f"live-{n}"}, headers=headers)
    names = [c.get("name") for c in requests.get(url + "/customers", headers=headers).json()["data"]]
    assert [name for name in names if str(name).startswith("live-")] == [f"live-{n}"]
    assert ctk_journal.counts() == {"POST /customers": 1, "GET /customers": 1}

def test_graphql(ctk_mock):
    inventory = ctk_mock("inventory")
    httpx.post(inventory.url, json={"query": "{ warehouses { id } }"})
"""


def test_terminal_summary_and_usage_file(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx

        def test_two(ctk_mock):
            payments = ctk_mock("payments")
            httpx.get(payments.url + "/customers", headers={"X-Api-Key": "k"})
            httpx.get(payments.url + "/customers/cus_nope", headers={"X-Api-Key": "k"})
        """
    )
    result = suite.runpytest("--ctk-usage", "out/usage.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*= ctk contract coverage =*",
            "payments: 2/15 operations exercised; untouched: DELETE /customers/{customer_id}, GET /charges, *"
            " (+3 more)",
            "usage written to out/usage.json",
        ]
    )
    document = json.loads((suite.path / "out" / "usage.json").read_text())
    payments = document["apis"]["payments"]
    assert document["format"] == "ctk-usage/1"
    assert (payments["exercised"], payments["total"], len(payments["untouched"])) == (2, 15, 13)
    assert payments["operations"]["GET /customers"] == {"calls": 1, "statuses": {"200": 1}}
    assert payments["operations"]["GET /customers/{customer_id}"] == {"calls": 1, "statuses": {"404": 1}}
    assert payments["operations"]["GET /charges"] == {"calls": 0, "statuses": {}}


def test_usage_is_byte_identical_with_and_without_xdist(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nctk_root = {REPO}\n")
    pytester.makepyfile(test_suite=_SUITE)
    one = pytester.runpytest_subprocess("-p", "xdist", "-n", "0", "--ctk-usage", "one.json", timeout=240)
    one.assert_outcomes(passed=13)
    four = pytester.runpytest_subprocess("-p", "xdist", "-n", "4", "--ctk-usage", "four.json", timeout=240)
    four.assert_outcomes(passed=13)
    first = (pytester.path / "one.json").read_bytes()
    assert first == (pytester.path / "four.json").read_bytes()
    usage = json.loads(first)
    assert usage["apis"]["payments"]["operations"]["POST /customers"] == {"calls": 12, "statuses": {"201": 12}}
    assert sorted(usage["apis"]) == ["crm", "inventory", "payments"]  # ctk_sandbox serves every API
    four.stdout.fnmatch_lines(["*= ctk contract coverage =*", "payments: 2/15 operations exercised*"])

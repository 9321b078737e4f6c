"""Strict by default: each rule fails the test that broke it with the request, operation, rule and place;
strict=False (marker, ini, flag) turns them into CtkContractWarning; stubs are refused when defined."""

from __future__ import annotations

import pytest

from tests.support.paths import REPO


def _shows(result: pytest.RunResult, *texts: str) -> None:
    """Each of ``texts`` appears in the run's output, in this order."""
    out = result.stdout.str()
    at = 0
    for text in texts:
        found = out.find(text, at)
        assert found >= 0, f"not found (in order): {text!r}\n{out}"
        at = found + len(text)


_RULES = """
import httpx, pytest

H = {"X-Api-Key": "k"}

def test_unmatched(ctk_mock):
    payments = ctk_mock("payments")
    assert httpx.get(payments.url + "/customer/cus_1", headers=H).status_code == 404

def test_violation(ctk_mock):
    payments = ctk_mock("payments")
    httpx.post(payments.url + "/customers", json={"email": 5}, headers=H)

@pytest.mark.ctk(api="payments", scenario="throttled")
def test_early_retry(ctk_mock):
    for _ in range(2):
        httpx.get(ctk_mock.url + "/customers", headers=H)

def test_clean(ctk_mock):
    assert httpx.get(ctk_mock("payments").url + "/customers", headers=H).status_code == 200

def test_own_failure_first(ctk_mock):
    httpx.get(ctk_mock("payments").url + "/customer/cus_1", headers=H)
    assert False, "the test's own assertion"
"""


def test_each_rule_fails_its_test_with_request_operation_rule_and_place(suite: pytest.Pytester) -> None:
    suite.makepyfile(_RULES)
    result = suite.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=4)
    _shows(
        result,
        " test_unmatched ",
        "ctk: 1 contract problem in this test:",
        "  [unmatched] GET /v1/customer/cus_1 (payments) matches no operation of the contract (answered 404); "
        "nearest: GET /customers/{customer_id}: path segment 1 is 'customer', the contract has 'customers'",
        " test_violation ",
        "  [violation] POST /v1/customers (payments, POST /customers): violates the contract at body /email: 5 is "
        'not of type "string"',
        " test_early_retry ",
        "  [retry-after] GET /v1/customers (payments, GET /customers): retried ",
        " s after a 429 whose Retry-After asked for 2 s",
        " test_own_failure_first ",
        "AssertionError: the test's own assertion",
    )
    result.stdout.no_fnmatch_line("*test_clean - *")


@pytest.mark.parametrize(
    ("args", "ini"),
    [(["--ctk-no-strict"], ""), ([], "ctk_strict = false\n")],
    ids=["flag", "ini"],
)
def test_not_strict_warns_instead(suite: pytest.Pytester, args: list[str], ini: str) -> None:
    suite.makeini(f"[pytest]\nctk_root = {REPO}\n{ini}")
    suite.makepyfile(_RULES)
    result = suite.runpytest("-p", "no:randomly", *args)
    result.assert_outcomes(passed=4, failed=1)  # only the test's own assertion fails
    _shows(
        result,
        "CtkContractWarning: [unmatched] GET /v1/customer/cus_1 (payments) matches no operation",
        "CtkContractWarning: [violation] POST /v1/customers (payments, POST /customers): violates the contract "
        "at body /email",
        "CtkContractWarning: [retry-after] GET /v1/customers (payments, GET /customers): retried",
    )


def test_marker_strict_false_and_warnings_as_errors(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx, pytest

        @pytest.mark.ctk(strict=False)
        def test_warns(ctk_mock):
            httpx.get(ctk_mock("payments").url + "/customer/cus_1", headers={"X-Api-Key": "k"})
        """
    )
    result = suite.runpytest()
    result.assert_outcomes(passed=1, warnings=1)
    result = suite.runpytest("-W", "error::toolkit.pytest_plugin.CtkContractWarning")
    result.assert_outcomes(failed=1)


def test_stub_that_violates_the_contract_fails_where_it_is_defined(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        def test_rest(ctk_mock):
            ctk_mock("payments").respond("GET /customers/{customer_id}", json={"id": 5})

        def test_rest_status(ctk_mock):
            ctk_mock("payments").respond("GET /customers/{customer_id}", status=418, json={})

        def test_unknown_operation(ctk_mock):
            ctk_mock("payments").respond("GET /customer/{id}", json={})

        def test_soap(ctk_mock):
            ctk_mock("crm").respond("GetAccount", json={"nosuch": "x"})

        def test_graphql(ctk_mock):
            ctk_mock("inventory").respond("Query.product", json={"id": "p1", "status": "SOLD"})
        """
    )
    result = suite.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=5)
    result.stdout.fnmatch_lines(
        [
            "E *CtkSetupError: ctk_mock('payments').respond('GET /customers/{customer_id}', ...) at "
            "test_stub_that_violates_the_contract_fails_where_it_is_defined.py:2 does not fit the contract: json does "
            'not fit GET /customers/{customer_id} 200 (application/json): at /: "object" is a required property*',
            "*CtkSetupError: ctk_mock('payments').respond(*) at *:5 does not fit the contract: GET "
            "/customers/{customer_id} does not declare a 418 answer*",
            "*CtkSetupError: ctk_mock('payments').respond('GET /customer/{id}', ...) at *:8 does not fit the contract*",
            "*CtkSetupError: ctk_mock('crm').respond('GetAccount', ...) at *:11 does not fit the contract*nosuch*",
            "*CtkSetupError: ctk_mock('inventory').respond('Query.product', ...) at *:14 does not fit the contract*",
        ]
    )


def test_unused_stubs_fail_only_when_asked(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import pytest

        STUB = {"id": "cus_1", "object": "customer"}

        def test_lax(ctk_mock):
            ctk_mock("crm").respond("GetAccount", json={"name": "Never"})

        @pytest.mark.ctk(strict_stubs=True)
        def test_strict(ctk_mock):
            ctk_mock("crm").respond("GetAccount", json={"name": "Never"})
        """
    )
    result = suite.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    _shows(
        result,
        "  [unused-stub] GetAccount (crm) was stubbed at test_unused_stubs_fail_only_when_asked.py:10 and never called",
    )


def test_no_secret_in_a_failure_message(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx

        def test_leaky(ctk_mock):
            payments = ctk_mock("payments")
            httpx.get(payments.url + "/customer/cus_1", params={"api_key": "sk_live_SECRET123"},
                      headers={"Authorization": "Bearer sk_live_SECRET123"})
        """
    )
    result = suite.runpytest()
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "GET /v1/customer/cus_1?api_key=*** (payments) matches no operation" in out
    assert "SECRET123" not in out

"""ctk_journal: calls per operation, the last request's body and headers, readable assertion failures, near
misses, and a typo in an operation's name caught."""

from __future__ import annotations

import pytest


def test_journal_reads_and_asserts(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx, pytest

        H = {"X-Api-Key": "sk_test_1"}

        @pytest.fixture
        def payments(ctk_mock):
            return ctk_mock("payments")

        def test_reads(payments, ctk_journal):
            httpx.post(payments.url + "/customers", json={"name": "Ann"}, headers=H)
            httpx.get(payments.url + "/customers", headers=H)
            httpx.get(payments.url + "/customers", headers=H)
            assert ctk_journal.counts() == {"POST /customers": 1, "GET /customers": 2}
            created = ctk_journal.last("POST /customers")
            assert created.json() == {"name": "Ann"}
            assert created.header("x-api-key") == "sk_test_1"
            assert created.header("x-ctk-session") == payments.session
            assert created.status == 201
            assert ctk_journal.last().target == "GET /v1/customers"
            ctk_journal.assert_called("GET /customers", times=2)
            ctk_journal.assert_not_called("DELETE /customers/{customer_id}")

        def test_times(payments, ctk_journal):
            httpx.get(payments.url + "/customers", headers=H)
            ctk_journal.assert_called("GET /customers", times=2)

        def test_not_called(payments, ctk_journal):
            httpx.get(payments.url + "/customers", headers=H)
            ctk_journal.assert_not_called("GET /customers")

        def test_never(payments, ctk_journal):
            ctk_journal.assert_called("GET /customers")

        def test_typo(payments, ctk_journal):
            ctk_journal.assert_called("GET /customer")

        @pytest.mark.ctk(strict=False)
        def test_near_misses(payments, ctk_journal):
            httpx.get(payments.url + "/customer/cus_1", headers=H)
            [(call, near)] = ctk_journal.near_misses()
            assert call.target == "GET /v1/customer/cus_1" and call.unmatched
            assert near[0].operation == "GET /customers/{customer_id}"
            assert "'customer', the contract has 'customers'" in near[0].reason
        """
    )
    result = suite.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=4, warnings=1)
    out = result.stdout.str()
    assert (
        "AssertionError: expected GET /customers to be called 2 times, it was called once\n"
        "E       requests of this test:\n"
        "E         GET /v1/customers → 200 (GET /customers)"
    ) in out
    assert "AssertionError: expected GET /customers not to be called, it was called once" in out
    assert "AssertionError: expected GET /customers to be called at least once, it was called 0 times\n" \
           "E       no request was sent in this test" in out  # fmt: skip
    assert "AssertionError: 'GET /customer' is not an operation of the APIs this test uses; did you mean " \
           "GET /customers" in out  # fmt: skip

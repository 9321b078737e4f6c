"""ctk_sandbox: the workspace's sandbox live on a loopback port, reached with clients ctk cannot patch (requests,
a subprocess), one session per test; its journal, strictness and the marker."""

from __future__ import annotations

import pytest

_CLIENT = """
import sys, urllib.request

request = urllib.request.Request(
    sys.argv[1], data=b'{"query": "{ warehouses { id } }"}',
    headers={"Content-Type": "application/json", "X-Ctk-Session": sys.argv[2]},
)
print(urllib.request.urlopen(request).status)
"""


def test_live_sandbox_for_unpatchable_clients(suite: pytest.Pytester) -> None:
    suite.makepyfile(client=_CLIENT)
    suite.makepyfile(
        """
        import pathlib, subprocess, sys
        import pytest, requests

        H = {"X-Api-Key": "k"}

        @pytest.mark.parametrize("name", ["Ann", "Bob"])
        def test_sessions_keep_tests_apart(ctk_sandbox, ctk_journal, name):
            url = ctk_sandbox.url("payments")
            assert url.startswith("http://127.0.0.1:") and url.endswith("/payments")
            headers = {**ctk_sandbox.headers, **H}
            assert requests.post(url + "/customers", json={"name": name}, headers=headers).status_code == 201
            listed = requests.get(url + "/customers", params={"limit": 100}, headers=headers).json()["data"]
            assert [c["name"] for c in listed if c.get("name") in ("Ann", "Bob")] == [name]
            assert ctk_journal.counts() == {"POST /customers": 1, "GET /customers": 1}
            assert ctk_journal.last().body is None  # the live journal keeps no bodies

        def test_a_subprocess_client(ctk_sandbox, ctk_journal):
            client = str(pathlib.Path(__file__).with_name("client.py"))
            out = subprocess.run([sys.executable, client, ctk_sandbox.url("inventory"), ctk_sandbox.session],
                                 capture_output=True, text=True, check=True).stdout
            assert out.strip() == "200"
            ctk_journal.assert_called("Query.warehouses", times=1)

        @pytest.mark.ctk(api="payments", scenario="card_declined")
        def test_marker_scenario(ctk_sandbox):
            answer = requests.post(ctk_sandbox.url("payments") + "/payment_intents",
                                   data={"amount": "100", "currency": "usd"}, headers={**ctk_sandbox.headers, **H})
            assert answer.status_code == 422

        def test_fault_for_one_test(ctk_sandbox):
            ctk_sandbox.fault("payments", error_rate=1.0, error_status=503)
            url = ctk_sandbox.url("payments") + "/customers"
            assert requests.get(url, headers={**ctk_sandbox.headers, **H}).status_code == 503

        def test_fault_gone(ctk_sandbox):
            url = ctk_sandbox.url("payments") + "/customers"
            assert requests.get(url, headers={**ctk_sandbox.headers, **H}).status_code == 200

        def test_mock_and_live_sandbox_together(ctk_mock, ctk_sandbox, ctk_journal):
            import httpx  # respx routes the mock's URL and lets loopback requests through to the live sandbox

            httpx.get(ctk_mock("payments").url + "/customers", headers=H)
            httpx.get(ctk_sandbox.url("payments") + "/customers", headers={**ctk_sandbox.headers, **H})
            assert ctk_journal.counts() == {"GET /customers": 2}
            assert [call.path for call in ctk_journal.calls] == ["/v1/customers", "/payments/customers"]

        def test_strict_over_http(ctk_sandbox):
            requests.get(ctk_sandbox.url("payments") + "/customer/cus_1", headers={**ctk_sandbox.headers, **H})
        """
    )
    result = suite.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=7, failed=1)
    assert (
        "  [unmatched] GET /payments/customer/cus_1 (payments) matches no operation of the contract (answered 404); "
        "nearest: GET /customers/{customer_id}: path segment 1 is 'customer', the contract has 'customers'"
    ) in result.stdout.str()

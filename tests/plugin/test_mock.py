"""ctk_mock for the three protocols: respx routing at the contract's URL, the httpx and zeep transports, the
marker, respond, scenario, fault, seed, and a contract named by path."""

from __future__ import annotations

import pytest


def test_rest_through_respx_at_the_contracts_url_and_through_a_transport(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx

        def test_respx(ctk_mock, ctk_journal):
            payments = ctk_mock("payments")
            assert payments.url == "https://api.payments.example.com/v1"
            answer = httpx.get(payments.url + "/customers/cus_9s6XKzkNRiz8i3", headers={"X-Api-Key": "k"})
            assert answer.status_code == 200 and answer.json()["id"] == "cus_9s6XKzkNRiz8i3"
            ctk_journal.assert_called("GET /customers/{customer_id}", times=1)

        def test_transport(ctk_mock):
            payments = ctk_mock("payments")
            with httpx.Client(base_url=payments.url, transport=payments.httpx_transport()) as client:
                created = client.post("/customers", json={"name": "Ann"}, headers={"X-Api-Key": "k"}).json()
                again = client.get(f"/customers/{created['id']}", headers={"X-Api-Key": "k"})
            assert again.json()["name"] == "Ann"
        """
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_state_is_fresh_in_each_test(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx, pytest

        @pytest.mark.parametrize("name", ["Ann", "Bob"])
        def test_create_then_list(ctk_mock, name):
            payments = ctk_mock("payments")
            headers = {"X-Api-Key": "k"}
            httpx.post(payments.url + "/customers", json={"name": name}, headers=headers)
            listed = httpx.get(payments.url + "/customers", params={"limit": 100}, headers=headers).json()["data"]
            assert [c["name"] for c in listed if c.get("name") in ("Ann", "Bob")] == [name]
        """
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_marker_names_the_api_and_plays_a_scenario(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx, pytest

        @pytest.mark.ctk(api="payments", scenario="card_declined")
        def test_declined(ctk_mock):
            answer = httpx.post(ctk_mock.url + "/payment_intents", headers={"X-Api-Key": "k"},
                                data={"amount": "100", "currency": "usd"})
            assert answer.status_code == 422

        def test_scenario_call(ctk_mock):
            payments = ctk_mock("payments")
            payments.scenario("card_declined")
            answer = httpx.post(payments.url + "/payment_intents", headers={"X-Api-Key": "k"},
                                data={"amount": "100", "currency": "usd"})
            assert answer.status_code == 422

        def test_no_scenario_here(ctk_mock):
            payments = ctk_mock("payments")
            answer = httpx.post(payments.url + "/payment_intents", headers={"X-Api-Key": "k"},
                                data={"amount": "100", "currency": "usd"})
            assert answer.status_code == 201, answer.text

        def test_unknown_scenario(ctk_mock):
            ctk_mock("payments").scenario("nope")
        """
    )
    result = suite.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*CtkSetupError: ctk_mock('payments').scenario('nope'): payments has no scenario "
            "named 'nope'; its scenarios: card_declined, throttled, flaky_create*"
        ]
    )


def test_faults_apply_to_one_test_only(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx, pytest

        def test_faulted(ctk_mock):
            payments = ctk_mock("payments")
            payments.fault(error_rate=1.0, error_status=503)
            answer = httpx.get(payments.url + "/customers", headers={"X-Api-Key": "k"})
            assert answer.status_code == 503

        def test_reset(ctk_mock):
            payments = ctk_mock("payments")
            payments.fault(connection={"reset": 1.0})
            with pytest.raises(httpx.ReadError):
                httpx.get(payments.url + "/customers", headers={"X-Api-Key": "k"})

        def test_after(ctk_mock):
            answer = httpx.get(ctk_mock("payments").url + "/customers", headers={"X-Api-Key": "k"})
            assert answer.status_code == 200

        def test_bad_table(ctk_mock):
            ctk_mock("payments").fault(error_rat=1.0)
        """
    )
    result = suite.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*CtkSetupError: ctk_mock('payments').fault({'error_rat': 1.0}): *error_rat*"])


def test_seed_is_checked_and_read_back(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx

        def test_seeded(ctk_mock):
            payments = ctk_mock("payments")
            headers = {"X-Api-Key": "k"}
            example = httpx.get(payments.url + "/customers/cus_9s6XKzkNRiz8i3", headers=headers).json()
            payments.seed("customers", [{**example, "id": "cus_seeded1", "email": "ada@example.com"}])
            answer = httpx.get(payments.url + "/customers/cus_seeded1", headers={"X-Api-Key": "k"})
            assert answer.json()["email"] == "ada@example.com"

        def test_not_in_another_test(ctk_mock):
            answer = httpx.get(ctk_mock("payments").url + "/customers/cus_seeded1", headers={"X-Api-Key": "k"})
            assert answer.status_code == 404

        def test_bad_item(ctk_mock):
            ctk_mock("payments").seed("customers", [{"id": "cus_x", "email": 5}])
        """
    )
    result = suite.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*CtkSetupError: ctk_mock('payments').seed('customers', ...): *"])


def test_soap_with_zeep(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import zeep

        def test_create_then_read(ctk_mock, ctk_journal):
            crm = ctk_mock("crm")
            assert crm.url == "https://crm.example.com/soap/v1"
            client = zeep.Client(crm.wsdl, transport=crm.zeep_transport())
            account_id = client.service.CreateAccount(account={"name": "Acme"})
            assert client.service.GetAccount(id=account_id).name == "Acme"
            ctk_journal.assert_called("GetAccount", times=1)

        def test_stubbed(ctk_mock):
            crm = ctk_mock("crm")
            crm.respond("GetAccount", json={"name": "Stubbed Ltd"})
            client = zeep.Client(crm.wsdl, transport=crm.zeep_transport())
            assert client.service.GetAccount(id="001A000001Xyz12AAB").name == "Stubbed Ltd"
        """
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_graphql_with_httpx(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx

        def test_query_and_stub(ctk_mock, ctk_journal):
            inventory = ctk_mock("inventory")
            assert inventory.url == "https://sandbox.inventory.example.com/graphql"
            inventory.respond("Query.product", json={"id": "p1", "name": "Widget"})
            answer = httpx.post(inventory.url, json={"query": '{ product(id: "p1") { id name } }'})
            assert answer.json()["data"]["product"] == {"id": "p1", "name": "Widget"}
            ctk_journal.assert_called("Query.product", times=1)
        """
    )
    suite.runpytest().assert_outcomes(passed=1)


def test_a_contract_by_path(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx

        def test_by_path(ctk_mock, ctk_journal):
            v2 = ctk_mock("contracts/payments/v2")
            answer = httpx.get(v2.url + "/customers", headers={"X-Api-Key": "k"})
            assert answer.status_code == 200, answer.text
            assert ctk_journal.counts() == {"GET /customers": 1}

        def test_graphql_by_path(ctk_mock):
            inventory = ctk_mock("contracts/inventory/v2")
            assert inventory.url == "http://inventory.ctk.test/graphql"  # named after the folder above v2
            answer = httpx.post(inventory.url, json={"query": "{ warehouses { id } }"})
            assert "warehouses" in answer.json()["data"]

        def test_unknown(ctk_mock):
            ctk_mock("paymnts")
        """
    )
    result = suite.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*CtkSetupError: 'paymnts' is neither an API of the workspace nor a contract's path*",
            "*hint: the workspace's APIs: crm, inventory, payments*",
        ]
    )


def test_the_seed_chooses_the_data(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import httpx, pytest

        SEEN = {}

        def customers(ctk_mock):  # a created customer: the fields not sent are generated from the seed
            payments = ctk_mock("payments")
            answer = httpx.post(payments.url + "/customers", json={"name": "Ann"}, headers={"X-Api-Key": "k"})
            return {key: value for key, value in answer.json().items() if key != "id"}

        def test_default(ctk_mock):
            SEEN["default"] = customers(ctk_mock)

        def test_default_again(ctk_mock):
            SEEN["again"] = customers(ctk_mock)

        @pytest.mark.ctk(seed=7)
        def test_seed_7(ctk_mock):
            SEEN["7"] = customers(ctk_mock)

        def test_compare():
            assert SEEN["default"] == SEEN["again"]
            assert SEEN["default"] != SEEN["7"]
        """
    )
    suite.runpytest("-p", "no:randomly").assert_outcomes(passed=4)


def test_async_clients_through_respx_and_the_transport(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import asyncio
        import httpx

        def test_async(ctk_mock, ctk_journal):
            payments = ctk_mock("payments")

            async def main():
                async with httpx.AsyncClient() as routed:
                    first = await routed.get(payments.url + "/customers", headers={"X-Api-Key": "k"})
                transport = payments.httpx_transport()
                async with httpx.AsyncClient(base_url=payments.url, transport=transport) as direct:
                    second = await direct.get("/customers", headers={"X-Api-Key": "k"})
                return first.status_code, second.status_code

            assert asyncio.run(main()) == (200, 200)
            ctk_journal.assert_called("GET /customers", times=2)
        """
    )
    suite.runpytest().assert_outcomes(passed=1)

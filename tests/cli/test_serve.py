"""``ctk serve``: the dry run (``--check``), a real server in a subprocess on loopback (one worker and
two), the workspace mode, and the two ways it refuses to start (a broken contract, a taken port)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.cli import assert_refused_output, ctk
from tests.support.files import write_file, write_workspace
from tests.support.paths import DATA, REPO
from tests.support.served import served

PAYMENTS_V1 = str(REPO / "contracts" / "payments" / "v1")
KEY = {"X-Api-Key": "sk_test_123"}


def test_check_prints_what_would_be_served() -> None:
    code, _, err = ctk("serve", PAYMENTS_V1, "--check", "--port", "9123", "--seed", "7", "--no-validate")
    assert code == 0, err
    assert f"serving {PAYMENTS_V1} at http://127.0.0.1:9123/v1" in err
    assert "seed 7, validation off" in err
    assert "not started" in err


def test_check_honours_mount() -> None:
    code, _, err = ctk("serve", PAYMENTS_V1, "--check", "--mount", "/pay")
    assert code == 0, err
    assert "at http://127.0.0.1:8000/pay" in err


def test_check_lists_each_soap_port_at_its_address_path() -> None:
    code, _, err = ctk("serve", str(REPO / "contracts" / "crm" / "v1" / "crm.wsdl"), "--check")
    assert code == 0, err
    assert "SOAP 1.1, CrmService/CrmSoap11Port at http://127.0.0.1:8000/soap/v1 (WSDL: /soap/v1?wsdl)" in err
    assert "SOAP 1.2, CrmService/CrmSoap12Port at http://127.0.0.1:8000/soap12/v1" in err


def test_workspace_check_serves_every_protocol_at_its_mount() -> None:
    code, _, err = ctk("serve", "--root", str(REPO), "--check")
    assert code == 0, err
    serving = sorted(line for line in err.splitlines() if line.startswith("serving "))
    assert len(serving) == 3, err
    # sandbox.toml turns state on for each API and names a few scenarios: the line says what each API has on
    assert serving[0].startswith("serving crm: ")
    assert serving[0].endswith("at http://127.0.0.1:8000/crm (state: memory; scenarios: account_locked)")
    assert serving[1].startswith("serving inventory: ")
    assert serving[1].endswith("at http://127.0.0.1:8000/inventory (state: memory; scenarios: catalogue_down)")
    assert serving[2].startswith("serving payments: ")
    assert serving[2].endswith(
        "at http://127.0.0.1:8000/payments (state: memory; scenarios: card_declined, flaky_create, throttled)"
    )
    assert "note: " not in err
    assert "seed 1" in err  # the workspace's own seed from sandbox.toml


def test_workspace_check_names_the_mocks_files_it_reads(tmp_path: Path) -> None:
    write_workspace(
        tmp_path,
        f"""
[apis.payments]
contract = "{PAYMENTS_V1}"
mount = "/payments"
""",
    )
    write_file(tmp_path, "mocks/payments/overlays.toml", "# no overlay yet\n")
    write_file(tmp_path, "mocks/payments/hooks.py", "# no hook yet\n")
    write_file(tmp_path, "mocks/payments/seed.json", "{}\n")
    code, _, err = ctk("serve", "--root", str(tmp_path), "--check")
    assert code == 0, err
    assert "(mocks: overlays.toml, hooks.py, seed.json not read (state is off))" in err
    code, _, err = ctk("serve", "--root", str(tmp_path), "--check", "--state")
    assert code == 0, err
    assert "mocks: overlays.toml, hooks.py, seed.json)" in err


def test_webhook_secret_env_names_a_variable_and_never_takes_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTK_TEST_WEBHOOK_SECRET", "whsec_planted_8f3a")
    code, out, err = ctk("serve", PAYMENTS_V1, "--check", "--webhook-secret-env", "CTK_TEST_WEBHOOK_SECRET")
    assert code == 0, err
    assert "whsec_planted_8f3a" not in out + err
    code, _, err = ctk("serve", PAYMENTS_V1, "--check", "--webhook-secret-env", "CTK_TEST_UNSET_SECRET")
    assert code == 2 and "CTK_TEST_UNSET_SECRET is not set" in err
    code, _, err = ctk("serve", PAYMENTS_V1, "--check", "--webhook-secret-env", "whsec_abc def")
    assert code == 2 and "the name of an environment variable" in err
    code, _, err = ctk("serve", "--root", str(REPO), "--check", "--webhook-secret-env", "X")
    assert code == 2 and "[apis.NAME.mock]" in err


def test_broken_contract_is_one_error_line() -> None:
    code, out, err = ctk("serve", str(DATA / "mock" / "broken.yaml"), "--check")
    assert_refused_output(code, out, err, "broken.yaml")
    assert "Missing" in err


def test_port_in_use_exits_2_with_a_hint() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "toolkit.cli", "serve", PAYMENTS_V1, "--port", str(port)],
            cwd=REPO, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert_refused_output(result.returncode, result.stdout, result.stderr, f"127.0.0.1:{port}")
    assert "hint: choose another --port" in result.stderr


def test_serve_answers_over_http() -> None:
    with served(PAYMENTS_V1, "--seed", "4") as server:
        url = server.url
        customer = httpx.get(f"{url}/v1/customers/cus_77", headers=KEY, timeout=10)
        again = httpx.get(f"{url}/v1/customers/cus_77", headers=KEY, timeout=10)
        anonymous = httpx.get(f"{url}/v1/customers/cus_77", timeout=10)
    assert customer.status_code == 200 and customer.json()["id"] == "cus_77"
    assert customer.content == again.content
    assert anonymous.status_code == 401


def test_serve_with_two_workers() -> None:
    with served(PAYMENTS_V1, "--workers", "2") as server:
        url = server.url
        responses = [httpx.get(f"{url}/v1/refunds/re_5", headers=KEY, timeout=10) for _ in range(4)]
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1  # whichever worker answered, the data is the same


def test_a_malformed_webhook_host_is_one_error_line() -> None:
    code, out, err = ctk("serve", PAYMENTS_V1, "--webhook-host", "not a host", "--check")
    assert_refused_output(code, out, err, "--webhook-host")
    assert "is not a host name, IP address or network" in err


def test_allowed_webhook_hosts_are_announced() -> None:
    code, _, err = ctk(
        "serve", PAYMENTS_V1, "--webhook-host", "hooks.internal", "--webhook-host", "10.0.0.0/8", "--check"
    )
    assert code == 0, err
    assert "webhook and callback destinations: loopback, hooks.internal, 10.0.0.0/8" in err

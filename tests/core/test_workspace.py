"""sandbox/sandbox.toml: the example workspace, and every kind of configuration mistake."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli import ctk
from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit.errors import ConfigError
from toolkit.limits import DEFAULT_LIMITS
from toolkit.workspace import load_workspace


def test_example_workspace_loads_with_three_apis() -> None:
    space = load_workspace(REPO)
    assert sorted(space.apis) == ["crm", "inventory", "payments"]
    payments = space.apis["payments"]
    assert payments.contract == REPO / "contracts/payments/v1"
    assert payments.mount == "/payments"
    assert payments.vendor is not None and payments.vendor.auth is not None
    assert payments.vendor.auth.env == {"value": "PAYMENTS_SANDBOX_API_KEY"}
    assert space.apis["crm"].vendor.auth.kind == "wsse"  # type: ignore[union-attr]


def test_ctk_workspace_lists_every_api_and_exits_0() -> None:
    code, out, err = ctk("workspace", "--root", str(REPO), "--format", "json")
    assert code == 0, err
    rows = {row["name"]: row for row in json.loads(out)["apis"]}
    assert rows["payments"]["protocol"] == "openapi" and rows["payments"]["operations"] == 15
    assert rows["crm"]["protocol"] == "soap" and rows["crm"]["operations"] == 18
    assert rows["inventory"]["protocol"] == "graphql" and rows["inventory"]["operations"] == 9


@pytest.fixture
def space(tmp_path: Path) -> Path:
    (tmp_path / "sandbox").mkdir()
    shutil.copytree(REPO / "contracts" / "payments" / "v1", tmp_path / "contracts" / "payments" / "v1")
    return tmp_path


GOOD = '[apis.payments]\ncontract = "contracts/payments/v1"\n'


def test_minimal_config(space: Path) -> None:
    write_workspace(space, GOOD)
    workspace = load_workspace(space)
    assert workspace.apis["payments"].mount == "/payments"
    assert workspace.sandbox.port == 8000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[apis.payments]\ncontrct = "contracts/payments/v1"\n', "unknown key 'apis.payments.contrct'"),
        ("[sandboxx]\n" + GOOD, "unknown key 'sandboxx'"),
        ('[apis.payments]\ncontract = "contracts/payments/v9"\n', "does not exist"),
        ("[apis.payments]\nmount = '/p'\n", "apis.payments.contract is required"),
        (GOOD + 'mount = "payments"\n', "mount must start with '/'"),
        ("[sandbox]\nport = 99999\n" + GOOD, "sandbox.port"),
        ("", "defines no API"),
        ("[apis\n", "invalid TOML"),
        ('[apis.Pay_ments]\ncontract = "contracts/payments/v1"\n', "lower-case"),
        (GOOD + "[apis.payments.vendor]\nauth = { type = 'magic' }\n", "type must be one of"),
        (GOOD + "[apis.payments.vendor]\nsandbox_url = 'ftp://x'\n", "http(s) URL"),
        (GOOD + "[apis.payments.vendor]\nauth = { type = 'bearer' }\n", "token_env is required"),
        (GOOD + "[apis.payments.vendor]\nauth = { type = 'bearer', token_env = 'T', extra = 1 }\n", "unknown key"),
        (GOOD + "[apis.payments.mirrors]\n'http://x/a.xsd' = 'nowhere.xsd'\n", "does not exist"),
        (GOOD + "[apis.payments.mock]\nmax_dept = 3\n", "unknown key 'apis.payments.mock.max_dept'"),
        (GOOD + "[apis.payments.mock]\nmax_depth = 0\n", "mock.max_depth must be a positive integer"),
        (GOOD + "[apis.payments.mock]\nmax_cost = true\n", "mock.max_cost must be a positive integer"),
        (GOOD + "[apis.payments.mock]\nintrospection = 'no'\n", "mock.introspection must be true or false"),
        (GOOD + "[limits]\nmax_bodi = 1\n", "unknown limit 'max_bodi'"),
        (GOOD + "[limits]\nheader_timeout = -1\n", "limit header_timeout must be a positive finite number"),
        ("limits = 3\n" + GOOD, "[limits] must be a table"),
        ("[sandbox]\nwebhook_hosts = 'x'\n" + GOOD, "sandbox.webhook_hosts must be a list"),
        ("[sandbox]\nwebhook_hosts = ['not a host']\n" + GOOD, "is not a host name, IP address or network"),
    ],
)
def test_config_mistakes_are_named(space: Path, text: str, expected: str) -> None:
    write_workspace(space, text)
    with pytest.raises(ConfigError) as error:
        load_workspace(space)
    assert expected in str(error.value)
    assert "sandbox.toml" in str(error.value)


def test_limits_and_webhook_hosts(space: Path) -> None:
    write_workspace(
        space, "[sandbox]\nwebhook_hosts = ['hooks.internal', '10.0.0.0/8']\n[limits]\nmax_body = 1000\n" + GOOD
    )
    workspace = load_workspace(space)
    assert workspace.limits.max_body == 1000
    assert workspace.limits.header_timeout == DEFAULT_LIMITS.header_timeout
    assert workspace.sandbox.webhook_hosts == ("hooks.internal", "10.0.0.0/8")
    assert load_workspace(write_workspace(space, GOOD)).limits == DEFAULT_LIMITS


def test_unknown_key_suggests_the_close_one(space: Path) -> None:
    write_workspace(space, '[apis.payments]\ncontrct = "contracts/payments/v1"\n')
    with pytest.raises(ConfigError) as error:
        load_workspace(space)
    assert error.value.hint == "did you mean 'contract'?"


def test_a_secret_written_instead_of_a_variable_name_is_refused_and_not_echoed(space: Path) -> None:
    secret = "sk_test_51HqLyjWDarjtT1zdp7dc"
    write_workspace(space, GOOD + f"[apis.payments.vendor]\nauth = {{ type = 'bearer', token_env = '{secret}' }}\n")
    code, out, err = ctk("workspace", "--root", str(space))
    assert code == 2
    assert "must name an environment variable" in err
    assert secret not in err + out


def test_missing_config_exit_2(tmp_path: Path) -> None:
    code, _, err = ctk("workspace", "--root", str(tmp_path))
    assert code == 2
    assert "sandbox.toml" in err and "Traceback" not in err


def test_an_api_whose_contract_fails_to_load_is_reported_and_exits_2(space: Path) -> None:
    (space / "contracts" / "bad.yaml").write_text("openapi: 3.0.0\npaths: [\n", encoding="utf-8")
    write_workspace(space, GOOD + '[apis.bad]\ncontract = "contracts/bad.yaml"\n')
    code, out, _ = ctk("workspace", "--root", str(space), "--format", "json")
    assert code == 2
    rows = {row["name"]: row for row in json.loads(out)["apis"]}
    assert rows["payments"]["operations"] == 15
    assert "bad.yaml" in rows["bad"]["error"]

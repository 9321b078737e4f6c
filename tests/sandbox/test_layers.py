"""The sandbox's layer stack: one fixed order, sessions, the admin endpoints left alone; and its settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.cli import ctk
from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request, Response
from toolkit.mock import MockEnvelope
from toolkit.sandbox.layers import ORDER, Call, LayerOrderError, Next, SandboxedMock
from toolkit.workspace import load_workspace

API_KEY = (("x-api-key", "sk_test_1"),)


@dataclass
class Recorder:
    """A layer that records the order it ran in and the session it saw, then asks the inner layers."""

    name: str
    seen: list[str]
    sessions: list[str] = field(default_factory=list)

    def __call__(self, call: Call, inner: Next) -> MockResult:
        self.seen.append(self.name)
        self.sessions.append(call.session)
        return inner(call)


@dataclass
class Answering:
    """A layer that answers alone: nothing inside it runs."""

    name: str

    def __call__(self, call: Call, inner: Next) -> MockResult:
        return MockResult(Response(418, (("content-type", "text/plain"),), b"answered by " + self.name.encode()))


@pytest.fixture(scope="module")
def envelope() -> MockEnvelope:
    return compile_mock(load_contract(REPO / "contracts" / "payments" / "v1"), seed=1, mount="/v1")


def test_layers_run_in_the_declared_order_whatever_order_they_are_given(envelope: MockEnvelope) -> None:
    seen: list[str] = []
    layers = [Recorder(name, seen) for name in reversed(ORDER)]
    sandboxed = SandboxedMock(envelope, layers)
    result = sandboxed(Request("GET", "/v1/customers/cus_1", headers=API_KEY))
    assert seen == list(ORDER)
    assert result.response.status == 200 and result.operation == "GET /customers/{customer_id}"


def test_a_layer_can_answer_alone(envelope: MockEnvelope) -> None:
    seen: list[str] = []
    sandboxed = SandboxedMock(envelope, [Recorder("state", seen), Answering("rate_limit")])
    result = sandboxed(Request("GET", "/v1/customers/cus_1", headers=API_KEY))
    assert result.response.status == 418 and seen == []  # state is inside rate_limit: it never ran


def test_sessions_come_from_the_header_and_a_bad_name_is_a_400_in_the_protocols_form(envelope: MockEnvelope) -> None:
    recorder = Recorder("state", [])
    sandboxed = SandboxedMock(envelope, [recorder])
    sandboxed(Request("GET", "/v1/customers", headers=API_KEY))
    sandboxed(Request("GET", "/v1/customers", headers=(*API_KEY, ("x-ctk-session", "test-42.a_b"))))
    assert recorder.sessions == ["default", "test-42.a_b"]
    for bad in ("", "a b", "x" * 65, "../etc"):
        answer = sandboxed(Request("GET", "/v1/customers", headers=(*API_KEY, ("x-ctk-session", bad)))).response
        assert answer.status == 400 and answer.header("content-type") == "application/problem+json"
        assert "x-ctk-session" in json.loads(answer.body)["detail"]
    assert len(recorder.sessions) == 2  # refused before any layer ran


def test_the_admin_endpoints_are_not_layered(envelope: MockEnvelope) -> None:
    sandboxed = SandboxedMock(envelope, [Answering("faults")])
    assert sandboxed(Request("GET", "/__ctk/health")).response.status == 200


def test_an_unknown_or_repeated_layer_is_refused(envelope: MockEnvelope) -> None:
    with pytest.raises(LayerOrderError):
        SandboxedMock(envelope, [Answering("teleport")])
    with pytest.raises(LayerOrderError):
        SandboxedMock(envelope, [Answering("state"), Answering("state")])


# -- settings ----------------------------------------------------------------------------------------------------

_API = """
[apis.payments]
contract = "{contract}"
{state}
"""


def _workspace(tmp_path: Path, sandbox: str = "", state: str = "state = true") -> Path:
    contract = REPO / "contracts" / "payments" / "v1"
    return write_workspace(tmp_path, sandbox + _API.format(contract=contract, state=state))


def test_state_and_store_are_read_from_sandbox_toml(tmp_path: Path) -> None:
    space = load_workspace(_workspace(tmp_path, '[sandbox]\nstore = "sqlite:var/state.db"\n'))
    assert space.apis["payments"].state is True
    assert space.sandbox.store == f"sqlite:{(tmp_path / 'var' / 'state.db').resolve()}"  # relative to the root
    assert load_workspace(_workspace(tmp_path / "b", state="")).apis["payments"].state is False


@pytest.mark.parametrize(
    ("sandbox", "state", "message"),
    [
        ('[sandbox]\nstore = "postgres://x"\n', "state = true", "is not one of memory, sqlite:PATH"),
        ("", 'state = "memory"', "state must be true or false"),
        ("", "stat = true", "did you mean 'state'"),
    ],
)
def test_bad_state_settings_are_refused_with_the_place(tmp_path: Path, sandbox: str, state: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_workspace(_workspace(tmp_path, sandbox, state))
    assert message in str(caught.value) and "sandbox.toml" in str(caught.value)


def test_serve_refuses_state_in_memory_with_several_workers(tmp_path: Path) -> None:
    code, _, err = ctk("serve", "--root", str(_workspace(tmp_path)), "--workers", "2", "--check")
    assert code == 2 and "--workers" in err and "sqlite" in err


def test_serve_refuses_a_store_it_does_not_know(tmp_path: Path) -> None:
    code, _, err = ctk("serve", "--root", str(_workspace(tmp_path)), "--store", "mongodb://x", "--check")
    assert code == 2 and "--store" in err and "redis://" in err


def test_state_flag_turns_state_on_for_every_api(tmp_path: Path) -> None:
    contracts = REPO / "contracts"
    config = (
        f'[apis.payments]\ncontract = "{contracts / "payments" / "v1"}"\n'
        f'[apis.crm]\ncontract = "{contracts / "crm" / "v1" / "crm.wsdl"}"\n'
        f'[apis.inventory]\ncontract = "{contracts / "inventory" / "v1"}"\n'
    )
    root = str(write_workspace(tmp_path, config))
    code, _, err = ctk("serve", "--root", root, "--check")
    assert code == 0 and "state" not in err, err
    code, _, err = ctk("serve", "--root", root, "--state", "--check")
    lines = [line for line in err.splitlines() if line.startswith("serving ")]
    assert code == 0 and len(lines) == 3 and all(line.endswith("(state: memory)") for line in lines), err


def test_no_state_flag_turns_the_workspaces_state_off() -> None:
    code, _, err = ctk("serve", "--root", str(REPO), "--no-state", "--check")
    assert code == 0, err
    assert "state" not in "".join(line for line in err.splitlines() if line.startswith("serving "))


def test_state_set_in_sandbox_toml_on_soap_and_graphql_apis_is_served(tmp_path: Path) -> None:
    contracts = REPO / "contracts"
    crm = contracts / "crm" / "v1" / "crm.wsdl"
    inventory = contracts / "inventory" / "v1"
    config = (f'[apis.crm]\ncontract = "{crm}"\nstate = true\n'
              f'[apis.inventory]\ncontract = "{inventory}"\nmount = "/inventory"\nstate = true\n')  # fmt: skip
    code, _, err = ctk("serve", "--root", str(write_workspace(tmp_path, config)), "--check")
    assert code == 0, err
    for name in ("crm", "inventory"):
        assert "(state: memory)" in next(line for line in err.splitlines() if line.startswith(f"serving {name}"))


@dataclass
class Asking:
    """A layer that reads the request's operation, as the faults, scenarios, sunset and overlays layers do."""

    name: str
    seen: list[str | None]

    def __call__(self, call: Call, inner: Next) -> MockResult:
        self.seen.append(call.operation)
        return inner(call.with_request(call.request))


def test_the_operation_is_routed_once_per_request_however_many_layers_ask(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    envelope = compile_mock(load_contract(REPO / "contracts" / "payments" / "v1"), seed=1, mount="/v1")
    routed: list[str] = []
    original = envelope.mock.operation_of

    def counting(request: Request) -> str | None:
        routed.append(request.path)
        return original(request)

    monkeypatch.setattr(envelope.mock, "operation_of", counting)
    seen: list[str | None] = []
    sandboxed = SandboxedMock(envelope, [Asking(name, seen) for name in ("faults", "scenarios", "overlays")])
    sandboxed(Request("GET", "/v1/customers/cus_1", headers=API_KEY))
    sandboxed(Request("HEAD", "/v1/customers/cus_1", headers=API_KEY))
    assert seen == ["GET /customers/{customer_id}"] * 6  # a HEAD targets the GET it is answered by
    assert len(routed) == 2


@dataclass
class Broken:
    name: str

    def __call__(self, call: Call, inner: Next) -> MockResult:
        raise LookupError("a bug in a layer")


def test_a_bug_in_a_layer_is_one_500_in_the_protocols_form(caplog: pytest.LogCaptureFixture) -> None:
    crm = compile_mock(load_contract(REPO / "contracts" / "crm" / "v1" / "crm.wsdl"), seed=1, mount="/crm")
    sandboxed = SandboxedMock(crm, [Broken("faults")])
    headers = (("content-type", "text/xml"), ("soapaction", '"urn:example:crm/GetAccount"'))
    with caplog.at_level("ERROR", logger="ctk.mock"):
        answer = sandboxed(Request("POST", "/crm", headers=headers, body=b"<x/>")).response
    assert answer.status == 500 and b"Fault" in answer.body and b"LookupError" in answer.body
    assert any(record.exc_info for record in caplog.records)

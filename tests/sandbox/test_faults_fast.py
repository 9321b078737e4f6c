"""The faults layer's fast path: with no fault configured and none asked (``Prefer: ctk-...``), a request goes
straight to the inner layers: the same answer as the full path, and no store call (no request number drawn)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.exchange import MockResult, Request
from toolkit.mock import MockEnvelope
from toolkit.sandbox.faults import FaultsLayer, faults_layer
from toolkit.sandbox.faults_config import parse_faults
from toolkit.sandbox.layers import Call, SandboxedMock
from toolkit.sandbox.stores.memory import MemoryStore

PAYMENTS = REPO / "contracts" / "payments" / "v1"
WHERE = "[apis.test]"
_MOCK: list[MockEnvelope] = []


def _envelope() -> MockEnvelope:
    if not _MOCK:
        _MOCK.append(compile_mock(load_contract(PAYMENTS), seed=7))
    return _MOCK[0]


class _CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def incr(self, *args: Any, **kwargs: Any) -> int:
        self.calls += 1
        return super().incr(*args, **kwargs)


def _layer(table: dict[str, Any]) -> tuple[FaultsLayer, _CountingStore]:
    store = _CountingStore()
    return faults_layer(_envelope(), table, store, api="test", where=WHERE), store


def _request(n: int, prefer: str | None = None) -> Request:
    headers = [("x-api-key", "sk_test_1")] + ([("prefer", prefer)] if prefer is not None else [])
    return Request("GET", f"/v1/customers/cus_{n}", "", tuple(headers))


@pytest.mark.parametrize("table", [{}, {"error_status": 503}])
def test_nothing_configured_nothing_asked_is_the_inner_answer(table: dict[str, Any]) -> None:
    layer, store = _layer(table)
    assert layer._idle
    envelope = _envelope()
    for n in range(30):
        request = _request(n, prefer="code=200" if n % 3 == 0 else None)
        inner_answer = envelope(request)
        seen: list[Request] = []

        def inner(call: Call, answer: MockResult = inner_answer, seen: list[Request] = seen) -> MockResult:
            seen.append(call.request)
            return answer

        assert layer(Call(request, "default"), inner) is inner_answer
        assert seen == [request]
    assert store.calls == 0


@pytest.mark.parametrize(
    "table",
    [
        {"error_rate": 0.5},
        {"latency": {"fixed_ms": 5}},
        {"fail_first": 1},
        {"trickle_bytes_per_s": 1000},
        {"connection": {"reset": 0.2}},
        {"operations": {"GET /customers/{customer_id}": {"error_rate": 0.5}}},
    ],
)
def test_any_configured_fault_takes_the_full_path(table: dict[str, Any]) -> None:
    layer, _ = _layer(table)
    assert not layer._idle


def test_asked_faults_still_apply_without_a_table() -> None:
    mock = SandboxedMock(_envelope(), [_layer({})[0]])
    assert mock(_request(1, prefer="ctk-fault=503")).response.status == 503
    shaped = mock(_request(2, prefer="ctk-latency=20, code=200"))
    assert shaped.delay == 0.02 and shaped.response.status == 200
    assert mock(_request(3, prefer="ctk-fault=reset")).transport_fault == "reset"
    plain = mock(_request(4))
    assert (plain.delay, plain.transport_fault, plain.injected) == (0.0, None, ())


def test_replacing_the_table_turns_the_fast_path_off_and_on() -> None:
    layer, store = _layer({})
    mock = SandboxedMock(_envelope(), [layer])
    layer.replace_config(parse_faults({"error_rate": 1.0}, WHERE))
    assert not layer._idle
    assert mock(_request(1)).injected  # every request fails now, drawn with its request number
    assert store.calls == 1
    layer.replace_config(parse_faults({}, WHERE))
    assert layer._idle and mock(_request(2)).injected == ()
    assert store.calls == 1


@pytest.mark.parametrize("table", [{}, {"error_status": 503}, {"error_rate": 0.5}, {"latency": {"fixed_ms": 5}}])
def test_passes_says_what_the_layer_would_do(table: dict[str, Any]) -> None:
    """``passes`` is True exactly when the layer would hand the call on unchanged: ``SandboxedMock`` then skips it."""
    layer, _ = _layer(table)
    for prefer in (None, "code=200", "ctk-fault=503", "CTK-LATENCY=10", "respond-async, ctk-latency=1"):
        request = _request(1, prefer)
        seen: list[Request] = []

        def inner(call: Call, seen: list[Request] = seen) -> MockResult:
            seen.append(call.request)
            return _envelope()(call.request)

        answered = layer(Call(request, "default"), inner)
        untouched = seen == [request] and answered.injected == () and not answered.delay
        assert layer.passes(request, "default") == (layer._idle and untouched), (table, prefer)


def test_a_sandboxed_mock_whose_layers_pass_answers_as_the_chain_does() -> None:
    layer, store = _layer({})
    mock = SandboxedMock(_envelope(), [layer])
    chained = SandboxedMock(_envelope(), [layer])
    chained._passes = (None,)  # every request through Call and the chain
    for n in range(20):
        request = _request(n, prefer=("ctk-fault=503" if n % 4 == 0 else "code=404" if n % 4 == 1 else None))
        ours, reference = mock(request), chained(request)
        assert ours.response == reference.response and ours.injected == reference.injected
        assert (ours.operations, ours.violations, ours.delay) == (reference.operations, reference.violations, 0.0)
    assert store.calls == 0
    bad = Request("GET", "/v1/customers/cus_1", "", (("x-ctk-session", "no spaces"),))
    assert mock(bad).response.status == chained(bad).response.status == 400

"""``ctk serve --workers auto``: one worker per CPU this process may use, or one (with a note) when state is in
memory, which belongs to one process; numbers are taken as given, and refused outside 1..64 or when state is in
memory. Counting is checked in-process with the CPU count replaced; one real server shows ``auto`` answers."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import httpx
import pytest

from tests.support.cli import ctk
from tests.support.files import write_workspace
from tests.support.paths import REPO
from tests.support.served import served

# the module, not the click command of the same name that toolkit.cli exports
serve_module = importlib.import_module("toolkit.cli.serve")

PAYMENTS_V1 = str(REPO / "contracts" / "payments" / "v1")
KEY = {"X-Api-Key": "sk_test_123"}
API = '[apis.payments]\ncontract = "{contract}"\nmount = "/payments"\nstate = true\n'


def _stateful_workspace(tmp_path: Path, sandbox: str = "") -> Path:
    return write_workspace(tmp_path, sandbox + API.format(contract=REPO / "contracts" / "payments" / "v1"))


def _with_cpus(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    monkeypatch.setattr(serve_module, "usable_cpus", lambda: count)


def test_usable_cpus_is_the_affinity_mask() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert serve_module.usable_cpus() == expected


def test_auto_is_one_worker_per_usable_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_cpus(monkeypatch, 3)
    code, _, err = ctk("serve", PAYMENTS_V1, "--workers", "auto", "--check")
    assert code == 0, err
    assert "workers: 3 (--workers auto: the CPUs this process may use)" in err


def test_auto_never_exceeds_the_largest_count(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_cpus(monkeypatch, 200)
    code, _, err = ctk("serve", PAYMENTS_V1, "--workers", "AUTO", "--check")
    assert code == 0, err
    assert "workers: 64 " in err


def test_auto_with_state_in_memory_falls_back_to_one_worker_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_cpus(monkeypatch, 4)
    code, _, err = ctk("serve", "--root", str(_stateful_workspace(tmp_path)), "--workers", "auto", "--check")
    assert code == 0, err  # where --workers 4 is refused (tests/sandbox/test_layers.py), auto chooses one
    notes = [line for line in err.splitlines() if "--workers auto" in line]
    assert notes == [
        "note: --workers auto: 1 worker, not 4: state in memory belongs to one process (--store sqlite:PATH or "
        "redis://HOST:PORT/DB is shared by workers)"
    ], err


def test_auto_with_a_shared_store_keeps_every_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_cpus(monkeypatch, 4)
    root = _stateful_workspace(tmp_path, '[sandbox]\nstore = "sqlite:state.db"\n')
    code, _, err = ctk("serve", "--root", str(root), "--workers", "auto", "--check")
    assert code == 0, err
    assert "workers: 4 " in err and "note: --workers" not in err


def test_auto_with_state_turned_off_keeps_every_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_cpus(monkeypatch, 2)
    code, _, err = ctk(
        "serve", "--root", str(_stateful_workspace(tmp_path)), "--workers", "auto", "--no-state", "--check"
    )
    assert code == 0, err
    assert "workers: 2 " in err


def test_auto_on_one_cpu_is_one_worker_without_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_cpus(monkeypatch, 1)
    code, _, err = ctk("serve", "--root", str(_stateful_workspace(tmp_path)), "--workers", "auto", "--check")
    assert code == 0, err
    assert "workers: 1 " in err and "note:" not in err


def test_a_number_is_taken_as_given_and_the_default_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_cpus(monkeypatch, 8)
    for args in ((), ("--workers", "3")):
        code, _, err = ctk("serve", PAYMENTS_V1, *args, "--check")
        assert code == 0 and "workers:" not in err, err


@pytest.mark.parametrize("value", ["0", "65", "-1", "many", "2.5", ""])
def test_a_count_outside_the_range_or_not_auto_is_refused(value: str) -> None:
    code, _, err = ctk("serve", PAYMENTS_V1, "--workers", value, "--check")
    assert code == 2 and "--workers" in err and "or auto" in err, err


def test_serve_with_workers_auto_answers() -> None:
    with served(PAYMENTS_V1, "--workers", "auto") as server:
        url = server.url
        responses = [httpx.get(f"{url}/v1/refunds/re_5", headers=KEY, timeout=10) for _ in range(4)]
        log = server.log_path.read_text()
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1  # whichever worker answered, the data is the same
    assert f"workers: {serve_module.usable_cpus()} (--workers auto" in log

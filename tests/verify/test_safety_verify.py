"""A verify run is safe for a shared vendor sandbox: checked against a vendor that counts what arrives.

The budget is a hard ceiling; a 429 (``Retry-After`` in seconds or as an HTTP-date) and ``RateLimit-*`` are
waited out (the vendor records when it asked for silence and when each request arrived: none arrives in
between); no unsafe operation is sent without ``--unsafe``, and with it only create → read → delete chains
that delete what they created; a vendor that keeps failing stops the run with the breaker's reason.
Nothing here asserts a duration: only the order of the vendor's own records.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_ctk
from tests.support.vendors.rest import CONTRACT, VendorLog, rest_vendor

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _verify(url: str, tmp_path: Path, *args: str) -> tuple[int, Any, str]:
    result = run_ctk("verify", str(CONTRACT), "--base-url", url, "--format", "json", "-q", *args, cwd=tmp_path)
    return result.returncode, json.loads(result.stdout), result.stderr


def test_the_budget_is_a_hard_ceiling(tmp_path: Path) -> None:
    with rest_vendor() as (url, log):
        code, report, _ = _verify(
            url, tmp_path, "--budget", "200", "--examples", "1000", "--budget-per-operation", "90"
        )
    assert log.count <= 200
    assert log.count == 200  # 4 operations of up to 90 would send more: the run stopped at the ceiling
    (api,) = report["apis"]
    assert api["requests_sent"] == 200
    assert api["budget_left"] == 0
    assert api["stop_reason"].startswith("request budget spent")
    assert code == 0  # a spent budget is not an error: what was seen conforms


def test_the_budget_per_operation(tmp_path: Path) -> None:
    with rest_vendor() as (url, log):
        _verify(url, tmp_path, "--examples", "1000", "--budget-per-operation", "7")
    per_path: dict[str, int] = {}
    for _, _, path in log.arrivals:
        key = "/books/{id}" if path.startswith("/v1/books/") else "/authors/{n}" if "/authors/" in path else path
        per_path[key] = per_path.get(key, 0) + 1
    assert per_path and max(per_path.values()) <= 7


def _none_too_early(log: VendorLog) -> None:
    assert log.quiet_until, "the vendor never asked for silence"
    for asked, quiet_until in log.quiet_until:
        later = log.arrivals[asked + 1 :]
        assert later, "nothing was sent after the vendor asked to wait"
        assert all(when >= quiet_until for when, _, _ in later), "a request arrived before the vendor allowed it"


@pytest.mark.parametrize("behaviour", ["429", "429-date", "ratelimit"])
def test_the_vendor_s_wait_is_waited_out(tmp_path: Path, behaviour: str) -> None:
    with rest_vendor(behaviour=behaviour) as (url, log):
        code, _, stderr = _verify(url, tmp_path, "--examples", "3")
    assert code == 0, stderr
    _none_too_early(log)


def test_no_unsafe_operation_without_unsafe(tmp_path: Path) -> None:
    with rest_vendor() as (url, log):
        code, report, _ = _verify(url, tmp_path, "--examples", "10")
    assert code == 0
    assert log.methods() <= SAFE_METHODS
    assert log.created == []
    (api,) = report["apis"]
    assert api["not_sent"] == {
        "POST /books": "unsafe: sent only with --unsafe",
        "DELETE /books/{book_id}": "unsafe: sent only with --unsafe",
        "POST /admin/reset": "unsafe: sent only with --unsafe",
    }


def test_with_unsafe_mutations_run_only_in_chains_that_clean_up(tmp_path: Path) -> None:
    with rest_vendor() as (url, log):
        code, _, stderr = _verify(url, tmp_path, "--unsafe", "--examples", "10")
    assert code == 0, stderr
    assert log.created, "the create → read → delete chain never created anything"
    assert sorted(log.deleted) == sorted(log.created)  # everything created was deleted
    assert "POST /v1/admin/reset" not in log.paths()  # a mutation no chain cleans up after: never sent
    # each created item was read back before it was deleted
    paths = log.paths()
    for item in log.created:
        assert paths.index(f"GET /v1/books/{item}") < paths.index(f"DELETE /v1/books/{item}")


def test_a_vendor_that_keeps_failing_trips_the_breaker(tmp_path: Path) -> None:
    with rest_vendor(behaviour="503") as (url, log):
        result = run_ctk("verify", str(CONTRACT), "--base-url", url, "--examples", "50", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert log.count == 5  # five 503s in a row, then nothing more
    assert "circuit breaker open: the vendor answered 503 to 5 requests in a row" in result.stdout
    assert "note: library: circuit breaker open" in result.stderr


def test_a_wait_longer_than_max_wait_stops_the_run_instead_of_stalling(tmp_path: Path) -> None:
    with rest_vendor(behaviour="429") as (url, log):
        code, report, stderr = _verify(url, tmp_path, "--max-wait", "0.5")
    assert code == 2, stderr
    assert log.count == 1  # nothing after the 429
    (api,) = report["apis"]
    assert api["stop_reason"].startswith("the vendor asked to wait 1s")

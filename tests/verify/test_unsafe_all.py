"""``ctk verify --unsafe-all`` as a user runs it, against a counting vendor on a loopback port.

``--unsafe`` sends a mutation only inside a create → read → delete chain (``POST /admin/reset`` has none, so it
stays unsent); ``--unsafe-all`` — for a server that holds nothing shared, such as ctk's own mock — sends it on its
own too, and still runs the chain as a chain (what it creates is deleted). ``--plan`` shows the difference and
sends nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.cli import run_ctk
from tests.support.vendors.rest import CONTRACT, rest_vendor

UNCHAINED = "POST /admin/reset"


def _verify(tmp_path: Path, *flags: str) -> tuple[dict[str, Any], list[str], list[str], list[str]]:
    """The API's report, every request the vendor saw, what it created and what it deleted."""
    with rest_vendor() as (url, log):
        result = run_ctk("verify", str(CONTRACT), "--base-url", url, "--examples", "2", "--format", "json", "-q",
                         *flags, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (api,) = json.loads(result.stdout)["apis"]
    return api, log.paths(), log.created, log.deleted


def test_unsafe_leaves_the_unchained_mutation_unsent(tmp_path: Path) -> None:
    api, requests, created, deleted = _verify(tmp_path, "--unsafe")
    assert "POST /v1/books" in requests  # the chain ran
    assert not any(request.startswith("POST /v1/admin/") for request in requests)
    assert UNCHAINED not in api["operations"]
    assert api["not_sent"] == {UNCHAINED: api["not_sent"][UNCHAINED]}
    assert "--unsafe-all" in api["not_sent"][UNCHAINED]  # the reason names the way to send it
    assert created and sorted(created) == sorted(deleted)


def test_unsafe_all_sends_the_unchained_mutation_and_still_chains(tmp_path: Path) -> None:
    api, requests, created, deleted = _verify(tmp_path, "--unsafe-all")
    assert api["status"] == "conforms" and api["failures"] == []
    assert UNCHAINED in api["operations"]
    assert api["not_sent"] == {}
    assert requests.count("POST /v1/admin/reset") >= 1
    assert created and sorted(created) == sorted(deleted)  # the chain still cleaned up after itself


def test_plan_with_unsafe_all_lists_the_unchained_mutation_and_sends_nothing(tmp_path: Path) -> None:
    with rest_vendor() as (url, log):
        result = run_ctk("verify", str(CONTRACT), "--base-url", url, "--plan", "--unsafe-all", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert log.count == 0
    assert f"would send POST {url}/admin/reset  [unsafe]" in result.stdout
    assert f"would send POST {url}/books  [unsafe] chain" in result.stdout
    assert "in no create" not in result.stdout


def test_the_help_warns_against_a_shared_vendor_sandbox(tmp_path: Path) -> None:
    result = run_ctk("verify", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--unsafe-all" in result.stdout
    assert "Never use it against a vendor's shared sandbox" in " ".join(result.stdout.split())

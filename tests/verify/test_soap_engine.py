"""``ctk verify`` of a WSDL, as a user runs it: the installed ``ctk verify CONTRACT --base-url URL`` in a subprocess
against a small SOAP vendor on a loopback port (conforming, then drifted in five planted ways), and against
``ctk serve`` of the crm example (SOAP 1.1 and 1.2 ports). The drifted run must name every planted drift and
nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_ctk
from tests.support.paths import REPO
from tests.support.served import served
from tests.support.vendors.soap import CONTRACT, DEPRECATION, SUNSET, soap_vendor

PORT = "LibraryService/LibraryPort/"
SAFE_OPERATIONS = [PORT + name for name in ("GetBook", "FindAuthor", "ListShelves", "SearchBooks", "DescribeLibrary")]


def _verify(contract: Path | str, url: str, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """``ctk verify CONTRACT --base-url URL --format json`` (exit code, the report's one API)."""
    done = run_ctk("verify", str(contract), "--base-url", url, "--format", "json", "--seed", "7", "--examples", "4",
                   "--evidence", str(tmp_path / "evidence.json"), "-q", *extra, cwd=tmp_path)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    (api,) = report["apis"]
    return done.returncode, api


def test_the_conforming_vendor_passes_and_the_unsafe_operation_is_never_sent(tmp_path: Path) -> None:
    with soap_vendor() as (url, log):
        code, api = _verify(CONTRACT, url, tmp_path)
    assert code == 0, api
    assert api["failures"] == []
    assert api["observations"] == []
    assert api["operations"] == SAFE_OPERATIONS
    assert api["not_sent"] == dict.fromkeys(
        [PORT + "AddShelf", PORT + "AddBook", PORT + "RemoveBook"], "unsafe: sent only with --unsafe"
    )
    assert not {"AddShelf", "AddBook", "RemoveBook"} & set(log.operations)
    assert set(log.operations) == {"GetBook", "FindAuthor", "ListShelves", "SearchBooks", "DescribeLibrary"}


def test_the_drifted_vendor_fails_naming_every_planted_drift_and_nothing_else(tmp_path: Path) -> None:
    with soap_vendor(drifted=True) as (url, log):
        code, api = _verify(CONTRACT, url, tmp_path)
    assert code == 1
    assert api["stop_reason"] is None  # the undeclared faults' 500s are answers, not a failing vendor
    failures = sorted((f["operation"].removeprefix(PORT), f["check"]) for f in api["failures"])
    assert failures == [
        ("FindAuthor", "response_schema_conformance"),  # a removed field
        ("GetBook", "response_schema_conformance"),  # a changed type
        ("ListShelves", "status_code_conformance"),  # an undocumented status code
        ("SearchBooks", "fault_declared"),  # an undeclared Fault
    ]
    messages = {f["operation"].removeprefix(PORT): f["message"] for f in api["failures"]}
    assert "born" in messages["FindAuthor"]
    assert "pages" in messages["GetBook"] and "xs:int" in messages["GetBook"]
    assert "202" in messages["ListShelves"]
    assert "QuotaExceeded" in messages["SearchBooks"] and "BadQuery" in messages["SearchBooks"]
    for failure in api["failures"]:  # each reproducible from the envelope sent
        assert failure["reproduction"].startswith(f"POST {url}\n<")
        assert "Envelope" in failure["reproduction"]
    observed = sorted((o["operation"].removeprefix(PORT), o["kind"], o["detail"], o["date"])
                      for o in api["observations"])  # fmt: skip
    assert observed == [
        ("DescribeLibrary", "deprecation-header", DEPRECATION, "2026-01-01"),
        ("DescribeLibrary", "sunset-header", SUNSET, "2027-06-30"),
        ("ListShelves", "undocumented-status", "202", None),
        ("SearchBooks", "undeclared-fault", "QuotaExceeded", None),
    ]
    assert "undeclared-fault" in (tmp_path / "evidence.json").read_text()
    assert "AddShelf" not in log.operations
    assert log.operations.count("SearchBooks") == 4  # one per example: a Fault is not retried


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_ctk_serves_a_conforming_mock_of_the_crm_example(version: str, tmp_path: Path) -> None:
    wsdl = REPO / "contracts" / "crm" / version / "crm.wsdl"
    with served(str(wsdl), "--no-reload") as server:
        code, api = _verify(wsdl, server.url, tmp_path)
    assert code == 0, api["failures"]
    assert api["failures"] == []
    assert api["skipped"] == {}
    names = {operation.rpartition("/")[2] for operation in api["operations"]}
    assert names == {"GetAccount", "SearchAccounts", "GetContact", "ListContacts"}
    assert {operation.split("/")[1] for operation in api["operations"]} == {"CrmSoap11Port", "CrmSoap12Port"}
    assert api["operations_done"] == 8


def test_unsafe_sends_mutations_only_in_a_chain_that_cleans_up(tmp_path: Path) -> None:
    with soap_vendor() as (url, log):
        code, api = _verify(CONTRACT, url, tmp_path, "--unsafe")
    assert code == 0, api["failures"]
    assert api["operations"] == [*SAFE_OPERATIONS, PORT + "AddBook", PORT + "RemoveBook"]
    assert api["not_sent"] == {PORT + "AddShelf": "unsafe: not sent"}  # no delete: nothing would clean up
    assert "AddShelf" not in log.operations
    assert log.operations[-3:] == ["AddBook", "GetBook", "RemoveBook"]  # the id AddBook answered, read, removed
    assert log.operations.count("AddBook") == 1
    assert log.books == []  # what the run created is gone


def test_plan_shows_the_envelopes_and_sends_nothing(tmp_path: Path) -> None:
    with soap_vendor() as (url, log):
        code, first = _verify(CONTRACT, url, tmp_path, "--plan")
        _, second = _verify(CONTRACT, url, tmp_path, "--plan")
    assert code == 0
    assert log.operations == []
    assert first["plan"] == second["plan"]  # the same seed, the same inputs
    assert [call["operation"] for call in first["plan"][::4]] == SAFE_OPERATIONS
    assert all(call["url"] == url and call["safe"] for call in first["plan"])
    assert all("GetBookRequest" in call["body"] for call in first["plan"][:4])


def test_the_budget_caps_what_the_vendor_receives(tmp_path: Path) -> None:
    with soap_vendor() as (url, log):
        code, api = _verify(CONTRACT, url, tmp_path, "--budget", "6")
    assert code == 0  # what was sent conforms; the report says the budget ended the run
    assert len(log.operations) == api["requests_sent"] == 6
    assert api["stop_reason"].startswith("request budget spent")


USERNAME, PASSWORD = "lib-user-7f3a", "s3cret-Pa55-9c1e"  # planted: must never leave the run


def _wsse_workspace(root: Path, url: str) -> None:
    (root / "sandbox").mkdir(parents=True)
    (root / "library.wsdl").write_text(CONTRACT.read_text())
    (root / "sandbox" / "sandbox.toml").write_text(
        f"""[apis.library]
contract = "library.wsdl"
[apis.library.vendor]
sandbox_url = "{url}"
[apis.library.vendor.auth]
type = "wsse"
username_env = "LIBRARY_WSSE_USER_FOR_TEST"
password_env = "LIBRARY_WSSE_PASSWORD_FOR_TEST"
"""
    )


@pytest.mark.parametrize("drifted", [False, True])
def test_ws_security_credentials_reach_the_envelope_and_no_output_shows_them(drifted: bool, tmp_path: Path) -> None:
    env = {"LIBRARY_WSSE_USER_FOR_TEST": USERNAME, "LIBRARY_WSSE_PASSWORD_FOR_TEST": PASSWORD}
    with soap_vendor(drifted=drifted, credentials=(USERNAME, PASSWORD)) as (url, log):
        _wsse_workspace(tmp_path, url)
        report = tmp_path / "report.json"
        done = run_ctk("verify", "--format", "json", "-o", str(report), "--plan", cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        plan_outputs = done.stdout + done.stderr + report.read_text()
        done = run_ctk("verify", "--format", "json", "-o", str(report), cwd=tmp_path, env=env)
    assert log.refused == 0  # every envelope carried the UsernameToken
    assert len(log.operations) > 5
    (api,) = json.loads(report.read_text())["apis"]
    assert done.returncode == (1 if drifted else 0), api
    assert len(api["failures"]) == (4 if drifted else 0)
    evidence = tmp_path / ".ctk" / "evidence" / "library.json"
    outputs = plan_outputs + done.stdout + done.stderr + report.read_text() + evidence.read_text()
    assert USERNAME not in outputs and PASSWORD not in outputs
    if drifted:  # the reproductions are the envelopes sent, the token in them redacted
        assert all("UsernameToken" in f["reproduction"] for f in api["failures"])


def test_what_the_drifted_vendor_does_reaches_ctk_drift_as_observed_changes(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.json"
    with soap_vendor(drifted=True) as (url, _):
        code, _ = _verify(CONTRACT, url, tmp_path)  # writes tmp_path/evidence.json
    assert code == 1
    # the contract against itself: every change in the report is one the vendor was observed making
    drift = run_ctk("drift", str(CONTRACT), str(CONTRACT), "--evidence", str(evidence), "--format", "json",
                    "--fail-on", "never", cwd=tmp_path)  # fmt: skip
    assert drift.returncode == 0, drift.stderr
    changes = json.loads(drift.stdout)["changes"]
    assert all(change["source"] == "observed" for change in changes)
    assert sorted((c["id"], c["operation"].removeprefix(PORT), c["severity"]) for c in changes) == [
        ("observed-deprecation-undeclared", "DescribeLibrary", "dangerous"),
        ("observed-undeclared-fault", "SearchBooks", "dangerous"),
        ("observed-undocumented-status", "ListShelves", "dangerous"),
    ]

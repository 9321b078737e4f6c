"""``ctk verify`` as a user runs it: the installed command against real servers on loopback ports.

The conforming REST vendor passes; the drifted one fails naming every planted drift and nothing else (and its
deprecation shows as evidence); ctk's own mock (``ctk serve`` of contracts/payments/v1 and of a corpus
contract) passes; the workspace forms find the APIs with a vendor sandbox; every format is well formed; bad
input is a clear refusal (exit 2), never a traceback.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.cli import assert_refused_output, ctk, run_ctk
from tests.support.corpus import corpus
from tests.support.paths import REPO
from tests.support.served import served
from tests.support.vendors.rest import CONTRACT, DRIFTS, rest_vendor


def _failures(report: dict[str, object]) -> set[tuple[str, str]]:
    apis = report["apis"]
    assert isinstance(apis, list)
    return {(f["check"], f["operation"]) for api in apis for f in api["failures"]}


def test_the_conforming_vendor_passes(tmp_path: Path) -> None:
    with rest_vendor() as (url, log):
        result = run_ctk("verify", str(CONTRACT), "--base-url", url, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    (api,) = report["apis"]
    assert api["status"] == "conforms"
    assert api["failures"] == []
    assert api["operations"] == ["GET /books", "GET /books/{book_id}", "GET /authors/{name}", "GET /branches"]
    assert api["requests_sent"] == log.count > 0
    assert "[library] 4/4 operations" in result.stderr  # progress: operations done and budget left
    assert "budget left" in result.stderr


def test_the_drifted_vendor_fails_naming_every_drift_and_nothing_else(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.json"
    with rest_vendor(drifted=True) as (url, _log):
        result = run_ctk(
            "verify", str(CONTRACT), "--base-url", url, "--format", "json", "--evidence", str(evidence), cwd=tmp_path
        )
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert _failures(report) == DRIFTS
    (api,) = report["apis"]
    messages = {f["operation"]: f for f in api["failures"]}
    assert "'author' is a required property" in messages["GET /books/{book_id}"]["message"].replace('"', "'")
    assert messages["GET /authors/{name}"]["place"] == "/books"
    assert "203" in messages["GET /branches"]["message"]
    for failure in api["failures"]:
        assert failure["reproduction"].startswith("curl -X GET ")
    # the Deprecation header with its Sunset date: evidence tied to GET /books, and an observed change
    kinds = {(o["operation"], o["kind"]) for o in api["observations"]}
    assert ("GET /books", "deprecation-header") in kinds
    assert ("GET /books", "sunset-header") in kinds
    observed = {(c["id"], tuple(c["operations"])) for c in api["observed_changes"]}
    assert ("observed-deprecation-undeclared", ("GET /books",)) in observed
    assert ("observed-undocumented-status", ("GET /branches",)) in observed
    assert {operations for _, operations in observed} == {("GET /books",), ("GET /branches",)}  # nothing else
    saved = json.loads(evidence.read_text())
    assert {(o["operation"], o["kind"]) for o in saved["observations"]} == kinds


def test_the_same_seed_sends_the_same_requests(tmp_path: Path) -> None:
    sent = []
    for _ in range(2):
        with rest_vendor() as (url, log):
            run_ctk("verify", str(CONTRACT), "--base-url", url, "--seed", "7", "--examples", "5", "-q", cwd=tmp_path)
            sent.append(log.paths())
    assert sent[0] == sent[1]
    assert len(sent[0]) > 4


def test_ctk_s_own_mock_of_payments_conforms(tmp_path: Path) -> None:
    with served("contracts/payments/v1") as server:
        result = run_ctk(
            "verify", str(REPO / "contracts/payments/v1"), "--base-url", f"{server.url}/v1", "--examples", "5",
            "--unsafe", "--format", "json", cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (api,) = json.loads(result.stdout)["apis"]
    assert api["api"] == "payments"
    assert api["failures"] == []
    assert len(api["operations"]) == 11  # 8 safe + the customers chain's create, update and delete
    assert api["not_sent"]["POST /refunds"].startswith("unsafe, and in no create")


@pytest.mark.parametrize(
    "contract", ["contracts/payments/v2", "contracts/crm/v1", "contracts/crm/v2", "contracts/inventory/v1",
                 "contracts/inventory/v2"],
)  # fmt: skip
def test_ctk_s_own_mock_of_every_example_contract_conforms(tmp_path: Path, contract: str) -> None:
    with served(contract) as server:
        served_at = re.search(r" at (http://\S+)", server.log())
        assert served_at is not None, server.log()
        result = run_ctk("verify", str(REPO / contract), "--base-url", served_at.group(1), "--examples", "3",
                         "--format", "json", "-q", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (api,) = json.loads(result.stdout)["apis"]
    assert api["status"] == "conforms"
    assert api["operations_done"] == len(api["operations"]) > 0


def test_ctk_s_own_mock_of_a_corpus_contract_conforms(tmp_path: Path) -> None:
    contract = corpus("openapi", "multifile-relative-refs", "main.yaml")
    with served(str(contract)) as server:
        result = run_ctk("verify", str(contract), "--base-url", f"{server.url}/v1", "--examples", "5", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout


def test_plan_prints_what_would_be_sent_and_sends_nothing(tmp_path: Path) -> None:
    with rest_vendor() as (url, log):
        result = run_ctk("verify", str(CONTRACT), "--base-url", url, "--plan", "--unsafe", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert log.count == 0
    assert f"would send GET {url}/books  [safe]" in result.stdout
    assert f"would send POST {url}/books  [unsafe] chain" in result.stdout
    assert f"would send DELETE {url}/books/{{book_id}}  [unsafe]" in result.stdout
    assert "POST /admin/reset (unsafe, and in no create" in result.stdout


@pytest.mark.parametrize("output_format", ["text", "json", "junit", "markdown"])
def test_every_format_written_to_a_file(tmp_path: Path, output_format: str) -> None:
    out = tmp_path / f"report.{output_format}"
    with rest_vendor(drifted=True) as (url, _log):
        result = run_ctk(
            "verify", str(CONTRACT), "--base-url", url, "--format", output_format, "-o", str(out), "-q", cwd=tmp_path
        )
    assert result.returncode == 1, result.stderr
    text = out.read_text()
    if output_format == "json":
        assert _failures(json.loads(text)) == DRIFTS
    elif output_format == "junit":
        root = ET.fromstring(text)
        failed = {case.get("name") for case in root.iter("testcase") if case.find("failure") is not None}
        assert failed == {f"library[{operation}]" for _, operation in DRIFTS}
        skipped = {case.get("name") for case in root.iter("testcase") if case.find("skipped") is not None}
        assert "library[POST /admin/reset]" in skipped
        assert root.get("failures") == "3"
    elif output_format == "markdown":
        assert text.startswith("# ctk verify")
        assert "| GET /branches | status_code_conformance |" in text
        assert "### What the vendor already does" in text
    else:
        assert "FAIL GET /authors/{name}  response_schema_conformance at /books" in text
    if output_format != "text":
        assert "exit 1" in result.stdout  # the terminal still gets the text report beside the file


def _workspace(root: Path, url: str, auth: str = "") -> None:
    (root / "sandbox").mkdir(parents=True)
    (root / "library.yaml").write_text(CONTRACT.read_text())
    (root / "other.yaml").write_text(CONTRACT.read_text())
    (root / "sandbox" / "sandbox.toml").write_text(
        f"""[apis.library]
contract = "library.yaml"
[apis.library.vendor]
sandbox_url = "{url}"
{auth}
[apis.other]
contract = "other.yaml"
"""
    )


def test_no_argument_verifies_every_api_with_a_vendor_sandbox(tmp_path: Path) -> None:
    with rest_vendor() as (url, log):
        _workspace(tmp_path, url)
        result = run_ctk("verify", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [api["api"] for api in report["apis"]] == ["library"]  # "other" has no vendor sandbox
    assert log.count > 0
    evidence = tmp_path / ".ctk" / "evidence" / "library.json"
    assert json.loads(evidence.read_text())["api"] == "library"


def test_an_api_by_name_and_an_unknown_one(tmp_path: Path) -> None:
    with rest_vendor() as (url, _log):
        _workspace(tmp_path, url)
        named = run_ctk("verify", "library", "-q", cwd=tmp_path)
        unknown = run_ctk("verify", "nope", cwd=tmp_path)
        no_sandbox = run_ctk("verify", "other", cwd=tmp_path)
    assert named.returncode == 0, named.stderr
    assert "library (openapi)" in named.stdout
    assert_refused_output(unknown.returncode, unknown.stdout, unknown.stderr, "no API named nope")
    assert_refused_output(no_sandbox.returncode, no_sandbox.stdout, no_sandbox.stderr, "apis.other has no vendor")


def test_a_missing_credential_variable_is_named_and_nothing_is_sent(tmp_path: Path) -> None:
    auth = '[apis.library.vendor.auth]\ntype = "bearer"\ntoken_env = "LIBRARY_TOKEN_FOR_TEST"'
    with rest_vendor() as (url, log):
        _workspace(tmp_path, url, auth)
        result = run_ctk("verify", cwd=tmp_path)
    assert_refused_output(result.returncode, result.stdout, result.stderr, "LIBRARY_TOKEN_FOR_TEST")
    assert log.count == 0


def test_bad_input_is_refused_clearly(tmp_path: Path) -> None:
    missing = ctk("verify", str(tmp_path / "nope.yaml"), "--base-url", "http://127.0.0.1:9")
    assert_refused_output(*missing, "no contract at")
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.3\npaths: {\n")
    refused = ctk("verify", str(broken), "--base-url", "http://127.0.0.1:9")
    assert refused[0] == 2
    assert "Traceback" not in refused[1] + refused[2]
    assert "broken.yaml" in refused[2]
    no_url = ctk("verify", str(CONTRACT))
    assert_refused_output(*no_url, "library.yaml is a contract")
    bad_url = ctk("verify", str(CONTRACT), "--base-url", "localhost:8000")
    assert_refused_output(*bad_url, "--base-url must be an http(s) URL")
    horizon = ctk("verify", str(CONTRACT), "--base-url", "http://127.0.0.1:9", "--sunset-horizon", "soon")
    assert_refused_output(*horizon, "--sunset-horizon")


def test_a_server_that_never_answers_is_exit_2_with_the_reason(tmp_path: Path) -> None:
    from toolkit.mock.loopback import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    result = run_ctk("verify", str(CONTRACT), "--base-url", url, "--format", "json", "-q", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    (api,) = json.loads(result.stdout)["apis"]
    assert api["status"] == "error"
    assert api["error"].startswith(f"no answer from {url}: ConnectError")
    assert api["failures"] == []  # an unreachable vendor is not a conformance failure
    assert "Traceback" not in result.stderr


def test_the_workspace_s_verify_table_sets_the_budget_and_is_checked(tmp_path: Path) -> None:
    with rest_vendor() as (url, log):
        _workspace(tmp_path, url, '[apis.library.verify]\nbudget = 10\nsafe = ["POST /admin/reset"]')
        result = run_ctk("verify", "library", "--format", "json", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (api,) = json.loads(result.stdout)["apis"]
    assert api["budget"] == 10
    assert log.count <= 10
    assert "POST /admin/reset" in api["operations"]  # marked safe by the workspace (REST: sent like a GET)
    (tmp_path / "sandbox" / "sandbox.toml").write_text(
        '[apis.library]\ncontract = "library.yaml"\n[apis.library.verify]\nsafe = "all"\n'
    )
    refused = run_ctk("verify", "library", "--base-url", url, cwd=tmp_path)
    assert_refused_output(refused.returncode, refused.stdout, refused.stderr, "apis.library.verify.safe")

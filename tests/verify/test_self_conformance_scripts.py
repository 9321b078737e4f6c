"""The self-conformance scripts are ``ctk verify --unsafe-all`` pointed at ``ctk serve`` of each contract: run as a
user runs them (a child process), on one workspace contract per protocol, their figures are pinned — every
operation ctk's mock serves is exercised (the mutations no chain covers on their own) and conforms, and for
SOAP the independent xmlschema judge checks every answer too. A server that never comes up is an error row and
exit 1, never a pass. The whole corpus runs in the scripts themselves."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.support.paths import REPO


def _script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / name), *args],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _json(name: str, *args: str) -> Any:
    completed = _script(name, *args, "--json")
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    return json.loads(completed.stdout)


def test_self_conformance_verifies_payments_through_ctk_serve() -> None:
    report = _json("self_conformance.py", "--only", f"{REPO.name}/contracts/payments/v1", "--max-examples", "3")
    (row,) = report["outcomes"]
    assert (row["protocol"], row["operations"], row["exercised"], row["conforming"]) == ("openapi", 15, 15, 15)
    assert row["failed"] == [] and row["failures"] == [] and row["error"] == "" and row["rate"] == 1.0
    assert row["sent"] > row["exercised"]  # generated requests, not one call per operation
    assert row["not_sent"] == {}  # the unchained mutations (POST /refunds, …/cancel, …/confirm) were sent too
    assert (report["operations"], report["failed"]) == (15, 0)


def test_self_conformance_prints_the_table_and_the_total() -> None:
    completed = _script("self_conformance.py", "--only", f"{REPO.name}/contracts/payments/v2", "--max-examples", "2")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"{REPO.name}/contracts/payments/v2" in completed.stdout  # labels start at the clone's folder
    assert "not sent" not in completed.stdout.split("all:")[0]  # no row lists an operation left unsent
    assert "all: 15/15 exercised operations conform (100.0%); 15 operations in 1 contracts, 0 not sent" in (
        completed.stdout
    )


def test_soap_conformance_verifies_crm_and_the_xmlschema_judge_checks_every_answer() -> None:
    (row,) = _json("soap_zeep_conformance.py", "--only", "crm/v1", "--examples", "2")
    assert (row["protocol"], row["operations"], row["exercised"], row["conforming"]) == ("soap", 18, 18, 18)
    assert row["failed"] == [] and row["error"] == "" and row["not_sent"] == {}
    judged = row["xmlschema"]
    assert judged["callable"] == judged["passed"] == 18 and judged["failed"] == []
    assert judged["checked"]["xmlschema"] == 18 and judged["rejected"]["xmlschema"] == []


def test_graphql_conformance_verifies_inventory_with_state_on() -> None:
    (row,) = _json("graphql_conformance.py", "--only", "inventory/v2", "--examples", "2", "--state")
    assert (row["protocol"], row["operations"], row["exercised"], row["conforming"]) == ("graphql", 9, 9, 9)
    assert row["failed"] == [] and row["error"] == "" and row["unloadable"] == "" and row["not_sent"] == {}


def test_a_server_that_never_listens_is_an_error_row_and_exit_1() -> None:
    completed = _script("graphql_conformance.py", "--only", "inventory/v1", "--examples", "1", "--store", "nowhere://x",
                        "--state")  # fmt: skip
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "inventory/v1" in completed.stdout and "ERROR ctk serve --state --store nowhere://x" in completed.stdout
    assert (
        "0/0 exercised operations conform" in completed.stdout and "1 contract(s) could not be run" in completed.stdout
    )


def test_the_figures_count_only_what_was_sent_and_show_a_stop() -> None:
    """An operation the engine skipped is not exercised (nothing was judged); an operation with a failure does
    not conform; a run the breaker stopped says so under its row."""
    from toolkit.verify.core import Failure
    from toolkit.verify.own_mock import Verified, lines_of
    from toolkit.verify.runner import ApiResult

    result = ApiResult(
        api="x", protocol="soap", base_url="http://127.0.0.1:1", contract="x.wsdl", operations=["A", "B", "C", "D"],
        done=3, failures=[Failure("response_schema_conformance", "B", "the Body holds <y>", "/Body")],
        skipped={"C": "zeep cannot build the request"}, stop_reason="circuit breaker open: 5 answers 500",
    )  # fmt: skip
    row = Verified.of(result, operations=5)
    assert (row.operations, row.exercised, row.conforming, row.failed) == (5, 2, 1, ["B"])
    assert row.failures == ["B: response_schema_conformance: the Body holds <y> at /Body"]
    lines = lines_of(row)
    assert "    STOPPED circuit breaker open: 5 answers 500" in lines
    assert "    NOT RUN C: zeep cannot build the request" in lines

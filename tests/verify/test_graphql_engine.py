"""``ctk verify`` of a GraphQL contract, as a user runs it: the installed ``ctk verify CONTRACT --base-url URL`` in a
subprocess against a strawberry vendor on a loopback port (conforming, then drifted in five planted ways), and
against ``ctk serve`` of the inventory example. The drifted run must name every planted drift and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import graphql
import pytest

from tests.support.cli import run_ctk
from tests.support.paths import REPO
from tests.support.served import served
from tests.support.vendors.graphql import CONTRACT, DEPRECATION, SUNSET, graphql_vendor
from toolkit.load import load_contract
from toolkit.model import GraphQLOperation
from toolkit.verify.engine_graphql import complete_query

SAFE_OPERATIONS = ["Query.book", "Query.author", "Query.shelves", "Query.search", "Query.notice"]


def _verify(contract: Path | str, url: str, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """``ctk verify CONTRACT --base-url URL --format json`` (exit code, the report's one API)."""
    done = run_ctk("verify", str(contract), "--base-url", url, "--format", "json", "--seed", "7", "--examples", "8",
                   "--evidence", str(tmp_path / "evidence.json"), "-q", *extra, cwd=tmp_path)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    (api,) = report["apis"]
    return done.returncode, api


def test_the_conforming_vendor_passes_and_no_mutation_is_sent(tmp_path: Path) -> None:
    with graphql_vendor() as (url, log):
        code, api = _verify(CONTRACT, url, tmp_path)
    assert code == 0, api
    assert api["failures"] == []
    assert api["operations"] == SAFE_OPERATIONS
    assert sorted(api["not_sent"]) == ["Mutation.addBook", "Mutation.addShelf", "Mutation.removeBook"]
    assert log.mutations == 0
    assert set(log.fields) == {"book", "author", "shelves", "search", "notice"}
    # the only evidence: the run selected the field the contract itself deprecates
    assert [(o["operation"], o["kind"], o["detail"]) for o in api["observations"]] == [
        ("Query.book", "deprecated-field-used", "Book.isbn")
    ]


def test_the_drifted_vendor_fails_naming_every_planted_drift_and_nothing_else(tmp_path: Path) -> None:
    with graphql_vendor(drifted=True) as (url, log):
        code, api = _verify(CONTRACT, url, tmp_path)
    assert code == 1
    failures = sorted((f["operation"], f["check"]) for f in api["failures"])
    assert failures == [
        ("Query.author", "graphql_errors_conformance"),  # a removed field
        ("Query.book", "response_schema_conformance"),  # a changed type
        ("Query.search", "graphql_errors_conformance"),  # a new required argument
        ("Query.shelves", "status_code_conformance"),  # an undocumented status code
    ]
    messages = {f["operation"]: f["message"] for f in api["failures"]}
    assert "born" in messages["Query.author"]
    assert "pages" in messages["Query.book"] and "Int" in messages["Query.book"]
    assert "limit" in messages["Query.search"]
    assert "203" in messages["Query.shelves"]
    assert {f["operation"]: f["place"] for f in api["failures"]}["Query.book"] == "/data/book/pages"
    for failure in api["failures"]:  # each reproducible as a curl line to the vendor
        assert failure["reproduction"].startswith(f"curl -X POST '{url}'")
    # the Deprecation header with its Sunset date: evidence, not a failure
    observed = sorted((o["operation"], o["kind"], o["detail"], o["date"]) for o in api["observations"])
    assert observed == [
        ("Query.book", "deprecated-field-used", "Book.isbn", None),
        ("Query.notice", "deprecation-header", DEPRECATION, "2026-01-01"),
        ("Query.notice", "sunset-header", SUNSET, "2027-06-30"),
        ("Query.shelves", "undocumented-status", "203", None),
    ]
    assert "sunset-header" in (tmp_path / "evidence.json").read_text()
    assert log.mutations == 0


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_ctk_serves_a_conforming_mock_of_the_inventory_example(version: str, tmp_path: Path) -> None:
    inventory = REPO / "contracts" / "inventory" / version
    with served(str(inventory), "--no-reload") as server:
        code, api = _verify(inventory, server.url, tmp_path)
    assert code == 0, api["failures"]
    assert api["failures"] == []
    assert api["operations_done"] == len(api["operations"]) == 7  # the queries; the two mutations not sent
    assert sorted(api["not_sent"]) == ["Mutation.adjustStock", "Mutation.createProduct"]


def test_plan_sends_nothing_and_the_same_seed_plans_the_same_queries(tmp_path: Path) -> None:
    with graphql_vendor() as (url, log):
        code, first = _verify(CONTRACT, url, tmp_path, "--plan")
        _, second = _verify(CONTRACT, url, tmp_path, "--plan")
    assert code == 0
    assert log.fields == []
    assert first["plan"] == second["plan"]
    assert {call["operation"] for call in first["plan"]} == set(SAFE_OPERATIONS)
    assert all(call["safe"] and call["method"] == "POST" and call["url"] == url for call in first["plan"])
    assert all("mutation" not in call["body"] for call in first["plan"])


def test_unsafe_sends_mutations_only_in_a_chain_that_cleans_up(tmp_path: Path) -> None:
    with graphql_vendor() as (url, log):
        code, api = _verify(CONTRACT, url, tmp_path, "--unsafe")
    assert code == 0, api["failures"]
    assert api["operations"] == [*SAFE_OPERATIONS, "Mutation.addBook", "Mutation.removeBook"]
    assert api["not_sent"] == {"Mutation.addShelf": "unsafe: not sent"}  # no delete: nothing would clean up
    assert "addShelf" not in log.fields
    assert log.mutations == 2  # addBook, then removeBook with the id it answered (book read between them)
    assert log.fields[-3:] == ["addBook", "book", "removeBook"]
    assert log.books == []  # what the run created is gone


def test_plan_shows_the_chain_with_the_created_id_to_come(tmp_path: Path) -> None:
    with graphql_vendor() as (url, log):
        _, api = _verify(CONTRACT, url, tmp_path, "--plan", "--unsafe")
    assert log.fields == []
    chain = [
        (call["operation"], call["safe"]) for call in api["plan"] if not call["safe"] or "$created" in call["body"]
    ]
    assert chain == [("Mutation.addBook", False), ("Query.book", True), ("Mutation.removeBook", False)]
    assert "removeBook(id: $created)" in api["plan"][-1]["body"]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("book", 'query { book(id: "1"){ __typename id title pages availability isbn } }'),
        ("search", 'query { search(text: "a"){ __typename title score } }'),
    ],
)
def test_the_complete_query_selects_every_field_with_required_arguments_filled(field: str, expected: str) -> None:
    contract = load_contract(str(CONTRACT))
    op = contract.operation(f"Query.{field}")
    assert isinstance(op, GraphQLOperation)
    schema = getattr(contract, "schema", None)
    assert isinstance(schema, graphql.GraphQLSchema)
    assert complete_query(schema, op) == expected


def test_the_complete_query_of_an_interface_aliases_its_members_fields() -> None:
    contract = load_contract(str(REPO / "contracts" / "inventory" / "v1"))
    schema = getattr(contract, "schema", None)
    assert isinstance(schema, graphql.GraphQLSchema)
    op = contract.operation("Query.node")
    assert isinstance(op, GraphQLOperation)
    document = complete_query(schema, op)
    assert "... on Product" in document and "Product_status: status" in document
    assert graphql.validate(schema, graphql.parse(document)) == []  # members' same-named fields do not conflict


def test_what_the_drifted_vendor_does_reaches_ctk_drift_as_observed_changes(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.json"
    with graphql_vendor(drifted=True) as (url, _):
        code, _ = _verify(CONTRACT, url, tmp_path)  # writes tmp_path/evidence.json
    assert code == 1
    # the contract against itself: every change in the report is one the vendor was observed making
    drift = run_ctk("drift", str(CONTRACT), str(CONTRACT), "--evidence", str(evidence), "--format", "json",
                    "--fail-on", "never", cwd=tmp_path)  # fmt: skip
    assert drift.returncode == 0, drift.stderr
    changes = json.loads(drift.stdout)["changes"]
    assert all(change["source"] == "observed" for change in changes)
    assert sorted((c["id"], c["operation"], c["severity"]) for c in changes) == [
        ("observed-deprecated-field-used", "Query.book", "info"),
        ("observed-deprecation-undeclared", "Query.notice", "dangerous"),
        ("observed-undocumented-status", "Query.shelves", "dangerous"),
    ]

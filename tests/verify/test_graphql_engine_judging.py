"""How the GraphQL engine judges one answer (the checks no test vendor plants: server errors, media types, the
``errors`` shape, valid partial results, rate limits), and a vendor that never answers, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest

from tests.support.cli import run_ctk
from tests.support.vendors.graphql import CONTRACT
from toolkit.mock.loopback import free_port
from toolkit.verify.engine_graphql import _judge

SCHEMA = graphql.build_schema(CONTRACT.read_text())
QUERY = "{ book(id: 1) { title pages } }"
GOOD = {"data": {"book": {"title": "Dune", "pages": 412}}}


def _checks(status: int, body: Any, media: str = "application/json") -> list[str]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = httpx.Response(status, headers={"content-type": media}, content=content)
    return [check for check, _, _ in _judge(SCHEMA, QUERY, response)]


def test_a_conforming_answer_passes_in_either_media_type() -> None:
    assert _checks(200, GOOD) == []
    assert _checks(200, GOOD, "application/graphql-response+json; charset=utf-8") == []


@pytest.mark.parametrize(
    ("status", "body", "media", "expected"),
    [
        (502, b"<html>bad gateway</html>", "text/html", ["not_a_server_error", "content_type_conformance"]),
        (200, GOOD, "text/plain", ["content_type_conformance"]),
        (200, b"{not json", "application/json", ["response_schema_conformance"]),
        (200, {"hello": 1}, "application/json", ["response_schema_conformance"]),
        (200, {"data": {"book": {"title": "Dune", "pages": 2**31}}}, "application/json",
         ["response_schema_conformance"]),
        (200, {"data": {"book": {"pages": 1, "title": "x"}}}, "application/json", ["response_schema_conformance"]),
        (200, {"errors": "oops"}, "application/json", ["graphql_errors_conformance"]),
        (200, {"errors": [{"msg": "no message"}]}, "application/json", ["graphql_errors_conformance"]),
        (200, {"errors": [{"message": "x", "locations": [{"line": "1"}]}]}, "application/json",
         ["graphql_errors_conformance"]),
        (200, {"errors": [{"message": "Cannot query field"}]}, "application/json", ["graphql_errors_conformance"]),
        (201, GOOD, "application/json", ["status_code_conformance"]),
        (400, GOOD, "application/json", ["status_code_conformance"]),
    ],
)  # fmt: skip
def test_each_way_an_answer_breaks_the_contract_has_its_check(
    status: int, body: Any, media: str, expected: list[str]
) -> None:
    assert _checks(status, body, media) == expected


def test_a_field_error_with_a_valid_partial_result_passes() -> None:
    partial = {"data": {"book": None}, "errors": [{"message": "not found", "path": ["book"]}]}
    assert _checks(200, partial) == []
    misplaced = {"data": {"book": None}, "errors": [{"message": "not found", "path": ["shelf"]}]}
    assert _checks(200, misplaced) == ["graphql_errors_conformance"]


def test_a_limit_the_vendor_enforces_is_not_a_contract_failure() -> None:
    limited = {"errors": [{"message": "too deep", "extensions": {"code": "DEPTH_LIMIT"}}]}
    assert _checks(400, limited, "application/graphql-response+json") == []


def test_a_vendor_that_never_answers_cannot_be_judged_and_the_breaker_stops_the_run(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/graphql"
    done = run_ctk("verify", str(CONTRACT), "--base-url", url, "--format", "json", "--examples", "2",
                   "--evidence", str(tmp_path / "evidence.json"), "-q", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    (api,) = json.loads(done.stdout)["apis"]
    assert api["error"].startswith(f"no answer from {url}: ConnectError")
    assert api["failures"] == []  # not one answer says nothing of the vendor's conformance
    assert api["stop_reason"].startswith("circuit breaker open")
    assert api["requests_sent"] == 5  # the first operation's three attempts, then two of the next's

"""Hostile and broken requests to the GraphQL mock: each gets a GraphQL error document, never a traceback.

Tests never assert on time; the limits are what keep these answers quick (see toolkit/graphql/mock/costs.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import graphql
import httpx
import pytest

from tests.support.paths import REPO
from toolkit.exchange import Request, Response
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.costs import count_tokens
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.load import load_contract
from toolkit.mock import guard
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.envelope import MockEnvelope

GQL = "application/graphql-response+json"


@pytest.fixture(scope="module")
def mock() -> GraphQLMock:
    contract = load_contract(str(REPO / "contracts" / "inventory" / "v1"))
    assert isinstance(contract, GraphQLContract)
    return MockEnvelope(GraphQLMock(contract, GraphQLMockOptions()))


def send(mock: GraphQLMock, body: bytes, content_type: str = "application/json", accept: str = GQL) -> Response:
    headers = (("content-type", content_type), ("accept", accept))
    return mock(Request("POST", "/graphql", headers=headers, body=body)).response


def errors_of(response: Response) -> list[dict[str, Any]]:
    """The errors of a well-formed GraphQL error document (no data, no traceback text)."""
    assert (response.header("content-type") or "").startswith(("application/json", GQL))
    document = json.loads(response.body)
    assert set(document) == {"errors"}
    assert document["errors"] and all(isinstance(e["message"], str) for e in document["errors"])
    assert b"Traceback" not in response.body
    return list(document["errors"])


def query(mock: GraphQLMock, text: str) -> Response:
    return send(mock, json.dumps({"query": text}).encode())


def test_unparsable_graphql_has_a_located_error(mock: GraphQLMock) -> None:
    response = query(mock, "{\n  warehouses { id\n  products(first: ) }")
    assert response.status == 400
    (error,) = errors_of(response)
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert error["locations"] == [{"line": 3, "column": 19}]


@pytest.mark.parametrize("shape", ["fields", "lists", "objects"])
def test_a_10000_deep_document_is_refused_before_parsing(mock: GraphQLMock, shape: str) -> None:
    n = 10_000
    text = {
        "fields": "{" + "a{" * n + "a" + "}" * n + "}",
        "lists": '{ product(id: "1") { stockLevels(first: ' + "[" * n + "1" + "]" * n + ") { id } } }",
        "objects": "{ products(filter: " + "{status: " * n + "DRAFT" + "}" * n + ") { totalCount } }",
    }[shape]
    response = query(mock, text)
    assert response.status == 400
    (error,) = errors_of(response)
    assert error["extensions"]["code"] == "DEPTH_LIMIT"
    assert error["locations"][0]["line"] == 1


def test_deep_nesting_through_fragments_is_refused_by_depth(mock: GraphQLMock) -> None:
    # each fragment adds one level: no bracket nesting, but a depth of 1000 once expanded
    fragments = " ".join(f"fragment F{i} on Product {{ dimensions {{ ...F{i + 1} }} }}" for i in range(1000))
    text = '{ product(id: "1") { ...F0 } } ' + fragments + " fragment F1000 on Product { id }"
    (error,) = errors_of(query(mock, text))
    assert error["extensions"]["code"] == "DEPTH_LIMIT"
    assert error["message"].startswith("query depth more than")


def test_10000_aliases_are_refused(mock: GraphQLMock) -> None:
    text = "{" + " ".join(f"a{i}: warehouses {{ id }}" for i in range(10_000)) + "}"
    (error,) = errors_of(query(mock, text))
    assert error["extensions"]["code"] in ("TOKEN_LIMIT", "COST_LIMIT")


def test_aliases_under_the_token_cap_are_refused_by_cost(mock: GraphQLMock) -> None:
    text = "{" + " ".join(f"a{i}: warehouses {{ id name code }}" for i in range(1000)) + "}"
    (error,) = errors_of(query(mock, text))
    assert error["extensions"]["code"] == "COST_LIMIT"


def test_fragment_fan_out_is_measured_not_expanded(mock: GraphQLMock) -> None:
    # 2^60 fields once expanded: the walk memoises each fragment, the cost says no
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(60))
    (error,) = errors_of(query(mock, "{ ...F0 } " + fragments + " fragment F60 on Query { warehouses { id } }"))
    assert error["extensions"]["code"] == "COST_LIMIT"


def test_a_fragment_cycle_is_a_validation_error(mock: GraphQLMock) -> None:
    text = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A warehouses { id } }"
    errors = errors_of(query(mock, text))
    assert {e["extensions"]["code"] for e in errors} == {"GRAPHQL_VALIDATION_FAILED"}
    assert any("within itself" in e["message"] for e in errors)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "batched"),
        (b'"query"', "JSON object"),
        (b"{}", "no query"),
        (b'{"query": 5}', "query must be a string"),
        (b'{"query": "{ warehouses { id } }", "variables": [1]}', "variables must be a JSON object"),
        (b'{"query": "{ warehouses { id } }", "variables": "{}"}', "variables must be a JSON object"),
        (b'{"query": "{ warehouses { id } }", "operationName": 3}', "operationName must be"),
    ],
)
def test_malformed_requests_are_400_in_both_media_types(mock: GraphQLMock, body: bytes, message: str) -> None:
    for accept in (GQL, "application/json"):
        response = send(mock, body, accept=accept)
        assert response.status == 400
        (error,) = errors_of(response)
        assert message in error["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type_is_415(mock: GraphQLMock, content_type: str) -> None:
    response = send(mock, json.dumps({"query": "{ warehouses { id } }"}).encode(), content_type=content_type)
    assert response.status == 415
    assert errors_of(response)[0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_bad_variables_are_reported_per_variable(mock: GraphQLMock) -> None:
    body = {"query": "query($id: ID!, $n: Int) { product(id: $id) { stockLevels(first: $n) { id } } }",
            "variables": {"n": 2**40}}  # fmt: skip
    errors = errors_of(send(mock, json.dumps(body).encode()))
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    assert len(errors) == 2  # $id missing, $n not a 32-bit Int


def test_other_methods_are_405(mock: GraphQLMock) -> None:
    response = mock(Request("DELETE", "/graphql")).response
    assert response.status == 405
    assert response.header("allow") == "GET, POST, OPTIONS"
    errors_of(response)


def test_an_oversized_body_through_the_asgi_adapter_is_413_in_graphql_form(mock: GraphQLMock) -> None:
    app = MockASGIApp(mock, max_body=1024)

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.invalid") as client:
            big = "{ warehouses { id } }" + " " * 4096
            return await client.post("/graphql", json={"query": big}, headers={"accept": GQL})

    response = asyncio.run(call())
    assert response.status_code == 413
    assert response.headers["content-type"] == f"{GQL}; charset=utf-8"
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "1024 bytes" in error["message"]


def test_a_bug_in_the_mock_is_a_500_graphql_error(mock: GraphQLMock, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError

    monkeypatch.setattr(mock.mock.resolvers, "field_resolver", broken)
    monkeypatch.setattr(GraphQLMock, "_run", broken)
    response = query(mock, "{ warehouses { code } }")
    assert response.status == 500
    assert "ZeroDivisionError" in errors_of(response)[0]["message"]


def test_a_repeated_bug_logs_one_traceback(
    mock: GraphQLMock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The mock's own crash guard reports through the shared guard: a traceback once per place, then a line."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise LookupError("a bug")

    monkeypatch.setattr(guard, "_seen", set())
    monkeypatch.setattr(GraphQLMock, "_run", broken)
    with caplog.at_level(logging.ERROR, logger="ctk.mock"):
        for n in range(3):
            assert query(mock, f"{{ warehouses {{ code }} }} # {n}").status == 500
    tracebacks = [record for record in caplog.records if record.exc_info]
    assert len(tracebacks) == 1
    assert all("GraphQL mock bug" in record.getMessage() for record in caplog.records)


def test_a_huge_operation_name_is_not_echoed_whole(mock: GraphQLMock) -> None:
    echo = mock.mock.options.limits.max_echo_length
    body = json.dumps({"query": "query A { warehouses { id } }", "operationName": "N" * 1_200_000}).encode()
    response = send(mock, body)
    (error,) = errors_of(response)
    assert error["extensions"]["code"] == "OPERATION_NOT_FOUND"
    assert "unknown operation named 'NNN" in error["message"]
    assert len(response.body) < echo + 1000


def test_a_huge_path_is_not_echoed_whole_in_the_404(mock: GraphQLMock) -> None:
    echo = mock.mock.options.limits.max_echo_length
    response = mock(Request("POST", "/" + "p" * 1_000_000, body=b"{}")).response
    assert response.status == 404
    (error,) = errors_of(response)
    assert error["message"].startswith("no GraphQL endpoint at /ppp")
    assert len(response.body) < echo + 1000


@pytest.mark.parametrize(
    "query",
    [
        graphql.get_introspection_query(),
        '{ a(s: "x { y } \\" z", n: -1.5e3, b: true) { ...F ... on T { c } } } # a comment { (\nfragment F on T { d }',
        'query Q($v: [Int!] = [1, 2]) @dir(x: """block "quoted" { } text""") { a(v: $v), b }',
    ],
)
def test_the_token_precheck_counts_as_graphql_core_does(query: str) -> None:
    """The mock refuses an over-long document before parsing it; its count must be graphql-core's own."""
    count, _ = count_tokens(query)
    graphql.parse(query, max_tokens=count)  # exactly the limit: accepted
    with pytest.raises(graphql.GraphQLSyntaxError, match="tokens"):
        graphql.parse(query, max_tokens=count - 1)


def test_a_get_query_string_over_max_form_fields_is_414(mock: GraphQLMock) -> None:
    """A GET's query string is split within max_form_fields, as REST's (parse_qsl had no bound)."""
    many = "query=%7B%20warehouses%20%7B%20id%20%7D%20%7D&" + "&".join(f"x{i}=1" for i in range(1200))
    refused = mock(Request("GET", "/graphql", query=many, headers=(("accept", GQL),))).response
    assert refused.status == 414
    assert "max_form_fields" in errors_of(refused)[0]["message"]
    fine = mock(Request("GET", "/graphql", query=many.split("&x5=")[0], headers=(("accept", GQL),))).response
    assert fine.status == 200, fine.body[:300]

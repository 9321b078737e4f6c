"""Hostile GraphQL through a real ``ctk serve``: introspection bombs, client mistakes, contracts that ask for
unbounded generation. Each answer is a GraphQL error document (or data within the limits), the server's peak
memory stays bounded and its log holds no traceback. Time is never asserted: the client timeout is the hang
detector.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest

from tests.support.corpus import corpus
from tests.support.served import MIB, Served, assert_no_traceback, served
from toolkit.limits import DEFAULT_LIMITS

GQL = "application/graphql-response+json"
GROWTH = 200 * MIB  # peak RSS growth over the baseline any of these requests may cause
FULL_INTROSPECTION = graphql.get_introspection_query(
    descriptions=True, specified_by_url=True, directive_is_repeatable=True, schema_description=True,
    input_value_deprecation=True, one_of=True,
)  # fmt: skip
# The issue's shape: aliased __schema copies, each listing every type's fields, their arguments and types' fields
# (within graphql-core's MaxIntrospectionDepthRule, so only a cost can stop it). About 42 KB, and 380 x 13 = 4940
# fields: within max_cost when introspection lists counted 1 item, so it once answered 5 MB (inventory) and
# hundreds of MB (GitHub's schema).
ONE_COPY = "__schema { types { name fields { name args { name type { name } } type { name fields { name } } } } }"
BOMB = "{" + " ".join(f"a{i}: {ONE_COPY}" for i in range(380)) + "}"
DEEP_LISTS = """
type Query {
  matrix(first: Int): [[[[[[[[[[[[[[[[[[[[Int]]]]]]]]]]]]]]]]]]]]
  grid(first: Int): [[[[Cell!]!]!]!]!
  chain: Link!
}
type Cell { x: Int! tags: [[[[[[String!]!]!]!]!]!]! }
type Link { id: ID! next: Link! items(first: Int): [Link!]! }
"""


def post(server: Served, mount: str, body: dict[str, Any] | bytes, accept: str = GQL) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with server.client() as client:
        return client.post(mount, content=raw, headers={"content-type": "application/json", "accept": accept})


def graphql_errors(response: httpx.Response) -> list[dict[str, Any]]:
    """The errors of a GraphQL error document: 400 in graphql-response+json, no data, each with a message and code."""
    assert response.status_code == 400, response.text[:500]
    assert response.headers["content-type"].startswith(GQL)
    document = response.json()
    assert set(document) == {"errors"}, document
    assert all(e["message"] and e["extensions"]["code"] for e in document["errors"])
    assert "bug in ctk" not in response.text
    return list(document["errors"])


@pytest.fixture(scope="module")
def github() -> Iterator[Served]:
    with served(str(corpus("graphql", "github_schema.graphql"))) as server:
        yield server


@pytest.fixture(scope="module")
def deep_lists(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path: Path = tmp_path_factory.mktemp("deep-lists") / "schema.graphql"
    path.write_text(DEEP_LISTS)
    with served(str(path)) as server:
        yield server


# -- introspection -------------------------------------------------------------------------------------------


def test_the_introspection_bomb_is_refused_by_cost(workspace_server: Served) -> None:
    assert 40_000 < len(BOMB) < 45_000
    baseline = workspace_server.peak_rss()
    (error,) = graphql_errors(post(workspace_server, "/inventory", {"query": BOMB}))
    assert error["extensions"]["code"] == "COST_LIMIT"
    assert "introspection" in error["message"]
    assert workspace_server.peak_rss() - baseline < GROWTH
    assert_no_traceback(workspace_server)


def test_the_introspection_bomb_on_a_big_schema_is_refused_with_bounded_memory(github: Served) -> None:
    baseline = github.peak_rss()
    (error,) = graphql_errors(post(github, "/graphql", {"query": BOMB}))
    assert error["extensions"]["code"] == "COST_LIMIT"
    assert github.peak_rss() - baseline < GROWTH
    assert_no_traceback(github)


@pytest.mark.parametrize("query", [FULL_INTROSPECTION, graphql.get_introspection_query()], ids=["full", "default"])
def test_the_standard_introspection_query_answers_on_a_big_schema(github: Served, query: str) -> None:
    response = post(github, "/graphql", {"query": query, "operationName": "IntrospectionQuery"})
    assert response.status_code == 200, response.text[:500]
    data = response.json()["data"]["__schema"]
    assert len(data["types"]) > 500
    assert graphql.build_client_schema({"__schema": data}).get_type("Repository") is not None
    assert_no_traceback(github)


# -- client mistakes -----------------------------------------------------------------------------------------

BY_ID = b'{"query": "query($id: ID!) { product(id: $id) { id } }", "variables": {"id": %s}}'


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": '{ product(id: "1") { stockLevels(first: 1' + "0" * 5000 + ") { id } } }"},
         "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "{ products(first: -" + "9" * 4000 + ") { totalCount } }"}, "GRAPHQL_VALIDATION_FAILED"),
        (b'{"query": "query($n: Int) { warehouses { stockLevels(first: $n) { id } } }", "variables": {"n": '
         + b"9" * 4000 + b"}}", "BAD_USER_INPUT"),
        (BY_ID % b'"\\ud800"', "BAD_REQUEST"),
        (b'{"query": "{ warehouses { id } }", "operationName": "\\udc00"}', "BAD_REQUEST"),
        (BY_ID % (b"[" * 100_000 + b"]" * 100_000), "DEPTH_LIMIT"),
        (BY_ID % (b'{"a":' * (DEFAULT_LIMITS.max_nesting + 1) + b"1" + b"}" * (DEFAULT_LIMITS.max_nesting + 1)),
         "DEPTH_LIMIT"),
        ({"query": "{ warehouses { id } }", "operationName": {"name": "x"}}, "BAD_REQUEST"),
        ({"query": "{ warehouses { id } }", "variables": ["x"]}, "BAD_REQUEST"),
        ({"query": ["{ warehouses { id } }"]}, "BAD_REQUEST"),
    ],
    ids=["int-literal", "negative-int-literal", "int-variable", "surrogate-variable", "surrogate-operation-name",
         "deep-variable", "variable-past-max-nesting", "operation-name-object", "variables-list", "query-list"],
)  # fmt: skip
def test_client_mistakes_are_graphql_errors(workspace_server: Served, body: dict[str, Any] | bytes, code: str) -> None:
    baseline = workspace_server.peak_rss()
    (error, *_) = graphql_errors(post(workspace_server, "/inventory", body))
    assert error["extensions"]["code"] == code
    assert len(error["message"]) < 4 * DEFAULT_LIMITS.max_echo_length  # a huge value is not echoed whole
    assert workspace_server.peak_rss() - baseline < GROWTH
    assert_no_traceback(workspace_server)


def test_client_mistakes_with_application_json_are_200_errors(workspace_server: Served) -> None:
    response = post(workspace_server, "/inventory", BY_ID % b'"\\ud800"', accept="application/json")
    assert response.status_code == 400  # not even a GraphQL request: 400 whatever the media type
    literal = {"query": '{ product(id: "1") { stockLevels(first: 1' + "0" * 5000 + ") { id } } }"}
    response = post(workspace_server, "/inventory", literal, accept="application/json")
    assert response.status_code == 200
    assert set(response.json()) == {"errors"}
    assert_no_traceback(workspace_server)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ('{ productBySku(sku: "' + "x" * 5_000_000 + '") { sku } }', None),
        ('{ productBySku(sku: """' + "x" * 5_000_000 + '""") { sku } }', None),
        ("# " + "x" * 5_000_000 + "\n{ warehouses { id } }", None),
        ("query($s: String!) {" + " ".join(f"a{i}: productBySku(sku: $s) {{ sku }}" for i in range(200)) + "}",
         {"s": "x" * 1_000_000}),
    ],
    ids=["string-literal", "block-string", "comment", "variable-echoed-by-200-aliases"],
)  # fmt: skip
def test_huge_strings_cost_bounded_memory(workspace_server: Served, query: str, variables: Any) -> None:
    """A string is scanned without a backtracking stack per character, and not repeated into every answer."""
    baseline = workspace_server.peak_rss()
    response = post(workspace_server, "/inventory", {"query": query, "variables": variables})
    assert response.status_code == 200, response.text[:300]
    assert len(response.content) < 64 * 1024
    assert workspace_server.peak_rss() - baseline < GROWTH
    assert_no_traceback(workspace_server)


# -- contracts that ask for unbounded generation ---------------------------------------------------------------


def _items(value: Any) -> int:
    return sum(1 + _items(v) for v in value) if isinstance(value, list) else 0


@pytest.mark.parametrize(
    "query",
    [
        "{ matrix }",
        "{ matrix(first: 2147483647) }",
        "{ grid(first: 100) { x } }",
        "{ a: grid { x tags } b: grid { x tags } }",
        "{ chain { next { next { next { items(first: 100) { items(first: 100) { id } } } } } } }",
    ],
)
def test_deep_list_types_answer_within_the_limits(deep_lists: Served, query: str) -> None:
    baseline = deep_lists.peak_rss()
    response = post(deep_lists, "/graphql", {"query": query})
    if response.status_code == 200:
        data = response.json()["data"]
        for value in data.values():
            assert _items(value) <= 2 * DEFAULT_LIMITS.max_array_items  # every list level counted
    else:
        (error,) = graphql_errors(response)
        assert error["extensions"]["code"] == "COST_LIMIT"
    assert len(response.content) < 2 * MIB
    assert deep_lists.peak_rss() - baseline < GROWTH
    assert_no_traceback(deep_lists)

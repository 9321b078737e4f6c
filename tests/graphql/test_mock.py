"""The GraphQL mock: GraphQL over HTTP, seeded data that honours the query, deprecations, limits."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from graphql import build_client_schema, get_introspection_query, print_schema

from tests.support.paths import REPO
from toolkit.exchange import Request, Response
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope

GQL = "application/graphql-response+json"


def _contract(version: str) -> GraphQLContract:
    contract = load_contract(str(REPO / "contracts" / "inventory" / version))
    assert isinstance(contract, GraphQLContract)
    return contract


@pytest.fixture(scope="module")
def v1() -> GraphQLContract:
    return _contract("v1")


@pytest.fixture
def mock(v1: GraphQLContract) -> GraphQLMock:
    return MockEnvelope(GraphQLMock(v1, GraphQLMockOptions()))


def post(mock: GraphQLMock, query: str, variables: Any = None, *, accept: str | None = "application/json",
         **extra: Any) -> Response:  # fmt: skip
    headers = [("content-type", "application/json")] + ([("accept", accept)] if accept else [])
    body = json.dumps({"query": query, "variables": variables, **extra}).encode()
    return mock(Request("POST", "/graphql", headers=tuple(headers), body=body)).response


def data(response: Response) -> Any:
    document = json.loads(response.body)
    assert "errors" not in document, document["errors"]
    return document["data"]


def test_introspection_round_trips_through_build_client_schema(mock: GraphQLMock, v1: GraphQLContract) -> None:
    response = post(mock, get_introspection_query(descriptions=True, specified_by_url=True))
    assert response.status == 200
    rebuilt = build_client_schema(data(response))
    assert v1.schema is not None
    assert print_schema(rebuilt) == print_schema(v1.schema)


def test_introspection_can_be_disabled(v1: GraphQLContract) -> None:
    mock = MockEnvelope(GraphQLMock(v1, GraphQLMockOptions(introspection=False)))
    document = json.loads(post(mock, "{ __schema { types { name } } }").body)
    assert "data" not in document
    assert "introspection" in document["errors"][0]["message"]


def test_size_arguments_are_honoured_and_connections_are_coherent(mock: GraphQLMock) -> None:
    query = """{ products(first: 5) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
                 edges { cursor node { id } } }  product(id: "p1") { stockLevels(first: 7) { onHand } } }"""
    answer = data(post(mock, query))
    connection = answer["products"]
    edges = connection["edges"]
    assert len(edges) == 5
    assert len(answer["product"]["stockLevels"]) == 7
    assert connection["totalCount"] >= 5
    assert connection["pageInfo"]["startCursor"] == edges[0]["cursor"]
    assert connection["pageInfo"]["endCursor"] == edges[-1]["cursor"]
    assert connection["pageInfo"]["hasPreviousPage"] is False
    assert len({edge["node"]["id"] for edge in edges}) == 5  # different objects differ
    # the next page starts after the end cursor: other items, and it has a previous page
    after = connection["pageInfo"]["endCursor"]
    page = data(post(mock, "query($a: String) { products(first: 2, after: $a) { pageInfo { hasPreviousPage } "
                           "edges { node { id } } } }", {"a": after}))["products"]  # fmt: skip
    assert page["pageInfo"]["hasPreviousPage"] is True
    assert not {e["node"]["id"] for e in page["edges"]} & {e["node"]["id"] for e in edges}


def test_an_id_argument_is_echoed_and_keys_the_object(mock: GraphQLMock) -> None:
    first = data(post(mock, '{ product(id: "p1") { id name sku } }'))["product"]
    assert first["id"] == "p1"
    again = data(post(mock, '{ other: product(id: "p1") { sku name } }'))["other"]
    assert (again["name"], again["sku"]) == (first["name"], first["sku"])  # the same object wherever fetched
    others = {data(post(mock, f'{{ product(id: "p{n}") {{ sku }} }}'))["product"]["sku"] for n in range(2, 6)}
    assert first["sku"] not in others  # other ids, other objects
    assert data(post(mock, '{ productBySku(sku: "ABC-1") { sku } }'))["productBySku"]["sku"] == "ABC-1"


def test_a_mutation_echoes_its_input_into_the_payload(mock: GraphQLMock) -> None:
    query = """mutation($input: CreateProductInput!) { createProduct(input: $input) {
                 product { id name sku price status tags dimensions { length unit } } userErrors { message } } }"""
    variables = {"input": {"sku": "S-1", "name": "X", "price": "9.50", "tags": ["a", "b"],
                           "dimensions": {"length": 2.5, "width": 1, "height": 1, "unit": "INCHES"}}}  # fmt: skip
    payload = data(post(mock, query, variables))["createProduct"]
    product = payload["product"]
    assert (product["name"], product["sku"], product["price"], product["tags"]) == ("X", "S-1", "9.50", ["a", "b"])
    assert product["status"] == "DRAFT"  # the input's default value
    assert product["dimensions"] == {"length": 2.5, "unit": "INCHES"}
    assert payload["userErrors"] == []


def test_interfaces_and_unions_resolve_to_a_possible_type(mock: GraphQLMock) -> None:
    query = """{ search(term: "x", first: 6) { __typename ... on Product { sku } ... on Warehouse { code } }
                 node(id: "w1") { __typename id ... on Warehouse { code } } }"""
    answer = data(post(mock, query))
    assert len(answer["search"]) == 6
    for item in answer["search"]:
        assert item["__typename"] in ("Product", "Warehouse")
        assert set(item) == {"__typename", "sku" if item["__typename"] == "Product" else "code"}
    # a fragment in the query says which concrete type the client wants to see
    assert answer["node"] == {"__typename": "Warehouse", "id": "w1", "code": answer["node"]["code"]}


def test_values_are_realistic_and_valid_for_their_types(mock: GraphQLMock) -> None:
    query = '{ product(id: "p1") { createdAt price status imageUrl tags dimensions { weightGrams } } }'
    product = data(post(mock, query))["product"]
    assert product["createdAt"].endswith("Z") and product["createdAt"][4] == "-"
    assert product["status"] in ("DRAFT", "ACTIVE")
    assert product["imageUrl"] is None or product["imageUrl"].startswith("https://")
    assert float(product["price"]) > 0


def test_same_seed_same_bytes_other_seed_other_data(v1: GraphQLContract) -> None:
    query = "{ products(first: 3) { edges { node { id name sku price createdAt } } } warehouses { name } }"
    one = post(MockEnvelope(GraphQLMock(v1, GraphQLMockOptions(seed=1))), query).body
    assert post(MockEnvelope(GraphQLMock(v1, GraphQLMockOptions(seed=1))), query).body == one
    assert post(MockEnvelope(GraphQLMock(v1, GraphQLMockOptions(seed=2))), query).body != one


def test_deprecated_fields_are_served_and_recorded() -> None:
    mock = MockEnvelope(GraphQLMock(_contract("v2"), GraphQLMockOptions()))
    response = post(mock, '{ productBySku(sku: "A") { sku } }')
    document = json.loads(response.body)
    assert document["data"] == {"productBySku": {"sku": "A"}}
    assert document["extensions"] == {"ctk": {"deprecated": ["Query.productBySku"]}}
    assert response.header("deprecation") == "@0"
    assert response.header("sunset") == "Sun, 31 Jan 2027 00:00:00 GMT"  # from "Sunset: 2027-01-31." in the reason
    post(mock, '{ productBySku(sku: "A") { sku } }')  # a memoised answer counts too
    assert mock.deprecated_uses == {"Query.productBySku": 2}
    assert post(mock, '{ product(id: "1") { id } }').header("deprecation") is None


def test_get_serves_queries_and_refuses_mutations(mock: GraphQLMock) -> None:
    def get(params: dict[str, str]) -> Response:
        return mock(Request("GET", "/graphql", query=urlencode(params), headers=(("accept", GQL),))).response

    response = get({"query": "query($id: ID!) { product(id: $id) { id } }", "variables": json.dumps({"id": "g1"})})
    assert response.status == 200
    assert response.header("content-type") == f"{GQL}; charset=utf-8"
    assert data(response) == {"product": {"id": "g1"}}
    mutation = 'mutation { createProduct(input: {sku: "s", name: "n", price: "1"}) { userErrors { code } } }'
    refused = get({"query": mutation})
    assert refused.status == 405
    assert refused.header("allow") == "POST"
    assert "errors" in json.loads(refused.body)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GQL, GQL),
        (f"application/json, {GQL}", GQL),
        (f"application/json;q=1, {GQL};q=0.5", "application/json"),
    ],
)
def test_accept_negotiation(mock: GraphQLMock, accept: str | None, media: str) -> None:
    response = post(mock, "{ warehouses { id } }", accept=accept)
    assert response.status == 200
    assert response.header("content-type") == f"{media}; charset=utf-8"


def test_an_unacceptable_accept_is_406(mock: GraphQLMock) -> None:
    response = post(mock, "{ warehouses { id } }", accept="text/html")
    assert response.status == 406
    assert json.loads(response.body)["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ product(id: 1) { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ product(id: 1) { id ", None, "GRAPHQL_PARSE_FAILED"),
        ("query($n: Int!) { products(first: $n) { totalCount } }", {"n": "five"}, "BAD_USER_INPUT"),
    ],
)
def test_status_codes_of_both_media_types(mock: GraphQLMock, query: str, variables: Any, code: str) -> None:
    legacy = post(mock, query, variables, accept="application/json")
    modern = post(mock, query, variables, accept=GQL)
    assert legacy.status == 200  # application/json: a well-formed request is 200, errors in the body
    assert modern.status == 400  # graphql-response+json: no data, so 4xx
    for response in (legacy, modern):
        document = json.loads(response.body)
        assert "data" not in document
        assert document["errors"][0]["extensions"]["code"] == code
        assert document["errors"][0]["locations"][0]["line"] == 1


def test_unknown_operation_name_is_an_error(mock: GraphQLMock) -> None:
    two = "query A { warehouses { id } } query B { warehouses { name } }"
    response = post(mock, two, accept=GQL, operationName="C")
    assert response.status == 400
    assert "unknown operation named 'C'" in json.loads(response.body)["errors"][0]["message"]
    chosen = post(mock, two, operationName="B")
    assert set(data(chosen)["warehouses"][0]) == {"name"}


def test_depth_and_cost_limits_are_configurable(v1: GraphQLContract) -> None:
    deep = '{ product(id: "1") { stockLevels { warehouse { address { city } } } } }'  # depth 5
    strict = MockEnvelope(GraphQLMock(v1, GraphQLMockOptions(max_depth=4, max_cost=50)))
    error = json.loads(post(strict, deep).body)["errors"][0]
    assert error["message"] == "query depth 5 exceeds the limit of 4"
    assert error["extensions"]["code"] == "DEPTH_LIMIT"
    assert error["locations"] == [{"line": 1, "column": deep.index("city") + 1}]  # the first field too deep
    assert "data" in json.loads(post(MockEnvelope(GraphQLMock(v1, GraphQLMockOptions(max_depth=5))), deep).body)
    # products 1 + edges 1 + 100 edges x (node 1 + id 1)
    costly = json.loads(post(strict, "{ products(first: 100) { edges { node { id } } } }").body)["errors"][0]
    assert costly["extensions"]["code"] == "COST_LIMIT"
    assert costly["message"].startswith("query cost 202 exceeds the limit of 50")


def test_mount_trailing_slash_options_and_other_paths(v1: GraphQLContract) -> None:
    mock = MockEnvelope(GraphQLMock(v1, GraphQLMockOptions(mount="/api/graphql/")))
    assert mock.mount == "/api/graphql"
    body = json.dumps({"query": "{ warehouses { id } }"}).encode()
    headers = (("content-type", "application/json"),)
    assert mock(Request("POST", "/api/graphql/", headers=headers, body=body)).response.status == 200
    assert mock(Request("POST", "/graphql", headers=headers, body=body)).response.status == 404
    preflight = mock(Request("OPTIONS", "/api/graphql", headers=(("origin", "http://localhost:3000"),))).response
    assert preflight.status == 204
    assert preflight.header("access-control-allow-origin") == "http://localhost:3000"
    assert "POST" in (preflight.header("access-control-allow-methods") or "")
    assert MockEnvelope(GraphQLMock(v1, GraphQLMockOptions(mount="/"))).mount == ""

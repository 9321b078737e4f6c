"""GraphQL state inferred from the schema (``toolkit.sandbox.state.graphql``) on the inventory example (v1):
createProduct, then product(id:)/node(id:), products (a Relay connection), an unknown id. Every answer is
judged by graphql-core: the document validated against the schema (``graphql.validate``), and ``data``'s
shape checked by ``toolkit.verify.graphql``'s checker (types, nullability, aliases, fragments)."""

from __future__ import annotations

import json
from typing import Any

import graphql
import pytest

from tests.support.paths import REPO
from toolkit.exchange import Request
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.model import Protocol
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.state import has_state, state_layer
from toolkit.sandbox.state.graphql import GraphQLStateLayer, Listing
from toolkit.sandbox.stores import open_store
from toolkit.verify.graphql import Checker


@pytest.fixture(scope="module")
def contract() -> GraphQLContract:
    loaded = load_contract(str(REPO / "contracts" / "inventory" / "v1"))
    assert isinstance(loaded, GraphQLContract)
    return loaded


class Client:
    def __init__(self, contract: GraphQLContract) -> None:
        assert contract.schema is not None
        self.schema = contract.schema
        envelope = MockEnvelope(GraphQLMock(contract, GraphQLMockOptions(seed=4)))
        self.layer = state_layer(envelope, open_store("memory"), api="inventory")
        self.sandbox = SandboxedMock(envelope, [self.layer])

    def post(self, query: str, variables: dict[str, Any] | None = None, *, session: str = "default") -> dict[str, Any]:
        headers = (("content-type", "application/json"), ("accept", "application/json"), ("x-ctk-session", session))
        body = json.dumps({"query": query, "variables": variables}).encode()
        result = self.sandbox(Request("POST", "/graphql", headers=headers, body=body))
        assert result.response.status == 200 and result.response.header("ctk-warning") is None
        answer: dict[str, Any] = json.loads(result.response.body)
        document = graphql.parse(query)
        assert graphql.validate(self.schema, document) == []
        operation = graphql.get_operation_ast(document)
        assert operation is not None
        if answer.get("data") is not None:
            assert Checker(self.schema, document, variables or {}).check(operation, answer["data"]) == [], answer
        return answer


@pytest.fixture
def client(contract: GraphQLContract) -> Client:
    return Client(contract)


CREATE = """mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { product { id sku name price status tags } userErrors { message } }
}"""
INPUT = {"sku": "SKU-42", "name": "Blue widget", "description": "A widget, blue.", "price": "19.99",
         "status": "ACTIVE", "tags": ["blue", "widget"],
         "dimensions": {"length": 1.5, "width": 2.0, "height": 3.0, "unit": "CENTIMETERS"}}  # fmt: skip
READ = """query Read($id: ID!) {
  product(id: $id) { id sku name description price status tags dimensions { length width height unit } createdAt }
}"""


def test_graphql_has_state_and_the_inventory_model_is_inferred(client: Client) -> None:
    assert has_state(Protocol.GRAPHQL)
    layer = client.layer
    assert isinstance(layer, GraphQLStateLayer)
    model = layer.model
    assert model.entities == {"Product"}  # the one type a create mutation returns; adjustStock is not a create
    assert model.creates["createProduct"].entity == "Product" and model.creates["createProduct"].field == "product"
    assert model.reads == {"node": ("Product",), "product": ("Product",)}
    assert model.lists == {"products": Listing("Product", connection=True)}
    assert model.updates == {} and model.deletes == {}  # adjustStock changes stock, not a Product's fields


def test_create_then_read_by_id_returns_the_same_values(client: Client) -> None:
    created = client.post(CREATE, {"input": INPUT})["data"]["createProduct"]["product"]
    assert created["sku"] == "SKU-42" and created["name"] == "Blue widget" and created["tags"] == ["blue", "widget"]
    product = client.post(READ, {"id": created["id"]})["data"]["product"]
    assert {k: product[k] for k in created} == created
    assert product["description"] == "A widget, blue."  # sent, not selected by the create: stored all the same
    assert product["dimensions"] == {"length": 1.5, "width": 2.0, "height": 3.0, "unit": "CENTIMETERS"}
    again = client.post(READ, {"id": created["id"]})["data"]["product"]
    assert again == product  # generated fields (createdAt) are stored on first read
    aliased = client.post(
        "query($id: ID!) { n: node(id: $id) { id ... on Product { label: name sku } __typename } }",
        {"id": created["id"]},
    )["data"]["n"]
    assert aliased == {"id": created["id"], "label": "Blue widget", "sku": "SKU-42", "__typename": "Product"}


def test_a_list_includes_what_was_created_first_page(client: Client) -> None:
    ids = [client.post(CREATE, {"input": {**INPUT, "sku": f"SKU-{n}"}})["data"]["createProduct"]["product"]["id"]
           for n in range(3)]  # fmt: skip
    assert len(set(ids)) == 3  # identical creates but for the sku still get ids of their own
    query = """query($first: Int, $after: String) { products(first: $first, after: $after) {
      totalCount edges { cursor node { id sku } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
    page = client.post(query, {"first": 2})["data"]["products"]
    assert page["totalCount"] == 3 and [edge["node"]["id"] for edge in page["edges"]] == ids[:2]
    assert page["pageInfo"]["hasNextPage"] is True and page["pageInfo"]["hasPreviousPage"] is False
    rest = client.post(query, {"first": 2, "after": page["pageInfo"]["endCursor"]})["data"]["products"]
    assert [edge["node"]["sku"] for edge in rest["edges"]] == ["SKU-2"] and rest["pageInfo"]["hasNextPage"] is False
    filtered = client.post('{ products(filter: {tags: ["blue"], status: DRAFT}) { totalCount } }')["data"]
    assert filtered["products"]["totalCount"] == 0


def test_an_unknown_id_is_null_and_sessions_are_isolated(client: Client) -> None:
    assert client.post(READ, {"id": "UHJvZHVjdDpub3BlDQ"})["data"] == {"product": None}
    created = client.post(CREATE, {"input": INPUT}, session="a")["data"]["createProduct"]["product"]
    assert client.post(READ, {"id": created["id"]}, session="b")["data"] == {"product": None}
    assert client.post("{ products { totalCount edges { node { id } } } }", session="b")["data"]["products"] == {
        "totalCount": 0,
        "edges": [],
    }
    assert client.post(READ, {"id": created["id"]}, session="a")["data"]["product"]["sku"] == "SKU-42"


THINGS = """
type Thing { id: ID! name: String! size: Int }
type Query { thing(id: ID!): Thing! things: [Thing!]! }
type Mutation { createThing(name: String!, size: Int): Thing! }
"""


def test_a_non_null_read_of_an_unknown_id_is_an_error_and_scalar_arguments_are_stored(tmp_path: Any) -> None:
    path = tmp_path / "things.graphql"
    path.write_text(THINGS, encoding="utf-8")
    loaded = load_contract(str(path))
    assert isinstance(loaded, GraphQLContract)
    things = Client(loaded)
    made = things.post('mutation { createThing(name: "box", size: 3) { id } }')["data"]["createThing"]
    got = things.post("query($id: ID!) { thing(id: $id) { id name size } }", {"id": made["id"]})["data"]["thing"]
    assert got == {"id": made["id"], "name": "box", "size": 3}
    assert [t["name"] for t in things.post("{ things { name } }")["data"]["things"]] == ["box"]
    missing = things.post('{ thing(id: "nope") { id } }')
    assert missing["data"] is None and missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert missing["errors"][0]["path"] == ["thing"]


def test_the_state_layer_reads_the_document_the_mock_parsed(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """One parse per request, within the mock's limits: the layer asks the mock for the document it parsed."""
    from graphql.language.parser import Parser

    from toolkit.graphql.mock import handler

    parses: list[int] = []
    original, plain = Parser.parse_document, handler.parse_plain

    def counted(self: Parser) -> Any:
        parses.append(1)
        return original(self)

    def counted_plain(*args: Any) -> Any:
        parses.append(1)  # the mock's own reader of plain documents (graphql-core's parser for the rest)
        return plain(*args)

    monkeypatch.setattr(Parser, "parse_document", counted)
    monkeypatch.setattr(handler, "parse_plain", counted_plain)
    created = client.post(CREATE, {"input": INPUT})["data"]["createProduct"]["product"]
    assert created["sku"] == "SKU-42"
    assert len(parses) == 1 + 1  # the mock's parse, and the test client's own graphql.parse to check the answer

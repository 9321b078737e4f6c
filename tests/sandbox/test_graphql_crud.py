"""GraphQL CRUD inferred from the schema (``toolkit.sandbox.state.graphql``), in-process: create, read back by id,
list, update, delete, and the not-found answers, on a small schema written here that has each shape real schemas
use — a Relay mutation with an input object, a nested ``patch`` and a payload (``clientMutationId``,
``deletedProductId``, ``success``), a mutation taking the id as an argument and answering the object, a delete
answering a Boolean, one answering the id. Served through ``build_handler`` (what ``ctk serve`` builds) and httpx's
``MockTransport``; every answer's ``data`` is checked against the schema by the independent checker of
``toolkit.verify.graphql``. The model inferred from GitHub's real schema is checked too (the shared corpus), and
the round trip is run again over real HTTP through a ``ctk serve`` subprocess, with a seeded product."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest

from tests.support.corpus import corpus
from tests.support.files import write_file, write_workspace
from tests.support.served import assert_no_traceback, served
from toolkit.graphql.load import GraphQLContract
from toolkit.load import load_contract
from toolkit.mock import MockTransport
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler
from toolkit.sandbox.state.graphql import GraphQLStateLayer
from toolkit.sandbox.state.graphql_model import Change, compile_model
from toolkit.verify.graphql import Checker

SHOP = """
type Product { id: ID! name: String! price: Float tags: [String!]! dimensions: Dimensions }
type Dimensions { width: Float! height: Float! }
type Query {
  product(id: ID!): Product
  productStrict(id: ID!): Product!
  products: [Product!]!
}
input ProductInput { name: String price: Float tags: [String!] dimensions: DimensionsInput }
input DimensionsInput { width: Float! height: Float! }
input UpdateProductInput { id: ID! clientMutationId: String patch: ProductInput! }
type UpdateProductPayload { clientMutationId: String product: Product }
input DeleteProductInput { productId: ID! clientMutationId: String }
type DeleteProductPayload { clientMutationId: String deletedProductId: ID product: Product success: Boolean }
type Mutation {
  createProduct(input: ProductInput!): Product!
  updateProduct(input: UpdateProductInput!): UpdateProductPayload
  editProduct(id: ID!, name: String, price: Float): Product!
  setProductPrice(productId: ID!, price: Float): Product
  deleteProduct(input: DeleteProductInput!): DeleteProductPayload
  removeProduct(id: ID!): Boolean!
  destroyProduct(id: ID!): ID
  archiveProduct(id: ID!): Product
}
"""

CREATE = """mutation($input: ProductInput!) { createProduct(input: $input) { id name price tags } }"""
READ = """query($id: ID!) { product(id: $id) { id name price tags dimensions { width height } } }"""
UPDATE = """mutation($input: UpdateProductInput!) {
  updateProduct(input: $input) { clientMutationId product { id name price tags dimensions { width height } } }
}"""
DELETE = """mutation($input: DeleteProductInput!) {
  deleteProduct(input: $input) { clientMutationId deletedProductId success product { id name } }
}"""
LIST = "{ products { id name } }"


class Client:
    """httpx through ``MockTransport`` to the sandbox ``ctk serve`` would build for the schema, with state on."""

    def __init__(self, folder: Path, seed: int = 4) -> None:
        contract = load_contract(folder)
        assert isinstance(contract, GraphQLContract) and contract.schema is not None
        self.schema = contract.schema
        config = ServeConfig([MountedContract(str(folder), "/graphql", state=True)], seed=seed)
        self.handler = build_handler(config).apis[0].handler  # the API's layered handler, without the journal
        assert isinstance(self.handler, SandboxedMock)
        self.http = httpx.Client(transport=MockTransport(self.handler), base_url="http://sandbox.test")

    @property
    def layer(self) -> GraphQLStateLayer:
        assert isinstance(self.handler, SandboxedMock)
        found = next(layer for layer in self.handler.layers if isinstance(layer, GraphQLStateLayer))
        return found

    def post(self, query: str, variables: dict[str, Any] | None = None, *, session: str = "default") -> dict[str, Any]:
        answer = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers={"x-ctk-session": session}
        )
        assert answer.status_code == 200 and "ctk-warning" not in answer.headers, (answer.headers, answer.text)
        document: dict[str, Any] = answer.json()
        parsed = graphql.parse(query)
        assert graphql.validate(self.schema, parsed) == []
        operation = graphql.get_operation_ast(parsed)
        assert operation is not None
        if document.get("data") is not None:
            problems = Checker(self.schema, parsed, variables or {}).check(operation, document["data"])
            assert problems == [], (problems, document)
        return document


@pytest.fixture
def shop(tmp_path: Path) -> Client:
    (tmp_path / "shop.graphql").write_text(SHOP, encoding="utf-8")
    return Client(tmp_path / "shop.graphql")


def _create(shop: Client, session: str = "default", **fields: Any) -> dict[str, Any]:
    values = {"name": "Box", "price": 2.5, "tags": ["blue"], **fields}
    made: dict[str, Any] = shop.post(CREATE, {"input": values}, session=session)["data"]["createProduct"]
    return made


def test_the_model_infers_updates_and_deletes_from_names_arguments_and_answers(shop: Client) -> None:
    model = shop.layer.model
    assert model.updates == {
        "updateProduct": Change("Product", ("input", "id"), "payload"),  # Relay: the id inside the input object
        "editProduct": Change("Product", ("id",), "entity"),
        "setProductPrice": Change("Product", ("productId",), "entity"),  # a longer name starting with the type's
    }
    assert model.deletes == {
        "deleteProduct": Change("Product", ("input", "productId"), "payload"),
        "removeProduct": Change("Product", ("id",), "boolean"),
        "destroyProduct": Change("Product", ("id",), "id"),
    }  # archiveProduct is neither: an archived object still reads back


def test_a_relay_round_trip_create_read_list_update_delete_read(shop: Client) -> None:
    created = _create(shop, name="Blue box")
    key = created["id"]
    assert created["name"] == "Blue box" and created["price"] == 2.5 and created["tags"] == ["blue"]
    read = shop.post(READ, {"id": key})["data"]["product"]
    assert {k: read[k] for k in created} == created  # dimensions, never sent, is generated once and then kept
    assert shop.post(READ, {"id": key})["data"]["product"] == read
    assert shop.post(LIST)["data"]["products"] == [{"id": key, "name": "Blue box"}]

    patch = {"name": "Crate", "dimensions": {"width": 1.5, "height": 2.0}}
    updated = shop.post(UPDATE, {"input": {"id": key, "clientMutationId": "m-1", "patch": patch}})["data"]
    assert updated["updateProduct"]["clientMutationId"] == "m-1"  # a Relay payload repeats the input's
    product = updated["updateProduct"]["product"]
    assert product == {"id": key, "name": "Crate", "price": 2.5, "tags": ["blue"], "dimensions": patch["dimensions"]}
    assert shop.post(READ, {"id": key})["data"]["product"] == product  # the change is stored, the rest kept
    assert shop.post(LIST)["data"]["products"] == [{"id": key, "name": "Crate"}]

    deleted = shop.post(DELETE, {"input": {"productId": key, "clientMutationId": "m-2"}})["data"]["deleteProduct"]
    assert deleted == {"clientMutationId": "m-2", "deletedProductId": key, "success": True,
                       "product": {"id": key, "name": "Crate"}}  # fmt: skip
    assert shop.post(READ, {"id": key}) == {"data": {"product": None}}  # a nullable read: null, as servers answer
    strict = shop.post("query($id: ID!) { productStrict(id: $id) { id } }", {"id": key})
    assert strict["data"] is None  # a non-null field: the error nulls data
    assert strict["errors"][0]["extensions"]["code"] == "NOT_FOUND" and strict["errors"][0]["path"] == ["productStrict"]
    assert "deleted in this session" in strict["errors"][0]["message"]
    assert shop.post(LIST)["data"]["products"] == []


def test_an_update_or_delete_of_an_unknown_id_is_not_found(shop: Client) -> None:
    gone = shop.post(UPDATE, {"input": {"id": "prod_nope", "patch": {"name": "x"}}})
    assert gone["data"] == {"updateProduct": None}  # nullable: the field is null, the error says why
    assert [(e["path"], e["extensions"]["code"]) for e in gone["errors"]] == [(["updateProduct"], "NOT_FOUND")]
    strict = shop.post('mutation { editProduct(id: "prod_nope", name: "x") { id } }')
    assert strict["data"] is None and strict["errors"][0]["path"] == ["editProduct"]
    deleted = shop.post(DELETE, {"input": {"productId": "prod_nope"}})
    assert deleted["data"] == {"deleteProduct": None} and deleted["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert shop.post('mutation { removeProduct(id: "prod_nope") }') == {"data": {"removeProduct": False}}
    assert shop.post('mutation { destroyProduct(id: "prod_nope") }')["data"] == {"destroyProduct": None}
    assert shop.post(LIST)["data"]["products"] == []  # nothing was made by any of them


def test_arguments_update_directly_and_a_boolean_or_id_answers_the_delete(shop: Client) -> None:
    key = _create(shop)["id"]
    edited = shop.post(
        "mutation($id: ID!) { editProduct(id: $id, name: null, price: 9.5) { id name price } }", {"id": key}
    )["data"]["editProduct"]
    # name is non-null on Product: an explicit null cannot be stored, the name stays
    assert edited == {"id": key, "name": "Box", "price": 9.5}
    priced = shop.post("mutation($id: ID!) { setProductPrice(productId: $id, price: 1.25) { price } }", {"id": key})
    assert priced["data"]["setProductPrice"] == {"price": 1.25}
    assert shop.post(READ, {"id": key})["data"]["product"]["price"] == 1.25
    assert shop.post("mutation($id: ID!) { removeProduct(id: $id) }", {"id": key}) == {"data": {"removeProduct": True}}
    assert shop.post("mutation($id: ID!) { removeProduct(id: $id) }", {"id": key}) == {"data": {"removeProduct": False}}
    other = _create(shop)["id"]
    assert other != key  # a later create gets an id of its own
    assert shop.post("mutation($id: ID!) { destroyProduct(id: $id) }", {"id": other})["data"] == {
        "destroyProduct": other
    }
    assert shop.post(READ, {"id": other})["data"]["product"] is None


def test_mutations_in_one_document_run_in_order_and_sessions_are_apart(shop: Client) -> None:
    key = _create(shop, session="a")["id"]
    both = shop.post(
        'mutation($id: ID!) { first: editProduct(id: $id, name: "One") { name } '
        "second: editProduct(id: $id, price: 3.0) { name price } gone: removeProduct(id: $id) }",
        {"id": key},
        session="a",
    )["data"]
    assert both == {"first": {"name": "One"}, "second": {"name": "One", "price": 3.0}, "gone": True}
    other = _create(shop, session="b")["id"]
    assert shop.post(READ, {"id": other}, session="a")["data"]["product"] is None
    refused = shop.post('mutation($id: ID!) { editProduct(id: $id, name: "x") { id } }', {"id": other}, session="a")
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert shop.post(READ, {"id": other}, session="b")["data"]["product"]["name"] == "Box"  # untouched in b


def test_githubs_schema_updates_and_deletes_what_it_names(tmp_path: Path) -> None:
    """GitHub's public schema: Relay inputs with the id as ``id``, ``issueId`` or ``columnId`` (ProjectColumn),
    payloads that hold the object or only its parent; ``updateIssueComment`` is not an update of Issue."""
    contract = load_contract(corpus("graphql", "github_schema.graphql"))
    assert isinstance(contract, GraphQLContract) and contract.schema is not None
    model = compile_model(contract.schema)
    assert model.updates["updateIssue"] == Change("Issue", ("input", "id"), "payload")
    assert model.deletes["deleteIssue"] == Change("Issue", ("input", "issueId"), "payload")
    assert model.deletes["deleteProjectColumn"] == Change("ProjectColumn", ("input", "columnId"), "payload")
    assert "updateIssueComment" not in model.updates and "removeStar" not in model.deletes
    assert not any(name.startswith("archive") for name in (*model.updates, *model.deletes))

    github = Client(corpus("graphql", "github_schema.graphql"))
    made = github.post(
        'mutation { createIssue(input: {repositoryId: "R_1", title: "Crash", clientMutationId: "c"}) '
        "{ clientMutationId issue { id title } } }"
    )["data"]["createIssue"]
    assert made["clientMutationId"] == "c"
    key = made["issue"]["id"]
    changed = github.post(
        'mutation($id: ID!) { updateIssue(input: {id: $id, body: "Steps..."}) { issue { id title body } } }',
        {"id": key},
    )["data"]["updateIssue"]["issue"]
    assert changed == {"id": key, "title": "Crash", "body": "Steps..."}
    github.post("mutation($id: ID!) { deleteIssue(input: {issueId: $id}) { clientMutationId } }", {"id": key})
    assert github.post("query($id: ID!) { node(id: $id) { id } }", {"id": key})["data"] == {"node": None}


# -- over real HTTP ---------------------------------------------------------------------------------------------


def test_the_round_trip_over_real_http_with_a_seeded_product(tmp_path: Path) -> None:
    """``ctk serve`` in a subprocess, on loopback: the workspace's seed file gives every session one product."""
    write_file(tmp_path, "contracts/shop/schema.graphql", SHOP)
    seed = {"Product": [{"id": "prod_seeded", "name": "Seeded", "price": 1.0, "tags": ["old"]}]}
    write_file(tmp_path, "mocks/shop/seed.json", json.dumps(seed))
    root = write_workspace(
        tmp_path,
        f'[apis.shop]\ncontract = "{tmp_path / "contracts/shop/schema.graphql"}"\nmount = "/shop"\nstate = true\n',
    )
    with served("--root", str(root)) as server:
        with server.client() as http:

            def post(query: str, session: str = "http", **variables: Any) -> dict[str, Any]:
                answer = http.post(
                    "/shop", json={"query": query, "variables": variables}, headers={"x-ctk-session": session}
                )
                assert answer.status_code == 200 and "ctk-warning" not in answer.headers, answer.text
                document: dict[str, Any] = answer.json()
                return document

            assert post(READ, id="prod_seeded")["data"]["product"]["name"] == "Seeded"
            key = post(CREATE, input={"name": "Served", "price": 3.0, "tags": []})["data"]["createProduct"]["id"]
            assert key != "prod_seeded"
            assert [p["id"] for p in post(LIST)["data"]["products"]] == ["prod_seeded", key]
            for target in ("prod_seeded", key):
                changed = post(UPDATE, input={"id": target, "patch": {"price": 7.0}})["data"]["updateProduct"]
                assert changed["product"]["price"] == 7.0 and changed["product"]["id"] == target
                assert post(READ, id=target)["data"]["product"]["price"] == 7.0
                gone = post(DELETE, input={"productId": target})["data"]["deleteProduct"]
                assert gone["deletedProductId"] == target and gone["success"] is True
                assert post(READ, id=target)["data"] == {"product": None}
                again = post(DELETE, input={"productId": target})
                assert (
                    again["data"] == {"deleteProduct": None} and again["errors"][0]["extensions"]["code"] == "NOT_FOUND"
                )
            assert post(LIST)["data"]["products"] == []
            assert [p["name"] for p in post(LIST, session="other")["data"]["products"]] == ["Seeded"]
        assert_no_traceback(server)

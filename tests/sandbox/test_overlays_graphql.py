"""GraphQL overlays (``toolkit.sandbox.overlays.graphql``): fixed root-field values for the inventory schema.

In-process, through ``MockTransport`` and httpx as a client would send them; every ``data`` answered is also
checked by graphql-core executing the same document over the answer (the judge below), so a value that does
not fit the schema or the selection fails the test whatever the overlay code believes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, execute, parse

from tests.support.files import write_file
from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.mock import MockEnvelope, MockTransport
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.overlays import OverlaysLayer, overlays_layer
from toolkit.sandbox.state import state_layer
from toolkit.sandbox.stores import open_store

INVENTORY = REPO / "contracts" / "inventory" / "v1"
WIDGET = '{ id = "p1", name = "Widget", price = "9.99", status = "ACTIVE", tags = ["a", "b"], sku = "W-1" }'
OVERLAYS = f"""
[[overlay]]
operation = "Query.product"
args = {{ id = "p1" }}
json = {WIDGET}

[[overlay]]
operation = "Query.product"
args = {{ id = "gone" }}
error = "product gone is archived"
code = "NOT_FOUND"

[[overlay]]
operation = "Query.search"
json = [{{ __typename = "Warehouse", id = "w1", code = "BER-01", name = "Berlin" }}]

[[overlay]]
operation = "Mutation.createProduct"
headers = {{ "x-tenant" = "fixed" }}
json = {{ product = {{ id = "p-new", name = "Fixed" }} }}
"""


@pytest.fixture(scope="module")
def inventory() -> MockEnvelope:
    return compile_mock(load_contract(INVENTORY), seed=1, mount="/graphql")


def _layer(inventory: MockEnvelope, folder: Path, text: str) -> OverlaysLayer:
    write_file(folder, "overlays.toml", text)
    return overlays_layer(inventory, folder, api="inventory")


def _refused(inventory: MockEnvelope, folder: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        _layer(inventory, folder, text)
    return caught.value


def _post(sandbox: Any, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
    with httpx.Client(transport=MockTransport(sandbox), base_url="http://sandbox.test") as client:
        return client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


def _judged(schema: GraphQLSchema, query: str, data: Any, variables: dict[str, Any] | None = None) -> None:
    """graphql-core executing ``query`` over ``data`` (each field read from the answer by response key) gives back
    ``data``: the answer has exactly the selection, and every value fits its type."""

    def resolve(source: Any, info: Any, **_: Any) -> Any:
        key = info.path.key
        return source.get(key) if isinstance(source, dict) else None

    def type_of(value: Any, *_: Any) -> Any:
        return value.get("__typename")

    result = execute(schema, parse(query), root_value=data, variable_values=variables, field_resolver=resolve,
                     type_resolver=type_of)  # fmt: skip
    assert not getattr(result, "errors", None), result
    assert result.data == data  # type: ignore[union-attr]


def test_an_overlay_answers_the_fields_the_client_selects(inventory: MockEnvelope, tmp_path: Path) -> None:
    sandbox = SandboxedMock(inventory, [_layer(inventory, tmp_path, OVERLAYS)])
    query = '{ product(id: "p1") { id title: name price ... on Product { status tags description } __typename } }'
    answer = _post(sandbox, query)
    assert answer.status_code == 200
    product = answer.json()["data"]["product"]
    assert product["id"] == "p1" and product["title"] == "Widget" and product["tags"] == ["a", "b"]
    assert product["__typename"] == "Product" and "sku" not in product  # not selected: not answered
    assert "description" in product  # not in the overlay: the mock's value
    _judged(inventory.mock.schema, query, answer.json()["data"])  # type: ignore[attr-defined]
    variables = {"id": "p1"}
    by_variable = _post(sandbox, "query($id: ID!) { product(id: $id) { name } }", variables).json()
    assert by_variable == {"data": {"product": {"name": "Widget"}}}
    other = _post(sandbox, '{ product(id: "p2") { name } }').json()
    assert other["data"]["product"] is None or other["data"]["product"]["name"] != "Widget"


def test_an_error_overlay_answers_a_graphql_error_for_its_field(inventory: MockEnvelope, tmp_path: Path) -> None:
    sandbox = SandboxedMock(inventory, [_layer(inventory, tmp_path, OVERLAYS)])
    answer = _post(sandbox, '{ product(id: "gone") { id } other: product(id: "x") { id } }').json()
    assert answer["data"]["product"] is None and answer["data"]["other"] == {"id": "x"}
    assert answer["errors"] == [{"message": "product gone is archived", "locations": [{"line": 1, "column": 3}],
                                 "path": ["product"], "extensions": {"code": "NOT_FOUND"}}]  # fmt: skip


def test_interfaces_and_unions_take_the_typename_and_lists_their_items(inventory: MockEnvelope, tmp_path: Path) -> None:
    sandbox = SandboxedMock(inventory, [_layer(inventory, tmp_path, OVERLAYS)])
    query = '{ search(term: "b") { __typename ... on Warehouse { code name } ... on Product { sku } } }'
    answer = _post(sandbox, query).json()
    assert answer["data"]["search"] == [{"__typename": "Warehouse", "code": "BER-01", "name": "Berlin"}]
    _judged(inventory.mock.schema, query, answer["data"])  # type: ignore[attr-defined]


def test_an_overlaid_mutation_stores_nothing_and_headers_must_match(inventory: MockEnvelope, tmp_path: Path) -> None:
    store = open_store("memory")
    layer = _layer(inventory, tmp_path, OVERLAYS)
    sandbox = SandboxedMock(inventory, [layer, state_layer(inventory, store, api="inventory")])
    mutation = 'mutation { createProduct(input: {sku: "S-1", name: "N", price: "1.00"}) { product { id name } } }'
    fixed = _post(sandbox, mutation, **{"x-tenant": "fixed"}).json()
    assert fixed["data"]["createProduct"]["product"] == {"id": "p-new", "name": "Fixed"}
    assert store.items("inventory/default/Product") == []
    stored = _post(sandbox, mutation).json()  # no header: the state layer creates it
    assert stored["data"]["createProduct"]["product"]["name"] == "N"
    assert len(store.items("inventory/default/Product")) == 1


def test_a_selection_the_overlay_cannot_fill_goes_out_generated_with_a_warning(
    inventory: MockEnvelope, tmp_path: Path
) -> None:
    # the overlay names a StockLevel and lacks its non-null onHand; the mock answers the query below with a Warehouse
    # (the concrete type is a seeded draw: the first id it draws a Warehouse for is taken, whatever the draws are),
    # which has no onHand either: nothing can fill it, so the mock's own answer goes out, with the reason
    def query(node: str) -> str:
        return f'{{ node(id: "{node}") {{ id ... on StockLevel {{ onHand }} ... on Warehouse {{ code }} }} }}'

    node = next(f"s{n}" for n in range(1, 200) if "code" in _post(inventory, query(f"s{n}")).json()["data"]["node"])
    text = f'[[overlay]]\noperation = "Query.node"\njson = {{ __typename = "StockLevel", id = "{node}" }}\n'
    sandbox = SandboxedMock(inventory, [_layer(inventory, tmp_path, text)])
    answer = _post(sandbox, query(node))
    assert answer.json() == _post(inventory, query(node)).json()
    assert "no value for StockLevel.onHand, which is non-null" in answer.headers["ctk-warning"]
    assert f"{tmp_path / 'overlays.toml'}:1" in answer.headers["ctk-warning"]
    filled = _post(sandbox, f'{{ node(id: "{node}") {{ id __typename }} }}')
    assert filled.json() == {"data": {"node": {"id": node, "__typename": "StockLevel"}}}
    assert "ctk-warning" not in filled.headers


# -- refusals at load --------------------------------------------------------------------------------


def test_values_that_do_not_fit_the_field_type_are_refused_with_file_and_line(
    inventory: MockEnvelope, tmp_path: Path
) -> None:
    cases = {
        '{ id = "p1", description = true }': "json does not fit Query.product (Product): at /description",
        '{ id = "p1", status = "SOLD" }': "'SOLD' is not a value of ProductStatus",
        '{ id = "p1", nmae = "x" }': "Product has no field 'nmae' (did you mean 'name'?)",
        '{ id = "p1", tags = ["a", 1] }': "at /tags/1: a number 1 is not a String",
        '{ id = "p1", name = "" , sku = 5 }': "at /sku",
    }
    for json_value, expected in cases.items():
        error = _refused(inventory, tmp_path, f'\n[[overlay]]\noperation = "Query.product"\njson = {json_value}\n')
        assert expected in error.message, error.message
        assert error.where == f"{tmp_path / 'overlays.toml'}:2"
    union = _refused(inventory, tmp_path, '[[overlay]]\noperation = "Query.search"\njson = [{ id = "w1" }]\n')
    assert "must name its type in __typename" in union.message
    deep = _refused(
        inventory, tmp_path, '[[overlay]]\noperation = "Query.products"\njson = { edges = [{ node = { id = 5.5 } }] }\n'
    )
    assert deep.message.startswith("json does not fit Query.products (ProductConnection!): at /edges/0/node/id")


def test_unknown_fields_arguments_and_mixed_answers_are_refused(inventory: MockEnvelope, tmp_path: Path) -> None:
    unknown = _refused(inventory, tmp_path, '[[overlay]]\noperation = "Query.prodcut"\nerror = "x"\n')
    assert unknown.message == "the schema has no root field 'Query.prodcut'"
    assert unknown.hint == "did you mean 'Query.product'?"
    argument = _refused(
        inventory, tmp_path, '[[overlay]]\noperation = "Query.product"\nargs = { ids = "p1" }\nerror = "x"\n'
    )
    assert argument.message == "Query.product has no argument 'ids'" and argument.hint == "did you mean 'id'?"
    both = _refused(
        inventory, tmp_path, '[[overlay]]\noperation = "Query.product"\nerror = "x"\njson = { id = "p1" }\n'
    )
    assert both.message == "give json or error, not both"
    code = _refused(inventory, tmp_path, '[[overlay]]\noperation = "Query.product"\ncode = "X"\njson = { id = "p1" }\n')
    assert code.message == "code goes with error, not with json"


def test_json_file_holds_values_toml_cannot_write(inventory: MockEnvelope, tmp_path: Path) -> None:
    write_file(tmp_path, "values/p1.json", json.dumps({"id": "p1", "description": None, "legacyCode": None}))
    text = '[[overlay]]\noperation = "Query.product"\njson_file = "values/p1.json"\n'
    sandbox = SandboxedMock(inventory, [_layer(inventory, tmp_path, text)])
    product = _post(sandbox, '{ product(id: "p1") { id description legacyCode } }').json()["data"]["product"]
    assert product == {"id": "p1", "description": None, "legacyCode": None}
    write_file(tmp_path, "values/bad.json", '{\n  "id": "p1",\n  "tags": null\n}')
    error = _refused(inventory, tmp_path, '[[overlay]]\noperation = "Query.product"\njson_file = "values/bad.json"\n')
    assert error.where == f"{tmp_path / 'values' / 'bad.json'}:3" and "null for the non-null" in error.message

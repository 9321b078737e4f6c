"""``order_shapes``: queries that differ in the order of their fields and in inlined literals share one plan, and
its answer, keys put back in each query's order, is byte for byte the answer of the query's own plan.

Compared on drawn queries (and their permutations and literal changes) on the example schema and the corpus's
GitHub and SWAPI schemas, with variables; the shape's key, what gets none, and the bounds. When the handler asks
the order shapes (its ``_orders``), the mock's answers are compared with and without them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLSchema,
    OperationDefinitionNode,
    build_client_schema,
    build_schema,
    parse,
    specified_rules,
    validate,
)

from tests.graphql.test_gqlnf_validity_key import _permuted, _relit, _selection_of
from tests.support.corpus import corpus
from toolkit.exchange import Request
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions, _run_plan
from toolkit.graphql.mock.order_shapes import OrderShapes, order_of, reordered
from toolkit.graphql.mock.plan import compile_plan
from toolkit.graphql.mock.resolve import Resolvers
from toolkit.limits import DEFAULT_LIMITS
from toolkit.load import load_contract

ROOT = Path(__file__).resolve().parents[2]
SELECTION = "{ id sku name price status tags createdAt stockLevels(first: 3) { onHand available status } }"


def _inventory() -> GraphQLSchema:
    contract = load_contract(ROOT / "contracts" / "inventory" / "v1")
    assert contract.schema is not None  # type: ignore[attr-defined]
    return contract.schema  # type: ignore[attr-defined,no-any-return]


def _schema(name: str) -> GraphQLSchema:
    if name == "inventory":
        return _inventory()
    path = corpus("graphql", name)
    if name.endswith(".json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        return build_client_schema(data.get("data", data))
    return build_schema(path.read_text(encoding="utf-8"))


def _operation(text: str) -> tuple[Any, OperationDefinitionNode]:
    document = parse(text)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return document, operation


def _key(schema: GraphQLSchema, text: str) -> str | None:
    document, operation = _operation(text)
    ordered = order_of(schema, document, operation)
    return None if ordered is None else ordered.key


# -- the shape ----------------------------------------------------------------------------------------------


def test_permutations_and_literals_share_a_shape() -> None:
    schema = _inventory()
    rng = random.Random(1)
    text = f'{{ product(id: "UHJv1") {SELECTION} }}'
    key = _key(schema, text)
    assert key is not None
    for _ in range(30):
        assert _key(schema, _permuted(parse(text), rng)) == key
    assert _key(schema, text.replace('"UHJv1"', '"other"').replace("first: 3", "first: 7")) == key
    assert _key(schema, text.replace('"UHJv1"', "12")) == key  # an ID slot takes an int too (the value fits it)


def test_other_changes_change_the_shape() -> None:
    schema = _inventory()
    base = f'query($n: Int) {{ a: product(id: "1") {SELECTION} b: products(first: $n) {{ totalCount }} }}'
    variants = [
        base.replace("a: product", "c: product"),
        base.replace("a: product", "product"),
        base.replace("{ id sku", "{ id"),
        base.replace("first: $n", "first: 3"),
        base.replace("$n: Int)", "$n: Int = 2)"),
        base.replace("onHand available", "onHand"),
        base.replace("{ totalCount }", "{ pageInfo { hasNextPage } }"),
    ]
    keys = [_key(schema, text) for text in [base, *variants]]
    assert None not in keys and len(set(keys)) == len(keys)


@pytest.mark.parametrize(
    "text",
    [
        '{ product(id: "1") { ...F } } fragment F on Product { id }',
        '{ product(id: "1") { ... on Product { id } } }',
        '{ product(id: "1") @include(if: true) { id } }',
        '{ product(id: "1") { id @skip(if: false) } }',
        '{ product(id: "1") { id } product(id: "1") { sku } }',
        "{ __schema { types { name } } }",
        'mutation { createProduct(input: {name: "x", sku: "y", price: "1"}) { id } }',
        '{ product(id: "1") { id } } query Other { products { id } }',
    ],
)
def test_what_keeps_its_own_plan(text: str) -> None:
    schema = _inventory()
    document = parse(text)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert order_of(schema, document, operation) is None


def test_reordered() -> None:
    order = (("b", None), ("a", (("y", None), ("x", None))))
    assert reordered({"a": [{"x": 1, "y": 2}, None], "b": 3}, order) == {"b": 3, "a": [{"y": 2, "x": 1}, None]}
    assert list(reordered({"a": {"x": 1, "y": 2}, "b": 3}, order)["a"]) == ["y", "x"]
    assert reordered(None, order) is None


# -- the same answers as each query's own plan -------------------------------------------------------------


def _compare(schema: GraphQLSchema, shapes: OrderShapes, resolvers: Resolvers, text: str, variables: Any) -> int:
    document, operation = _operation(text)
    if validate(schema, document, specified_rules):
        return 0
    plan = compile_plan(schema, resolvers, operation, {})
    expected = None if plan is None else _run_plan(plan, variables)
    found = shapes.text(document, operation, variables)
    if found is None:
        return 0
    assert found == expected, text
    return 1


@pytest.mark.parametrize("name", ["inventory", "github_schema.graphql", "swapi_introspection.json"])
def test_answers_are_the_querys_own(name: str) -> None:
    schema = _schema(name)
    resolvers = Resolvers(schema, 7, DEFAULT_LIMITS)
    shapes = OrderShapes(schema, resolvers)
    rng = random.Random(3)
    assert schema.query_type is not None
    shared = 0
    for index in range(160):
        text = _selection_of(schema.query_type, rng, 0)
        if text is None or ("__typename" in text and rng.random() < 0.5):
            continue
        for variant in [text, _permuted(parse(text), rng), _relit(parse(text)), _permuted(parse(text), rng)]:
            shared += _compare(schema, shapes, resolvers, variant, None)
        del index
    assert shared > 60


def test_inventory_queries_with_variables() -> None:
    schema = _inventory()
    resolvers = Resolvers(schema, 1, DEFAULT_LIMITS)
    shapes = OrderShapes(schema, resolvers)
    rng = random.Random(4)
    shared = 0
    fields = ["id", "sku", "name", "price", "status", "tags", "createdAt", "stockLevels(first: $n) { onHand status }"]
    for n in range(120):
        rng.shuffle(fields)
        head = "query($n: Int, $id: ID!) { a: product(id: $id) "
        text = f'{head}{{ {" ".join(fields)} }} b: product(id: "{n}") {{ id }} }}'
        variables = rng.choice([{"id": str(n), "n": n % 5}, {"id": "x"}, {"id": str(n), "n": None}])
        shared += _compare(schema, shapes, resolvers, text, variables)
    assert shared == 120


def test_literals_that_do_not_fit_go_back() -> None:
    schema = _inventory()
    resolvers = Resolvers(schema, 1, DEFAULT_LIMITS)
    shapes = OrderShapes(schema, resolvers)
    document, operation = _operation(f'{{ product(id: "1") {SELECTION} }}')
    assert shapes.text(document, operation, None) is not None
    document, operation = _operation(
        SELECTION.join(['{ product(id: "1") ', " }"]).replace("first: 3", "first: 2147483648")
    )
    assert shapes.text(document, operation, None) is None  # the same shape, an Int it cannot hold


def test_shapes_are_bounded() -> None:
    schema = _inventory()
    shapes = OrderShapes(schema, Resolvers(schema, 1, DEFAULT_LIMITS))
    for n in range(600):
        document, operation = _operation(f'{{ a{n}: product(id: "1") {{ id }} }}')
        assert shapes.text(document, operation, None) is not None
    assert len(shapes._shapes) <= shapes._shapes.max_entries
    assert shapes._shapes.bytes <= shapes._shapes.max_bytes


# -- through the mock, once the handler asks the order shapes -------------------------------------------------


def test_the_mock_answers_the_same_bytes_with_and_without() -> None:
    contract = load_contract(ROOT / "contracts" / "inventory" / "v1")
    with_orders = GraphQLMock(contract, GraphQLMockOptions(seed=3))  # type: ignore[arg-type]
    if not hasattr(with_orders, "_orders"):
        pytest.skip("the handler does not ask the order shapes (its hook is not applied)")
    without = GraphQLMock(contract, GraphQLMockOptions(seed=3))  # type: ignore[arg-type]
    without._orders.text = lambda *_: None  # type: ignore[attr-defined,unused-ignore]
    rng = random.Random(5)
    fields = ["id", "sku", "name", "price", "status", "tags", "createdAt", "stockLevels(first: 2) { onHand status }"]
    for n in range(200):
        rng.shuffle(fields)
        query = f'{{ product(id: "UHJv{n % 7}") {{ {" ".join(fields)} }} }}'
        for body in (json.dumps({"query": query}), json.dumps({"query": query})):  # a text twice: its own plan next
            request = Request("POST", "/graphql", "", (("content-type", "application/json"),), body.encode())
            one, other = with_orders.answer(request), without.answer(request)
            assert one.response.body == other.response.body and one.response.status == other.response.status


def test_literals_kept_as_written_and_variables() -> None:
    """Input objects, enums, lists, nulls, block strings and variable defaults stay in the shape as written."""
    schema = _inventory()
    resolvers = Resolvers(schema, 2, DEFAULT_LIMITS)
    shapes = OrderShapes(schema, resolvers)
    rng = random.Random(6)
    parts = [
        'a: products(first: 2, filter: {status: ACTIVE, tags: ["x", "y é"], minPrice: 1.5}) '
        "{ totalCount edges { cursor node { id name } } pageInfo { hasNextPage endCursor } }",
        'b: products(after: """c1""", filter: {stockStatus: null}) { totalCount }',
        "c: products(first: $n) { edges { node { sku tags } } }",
        'd: search(term: "lamp") { __typename }',
        "warehouses { id code address { city countryCode } }",
        'e: node(id: "UHJv1") { id __typename }',
    ]
    shared = 0
    for n in range(60):
        rng.shuffle(parts)
        text = f"query($n: Int = {n % 4}) {{ {' '.join(parts)} }}"
        shared += _compare(schema, shapes, resolvers, text, rng.choice([None, {"n": 1}, {"n": n}]))
    assert shared == 60
    keys = {_key(schema, f"query($n: Int = {n}) {{ {' '.join(parts)} }}") for n in range(3)}
    assert len(keys) == 3  # a default is written into the shape


def test_a_default_nested_past_the_depth_bound_keeps_its_own_plan_instead_of_raising() -> None:
    """A variable's default deeper than the walk's bound: no order shape (it once escaped order_of as an error)."""
    depth = 40
    text = f'query($d: {"[" * depth}Int{"]" * depth} = {"[" * depth}1{"]" * depth}) {{ product(id: "1") {{ id }} }}'
    schema = _inventory()
    document = parse(text)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert order_of(schema, document, operation) is None
    shallow = parse('query($d: [Int] = [1]) { product(id: "1") { sku id } }')
    shallow_operation = shallow.definitions[0]
    assert isinstance(shallow_operation, OperationDefinitionNode)
    ordered = order_of(schema, shallow, shallow_operation)
    assert ordered is not None and ordered.template.startswith("query($d: [Int] = [1]) ")

"""The GraphQL mock's cost model against what it really produces: introspection counted on the schema's real
sizes, lists of lists filled to a bounded level, and client mistakes answered as GraphQL errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import graphql
import pytest

from tests.support.corpus import corpus
from tests.support.paths import REPO
from toolkit.exchange import Request, Response
from toolkit.graphql.lint import lint_graphql
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.costs import Measured, filled_levels, measure
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.graphql.mock.introspection import full_introspection_cost
from toolkit.limits import DEFAULT_LIMITS
from toolkit.load import load_contract
from toolkit.mock.envelope import MockEnvelope
from toolkit.model import Severity

GQL = "application/graphql-response+json"
FULL_INTROSPECTION = graphql.get_introspection_query(
    descriptions=True, specified_by_url=True, directive_is_repeatable=True, schema_description=True,
    input_value_deprecation=True, one_of=True,
)  # fmt: skip
DEEP_LISTS = """
type Query {
  matrix(first: Int): [[[[[[[[[[Int]]]]]]]]]]
  grid(first: Int): [[[Cell!]!]!]!
  shapes: [[[[Cell]]]]
  paged(first: Int = 40): [Cell!]!
  node: Node!
}
type Cell { x: Int! tags: [[String!]!] }
type Node { id: ID! next: Node! items(first: Int): [Node!]! }
"""


def load(path: Path | str) -> GraphQLContract:
    contract = load_contract(str(path))
    assert isinstance(contract, GraphQLContract)
    return contract


@pytest.fixture(scope="module")
def inventory() -> GraphQLMock:
    return MockEnvelope(GraphQLMock(load(REPO / "contracts" / "inventory" / "v1")))


@pytest.fixture(scope="module")
def deep_lists(tmp_path_factory: pytest.TempPathFactory) -> GraphQLMock:
    path = tmp_path_factory.mktemp("deep") / "schema.graphql"
    path.write_text(DEEP_LISTS)
    return MockEnvelope(GraphQLMock(load(path)))


def send(mock: GraphQLMock, body: dict[str, Any] | bytes, accept: str = GQL) -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = (("content-type", "application/json"), ("accept", accept))
    return mock(Request("POST", "/graphql", headers=headers, body=raw)).response


def values(value: Any) -> int:
    """What an answer holds, as the cost counts it: each field 1, each item of a list of scalars 1."""
    if isinstance(value, dict):
        return sum(1 + (values(v) if isinstance(v, dict | list) else 0) for v in value.values())
    if isinstance(value, list):
        return sum(values(v) if isinstance(v, dict | list) else 1 for v in value)
    return 0


def cost_of(mock: GraphQLMock, text: str, variables: dict[str, Any] | None = None) -> tuple[int, int]:
    document = graphql.parse(text)
    operation = graphql.get_operation_ast(document)
    assert operation is not None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, graphql.FragmentDefinitionNode)}
    size = measure(
        mock.mock.schema, operation, fragments, variables or {}, 15, DEFAULT_LIMITS, mock.mock.introspection_budget
    )
    return size.cost, size.introspection


def answer(mock: GraphQLMock, text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = send(mock, {"query": text, "variables": variables})
    assert response.status == 200, response.body[:300]
    document = json.loads(response.body)
    assert "errors" not in document
    return dict(document["data"])


# -- introspection -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["inventory", "github_schema.graphql", "anilist.co.json", "swapi_introspection.json"])
def test_the_full_introspection_is_costed_exactly_as_graphql_core_answers_it(name: str) -> None:
    path = REPO / "contracts" / "inventory" / "v1" if name == "inventory" else corpus("graphql", name)
    schema = load(path).schema
    result = graphql.graphql_sync(schema, FULL_INTROSPECTION)
    assert not result.errors
    assert full_introspection_cost(schema) == values(result.data)


def test_introspection_is_costed_at_real_list_sizes(inventory: GraphQLMock) -> None:
    text = "{ __schema { types { name fields { name args { name } } } } }"
    cost, introspected = cost_of(inventory, text)
    assert cost == 0
    assert introspected == values(answer(inventory, text))
    named = '{ __type(name: "Product") { fields { name } } }'
    assert cost_of(inventory, named)[1] == values(answer(inventory, named))


def test_aliased_introspection_copies_are_refused_by_cost(inventory: GraphQLMock) -> None:
    one = "__schema { types { name fields { name args { name type { name } } type { name fields { name } } } } }"
    text = "{" + " ".join(f"a{i}: {one}" for i in range(300)) + "}"  # the 45 KB bomb: once 4 MB of answer
    response = send(inventory, {"query": text})
    assert response.status == 400
    (error,) = json.loads(response.body)["errors"]
    assert error["extensions"]["code"] == "COST_LIMIT"
    assert "introspection" in error["message"]


def test_the_standard_introspection_queries_still_pass(inventory: GraphQLMock) -> None:
    for text in (FULL_INTROSPECTION, graphql.get_introspection_query()):
        assert answer(inventory, text)["__schema"]["types"]


def test_the_introspection_budget_is_twice_the_full_query_or_the_option(inventory: GraphQLMock) -> None:
    full = full_introspection_cost(inventory.mock.schema)
    assert inventory.mock.introspection_budget() == max(inventory.mock.options.max_cost, 2 * full)
    strict = MockEnvelope(GraphQLMock(inventory.contract, GraphQLMockOptions(max_introspection_cost=100)))
    response = send(strict, {"query": "{ __schema { types { name fields { name } } } }"})
    assert json.loads(response.body)["errors"][0]["extensions"]["code"] == "COST_LIMIT"
    assert answer(strict, "{ __schema { queryType { name } } }")


def test_a_failed_budget_count_leaves_nothing_half_built(monkeypatch: pytest.MonkeyPatch) -> None:
    mock = MockEnvelope(GraphQLMock(load(REPO / "contracts" / "inventory" / "v1")))

    def broken(schema: Any) -> int:
        raise ZeroDivisionError

    monkeypatch.setattr("toolkit.graphql.mock.handler.full_introspection_cost", broken)
    assert send(mock, {"query": "{ __schema { types { name } } }"}).status == 500
    assert mock.mock._introspection_budget is None
    monkeypatch.undo()
    assert answer(mock, "{ __schema { types { name } } }")["__schema"]["types"]


# -- generation stays within the cost ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{ matrix }",
        "{ matrix(first: 100) }",
        "{ grid(first: 30) { x tags } }",
        "{ grid { x } }",
        "{ shapes { x tags } }",
        "{ paged { x tags } }",
        "{ node { next { items(first: 20) { id items { id } } } } }",
    ],
)
def test_an_answer_never_holds_more_than_its_cost(deep_lists: GraphQLMock, text: str) -> None:
    cost, _ = cost_of(deep_lists, text)
    assert cost <= deep_lists.mock.options.max_cost
    assert 0 < values(answer(deep_lists, text)) <= cost


@pytest.mark.parametrize(
    "text",
    [
        "{ products(first: 50) { edges { cursor node { id tags stockLevels { id warehouse { code } } } } } }",
        "{ warehouses { stockLevels { product { tags } } } }",
        '{ search(term: "a") { ... on Product { tags } ... on Warehouse { code } } }',
    ],
)
def test_inventory_answers_never_hold_more_than_their_cost(inventory: GraphQLMock, text: str) -> None:
    cost, _ = cost_of(inventory, text)
    assert 0 < values(answer(inventory, text)) <= cost


def test_lists_of_lists_are_filled_to_a_bounded_level(deep_lists: GraphQLMock) -> None:
    assert filled_levels(DEFAULT_LIMITS) == 6  # 3 x 3^5 = 729 items at most
    assert filled_levels(DEFAULT_LIMITS, 100) == 3  # 100 x 3 x 3
    assert filled_levels(DEFAULT_LIMITS.replace(max_generation_depth=2)) == 2

    def depth(value: Any) -> int:
        return 1 + max((depth(v) for v in value), default=0) if isinstance(value, list) else 0

    assert depth(answer(deep_lists, "{ matrix(first: 100) }")["matrix"]) <= 4  # 3 filled levels, then []
    assert depth(answer(deep_lists, "{ matrix }")["matrix"]) <= 7


def test_the_options_limits_bound_generation(deep_lists: GraphQLMock) -> None:
    limits = DEFAULT_LIMITS.replace(max_array_items=20)
    small = MockEnvelope(GraphQLMock(deep_lists.contract, GraphQLMockOptions(limits=limits)))
    assert len(answer(small, "{ paged(first: 100) { x } }")["paged"]) == 20
    assert all(len(row) == 0 for row in answer(small, "{ grid(first: 20) { x } }")["grid"])  # 20 x 3 > 20: empty
    assert [p.location.path for p in lint_graphql(small.contract, limits)] == [
        "Query.matrix",
        "Query.grid",
        "Query.shapes",
    ]  # fills 2


def test_an_argument_default_sizes_the_list_in_the_cost(deep_lists: GraphQLMock) -> None:
    cost, _ = cost_of(deep_lists, "{ paged { x } }")
    assert cost == 1 + 40
    assert len(answer(deep_lists, "{ paged { x } }")["paged"]) == 40
    assert cost_of(deep_lists, "query($n: Int = 7) { paged(first: $n) { x } }")[0] == 1 + 7


def test_a_query_text_sent_again_is_costed_on_the_variables_it_reads(deep_lists: GraphQLMock) -> None:
    """The walk is kept per query text, operation and the values of the variables it reads: another size (or a
    size that is not an Int) is costed afresh, and every answer is the one a fresh mock gives."""
    options = GraphQLMockOptions(max_cost=50)
    mock = MockEnvelope(GraphQLMock(deep_lists.contract, options))
    text = "query($n: Int = 7) { node { id items(first: $n) { id items(first: $n) { id } } } }"
    sizes: list[dict[str, Any]] = [{"n": 5}, {"n": 50}, {}, {"n": None}, {"n": True}, {"n": 6.0}, {"n": "5"}]
    codes = []
    for _ in range(2):
        for variables in sizes:
            body = {"query": text, "variables": variables}
            kept, fresh = send(mock, body), send(MockEnvelope(GraphQLMock(deep_lists.contract, options)), body)
            assert (kept.status, kept.body) == (fresh.status, fresh.body)
            document = json.loads(kept.body)
            codes.append(document["errors"][0]["extensions"]["code"] if "errors" in document else None)
    assert codes[:3] == [None, "COST_LIMIT", "COST_LIMIT"]  # 3 + 5 x 7 = 38; 50; the default 7: 3 + 7 x 9 = 66
    assert codes[3] is None  # null: the field's own size (none: up to 3)
    (measured,) = mock.mock._documents.get(text).measured.values()  # type: ignore[union-attr]
    assert [seen for _, seen, _ in measured.kept][:3] == [(5,), (50,), (7,)]
    assert len(measured.kept) == 5  # then one for anything neither an Int nor a String, one for "5"
    introspect = "query($t: String!) { __type(name: $t) { fields { name } } }"
    strict = MockEnvelope(GraphQLMock(deep_lists.contract, GraphQLMockOptions(max_introspection_cost=6)))
    for _ in range(2):
        answers = {name: send(strict, {"query": introspect, "variables": {"t": name}}) for name in ("Cell", "Query")}
        assert answers["Cell"].status == 200
        assert json.loads(answers["Query"].body)["errors"][0]["extensions"]["code"] == "COST_LIMIT"


def test_a_walk_reading_many_variables_is_not_kept(deep_lists: GraphQLMock) -> None:
    mock = MockEnvelope(GraphQLMock(deep_lists.contract, GraphQLMockOptions(max_cost=100)))
    count = Measured.MAX_READS + 1  # 33 lists of 2: cost 99
    text = "query(" + ", ".join(f"$n{i}: Int" for i in range(count)) + ") {"
    text += " ".join(f"a{i}: paged(first: $n{i}) {{ x }}" for i in range(count)) + "}"
    variables = {f"n{i}": 2 for i in range(count)}
    assert len(answer(mock, text, variables)["a0"]) == 2
    (measured,) = mock.mock._documents.get(text).measured.values()  # type: ignore[union-attr]
    assert measured.kept == []
    variables["n0"] = 50
    response = send(mock, {"query": text, "variables": variables})
    assert json.loads(response.body)["errors"][0]["extensions"]["code"] == "COST_LIMIT"  # still walked


def test_another_id_reuses_the_walk(inventory: GraphQLMock) -> None:
    mock = MockEnvelope(GraphQLMock(inventory.contract))
    text = "query($id: ID!) { product(id: $id) { id tags stockLevels(first: 3) { onHand } } }"
    for n in range(5):
        assert answer(mock, text, {"id": str(n)})["product"]["id"] == str(n)
    (measured,) = mock.mock._documents.get(text).measured.values()  # type: ignore[union-attr]
    assert [names for names, _, _ in measured.kept] == [()]


def test_lint_warns_on_lists_nested_deeper_than_the_mock_fills(deep_lists: GraphQLMock) -> None:
    problems = lint_graphql(deep_lists.contract)
    assert [p.location.path for p in problems] == ["Query.matrix"]
    assert problems[0].severity is Severity.WARNING
    assert problems[0].location.line == 3
    assert "10 levels" in problems[0].message


# -- client mistakes are GraphQL errors ---------------------------------------------------------------------


def by_id_with(raw_json: str) -> bytes:
    """A request whose $id variable is ``raw_json`` as written."""
    return b'{"query": "query($id: ID!) { product(id: $id) { id } }", "variables": {"id": ' + raw_json.encode() + b"}}"


def errors(response: Response) -> list[dict[str, Any]]:
    document = json.loads(response.body)
    assert set(document) == {"errors"}, document
    return list(document["errors"])


@pytest.mark.parametrize("digits", [30, 3000, 5000])
def test_integers_with_thousands_of_digits_are_validation_errors(inventory: GraphQLMock, digits: int) -> None:
    text = '{ product(id: "1") { stockLevels(first: 1' + "0" * digits + ") { id } } }"
    response = send(inventory, {"query": text})
    assert response.status == 400
    (error,) = errors(response)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert len(error["message"]) < 2 * DEFAULT_LIMITS.max_echo_length + 100  # the number is not echoed whole


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "query($id: ID!) { product(id: $id) { id } }", "variables": {"id": "\\ud800"}}',
        b'{"query": "{ product(id: \\"1\\") { id } }", "operationName": "\\udfff"}',
        b'{"query": "{ product(id: \\"1\\") { id } }", "variables": {"\\ud83d": 1}}',
    ],
)
def test_lone_surrogates_are_400(inventory: GraphQLMock, body: bytes) -> None:
    response = send(inventory, body)
    assert response.status == 400
    assert "surrogate" in errors(response)[0]["message"]


@pytest.mark.parametrize("raw", ["NaN", "-Infinity", "1e400"])
def test_non_finite_numbers_in_variables_are_not_json(inventory: GraphQLMock, raw: str) -> None:
    """Read by the reader every mock shares (mock/json_body), as REST reads them: NaN/Infinity are not JSON."""
    response = send(inventory, by_id_with(raw))
    assert response.status == 400
    (error,) = errors(response)
    assert "the request body is not valid JSON" in error["message"]
    query = "query=%7B__typename%7D&variables=%7B%22a%22%3A" + raw + "%7D"
    assert "not valid JSON" in errors(inventory(Request("GET", "/graphql", query=query)).response)[0]["message"]


def test_a_surrogate_pair_is_text(inventory: GraphQLMock) -> None:
    body = b'{"query": "query($id: ID!) { product(id: $id) { id } }", "variables": {"id": "\\ud83d\\ude00"}}'
    assert json.loads(send(inventory, body).body)["data"]["product"]["id"] == "\U0001f600"


@pytest.mark.parametrize("depth", [DEFAULT_LIMITS.max_nesting + 1, 100_000])
def test_variables_nested_past_max_nesting_are_refused(inventory: GraphQLMock, depth: int) -> None:
    value = "[" * depth + "]" * depth
    body = by_id_with(value)
    for accept in (GQL, "application/json"):
        response = send(inventory, body, accept)
        assert response.status == 400
        (error,) = errors(response)
        assert error["extensions"]["code"] == "DEPTH_LIMIT"
    query = "query=%7B__typename%7D&variables=" + "%7B%22a%22%3A" * (depth + 1) + "1" + "%7D" * (depth + 1)
    assert errors(inventory(Request("GET", "/graphql", query=query)).response)[0]["extensions"]["code"] == "DEPTH_LIMIT"


def test_variables_at_max_nesting_are_read(inventory: GraphQLMock) -> None:
    depth = DEFAULT_LIMITS.max_nesting
    value = "[" * depth + "]" * depth
    body = by_id_with(value)
    (error,) = errors(send(inventory, body))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"  # read, then refused by its type


def test_a_non_finite_number_is_not_echoed(inventory: GraphQLMock) -> None:
    text = 'mutation { createProduct(input: {sku: "s", name: "n", price: 1e400}) { product { price } } }'
    response = send(inventory, {"query": text})
    assert response.status == 200
    assert isinstance(json.loads(response.body)["data"]["createProduct"]["product"]["price"], str)


def test_a_huge_variable_is_not_repeated_by_every_alias(inventory: GraphQLMock) -> None:
    text = "query($s: String!) {" + " ".join(f"a{i}: productBySku(sku: $s) {{ sku }}" for i in range(200)) + "}"
    data = answer(inventory, text, {"s": "x" * 100_000})  # once a 20 MB answer
    assert len(json.dumps(data)) < 200 * 100
    short = answer(inventory, text, {"s": "sku-1"})
    assert {item["sku"] for item in short.values()} == {"sku-1"}  # a value of a sane size is still echoed

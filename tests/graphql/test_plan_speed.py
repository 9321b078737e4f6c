"""The GraphQL mock's fast paths give the answers of its slow ones.

- ``streams.Stream``: ``random.Random``'s own algorithms over a cheap generator (its shortcuts draw the same);
- ``values.leaf_maker``: a leaf's value maker decided per (type, field, owner) makes what ``scalar_value`` and
  ``enum_value`` make from the same stream;
- ``plan``: a compiled plan answers exactly what graphql-core's ``execute`` does with the mock's resolvers
  (documents of several schemas, fragments, unions, connections, mutations, variables good and bad);
- ``shapes``: a document answered through the shape of an earlier one (literals lifted out) answers exactly what
  the full path (parse, validate, execute) does, invalid literals included, and the shape cache stays bounded.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLScalarType, build_schema, specified_scalar_types

import toolkit.graphql.mock.handler as handler_module
from tests.support.corpus import corpus
from tests.support.paths import REPO
from toolkit.exchange import Request
from toolkit.fake import Fake
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.graphql.mock.shapes import lift
from toolkit.graphql.mock.streams import Stream, stream
from toolkit.graphql.mock.values import enum_value, leaf_maker, scalar_value
from toolkit.load import load_contract
from toolkit.model import GraphQLOperation
from toolkit.verify.engine_graphql import _documents, complete_query


def _load(path: Path) -> GraphQLContract:
    contract = load_contract(str(path))
    assert isinstance(contract, GraphQLContract)
    return contract


@pytest.fixture(scope="module")
def inventory() -> GraphQLContract:
    return _load(REPO / "contracts" / "inventory" / "v1")


def _request(query: str, variables: Any = None, operation_name: str | None = None) -> Request:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation_name is not None:
        body["operationName"] = operation_name
    return Request("POST", "/graphql", "", (("content-type", "application/json"),), json.dumps(body).encode())


# -- streams and leaf makers ------------------------------------------------------------------------------


def test_stream_shortcuts_draw_what_random_random_draws() -> None:
    for seed in range(300):
        fast, reference = Stream(seed), Stream(seed)
        for size in (1, 2, 3, 7, 62, 100, 1000, 2**40 + 3):
            assert fast.choice(range(size)) == random.Random.choice(reference, range(size))
            assert fast.randint(-5, size) == random.Random.randint(reference, -5, size)
        assert fast.getrandbits(130) == reference.getrandbits(130)
        assert fast.randbytes(9) == reference.randbytes(9)
        # Mersenne Twister's layout, which toolkit.fake's pickers rely on: 32-bit outputs, the first lowest
        low, high = reference.getrandbits(32), reference.getrandbits(32)
        assert fast.getrandbits(64) == low | high << 32
        assert fast.getrandbits(6) == reference.getrandbits(32) >> 26


def test_streams_are_seeded_by_their_key_alone() -> None:
    assert [stream(42).random() for _ in range(3)] == [stream(42).random() for _ in range(3)]
    assert stream(42).getrandbits(64) != stream(43).getrandbits(64)


_FIELDS = ("id", "sku", "name", "email", "billingEmail", "createdAt", "updatedAt", "price", "amount", "total",
           "quantity", "count", "itemCount", "phone", "city", "country", "currency", "url", "avatarUrl", "title",
           "description", "status", "latitude", "longitude", "percent", "age", "year", "customerId", "owner_id",
           "color", "locale", "timezone", "slug", "token", "version", "login", "tags", "weightGrams", "x")  # fmt: skip
_OWNERS = ("Product", "Customer", "Company", "User", "StockLevel", "")
_CUSTOM = ("DateTime", "Date", "Time", "Money", "URL", "URI", "UUID", "JSON", "BigInt", "Long", "PositiveInt",
           "HTML", "Cursor", "GitObjectID", "Base64String", "CountryCode", "Currency", "Locale", "Email",
           "PhoneNumber", "IPv4", "Hostname", "Timestamp", "FuzzyDateInt", "Whatever")  # fmt: skip


def test_leaf_makers_make_what_scalar_value_and_enum_value_make() -> None:
    schema = build_schema(
        "enum Plain { A B C }\n"
        'enum Old { A @deprecated(reason: "gone") B C }\n'
        + "".join(f"scalar {name}\n" for name in _CUSTOM)
        + "type Query { x: Int }"
    )
    fake = Fake(7)
    leaves: list[Any] = [*specified_scalar_types.values(), *(schema.get_type(name) for name in _CUSTOM)]
    for leaf in leaves:
        for field in _FIELDS:
            for owner in _OWNERS:
                make = leaf_maker(leaf, fake, field, owner)
                for key in range(4):
                    expected = scalar_value(leaf, fake, stream(key), field, owner)
                    assert make(stream(key)) == expected, (leaf.name, field, owner)
    for name in ("Plain", "Old"):
        enum = schema.get_type(name)
        assert isinstance(enum, GraphQLEnumType) and not isinstance(enum, GraphQLScalarType)
        make = leaf_maker(enum, fake, "status", "Product")
        assert [make(stream(k)) for k in range(50)] == [enum_value(enum, stream(k)) for k in range(50)]


# -- compiled plans --------------------------------------------------------------------------------------

_HANDWRITTEN = [
    (
        "query($id: ID!) { product(id: $id) { id sku name price status tags createdAt "
        "stockLevels(first: 3) { onHand available status } } }",
        {"id": "p1"},
        None,
    ),
    (
        "{ products(first: 4) { edges { cursor node { id name } } nodes { id } pageInfo { hasNextPage endCursor "
        "startCursor hasPreviousPage } totalCount } }",
        None,
        None,
    ),
    (
        '{ products(first: 2, after: "Y3RrOjQ=") { edges { cursor node { ...P } } } } '
        "fragment P on Product { id sku ... on Product { name } __typename }",
        None,
        None,
    ),
    ('{ search(term: "x", first: 6) { __typename ... on Product { id name } ... on Warehouse { code } } }', None, None),
    ('{ node(id: "n1") { id __typename ... on StockLevel { onHand product { name } } } }', None, None),
    (
        "{ a: warehouses { id code address { city countryCode } } b: warehouses { name } a: warehouses { name } }",
        None,
        None,
    ),
    (
        'mutation { createProduct(input: {sku: "S-1", name: "Lamp", price: "9.99", tags: ["a", "b"]}) '
        "{ product { id sku name price tags status } userErrors { message } } }",
        None,
        None,
    ),
    (
        "mutation($in: AdjustStockInput!) { adjustStock(input: $in) { stockLevel { id onHand } adjustmentId "
        "userErrors { field message code } } }",
        {"in": {"productId": "p1", "warehouseId": "w1", "delta": 5}},
        None,
    ),
    ("query A { warehouses { id } } query B($n: Int) { products(first: $n) { totalCount } }", {"n": 7}, "B"),
    ("query($n: Int) { products(first: $n) { edges { node { id } } } }", {"n": "many"}, None),  # does not coerce
    ("query($id: ID!) { product(id: $id) { id } }", {}, None),  # a missing variable
    ("{ product(id: 1) { id name dimensions { length width height unit weightGrams } imageUrl } }", None, None),
    ("{ __typename warehouses { __typename stockLevels(first: 2) { __typename status } } }", None, None),
    ("query($skip: Boolean!) { warehouses { id code @skip(if: $skip) } }", {"skip": True}, None),  # not planned
]


def _answers(contract: GraphQLContract, requests: list[Request], *, plans: bool, shapes: bool,
             monkeypatch: pytest.MonkeyPatch) -> tuple[list[bytes], GraphQLMock]:  # fmt: skip
    with monkeypatch.context() as patch:
        if not plans:
            patch.setattr(handler_module, "compile_plan", lambda *_, **__: None)
        if not shapes:
            patch.setattr(handler_module, "lift", lambda _: None)
        mock = GraphQLMock(contract, GraphQLMockOptions(seed=3))
        mock.resolvers.fast_items = plans  # the reference makes a list's items one by one
        return [mock.answer(request).response.body for request in requests], mock


def test_plans_answer_what_graphql_core_executes(inventory: GraphQLContract, monkeypatch: pytest.MonkeyPatch) -> None:
    requests = [_request(*case) for case in _HANDWRITTEN]
    fast, mock = _answers(inventory, requests, plans=True, shapes=False, monkeypatch=monkeypatch)
    slow, _ = _answers(inventory, requests, plans=False, shapes=False, monkeypatch=monkeypatch)
    assert fast == slow
    planned = [p for entry in mock._documents._entries.values() for p in entry.plans.values() if p is not None]
    ordered = [o for entry in mock._documents._entries.values() for o in entry.ordered]  # by their order shape's plan
    # all but the directive one (and the two refused variable sets)
    assert len(planned) + len(ordered) >= len(_HANDWRITTEN) - 3


def _drawn(contract: GraphQLContract, limit: int, examples: int) -> list[str]:
    assert contract.schema is not None
    documents: list[str] = []
    for operation in contract.operations[:limit]:
        assert isinstance(operation, GraphQLOperation)
        complete = complete_query(contract.schema, operation)
        documents += [complete] if complete else []
        documents += _documents(contract.schema, operation, examples, 1)
    return list(dict.fromkeys(documents))


def _schemas() -> Iterator[Any]:
    yield pytest.param(lambda: REPO / "contracts" / "inventory" / "v1", id="inventory-v1")
    yield pytest.param(lambda: REPO / "contracts" / "inventory" / "v2", id="inventory-v2")
    yield pytest.param(lambda: corpus("graphql", "github_schema.graphql"), id="github")
    yield pytest.param(lambda: corpus("graphql", "swapi_introspection.json"), id="swapi")
    yield pytest.param(lambda: corpus("graphql", "anilist.co.json"), id="anilist")


@pytest.mark.parametrize("where", list(_schemas()))
def test_plans_and_shapes_answer_what_the_full_path_answers(where: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    contract = _load(where())
    documents = _drawn(contract, 120, 2)
    learn, valid, variants = _variants(documents, random.Random(11))
    # each document, then two of the shape of the valid variants (made on its second sighting), then the variants
    requests = [_request(d) for d in documents] + [_request(v) for v in learn + valid + variants]
    fast, mock = _answers(contract, requests, plans=True, shapes=True, monkeypatch=monkeypatch)
    slow, _ = _answers(contract, requests, plans=False, shapes=False, monkeypatch=monkeypatch)
    mismatched = [(r.body[:300], a[:300], b[:300]) for r, a, b in zip(requests, fast, slow, strict=True) if a != b]
    assert not mismatched, mismatched[:3]
    shaped = [v for v in valid if mock._documents.get(v) is None]  # answered without parsing them
    assert len(shaped) >= len(valid) // 2, (len(shaped), len(valid))
    planned = [p for e in mock._documents._entries.values() for p in e.plans.values() if p is not None]
    ordered = [o for e in mock._documents._entries.values() for o in e.ordered]  # by their order shape's plan
    assert len(planned) + len(ordered) >= len(documents) // 2


def _variants(documents: list[str], rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    """Each liftable document with its literals replaced: (by other literals of the same kind, by any literal,
    often one its argument's type refuses: out of Int's range, a string for an Int, an infinite Float...)."""
    learn: list[str] = []
    valid: list[str] = []
    out: list[str] = []
    for document in documents:
        lifted = lift(document)
        if lifted is None:
            continue
        for attempt in range(5):
            pieces: list[str] = []
            last = 0
            for kind, text, start in lifted.literals:
                pieces.append(document[last:start])
                if attempt <= 2:  # distinct values (which literals are equal is part of the shape)
                    unique = len(pieces) + 2 * attempt
                    choices = {"S": [f'"v{unique} é ü ✓"'], "I": [str(unique)], "F": [f"{unique}.5"]}[kind]
                else:
                    choices = {
                        "S": [f'"v{rng.randrange(10**6)}"', '""', '"é ü ✓"', text, '"12"', "12"],
                        "I": [str(rng.randrange(-5, 200)), "0", "-0", "2147483648", "-2147483649", "99999999999999",
                              text, '"7"', "7.5"],
                        "F": ["1.5", "-0.25", "1e3", "1e400", text, "3", '"x"'],
                    }[kind]  # fmt: skip
                pieces.append(rng.choice(choices))
                last = start + len(text)
            pieces.append(document[last:])
            ([learn, learn, valid][attempt] if attempt <= 2 else out).append("".join(pieces))
    return learn, valid, out


# -- shapes ----------------------------------------------------------------------------------------------


def test_lift_takes_field_argument_literals_only() -> None:
    lifted = lift(
        'query Q($a: Int = 5) { a: products(first: 20, after: "x", filter: {minPrice: 1.5}) @include(if: true) '
        "{ edges { node { ...F } } } } fragment F on Product { stockLevels(first: 3) { id } }"
    )
    assert lifted is not None
    assert [(kind, text) for kind, text, _ in lifted.literals] == [("I", "20"), ("S", '"x"'), ("I", "3")]
    assert "Int = 5" in lifted.key and "minPrice: 1.5" in lifted.key  # defaults and nested values stay
    for refused in ('{ product(id: "a\\nb") { id } }', '{ product(id: """a""") { id } }', "{ product(id: 01) { id } }",
                    "{ product(id: 1a) { id } }", '{ __schema { types { name } } }', "{ warehouses { id } }",
                    '{ product(id: "x") { id }', '{ a: __type(name: "Product") { name } }'):  # fmt: skip
        assert lift(refused) is None, refused


def test_a_shape_key_keeps_which_literals_are_equal() -> None:
    same = lift('{ a: product(id: "1") { id } b: product(id: "1") { id } }')
    other = lift('{ a: product(id: "1") { id } b: product(id: "2") { id } }')
    assert same is not None and other is not None and same.key != other.key
    again = lift('{ a: product(id: "7") { id } b: product(id: "7") { id } }')
    assert again is not None and again.key == same.key
    assert [text for _, text, _ in again.literals] == ['"7"', '"7"']


def test_conflicting_literals_are_refused_as_graphql_core_refuses_them(inventory: GraphQLContract) -> None:
    mock = GraphQLMock(inventory, GraphQLMockOptions())
    for n in range(3):  # the shape of equal literals is learnt
        assert b'"errors"' not in mock.answer(_request(f'{{ a: product(id: "{n}") {{ id }} a: product(id: "{n}") '
                                                       "{ name } }")).response.body  # fmt: skip
    conflicting = '{ a: product(id: "1") { id } a: product(id: "2") { name } }'
    answer = json.loads(mock.answer(_request(conflicting)).response.body)
    assert "conflict" in answer["errors"][0]["message"]


def test_invalid_literals_get_the_full_paths_errors(inventory: GraphQLContract) -> None:
    mock = GraphQLMock(inventory, GraphQLMockOptions())
    for n in range(3):
        mock.answer(_request(f"{{ products(first: {n}) {{ totalCount }} }}"))
    assert mock._shapes._entries  # the shape was learnt
    for bad, words in (("2147483648", "non 32-bit"), ('"3"', "Int cannot represent"), ("1.5", "non-integer"),
                       ("101", None)):  # fmt: skip
        body = json.loads(mock.answer(_request(f"{{ products(first: {bad}) {{ totalCount }} }}")).response.body)
        if words is None:
            assert body["data"]["products"]["totalCount"] >= 0  # first: 101 is capped, not refused
        else:
            assert words in body["errors"][0]["message"]
            assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_the_shape_cache_is_bounded(inventory: GraphQLContract) -> None:
    mock = GraphQLMock(inventory, GraphQLMockOptions())
    for n in range(700):
        alias = f"a{n}"
        for m in range(2):
            mock.answer(_request(f'{{ {alias}: product(id: "{m}") {{ id }} }}'))
    assert 0 < len(mock._shapes) <= 512
    assert len(mock._sightings) <= 4096
    assert mock._shapes.bytes <= mock._shapes.max_bytes

"""The plan's inline draws and wire makers give what the resolvers' reference path gives.

- ``values.wire_maker``: its values are graphql-core's output coercion of ``leaf_maker``'s (enum names, built-in
  scalars and identity-coerced custom scalars as made), and no maker makes None (the plan skips completion);
- ``values.Drawn`` drawn inline by the plan (nullable and not, enums of 1 to 5 members, ints, booleans, prices,
  dates and timestamps) answers what ``execute`` answers through the resolvers, over many objects;
- the values stay spread: nulls about 1 in 25, every enum member and the whole int range reached.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLScalarType, build_schema, specified_scalar_types

import toolkit.graphql.mock.handler as handler_module
from toolkit.exchange import Request
from toolkit.fake import Fake
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.graphql.mock.streams import Stream
from toolkit.graphql.mock.values import Drawn, leaf_maker, wire_maker
from toolkit.load import load_contract

SDL = """
enum One { A }
enum Two { YES NO }
enum Three { R G B }
enum Five { A B C D E @deprecated(reason: "old") F }
scalar DateTime
scalar Date
scalar Money
scalar Timestamp
scalar JSON
type Thing {
  id: ID!
  one: One
  two: Two
  three: Three!
  five: Five
  count: Int
  rank: Int!
  flag: Boolean
  done: Boolean!
  price: Money
  amount: Money!
  createdAt: DateTime
  day: Date!
  seen: Timestamp
  blob: JSON
  title: String
  ratio: Float
}
type Query { things(first: Int): [Thing!]! thing(id: ID!): Thing }
"""
FIELDS = "id one two three five count rank flag done price amount createdAt day seen blob title ratio"


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> GraphQLContract:
    path: Path = tmp_path_factory.mktemp("g1_values") / "schema.graphql"
    path.write_text(SDL)
    loaded = load_contract(path)
    assert isinstance(loaded, GraphQLContract)
    return loaded


def _request(query: str) -> Request:
    body = json.dumps({"query": query}).encode()
    return Request("POST", "/graphql", "", (("content-type", "application/json"),), body)


def _answers(contract: GraphQLContract, queries: list[str], plans: bool, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as patch:
        if not plans:
            patch.setattr(handler_module, "compile_plan", lambda *_, **__: None)
        patch.setattr(handler_module, "lift", lambda _: None)
        mock = GraphQLMock(contract, GraphQLMockOptions(seed=5))
        mock.resolvers.fast_items = plans
        return [json.loads(mock.answer(_request(query)).response.body) for query in queries]


def test_inline_draws_answer_what_execute_answers(contract: GraphQLContract, monkeypatch: pytest.MonkeyPatch) -> None:
    queries = [f"{{ things(first: 100) {{ {FIELDS} }} }}"]
    queries += [f'{{ thing(id: "t{n}") {{ {FIELDS} }} }}' for n in range(60)]
    fast = _answers(contract, queries, True, monkeypatch)
    assert fast == _answers(contract, queries, False, monkeypatch)
    things = fast[0]["data"]["things"] + [answer["data"]["thing"] for answer in fast[1:] if answer["data"]["thing"]]
    assert len(things) >= 150
    nulls = sum(thing["count"] is None for thing in things)
    assert 0 < nulls < len(things) // 8
    assert {thing["three"] for thing in things} == {"R", "G", "B"}
    assert {thing["five"] for thing in things} - {None} == {"A", "B", "C", "D", "F"}  # the deprecated one not served
    assert {thing["done"] for thing in things} == {True, False}
    quantities = [thing["rank"] for thing in things]
    assert min(quantities) < 100 and max(quantities) > 900 and all(1 <= q <= 1000 for q in quantities)
    assert all(thing["day"][:4] in {str(year) for year in range(2019, 2026)} for thing in things)


def test_wire_makers_make_what_graphql_core_serialises() -> None:
    schema = build_schema(SDL)
    fake = Fake(3)
    leaves: list[Any] = [*specified_scalar_types.values()]
    leaves += [schema.get_type(name) for name in ("One", "Two", "Three", "Five", "DateTime", "Date", "Money",
                                                   "Timestamp", "JSON")]  # fmt: skip
    for leaf in leaves:
        assert isinstance(leaf, GraphQLScalarType | GraphQLEnumType)
        for field in ("id", "name", "count", "price", "createdAt", "x"):
            make = leaf_maker(leaf, fake, field, "Thing")
            wire = wire_maker(leaf, fake, field, "Thing")
            assert wire is not None, leaf.name
            for key in range(40):
                made = make(Stream(key))
                assert made is not None
                assert wire(Stream(key)) == leaf.serialize(made), (leaf.name, field)


def test_drawn_spreads_over_its_range() -> None:
    drawn = Drawn(7, offset=10)
    seen = collections.Counter(drawn(Stream(key)) for key in range(7000))
    assert set(seen) == set(range(10, 17))
    assert min(seen.values()) > 800
    with pytest.raises(ValueError):
        Drawn(0)


def test_a_two_step_draw_is_four_32_bit_draws() -> None:
    """``Stream.getrandbits`` for 97 to 128 bits (an id's tail) lays out its words as the general path does."""
    for seed in range(500):
        for bits in (97, 100, 112, 127, 128):
            fast, words = Stream(seed), Stream(seed)
            expected = 0
            for index in range(4):
                word = words.getrandbits(32)
                if index == 3 and bits & 31:
                    word >>= 32 - (bits & 31)
                expected |= word << (32 * index)
            assert fast.getrandbits(bits) == expected, (seed, bits)
            assert fast.getrandbits(32) == words.getrandbits(32)

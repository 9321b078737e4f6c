"""``fast_parse.parse_plain`` builds exactly graphql-core's tree, or declines (None) and graphql-core parses.

Compared node by node: the same classes and fields, the same values, on every node a ``Location`` with the
same offsets and the same start and end tokens (kind, offsets, line, column, value) and the same ``Source``,
and the document's ``token_count``. On graphql-core's validation documents, the introspection query, the
benchmark's documents, generated documents (every kind of value, variables, directives, fragments, odd
spacing) and those documents mutated a character at a time (syntax errors must be declined, never read).
The mock answers the same bytes with and without the fast path, errors included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLError, Source, get_introspection_query, parse
from graphql.language.ast import Location, Node
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolkit.graphql.mock.handler as handler_module
from toolkit.exchange import Request
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.fast_parse import parse_plain
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.load import load_contract

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((Path(__file__).parent / "data" / "g2_graphql_core_validation_docs.json").read_text())
PRODUCT_FIELDS = ("id", "sku", "name", "price", "status", "tags", "createdAt")


def fields(n: int) -> str:
    """The product's fields in the n-th rotation and swap (as the benchmark's new-fields row varies them)."""
    order = list(PRODUCT_FIELDS[n % 7 :] + PRODUCT_FIELDS[: n % 7])
    order[0], order[n % 5 + 1] = order[n % 5 + 1], order[0]
    return " ".join([*order, f"stockLevels(first: {n % 4}) {{ onHand available status }}"])


def _difference(fast: Any, core: Any, path: str = "document") -> str | None:
    """Where two parsed trees differ (None: nowhere), locations and tokens included."""
    if type(fast) is not type(core):
        return f"{path}: {type(fast).__name__} != {type(core).__name__}"
    if isinstance(fast, tuple):
        if len(fast) != len(core):
            return f"{path}: {len(fast)} items != {len(core)}"
        for index, (one, other) in enumerate(zip(fast, core, strict=True)):
            found = _difference(one, other, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(fast, Location):
        same = (fast.start, fast.end, fast.source) == (core.start, core.end, core.source)
        tokens = fast.start_token == core.start_token and fast.end_token == core.end_token
        return None if same and tokens else f"{path}: {fast!r} {fast.start_token!r} != {core!r} {core.start_token!r}"
    if isinstance(fast, Node):
        if list(vars(fast)) != list(vars(core)):
            return f"{path}: fields {list(vars(fast))} != {list(vars(core))}"
        for key in vars(fast):
            found = _difference(getattr(fast, key), getattr(core, key), f"{path}.{key}")
            if found:
                return found
        return None if fast == core else f"{path}: unequal"
    return None if fast == core and type(fast) is type(core) else f"{path}: {fast!r} != {core!r}"


def _check(text: str, max_tokens: int | None = 10_000) -> bool:
    """Asserts parse_plain agrees with graphql-core on ``text``; whether the fast path read it."""
    source = Source(text, "GraphQL request")
    fast = parse_plain(source, max_tokens)
    try:
        core = parse(source, max_tokens=max_tokens)
    except GraphQLError:
        assert fast is None, text
        return False
    except RecursionError:
        assert fast is None, text
        return False
    if fast is None:
        return False
    assert _difference(fast, core) is None, (_difference(fast, core), text)
    return True


def test_graphql_core_validation_documents() -> None:
    read = sum(_check(case["document"]) for case in CASES["documents"])
    assert read > 450  # the type system documents and descriptions are left to graphql-core


def test_introspection_and_benchmark_documents() -> None:
    assert _check(get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True))
    for n in range(0, 6000, 97):
        assert _check(f'{{ product(id: "UHJv{n}") {{ {fields(n)} }} }}')
        assert _check(f'{{ p{n}: product(id: "UHJv{n}") {{ id sku }} }}')


_VALUES = ["1", "-0", "0", "12", "-3", "1.5", "-0.25e10", "2E-3", "1e5", "true", "false", "null", "RED", "on",
           '""', '"x y"', '"é ü 中 ½"', '"tab\there"', "$v", "[]", "[1, 2 3]", '{a: 1, b: "x"}', "{}",
           '[{x: [$v, {y: null}]}]', "fragment", "query"]  # fmt: skip


@st.composite
def _selection(draw: Any, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        choice = draw(st.integers(0, 9))
        if choice == 0 and depth < 3:
            parts.append(f"... on T {draw(_selection(depth + 1))}")
        elif choice == 1 and depth < 3:
            parts.append(f"... @include(if: $v) {draw(_selection(depth + 1))}")
        elif choice == 2:
            parts.append(f"...{draw(st.sampled_from(['A', 'B', 'on', 'Fragment']))} @skip(if: true)")
        else:
            name = draw(st.sampled_from(["a", "b", "_c9", "query", "on", "__typename"]))
            alias = draw(st.sampled_from(["", "", "x: ", "on :", "y:"]))
            arguments = ""
            if draw(st.booleans()):
                arguments = "(" + " ".join(f"n{i}: {draw(st.sampled_from(_VALUES))}" for i in range(3)) + ")"
            directive = draw(st.sampled_from(["", " @d", " @d(x: 1) @e", " @d()"]))
            nested = draw(_selection(depth + 1)) if depth < 3 and draw(st.booleans()) else ""
            parts.append(f"{alias}{name}{arguments}{directive} {nested}")
    space = draw(st.sampled_from([" ", "\n", ",", "\t", "\n  ", " ,\n"]))
    return str("{" + space + space.join(parts) + space + "}")


@st.composite
def _document(draw: Any) -> str:
    definitions = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            definitions.append(draw(_selection()))
        elif kind == 1:
            definitions.append(f"fragment {draw(st.sampled_from(['A', 'B']))} on T @d {draw(_selection())}")
        else:
            keyword = draw(st.sampled_from(["query", "mutation", "subscription"]))
            name = draw(st.sampled_from(["", " Q", " on"]))
            variables = draw(st.sampled_from(["", "($v: Int)", '($v: [Int!]! = [1], $w: String = "x" @d)',
                                              "($v: [[T]!])", "($v: Int = $w)", "()"]))  # fmt: skip
            definitions.append(f"{keyword}{name}{variables} {draw(_selection())}")
    separator: str = draw(st.sampled_from(["", "\n", "  "]))
    return separator.join(["", *definitions, ""])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document(), st.data())
def test_generated_and_mutated_documents(text: str, data: st.DataObject) -> None:
    _check(text)
    position = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(['"', "#", "\r", ".", "0", "a", "}", "{", "(", "$", "@", "\\", "\ufeff", "!"]))
    _check(text[:position] + insert + text[position:])
    _check(text[:position] + text[position + 1 :])


def test_numbers_and_strings_graphql_core_refuses_are_declined() -> None:
    refused = ["{ a(x: 01) }", "{ a(x: 1.) }", "{ a(x: 1a) }", "{ a(x: 1.5.5) }", "{ a(x: .5) }", "{ a(x: 1e) }",
               '{ a(x: """b""") }', '{ a(x: "a\\"b") }', '{ a(x: "\x01") }', "{ a(x: -) }", "{ a(x: 1_0) }",
               '{ a(x: "") b }', "# c\n{ a }", "{ a }\r\n", "\ufeff{ a }", "{ a } }", ""]  # fmt: skip
    for text in refused:
        _check(text)


def test_token_limits_are_left_to_graphql_core() -> None:
    text = "{ a b c d e }"  # 7 tokens
    assert _check(text, max_tokens=7)
    assert not _check(text, max_tokens=6)  # graphql-core raises its own error


def _request(query: str) -> Request:
    return Request("POST", "/graphql", "", (("content-type", "application/json"),),
                   json.dumps({"query": query}).encode())  # fmt: skip


@pytest.fixture(scope="module")
def inventory() -> GraphQLContract:
    contract = load_contract(str(ROOT / "contracts" / "inventory" / "v1"))
    assert isinstance(contract, GraphQLContract)
    return contract


def test_the_mock_answers_the_same_bytes(inventory: GraphQLContract, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f'{{ product(id: "UHJv{n}") {{ {fields(n)} }} }}' for n in range(20)]
    texts += ['{ product(id: "1") { nope } }', "{ product(id: 1.5e3) { id } }", "{ product { id }",
              'query Q($id: ID! = "x") { product(id: $id) { id ...F } } fragment F on Product { sku }',
              '{ product(id: "a")\n { id @skip(if: true) name @include(if: false) } }', "{ warehouses { id } }",
              '{\n  product(id: "x") {\n    id\n    stockLevels(first: -1) { onHand }\n  }\n}', "{ a(x: 01) }",
              '{ product(id: "\\u00e9") { id } }', "query { __typename }", "{ product(id: $x) { id } }"]  # fmt: skip
    fast_mock = GraphQLMock(inventory, GraphQLMockOptions(seed=5))
    fast = [fast_mock.answer(_request(text)).response.body for text in texts]
    with monkeypatch.context() as patch:
        patch.setattr(handler_module, "parse_plain", lambda *_: None)
        slow_mock = GraphQLMock(inventory, GraphQLMockOptions(seed=5))
        slow = [slow_mock.answer(_request(text)).response.body for text in texts]
    assert fast == slow

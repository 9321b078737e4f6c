"""``toolkit.graphql.validate_fast.Validator`` returns exactly what graphql-core's ``validate`` returns.

Compared on every executable document of graphql-core's own validation tests (against their harness schema),
on generated documents (valid and invalid: unknown fields, aliases that collide, arguments of every kind,
variables defined or not, fragments with cycles, directives), on the example contract's schema and on the
corpus's GitHub schema; with the specified rules, with the no-introspection rule ctk adds, with small error
limits, and with and without the query text (the ``$``-free shortcut). Errors are compared by message,
locations, path, extensions and the very nodes they hold.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    build_schema,
    get_introspection_query,
    parse,
    specified_rules,
    validate,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.corpus import corpus
from toolkit.graphql.validate_fast import Validator

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((Path(__file__).parent / "data" / "g2_graphql_core_validation_docs.json").read_text())
HARNESS = build_schema(CASES["schema"])
RULE_SETS = {
    "specified": tuple(specified_rules),
    "no-introspection": (*specified_rules, NoSchemaIntrospectionCustomRule),
}
INVENTORY = build_schema(
    "\n".join(
        (ROOT / "contracts" / "inventory" / "v1" / name).read_text() for name in ("scalars.graphql", "schema.graphql")
    )
)


def _seen(errors: list[GraphQLError]) -> list[Any]:
    return [
        (type(e).__name__, e.message, e.locations, e.path, e.extensions, [id(n) if n.loc else n for n in e.nodes or ()])
        for e in errors
    ]


def _same(schema: GraphQLSchema, text: str, rules: tuple[Any, ...], max_errors: int | None = None) -> int:
    document = parse(text)
    expected = validate(schema, document, rules, max_errors=max_errors)
    validator = Validator(schema, rules)
    assert _seen(validator.validate(document, max_errors)) == _seen(expected), text
    assert _seen(validator.validate(document, max_errors, text=text)) == _seen(expected), text
    return len(expected)


@pytest.mark.parametrize("rules", RULE_SETS)
def test_graphql_core_validation_documents(rules: str) -> None:
    invalid = 0
    for case in CASES["documents"]:
        invalid += _same(HARNESS, case["document"], RULE_SETS[rules]) > 0
    assert len(CASES["documents"]) > 400 and invalid > 150  # the cases are mostly about errors


@pytest.mark.parametrize("max_errors", [1, 2, 3])
def test_error_limits(max_errors: int) -> None:
    for case in CASES["documents"]:
        _same(HARNESS, case["document"], RULE_SETS["specified"], max_errors)


def test_benchmark_documents_on_the_example_schema() -> None:
    selection = "{ id sku name price status tags createdAt stockLevels(first: 3) { onHand available status } }"
    for text in (
        f'{{ p1: product(id: "UHJv1") {selection} }}',
        f"query($id: ID!) {{ product(id: $id) {selection} }}",
        f"query($id: ID!, $n: Int) {{ a: product(id: $id) {selection} "
        'b: product(id: "x") { id stockLevels(first: $n) { onHand } } }',
        f'{{ a: product(id: "1") {selection} a: product(id: "2") {{ id }} }}',
        f"query($id: String) {{ product(id: $id) {selection} }}",
        '{ product(id: "1") { ... on Product { id nope } ...F } } fragment F on Product { ...F sku }',
        get_introspection_query(),
    ):
        for rules in RULE_SETS.values():
            _same(INVENTORY, text, rules)


def test_the_corpus_github_schema() -> None:
    path = corpus("graphql", "github_schema.graphql")
    schema = build_schema(path.read_text(encoding="utf-8"))
    for text in (
        get_introspection_query(descriptions=True),
        "query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { id issues(first: 5) {"
        " nodes { title author { login ... on User { name } } } } } }",
        "{ viewer { login repositories(first: 3, after: 5) { nodes { nameWithOwner nope } } } }",
        "query Q($n: Int = 3) { viewer { a: login a: name followers(first: $n) { totalCount } } }",
    ):
        for rules in RULE_SETS.values():
            _same(schema, text, rules)


# -- generated documents ---------------------------------------------------------------------------------

_FIELDS = ["name", "nickname", "barkVolume", "mother", "father", "owner", "pets", "unknown", "__typename",
           "doesKnowCommand", "isHouseTrained", "dog", "cat", "human", "pet", "catOrDog"]  # fmt: skip
_ARGUMENTS = ["surname", "dogCommand", "atOtherHomes", "id", "x", "y", "intArg", "stringArg", "nope"]
_VALUES = ["true", "1", "-2", "1.5", '"s"', "SIT", "null", "[1, 2]", "{a: 1}", "$v", "$w", "$v"]
_TYPES = ["Dog", "Cat", "Pet", "Human", "Being", "CatOrDog", "Query", "Int", "Nope"]


@st.composite
def _selection(draw: Any, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0 if depth else 1, 4))):
        choice = draw(st.integers(0, 9))
        if choice == 8 and depth < 3:
            parts.append(f"... on {draw(st.sampled_from(_TYPES))} {draw(_selection(depth + 1))}")
            continue
        if choice == 9:
            parts.append(f"...{draw(st.sampled_from(['A', 'B', 'C']))}")
            continue
        field = draw(st.sampled_from(_FIELDS))
        alias = draw(st.sampled_from(["", "", "a: ", "b: ", "name: "]))
        arguments = ""
        if draw(st.booleans()):
            names = draw(st.lists(st.sampled_from(_ARGUMENTS), min_size=1, max_size=3))
            arguments = "(" + ", ".join(f"{n}: {draw(st.sampled_from(_VALUES))}" for n in names) + ")"
        directive = draw(st.sampled_from(["", "", "", " @skip(if: true)", " @include(if: $v)", " @nope"]))
        nested = draw(_selection(depth + 1)) if depth < 3 and draw(st.booleans()) else ""
        parts.append(f"{alias}{field}{arguments}{directive} {nested}")
    return "{ " + " ".join(parts) + " }"


@st.composite
def _document(draw: Any) -> str:
    definitions = []
    for index in range(draw(st.integers(1, 2))):
        variables = draw(st.sampled_from(["", "($v: Boolean)", '($v: Int, $w: String = "x")', "($v: Nope)"]))
        name = draw(st.sampled_from(["", f"Q{index}", "Q0"]))
        keyword = draw(st.sampled_from(["query", "query", "mutation", "subscription"]))
        prefix = f"{keyword} {name}{variables} " if name or variables or keyword != "query" else ""
        definitions.append(prefix + draw(_selection()))
    for fragment in draw(st.lists(st.sampled_from(["A", "B", "C"]), max_size=3)):
        definitions.append(f"fragment {fragment} on {draw(st.sampled_from(_TYPES))} {draw(_selection(1))}")
    return "\n".join(definitions)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document(), st.sampled_from([None, 1, 5]), st.sampled_from(list(RULE_SETS)))
def test_generated_documents(text: str, max_errors: int | None, rules: str) -> None:
    try:
        parse(text)
    except GraphQLError:
        return
    _same(HARNESS, text, RULE_SETS[rules], max_errors)


def test_deep_documents_and_aborts_are_graphql_cores() -> None:
    """A document nested past what the recursive walk can hold is validated by graphql-core itself (same errors);
    fragments nested past graphql-core's limit abort the same way."""
    deep = "{ dog " + "{ mother " * 120 + "{ name }" + " }" * 120 + " }"
    _same(HARNESS, deep, RULE_SETS["specified"])
    document = parse(deep)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # the walk runs out of frames: graphql-core's iterative walk answers instead
    try:
        expected = validate(HARNESS, document, specified_rules)
        assert _seen(Validator(HARNESS, specified_rules).validate(document)) == _seen(expected)
    finally:
        sys.setrecursionlimit(limit)
    chain = " ".join(f"fragment F{i} on Dog {{ mother {{ ...F{i + 1} }} }}" for i in range(40))
    _same(HARNESS, "{ dog { ...F0 } } " + chain + " fragment F40 on Dog { name }", RULE_SETS["specified"])

"""``toolkit.graphql.doc_shape.validity_key`` and the verdicts ``Validator`` keeps by it.

A key is shared by documents that differ in the order of their selections and in literals any value of whose
kind is valid where they stand, and by nothing else; two documents with one key get one verdict from graphql-core's
own ``validate`` (checked on graphql-core's validation documents, generated documents, the example schema and
their permutations and literal changes); and a ``Validator`` that keeps verdicts by key answers exactly
graphql-core's errors for every document, in any sequence.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    build_client_schema,
    build_schema,
    get_named_type,
    is_non_null_type,
    parse,
    print_ast,
    specified_rules,
    validate,
)
from graphql.validation.rules import ASTValidationRule
from graphql.validation.rules import overlapping_fields_can_be_merged as overlapping
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.graphql.test_g2_validate_fast import CASES, HARNESS, INVENTORY, RULE_SETS, _document, _seen
from tests.support.corpus import corpus
from toolkit.graphql.doc_shape import budget_bound, validity_key
from toolkit.graphql.validate_fast import Validator

SELECTION = "{ id sku name price status tags createdAt stockLevels(first: 3) { onHand available status } }"


def _key(schema: GraphQLSchema, text: str) -> str | None:
    keyed = validity_key(schema, parse(text))
    return None if keyed is None else keyed[0]


def _children(node: Any) -> list[Any]:
    found = []
    for name in node.keys:
        value = getattr(node, name, None)
        if isinstance(value, Node):
            found.append(value)
        elif isinstance(value, tuple):
            found.extend(item for item in value if isinstance(item, Node))
    return found


def _permuted(document: DocumentNode, rng: random.Random) -> str:
    """The document's text with every selection set's selections shuffled."""
    copied = copy.deepcopy(document)
    pending: list[Any] = [copied]
    while pending:
        node = pending.pop()
        if isinstance(node, SelectionSetNode):
            selections = list(node.selections)
            rng.shuffle(selections)
            object.__setattr__(node, "selections", tuple(selections))
        pending.extend(_children(node))
    return print_ast(copied)


def _relit(document: DocumentNode) -> str:
    """The document's text with each string or int literal that is a field argument's whole value changed."""
    copied = copy.deepcopy(document)
    pending: list[Any] = [copied]
    while pending:
        node = pending.pop()
        if isinstance(node, FieldNode):
            for argument in node.arguments or ():
                value = argument.value
                if isinstance(value, StringValueNode):
                    object.__setattr__(value, "value", value.value + "~changed")
                elif isinstance(value, IntValueNode):
                    object.__setattr__(value, "value", str(int(value.value) // 2 + 1))
        pending.extend(_children(node))
    return print_ast(copied)


def _verdict(schema: GraphQLSchema, text: str, rules: tuple[Any, ...]) -> bool:
    return not validate(schema, parse(text), rules)


def _variants(schema: GraphQLSchema, text: str, count: int, seed: int) -> list[str]:
    document = parse(text)
    rng = random.Random(seed)
    out = [_permuted(document, rng) for _ in range(count)]
    out.append(_relit(document))
    out.append(_permuted(parse(out[-1]), rng))
    return out


def _check_same_key_same_verdict(schema: GraphQLSchema, text: str, rules: tuple[Any, ...], seed: int) -> int:
    """Every variant with the document's key has its verdict; how many shared the key."""
    key = _key(schema, text)
    if key is None:
        return 0
    verdict = _verdict(schema, text, rules)
    shared = 0
    for variant in _variants(schema, text, 4, seed):
        if _key(schema, variant) == key:
            shared += 1
            assert _verdict(schema, variant, rules) == verdict, (text, variant)
    return shared


# -- the key ----------------------------------------------------------------------------------------------


def test_permutations_share_a_key() -> None:
    rng = random.Random(7)
    document = parse(f'{{ product(id: "UHJv1") {SELECTION} }}')
    key = _key(INVENTORY, print_ast(document))
    assert key is not None
    for _ in range(50):
        assert _key(INVENTORY, _permuted(document, rng)) == key
    assert _key(INVENTORY, f'{{ product(id: "other") {SELECTION} }}') == key  # any ID string is valid
    assert _key(INVENTORY, f"{{ product(id: 12) {SELECTION} }}") != key  # an int is another kind


def test_every_other_change_changes_the_key() -> None:
    base = (
        'query Q($n: Int = 2, $s: Boolean!) { a: product(id: "1") { id sku @include(if: $s) '
        "stockLevels(first: $n) { onHand ... on StockLevel { status } } } }"
    )
    variants = [
        base.replace("query Q", "query R"),
        base.replace("query Q", "mutation Q"),
        base.replace("a: product", "b: product"),
        base.replace("a: product", "product"),
        base.replace("{ id sku", "{ id name"),
        base.replace("$n: Int = 2", "$m: Int = 2").replace("first: $n", "first: $m"),
        base.replace("$n: Int = 2", "$n: Int = 3"),
        base.replace("$n: Int = 2", "$n: Int! = 2"),
        base.replace("$n: Int = 2", "$n: Int"),
        base.replace("@include(if: $s)", "@skip(if: $s)"),
        base.replace("@include(if: $s)", "@include(if: true)"),
        base.replace("@include(if: $s)", ""),
        base.replace("... on StockLevel", "... on Product"),
        base.replace("... on StockLevel", "..."),
        base.replace("first: $n", "last: $n"),
        base.replace("first: $n", "first: 2"),
        base.replace("onHand ... on StockLevel { status }", "onHand status"),  # nesting changed
        base.replace("{ id sku", "{ id id sku"),  # a field twice
        base.replace('(id: "1")', "(id: 1)"),
        base.replace("first: $n", 'first: "2"'),  # a string where an Int is wanted: kept as written
        base.replace("first: $n", 'first: """2"""'),  # ... and a block string is another literal
    ]
    keys = [_key(INVENTORY, text) for text in [base, *variants]]
    assert None not in keys
    assert len(set(keys)) == len(keys)


def test_literals_are_kept_where_their_value_matters() -> None:
    # an Int past 32 bits, a string where an Int is wanted, an enum: their values decide validity
    assert _key(INVENTORY, '{ product(id: "1") { stockLevels(first: 3) { onHand } } }') == _key(
        INVENTORY, '{ product(id: "2") { stockLevels(first: 2147483647) { onHand } } }'
    )
    assert _key(INVENTORY, '{ product(id: "1") { stockLevels(first: 3) { onHand } } }') != _key(
        INVENTORY, '{ product(id: "1") { stockLevels(first: 2147483648) { onHand } } }'
    )
    assert _key(INVENTORY, '{ product(id: "1") { stockLevels(first: "3") { onHand } } }') != _key(
        INVENTORY, '{ product(id: "1") { stockLevels(first: "4") { onHand } } }'
    )
    # fields merged under one response name compare their arguments: both literals kept
    same = '{ a: product(id: "1") { id } a: product(id: "1") { sku } }'
    different = '{ a: product(id: "1") { id } a: product(id: "2") { sku } }'
    assert _key(INVENTORY, same) != _key(INVENTORY, different)
    assert _verdict(INVENTORY, same, tuple(specified_rules))
    assert not _verdict(INVENTORY, different, tuple(specified_rules))
    # directive arguments are never abstracted (labels must be unique)
    assert _key(INVENTORY, '{ product(id: "1") @include(if: true) { id } }') != _key(
        INVENTORY, '{ product(id: "1") @include(if: false) { id } }'
    )


@pytest.mark.parametrize(
    "text",
    [
        '{ product(id: "1") { ...F } } fragment F on Product { id }',
        "{ __schema { types { name } } }",
        '{ __type(name: "Product") { name } }',
        "type T { a: Int }",
        "{ a " + "{ a " * 70 + "}" * 70 + " }",
    ],
)
def test_what_gets_no_key(text: str) -> None:
    assert validity_key(INVENTORY, parse(text)) is None


def test_descriptions_get_no_key() -> None:
    document = parse('query($id: ID) { product(id: "1") { id } }')
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode) and operation.variable_definitions
    described = copy.deepcopy(document)
    object.__setattr__(described.definitions[0], "description", StringValueNode(value="why"))
    assert validity_key(INVENTORY, described) is None
    described = copy.deepcopy(document)
    variables = described.definitions[0].variable_definitions  # type: ignore[attr-defined]
    object.__setattr__(variables[0], "description", StringValueNode(value="x"))
    assert validity_key(INVENTORY, described) is None
    assert validity_key(INVENTORY, document) is not None


# -- one key, one verdict ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules", RULE_SETS)
def test_graphql_core_documents_share_verdicts_with_their_variants(rules: str) -> None:
    shared = 0
    for index, case in enumerate(CASES["documents"]):
        shared += _check_same_key_same_verdict(HARNESS, case["document"], RULE_SETS[rules], index)
    assert shared > 500  # most documents without fragments have permutations that share their key


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document(), st.integers(0, 1000))
def test_generated_documents_share_verdicts_with_their_variants(text: str, seed: int) -> None:
    try:
        parse(text)
    except GraphQLError:
        return
    _check_same_key_same_verdict(HARNESS, text, RULE_SETS["specified"], seed)


def test_a_shared_validator_answers_graphql_cores_errors() -> None:
    """One validator for every document and variant: whatever it kept, each answer is graphql-core's own."""
    for rules in RULE_SETS.values():
        validator = Validator(HARNESS, rules)
        runs = _counted(validator)
        asked = 0
        for index, case in enumerate(CASES["documents"]):
            text = case["document"]
            for variant in [text, *_variants(HARNESS, text, 2, index), text]:
                document = parse(variant)
                asked += 1
                assert _seen(validator.validate(document, 20, text=variant)) == _seen(
                    validate(HARNESS, document, rules, max_errors=20)
                ), variant
        assert len(validator._valid) > 30  # verdicts were kept
        assert asked - len(runs) > 150  # and reused


def _counted(validator: Validator) -> list[int]:
    """The validator with its rule walk counted: one item per walk."""
    walked = validator._validate
    runs: list[int] = []

    def counted(*args: Any) -> tuple[list[GraphQLError], int]:
        runs.append(1)
        return walked(*args)

    validator._validate = counted  # type: ignore[method-assign,assignment]
    return runs


def test_the_benchmark_documents_reuse_one_verdict() -> None:
    validator = Validator(INVENTORY, tuple(specified_rules))
    texts = [f'{{ product(id: "UHJv{n}") {{ {_order(n)} }} }}' for n in range(200)]
    assert not validator.validate(parse(texts[0]))
    ran = _counted(validator)
    for text in texts[1:]:
        assert validator.validate(parse(text), 20, text=text) == []
    assert not ran  # no rule ran for any permutation
    assert validator.validate(parse('{ product(id: "1") { nope } }'))  # a new key runs the rules
    assert len(ran) == 1


def _order(n: int) -> str:
    fields = ["id", "sku", "name", "price", "status", "tags", "createdAt", "stockLevels(first: 3) { onHand status }"]
    random.Random(n).shuffle(fields)
    return " ".join(fields)


# -- the overlapping-fields rule's budget ------------------------------------------------------------------


def _spent(schema: GraphQLSchema, text: str) -> int:
    validator = Validator(schema, tuple(specified_rules))
    errors, spent = validator._validate(parse(text), 100, False)
    assert not errors
    return spent


def test_budget_bound_holds_for_every_order() -> None:
    rng = random.Random(3)
    texts = [
        "{ dog { name name nickname name } dog { name barkVolume } }",
        "{ dog { a: name a: name mother { name name } mother { name father { name } } } "
        "dog { mother { father { name name } } } }",
        "{ dog { ... on Dog { name } ... on Dog { name nickname } name } }",
    ]
    for text in texts:
        document = parse(text)
        keyed = validity_key(HARNESS, document)
        assert keyed is not None
        spent = _spent(HARNESS, text)
        assert spent > 0
        for _ in range(30):
            assert _spent(HARNESS, _permuted(document, rng)) <= budget_bound(spent, keyed[1])


def test_a_verdict_near_the_budget_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "{ dog { " + "name " * 12 + "} }"
    spent = _spent(HARNESS, text)
    keyed = validity_key(HARNESS, parse(text))
    assert keyed is not None
    monkeypatch.setattr(overlapping, "MAX_COMPLEXITY_BUDGET", budget_bound(spent, keyed[1]))
    validator = Validator(HARNESS, tuple(specified_rules))
    assert validator.validate(parse(text)) == []
    assert len(validator._valid) == 0
    monkeypatch.setattr(overlapping, "MAX_COMPLEXITY_BUDGET", budget_bound(spent, keyed[1]) + 1)
    assert validator.validate(parse(text)) == []
    assert len(validator._valid) == 1


def test_other_rules_keep_no_verdict() -> None:
    validator = Validator(INVENTORY, (*specified_rules, _OwnRule))
    text = f'{{ product(id: "1") {SELECTION} }}'
    assert validator.validate(parse(text)) == validate(INVENTORY, parse(text), (*specified_rules, _OwnRule))
    assert len(validator._valid) == 0


class _OwnRule(ASTValidationRule):
    pass


def test_the_kept_verdicts_are_bounded() -> None:
    validator = Validator(INVENTORY, tuple(specified_rules))
    for n in range(validator._valid.max_entries + 10):
        validator.validate(parse(f'{{ a{n}: product(id: "1") {{ id }} }}'))
    assert 0 < len(validator._valid) <= validator._valid.max_entries
    assert validator._valid.bytes <= validator._valid.max_bytes
    long = "{ " + " ".join(f'a{n}: product(id: "1") {{ id }}' for n in range(2000)) + " }"
    before = len(validator._valid)
    assert validator.validate(parse(long)) == []
    assert len(validator._valid) == before  # a key over 16 KiB is not kept


# -- corpus schemas ---------------------------------------------------------------------------------------


def _corpus_schema(name: str) -> GraphQLSchema:
    path = corpus("graphql", name)
    if name.endswith(".json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        return build_client_schema(data.get("data", data))
    return build_schema(path.read_text(encoding="utf-8"))


def _literal(type_: Any, rng: random.Random) -> str | None:
    """A literal for an argument of ``type_`` (valid or, now and then, not), None for input objects."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLEnumType):
        return str(rng.choice([*named.values, "NOPE"]))
    if isinstance(named, GraphQLInputObjectType):
        return None
    return rng.choice(
        {"Int": ["3", "2147483648", '"3"'], "Float": ["1.5", "2"], "Boolean": ["true", "1"]}.get(
            named.name, ['"abc"', "42", '"xyz"']
        )
    )


def _selection_of(parent: Any, rng: random.Random, depth: int) -> str | None:
    fields = getattr(parent, "fields", None)
    if not fields:
        return None
    parts = []
    for name in rng.sample(sorted(fields), min(len(fields), rng.randint(1, 6))):
        field = fields[name]
        arguments = []
        for argument_name, argument in field.args.items():
            if is_non_null_type(argument.type) or rng.random() < 0.3:
                literal = _literal(argument.type, rng)
                if literal is None:
                    if is_non_null_type(argument.type):
                        break
                    continue
                arguments.append(f"{argument_name}: {literal}")
        else:
            inner = get_named_type(field.type)
            nested = ""
            if not isinstance(inner, GraphQLScalarType | GraphQLEnumType):
                if depth >= 2:
                    continue
                nested = _selection_of(inner, rng, depth + 1) or "{ __typename }"
            alias = rng.choice(["", "", "", "x: "])
            written = f"({', '.join(arguments)})" if arguments else ""
            parts.append(f"{alias}{name}{written} {nested}")
    return "{ " + " ".join(parts) + " }" if parts else None


@pytest.mark.parametrize("name", ["github_schema.graphql", "swapi_introspection.json"])
def test_corpus_schemas(name: str) -> None:
    """Documents drawn from a corpus schema (valid and not): variants with one key get one verdict, and a shared
    validator answers graphql-core's errors for each."""
    schema = _corpus_schema(name)
    rng = random.Random(11)
    query = schema.query_type
    assert query is not None
    validator = Validator(schema, tuple(specified_rules))
    runs = _counted(validator)
    asked = shared = 0
    for index in range(60):
        text = _selection_of(query, rng, 0)
        if text is None:
            continue
        shared += _check_same_key_same_verdict(schema, text, tuple(specified_rules), index)
        for variant in [text, *_variants(schema, text, 2, index)]:
            document = parse(variant)
            asked += 1
            expected = validate(schema, document, specified_rules, max_errors=20)
            assert _seen(validator.validate(document, 20, text=variant)) == _seen(expected), variant
    assert shared > 60 and asked - len(runs) > 20

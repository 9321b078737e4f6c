"""A plan's answer written as JSON text (``Plan.text``, the writers ``plan_source`` generates, ``json_text``) is byte
for byte what the encoder writes of ``Plan.run``'s data, and what graphql-core's ``execute`` answers through the full
path.

Writers are generated at a plan's first answer here (``GENERATE_AT`` 1), and every request is answered twice, so
both the first (``complete`` then the encoder) and the generated writing are compared, on the example schemas and the
corpus's GitHub, SWAPI and AniList schemas (documents drawn from every operation, literals varied, some invalid).
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from graphql import get_operation_ast

import toolkit.graphql.mock.handler as handler_module
import toolkit.graphql.mock.plan as plan_module
from tests.graphql.test_plan_speed import _drawn, _load, _request, _schemas, _variants
from tests.support.paths import REPO
from toolkit.exchange import Request
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.fallback import Fallback
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.graphql.mock.json_text import json_text, scalar_text
from toolkit.graphql.mock.plan import Plan, compile_plan


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@pytest.mark.parametrize(
    "value",
    ["", "plain", 'quote " and \\ backslash', "new\nline\ttab\x00\x1f\x7f", "é ü ✓ 😀", "lone \ud800 surrogate", 0, -1,
     2**31, 2**70, 0.1, -0.0, 1e300, 5e-324, 100.0, True, False, None, [], {}, [1, "a", None, [2.5, {"k": "v"}]],
     {"a": {"b": [True, 1.5, "ü"]}, "": 0}],
)  # fmt: skip
def test_json_text_writes_what_json_dumps_writes(value: Any) -> None:
    assert json_text(value) == _dumps(value)
    assert scalar_text(value) == _dumps(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, [1.0, math.nan], {"x": math.inf}])
def test_json_text_refuses_what_json_dumps_refuses(value: Any) -> None:
    with pytest.raises(ValueError):
        _dumps(value)
    with pytest.raises(ValueError):
        json_text(value)
    with pytest.raises(ValueError):
        scalar_text(value)


def _mock(contract: GraphQLContract, *, plans: bool, monkeypatch: pytest.MonkeyPatch) -> GraphQLMock:
    if not plans:
        monkeypatch.setattr(handler_module, "compile_plan", lambda *_, **__: None)
    mock = GraphQLMock(contract, GraphQLMockOptions(seed=5))
    mock.resolvers.fast_items = plans
    return mock


def _bodies(mock: GraphQLMock, requests: list[Request], times: int) -> list[bytes]:
    out = []
    for request in requests:
        answers = {mock.answer(request).response.body for _ in range(times)}
        assert len(answers) == 1, request.body[:200]
        out.append(answers.pop())
    return out


@pytest.mark.parametrize("where", list(_schemas()))
def test_written_answers_are_the_full_paths(where: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    contract = _load(where())
    documents = _drawn(contract, 120, 2)
    learn, valid, variants = _variants(documents, random.Random(5))
    requests = [_request(d) for d in documents] + [_request(v) for v in learn + valid + variants]
    with monkeypatch.context() as patch:
        patch.setattr(plan_module, "GENERATE_AT", 1)
        fast_mock = _mock(contract, plans=True, monkeypatch=patch)
        fast = _bodies(fast_mock, requests, 3)
    with monkeypatch.context() as patch:
        slow = _bodies(_mock(contract, plans=False, monkeypatch=patch), requests, 1)
    mismatched = [(r.body[:300], a[:300], b[:300]) for r, a, b in zip(requests, fast, slow, strict=True) if a != b]
    assert not mismatched, mismatched[:3]
    plans = [p for e in fast_mock._documents._entries.values() for p in e.plans.values() if p is not None]
    assert plans and sum(p.generated for p in plans) > 0  # writers were generated and answered


def _plans(contract: GraphQLContract, documents: list[str]) -> list[Plan]:
    mock = GraphQLMock(contract, GraphQLMockOptions(seed=9))
    assert contract.schema is not None
    out = []
    for document in documents:
        parsed = mock.document(document)
        if parsed is None or mock._validator.validate(parsed, max_errors=1, text=document):
            continue
        operation = get_operation_ast(parsed, None)
        if operation is None:
            continue
        plan = compile_plan(contract.schema, mock.resolvers, operation, mock._fragments(document, parsed))
        if plan is not None:
            out.append(plan)
    return out


@pytest.mark.parametrize("where", list(_schemas()))
def test_plan_text_is_the_encoded_run(where: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    contract = _load(where())
    plans = _plans(contract, _drawn(contract, 200, 3))
    assert plans
    monkeypatch.setattr(plan_module, "GENERATE_AT", 3)  # the first two writes by ``complete``, then generated
    compared = 0
    for plan in plans:
        variables = plan.variables.coerce({})
        if not hasattr(variables, "coerced"):
            continue  # required variables: the handler's tests send them
        for _ in range(4):
            try:
                expected = json_text(plan.run(variables))  # type: ignore[arg-type]
            except Fallback:
                with pytest.raises(Fallback):
                    plan.text(variables)  # type: ignore[arg-type]
                continue
            assert plan.text(variables) == expected  # type: ignore[arg-type]
            compared += 1
    assert compared >= len(plans)


def test_renamed_root_keys_are_written_as_renamed_data(monkeypatch: pytest.MonkeyPatch) -> None:
    contract = _load(REPO / "contracts" / "inventory" / "v1")
    (plan,) = _plans(
        contract, ['{ a: product(id: "1") { id name } b: warehouses { code } c: product(id: "2") { id } }']
    )
    variables: Any = plan.variables.coerce({})
    data = plan.run(variables)
    for names in ({}, {"a": "x"}, {"a": "c2", "c": "a2"}, {"a": "b"}, {"a": "z", "b": "z"}):
        expected = json_text({names.get(key, key): value for key, value in data.items()})
        assert plan.text(variables, names) == expected


def test_aliases_in_new_documents_are_answered_as_the_full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    contract = _load(REPO / "contracts" / "inventory" / "v1")
    documents = [f'{{ p{n}: product(id: "UHJv{n}") {{ id sku name price status tags createdAt }} }}' for n in range(6)]
    documents += [f'{{ w{n}: warehouses {{ code }} x: product(id: "{n}") {{ __typename id }} }}' for n in range(4)]
    requests = [_request(d) for d in documents]
    with monkeypatch.context() as patch:
        patch.setattr(plan_module, "GENERATE_AT", 1)
        fast = _bodies(_mock(contract, plans=True, monkeypatch=patch), requests, 2)
    with monkeypatch.context() as patch:
        slow = _bodies(_mock(contract, plans=False, monkeypatch=patch), requests, 1)
    assert fast == slow


def test_generated_code_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.graphql.mock import plan_source

    contract = _load(REPO / "contracts" / "inventory" / "v1")
    fields = " ".join(f"f{n}: name" for n in range(40))
    requests = [
        _request("{ warehouses { " + fields + " } }"),
        _request('{ product(id: "1") { id } warehouses { id } }'),
    ]
    with monkeypatch.context() as patch:
        patch.setattr(plan_source, "GENERATED_FIELDS", 30)
        patch.setattr(plan_module, "GENERATE_AT", 1)
        mock = _mock(contract, plans=True, monkeypatch=patch)
        fast = _bodies(mock, requests, 3)  # the first from the order shape's plan (order_shapes), then its own twice
    with monkeypatch.context() as patch:
        assert fast == _bodies(_mock(contract, plans=False, monkeypatch=patch), requests, 1)
    plans = [p for e in mock._documents._entries.values() for p in e.plans.values() if p is not None]
    assert plans and all(p.generated <= 30 for p in plans)
    assert any(p.generated for p in plans)  # the small one was generated, the 40-field one was not


# one text, sent again and again with other variables: some over a limit, some not coercing
_LANED: list[tuple[str, list[dict[str, Any]]]] = [
    ("query($id: ID!, $n: Int) { product(id: $id) { id name stockLevels(first: $n) { onHand status } } }",
     [{"id": "a", "n": 2}, {"id": "b", "n": 3}, {"id": "c"}, {"id": "d", "n": 100}, {"id": 7, "n": 1}, {"n": 1},
      {"id": "e", "n": "x"}, {"id": None}, {"id": "f", "n": 2**40}, {"id": "g", "n": -1}, {"id": "h", "n": 2}]),
    ("query($n: Int) { products(first: $n) { edges { node { id stockLevels(first: $n) { id } } } } }",
     [{"n": 2}, {"n": 100}, {"n": 3}, {}, {"n": None}, {"n": 99}, {"n": 1}]),
    ("query A { warehouses { id } } query B($id: ID!) { product(id: $id) { legacyCode } }",
     [{"id": "1"}, {"id": "2"}, {"id": "3"}]),
    ("mutation($in: AdjustStockInput!) { adjustStock(input: $in) { adjustmentId stockLevel { onHand } } }",
     [{"in": {"productId": "p1", "warehouseId": "w1", "delta": 5}}, {"in": {"productId": "p2", "warehouseId": "w",
                                                                           "delta": 1}}, {"in": {}}]),
]  # fmt: skip


def test_a_kept_text_with_new_variables_is_answered_as_the_full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from urllib.parse import urlencode

    contract = _load(REPO / "contracts" / "inventory" / "v1")
    requests = []
    for query, variable_sets in _LANED:
        for variables, method in [(v, m) for v in variable_sets for m in ("POST", "GET")]:
            for name in (None, "A", "B"):
                body: dict[str, Any] = {"query": query, "variables": variables}
                if name is not None:
                    body["operationName"] = name
                if method == "POST":
                    requests.append(_request(query, variables, name))
                else:
                    fields = {k: (json.dumps(v) if k == "variables" else v) for k, v in body.items()}
                    requests.append(Request("GET", "/graphql", urlencode(fields), (), b""))
    with monkeypatch.context() as patch:
        patch.setattr(plan_module, "GENERATE_AT", 1)
        fast_mock = _mock(contract, plans=True, monkeypatch=patch)
        fast = _bodies(fast_mock, requests, 2)
    with monkeypatch.context() as patch:
        slow = _bodies(_mock(contract, plans=False, monkeypatch=patch), requests, 1)
    mismatched = [(r.body[:200], r.query[:200], a[:300], b[:300]) for r, a, b in zip(requests, fast, slow, strict=True)
                  if a != b]  # fmt: skip
    assert not mismatched, mismatched[:3]
    assert any(entry.lanes for entry in fast_mock._documents._entries.values())

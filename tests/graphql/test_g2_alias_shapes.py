"""Root aliases lifted into a document's shape (``shapes.lift``): answers are byte for byte the full path's.

A client batching with generated aliases (``p123: product(id: "UHJv123")``) sends a structurally new text per
request; its shape keeps the alias as a placeholder when the text holds the name once, and the answer is the
template's with its root keys renamed. Compared with the mock with shapes turned off, on aliases that are safe
to rename and on ones that are not (a name used elsewhere, duplicated, nested, in a fragment, ``__typename``).
"""

from __future__ import annotations

import json

import pytest

import toolkit.graphql.mock.handler as handler_module
from tests.support.paths import REPO
from toolkit.exchange import Request
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import GraphQLMock, GraphQLMockOptions
from toolkit.graphql.mock.shapes import lift
from toolkit.load import load_contract

SELECTION = "{ id sku name price status tags createdAt stockLevels(first: 3) { onHand available status } }"


@pytest.fixture(scope="module")
def inventory() -> GraphQLContract:
    contract = load_contract(str(REPO / "contracts" / "inventory" / "v1"))
    assert isinstance(contract, GraphQLContract)
    return contract


def _request(query: str, operation: str | None = None) -> Request:
    payload: dict[str, object] = {"query": query}
    if operation:
        payload["operationName"] = operation
    return Request("POST", "/graphql", "", (("content-type", "application/json"),), json.dumps(payload).encode())


def _answers(
    contract: GraphQLContract, requests: list[Request], shapes: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[bytes], GraphQLMock]:
    with monkeypatch.context() as patch:
        if not shapes:
            patch.setattr(handler_module, "lift", lambda _: None)
        mock = GraphQLMock(contract, GraphQLMockOptions(seed=5))
        return [mock.answer(request).response.body for request in requests], mock


_TEMPLATES = [
    '{{ {a}: product(id: "UHJv{n}") ' + SELECTION.replace("{", "{{").replace("}", "}}") + " }}",
    '{{ {a}: product(id: "x{n}") {{ id }} {b}: product(id: "y{n}") {{ name }} }}',
    'query Batch {{ {a}: product(id: "{n}") {{ id }} {b}: warehouses {{ id }} }}',
    '{{ {a}: product(id: "{n}") {{ id }} other: product(id: "{n}") {{ sku }} }}',
    '{{ {a}: product(id: "{n}") {{ ...F }} }} fragment F on Product {{ {b}: id sku }}',
    '{{ {a}: product(id: "{n}") {{ {b}: id }} }}',
    '{{ {a}: product(id: "{n}") {{ id }} {a}: product(id: "{n}") {{ sku }} }}',  # the same alias twice
    '{{ {a}: product(id: "{n}") {{ id }} {b}: product(id: "{m}") {{ id }} }}',
]
_ALIASES = ["p{n}", "q{n}", "id", "sku", "product", "other", "__typename", "Batch", "F", "x", "p{n}x", "_{n}"]


@pytest.mark.parametrize("template", _TEMPLATES)
def test_lifted_aliases_answer_what_the_full_path_answers(template: str, monkeypatch: pytest.MonkeyPatch,
                                                         inventory: GraphQLContract) -> None:  # fmt: skip
    texts = []
    for n in range(40):
        a = _ALIASES[n % len(_ALIASES)].format(n=n)
        b = _ALIASES[(n * 7 + 3) % len(_ALIASES)].format(n=n + 1)
        texts.append(template.format(a=a, b=b, n=n, m=n + 1))
    requests = [_request(text, "Batch" if "Batch" in text else None) for text in texts]
    fast, mock = _answers(inventory, requests, True, monkeypatch)
    slow, _ = _answers(inventory, requests, False, monkeypatch)
    mismatched = [(t, f[:200], s[:200]) for t, f, s in zip(texts, fast, slow, strict=True) if f != s]
    assert not mismatched, mismatched[:2]
    assert sum(mock._documents.get(text) is None for text in texts) >= 5  # answered by a shape, not parsed


def test_the_benchmark_batch_is_answered_by_its_shape(inventory: GraphQLContract) -> None:
    mock = GraphQLMock(inventory, GraphQLMockOptions(seed=5))
    for n in range(4):
        body = json.loads(mock.answer(_request(f'{{ p{n}: product(id: "UHJv{n}") {SELECTION} }}')).response.body)
        assert list(body["data"]) == [f"p{n}"]
    assert len(mock._shapes) == 1
    assert mock._documents.get(f'{{ p3: product(id: "UHJv3") {SELECTION} }}') is None  # not parsed: shaped


def test_only_root_aliases_named_once_are_lifted() -> None:
    lifted = lift('query Q($v: Int) { a1: product(id: "1") { x: id } b: product(id: "2") { id } }')
    assert lifted is not None and [name for name, _ in lifted.aliases] == ["a1", "b"]
    for kept in ('{ a: product(id: "1") { id } a: product(id: "2") { id } }',  # twice
                 '{ id: product(id: "1") { id } }',  # a field's name too
                 '{ p: product(id: "1") { id } }',  # inside another name
                 'fragment F on Query { zz: product(id: "1") { id } } { ...F }'):  # a fragment's  # fmt: skip
        lifted = lift(kept)
        assert lifted is not None and lifted.aliases == (), kept

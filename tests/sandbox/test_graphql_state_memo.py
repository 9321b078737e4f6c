"""The GraphQL state layer's read memo gives the answers the long way gives: a remembered query is byte for byte
the query computed afresh, follows every change of the objects it looked up (stored, changed, deleted, another
session), and is never used for what is not a pure read (a read that stores generated fields, a mutation)."""

from __future__ import annotations

import json
from typing import Any

from tests.sandbox.test_graphql_state import CREATE, INPUT, READ, Client, client, contract  # noqa: F401
from toolkit.exchange import Request
from toolkit.sandbox.state.graphql import GraphQLStateLayer


def _layer(client: Client) -> GraphQLStateLayer:  # noqa: F811
    assert isinstance(client.layer, GraphQLStateLayer)
    return client.layer


def _raw(client: Client, query: str, variables: dict[str, Any], session: str = "default") -> bytes:  # noqa: F811
    headers = (("content-type", "application/json"), ("accept", "application/json"), ("x-ctk-session", session))
    body = json.dumps({"query": query, "variables": variables}).encode()
    result = client.sandbox(Request("POST", "/graphql", headers=headers, body=body))
    assert result.response.status == 200
    return result.response.body


def _created(client: Client, n: int, session: str = "default") -> str:  # noqa: F811
    answer = client.post(CREATE, {"input": {**INPUT, "sku": f"SKU-{n}"}}, session=session)
    identifier: str = answer["data"]["createProduct"]["product"]["id"]
    return identifier


def test_a_remembered_read_is_the_read_computed_afresh(client: Client) -> None:  # noqa: F811
    ids = [_created(client, n) for n in range(5)]
    first = {i: _raw(client, READ, {"id": i}) for i in ids}  # the first read stores the generated fields
    second = {i: _raw(client, READ, {"id": i}) for i in ids}  # computed, then remembered
    assert _layer(client)._reads
    third = {i: _raw(client, READ, {"id": i}) for i in ids}  # from the memo
    _layer(client)._reads.clear()
    fresh = {i: _raw(client, READ, {"id": i}) for i in ids}
    assert first == second == third == fresh
    assert all(f"SKU-{n}".encode() in first[i] for n, i in enumerate(ids))


def test_a_read_that_stores_generated_fields_is_not_remembered(client: Client) -> None:  # noqa: F811
    identifier = _created(client, 1)
    _raw(client, READ, {"id": identifier})  # createdAt and description were not selected at create: stored now
    assert not _layer(client)._reads
    _raw(client, READ, {"id": identifier})
    assert len(_layer(client)._reads) == 1


def test_a_remembered_read_follows_a_change_a_delete_and_the_session(client: Client) -> None:  # noqa: F811
    identifier = _created(client, 7)
    for _ in range(3):
        before = _raw(client, READ, {"id": identifier})
    layer = _layer(client)
    namespace = "inventory/default/Product"
    stored = layer._store.get(namespace, identifier)
    assert isinstance(stored, dict)
    layer._store.put(namespace, identifier, {**stored, "name": "Renamed widget"})
    renamed = _raw(client, READ, {"id": identifier})
    assert b"Renamed widget" in renamed and renamed != before
    assert json.loads(renamed)["data"]["product"] == {**json.loads(before)["data"]["product"], "name": "Renamed widget"}
    elsewhere = json.loads(_raw(client, READ, {"id": identifier}, session="other"))
    assert elsewhere["data"]["product"] is None  # another session holds none, remembered or not
    layer._store.delete(namespace, identifier)
    layer._store.put("inventory/default/#deleted/Product", identifier, True)
    assert json.loads(_raw(client, READ, {"id": identifier}))["data"]["product"] is None


def test_mutations_are_never_remembered(client: Client) -> None:  # noqa: F811
    ids = {_created(client, 3) for _ in range(4)}  # the same create four times: four objects
    assert len(ids) == 4 and not _layer(client)._reads

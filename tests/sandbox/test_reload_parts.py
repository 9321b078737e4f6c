"""The parts of hot reload, in-process: the file snapshots (``reload.watch``) and what the state layers tell a
reload (``state.schemas``: each collection's schema as a digest, a collection forgotten in every session), for
REST, SOAP and GraphQL. ``test_reload_served.py`` drives the whole through ``ctk serve``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.items_wsdl import items_wsdl
from toolkit import compile_mock, load_contract
from toolkit.exchange import Request
from toolkit.sandbox.reload import Reloader
from toolkit.sandbox.reload.watch import changed, snapshot
from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler
from toolkit.sandbox.state import state_layer
from toolkit.sandbox.state.schemas import validity
from toolkit.sandbox.stores.memory import MemoryStore

REST = """\
openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /orders:
    post:
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
  /orders/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
        "404": {description: no such order}
  /orders/{id}/notes:
    post:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
  /orders/{id}/notes/{note}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: note, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
components:
  schemas:
    Order:
      type: object
      description: An order.
      required: [id]
      properties: {id: {type: string}, amount: {type: integer, example: 5}}
    Note:
      type: object
      required: [id]
      properties: {id: {type: string}, text: {type: string}}
"""

GRAPHQL = """\
type Query { book(id: ID!): Book }
type Mutation { createBook(title: String!): Book, createShelf(name: String!): Shelf }
"A book."
type Book { id: ID!, title: String!, kind: Kind }
type Shelf { id: ID!, name: String! }
enum Kind { NOVEL POEM }
"""


def _layer(tmp_path: Path, name: str, text: str) -> Any:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return state_layer(compile_mock(load_contract(str(path)), seed=0), MemoryStore(), api="api")


def _prints(tmp_path: Path, name: str, text: str) -> dict[str, str]:
    prints: dict[str, str] = _layer(tmp_path, name, text).fingerprints()
    return prints


def test_a_snapshot_sees_files_added_changed_and_removed_and_skips_editor_litter(tmp_path: Path) -> None:
    folder = tmp_path / "mocks"
    (folder / "examples").mkdir(parents=True)
    (folder / "overlays.toml").write_text("a")
    alone = tmp_path / "contract.yaml"
    alone.write_text("x")
    before = snapshot([folder, alone, tmp_path / "not-yet"])
    assert set(before) == {str(folder / "overlays.toml"), str(alone)}
    for litter in (".overlays.toml.swp", "overlays.toml~", "__pycache__/hooks.cpython-311.pyc"):
        (folder / litter).parent.mkdir(exist_ok=True)
        (folder / litter).write_text("z")
    assert snapshot([folder, alone]) == before
    (folder / "examples" / "a.json").write_text("{}")
    (folder / "overlays.toml").write_text("bb")
    alone.unlink()
    (tmp_path / "not-yet").write_text("now")
    after = snapshot([folder, alone, tmp_path / "not-yet"])
    assert changed(before, after) == sorted(
        [str(folder / "examples" / "a.json"), str(folder / "overlays.toml"), str(alone), str(tmp_path / "not-yet")]
    )


def test_a_snapshot_sees_a_same_size_rewrite_by_rename(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text("green")
    before = snapshot([path])
    replacement = tmp_path / "shop.yaml.new"
    replacement.write_text("amber")
    os.utime(replacement, ns=(before[str(path)][0], before[str(path)][0]))  # same size, same mtime: a new inode
    replacement.replace(path)
    assert changed(before, snapshot([path])) == [str(path)]


def test_validity_drops_annotations_at_schema_places_only() -> None:
    schema = {
        "type": "object",
        "description": "dropped",
        "x-internal": True,
        "properties": {"description": {"type": "string", "title": "dropped"}, "n": {"type": "integer", "example": 1}},
        "items": [{"type": "string", "examples": ["a"]}],
        "allOf": [{"$comment": "dropped", "required": ["n"]}],
        "enum": [{"description": "kept: a value, not a schema"}],
    }
    assert validity(schema) == {
        "type": "object",
        "properties": {"description": {"type": "string"}, "n": {"type": "integer"}},
        "items": [{"type": "string"}],
        "allOf": [{"required": ["n"]}],
        "enum": [{"description": "kept: a value, not a schema"}],
    }


def test_rest_fingerprints_move_with_the_item_schema_not_its_annotations(tmp_path: Path) -> None:
    first = _prints(tmp_path, "a.yaml", REST)
    assert set(first) == {"/orders", "/orders/{id}/notes"}
    assert _prints(tmp_path, "b.yaml", REST) == first
    annotated = REST.replace("description: An order.", "description: What was bought.").replace(
        "example: 5", "example: 9"
    )
    assert _prints(tmp_path, "c.yaml", annotated) == first
    typed = _prints(tmp_path, "d.yaml", REST.replace("amount: {type: integer", "amount: {type: string"))
    assert typed["/orders"] != first["/orders"] and typed["/orders/{id}/notes"] == first["/orders/{id}/notes"]


def test_rest_forget_clears_one_collection_in_every_session_with_its_tombstones_and_counters(tmp_path: Path) -> None:
    layer = _layer(tmp_path, "a.yaml", REST)
    store = layer._store
    for session in ("default", "s2"):
        store.put(f"api/{session}/orders", "o1", {"id": "o1"})
        store.put(f"api/{session}/#deleted/orders", "o0", True)
        store.put(f"api/{session}/orders/o1/notes", "n1", {"id": "n1"})
        store.incr(f"api/{session}/#created", f"api/{session}/orders")
        store.incr(f"api/{session}/#created", f"api/{session}/orders/o1/notes")
    store.put("api-other/default/orders", "o1", {"id": "o1"})  # another API
    assert layer.forget(["/orders"]) == 6
    assert store.namespaces("api/") == ["api/default/#created", "api/default/orders/o1/notes", "api/s2/#created",
                                        "api/s2/orders/o1/notes"]  # fmt: skip
    assert store.incr("api/s2/#created", "api/s2/orders") == 1  # the counter went too: ids start again
    assert store.incr("api/s2/#created", "api/s2/orders/o1/notes") == 2
    assert store.get("api-other/default/orders", "o1") == {"id": "o1"}


@pytest.mark.parametrize("edit", ["annotation", "type"])
def test_graphql_fingerprints_and_forget(tmp_path: Path, edit: str) -> None:
    layer = _layer(tmp_path, "a.graphql", GRAPHQL)
    first = layer.fingerprints()
    assert set(first) == {"Book", "Shelf"}
    if edit == "annotation":
        assert _prints(tmp_path, "b.graphql", GRAPHQL.replace('"A book."', '"A bound book."')) == first
        return
    changed_prints = _prints(tmp_path, "b.graphql", GRAPHQL.replace("enum Kind { NOVEL POEM }", "enum Kind { NOVEL }"))
    assert changed_prints["Book"] != first["Book"] and changed_prints["Shelf"] == first["Shelf"]
    store = layer._store
    store.put("api/default/Book", "b1", {"id": "b1"})
    store.put("api/default/Shelf", "s1", {"id": "s1"})
    store.incr("api/default/#created", "Book")
    assert layer.forget(["Book"]) == 2
    assert store.namespaces("api/") == ["api/default/Shelf"]


def test_soap_fingerprints_and_forget(tmp_path: Path) -> None:
    wsdl = items_wsdl()
    layer = _layer(tmp_path, "a.wsdl", wsdl)
    first = layer.fingerprints()
    assert set(first) == {"Item"}
    assert _prints(tmp_path, "b.wsdl", wsdl.replace('name="ItemsService"', 'name="ItemService"')) == first
    grown = wsdl.replace(
        '<xs:complexType name="Item"><xs:sequence>',
        '<xs:complexType name="Item"><xs:sequence><xs:element name="sku" type="xs:string"/>',
    )
    assert _prints(tmp_path, "c.wsdl", grown)["Item"] != first["Item"]
    store = layer._store
    store.put("api/default/Item", "i1", "<item/>")
    store.put("api/default/#deleted/Item", "i0", True)
    assert layer.forget(["Item"]) == 2
    assert store.namespaces("api/") == []


def _ask(sandbox: Any, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    headers = (("content-type", "application/json"),) if body is not None else ()
    data = json.dumps(body).encode() if body is not None else b""
    response = sandbox(Request(method, path, headers=headers, body=data)).response
    return response.status, json.loads(response.body) if response.body else None


def test_workers_sharing_a_store_clear_a_changed_collection_once(tmp_path: Path) -> None:
    """Two sandboxes on one SQLite file stand for two ``--workers`` processes: the first to reload clears the
    collection whose schema changed; the second, reloading later, keeps what the first created meanwhile."""
    contract = tmp_path / "shop.yaml"
    contract.write_text(REST, encoding="utf-8")
    config = ServeConfig([MountedContract(str(contract), "/shop", state=True)], store=f"sqlite:{tmp_path / 's.db'}")
    first, second = build_handler(config), build_handler(config)
    watchers = [Reloader(sandbox, config, settle=0) for sandbox in (first, second)]
    status, old = _ask(first, "POST", "/shop/orders", {})
    assert status == 201
    contract.write_text(REST.replace("amount: {type: integer", "amount: {type: string"), encoding="utf-8")
    assert watchers[0].poll()
    assert _ask(first, "GET", f"/shop/orders/{old['id']}")[0] == 404
    status, new = _ask(first, "POST", "/shop/orders", {})
    assert status == 201 and isinstance(new["amount"], str)
    assert watchers[1].poll()
    assert _ask(second, "GET", f"/shop/orders/{new['id']}") == (200, new)
    assert first.generation == second.generation == 2

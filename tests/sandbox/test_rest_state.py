"""REST state inferred from the contract (``toolkit.sandbox.state``): the model, the layer, in-process and over HTTP.

The payments example contract (``contracts/payments/v1``) is served with the ``state`` layer around its
mock; every answer a test receives is judged by openapi-core, which reads the contract itself (not ctk's
converted schemas). What payments does not have (a nested collection, PATCH and PUT, ``x-id-field``,
integer ids, a bare-array list, an operation without a declared 404) is covered by a small contract
written here, ``SHELVES``. schemathesis' stateful phase runs against the served payments API at the end.
"""

from __future__ import annotations

import collections
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest

from tests.support.counting_store import CountingStore
from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.exchange import Request
from toolkit.limits import Limits
from toolkit.mock import MockEnvelope, MockTransport
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.loopback import serve_in_thread
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.state import state_layer
from toolkit.sandbox.state.rest import StateLayer
from toolkit.sandbox.state.rest_model import Kind
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, open_store
from toolkit.sandbox.stores.memory import MemoryStore

PAYMENTS = REPO / "contracts" / "payments" / "v1"
PAYMENTS_HOST = "https://api.payments.example.com"
SHELVES_HOST = "https://shelves.example.com"
SHELVES_API = "https://sandbox.test/api"
KEY = {"X-Api-Key": "sk_test_1"}
JENNY = "cus_9s6XKzkNRiz8i3"  # the id the payments contract's retrieveCustomer example names
PROBLEM = "application/problem+json"

# A contract for what payments does not show: shelves (id "code" by x-id-field, PUT, PATCH, DELETE 204, a
# bare-array list paged by offset/limit, no declared 404) and the books of a shelf (nested, integer ids,
# paged by page/per_page, filtered by author, a declared 404 in the contract's own error form).
_SHELF = {
    "type": "object",
    "required": ["code", "name"],
    "properties": {
        "code": {"type": "string", "pattern": "^sh_[a-z0-9]+$"},
        "name": {"type": "string", "maxLength": 40},
        "nickname": {"type": "string", "maxLength": 8},
        "floor": {"type": "integer", "minimum": 0},
    },
    "examples": [{"code": "sh_main", "name": "Main shelf", "floor": 0}],
}
_SHELF_INPUT = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "maxLength": 40}, "nickname": {"type": "string"},
                   "floor": {"type": "integer", "minimum": 0}},
}  # fmt: skip
_BOOK = {
    "type": "object",
    "required": ["id", "title", "author", "shelf"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "title": {"type": "string", "maxLength": 80},
        "author": {"type": "string", "maxLength": 80},
        "shelf": {"type": "string"},
    },
}
_ERROR = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}, "detail": {"type": "string"}},
}


def _json(schema: Any, status: str = "200", **extra: Any) -> dict[str, Any]:
    return {status: {"description": status, "content": {"application/json": {"schema": schema, **extra}}}}


SHELVES: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Shelves", "version": "1"},
    "servers": [{"url": "https://shelves.example.com/api"}],
    "paths": {
        "/shelves": {
            "get": {
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 2}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                ],
                "responses": _json({"type": "array", "items": {"$ref": "#/components/schemas/Shelf"}}),
            },
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": _SHELF_INPUT}}},
                "responses": _json({"$ref": "#/components/schemas/Shelf"}, "201"),
            },
        },
        "/shelves/{shelf}": {
            "x-id-field": "code",
            "parameters": [{"name": "shelf", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"responses": _json({"$ref": "#/components/schemas/Shelf"})},
            "put": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": _SHELF_INPUT}}},
                "responses": _json({"$ref": "#/components/schemas/Shelf"}),
            },
            "patch": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": _SHELF_INPUT["properties"]}}
                    },
                },
                "responses": _json({"$ref": "#/components/schemas/Shelf"}),
            },
            "delete": {"responses": {"204": {"description": "deleted"}}},
        },
        "/shelves/{shelf}/books": {
            "parameters": [{"name": "shelf", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "parameters": [
                    {"name": "author", "in": "query", "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 10}},
                ],
                "responses": {
                    **_json(
                        {
                            "type": "object",
                            "required": ["books", "total"],
                            "properties": {
                                "books": {"type": "array", "items": {"$ref": "#/components/schemas/Book"}},
                                "total": {"type": "integer", "minimum": 0},
                            },
                        }
                    ),
                    **_json(_ERROR, "404"),
                },
            },
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title", "author"],
                                "properties": {
                                    "title": {"type": "string", "maxLength": 80},
                                    "author": {"type": "string", "maxLength": 80},
                                },
                            }
                        }
                    },
                },
                "responses": {**_json({"$ref": "#/components/schemas/Book"}, "201"), **_json(_ERROR, "404")},
            },
        },
        "/shelves/{shelf}/books/{book_id}": {
            "parameters": [
                {"name": "shelf", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "book_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
            "get": {
                "responses": {
                    **_json(
                        {"$ref": "#/components/schemas/Book"},
                        examples={
                            "dune": {"value": {"id": 7, "title": "Dune", "author": "Frank Herbert", "shelf": "sh_main"}}
                        },
                    ),
                    **_json(_ERROR, "404"),
                },
            },
            "delete": {"responses": {"204": {"description": "deleted"}, **_json(_ERROR, "404")}},
        },
    },
    "components": {"schemas": {"Shelf": _SHELF, "Book": _BOOK}},
}


# -- helpers -----------------------------------------------------------------------------------------


class Judge:
    """openapi-core's verdict on every answer a client receives (an httpx response hook)."""

    def __init__(self, api: Any, host: str) -> None:
        self.api = api
        self.host = host
        self.checked = 0

    def __call__(self, response: httpx.Response) -> None:
        from openapi_core.testing import MockRequest, MockResponse

        response.read()
        request = response.request
        if request.method == "HEAD":
            return  # no body to judge, and the contracts declare no HEAD operation
        judged = MockRequest(self.host, request.method.lower(), request.url.path, headers=dict(request.headers))
        answer = MockResponse(
            response.content, status_code=response.status_code, headers=dict(response.headers),
            content_type=response.headers.get("content-type", ""),
        )  # fmt: skip
        try:
            self.api.validate_response(judged, answer)
        except Exception as error:  # noqa: BLE001 - openapi-core raises several unrelated classes
            pytest.fail(f"{request.method} {request.url.path} {response.status_code}: {error!r} {error.__cause__!r}")
        self.checked += 1


def _openapi_core(document: dict[str, Any] | None = None) -> Any:
    openapi_core = pytest.importorskip("openapi_core")
    config = openapi_core.Config(extra_media_type_deserializers={PROBLEM: json.loads})
    if document is None:
        return openapi_core.OpenAPI.from_file_path(str(PAYMENTS / "openapi.yaml"), config=config)
    return openapi_core.OpenAPI.from_dict(document, config=config)


@pytest.fixture(scope="module")
def payments_envelope() -> MockEnvelope:
    return compile_mock(load_contract(PAYMENTS), seed=1, mount="/v1")


@pytest.fixture(scope="module")
def shelves_envelope(tmp_path_factory: pytest.TempPathFactory) -> MockEnvelope:
    path = tmp_path_factory.mktemp("shelves") / "openapi.json"
    path.write_text(json.dumps(SHELVES), encoding="utf-8")
    return compile_mock(load_contract(path), seed=1, mount="/api")


@pytest.fixture(scope="module")
def payments_judge() -> Judge:
    return Judge(_openapi_core(), PAYMENTS_HOST)


@pytest.fixture(scope="module")
def shelves_judge() -> Judge:
    return Judge(_openapi_core(SHELVES), SHELVES_HOST)


def _store() -> CountingStore:
    return CountingStore(open_store("memory"))


def sandboxed(envelope: MockEnvelope, store: Store | None = None, api: str = "payments") -> SandboxedMock:
    return SandboxedMock(envelope, [state_layer(envelope, store if store is not None else _store(), api=api)])


def client(handler: SandboxedMock, judge: Judge | None, base_url: str = "https://sandbox.test/v1") -> httpx.Client:
    hooks: dict[str, list[Callable[..., Any]]] = {"response": [judge]} if judge is not None else {}
    return httpx.Client(transport=MockTransport(handler), base_url=base_url, headers=KEY, event_hooks=hooks)


@pytest.fixture(params=["in-process", "http", "in-process, sqlite"])
def payments_client(
    request: pytest.FixtureRequest, payments_envelope: MockEnvelope, payments_judge: Judge, tmp_path: Path
) -> Iterator[httpx.Client]:
    """A client of the payments API with state (in memory, or in a SQLite file), in-process or over real HTTP on
    loopback; openapi-core judges every answer it receives."""
    store = open_store(f"sqlite:{tmp_path / 'state.db'}") if "sqlite" in request.param else _store()
    handler = sandboxed(payments_envelope, store)
    try:
        if request.param != "http":
            with client(handler, payments_judge) as in_process:
                yield in_process
            return
        with (
            serve_in_thread(MockASGIApp(handler, deliver=False), lifespan="off") as url,
            httpx.Client(base_url=url + "/v1", headers=KEY, event_hooks={"response": [payments_judge]}) as http,
        ):
            yield http
    finally:
        store.close()


# -- the model ---------------------------------------------------------------------------------------


def test_the_model_inferred_for_payments(payments_envelope: MockEnvelope) -> None:
    layer = state_layer(payments_envelope, _store(), api="payments")
    assert isinstance(layer, StateLayer) and layer.name == "state"
    model = layer.model
    collections = {c.template: c for c in model.collections}
    assert sorted(collections) == ["/customers", "/payment_intents", "/refunds"]
    assert {c.template: (c.item_template, c.id_field) for c in model.collections} == {
        "/customers": ("/customers/{customer_id}", "id"),
        "/payment_intents": ("/payment_intents/{intent_id}", "id"),
        "/refunds": ("/refunds/{refund_id}", "id"),
    }
    kinds = {op.operation_id: op.kind for op in model.operations.values()}
    assert kinds == {
        "POST /customers": Kind.CREATE, "GET /customers": Kind.LIST, "GET /customers/{customer_id}": Kind.READ,
        "POST /customers/{customer_id}": Kind.UPDATE, "DELETE /customers/{customer_id}": Kind.DELETE,
        "POST /payment_intents": Kind.CREATE, "GET /payment_intents": Kind.LIST,
        "GET /payment_intents/{intent_id}": Kind.READ,
        "POST /refunds": Kind.CREATE, "GET /refunds": Kind.LIST, "GET /refunds/{refund_id}": Kind.READ,
    }  # fmt: skip
    # the actions on a payment intent fit no pattern; charges are never created through the API
    assert "POST /payment_intents/{intent_id}/confirm" not in kinds
    assert any(reason.startswith("/charges:") for reason in model.stateless)
    assert list(collections["/customers"].seeds_for(())) == [JENNY]
    assert list(collections["/payment_intents"].seeds_for(())) == ["pi_3MtwBwLkdIwHu7ix28a3tqPa"]
    assert list(collections["/refunds"].seeds_for(())) == ["re_1Nispe2eZvKYlo2Cd31jOCgZ"]  # the schema's example
    listing = model.operations[("/customers", "GET")]
    assert listing.filters == {"email"}
    assert (listing.paging.size, listing.paging.default_size, listing.paging.after) == ("limit", 10, "starting_after")
    assert model.operations[("/refunds", "GET")].filters == {"charge", "payment_intent"}
    assert len(model.describe()) == 4


def test_the_model_of_a_nested_collection(shelves_envelope: MockEnvelope) -> None:
    model = StateLayer(shelves_envelope, _store(), api="shelves").model
    shelves, books = model.collections
    assert (shelves.template, shelves.id_field, shelves.parent) == ("/shelves", "code", None)
    assert "x-id-field" in shelves.id_source
    assert (books.template, books.id_field, books.parent, books.parent_parameters) == (
        "/shelves/{shelf}/books", "id", shelves, ("shelf",))  # fmt: skip
    assert books.path(("sh_a/b",)) == "shelves/sh_a%2Fb/books"  # an id holding '/' stays in its namespace
    assert list(shelves.seeds_for(())) == ["sh_main"]
    assert books.seeds_for(("sh_main",)) == {"7": {"id": 7, "title": "Dune", "author": "Frank Herbert",
                                                   "shelf": "sh_main"}}  # fmt: skip
    kinds = {op.operation_id: op.kind for op in model.operations.values()}
    assert kinds["PUT /shelves/{shelf}"] is Kind.REPLACE and kinds["PATCH /shelves/{shelf}"] is Kind.UPDATE
    assert kinds["DELETE /shelves/{shelf}/books/{book_id}"] is Kind.DELETE
    assert model.operations[("/shelves/{shelf}/books", "GET")].paging.page == "page"
    assert model.operations[("/shelves/{shelf}/books", "GET")].filters == {"author"}


# -- the round trip ----------------------------------------------------------------------------------


def test_create_read_list_update_delete(payments_client: httpx.Client, payments_judge: Judge) -> None:
    before = payments_judge.checked
    created = payments_client.post("/customers", json={"email": "ada@example.com", "name": "Ada Lovelace"})
    assert created.status_code == 201
    customer = created.json()
    assert customer["email"] == "ada@example.com" and customer["name"] == "Ada Lovelace"
    path = f"/customers/{customer['id']}"

    read = payments_client.get(path)
    assert read.status_code == 200 and read.json() == customer

    listed = payments_client.get("/customers")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["data"]] == [JENNY, customer["id"]]  # the example's, then ours
    assert listed.json()["has_more"] is False

    updated = payments_client.post(path, json={"name": "Ada King", "metadata": {"title": "Countess"}})
    assert updated.status_code == 200
    assert updated.json()["name"] == "Ada King" and updated.json()["email"] == "ada@example.com"
    assert updated.json()["metadata"]["title"] == "Countess"
    assert payments_client.get(path).json() == updated.json()

    deleted = payments_client.delete(path)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True

    gone = payments_client.get(path)
    assert gone.status_code == 404 and gone.headers["content-type"] == PROBLEM
    assert customer["id"] in gone.json()["detail"] and "deleted" in gone.json()["detail"]
    assert "preference-applied" not in gone.headers  # the Prefer the layer added is not the client's
    assert payments_client.post(path, json={"name": "x"}).status_code == 404
    assert payments_client.delete(path).status_code == 404
    assert [item["id"] for item in payments_client.get("/customers").json()["data"]] == [JENNY]
    assert payments_judge.checked - before == 10


def test_a_form_encoded_update_is_merged_as_the_mock_reads_it(payments_envelope: MockEnvelope) -> None:
    with client(sandboxed(payments_envelope), None) as api:
        customer = api.post("/customers", json={"name": "Grace"}).json()
        form = {"address[city]": "Arlington", "metadata[team]": "navy"}
        updated = api.post(f"/customers/{customer['id']}", data=form).json()
        assert updated["address"]["city"] == "Arlington" and updated["metadata"]["team"] == "navy"
        assert updated["name"] == "Grace"
        assert api.get(f"/customers/{customer['id']}").json() == updated


def test_the_mock_result_keeps_what_the_inner_layers_reported(payments_envelope: MockEnvelope) -> None:
    handler = sandboxed(payments_envelope)
    headers = tuple((k.lower(), v) for k, v in KEY.items())
    created = handler(Request("POST", "/v1/customers", headers=(*headers, ("content-type", "application/json")),
                              body=b'{"name": "Alan"}'))  # fmt: skip
    assert created.operations == ("POST /customers",) and created.violations == ()
    identifier = json.loads(created.response.body)["id"]
    missing = handler(Request("GET", "/v1/customers/cus_nobody", headers=headers))
    assert missing.response.status == 404 and missing.operations == ("GET /customers/{customer_id}",)
    invalid = handler(Request("GET", "/v1/customers", "limit=0", headers=headers))
    assert invalid.response.status == 400 and invalid.violations and invalid.violations[0].name == "limit"
    read = handler(Request("GET", f"/v1/customers/{identifier}", headers=headers))
    assert read.operations == ("GET /customers/{customer_id}",) and json.loads(read.response.body)["name"] == "Alan"


# -- what an unknown id answers -----------------------------------------------------------------------


def test_an_unknown_id_is_the_contracts_404_even_in_an_empty_collection(payments_client: httpx.Client) -> None:
    missing = payments_client.get("/payment_intents/pi_neverCreated1")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    problem = missing.json()
    assert problem["status"] == 404 and "pi_neverCreated1" in problem["detail"]
    # the request is checked first: without credentials it is the contract's 401, not a 404
    anonymous = payments_client.build_request("GET", "/customers/cus_1")
    del anonymous.headers["x-api-key"]
    assert payments_client.send(anonymous).status_code == 401


def test_the_contracts_examples_are_there_from_the_start(payments_client: httpx.Client) -> None:
    jenny = payments_client.get(f"/customers/{JENNY}")
    assert jenny.status_code == 200 and jenny.json()["name"] == "Jenny Rosen"
    assert payments_client.get("/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa").json()["amount"] == 2000
    assert payments_client.get("/refunds/re_1Nispe2eZvKYlo2Cd31jOCgZ").json()["amount"] == 500
    # a seed item changed is stored for this session, deleted is gone from it; other sessions keep the example
    assert payments_client.post(f"/customers/{JENNY}", json={"name": "Jenny R."}).json()["name"] == "Jenny R."
    assert payments_client.get("/customers").json()["data"][0]["name"] == "Jenny R."
    assert payments_client.delete(f"/customers/{JENNY}").status_code == 200
    assert payments_client.get(f"/customers/{JENNY}").status_code == 404
    assert payments_client.get("/customers").json()["data"] == []
    other = payments_client.get(f"/customers/{JENNY}", headers={"X-Ctk-Session": "other"})
    assert other.status_code == 200 and other.json()["name"] == "Jenny Rosen"


def test_prefer_code_asks_the_mock_whatever_is_stored(payments_client: httpx.Client) -> None:
    answer = payments_client.get("/customers/cus_unknown1", headers={"Prefer": "code=200"})
    assert answer.status_code == 200 and answer.json()["id"] == "cus_unknown1"


# -- sessions -----------------------------------------------------------------------------------------


def test_sessions_do_not_see_each_others_items(payments_client: httpx.Client) -> None:
    a, b = {"X-Ctk-Session": "a"}, {"X-Ctk-Session": "b"}
    created = payments_client.post("/customers", json={"name": "In a"}, headers=a).json()
    path = f"/customers/{created['id']}"
    assert payments_client.get(path, headers=a).status_code == 200
    assert payments_client.get(path, headers=b).status_code == 404
    assert payments_client.get(path).status_code == 404  # no header: the default session
    assert created["id"] not in [item["id"] for item in payments_client.get("/customers", headers=b).json()["data"]]
    assert payments_client.delete(path, headers=b).status_code == 404
    assert payments_client.get(path, headers=a).status_code == 200


def test_an_invalid_session_name_is_a_problem_400(payments_envelope: MockEnvelope) -> None:
    # not judged: layers.SandboxedMock answers plain problem+json, which payments' own 400 schema (it requires
    # a `code`) does not accept
    handler = sandboxed(payments_envelope)
    with (
        serve_in_thread(MockASGIApp(handler, deliver=False), lifespan="off") as url,
        httpx.Client(base_url=url + "/v1", headers=KEY) as http,
        client(handler, None) as in_process,
    ):
        for api in (http, in_process):
            for name in ("has space", "x" * 65, "a/b"):
                answer = api.get("/customers", headers={"X-Ctk-Session": name})
                assert answer.status_code == 400 and answer.headers["content-type"] == PROBLEM
                assert "x-ctk-session" in answer.json()["detail"]


def test_resetting_a_session_brings_the_examples_back_and_replays_the_same_ids(
    payments_envelope: MockEnvelope,
) -> None:
    store = _store()
    layer = StateLayer(payments_envelope, store, api="payments")
    with client(SandboxedMock(payments_envelope, [layer]), None) as api:
        first = [api.post("/customers", json={"name": "Same"}).json()["id"] for _ in range(3)]
        assert len(set(first)) == 3  # identical requests create distinct customers
        api.delete(f"/customers/{JENNY}")
        assert layer.reset("default") > 0
        assert api.get(f"/customers/{JENNY}").status_code == 200
        assert api.get(f"/customers/{first[0]}").status_code == 404
        assert [api.post("/customers", json={"name": "Same"}).json()["id"] for _ in range(3)] == first


# -- lists --------------------------------------------------------------------------------------------


def test_a_list_is_filtered_by_a_query_parameter_naming_an_item_property(payments_client: httpx.Client) -> None:
    ada = payments_client.post("/customers", json={"email": "ada@example.com", "name": "Ada"}).json()
    payments_client.post("/customers", json={"email": "alan@example.com", "name": "Alan"})
    found = payments_client.get("/customers", params={"email": "ada@example.com"}).json()["data"]
    assert [item["id"] for item in found] == [ada["id"]]
    assert payments_client.get("/customers", params={"email": "nobody@example.com"}).json()["data"] == []
    intent = payments_client.post("/payment_intents", json={"amount": 500, "currency": "eur", "customer": ada["id"]})
    assert intent.status_code == 201
    payments_client.post("/payment_intents", json={"amount": 700, "currency": "eur"})
    mine = payments_client.get("/payment_intents", params={"customer": ada["id"]}).json()["data"]
    assert [item["id"] for item in mine] == [intent.json()["id"]]


def test_a_list_is_paged_as_the_contract_pages(payments_client: httpx.Client) -> None:
    ids = [JENNY] + [payments_client.post("/customers", json={"name": f"n{i}"}).json()["id"] for i in range(4)]
    page = payments_client.get("/customers", params={"limit": 2}).json()
    assert [item["id"] for item in page["data"]] == ids[:2] and page["has_more"] is True
    page = payments_client.get("/customers", params={"limit": 2, "starting_after": ids[1]}).json()
    assert [item["id"] for item in page["data"]] == ids[2:4] and page["has_more"] is True
    page = payments_client.get("/customers", params={"limit": 2, "starting_after": ids[3]}).json()
    assert [item["id"] for item in page["data"]] == ids[4:] and page["has_more"] is False
    assert [item["id"] for item in payments_client.get("/customers").json()["data"]] == ids  # default: 10


# -- a nested collection, PATCH and PUT, x-id-field, integer ids ---------------------------------------


def test_a_nested_collection_is_scoped_to_its_parent(shelves_envelope: MockEnvelope, shelves_judge: Judge) -> None:
    with client(sandboxed(shelves_envelope, api="shelves"), shelves_judge, SHELVES_API) as api:
        shelf = api.post("/shelves", json={"name": "Poetry"}).json()
        other = api.post("/shelves", json={"name": "Prose"}).json()
        assert shelf["code"] != other["code"] and api.get(f"/shelves/{shelf['code']}").json() == shelf
        books = f"/shelves/{shelf['code']}/books"
        first = api.post(books, json={"title": "Odes", "author": "Keats"})
        second = api.post(books, json={"title": "Ariel", "author": "Plath"}).json()
        assert first.status_code == 201 and isinstance(first.json()["id"], int) and first.json()["id"] != second["id"]
        assert api.get(f"{books}/{first.json()['id']}").json() == first.json()
        # the books of another shelf are another collection
        assert api.get(f"/shelves/{other['code']}/books/{first.json()['id']}").status_code == 404
        assert api.get(f"/shelves/{other['code']}/books").json()["books"] == []
        listed = api.get(books).json()
        assert [b["title"] for b in listed["books"]] == ["Odes", "Ariel"] and listed["total"] == 2
        assert [b["title"] for b in api.get(books, params={"author": "Plath"}).json()["books"]] == ["Ariel"]
        paged = api.get(books, params={"page": 2, "per_page": 1}).json()
        assert [b["title"] for b in paged["books"]] == ["Ariel"] and paged["total"] == 2
        # the example names its shelf: it is a book of sh_main only
        assert api.get("/shelves/sh_main/books/7").json()["title"] == "Dune"
        assert api.get(f"{books}/7").status_code == 404
        # a book exists only while its shelf does
        assert api.delete(f"/shelves/{shelf['code']}").status_code == 204
        missing = api.get(f"{books}/{second['id']}")
        assert missing.status_code == 404 and shelf["code"] in missing.json()["detail"]
        assert api.post(books, json={"title": "Lamia", "author": "Keats"}).status_code == 404


def test_patch_merges_put_replaces_and_an_invalid_result_is_not_stored(
    shelves_envelope: MockEnvelope, shelves_judge: Judge
) -> None:
    with client(sandboxed(shelves_envelope, api="shelves"), shelves_judge, SHELVES_API) as api:
        shelf = api.post("/shelves", json={"name": "Atlas", "floor": 2}).json()
        path = f"/shelves/{shelf['code']}"
        patched = api.patch(path, json={"nickname": "maps"})
        assert patched.json() == {**shelf, "nickname": "maps"} and "ctk-warning" not in patched.headers
        replaced = api.put(path, json={"name": "Atlases"}).json()
        assert replaced == {"code": shelf["code"], "name": "Atlases"}  # floor and nickname were not sent
        # the request schema lets a nickname be longer than the shelf's schema allows: not stored, said so
        too_long = api.patch(path, json={"nickname": "a very long nickname"})
        assert too_long.status_code == 200 and "ctk-warning" in too_long.headers
        assert "/nickname" in too_long.headers["ctk-warning"] and "not stored" in too_long.headers["ctk-warning"]
        assert api.get(path).json() == replaced
        # the list is a bare array, paged by limit (default 2) and offset
        codes = ["sh_main", shelf["code"]] + [
            api.post("/shelves", json={"name": f"s{i}"}).json()["code"] for i in range(2)
        ]
        assert [s["code"] for s in api.get("/shelves").json()] == codes[:2]
        assert [s["code"] for s in api.get("/shelves", params={"offset": 1, "limit": 3}).json()] == codes[1:]


def test_an_operation_without_a_declared_404_answers_as_without_state(shelves_envelope: MockEnvelope) -> None:
    """A 404 the contract does not document would contradict it (schemathesis: "undocumented status code"): the
    request is answered as without state, and ``ctk-warning`` says why."""
    with client(sandboxed(shelves_envelope, api="shelves"), None, SHELVES_API) as api:
        for method in ("GET", "PATCH", "PUT", "DELETE"):
            answer = api.request(
                method, "/shelves/sh_nothere", json={"name": "x"} if method in ("PATCH", "PUT") else None
            )
            assert 200 <= answer.status_code < 300, method
            assert "sh_nothere" in answer.headers["ctk-warning"] and "declares no 404" in answer.headers["ctk-warning"]
        declared = api.get("/shelves/sh_main/books/99")  # declared in the contract's own error form
        assert declared.status_code == 404 and declared.headers["content-type"] == "application/json"
        assert "99" in declared.json()["detail"] and isinstance(declared.json()["message"], str)


def test_head_answers_as_get_does_without_the_body(payments_envelope: MockEnvelope) -> None:
    with client(sandboxed(payments_envelope), None) as api:
        created = api.post("/customers", json={"name": "Head"})
        head = api.head(f"/customers/{created.json()['id']}")
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) == len(api.get(f"/customers/{created.json()['id']}").content)
        assert api.head("/customers/cus_noSuchOne").status_code == 404


# -- the store ----------------------------------------------------------------------------------------


def test_each_request_costs_one_or_two_store_calls(payments_envelope: MockEnvelope) -> None:
    store = _store()
    with client(sandboxed(payments_envelope, store), None) as api:

        def calls(method: str, path: str, **kwargs: Any) -> dict[str, int]:
            store.reset_counts()
            api.request(method, path, **kwargs)
            return dict(store.calls)

        created = api.post("/refunds", json={"charge": "ch_1"}).json()
        assert calls("POST", "/customers", json={"name": "n"}) == {"incr": 1, "put": 1}
        customer = api.post("/customers", json={"name": "m"}).json()["id"]
        assert calls("GET", f"/customers/{customer}") == {"get": 1}
        assert calls("POST", f"/customers/{customer}", json={"name": "o"}) == {"get": 1, "put": 1}
        assert calls("GET", "/customers") == {"items": 2}  # the items, and the examples deleted
        assert calls("DELETE", f"/customers/{customer}") == {"delete": 1, "put": 1}
        assert calls("GET", f"/customers/{customer}") == {"get": 2}  # not there: was it deleted?
        assert calls("GET", f"/refunds/{created['id']}") == {"get": 1}
        assert calls("GET", "/charges") == {}  # stateless


def test_a_full_store_is_the_contracts_own_refusal(
    payments_envelope: MockEnvelope, shelves_envelope: MockEnvelope
) -> None:
    full = Limits(max_stored_items=1)  # one customer (and one shelf) per session
    with client(sandboxed(payments_envelope, open_store("memory", limits=full)), None) as api:
        assert api.post("/customers", json={"name": "One"}).status_code == 201
        refused = api.post("/customers", json={"name": "One too many"})
        # payments declares no 507 but a 429 (with its Retry-After): the contract's own answer, our detail
        assert refused.status_code == 429 and refused.headers["content-type"] == PROBLEM
        assert "retry-after" in refused.headers and "store is full" in refused.json()["detail"]
    with client(
        sandboxed(shelves_envelope, open_store("memory", limits=full), api="shelves"), None, SHELVES_API
    ) as api:
        assert api.post("/shelves", json={"name": "Room"}).status_code == 201
        refused = api.post("/shelves", json={"name": "Full"})
        assert refused.status_code == 507 and refused.headers["content-type"] == PROBLEM
        assert "max_stored_items" in refused.json()["detail"]
        assert [shelf["name"] for shelf in api.get("/shelves", params={"limit": 5}).json()] == ["Main shelf", "Room"]


class _Unreachable(MemoryStore):
    def get(self, namespace: str, key: str) -> Any | None:
        raise StoreError("connection refused", where="redis://127.0.0.1:1")


def test_an_unreachable_store_is_a_503_not_a_crash(payments_envelope: MockEnvelope) -> None:
    with client(sandboxed(payments_envelope, _Unreachable()), None) as api:
        answer = api.get(f"/customers/{JENNY}")
        assert answer.status_code == 503 and answer.headers["content-type"] == PROBLEM
        assert "redis://127.0.0.1:1" in answer.json()["detail"]


# -- protocols without state ---------------------------------------------------------------------------


# -- schemathesis' stateful phase -----------------------------------------------------------------------


def test_schemathesis_stateful_phase_finds_nothing(payments_envelope: MockEnvelope) -> None:
    """schemathesis infers the links between operations from the contract (a create's id feeds the item's
    path) and chains calls; with state on, ``use_after_free`` (a read after a delete is not 2xx) and
    ``ensure_resource_availability`` (a read after a create is not 404) hold, beside the response checks."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi import checks

    chosen = [not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
              checks.response_headers_conformance, checks.response_schema_conformance,
              checks.use_after_free, checks.ensure_resource_availability]  # fmt: skip
    # not ignored_auth: the mock checks that credentials are present, not that they are valid (stateless, by design)
    schema = schemathesis.openapi.from_path(PAYMENTS / "openapi.yaml")
    # positive data only: an invalid request is the stateless mock's business (a 400 that DELETE does not declare)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    calls: list[tuple[str, str, int]] = []
    with serve_in_thread(MockASGIApp(sandboxed(payments_envelope), deliver=False), lifespan="off") as url:
        schema.config.update(base_url=url + "/v1")

        runs = itertools.count()

        class Stateful(schema.as_state_machine()):  # type: ignore[misc]
            # Each run (hypothesis example, replays included) in a session of its own: state left by an earlier
            # run would change what links draw, and hypothesis refuses data generation that depends on it.
            def __init__(self) -> None:
                super().__init__()
                self.session = f"schemathesis-{next(runs)}"

            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return {"headers": {**KEY, "X-Ctk-Session": self.session}}

            def after_call(self, response: Any, case: Any) -> None:
                super().after_call(response, case)
                calls.append((case.method.upper(), case.formatted_path, response.status_code))

            def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
                case.validate_response(response, checks=chosen, transport_kwargs=kwargs or None, recorder=self.recorder)

        Stateful.run(
            settings=hypothesis.settings(
                max_examples=80, stateful_step_count=8, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
        )  # fmt: skip
    # the run did chain state: a created customer read back, and a deleted one answered 404 afterwards
    deleted = {path for method, path, status in calls if method == "DELETE" and status == 200}
    statuses = collections.Counter(f"{method} {status}" for method, _, status in calls)
    after = [(m, p, s) for m, p, s in calls if p in deleted and m != "DELETE"]
    assert any(status == 404 for _, _, status in after), f"deleted {len(deleted)}, after: {after[:10]}, {statuses}"
    assert any(method == "POST" and path == "/customers" and status == 201 for method, path, status in calls)
    assert len(calls) > 50

"""Hot reload through a real ``ctk serve --root WORKSPACE`` (``toolkit.sandbox.reload``): edits are served without
a restart, a broken edit keeps the last good version and says why, state whose schema did not change survives.

Each test writes a workspace in tmp_path (a REST API with state, a GraphQL API, an overlay), starts the CLI in a
subprocess on a free loopback port, edits files as a user would, and polls over HTTP until the edit shows (or a
deadline fails the test: nothing here asserts on time).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.served import Served, assert_no_traceback, served

DEADLINE = 20.0  # seconds an edit may take to show on a machine busy with other tests (the aim is < 2 s)

SHOP = """\
openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /status:
    get:
      operationId: status
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [status], properties: {status: {type: string}}}
              example: {status: green}
  /customers:
    post:
      operationId: createCustomer
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Customer"}
  /customers/{id}:
    get:
      operationId: getCustomer
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Customer"}
        "404": {description: not found}
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {amount: {type: integer}}}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
        "404": {description: not found}
components:
  schemas:
    Customer:
      type: object
      required: [id, name]
      description: A customer of the shop.
      properties: {id: {type: string}, name: {type: string}}
    Order:
      type: object
      required: [id, amount]
      properties: {id: {type: string}, amount: {type: integer}}
"""

BOOKS = """\
type Query {
  book(id: ID!): Book
}

type Book {
  id: ID!
  title: String!
}
"""

TOML = """\
[apis.shop]
contract = "contracts/shop.yaml"
state = true

[apis.books]
contract = "contracts/books.graphql"
"""

VIP = '[[overlay]]\nmethod = "GET"\npath = "/customers/cus_vip"\njson = { id = "cus_vip", name = "VIP One" }\n'


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    for path, text in {
        "sandbox/sandbox.toml": TOML,
        "contracts/shop.yaml": SHOP,
        "contracts/books.graphql": BOOKS,
        "mocks/shop/overlays.toml": VIP,
    }.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def sandbox(workspace: Path) -> Iterator[Served]:
    # settings of the command line: a reload keeps them (else it would rebuild every API, not only the edited one)
    with served("--root", str(workspace), "--seed", "7", "--limit", "max_body=200000") as server:
        yield server


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in ``path``, as an editor saves (``old`` must be there: the test means it)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def eventually(probe: Callable[[], Any], wanted: Callable[[Any], bool], what: str) -> Any:
    """``probe()`` until ``wanted`` holds of its answer; fails naming ``what`` and the last answer at the deadline."""
    deadline = time.monotonic() + DEADLINE
    while True:
        seen = probe()
        if wanted(seen):
            return seen
        assert time.monotonic() < deadline, f"{what}: still {seen!r}"
        time.sleep(0.1)


def status_of(server: Served) -> str:
    answer = httpx.get(f"{server.url}/shop/status", timeout=10)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["status"])


def reload_state(server: Served) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}/__ctk/reload", timeout=10)
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def create(server: Served, collection: str, body: dict[str, Any]) -> str:
    answer = httpx.post(f"{server.url}/shop/{collection}", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def read(server: Served, collection: str, identifier: str) -> int:
    return httpx.get(f"{server.url}/shop/{collection}/{identifier}", timeout=10).status_code


def test_a_contract_edit_is_served_and_state_survives_it(sandbox: Served, workspace: Path) -> None:
    assert reload_state(sandbox)["error"] is None
    generation = reload_state(sandbox)["generation"]
    customer = create(sandbox, "customers", {"name": "Ann"})
    assert status_of(sandbox) == "green"
    edit(workspace / "contracts/shop.yaml", "example: {status: green}", "example: {status: amber}")
    eventually(lambda: status_of(sandbox), lambda seen: seen == "amber", "the edited example")
    assert read(sandbox, "customers", customer) == 200  # created before the reload, its schema unchanged
    after = reload_state(sandbox)
    assert after["generation"] > generation and after["error"] is None and after["reloaded_at"]
    assert "reloaded after shop.yaml changed" in sandbox.log()
    assert_no_traceback(sandbox)


def test_a_changed_item_schema_clears_that_collection_only(sandbox: Served, workspace: Path) -> None:
    customer = create(sandbox, "customers", {"name": "Ann"})
    order = create(sandbox, "orders", {"amount": 5})
    edit(workspace / "contracts/shop.yaml", "required: [id, amount]", "required: [id, amount, currency]")
    edit(
        workspace / "contracts/shop.yaml",
        "amount: {type: integer}}\n",
        "amount: {type: integer}, currency: {type: string}}\n",
    )
    edit(workspace / "contracts/shop.yaml", "description: A customer of the shop.", "description: Who buys.")
    eventually(lambda: read(sandbox, "orders", order), lambda seen: seen == 404, "the order whose schema changed")
    assert read(sandbox, "customers", customer) == 200  # only a description changed: its items stay
    log = sandbox.log()
    assert "shop: state of /orders cleared in every session: its schema changed" in log
    assert "/customers cleared" not in log
    answer = httpx.post(f"{sandbox.url}/shop/orders", json={"amount": 7}, timeout=10).json()
    assert "currency" in answer  # the new schema is what is served


def test_a_broken_contract_keeps_the_last_good_version_until_fixed(sandbox: Served, workspace: Path) -> None:
    contract = workspace / "contracts/shop.yaml"
    good = contract.read_text(encoding="utf-8")
    contract.write_text(good.replace("example: {status: green}", "example: {status: amber") + "  bad: [\n")
    error = eventually(lambda: reload_state(sandbox)["error"], lambda seen: seen is not None, "the reload error")
    assert "shop.yaml" in error["where"] and "YAML" in error["message"], error
    assert status_of(sandbox) == "green"  # the last good version answers
    lines = [line for line in sandbox.log().splitlines() if "reload failed" in line]
    assert len(lines) == 1 and "shop.yaml" in lines[0] and "still serving the last good version" in lines[0], lines
    assert_no_traceback(sandbox)
    contract.write_text(good.replace("example: {status: green}", "example: {status: red}"), encoding="utf-8")
    eventually(lambda: status_of(sandbox), lambda seen: seen == "red", "the fixed contract")
    assert reload_state(sandbox)["error"] is None


def test_an_unknown_key_in_sandbox_toml_is_named_and_changes_nothing(sandbox: Served, workspace: Path) -> None:
    customer = create(sandbox, "customers", {"name": "Ann"})
    toml = workspace / "sandbox/sandbox.toml"
    edit(toml, "state = true\n", "state = true\nstat = false\n")
    error = eventually(lambda: reload_state(sandbox)["error"], lambda seen: seen is not None, "the reload error")
    assert "sandbox.toml" in error["where"] and "apis.shop.stat" in error["message"], error
    assert error["hint"] == "did you mean 'state'?"
    assert read(sandbox, "customers", customer) == 200
    assert any("reload failed" in line and "apis.shop.stat" in line for line in sandbox.log().splitlines())
    assert_no_traceback(sandbox)
    edit(toml, "stat = false\n", "")
    edit(workspace / "contracts/shop.yaml", "example: {status: green}", "example: {status: blue}")
    eventually(lambda: status_of(sandbox), lambda seen: seen == "blue", "the edit after the fix")
    assert reload_state(sandbox)["error"] is None
    assert read(sandbox, "customers", customer) == 200


def test_an_overlay_edit_is_served(sandbox: Served, workspace: Path) -> None:
    def vip() -> str:
        return str(httpx.get(f"{sandbox.url}/shop/customers/cus_vip", timeout=10).json().get("name"))

    assert vip() == "VIP One"
    edit(workspace / "mocks/shop/overlays.toml", "VIP One", "VIP Two")
    eventually(vip, lambda seen: seen == "VIP Two", "the edited overlay")
    (workspace / "mocks/shop/overlays.toml").write_text('[[overlay]]\nmethod = "GET"\npath = 5\n', encoding="utf-8")
    error = eventually(lambda: reload_state(sandbox)["error"], lambda seen: seen is not None, "the overlay's error")
    assert "overlays.toml" in error["where"], error
    assert vip() == "VIP Two"
    assert_no_traceback(sandbox)


def test_a_graphql_schema_edit_is_served_and_the_rest_api_kept(sandbox: Served, workspace: Path) -> None:
    query = {"query": '{ book(id: "b1") { id isbn } }'}

    def asked() -> dict[str, Any]:
        answer: dict[str, Any] = httpx.post(f"{sandbox.url}/books", json=query, timeout=10).json()
        return answer

    assert "errors" in asked()  # no isbn yet
    edit(workspace / "contracts/books.graphql", "title: String!\n", "title: String!\n  isbn: String!\n")
    answer = eventually(asked, lambda seen: "errors" not in seen, "the new field")
    assert isinstance(answer["data"]["book"]["isbn"], str)
    log = sandbox.log()
    assert "rebuilt books; kept shop" in log  # only the edited API was compiled again, with the same settings


def test_a_contract_served_alone_reloads_too(tmp_path: Path) -> None:
    contract = tmp_path / "shop.yaml"
    contract.write_text(SHOP, encoding="utf-8")
    with served(str(contract), "--mount", "/shop") as server:
        assert status_of(server) == "green"
        edit(contract, "example: {status: green}", "example: {status: amber}")
        eventually(lambda: status_of(server), lambda seen: seen == "amber", "the edited example")


def test_no_reload_serves_what_it_started_with(workspace: Path) -> None:
    with served("--root", str(workspace), "--no-reload") as server:
        edit(workspace / "contracts/shop.yaml", "example: {status: green}", "example: {status: amber}")
        time.sleep(2.0)  # several polls' worth: a watcher would have reloaded by now
        assert status_of(server) == "green"
        assert reload_state(server) == {"generation": 1, "reloaded_at": None, "error": None}


def test_each_worker_reloads_for_itself(workspace: Path) -> None:
    with served("--root", str(workspace), "--workers", "2", "--no-state", "--seed", "7") as server:
        eventually(lambda: status_of(server), lambda seen: seen == "green", "the first answer")
        edit(workspace / "contracts/shop.yaml", "example: {status: green}", "example: {status: amber}")
        # eight answers in a row from the new version: whichever worker the kernel hands each connection to
        eventually(lambda: {status_of(server) for _ in range(8)}, lambda seen: seen == {"amber"}, "every worker")
        # a line per worker that reloaded (one still starting when the file was saved may have read it new)
        assert 1 <= server.log().count("reloaded after shop.yaml changed") <= 2
        assert_no_traceback(server)

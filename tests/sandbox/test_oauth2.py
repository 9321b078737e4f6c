"""OAuth2 in the sandbox (``toolkit.sandbox.oauth2``): the contract's token endpoint, RFC 6749 grants and errors,
bearer tokens checked on protected operations, per session; secrets never kept or answered in clear.

The contract is written here (a shop with an OAuth2 scheme: clientCredentials and password flows on the API's own
host, an authorizationCode flow on another host, a protected operation declaring its 401). Lifetimes are short
(1 s) and tests sleep past them; no test asserts an upper bound on time.
"""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.mock import MockEnvelope
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.loopback import serve_in_thread
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.oauth2 import OAuth2Layer, oauth2_layer
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import open_store

SECRET = "cs_PLANTED_CLIENT_SECRET_1f2e3d"
SECRET_ENV = "CTK_TEST_SHOP_CLIENT_SECRET"
FORM = ("content-type", "application/x-www-form-urlencoded")
CONTRACT = """\
openapi: 3.0.3
info: {title: Shop, version: "1"}
servers: [{url: "https://api.shop.example.com/v1"}]
components:
  securitySchemes:
    OAuth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://api.shop.example.com/v1/oauth/token
          scopes: {"orders:read": read orders, "orders:write": write orders}
        password:
          tokenUrl: /v1/oauth/token
          scopes: {"orders:read": read orders}
        authorizationCode:
          authorizationUrl: https://auth.shop.example.com/authorize
          tokenUrl: https://auth.shop.example.com/oauth2/token
          scopes: {"orders:read": read orders}
    Key: {type: apiKey, in: header, name: X-Api-Key}
    OIDC: {type: openIdConnect, openIdConnectUrl: "https://auth.shop.example.com/.well-known/openid-configuration"}
  responses:
    Unauthorized:
      description: not authorized
      content:
        application/json:
          schema:
            type: object
            required: [code]
            properties: {code: {type: string, enum: [shop_unauthorized]}}
paths:
  /orders:
    get:
      security: [{OAuth: ["orders:read"]}]
      responses:
        "200":
          description: orders
          content:
            application/json:
              schema: {type: object, required: [orders], properties: {orders: {type: array, items: {type: string}}}}
        "401": {$ref: "#/components/responses/Unauthorized"}
  /catalog:
    get:
      security: [{OAuth: []}, {Key: []}]
      responses:
        "200":
          description: the catalog
          content: {application/json: {schema: {type: object, properties: {items: {type: integer}}}}}
  /status:
    get:
      security: []
      responses:
        "200":
          description: up
          content: {application/json: {schema: {type: object, properties: {up: {type: boolean}}}}}
"""


# -- helpers -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> MockEnvelope:
    folder = tmp_path_factory.mktemp("shop")
    (folder / "openapi.yaml").write_text(CONTRACT, encoding="utf-8")
    return compile_mock(load_contract(folder / "openapi.yaml"), seed=1, mount="/v1")


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return SECRET


def layered(envelope: MockEnvelope, table: dict[str, Any], store: Store) -> tuple[SandboxedMock, OAuth2Layer]:
    layer = oauth2_layer(envelope, table, store, api="shop", where="[apis.shop]")
    return SandboxedMock(envelope, [layer]), layer


def basic(client: str, password: str) -> tuple[str, str]:
    return ("authorization", "Basic " + base64.b64encode(f"{client}:{password}".encode()).decode())


def token_request(body: str, *headers: tuple[str, str], path: str = "/v1/oauth/token", session: str = "") -> Request:
    extra = (("x-ctk-session", session),) if session else ()
    return Request("POST", path, headers=(FORM, *headers, *extra), body=body.encode())


def orders(token: str | None, *headers: tuple[str, str], session: str = "") -> Request:
    auth = (("authorization", f"Bearer {token}"),) if token is not None else ()
    extra = (("x-ctk-session", session),) if session else ()
    return Request("GET", "/v1/orders", headers=(*auth, *headers, *extra))


def answer(result: MockResult) -> dict[str, Any]:
    document = json.loads(result.response.body)
    assert isinstance(document, dict)
    return document


def challenge(result: MockResult) -> str:
    value = result.response.header("www-authenticate")
    assert value is not None
    return value


# -- the token endpoint --------------------------------------------------------------------------------


def test_client_credentials_issue_a_bearer_token_that_opens_the_protected_operation(
    shop: MockEnvelope, store: Store, secret: str
) -> None:
    handler, _ = layered(shop, {"clients": {"shop-app": SECRET_ENV}}, store)
    issued = handler(token_request("grant_type=client_credentials&scope=orders%3Aread", basic("shop-app", secret)))
    assert issued.response.status == 200
    assert issued.response.header("cache-control") == "no-store"
    body = answer(issued)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "orders:read"
    assert "refresh_token" not in body  # RFC 6749 4.4.3
    assert len(body["access_token"]) >= 40
    opened = handler(orders(body["access_token"]))
    assert opened.response.status == 200 and "orders" in answer(opened)
    # the body's client_id/client_secret authenticate as well
    by_body = handler(token_request(f"grant_type=client_credentials&client_id=shop-app&client_secret={secret}"))
    assert by_body.response.status == 200


def test_without_a_token_the_contracts_401_with_a_bearer_challenge(shop: MockEnvelope, store: Store) -> None:
    handler, _ = layered(shop, {}, store)
    refused = handler(orders(None))
    assert refused.response.status == 401
    assert answer(refused)["code"] == "shop_unauthorized"  # the contract's declared 401
    assert challenge(refused).startswith("Bearer ")
    assert 'error="invalid_token"' in challenge(refused)
    assert refused.response.header("preference-applied") is None
    unknown = handler(orders("not-a-token-we-issued"))
    assert unknown.response.status == 401 and "unknown" in challenge(unknown)
    assert answer(unknown)["code"] == "shop_unauthorized"
    # an operation without security requirements is left alone
    assert handler(Request("GET", "/v1/status")).response.status == 200


def test_a_token_expires_after_expires_in(shop: MockEnvelope, store: Store) -> None:
    handler, _ = layered(shop, {"token_lifetime_s": 1}, store)
    body = answer(handler(token_request("grant_type=client_credentials")))
    assert body["expires_in"] == 1
    assert handler(orders(body["access_token"])).response.status == 200
    time.sleep(1.1)
    expired = handler(orders(body["access_token"]))
    assert expired.response.status == 401
    assert 'error="invalid_token"' in challenge(expired) and "expired" in challenge(expired)


def test_prefer_token_expired_makes_a_valid_token_behave_as_expired(shop: MockEnvelope, store: Store) -> None:
    handler, _ = layered(shop, {}, store)
    token = answer(handler(token_request("grant_type=client_credentials")))["access_token"]
    asked = handler(orders(token, ("prefer", "token=expired")))
    assert asked.response.status == 401 and "expired" in challenge(asked)
    assert handler(orders(token, ("prefer", "return=minimal"))).response.status == 200


def test_password_grant_and_refresh_with_rotation(shop: MockEnvelope, store: Store) -> None:
    handler, _ = layered(shop, {"rotate_refresh_tokens": True}, store)
    first = answer(handler(token_request("grant_type=password&username=ann&password=pw&client_id=web")))
    old_refresh = first["refresh_token"]
    refreshed = handler(token_request(f"grant_type=refresh_token&refresh_token={old_refresh}&client_id=web"))
    assert refreshed.response.status == 200
    second = answer(refreshed)
    assert second["access_token"] != first["access_token"] and second["refresh_token"] != old_refresh
    assert handler(orders(second["access_token"])).response.status == 200
    again = handler(token_request(f"grant_type=refresh_token&refresh_token={old_refresh}&client_id=web"))
    assert again.response.status == 400 and answer(again)["error"] == "invalid_grant"
    assert "revoked" in answer(again)["error_description"]
    # the new refresh token works
    third = handler(token_request(f"grant_type=refresh_token&refresh_token={second['refresh_token']}&client_id=web"))
    assert third.response.status == 200


def test_two_concurrent_refreshes_of_one_token_one_wins(shop: MockEnvelope, store: Store) -> None:
    handler, _ = layered(shop, {}, store)
    for _ in range(5):
        refresh = answer(handler(token_request("grant_type=password&username=ann&password=pw")))["refresh_token"]
        request = token_request(f"grant_type=refresh_token&refresh_token={refresh}")
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda r: handler(r).response.status, [request] * 4))
        assert sorted(statuses) == [200, 400, 400, 400]


def test_without_rotation_the_refresh_token_stays_valid(shop: MockEnvelope, store: Store) -> None:
    handler, _ = layered(shop, {"rotate_refresh_tokens": False}, store)
    refresh = answer(handler(token_request("grant_type=password&username=ann&password=pw")))["refresh_token"]
    for _ in range(2):
        body = answer(handler(token_request(f"grant_type=refresh_token&refresh_token={refresh}")))
        assert "access_token" in body and "refresh_token" not in body


def test_an_expired_refresh_token_is_an_invalid_grant(shop: MockEnvelope, store: Store) -> None:
    handler, _ = layered(shop, {"refresh_lifetime_s": 1}, store)
    refresh = answer(handler(token_request("grant_type=password&username=ann&password=pw")))["refresh_token"]
    time.sleep(1.1)
    late = handler(token_request(f"grant_type=refresh_token&refresh_token={refresh}"))
    assert late.response.status == 400 and answer(late)["error"] == "invalid_grant"


def test_wrong_client_secret_and_unknown_client_are_invalid_client(
    shop: MockEnvelope, store: Store, secret: str
) -> None:
    handler, _ = layered(shop, {"clients": {"shop-app": SECRET_ENV}}, store)
    for request in (
        token_request("grant_type=client_credentials", basic("shop-app", "wrong-secret")),
        token_request("grant_type=client_credentials", basic("someone-else", secret)),
        token_request("grant_type=client_credentials&client_id=shop-app"),
        token_request("grant_type=client_credentials"),
    ):
        refused = handler(request)
        assert refused.response.status == 401
        assert answer(refused)["error"] == "invalid_client"
        assert challenge(refused).startswith("Basic ")
        assert secret.encode() not in refused.response.body


@pytest.mark.parametrize(
    ("request_", "status", "error"),
    [
        (token_request("grant_type=authorization_code&code=abc", path="/v1/oauth2/token"), 400,
         "unsupported_grant_type"),
        (token_request("grant_type=implicit"), 400, "unsupported_grant_type"),
        (token_request("grant_type=refresh_token&refresh_token=nope"), 400, "invalid_grant"),
        (token_request("scope=orders%3Aread"), 400, "invalid_request"),
        (token_request("grant_type=client_credentials&scope=admin"), 400, "invalid_scope"),
        (token_request("grant_type=password&username=ann"), 400, "invalid_request"),
        (token_request("grant_type=client_credentials&grant_type=password"), 400, "invalid_request"),
        (Request("POST", "/v1/oauth/token", headers=(("content-type", "application/json"),), body=b"{}"), 400,
         "invalid_request"),
        (Request("GET", "/v1/oauth/token"), 405, "invalid_request"),
    ],
)  # fmt: skip
def test_rfc_6749_errors(shop: MockEnvelope, store: Store, request_: Request, status: int, error: str) -> None:
    handler, _ = layered(shop, {}, store)
    result = handler(request_)
    assert result.response.status == status
    assert answer(result)["error"] == error


def test_tokens_belong_to_their_session(shop: MockEnvelope, store: Store) -> None:
    handler, layer = layered(shop, {}, store)
    token = answer(handler(token_request("grant_type=client_credentials", session="one")))["access_token"]
    assert handler(orders(token, session="one")).response.status == 200
    assert handler(orders(token, session="two")).response.status == 401
    assert handler(orders(token)).response.status == 401
    assert layer.reset("one") >= 1
    assert handler(orders(token, session="one")).response.status == 401


def test_an_operation_with_an_api_key_alternative_is_checked_only_when_a_bearer_token_is_sent(
    shop: MockEnvelope, store: Store
) -> None:
    handler, _ = layered(shop, {}, store)
    assert handler(Request("GET", "/v1/catalog", headers=(("x-api-key", "k"),))).response.status == 200
    bad = Request("GET", "/v1/catalog", headers=(("authorization", "Bearer forged"),))
    refused = handler(bad)
    assert refused.response.status == 401 and refused.response.header("content-type") == "application/problem+json"
    assert 'error="invalid_token"' in challenge(refused)


def test_describe_maps_each_declared_token_url_to_its_path(shop: MockEnvelope, store: Store) -> None:
    _, layer = layered(shop, {}, store)
    assert layer.describe() == {
        "https://api.shop.example.com/v1/oauth/token": "/v1/oauth/token",
        "/v1/oauth/token": "/v1/oauth/token",
        "https://auth.shop.example.com/oauth2/token": "/v1/oauth2/token",  # another host: its path, under the mount
    }


def test_swagger_2_application_flow(tmp_path: Path, store: Store) -> None:
    (tmp_path / "swagger.yaml").write_text(
        """swagger: "2.0"
info: {title: Old shop, version: "1"}
host: old.example.com
basePath: /api
securityDefinitions:
  OAuth: {type: oauth2, flow: application, tokenUrl: "https://old.example.com/api/token", scopes: {}}
paths:
  /things:
    get:
      security: [{OAuth: []}]
      produces: [application/json]
      responses:
        "200": {description: ok, schema: {type: object}}
""",
        encoding="utf-8",
    )
    envelope = compile_mock(load_contract(tmp_path / "swagger.yaml"), seed=1, mount="/api")
    handler, layer = layered(envelope, {}, store)
    assert layer.describe() == {"https://old.example.com/api/token": "/api/token"}
    token = answer(handler(token_request("grant_type=client_credentials", path="/api/token")))["access_token"]
    things = Request("GET", "/api/things", headers=(("authorization", f"Bearer {token}"),))
    assert handler(things).response.status == 200
    assert handler(Request("GET", "/api/things")).response.status == 401


# -- secrets ---------------------------------------------------------------------------------------------------


def test_secrets_and_tokens_are_never_in_the_store_in_clear(shop: MockEnvelope, tmp_path: Path, secret: str) -> None:
    database = tmp_path / "sandbox.db"
    sqlite = open_store(f"sqlite:{database}")
    try:
        handler, layer = layered(shop, {"clients": {"shop-app": SECRET_ENV}}, sqlite)
        assert secret not in repr(layer.config)
        answers: list[bytes] = []
        issued: list[str] = []
        for body in ("grant_type=client_credentials", "grant_type=password&username=ann&password=pw-PLANTED"):
            result = handler(token_request(body, basic("shop-app", secret)))
            assert result.response.status == 200
            document = answer(result)
            issued += [document["access_token"], *([document["refresh_token"]] if "refresh_token" in document else [])]
            answers.append(result.response.body)
        refreshed = handler(
            token_request(f"grant_type=refresh_token&refresh_token={issued[-1]}", basic("shop-app", secret))
        )
        issued.append(answer(refreshed)["access_token"])
        answers.append(refreshed.response.body)
        answers.append(handler(orders(issued[0])).response.body)
        answers.append(handler(token_request("grant_type=client_credentials", basic("shop-app", "x"))).response.body)
        # what is kept: one digest per token issued, with its client and expiry
        access = sqlite.items("shop/default/#oauth2/access")
        assert len(access) == 3 and all(len(key) == 40 and value["client"] == "shop-app" for key, value in access)
        assert all(isinstance(value["expires"], float) for _, value in access)
        assert [value["revoked"] for _, value in sqlite.items("shop/default/#oauth2/refresh")] == [True, False]
    finally:
        sqlite.close()
    kept = b"".join(path.read_bytes() for path in tmp_path.glob("sandbox.db*"))
    assert kept  # the store did write
    for planted in (secret, "pw-PLANTED", *issued):
        assert planted.encode() not in kept, "a secret or a token is in the store in clear"
    for sent in answers:
        assert secret.encode() not in sent and b"pw-PLANTED" not in sent


# -- configuration -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "where", "said"),
    [
        ({"token_lifetime": 1}, "sandbox.toml [apis.shop].oauth2.token_lifetime", "did you mean 'token_lifetime_s'?"),
        ({"token_lifetime_s": 0}, "sandbox.toml [apis.shop].oauth2.token_lifetime_s", "whole number"),
        ({"token_lifetime_s": 1.5}, "sandbox.toml [apis.shop].oauth2.token_lifetime_s", "whole number"),
        ({"rotate_refresh_tokens": "yes"}, "sandbox.toml [apis.shop].oauth2.rotate_refresh_tokens", "true or false"),
        ({"clients": {"app": "CTK_TEST_NOT_SET_ANYWHERE"}}, 'sandbox.toml [apis.shop].oauth2.clients."app"',
         "CTK_TEST_NOT_SET_ANYWHERE"),
        ({"clients": {"app": "not a variable"}}, 'sandbox.toml [apis.shop].oauth2.clients."app"', "environment"),
        ({"clients": {}}, "sandbox.toml [apis.shop].oauth2.clients", "any client"),
    ],
)  # fmt: skip
def test_config_errors_are_named(
    shop: MockEnvelope, store: Store, table: dict[str, Any], where: str, said: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        oauth2_layer(shop, table, store, api="shop", where="[apis.shop]")
    assert caught.value.where == where
    assert said in f"{caught.value.message} {caught.value.hint}"


@pytest.mark.parametrize(("contract", "kind"), [("crm/v1/crm.wsdl", "SOAP"), ("inventory/v1", "GraphQL")])
def test_soap_and_graphql_need_a_token_path(store: Store, contract: str, kind: str) -> None:
    envelope = compile_mock(load_contract(REPO / "contracts" / contract), seed=1, mount="/x")
    with pytest.raises(ConfigError) as caught:
        oauth2_layer(envelope, {}, store, api="legacy", where="[apis.legacy]")
    assert caught.value.where == "sandbox.toml [apis.legacy].oauth2.token_path"
    assert "legacy" in caught.value.message and kind in caught.value.message
    assert 'token_path = "/oauth/token"' in (caught.value.hint or "") and "/x/oauth/token" in (caught.value.hint or "")


def test_a_contract_without_oauth2_is_refused(store: Store) -> None:
    envelope = compile_mock(load_contract(REPO / "contracts" / "payments" / "v1"), seed=1, mount="/v1")
    with pytest.raises(ConfigError) as caught:
        oauth2_layer(envelope, {}, store, api="payments", where="[apis.payments]")
    assert "no OAuth2 flow" in caught.value.message and "openIdConnect" in (caught.value.hint or "")


# -- over real HTTP, through ctk serve's handler ---------------------------------------------------------------


def test_over_http_through_build_handler(tmp_path: Path, secret: str) -> None:
    from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler

    (tmp_path / "openapi.yaml").write_text(CONTRACT, encoding="utf-8")
    table = {"clients": {"shop-app": SECRET_ENV}, "token_lifetime_s": 60}
    item = MountedContract(str(tmp_path / "openapi.yaml"), mount="/v1", name="shop", oauth2=table)
    handler = build_handler(ServeConfig([item]))
    with serve_in_thread(MockASGIApp(handler)) as url, httpx.Client(base_url=url, timeout=10.0) as http:
        issued = http.post("/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=("shop-app", secret))
        assert issued.status_code == 200 and issued.json()["token_type"] == "Bearer"
        token = issued.json()["access_token"]
        assert http.get("/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        refused = http.get("/v1/orders")
        assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"]
        wrong = http.post("/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=("shop-app", "nope"))
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        assert secret not in wrong.text and secret not in issued.text


def test_serve_check_names_each_token_endpoint(tmp_path: Path) -> None:
    from tests.support.cli import ctk
    from tests.support.files import write_file, write_workspace

    write_file(tmp_path, "shop.yaml", CONTRACT)
    root = write_workspace(
        tmp_path, f'[apis.shop]\ncontract = "{tmp_path / "shop.yaml"}"\nmount = "/v1"\n[apis.shop.oauth2]\n'
    )
    code, _, err = ctk("serve", "--root", str(root), "--check")
    assert code == 0, err
    assert "serving shop: " in err and err.splitlines()[0].endswith("(oauth2)")
    assert (
        "OAuth2 token endpoint https://api.shop.example.com/v1/oauth/token at http://127.0.0.1:8000/v1/oauth/token"
        in err
    )
    assert (
        "OAuth2 token endpoint https://auth.shop.example.com/oauth2/token at http://127.0.0.1:8000/v1/oauth2/token"
        in err
    )

"""OAuth2 in the sandbox, in-process: revocation (RFC 7009) and introspection (RFC 7662), scope checks (RFC 6750
``insufficient_scope``), SOAP and GraphQL protection from the ``[apis.NAME.oauth2]`` table, expiry by the clock,
the table's errors, and ``ctk serve --check``'s listing and refusals.

The over-HTTP runs of the same behaviours are in ``test_oauth2_protocols.py``. Lifetimes here are short (2 s) and
tests sleep past them; no test asserts an upper bound on time.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import assert_refused_output, ctk
from tests.support.files import write_file, write_workspace
from tests.support.paths import REPO
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request
from toolkit.mock import MockEnvelope
from toolkit.sandbox.layers import Call, Next, SandboxedMock
from toolkit.sandbox.oauth2 import OAuth2Layer, oauth2_layer
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError

CRM = REPO / "contracts" / "crm" / "v1" / "crm.wsdl"
INVENTORY = REPO / "contracts" / "inventory" / "v1"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "urn:example:crm:types"
FORM = ("content-type", "application/x-www-form-urlencoded")
SHOP = """\
openapi: 3.0.3
info: {title: Shop, version: "1"}
servers: [{url: "https://api.shop.example.com/v1"}]
components:
  securitySchemes:
    OAuth:
      type: oauth2
      flows:
        password:
          tokenUrl: /v1/oauth/token
          scopes: {"orders:read": r, "orders:write": w, "orders:admin": a}
        clientCredentials:
          tokenUrl: /v1/oauth/token
          scopes: {"orders:read": r, "orders:write": w, "orders:admin": a}
paths:
  /orders:
    get:
      security: [{OAuth: ["orders:read"]}]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
    post:
      security: [{OAuth: ["orders:write"]}, {OAuth: ["orders:admin"]}]
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object}}}}
"""


# -- helpers -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> MockEnvelope:
    path = write_file(tmp_path_factory.mktemp("shop"), "openapi.yaml", SHOP)
    return compile_mock(load_contract(path), seed=1, mount="/v1")


class Spy:
    """A layer inside ``oauth2`` (in ``state``'s place) counting the requests that reach it."""

    name = "state"

    def __init__(self) -> None:
        self.seen: list[Request] = []

    def __call__(self, call: Call, inner: Next) -> MockResult:
        self.seen.append(call.request)
        return inner(call)


def layered(envelope: MockEnvelope, table: dict[str, Any], store: Store) -> tuple[SandboxedMock, OAuth2Layer, Spy]:
    layer = oauth2_layer(envelope, table, store, api="api", where="[apis.api]")
    spy = Spy()
    return SandboxedMock(envelope, [layer, spy]), layer, spy


def form(path: str, body: str, *headers: tuple[str, str]) -> Request:
    return Request("POST", path, headers=(FORM, *headers), body=body.encode())


def answer(result: MockResult) -> dict[str, Any]:
    document = json.loads(result.response.body)
    assert isinstance(document, dict)
    return document


def issue(handler: SandboxedMock, path: str, body: str = "grant_type=password&username=a&password=b") -> dict[str, Any]:
    result = handler(form(path, body))
    assert result.response.status == 200, result.response.body
    return answer(result)


def challenge(result: MockResult) -> str:
    value = result.response.header("www-authenticate")
    assert value is not None
    return value


def bearer(token: str) -> tuple[str, str]:
    return ("authorization", f"Bearer {token}")


def orders(token: str, method: str = "GET") -> Request:
    return Request(method, "/v1/orders", headers=(bearer(token),))


def soap(op: str, body: str, *headers: tuple[str, str], path: str = "/crm") -> Request:
    text = (f'<e:Envelope xmlns:e="{SOAP11}" xmlns:c="{TYPES}"><e:Body>'
            f"<c:{op}Request>{body}</c:{op}Request></e:Body></e:Envelope>")  # fmt: skip
    kind = (("content-type", "text/xml; charset=utf-8"), ("soapaction", f'"urn:example:crm/{op}"'))
    return Request("POST", path, headers=(*kind, *headers), body=text.encode())


def graphql(query: str, *headers: tuple[str, str], variables: dict[str, Any] | None = None) -> Request:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    return Request("POST", "/inventory", headers=(("content-type", "application/json"), *headers), body=body)


SEARCH = "<c:query>Acme</c:query>"
PRODUCTS = "{ products(first: 1) { edges { node { id } } } }"


# -- introspection and revocation -----------------------------------------------------------------------------


def test_introspection_describes_an_active_token_and_nothing_of_an_inactive_one(
    shop: MockEnvelope, store: Store
) -> None:
    handler, _, _ = layered(shop, {"token_lifetime_s": 600}, store)
    issued = issue(handler, "/v1/oauth/token", "grant_type=password&username=a&password=b&scope=orders%3Aread")
    active = answer(handler(form("/v1/oauth/token/introspect", f"token={issued['access_token']}")))
    assert active["active"] is True and active["client_id"] == "anonymous" and active["scope"] == "orders:read"
    assert active["token_type"] == "Bearer" and active["exp"] - active["iat"] in (599, 600)
    refresh = answer(handler(form("/v1/oauth/token/introspect", f"token={issued['refresh_token']}")))
    assert refresh["active"] is True and "token_type" not in refresh  # a refresh token is no bearer token
    hinted = form("/v1/oauth/token/introspect", f"token={issued['refresh_token']}&token_type_hint=access_token")
    assert answer(handler(hinted))["active"] is True  # a wrong hint only changes where it is looked up first
    for token in ("never-issued", issued["access_token"] + "x"):
        unknown = handler(form("/v1/oauth/token/introspect", f"token={token}"))
        assert unknown.response.status == 200 and answer(unknown) == {"active": False}
        assert unknown.response.header("cache-control") == "no-store"
    other = handler(form("/v1/oauth/token/introspect", f"token={issued['access_token']}", ("x-ctk-session", "b")))
    assert answer(other) == {"active": False}  # tokens belong to their session


def test_an_expired_token_is_inactive_and_refused(shop: MockEnvelope, store: Store) -> None:
    handler, _, _ = layered(shop, {"token_lifetime_s": 2}, store)
    token = issue(handler, "/v1/oauth/token", "grant_type=client_credentials")["access_token"]
    assert handler(orders(token)).response.status == 200
    time.sleep(2.1)
    assert answer(handler(form("/v1/oauth/token/introspect", f"token={token}"))) == {"active": False}
    refused = handler(orders(token))
    assert refused.response.status == 401 and "expired" in challenge(refused)


def test_revoking_an_access_token_leaves_the_refresh_token(shop: MockEnvelope, store: Store) -> None:
    handler, _, _ = layered(shop, {}, store)
    issued = issue(handler, "/v1/oauth/token")
    revoked = handler(form("/v1/oauth/token/revoke", f"token={issued['access_token']}&token_type_hint=access_token"))
    assert revoked.response.status == 200 and revoked.response.body == b""
    refused = handler(orders(issued["access_token"]))
    assert refused.response.status == 401 and "revoked" in challenge(refused)
    fresh = issue(handler, "/v1/oauth/token", f"grant_type=refresh_token&refresh_token={issued['refresh_token']}")
    assert handler(orders(fresh["access_token"])).response.status == 200


def test_revoking_a_refresh_token_revokes_its_whole_grant(shop: MockEnvelope, store: Store) -> None:
    handler, _, _ = layered(shop, {}, store)
    first = issue(handler, "/v1/oauth/token")
    second = issue(handler, "/v1/oauth/token", f"grant_type=refresh_token&refresh_token={first['refresh_token']}")
    other = issue(handler, "/v1/oauth/token")  # another grant: untouched
    assert handler(orders(first["access_token"])).response.status == 200  # rotation keeps issued access tokens
    revoked = handler(form("/v1/oauth/token/revoke", f"token={second['refresh_token']}"))
    assert revoked.response.status == 200
    for token in (first["access_token"], second["access_token"]):
        assert handler(orders(token)).response.status == 401
    again = handler(form("/v1/oauth/token", f"grant_type=refresh_token&refresh_token={second['refresh_token']}"))
    assert again.response.status == 400 and answer(again)["error"] == "invalid_grant"
    assert handler(orders(other["access_token"])).response.status == 200


def test_revocation_answers_200_for_an_unknown_token_and_refuses_bad_requests(shop: MockEnvelope, store: Store) -> None:
    handler, _, _ = layered(shop, {}, store)
    unknown = handler(form("/v1/oauth/token/revoke", "token=never-issued"))
    assert unknown.response.status == 200 and unknown.response.body == b""  # RFC 7009 2.2
    for path in ("/v1/oauth/token/revoke", "/v1/oauth/token/introspect"):
        missing = handler(form(path, "token_type_hint=access_token"))
        assert missing.response.status == 400 and answer(missing)["error"] == "invalid_request"
        get = handler(Request("GET", path))
        assert get.response.status == 405 and get.response.header("allow") == "POST"
        json_body = handler(Request("POST", path, headers=(("content-type", "application/json"),), body=b"{}"))
        assert json_body.response.status == 400


def test_a_client_cannot_revoke_another_clients_token(
    shop: MockEnvelope, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTK_TEST_OAUTH2_A", "secret-a")
    monkeypatch.setenv("CTK_TEST_OAUTH2_B", "secret-b")
    handler, _, _ = layered(shop, {"clients": {"a": "CTK_TEST_OAUTH2_A", "b": "CTK_TEST_OAUTH2_B"}}, store)
    as_a = ("authorization", "Basic " + base64.b64encode(b"a:secret-a").decode())
    as_b = ("authorization", "Basic " + base64.b64encode(b"b:secret-b").decode())
    token = answer(handler(form("/v1/oauth/token", "grant_type=client_credentials", as_a)))["access_token"]
    refused = handler(form("/v1/oauth/token/revoke", f"token={token}", as_b))
    assert refused.response.status == 400 and answer(refused)["error"] == "unauthorized_client"
    unauthenticated = handler(form("/v1/oauth/token/revoke", f"token={token}"))
    assert unauthenticated.response.status == 401 and answer(unauthenticated)["error"] == "invalid_client"
    assert handler(orders(token)).response.status == 200  # still valid
    # introspection: any authenticated client (a resource server introspects the tokens of others)
    assert answer(handler(form("/v1/oauth/token/introspect", f"token={token}", as_b)))["client_id"] == "a"
    assert handler(form("/v1/oauth/token/revoke", f"token={token}", as_a)).response.status == 200
    assert handler(orders(token)).response.status == 401


def test_configured_revocation_and_introspection_paths(shop: MockEnvelope, store: Store) -> None:
    table = {"revocation_path": "/oauth/revoke", "introspection_path": "/oauth/introspect"}
    handler, layer, _ = layered(shop, table, store)
    assert layer.listing() == [
        ("OAuth2 token endpoint /v1/oauth/token", "/v1/oauth/token"),
        ("OAuth2 revocation endpoint", "/v1/oauth/revoke"),
        ("OAuth2 introspection endpoint", "/v1/oauth/introspect"),
    ]
    token = issue(handler, "/v1/oauth/token")["access_token"]
    assert answer(handler(form("/v1/oauth/introspect", f"token={token}")))["active"] is True
    assert handler(form("/v1/oauth/revoke", f"token={token}")).response.status == 200
    assert answer(handler(form("/v1/oauth/introspect", f"token={token}"))) == {"active": False}
    assert handler(form("/v1/oauth/token/revoke", f"token={token}")).response.status == 404  # not served there


# -- scopes (OpenAPI) ------------------------------------------------------------------------------------------


def test_a_token_needs_the_scopes_of_one_security_alternative(shop: MockEnvelope, store: Store) -> None:
    handler, _, _ = layered(shop, {}, store)

    def token(scope: str) -> str:
        return str(issue(handler, "/v1/oauth/token", f"grant_type=client_credentials&scope={scope}")["access_token"])

    reader = token("orders:read")
    refused = handler(orders(reader, "POST"))
    assert refused.response.status == 403
    assert refused.response.header("content-type") == "application/problem+json"  # POST /orders declares no 403
    assert 'error="insufficient_scope"' in challenge(refused) and 'scope="orders:write"' in challenge(refused)
    assert answer(refused)["status"] == 403
    assert handler(orders(token("orders:write"), "POST")).response.status == 201
    assert handler(orders(token("orders:admin"), "POST")).response.status == 201  # the other alternative
    assert handler(orders(token("orders:admin"))).response.status == 403  # GET needs orders:read


def test_a_refresh_may_narrow_the_scope_not_widen_it(shop: MockEnvelope, store: Store) -> None:
    handler, _, _ = layered(shop, {}, store)
    first = issue(handler, "/v1/oauth/token", "grant_type=password&username=a&password=b&scope=orders%3Aread")
    wider = handler(form("/v1/oauth/token", f"grant_type=refresh_token&refresh_token={first['refresh_token']}"
                                            "&scope=orders%3Aread+orders%3Awrite"))  # fmt: skip
    assert wider.response.status == 400 and answer(wider)["error"] == "invalid_scope"
    whole = issue(handler, "/v1/oauth/token")
    assert whole["scope"] == "orders:admin orders:read orders:write"  # no scope asked: all the endpoint grants
    narrowing = f"grant_type=refresh_token&refresh_token={whole['refresh_token']}&scope=orders%3Aread"
    narrowed = issue(handler, "/v1/oauth/token", narrowing)
    assert narrowed["scope"] == "orders:read"
    assert handler(orders(narrowed["access_token"])).response.status == 200
    assert handler(orders(narrowed["access_token"], "POST")).response.status == 403


# -- SOAP and GraphQL ---------------------------------------------------------------------------------------


def test_a_refused_soap_or_graphql_request_never_reaches_the_inner_layers(
    crm: MockEnvelope, inventory: MockEnvelope, store: Store
) -> None:
    soap_handler, _, soap_spy = layered(
        crm, {"token_path": "/oauth/token", "required_scopes": {"CreateAccount": ["crm.write"]}}, store
    )
    reader = issue(soap_handler, "/crm/oauth/token", "grant_type=client_credentials&scope=")["access_token"]
    assert soap_handler(soap("SearchAccounts", SEARCH)).response.status == 401
    created = soap_handler(soap("CreateAccount", "<c:account><c:name>X</c:name></c:account>", bearer(reader)))
    assert created.response.status == 403 and created.operations == ("CrmService/CrmSoap11Port/CreateAccount",)
    assert soap_spy.seen == []
    assert soap_handler(soap("SearchAccounts", SEARCH, bearer(reader))).response.status == 200
    assert len(soap_spy.seen) == 1
    graphql_handler, _, graphql_spy = layered(
        inventory, {"token_path": "/oauth/token", "required_scopes": {"Mutation.adjustStock": ["stock"]}}, store
    )
    assert graphql_handler(graphql(PRODUCTS)).response.status == 401
    reader = issue(graphql_handler, "/inventory/oauth/token", "grant_type=client_credentials&scope=")["access_token"]
    adjust = 'mutation { adjustStock(input: {productId: "UHJvZHVjdDox", warehouseId: "V2FyZWhvdXNlOjE=", delta: 1}) '
    refused = graphql_handler(graphql(adjust + "{ userErrors { message } } }", bearer(reader)))
    assert refused.response.status == 403 and refused.operations == ("Mutation.adjustStock",)
    assert graphql_spy.seen == []
    assert graphql_handler(graphql(PRODUCTS, bearer(reader))).response.status == 200
    assert len(graphql_spy.seen) == 1


def test_soap_and_graphql_tokens_expire_by_the_clock(crm: MockEnvelope, inventory: MockEnvelope, store: Store) -> None:
    table = {"token_path": "/oauth/token", "token_lifetime_s": 2}
    soap_handler, _, _ = layered(crm, table, store)
    graphql_handler, _, _ = layered(inventory, table, store)
    soap_token = issue(soap_handler, "/crm/oauth/token")
    graphql_token = issue(graphql_handler, "/inventory/oauth/token")
    assert soap_token["expires_in"] == 2 and "refresh_token" in soap_token
    assert soap_handler(soap("SearchAccounts", SEARCH, bearer(soap_token["access_token"]))).response.status == 200
    assert graphql_handler(graphql(PRODUCTS, bearer(graphql_token["access_token"]))).response.status == 200
    time.sleep(2.1)
    late = soap_handler(soap("SearchAccounts", SEARCH, bearer(soap_token["access_token"])))
    assert late.response.status == 401 and "expired" in challenge(late) and b"Fault" in late.response.body
    late = graphql_handler(graphql(PRODUCTS, bearer(graphql_token["access_token"])))
    assert late.response.status == 401 and "expired" in challenge(late)
    assert answer(late)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    renewed = issue(soap_handler, "/crm/oauth/token",
                    f"grant_type=refresh_token&refresh_token={soap_token['refresh_token']}")  # fmt: skip
    assert soap_handler(soap("SearchAccounts", SEARCH, bearer(renewed["access_token"]))).response.status == 200


def test_what_soap_and_graphql_serve_without_a_token(crm: MockEnvelope, inventory: MockEnvelope, store: Store) -> None:
    soap_handler, _, _ = layered(crm, {"token_path": "/oauth/token"}, store)
    assert soap_handler(Request("GET", "/crm", query="wsdl")).response.status == 200
    graphql_handler, _, _ = layered(inventory, {"token_path": "/oauth/token"}, store)
    preflight = Request("OPTIONS", "/inventory", headers=(("origin", "http://app.test"),
                                                          ("access-control-request-method", "POST")))  # fmt: skip
    assert graphql_handler(preflight).response.status in (200, 204)
    get = graphql_handler(Request("GET", "/inventory", query="query=%7B%20warehouses%20%7B%20id%20%7D%20%7D"))
    assert get.response.status == 401  # a GET query is an operation too


def test_soap_without_a_mount_serves_the_token_path_at_the_root(store: Store) -> None:
    envelope = compile_mock(load_contract(CRM), seed=1)  # its ports at /soap/v1 and /soap12/v1
    handler, layer, _ = layered(envelope, {"token_path": "/oauth/token"}, store)
    assert layer.listing()[0] == ("OAuth2 token endpoint", "/oauth/token")
    token = issue(handler, "/oauth/token")["access_token"]
    assert handler(soap("SearchAccounts", SEARCH, path="/soap/v1")).response.status == 401
    assert handler(soap("SearchAccounts", SEARCH, bearer(token), path="/soap/v1")).response.status == 200


def test_scopes_default_to_those_required_scopes_names(inventory: MockEnvelope, store: Store) -> None:
    handler, layer, _ = layered(inventory, {"token_path": "/auth", "required_scopes": {"Query.products": ["p"]}}, store)
    assert layer.endpoints[0].scopes == {"p"}
    asked = handler(form("/inventory/auth", "grant_type=client_credentials&scope=q"))
    assert asked.response.status == 400 and answer(asked)["error"] == "invalid_scope"
    assert issue(handler, "/inventory/auth", "grant_type=client_credentials")["scope"] == "p"


class BrokenStore:
    """A store whose every call fails, as Redis does when it is unreachable."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise StoreError("cannot reach redis://127.0.0.1:1/0", where="redis://127.0.0.1:1/0")

        return fail


def test_a_failing_store_answers_503_in_the_protocols_form(crm: MockEnvelope, inventory: MockEnvelope) -> None:
    broken: Any = BrokenStore()
    soap_handler, _, _ = layered(crm, {"token_path": "/oauth/token"}, broken)
    refused = soap_handler(soap("SearchAccounts", SEARCH, bearer("some-token")))
    assert refused.response.status == 503 and b"Fault" in refused.response.body
    token = soap_handler(form("/crm/oauth/token", "grant_type=client_credentials"))
    assert token.response.status == 503 and answer(token)["error"] == "temporarily_unavailable"
    graphql_handler, _, _ = layered(inventory, {"token_path": "/oauth/token"}, broken)
    refused = graphql_handler(graphql(PRODUCTS, bearer("some-token")))
    assert refused.response.status == 503 and answer(refused)["errors"]


# -- the oauth2 table --------------------------------------------------------------------------------------------

W = "sandbox.toml [apis.api].oauth2"


@pytest.mark.parametrize(
    ("table", "where", "said"),
    [
        ({"token_path": "oauth/token"}, f"{W}.token_path", "a path under the API's mount"),
        ({"token_path": "/a/../token"}, f"{W}.token_path", "a path under the API's mount"),
        ({"token_path": "/"}, f"{W}.token_path", "a path under the API's mount"),
        ({"token_path": "/__ctk/token"}, f"{W}.token_path", "admin"),
        ({"token_path": "/t", "revocation_path": "/t"}, f"{W}.revocation_path", "different"),
        ({"token_path": "/t", "public": ["GetAcount"]}, f"{W}.public", "did you mean 'GetAccount'?"),
        ({"token_path": "/t", "public": "GetAccount"}, f"{W}.public", "list of operation names"),
        ({"token_path": "/t", "required_scopes": {"CreateAcount": ["w"]}}, f'{W}.required_scopes."CreateAcount"',
         "did you mean 'CreateAccount'?"),
        ({"token_path": "/t", "required_scopes": {"CreateAccount": []}}, f'{W}.required_scopes."CreateAccount"',
         "requires nothing"),
        ({"token_path": "/t", "required_scopes": {"CreateAccount": "w"}}, f'{W}.required_scopes."CreateAccount"',
         "list of scopes"),
        ({"token_path": "/t", "scopes": ["a"], "required_scopes": {"CreateAccount": ["w"]}},
         f'{W}.required_scopes."CreateAccount"', "not one of the scopes"),
        ({"token_path": "/t", "public": ["GetAccount"], "required_scopes": {"GetAccount": ["r"]}},
         f'{W}.required_scopes."GetAccount"', "public"),
        ({"token_path": "/t", "scopes": ["two words"]}, f"{W}.scopes", "is not a scope"),
        ({"token_path": "/t", "scopes": "crm.read"}, f"{W}.scopes", "list of scopes"),
        ({"token_pth": "/t"}, f"{W}.token_pth", "did you mean 'token_path'?"),
    ],
)  # fmt: skip
def test_soap_table_errors_are_named(crm: MockEnvelope, store: Store, table: dict[str, Any], where: str,
                                     said: str) -> None:  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        oauth2_layer(crm, table, store, api="api", where="[apis.api]")
    assert caught.value.where == where
    assert said in f"{caught.value.message} {caught.value.hint}"


def test_a_token_path_on_a_port_of_the_api_is_refused(store: Store) -> None:
    envelope = compile_mock(load_contract(CRM), seed=1)  # its ports at /soap/v1 and /soap12/v1
    with pytest.raises(ConfigError) as caught:
        oauth2_layer(envelope, {"token_path": "/soap/v1"}, store, api="crm", where="[apis.crm]")
    assert caught.value.where == "sandbox.toml [apis.crm].oauth2.token_path"
    assert "answers its own SOAP requests" in caught.value.message


@pytest.mark.parametrize("key", ["token_path", "scopes", "public", "required_scopes"])
def test_openapi_refuses_what_its_contract_declares(shop: MockEnvelope, store: Store, key: str) -> None:
    value: Any = {"token_path": "/t", "scopes": ["a"], "public": ["GET /orders"],
                  "required_scopes": {"GET /orders": ["a"]}}[key]  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        oauth2_layer(shop, {key: value}, store, api="shop", where="[apis.shop]")
    assert caught.value.where == f"sandbox.toml [apis.shop].oauth2.{key}"
    assert "SOAP and GraphQL" in caught.value.message and "/v1/oauth/token" in caught.value.message
    assert f"remove {key}" in (caught.value.hint or "")


# -- ctk serve --check ---------------------------------------------------------------------------------------


def _workspace(root: Path, crm_table: str) -> Path:
    write_file(root, "shop.yaml", SHOP)
    return write_workspace(
        root,
        f"""
[apis.shop]
contract = "{root / "shop.yaml"}"
mount = "/v1"
[apis.shop.oauth2]

[apis.crm]
contract = "{CRM}"
mount = "/crm"
[apis.crm.oauth2]
{crm_table}

[apis.inventory]
contract = "{INVENTORY}"
mount = "/inventory"
[apis.inventory.oauth2]
token_path = "/oauth/token"
revocation_path = "/oauth/revoke"
""",
    )


def test_serve_check_lists_every_oauth2_endpoint(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 'token_path = "/oauth/token"\npublic = ["GetAccount"]')
    code, _, err = ctk("serve", "--root", str(root), "--check")
    assert code == 0, err
    at = "at http://127.0.0.1:8000"
    for line in (
        f"  OAuth2 token endpoint /v1/oauth/token {at}/v1/oauth/token",
        f"  OAuth2 revocation endpoint {at}/v1/oauth/token/revoke",
        f"  OAuth2 introspection endpoint {at}/v1/oauth/token/introspect",
        f"  OAuth2 token endpoint {at}/crm/oauth/token",
        f"  OAuth2 revocation endpoint {at}/crm/oauth/token/revoke",
        f"  OAuth2 introspection endpoint {at}/crm/oauth/token/introspect",
        f"  OAuth2 token endpoint {at}/inventory/oauth/token",
        f"  OAuth2 revocation endpoint {at}/inventory/oauth/revoke",
        f"  OAuth2 introspection endpoint {at}/inventory/oauth/token/introspect",
    ):
        assert line in err.splitlines(), err


@pytest.mark.parametrize(
    ("crm_table", "named"),
    [
        ("", "sandbox.toml [apis.crm].oauth2.token_path"),
        ('token_path = "/oauth/token"\npublic = ["GetAcount"]', "sandbox.toml [apis.crm].oauth2.public"),
        ('token_path = "oauth"', "sandbox.toml [apis.crm].oauth2.token_path"),
    ],
)
def test_serve_refuses_a_bad_table_with_one_line_and_exit_2(tmp_path: Path, crm_table: str, named: str) -> None:
    root = _workspace(tmp_path, crm_table)
    code, out, err = ctk("serve", "--root", str(root), "--check")
    assert_refused_output(code, out, err, named)

"""OAuth2 for REST, SOAP and GraphQL, each run twice: over real HTTP against a ``ctk serve`` subprocess, and
in-process through ``MockTransport`` (httpx) and ``MockZeepTransport`` (zeep) on the handler ``ctk serve`` builds
from the same workspace. A client sees the same either way: a token opens a protected operation, an expired one
(``Prefer: token=expired``) is refused 401 with ``WWW-Authenticate``, the refresh token gets a new one that works,
a revoked one is refused, a token without a required scope is refused 403; each refusal in the protocol's form
(problem+json or the contract's answer, a SOAP Fault of the request's version, a GraphQL ``errors`` document).

The workspace keeps its tokens in a SQLite file and reads its client's secret from an environment variable: every
test also checks that neither the secret nor a token is in the store, an answer or the server's log, and that the
store does hold the tokens' digests (so the check looks where they would be).

Time is never asserted: every request carries the harness's client timeout (``HANG``) as a hang guard; expiry by
the clock has its own in-process tests (``test_oauth2.py``, ``test_oauth2_endpoints.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import zeep
import zeep.exceptions
from lxml import etree
from zeep.transports import Transport

from tests.support.files import write_file, write_workspace
from tests.support.paths import REPO
from tests.support.served import HANG, Served, assert_no_traceback, served
from toolkit.mock import MockTransport
from toolkit.sandbox.oauth2_tokens import digest
from toolkit.sandbox.server import ServeConfig, build_handler, mounted_apis
from toolkit.soap import MockZeepTransport
from toolkit.workspace import load_workspace

CONTRACTS = REPO / "contracts"
SECRET = "cs_PLANTED_OAUTH2_SECRET_9a8b7c"
SECRET_ENV = "CTK_TEST_OAUTH2_PROTOCOLS_SECRET"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
TYPES = "urn:example:crm:types"
ACCOUNT_ID = "001A000001Xyz12AAB"
PRODUCTS = "{ products(first: 2) { edges { node { id name } } } }"
WAREHOUSES = "{ warehouses { id code } }"
CREATE = """mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { product { id sku } userErrors { message } }
}"""
NEW_PRODUCT = {"sku": "SKU-OAUTH", "name": "Guarded widget", "price": "9.99"}

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
          tokenUrl: https://api.shop.example.com/v1/oauth/token
          scopes: {"orders:read": read orders, "orders:write": write orders}
        clientCredentials:
          tokenUrl: https://api.shop.example.com/v1/oauth/token
          scopes: {"orders:read": read orders, "orders:write": write orders}
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
    post:
      security: [{OAuth: ["orders:write"]}]
      responses:
        "201":
          description: created
          content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}
        "403":
          description: forbidden
          content:
            application/json:
              schema: {type: object, required: [code], properties: {code: {type: string, enum: [shop_forbidden]}}}
"""


def _workspace(root: Path) -> Path:
    write_file(root, "shop.yaml", SHOP)
    return write_workspace(
        root,
        f"""
[sandbox]
seed = 1
store = "sqlite:{root / "sandbox.db"}"

[apis.shop]
contract = "{root / "shop.yaml"}"
mount = "/v1"
[apis.shop.oauth2]
clients = {{ "app" = "{SECRET_ENV}" }}

[apis.crm]
contract = "{CONTRACTS / "crm" / "v1" / "crm.wsdl"}"
mount = "/crm"
[apis.crm.oauth2]
token_path = "/oauth/token"
clients = {{ "app" = "{SECRET_ENV}" }}
scopes = ["crm.read", "crm.write"]
public = ["GetAccount"]
required_scopes = {{ CreateAccount = ["crm.write"] }}

[apis.inventory]
contract = "{CONTRACTS / "inventory" / "v1"}"
mount = "/inventory"
[apis.inventory.oauth2]
token_path = "/oauth/token"
revocation_path = "/oauth/revoke"
introspection_path = "/oauth/introspect"
clients = {{ "app" = "{SECRET_ENV}" }}
public = ["Query.warehouses"]
required_scopes = {{ "Mutation.createProduct" = ["inventory.write"] }}
""",
    )


@dataclass
class Sandbox:
    """One way to reach the workspace's sandbox, and what it saw: the tokens it issued and every answer."""

    way: str
    url: str
    root: Path
    handler: Any = None  # in-process: what ctk serve would serve
    server: Served | None = None
    tokens: list[str] = field(default_factory=list)
    answers: list[bytes] = field(default_factory=list)

    def http(self) -> httpx.Client:
        hooks = {"response": [self._keep]}
        if self.handler is None:
            return httpx.Client(base_url=self.url, timeout=HANG, event_hooks=hooks)
        return httpx.Client(transport=MockTransport(self.handler), base_url=self.url, timeout=HANG, event_hooks=hooks)

    def _keep(self, response: httpx.Response) -> None:
        self.answers.append(response.read())

    def zeep(self) -> zeep.Client:
        """A zeep client of crm; the token goes in ``client.settings(extra_http_headers=...)``: the WSDL itself is
        fetched without one, as a client is built before it has a token."""
        if self.handler is None:
            transport: Transport = Transport(timeout=HANG, operation_timeout=HANG)
        else:
            transport = MockZeepTransport(self.handler, base_url=self.url)
        return zeep.Client(f"{self.url}/crm?wsdl", transport=transport)

    def token(self, path: str, session: str, **form: str) -> dict[str, Any]:
        """A token from the endpoint at ``path`` (the password grant unless ``form`` says otherwise)."""
        fields = {"grant_type": "password", "username": "ann", "password": "pw", **form}
        with self.http() as client:
            answer = client.post(path, data=fields, auth=("app", SECRET), headers={"x-ctk-session": session})
        assert answer.status_code == 200, answer.text
        issued: dict[str, Any] = answer.json()
        self.tokens += [issued["access_token"], *([issued["refresh_token"]] if "refresh_token" in issued else [])]
        return issued

    def refresh(self, path: str, session: str, refresh_token: str) -> dict[str, Any]:
        return self.token(path, session, grant_type="refresh_token", refresh_token=refresh_token)

    def revoke(self, path: str, session: str, token: str) -> None:
        with self.http() as client:
            answer = client.post(path, data={"token": token}, auth=("app", SECRET), headers={"x-ctk-session": session})
        assert answer.status_code == 200 and answer.content == b"", answer.text

    def introspect(self, path: str, session: str, token: str) -> dict[str, Any]:
        with self.http() as client:
            answer = client.post(path, data={"token": token}, auth=("app", SECRET), headers={"x-ctk-session": session})
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def assert_secrets_kept(self) -> None:
        """Neither the client secret nor a token in clear in the store, an answer or the log; their digests kept."""
        kept = b"".join(path.read_bytes() for path in self.root.glob("sandbox.db*"))
        assert self.tokens and any(digest(token).encode() in kept for token in self.tokens), "no token digest stored"
        for planted in (SECRET, *self.tokens):
            assert planted.encode() not in kept, "a secret or a token is in the store in clear"
        assert all(SECRET.encode() not in answer for answer in self.answers)
        if self.server is not None:
            log = self.server.log()
            assert all(planted not in log for planted in (SECRET, *self.tokens)), "a secret or a token is in the log"


@pytest.fixture(scope="module", params=["http", "in-process"])
def sandbox(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    root = _workspace(tmp_path_factory.mktemp("oauth2"))
    if request.param == "http":
        with served("--root", str(root), env={SECRET_ENV: SECRET}) as server:
            yield Sandbox("http", server.url, root, server=server)
            assert_no_traceback(server)
    else:
        with pytest.MonkeyPatch.context() as patch:  # the secret is read once, when the handler is built
            patch.setenv(SECRET_ENV, SECRET)
            space = load_workspace(root)
            config = ServeConfig(mounted_apis(space), seed=space.sandbox.seed, store=space.sandbox.store)
            handler = build_handler(config)
        yield Sandbox("in-process", "http://sandbox.test", root, handler=handler)


def session(name: str, sandbox: Sandbox) -> str:
    return f"{name}-{sandbox.way}"  # the served process lives for the module: one session per test and way


def bearer(token: str, session_name: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "x-ctk-session": session_name, **extra}


def challenge(response: httpx.Response) -> str:
    value = response.headers.get("www-authenticate")
    assert value is not None, (response.status_code, response.headers)
    return value


# -- REST ---------------------------------------------------------------------------------------------------


def test_rest_expired_token_refused_then_refreshed_and_revoked(sandbox: Sandbox) -> None:
    name = session("rest", sandbox)
    issued = sandbox.token("/v1/oauth/token", name)
    assert issued["scope"] == "orders:read orders:write"  # none asked: all the endpoint grants (RFC 6749 3.3)
    with sandbox.http() as client:
        assert client.get("/v1/orders", headers=bearer(issued["access_token"], name)).status_code == 200
        expired = client.get("/v1/orders", headers=bearer(issued["access_token"], name, prefer="token=expired"))
        assert expired.status_code == 401
        assert 'error="invalid_token"' in challenge(expired) and "expired" in challenge(expired)
        assert expired.headers["content-type"] == "application/problem+json"  # /orders declares no 401
        refreshed = sandbox.refresh("/v1/oauth/token", name, issued["refresh_token"])
        assert refreshed["refresh_token"] != issued["refresh_token"]
        assert client.get("/v1/orders", headers=bearer(refreshed["access_token"], name)).status_code == 200
        sandbox.revoke("/v1/oauth/token/revoke", name, refreshed["access_token"])
        revoked = client.get("/v1/orders", headers=bearer(refreshed["access_token"], name))
        assert revoked.status_code == 401 and "revoked" in challenge(revoked)
    assert sandbox.introspect("/v1/oauth/token/introspect", name, refreshed["access_token"]) == {"active": False}
    sandbox.assert_secrets_kept()


def test_rest_token_without_the_operations_scope_is_refused_403(sandbox: Sandbox) -> None:
    name = session("rest-scope", sandbox)
    reader = sandbox.token("/v1/oauth/token", name, grant_type="client_credentials", scope="orders:read")
    assert "refresh_token" not in reader  # client_credentials: no refresh token (RFC 6749 4.4.3)
    with sandbox.http() as client:
        assert client.get("/v1/orders", headers=bearer(reader["access_token"], name)).status_code == 200
        refused = client.post("/v1/orders", headers=bearer(reader["access_token"], name))
        assert refused.status_code == 403
        assert 'error="insufficient_scope"' in challenge(refused) and 'scope="orders:write"' in challenge(refused)
        assert refused.json() == {"code": "shop_forbidden"}  # the contract's own 403
        writer = sandbox.token("/v1/oauth/token", name, grant_type="client_credentials", scope="orders:write")
        assert client.post("/v1/orders", headers=bearer(writer["access_token"], name)).status_code == 201
        asked = client.post("/v1/oauth/token", data={"grant_type": "client_credentials", "scope": "orders:delete"},
                            auth=("app", SECRET))  # fmt: skip
        assert asked.status_code == 400 and asked.json()["error"] == "invalid_scope"
    sandbox.assert_secrets_kept()


# -- SOAP ----------------------------------------------------------------------------------------------------


def soap(sandbox: Sandbox, version: str, op: str, body: str, headers: dict[str, str]) -> httpx.Response:
    """``op`` posted to crm as raw XML in SOAP ``version``, for what zeep does not show (the status, the headers)."""
    namespace = SOAP11 if version == "1.1" else SOAP12
    text = (f'<e:Envelope xmlns:e="{namespace}" xmlns:c="{TYPES}"><e:Body>'
            f"<c:{op}Request>{body}</c:{op}Request></e:Body></e:Envelope>")  # fmt: skip
    action = f"urn:example:crm/{op}"
    kind = ({"content-type": "text/xml; charset=utf-8", "soapaction": f'"{action}"'} if version == "1.1"
            else {"content-type": f'application/soap+xml; charset=utf-8; action="{action}"'})  # fmt: skip
    with sandbox.http() as client:
        return client.post("/crm", content=text.encode(), headers={**kind, **headers})


def fault_code(response: httpx.Response, version: str) -> str:
    """The Fault's code in the answer, asserting the envelope is of ``version``."""
    namespace = SOAP11 if version == "1.1" else SOAP12
    root = etree.fromstring(response.content)
    assert etree.QName(root).namespace == namespace, response.text
    path = "e:Body/e:Fault/faultcode" if version == "1.1" else "e:Body/e:Fault/e:Code/e:Value"
    code = root.findtext(path, namespaces={"e": namespace})
    assert code is not None, response.text
    return code.rsplit(":", 1)[-1]


def test_soap_through_zeep_expired_refused_then_refreshed_and_revoked(sandbox: Sandbox) -> None:
    name = session("soap", sandbox)
    client = sandbox.zeep()  # the WSDL needs no token
    with client.settings(extra_http_headers={"X-Ctk-Session": name}), pytest.raises(zeep.exceptions.Fault) as none:
        client.service.SearchAccounts(query="Acme")
    assert "no access token" in none.value.message
    with client.settings(extra_http_headers={"X-Ctk-Session": name}):
        assert client.service.GetAccount(id=ACCOUNT_ID).id  # public: no token needed
    issued = sandbox.token("/crm/oauth/token", name)
    with client.settings(extra_http_headers=bearer(issued["access_token"], name)):
        assert client.service.SearchAccounts(query="Acme").totalSize >= 0
    expiring = bearer(issued["access_token"], name, Prefer="token=expired")
    with client.settings(extra_http_headers=expiring), pytest.raises(zeep.exceptions.Fault) as expired:
        client.service.SearchAccounts(query="Acme")
    assert "expired" in expired.value.message
    refreshed = sandbox.refresh("/crm/oauth/token", name, issued["refresh_token"])
    with client.settings(extra_http_headers=bearer(refreshed["access_token"], name)):
        assert client.service.SearchAccounts(query="Acme").totalSize >= 0
    sandbox.revoke("/crm/oauth/token/revoke", name, refreshed["refresh_token"])  # the grant goes with it
    revoking = bearer(refreshed["access_token"], name)
    with client.settings(extra_http_headers=revoking), pytest.raises(zeep.exceptions.Fault) as revoked:
        client.service.SearchAccounts(query="Acme")
    assert "revoked" in revoked.value.message
    assert sandbox.introspect("/crm/oauth/token/introspect", name, refreshed["access_token"]) == {"active": False}
    sandbox.assert_secrets_kept()


def test_soap_token_without_the_operations_scope_is_refused(sandbox: Sandbox) -> None:
    name = session("soap-scope", sandbox)
    client = sandbox.zeep()
    reader = sandbox.token("/crm/oauth/token", name, scope="crm.read")
    assert reader["scope"] == "crm.read"
    with client.settings(extra_http_headers=bearer(reader["access_token"], name)):
        with pytest.raises(zeep.exceptions.Fault) as refused:
            client.service.CreateAccount(account={"name": "Refused Ltd", "industry": "Retail"})
        assert "crm.write" in refused.value.message
        assert client.service.SearchAccounts(query="Refused").totalSize >= 0  # needs no scope
    writer = sandbox.token("/crm/oauth/token", name, scope="crm.read crm.write")
    with client.settings(extra_http_headers=bearer(writer["access_token"], name)):
        assert client.service.CreateAccount(account={"name": "Allowed Ltd", "industry": "Retail"})
    sandbox.assert_secrets_kept()


@pytest.mark.parametrize(("version", "code"), [("1.1", "Client"), ("1.2", "Sender")])
def test_soap_refusals_are_faults_of_the_requests_version(sandbox: Sandbox, version: str, code: str) -> None:
    name = session(f"soap-raw-{version}", sandbox)
    missing = soap(sandbox, version, "SearchAccounts", "<c:query>Acme</c:query>", {"x-ctk-session": name})
    assert missing.status_code == 401 and fault_code(missing, version) == code
    assert challenge(missing).startswith("Bearer ") and 'error="invalid_token"' in challenge(missing)
    reader = sandbox.token("/crm/oauth/token", name, scope="crm.read")
    created = soap(sandbox, version, "CreateAccount", "<c:account><c:name>X</c:name></c:account>",
                   bearer(reader["access_token"], name))  # fmt: skip
    assert created.status_code == 403 and fault_code(created, version) == code
    assert 'error="insufficient_scope"' in challenge(created) and 'scope="crm.write"' in challenge(created)
    with sandbox.http() as client:  # the WSDL is served without a token
        assert client.get("/crm?wsdl").status_code == 200
    sandbox.assert_secrets_kept()


# -- GraphQL --------------------------------------------------------------------------------------------------


def graphql(sandbox: Sandbox, query: str, headers: dict[str, str], **variables: Any) -> httpx.Response:
    with sandbox.http() as client:
        return client.post("/inventory", json={"query": query, "variables": variables}, headers=headers)


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


def test_graphql_expired_token_refused_then_refreshed_and_revoked(sandbox: Sandbox) -> None:
    name = session("graphql", sandbox)
    missing = graphql(sandbox, PRODUCTS, {"x-ctk-session": name})
    assert missing.status_code == 401 and codes(missing) == ["UNAUTHENTICATED"] and "data" not in missing.json()
    assert 'error="invalid_token"' in challenge(missing)
    assert graphql(sandbox, WAREHOUSES, {"x-ctk-session": name}).status_code == 200  # public
    mixed = graphql(sandbox, "{ warehouses { id } products(first: 1) { edges { node { id } } } }",
                    {"x-ctk-session": name})  # fmt: skip
    assert mixed.status_code == 401  # one protected field is enough
    introspection = graphql(sandbox, "{ __schema { queryType { name } } }", {"x-ctk-session": name})
    assert introspection.status_code == 401  # as at a vendor whose endpoint sits behind a bearer gate
    issued = sandbox.token("/inventory/oauth/token", name)
    assert graphql(sandbox, PRODUCTS, bearer(issued["access_token"], name)).json()["data"]["products"]
    expired = graphql(sandbox, PRODUCTS, bearer(issued["access_token"], name, prefer="token=expired"))
    assert expired.status_code == 401 and codes(expired) == ["UNAUTHENTICATED"] and "expired" in challenge(expired)
    refreshed = sandbox.refresh("/inventory/oauth/token", name, issued["refresh_token"])
    assert graphql(sandbox, PRODUCTS, bearer(refreshed["access_token"], name)).status_code == 200
    active = sandbox.introspect("/inventory/oauth/introspect", name, refreshed["access_token"])
    assert active["active"] is True and active["client_id"] == "app" and active["token_type"] == "Bearer"
    sandbox.revoke("/inventory/oauth/revoke", name, refreshed["access_token"])
    revoked = graphql(sandbox, PRODUCTS, bearer(refreshed["access_token"], name))
    assert revoked.status_code == 401 and "revoked" in challenge(revoked)
    assert sandbox.introspect("/inventory/oauth/introspect", name, refreshed["access_token"]) == {"active": False}
    sandbox.assert_secrets_kept()


def test_graphql_scope_refusal_is_403_forbidden(sandbox: Sandbox) -> None:
    name = session("graphql-scope", sandbox)
    reader = sandbox.token("/inventory/oauth/token", name, grant_type="client_credentials", scope="")
    # an empty scope asks for nothing: the token passes only operations that require no scope
    assert graphql(sandbox, PRODUCTS, bearer(reader["access_token"], name)).status_code == 200
    refused = graphql(sandbox, CREATE, bearer(reader["access_token"], name), input=NEW_PRODUCT)
    assert refused.status_code == 403 and codes(refused) == ["FORBIDDEN"]
    assert 'error="insufficient_scope"' in challenge(refused) and 'scope="inventory.write"' in challenge(refused)
    assert "Mutation.createProduct" in refused.json()["errors"][0]["message"]
    writer = sandbox.token("/inventory/oauth/token", name, grant_type="client_credentials")
    assert writer["scope"] == "inventory.write"
    created = graphql(sandbox, CREATE, bearer(writer["access_token"], name), input=NEW_PRODUCT)
    assert created.status_code == 200 and created.json()["data"]["createProduct"]["product"]["sku"]
    sandbox.assert_secrets_kept()

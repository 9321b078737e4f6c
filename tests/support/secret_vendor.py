"""A vendor's sandbox that hands out secrets: a small real ASGI app on a loopback port for the recording tests.

It answers REST (``/v1/...``: an OAuth token endpoint, orders, a profile), SOAP (``/soap/items``) and GraphQL
(``/graphql``) with secrets in every place a real vendor puts them (Set-Cookie, token responses, headers, JSON and
XML bodies, WS-Security), every one from ``SECRETS``, and keeps the requests it received (to check what the
recorder forwarded). ``MARKER`` values appear in its answers and never in ctk's generated data, so a test can tell a
replayed answer from a generated one. ``secret_workspace`` writes the workspace whose three APIs record from it.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx

from tests.support.cli import CTK
from tests.support.files import write_file, write_workspace
from tests.support.items_wsdl import items_wsdl
from tests.support.served import HANG
from toolkit.mock.loopback import free_port, serve_in_thread

# Every secret planted, by where it travels: each distinct, each long enough to be searched for in a file.
_JWT_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()


def _jwt(subject: str) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"sub": subject}).encode()).rstrip(b"=").decode()
    return f"{_JWT_HEADER}.{payload}.c2lnbmF0dXJlLW9mLXt7c3ViamVjdH19LX{subject}"


_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAplantedPemBody0123456789abcdef\n-----END RSA PRIVATE KEY-----"
SECRETS: dict[str, str] = {
    "shop key (credential header from the environment)": "shopkey-env-7f3a9c1e5b",
    "bearer token sent by the client": "client-bearer-Qx81Lm20Zt",
    "request cookie": "cookie-session-A9d8F7g6",
    "response Set-Cookie": "setcookie-sid-K3j4H5g6",
    "query api_token (contract apiKey in query)": "query-apitoken-P0o9I8u7",
    "form password": "form-password-Y6t5R4e3",
    "form client_secret": "form-clientsecret-W2q1A0s9",
    "token response access_token": "access-token-D8f7G6h5J4",
    "token response refresh_token": "refresh-token-L3k2J1h0G9",
    "token response id_token (JWT)": _jwt("idtoken"),
    "JSON body format: password field": "pin-code-Z9x8C7v6",
    "JSON body writeOnly field": "4111111111111111-card",
    "JWT in an unknown response field": _jwt("unknownfield"),
    "AWS access key id in a response": "AKIAPLANTEDEXAMPLE12",
    "Stripe key in a response": "sk_live_PlantedStripeKey0123456789",
    "response header X-Session-Token": "resp-header-token-N7m6B5v4",
    "signed URL in a Location header": "signed-url-sig-F4g5H6j7",
    "private key in a response": _PEM,
    "SOAP UsernameToken Password (from the environment)": "wsse-password-E4r3T2y1",
    "SOAP BinarySecurityToken in a request": "MIIBbinarySecToken+Planted/Value==",
    "SOAP BinarySecurityToken in a response": "MIIBresponseSecToken+Planted/Val==",
    "GitHub token in a SOAP answer": "ghp_PlantedGithubToken0123456789abcdefAB",
    "basic credentials sent by the SOAP client": base64.b64encode(b"soapuser:basic-pass-U8i7O6p5").decode(),
    "GraphQL bearer (credential from the environment)": "graphql-env-bearer-H1j2K3l4",
    "GraphQL variable password": "gql-var-password-M5n6B7v8",
    "GraphQL nested input apiKey": "gql-input-apikey-C9x8Z7a6",
    "GraphQL inline argument password": "gql-inline-password-Q1w2E3r4",
    "GraphQL answer token": "gql-answer-token-T5y6U7i8",
    "Slack token in a GraphQL answer": "xoxb-123456789012-PlantedSlackToken",
    "Google API key header": "AIzaSyPlantedGoogleKey0123456789abcdefg",
}
S = SECRETS
MARKER = "vendor-marker-0451"  # in the vendor's answers, never in generated data

SHOP = """openapi: 3.0.3
info: {title: Shop, version: '1'}
servers: [{url: 'https://shop.example.com/v1'}]
components:
  securitySchemes:
    shopKey: {type: apiKey, in: header, name: X-Shop-Key}
    queryToken: {type: apiKey, in: query, name: api_token}
  schemas:
    Order:
      type: object
      required: [id, amount]
      properties:
        id: {type: string}
        amount: {type: integer}
        note: {type: string}
        diagnostic: {type: string}
    NewOrder:
      type: object
      properties:
        amount: {type: integer}
        pin_code: {type: string, format: password}
        card_number: {type: string, writeOnly: true}
    Tokens:
      type: object
      properties:
        access_token: {type: string}
        refresh_token: {type: string}
        id_token: {type: string}
        token_type: {type: string}
    Profile:
      type: object
      properties:
        name: {type: string}
        note: {type: string}
        pem: {type: string}
security: [{shopKey: []}]
paths:
  /oauth/token:
    post:
      operationId: token
      security: []
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties: {grant_type: {type: string}, username: {type: string}, password: {type: string},
                           client_secret: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Tokens'}}}}
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/NewOrder'}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
  /orders/{id}:
    get:
      operationId: getOrder
      security: [{shopKey: [], queryToken: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
  /profile:
    get:
      operationId: getProfile
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Profile'}}}}
"""

INVENTORY = """type Query {
  product(id: ID!): Product
}
type Mutation {
  login(username: String!, password: String!): Session
  register(input: RegisterInput!): User
}
type Product { id: ID! name: String! note: String }
type Session { token: String! message: String }
type User { id: ID! name: String! }
input RegisterInput { name: String! apiKey: String! }
"""


@dataclass
class SecretVendor:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)


Answer = tuple[int, list[tuple[str, str]], bytes]


def _json(status: int, value: Any, headers: list[tuple[str, str]] | None = None) -> Answer:
    return status, [("content-type", "application/json"), *(headers or [])], json.dumps(value).encode()


def _answer(method: str, path: str, query: str, body: bytes) -> Answer:
    if path == "/v1/oauth/token":
        tokens = {
            "access_token": S["token response access_token"],
            "refresh_token": S["token response refresh_token"],
            "id_token": S["token response id_token (JWT)"],
            "token_type": "Bearer",
        }
        return _json(200, tokens, [("set-cookie", f"sid={S['response Set-Cookie']}; Path=/; HttpOnly")])
    if path == "/v1/orders" and method == "POST":
        location = f"https://shop.example.com/v1/orders/o-new?expires=60&sig={S['signed URL in a Location header']}"
        return _json(201, {"id": "o-new", "amount": 1200, "note": MARKER}, [("location", location)])
    if path.startswith("/v1/orders/"):
        order = {  # amount as a string: the vendor drifted from the contract (an integer)
            "id": path.rsplit("/", 1)[1],
            "amount": "12.00",
            "note": MARKER,
            "diagnostic": f"key {S['AWS access key id in a response']} and {S['Stripe key in a response']}",
        }
        return _json(200, order)
    if path == "/v1/profile":
        profile = {"name": MARKER, "note": S["JWT in an unknown response field"], "pem": S["private key in a response"]}
        return _json(200, profile, [("x-session-token", S["response header X-Session-Token"])])
    if path == "/soap/items":
        envelope = (
            '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">'
            "<soap:Header><wsse:Security><wsse:BinarySecurityToken>"
            f"{S['SOAP BinarySecurityToken in a response']}</wsse:BinarySecurityToken></wsse:Security></soap:Header>"
            '<soap:Body><FindItemByIdResponse xmlns="urn:items"><item><itemId>i-1</itemId>'
            f"<label>{MARKER} {S['GitHub token in a SOAP answer']}</label>"
            "<colour>red</colour></item></FindItemByIdResponse>"  # an element the WSDL does not declare: drift
            "</soap:Body></soap:Envelope>"
        )
        return 200, [("content-type", "text/xml; charset=utf-8")], envelope.encode()
    if path == "/graphql":
        document = json.loads(body or b"{}")
        query = str(document.get("query", ""))
        if "login" in query:
            session = {"token": S["GraphQL answer token"], "message": f"welcome {S['Slack token in a GraphQL answer']}"}
            return _json(200, {"data": {"login": session}})
        if "register" in query:
            return _json(200, {"data": {"register": {"id": "u-1", "name": MARKER}}})
        return _json(200, {"data": {"product": {"id": "p1", "name": MARKER, "note": None}}})
    return _json(404, {"error": "not found"})


@contextmanager
def secret_vendor() -> Iterator[SecretVendor]:
    """The vendor on a free loopback port (uvicorn in a thread)."""
    vendor = SecretVendor("")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        headers = {key.decode().lower(): value.decode() for key, value in scope["headers"]}
        query = scope.get("query_string", b"").decode()
        vendor.received.append({"method": scope["method"], "path": scope["path"], "query": query, "headers": headers})
        status, answer_headers, answer = _answer(scope["method"], scope["path"], query, body)
        raw = [(key.encode(), value.encode()) for key, value in answer_headers]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": answer})

    with serve_in_thread(app) as url:
        vendor.url = url
        yield vendor


def secret_workspace(root: Path, vendor_url: str) -> Path:
    """A workspace of three APIs recorded from ``vendor_url``: shop (REST, an API key header from SHOP_KEY), items
    (SOAP, WS-Security from ITEMS_USER/ITEMS_PASSWORD) and inventory (GraphQL, a bearer token from INVENTORY_TOKEN)."""
    write_file(root, "contracts/shop/openapi.yaml", SHOP)
    write_file(root, "contracts/items/items.wsdl", items_wsdl())
    write_file(root, "contracts/inventory/schema.graphql", INVENTORY)
    return write_workspace(
        root,
        f"""[apis.shop]
contract = "contracts/shop/openapi.yaml"
mount = "/shop"
[apis.shop.vendor]
sandbox_url = "{vendor_url}/v1"
auth = {{ type = "header", name = "X-Shop-Key", value_env = "SHOP_KEY" }}

[apis.items]
contract = "contracts/items/items.wsdl"
mount = "/items"
[apis.items.vendor]
wsdl_url = "{vendor_url}/soap/items?wsdl"
auth = {{ type = "wsse", username_env = "ITEMS_USER", password_env = "ITEMS_PASSWORD" }}

[apis.inventory]
contract = "contracts/inventory/schema.graphql"
mount = "/inventory"
[apis.inventory.vendor]
graphql_endpoint = "{vendor_url}/graphql"
auth = {{ type = "bearer", token_env = "INVENTORY_TOKEN" }}
""",
    )


CREDENTIALS = {
    "SHOP_KEY": S["shop key (credential header from the environment)"],
    "ITEMS_USER": "items-user",
    "ITEMS_PASSWORD": S["SOAP UsernameToken Password (from the environment)"],
    "INVENTORY_TOKEN": S["GraphQL bearer (credential from the environment)"],
}


@dataclass
class Recorder:
    """A running ``ctk record`` subprocess: the URL clients send to, and its stderr once stopped."""

    url: str
    process: subprocess.Popen[str]
    log: str = ""
    answers: dict[str, httpx.Response] = field(default_factory=dict)  # what the client received through it


@contextmanager
def ctk_record(api: str, root: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Recorder]:
    """``ctk record API --root ROOT`` on a free loopback port, with ``CREDENTIALS`` in its environment; stopped (SIGINT,
    as Ctrl-C) when the block ends, its stderr then in ``log``."""
    port = free_port()
    command = [str(CTK), "record", api, "--root", str(root), "--port", str(port), *args]
    process = subprocess.Popen(
        command, env={**os.environ, **CREDENTIALS, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    recorder = Recorder(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"ctk record exited with {process.returncode}: {process.communicate()[1]}")
            try:
                if httpx.get(f"{recorder.url}/__ctk/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ctk record did not answer within 60 s"
            time.sleep(0.1)
        yield recorder
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, recorder.log = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, recorder.log = process.communicate(timeout=5)


def wsse_envelope(body: str, password: str, token: str) -> str:
    """A SOAP 1.1 envelope with a WS-Security header: a UsernameToken (``password``) and a BinarySecurityToken."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">'
        '<soap:Header><wsse:Security soap:mustUnderstand="0"><wsse:UsernameToken><wsse:Username>items-user'
        f'</wsse:Username><wsse:Password Type="PasswordText">{password}</wsse:Password></wsse:UsernameToken>'
        f"<wsse:BinarySecurityToken>{token}</wsse:BinarySecurityToken></wsse:Security></soap:Header>"
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    )


def find_item(item_id: str) -> str:
    return f'<FindItemByIdRequest xmlns="urn:items"><itemId>{item_id}</itemId></FindItemByIdRequest>'


LOGIN = 'mutation Login($password: String!) {\n  login(username: "u", password: $password) { token message }\n}'
INLINE_LOGIN = 'mutation { login(username: "u", password: "%s") { token } }'
REGISTER = "mutation Register($input: RegisterInput!) { register(input: $input) { id name } }"
PRODUCT = 'query { product(id: "%s") { id name note } }'


def drive_shop(client: httpx.Client) -> dict[str, httpx.Response]:
    """The REST traffic: a token (form body, cookie back), an order created (password and writeOnly fields), one
    read (query API key, drifted answer), the profile (the issued token as bearer, cookies, a Google key header)."""
    token = client.post(
        "/shop/oauth/token",
        data={
            "grant_type": "password",
            "username": "u",
            "password": S["form password"],
            "client_secret": S["form client_secret"],
        },
    )
    access = token.json()["access_token"]
    created = client.post(
        "/shop/orders",
        json={
            "amount": 1200,
            "pin_code": S["JSON body format: password field"],
            "card_number": S["JSON body writeOnly field"],
        },
        headers={"authorization": f"Bearer {S['bearer token sent by the client']}"},
    )
    read = client.get("/shop/orders/o-1", params={"api_token": S["query api_token (contract apiKey in query)"]})
    profile = client.get(
        "/shop/profile",
        headers={
            "authorization": f"Bearer {access}",
            "cookie": f"session={S['request cookie']}; theme=dark",
            "x-goog-api-key": S["Google API key header"],
        },
    )
    return {"token": token, "created": created, "read": read, "profile": profile}


def drive_items(
    client: httpx.Client, password: str = S["SOAP UsernameToken Password (from the environment)"]
) -> httpx.Response:
    return client.post(
        "/items",
        content=wsse_envelope(find_item("i-1"), password, S["SOAP BinarySecurityToken in a request"]),
        headers={
            "content-type": "text/xml; charset=utf-8",
            "soapaction": '"urn:items/FindItemById"',
            "authorization": f"Basic {S['basic credentials sent by the SOAP client']}",
        },
    )


def drive_inventory(client: httpx.Client) -> dict[str, httpx.Response]:
    return {
        "login": client.post(
            "/inventory", json={"query": LOGIN, "variables": {"password": S["GraphQL variable password"]}}
        ),
        "inline": client.post("/inventory", json={"query": INLINE_LOGIN % S["GraphQL inline argument password"]}),
        "register": client.post(
            "/inventory",
            json={"query": REGISTER, "variables": {"input": {"name": "n", "apiKey": S["GraphQL nested input apiKey"]}}},
        ),
        "product": client.post("/inventory", json={"query": PRODUCT % "p1"}),
    }


def record_everything(root: Path, vendor: SecretVendor) -> dict[str, Recorder]:
    """Each API of ``secret_workspace`` recorded through ``ctk record``, with its traffic; the recorders (stopped)."""
    recorders: dict[str, Recorder] = {}
    for api, drive in (("shop", drive_shop), ("items", drive_items), ("inventory", drive_inventory)):
        with ctk_record(api, root) as recorder, httpx.Client(base_url=recorder.url, timeout=HANG) as client:
            answers = drive(client)
            recorder.answers = answers if isinstance(answers, dict) else {"find": answers}
        recorders[api] = recorder
    return recorders


def written_files(root: Path) -> list[Path]:
    """Every file under the workspace's mocks/ (what the recorder wrote)."""
    return [path for path in (root / "mocks").rglob("*") if path.is_file()]


def forms(secret: str) -> set[str]:
    """The ways a secret could be written into a file: as is, JSON-escaped (once, twice), URL-encoded, and its
    distinctive middle (for a PEM block, whose lines could be split)."""
    once = json.dumps(secret)[1:-1]
    found = {secret, once, json.dumps(once)[1:-1], quote(secret, safe=""), quote_plus(secret)}
    if "\n" in secret:
        found |= {line for line in secret.splitlines() if len(line) > 20 and "-----" not in line}
    return found

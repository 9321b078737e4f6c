"""The mock's adapters: httpx in-process (sync, async, respx) with no socket, and the ASGI app under a
real uvicorn on loopback, where a webhook event must really reach a receiver."""

from __future__ import annotations

import asyncio
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import respx

from tests.support.paths import DATA, REPO
from toolkit.exchange import Request
from toolkit.load import load_contract
from toolkit.mock.asgi import MockASGIApp
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.loopback import serve_in_thread
from toolkit.mock.transport import MockTransport, respx_route
from toolkit.openapi.mock.handler import OpenAPIMock, OpenAPIMockOptions
from toolkit.sandbox.server import Dispatcher

BASE = "https://api.payments.example.com/v1"
KEY = {"X-Api-Key": "sk_test_123"}


@pytest.fixture(scope="module")
def payments() -> OpenAPIMock:
    return MockEnvelope(OpenAPIMock(load_contract(REPO / "contracts" / "payments" / "v1"), OpenAPIMockOptions(seed=1)))  # type: ignore[arg-type]


def test_the_socket_guard_itself_works(no_sockets: list[Any]) -> None:
    """Without this, 'no socket was opened' below would prove nothing."""
    with pytest.raises(AssertionError, match="opened a socket"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    assert no_sockets == [("127.0.0.1", 9)]


# -- httpx in-process -------------------------------------------------------------------------------


def test_sync_client_reaches_the_mock_without_a_socket(payments: OpenAPIMock, no_sockets: list[Any]) -> None:
    with httpx.Client(transport=MockTransport(payments), base_url=BASE, headers=KEY) as client:
        customer = client.get("/customers/cus_1")
        created = client.post("/payment_intents", json={"amount": 1200, "currency": "eur"})
        refused = client.post("/payment_intents", json={"amount": 0})
        missing = client.get("/nowhere")
    assert customer.status_code == 200 and customer.json()["id"] == "cus_1"
    assert customer.headers["content-type"] == "application/json"
    assert created.status_code == 201 and created.json()["amount"] == 1200
    assert refused.status_code == 400 and refused.json()["errors"][0]["pointer"] == "/amount"
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert no_sockets == []


def test_sync_client_sees_the_same_bytes_as_the_core(payments: OpenAPIMock) -> None:
    with httpx.Client(transport=MockTransport(payments), base_url=BASE, headers=KEY) as client:
        response = client.get("/customers", params={"limit": 3})
    core = payments(Request("GET", "/v1/customers", "limit=3", (("x-api-key", "k"),))).response
    assert response.content == core.body
    assert len(response.json()["data"]) == 3


def test_async_client_reaches_the_mock_without_a_socket(payments: OpenAPIMock, no_sockets: list[Any]) -> None:
    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=MockTransport(payments), base_url=BASE, headers=KEY) as client:
            return await asyncio.gather(client.get("/refunds/re_1"), client.delete("/customers/cus_7"))

    refund, deleted = asyncio.run(scenario())
    assert refund.status_code == 200 and refund.json()["id"] == "re_1"
    assert deleted.status_code == 200 and deleted.json() == {"id": "cus_7", "object": "customer", "deleted": True}
    assert no_sockets == []


def test_transport_collects_deliveries_instead_of_sending_them(no_sockets: list[Any]) -> None:
    options = OpenAPIMockOptions(
        webhook_after={"POST /payment_intents": "payment_intent.succeeded"}, webhook_url="http://127.0.0.1:9/x"
    )
    mock = MockEnvelope(OpenAPIMock(load_contract(REPO / "contracts" / "payments" / "v1"), options))  # type: ignore[arg-type]
    transport = MockTransport(mock)
    with httpx.Client(transport=transport, base_url=BASE, headers=KEY) as client:
        assert client.post("/payment_intents", json={"amount": 5}).status_code == 201
    assert [d.name for d in transport.deliveries] == ["payment_intent.succeeded"]
    assert no_sockets == []


def test_respx_routes_plain_httpx_calls_to_the_mock(payments: OpenAPIMock, no_sockets: list[Any]) -> None:
    with respx.mock:
        route = respx_route(respx.mock, payments, BASE)
        response = httpx.get(f"{BASE}/customers/cus_42", headers=KEY)
        posted = httpx.post(f"{BASE}/customers", data={"email": "a@example.com", "address[country]": "DE"}, headers=KEY)
        unauthorized = httpx.get(f"{BASE}/charges")
    assert route.call_count == 3
    assert response.status_code == 200 and response.json()["id"] == "cus_42"
    assert posted.status_code == 201 and posted.json()["address"]["country"] == "DE"
    assert unauthorized.status_code == 401
    assert no_sockets == []


def test_asgi_app_in_process(payments: OpenAPIMock) -> None:
    async def scenario() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        app = MockASGIApp(payments, max_body=64)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock", headers=KEY) as client:
            return (
                await client.get("/v1/customers/cus%5F1"),
                await client.post("/v1/customers", content=b"x" * 65, headers={"content-type": "application/json"}),
                await client.head("/v1/customers"),
            )

    encoded, too_large, head = asyncio.run(scenario())
    assert encoded.status_code == 200 and encoded.json()["id"] == "cus_1"
    assert too_large.status_code == 413 and too_large.headers["content-type"] == "application/problem+json"
    assert head.status_code == 200 and head.content == b""


def test_dispatcher_routes_by_mount_and_reaches_admin_endpoints(payments: OpenAPIMock) -> None:
    pets = MockEnvelope(
        OpenAPIMock(load_contract(DATA / "mock" / "pets30.yaml"), OpenAPIMockOptions(mount="/pets-api"))
    )  # type: ignore[arg-type]
    payments_at = MockEnvelope(OpenAPIMock(payments.contract, OpenAPIMockOptions(mount="/payments")))
    dispatcher = Dispatcher({"/pets-api": pets, "/payments": payments_at})
    assert dispatcher(Request("GET", "/pets-api/pets/mine")).response.status == 200
    assert dispatcher(Request("GET", "/payments/customers/cus_1", headers=(("x-api-key", "k"),))).response.status == 200
    assert dispatcher(Request("GET", "/elsewhere")).response.status == 404
    webhook = dispatcher(Request("POST", "/__ctk/webhooks/charge.refunded", body=b'{"url": "http://127.0.0.1:9/h"}'))
    assert webhook.response.status == 202 and [d.name for d in webhook.deliveries] == ["charge.refunded"]
    assert dispatcher(Request("GET", "/__ctk/health")).response.status == 200


# -- uvicorn on loopback -----------------------------------------------------------------------------


@dataclass
class Receiver:
    url: str
    events: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """A loopback server that records every POST (the conftest's ``http_server`` records only GETs)."""
    receiver = Receiver("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            receiver.events.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()
            receiver.arrived.set()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_event_really_arrives_over_uvicorn(payments: OpenAPIMock) -> None:
    with webhook_receiver() as receiver, serve_in_thread(MockASGIApp(payments), lifespan="on") as url:
        response = httpx.post(f"{url}/__ctk/webhooks/payment_intent.succeeded", json={"url": f"{receiver.url}/hooks"})
        assert response.status_code == 202, response.text
        assert receiver.arrived.wait(10), "the webhook event never arrived"
    path, headers, body = receiver.events[0]
    assert path == "/hooks"
    assert headers["content-type"] == "application/json"
    event = json.loads(body)
    schema, where = payments.mock.webhooks["payment_intent.succeeded"]
    assert payments.mock.validators.validator(schema, where, "request").is_valid(event)
    assert event["type"] == "payment_intent.succeeded"


def test_webhook_after_an_operation_over_uvicorn() -> None:
    with webhook_receiver() as receiver:
        options = OpenAPIMockOptions(
            webhook_after={"POST /payment_intents": "payment_intent.succeeded"}, webhook_url=f"{receiver.url}/after"
        )
        mock = MockEnvelope(OpenAPIMock(load_contract(REPO / "contracts" / "payments" / "v1"), options))  # type: ignore[arg-type]
        with serve_in_thread(MockASGIApp(mock), lifespan="on") as url:
            answer = httpx.post(f"{url}/v1/payment_intents", json={"amount": 990, "currency": "gbp"}, headers=KEY)
            assert answer.status_code == 201
            assert answer.headers["content-type"] == "application/json"
            assert receiver.arrived.wait(10), "the webhook event never arrived"
    assert [path for path, _, _ in receiver.events] == ["/after"]
    assert json.loads(receiver.events[0][2])["type"] == "payment_intent.succeeded"

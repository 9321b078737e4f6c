"""Webhooks and callbacks carry every header their contract requires, and a signature header computed with
the secret from the environment variable ``webhook_secret_env`` names (Stripe's scheme: ``t=<unix>,v1=<hex
HMAC-SHA256(secret, "<t>.<body>")>``), which a receiver on loopback verifies. The secret is never shown."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.files import write_workspace
from tests.support.served import served
from toolkit import compile_mock, load_contract
from toolkit.errors import ConfigError
from toolkit.exchange import Delivery
from toolkit.mock import MockTransport
from toolkit.mock.deliver import Deliverer, WebhookSigner, verify_signature

SECRET = "whsec_planted_5f1c2a9e7b3d"
VARIABLE = "CTK_TEST_WEBHOOK_SECRET"
EVENT = {
    "type": "object",
    "required": ["id", "type"],
    "properties": {"id": {"type": "string"}, "type": {"type": "string", "enum": ["invoice.paid"]}},
}


def document() -> dict[str, Any]:
    signature = {"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"}}
    delivery = {"name": "X-Delivery-Id", "in": "header", "required": True,
                "schema": {"type": "string", "format": "uuid"}}  # fmt: skip
    attempt = {"name": "X-Attempt", "in": "header", "required": True, "schema": {"type": "integer", "minimum": 1}}
    optional = {"name": "X-Optional", "in": "header", "schema": {"type": "string"}}
    hub = {"name": "X-Hub-Signature-256", "in": "header", "required": True, "schema": {"type": "string"}}
    body = {"required": True, "content": {"application/json": {"schema": EVENT}}}
    ok = {"200": {"description": "ok"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "billing", "version": "1"},
        "servers": [{"url": "https://api.billing.test"}],
        "paths": {
            "/subscriptions": {
                "post": {
                    "operationId": "subscribe",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"callback_url": {"type": "string"}}}
                            }
                        }
                    },
                    "responses": {"201": {"description": "created"}},
                    "callbacks": {
                        "renewed": {
                            "{$request.body#/callback_url}": {
                                "parameters": [attempt],
                                "post": {"parameters": [hub], "requestBody": body, "responses": ok},
                            }
                        }
                    },
                }
            }
        },
        "webhooks": {
            "invoice.paid": {
                "post": {"parameters": [signature, delivery, optional], "requestBody": body, "responses": ok}
            }
        },
    }


def contract_file(tmp_path: Path) -> Path:
    path = tmp_path / "billing.json"
    path.write_text(json.dumps(document()))
    return path


def header(delivery: Delivery, name: str) -> str | None:
    return next((value for key, value in delivery.headers if key == name), None)


def independent_check(secret: str, signature: str, body: bytes) -> bool:
    """The receiver's side, written from Stripe's documentation rather than ctk's helper."""
    parts = dict(part.split("=", 1) for part in signature.split(","))
    signed = f"{parts['t']}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(VARIABLE, SECRET)
    return SECRET


def test_a_webhook_carries_its_required_headers_and_a_verifiable_signature(tmp_path: Path, secret: str) -> None:
    envelope = compile_mock(load_contract(contract_file(tmp_path)), webhook_secret_env=VARIABLE)
    delivery = envelope.mock.webhook_event("invoice.paid", "http://127.0.0.1:9/hooks")
    assert delivery is not None
    names = [name for name, _ in delivery.headers]
    assert "stripe-signature" in names and "x-delivery-id" in names
    assert "x-optional" not in names  # only what the receiver requires
    assert "ctk-signature" not in names  # the contract's own signature header carries it
    uuid = header(delivery, "x-delivery-id")
    assert uuid is not None and len(uuid) == 36 and uuid.count("-") == 4
    signature = header(delivery, "stripe-signature")
    assert signature is not None and signature.startswith("t=") and ",v1=" in signature
    assert independent_check(secret, signature, delivery.body)
    assert verify_signature(secret, signature, delivery.body)
    assert not verify_signature("another secret", signature, delivery.body)
    assert not verify_signature(secret, signature, delivery.body + b" ")
    assert not verify_signature(secret, signature, delivery.body, now=time.time() + 3600)  # a replay, later
    assert secret not in repr(delivery) and secret not in repr(WebhookSigner(secret.encode()))


def test_a_callback_carries_path_item_and_operation_headers(tmp_path: Path, secret: str) -> None:
    mock = compile_mock(load_contract(contract_file(tmp_path)), webhook_secret_env=VARIABLE)
    transport = MockTransport(mock)
    with httpx.Client(transport=transport, base_url="https://api.billing.test") as client:
        answer = client.post("/subscriptions", json={"callback_url": "http://127.0.0.1:9/renewed"})
    assert answer.status_code == 201
    [delivery] = transport.deliveries
    assert delivery.url == "http://127.0.0.1:9/renewed"
    attempt = header(delivery, "x-attempt")
    assert attempt is not None and int(attempt) >= 1
    signature = header(delivery, "x-hub-signature-256")
    assert signature is not None and independent_check(secret, signature, delivery.body)


def test_without_a_secret_required_headers_are_still_sent_and_nothing_is_signed(tmp_path: Path) -> None:
    envelope = compile_mock(load_contract(contract_file(tmp_path)))
    delivery = envelope.mock.webhook_event("invoice.paid", "http://127.0.0.1:9/hooks")
    assert delivery is not None
    signature = header(delivery, "stripe-signature")
    assert signature is not None  # drawn from its schema: present, as the contract requires, but not a signature
    assert "ctk-signature" not in dict(delivery.headers)


def test_a_webhook_the_contract_gives_no_signature_header_is_signed_in_ctk_signature(
    tmp_path: Path, secret: str
) -> None:
    raw = document()
    raw["webhooks"]["invoice.paid"]["post"]["parameters"] = []
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(raw))
    delivery = compile_mock(load_contract(path), webhook_secret_env=VARIABLE).mock.webhook_event(
        "invoice.paid", "http://127.0.0.1:9/h"
    )
    assert delivery is not None
    signature = header(delivery, "ctk-signature")
    assert signature is not None and independent_check(secret, signature, delivery.body)


def test_a_named_variable_that_is_unset_is_refused_without_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    with pytest.raises(ConfigError, match=VARIABLE):
        WebhookSigner.from_env(VARIABLE)
    assert WebhookSigner.from_env(None) is None


@dataclass
class Received:
    events: list[tuple[dict[str, str], bytes, bool]] = field(default_factory=list)  # headers, body, verified


@contextmanager
def verifying_receiver(secret: str) -> Iterator[tuple[str, Received]]:
    """A loopback receiver that verifies each event's signature as a vendor's client library would: 400 if not."""
    received = Received()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            signature = headers.get("stripe-signature") or headers.get("x-hub-signature-256") or ""
            verified = bool(signature) and independent_check(secret, signature, body)
            received.events.append((headers, body, verified))
            self.send_response(200 if verified else 400)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def wait_for(received: Received, count: int) -> None:
    deadline = time.monotonic() + 20
    while len(received.events) < count:
        assert time.monotonic() < deadline, f"received {len(received.events)} of {count} events"
        time.sleep(0.05)


def test_the_deliverer_sends_what_a_verifying_receiver_accepts(tmp_path: Path, secret: str) -> None:
    mock = compile_mock(load_contract(contract_file(tmp_path)), webhook_secret_env=VARIABLE).mock
    with verifying_receiver(secret) as (url, received):
        delivery = mock.webhook_event("invoice.paid", f"{url}/hooks")
        assert delivery is not None

        async def send() -> None:
            deliverer = Deliverer()
            assert deliverer.submit(delivery)
            await deliverer.aclose()

        asyncio.run(send())
        wait_for(received, 1)
    headers, body, verified = received.events[0]
    assert verified and body == delivery.body
    assert "x-delivery-id" in headers


def test_ctk_serve_signs_with_the_workspaces_secret_and_never_shows_it(tmp_path: Path, secret: str) -> None:
    contract = contract_file(tmp_path)
    write_workspace(
        tmp_path,
        f"""
[apis.billing]
contract = "{contract}"

[apis.billing.mock]
webhook_secret_env = "{VARIABLE}"
""",
    )
    debug = ("--log-level", "debug")
    with (
        verifying_receiver(secret) as (url, received),
        served("--root", str(tmp_path), "--webhook-url", f"{url}/hooks", *debug, env={VARIABLE: secret}) as server,
    ):
        with server.client() as client:
            answers = [
                client.post("/__ctk/webhooks/invoice.paid"),
                client.post("/billing/subscriptions", json={"callback_url": f"{url}/renewed"}),
                client.get("/__ctk/health"),
            ]
            wait_for(received, 2)
        log = server.log()
    assert [a.status_code for a in answers] == [202, 201, 200], [a.text for a in answers]
    assert all(verified for _, _, verified in received.events), received.events
    assert {"stripe-signature", "x-hub-signature-256"} <= {k for headers, _, _ in received.events for k in headers}
    shown = [log, *(a.text for a in answers), *(str(a.headers) for a in answers)]
    shown += [json.dumps(headers) + body.decode() for headers, body, _ in received.events]
    assert not any(secret in text for text in shown)


@pytest.mark.parametrize("value", ["whsec_literal-secret", 12, "lower_case"])
def test_the_workspace_takes_a_variables_name_not_a_secret(tmp_path: Path, value: object) -> None:
    from toolkit.workspace import load_workspace

    shown = json.dumps(value)
    contract_file(tmp_path).rename(tmp_path / "c.json")
    write_workspace(
        tmp_path, f'[apis.billing]\ncontract = "c.json"\n\n[apis.billing.mock]\nwebhook_secret_env = {shown}\n'
    )
    with pytest.raises(ConfigError, match="webhook_secret_env must name an environment variable") as caught:
        load_workspace(tmp_path)
    assert str(value) not in str(caught.value).replace(str(tmp_path), "")  # the folder's name may hold "12"
    write_workspace(
        tmp_path, f'[apis.billing]\ncontract = "c.json"\n\n[apis.billing.mock]\nwebhook_secret_env = "{VARIABLE}"\n'
    )
    assert load_workspace(tmp_path).apis["billing"].mock == {"webhook_secret_env": VARIABLE}

"""Webhook and callback events under hostile requests, through a real ``ctk serve`` and a loopback receiver.

The mock posts where a request tells it to (``POST /__ctk/webhooks/NAME`` with a URL, a callback URL
in a request body), so these tests check that it posts only where the server allows (loopback unless
``--webhook-host``/``webhook_hosts`` say more), never echoes the credentials a URL carries, never follows
a redirect, gives up on a receiver that does not answer, and keeps at most ``webhook_concurrency``
connections to a receiver however many events are asked for.

A refused destination must be one that would really be reached if the check were missing: ``0.0.0.0``
is not a loopback address, yet on Linux a connection to it reaches the loopback receiver.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from tests.support.cli import ctk
from tests.support.files import write_workspace
from tests.support.paths import REPO
from tests.support.served import HANG, MIB, Served, assert_no_traceback, served

PAYMENTS = str(REPO / "contracts" / "payments" / "v1")
PETS = str(REPO / "tests" / "data" / "mock" / "pets30.yaml")
WEBHOOK = "/__ctk/webhooks/payment_intent.succeeded"
SECRET = "s3cr3t-in-url"


@dataclass
class Receiver:
    """A loopback HTTP server that records each event and the most connections it had open at once."""

    url: str = ""
    port: int = 0
    paths: list[str] = field(default_factory=list)
    open: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, check: Callable[[Receiver], bool], what: str) -> None:
        deadline = time.monotonic() + 3 * HANG
        while not check(self):
            assert time.monotonic() < deadline, f"{what}: received only {self.paths}"
            time.sleep(0.05)


@contextmanager
def receiver(delay: float = 0.0, redirect: str | None = None) -> Iterator[Receiver]:
    record = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a connection is counted from accept to close

        def setup(self) -> None:
            super().setup()
            with record.lock:
                record.open += 1
                record.peak = max(record.peak, record.open)

        def finish(self) -> None:
            with record.lock:
                record.open -= 1
            super().finish()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            with record.lock:
                record.paths.append(self.path)
            time.sleep(delay)
            self.send_response(307 if redirect else 200)
            if redirect:
                self.send_header("location", redirect)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    record.port = server.server_address[1]
    record.url = f"http://127.0.0.1:{record.port}"
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A REST API with webhooks and one with a callback, four senders, a 2-second delivery timeout."""
    root = tmp_path_factory.mktemp("hooks")
    write_workspace(
        root,
        f"""
[sandbox]
webhook_hosts = ["hooks.internal"]

[limits]
webhook_concurrency = 4
webhook_timeout = 2

[apis.payments]
contract = "{PAYMENTS}"

[apis.pets]
contract = "{PETS}"
mount = "/api"
""",
    )
    with served("--root", str(root)) as server:
        yield server


def post_webhook(server: Served, url: str) -> tuple[int, str]:
    with server.client() as client:
        answer = client.post(WEBHOOK, json={"url": url})
    return answer.status_code, answer.text


def test_the_destination_policy_is_announced(hooks: Served) -> None:
    assert "webhook and callback destinations: loopback, hooks.internal" in hooks.log()


def test_a_webhook_to_a_host_that_is_not_allowed_is_refused_and_nothing_is_sent(hooks: Served) -> None:
    with receiver() as events:
        status, text = post_webhook(hooks, f"http://0.0.0.0:{events.port}/refused")
        assert status == 403, text
        problem = json.loads(text)
        assert "0.0.0.0 is not allowed" in problem["detail"] and "--webhook-host 0.0.0.0" in problem["detail"]
        status, text = post_webhook(hooks, f"http://user:{SECRET}@0.0.0.0:{events.port}/refused")
        assert status == 403 and SECRET not in text
        # a delivery that is allowed, sent after the refused ones, arrives alone
        assert post_webhook(hooks, f"{events.url}/allowed")[0] == 202
        events.wait_for(lambda r: "/allowed" in r.paths, "the allowed event")
        time.sleep(0.3)
    assert events.paths == ["/allowed"]
    assert SECRET not in hooks.log()
    assert_no_traceback(hooks)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1/", 42, "http://" + "a" * 5000])
def test_a_webhook_url_that_is_no_http_url_is_422(hooks: Served, url: object) -> None:
    with hooks.client() as client:
        answer = client.post(WEBHOOK, json={"url": url})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_credentials_in_a_webhook_url_are_never_echoed_or_logged(hooks: Served) -> None:
    with receiver() as events:
        status, text = post_webhook(hooks, f"http://user:{SECRET}@127.0.0.1:{events.port}/with-credentials")
        assert status == 202, text
        assert SECRET not in text and json.loads(text)["url"] == f"http://***@127.0.0.1:{events.port}/with-credentials"
        events.wait_for(lambda r: "/with-credentials" in r.paths, "the event")
    assert post_webhook(hooks, f"http://user:{SECRET}@127.0.0.1:1/nobody-listens")[0] == 202
    deadline = time.monotonic() + HANG
    while "could not deliver payment_intent.succeeded to http://***@127.0.0.1:1/" not in hooks.log():
        assert time.monotonic() < deadline, hooks.log()[-2000:]
        time.sleep(0.05)
    assert SECRET not in hooks.log()


def test_callbacks_follow_the_same_destination_policy(hooks: Served) -> None:
    with receiver() as events, hooks.client() as client:
        refused = client.post("/api/pets", json={"name": "Rex", "callbackUrl": f"http://0.0.0.0:{events.port}/cb-no"})
        assert refused.status_code == 201, refused.text  # the client's answer does not depend on the callback
        allowed = client.post("/api/pets", json={"name": "Rex", "callbackUrl": f"{events.url}/cb-yes"})
        assert allowed.status_code == 201
        events.wait_for(lambda r: "/cb-yes" in r.paths, "the allowed callback")
        time.sleep(0.3)
    assert events.paths == ["/cb-yes"]
    assert "not delivering petCreated: " in hooks.log() and "0.0.0.0 is not allowed" in hooks.log()


def test_redirects_are_not_followed(hooks: Served) -> None:
    with receiver() as target, receiver(redirect=f"{target.url}/redirected") as bouncer:
        assert post_webhook(hooks, f"{bouncer.url}/start")[0] == 202
        bouncer.wait_for(lambda r: "/start" in r.paths, "the first hop")
        assert post_webhook(hooks, f"{target.url}/direct")[0] == 202
        target.wait_for(lambda r: "/direct" in r.paths, "the direct event")
        time.sleep(0.3)
    assert target.paths == ["/direct"]


def test_a_receiver_that_never_answers_is_given_up_after_webhook_timeout(hooks: Served) -> None:
    with receiver(delay=HANG) as silent:
        assert post_webhook(hooks, f"{silent.url}/silent")[0] == 202
        deadline = time.monotonic() + HANG
        while "no answer within webhook_timeout=2s" not in hooks.log():
            assert time.monotonic() < deadline, "the delivery was never given up"
            time.sleep(0.05)


def test_a_flood_of_webhook_requests_keeps_at_most_webhook_concurrency_connections(hooks: Served) -> None:
    baseline = hooks.peak_rss()
    with receiver(delay=0.05) as events, hooks.client() as client:
        answers = [client.post(WEBHOOK, json={"url": f"{events.url}/flood"}) for _ in range(300)]
        statuses = [answer.status_code for answer in answers]
        accepted = statuses.count(202)
        assert set(statuses) <= {202, 503}, set(statuses)
        assert accepted >= 4
        events.wait_for(lambda r: len(r.paths) >= accepted, f"{accepted} accepted events")
    assert 1 <= events.peak <= 4, f"the receiver saw {events.peak} connections at once (webhook_concurrency=4)"
    for answer in answers:
        if answer.status_code == 503:  # the queue was full: said so, in problem+json, with when to retry
            assert answer.headers["retry-after"] and "try again later" in answer.json()["detail"]
    assert hooks.peak_rss() - baseline < 100 * MIB
    drops = [line for line in hooks.log().splitlines() if "dropped" in line]
    assert len(drops) <= 5, drops  # one warning for the first drop, then one per hundred
    assert_no_traceback(hooks)


def test_an_allowed_host_receives_events() -> None:
    with receiver() as events, served(PAYMENTS, "--webhook-host", "0.0.0.0") as server:
        status, text = post_webhook(server, f"http://0.0.0.0:{events.port}/allowed-by-option")
        assert status == 202, text
        events.wait_for(lambda r: "/allowed-by-option" in r.paths, "the event to an allowed host")


def test_a_webhook_url_outside_the_policy_stops_ctk_serve_at_startup() -> None:
    code, _, err = ctk("serve", PAYMENTS, "--webhook-url", f"http://user:{SECRET}@10.0.0.7/hooks", "--check")
    assert code == 2
    assert err.startswith("error: --webhook-url: ") and "--webhook-host 10.0.0.7" in err
    assert SECRET not in err and "Traceback" not in err
    code, _, err = ctk("serve", PAYMENTS, "--webhook-url", "http://10.0.0.7/hooks", "--webhook-host", "10.0.0.0/8",
                       "--check")  # fmt: skip
    assert code == 0, err

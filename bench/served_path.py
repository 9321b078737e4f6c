"""The whole served path in-process, per protocol: the ASGI app ``ctk serve --no-state`` runs, minus the HTTP server.

Builds the sandbox of the example workspace exactly as ``ctk serve --no-state`` does (every layer: faults,
journal, metrics, the envelope) and calls its ASGI app directly with a prepared scope and body, a different
id on every request (no memo hit): REST GET /payments/customers/cus_{n}, SOAP GetAccount, GraphQL product(id:)
by variable, GraphQL with the id inlined (a new document), with a new root alias too (a new alias), and with the
product's fields in another order on every request (new fields: a structurally new document, as
``bench/mock_throughput.py``'s row of that name). Each
figure is the median of five batches of CPU time per request (``time.process_time``: another process on the
machine does not count). A bare ASGI app answering a constant is timed the same way as the reference. The heap is
settled as ``ctk serve`` settles it (``toolkit.sandbox.heap``), unless ``--no-settle``.

    python bench/served_path.py [--requests 4000] [--only REST] [--profile "REST new ids"] [--protocol]

``--protocol`` feeds each request as HTTP bytes to ctk's own HTTP protocol (``mock/http_server.py``: a request
that came whole is answered from the parser, as under ``ctk serve``) over a fake transport on an asyncio loop,
beside the bare app under uvicorn's own protocol: the whole per-request CPU but the socket's system calls.

``--profile NAME`` prints cProfile's top functions for that row instead (by own time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from toolkit.limits import DEFAULT_LIMITS
from toolkit.mock.http_server import BoundedHttpToolsProtocol, uvicorn_options
from toolkit.sandbox.heap import settle_heap
from toolkit.sandbox.server import ServeConfig, build_app, changed_limits, mounted_apis
from toolkit.workspace import load_workspace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_protocol import _Transport  # the protocol bench's fake transport
from mock_throughput import fields  # the same n-th order of the product's fields as the served row

ROOT = Path(__file__).resolve().parent.parent
REST = [(b"x-api-key", b"sk_test_bench"), (b"accept", b"application/json")]
SOAP = [(b"content-type", b"text/xml; charset=utf-8"), (b"soapaction", b'"urn:example:crm/GetAccount"')]
GRAPHQL = [(b"content-type", b"application/json"), (b"accept", b"application/graphql-response+json")]
ENVELOPE = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{}</soap:Body></soap:Envelope>'
)
SELECTION = "{ id sku name price status tags createdAt stockLevels(first: 3) { onHand available status } }"
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Message, Receive, Send], Coroutine[Any, Any, None]]


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"id":"cus_1","object":"customer"}'})


Made = tuple[str, str, list[tuple[bytes, bytes]], bytes]
# Per row: the n-th request's method, path, headers and body (made before timing: see ``prepared``).
ROWS: dict[str, Callable[[int], Made]] = {
    "REST new ids": lambda n: ("GET", f"/payments/customers/cus_{n}", REST, b""),
    "SOAP new ids": lambda n: ("POST", "/crm", SOAP, ENVELOPE.format(
        f'<GetAccountRequest xmlns="urn:example:crm:types"><id>001A{n:014d}</id></GetAccountRequest>').encode()),
    "GraphQL new ids": lambda n: ("POST", "/inventory", GRAPHQL, json.dumps(
        {"query": f"query($id: ID!) {{ product(id: $id) {SELECTION} }}", "variables": {"id": str(n)}}).encode()),
    "GraphQL new document": lambda n: ("POST", "/inventory", GRAPHQL, json.dumps(
        {"query": f'{{ product(id: "UHJv{n}") {SELECTION} }}'}).encode()),
    "GraphQL new alias": lambda n: ("POST", "/inventory", GRAPHQL, json.dumps(
        {"query": f'{{ p{n}: product(id: "UHJv{n}") {SELECTION} }}'}).encode()),
    "GraphQL new fields": lambda n: ("POST", "/inventory", GRAPHQL, json.dumps(
        {"query": f'{{ product(id: "UHJv{n}") {{ {fields(n)} }} }}'}).encode()),
}  # fmt: skip


def served(app: Asgi, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """One request through the ASGI app, driven without an event loop (nothing in it waits); its status."""
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": headers, "http_version": "1.1", "scheme": "http", "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8000), "root_path": ""}  # fmt: skip
    status = [0]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    coroutine = app(scope, receive, send)
    try:
        coroutine.send(None)
    except StopIteration:
        return status[0]
    coroutine.close()
    raise RuntimeError(f"{method} {path}: the app waited on something")


class _Kept(_Transport):
    """The bench's fake transport, keeping the last answer's head (its status line is checked)."""

    last = b""

    def write(self, data: bytes) -> None:
        if data[:5] == b"HTTP/":
            self.last = bytes(data[:64])


def wire(method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """The request as a client sends it."""
    head = [
        f"{method} {path} HTTP/1.1".encode(),
        b"host: 127.0.0.1",
        *(name + b": " + value for name, value in headers),
    ]
    if method != "GET":
        head.append(b"content-length: %d" % len(body))
    return b"\r\n".join(head) + b"\r\n\r\n" + body


async def _over_protocol(protocol_class: Any, app: Any, reads: list[bytes], **options: Any) -> float:
    if protocol_class is BoundedHttpToolsProtocol:  # as ctk serve configures uvicorn (no middleware around the app)
        settings = {**uvicorn_options(DEFAULT_LIMITS), "lifespan": "off"}
        settings.pop("http")
        config = Config(app=app, **settings)
    else:  # the bare app as uvicorn runs it by default
        config = Config(app=app, log_level="warning", lifespan="off", ws="none")
    config.load()
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={}, **options)
    transport = _Kept()
    protocol.connection_made(transport)
    started = time.process_time()
    for read in reads:
        protocol.data_received(read)
        await asyncio.sleep(0)  # an answer the parser could not give runs in its task
    took = time.process_time() - started
    assert transport.last.startswith(b"HTTP/1.1 200"), transport.last[:200]
    protocol.connection_lost(None)
    return took / len(reads) * 1e6


def per_protocol_call(app: Any, row: Callable[[int], Made], count: int, offset: int, ctk: bool = True) -> float:
    """``per_call`` over an HTTP protocol: ctk's (``ctk``) or, for the bare app, uvicorn's own."""
    batches = []
    for batch in range(5):
        reads = [wire(*row(n)) for n in range(offset + batch * (count // 5), offset + (batch + 1) * (count // 5))]
        if ctk:
            batches.append(asyncio.run(_over_protocol(BoundedHttpToolsProtocol, app, reads, limits=DEFAULT_LIMITS)))
        else:
            batches.append(asyncio.run(_over_protocol(HttpToolsProtocol, app, reads)))
    return statistics.median(batches)


def per_call(app: Asgi, row: Callable[[int], Made], count: int, offset: int) -> float:
    """Median of five batches, CPU microseconds per request; each request a fresh n, made before its batch."""
    batches = []
    for batch in range(5):
        made = [row(n) for n in range(offset + batch * (count // 5), offset + (batch + 1) * (count // 5))]
        started = time.process_time()
        for request in made:
            served(app, *request)
        batches.append((time.process_time() - started) / len(made) * 1e6)
    return statistics.median(batches)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="", metavar="ROW")
    parser.add_argument("--no-settle", action="store_true", help="leave the heap as built (ctk serve settles it)")
    parser.add_argument("--protocol", action="store_true", help="through ctk's HTTP protocol, as ctk serve answers")
    args = parser.parse_args()
    space = load_workspace(ROOT)
    mounted = mounted_apis(space)
    for item in mounted:
        item.state = False
    limits = space.limits or DEFAULT_LIMITS
    config = ServeConfig(contracts=mounted, seed=space.sandbox.seed, limits=changed_limits(limits),
                         log_level="warning")  # fmt: skip
    app: Asgi = build_app(config)  # type: ignore[assignment]
    for name, row in ROWS.items():
        status = served(app, *row(0))
        assert status == 200, (name, status)
    if not args.no_settle:
        settle_heap()  # as ctk serve does once the sandbox is built
    if args.profile:
        made = [ROWS[args.profile](n) for n in range(1, args.requests + 1)]
        profile = cProfile.Profile()
        profile.enable()
        for request in made:
            served(app, *request)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(35)
        return 0
    if args.protocol:
        reference = per_protocol_call(bare, ROWS["REST new ids"], args.requests, 1, ctk=False)
    else:
        reference = per_call(bare, ROWS["REST new ids"], args.requests, 1)
    batch = args.requests // 5
    how = "over ctk's HTTP protocol (bare: uvicorn's)" if args.protocol else "ASGI"
    print(f"in-process {how}, CPU µs per request (median of 5 batches of {batch}); bare app {reference:.1f}")
    print(f"{'row':24} {'µs':>8} {'µs over bare':>13}")
    for offset, (name, row) in enumerate(ROWS.items(), start=1):
        if args.only and args.only.lower() not in name.lower():
            continue
        # a fresh range of ids per row, past every id an earlier row or the warm-up used
        if args.protocol:
            took = per_protocol_call(app, row, args.requests, offset * 1_000_000)
        else:
            took = per_call(app, row, args.requests, offset * 1_000_000)
        print(f"{name:24} {took:8.1f} {took - reference:13.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

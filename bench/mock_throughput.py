"""Throughput and latency of `ctk serve` beside a bare ASGI app, on the same server, in the same run.

Starts each server as its own process (loopback), then drives it with a load generator in another
process: C `wrk` when installed, else the built-in one below (asyncio over raw keep-alive sockets,
uvloop when present). One `ctk serve` of the example workspace serves all three protocols, so REST
(payments), SOAP (crm) and GraphQL (inventory) are measured in the same run, on the same server:

- stateless rows (``--no-state``): per protocol the same request again (a memoised answer), "new ids"
  (a different id on every request, so no memoised answer is reused); REST also a list of 20 and a
  validated POST; GraphQL also "new document" (the id inlined as a literal: a different query text on
  every request, the same shape), "new alias" (a varying root alias too, as batched queries with generated
  aliases send) and "new fields" (the product's fields in another order on every request: a structurally new
  document each time, parsed and validated anew);
- stateful rows (state on, per store): a read of a stored resource (REST: the customer the contract's
  example names; SOAP: an account and GraphQL: a product the bench creates first) and a create (REST
  POST /customers, SOAP CreateAccount, GraphQL createProduct). With one worker the stores are memory and
  Redis; with more, ``ctk serve`` refuses the memory store, so SQLite and Redis (the output says so).
  Redis rows need ``redis-server`` (the bench starts its own on a free port); without it they are skipped.

Every row is printed as requests/s, p50/p99 latency and the ratio of ctk to the bare app measured with
the same requests on the same server; a stateful row also as a ratio to the stateless server.
``--workers 1,2`` prints the whole table for each count (the bare app gets as many workers).
``--servers uvicorn,granian`` also runs the bare app and ctk's sandbox under granian (``ctk serve``
runs uvicorn: under granian the app comes from bench/granian_app.py, so ctk's uvicorn protocol
hardening is absent there); granian is found on ``--granian-path`` (a scratch ``pip install --target``).
``--graphql-faker PATH`` starts graphql-faker on the inventory schema and measures the GraphQL rows
that generate (new ids, new document, new alias, new fields) against it too, as a ratio to the bare app.

    python bench/mock_throughput.py [--seconds 5] [--connections 32] [--only "SOAP,GraphQL new"]
    python bench/mock_throughput.py --workers 1,2 --servers uvicorn,granian --stores memory,redis
    python bench/mock_throughput.py --graphql-faker /tmp/gqlfaker/node_modules/.bin/graphql-faker
    python bench/mock_throughput.py --no-state-rows     # only the stateless rows

The workspace is the one this file sits in (``bench/..``), or ``--root``; its ``toolkit`` is the one run
(the servers start with that folder as their working directory and first on PYTHONPATH), so a copy of
this script in an older checkout measures that checkout. Bounded in time and requests; loopback only. On
a 2-core machine the load generator and the server share the cores: the ratio, not the absolute figure,
is what compares.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import importlib.util
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the workspace's toolkit: its own serve settings
from toolkit.limits import DEFAULT_LIMITS  # noqa: E402
from toolkit.mock.http_server import uvicorn_options  # noqa: E402

SERVE_LOOP: str = uvicorn_options(DEFAULT_LIMITS).get("loop", "auto")  # the event loop ctk serve runs on ("asyncio")
BARE_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"id":"cus_1","object":"customer"}'})
"""
REST = {"X-Api-Key": "sk_test_bench", "Accept": "application/json"}
REST_JSON = {**REST, "Content-Type": "application/json"}
SOAP = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:example:crm/GetAccount"'}
SOAP_CREATE = {**SOAP, "SOAPAction": '"urn:example:crm/CreateAccount"'}
GRAPHQL = {"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
POST_BODY = json.dumps({"email": "jenny.rosen@example.com", "name": "Jenny Rosen", "description": "bench"})
ENVELOPE = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{}</soap:Body></soap:Envelope>'
)
SOAP_BODY = ENVELOPE.format('<GetAccountRequest xmlns="urn:example:crm:types"><id>{n18}</id></GetAccountRequest>')
SOAP_CREATE_BODY = ENVELOPE.format(
    '<CreateAccountRequest xmlns="urn:example:crm:types"><account><name>Bench Corp</name>'
    "<industry>Banking</industry></account></CreateAccountRequest>"
)
SELECTION = "{ id sku name price status tags createdAt stockLevels(first: 3) { onHand available status } }"
GRAPHQL_BODY = json.dumps({"query": f"query($id: ID!) {{ product(id: $id) {SELECTION} }}", "variables": {"id": "{n}"}})
# the id inlined as a literal: a different document (text) on every request, the same shape
GRAPHQL_NEW_DOCUMENT = json.dumps({"query": f'{{ product(id: "UHJv{{n}}") {SELECTION} }}'})
# a varying root alias too: a different response key on every request (batched queries with generated aliases)
GRAPHQL_NEW_ALIAS = json.dumps({"query": f'{{ p{{n}}: product(id: "UHJv{{n}}") {SELECTION} }}'})
# "{fields}": the product's fields in the n-th order (8! orders of its seven fields and its stock levels, times 3! of
# the stock levels' own: 241,920 documents): a structurally new document on every request, which no cache of shapes
# can have seen
PRODUCT_FIELDS = ("id", "sku", "name", "price", "status", "tags", "createdAt", "{stock}")
STOCK_FIELDS = ("onHand", "available", "status")
ORDERS = 40_320 * 6
GRAPHQL_NEW_FIELDS = json.dumps({"query": '{ product(id: "UHJv{n}") { {fields} } }'})
GRAPHQL_CREATE_BODY = json.dumps({
    "query": "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id sku name price "
    "status } userErrors { message } } }",
    "variables": {"input": {"sku": "BENCH-1", "name": "Bench product", "price": "12.50"}},
})  # fmt: skip
DISTINCT = 20_000  # the built-in load generator's requests per run, each a different id (wrk makes its own)
# Each run's ids start at the next multiple of RUN_IDS (about ten million): no id of a run was seen before. The field
# orders ("new fields": n % ORDERS) of consecutive runs start a quarter of ORDERS apart, so the measured run on a server
# (three runs after its warm-up: the bare apps' two come between) asks orders its warm-up did not, as long as a run
# asks fewer than 60,480 documents. (At ten million exactly, three runs moved the orders by 1,920 only: the measured
# run sent the warm-up's documents again, each a second sighting that compiles a plan of its own, twice the CPU.)
RUN_IDS = 41 * ORDERS + ORDERS // 4
_runs = itertools.count(1)
WRK_THREADS = 2
STORED = "{stored}"  # replaced by the id of the resource the bench created on that server


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    body: str | None
    headers: dict[str, str]
    stateless: str = ""  # a stateful row: the stateless row with the same requests (default: itself)
    faker: bool = False  # also measured against graphql-faker

    def filled(self, stored: str) -> Row:
        body = self.body.replace(STORED, stored) if self.body is not None else None
        return replace(self, path=self.path.replace(STORED, stored), body=body)


# "{n}" varies per request (6 digits); "{n18}" is an 18-character id.
ROWS: list[Row] = [
    Row("REST GET one", "GET", "/payments/customers/cus_9s6XKzkNRiz8i3x", None, REST),
    Row("REST GET list of 20", "GET", "/payments/customers?limit=20", None, REST),
    Row("REST POST validated", "POST", "/payments/customers", POST_BODY, REST_JSON),
    # Every request a different resource: no memo hit, the whole path (route, validate, generate) runs.
    Row("REST GET new ids", "GET", "/payments/customers/cus_{n}", None, REST),
    Row("SOAP GetAccount", "POST", "/crm", SOAP_BODY.replace("{n18}", "001A000001Xyz12AAB"), SOAP),
    Row("SOAP new ids", "POST", "/crm", SOAP_BODY, SOAP),
    Row("GraphQL product", "POST", "/inventory", GRAPHQL_BODY.replace("{n}", "UHJvZHVjdDox"), GRAPHQL),
    Row("GraphQL new ids", "POST", "/inventory", GRAPHQL_BODY, GRAPHQL, faker=True),
    Row("GraphQL new document", "POST", "/inventory", GRAPHQL_NEW_DOCUMENT, GRAPHQL, faker=True),
    Row("GraphQL new alias", "POST", "/inventory", GRAPHQL_NEW_ALIAS, GRAPHQL, faker=True),
    Row("GraphQL new fields", "POST", "/inventory", GRAPHQL_NEW_FIELDS, GRAPHQL, faker=True),
]
# With state on: a read of a stored resource (REST: the one the contract's example names, there from the start;
# SOAP and GraphQL: one the bench creates before measuring), and a create that stores one per request.
STATE_ROWS: list[Row] = [
    Row("REST GET stored", "GET", "/payments/customers/cus_9s6XKzkNRiz8i3", None, REST),
    Row("REST POST create", "POST", "/payments/customers", POST_BODY, REST_JSON),
    Row("SOAP GetAccount stored", "POST", "/crm", SOAP_BODY.replace("{n18}", STORED), SOAP),
    Row("SOAP CreateAccount", "POST", "/crm", SOAP_CREATE_BODY, SOAP_CREATE),
    Row("GraphQL product stored", "POST", "/inventory", GRAPHQL_BODY.replace("{n}", STORED), GRAPHQL),
    Row("GraphQL createProduct", "POST", "/inventory", GRAPHQL_CREATE_BODY, GRAPHQL),
]
SETUP = {  # how the bench creates the resource a stored read reads: the create row, and where the id is
    "SOAP GetAccount stored": ("SOAP CreateAccount", re.compile(r"<(?:\w+:)?id>([A-Za-z0-9]{18})</")),
    "GraphQL product stored": ("GraphQL createProduct", re.compile(r'"product":\{"id":"([^"]+)"')),
}


# -- servers ---------------------------------------------------------------------------------------


def start(command: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()[-800:] if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{command[:4]} did not start in 90 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def python_path(*first: Path | str) -> dict[str, str]:
    """The servers' PYTHONPATH: ``first``, then the workspace (so its toolkit wins over an installed one)."""
    rest = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": os.pathsep.join([*map(str, first), str(ROOT), *([rest] if rest else [])])}


@dataclass
class Servers:
    """How to start the bare app and ctk on one server kind, with a number of workers."""

    kind: str  # uvicorn | granian
    workers: int
    args: argparse.Namespace
    bare_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ctk_bench_bare_")))

    def __post_init__(self) -> None:
        (self.bare_dir / "bare_app.py").write_text(BARE_APP)

    def bare(self, port: int, loop: str = SERVE_LOOP) -> subprocess.Popen[bytes]:
        """The bare app; under uvicorn on ``loop``: by default the event loop ``ctk serve`` runs, so the two differ
        in the app only (uvicorn's own default, "auto", would pick uvloop when installed)."""
        if self.kind == "granian":
            return start(self._granian("bare_app:app", port), port, python_path(self.bare_dir, self.args.granian_path))
        command = [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port), "--log-level", "warning",
                   "--no-access-log", "--workers", str(self.workers), "--loop", loop,
                   "--http", "httptools"]  # fmt: skip
        return start(command, port, python_path(self.bare_dir))

    def bare_uvloop(self, port: int) -> subprocess.Popen[bytes] | None:
        """The bare app on uvloop (uvicorn's default when installed), a second reference; None without uvloop."""
        if self.kind != "uvicorn" or SERVE_LOOP == "uvloop" or importlib.util.find_spec("uvloop") is None:
            return None
        return self.bare(port, loop="uvloop")

    def ctk(self, port: int, state: bool, store: str = "") -> subprocess.Popen[bytes]:
        # a collection holds max_stored_items per session: raised so a long create run measures creates, not 429s
        limits = ["max_stored_items=10000000"] if state else []
        if self.kind == "granian":
            env = {"CTK_BENCH_ROOT": str(ROOT), "CTK_BENCH_STATE": "1" if state else "0", "CTK_BENCH_STORE": store,
                   "CTK_BENCH_LIMITS": " ".join(limits)}  # fmt: skip
            command = self._granian("granian_app:app_factory", port, "--factory")
            return start(command, port, {**env, **python_path(HERE, self.args.granian_path)})
        # --log-level warning: ctk's one line per refused request is not what is measured (and stderr is a pipe)
        command = [sys.executable, "-m", "toolkit.cli", "serve", "--root", str(ROOT), "--workers", str(self.workers),
                   "--log-level", "warning", "--no-reload", "--port", str(port)]  # fmt: skip
        command += ["--state", "--store", store] if state else ["--no-state"]
        for limit in limits:
            command += ["--limit", limit]
        return start(command, port, python_path())

    def _granian(self, target: str, port: int, *extra: str) -> list[str]:
        return [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(self.workers), "--no-ws", "--log-level", "warning", "--no-access-log", *extra,
                target]  # fmt: skip


# -- load ------------------------------------------------------------------------------------------


def nth_order(items: tuple[str, ...], n: int) -> list[str]:
    """The n-th ordering of ``items`` (n read as a Lehmer code; the wrk script's Lua does the same)."""
    left, order = list(items), []
    for size in range(len(left), 0, -1):
        n, index = divmod(n, size)
        order.append(left.pop(index))
    return order


def fields(n: int) -> str:
    order = n % ORDERS
    stock = "stockLevels(first: 3) { " + " ".join(nth_order(STOCK_FIELDS, order // 40_320)) + " }"
    return " ".join(stock if item == "{stock}" else item for item in nth_order(PRODUCT_FIELDS, order % 40_320))


def varied(text: str, n: int) -> str:
    if "{fields}" in text:
        text = text.replace("{fields}", fields(n))
    return text.replace("{n}", f"{n:06d}").replace("{n18}", f"001A{n:014d}")


def raw_requests(method: str, path: str, body: str | None, headers: dict[str, str], base: int = 0) -> list[bytes]:
    if "{n" in path + (body or ""):
        return [raw_request(method, varied(path, n), varied(body or "", n) or None, headers)
                for n in range(base, base + DISTINCT)]  # fmt: skip
    return [raw_request(method, path, body, headers)]


def raw_request(method: str, path: str, body: str | None, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    payload = (body or "").encode()
    if body is not None:
        lines += [f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _connection(port: int, requests: list[bytes], stop_at: float, budget: list[int], latencies: list[float],
                      statuses: dict[int, int]) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    clock = time.perf_counter
    try:
        while budget[0] > 0 and clock() < stop_at:
            budget[0] -= 1
            began = clock()
            writer.write(requests[budget[0] % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            lower = head.lower()
            at = lower.find(b"content-length:")
            if at >= 0:
                length = int(lower[at + 15 : lower.find(b"\r\n", at)])
            elif b"transfer-encoding: chunked" in lower:
                while True:
                    size = int((await reader.readline()).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            if length:
                await reader.readexactly(length)
            latencies.append(clock() - began)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _load(
    port: int, requests: list[bytes], seconds: float, connections: int, max_requests: int
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    budget = [max_requests]
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_connection(port, requests, stop_at, budget, latencies, statuses) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else float("nan"),
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else float("nan"),
        "requests": len(latencies),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
    }


def load_builtin(port: int, row: Row, seconds: float, connections: int, max_requests: int) -> dict[str, Any]:
    """Runs in a child process so the client does not share the parent's interpreter with anything."""
    code = (
        f"import asyncio, json, sys; sys.path.insert(0, {str(HERE)!r}); import mock_throughput as m\n"
        "try:\n import uvloop; uvloop.install()\nexcept ImportError:\n pass\n"
        f"r = asyncio.run(m._load({port}, m.raw_requests({row.method!r}, {row.path!r}, {row.body!r}, {row.headers!r},"
        f" {next(_runs) * RUN_IDS}),"
        f" {seconds}, {connections}, {max_requests})); print(json.dumps(r))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def load_wrk(port: int, row: Row, seconds: float, connections: int) -> dict[str, Any]:
    path, body = row.path, row.body
    script = Path(tempfile.gettempdir()) / f"ctk_bench_{os.getpid()}.lua"
    header_lua = "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in row.headers.items())
    body_lua = f"wrk.body = {json.dumps(body)}\n" if body else ""
    report = (
        "done = function(summary, latency, requests)\n"
        ' io.write(string.format("JSON {\\"rps\\": %f, \\"p50_ms\\": %f, \\"p99_ms\\": %f,'
        ' \\"requests\\": %d, \\"statuses\\": {\\"non-2xx/3xx\\": %d}}\\n",'
        " summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,"
        " latency:percentile(99) / 1000, summary.requests, summary.errors.status))\nend\n"
    )
    varying = ""
    if "{n" in path + (body or ""):  # a different resource (or document) on every request: path and body vary
        varying = (
            f"counter = 0\npath_template = {json.dumps(path)}\nbody_template = {json.dumps(body or '')}\n"
            f"base = {next(_runs) * RUN_IDS}\nthreads = 0\n"
            # each wrk thread its own ids (n = base + its count times the threads + its index): none asked twice
            "setup = function(thread)\n thread:set('index', threads)\n threads = threads + 1\nend\n"
            f"product_fields = {{{', '.join(json.dumps(f) for f in PRODUCT_FIELDS)}}}\n"
            f"stock_fields = {{{', '.join(json.dumps(f) for f in STOCK_FIELDS)}}}\n"
            "local function nth_order(items, n)\n"
            " local left, order = {}, {}\n for i, v in ipairs(items) do left[i] = v end\n"
            " for size = #left, 1, -1 do\n  local index = n % size\n  n = math.floor(n / size)\n"
            "  order[#order + 1] = table.remove(left, index + 1)\n end\n return table.concat(order, ' ')\nend\n"
            "local function fill(text, n)\n"
            " if string.find(text, '{fields}', 1, true) then\n"
            f"  local order = n % {ORDERS}\n"
            "  local stock = 'stockLevels(first: 3) { ' .. nth_order(stock_fields, math.floor(order / 40320)) .. ' }'\n"
            "  local selection = string.gsub(nth_order(product_fields, order % 40320), '{stock}',"
            " function() return stock end)\n"
            "  text = string.gsub(text, '{fields}', function() return selection end)\n end\n"
            ' text = string.gsub(text, "{n18}", string.format("001A%014d", n))\n'
            ' return (string.gsub(text, "{n}", string.format("%06d", n)))\nend\n'
            "request = function()\n counter = counter + 1\n"
            f" local n = base + counter * {WRK_THREADS} + index\n"
            " local b = nil\n if body_template ~= '' then b = fill(body_template, n) end\n"
            " return wrk.format(nil, fill(path_template, n), nil, b)\nend\n"
        )
        path = path.split("{n", 1)[0]
    script.write_text(f'wrk.method = "{row.method}"\n{header_lua}{body_lua}{varying}{report}')
    try:
        command = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script)]
        out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True)
    finally:
        script.unlink(missing_ok=True)
    line = next(line for line in out.stdout.splitlines() if line.startswith("JSON "))
    result: dict[str, Any] = json.loads(line[5:])
    return result


def measure(port: int, row: Row, args: argparse.Namespace, seconds: float | None = None) -> dict[str, Any]:
    seconds = args.seconds if seconds is None else seconds
    if shutil.which("wrk") and not args.builtin:
        return load_wrk(port, row, seconds, args.connections)
    return load_builtin(port, row, seconds, args.connections, args.max_requests)


def send(port: int, row: Row, n: int = 1) -> tuple[int, str]:
    """One request of ``row`` (the ``n``th of a varying one): its status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        body = varied(row.body, n).encode() if row.body is not None else None
        connection.request(row.method, varied(row.path, n), body=body, headers=row.headers)
        answer = connection.getresponse()
        return answer.status, answer.read().decode(errors="replace")
    finally:
        connection.close()


def checked(port: int, row: Row) -> str:
    """A one-word verdict on one request of ``row``: "ok", or what is wrong (so a fast error is not a figure)."""
    status, text = send(port, row)
    if status >= 400:
        return f"HTTP-{status}"
    if row.path.endswith(("/inventory", "/graphql")) and '"errors"' in text:
        return "graphql-errors"
    if "Fault>" in text:
        return "soap-fault"
    return "ok"


# -- the table -------------------------------------------------------------------------------------


HEADER = (f"{'server':8} {'w':>1} {'row':24} {'store':7} {'req/s':>8} {'bare':>8} {'/bare':>6} {'/uvloop':>7}"
          f" {'/stateless':>10} {'p50 ms':>7} {'p99 ms':>7}  check")  # fmt: skip


def line(servers: Servers, row: str, store: str, result: dict[str, Any], bare: float, uvloop: float | None,
         stateless: float | None, verdict: str) -> str:  # fmt: skip
    versus = f"{result['rps'] / stateless:10.2f}" if stateless else f"{'':10}"
    on_uvloop = f"{result['rps'] / uvloop:7.2f}" if uvloop else f"{'-':>7}"
    statuses = result.get("statuses", {})
    failed = {code: count for code, count in statuses.items() if not code.startswith("2")}
    note = f" {failed}" if failed and any(failed.values()) else ""
    latency = f"{result['p50_ms']:7.2f} {result['p99_ms']:7.2f}"
    return (f"{servers.kind:8} {servers.workers:>1} {row:24} {store:7} {result['rps']:8.0f} {bare:8.0f} "
            f"{result['rps'] / bare:6.2f} {on_uvloop} {versus} {latency}  {verdict}{note}")  # fmt: skip


def chosen(rows: list[Row], only: str) -> list[Row]:
    words = [word.strip().lower() for word in only.split(",") if word.strip()]
    return [row for row in rows if not words or any(word in row.name.lower() for word in words)]


def run_server(servers: Servers, args: argparse.Namespace, redis_url: str | None, faker: dict[str, float]) -> None:
    warmup = min(1.0, args.seconds)
    bare_port, uvloop_port, ctk_port = free_port(), free_port(), free_port()
    bare = servers.bare(bare_port)
    bare_uvloop = servers.bare_uvloop(uvloop_port)
    ctk = servers.ctk(ctk_port, state=False)
    bare_rps: dict[str, float] = {}
    try:
        for row in chosen(ROWS, args.only):
            verdict = checked(ctk_port, row)
            measure(ctk_port, row, args, warmup)
            bare_rps[row.name] = measure(bare_port, row, args)["rps"]
            uvloop_rps = measure(uvloop_port, row, args)["rps"] if bare_uvloop is not None else None
            result = measure(ctk_port, row, args)
            print(line(servers, row.name, "-", result, bare_rps[row.name], uvloop_rps, None, verdict), flush=True)
            if servers.kind == "uvicorn" and servers.workers == 1 and row.faker:
                faker[row.name] = bare_rps[row.name]
        state_rows = chosen(STATE_ROWS, args.only)
        if state_rows and not args.no_state_rows:
            stateful(servers, args, state_rows, bare_port, uvloop_port if bare_uvloop else None, ctk_port, redis_url)
    finally:
        stop(ctk)
        stop(bare)
        if bare_uvloop is not None:
            stop(bare_uvloop)


def stateful(servers: Servers, args: argparse.Namespace, rows: list[Row], bare_port: int, uvloop_port: int | None,
             stateless_port: int, redis_url: str | None) -> None:  # fmt: skip
    """The stateful rows on a ctk server with state on, per store; each beside the bare app and the stateless server."""
    stores: list[tuple[str, str]] = []
    workdir = Path(tempfile.mkdtemp(prefix="ctk_bench_state_"))
    for name in args.stores.split(","):
        if name == "memory" and servers.workers > 1:
            print(f"({servers.kind}, {servers.workers} workers: ctk serve refuses state in memory with several "
                  "workers; the SQLite store stands in for it)")  # fmt: skip
            name = "sqlite"
        if name == "sqlite" and all(label != "sqlite" for label, _ in stores):
            stores.append(("sqlite", f"sqlite:{workdir / f'state-{servers.kind}-{servers.workers}.db'}"))
        elif name == "memory":
            stores.append(("memory", "memory"))
        elif name == "redis":
            if redis_url is None:
                print("(no redis-server installed: the Redis rows are skipped; apt-get install redis-server)")
            else:
                stores.append(("redis", redis_url))
    # row -> (bare, bare on uvloop, stateless), measured once with the first ids
    baseline: dict[str, tuple[float, float | None, float]] = {}
    try:
        for label, url in stores:
            port = free_port()
            if label == "redis":
                flush_redis(url)
            server = servers.ctk(port, state=True, store=url)
            try:
                ids = {name: created(port, rows, name) for name in SETUP if any(row.name == name for row in rows)}
                for row in rows:
                    filled = row.filled(ids.get(row.name, ""))
                    verdict = checked(port, filled)
                    measure(port, filled, args, min(1.0, args.seconds))  # warm-up
                    if row.name not in baseline:
                        uvloop_rps = measure(uvloop_port, filled, args)["rps"] if uvloop_port else None
                        baseline[row.name] = (measure(bare_port, filled, args)["rps"], uvloop_rps,
                                              measure(stateless_port, filled, args)["rps"])  # fmt: skip
                    result = measure(port, filled, args)
                    print(line(servers, row.name, label, result, *baseline[row.name], verdict), flush=True)
            finally:
                stop(server)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def created(port: int, rows: list[Row], name: str) -> str:
    """Create the resource the stored read ``name`` reads (by its create row), and return its id."""
    create_name, pattern = SETUP[name]
    create = next((row for row in STATE_ROWS if row.name == create_name), None)
    assert create is not None
    status, text = send(port, create)
    found = pattern.search(text)
    if status >= 400 or found is None:
        raise RuntimeError(f"{create_name} did not create anything ({status}): {text[:300]}")
    return found.group(1)


def flush_redis(url: str) -> None:
    host, port = url.removeprefix("redis://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(b"*1\r\n$8\r\nFLUSHALL\r\n")
        connection.recv(64)


# -- graphql-faker ---------------------------------------------------------------------------------


def run_faker(command: str, args: argparse.Namespace, bare: dict[str, float]) -> None:
    """graphql-faker on the inventory schema (its files concatenated), with the GraphQL rows that generate."""
    workdir = Path(tempfile.mkdtemp(prefix="ctk_bench_faker_"))
    schema = workdir / "inventory.graphql"
    sdl = "\n".join(path.read_text() for path in sorted((ROOT / "contracts/inventory/v1").glob("*.graphql")))
    # graphql-faker 2.0.0-rc.25's graphql-js predates @specifiedBy (a scalar's spec URL): left out, nothing else
    schema.write_text(re.sub(r"@specifiedBy\([^)]*\)", "", sdl))
    port = free_port()
    server = start([command, str(schema), "--port", str(port)], port)
    try:
        for row in chosen([row for row in ROWS if row.faker], args.only):
            moved = replace(row, path="/graphql")
            verdict = checked(port, moved)
            measure(port, moved, args, min(1.0, args.seconds))
            result = measure(port, moved, args)
            reference = bare.get(row.name)
            ratio = f"{result['rps'] / reference:6.2f}" if reference else f"{'-':>6}"
            print(f"{'faker':8} {1:>1} {row.name:24} {'-':7} {result['rps']:8.0f} {reference or 0:8.0f} {ratio} "
                  f"{'':7} {'':10} {result['p50_ms']:7.2f} {result['p99_ms']:7.2f}  {verdict}", flush=True)  # fmt: skip
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=400_000)
    parser.add_argument("--workers", default="1", help="worker counts, e.g. 1,2: the whole table for each")
    parser.add_argument("--servers", default="uvicorn", help="uvicorn, granian or both (uvicorn,granian)")
    parser.add_argument("--granian-path", default="/tmp/granian_pkgs", help="where granian is installed (--target)")
    parser.add_argument("--stores", default="memory,redis", help="the stores of the stateful rows: memory,sqlite,redis")
    parser.add_argument("--graphql-faker", default="", metavar="PATH", help="graphql-faker's executable")
    parser.add_argument("--only", default="", help="the rows whose name contains one of these comma-separated texts")
    parser.add_argument("--builtin", action="store_true", help="use the built-in load generator even if wrk exists")
    parser.add_argument("--no-state-rows", action="store_true", help="skip the rows with state on")
    args = parser.parse_args()
    counts = [int(count) for count in args.workers.split(",")]
    kinds = [kind.strip() for kind in args.servers.split(",") if kind.strip()]
    if set(kinds) - {"uvicorn", "granian"} or not counts or min(counts) < 1:
        parser.error("--servers takes uvicorn and/or granian; --workers counts from 1")
    generator = "wrk" if shutil.which("wrk") and not args.builtin else "built-in asyncio client"
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"load generator: {generator}; {args.connections} connections; {args.seconds:g} s per run; workers "
          f"{args.workers}; {os.cpu_count()} CPU(s); workspace {ROOT} at {head.stdout.strip() or '?'}")  # fmt: skip
    print(f"bare = the bare ASGI app on the same server, event loop ({SERVE_LOOP}, as ctk serve) and workers, same "
          "requests; /uvloop = ctk against the bare app on uvloop (uvicorn's default when installed); /stateless = "
          "the same requests to ctk with --no-state; check = one request's answer (ok, or what was wrong)")  # fmt: skip
    redis = None
    redis_url = None
    workdir = Path(tempfile.mkdtemp(prefix="ctk_bench_redis_"))
    if not args.no_state_rows and "redis" in args.stores and shutil.which("redis-server"):
        redis_port = free_port()
        redis = start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                       "--appendonly", "no", "--dir", str(workdir)], redis_port)  # fmt: skip
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
    faker_bare: dict[str, float] = {}
    try:
        print(HEADER)
        for kind in kinds:
            for count in counts:
                run_server(Servers(kind, count, args), args, redis_url, faker_bare)
        if args.graphql_faker:
            print("graphql-faker (node, one process) on the inventory schema; bare = the bare app, uvicorn, 1 worker")
            run_faker(args.graphql_faker, args, faker_bare)
    finally:
        if redis is not None:
            stop(redis)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

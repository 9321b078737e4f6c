"""Throughput and latency of `ctk serve` beside a bare ASGI app, on the same server, in the same run.

Starts each server as its own process under uvicorn (one worker, loopback), then drives it with a
load generator in another process: C `wrk` when installed, else the built-in one below (asyncio
over raw keep-alive sockets, uvloop when present). One `ctk serve` of the example workspace serves
all three protocols, so REST (payments: GET one, GET a list of 20, a validated POST), SOAP (crm:
GetAccount, validated and generated) and GraphQL (inventory: a product with nested fields) are
measured in the same run, on the same server. The "20k ids" rows send a different id on every
request, so no memoised answer is reused. Prints requests/s, p50/p99 latency, and the ratio of ctk
to the bare app for each. That server runs with ``--no-state``; then the same REST reads and creates
are measured on servers with state on (``--state`` with each store: memory, a SQLite file, and a
Redis server when ``redis-server`` is installed), each as a ratio to the stateless server.

    python bench/mock_throughput.py [--seconds 5] [--connections 32] [--only SOAP] [--max-requests 400000]
    python bench/mock_throughput.py --no-state-rows     # only the stateless rows

Bounded in time and requests; loopback only. On a 2-core machine the load generator and the server
share the cores: the ratio, not the absolute figure, is what compares.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from toolkit.mock.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent
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
SOAP = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:example:crm/GetAccount"'}
GRAPHQL = {"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
POST_BODY = json.dumps({"email": "jenny.rosen@example.com", "name": "Jenny Rosen", "description": "bench"})
SOAP_BODY = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    '<GetAccountRequest xmlns="urn:example:crm:types"><id>{n18}</id></GetAccountRequest>'
    "</soap:Body></soap:Envelope>"
)
GRAPHQL_QUERY = (
    "query($id: ID!) { product(id: $id) { id sku name price status tags createdAt "
    "stockLevels(first: 3) { onHand available status } } }"
)
GRAPHQL_BODY = json.dumps({"query": GRAPHQL_QUERY, "variables": {"id": "{n}"}})
Scenario = tuple[str, str, str, str | None, dict[str, str]]
# (name, method, path, body, headers). "{n}" varies per request; "{n18}" is an 18-character id.
SCENARIOS: list[Scenario] = [
    ("REST GET one", "GET", "/payments/customers/cus_9s6XKzkNRiz8i3x", None, REST),
    ("REST GET list of 20", "GET", "/payments/customers?limit=20", None, REST),
    ("REST POST validated", "POST", "/payments/customers", POST_BODY, {**REST, "Content-Type": "application/json"}),
    # Every request a different resource: no memo hit, the whole path (route, validate, generate) runs.
    ("REST GET 20k ids", "GET", "/payments/customers/cus_{n}", None, REST),
    ("SOAP GetAccount", "POST", "/crm", SOAP_BODY.replace("{n18}", "001A000001Xyz12AAB"), SOAP),
    ("SOAP 20k ids", "POST", "/crm", SOAP_BODY, SOAP),
    ("GraphQL product", "POST", "/inventory", GRAPHQL_BODY.replace("{n}", "UHJvZHVjdDox"), GRAPHQL),
    ("GraphQL 20k ids", "POST", "/inventory", GRAPHQL_BODY, GRAPHQL),
]
DISTINCT = 20_000
# With state on, a read is of a stored resource (the one the contract's example names), a create stores one.
STATE_SCENARIOS: list[Scenario] = [
    ("REST GET one", "GET", "/payments/customers/cus_9s6XKzkNRiz8i3", None, REST),
    ("REST POST create", "POST", "/payments/customers", POST_BODY, {**REST, "Content-Type": "application/json"}),
]


def start(command: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()[-500:] if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("server did not start in 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def varied(text: str, n: int) -> str:
    return text.replace("{n}", f"{n:06d}").replace("{n18}", f"001A{n:014d}")


def raw_requests(method: str, path: str, body: str | None, headers: dict[str, str]) -> list[bytes]:
    if "{n" in path + (body or ""):
        return [raw_request(method, varied(path, n), varied(body or "", n) or None, headers) for n in range(DISTINCT)]
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
) -> dict[str, float]:
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
        "statuses": statuses,  # type: ignore[dict-item]
    }


def load_builtin(
    port: int, scenario: Scenario, seconds: float, connections: int, max_requests: int
) -> dict[str, float]:
    """Runs in a child process so the client does not share the parent's interpreter with anything."""
    _, method, path, body, headers = scenario
    here = str(Path(__file__).parent)
    code = (
        f"import asyncio, json, sys; sys.path.insert(0, {here!r}); import mock_throughput as m\n"
        "try:\n import uvloop; uvloop.install()\nexcept ImportError:\n pass\n"
        f"r = asyncio.run(m._load({port}, m.raw_requests({method!r}, {path!r}, {body!r}, {headers!r}), {seconds},"
        f" {connections}, {max_requests})); print(json.dumps(r))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout)
    return result


def load_wrk(port: int, scenario: Scenario, seconds: float, connections: int) -> dict[str, float]:
    _, method, path, body, headers = scenario
    script = Path(os.environ.get("TMPDIR", "/tmp")) / "ctk_bench.lua"
    header_lua = "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in headers.items())
    body_lua = f"wrk.body = {json.dumps(body)}\n" if body else ""
    report = (
        "done = function(summary, latency, requests)\n"
        ' io.write(string.format("JSON {\\"rps\\": %f, \\"p50_ms\\": %f, \\"p99_ms\\": %f,'
        ' \\"requests\\": %d, \\"statuses\\": {\\"non-2xx/3xx\\": %d}}\\n",'
        " summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,"
        " latency:percentile(99) / 1000, summary.requests, summary.errors.status))\nend\n"
    )
    varying = ""
    if "{n" in path + (body or ""):  # a different resource on every request
        varying = (
            f"counter = 0\npath_template = {json.dumps(path)}\nbody_template = {json.dumps(body or '')}\n"
            "local function fill(text, n)\n"
            ' text = string.gsub(text, "{n18}", string.format("001A%014d", n))\n'
            ' return (string.gsub(text, "{n}", string.format("%06d", n)))\nend\n'
            "request = function()\n counter = counter + 1\n"
            f" local n = counter % {DISTINCT}\n"
            " local b = nil\n if body_template ~= '' then b = fill(body_template, n) end\n"
            " return wrk.format(nil, fill(path_template, n), nil, b)\nend\n"
        )
        path = path.split("{n", 1)[0]
    script.write_text(f'wrk.method = "{method}"\n{header_lua}{body_lua}{varying}{report}')
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script),
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True)  # fmt: skip
    line = next(line for line in out.stdout.splitlines() if line.startswith("JSON "))
    result: dict[str, float] = json.loads(line[5:])
    return result


def measure(port: int, scenario: Scenario, args: argparse.Namespace) -> dict[str, float]:
    if shutil.which("wrk") and not args.builtin:
        return load_wrk(port, scenario, args.seconds, args.connections)
    return load_builtin(port, scenario, args.seconds, args.connections, args.max_requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=400_000)
    parser.add_argument("--workers", type=int, default=1, help="ctk serve --workers (the bare app gets the same)")
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this text")
    parser.add_argument("--builtin", action="store_true", help="use the built-in load generator even if wrk exists")
    parser.add_argument("--no-state-rows", action="store_true", help="skip the rows with state on")
    args = parser.parse_args()
    generator = "wrk" if shutil.which("wrk") and not args.builtin else "built-in asyncio client"
    print(f"load generator: {generator}; {args.connections} connections; {args.seconds:.0f} s per run; "
          f"{args.workers} worker(s); {os.cpu_count()} CPU(s)")  # fmt: skip
    bare_dir = Path(os.environ.get("TMPDIR", "/tmp")) / "ctk_bench_bare"
    bare_dir.mkdir(exist_ok=True)
    (bare_dir / "bare_app.py").write_text(BARE_APP)
    ctk_port, bare_port = free_port(), free_port()
    uvicorn_flags = ["--log-level", "warning", "--no-access-log", "--workers", str(args.workers)]
    bare = start([sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(bare_port), *uvicorn_flags], bare_port,
                 {"PYTHONPATH": str(bare_dir)})  # fmt: skip
    # --log-level warning: ctk's one line per refused request is not what is measured (and stderr is a pipe here)
    serve = [sys.executable, "-m", "toolkit.cli", "serve", "--root", str(ROOT), "--workers", str(args.workers),
             "--log-level", "warning"]  # fmt: skip
    ctk = start([*serve, "--port", str(ctk_port), "--no-state"], ctk_port)
    try:
        print(f"{'scenario':20} {'server':6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}   statuses")
        for scenario in [item for item in SCENARIOS if args.only.lower() in item[0].lower()]:
            name = scenario[0]
            measure(ctk_port, scenario, argparse.Namespace(**{**vars(args), "seconds": 1.0}))  # warm-up
            bare_result = measure(bare_port, scenario, args)
            ctk_result = measure(ctk_port, scenario, args)
            for label, result in (("bare", bare_result), ("ctk", ctk_result)):
                print(f"{name:20} {label:6} {result['rps']:9.0f} {result['p50_ms']:8.2f} {result['p99_ms']:8.2f}   "
                      f"{result.get('statuses', '')}")  # fmt: skip
            print(f"{name:20} ratio ctk/bare: {ctk_result['rps'] / bare_result['rps']:.2f}")
        if not args.no_state_rows:
            state_rows(serve, ctk_port, args)
    finally:
        stop(ctk)
        stop(bare)
    return 0


def state_rows(serve: list[str], stateless_port: int, args: argparse.Namespace) -> None:
    """REST reads and creates with state on, per store, as a ratio to the stateless server in the same run."""
    stores: list[tuple[str, str]] = [("memory", "memory") if args.workers == 1 else ("", "")]
    workdir = Path(tempfile.mkdtemp(prefix="ctk_bench_state_"))
    stores.append(("sqlite", f"sqlite:{workdir / 'state.db'}"))
    redis = None
    if shutil.which("redis-server"):
        redis_port = free_port()
        redis = start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                       "--appendonly", "no", "--dir", str(workdir)], redis_port)  # fmt: skip
        stores.append(("redis", f"redis://127.0.0.1:{redis_port}/0"))
    else:
        print("(no redis-server installed: the Redis row is skipped)")
    try:
        print(
            f"\nwith state on: {'scenario':20} {'store':7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  ratio to stateless"
        )
        stateless = {scenario[0]: measure(stateless_port, scenario, args) for scenario in STATE_SCENARIOS}
        for label, url in stores:
            if not label:
                continue
            port = free_port()
            # a collection holds max_stored_items per session: raised so a long create run measures creates, not 429s
            extra = ["--limit", "max_stored_items=10000000"]
            server = start([*serve, "--port", str(port), "--state", "--store", url, *extra], port)
            try:
                for scenario in STATE_SCENARIOS:
                    measure(port, scenario, argparse.Namespace(**{**vars(args), "seconds": 1.0}))  # warm-up
                    result = measure(port, scenario, args)
                    ratio = result["rps"] / stateless[scenario[0]]["rps"]
                    print(f"with state on: {scenario[0]:20} {label:7} {result['rps']:9.0f} {result['p50_ms']:8.2f} "
                          f"{result['p99_ms']:8.2f}  {ratio:.2f}   {result.get('statuses', '')}")  # fmt: skip
            finally:
                stop(server)
    finally:
        if redis is not None:
            stop(redis)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

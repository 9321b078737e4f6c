"""What hostile requests cost the sandbox: time and peak memory of each class, beside a well-formed request.

Starts `ctk serve` on the example workspace (one worker, loopback), sends each hostile request once
(each class the hardening issue names: error floods, quadratic forms and multipart, deep nesting,
lone surrogates, huge integers, oversized headers, the GraphQL introspection bomb, SOAP violation
floods), and prints, per class: the status, the time of the answer, its ratio to a well-formed
request of the same protocol measured in the same run, the answer's size, and how much the server's
peak resident memory (VmHWM) grew. Then it checks that a well-formed request is still answered.

    python bench/hostile.py [--timeout 60]

Bounded: one request per class, each with a client timeout; loopback only. The server runs under a 4 GiB
address-space cap, so a request that would take 20 GB fails inside it (reported) instead of taking the
machine down.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from toolkit.mock.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent
KEY = {"X-Api-Key": "sk_test_bench"}
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:example:crm/GetAccount"'}
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MEMORY_CAP = 4 * 2**30


def soap(inner: str) -> str:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
        f'<GetAccountRequest xmlns="urn:example:crm:types">{inner}</GetAccountRequest></soap:Body></soap:Envelope>'
    )


def multipart(parts: int) -> tuple[bytes, dict[str, str]]:
    chunk = b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n'
    return chunk * parts + b"--b--\r\n", {"Content-Type": "multipart/form-data; boundary=b"}


# graphql-core refuses introspection nested deeper than 3 levels, so the bomb is breadth: 400 aliases of
# a whole-schema listing (about 45 KB of query), each answered with every type, field and argument.
INTROSPECTION_BOMB = (
    "{"
    + " ".join(
        f"a{i}: __schema {{ types {{ name description fields {{ name description args {{ name description }} }} }} }}"
        for i in range(400)
    )
    + "}"
)

# (class, protocol, method, path, headers, body)
Case = tuple[str, str, str, str, dict[str, str], bytes | str]


def cases() -> list[Case]:
    many_parts, multipart_headers = multipart(100_000)
    return [
        ("REST well-formed POST", "REST", "POST", "/payments/customers", {**KEY, **JSON},
         json.dumps({"email": "a@example.com", "name": "A"})),
        ("REST 30 000 invalid metadata keys", "REST", "POST", "/payments/customers", {**KEY, **JSON},
         json.dumps({"email": "a@example.com", "metadata": {("k" * 41) + str(i): "v" for i in range(30_000)}})),
        ("REST form: one key 300 000 times", "REST", "POST", "/payments/customers", {**KEY, **FORM},
         "&".join(["name=x"] * 300_000)),
        ("REST multipart: 100 000 parts", "REST", "POST", "/payments/customers", {**KEY, **multipart_headers},
         many_parts),
        ("REST JSON nested 100 000 deep", "REST", "POST", "/payments/customers", {**KEY, **JSON},
         "[" * 100_000 + "]" * 100_000),
        ("REST form brackets 10 000 deep", "REST", "POST", "/payments/customers", {**KEY, **FORM},
         "metadata" + "[a]" * 10_000 + "=1"),
        ("REST lone surrogate in JSON", "REST", "POST", "/payments/customers", {**KEY, **JSON},
         '{"email": "\\ud800@example.com", "name": "\\udfff"}'),
        ("REST Prefer: code=<5000 digits>", "REST", "GET", "/payments/customers/cus_1",
         {**KEY, "Prefer": "code=" + "9" * 5000}, b""),
        ("REST 60 KB header", "REST", "GET", "/payments/customers/cus_1", {**KEY, "X-Big": "a" * 60_000}, b""),
        ("REST 200 KB header", "REST", "GET", "/payments/customers/cus_1", {**KEY, "X-Big": "a" * 200_000}, b""),
        ("SOAP well-formed GetAccount", "SOAP", "POST", "/crm", SOAP_HEADERS, soap("<id>001A000001Xyz12AAB</id>")),
        ("SOAP 50 000 violations", "SOAP", "POST", "/crm", SOAP_HEADERS, soap("<bad/>" * 50_000)),
        ("SOAP id of 1 MB", "SOAP", "POST", "/crm", SOAP_HEADERS, soap("<id>" + "1" * 1_000_000 + "</id>")),
        ("GraphQL well-formed product", "GraphQL", "POST", "/inventory", JSON,
         json.dumps({"query": '{ product(id: "p1") { id name price } }'})),
        ("GraphQL introspection bomb (400 aliases)", "GraphQL", "POST", "/inventory", JSON,
         json.dumps({"query": INTROSPECTION_BOMB})),
        ("GraphQL first: <5000 digits>", "GraphQL", "POST", "/inventory", JSON,
         json.dumps({"query": "{ products(first: " + "9" * 5000 + ") { totalCount } }"})),
        ("GraphQL variables nested 10 000 deep", "GraphQL", "POST", "/inventory", JSON,
         '{"query": "query($v: Int) { products(first: $v) { totalCount } }", "variables": {"v": '
         + "[" * 10_000 + "]" * 10_000 + "}}"),
    ]  # fmt: skip


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _cap_memory() -> None:
    """The server may not grow past MEMORY_CAP (virtual memory): a request that would take 20 GB fails instead."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def start(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "toolkit.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, preexec_fn=_cap_memory)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/__ctk/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("ctk serve did not start within 60 s")


def slowloris(port: int, seconds: float) -> str:
    """Headers sent one byte every 0.5 s: how long until the server closes the connection."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as sock:
        for byte in b"GET /payments/customers HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000:
            try:
                sock.sendall(bytes([byte]))
                time.sleep(0.5)
                if time.perf_counter() - started > seconds:
                    return f"still open after {seconds:.0f} s"
            except OSError:
                break
    return f"closed after {time.perf_counter() - started:.1f} s"


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout per request, seconds")
    args = parser.parse_args()
    port = free_port()
    process = start(port)
    reference: dict[str, float] = {}
    deaths = 0
    print(f"{'class':44} {'status':>6} {'ms':>9} {'ratio':>7} {'answer KB':>10} {'peak RSS +MB':>13}")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=args.timeout) as client:
            baseline = peak_rss(process.pid)
            for name, protocol, method, path, headers, body in cases():
                before = peak_rss(process.pid)
                started = time.perf_counter()
                try:
                    answer = client.request(method, path, headers=headers, content=body)
                    status, size = str(answer.status_code), len(answer.content)
                except httpx.HTTPError as error:
                    status, size = type(error).__name__[:6], 0
                elapsed = (time.perf_counter() - started) * 1000
                if process.poll() is not None:
                    print(f"{name:44} server died (exit {process.returncode}) after {elapsed:.0f} ms: restarted")
                    deaths += 1
                    process = start(port)
                    baseline = peak_rss(process.pid)
                    continue
                reference.setdefault(protocol, elapsed)
                grown = (peak_rss(process.pid) - before) / 2**20
                print(f"{name:44} {status:>6} {elapsed:9.1f} {elapsed / reference[protocol]:7.1f} "
                      f"{size / 1024:10.1f} {grown:13.1f}")  # fmt: skip
            print(f"{'slowloris (1 header byte / 0.5 s)':44} {slowloris(port, 30):>30}")
            ok = client.get("/payments/customers/cus_1", headers=KEY).status_code
            print(f"after all of it, a well-formed request: {ok}; server deaths: {deaths}; peak RSS grew "
                  f"{(peak_rss(process.pid) - baseline) / 2**20:.1f} MB since the last start")  # fmt: skip
    finally:
        stop(process)


if __name__ == "__main__":
    main()

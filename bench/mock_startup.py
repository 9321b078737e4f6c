"""Startup to first response of `ctk serve` on the largest corpus specs (Stripe, Twilio).

Starts the real command in a subprocess and polls one operation of the spec until it answers; the
figure is wall time from launch (interpreter start included) to the first complete response.
The reference beside it is the bare load time of the same contract in this process.

    python bench/mock_startup.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from toolkit.mock.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "openapi"
CASES = [
    ("stripe-spec3-2019-09-27.yaml", "/v1/customers"),
    ("twilio_api_v2010.json", "/2010-04-01/Accounts.json"),
    ("kubernetes-swagger.json", "/api/v1/namespaces"),
]


def first_response(spec: Path, path: str) -> tuple[float, int]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "serve", str(spec), "--port", str(port),
                                "--no-validate"], cwd=ROOT, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"ctk serve exited with {process.returncode}")
            try:
                response = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=30)
                return time.perf_counter() - started, response.status_code
            except httpx.TransportError:
                time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(10)


def main() -> int:
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent")
        return 0
    from toolkit.load import load_contract

    print(f"{'contract':34} {'first response':>15} {'status':>7} {'bare load':>10}")
    for name, path in CASES:
        spec = CORPUS / name
        began = time.perf_counter()
        load_contract(spec)
        load = time.perf_counter() - began
        seconds, status = first_response(spec, path)
        print(f"{name:34} {seconds:13.2f} s {status:7} {load:8.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

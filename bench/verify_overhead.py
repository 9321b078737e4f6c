"""What ``ctk verify``'s safety costs: ``ctk verify`` against plain schemathesis, same server, examples and seed.

Both run as a user runs them, as commands in a subprocess (interpreter start included), against the same
``ctk serve`` of contracts/payments/v1 on a loopback port: ``ctk verify CONTRACT --base-url URL`` (safe
operations only, its five response checks, every request through the SafeClient) and ``schemathesis run``
restricted to the same operations (GET), the same five checks, positive mode, the fuzzing phase, one worker.
Each is run ``--repeat`` times; the figure is the ratio of the medians (target: at most 1.2).

    python bench/verify_overhead.py [--examples 20] [--seed 0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from toolkit.load import load_contract
from toolkit.mock.loopback import free_port
from toolkit.verify.engine_openapi import RESPONSE_CHECKS
from toolkit.verify.openapi import auth_headers

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "contracts" / "payments" / "v1"


def _serve() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "toolkit.cli", "serve", str(CONTRACT), "--port", str(port), "--no-reload"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/__ctk/health", timeout=1).status_code == 200:
                return process, f"{url}/v1"
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("ctk serve did not start within 60 s")


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"{command[2:4]} exited {completed.returncode}: {completed.stderr[-500:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    contract = load_contract(CONTRACT)
    process, url = _serve()
    try:
        verify = [
            sys.executable, "-m", "toolkit.cli", "verify", str(CONTRACT), "--base-url", url,
            "--examples", str(args.examples), "--seed", str(args.seed), "-q", "--budget", "100000",
            "--budget-per-operation", "100000",
        ]  # fmt: skip
        plain = [
            sys.executable, "-m", "schemathesis.cli", "run", str(CONTRACT / "openapi.yaml"), "--url", url,
            "--checks", ",".join(RESPONSE_CHECKS), "--mode", "positive", "--max-examples", str(args.examples),
            "--seed", str(args.seed), "--phases", "fuzzing", "--workers", "1", "--include-method", "GET",
            "--suppress-health-check", "all", "--no-color",
        ]  # fmt: skip
        for header in auth_headers(contract):
            plain += ["--header", header]
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(args.repeat):  # interleaved, so a busy moment of the machine falls on both
            ours.append(_timed(verify))
            theirs.append(_timed(plain))
    finally:
        process.terminate()
        process.wait(15)
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"contracts/payments/v1, GET operations, {args.examples} examples per operation, seed {args.seed}")
    print(f"ctk verify:            median {statistics.median(ours):.2f} s  ({', '.join(f'{s:.2f}' for s in ours)})")
    print(f"schemathesis run:      median {statistics.median(theirs):.2f} s  ({', '.join(f'{s:.2f}' for s in theirs)})")
    print(f"ratio ctk/schemathesis: {ratio:.2f} (target at most 1.2)")


if __name__ == "__main__":
    main()

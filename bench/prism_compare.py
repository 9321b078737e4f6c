"""ctk's mock and Prism side by side, on the same measurements, in the same run.

The issue behind ctk's mock set out to beat Prism (the usual OpenAPI mock) "measured side by side":
on conformance, startup on big specs and throughput. This script runs ctk's own measurements against
both servers, so a claim about either is a figure anyone can re-run:

- conformance: ``scripts/self_conformance.py`` per corpus contract (schemathesis, positive mode, five
  response checks), once with ctk in-process and once with ``prism mock SPEC -p PORT -h 127.0.0.1``,
  each in a child process (ctk's under an address-space cap), so one server exhausting memory or time
  costs a row, not the run; the failures are then sorted by kind (schema, rejected request, ...);
- startup: launch to first response on Stripe and Twilio, both as a subprocess, given up after 120 s;
- throughput: requests/s and p50/p99 for the payments scenarios of ``bench/mock_throughput.py``
  (wrk when installed), ctk serving the workspace (contract under ``/payments``), Prism serving
  ``contracts/payments/v1`` at its root.

Prism is found as ``$PRISM`` (a path or a command), ``prism`` on PATH, or ``npx --no-install prism``.
Without it the script says how to get it and exits 0. Prism runs in its default mode (static:
examples first, else a value Prism builds from the schema); ``--prism-args=-d`` measures its dynamic
mode (json-schema-faker) instead.

    PRISM=/tmp/prism/node_modules/.bin/prism python bench/prism_compare.py
    python bench/prism_compare.py --parts conformance --only payments --max-examples 5
    python bench/prism_compare.py --parts startup,throughput --prism-args=-d

The throughput part loads the machine; run it alone, and read it beside the load average it prints.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import mock_throughput  # a sibling script (bench/ is on sys.path when this one runs)

from toolkit.mock.loopback import free_port
from toolkit.verify.openapi import CHECKS, Outcome
from toolkit.verify.targets import stop_group, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
# scripts/ is a folder of scripts, not a package: the list of contracts self_conformance.py runs
sys.path.insert(0, str(ROOT / "scripts"))
from self_conformance import contracts  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "openapi"
STARTUP_CASES = [
    ("stripe-spec3-2019-09-27.yaml", "/v1/customers"),
    ("twilio_api_v2010.json", "/2010-04-01/Accounts.json"),
]
# Both specs accept HTTP basic credentials; with them the first answer is the operation's, not a 401.
STARTUP_HEADERS = {"Authorization": "Basic dGVzdDp0ZXN0", "Accept": "application/json"}
PAYMENTS = ROOT / "contracts" / "payments" / "v1" / "openapi.yaml"
CTK_MOUNT = "/payments"  # the workspace's mount (sandbox/sandbox.toml); Prism serves the paths at its root
HOW_TO_GET_PRISM = """Prism is not installed, so there is nothing to compare against.
Install it outside this repository and point PRISM at it:

    mkdir -p /tmp/prism && cd /tmp/prism && npm install @stoplight/prism-cli
    PRISM=/tmp/prism/node_modules/.bin/prism python bench/prism_compare.py

(or `npm install -g @stoplight/prism-cli` to put `prism` on PATH)."""


def find_prism() -> list[str] | None:
    """The command that runs Prism, or None: $PRISM, then `prism` on PATH, then a local npx install."""
    if os.environ.get("PRISM"):
        return shlex.split(os.environ["PRISM"])
    if shutil.which("prism"):
        return ["prism"]
    if shutil.which("npx"):
        try:
            probe = subprocess.run(["npx", "--no-install", "prism", "--version"], capture_output=True, text=True,
                                   timeout=60, check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            return None
        if probe.returncode == 0:
            return ["npx", "--no-install", "prism"]
    return None


def prism_version(prism: list[str]) -> str:
    out = subprocess.run([*prism, "--version"], capture_output=True, text=True, timeout=60, check=False)
    return out.stdout.strip() or out.stderr.strip()[-200:]


def prism_command(prism: list[str], extra: list[str], spec: str = "{spec}", port: str = "{port}") -> list[str]:
    return [*prism, "mock", spec, "-p", port, "-h", "127.0.0.1", *extra]


def ctk_command(spec: str, port: str) -> list[str]:
    """`ctk serve` with its defaults (requests validated), as a user would start it."""
    return [sys.executable, "-m", "toolkit.cli", "serve", spec, "--port", port]


# --- conformance ---------------------------------------------------------------------------------


def compare_conformance(prism: list[str], args: argparse.Namespace) -> None:
    print(f"\n## Self-conformance (schemathesis positive mode, {args.max_examples} examples/operation, "
          f"seed {args.seed}; checks: {CHECKS.replace(',', ', ')})")  # fmt: skip
    # The last column is how many examples of the contract violate their own schema: ctk sets them aside,
    # Prism serves them as written, so some of Prism's failures are the vendor's, not Prism's.
    print(f"{'contract':58} {'ctk':>20} {'prism':>20} {'bad examples':>13}")
    totals = {"ctk": [0, 0], "prism": [0, 0]}  # [conforming, tested] over contracts both could run
    ctk_kinds: Counter[str] = Counter()
    prism_kinds: Counter[str] = Counter()
    for path in contracts(args.only):
        ctk = run_isolated(path, args, None, args.memory_limit_gb)
        other = run_isolated(path, args, prism_command(prism, args.prism_args), None)
        name = ctk.contract.replace("shared/corpus/openapi/", "corpus/").replace("main/contracts/", "contracts/")
        print(f"{name:58} {_cell(ctk):>20} {_cell(other):>20} {ctk.invalid_examples:>13}")
        for label, outcome in (("ctk", ctk), ("prism", other)):
            if outcome.error:
                print(f"    {label} NOT RUN: {' '.join(outcome.error.split())[:300]}")
            for failure in outcome.failures[: args.failures]:
                print(f"    {label} FAIL {failure}")
        ctk_kinds.update(failure_kind(text.split(": ", 1)[-1]) for text in ctk.failures)
        prism_kinds.update(failure_kind(text.split(": ", 1)[-1]) for text in other.failures)
        if not ctk.error and not other.error:
            for label, outcome in (("ctk", ctk), ("prism", other)):
                totals[label][0] += outcome.tested - len(outcome.failed)
                totals[label][1] += outcome.tested
        sys.stdout.flush()
    print(f"{'all (contracts both ran)':58} {_ratio(*totals['ctk']):>20} {_ratio(*totals['prism']):>20}")
    for label, kinds in (("ctk", ctk_kinds), ("prism", prism_kinds)):
        if kinds:
            print(f"{label} failures by kind: " + "; ".join(f"{kind} {n}" for kind, n in kinds.most_common()))


def failure_kind(text: str) -> str:
    """What a schemathesis failure says about the server, from its first lines (check codes, answer status)."""
    if re.search(r"\[(400|422)\]", text):
        return "valid request rejected (400/422)"
    if re.search(r"\[(401|403)\]", text):
        return "credentials refused (401/403)"
    if "Response header does not conform" in text:  # schemathesis reports header values under ST108 too
        return "header violates its schema"
    for code, kind in (("ST108", "body violates its schema"), ("ST104", "content-type missing"),
                       ("ST105", "content-type undocumented"), ("ST103", "status undocumented"),
                       ("ST106", "headers violate contract"), ("ST101", "server error")):  # fmt: skip
        if code in text.split(" - ")[0]:
            return kind
    return text.split(" - ")[0][:40]


def run_isolated(path: Path, args: argparse.Namespace, command: list[str] | None,
                 memory_gb: float | None) -> Outcome:  # fmt: skip
    """One contract through scripts/self_conformance.py in a child process: ctk in-process there, or ``command``.

    A child per contract and server, so a server that exhausts memory (or hangs) costs one row, not the
    run, and the memory cap (address space of the child, its mock and schemathesis) protects the
    machine it shares. Prism gets no cap: V8 reserves address space it never uses, and has its own heap
    limit.
    """
    contract = str(path.relative_to(ROOT.parent))
    argv = [sys.executable, str(ROOT / "scripts" / "self_conformance.py"), "--only", contract, "--json",
            "--engine", "schemathesis", "--max-examples", str(args.max_examples), "--seed", str(args.seed),
            "--workers", str(args.workers)]  # fmt: skip
    if command:
        argv += ["--command", shlex.join(command), "--startup-timeout", str(args.timeout)]
    limit = int(memory_gb * 2**30) if memory_gb else None

    def cap() -> None:
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    # Its own session, so a timeout stops the whole tree (schemathesis, the mock), not just the child.
    child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=cap, start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = child.communicate(timeout=args.contract_timeout)
    except subprocess.TimeoutExpired:
        stop_group(child)
        return Outcome(contract, error=f"gave up after {args.contract_timeout:.0f} s")
    try:
        found = json.loads(stdout)["outcomes"][0]
        known = {f.name for f in dataclasses.fields(Outcome)}
        return Outcome(**{key: value for key, value in found.items() if key in known})
    except (ValueError, KeyError, IndexError):
        tail = " ".join(stderr[-300:].split())
        return Outcome(contract, error=f"the run died (exit {child.returncode}): {tail}")


def _cell(outcome: Outcome) -> str:
    if outcome.error:
        return "not run"
    return f"{_ratio(outcome.tested - len(outcome.failed), outcome.tested)} {outcome.seconds:5.0f}s"


def _ratio(good: int, total: int) -> str:
    return f"{good}/{total} {good / total:6.1%}" if total else "0/0"


# --- startup -------------------------------------------------------------------------------------


def first_response(command: list[str], port: int, path: str, timeout: float) -> tuple[float | None, str]:
    """Seconds from launch to the first complete HTTP answer on ``path`` (None after ``timeout``), and its status."""
    started = time.perf_counter()
    deadline = started + timeout
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                   start_new_session=True)  # fmt: skip
        try:
            while time.perf_counter() < deadline:
                if process.poll() is not None:
                    return None, f"exited with {process.returncode}"
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}{path}", headers=STARTUP_HEADERS,
                                         timeout=max(0.1, deadline - time.perf_counter()))  # fmt: skip
                    return time.perf_counter() - started, str(response.status_code)
                except httpx.TransportError:
                    time.sleep(0.05)
            return None, "no answer"
        finally:
            stop_group(process)


def compare_startup(prism: list[str], args: argparse.Namespace) -> None:
    print(f"\n## Startup: launch to first response (given up after {args.timeout:.0f} s)")
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent")
        return
    print(f"{'contract':34} {'ctk':>16} {'prism':>16}")
    for name, path in STARTUP_CASES:
        spec = str(CORPUS / name)
        cells = []
        for command in (ctk_command, lambda s, p: prism_command(prism, args.prism_args, s, p)):
            port = free_port()
            seconds, status = first_response(command(spec, str(port)), port, path, args.timeout)
            cells.append(f"{seconds:6.1f} s ({status})" if seconds is not None else f"> {args.timeout:.0f} s")
        print(f"{name:34} {cells[0]:>16} {cells[1]:>16}")
        sys.stdout.flush()


# --- throughput ----------------------------------------------------------------------------------


def compare_throughput(prism: list[str], args: argparse.Namespace) -> None:
    generator = "wrk" if shutil.which("wrk") and not args.builtin else "built-in asyncio client"
    print(f"\n## Throughput: payments scenarios ({generator}, {args.connections} connections, {args.seconds:.0f} s "
          f"per run, one process each; load average before: {_load()})")  # fmt: skip
    ctk_port, prism_port = free_port(), free_port()
    # --no-state: Prism keeps no state, and the rows are mock_throughput's stateless ones (with state on, a GET of
    # a customer nobody created is a 404, a 406 to a client accepting only JSON)
    ctk_argv = [sys.executable, "-m", "toolkit.cli", "serve", "--root", str(ROOT), "--port", str(ctk_port),
                "--no-state", "--no-reload"]  # fmt: skip
    prism_argv = prism_command(prism, args.prism_args, str(PAYMENTS), str(prism_port))
    with tempfile.TemporaryFile() as log:
        servers = []
        try:
            for argv, port in ((ctk_argv, ctk_port), (prism_argv, prism_port)):
                process = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                           start_new_session=True)  # fmt: skip
                servers.append(process)
                wait_for_port(process, port, args.timeout, log)
            print(f"{'scenario':20} {'server':6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}   statuses")
            for row in payments_rows():
                results = {}
                for label, port, moved in (("ctk", ctk_port, row), ("prism", prism_port, _unmounted(row))):
                    mock_throughput.measure(port, moved, args, 1.0)  # warm-up
                    results[label] = mock_throughput.measure(port, moved, args)
                for label, result in results.items():
                    print(f"{row.name:20} {label:6} {result['rps']:9.0f} {result['p50_ms']:8.2f} "
                          f"{result['p99_ms']:8.2f}   {result.get('statuses', '')}")  # fmt: skip
                print(f"{row.name:20} ratio ctk/prism: {results['ctk']['rps'] / results['prism']['rps']:.2f}")
                sys.stdout.flush()
        finally:
            for process in servers:
                stop_group(process)
    print(f"load average after: {_load()}")


def payments_rows() -> list[mock_throughput.Row]:
    """The stateless REST rows of ``bench/mock_throughput.py`` (the payments contract, mounted at CTK_MOUNT)."""
    return [row for row in mock_throughput.ROWS if row.path.startswith(CTK_MOUNT + "/")]


def _unmounted(row: mock_throughput.Row) -> mock_throughput.Row:
    """``row`` as Prism serves it: the contract at the root, not under ctk's mount."""
    path = row.path
    return dataclasses.replace(row, path=path[len(CTK_MOUNT) :] if path.startswith(CTK_MOUNT + "/") else path)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + f" on {os.cpu_count()} CPU(s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="conformance,startup,throughput", help="comma-separated parts to run")
    parser.add_argument("--prism-args", type=shlex.split, default=[], help="extra `prism mock` flags, e.g. '-d'")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a server gets to load a spec")
    conformance = parser.add_argument_group("conformance")
    conformance.add_argument("--only", action="append", default=[], help="contracts whose path contains this")
    conformance.add_argument("--max-examples", type=int, default=25)
    conformance.add_argument("--seed", type=int, default=1)
    conformance.add_argument("--workers", type=int, default=2)
    conformance.add_argument("--failures", type=int, default=0, help="print this many failures per contract")
    conformance.add_argument("--contract-timeout", type=float, default=2400, help="seconds per contract and server")
    conformance.add_argument("--memory-limit-gb", type=float, default=8, help="address-space cap of ctk's run")
    throughput = parser.add_argument_group("throughput")
    throughput.add_argument("--seconds", type=float, default=5.0)
    throughput.add_argument("--connections", type=int, default=32)
    throughput.add_argument("--max-requests", type=int, default=400_000)
    throughput.add_argument("--builtin", action="store_true", help="the built-in load generator even if wrk exists")
    args = parser.parse_args()
    prism = find_prism()
    if prism is None:
        print(HOW_TO_GET_PRISM)
        return 0
    parts = {part.strip() for part in args.parts.split(",") if part.strip()}
    unknown = parts - {"conformance", "startup", "throughput"}
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    mode = f"prism mock {shlex.join(args.prism_args)}" if args.prism_args else "default (static)"
    print(f"Prism {prism_version(prism)} ({' '.join(prism)}), mode: {mode}; ctk from {ROOT}; "
          f"load average: {_load()}")  # fmt: skip
    if "conformance" in parts:
        compare_conformance(prism, args)
    if "startup" in parts:
        compare_startup(prism, args)
    if "throughput" in parts:
        compare_throughput(prism, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

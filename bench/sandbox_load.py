"""The whole example workspace under load: many concurrent connections for a while, every protocol, state on.

Starts ``ctk serve`` on a copy of the repository's workspace (payments over REST, crm over SOAP, inventory over
GraphQL, all with ``state = true``) whose sandbox.toml adds one configured fault: payments answers 503 to
``--error-rate`` of its requests. ``wrk`` then drives it with ``bench/sandbox_load/mix.lua``: one session per
connection walking valid and invalid requests of the three protocols (create, read back, list, delete; a
body the contract refuses, a path matching nothing, a malformed SOAP envelope, a GraphQL syntax error...),
each answer judged against the status its step expects. A short warm-up run comes first, so that what a
first request compiles is not counted as growth.

Prints one figure a line (``name = value``), then one line per check (``PASS ...`` or ``FAIL ...``):

- the server's own bounds hold the load: ``max_connections`` and its open-file limit are above ``--connections``;
- zero transport errors (wrk's connect, read, write and timeout errors; ``--timeout`` is a hang guard only);
- no 5xx but the configured fault: a payments 503 in JSON is one (a SOAP ``soap:Client`` fault is the client's,
  though SOAP 1.1 sends every fault as 500); the server's metrics count every answer wrk saw, and every such 503
  as a fault it injected (``/__ctk/metrics``, scraped before and after the run);
- every answer has the status its step expects, and every request sent is answered (but those in flight when wrk
  stops, one a connection at most);
- the server's resident memory at 10 s and at the end (30 s) within 10% of each other (peak printed too);
- the journal holds no more than its bound (``GET /__ctk/requests/count``);
- the server is still up, and its log has no traceback.

Exit 1 when a check fails, 2 when wrk is missing or the server does not start.

    python bench/sandbox_load.py [--duration 30] [--connections 200] [--store memory|redis] [--journal-size N]

wrk runs one thread per connection, so each connection has its own Lua state and every answer is matched to
the request it answers (wrk does not tell a thread's connections apart); so there is no ``--threads``. Loopback
only; bounded in time. On a 2-core machine wrk and the server share the cores: requests per second and latencies
are figures, never checks. wrk's default timeout (2 s) is raised to 10 s, as a hang guard: an answer that never
comes is a failure, a slow one a figure. (On uvloop, which ctk serve used before, the slowest answers under 200
connections took seconds — a bare uvicorn app too: p99 3.6 s, against 90 ms on asyncio's loop, which ctk serve
now uses.)
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from toolkit.limits import DEFAULT_LIMITS
from toolkit.mock.http_server import uvicorn_options
from toolkit.mock.loopback import LOOPBACK, free_port
from toolkit.sandbox.admin.journal import DEFAULT_SIZE as JOURNAL_SIZE

ROOT = Path(__file__).resolve().parent.parent
MIX = ROOT / "bench" / "sandbox_load" / "mix.lua"
INSTALL_WRK = "apt-get install wrk (Debian, Ubuntu) or brew install wrk (macOS)"
INSTALL_REDIS = "apt-get install redis-server (Debian, Ubuntu) or brew install redis (macOS)"
RSS_TOLERANCE = 0.10
CREATE_BUDGET = 10  # SOAP accounts and GraphQL products each session creates, so that state stays bounded
STARTUP = 60.0  # seconds a server may take to answer; beyond, it is broken
MIB = 1024 * 1024


@dataclass
class Figures:
    """What the run measured: printed one a line, then judged by the checks."""

    lines: list[tuple[str, object]] = field(default_factory=list)
    checks: list[tuple[bool | None, str]] = field(default_factory=list)  # None: could not be checked

    def add(self, name: str, value: object) -> None:
        self.lines.append((name, value))

    def check(self, passed: bool | None, text: str) -> None:
        self.checks.append((passed, text))

    def print(self) -> None:
        for name, value in self.lines:
            print(f"{name} = {value}")
        for passed, text in self.checks:
            print(f"{'SKIP' if passed is None else 'PASS' if passed else 'FAIL'} {text}")

    @property
    def failed(self) -> bool:
        return any(passed is False for passed, _ in self.checks)


@dataclass
class WrkRun:
    """wrk's own summary and the mix's tallies, parsed from the ``CTK-LOAD`` lines its done() prints."""

    values: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)
    tally: dict[str, int] = field(default_factory=dict)  # "protocol status" -> answers
    unexpected: dict[str, int] = field(default_factory=dict)  # "protocol step status" -> answers

    @classmethod
    def parse(cls, output: str) -> WrkRun:
        run = cls()
        for line in output.splitlines():
            if not line.startswith("CTK-LOAD "):
                continue
            words = line.split()[1:]
            if words[0] == "errors":
                run.errors = {k: int(v) for k, v in (word.split("=") for word in words[1:])}
            elif words[0] in ("sent", "tally", "unexpected"):
                getattr(run, words[0])[" ".join(words[1:-1])] = int(words[-1])
            else:
                run.values[words[0]] = int(words[1])
        if "requests" not in run.values:
            raise RuntimeError(f"wrk printed no summary:\n{output[-2000:]}")
        return run


def workspace_copy(folder: Path, error_rate: float) -> Path:
    """The repository's workspace, copied, with payments answering 503 to ``error_rate`` of its requests."""
    for part in ("contracts", "mocks", "sandbox"):
        shutil.copytree(ROOT / part, folder / part)
    config = folder / "sandbox" / "sandbox.toml"
    faults = f"\n[apis.payments.faults]  # bench/sandbox_load.py\nerror_rate = {error_rate}\nerror_status = 503\n"
    config.write_text(config.read_text(encoding="utf-8") + faults, encoding="utf-8")
    return folder


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {STARTUP:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A redis-server on a free loopback port that keeps nothing on disk; yields its URL."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no",
               "--dir", str(folder)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, "redis-server")
        yield f"redis://{LOOPBACK}:{port}/0"
    finally:
        stop(process)


@contextlib.contextmanager
def ctk_serve(
    root: Path, port: int, store: str | None, journal_size: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "toolkit.cli", "serve", "--root", str(root), "--host", LOOPBACK,
               "--port", str(port), "--log-level", "warning", "--journal-size", str(journal_size)]  # fmt: skip
    if store is not None:
        command += ["--store", store]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=root, stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP
            while get(port, "/__ctk/health")[0] != 200:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ctk serve did not start:\n{log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.1)
            yield process
        finally:
            stop(process)


def get(port: int, path: str) -> tuple[int, str]:
    """GET ``path`` on the server (0 and the reason when nothing answers)."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read().decode("utf-8", errors="replace")
    except OSError as why:
        return 0, str(why)
    finally:
        connection.close()


def proc_status(pid: int, key: str) -> int:
    """A ``/proc/PID/status`` figure in bytes (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in /proc/{pid}/status")


def open_files_limit(pid: int) -> int:
    """The soft limit on open files of process ``pid`` (what bounds the sockets it can accept)."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft = line.split()[3]
            return sys.maxsize if soft == "unlimited" else int(soft)
    raise RuntimeError(f"no open-file limit in /proc/{pid}/limits")


def wrk_command(port: int, seconds: float, connections: int, timeout: float, session: str) -> list[str]:
    return ["wrk", f"-t{connections}", f"-c{connections}", f"-d{max(1, round(seconds))}s", f"--timeout={timeout:g}s",
            "-s", str(MIX), f"http://{LOOPBACK}:{port}", "--", session, str(CREATE_BUDGET)]  # fmt: skip


def drive(port: int, pid: int, args: argparse.Namespace) -> tuple[WrkRun, list[tuple[float, int]]]:
    """Run wrk for the duration, sampling the server's resident memory every quarter second."""
    command = wrk_command(port, args.duration, args.connections, args.timeout, "load")
    wrk = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    started = time.monotonic()
    samples: list[tuple[float, int]] = []
    while wrk.poll() is None:
        samples.append((time.monotonic() - started, proc_status(pid, "VmRSS")))
        time.sleep(0.25)
    output = wrk.stdout.read().decode(errors="replace") if wrk.stdout else ""
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk exited with {wrk.returncode}:\n{output[-2000:]}")
    return WrkRun.parse(output), samples


@dataclass(frozen=True)
class Counts:
    """What the server's own metrics say it answered and injected so far (None: it serves no /__ctk/metrics)."""

    answered: float
    injected: float  # faults injected into payments' answers

    @classmethod
    def scrape(cls, port: int) -> Counts | None:
        status, body = get(port, "/__ctk/metrics")
        if status != 200:
            return None
        answered = injected = 0.0
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                if sample.name == "ctk_requests_total":
                    answered += sample.value
                elif sample.name == "ctk_faults_injected_total" and sample.labels.get("api") == "payments":
                    injected += sample.value
        return cls(answered, injected)


def judge_answers(figures: Figures, run: WrkRun, connections: int) -> int:
    """What wrk saw: the figures, and the checks on transport errors and statuses; returns the configured 503s."""
    seconds = run.values["duration_us"] / 1e6
    figures.add("requests", run.values["requests"])
    figures.add("requests_per_s", f"{run.values['requests'] / seconds:.0f}")
    for name in ("latency_p50", "latency_p99", "latency_max"):
        figures.add(f"{name}_ms", f"{run.values[name + '_us'] / 1000:.1f}")
    for key, n in sorted(run.sent.items()):
        figures.add(f"sent {key}", n)
    for key, n in sorted(run.tally.items()):
        figures.add(f"answers {key}", n)
    for key, n in sorted(run.unexpected.items()):
        figures.add(f"unexpected {key}", n)
    transport = {kind: run.errors.get(kind, 0) for kind in ("connect", "read", "write", "timeout")}
    figures.add("transport_errors", " ".join(f"{kind}={n}" for kind, n in transport.items()))
    figures.check(sum(transport.values()) == 0, "zero transport errors (connect, read, write, timeout)")

    server_errors = {key: n for key, n in run.tally.items() if re.fullmatch(r"\w+ 5\d\d", key)}
    configured = run.tally.get("rest 503-configured-fault", 0)
    figures.add("server_errors_5xx", sum(server_errors.values()))
    figures.add("configured_faults_503", configured)
    shown = f" (seen: {server_errors})" if server_errors else ""
    figures.check(not server_errors, f"no 5xx but the configured faults{shown}")
    figures.check(not run.unexpected, "every answer has the status its request expects")
    # wrk stops with one request in flight on each connection at most, and asks the first thread's request() once
    # more before the run, to check the script, without sending it; any more sent and never answered were lost.
    unanswered = sum(run.sent.values()) - sum(run.tally.values())
    figures.add("unanswered_at_stop", unanswered)
    figures.check(0 <= unanswered <= connections + 1, "every request answered, but those in flight at the stop")
    return configured


def judge_memory(figures: Figures, samples: list[tuple[float, int]], duration: float, pid: int) -> None:
    """Resident memory early in the run (at 10 s, or a third of a shorter run) and at its end: flat."""
    early_at = min(10.0, duration / 3)
    early = next((rss for at, rss in samples if at >= early_at), samples[-1][1])
    late_at, late = samples[-1]
    change = (late - early) / early
    figures.add(f"rss_at_{early_at:.3g}s_mib", f"{early / MIB:.1f}")
    figures.add(f"rss_at_{late_at:.0f}s_mib", f"{late / MIB:.1f}")
    figures.add("rss_change_pct", f"{change * 100:+.1f}")
    figures.add("peak_rss_mib", f"{proc_status(pid, 'VmHWM') / MIB:.1f}")
    figures.check(abs(change) <= RSS_TOLERANCE, f"resident memory flat within {RSS_TOLERANCE:.0%} after warm-up")


def judge_server(figures: Figures, run: WrkRun, configured: int, args: argparse.Namespace, port: int,
                 before: Counts | None) -> None:  # fmt: skip
    """What the server says of itself: the journal within its bound, its metrics agreeing with what wrk saw."""
    journal_size, connections = args.journal_size, args.connections
    status, body = get(port, "/__ctk/requests/count")
    if status == 200:
        count = int(json.loads(body)["count"])
        figures.add("journal_entries", count)
        figures.add("journal_bound", journal_size)
        figures.check(count <= journal_size, "the journal holds no more than its bound (--journal-size)")
    else:
        figures.check(None, f"journal bounded: GET /__ctk/requests/count answered {status}")

    after = Counts.scrape(port)
    if before is None or after is None:
        figures.check(None, "the server's metrics agree: GET /__ctk/metrics did not answer 200")
        return
    # During the run the server answered what wrk saw plus what was in flight at the stop (one a connection),
    # and the admin GET between the scrapes; it injected every configured 503 wrk saw, and no more.
    answered, injected = after.answered - before.answered, after.injected - before.injected
    figures.add("metrics_requests_during_run", f"{answered:.0f}")
    figures.add("metrics_faults_injected_during_run", f"{injected:.0f}")
    requests, in_flight = run.values["requests"], connections
    figures.check(
        requests <= answered <= requests + in_flight + 1 and configured <= injected <= configured + in_flight,
        "the server's metrics count every answer wrk saw, and every 503 wrk saw as an injected fault",
    )


def measure(args: argparse.Namespace, folder: Path) -> Figures:
    """Serve the workspace copy, warm it up, load it, and judge what was seen; RuntimeError if nothing can run."""
    figures = Figures()
    root = workspace_copy(folder / "workspace", args.error_rate)
    log = folder / "serve.log"
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(redis_server(folder)) if args.store == "redis" else None
        port = free_port()
        server = stack.enter_context(ctk_serve(root, port, store, args.journal_size, log))
        figures.add("connections", args.connections)
        figures.add("duration_s", f"{args.duration:g}")
        figures.add("store", args.store)
        # ctk serve's event loop (uvicorn_options): it decides the latency tail under many connections
        figures.add("event_loop", uvicorn_options(DEFAULT_LIMITS)["loop"])
        figures.add("max_connections", DEFAULT_LIMITS.max_connections)
        files = open_files_limit(server.pid)
        figures.add("server_open_files_limit", files)
        figures.check(args.connections <= DEFAULT_LIMITS.max_connections and args.connections < files,
                      "the server's max_connections and open-file limit hold the connections")  # fmt: skip
        if args.warmup > 0:
            warm = wrk_command(port, args.warmup, 2, args.timeout, "warmup")
            subprocess.run(warm, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, check=True)
        before = Counts.scrape(port)
        run, samples = drive(port, server.pid, args)
        configured = judge_answers(figures, run, args.connections)
        judge_memory(figures, samples, args.duration, server.pid)
        judge_server(figures, run, configured, args, port, before)
        figures.check(server.poll() is None, "the server is still up")
    text = log.read_text(errors="replace")
    figures.check("Traceback" not in text, "the server's log has no traceback")
    if "Traceback" in text:
        figures.add("server_log_tail", repr(text[-4000:]))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--connections", type=int, default=200, help="concurrent connections (default 200)")
    parser.add_argument("--store", choices=("memory", "redis"), default="memory", help="where state lives")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up on 2 connections first")
    parser.add_argument("--error-rate", type=float, default=0.02, help="payments' configured 503 rate")
    parser.add_argument("--journal-size", type=int, default=JOURNAL_SIZE, help="the journal's bound (ctk's default)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before wrk calls an answer lost")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print(f"wrk is not installed: {INSTALL_WRK}")
        return 2
    if args.store == "redis" and shutil.which("redis-server") is None:
        print(f"--store redis needs redis-server: {INSTALL_REDIS}")
        return 2
    with tempfile.TemporaryDirectory(prefix="ctk-load-") as temporary:
        try:
            figures = measure(args, Path(temporary))
        except (RuntimeError, subprocess.CalledProcessError) as why:
            print(f"could not measure: {why}")
            return 2
    figures.print()
    return 1 if figures.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""What each sandbox layer costs per request, in-process, beside the bare envelope in the same run.

The payments API (REST) is asked the same GET again and again (the envelope answers from its memo, so
what is measured is the layers' own work): the envelope alone; with the layer stack ``ctk serve`` always
installs (faults, no fault configured); with a rate limit; with state on (a read of a stored customer)
in each store — memory, a SQLite file, and Redis when ``redis-server`` is installed. Prints µs per
request (median of 5 batches) and the ratio to the envelope alone.

    python bench/sandbox_layers.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from toolkit import compile_mock, load_contract
from toolkit.exchange import MockResult, Request
from toolkit.mock.loopback import free_port
from toolkit.sandbox.faults import faults_layer
from toolkit.sandbox.layers import Layer, SandboxedMock
from toolkit.sandbox.rate_limit import rate_limit_layer
from toolkit.sandbox.state import state_layer
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import open_store

ROOT = Path(__file__).resolve().parent.parent
READ = Request("GET", "/v1/customers/cus_9s6XKzkNRiz8i3", headers=(("x-api-key", "sk_test_bench"),))


def per_call(handler: Callable[[Request], MockResult], count: int) -> float:
    """µs per call: the median of 5 batches of ``count`` calls, after a warm-up batch."""
    for _ in range(min(count, 200)):
        handler(READ)
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(count):
            handler(READ)
        batches.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(batches)


@contextmanager
def redis_url() -> Iterator[str | None]:
    if shutil.which("redis-server") is None:
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL)  # fmt: skip
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            server.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    envelope = compile_mock(load_contract(ROOT / "contracts" / "payments" / "v1"), seed=1, mount="/v1")
    envelope.warm()
    memory = open_store("memory")

    def stack(store: Store, *, rate: bool = False, state: bool = False) -> SandboxedMock:
        layers: list[Layer] = [faults_layer(envelope, {}, store, api="payments", where="bench")]
        if rate:
            table = {"requests": 10**9, "per": "1h"}
            layers.append(rate_limit_layer(envelope, table, store, api="payments", where="bench"))
        if state:
            layers.append(state_layer(envelope, store, api="payments"))
        return SandboxedMock(envelope, layers)

    rows: list[tuple[str, Callable[[Request], MockResult]]] = [
        ("envelope alone", envelope),
        ("+ faults (none configured)", stack(memory)),
        ("+ rate limit (memory)", stack(memory, rate=True)),
        ("+ state read (memory)", stack(memory, state=True)),
    ]
    with tempfile.TemporaryDirectory() as folder, redis_url() as redis:
        rows.append(("+ state read (SQLite)", stack(open_store(f"sqlite:{Path(folder) / 's.db'}"), state=True)))
        if redis is not None:
            rows.append(("+ state read (Redis)", stack(open_store(redis), state=True)))
        else:
            print("(no redis-server installed: the Redis row is skipped)")
        print(f"in-process, {args.requests} calls per figure (median of 5 batches); reference: the envelope alone")
        print(f"{'handler':30} {'µs/request':>11} {'ratio':>7}")
        reference = 0.0
        for name, handler in rows:
            figure = per_call(handler, args.requests)
            reference = reference or figure
            print(f"{name:30} {figure:11.1f} {figure / reference:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A real ``ctk serve`` in a subprocess, its log, and its peak memory: the hostile suite's harness,
also used by the CLI tests of ``ctk serve``.

Every hostile test goes through what a user runs: the CLI starts uvicorn on a free loopback port,
the test attacks it over real sockets, then reads the server's peak resident memory (``VmHWM`` from
``/proc``, the high-water mark, so a spike between two reads is not missed) and its log. Time is
never asserted as a speed: each request carries a client timeout, so a request that hangs fails the
test instead of the suite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.paths import REPO
from toolkit.mock.loopback import free_port

# A request that takes longer than this has hung (every hostile answer is expected in well under a second).
HANG = 10.0
MIB = 1024 * 1024


@dataclass
class Served:
    """A running ``ctk serve``: its URL, process and log."""

    url: str
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def peak_rss(self) -> int:
        """The server's peak resident memory so far, in bytes (the kernel's high-water mark)."""
        return _status_kib(self.process.pid, "VmHWM") * 1024

    def rss(self) -> int:
        return _status_kib(self.process.pid, "VmRSS") * 1024

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=HANG, **kwargs)  # type: ignore[arg-type]


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {key} in /proc/{pid}/status")


@contextmanager
def served(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> Iterator[Served]:
    """``ctk serve ARGS`` on a free loopback port; yields once ``/__ctk/health`` answers."""
    port = free_port()
    command = [sys.executable, "-m", "toolkit.cli", "serve", *args, "--host", "127.0.0.1", "--port", str(port)]
    log_file = tempfile.NamedTemporaryFile(prefix="ctk-serve-", suffix=".log", delete=False)  # noqa: SIM115
    log_path = Path(log_file.name)
    process = subprocess.Popen(
        command, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"ctk serve exited with {process.returncode}: {log_path.read_text()}")
            try:
                if httpx.get(f"{url}/__ctk/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ctk serve did not answer within 60 s"
            time.sleep(0.1)
        yield Served(url, "127.0.0.1", port, process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        log_file.close()
        log_path.unlink(missing_ok=True)


def assert_no_traceback(server: Served) -> None:
    log = server.log()
    assert "Traceback" not in log, log[-4000:]

"""A real ``redis-server`` on a free loopback port, for the length of a ``with`` block (or a fixture).

    with redis_server() as server:
        store = open_store(server.url)

The server keeps nothing on disk (``--save '' --appendonly no``, its working folder a temporary one) and
answers only on 127.0.0.1. The block is entered once it has answered PING; leaving it stops the server
(SIGTERM, then SIGKILL after a few seconds). Without the ``redis-server`` binary the test that asks for
one is skipped, naming the command that installs it (CI installs it: see .ci/run).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from toolkit.mock.loopback import LOOPBACK, free_port

__all__ = ["INSTALL", "RedisServer", "redis_server"]

INSTALL = "apt-get install redis-server (Debian, Ubuntu) or brew install redis (macOS)"


@dataclass(frozen=True)
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"


@contextmanager
def redis_server(*, startup_timeout: float = 20.0, attempts: int = 3) -> Iterator[RedisServer]:
    """A redis-server answering on a free loopback port until the block ends; skips the test without the binary."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(f"redis-server is not installed: {INSTALL}")
    with tempfile.TemporaryDirectory(prefix="ctk-redis-") as folder:
        for attempt in range(1, attempts + 1):
            port = free_port()  # another process may take it before redis binds it: then try another
            command = [binary, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"]
            log = Path(folder) / f"redis-{attempt}.log"
            command += ["--dir", folder, "--logfile", str(log)]
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=folder)
            try:
                if _answers(port, process, startup_timeout):
                    yield RedisServer(port, process)
                    return
            finally:
                _stop(process)
            if attempt == attempts:
                output = log.read_text(errors="replace") if log.exists() else "(no log)"
                raise RuntimeError(f"redis-server did not answer PING on port {port}:\n{output[-2000:]}")


def _answers(port: int, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Whether the server answers PING within ``timeout`` seconds (False as soon as it has exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1.0) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

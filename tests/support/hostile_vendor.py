"""A hostile vendor on loopback, and the ctk CLI run as a user runs it, with its peak memory.

``Vendor`` serves documents by path, answers redirects, and can trickle an answer (headers or body)
one byte at a time for as long as the client stays, which is what a stalled or malicious server
does to a CI job. ``run_ctk`` runs ``python -m toolkit.cli`` in a subprocess and reads its kernel
high-water mark (``VmHWM``) while it runs, so a memory spike is seen even if it is short.
``openapi``, ``PINNED`` and ``drift_workspace`` are the remote documents and the workspace pinning one
that the hostile sources and SSRF tests share.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.files import write_file, write_workspace
from tests.support.paths import REPO
from tests.support.served import HANG

TRICKLE_INTERVAL = 0.2  # seconds between two bytes of a trickled answer


def openapi(ref: str, *, title: str = "Remote") -> str:
    """A one-operation OpenAPI document whose response schema is ``ref``."""
    return (
        f"openapi: 3.0.3\ninfo: {{title: {title}, version: '1'}}\npaths:\n  /things:\n    get:\n      responses:\n"
        f"        '200':\n          description: ok\n          content:\n            application/json:\n"
        f"              schema: {{$ref: '{ref}'}}\n"
    )


PINNED = openapi("#/components/schemas/Thing", title="Pinned") + "components:\n  schemas:\n    Thing: {type: string}\n"


def drift_workspace(root: Path, published: str) -> Path:
    """``root`` made a workspace whose API ``remote`` pins ``PINNED`` and is published at ``published``."""
    write_file(root, "contracts/remote/v1/openapi.yaml", PINNED)
    return write_workspace(
        root,
        f'[apis.remote]\ncontract = "contracts/remote/v1"\npublished = "{published}"\n',
    )


@dataclass
class Vendor:
    url: str
    documents: dict[str, bytes] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    trickle_body: set[str] = field(default_factory=set)
    trickle_headers: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)

    def put(self, path: str, text: str) -> str:
        """Serve ``text`` at ``path``; returns its URL."""
        self.documents[path] = text.encode()
        return self.url + path


@contextmanager
def vendor(host: str = "127.0.0.1", port: int = 0) -> Iterator[Vendor]:
    """A vendor on ``host`` (any of 127/8: Linux routes it all to lo) and ``port`` (0: any free one)."""
    stop = threading.Event()
    state = Vendor(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state.requests.append(self.path)
            if self.path in state.redirects:
                self.send_response(302)
                self.send_header("Location", state.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path in state.trickle_headers:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                self._trickle(b"X-Slow: " + b"a" * 100_000)
            elif self.path in state.trickle_body:
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self._trickle(b"openapi: 3.0.3\n" + b"#" * 100_000)
            elif self.path in state.documents:
                body = state.documents[self.path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def do_POST(self) -> None:  # GraphQL introspection: the body is read and the path answers as for GET
            length = self.headers.get("Content-Length", "0")
            self.rfile.read(int(length) if length.isdigit() else 0)
            self.do_GET()

        def _trickle(self, data: bytes) -> None:
            for byte in data:
                if stop.wait(TRICKLE_INTERVAL):
                    return
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:
                    return  # the client gave up: what the test wants

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    state.url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_ctk(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> Run:
    """``ctk ARGS`` in a subprocess; its peak resident memory is polled from /proc while it runs.

    A run longer than ``HANG`` is killed and fails the test: that is the hang detector.
    """
    command = [sys.executable, "-m", "toolkit.cli", *args]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    peak = 0
    result: list[tuple[bytes, bytes]] = []
    reader = threading.Thread(target=lambda: result.append(process.communicate()), daemon=True)
    reader.start()
    while reader.is_alive():
        peak = max(peak, _hwm(process.pid))
        reader.join(0.02)
        if time.monotonic() - started > HANG:
            process.kill()
            reader.join()
            raise AssertionError(f"ctk {' '.join(args)} hung (killed after {HANG} s)")
    stdout, stderr = result[0]
    return Run(process.returncode, stdout.decode(), stderr.decode(), peak, time.monotonic() - started)


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass  # the process has exited (or is a zombie without memory figures)
    return 0

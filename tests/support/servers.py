"""A loopback HTTP server that serves files from a folder and records every path asked for
(the ``http_server`` fixture of tests/conftest.py)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["RecordingServer", "recording_server"]


@dataclass
class RecordingServer:
    """A loopback HTTP server that serves files from a folder and records every path asked for."""

    url: str
    root: Path
    requests: list[str] = field(default_factory=list)


@contextmanager
def recording_server(served: Path) -> Iterator[RecordingServer]:
    """Serve the files of ``served`` on a free loopback port until the block ends."""
    record: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(served), **kwargs)

        def do_GET(self) -> None:
            record.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RecordingServer(url=f"http://127.0.0.1:{server.server_address[1]}", root=served, requests=record)
    finally:
        server.shutdown()
        server.server_close()

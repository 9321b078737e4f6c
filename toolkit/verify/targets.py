"""Servers under test: something that serves one contract on a loopback port for the length of a run.

A ``Target`` is started once per contract; the conformance engine (``toolkit.verify.openapi``) then
sends its generated requests to the base URL it yields. ``CtkTarget`` is ctk's own OpenAPI mock,
in-process (the ASGI app ``ctk serve`` runs, under uvicorn in a thread); ``ExternalTarget`` is any
command that serves one spec on a port (another mock such as Prism, or ``ctk serve`` itself), started
in its own session and stopped with its whole process group.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from toolkit.errors import LoadError
from toolkit.mock.loopback import LOOPBACK, free_port, serve_in_thread
from toolkit.model import Contract

if TYPE_CHECKING:
    from toolkit.openapi.mock.handler import OpenAPIMock
    from toolkit.verify.openapi import Outcome


class Target(Protocol):
    """The server under test: started once per contract for the length of one schemathesis run."""

    name: str

    def serve(self, path: Path, contract: Contract | None, seed: int, outcome: Outcome) -> AbstractContextManager[str]:
        """Start serving the contract at ``path``; yield the base URL schemathesis calls.

        ``contract`` is ctk's loaded contract (None when ctk could not load it). A target may record
        what it knows about the contract in ``outcome``; it raises ``CtkError`` when it cannot serve.
        """
        ...


class ServerNotReadyError(Exception):
    """The external server under test never listened (reported as the contract's error, not raised on)."""


class CtkTarget:
    """ctk's mock in-process: the same ASGI app ``ctk serve`` runs, under uvicorn in a thread."""

    name = "ctk"

    @contextmanager
    def serve(self, path: Path, contract: Contract | None, seed: int, outcome: Outcome) -> Iterator[str]:
        from toolkit.mock.asgi import MockASGIApp
        from toolkit.mock.envelope import MockEnvelope
        from toolkit.openapi.load import OpenAPIContract
        from toolkit.openapi.mock.handler import OpenAPIMock, OpenAPIMockOptions

        if not isinstance(contract, OpenAPIContract):
            raise LoadError("ctk's OpenAPI mock serves only an OpenAPI contract", where=str(path))
        mock = OpenAPIMock(contract, OpenAPIMockOptions(seed=seed))
        outcome.invalid_examples = sum(
            len(media.invalid_examples)
            for op in mock.operations.values()
            for spec in op.responses.specs
            for media in spec.media
        )
        # callbacks would go to generated URLs: deliver=False drops them
        app = MockASGIApp(MockEnvelope(mock), deliver=False)
        with serve_in_thread(app, log_level="error", access_log=False, lifespan="off") as base:
            yield f"{base}{mock.router.mount}"
        if not outcome.error:
            outcome.unsatisfiable = unsatisfiable_responses(mock)


class ExternalTarget:
    """Any mock started as a command, e.g. ``prism mock {spec} -p {port} -h 127.0.0.1``.

    ``{spec}`` becomes the contract's root document and ``{port}`` a free loopback port. The server is
    ready when the port accepts a connection; it gets ``startup_timeout`` seconds to get there (a big
    spec can take a mock minutes to load), then its whole process group is stopped.
    """

    def __init__(self, name: str, command: list[str], base_path: str = "", startup_timeout: float = 120) -> None:
        self.name = name
        self.command = command
        self.base_path = base_path
        self.startup_timeout = startup_timeout

    @contextmanager
    def serve(self, path: Path, contract: Contract | None, seed: int, outcome: Outcome) -> Iterator[str]:
        port = free_port()
        argv = [part.replace("{spec}", str(schema_file(path))).replace("{port}", str(port)) for part in self.command]
        with tempfile.TemporaryFile() as log:
            # Its own session, so stopping it stops npx/node children too; its log goes to a file,
            # never to a pipe nobody drains (a mock that logs every request would block on a full pipe).
            process = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)  # noqa: S603 - the user's own command line
            try:
                wait_for_port(process, port, self.startup_timeout, log)
                yield f"http://{LOOPBACK}:{port}{self.base_path}"
            finally:
                stop_group(process)


def wait_for_port(process: subprocess.Popen[Any], port: int, timeout: float, log: IO[bytes] | None = None) -> None:
    """Return when ``port`` accepts a connection; raise ``ServerNotReadyError`` if the process exits or time is up."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            tail = ""
            if log is not None:
                log.seek(0)
                tail = " ".join(log.read()[-400:].decode(errors="replace").split())
            raise ServerNotReadyError(f"the server exited with {process.returncode}: {tail}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise ServerNotReadyError(f"the server did not listen within {timeout:.0f} s") from None
            time.sleep(0.1)


def stop_group(process: subprocess.Popen[Any]) -> None:
    """Stop a server started in its own session: SIGTERM to its group, SIGKILL after 10 s.

    The group, even when the leader has exited: a launcher (npx, a shell) can leave its server behind.
    """
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def unsatisfiable_responses(mock: OpenAPIMock) -> list[str]:
    """Declared responses whose schema admits no value: the mock answers another declared status."""
    from toolkit.openapi.generate.generator import GenerationError
    from toolkit.openapi.mock.responses import generator_of

    found: list[str] = []
    for op_id, op in mock.operations.items():
        for spec in op.responses.specs:
            for media in spec.media:
                if media.schema is None:
                    continue
                try:
                    generator_of(media, mock.generators).generate(random.Random(0))
                except GenerationError:
                    found.append(f"{op_id} {spec.key} {media.media_type}")
    return found


def schema_file(path: Path) -> Path:
    """The root document of the contract at ``path`` (a file, or a folder holding ``openapi.yaml|yml|json``)."""
    if path.is_file():
        return path
    for name in ("openapi.yaml", "openapi.yml", "openapi.json"):
        if (path / name).exists():
            return path / name
    raise FileNotFoundError(path)

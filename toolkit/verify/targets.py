"""Servers under test: something that serves one contract on a loopback port for the length of a run.

A ``Target`` is started once per contract; the conformance engine (``toolkit.verify.openapi``) then
sends its generated requests to the base URL it yields. ``CtkTarget`` is ctk's own OpenAPI mock,
in-process (the ASGI app ``ctk serve`` runs, under uvicorn in a thread), or served by ``ctk serve`` with
options (``CtkServe``: ``--state`` turns the sandbox's state layer on); ``ExternalTarget`` is any command
that serves one spec on a port (another mock such as Prism, or ``ctk serve`` itself), started in its own
session and stopped with its whole process group.

``CtkServe`` is how every engine (REST, SOAP, GraphQL) runs a contract through the sandbox's layers: as a
child process, the way a user runs it, since ``toolkit.verify`` may not import ``toolkit.sandbox`` (sibling
layers). The engine compiles the protocol's mock in-process too, for what it needs besides the answers
(the mount, generators, validators); ``ctk serve`` mounts a single contract exactly where that mock does.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
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
    """ctk's OpenAPI mock: in-process (the same ASGI app ``ctk serve`` runs, under uvicorn in a thread), or
    with ``served_by`` in a ``ctk serve`` child process (``CtkServe(("--state",))``: the sandbox's state layer
    on). Either way the contract's notes (examples set aside, response schemas no value fits) are read from
    the mock compiled here, and the base URL is the mock's mount. ``notes=False`` skips the notes: on a large
    contract (Stripe: ~14 s) they cost more than a run over a few of its operations."""

    def __init__(self, served_by: CtkServe | None = None, *, notes: bool = True) -> None:
        self.served_by = served_by
        self.notes = notes
        self.name = "ctk" if served_by is None else served_by.name

    @contextmanager
    def serve(self, path: Path, contract: Contract | None, seed: int, outcome: Outcome) -> Iterator[str]:
        from toolkit.mock.asgi import MockASGIApp
        from toolkit.mock.envelope import MockEnvelope
        from toolkit.openapi.load import OpenAPIContract
        from toolkit.openapi.mock.handler import OpenAPIMock, OpenAPIMockOptions

        if not isinstance(contract, OpenAPIContract):
            raise LoadError("ctk's OpenAPI mock serves only an OpenAPI contract", where=str(path))
        mock = OpenAPIMock(contract, OpenAPIMockOptions(seed=seed))
        if self.notes:
            outcome.invalid_examples = sum(
                len(media.invalid_examples)
                for op in mock.operations.values()
                for spec in op.responses.specs
                for media in spec.media
            )
        if self.served_by is not None:
            with self.served_by.serving(path, seed=seed) as origin:
                yield f"{origin}{mock.router.mount}"
        else:
            # callbacks would go to generated URLs: deliver=False drops them
            app = MockASGIApp(MockEnvelope(mock), deliver=False)
            with serve_in_thread(app, log_level="error", access_log=False, lifespan="off") as base:
                yield f"{base}{mock.router.mount}"
        if self.notes and not outcome.error:
            outcome.unsatisfiable = unsatisfiable_responses(mock)


@dataclass(frozen=True)
class CtkServe:
    """``ctk serve CONTRACT --port P --seed S`` plus ``options``, in a child process on a loopback port: what a
    user runs. ``CtkServe(("--state",))`` serves with the sandbox's state layer on, in memory; add
    ``"--store", URL`` for another store.

    ``serving`` yields the server's origin (``http://127.0.0.1:P``); the caller adds the contract's mount,
    which ``ctk serve`` picks for a single contract exactly as the protocol's mock compiled in-process does
    (REST: its first server URL's path; SOAP: the ports' common address path; GraphQL: ``/graphql``). A
    contract that needs mirrors is served from a one-API workspace (``sandbox/sandbox.toml`` in a temporary
    folder, its ``mirrors`` table and ``mount``): a table says which part is the URL without guessing where a
    ``--mirror URL=PATH`` holding ``=`` (a WCF export's ``?wsdl=wsdl0``) splits."""

    options: tuple[str, ...] = ()
    startup_timeout: float = 120

    @property
    def name(self) -> str:
        return " ".join(("ctk serve", *self.options))

    @property
    def state(self) -> bool:
        """Whether the sandbox's state layer is on: reads of ids never created are then not found."""
        return "--state" in self.options

    @contextmanager
    def serving(
        self, contract: Path, *, seed: int, mirrors: Mapping[str, str] | None = None, mount: str = ""
    ) -> Iterator[str]:
        port = free_port()
        argv = [sys.executable, "-m", "toolkit.cli", "serve"]
        with tempfile.TemporaryDirectory(prefix="ctk-verify-") as tmp:
            if mirrors:
                argv += ["--root", str(_one_api_workspace(Path(tmp), contract, mirrors, mount))]
            else:
                argv.append(str(contract))
            argv += ["--host", LOOPBACK, "--port", str(port), "--seed", str(seed), "--log-level", "warning"]
            with started(argv + list(self.options), port, self.startup_timeout):
                yield f"http://{LOOPBACK}:{port}"


def _one_api_workspace(root: Path, contract: Path, mirrors: Mapping[str, str], mount: str) -> Path:
    """A workspace at ``root`` whose one API is ``contract`` at ``mount``, reading ``mirrors``; returns ``root``.
    (TOML basic strings take JSON's escapes, so ``json.dumps`` writes each string.)"""
    lines = ["[apis.contract]", f"contract = {json.dumps(str(contract.resolve()))}",
             f"mount = {json.dumps(mount or '/')}", "", "[apis.contract.mirrors]"]  # fmt: skip
    lines += [f"{json.dumps(url)} = {json.dumps(str(Path(path).resolve()))}" for url, path in mirrors.items()]
    (root / "sandbox").mkdir()
    (root / "sandbox" / "sandbox.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


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
        with started(argv, port, self.startup_timeout):
            yield f"http://{LOOPBACK}:{port}{self.base_path}"


@contextmanager
def started(argv: Sequence[str], port: int, startup_timeout: float) -> Iterator[None]:
    """Run ``argv`` (a server that listens on ``port``) until the block ends; enter once the port accepts.

    Its own session, so stopping it stops npx/node children too; its log goes to a file, never to a pipe
    nobody drains (a server that logs every request would block on a full pipe)."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)  # noqa: S603 - the caller's own command line
        try:
            wait_for_port(process, port, startup_timeout, log)
            yield
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

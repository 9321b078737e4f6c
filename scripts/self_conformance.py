"""Self-conformance: does the mock ever contradict its own contract?

For each OpenAPI contract (the corpus in ../shared/corpus/openapi and the workspace's), start the
mock on a loopback port (the same ASGI app ``ctk serve`` runs) and run schemathesis against it in
positive mode with the checks not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance and response_schema_conformance. Prints, per contract, the operations
tested, those with a failure, the pass rate, and the examples the contract itself gets wrong (the
mock sets those aside and serves valid data instead).

    python scripts/self_conformance.py                 # the whole corpus and the workspace
    python scripts/self_conformance.py --only payments --max-examples 10 --json
    python scripts/self_conformance.py --command "prism mock {spec} -p {port} -h 127.0.0.1"
Exit 0 when no check failed, 1 otherwise.

The server under test is pluggable (``Target``): ctk's mock in-process (the default), or any external
command that serves one spec on a port (``ExternalTarget``), so another mock is measured with exactly
the same requests and checks (``bench/prism_compare.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "openapi"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
NOT_OPENAPI = {"stripe-fixtures3-2019-09-27.json"}  # fixture data, not a contract (see the corpus load test)


@dataclass
class Outcome:
    contract: str
    operations: int = 0
    failed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    untestable: list[str] = field(default_factory=list)  # schemathesis could not build a request
    invalid_examples: int = 0
    unsatisfiable: list[str] = field(default_factory=list)  # response schemas no value can satisfy
    seconds: float = 0.0
    error: str = ""

    @property
    def tested(self) -> int:
        return self.operations - len(self.untestable)

    @property
    def rate(self) -> float:
        return 1.0 if not self.tested else (self.tested - len(self.failed)) / self.tested


def contracts(only: list[str]) -> list[Path]:
    found = [ROOT / "contracts" / "payments" / "v1", ROOT / "contracts" / "payments" / "v2"]
    if CORPUS.is_dir():
        for entry in sorted(CORPUS.iterdir()):
            if entry.is_dir():  # a multi-file contract: each top-level document is a root
                found += sorted(p for p in entry.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
            elif entry.name not in NOT_OPENAPI:
                found.append(entry)
    if only:
        found = [p for p in found if any(word in str(p.relative_to(ROOT.parent)) for word in only)]
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The mock under uvicorn in a thread, for the length of one schemathesis run."""

    def __init__(self, app: object, port: int) -> None:
        import uvicorn

        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False, lifespan="off")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the mock server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def auth_headers(contract: object) -> list[str]:
    """Headers that satisfy the contract's header-borne security schemes, as a real client would send."""
    document = getattr(contract, "document", {})
    schemes = (document.get("components") or {}).get("securitySchemes") or document.get("securityDefinitions") or {}
    headers: dict[str, str] = {}
    for scheme in schemes.values() if isinstance(schemes, dict) else ():
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        if kind == "apiKey" and scheme.get("in") == "header" and isinstance(scheme.get("name"), str):
            headers.setdefault(scheme["name"], "test-key")
        elif (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic") or kind == "basic":
            headers.setdefault("Authorization", "Basic dGVzdDp0ZXN0")
        elif kind in ("http", "oauth2", "openIdConnect"):
            headers.setdefault("Authorization", "Bearer test-token")
    return [f"{name}: {value}" for name, value in headers.items()]


class Target(Protocol):
    """The server under test: started once per contract for the length of one schemathesis run."""

    name: str

    def serve(self, path: Path, contract: Any, seed: int, outcome: Outcome) -> AbstractContextManager[str]:
        """Start serving the contract at ``path``; yield the base URL schemathesis calls.

        ``contract`` is ctk's loaded contract (None when ctk could not load it). A target may record
        what it knows about the contract in ``outcome``; it raises ``CtkError`` when it cannot serve.
        """
        ...


class CtkTarget:
    """ctk's mock in-process: the same ASGI app ``ctk serve`` runs, under uvicorn in a thread."""

    name = "ctk"

    @contextmanager
    def serve(self, path: Path, contract: Any, seed: int, outcome: Outcome) -> Iterator[str]:
        from toolkit.mock.asgi import MockASGIApp
        from toolkit.openapi.mock.handler import MockOptions, OpenAPIMock

        mock = OpenAPIMock(contract, MockOptions(seed=seed))
        outcome.invalid_examples = sum(
            len(media.invalid_examples)
            for op in mock.operations.values()
            for spec in op.responses.specs
            for media in spec.media
        )
        port = free_port()
        with Server(MockASGIApp(mock, deliver=False), port):  # callbacks would go to generated URLs
            yield f"http://127.0.0.1:{port}{mock.router.mount}"
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
    def serve(self, path: Path, contract: Any, seed: int, outcome: Outcome) -> Iterator[str]:
        port = free_port()
        argv = [part.replace("{spec}", str(_schema_file(path))).replace("{port}", str(port)) for part in self.command]
        with tempfile.TemporaryFile() as log:
            # Its own session, so stopping it stops npx/node children too; its log goes to a file,
            # never to a pipe nobody drains (a mock that logs every request would block on a full pipe).
            process = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                wait_for_port(process, port, self.startup_timeout, log)
                yield f"http://127.0.0.1:{port}{self.base_path}"
            finally:
                stop_group(process)


def wait_for_port(process: subprocess.Popen[Any], port: int, timeout: float, log: Any = None) -> None:
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
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
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


class ServerNotReadyError(Exception):
    """The external server under test never listened (reported as the contract's error, not raised on)."""


def run_one(path: Path, max_examples: int, seed: int, workers: int, target: Target | None = None) -> Outcome:
    from toolkit.errors import CtkError
    from toolkit.load import load_contract

    target = target or CtkTarget()
    outcome = Outcome(str(path.relative_to(ROOT.parent)))
    started = time.perf_counter()
    contract: Any = None
    try:
        contract = load_contract(path)
    except CtkError as error:
        if isinstance(target, CtkTarget):
            outcome.error = f"cannot load: {error}"
            return outcome
        # Another mock may still serve it; only the credentials below come from ctk's reading.
    try:
        with tempfile.TemporaryDirectory() as tmp, target.serve(path, contract, seed, outcome) as url:
            junit = Path(tmp) / "junit.xml"
            command = [
                sys.executable, "-m", "schemathesis.cli", "run", str(_schema_file(path)),
                "--url", url,
                "--checks", CHECKS, "--mode", "positive", "--max-examples", str(max_examples),
                "--seed", str(seed), "--workers", str(workers), "--request-timeout", "30",
                "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all",
                "--report", "junit", "--report-junit-path", str(junit), "--no-color",
            ]  # fmt: skip
            for header in auth_headers(contract):
                command += ["--header", header]
            env = {**os.environ, "SCHEMATHESIS_HOOKS": ""}
            completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800, check=False)
            if not junit.exists():
                outcome.error = "schemathesis produced no report: " + (completed.stderr or completed.stdout)[-800:]
            else:
                _read_junit(junit, outcome)
    except CtkError as error:
        outcome.error = f"cannot load: {error}"
    except ServerNotReadyError as error:
        outcome.error = str(error)
    outcome.seconds = time.perf_counter() - started
    return outcome


def unsatisfiable_responses(mock: object) -> list[str]:
    """Declared responses whose schema admits no value: the mock answers another declared status."""
    import random

    from toolkit.openapi.generate.generator import GenerationError
    from toolkit.openapi.mock.responses import generator_of

    found: list[str] = []
    for op_id, op in mock.operations.items():  # type: ignore[attr-defined]
        for spec in op.responses.specs:
            for media in spec.media:
                if media.schema is None:
                    continue
                try:
                    generator_of(media, mock.generators).generate(random.Random(0))  # type: ignore[attr-defined]
                except GenerationError:
                    found.append(f"{op_id} {spec.key} {media.media_type}")
    return found


def _schema_file(path: Path) -> Path:
    if path.is_file():
        return path
    for name in ("openapi.yaml", "openapi.yml", "openapi.json"):
        if (path / name).exists():
            return path / name
    raise FileNotFoundError(path)


def _read_junit(junit: Path, outcome: Outcome) -> None:
    tree = ET.parse(junit)
    for case in tree.iter("testcase"):
        outcome.operations += 1
        problems = [child for child in case if child.tag in ("failure", "error")]
        skipped = [child for child in case if child.tag == "skipped"]
        if skipped and not problems:
            continue
        if problems:
            name = case.get("name", "?")
            # schemathesis 4 puts only the check's code in `message` ("ST108"); what failed is in the body.
            body = re.sub(r"^\s*\d+\. Test Case ID: \S+\s*", "", problems[0].text or "")
            text = " ".join(f"{problems[0].get('message') or ''} {body}".split())
            if problems[0].tag == "error" or text.startswith(("Serialization not possible", "Unsupported")):
                outcome.untestable.append(f"{name}: {text[:200]}")
                continue
            outcome.failed.append(name)
            outcome.failures.append(f"{name}: {text[:300]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], help="run contracts whose path contains this")
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--command", help="test this server instead of ctk: a command with {spec} and {port}")
    parser.add_argument("--base-path", default="", help="with --command: the URL path it serves the contract under")
    parser.add_argument("--startup-timeout", type=float, default=120, help="with --command: seconds to listen")
    args = parser.parse_args()
    target: Target = CtkTarget()
    if args.command:
        target = ExternalTarget(shlex.split(args.command)[0], shlex.split(args.command), args.base_path,
                                args.startup_timeout)  # fmt: skip
    if not CORPUS.is_dir():
        print(f"note: {CORPUS} is absent; running the workspace contracts only", file=sys.stderr)
    outcomes: list[Outcome] = []
    for path in contracts(args.only):
        outcome = run_one(path, args.max_examples, args.seed, args.workers, target)
        outcomes.append(outcome)
        if not args.json:
            if outcome.error:
                print(f"{outcome.contract:60} ERROR {outcome.error}")
            else:
                notes = []
                if outcome.invalid_examples:
                    notes.append(
                        f"{outcome.invalid_examples} contract examples violate their own schema: valid data served"
                    )
                if outcome.unsatisfiable:
                    notes.append(
                        f"{len(outcome.unsatisfiable)} response schemas admit no value: another declared status served"
                    )
                note = f"  ({'; '.join(notes)})" if notes else ""
                print(f"{outcome.contract:60} {outcome.tested - len(outcome.failed):4}/{outcome.tested:<4} "
                      f"{outcome.rate:7.1%}  {outcome.seconds:6.1f} s{note}")  # fmt: skip
                for failure in outcome.failures[:10]:
                    print(f"    FAIL {failure}")
                for response in outcome.unsatisfiable:
                    print(f"    CONTRACT CONTRADICTS ITSELF (no value fits) {response}")
                for skipped in outcome.untestable:
                    print(f"    NOT RUN (schemathesis cannot build the request) {skipped}")
            sys.stdout.flush()
    total = sum(o.tested for o in outcomes)
    failed = sum(len(o.failed) for o in outcomes)
    errors = [o for o in outcomes if o.error]
    if args.json:
        print(
            json.dumps(
                {"outcomes": [asdict(o) | {"rate": o.rate} for o in outcomes], "operations": total, "failed": failed},
                indent=2,
            )
        )
    else:
        rate = (total - failed) / total if total else 1.0
        print(f"\nall: {total - failed}/{total} operations conform ({rate:.1%}); {len(errors)} contract(s) not run")
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

"""Self-conformance: does the mock ever contradict its own contract?

For each OpenAPI contract (the corpus in ../shared/corpus/openapi and the workspace's), start the
mock on a loopback port (the same ASGI app ``ctk serve`` runs) and run schemathesis against it in
positive mode with the checks not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance and response_schema_conformance. Prints, per contract, the operations
tested, those with a failure, the pass rate, and the examples the contract itself gets wrong (the
mock sets those aside and serves valid data instead).

    python scripts/self_conformance.py                 # the whole corpus and the workspace
    python scripts/self_conformance.py --only payments --max-examples 10 --json
Exit 0 when no check failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

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


def run_one(path: Path, max_examples: int, seed: int, workers: int) -> Outcome:
    from toolkit.errors import CtkError
    from toolkit.load import load_contract
    from toolkit.mock.asgi import MockASGIApp
    from toolkit.openapi.mock import MockOptions, OpenAPIMock

    outcome = Outcome(str(path.relative_to(ROOT.parent)))
    started = time.perf_counter()
    try:
        contract = load_contract(path)
        mock = OpenAPIMock(contract, MockOptions(seed=seed))  # type: ignore[arg-type]
    except CtkError as error:
        outcome.error = f"cannot load: {error}"
        return outcome
    outcome.invalid_examples = sum(
        len(media.invalid_examples)
        for op in mock.operations.values()
        for spec in op.responses.specs
        for media in spec.media
    )
    port = free_port()
    spec_file = _schema_file(path)
    with tempfile.TemporaryDirectory() as tmp, Server(MockASGIApp(mock), port):
        junit = Path(tmp) / "junit.xml"
        command = [
            sys.executable, "-m", "schemathesis.cli", "run", str(spec_file),
            "--url", f"http://127.0.0.1:{port}{mock.router.mount}",
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
            return outcome
        _read_junit(junit, outcome)
    outcome.unsatisfiable = unsatisfiable_responses(mock)
    outcome.seconds = time.perf_counter() - started
    return outcome


def unsatisfiable_responses(mock: object) -> list[str]:
    """Declared responses whose schema admits no value: the mock answers another declared status."""
    import random

    from toolkit.openapi.generate import GenerationError
    from toolkit.openapi.responses import generator_of

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
            text = " ".join((problems[0].get("message") or problems[0].text or "").split())
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
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"note: {CORPUS} is absent; running the workspace contracts only", file=sys.stderr)
    outcomes: list[Outcome] = []
    for path in contracts(args.only):
        outcome = run_one(path, args.max_examples, args.seed, args.workers)
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

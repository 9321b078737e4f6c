"""REST conformance: schemathesis against a server under test, judged by the contract.

``run_one`` starts a ``Target`` for one OpenAPI contract (ctk's own mock by default;
``CtkTarget(CtkServe(("--state",)))`` serves it through ``ctk serve`` with the sandbox's state layer on)
and runs schemathesis against it in positive mode (valid requests generated from the contract) with the
checks in ``CHECKS``; the answer is an ``Outcome``: operations tested, those with a failure and why,
those schemathesis could not build a request for. schemathesis runs as a child process
(``python -m schemathesis.cli``) and reports through its JUnit file, which is read back here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import CtkError
from toolkit.load import load_contract
from toolkit.model import Contract
from toolkit.verify.targets import CtkServe, CtkTarget, ExternalTarget, ServerNotReadyError, Target, schema_file

__all__ = ["CHECKS", "CtkServe", "CtkTarget", "ExternalTarget", "Outcome", "Target", "auth_headers", "run_one"]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


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


def auth_headers(contract: Contract | None) -> list[str]:
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


def run_one(
    path: Path,
    max_examples: int,
    seed: int,
    workers: int,
    target: Target | None = None,
    *,
    label: str = "",
    include_path_regex: str | None = None,
) -> Outcome:
    """schemathesis against ``target`` serving the contract at ``path``; ``label`` names it in the outcome;
    ``include_path_regex``: only the operations whose path matches (schemathesis' ``--include-path-regex``)."""
    target = target or CtkTarget()
    outcome = Outcome(label or str(path))
    started = time.perf_counter()
    contract: Contract | None = None
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
                sys.executable, "-m", "schemathesis.cli", "run", str(schema_file(path)),
                "--url", url,
                "--checks", CHECKS, "--mode", "positive", "--max-examples", str(max_examples),
                "--seed", str(seed), "--workers", str(workers), "--request-timeout", "30",
                "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all",
                "--report", "junit", "--report-junit-path", str(junit), "--no-color",
            ]  # fmt: skip
            for header in auth_headers(contract):
                command += ["--header", header]
            if include_path_regex is not None:
                command += ["--include-path-regex", include_path_regex]
            env = {**os.environ, "SCHEMATHESIS_HOOKS": ""}
            completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800, check=False)  # noqa: S603 - our own interpreter and arguments
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


def _read_junit(junit: Path, outcome: Outcome) -> None:
    tree = ET.parse(junit)  # noqa: S314 - the report schemathesis just wrote for this run
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

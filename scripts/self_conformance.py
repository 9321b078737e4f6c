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
    python scripts/self_conformance.py --state         # through `ctk serve SPEC --state`: the sandbox's state on
Exit 0 when no check failed, 1 otherwise.

``--state`` serves each contract with ``ctk serve SPEC --state`` (memory store; ``--store URL`` for another)
in a child process, at the mount ``ctk serve`` gives it (its first server URL's path, worked out per
contract as the in-process run does), so what clients create is read back, unknown ids answer the
contract's 404, and every answer must still conform.

The engine is ``toolkit.verify.openapi``. The server under test is pluggable
(``toolkit.verify.targets.Target``): ctk's mock in-process (the default), or any external command that
serves one spec on a port (``ExternalTarget``), so another mock is measured with exactly the same
requests and checks (``bench/prism_compare.py``). This script lists the contracts, parses arguments
and prints.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import asdict
from pathlib import Path

from toolkit.verify.openapi import CtkServe, CtkTarget, ExternalTarget, Outcome, Target, run_one

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "openapi"
NOT_OPENAPI = {"stripe-fixtures3-2019-09-27.json"}  # fixture data, not a contract (see the corpus load test)


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], help="run contracts whose path contains this")
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--command", help="test this server instead of ctk: a command with {spec} and {port}")
    parser.add_argument("--base-path", default="", help="with --command: the URL path it serves the contract under")
    parser.add_argument("--startup-timeout", type=float, default=120, help="seconds a server gets to listen")
    parser.add_argument("--include-path-regex", help="only the operations whose path matches (to rerun a few)")
    parser.add_argument("--state", action="store_true", help="serve each contract with `ctk serve SPEC --state`")
    parser.add_argument("--store", default="memory", help="with --state: where state lives (ctk serve --store)")
    args = parser.parse_args()
    if args.state and args.command:
        parser.error("--state runs ctk serve; --command runs another server")
    target: Target = CtkTarget()
    if args.state:
        target = CtkTarget(CtkServe(("--state", "--store", args.store), args.startup_timeout))
    if args.command:
        target = ExternalTarget(shlex.split(args.command)[0], shlex.split(args.command), args.base_path,
                                args.startup_timeout)  # fmt: skip
    if not CORPUS.is_dir():
        print(f"note: {CORPUS} is absent; running the workspace contracts only", file=sys.stderr)
    outcomes: list[Outcome] = []
    for path in contracts(args.only):
        label = str(path.relative_to(ROOT.parent))
        outcome = run_one(path, args.max_examples, args.seed, args.workers, target, label=label,
                          include_path_regex=args.include_path_regex)  # fmt: skip
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
    sys.exit(main())

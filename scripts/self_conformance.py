"""Self-conformance: does the mock ever contradict its own contract? ``ctk verify`` pointed at ctk's own mock.

For each OpenAPI contract (the corpus in ../shared/corpus/openapi and the workspace's), serve it with
``ctk serve`` in a child process on a loopback port and run ``ctk verify`` against it (its runner,
``toolkit.verify.own_mock``: schemathesis as a library with the checks not_a_server_error,
status_code_conformance, content_type_conformance, response_headers_conformance and
response_schema_conformance, every request through the verify guard) with ``--unsafe-all``: nothing is
shared, so every mutation is verified too, in the create → read → delete chains ``ctk verify`` builds and, for
the others, on its own. Prints, per
contract, its operations, those ctk verify exercised, those that conform, the requests sent, the failures
with their reasons, and why the other operations were not sent.

    python scripts/self_conformance.py                 # the whole corpus and the workspace
    python scripts/self_conformance.py --only payments --max-examples 10 --json
    python scripts/self_conformance.py --state         # through `ctk serve SPEC --state`: the sandbox's state on
    python scripts/self_conformance.py --engine schemathesis --command "prism mock {spec} -p {port} -h 127.0.0.1"
Exit 0 when no check failed, 1 otherwise.

``--state`` serves each contract with ``ctk serve SPEC --state`` (memory store; ``--store URL`` for another),
so what clients create is read back, unknown ids answer the contract's 404, and every answer must still
conform.

``--engine schemathesis`` runs the former engine instead (``toolkit.verify.openapi``: the schemathesis CLI in
a child process against every operation, unsafe ones included one by one, its JUnit read back), against
ctk's mock in-process or any command that serves one spec on a port (``--command``, which implies it), so
another mock is measured with exactly the same requests and checks (``bench/prism_compare.py``). This
script lists the contracts, parses arguments and prints.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import asdict
from pathlib import Path

from toolkit.verify.openapi import CtkServe, CtkTarget, ExternalTarget, Outcome, Target, run_one
from toolkit.verify.own_mock import HEADER, Verified, lines_of, options, total, verify_own_mock

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
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--state", action="store_true", help="serve each contract with `ctk serve SPEC --state`")
    parser.add_argument("--store", default="memory", help="with --state: where state lives (ctk serve --store)")
    parser.add_argument("--startup-timeout", type=float, default=120, help="seconds a server gets to listen")
    parser.add_argument("--engine", choices=("verify", "schemathesis"), default="verify",
                        help="ctk verify (default), or the schemathesis CLI as before ctk verify")  # fmt: skip
    former = parser.add_argument_group("with --engine schemathesis")
    former.add_argument("--workers", type=int, default=2)
    former.add_argument("--command", help="test this server instead of ctk: a command with {spec} and {port}")
    former.add_argument("--base-path", default="", help="with --command: the URL path it serves the contract under")
    former.add_argument("--include-path-regex", help="only the operations whose path matches (to rerun a few)")
    args = parser.parse_args()
    if args.state and args.command:
        parser.error("--state runs ctk serve; --command runs another server")
    if not CORPUS.is_dir():
        print(f"note: {CORPUS} is absent; running the workspace contracts only", file=sys.stderr)
    if args.command or args.engine == "schemathesis":
        return _schemathesis(args)
    if args.include_path_regex:
        parser.error("--include-path-regex is the schemathesis CLI's: add --engine schemathesis")
    server = CtkServe(("--state", "--store", args.store) if args.state else (), args.startup_timeout)
    run = options(seed=args.seed, examples=args.max_examples)
    rows: list[Verified] = []
    if not args.json:
        print(HEADER)
    for path in contracts(args.only):
        rows.append(verify_own_mock(path, server, run, label=str(path.relative_to(ROOT.parent))))
        if not args.json:
            print("\n".join(lines_of(rows[-1], shown=10)), flush=True)
    if args.json:
        outcomes = [asdict(row) | {"rate": row.rate} for row in rows]
        exercised, conforming = sum(r.exercised for r in rows), sum(r.conforming for r in rows)
        print(json.dumps({"outcomes": outcomes, "operations": exercised, "failed": exercised - conforming}, indent=2))
    else:
        print(f"\n{total(rows)}")
    return 1 if any(row.failed or row.error or row.stop_reason or row.unloadable for row in rows) else 0


def _schemathesis(args: argparse.Namespace) -> int:
    """The former engine: the schemathesis CLI against ctk's mock in-process, ``ctk serve``, or ``--command``."""
    target: Target = CtkTarget()
    if args.state:
        target = CtkTarget(CtkServe(("--state", "--store", args.store), args.startup_timeout))
    if args.command:
        target = ExternalTarget(shlex.split(args.command)[0], shlex.split(args.command), args.base_path,
                                args.startup_timeout)  # fmt: skip
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

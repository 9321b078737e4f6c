"""GraphQL mock conformance: generated queries against every GraphQL schema, answers checked independently.

For each schema (the corpus in ../shared/corpus/graphql, SDL and introspection JSON, and the workspace's
contracts/inventory/v1 and v2), hypothesis-graphql generates queries and mutations; each is sent to the
mock (in-process through ``toolkit.mock.transport.MockTransport`` and httpx, or with ``--live`` to the
ASGI app on a loopback port) and its answer is judged by a checker independent of the mock's executor
(``toolkit.verify.graphql``): it walks the operation (fields, aliases, fragments, ``@skip``/``@include``)
beside the ``data`` and checks response keys and their order, nullability, list shapes, enum membership,
the built-in scalars (Int 32-bit, Float finite, String, Boolean, ID a string) and abstract types (the
object must fit one possible type; ``__typename`` must be that type). An answer with ``errors`` passes
only as "limit-refused" when every error carries a configured limit's code.

The engine is ``toolkit.verify.graphql``; the list of schemas is in ``tests.support.graphql_conformance``
(shared with the tests). This script parses arguments and prints.

    python scripts/graphql_conformance.py                     # the whole corpus and the workspace
    python scripts/graphql_conformance.py --examples 20 --seed 3 --only inventory
    python scripts/graphql_conformance.py --live
    python scripts/graphql_conformance.py --state            # through `ctk serve SCHEMA --state`
Prints per schema: queries sent, passed, limit-refused, failed (first reasons), pass rate (passed out of
the answers that were not refused by a limit). Exit 1 on any failure.

``--state`` serves each schema with ``ctk serve SCHEMA --state`` (memory store; ``--store URL`` for another)
in a child process, at the mount ``ctk serve`` gives it (``/graphql``, as the default run's), so creating
mutations are stored and read back by id and in lists; the checker is the same, and an answer whose every
error is ``NOT_FOUND`` (an id the session never created) passes when it is a valid partial result.
"""

from __future__ import annotations

import argparse
import json
import sys

from tests.support.graphql_conformance import label, run_one, schemas
from toolkit.verify.targets import CtkServe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=60, help="generated operations per schema (default 60)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="only schemas whose path contains this text")
    parser.add_argument("--live", action="store_true", help="serve the mock on a loopback port and use HTTP")
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    parser.add_argument("--state", action="store_true", help="serve each schema with `ctk serve SCHEMA --state`")
    parser.add_argument("--store", default="memory", help="with --state: where state lives (ctk serve --store)")
    args = parser.parse_args(argv)
    server = CtkServe(("--state", "--store", args.store)) if args.state else None
    outcomes = [
        run_one(p, examples=args.examples, seed=args.seed, live=args.live, label=label(p), served_by=server)
        for p in schemas(args.only)
    ]
    if args.json:
        print(json.dumps([{**o.__dict__, "rate": o.rate} for o in outcomes], indent=2))
    else:
        print(f"{'schema':34} {'sent':>5} {'passed':>6} {'limit':>6} {'failed':>6} {'rate':>7} {'s':>6}")
        for o in outcomes:
            if o.skipped:
                print(f"{o.schema:34} skipped: {o.skipped}")
                continue
            print(f"{o.schema:34} {o.sent:5} {o.passed:6} {o.limited:6} {len(o.failures):6} {o.rate:7.1%} "
                  f"{o.seconds:6.1f}")  # fmt: skip
            if o.not_found:
                print(f"    ({o.not_found} passed with NOT_FOUND for an id the session never created)")
            for reason in o.failures[:3]:
                print(f"    - {reason}")
    return 1 if any(o.failures for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())

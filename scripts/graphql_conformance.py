"""GraphQL self-conformance: ``ctk verify`` pointed at ctk's own mock of every GraphQL schema.

For each schema (the corpus in ../shared/corpus/graphql, SDL and introspection JSON, and the workspace's
contracts/inventory/v1 and v2) the mock is served by ``ctk serve`` in a child process on a loopback port
and ``ctk verify`` runs against it (its runner, ``toolkit.verify.own_mock``) with ``--unsafe-all``: nothing
is shared, so mutations are verified too, in the create → read → delete chains ``ctk verify`` builds and, for
the others, on their own. Per
query field, one complete query and ``--examples`` queries hypothesis-graphql draws; each answer is judged
by a checker independent of the mock's executor (``toolkit.graphql.answer_check``: response keys and their
order, nullability, list shapes, enum membership, the built-in scalars, abstract types) and its ``errors``
against what GraphQL over HTTP allows (``toolkit.verify.engine_graphql``).

    python scripts/graphql_conformance.py                     # the whole corpus and the workspace
    python scripts/graphql_conformance.py --examples 20 --seed 3 --only inventory
    python scripts/graphql_conformance.py --state            # through `ctk serve SCHEMA --state`

``--state`` serves each schema with ``ctk serve SCHEMA --state`` (memory store; ``--store URL`` for another),
so creating mutations are stored and read back by id and in lists.

The list of schemas is in ``tests.support.graphql_conformance`` (shared with the tests). This script parses
arguments and prints, per schema: its operations, those exercised, those that conform, the requests sent,
the failures with their reasons, and why the others were not sent. Exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from tests.support.graphql_conformance import label, schemas
from toolkit.verify.own_mock import HEADER, Verified, lines_of, options, total, verify_own_mock
from toolkit.verify.targets import CtkServe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=5, help="drawn queries per operation (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="only schemas whose path contains this text")
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    parser.add_argument("--state", action="store_true", help="serve each schema with `ctk serve SCHEMA --state`")
    parser.add_argument("--store", default="memory", help="with --state: where state lives (ctk serve --store)")
    args = parser.parse_args(argv)
    server = CtkServe(("--state", "--store", args.store) if args.state else ())
    run = options(seed=args.seed, examples=args.examples)
    rows: list[Verified] = []
    if not args.json:
        print(HEADER)
    for path in schemas(args.only):
        rows.append(verify_own_mock(path, server, run, label=label(path)))
        if not args.json:
            print("\n".join(lines_of(rows[-1], shown=3)), flush=True)
    if args.json:
        print(json.dumps([asdict(row) | {"rate": row.rate} for row in rows], indent=2))
    else:
        print(f"\n{total(rows)}")
    return 1 if any(row.failed or row.error or row.stop_reason for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

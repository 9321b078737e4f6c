"""SOAP self-conformance: ``ctk verify`` pointed at ctk's own mock of every WSDL, with an independent XSD judge.

For each WSDL (the workspace's crm v1/v2 and every loadable corpus WSDL, multi-file roots included) the mock
is served by ``ctk serve`` in a child process on a loopback port and ``ctk verify`` runs against it (its
runner, ``toolkit.verify.own_mock``: a real zeep client, valid inputs drawn from the XSD, each answer judged
against the XSD by ctk's ``XsdValidator`` and each Fault against the faults the WSDL declares) with
``--unsafe-all``: nothing is shared, so the operations that write are verified too, in the create → read →
delete chains ``ctk verify`` builds and, for the others, on their own. Operations zeep cannot call (HTTP
bindings, constructs it drops) are listed with zeep's reason.

As an additional check, ctk verify having no second judge, every WSDL is also run by the former engine
(``toolkit.verify.soap``: zeep against ``ctk serve`` of the same WSDL, every operation zeep can call, unsafe
ones included) with the "xmlschema" judge (``tests/support/xsd_judge.py``: the xmlschema package on schemas
it assembles itself from the WSDL files, sharing no code with ctk). A judge that cannot compile a WSDL's
schemas is reported "unavailable" for it, with its reason, and checks nothing there (never a silent pass);
rpc/encoded bodies are checked for the right wrapper only, as no schema describes encoded messages.

    python scripts/soap_zeep_conformance.py                  # crm v1/v2 and the corpus
    python scripts/soap_zeep_conformance.py --only crm stockquote --json
    python scripts/soap_zeep_conformance.py --state          # through `ctk serve WSDL --state`

``--state`` serves each WSDL with ``ctk serve WSDL --state`` (memory store; ``--store URL`` for another),
so a create is read back and an unknown id gets the not-found fault.

The list of WSDLs and the xmlschema judge are in ``tests.support.soap_conformance`` (shared with the tests).
Prints per WSDL ctk verify's figures (operations, exercised, conforming, requests, failures with reasons,
why the others were not sent), then the xmlschema judge's (answers checked and rejected). Exit 1 if any
exercised operation failed, a WSDL could not be run, or the xmlschema judge rejected an answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from tests.support.soap_conformance import targets, xmlschema_pass
from toolkit.verify.own_mock import HEADER, Verified, lines_of, options, total, verify_own_mock
from toolkit.verify.soap import Outcome
from toolkit.verify.targets import CtkServe

JUDGE = "xmlschema"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--only", nargs="*", help="run the WSDLs whose label contains one of these words")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=5, help="generated inputs per operation (default 5)")
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    parser.add_argument("--state", action="store_true", help="serve each WSDL with `ctk serve WSDL --state`")
    parser.add_argument("--store", default="memory", help="with --state: where state lives (ctk serve --store)")
    args = parser.parse_args(argv)
    server = CtkServe(("--state", "--store", args.store) if args.state else ())
    run = options(seed=args.seed, examples=args.examples)
    rows: list[tuple[Verified, Outcome]] = []
    if not args.json:
        print(f"{HEADER} {JUDGE + ' chk/rej':>14}")
    for label, path, mirrors in targets(args.only):
        row = verify_own_mock(path, server, run, label=label, mirrors=mirrors)
        judged = xmlschema_pass(path, label=label, mirrors=mirrors, seed=args.seed, served_by=server)
        rows.append((row, judged))
        if not args.json:
            first, *rest = lines_of(row, shown=3)
            shown = first if row.error or row.unloadable else f"{first} {_judge_cell(judged):>14}"
            print("\n".join([shown, *rest]), flush=True)
            for operation, reason in judged.rejected[JUDGE][:3]:
                print(f"    {JUDGE} REJECTS {operation}: {reason[:300]}")
    checked = sum(judged.checked[JUDGE] for _, judged in rows)
    rejected = sum(len(judged.rejected[JUDGE]) for _, judged in rows)
    if args.json:
        print(json.dumps([asdict(row) | {"rate": row.rate, JUDGE: asdict(judged)} for row, judged in rows], indent=2))
    else:
        print(f"\n{total([row for row, _ in rows])}")
        print(f"{JUDGE} (additional judge, the former engine): checked {checked} answers, rejected {rejected}; "
              "chk/rej: answers it checked/rejected; n/a: it cannot compile this WSDL's schemas "
              "(* only part of them)")  # fmt: skip
        for row, judged in rows:
            if JUDGE in judged.unavailable:
                print(f"  {row.contract}: {JUDGE} unavailable: {judged.unavailable[JUDGE][:200]}")
    failed = any(row.failed or row.error or row.stop_reason for row, _ in rows)
    return 1 if failed or rejected else 0


def _judge_cell(outcome: Outcome) -> str:
    """ "checked/rejected" for the xmlschema judge, "n/a" when it is unavailable and checked nothing."""
    checked, rejected = outcome.checked[JUDGE], len(outcome.rejected[JUDGE])
    if outcome.error:
        return "not run"
    if JUDGE in outcome.unavailable and not checked:
        return "n/a"
    return f"{checked}/{rejected}" + ("*" if JUDGE in outcome.unavailable else "")


if __name__ == "__main__":
    sys.exit(main())

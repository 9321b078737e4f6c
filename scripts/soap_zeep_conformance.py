"""SOAP mock conformance: does a real zeep client, pointed at the mock's ``?wsdl``, get answers it can use?

For each WSDL (the workspace's crm v1/v2 and every loadable corpus WSDL, multi-file roots included) the
mock is served on a loopback uvicorn server (the ASGI app ``ctk serve`` runs; ``--in-process`` uses
``MockZeepTransport`` instead) and ``zeep.Client(url + "?wsdl")`` is built from what the mock serves.
For every service/port/operation, a valid input element is generated from the XSD, parsed by zeep into
its own objects and passed as the call's arguments; the call must succeed, zeep must deserialize the
answer, and the raw response body must validate against the XSD under two judges: "lxml", ctk's own
``XsdValidator`` (libxml2 on the schema set ctk assembles, the set the mock generates from), and
"xmlschema", ``tests/support/xsd_judge.py`` (the xmlschema package on schemas it assembles itself from the
WSDL files, sharing no code with ctk). rpc/encoded bodies are checked for the right wrapper only, as the
mock itself does: no schema describes encoded messages. A judge that cannot compile a WSDL's schemas is
reported "unavailable" for it, with its reason, and checks nothing there (never a silent pass).
Operations zeep cannot build a request for (HTTP bindings, unsupported constructs) are listed as "not
callable by zeep" with zeep's reason.

The engine is ``toolkit.verify.soap``; the list of WSDLs and the xmlschema judge are in
``tests.support.soap_conformance`` (shared with the tests). This script parses arguments and prints.

    python scripts/soap_zeep_conformance.py                  # crm v1/v2 and the corpus
    python scripts/soap_zeep_conformance.py --in-process --only crm stockquote
    python scripts/soap_zeep_conformance.py --json
    python scripts/soap_zeep_conformance.py --state          # through `ctk serve WSDL --state`

``--state`` serves each WSDL with ``ctk serve WSDL --state`` (memory store; ``--store URL`` for another) in
a child process, at the mount ``ctk serve`` gives it (the ports' common address path, as the default
run's), so a create is read back and an unknown id gets the not-found fault; the arguments and both
judges are the same as without it.

Prints WSDL, operations, zeep can call, passed (the call and both judges), failures per judge (with the
first reason), and the total pass rate. Exit 1 if any operation zeep could call failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from tests.support.soap_conformance import render, run_one, targets, xmlschema_judge
from toolkit.verify import soap
from toolkit.verify.targets import CtkServe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--in-process", action="store_true", help="use MockZeepTransport instead of uvicorn")
    parser.add_argument("--only", nargs="*", help="run the WSDLs whose label contains one of these words")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    parser.add_argument("--state", action="store_true", help="serve each WSDL with `ctk serve WSDL --state`")
    parser.add_argument("--store", default="memory", help="with --state: where state lives (ctk serve --store)")
    args = parser.parse_args(argv)
    if args.state and args.in_process:
        parser.error("--state runs ctk serve, reached over loopback: drop --in-process")
    if args.state:
        server = CtkServe(("--state", "--store", args.store))
        judges = {"xmlschema": xmlschema_judge}  # as tests.support.soap_conformance.run_one adds it
        outcomes = [
            soap.run_one(path, label=label, mirrors=mirrors, seed=args.seed, judges=judges, served_by=server)
            for label, path, mirrors in targets(args.only)
        ]
    else:
        outcomes = [
            run_one(path, label=label, mirrors=mirrors, in_process=args.in_process, seed=args.seed)
            for label, path, mirrors in targets(args.only)
        ]
    print(json.dumps([asdict(o) for o in outcomes], indent=2) if args.json else render(outcomes))
    return 1 if any(outcome.failed for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())

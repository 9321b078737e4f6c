"""The mock's request path in-process, per protocol: what one answer costs with no server around it.

For each workspace API (payments REST, crm SOAP, inventory GraphQL) the compiled handler is called
directly with neutral requests: a repeated request (a memo hit), and requests that differ every time
(a new id, so the whole path runs: parse, validate, generate, serialise). The reference, measured in
the same run, is REST's uncached answer: the SOAP and GraphQL rows give their ratio to it. Hostile
inputs (XXE, entity expansion, 10 000-deep nesting, a 10 000-alias query) are timed beside a
well-formed request of the same protocol, to show they are refused before any real work.
Also SOAP body validation alone (libxml2, compiled once).

    python bench/mock_request_path.py [--requests 2000]

Uses only the public API (``compile_mock``, ``Request``), so it can time an older commit too:
``git worktree add /tmp/old REV && PYTHONPATH=/tmp/old python bench/mock_request_path.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from toolkit.exchange import Request
from toolkit.load import load_contract

try:
    from toolkit import compile_mock  # type: ignore[attr-defined]
except ImportError:  # a commit before compile_mock became public (it lived in toolkit.mock)
    from toolkit.mock import compile_mock  # type: ignore[attr-defined,no-redef]

ROOT = Path(__file__).resolve().parent.parent
REST_HEADERS = (("x-api-key", "sk_test_bench"), ("accept", "application/json"))
SOAP_HEADERS = (("content-type", "text/xml; charset=utf-8"), ("soapaction", '"urn:example:crm/GetAccount"'))
GRAPHQL_HEADERS = (("content-type", "application/json"),)
ENVELOPE = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{}</soap:Body></soap:Envelope>'
)
GET_ACCOUNT = '<GetAccountRequest xmlns="urn:example:crm:types"><id>001A{:014d}</id></GetAccountRequest>'
PRODUCT = (
    "query($id: ID!) { product(id: $id) { id sku name price status tags createdAt "
    "stockLevels(first: 3) { onHand available status } } }"
)


def per_call(call: Callable[[int], object], count: int) -> float:
    """Median of five batches, in CPU microseconds per call (``time.process_time``: another process on the machine
    does not count); ``call(n)`` gets a fresh n each time."""
    batches = []
    offset = 0
    for _ in range(5):
        started = time.process_time()
        for n in range(offset, offset + count // 5):
            call(n)
        batches.append((time.process_time() - started) / (count // 5) * 1e6)
        offset += count // 5
    return statistics.median(batches)


def soap_body(n: int) -> bytes:
    return ENVELOPE.format(GET_ACCOUNT.format(n)).encode()


def graphql_body(n: int) -> bytes:
    return json.dumps({"query": PRODUCT, "variables": {"id": f"p{n}"}}).encode()


HOSTILE_SOAP = {
    "XXE (file://)": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    + ENVELOPE.format("<x>&e;</x>"),
    "billion laughs": '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + ENVELOPE.format("<x>&b;</x>"),
    "10 000-deep nesting": ENVELOPE.format("<a>" * 10_000 + "</a>" * 10_000),
    "malformed XML": ENVELOPE.format("<a><b></a>"),
}
HOSTILE_GRAPHQL = {
    "10 000-deep query": "{" + "a{" * 10_000 + "b" + "}" * 10_001,
    "10 000 aliases": "{" + " ".join(f"a{i}: warehouses {{ id }}" for i in range(10_000)) + "}",
    "unparsable": "{ products(first: ) ",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="calls per measurement (five batches)")
    args = parser.parse_args()
    count = args.requests
    rest = compile_mock(load_contract(ROOT / "contracts" / "payments" / "v1"), seed=1, mount="/payments")
    soap = compile_mock(load_contract(ROOT / "contracts" / "crm" / "v1" / "crm.wsdl"), seed=1, mount="/crm")
    graphql = compile_mock(load_contract(ROOT / "contracts" / "inventory" / "v1"), seed=1, mount="/inventory")
    for handler in (rest, soap, graphql):
        warm = getattr(handler, "warm", None)
        if callable(warm):
            warm()

    def rest_call(n: int) -> object:
        return rest(Request("GET", f"/payments/customers/cus_{n:06d}", "", REST_HEADERS))

    def soap_call(n: int) -> object:
        return soap(Request("POST", "/crm", "", SOAP_HEADERS, soap_body(n)))

    def graphql_call(n: int) -> object:
        return graphql(Request("POST", "/inventory", "", GRAPHQL_HEADERS, graphql_body(n)))

    for call in (rest_call, soap_call, graphql_call):  # warm each operation once
        call(10**9)
    rows = []
    reference = per_call(lambda n: rest_call(n + 10**6), count)
    for name, call in (("REST GET one customer", rest_call), ("SOAP GetAccount", soap_call),
                       ("GraphQL product query", graphql_call)):  # fmt: skip
        hit = per_call(lambda n, call=call: call(0), count)  # type: ignore[misc]
        fresh = reference if call is rest_call else per_call(lambda n, call=call: call(n + 2 * 10**6), count)  # type: ignore[misc]
        rows.append((name, hit, fresh))
    print(f"in-process, {count} calls per figure (median of 5 batches); reference: REST uncached answer")
    print(f"{'answer':24} {'memo hit µs':>12} {'uncached µs':>12} {'uncached / REST uncached':>26}")
    for name, hit, fresh in rows:
        print(f"{name:24} {hit:12.1f} {fresh:12.1f} {fresh / reference:26.2f}")

    # the SOAP mock's validator: on the envelope's compiled mock, or on the handler itself before the envelope
    validator = getattr(getattr(soap, "mock", soap), "validator", None)
    if validator is not None:
        from lxml import etree

        body = etree.fromstring(GET_ACCOUNT.format(1).encode())
        micro = per_call(lambda n: validator.validate(body), count * 5)
        print(f"\nSOAP body validation alone (libxml2): {micro:.1f} µs per GetAccountRequest")

    print(f"\n{'hostile input':28} {'status':>6} {'ms':>8} {'ratio to a well-formed uncached request':>42}")
    soap_fresh, graphql_fresh = rows[1][2], rows[2][2]
    # Each call sends different bytes (a trailing comment), so neither the memo nor a cached parse answers it.
    for label, text in HOSTILE_SOAP.items():

        def hostile_soap(n: int, text: str = text) -> int:
            return soap(Request("POST", "/crm", "", SOAP_HEADERS, f"{text}<!--{n}-->".encode())).response.status

        status = hostile_soap(-1)
        micro = per_call(hostile_soap, 50)
        print(f"{'SOAP ' + label:28} {status:6} {micro / 1000:8.2f} {micro / soap_fresh:42.2f}")
    for label, query in HOSTILE_GRAPHQL.items():

        def hostile_graphql(n: int, query: str = query) -> int:
            body = json.dumps({"query": f"{query}\n# {n}"}).encode()  # new text: no cached parse either
            return graphql(Request("POST", "/inventory", "", GRAPHQL_HEADERS, body)).response.status

        status = hostile_graphql(-1)
        micro = per_call(hostile_graphql, 10)
        print(f"{'GraphQL ' + label:28} {status:6} {micro / 1000:8.2f} {micro / graphql_fresh:42.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

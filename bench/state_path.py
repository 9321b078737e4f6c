"""The stateful request path in-process: what a read of a stored resource and a create cost, per protocol.

Builds the sandbox ``ctk serve`` would (the example workspace, state on, the memory store, or ``--store``)
and calls it directly with neutral requests, no server around it: REST (payments) GET of the customer
the contract's example names and POST /customers; SOAP (crm) GetAccount of an account created first and
CreateAccount; GraphQL (inventory) product(id:) of a product created first and createProduct. Each
figure is the median of five batches of CPU time per call (``time.process_time``: another process on the
machine does not count), beside the same request with state off.

    python bench/state_path.py [--requests 2000] [--store memory] [--profile "SOAP GetAccount stored"]

``--profile NAME`` prints cProfile's top functions for that row instead (by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from toolkit.exchange import MockResult, Request
from toolkit.limits import DEFAULT_LIMITS, limits_from
from toolkit.sandbox.server import ServeConfig, build_handler, changed_limits, mounted_apis
from toolkit.workspace import load_workspace

ROOT = Path(__file__).resolve().parent.parent
REST = (("x-api-key", "sk_test_bench"), ("accept", "application/json"))
REST_JSON = (*REST, ("content-type", "application/json"))
SOAP = (("content-type", "text/xml; charset=utf-8"), ("soapaction", '"urn:example:crm/GetAccount"'))
SOAP_CREATE = (("content-type", "text/xml; charset=utf-8"), ("soapaction", '"urn:example:crm/CreateAccount"'))
GRAPHQL = (("content-type", "application/json"),)
ENVELOPE = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{}</soap:Body></soap:Envelope>'
)
SELECTION = "{ id sku name price status tags createdAt stockLevels(first: 3) { onHand available status } }"
POST_BODY = json.dumps({"email": "jenny.rosen@example.com", "name": "Jenny Rosen", "description": "bench"}).encode()
CREATE_ACCOUNT = ENVELOPE.format(
    '<CreateAccountRequest xmlns="urn:example:crm:types"><account><name>Bench Corp</name>'
    "<industry>Banking</industry></account></CreateAccountRequest>"
).encode()
CREATE_PRODUCT = json.dumps({
    "query": "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id sku name price "
    "status } userErrors { message } } }",
    "variables": {"input": {"sku": "BENCH-1", "name": "Bench product", "price": "12.50"}},
}).encode()  # fmt: skip


def sandbox(state: bool, store: str) -> Callable[[Request], MockResult]:
    space = load_workspace(ROOT)
    mounted = mounted_apis(space)
    for item in mounted:
        item.state = item.state and state
    limits = limits_from({"max_stored_items": 10_000_000}, "bench", space.limits or DEFAULT_LIMITS)
    config = ServeConfig(contracts=mounted, seed=space.sandbox.seed, limits=changed_limits(limits),
                         log_level="warning", store=store)  # fmt: skip
    return build_handler(config)


def get_account(account: str) -> bytes:
    return ENVELOPE.format(
        f'<GetAccountRequest xmlns="urn:example:crm:types"><id>{account}</id></GetAccountRequest>'
    ).encode()


def get_product(product: str) -> bytes:
    return json.dumps(
        {"query": f"query($id: ID!) {{ product(id: $id) {SELECTION} }}", "variables": {"id": product}}
    ).encode()


def rows(handler: Callable[[Request], MockResult], account: str, product: str) -> dict[str, Request]:
    return {
        "REST GET stored": Request("GET", "/payments/customers/cus_9s6XKzkNRiz8i3", "", REST),
        "REST POST create": Request("POST", "/payments/customers", "", REST_JSON, POST_BODY),
        "SOAP GetAccount stored": Request("POST", "/crm", "", SOAP, get_account(account)),
        "SOAP CreateAccount": Request("POST", "/crm", "", SOAP_CREATE, CREATE_ACCOUNT),
        "GraphQL product stored": Request("POST", "/inventory", "", GRAPHQL, get_product(product)),
        "GraphQL createProduct": Request("POST", "/inventory", "", GRAPHQL, CREATE_PRODUCT),
    }


def created(handler: Callable[[Request], MockResult]) -> tuple[str, str]:
    """An account and a product created through the sandbox: the ids the stored reads read."""
    soap = handler(Request("POST", "/crm", "", SOAP_CREATE, CREATE_ACCOUNT)).response.body.decode()
    graphql = handler(Request("POST", "/inventory", "", GRAPHQL, CREATE_PRODUCT)).response.body.decode()
    account = re.search(r"<(?:\w+:)?id>([A-Za-z0-9]{18})</", soap)
    product = re.search(r'"product":\{"id":"([^"]+)"', graphql)
    assert account and product, (soap[:300], graphql[:300])
    return account.group(1), product.group(1)


def per_call(call: Callable[[], object], count: int) -> float:
    """Median of five batches, CPU microseconds per call."""
    batches = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(count // 5):
            call()
        batches.append((time.process_time() - started) / (count // 5) * 1e6)
    return statistics.median(batches)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--store", default="memory")
    parser.add_argument("--profile", default="", metavar="ROW")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    stateful, stateless = sandbox(True, args.store), sandbox(False, "memory")
    account, product = created(stateful)
    with_state, without = rows(stateful, account, product), rows(stateless, account, product)
    for name, request in with_state.items():  # each answer is what it should be, once, before timing
        result = stateful(request)
        assert result.response.status < 300 and b'"errors"' not in result.response.body, (name, result.response.body)
        assert b"Fault>" not in result.response.body and b"ctk-warning" not in b"".join(
            k.encode() for k, _ in result.response.headers
        ), (name, result.response.headers, result.response.body[:300])
    if args.profile:
        request = with_state[args.profile]
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            stateful(request)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        return 0
    print(f"in-process, CPU µs per call (median of 5 batches of {args.requests // 5}); store {args.store}")
    print(f"{'row':24} {'state on':>9} {'state off':>9} {'extra':>8}")
    for name, request in with_state.items():
        if args.only and args.only.lower() not in name.lower():
            continue
        on = per_call(lambda request=request: stateful(request), args.requests)  # type: ignore[misc]
        off = per_call(lambda name=name: stateless(without[name]), args.requests)  # type: ignore[misc]
        print(f"{name:24} {on:9.1f} {off:9.1f} {on - off:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

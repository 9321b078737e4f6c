"""``verify.evidence_sink.EvidenceCollector``: what ``SafeClient.observe`` hands it becomes observations.

Answers are judged against the workspace's payments v1 contract (an OpenAPI document with ``$ref``s): the
deprecation headers of any protocol, and a status, header or JSON field the operation's responses do not
declare. The last test is end to end: a real HTTP server on a loopback port answers with RFC 9745/8594
headers, the answer goes through ``SafeClient`` into the collector, the collector writes the workspace's
evidence file, and ``ctk drift`` reports it as observed changes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cli import ctk
from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit.evidence import Observation, default_evidence_path, read_evidence
from toolkit.load import load_contract
from toolkit.mock.loopback import serve_in_thread
from toolkit.model import Contract, GraphQLOperation, Protocol
from toolkit.vendor.credentials import credentials_for
from toolkit.verify import core
from toolkit.verify.evidence_sink import EvidenceCollector
from toolkit.verify.guard import SafeClient
from toolkit.workspace import Auth

OP = "GET /customers/{customer_id}"
DEPRECATED = [
    ("Deprecation", "@1767225600"),
    ("Sunset", "Wed, 01 Jul 2026 00:00:00 GMT"),
    ("Link", '<https://docs.example.com/sunset>; rel="sunset"'),
]


@pytest.fixture(scope="module")
def payments() -> Contract:
    return load_contract(REPO / "contracts" / "payments" / "v1")


def _answer(status: int = 200, body: Any = None, headers: list[tuple[str, str]] | None = None) -> httpx.Response:
    content = json.dumps(body if body is not None else {"id": "cus_1"}).encode()
    return httpx.Response(status, headers=[("content-type", "application/json"), *(headers or [])], content=content)


def _kinds(collector: EvidenceCollector) -> set[tuple[str, str]]:
    return {(o.kind, o.detail) for o in collector.observations}


def test_deprecation_headers_of_an_answer(payments: Contract) -> None:
    collector = EvidenceCollector("payments", payments, "https://x.example")
    collector.observe(OP, _answer(headers=DEPRECATED), None)
    assert collector.observations == (
        Observation(OP, "deprecation-header", "@1767225600", "2026-01-01"),
        Observation(OP, "link-sunset", "https://docs.example.com/sunset"),
        Observation(OP, "sunset-header", "Wed, 01 Jul 2026 00:00:00 GMT", "2026-07-01"),
    )


def test_what_the_operation_does_not_declare(payments: Contract) -> None:
    collector = EvidenceCollector("payments", payments, "https://x.example")
    body = {"id": "cus_1", "email": "a@example.com", "loyalty_tier": "gold", "address": {"city": "x", "planet": "m"}}
    collector.observe(OP, _answer(body=body, headers=[("X-Vendor-Trace", "1"), ("RateLimit-Remaining", "9")]), None)
    collector.observe(OP, _answer(418), None)
    assert _kinds(collector) == {
        ("undocumented-field", "/loyalty_tier"),
        ("undocumented-field", "/address/planet"),
        ("undocumented-header", "x-vendor-trace"),
        ("undocumented-status", "418"),
    }


def test_a_conforming_answer_says_nothing(payments: Contract) -> None:
    collector = EvidenceCollector("payments", payments, "https://x.example")
    collector.observe(OP, _answer(body={"id": "cus_1", "email": "a@example.com"}), None)
    collector.observe(OP, _answer(404, body={"error": {"type": "x"}}), None)  # declared (or default)
    collector.observe(OP, httpx.Response(200, headers={"content-type": "text/plain"}, content=b"not json"), None)
    assert collector.observations == ()


def test_array_items_are_walked_and_named_with_a_star(payments: Contract) -> None:
    collector = EvidenceCollector("payments", payments, "https://x.example")
    body = {"object": "list", "data": [{"id": "a", "extra": 1}, {"id": "b", "extra": 2}], "has_more": False}
    collector.observe("GET /customers", _answer(body=body), None)
    assert ("undocumented-field", "/data/*/extra") in _kinds(collector)


def test_observations_are_kept_once_and_bounded(payments: Contract) -> None:
    collector = EvidenceCollector("payments", payments, "https://x.example", max_observations=3)
    for _ in range(5):
        collector.observe(OP, _answer(headers=DEPRECATED), None)
    assert len(collector.observations) == 3 and collector.dropped == 0
    collector.observe(OP, _answer(418), None)
    assert len(collector.observations) == 3 and collector.dropped == 1
    wide = {f"f{i}": i for i in range(50_000)}  # a hostile answer: bounded by the collector, whatever it holds
    collector.observe(OP, _answer(body=wide), None)
    assert len(collector.observations) == 3


def test_engines_add_their_own_kinds(payments: Contract) -> None:
    graphql = Contract(Protocol.GRAPHQL, "g", "1", "s.graphql", (GraphQLOperation(id="Query.product", name="p"),))
    collector = EvidenceCollector("inventory", graphql, "https://x.example")
    collector.add([core.Observation("deprecated-field-used", "Query.product", "Product.legacySku")])
    collector.observe("Query.product", _answer(headers=[("Deprecation", "true")]), None)
    assert _kinds(collector) == {
        ("deprecated-field-used", "Product.legacySku"),
        ("malformed-deprecation", "true (the draft's 'true'; RFC 9745 wants a date, @<epoch seconds>)"),
    }


def test_a_credential_the_vendor_echoes_is_redacted(payments: Contract) -> None:
    secret = "sk_test_PLANTED_0123456789"
    auth = Auth(kind="query", name="api_key", env={"value": "PAYMENTS_KEY"})
    credentials = credentials_for(auth, "https://x.example", api="payments", env={"PAYMENTS_KEY": secret})
    collector = EvidenceCollector("payments", payments, "https://x.example", redact=credentials.redact)
    link = f'<https://docs.example.com/sunset?api_key={secret}>; rel="sunset"'
    collector.observe(OP, _answer(headers=[("Link", link), ("Warning", f'299 - "key {secret} is deprecated"')]), None)
    assert len(collector.observations) == 2
    assert secret not in json.dumps(collector.evidence().to_json())


def _vendor_app(status: int = 200) -> Callable[..., Awaitable[None]]:
    """A stand-in vendor: every answer is a customer with an extra field, deprecated with a sunset."""

    async def app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = json.dumps({"id": "cus_1", "email": "a@example.com", "loyalty_tier": "gold"}).encode()
        headers = [(b"content-type", b"application/json")]
        headers += [(name.lower().encode(), value.encode()) for name, value in DEPRECATED]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _workspace(root: Path) -> Path:
    for version in ("v1", "v2"):
        shutil.copytree(REPO / "contracts" / "payments" / version, root / "contracts" / "payments" / version)
    return write_workspace(
        root,
        '[apis.payments]\ncontract = "contracts/payments/v1"\npublished = "contracts/payments/v2"\n'
        '[apis.payments.vendor]\nsandbox_url = "https://sandbox.payments.example.com/v1"\n',
    )


def test_a_real_answer_reaches_the_evidence_file_and_ctk_drift(tmp_path: Path, payments: Contract) -> None:
    root = _workspace(tmp_path)
    collector = EvidenceCollector("payments", payments, "http://127.0.0.1", contract_label="contracts/payments/v1")
    client = SafeClient(sinks=[collector])
    with serve_in_thread(_vendor_app()) as url:
        answer = client.send(OP, "GET", f"{url}/customers/cus_1", safe=True, contract_operation=payments.operation(OP))
    assert answer is not None and answer.status_code == 200
    path = collector.write(default_evidence_path(root, "payments"))
    assert path == root / ".ctk" / "evidence" / "payments.json"
    saved = read_evidence(path)
    assert {(o.kind, o.date) for o in saved.observations} == {
        ("deprecation-header", "2026-01-01"),
        ("sunset-header", "2026-07-01"),
        ("link-sunset", None),
        ("undocumented-field", None),
    }

    code, out, err = ctk("drift", "payments", "--workspace", str(root), "--format", "json", "--today", "2026-05-01")
    assert code == 1, err  # v1 → v2 has breaking changes of its own
    changes = json.loads(out)["changes"]
    observed = {(c["id"], c["severity"]) for c in changes if c["source"] == "observed"}
    assert observed == {
        ("observed-deprecation-undeclared", "dangerous"),
        ("observed-sunset-within-horizon", "dangerous"),
        ("observed-undocumented-field", "info"),
    }
    assert all(c["operations"] == [OP] for c in changes if c["source"] == "observed")
    assert any(c["source"] == "diff" for c in changes)  # beside the contract's own changes
    undeclared = next(c for c in changes if c["id"] == "observed-deprecation-undeclared")
    assert undeclared["sunset"] == "2026-07-01" and undeclared["deprecation"] is True

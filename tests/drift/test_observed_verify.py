"""``ctk verify`` then ``ctk drift``, as a team's CI runs them: the evidence file between the two commands.

A stand-in vendor on a loopback port answers every request with RFC 9745/8594 deprecation headers and a
field the contract does not declare; ``ctk verify`` (read-only, a small budget) writes the workspace's
``.ctk/evidence/payments.json``; ``ctk drift`` then reports the vendor's deprecation as observed changes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from tests.support.cli import ctk
from tests.support.files import write_workspace
from tests.support.paths import REPO
from toolkit.evidence import read_evidence
from toolkit.mock.loopback import serve_in_thread

HEADERS = [
    (b"content-type", b"application/json"),
    (b"deprecation", b"@1767225600"),
    (b"sunset", b"Wed, 01 Jul 2026 00:00:00 GMT"),
    (b"link", b'<https://docs.example.com/sunset>; rel="sunset"'),
]


async def _vendor(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = json.dumps({"id": "cus_1", "object": "customer", "loyalty_tier": "gold"}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": body})


def test_verify_writes_the_evidence_drift_reports(tmp_path: Path) -> None:
    for version in ("v1", "v2"):
        shutil.copytree(REPO / "contracts" / "payments" / version, tmp_path / "contracts" / "payments" / version)
    root = write_workspace(tmp_path, '[apis.payments]\ncontract = "contracts/payments/v1"\n')
    with serve_in_thread(_vendor) as url:
        code, out, err = ctk(
            "verify", "payments", "--base-url", url, "--root", str(root), "--budget", "30", "--examples", "1", "-q"
        )
    assert code in (0, 1), out + err  # ran (the answers' shapes are verify's to judge, not this test's)
    evidence = read_evidence(root / ".ctk" / "evidence" / "payments.json")
    operation = "GET /customers/{customer_id}"
    assert {o.kind for o in evidence.observations if o.operation == operation} >= {
        "deprecation-header",
        "sunset-header",
        "link-sunset",
        "undocumented-field",
    }

    code, out, err = ctk("drift", "payments", "--workspace", str(root), "--format", "json", "--today", "2026-05-01")
    assert code == 0, err  # nothing breaking: no NEW contract, and the observed sunset is still ahead
    report = json.loads(out)
    assert report["apis"][0]["via"] == "evidence"
    observed = {(c["id"], c["severity"]) for c in report["changes"] if operation in c["operations"]}
    assert observed == {
        ("observed-deprecation-undeclared", "dangerous"),
        ("observed-sunset-within-horizon", "dangerous"),
        ("observed-undocumented-field", "info"),
    }
    assert all(c["source"] == "observed" for c in report["changes"])

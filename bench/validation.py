"""Request validation on the mock's request path: openapi-core beside ctk's compiled validators.

The issue asked to measure both before choosing. Same contract (the workspace's payments v1), same
requests, same process: openapi-core's ``OpenAPI.validate_request`` against ctk's per-operation
``ParameterReader.read`` + ``BodyReader.read`` (validators compiled once with jsonschema_rs).

    python bench/validation.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

BODY = json.dumps({"email": "jenny.rosen@example.com", "name": "Jenny Rosen", "description": "bench"})
CASES = [
    ("GET /customers/{customer_id}", "get", "/v1/customers/cus_1", "", None),
    ("GET /customers", "get", "/v1/customers", "limit=20&starting_after=cus_1", None),
    ("POST /customers", "post", "/v1/customers", "", BODY),
]


def per_call(function: Any, rounds: int) -> float:
    function()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(rounds):
            function()
        best = min(best, (time.perf_counter() - started) / rounds)
    return best


def main() -> int:
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest

    from toolkit.exchange import Request
    from toolkit.load import load_contract
    from toolkit.openapi.mock.handler import MockOptions, OpenAPIMock

    spec = ROOT / "contracts" / "payments" / "v1"
    core = OpenAPI.from_file_path(str(spec / "openapi.yaml"))
    mock = OpenAPIMock(load_contract(spec), MockOptions())  # type: ignore[arg-type]
    print(f"{'operation':32} {'openapi-core':>14} {'ctk':>10} {'ratio':>7}")
    for op_id, method, path, query, body in CASES:
        args = dict(x.split("=") for x in query.split("&")) if query else None
        request = MockRequest(
            "https://api.payments.example.com", method, path, args=args, headers={"X-Api-Key": "k"},
            data=body, content_type="application/json" if body else None,
        )  # fmt: skip
        core.validate_request(request)  # raises if the request were invalid: both sides see valid input
        op = mock.operations[op_id]
        match = mock.router.match(path, method.upper())
        assert match is not None
        headers = (("x-api-key", "k"), *((("content-type", "application/json"),) if body else ()))
        neutral = Request(method.upper(), path, query, headers, (body or "").encode())

        def ctk_validate(op: Any = op, neutral: Request = neutral, params: dict[str, str] = match.params) -> None:
            violations: list[dict[str, Any]] = []
            op.parameters.read(params, neutral.query_items(), neutral.headers, neutral.cookies, violations)
            if op.body is not None:
                op.body.read(neutral.header("content-type"), neutral.body, violations)
            assert not violations, violations

        core_time = per_call(lambda request=request: core.validate_request(request), 300)
        ctk_time = per_call(ctk_validate, 20_000)
        print(f"{op_id:32} {core_time * 1e6:11.0f} µs {ctk_time * 1e6:7.1f} µs {core_time / ctk_time:6.0f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())

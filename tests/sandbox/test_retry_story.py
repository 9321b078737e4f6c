"""The retry story end to end: a client with exponential backoff against a sandbox that fails half its calls
with 503 and rate-limits, through httpx as an application would call it.

The client completes all its work; the sandbox's counters show each 429 and the Retry-After it gave; a
client that ignores Retry-After is flagged.
"""

from __future__ import annotations

import time

import httpx

from tests.support.paths import REPO
from toolkit.mock import MockTransport
from toolkit.sandbox.layers import SandboxedMock
from toolkit.sandbox.rate_limit import RateLimitLayer
from toolkit.sandbox.server import MountedContract, ServeConfig, build_handler

HEADERS = {"x-api-key": "sk_test_backoff"}


def _sandbox() -> SandboxedMock:
    mounted = MountedContract(
        str(REPO / "contracts" / "payments" / "v1"),
        "/v1",
        faults={"error_rate": 0.5},
        rate_limit={"requests": 5, "per": "1s"},
    )
    handler = build_handler(ServeConfig([mounted], seed=3)).apis[0].handler  # the layered API, no journal
    assert isinstance(handler, SandboxedMock)
    return handler


def _limiter(sandbox: SandboxedMock) -> RateLimitLayer:
    return next(layer for layer in sandbox.layers if isinstance(layer, RateLimitLayer))


def _get_with_backoff(client: httpx.Client, path: str, session: str, attempts: int = 12) -> tuple[httpx.Response, int]:
    """What a careful client does: retry 5xx with exponential backoff, and 429 after its Retry-After."""
    delay = 0.01
    for attempt in range(1, attempts + 1):
        response = client.get(path, headers={**HEADERS, "x-ctk-session": session})
        if response.status_code < 500 and response.status_code != 429:
            return response, attempt
        if response.status_code == 429:
            time.sleep(float(response.headers["retry-after"]))
        else:
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    raise AssertionError(f"{path}: no success after {attempts} attempts")


def test_a_client_with_backoff_completes_its_work_and_the_sandbox_counts_its_429s() -> None:
    sandbox = _sandbox()
    with httpx.Client(transport=MockTransport(sandbox), base_url="http://sandbox.test") as client:
        attempts = [_get_with_backoff(client, f"/v1/customers?limit={n}", "careful")[1] for n in range(1, 13)]
    assert sum(attempts) > 12  # the 503s and 429s were met, and retried
    report = _limiter(sandbox).report("careful")
    assert report["limited"] >= 1 and report["early_retries"] == 0
    assert all(float(seconds) >= 1 for seconds in report["retry_after"])


def test_a_client_that_retries_before_retry_after_is_flagged() -> None:
    sandbox = _sandbox()
    with httpx.Client(transport=MockTransport(sandbox), base_url="http://sandbox.test") as client:
        statuses = [client.get("/v1/customers", headers={**HEADERS, "x-ctk-session": "eager"}).status_code
                    for _ in range(12)]  # fmt: skip
    assert 429 in statuses
    assert _limiter(sandbox).report("eager")["early_retries"] >= 1

"""openapi-core as an independent judge of the payments mock's answers, hooked into an httpx client."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.paths import REPO

PAYMENTS = REPO / "contracts" / "payments" / "v1"
PAYMENTS_HOST = "https://api.payments.example.com"
PROBLEM = "application/problem+json"


class Judge:
    """openapi-core's verdict on every answer a client receives (an httpx response hook)."""

    def __init__(self, api: Any) -> None:
        self.api = api
        self.checked = 0

    def __call__(self, response: httpx.Response) -> None:
        from openapi_core.testing import MockRequest, MockResponse

        response.read()
        request = response.request
        judged = MockRequest(PAYMENTS_HOST, request.method.lower(), request.url.path, headers=dict(request.headers))
        answer = MockResponse(
            response.content, status_code=response.status_code, headers=dict(response.headers),
            content_type=response.headers.get("content-type", ""),
        )  # fmt: skip
        try:
            self.api.validate_response(judged, answer)
        except Exception as error:  # noqa: BLE001 - openapi-core raises several unrelated classes
            pytest.fail(f"{request.method} {request.url.path} {response.status_code}: {error!r} {error.__cause__!r}")
        self.checked += 1


def payments_judge() -> Judge:
    """A judge of answers against contracts/payments/v1 (skips the test when openapi-core is absent)."""
    openapi_core = pytest.importorskip("openapi_core")
    config = openapi_core.Config(extra_media_type_deserializers={PROBLEM: json.loads})
    return Judge(openapi_core.OpenAPI.from_file_path(str(PAYMENTS / "openapi.yaml"), config=config))

"""The sandbox's own endpoints under ``/__ctk``, outside every API's mount, for whatever protocols are served.

``GET /__ctk/health``; ``POST /__ctk/webhooks/NAME`` (body ``{"url": …}``, or the ``--webhook-url``
default): the mock that declares webhook NAME makes a contract-valid event, and the adapter that owns
the event loop sends it. Whether the URL's host may be sent to is the server's policy, checked by the
adapter that sends (``toolkit.mock.deliver``); here the URL must be an http(s) URL, and it is never
echoed with its credentials.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from toolkit.destinations import redact
from toolkit.exchange import MockResult, Request, Response
from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.mock.compiled import CompiledMock
from toolkit.mock.handler import ADMIN_PREFIX
from toolkit.mock.json_body import load_json
from toolkit.mock.problem import clip, problem_response

MAX_URL = 2048  # characters of a webhook URL; a longer value is no URL to call
_JSON = (("content-type", "application/json"),)


class AdminEndpoints:
    """The ``/__ctk`` endpoints over every mock served together (one, or a workspace's)."""

    def __init__(
        self, mocks: Sequence[CompiledMock], *, webhook_url: str | None = None, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        self.mocks = list(mocks)
        self.webhook_url = webhook_url
        self.limits = limits

    def __call__(self, request: Request) -> MockResult:
        parts = request.path[len(ADMIN_PREFIX) :].strip("/").split("/")
        if parts == ["health"]:
            return MockResult(Response(200, _JSON, b'{"status":"ok"}'))
        if len(parts) == 2 and parts[0] == "webhooks" and request.method.upper() == "POST":
            return self._webhook(request, parts[1])
        if len(self.mocks) == 1:
            return MockResult(problem_response(404, f"no admin endpoint {request.path[:200]}", kind="not-found"))
        detail = f"no admin endpoint {clip(request.path, self.limits.max_echo_length)}"
        return MockResult(problem_response(404, detail, kind="not-found"))

    def _webhook(self, request: Request, name: str) -> MockResult:
        url: object = self.webhook_url
        if request.body:
            document, refused = load_json(request.body, self.limits.max_nesting)
            if refused is not None and refused.kind == "nesting":
                return MockResult(problem_response(400, f"the body {refused.reason}"))
            if not isinstance(document, dict):
                return MockResult(problem_response(400, 'the body must be JSON like {"url": "http://..."}'))
            url = document.get("url", url)
        if not url:
            return MockResult(problem_response(400, "no webhook URL: pass --webhook-url or a JSON body with url"))
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > MAX_URL:
            return MockResult(problem_response(422, f"url must be an http:// or https:// URL of at most {MAX_URL} "
                                                    "characters", kind="invalid-url"))  # fmt: skip
        for mock in self.mocks:
            delivery = mock.webhook_event(name, url, request)
            if delivery is not None:
                answer = json.dumps({"delivering": name, "url": redact(url)}).encode()
                return MockResult(Response(202, _JSON, answer), (delivery,))
        known = ", ".join(sorted(webhook for mock in self.mocks for webhook in mock.webhooks)) or "(none)"
        if len(self.mocks) == 1:
            return MockResult(problem_response(404, f"no webhook named {name[:200]!r}; the contract has: {known}"))
        shown = clip(name, self.limits.max_echo_length)
        detail = f"no mounted API has a webhook named {shown!r}; known: {known}"
        return MockResult(problem_response(404, detail, kind="not-found"))

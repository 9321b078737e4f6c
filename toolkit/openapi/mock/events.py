"""Events the mock sends on its own: webhooks (3.1 ``webhooks``), callbacks, and the admin endpoints.

Events are generated from the contract like responses are, seeded by what triggered them, and
returned as ``Delivery`` descriptions: the adapter that owns the event loop sends them.
"""

from __future__ import annotations

import json
from typing import Any

from toolkit.destinations import redact
from toolkit.exchange import Delivery, MockResult, Request, Response
from toolkit.mock import ADMIN_PREFIX
from toolkit.mock.json_body import load_json
from toolkit.mock.problem import problem_response
from toolkit.mock.seed import rng_for
from toolkit.openapi.generate.generator import Generators
from toolkit.openapi.mock.callbacks import MAX_URL

_JSON = (("content-type", "application/json"),)


class Events:
    def __init__(self, webhooks: dict[str, tuple[Any, str]], generators: Generators, seed: int) -> None:
        self.webhooks = webhooks  # name -> (request body schema, its place)
        self.generators = generators
        self.seed = seed

    def webhook(self, name: str, url: str, request: Request | None = None) -> Delivery | None:
        """A contract-valid event for webhook ``name``, addressed to ``url`` (None if no such webhook)."""
        found = self.webhooks.get(name)
        if found is None:
            return None
        schema, schema_place = found
        return self.event(name, url, schema, schema_place, request)

    def event(self, name: str, url: str, schema: Any, schema_place: str, request: Request | None) -> Delivery:
        key = (name, url, request.path if request else "", request.body if request else b"")
        rng = rng_for(self.seed, key)
        # Generated as the vendor's output ("response" direction): an event carries whole resources, readOnly
        # fields (ids, statuses) included, as the API returns them; the request-direction schema accepts that.
        value = self.generators.generator(schema, schema_place, "response").generate(rng) if schema is not None else {}
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return Delivery("POST", url, (("content-type", "application/json"), ("user-agent", "ctk-mock")), body, name)


def admin_answer(request: Request, events: Events, webhook_url: str | None, max_nesting: int) -> MockResult:
    """``GET /__ctk/health``; ``POST /__ctk/webhooks/NAME`` (body ``{"url": …}`` or ``--webhook-url``).

    Whether the URL's host may be sent to is the server's policy, checked by the adapter that sends
    (``toolkit.mock.deliver``); here the URL must be an http(s) URL, and is never echoed with its credentials."""
    parts = request.path[len(ADMIN_PREFIX) :].strip("/").split("/")
    if parts == ["health"]:
        return MockResult(Response(200, _JSON, b'{"status":"ok"}'))
    if len(parts) == 2 and parts[0] == "webhooks" and request.method.upper() == "POST":
        url: object = webhook_url
        if request.body:
            document, refused = load_json(request.body, max_nesting)
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
        delivery = events.webhook(parts[1], url, request)
        if delivery is None:
            known = ", ".join(sorted(events.webhooks)) or "(none)"
            name = parts[1][:200]
            return MockResult(problem_response(404, f"no webhook named {name!r}; the contract has: {known}"))
        answer = json.dumps({"delivering": parts[1], "url": redact(url)}).encode()
        return MockResult(Response(202, _JSON, answer), (delivery,))
    return MockResult(problem_response(404, f"no admin endpoint {request.path[:200]}", kind="not-found"))

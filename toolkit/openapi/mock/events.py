"""Events the mock sends on its own: webhooks (3.1 ``webhooks``) and callbacks.

Events are generated from the contract like responses are, seeded by what triggered them, and
returned as ``Delivery`` descriptions: the adapter that owns the event loop sends them.
"""

from __future__ import annotations

import json
from typing import Any

from toolkit.exchange import Delivery, Request
from toolkit.mock.seed import rng_for
from toolkit.openapi.generate.generator import Generators

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

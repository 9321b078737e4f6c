"""Events the mock sends on its own: webhooks (3.1 ``webhooks``) and callbacks.

Events are generated from the contract like responses are, seeded by what triggered them, and
returned as ``Delivery`` descriptions: the adapter that owns the event loop sends them. Each carries
every header its operation requires (the contract's example, else a value drawn from its schema); with a
signing secret configured, the header named like a signature (or ``Ctk-Signature``) holds
``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` (``toolkit.mock.deliver.WebhookSigner``).
"""

from __future__ import annotations

import json
from typing import Any

from toolkit.errors import CtkError
from toolkit.exchange import Delivery, Request
from toolkit.mock.deliver import SIGNATURE_HEADER, WebhookSigner, is_signature_header
from toolkit.mock.seed import rng_for
from toolkit.openapi.generate.generator import Generators
from toolkit.openapi.load import OpenAPIContract
from toolkit.openapi.mock.callbacks import event_headers
from toolkit.openapi.mock.operations import HTTP_METHODS
from toolkit.openapi.mock.responses import HeaderSpec, header_value


class Events:
    def __init__(
        self,
        webhooks: dict[str, tuple[Any, str]],
        generators: Generators,
        seed: int,
        *,
        headers: dict[str, tuple[HeaderSpec, ...]] | None = None,
        signer: WebhookSigner | None = None,
    ) -> None:
        self.webhooks = webhooks  # name -> (request body schema, its place)
        self.headers = headers or {}  # webhook name -> the headers its receiver requires
        self.generators = generators
        self.seed = seed
        self.signer = signer

    def webhook(self, name: str, url: str, request: Request | None = None) -> Delivery | None:
        """A contract-valid event for webhook ``name``, addressed to ``url`` (None if no such webhook)."""
        found = self.webhooks.get(name)
        if found is None:
            return None
        schema, schema_place = found
        return self.event(name, url, schema, schema_place, request, self.headers.get(name, ()))

    def event(
        self,
        name: str,
        url: str,
        schema: Any,
        schema_place: str,
        request: Request | None,
        headers: tuple[HeaderSpec, ...] = (),
    ) -> Delivery:
        key = (name, url, request.path if request else "", request.body if request else b"")
        rng = rng_for(self.seed, key)
        # Generated as the vendor's output ("response" direction): an event carries whole resources, readOnly
        # fields (ids, statuses) included, as the API returns them; the request-direction schema accepts that.
        value = self.generators.generator(schema, schema_place, "response").generate(rng) if schema is not None else {}
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        sent: list[tuple[str, str]] = [("content-type", "application/json"), ("user-agent", "ctk-mock")]
        signed = False
        for header in headers:
            if self.signer is not None and is_signature_header(header.name):
                sent.append((header.name.lower(), self.signer.sign(body)))
                signed = True
            else:
                sent.append((header.name.lower(), header_value(header, self.generators, rng)))
        if self.signer is not None and not signed:
            sent.append((SIGNATURE_HEADER, self.signer.sign(body)))
        return Delivery("POST", url, tuple(sent), body, name)


def webhook_headers(contract: OpenAPIContract) -> dict[str, tuple[HeaderSpec, ...]]:
    """Webhook name -> the header parameters its operation requires (3.1 ``webhooks``)."""
    out: dict[str, tuple[HeaderSpec, ...]] = {}
    resolver = contract.resolver
    hooks = contract.document.get("webhooks")
    if resolver is None or not isinstance(hooks, dict):
        return out
    for name, raw_item in hooks.items():
        try:
            item, item_uri = resolver.deref(raw_item, resolver.root_uri)
            if not isinstance(item, dict):
                continue
            method = next((m for m in HTTP_METHODS if isinstance(item.get(m), dict)), None)
            if method is None:
                continue
            operation, operation_uri = resolver.deref(item[method], item_uri)
        except CtkError:  # a broken reference must not stop the mock; lint reports it
            continue
        headers = event_headers(item, operation, operation_uri, resolver)
        if headers:
            out[str(name)] = headers
    return out

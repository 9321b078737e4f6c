"""What a hot reload asks of a ``state`` layer: each collection's schema as a digest, and a collection forgotten.

A reload (``toolkit.sandbox.reload``) builds the API's new state layer beside the old one and compares their
``fingerprints()`` (collection -> digest of what decides whether a stored item still fits: REST's item JSON
Schema without its annotations, SOAP's entity element as generated from its XSD, GraphQL's entity type and the
types it reaches). The collections whose digest changed, or that are gone, are cleared in every session with
``forget``; the others keep what clients created, so editing an example does not lose a test's data.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection
from typing import Any

from toolkit.sandbox.store import Store

__all__ = ["digest", "forget", "path_pattern", "validity"]

# Keywords that say nothing about which values fit: editing them keeps a collection's state.
_ANNOTATIONS = frozenset({"title", "description", "example", "examples", "$comment", "externalDocs", "deprecated"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMAS = frozenset({
    "items", "additionalItems", "additionalProperties", "unevaluatedItems", "unevaluatedProperties", "contains",
    "propertyNames", "not", "if", "then", "else",
})  # fmt: skip
_DELETED = ("#deleted/", "#deleted-examples/")  # the tombstone namespaces every state layer keeps beside a collection
CREATED = "#created"  # the namespace of a session's create counters


def digest(value: Any) -> str:
    """A short, stable digest of a JSON-like value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def validity(schema: Any) -> Any:
    """``schema`` (JSON Schema) without its annotations and ``x-`` extensions, at every schema position (a
    property named ``description`` stays)."""
    if not isinstance(schema, dict):
        return schema
    kept: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            kept[key] = {name: validity(sub) for name, sub in value.items()}
        elif (key in _SCHEMA_LISTS or key == "items") and isinstance(value, list):
            kept[key] = [validity(sub) for sub in value]
        elif key in _SCHEMAS:
            kept[key] = validity(value)
        else:
            kept[key] = value
    return kept


def path_pattern(template: str) -> re.Pattern[str]:
    """The namespaces tails a REST collection's items live in: ``/customers/{id}/notes`` -> ``customers/[^/]+/notes``
    (ids are percent-encoded in a namespace, so none holds ``/``)."""
    parts = re.split(r"(\{[^{}/]+\})", template.lstrip("/"))
    return re.compile("".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts))


def forget(
    store: Store,
    api: str,
    names: Collection[str],
    owner: Callable[[str], str | None],
    counter_key: Callable[[str, str], str],
) -> int:
    """Clear the collections ``names`` in every session of ``api``: their items, tombstones and create counters;
    how many keys went. ``owner(tail)``: the collection a namespace's tail (after ``api/session/``, tombstone
    prefix removed) belongs to, None for none; ``counter_key(namespace, name)``: the key of the collection's
    create counter in ``api/session/#created``. Keys are deleted one by one (bounded by ``max_stored_items`` per
    namespace): ``clear`` is by prefix and would take ``customers/cus_1/notes`` with ``customers``."""
    if not names:
        return 0
    removed = 0
    base = f"{api}/"
    for namespace in store.namespaces(base):
        session, _, tail = namespace[len(base) :].partition("/")
        bare = next((tail[len(mark) :] for mark in _DELETED if tail.startswith(mark)), tail)
        name = owner(bare)
        if name is None or name not in names:
            continue
        for key, _ in store.items(namespace):
            removed += store.delete(namespace, key)
        if bare is tail:
            removed += store.delete(f"{base}{session}/{CREATED}", counter_key(namespace, name))
    return removed

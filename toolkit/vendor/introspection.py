"""A GraphQL vendor's live schema, by the introspection query: the answer as fetched, not yet a contract.

The caller brings the query and builds the contract from the answer: the GraphQL protocol folder's
``introspection_query()`` (graphql-core's ``get_introspection_query()`` with its defaults: the most
widely accepted form, without ``specifiedByURL``, ``isRepeatable`` or deprecated arguments, which
older servers reject) and its introspection loader. This package talks to vendors; it loads no
protocol library.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from toolkit.errors import SourceError
from toolkit.limits import Limits
from toolkit.sources import Source, SourceReader
from toolkit.vendor.credentials import Credentials
from toolkit.vendor.fetch import fetch_final


@dataclass(frozen=True)
class IntrospectionAnswer:
    """The vendor's answer to the introspection query: its bytes, named after the endpoint, and its JSON."""

    source: Source
    document: Any


def fetch_introspection(
    endpoint: str, credentials: Credentials, *, query: str, limits: Limits | None = None
) -> IntrospectionAnswer:
    """POST the introspection ``query`` to ``endpoint``; the answer, once it is known to be JSON.

    ``limits`` (default: the environment's) bound the fetch time and the answer's size, and its nodes
    are counted against ``max_expanded_nodes`` before anything walks them. Whether the answer holds a
    ``__schema`` is the caller's to check (``introspection_refused`` says why not).
    """
    reader = SourceReader(allow_network=True, limits=limits)  # its limits: the fetch deadline and the node count
    body, _ = fetch_final(
        endpoint,
        credentials,
        method="POST",
        json_body={"query": query, "operationName": "IntrospectionQuery"},
        reader=reader,
    )
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SourceError(
            "answered the introspection query with something that is not JSON",
            where=endpoint,
            hint="check that vendor.graphql_endpoint is the GraphQL endpoint itself",
        ) from None
    source = Source(endpoint, body)
    reader.charge_nodes(source, "", document)  # JSON has no aliases, but the walks that follow are bounded all the same
    return IntrospectionAnswer(source, document)


def introspection_refused(endpoint: str, document: Any, credentials: Credentials) -> SourceError:
    """The error for an answer that holds no ``__schema``: the vendor's first GraphQL error, if it gave one."""
    errors = document.get("errors") if isinstance(document, dict) else None
    first = None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0].get("message")
    error = SourceError(
        f"refused the introspection query: {first}" if first else "answered without a __schema",
        where=endpoint,
        hint="the vendor may have disabled introspection; set [apis.<name>] published to its SDL instead",
    )
    credentials.redact_error(error)
    return error

"""A GraphQL vendor's live schema, by the standard introspection query.

The query comes from the GraphQL protocol folder (graphql-core's ``get_introspection_query()`` with
its defaults: the most widely accepted form, without ``specifiedByURL``, ``isRepeatable`` or
deprecated arguments, which older servers reject).
"""

from __future__ import annotations

import json

from toolkit.drift.fetch import Credentials, fetch_final
from toolkit.errors import SourceError
from toolkit.limits import Limits
from toolkit.model import Contract
from toolkit.sources import Source, SourceReader


def load_live_schema(endpoint: str, credentials: Credentials, *, limits: Limits | None = None) -> Contract:
    """POST the introspection query to ``endpoint`` and build the contract from the answer."""
    from toolkit.graphql.load import introspection_query

    reader = SourceReader(allow_network=True, limits=limits)  # its limits: the fetch deadline and the node count
    body, _ = fetch_final(
        endpoint,
        credentials,
        method="POST",
        json_body={"query": introspection_query(), "operationName": "IntrospectionQuery"},
        reader=reader,
    )
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SourceError(
            "answered the introspection query with something that is not JSON",
            where=endpoint,
            hint="check that vendor.graphql_endpoint is the GraphQL endpoint itself",
        ) from None
    from toolkit.graphql.load import introspection_schema, load_introspection

    source = Source(endpoint, body)
    reader.charge_nodes(source, "", answer)  # JSON has no aliases, but the walks that follow are bounded all the same
    schema = introspection_schema(answer)
    if schema is None:
        errors = answer.get("errors") if isinstance(answer, dict) else None
        first = None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0].get("message")
        raise credentials.redact_error(
            SourceError(
                f"refused the introspection query: {first}" if first else "answered without a __schema",
                where=endpoint,
                hint="the vendor may have disabled introspection; set [apis.<name>] published to its SDL instead",
            )
        )
    return load_introspection(source, schema)

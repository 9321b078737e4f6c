"""A GraphQL vendor's live schema, by the standard introspection query.

The query is graphql-core's ``get_introspection_query()`` (default options) written out here, because
only ``toolkit/graphql/`` may import graphql-core; a test pins the two as equal. Its defaults are
the most widely accepted form: no ``specifiedByURL``, ``isRepeatable`` or deprecated arguments,
which older servers reject.
"""

from __future__ import annotations

import json

from toolkit.drift.fetch import Credentials, fetch
from toolkit.errors import SourceError
from toolkit.model import Contract
from toolkit.sources import Source

_TYPE_REF_DEPTH = 9  # graphql-core's default: enough for [[T!]!]! and then some


def _type_ref(depth: int) -> str:
    return "name kind" if depth == 0 else f"name kind ofType {{ {_type_ref(depth - 1)} }}"


INTROSPECTION_QUERY = (
    "query IntrospectionQuery { __schema { queryType { name kind } mutationType { name kind } "
    "subscriptionType { name kind } types { ...FullType } directives { name description locations "
    "args { ...InputValue } } } } "
    "fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name description "
    "args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason } inputFields { ...InputValue } "
    "interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated "
    "deprecationReason } possibleTypes { ...TypeRef } } "
    "fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue } "
    f"fragment TypeRef on __Type {{ kind name ofType {{ {_type_ref(_TYPE_REF_DEPTH - 1)} }} }}"
)


def load_live_schema(endpoint: str, credentials: Credentials) -> Contract:
    """POST the introspection query to ``endpoint`` and build the contract from the answer."""
    body = fetch(
        endpoint,
        credentials,
        method="POST",
        json_body={"query": INTROSPECTION_QUERY, "operationName": "IntrospectionQuery"},
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
    return load_introspection(Source(endpoint, body), schema)

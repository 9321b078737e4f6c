"""Talking to a real vendor: credentials, authenticated and bounded fetching, live GraphQL introspection.

    errors.py         VendorError, CredentialsError (an env variable named in ``vendor.auth`` is unset)
    credentials.py    Credentials from the environment, scoped to one origin; redaction of secrets as ``***``
    fetch.py          fetch_final (redirects by hand, size and time capped), AuthenticatedReader
    introspection.py  fetch_introspection: the answer to the introspection query, as a Source and its JSON

Used by ``drift`` (a workspace API's live contract). It imports only the foundation (errors, model,
limits, sources, deadline, documents, workspace, exchange), never a protocol folder, ``load``,
``drift``, ``mock`` or ``cli``: turning what it fetched into a ``Contract`` is the caller's job
(``tests/vendor/test_layering.py`` pins this).
"""

from __future__ import annotations

from toolkit.vendor.credentials import NO_CREDENTIALS, REDACTED, Credentials, credentials_for, origin
from toolkit.vendor.errors import CredentialsError, VendorError
from toolkit.vendor.fetch import AuthenticatedReader, fetch_final
from toolkit.vendor.introspection import IntrospectionAnswer, fetch_introspection, introspection_refused

__all__ = [
    "NO_CREDENTIALS",
    "REDACTED",
    "AuthenticatedReader",
    "Credentials",
    "CredentialsError",
    "IntrospectionAnswer",
    "VendorError",
    "credentials_for",
    "fetch_final",
    "fetch_introspection",
    "introspection_refused",
    "origin",
]

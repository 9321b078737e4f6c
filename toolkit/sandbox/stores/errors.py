"""What a store refuses, and the store URL without its secrets.

Three errors, for three different answers:

- ``StoreURLError`` (a ``ConfigError``): the store named in sandbox.toml or ``--store`` is no accepted form;
  ``ctk serve`` refuses to start (exit 2).
- ``StoreError``: the backend could not be reached or failed (Redis down, a SQLite file that cannot be
  opened); the caller answers 503. It names the URL with any password replaced by ``***``.
- ``StoreFullError``: the client asked for more than a limit allows (a new key in a namespace already
  holding ``max_stored_items``, a value over ``max_body`` bytes); the caller answers it (507 or 413),
  nothing is evicted to make room. ``limit`` is the limit's name.
"""

from __future__ import annotations

import re

from toolkit.errors import ConfigError, CtkError

REDACTED = "***"
# the password of a URL's user part (scheme://user:PASSWORD@host): up to the last '@', so that a password
# with an unencoded '/', '?', '#' or '@' in it (a malformed URL, quoted in its own error) is hidden whole
_USERINFO_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/?#@:]*:).*(?=@)", re.DOTALL)
# a password given as a query option (redis://host/0?password=PASSWORD), as redis-py accepts
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)[^&#]*", re.IGNORECASE)


class StoreURLError(ConfigError):
    """A store URL of no accepted form: an unknown scheme, a bad port or database, an empty path."""


class StoreError(CtkError):
    """The store's backend could not be reached or failed; ``where`` is its URL without a password."""


class StoreFullError(CtkError):
    """A value the store refuses to keep: a new key beyond ``max_stored_items``, or more than ``max_body`` bytes."""

    def __init__(
        self, message: str, *, limit: str, namespace: str, where: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, where=where, hint=hint)
        self.limit = limit
        self.namespace = namespace


def redacted(url: str) -> str:
    """``url`` with its password (``redis://user:secret@host``, ``?password=secret``) replaced by ``***``."""
    url = _USERINFO_PASSWORD.sub(lambda match: match.group("head") + REDACTED, url, count=1)
    return _QUERY_PASSWORD.sub(lambda match: match.group("head") + REDACTED, url)

"""A vendor's credentials: read from the environment, scoped to one origin, scrubbed from every message.

Credentials are read from the environment variables that ``vendor.auth`` names, at the moment of
the request, and sent only to the origin (scheme, host, port) of the configured vendor URL: not to
another host a WSDL import or a redirect points at. Every message that leaves this package has the
secret values (and their encoded forms) replaced by ``***``, so an error that quotes a URL or a
server's answer cannot leak them into a terminal, a CI log or a report.

WS-Security (``type = "wsse"``) credentials belong in SOAP envelopes, not on ``GET ?wsdl``: they
are not sent when fetching a WSDL.
"""

from __future__ import annotations

import base64
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from toolkit.errors import CtkError
from toolkit.vendor.errors import CredentialsError
from toolkit.workspace import Auth

REDACTED = "***"


@dataclass(frozen=True)
class Credentials:
    """What to add to requests to one origin, and the secret strings to scrub from every message."""

    origin: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()

    def applies_to(self, url: str) -> bool:
        return self.origin is not None and origin(url) == self.origin

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):  # longest first: an encoded form contains the raw
            text = text.replace(secret, REDACTED)
        return text

    def redact_error(self, exc: CtkError) -> CtkError:
        """``exc`` with any secret scrubbed from its message, place and hint (in place, for re-raising)."""
        exc.message = self.redact(exc.message)
        exc.where = self.redact(exc.where) if exc.where else exc.where
        exc.hint = self.redact(exc.hint) if exc.hint else exc.hint
        exc.args = (exc.message,)
        return exc


NO_CREDENTIALS = Credentials()


def origin(url: str) -> str:
    """scheme://host:port, the unit credentials are scoped to."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def credentials_for(auth: Auth | None, url: str, *, api: str, env: Mapping[str, str] | None = None) -> Credentials:
    """The credentials ``auth`` describes, read from ``env`` (default: the process environment)."""
    if auth is None or auth.kind == "wsse":
        return NO_CREDENTIALS
    env = os.environ if env is None else env
    values: dict[str, str] = {}
    for role, variable in auth.env.items():
        value = env.get(variable, "")
        if not value:
            raise CredentialsError(
                f"environment variable {variable} is not set (apis.{api}.vendor.auth needs it to fetch {url})",
                hint=f"export {variable} with the vendor's credential; it is never read from files",
            )
        values[role] = value
    secrets = list(values.values())
    headers: dict[str, str] = {}
    params: dict[str, str] = {}
    if auth.kind == "header":
        headers[auth.name or ""] = values["value"]
    elif auth.kind == "query":
        params[auth.name or ""] = values["value"]
        secrets += [urllib.parse.quote(values["value"], safe=""), urllib.parse.quote_plus(values["value"])]
    elif auth.kind == "bearer":
        headers["Authorization"] = f"Bearer {values['token']}"
    elif auth.kind == "basic":
        token = base64.b64encode(f"{values['username']}:{values['password']}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
        secrets.append(token)
    return Credentials(origin=origin(url), headers=headers, params=params, secrets=tuple(secrets))

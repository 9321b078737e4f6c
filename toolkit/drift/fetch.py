"""Fetching a vendor's live contract: credentials from the environment, never echoed; sizes capped.

Credentials are read from the environment variables that ``vendor.auth`` names, at the moment of
the request, and sent only to the origin (scheme, host, port) of the configured vendor URL: not to
another host a WSDL import or a redirect points at. Every message that leaves this module has the
secret values (and their encoded forms) replaced by ``***``, so an error that quotes a URL or a
server's answer cannot leak them into a terminal, a CI log or a report.

Every connection obeys the reader's ``AddressPolicy`` (``sources.py``): a vendor contract fetched
from a public address cannot redirect or import its way to loopback, a private network or cloud
metadata, credentials or not.

WS-Security (``type = "wsse"``) credentials belong in SOAP envelopes, not on ``GET ?wsdl``: they
are not sent when fetching a WSDL.
"""

from __future__ import annotations

import base64
import functools
import os
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.drift.errors import CredentialsError
from toolkit.errors import CtkError, InternalAddressError, SourceError
from toolkit.limits import Limits
from toolkit.sources import MAX_MB_ENV, SourceReader, max_bytes_from_env, read_limited
from toolkit.workspace import Auth

REDACTED = "***"
TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0
_MAX_REDIRECTS = 5


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


def fetch_final(
    url: str,
    credentials: Credentials,
    *,
    method: str = "GET",
    json_body: Any = None,
    max_bytes: int | None = None,
    timeout: float = TIMEOUT_SECONDS,
    where: str | None = None,
    reader: SourceReader | None = None,
) -> tuple[bytes, str]:
    """The body of ``url`` (status 200 only) and the URL that served it, after redirects.

    Redirects are followed by hand so credentials go to the vendor's origin only: httpx would keep a
    custom header such as X-Api-Key on a redirect to another host. ``reader`` (default: a new one)
    holds the deadline: every fetch of one contract, redirects and imports included, shares its
    ``fetch_timeout``, and each socket operation gets only the time left; and its ``AddressPolicy``:
    a connection to an internal address is refused for a contract whose root is on a public one.
    """
    import httpx  # imported here: commands that stay offline must not pay for it

    from toolkit.deadline import deadline_client

    reader = reader or SourceReader(allow_network=True)
    limit = max_bytes_from_env() if max_bytes is None else max_bytes
    where = where or url
    requested = url
    deadline = reader.fetch_deadline()
    per_operation = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_SECONDS))
    try:
        with deadline_client(deadline, timeout=per_operation, policy=reader.address_policy) as client:
            for _ in range(_MAX_REDIRECTS + 1):
                secret = credentials.applies_to(url)
                request = client.build_request(
                    method,
                    _with_params(url, credentials.params) if secret else url,
                    headers={"Accept": "application/json" if json_body is not None else "*/*"}
                    | (credentials.headers if secret else {}),
                    json=json_body,
                )
                response = client.send(request, stream=True)
                try:
                    if response.is_redirect and "location" in response.headers:
                        url = urllib.parse.urljoin(url, response.headers["location"])
                        if response.status_code in (301, 302, 303):
                            method, json_body = "GET", None
                        continue
                    if response.status_code != 200:
                        raise SourceError(
                            ("answered" if url == where else f"{url} answered") + f" HTTP {response.status_code}",
                            where=where,
                            hint="check the URL and the credentials"
                            if response.status_code in (401, 403)
                            else "check the URL and that the vendor serves its contract there",
                        )
                    check_size = functools.partial(_check_size, limit=limit, url=url)
                    check_time = functools.partial(_check_time, reader, url, where)
                    return read_limited(response, check_size, check_time), url
                finally:
                    response.close()
            raise SourceError(f"{url} redirected more than {_MAX_REDIRECTS} times", where=where)
    except InternalAddressError as exc:  # raised by the network backend, before connecting
        raise credentials.redact_error(reader.internal_refused(requested, url, where, exc.address)) from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL is no HTTPError
        if deadline.passed():
            raise credentials.redact_error(reader.fetch_timed_out(url, where)) from None
        raise credentials.redact_error(
            SourceError(
                ("could not be fetched" if url == where else f"{url} could not be fetched")
                + f": {exc.__class__.__name__}: {exc}",
                where=where,
                hint="check the URL and the network",
            )
        ) from None
    except CtkError as exc:
        raise credentials.redact_error(exc) from None


def _with_params(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` added to its query; httpx's ``params=`` would drop an existing ``?wsdl``."""
    if not params:
        return url
    parts = urllib.parse.urlsplit(url)
    query = "&".join(filter(None, [parts.query, urllib.parse.urlencode(params)]))
    return urllib.parse.urlunsplit(parts._replace(query=query))


def _check_time(reader: SourceReader, url: str, where: str) -> None:
    if reader.fetch_deadline().passed():
        raise reader.fetch_timed_out(url, where)


def _check_size(size: int, limit: int, url: str) -> None:
    if size > limit:
        raise SourceError(
            f"is over the {limit / 1048576:.3g} MB limit for a contract",
            where=url,
            hint=f"set {MAX_MB_ENV} to raise the limit if the vendor's contract really is that large",
        )


class AuthenticatedReader(SourceReader):
    """A ``SourceReader`` whose URL fetches carry the vendor's credentials (to its origin only).

    Everything else — mirrors, caching, the empty/binary checks, resolving imports — is the base
    reader's, so a live WSDL and its imported XSDs obey the same policy as a saved one.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        mirrors: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        is_internal: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__(
            allow_network=True, mirrors=mirrors, timeout=TIMEOUT_SECONDS, limits=limits, is_internal=is_internal
        )
        self.credentials = credentials

    def _fetch(self, url: str, referrer: str | None) -> tuple[bytes, str]:
        return fetch_final(
            url, self.credentials, max_bytes=self.max_bytes, timeout=self.timeout, where=referrer or url, reader=self
        )

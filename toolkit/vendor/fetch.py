"""Fetching from a real vendor: credentials to its origin only, redirects by hand, sizes and time capped.

``fetch_final`` is the one request this package makes (a contract, a ``?wsdl``, an introspection
query); ``AuthenticatedReader`` is a ``SourceReader`` whose URL fetches go through it, so a live WSDL
and its imports obey the same policy as a saved one. Credentials and their redaction are
``credentials.py``'s: every ``CtkError`` leaving ``fetch_final`` has the secrets scrubbed.

Every connection obeys the reader's ``AddressPolicy`` (``sources.py``): a vendor contract fetched
from a public address cannot redirect or import its way to loopback, a private network or cloud
metadata, credentials or not.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from toolkit.errors import CtkError, InternalAddressError, SourceError
from toolkit.limits import Limits
from toolkit.sources import MAX_MB_ENV, SourceReader, max_bytes_from_env, read_limited
from toolkit.vendor.credentials import Credentials

TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0
_MAX_REDIRECTS = 5


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

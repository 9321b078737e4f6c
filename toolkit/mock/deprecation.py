"""Deprecation signals on a mock's answers, in their RFC forms, the same for every protocol.

A deprecated operation is still served (clients must keep working), but each answer says so:
``Deprecation: @<epoch>`` (RFC 9745; ``@0`` when the contract gives no date), ``Sunset: <HTTP-date>``
(RFC 8594) when a removal date is known, and ``Link: <…>; rel="deprecation"`` to the vendor's notes.
"""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime


def deprecation_headers(
    deprecated: bool, *, sunset: dt.date | None = None, since: dt.date | None = None, link: str | None = None
) -> tuple[tuple[str, str], ...]:
    if not deprecated:
        return ()
    epoch = int(dt.datetime.combine(since, dt.time(), dt.UTC).timestamp()) if since else 0
    headers: list[tuple[str, str]] = [("deprecation", f"@{epoch}")]
    if sunset is not None:
        headers.append(("sunset", format_datetime(dt.datetime.combine(sunset, dt.time(), dt.UTC), usegmt=True)))
    if link:
        headers.append(("link", f'<{link}>; rel="deprecation"'))
    return tuple(headers)

"""Sunset dates, as vendors write them: ISO dates, RFC 3339 timestamps, HTTP-dates, or prose.

One parser for every protocol, so OpenAPI's ``x-sunset``, a WSDL operation's documentation and a
GraphQL ``@deprecated(reason:)`` yield the same kind of date.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

_ISO_DATE = r"(\d{4}-\d{2}-\d{2})"
# "Sunset: 2027-03-31", "sunset on 2027-03-31", "removal on 2027-03-31", "retired after 2027-03-31"
_PROSE = re.compile(
    r"\b(?:sunset|removal|removed|retire[sd]?|retirement|end[- ]of[- ]life|eol)\b[^0-9\n]{0,24}" + _ISO_DATE,
    re.IGNORECASE,
)
DEPRECATED_WORD = re.compile(r"\bdeprecated\b", re.IGNORECASE)


def parse_sunset(value: object) -> dt.date | None:
    """A date from an ``x-sunset`` value; None when it is not a date in any form we know."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.match(_ISO_DATE, text):
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.date()


def sunset_in_text(text: str | None) -> dt.date | None:
    """The sunset date a piece of prose announces ("Sunset: 2027-03-31."), if any."""
    if not text:
        return None
    match = _PROSE.search(text)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None

"""One short log line per refused request: what was asked, the status, and why, whatever the request held.

A mock's error answers quote what was wrong, and a hostile request can be mostly "wrong" (a 60 KB
path, a thousand invalid fields): the log must not grow with it. Each client error is logged at INFO
as ``ctk: 400 POST /path: reason``, with the path cut to ``MAX_PATH`` characters, the reason to
``MAX_REASON``, and control characters escaped, so one request is one line of a bounded length.
"""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus

from toolkit.exchange import Request, Response

log = logging.getLogger("ctk.requests")
MAX_PATH = 200
MAX_REASON = 240
_MAX_PARSED = 64 * 1024  # error bodies larger than this are not read for a reason
# The first fault message of a SOAP 1.1 (faultstring) or 1.2 (Reason/Text) Fault, prefixed or not.
_FAULT_TEXT = re.compile(rb"<(?:[\w.-]+:)?(?:faultstring|Text)\b[^>]*>([^<]{1,400})")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def log_client_error(request: Request, response: Response) -> None:
    """Log ``response`` (a 4xx) to ``request`` in one bounded line, when INFO is enabled."""
    if not log.isEnabledFor(logging.INFO):
        return
    path = shorten(request.path, MAX_PATH)
    log.info("%d %s %s: %s", response.status, shorten(request.method, 16), path, reason_of(response))


def reason_of(response: Response) -> str:
    """A short reason for an error answer: problem+json's detail, GraphQL's first message, a Fault's text."""
    found = None
    body = response.body
    if 0 < len(body) <= _MAX_PARSED:
        if body[:1] in (b"{", b"["):
            found = _json_reason(body)
        elif b"<" in body[:200]:
            match = _FAULT_TEXT.search(body)
            found = match.group(1).decode("utf-8", "replace").strip() if match else None
    if not found:
        try:
            found = HTTPStatus(response.status).phrase
        except ValueError:
            found = "error"
    return shorten(found, MAX_REASON)


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, control characters escaped, at most ``limit`` characters plus a count of the rest."""
    shown = _UNPRINTABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text[:limit])
    return shown if len(text) <= limit else f"{shown}…(+{len(text) - limit} chars)"


def _json_reason(body: bytes) -> str | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if isinstance(document, dict):
        errors = document.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):  # GraphQL
            message = errors[0].get("message")
            if isinstance(message, str):
                return message
        for key in ("detail", "title", "message"):
            if isinstance(document.get(key), str):
                return str(document[key])
    return None

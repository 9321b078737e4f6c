"""Steering a sandbox through its own admin API (``/__ctk/...``), in-process: what a test's ``scenario``, ``fault``
and ``seed`` calls do, with the checks and error messages ``ctk serve``'s admin API gives over HTTP."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from toolkit.exchange import Request

if TYPE_CHECKING:
    from toolkit.mock.handler import Handler

__all__ = ["CtkSetupError", "admin"]


class CtkSetupError(Exception):
    """A ctk fixture was asked for something the contract or the sandbox does not have (an unknown scenario, a
    faults table with an unknown key, a stub or seed item that does not fit the contract): the message says
    what and where, and how to fix it."""


def admin(sandbox: Handler, method: str, path: str, body: Any = None, query: str = "", *, doing: str) -> Any:
    """The JSON answer of ``method /__ctk/path`` (``CtkSetupError`` with the sandbox's own detail on an error)."""
    __tracebackhide__ = True
    payload = b"" if body is None else json.dumps(body).encode()
    headers = (("content-type", "application/json"),) if payload else ()
    result = sandbox(Request(method, "/__ctk/" + path, query, headers, payload))
    response = result.response
    try:
        document = json.loads(response.body) if response.body else None
    except ValueError:
        document = None
    if response.status >= 400:
        detail = document.get("detail") if isinstance(document, dict) else None
        message = f"{doing}: {detail or response.body[:300].decode('utf-8', 'replace')}"
        if isinstance(document, dict):
            for key in ("where", "hint"):
                if document.get(key):
                    message += f"\n  {key}: {document[key]}"
        raise CtkSetupError(message)
    return document

"""RFC 9457 ``application/problem+json`` bodies for the mock's own error responses.

A problem repeats parts of the request that caused it (a path, a value that broke a rule); ``clip``
keeps each repeated part short, so a 60 KB path or a 5 000-digit number cannot make the error
answer (and the memo that keeps it) as large as the request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from toolkit.exchange import Response

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def problem_document(
    status: int, detail: str, *, errors: Sequence[dict[str, Any]] = (), kind: str = ""
) -> dict[str, Any]:
    """The RFC 9457 members as a dict, for callers that fit them into a contract's own error schema."""
    document: dict[str, Any] = {
        "type": f"https://ctk.invalid/problems/{kind or status}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        document["errors"] = list(errors)
    return document


def problem_body(status: int, detail: str, *, errors: Sequence[dict[str, Any]] = (), kind: str = "") -> bytes:
    document = problem_document(status, detail, errors=errors, kind=kind)
    # "replace": a lone surrogate that reached a message must cost a "?", not the answer
    return json.dumps(document, ensure_ascii=False).encode("utf-8", "replace")


def problem_response(
    status: int,
    detail: str,
    *,
    errors: Sequence[dict[str, Any]] = (),
    kind: str = "",
    headers: Sequence[tuple[str, str]] = (),
) -> Response:
    return Response(
        status,
        (("content-type", PROBLEM_JSON), *headers),
        problem_body(status, detail, errors=errors, kind=kind),
    )

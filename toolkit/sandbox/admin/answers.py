"""How the admin API answers: JSON documents, problem+json errors with ``hint`` and ``where``, and bounded,
checked JSON request bodies (``MAX_BODY``, the limits' ``max_nesting``)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.json_body import load_json
from toolkit.mock.problem import clip, problem_document
from toolkit.sandbox.layers import DEFAULT_SESSION

__all__ = ["MAX_BODY", "BadRequestError", "body_of", "json_answer", "object_body", "problem", "session_named", "shown"]

MAX_BODY = 1024 * 1024  # bytes of an admin request body (a faults table, state items)
_JSON = (("content-type", "application/json"),)
_SESSION = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SHOWN = 120  # characters of a name from the request quoted in an error


def json_answer(document: Any, status: int = 200) -> MockResult:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
    return MockResult(Response(status, _JSON, body))


def problem(status: int, detail: str, *, kind: str = "", hint: str = "", where: str = "", **extra: Any) -> MockResult:
    """An admin error as problem+json, with ``hint`` and ``where`` members when given."""
    document = problem_document(status, detail, kind=kind)
    if hint:
        document["hint"] = hint
    if where:
        document["where"] = where
    document.update(extra)
    body = json.dumps(document, ensure_ascii=False).encode("utf-8", "replace")
    headers = [("content-type", "application/problem+json")]
    if status == 405 and "allow" in extra:
        headers.append(("allow", ", ".join(extra["allow"])))
    return MockResult(Response(status, tuple(headers), body))


class BadRequestError(Exception):
    """An admin request that cannot be answered: its problem answer is ``result``."""

    def __init__(self, result: MockResult) -> None:
        super().__init__(result.response.status)
        self.result = result


def shown(text: str) -> str:
    return clip(text, _SHOWN)


def body_of(request: Request, max_nesting: int, *, required: bool) -> Any:
    """The request's JSON body (None when empty and not ``required``); ``BadRequestError`` 400/413 otherwise."""
    if not request.body.strip():
        if required:
            raise BadRequestError(problem(400, "this endpoint needs a JSON body", kind="no-body"))
        return None
    if len(request.body) > MAX_BODY:
        detail = f"an admin request body is at most {MAX_BODY} bytes, this one has {len(request.body)}"
        raise BadRequestError(problem(413, detail, kind="too-large"))
    document, refused = load_json(request.body, max_nesting)
    if refused is not None:
        raise BadRequestError(problem(400, f"the body {refused.reason}", kind="malformed-json",
                                      hint="send a JSON document (Content-Type: application/json)"))  # fmt: skip
    return document


def object_body(request: Request, max_nesting: int, known: Sequence[str], *, required: bool = False) -> dict[str, Any]:
    """The request's JSON object body, each key one of ``known`` (an empty body: ``{}``)."""
    document = body_of(request, max_nesting, required=required)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise BadRequestError(problem(400, f"the body must be a JSON object with {', '.join(known)}",
                                      kind="malformed-json"))  # fmt: skip
    for key in document:
        if key not in known:
            raise BadRequestError(problem(422, f"unknown key {shown(key)!r} in the body; the keys: {', '.join(known)}",
                                          kind="unknown-key", where=f"body/{shown(key)}"))  # fmt: skip
    return document


def session_named(value: Any, where: str) -> str:
    if value is None:
        return DEFAULT_SESSION
    if not isinstance(value, str) or not _SESSION.match(value):
        raise BadRequestError(problem(422, f"{where} must be a session name: 1 to 64 letters, digits, '.', '_' or '-'",
                                      kind="invalid-session", where=where))  # fmt: skip
    return value

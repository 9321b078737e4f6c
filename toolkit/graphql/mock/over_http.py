"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): reading requests, shaping answers.

What the draft asks of a server, and what this module does about it:

- POST with ``Content-Type: application/json`` and a body ``{query, operationName, variables,
  extensions}``; another Content-Type is 415. GET with the same members as query parameters
  (``variables`` and ``extensions`` JSON-encoded). A request that is not well-formed (bad JSON, no
  ``query``, ``variables`` not an object) is 400 whatever the media type.
- The answer's media type follows ``Accept``: ``application/graphql-response+json`` when the client
  names it (preferred at equal quality), ``application/json`` otherwise, including with no ``Accept``
  or ``*/*`` (legacy clients expect it, as the draft allows until its watershed); an ``Accept`` that
  names neither is 406.
- Status: with ``application/json`` every well-formed request is 200, errors in the body; with
  ``application/graphql-response+json`` a response without ``data`` (the document did not parse or
  validate, variables did not coerce) is 400.

What a client can get wrong in the JSON itself is a 400 too, never a crash: JSON nested deeper than
``max_nesting``, lone UTF-16 surrogates (``"\ud800"`` is valid JSON but not Unicode text, and could not be
written back into an answer), NaN/Infinity; read by ``toolkit.mock.json_body``, the reader every mock shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from toolkit.exchange import Request, Response
from toolkit.graphql.mock.json_text import json_text
from toolkit.mock.cors import options_response as cors_options_response
from toolkit.mock.json_body import load_json

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ALLOWED = "GET, POST, OPTIONS"


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__
class Params:
    query: str
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None


@dataclass(frozen=True)
class Refusal:
    """A request refused before GraphQL ran: an HTTP status, the reason and extra headers."""

    status: int
    message: str
    code: str = "BAD_REQUEST"
    headers: tuple[tuple[str, str], ...] = ()


def read_params(request: Request, max_nesting: int, max_fields: int = 1000) -> Params | Refusal:
    """The request's GraphQL parameters; ``max_nesting`` bounds the nesting of a variable's value, ``max_fields``
    the fields of a GET's query string (more is 414, as REST answers)."""
    method = request.method.upper()
    if method == "GET":
        members: dict[str, Any] = {}
        try:
            fields = parse_qsl(request.query, keep_blank_values=True, max_num_fields=max_fields)
        except ValueError:
            return Refusal(414, f"the query string has more than {max_fields} fields (the limit max_form_fields)")
        for name, value in fields:
            members.setdefault(name, value)  # the first of repeated parameters, like most servers
        for name in ("variables", "extensions"):
            if isinstance(members.get(name), str) and members[name] != "":
                parsed = _json(members[name], max_nesting, 1, f"the {name} query parameter")
                if isinstance(parsed, Refusal):
                    return parsed
                members[name] = parsed
            elif members.get(name) == "":
                members[name] = None
        return _params(members)
    if method != "POST":
        return Refusal(405, f"{method} is not supported; use GET or POST", "METHOD_NOT_ALLOWED", (("allow", ALLOWED),))
    content_type = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    if content_type != JSON:
        shown = content_type or "none"
        return Refusal(415, f"the Content-Type must be application/json (got {shown})", "UNSUPPORTED_MEDIA_TYPE")
    body = _json(request.body or b"null", max_nesting, 2, "the request body")  # the body's and variables' own: 2
    if isinstance(body, Refusal):
        return body
    if isinstance(body, list):
        return Refusal(400, "batched requests (a JSON array) are not supported; send one operation per request")
    if not isinstance(body, dict):
        return Refusal(400, "the request body must be a JSON object with a query")
    return _params(body)


def _json(text: bytes | str, max_nesting: int, envelope: int, what: str) -> Any:
    """Parsed JSON, or the refusal: a variable nested past ``max_nesting`` inside ``envelope`` levels, not JSON
    (NaN, Infinity and numbers overflowing to infinity included), or holding a lone surrogate. Read by the
    protocol-neutral reader every mock shares (``toolkit.mock.json_body``)."""
    value, refusal = load_json(text, max_nesting + envelope)
    if refusal is None:
        return value
    if refusal.kind == "nesting":
        return Refusal(400, f"{what} nests JSON too deeply: a variable's value may nest {max_nesting} levels",
                       "DEPTH_LIMIT")  # fmt: skip
    return Refusal(400, f"{what} {refusal.reason}")


def _params(members: dict[str, Any]) -> Params | Refusal:
    query = members.get("query")
    if query is None or query == "":
        return Refusal(400, "the request has no query")
    if not isinstance(query, str):
        return Refusal(400, "query must be a string")
    name = members.get("operationName")
    if name == "":
        name = None
    if name is not None and not isinstance(name, str):
        return Refusal(400, "operationName must be a string or null")
    variables = members.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return Refusal(400, "variables must be a JSON object (a map of variable names to values) or null")
    extensions = members.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        return Refusal(400, "extensions must be a JSON object or null")
    return Params(query, name, variables, extensions)


_NEGOTIATED: dict[str, str | None] = {}  # by Accept value: clients send a few, each on every request
_NEGOTIATED_ENTRIES = 256
_NEGOTIATED_LENGTH = 256  # longer values are negotiated afresh: the cache holds at most 256 * 256 characters of keys


def negotiate(accept: str | None) -> str | None:
    """The media type to answer in, or None when ``Accept`` excludes both (406); kept per ``Accept`` value."""
    if accept is None:
        return JSON
    try:
        return _NEGOTIATED[accept]
    except KeyError:
        pass
    media = _negotiated(accept)
    if len(accept) <= _NEGOTIATED_LENGTH:
        if len(_NEGOTIATED) >= _NEGOTIATED_ENTRIES:
            _NEGOTIATED.clear()
        _NEGOTIATED[accept] = media
    return media


def _negotiated(accept: str) -> str | None:
    if not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        quality = 1.0
        for parameter in pieces[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            candidate = (quality, 2, GRAPHQL_RESPONSE)  # named explicitly: preferred at equal quality
        elif media in (JSON, "application/*", "*/*"):
            candidate = (quality, 1 if media == JSON else 0, JSON)
        else:
            continue
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best is not None else None


def error(message: str, code: str, locations: list[dict[str, int]] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"message": message}
    if locations:
        entry["locations"] = locations
    entry["extensions"] = {"code": code}
    return entry


def document_response(
    status: int, media: str, document: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    # ``json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)``, by an encoder made once
    return text_response(status, media, json_text(document), headers)


_CONTENT_TYPES = {media: ("content-type", f"{media}; charset=utf-8") for media in (JSON, GRAPHQL_RESPONSE)}


def text_response(status: int, media: str, text: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """An answer whose JSON text is written (``document_response``, or a plan's ``Plan.text``)."""
    # backslashreplace: a lone surrogate that got this far (a contract's description, say) is written as the
    # JSON escape it came from rather than failing the answer
    body = text.encode("utf-8", "backslashreplace")
    content_type = _CONTENT_TYPES.get(media) or ("content-type", f"{media}; charset=utf-8")
    return Response(status, (content_type, *headers) if headers else (content_type,), body)


def refusal_response(refusal: Refusal, media: str | None) -> Response:
    document = {"errors": [error(refusal.message, refusal.code)]}
    return document_response(refusal.status, media or JSON, document, refusal.headers)


def options_response(request: Request) -> Response:
    return cors_options_response(ALLOWED, request)

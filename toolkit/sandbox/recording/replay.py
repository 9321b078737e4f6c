"""The sandbox's ``replay`` layer: a request recorded by ``ctk record`` gets the recorded answer; any other goes on
to the inner layers (state, then generated data).

The recordings are ``mocks/<api>/recordings/*.har`` (``har``), read once when the sandbox starts. A request matches
a recorded one when the method, the path below the mount, the query and the body match, where every placeholder
(``ctk-redacted-…``) matches any value (and a query parameter whose recorded value is a placeholder may be absent:
the credentials ``ctk record`` added). Bodies are compared by kind: JSON by structure (strings with runs of
whitespace collapsed, so a GraphQL query may be re-indented), forms like queries, a SOAP envelope by its Body
alone (the Header's nonces and timestamps differ on every call), other text as text. A request body the recording
left out (too large to search for secrets) matches any body; an answer it left out is never served.

When one request was recorded several times (a list before and after a create), the session's first identical
request gets the first answer, the next the next, and the last one repeats.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.recording.har import entries_of, recording_files
from toolkit.sandbox.recording.shapes import PLACEHOLDER

__all__ = ["RECORDINGS", "ReplayLayer", "has_recordings", "replay_layer"]

RECORDINGS = "recordings"  # the folder under mocks/<api>/
_NOT_SERVED = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding"})
_WHITESPACE = re.compile(r"\s+")
_SOAP_BODY_OPEN = re.compile(r"<(?:[\w.-]+:)?Body\b[^<>]*>")
_SOAP_BODY_CLOSE = re.compile(r"</(?:[\w.-]+:)?Body\s*>")
_BETWEEN_TAGS = re.compile(r">\s+<")
_MAX_COUNTS = 100_000  # (session, request) counters kept for sequences; past it they start over


def has_recordings(folder: Path) -> bool:
    """Whether ``folder`` (an API's ``mocks/<api>/``) holds recordings to replay."""
    return bool(recording_files(folder / RECORDINGS))


@dataclass(frozen=True)
class Recorded:
    """One recorded exchange, ready to match and to serve."""

    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str], ...]
    body: str | None  # None: left out of the recording, matches any
    content_type: str
    response: Response
    operation: str | None

    def matches(self, asked: _Asked) -> bool:
        if asked.request.method != self.method or self.path.fullmatch(asked.rest) is None:
            return False
        if asked.query is None or not _pairs_match(self.query, asked.query):
            return False
        return self.body is None or _bodies_match(self.body, asked, self.content_type)


class _Asked:
    """A request as replay compares it, each form (query pairs, text, JSON, form pairs, XML Body) computed once
    however many recordings it is compared with."""

    def __init__(self, request: Request, rest: str) -> None:
        self.request = request
        self.rest = rest
        try:
            self.query: list[tuple[str, str]] | None = request.query_items()
        except ValueError:
            self.query = None
        self._forms: dict[str, Any] = {}

    def form(self, kind: str) -> Any:
        """The body as ``kind`` (text, json, form, xml); ``_UNREADABLE`` when it is not one."""
        if kind not in self._forms:
            self._forms[kind] = self._read(kind)
        return self._forms[kind]

    def _read(self, kind: str) -> Any:
        try:
            if kind == "text":
                return self.request.body.decode("utf-8")
            text = self.form("text")
            if not isinstance(text, str):
                return _UNREADABLE
            if kind == "json":
                return json.loads(text)
            if kind == "form":
                return urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=10_000)
            return _normal(_soap_body(text))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return _UNREADABLE


_UNREADABLE = object()


class ReplayLayer:
    """Recorded answers first, for one API."""

    name = "replay"

    def __init__(self, envelope: MockEnvelope, recorded: list[Recorded]) -> None:
        self.mount = envelope.mount
        self.recorded = recorded
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def __call__(self, call: Call, inner: Next) -> MockResult:
        request = call.request
        rest = request.path[len(self.mount) :] if self.mount and request.path.startswith(self.mount) else request.path
        asked = _Asked(request, rest)
        found = [index for index, item in enumerate(self.recorded) if item.matches(asked)]
        if not found:
            return inner(call)
        with self._lock:
            if len(self._counts) > _MAX_COUNTS:
                self._counts.clear()
            key = (call.session, found[0])
            turn = self._counts.get(key, 0)
            self._counts[key] = turn + 1
        item = self.recorded[found[min(turn, len(found) - 1)]]
        operation = item.operation or call.operation
        return MockResult(item.response, operations=(operation,) if operation else ())


def replay_layer(envelope: MockEnvelope, folder: Path) -> ReplayLayer:
    """The replay layer over every recording in ``folder/recordings/``; ``ConfigError`` naming the file and entry
    when one is not a recording ctk can serve."""
    recorded: list[Recorded] = []
    for path in recording_files(folder / RECORDINGS):
        for index, item in enumerate(entries_of(path)):
            built = _recorded(item, f"{path}#/log/entries/{index}")
            if built is not None:
                recorded.append(built)
    return ReplayLayer(envelope, recorded)


def _recorded(item: dict[str, Any], where: str) -> Recorded | None:
    request, response, ctk = item.get("request"), item.get("response"), item.get("_ctk") or {}
    if not isinstance(request, dict) or not isinstance(response, dict) or not isinstance(ctk, dict):
        raise ConfigError("an entry needs request and response objects", where=where)
    method, status = request.get("method"), response.get("status")
    if not isinstance(method, str) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ConfigError("an entry needs request.method and a response.status from 100 to 599", where=where)
    omitted = " ".join(str(text) for text in ctk.get("omitted") or ())
    if "response body" in omitted:
        return None  # an answer the recording could not keep is not served half
    path = ctk.get("path")
    if not isinstance(path, str):
        path = urllib.parse.urlsplit(str(request.get("url", ""))).path
    content = response.get("content") if isinstance(response.get("content"), dict) else {}
    assert isinstance(content, dict)
    text = str(content.get("text") or "")
    try:
        body = base64.b64decode(text, validate=True) if content.get("encoding") == "base64" else text.encode()
    except ValueError:
        raise ConfigError("response.content.text is not base64, as its encoding says", where=where) from None
    headers = tuple(
        (str(header.get("name", "")).lower(), str(header.get("value", "")))
        for header in _dicts(response.get("headers"))
        if str(header.get("name", "")).lower() not in _NOT_SERVED
    )
    post = request.get("postData") if isinstance(request.get("postData"), dict) else {}
    assert isinstance(post, dict)
    pairs = _dicts(request.get("queryString"))
    query = tuple((str(pair.get("name", "")), str(pair.get("value", ""))) for pair in pairs)
    operation = ctk.get("operation")
    return Recorded(
        method=method.upper(),
        path=_wildcards(path, "[^/]+"),
        query=query,
        body=None if "request body" in omitted else str(post.get("text") or ""),
        content_type=str(post.get("mimeType") or ""),
        response=Response(status, (*headers, ("content-length", str(len(body)))), body),
        operation=operation if isinstance(operation, str) and operation else None,
    )


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    for item in value if isinstance(value, list) else ():
        if isinstance(item, dict):
            yield item


def _wildcards(text: str, wildcard: str) -> re.Pattern[str]:  # for paths: short, one segment per placeholder
    """A pattern matching ``text`` exactly, each placeholder in it matching ``wildcard``."""
    parts = PLACEHOLDER.split(text)
    return re.compile(f"(?:{wildcard})".join(re.escape(part) for part in parts))


def _value_matches(recorded: str, asked: str) -> bool:
    """``asked`` is ``recorded`` with each placeholder standing for any text (a glob match: each literal part found
    leftmost in turn, linear in the text, where a pattern of several ``.*?`` could take quadratic time)."""
    parts = PLACEHOLDER.split(recorded)
    if len(parts) == 1:
        return recorded == asked
    first, *middle, last = parts
    if len(first) + len(last) > len(asked) or not asked.startswith(first) or not asked.endswith(last):
        return False
    position, end = len(first), len(asked) - len(last)
    for part in middle:
        found = asked.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


def _pairs_match(recorded: tuple[tuple[str, str], ...], asked: list[tuple[str, str]]) -> bool:
    """Every recorded pair asked (a placeholder matching any value, or absence); nothing more."""
    remaining = list(asked)
    for name, value in recorded:
        found = next((i for i, (n, v) in enumerate(remaining) if n == name and _value_matches(value, v)), None)
        if found is not None:
            remaining.pop(found)
        elif PLACEHOLDER.fullmatch(value) is None:
            return False
    return not remaining


def _bodies_match(recorded: str, asked: _Asked, content_type: str) -> bool:
    text = asked.form("text")
    if text is _UNREADABLE:
        return False
    if not recorded.strip() or not text.strip():
        return not recorded.strip() and not text.strip()
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind.endswith("json") or recorded.lstrip()[:1] in "{[":
        parsed = asked.form("json")
        try:
            if parsed is not _UNREADABLE:
                return _json_matches(json.loads(recorded), parsed)
        except (ValueError, RecursionError):
            pass
    if kind == "application/x-www-form-urlencoded":
        pairs = asked.form("form")
        return pairs is not _UNREADABLE and _pairs_match(tuple(urllib.parse.parse_qsl(recorded, True)), pairs)
    if recorded.lstrip().startswith("<"):
        return _value_matches(_normal(_soap_body(recorded)), asked.form("xml"))
    return _value_matches(_normal(recorded), _normal(text))


def _normal(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _soap_body(xml: str) -> str:
    """The inside of a SOAP envelope's Body, tags closed up (the whole text when there is none)."""
    opening = _SOAP_BODY_OPEN.search(xml)
    closing = None
    for match in _SOAP_BODY_CLOSE.finditer(xml, opening.end() if opening else 0):
        closing = match  # the last one: a Body's content may mention an element named Body
    if opening is None or closing is None:
        return _BETWEEN_TAGS.sub("><", xml)
    return _BETWEEN_TAGS.sub("><", xml[opening.end() : closing.start()])


def _json_matches(recorded: Any, asked: Any) -> bool:
    if isinstance(recorded, str):
        if not isinstance(asked, str):
            return PLACEHOLDER.fullmatch(recorded) is not None  # a redacted number or null
        return _value_matches(_normal(recorded), _normal(asked))
    if isinstance(recorded, dict):
        return (
            isinstance(asked, dict)
            and recorded.keys() == asked.keys()
            and all(_json_matches(recorded[key], asked[key]) for key in recorded)
        )
    if isinstance(recorded, list):
        return (
            isinstance(asked, list)
            and len(recorded) == len(asked)
            and all(_json_matches(r, a) for r, a in zip(recorded, asked, strict=True))
        )
    return bool(recorded == asked and type(recorded) is type(asked))

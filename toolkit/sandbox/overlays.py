"""The ``overlays`` layer: fixed answers from ``mocks/<api>/overlays.toml`` (REST only for now).

::

    [[overlay]]
    operation = "GET /customers/{customer_id}"     # the operation's id (or method = "GET" with path below)
    path = "/customers/cus_42"                      # optional: a concrete path under the mount, matched exactly
    query = { email = "a@b.c" }                     # optional: query fields that must be present with these values
    headers = { "x-tenant" = "acme" }               # optional: headers that must be equal (names case-insensitive)
    body = { amount = 500 }                         # optional: top-level JSON body fields that must be equal
    status = 200                                    # a status the operation declares
    json = { id = "cus_42", object = "customer" }   # the answer's body, valid against that response's schema

Only ``overlays.toml`` is read: other files of ``mocks/<api>/`` are left alone (kept for hooks and other
fixed answers to come), and a folder without ``overlays.toml`` makes the layer pass every request on.

At load every overlay is checked against the contract (``ConfigError`` naming ``file:line`` of its
``[[overlay]]``): the operation exists, ``path`` routes to it, the status is declared (exactly, by range or by
``default``) and ``json`` validates against that response's JSON schema with the mock's own validator. A
SOAP or GraphQL API with an ``overlays.toml`` is refused: overlays are REST only for now.

At request time: the request is routed once (the mock's router: no side effect); the overlays of that
operation are tried in file order, and the first whose conditions all hold answers its status,
its ``json`` as the declared JSON media type (``application/json``; ``application/problem+json`` for a
problem). The other headers are the mock's own for that status:
the envelope (not the ``state`` layer, so an overlaid ``POST`` creates nothing) is re-asked with
``Prefer: code=N`` and its body replaced; when the mock refuses the request itself (a missing API key: 401,
an invalid request: 400), that refusal is answered instead, since an overlay fixes an answer, not the
contract's checks. No overlay matches: the inner layers answer.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.reasking import loads, with_prefer, without_applied_code

__all__ = ["FILE_NAME", "Overlay", "OverlaysLayer", "overlays_layer", "parse_overlays"]

FILE_NAME = "overlays.toml"
_KEYS = ("operation", "method", "path", "query", "headers", "body", "status", "json")
_ENTRY = re.compile(r"^\s*\[\[\s*overlay\s*\]\]")
_MOCK_HEADERS_DROPPED = frozenset({"content-type", "content-length", "etag"})


@dataclass(frozen=True, slots=True)
class Overlay:
    """One fixed answer and the conditions under which it is given."""

    operation: str
    status: int
    body: bytes  # the json, encoded
    path: str | None = None  # mount + path, decoded, without a trailing slash
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()  # names lower-case
    fields: tuple[tuple[str, Any], ...] = ()  # JSON body fields
    where: str = ""
    media_type: str = "application/json"  # the declared JSON media type (application/problem+json for a problem)

    def matches(self, request: Request, query: list[tuple[str, str]] | None, document: Any) -> bool:
        if self.path is not None and _normal(request.path) != self.path:
            return False
        for name, value in self.headers:
            if request.header(name) != value:
                return False
        if self.query and (query is None or any((name, value) not in query for name, value in self.query)):
            return False
        if self.fields:
            if not isinstance(document, dict):
                return False
            for name, value in self.fields:
                if name not in document or not _equal(document[name], value):
                    return False
        return True


def overlays_layer(envelope: MockEnvelope, folder: Path, *, api: str) -> OverlaysLayer:
    """The ``overlays`` layer of one API: ``folder/overlays.toml`` read and checked (none: no overlay)."""
    path = folder / FILE_NAME
    overlays = parse_overlays(path, envelope) if path.is_file() else ()
    return OverlaysLayer(envelope, overlays, api=api)


class OverlaysLayer:
    """See the module's docstring. Thread-safe: nothing changes after load."""

    name = "overlays"

    def __init__(self, envelope: MockEnvelope, overlays: tuple[Overlay, ...], *, api: str) -> None:
        self.envelope = envelope
        self.overlays = overlays
        self.api = api
        self._by_operation: dict[str, list[Overlay]] = {}
        for overlay in overlays:
            self._by_operation.setdefault(overlay.operation, []).append(overlay)

    def __call__(self, call: Call, inner: Next) -> MockResult:
        if not self.overlays:
            return inner(call)
        request = call.request
        operation = call.operation  # routed once per request, for every layer
        if operation is None or not operation.startswith(request.method.upper() + " "):
            return inner(call)  # no operation, or a HEAD answered by its GET: overlays answer their own method only
        candidates = self._by_operation.get(operation)
        if not candidates:
            return inner(call)
        query: list[tuple[str, str]] | None = None
        if any(o.query for o in candidates):
            try:
                query = request.query_items()
            except ValueError:
                query = None
        document = loads(request.body) if request.body and any(o.fields for o in candidates) else None
        for overlay in candidates:
            if overlay.matches(request, query, document):
                return self._answer(call, overlay)
        return inner(call)

    def _answer(self, call: Call, overlay: Overlay) -> MockResult:
        asked = self.envelope(with_prefer(call, f"code={overlay.status}").request)
        if asked.response.status != overlay.status:
            return asked  # the mock refused the request itself (401, 400): the contract's checks still hold
        kept = tuple(h for h in without_applied_code(asked.response.headers) if h[0] not in _MOCK_HEADERS_DROPPED)
        response = Response(overlay.status, (("content-type", overlay.media_type), *kept), overlay.body)
        return replace(asked, response=response, operations=(overlay.operation,), deliveries=())


# -- load time -------------------------------------------------------------------------------------


def parse_overlays(path: Path, envelope: MockEnvelope) -> tuple[Overlay, ...]:
    """``path`` (an overlays.toml) read and every overlay checked against ``envelope``'s contract."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        table = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {FILE_NAME}: {error}", where=shown) from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{FILE_NAME} is not valid TOML: {error}", where=shown) from error
    mock = envelope.mock
    if type(mock).__name__ != "OpenAPIMock":
        raise ConfigError("overlays are REST only for now", where=shown, hint=f"remove {FILE_NAME} from this folder")
    for key in table:
        if key != "overlay":
            raise ConfigError(f"unknown key {key!r}", where=shown, hint=_did_you_mean(key, ["overlay"], "[[overlay]]"))
    entries = table.get("overlay", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError("overlay must be an array of tables ([[overlay]])", where=shown)
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if _ENTRY.match(line)]
    view = _Contract(envelope)
    overlays: list[Overlay] = []
    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else None
        where = f"{shown}:{line}" if line is not None else f"{shown} overlay[{index}]"
        overlays.append(_overlay(entry, where, view))
    return tuple(overlays)


class _Contract:
    """What the checks need of the REST mock: operation ids, router, mount, compiled operations, validators."""

    def __init__(self, envelope: MockEnvelope) -> None:
        mock: Any = envelope.mock
        self.ids = [op.id for op in envelope.contract.operations]
        self.router = mock.router
        self.mount: str = mock.router.mount
        self.operations: dict[str, Any] = dict(mock.operations)
        self.validators = mock.validators


def _overlay(entry: Mapping[str, Any], where: str, contract: _Contract) -> Overlay:
    for key in entry:
        if key not in _KEYS:
            raise ConfigError(f"unknown key {key!r} in [[overlay]]", where=where, hint=_did_you_mean(key, _KEYS, None))
    concrete = _string(entry, "path", where)
    if concrete is not None and not concrete.startswith("/"):
        raise ConfigError(f"path must start with '/' (a path under the mount), not {concrete!r}", where=where)
    operation = _operation(entry, concrete, where, contract)
    status = entry.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ConfigError(f"status must be an HTTP status from 100 to 599, not {status!r}", where=where)
    compiled = contract.operations[operation]
    spec = compiled.responses.for_status(status)
    if spec is None:
        declared = ", ".join(s.key for s in compiled.responses.specs) or "none"
        raise ConfigError(f"{operation} does not declare a {status} answer (it declares {declared})", where=where)
    if "json" not in entry:
        raise ConfigError("json (the answer's body) is required", where=where)
    document = entry["json"]
    media_type = _check_json(document, spec, operation, status, where, contract)
    return Overlay(
        media_type=media_type,
        operation=operation,
        status=status,
        body=json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(),
        path=_normal(contract.mount + concrete) if concrete is not None else None,
        query=tuple((name, _text(value, f"query.{name}", where)) for name, value in _table(entry, "query", where)),
        headers=tuple(
            (name.lower(), _text(value, f"headers.{name}", where)) for name, value in _table(entry, "headers", where)
        ),
        fields=tuple(_table(entry, "body", where)),
        where=where,
    )


def _operation(entry: Mapping[str, Any], concrete: str | None, where: str, contract: _Contract) -> str:
    operation = _string(entry, "operation", where)
    method = _string(entry, "method", where)
    if operation is not None and method is not None:
        raise ConfigError("give operation or method + path, not both", where=where)
    if operation is None:
        if method is None or concrete is None:
            raise ConfigError("operation (or method and path) is required", where=where)
        match = contract.router.match(contract.mount + concrete, method)
        if match is None or match.target is None:
            raise ConfigError(f"{method.upper()} {concrete}: no operation of the contract matches", where=where)
        return f"{method.upper()} {match.template}"
    if operation not in contract.operations:
        hint = _did_you_mean(operation, contract.ids, None) or f"the operations: {', '.join(contract.ids)}"
        raise ConfigError(f"the contract has no operation {operation!r}", where=where, hint=hint)
    if concrete is not None:
        verb = operation.split(" ", 1)[0]
        match = contract.router.match(contract.mount + concrete, verb)
        if match is None or match.target is None or f"{verb} {match.template}" != operation:
            raise ConfigError(f"path {concrete!r} does not lead to {operation}", where=where)
    return operation


def _check_json(document: Any, spec: Any, operation: str, status: int, where: str, contract: _Contract) -> str:
    """The JSON media type ``document`` is answered as, once checked against its schema."""
    from toolkit.openapi.mock.responses import concrete_media_type, validator_of

    media = next((m for m in spec.media if m.essence == "application/json" or m.essence.endswith("+json")), None)
    if media is None:
        kinds = ", ".join(m.media_type for m in spec.media) or "no body"
        raise ConfigError(f"{operation} {status} declares no JSON body (it declares {kinds})", where=where)
    media_type = concrete_media_type(media.media_type)
    if media.schema is None:
        return media_type
    errors = validator_of(media, contract.validators).errors(document)
    if errors:
        pointer, message = errors[0]
        raise ConfigError(
            f"json does not fit {operation} {status} ({media.media_type}): at {pointer or '/'}: {message}", where=where
        )
    return media_type


def _string(entry: Mapping[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{key} must be a non-empty string, not {value!r}", where=where)
    return value


def _table(entry: Mapping[str, Any], key: str, where: str) -> list[tuple[str, Any]]:
    value = entry.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a table, not {value!r}", where=where)
    return [(str(name), item) for name, item in value.items()]


def _text(value: Any, key: str, where: str) -> str:
    """A query or header value as the request carries it (``true``/``false`` for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ConfigError(f"{key} must be a string, number or boolean, not {value!r}", where=where)


def _equal(found: Any, wanted: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``True != 1``."""
    if isinstance(found, bool) or isinstance(wanted, bool):
        return isinstance(found, bool) and isinstance(wanted, bool) and found == wanted
    return bool(found == wanted)


def _normal(path: str) -> str:
    decoded = unquote(path) if "%" in path else path
    return decoded.rstrip("/") or "/"


def _did_you_mean(key: str, known: Any, otherwise: str | None) -> str | None:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}?" if close else otherwise

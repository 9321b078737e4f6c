"""REST overlays, named examples and hooks: fixed answers for an OpenAPI mock.

::

    [[overlay]]
    operation = "GET /customers/{customer_id}"     # the operation's id (or method = "GET" with path below)
    path = "/customers/cus_42"                      # optional: a concrete path under the mount, matched exactly
    query = { email = "a@b.c" }                     # optional: query fields that must be present with these values
    headers = { "x-tenant" = "acme" }               # optional: headers that must be equal (names case-insensitive)
    body = { address = { city = "Paris" } }         # optional: JSON body members that must be there (nested tables
                                                    # hold members of nested objects; TOML's address.city = "..." too)
    status = 200                                    # optional: a status the operation declares (else its lowest 2xx)
    json = { id = "cus_42", object = "customer" }   # the answer's body, valid against that response's schema
    # or json_file = "bodies/vip.json"             # the body from a file under mocks/<api>/ (JSON can say null)
    # or example = "vip"                            # the named example examples/**/vip.json of this operation

A named example, ``mocks/<api>/examples/**/<name>.json``, is an object
``{"operation": "GET /customers/{customer_id}", "status": 200, "json": {...}}`` (``status`` optional, as above),
answered when a request of that operation says ``Prefer: example=<name>`` (Prism's convention), with
``Preference-Applied: example=<name>``. A name the folder does not hold for the operation passes on: the
contract's own named examples (OpenAPI ``examples``) answer it as before.

At load every overlay and example is checked against the contract (``ConfigError`` naming ``file:line``):
the operation exists, ``path`` routes to it, the status is declared (exactly, by range or by ``default``) and
the body validates against that response's JSON schema with the mock's own validator.

Per request: the request is routed once (``call.operation``); a ``Prefer: example=`` this folder holds for the
operation answers first, then the first overlay in file order whose conditions all hold. The answer is the
fixed body with the mock's own headers for that status: the envelope (not the ``state`` layer, so an overlaid
``POST`` creates nothing) is re-asked with ``Prefer: code=N`` and its body replaced; when the mock refuses the
request itself (a missing API key: 401, an invalid request: 400), that refusal is answered instead, since an
overlay fixes an answer, not the contract's checks. Nothing matches: the inner layers answer. Then the
operation's hooks (``toolkit.sandbox.hooks``) see that answer and may replace it; what they return is checked
like an overlay (status declared, JSON body valid) before it is sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.json_body import load_json
from toolkit.sandbox.hooks import UNSET, Answer, HookRequest
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.overlays.entries import (
    Entry,
    Example,
    check_keys,
    contains,
    did_you_mean,
    example_asked,
    first_values,
    headers_match,
    headers_of,
    string,
    table,
    text,
)
from toolkit.sandbox.overlays.hooks import Hook, HookError, Hooks, warned
from toolkit.sandbox.reasking import loads, with_prefer, without_applied_code

__all__ = ["Fixed", "Overlay", "RestOverlays", "compile_rest"]

_OVERLAY_KEYS = ("operation", "method", "path", "query", "headers", "body", "status", "json", "json_file", "example")
_EXAMPLE_KEYS = ("operation", "status", "json", "description")
_MOCK_HEADERS_DROPPED = frozenset({"content-type", "content-length", "etag"})
_CTK_HEADERS = frozenset({"content-type", "content-length"})


@dataclass(frozen=True, slots=True)
class Fixed:
    """A fixed REST answer: a declared status and its JSON body, encoded."""

    status: int
    body: bytes
    media_type: str = "application/json"  # the declared JSON media type (application/problem+json for a problem)


@dataclass(frozen=True, slots=True)
class Overlay:
    """One fixed answer and the conditions under which it is given."""

    operation: str
    answer: Fixed
    path: str | None = None  # mount + path, decoded, without a trailing slash
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()  # names lower-case
    body: Mapping[str, Any] | None = None  # JSON body members that must be there
    where: str = ""

    @property
    def status(self) -> int:
        return self.answer.status

    def matches(self, request: Request, query: list[tuple[str, str]] | None, document: Any) -> bool:
        if self.path is not None and _normal(request.path) != self.path:
            return False
        if not headers_match(request, self.headers):
            return False
        if self.query and (query is None or any(pair not in query for pair in self.query)):
            return False
        return self.body is None or contains(document, self.body)


class RestOverlays:
    """The overlays layer's work for one REST API. Thread-safe: nothing changes after load."""

    def __init__(
        self,
        envelope: MockEnvelope,
        overlays: tuple[Overlay, ...],
        examples: Mapping[tuple[str, str], Fixed],
        hooks: Hooks,
    ) -> None:
        self.envelope = envelope
        self.overlays = overlays
        self.examples = dict(examples)
        self.hooks = hooks
        self._contract = _Contract(envelope)
        self._by_operation: dict[str, list[Overlay]] = {}
        for overlay in overlays:
            self._by_operation.setdefault(overlay.operation, []).append(overlay)
        self._example_operations = {operation for operation, _ in self.examples}

    def __call__(self, call: Call, inner: Next) -> MockResult:
        if not self.overlays and not self.examples and not self.hooks:
            return inner(call)  # a folder holding only other files (seed.json): nothing to route for
        request = call.request
        operation = call.operation  # routed once per request, for every layer
        if operation is None or not operation.startswith(request.method.upper() + " "):
            return inner(call)  # no operation, or a HEAD answered by its GET: overlays answer their own method only
        hooks = self.hooks.of(operation) if self.hooks else ()
        example = example_asked(request) if operation in self._example_operations else None
        fixed = self.examples.get((operation, example)) if example is not None else None
        if fixed is None:
            overlay = self._overlay(request, operation)
            fixed = overlay.answer if overlay is not None else None
            example = None
        if fixed is not None:
            result = self._fixed(call, operation, fixed, example)
        elif hooks:
            result = inner(call)
        else:
            return inner(call)
        return self._hooked(call, operation, result, hooks) if hooks else result

    def _overlay(self, request: Request, operation: str) -> Overlay | None:
        candidates = self._by_operation.get(operation)
        if not candidates:
            return None
        query: list[tuple[str, str]] | None = None
        if any(o.query for o in candidates):
            try:
                query = request.query_items()
            except ValueError:
                query = None
        document = loads(request.body) if request.body and any(o.body for o in candidates) else None
        return next((o for o in candidates if o.matches(request, query, document)), None)

    def _fixed(self, call: Call, operation: str, fixed: Fixed, example: str | None) -> MockResult:
        asked = self.envelope(with_prefer(call, f"code={fixed.status}").request)
        if asked.response.status != fixed.status:
            return asked  # the mock refused the request itself (401, 400): the contract's checks still hold
        kept = tuple(h for h in without_applied_code(asked.response.headers) if h[0] not in _MOCK_HEADERS_DROPPED)
        if example is not None:
            kept = _applied(kept, f"example={example}")
        response = Response(fixed.status, (("content-type", fixed.media_type), *kept), fixed.body)
        return replace(asked, response=response, operations=(operation,), deliveries=())

    # -- hooks ---------------------------------------------------------------------------------------

    def _hooked(self, call: Call, operation: str, result: MockResult, hooks: tuple[Hook, ...]) -> MockResult:
        request = self._hook_request(call, operation)
        for hook in hooks:
            answer = _answer_of(result.response)
            try:
                returned = hook.run(request, answer)
            except HookError as error:
                response = self.envelope.error_response(call.request, 500, str(error))
                return MockResult(response, operations=(operation,))
            if returned is None:
                continue
            if isinstance(returned, str):
                result = warned(result, hook.misfit(returned))
                continue
            built = self._from_hook(call, operation, result, answer, returned)
            result = warned(result, hook.misfit(built)) if isinstance(built, str) else built
        return result

    def _client_json(self, body: bytes) -> Any:
        """The request body as JSON for a hook, read within the mock's nesting limit (hooks also see requests
        the mock refused: 100 000 nested arrays must not reach a plain ``json.loads``); None when it is not."""
        if not body:
            return None
        value, refusal = load_json(body, self.envelope.mock.options.limits.max_nesting)
        return None if refusal is not None else value

    def _hook_request(self, call: Call, operation: str) -> HookRequest:
        request = call.request
        try:
            items = tuple(request.query_items())
        except ValueError:
            items = ()
        method = operation.split(" ", 1)[0]
        match = self._contract.router.match(request.path, method)
        params = dict(match.params) if match is not None else {}
        return HookRequest(
            operation=operation,
            method=request.method.upper(),
            path=request.path,
            session=call.session,
            headers=first_values(request.headers),
            query=dict(reversed(items)),
            query_items=items,
            body=request.body,
            json=self._client_json(request.body),
            params=params,
        )

    def _from_hook(
        self, call: Call, operation: str, current: MockResult, received: Answer, returned: Answer
    ) -> MockResult | str:
        """The answer a hook returned, built and checked; a str says why it cannot be sent."""
        status = returned.status if returned.status is not None else current.response.status
        if isinstance(status, bool) or not isinstance(status, int):
            return f"status {status!r} is not an HTTP status"
        compiled = self._contract.operation(operation)
        spec = compiled.responses.for_status(status)
        if spec is None:
            return f"{operation} does not declare a {status} answer"
        base = current
        if status != current.response.status:
            base = self.envelope(with_prefer(call, f"code={status}").request)
            if base.response.status != status:
                return f"the mock answers this request {base.response.status} itself, not {status}"
            base = replace(base, response=replace(base.response, headers=without_applied_code(base.response.headers)))
        headers = list(base.response.headers)
        changed = _changed_headers(received.headers, returned.headers)
        if isinstance(changed, str):
            return changed
        body = base.response.body
        # the received body, carried along by answer.replace(status=...), is not a body given for the new status
        if returned.json is not UNSET and not (received.json is not UNSET and returned.json == received.json):
            try:
                body = json.dumps(returned.json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            except (TypeError, ValueError, RecursionError) as error:
                return f"json is not a JSON value: {error}"
            try:
                media_type = _check_json(returned.json, spec, operation, status, self._contract)
            except _MisfitError as misfit:
                return str(misfit)
            headers = [h for h in headers if h[0] not in _MOCK_HEADERS_DROPPED]
            headers.insert(0, ("content-type", media_type))
        set_names = {name for name, _ in changed}
        headers = [h for h in headers if h[0] not in set_names and h[0] not in changed.removed]
        headers += [(name, value) for name, value in changed if value is not None]
        deliveries = current.deliveries if status == current.response.status else ()
        response = Response(status, tuple(headers), body)
        return replace(base, response=response, operations=(operation,), deliveries=deliveries)


class _Changes(list[tuple[str, str]]):
    """Headers a hook set (name, value), and the names it removed."""

    removed: frozenset[str] = frozenset()


def _changed_headers(received: Mapping[str, str], returned: Mapping[str, str]) -> _Changes | str:
    if not isinstance(returned, Mapping):
        return f"headers must be a mapping of names to strings, not {type(returned).__name__}"
    changes = _Changes()
    lowered: dict[str, str] = {}
    for name, value in returned.items():
        if not isinstance(name, str) or not isinstance(value, str):
            return f"header {name!r}: names and values must be strings"
        if not all(32 <= ord(c) < 127 for c in value) or not name.isascii() or not name:
            return f"header {name!r}: not a printable ASCII header"
        lowered[name.lower()] = value
    for name, value in lowered.items():
        if received.get(name) != value:
            if name in _CTK_HEADERS:
                return f"header {name} is ctk's to set"
            changes.append((name, value))
    removed = frozenset(name for name in received if name not in lowered)
    if removed & _CTK_HEADERS:
        return f"header {sorted(removed & _CTK_HEADERS)[0]} is ctk's to set"
    changes.removed = removed
    return changes


def _answer_of(response: Response) -> Answer:
    media = (response.header("content-type") or "").split(";", 1)[0].strip().lower()
    document: Any = UNSET
    if media == "application/json" or media.endswith("+json"):
        try:
            document = json.loads(response.body)
        except ValueError:
            document = UNSET
    return Answer(status=response.status, headers=first_values(response.headers), json=document)


def _applied(headers: tuple[tuple[str, str], ...], token: str) -> tuple[tuple[str, str], ...]:
    """``headers`` with ``token`` in ``Preference-Applied`` (once)."""
    out: list[tuple[str, str]] = []
    done = False
    for name, value in headers:
        if name == "preference-applied":
            parts = [p.strip() for p in value.split(",") if p.strip() and not p.strip().startswith("example=")]
            out.append((name, ", ".join([*parts, token])))
            done = True
        else:
            out.append((name, value))
    if not done:
        out.append(("preference-applied", token))
    return tuple(out)


# -- load time -------------------------------------------------------------------------------------


class _Contract:
    """What the checks need of the REST mock: operation ids, router, mount, compiled operations, validators."""

    def __init__(self, envelope: MockEnvelope) -> None:
        mock: Any = envelope.mock
        self.ids = [op.id for op in envelope.contract.operations]
        self.router = mock.router
        self.mount: str = mock.router.mount
        self.validators = mock.validators
        self._mock = mock
        self._compiled: dict[str, Any] = {}

    def has(self, operation: str) -> bool:
        return operation in self.ids

    def operation(self, operation: str) -> Any:
        """The compiled operation (compiled once, on first need)."""
        found = self._compiled.get(operation)
        if found is None:
            found = self._compiled[operation] = self._mock.operations[operation]
        return found


class _MisfitError(ValueError):
    """A JSON body that does not fit its response: the message names the operation, status and place."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.pointer = pointer


def compile_rest(envelope: MockEnvelope, entries: list[Entry], examples: list[Example], hooks: Hooks) -> RestOverlays:
    """The REST overlays, examples and hooks of one API, every one checked against ``envelope``'s contract."""
    contract = _Contract(envelope)
    named: dict[tuple[str, str], Fixed] = {}
    places: dict[tuple[str, str], str] = {}
    for example in examples:
        entry = example.entry
        check_keys(entry, _EXAMPLE_KEYS, "an example")
        operation = _operation(entry, None, contract)
        key = (operation, example.name)
        if key in named:
            raise ConfigError(
                f"a second example {example.name!r} of {operation} (the first: {places[key]})", where=entry.where
            )
        named[key] = _fixed(entry, operation, contract)
        places[key] = entry.where
    overlays = tuple(_overlay(entry, contract, named) for entry in entries)
    hooks.check(contract.ids, contract.has)
    return RestOverlays(envelope, overlays, named, hooks)


def _overlay(entry: Entry, contract: _Contract, examples: Mapping[tuple[str, str], Fixed]) -> Overlay:
    check_keys(entry, _OVERLAY_KEYS, "[[overlay]]")
    where = entry.where
    concrete = string(entry.keys, "path", where)
    if concrete is not None and not concrete.startswith("/"):
        raise ConfigError(f"path must start with '/' (a path under the mount), not {concrete!r}", where=where)
    operation = _operation(entry, concrete, contract)
    example = string(entry.keys, "example", where)
    if example is not None:
        given = [key for key in ("status", "json", "json_file") if key in entry.keys]
        if given:
            raise ConfigError(f"give example or {given[0]}, not both", where=where)
        found = examples.get((operation, example))
        if found is None:
            names = sorted(name for op, name in examples if op == operation)
            raise ConfigError(
                f"no example {example!r} of {operation} in examples/", where=where,
                hint=f"its examples: {', '.join(names)}" if names else f"add examples/{example}.json",
            )  # fmt: skip
        answer = found
    else:
        answer = _fixed(entry, operation, contract)
    body = table(entry.keys, "body", where) if "body" in entry.keys else None
    return Overlay(
        operation=operation,
        answer=answer,
        path=_normal(contract.mount + concrete) if concrete is not None else None,
        query=tuple(
            (name, text(value, f"query.{name}", where)) for name, value in table(entry.keys, "query", where).items()
        ),
        headers=headers_of(entry.keys, where),
        body=body or None,
        where=where,
    )


def _fixed(entry: Entry, operation: str, contract: _Contract) -> Fixed:
    """The status and JSON body of an overlay or example, checked against the operation's response."""
    where = entry.where
    compiled = contract.operation(operation)
    status = entry.keys.get("status")
    if status is None:
        success = sorted(s.status for s in compiled.responses.specs if s.key.isdigit() and 200 <= s.status < 300)
        if not success:
            raise ConfigError(f"status is required: {operation} declares no 2xx answer", where=where)
        status = success[0]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ConfigError(f"status must be an HTTP status from 100 to 599, not {status!r}", where=where)
    spec = compiled.responses.for_status(status)
    if spec is None:
        declared = ", ".join(s.key for s in compiled.responses.specs) or "none"
        raise ConfigError(f"{operation} does not declare a {status} answer (it declares {declared})", where=where)
    if "json" in entry.keys and "json_file" in entry.keys:
        raise ConfigError("give json or json_file, not both", where=where)
    if "json_file" in entry.keys:
        document, placed = entry.json_file("json_file")
        prefix = ""
    elif "json" in entry.keys:
        document, placed, prefix = entry.keys["json"], entry, "/json"
    else:
        raise ConfigError("json (the answer's body), json_file or example is required", where=where)
    try:
        media_type = _check_json(document, spec, operation, status, contract)
    except _MisfitError as misfit:
        raise ConfigError(str(misfit), where=placed.at(prefix + misfit.pointer)) from None
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    return Fixed(status, body, media_type)


def _operation(entry: Entry, concrete: str | None, contract: _Contract) -> str:
    where = entry.where
    operation = string(entry.keys, "operation", where)
    method = string(entry.keys, "method", where)
    if operation is not None and method is not None:
        raise ConfigError("give operation or method + path, not both", where=where)
    if operation is None:
        if method is None or concrete is None:
            raise ConfigError("operation (or method and path) is required", where=where)
        match = contract.router.match(contract.mount + concrete, method)
        if match is None or match.target is None:
            raise ConfigError(f"{method.upper()} {concrete}: no operation of the contract matches", where=where)
        return f"{method.upper()} {match.template}"
    if not contract.has(operation):
        hint = did_you_mean(operation, contract.ids, None) or f"the operations: {', '.join(contract.ids)}"
        raise ConfigError(f"the contract has no operation {operation!r}", where=where, hint=hint)
    if concrete is not None:
        verb = operation.split(" ", 1)[0]
        match = contract.router.match(contract.mount + concrete, verb)
        if match is None or match.target is None or f"{verb} {match.template}" != operation:
            raise ConfigError(f"path {concrete!r} does not lead to {operation}", where=where)
    return operation


def _check_json(document: Any, spec: Any, operation: str, status: int, contract: _Contract) -> str:
    """The JSON media type ``document`` is answered as, once checked against its schema (``_MisfitError`` if not)."""
    from toolkit.openapi.mock.responses import concrete_media_type, validator_of

    media = next((m for m in spec.media if m.essence == "application/json" or m.essence.endswith("+json")), None)
    if media is None:
        kinds = ", ".join(m.media_type for m in spec.media) or "no body"
        raise _MisfitError(f"{operation} {status} declares no JSON body (it declares {kinds})")
    media_type = concrete_media_type(media.media_type)
    if media.schema is None:
        return media_type
    errors = validator_of(media, contract.validators).errors(document)
    if errors:
        pointer, message = errors[0]
        raise _MisfitError(
            f"json does not fit {operation} {status} ({media.media_type}): at {pointer or '/'}: {message}", pointer
        )
    return media_type


def _normal(path: str) -> str:
    decoded = unquote(path) if "%" in path else path
    return decoded.rstrip("/") or "/"

"""``StateLayer``: REST resources created, read back, listed, updated and deleted, per session.

The innermost layer of the sandbox (``layers.ORDER``). The resource model is compiled once, at
construction (``rest_model.compile_model``); per request the layer makes one router match, one or two
store calls, and asks the inner layers (the envelope: memo, validation, generated data) first, so an
invalid request, missing credentials or a ``Prefer: code=...`` still get the mock's own answer. What
it changes is the data of a successful answer:

- create: the generated object (request fields echoed into it) is stored; it is what reads return. The
  first item created in a collection keeps the id the mock gave it; later ones get an id of their own
  (same prefix and shape, seeded by the session's count: identical requests create distinct items, and a
  reset session replays the same ids);
- read, update, delete of an id the session does not hold: the contract's 404 (the mock asked again with
  ``Prefer: code=404``; problem+json 404 when the operation declares none), with a detail naming the id.
  An unknown id is a 404 even when the collection is empty: that is what the vendor answers, and the ids
  the contract's examples name are there from the start (seed items), so a quickstart that reads an
  example's id still gets it;
- list: the session's items (seed items first, then the created ones, in insertion order), filtered by
  query parameters naming an item property (exact match of the value as text), a page as the contract
  pages (its size parameter and default, an id cursor, an offset or a page number; else the mock's page
  cap, ``answers.MAX_PAGE``), in the generated answer's list slot, with ``has_more``/``total_count`` set
  where the answer has them;
- update: POST and PATCH merge the request's fields (JSON or form) into the stored item
  (``application/merge-patch+json``: a null removes the field), PUT replaces the fields its request
  schema declares; the id never changes;
- delete: removed, and remembered as deleted for the rest of the session.

Every answer built from stored data is checked with the response schema's validator first; one that does
not fit (a PATCH that made the item invalid) is not stored, and the generated answer goes out instead with
a ``ctk-warning`` header saying why. A store problem is never a crash: a full store is the contract's
507, 429 or 500 (problem+json 507 when it declares none), an unreachable one its 503.

Seed items (the contract's examples, and the items of ``mocks/<api>/seed.json``: ``rest_seeds``) are read
through, never copied: a session starts with them without a store call or a first-access marker, an update
stores the changed copy, a delete records a tombstone; resetting a session (clearing ``api/session/``)
brings them back. Namespaces: ``api/session/customers`` holds the
items, ``api/session/#deleted/customers`` the ids deleted (``#deleted-examples/customers`` those of seed
items), ``api/session/#created`` the create counters (``#`` cannot start a path segment of a template, so
no collection's namespace collides with them).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from collections.abc import Collection as AbstractCollection
from dataclasses import replace
from typing import Any

from toolkit.exchange import MockResult, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.problem import problem_response
from toolkit.openapi.mock.answers import MAX_PAGE, list_slot
from toolkit.openapi.mock.bodies import essence
from toolkit.openapi.mock.handler import OpenAPIMock
from toolkit.openapi.mock.prefer import parse_prefer
from toolkit.openapi.mock.responses import encode_body, header_text, properties_of, validator_of
from toolkit.openapi.mock.violations import Violations
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.reasking import loads, without_applied_code
from toolkit.sandbox.state.rest_model import (
    Collection,
    Kind,
    RestModel,
    StatefulOperation,
    compile_model,
    is_identifier,
)
from toolkit.sandbox.state.rest_seeds import apply_seeds
from toolkit.sandbox.state.schemas import digest, forget, path_pattern, validity
from toolkit.sandbox.state.seeds import SeedFile
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, StoreFullError

__all__ = ["StateLayer"]

WARNING = "ctk-warning"
_MAX_WARNING = 400  # characters of a ctk-warning header
_HAS_MORE = ("has_more", "hasMore")
_TOTAL = ("total_count", "totalCount", "total")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ALPHABETS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_POOL = {character: alphabet for alphabet in _ALPHABETS for character in alphabet}
_HEX = "0123456789abcdef"
_MINT_ATTEMPTS = 8

Handler = Callable[[StatefulOperation, Call, Next, dict[str, str], tuple[str, ...]], MockResult]


class StateLayer:
    """The ``state`` layer of one REST API (see the module's docstring). Thread-safe: it keeps nothing per
    request; two updates of one item at once are last-writer-wins, as the store's ``put`` is."""

    name = "state"

    def __init__(self, envelope: MockEnvelope, store: Store, *, api: str, seeds: SeedFile | None = None) -> None:
        mock = envelope.mock
        if not isinstance(mock, OpenAPIMock):
            raise TypeError(f"REST state needs an OpenAPI mock, not {type(mock).__name__}")
        self.api = api
        self.model: RestModel = compile_model(mock)
        if seeds is not None:
            apply_seeds(self.model, seeds)
        self._store = store
        self._router = mock.router
        self._operations = self.model.operations
        self._validators = mock.validators
        self._limits = mock.options.limits
        self._seed = mock.options.seed
        self._handlers: dict[Kind, Handler] = {
            Kind.CREATE: self._create,
            Kind.READ: self._read,
            Kind.LIST: self._list,
            Kind.UPDATE: self._update,
            Kind.REPLACE: self._update,
            Kind.DELETE: self._delete,
        }

    def prefix(self, session: str) -> str:
        """Where a session's state lives: every namespace of it starts with this."""
        return f"{self.api}/{session}/"

    def reset(self, session: str) -> int:
        """Forget what ``session`` created, changed and deleted (its seed items come back); how many keys went."""
        return self._store.clear(self.prefix(session))

    def fingerprints(self) -> dict[str, str]:
        """Each collection (by template) and what decides whether a stored item fits it, as a digest: its item
        template, id field and item schema without annotations (``schemas``). A hot reload compares them."""
        return {
            collection.template: digest(
                [collection.item_template, collection.id_field, validity(collection.item_validator.json_schema)]
            )
            for collection in self.model.collections
        }

    def forget(self, templates: AbstractCollection[str]) -> int:
        """Clear the collections ``templates`` (and the ones nested in them) in every session; keys removed."""
        patterns = [(collection.template, path_pattern(collection.template)) for collection in self.model.collections]

        def owner(tail: str) -> str | None:
            return next((template for template, pattern in patterns if pattern.fullmatch(tail)), None)

        return forget(self._store, self.api, templates, owner, lambda namespace, _: namespace)

    def __call__(self, call: Call, inner: Next) -> MockResult:
        request = call.request
        method = request.method.upper()
        match = self._router.match(request.path, method)
        if match is None:
            return inner(call)
        op = self._operations.get((match.template, method))
        if op is not None:
            return self._dispatch(op, call, inner, match.params)
        if method == "HEAD" and match.target is None:  # GET's answer without its body, as the mock does
            op = self._operations.get((match.template, "GET"))
            if op is not None:
                as_get = call.with_request(replace(request, method="GET"))
                return _head(self._dispatch(op, as_get, inner, match.params))
        return inner(call)

    # -- the request path --------------------------------------------------------------------------

    def _dispatch(self, op: StatefulOperation, call: Call, inner: Next, params: dict[str, str]) -> MockResult:
        prefer = call.request.header("prefer")
        if prefer and parse_prefer(prefer).code is not None:
            return inner(call)  # the client asked for a status: the mock's answer, whatever is stored
        collection = op.collection
        parents = tuple(params[name] for name in collection.parent_parameters)
        try:
            parent = collection.parent
            if parent is not None:  # a nested item exists only while its parent does
                key = params[parent.item_parameter]
                found, deleted = self._lookup(call.session, parent, parents[: len(parent.parent_parameters)], key)
                if found is None:
                    return self._not_found(op, call, inner, parent, key, deleted)
            return self._handlers[op.kind](op, call, inner, params, parents)
        except StoreFullError as error:
            detail = f"the sandbox's store is full ({error.limit}): {error.message}; {error.hint or ''}".rstrip("; ")
            return self._error(op, call, inner, (507, 429, 500), detail, "store-full")
        except StoreError as error:
            return self._error(op, call, inner, (503,), f"the sandbox's store failed: {error}", "store-unavailable")

    def _create(
        self, op: StatefulOperation, call: Call, inner: Next, params: dict[str, str], parents: tuple[str, ...]
    ) -> MockResult:
        result = inner(call)
        if not _fits(op, result.response):
            return result
        value = loads(result.response.body)
        collection = op.collection
        if not isinstance(value, dict) or not is_identifier(value.get(collection.id_field)):
            return result
        namespace = self._namespace(call.session, collection, parents)
        count = self._store.incr(self.prefix(call.session) + "#created", namespace)
        key = str(value[collection.id_field])
        warnings: list[str] = []
        renamed: tuple[str, str] | None = None
        seeds = collection.seeds_for(parents)
        if count > 1 or key in seeds:
            minted = self._minted(op, value, namespace, count, seeds)
            if minted is None:
                warnings.append(
                    f"no other id that fits the schema could be made for this {collection.noun}: "
                    f"it replaces the stored {collection.noun} {key!r}"
                )
            else:
                renamed = (key, str(minted[collection.id_field]))
                value, key = minted, renamed[1]
        self._store.put(namespace, key, value)
        return _answered(result, value, warnings, renamed)

    def _read(
        self, op: StatefulOperation, call: Call, inner: Next, params: dict[str, str], parents: tuple[str, ...]
    ) -> MockResult:
        collection = op.collection
        key = params[collection.item_parameter]
        value, deleted = self._lookup(call.session, collection, parents, key)
        if value is None:
            # An id the session does not hold is a 404 even when the collection is empty: the vendor answers
            # so, and the ids the contract's examples name are seed items, there from the start.
            return self._not_found(op, call, inner, collection, key, deleted)
        result = inner(call)
        if not _fits(op, result.response):
            return result
        return self._checked(op, result, value, f"the stored {collection.noun} {key!r}")

    def _list(
        self, op: StatefulOperation, call: Call, inner: Next, params: dict[str, str], parents: tuple[str, ...]
    ) -> MockResult:
        result = inner(call)
        if not _fits(op, result.response):
            return result
        generated = loads(result.response.body)
        container, slot = (None, None) if isinstance(generated, list) else list_slot(generated)
        if container is None and not isinstance(generated, list):
            return result
        try:
            query = call.request.query_items(self._limits.max_form_fields)
        except ValueError:
            return result
        items = self._listed(call.session, op.collection, parents)
        for name in op.filters:
            wanted = {value for field, value in query if field == name}
            if wanted:
                items = [item for item in items if name in item and _text(item[name]) in wanted]
        page, has_more = _page(items, dict(query), op)
        if container is None:
            value: Any = page
        else:
            container[slot] = page
            value = generated
            for name in _HAS_MORE:
                if isinstance(container.get(name), bool):
                    container[name] = has_more
            for name in _TOTAL:
                if isinstance(container.get(name), int) and not isinstance(container.get(name), bool):
                    container[name] = len(items)
        return self._checked(op, result, value, f"the session's {op.collection.noun} list")

    def _update(
        self, op: StatefulOperation, call: Call, inner: Next, params: dict[str, str], parents: tuple[str, ...]
    ) -> MockResult:
        collection = op.collection
        key = params[collection.item_parameter]
        stored, deleted = self._lookup(call.session, collection, parents, key)
        if stored is None:
            return self._not_found(op, call, inner, collection, key, deleted)
        result = inner(call)
        if not 200 <= result.response.status < 300:
            return result  # an invalid request, missing credentials: the mock's answer, nothing changes
        fields = self._fields(op, call)
        content_type = essence(call.request.header("content-type") or "")
        if op.kind is Kind.REPLACE and op.replaced:
            changed = {name: value for name, value in stored.items() if name not in op.replaced} | fields
        else:
            changed = _merged(stored, fields, removing=content_type == "application/merge-patch+json")
        changed[collection.id_field] = stored[collection.id_field]
        validator = op.validator if op.validator is not None else collection.item_validator
        if not validator.is_valid(changed):
            why = _why(validator.errors(changed))
            note = f"this change would make {collection.noun} {key!r} invalid ({why})"
            return _warned(result, f"{note}: not stored, answered with generated data")
        self._store.put(self._namespace(call.session, collection, parents), key, changed)
        if not _fits(op, result.response):
            return result  # a 204, or a media type that is not the item's JSON
        return _answered(result, changed)

    def _delete(
        self, op: StatefulOperation, call: Call, inner: Next, params: dict[str, str], parents: tuple[str, ...]
    ) -> MockResult:
        collection = op.collection
        key = params[collection.item_parameter]
        result = inner(call)
        if not 200 <= result.response.status < 300:
            return result
        example = key in collection.seeds_for(parents)
        tombs = self._tombs(call.session, collection, parents, example=example)
        if not self._store.delete(self._namespace(call.session, collection, parents), key):
            deleted = self._store.get(tombs, key) is not None
            if deleted or not example:
                return self._not_found(op, call, inner, collection, key, deleted)
        self._store.put(tombs, key, True)
        return result

    # -- store -------------------------------------------------------------------------------------

    def _namespace(self, session: str, collection: Collection, parents: tuple[str, ...]) -> str:
        return f"{self.api}/{session}/{collection.path(parents)}"

    def _tombs(self, session: str, collection: Collection, parents: tuple[str, ...], *, example: bool) -> str:
        """Where the ids deleted in a session are remembered: a seed item's apart, so that a list reads only
        those (the others are gone from the collection; theirs say "deleted" in a 404)."""
        kind = "#deleted-examples" if example else "#deleted"
        return f"{self.api}/{session}/{kind}/{collection.path(parents)}"

    def _lookup(
        self, session: str, collection: Collection, parents: tuple[str, ...], key: str
    ) -> tuple[dict[str, Any] | None, bool]:
        """The item the session holds at ``key`` (stored, else a seed item not deleted), and whether it was
        deleted in this session (said in the 404's detail)."""
        value = self._store.get(self._namespace(session, collection, parents), key)
        if isinstance(value, dict):
            return value, False
        seed = collection.seeds_for(parents).get(key)
        deleted = self._store.get(self._tombs(session, collection, parents, example=seed is not None), key) is not None
        if seed is not None and not deleted:
            return seed, False
        return None, deleted

    def _listed(self, session: str, collection: Collection, parents: tuple[str, ...]) -> list[dict[str, Any]]:
        """Every item of the session's collection: seed items (their stored copy when changed, none when
        deleted), then the created ones, each in the order it was first stored."""
        stored = self._store.items(self._namespace(session, collection, parents))
        seeds = collection.seeds_for(parents)
        if not seeds:
            return [value for _, value in stored if isinstance(value, dict)]
        deleted = {key for key, _ in self._store.items(self._tombs(session, collection, parents, example=True))}
        changed = dict(stored)
        out = [changed.get(key, seed) for key, seed in seeds.items() if key not in deleted]
        out.extend(value for key, value in stored if key not in seeds)
        return [value for value in out if isinstance(value, dict)]

    def _minted(
        self, op: StatefulOperation, value: dict[str, Any], namespace: str, count: int, seeds: dict[str, Any]
    ) -> dict[str, Any] | None:
        """``value`` with an id of its own: the same shape as the mock's, seeded by the namespace and the
        count of items created in it; None when no such id fits the schema."""
        collection = op.collection
        validator = op.validator if op.validator is not None else collection.item_validator
        current = value[collection.id_field]
        for attempt in range(_MINT_ATTEMPTS):
            entropy = hashlib.blake2b(f"{self._seed}/{namespace}/{count}/{attempt}".encode()).digest()
            identifier = _new_identifier(current, entropy, short=attempt >= _MINT_ATTEMPTS // 2)
            candidate = {**value, collection.id_field: identifier}
            if str(identifier) not in seeds and validator.is_valid(candidate):
                return candidate
        return None

    def _fields(self, op: StatefulOperation, call: Call) -> dict[str, Any]:
        """The request body's fields that are properties of the item, decoded as the mock decodes them."""
        if op.body is None or not call.request.body:
            return {}
        request = call.request
        decoded = op.body.read(request.header("content-type"), request.body, Violations(self._limits))
        if not isinstance(decoded.value, dict):
            return {}
        properties = op.collection.item_properties
        return {name: value for name, value in decoded.value.items() if name in properties}

    # -- answers -----------------------------------------------------------------------------------

    def _checked(self, op: StatefulOperation, result: MockResult, value: Any, what: str) -> MockResult:
        """``result`` with ``value`` as its body when it fits the response schema, else ``result`` as the mock
        made it, with a warning."""
        validator = op.validator
        if validator is not None and not validator.is_valid(value):
            why = _why(validator.errors(value))
            return _warned(
                result, f"{what} does not fit the schema of {op.operation_id} ({why}): answered with generated data"
            )
        return _answered(result, value)

    def _not_found(
        self, op: StatefulOperation, call: Call, inner: Next, collection: Collection, key: str, deleted: bool
    ) -> MockResult:
        noun = collection.noun
        if deleted:
            detail = f"No such {noun}: {key!r}; it was deleted in this session ({call.session})."
        else:
            detail = (
                f"No such {noun}: {key!r}. State is on: session {call.session!r} holds the {noun} items it created "
                "and the seed items (the contract's examples, mocks/<api>/seed.json)."
            )
        if not op.not_found:
            # the contract documents no 404 (nor 4XX, nor default) here: a 404 would contradict it, so the
            # request is answered as without state, and the header says what a real server would likely do
            note = f"{detail} {op.operation_id} declares no 404: answered as without state"
            return _warned(inner(call), note)
        return self._error(op, call, inner, (404,), detail, "not-found")

    def _error(
        self, op: StatefulOperation, call: Call, inner: Next, statuses: tuple[int, ...], detail: str, kind: str
    ) -> MockResult:
        """The contract's own answer for the first of ``statuses`` the operation declares (the mock asked with
        ``Prefer: code=N``, its detail made ours where the schema allows), else problem+json with the first.
        Either way the request is checked first: an invalid one gets the mock's answer for it instead."""
        request = call.request
        for status in statuses:
            declared = op.not_found if status == 404 else op.responses.error(status) is not None
            if not declared:
                continue
            prefer = request.header("prefer")
            headers = (*(h for h in request.headers if h[0] != "prefer"),
                       ("prefer", f"{prefer}, code={status}" if prefer else f"code={status}"))  # fmt: skip
            result = inner(call.with_request(replace(request, headers=headers)))
            response = result.response
            if response.status == status:
                response = self._detailed(op, response, detail)
            return MockResult(response, (), result.operations, result.violations, result.deprecated)
        result = inner(call)
        if not 200 <= result.response.status < 300:
            return result
        response = problem_response(statuses[0], detail, kind=kind, headers=op.deprecation_headers)
        return MockResult(response, (), result.operations, result.violations, result.deprecated)

    def _detailed(self, op: StatefulOperation, response: Response, detail: str) -> Response:
        """The contract's error answer with our ``detail`` where its schema has one and allows it, and without
        the ``code=N`` our ``Prefer`` added to ``Preference-Applied``."""
        headers = without_applied_code(response.headers)
        body = response.body
        value = loads(body)
        spec = op.responses.for_status(response.status)
        kind = essence(response.header("content-type") or "")
        media = next((m for m in spec.media if m.essence == kind), None) if spec is not None else None
        if (
            isinstance(value, dict)
            and media is not None
            and (
                isinstance(value.get("detail"), str)
                or (media.schema is not None and "detail" in properties_of(media, self._validators))
            )
        ):
            changed = {**value, "detail": detail}
            if media.schema is None or validator_of(media, self._validators).is_valid(changed):
                body = encode_body(kind, changed)
        return Response(response.status, headers, body)


def _fits(op: StatefulOperation, response: Response) -> bool:
    """The answer is the operation's default success in its JSON media type: the one state shapes."""
    if response.status != op.status or op.media is None:
        return False
    for name, value in response.headers:
        if name == "content-type":
            return essence(value) == op.essence
    return False


def _answered(
    result: MockResult, value: Any, warnings: list[str] | None = None, renamed: tuple[str, str] | None = None
) -> MockResult:
    response = result.response
    headers = list(response.headers)
    media_type = next((v for k, v in headers if k == "content-type"), "application/json")
    if renamed is not None:  # a Location naming the mock's id names the one the item was given
        old, new = renamed
        headers = [(k, v.replace(old, new) if k in ("location", "content-location") else v) for k, v in headers]
    headers.extend((WARNING, _header(warning)) for warning in warnings or ())
    body = encode_body(media_type, value)
    return MockResult(
        Response(response.status, tuple(headers), body), result.deliveries, result.operations, result.violations,
        result.deprecated,
    )  # fmt: skip


def _warned(result: MockResult, note: str) -> MockResult:
    response = result.response
    headers = (*response.headers, (WARNING, _header(note)))
    return MockResult(Response(response.status, headers, response.body), result.deliveries, result.operations,
                      result.violations, result.deprecated)  # fmt: skip


def _header(text: str) -> str:
    text = header_text(text)
    return text if len(text) <= _MAX_WARNING else text[: _MAX_WARNING - 3] + "..."


def _why(errors: list[tuple[str, str]]) -> str:
    if not errors:
        return "it does not fit"
    pointer, message = errors[0]
    return f"{pointer or '/'}: {message}"


def _head(result: MockResult) -> MockResult:
    response = result.response
    headers = (*(h for h in response.headers if h[0] != "content-length"), ("content-length", str(len(response.body))))
    return MockResult(Response(response.status, headers, b""), (), result.operations, result.violations,
                      result.deprecated)  # fmt: skip


def _merged(stored: dict[str, Any], fields: dict[str, Any], *, removing: bool) -> dict[str, Any]:
    """``fields`` merged into ``stored`` (a new dict; nested objects merged the same way); with ``removing``
    (JSON merge patch, RFC 7396) a null removes the field, else it is stored as null."""
    out = dict(stored)
    for name, value in fields.items():
        if removing and value is None:
            out.pop(name, None)
        elif isinstance(value, dict) and isinstance(out.get(name), dict):
            out[name] = _merged(out[name], value, removing=removing)
        else:
            out[name] = value
    return out


def _page(items: list[dict[str, Any]], query: dict[str, str], op: StatefulOperation) -> tuple[list[Any], bool]:
    """The page the request asks for, as the contract pages, and whether more items follow it."""
    paging = op.paging
    size = _number(query.get(paging.size)) if paging.size else None
    size = min(size if size is not None else paging.default_size or MAX_PAGE, MAX_PAGE)
    if isinstance(op.max_items, int):
        size = min(size, op.max_items)
    ids = op.collection.id_field
    start = 0
    if paging.after and query.get(paging.after):
        cursor = query[paging.after]
        start = next((i + 1 for i, item in enumerate(items) if _text(item.get(ids)) == cursor), len(items))
    elif paging.before and query.get(paging.before):
        cursor = query[paging.before]
        end = next((i for i, item in enumerate(items) if _text(item.get(ids)) == cursor), 0)
        start = max(0, end - size)
        return items[start:end], start > 0
    elif paging.offset and _number(query.get(paging.offset)) is not None:
        start = _number(query.get(paging.offset)) or 0
    elif paging.page and paging.size and (number := _number(query.get(paging.page))):
        start = (number - 1) * size
    return items[start : start + size], start + size < len(items)


def _number(text: str | None) -> int | None:
    # a few digits at most: a page number of thousands of digits is a client's bug, not a reason to convert it
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    return int(text)


def _text(value: Any) -> str:
    """A JSON value as a query parameter would write it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _new_identifier(current: Any, entropy: bytes, *, short: bool) -> Any:
    """An id shaped like ``current``, drawn from ``entropy`` (64 bytes): an integer, a UUID, or text keeping
    its prefix (``cus_``) and the kind of each character after it (digit, lower or upper case, hexadecimal;
    punctuation stays), at least 8 characters unless ``short`` (ids are not secrets: a byte per character,
    modulo the alphabet, is random enough)."""
    if isinstance(current, int):
        return int.from_bytes(entropy[:4]) % (2**31 - 1) + 1
    text = str(current)
    if _UUID.match(text):
        minted = str(uuid.UUID(bytes=entropy[:16], version=4))
        return minted.upper() if text.isupper() else minted
    prefix, sep, rest = text.rpartition("_")
    if not sep or not rest:
        prefix, sep, rest = "", "", text
    length = min(len(rest) if short else max(len(rest), 8), len(entropy))
    models = (rest + rest[-1] * length)[:length]
    if all(ch in _HEX for ch in rest.lower()) and not rest.isdigit():
        pool = _HEX.upper() if any(ch.isupper() for ch in rest) else _HEX
        out = [pool[byte % 16] for byte in entropy[:length]]
    else:
        pools = [_POOL.get(model, model) for model in models]
        out = [pool[byte % len(pool)] for pool, byte in zip(pools, entropy, strict=False)]
    return f"{prefix}{sep}{''.join(out)}"

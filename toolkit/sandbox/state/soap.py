"""``SoapStateLayer``: SOAP entities created, read back, updated, deleted and listed, per session.

The entity model is compiled once (``soap_model.compile_model``). Per request the layer reads the envelope
to find the operation (SOAPAction / 1.2 ``action``, else the body element, as the mock does), lets the inner
layers answer first (so an invalid request, a ``Prefer: fault=...`` or a fault layer's answer go out as they
are), and shapes a successful answer from what the session stored:

- create: the answer's id is kept (a later create in the session gets an id of its own, same shape, drawn
  from the seed and the session's count), and the entity is stored: the create answer's entity element when
  it has one, else the read answer's template, with the request's leaf values merged in (see ``merge``);
- read: the answer's entity element is the stored one. An id the session never created, or deleted, is
  not found: the operation's declared fault whose name says so (``NotFound``/``NoSuch``/``Unknown``, asked of
  the mock with ``Prefer: fault=NAME``), else a Client (1.2: Sender) fault, HTTP 500;
- update: the request's leaf values (of its entity element, else of the whole request) merged into the
  stored entity; the answer is the mock's;
- delete: removed and remembered (a later read says it was deleted);
- list: the stored entities (filtered by request leaves that name a leaf of the entity, exact text; at most
  a page, the request's ``pageSize`` or 50) in place of the generated ones, a ``total*`` count set to the
  number matched and ``nextPageToken`` dropped when all fit.

Stored form: the entity element as XML text (in the read answer's shape). Merging is structural: a leaf the
stored entity has changes its text, a missing one is inserted at the first position where the read answer
still validates against the XSD (so optional elements land where the schema orders them); a change that
fits nowhere is left out and named in a ``ctk-warning`` header. Every answer built from stored data is
validated with the mock's XSD validator first; one that does not validate goes out as generated, with a
``ctk-warning``. A store failure is a Server (1.2: Receiver) fault.

What a read answers is a function of the mock's answer (its bytes) and the stored XML text alone, so it is
kept in a small per-layer memo (``_READ_MEMO`` answers, then cleared): a read of an unchanged resource whose
generated answer the mock memoised again skips parsing, placing, validating and serialising. A create
validates the answer and the stored entity only where a step changed them since the last check, and a merge
sets every leaf it changes at once and validates once: when that passes, checking each change alone would have
passed too (a leaf's text is valid or not by itself), unless the schema ties leaves together (identity
constraints, ID/IDREF types), where each change is checked alone as it always is when the one check fails.

Seed files (``mocks/<api>/seed.json``, built and checked by ``soap_seeds``) add entities every session starts
with, read through and never copied: an update stores the session's copy, a delete records a tombstone.

Namespaces: ``api/session/Entity`` (id -> XML text), ``api/session/#deleted/Entity``, ``api/session/#created``.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Sequence
from collections.abc import Collection as AbstractCollection
from dataclasses import replace

from lxml import etree

from toolkit.exchange import MockResult, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.state.schemas import digest, forget
from toolkit.sandbox.state.seeds import SeedFile
from toolkit.sandbox.state.soap_model import STORED_XML, Entity, Kind, SoapModel, compile_model, is_id_name, local
from toolkit.sandbox.state.soap_seeds import built_seeds
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, StoreFullError
from toolkit.soap.mock.dispatch import PortOperation
from toolkit.soap.mock.envelope import (
    EnvelopeError,
    build_envelope,
    detached,
    read_envelope,
    request_action,
    version_of_content_type,
)
from toolkit.soap.mock.handler import SoapMock

__all__ = ["SoapStateLayer"]

WARNING = "ctk-warning"
PAGE = 50
_MAX_WARNING = 400
_NOT_FOUND_WORDS = ("notfound", "nosuch", "unknown")
_TOTALS = ("totalsize", "total", "totalcount", "count")
_NEXT = ("nextpagetoken", "nexttoken", "nextpage")
_ALPHABETS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_POOL = {character: alphabet for alphabet in _ALPHABETS for character in alphabet}
_MINT_ATTEMPTS = 8
_PREFER_FAULT = re.compile(r"(?:^|[,;\s])fault\s*=", re.IGNORECASE)  # the mock's: the client asked for a fault
_READ_MEMO = 512  # reads remembered per layer (each key holds the generated answer and the stored text)

Handler = Callable[["_Exchange", Entity], MockResult]
# a read's outcome: the body to send (None: the mock's own) and the ctk-warning values to add
_ReadOutcome = tuple[bytes | None, tuple[str, ...]]


class _Exchange:
    """One request and the inner layers' answer to it, parsed."""

    def __init__(self, call: Call, inner: Next, request_wrapper: etree._Element, op: PortOperation) -> None:
        self.call = call
        self.inner = inner
        self.request = request_wrapper
        self.op = op
        self.result = inner(call)

    @property
    def ok(self) -> bool:
        return self.result.response.status == 200 and self.op.operation.id in self.result.operations


class SoapStateLayer:
    """The ``state`` layer of one SOAP API (see the module's docstring). Thread-safe: nothing per request."""

    name = "state"

    def __init__(self, envelope: MockEnvelope, store: Store, *, api: str, seeds: SeedFile | None = None) -> None:
        mock = envelope.mock
        if not isinstance(mock, SoapMock):
            raise TypeError(f"SOAP state needs a SOAP mock, not {type(mock).__name__}")
        self.api = api
        self.mock = mock
        self.envelope = envelope
        self.model: SoapModel = compile_model(mock, seeded=seeds.entries if seeds is not None else ())
        # entity -> id -> XML text: what every session starts with (read through, like REST's seed items)
        self.seeds: dict[str, dict[str, str]] = built_seeds(mock, self.model, seeds) if seeds is not None else {}
        self._store = store
        # (entity, the mock's answer, the stored text) -> what the read answers: see the module's docstring
        self._reads: dict[tuple[str, bytes, str], _ReadOutcome] = {}
        self._independent_leaves = not _ties_leaves(mock)
        self._handlers: dict[Kind, Handler] = {
            Kind.CREATE: self._create,
            Kind.READ: self._read,
            Kind.UPDATE: self._update,
            Kind.DELETE: self._delete,
            Kind.LIST: self._list,
        }

    def prefix(self, session: str) -> str:
        return f"{self.api}/{session}/"

    def reset(self, session: str) -> int:
        return self._store.clear(self.prefix(session))

    def fingerprints(self) -> dict[str, str]:
        """Each entity and its read answer as generated from the XSD with a fixed seed, as a digest: a changed
        element, type or facet of the entity changes it (a hot reload compares them)."""
        return {
            name: digest([entity.element, entity.id_name, entity.template.decode("utf-8", "replace")])
            for name, entity in self.model.entities.items()
        }

    def forget(self, names: AbstractCollection[str]) -> int:
        """Clear the entities ``names`` in every session; keys removed."""
        known = set(self.model.entities)
        return forget(self._store, self.api, names, lambda tail: tail if tail in known else None, lambda _, name: name)

    def __call__(self, call: Call, inner: Next) -> MockResult:
        request = call.request
        if (
            request.method.upper() != "POST"
            or not self.model.operations
            or _PREFER_FAULT.search(request.header("prefer") or "")
        ):
            return inner(call)
        try:
            envelope = read_envelope(request.body, self.mock.options.limits.max_xml_elements)
        except EnvelopeError:
            return inner(call)
        first = envelope.first
        action = request_action(request, envelope.version)
        found: PortOperation | None = None
        for port in self.mock.ports:
            if port.version == envelope.version:
                found = port.find(action, str(first.tag) if first is not None else None)
                if found is not None:
                    break
        if found is None or first is None or found.name not in self.model.operations:
            return inner(call)
        kind, entity = self.model.operations[found.name]
        exchange = _Exchange(call, inner, first, found)
        if not exchange.ok:
            return exchange.result
        try:
            return self._handlers[kind](exchange, entity)
        except (StoreError, StoreFullError) as error:  # unreachable, or full (max_stored_items): said, never a crash
            response = self.envelope.error_response(request, 500, f"the sandbox's store refused it: {error}")
            return replace(exchange.result, response=response)

    # -- operations --------------------------------------------------------------------------------

    def _create(self, exchange: _Exchange, entity: Entity) -> MockResult:
        answer = _parsed(exchange.result.response)
        if answer is None:
            return exchange.result
        version, headers, wrapper = answer
        in_answer = _child(wrapper, entity.element)
        id_element = _id_child(wrapper, entity)
        if id_element is None and in_answer is not None:
            id_element = _id_child(in_answer, entity)
        if id_element is None or not (id_element.text or "").strip():
            return exchange.result
        session = exchange.call.session
        namespace = self._namespace(session, entity)
        count = self._store.incr(self.prefix(session) + "#created", entity.name)
        key = (id_element.text or "").strip()
        minted_checked = False  # the answer, as it will be sent, validated while minting its id
        if count > 1 or self._taken(namespace, entity, key) or self._deleted(session, entity, key):
            minted = self._minted(wrapper, id_element, f"{namespace}/{count}", namespace, entity)
            if minted is not None:
                key = minted
                minted_checked = True
        id_element.text = key
        if in_answer is not None and in_answer is not id_element.getparent():
            inner_id = _id_child(in_answer, entity)
            if inner_id is not None:
                inner_id.text = key
        template = entity.template_tree()
        slot = _child(template, entity.element)
        assert slot is not None  # the model kept this entity because its template has one
        if in_answer is not None:
            stored = copy.deepcopy(in_answer)
            slot.addprevious(stored)
            template.remove(slot)
        else:
            stored = slot
        stored_id = _id_child(stored, entity)
        if stored_id is not None:
            stored_id.text = key
        warnings: list[str] = []
        # _merge keeps a valid template valid (each change is checked and undone if it breaks it) and leaves an
        # invalid one alone, so this one check says whether the merged entity validates
        if not self._valid(template):
            note = f"the {entity.name} made from this request does not validate against the XSD: not stored"
            return _warned(exchange.result, note)
        source = _child(exchange.request, entity.element)
        request = source if source is not None else exchange.request
        warnings = self._merged(template, stored, request, entity, valid=True)
        self._store.put(namespace, key, etree.tostring(stored, encoding="unicode"))
        # a minted id was checked in this very answer; only the entity's own id, set since, would need another
        checked = minted_checked and (in_answer is None or _id_child(in_answer, entity) is None)
        if not checked and not self._valid(wrapper):
            return _warned(exchange.result, f"the answer with the id {key!r} does not validate: generated answer")
        return _rebuilt(exchange.result, version, headers, wrapper, warnings)

    def _read(self, exchange: _Exchange, entity: Entity) -> MockResult:
        key = _request_id(exchange.request, entity)
        if key is None:
            return exchange.result  # looked up by something else (an external id): the mock's answer
        text = self._lookup_text(exchange.call.session, entity, key)
        if text is None:
            return self._not_found(exchange, entity, key)
        response = exchange.result.response
        memo = (entity.name, response.body, text)
        outcome = self._reads.get(memo)
        if outcome is None:
            outcome = self._read_outcome(response, entity, key, text)
            if len(self._reads) >= _READ_MEMO:
                self._reads.clear()
            self._reads[memo] = outcome
        body, notes = outcome
        if body is None and not notes:
            return exchange.result
        extra = tuple((WARNING, note) for note in notes)
        answer = Response(response.status, (*response.headers, *extra), response.body if body is None else body)
        return replace(exchange.result, response=answer)

    def _read_outcome(self, response: Response, entity: Entity, key: str, text: str) -> _ReadOutcome:
        """The mock's read answer with its entity element replaced by the stored one (checked against the XSD)."""
        answer = _parsed(response)
        if answer is None:
            return None, ()
        version, headers, wrapper = answer
        slot = _child(wrapper, entity.element)
        if slot is None:
            return None, ()
        slot.addprevious(etree.fromstring(text.encode(), STORED_XML))
        wrapper.remove(slot)
        if not self._valid(wrapper):
            return None, (_header(f"the stored {entity.name} {key!r} does not validate: generated answer"),)
        return build_envelope(version, [wrapper], headers), ()

    def _update(self, exchange: _Exchange, entity: Entity) -> MockResult:
        key = _request_id(exchange.request, entity)
        if key is None:
            return exchange.result
        session = exchange.call.session
        stored = self._lookup(session, entity, key)
        if stored is None:
            return self._not_found(exchange, entity, key)
        template = entity.template_tree()
        slot = _child(template, entity.element)
        assert slot is not None
        slot.addprevious(stored)
        template.remove(slot)
        source = _child(exchange.request, entity.element)
        warnings = self._merged(
            template, stored, source if source is not None else exchange.request, entity, valid=False
        )
        if not self._valid(template):
            return _warned(exchange.result, f"this change would make {entity.name} {key!r} invalid: not stored")
        self._store.put(self._namespace(session, entity), key, etree.tostring(stored, encoding="unicode"))
        return _warned(exchange.result, *warnings) if warnings else exchange.result

    def _delete(self, exchange: _Exchange, entity: Entity) -> MockResult:
        key = _request_id(exchange.request, entity)
        if key is None:
            return exchange.result
        session = exchange.call.session
        if not self._store.delete(self._namespace(session, entity), key):
            seeded = key in self.seeds.get(entity.name, {})
            if not seeded or self._deleted(session, entity, key):
                return self._not_found(exchange, entity, key)
        self._store.put(self._tombs(session, entity), key, True)
        return exchange.result

    def _list(self, exchange: _Exchange, entity: Entity) -> MockResult:
        answer = _parsed(exchange.result.response)
        if answer is None:
            return exchange.result
        version, headers, wrapper = answer
        items = [etree.fromstring(value.encode(), STORED_XML) for value in self._items(exchange.call.session, entity)]
        size = PAGE
        for leaf in exchange.request.iter():
            if isinstance(leaf.tag, str) and not len(leaf) and local(leaf).lower() == "pagesize":
                text = (leaf.text or "").strip()
                size = min(int(text), PAGE) if text.isdigit() and 0 < len(text) < 6 else size
        template = _child(entity.template_tree(), entity.element)
        known = {local(leaf) for item in [*items, template] if item is not None for leaf in item if not len(leaf)}
        for leaf in exchange.request:
            wanted = (leaf.text or "").strip() if isinstance(leaf.tag, str) and not len(leaf) else ""
            name = local(leaf) if wanted else ""
            if wanted and name in known and not is_id_name(name, entity.name):
                items = [item for item in items if _leaf_text(item, name) == wanted]
        matched = len(items)
        page = items[:size]
        generated = [child for child in wrapper if isinstance(child.tag, str) and local(child) == entity.element]
        anchor: etree._Element | None = None
        if generated:
            anchor = generated[0].getprevious()
            for child in generated:
                wrapper.remove(child)
        for child in wrapper:
            if isinstance(child.tag, str) and not len(child) and local(child).lower() in _TOTALS:
                child.text = str(matched)
            if isinstance(child.tag, str) and local(child).lower() in _NEXT and matched <= size:
                wrapper.remove(child)
        if page:
            if generated:
                position = 0 if anchor is None else wrapper.index(anchor) + 1
                for offset, item in enumerate(page):
                    wrapper.insert(position + offset, item)
            elif not self._placed(wrapper, page):
                return _warned(exchange.result, f"this answer has no place for the session's {entity.name} items")
        if not self._valid(wrapper):
            return _warned(exchange.result, f"the session's {entity.name} list does not validate: generated answer")
        return _rebuilt(exchange.result, version, headers, wrapper)

    # -- helpers -----------------------------------------------------------------------------------

    def _not_found(self, exchange: _Exchange, entity: Entity, key: str) -> MockResult:
        call = exchange.call
        deleted = self._deleted(call.session, entity, key)
        why = "it was deleted in this session" if deleted else f"session {call.session!r} did not create it"
        message = f"No such {entity.name}: {key!r} ({why})"
        for fault in exchange.op.faults:
            if any(word in fault.name.lower() for word in _NOT_FOUND_WORDS):
                request = call.request
                prefer = request.header("prefer")
                asked = f"{prefer}, fault={fault.name}" if prefer else f"fault={fault.name}"
                headers = (*(h for h in request.headers if h[0] != "prefer"), ("prefer", asked))
                return exchange.inner(call.with_request(replace(request, headers=headers)))
        response = self.envelope.error_response(call.request, 400, message)  # 400: a Client/Sender fault
        # SOAP 1.1 sends every fault with HTTP 500; SOAP 1.2 a Sender fault with 400 (part 2, table 20)
        version, _ = version_of_content_type(call.request.header("content-type"))
        return replace(exchange.result, response=replace(response, status=400 if version == "1.2" else 500))

    def _merged(
        self, wrapper: etree._Element, target: etree._Element, source: etree._Element, entity: Entity, *, valid: bool
    ) -> list[str]:
        """``_merge``, with the leaves it changes set together and validated once when the schema allows (see the
        module's docstring) and ``wrapper`` is known to be ``valid``: the same outcome, one validation instead of
        one per leaf."""
        changed: list[tuple[etree._Element, str | None]] = []
        if self._independent_leaves and valid:
            _set_leaves(wrapper, target, source, entity, changed)
            if len({id(element) for element, _ in changed}) < len(changed) or not self._valid(wrapper):
                for element, before in reversed(changed):  # back as it was: the merge checks each change alone
                    element.text = before
                changed = []
        return self._merge(wrapper, target, source, entity, {element for element, _ in changed})

    def _merge(
        self,
        wrapper: etree._Element,
        target: etree._Element,
        source: etree._Element,
        entity: Entity,
        accepted: AbstractCollection[etree._Element] = (),
    ) -> list[str]:
        """Copy ``source``'s leaf values into ``target`` (same local names, recursively), keeping ``wrapper``
        valid at each step; what could not be placed is returned as warnings. ``accepted``: leaves already set
        and validated together (``_merged``)."""
        warnings: list[str] = []
        for child in source:
            if not isinstance(child.tag, str):
                continue
            name = local(child)
            if is_id_name(name, entity.name) and target.getparent() is wrapper:
                continue  # the id is the server's
            existing = _child(target, name)
            if existing is not None and len(child) and len(existing):
                warnings += self._merge(wrapper, existing, child, entity, accepted)
                continue
            if existing is not None and not len(child) and not len(existing):
                before = existing.text
                existing.text = child.text
                if existing in accepted:
                    continue
                if not self._valid(wrapper):
                    existing.text = before
                    warnings.append(f"<{name}> {child.text!r} does not fit the {entity.name}: not stored")
                continue
            if existing is None and not self._placed(target, [_renamed(child, target)], root=wrapper):
                warnings.append(f"<{name}> has no place in the {entity.name}: not stored")
        return warnings

    def _placed(
        self, parent: etree._Element, items: list[etree._Element], *, root: etree._Element | None = None
    ) -> bool:
        """Insert ``items`` (together) at the first position of ``parent`` where ``root`` validates."""
        root = root if root is not None else parent
        for position in range(len(parent) + 1):
            for offset, item in enumerate(items):
                parent.insert(position + offset, item)
            if self._valid(root):
                return True
            for item in items:
                parent.remove(item)
        return False

    def _valid(self, element: etree._Element) -> bool:
        return not self.mock.validator.validate(detached(element))

    def _minted(
        self, wrapper: etree._Element, id_element: etree._Element, seed: str, namespace: str, entity: Entity
    ) -> str | None:
        current = (id_element.text or "").strip()
        for attempt in range(_MINT_ATTEMPTS):
            entropy = hashlib.blake2b(f"{self.mock.options.seed}/{seed}/{attempt}".encode()).digest()
            pools = [_POOL.get(character, character) for character in current]
            candidate = "".join(pool[byte % len(pool)] for pool, byte in zip(pools, entropy * 4, strict=False))
            if self._taken(namespace, entity, candidate):
                continue
            id_element.text = candidate
            if self._valid(wrapper):
                return candidate
        id_element.text = current
        return None

    def _namespace(self, session: str, entity: Entity) -> str:
        return f"{self.api}/{session}/{entity.name}"

    def _tombs(self, session: str, entity: Entity) -> str:
        return f"{self.api}/{session}/#deleted/{entity.name}"

    def _deleted(self, session: str, entity: Entity, key: str) -> bool:
        return self._store.get(self._tombs(session, entity), key) is not None

    def _lookup(self, session: str, entity: Entity, key: str) -> etree._Element | None:
        """The entity the session holds at ``key``: stored, else seeded and not deleted."""
        value = self._lookup_text(session, entity, key)
        return None if value is None else etree.fromstring(value.encode(), STORED_XML)

    def _lookup_text(self, session: str, entity: Entity, key: str) -> str | None:
        """``_lookup``'s XML text."""
        value = self._store.get(self._namespace(session, entity), key)
        if not isinstance(value, str):
            value = self.seeds.get(entity.name, {}).get(key)
            if value is None or self._deleted(session, entity, key):
                return None
        return value

    def _items(self, session: str, entity: Entity) -> list[str]:
        """The session's entities as XML text: seeded ones (their changed copy, none when deleted), then created."""
        stored = [
            (key, value) for key, value in self._store.items(self._namespace(session, entity)) if isinstance(value, str)
        ]
        seeds = self.seeds.get(entity.name)
        if not seeds:
            return [value for _, value in stored]
        deleted = {key for key, _ in self._store.items(self._tombs(session, entity))}
        changed = dict(stored)
        out = [changed.get(key, seed) for key, seed in seeds.items() if key not in deleted]
        return out + [value for key, value in stored if key not in seeds]

    def _taken(self, namespace: str, entity: Entity, key: str) -> bool:
        return key in self.seeds.get(entity.name, {}) or self._store.get(namespace, key) is not None


def _set_leaves(
    wrapper: etree._Element,
    target: etree._Element,
    source: etree._Element,
    entity: Entity,
    changed: list[tuple[etree._Element, str | None]],
) -> None:
    """The leaf text changes ``_merge`` would make (same walk), made at once; each leaf and its text before."""
    for child in source:
        if not isinstance(child.tag, str):
            continue
        name = local(child)
        if is_id_name(name, entity.name) and target.getparent() is wrapper:
            continue
        existing = _child(target, name)
        if existing is not None and len(child) and len(existing):
            _set_leaves(wrapper, existing, child, entity, changed)
        elif existing is not None and not len(child) and not len(existing):
            changed.append((existing, existing.text))
            existing.text = child.text


_TIES = frozenset({"unique", "key", "keyref"})  # identity constraints: values of several leaves checked together
_TIED_TYPES = frozenset({"ID", "IDREF", "IDREFS"})  # unique across the document, or pointing at such a value


def _ties_leaves(mock: SoapMock) -> bool:
    """Whether the contract's schemas make one leaf's validity depend on another's text."""
    definitions = mock.contract.definitions
    assert definitions is not None
    for schema in definitions.schemas:
        for element in schema.element.iter():
            if not isinstance(element.tag, str):
                continue
            if etree.QName(element).localname in _TIES:
                return True
            for attribute in ("type", "base", "itemType", "memberTypes"):
                value = element.get(attribute)
                if value and any(name.rpartition(":")[2] in _TIED_TYPES for name in value.split()):
                    return True
    return False


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    return next((child for child in parent if isinstance(child.tag, str) and local(child) == name), None)


def _id_child(parent: etree._Element, entity: Entity) -> etree._Element | None:
    return next(
        (
            child
            for child in parent
            if isinstance(child.tag, str) and not len(child) and is_id_name(local(child), entity.name)
        ),
        None,
    )


def _request_id(request: etree._Element, entity: Entity) -> str | None:
    found = _id_child(request, entity)
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def _leaf_text(item: etree._Element, name: str) -> str | None:
    found = _child(item, name)
    return (found.text or "").strip() if found is not None and not len(found) else None


def _renamed(child: etree._Element, target: etree._Element) -> etree._Element:
    """A copy of a request element to insert under ``target``, in the namespace ``target``'s children use."""
    copied = copy.deepcopy(child)
    siblings = [sibling for sibling in target if isinstance(sibling.tag, str)]
    namespace = etree.QName(siblings[0]).namespace if siblings else etree.QName(child).namespace
    for element in copied.iter():
        if isinstance(element.tag, str) and etree.QName(element).namespace == etree.QName(child).namespace:
            element.tag = etree.QName(namespace, local(element)).text if namespace else local(element)
    return copied


def _parsed(response: Response) -> tuple[str, list[etree._Element], etree._Element] | None:
    try:
        envelope = read_envelope(response.body)
    except EnvelopeError:
        return None
    if envelope.first is None:
        return None
    return envelope.version, list(envelope.headers), envelope.first


def _rebuilt(
    result: MockResult,
    version: str,
    headers: list[etree._Element],
    wrapper: etree._Element,
    warnings: Sequence[str] = (),
) -> MockResult:
    body = build_envelope(version, [wrapper], headers)
    response = result.response
    extra = tuple((WARNING, _header(warning)) for warning in warnings)
    return replace(result, response=Response(response.status, (*response.headers, *extra), body))


def _warned(result: MockResult, *notes: str) -> MockResult:
    response = result.response
    extra = tuple((WARNING, _header(note)) for note in notes)
    return replace(result, response=Response(response.status, (*response.headers, *extra), response.body))


def _header(text: str) -> str:
    text = " ".join(text.split())
    text = text.encode("ascii", "replace").decode()
    return text if len(text) <= _MAX_WARNING else text[: _MAX_WARNING - 3] + "..."

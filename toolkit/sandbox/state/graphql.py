"""``GraphQLStateLayer``: objects GraphQL mutations create, update and delete, read back by id and listed, per
session.

A post-processing layer over the JSON answer, like REST's: the mock (graphql-core executing the mock's
resolvers) has already validated the document, applied the depth and cost limits, coerced the variables and
built ``data`` in the shape of the selection; the layer re-reads the document (the mock's own parse, its
operation and fragments) and replaces values in ``data`` field by field. Doing it in the resolvers instead
would tie the resolvers (seeded, memoised, pure functions of the request) to the session and the store; here
the mock stays pure and state is one more layer, like REST's and SOAP's. What each root field does is
read from the schema once (``graphql_model``).

Stored form: the object as the mock answered it for the selected fields (keyed by field name, not alias;
fields with arguments are not stored; a nested object is stored inside its parent, as a value, even when it
has an id of its own), plus the mutation input's fields the type has (so a field the create did not select
still reads back as sent). Fields neither selected nor sent are generated on a read (the mock keys an object
fetched by id by its id, so they are stable), and the first answer that shows one stores it, so later reads
agree.

- create: the answered object is stored; identical create requests get distinct ids (same character classes
  as the mock's, drawn from the seed and the session's count);
- read: the stored object. An id the session does not hold reads as ``null`` where the field is nullable
  (what GraphQL servers do), else an ``errors`` entry (code ``NOT_FOUND``) with ``data: null``;
- list: the session's objects (filters that name a field: equality, or every listed value present), the
  first page (``first``, else 50; ``after`` a cursor of ours), with ``pageInfo`` and ``totalCount`` to match;
- update: the arguments named like the type's fields (directly, in ``input``, or in a nested ``patch``,
  ``changes``, ``data``...: ``graphql_values.changes``) merged into the stored object; the answer (the
  object, or its field in a payload) is the changed object;
- delete: removed, and remembered as deleted; the answer is the deleted object where the field answers it,
  the id where it answers an ID (and in a payload's ``deletedId``/``deleted<X>Id``), ``true`` for a Boolean
  (and a payload's ``success``/``ok``/``deleted``);
- an update or delete of an id the session does not hold: an ``errors`` entry (``NOT_FOUND``) at the field,
  which is ``null`` (``data: null`` when the field is non-null); a Boolean answer is ``false`` instead;
- a Relay payload's ``clientMutationId`` repeats the input's.

Seed files (``mocks/<api>/seed.json``, checked by ``graphql_seeds``) add objects every session starts with,
read through and never copied: a change stores the session's copy, a delete records a tombstone.

Every value placed in ``data`` is checked against its field's type (nullability, lists, enums, built-in
scalars); an answer that cannot be built goes out as generated with a ``ctk-warning`` header. Namespaces:
``api/session/Type`` (id -> object), ``api/session/#deleted/Type``, ``api/session/#created``.

A query whose root fields only read by id is a function of the request, the mock's answer and the objects it
looked up: its answer is kept in a small per-layer memo with those lookups, and given again (no parse, shaping,
type checks or JSON) while the same lookups find the same objects. A read that stores generated fields, a list
and every mutation are computed each time.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Collection as AbstractCollection
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    OperationType,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_variable_values

from toolkit.exchange import MockResult, Response
from toolkit.graphql.mock.handler import GraphQLMock
from toolkit.graphql.mock.over_http import Refusal, read_params
from toolkit.graphql.selection import Selection
from toolkit.mock.envelope import MockEnvelope
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.state.graphql_model import (
    Change,
    Create,
    GraphQLModel,
    Listing,
    compile_model,
    entity_key,
    type_shape,
)
from toolkit.sandbox.state.graphql_seeds import checked_seeds
from toolkit.sandbox.state.graphql_values import (
    CLIENT_MUTATION_ID,
    at_path,
    changes,
    client_mutation_id,
    echo,
    fits,
    merged,
)
from toolkit.sandbox.state.schemas import digest, forget
from toolkit.sandbox.state.seeds import SeedFile
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, StoreFullError

__all__ = ["GraphQLModel", "GraphQLStateLayer", "Listing", "compile_model"]

WARNING = "ctk-warning"
PAGE = 50
_ALPHABETS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_POOL = {character: alphabet for alphabet in _ALPHABETS for character in alphabet}
_MINT_ATTEMPTS = 8
_CURSOR = "ctk:"
_SUCCESS = frozenset({"success", "succeeded", "ok", "deleted", "removed", "destroyed"})
_READ_MEMO = 512  # query answers remembered per layer
_READ_MEMO_BYTES = 16_384  # the most request and answer bytes a remembered query may hold


class _UnbuildableError(Exception):
    """The stored data cannot fill this answer (a non-null field with nothing to put in it)."""


@dataclass
class _Root:
    """One root field of the operation: what it was asked with, and where its answer is in ``data``."""

    session: str
    request: Selection
    field: GraphQLField
    nodes: list[FieldNode]
    arguments: dict[str, Any]
    data: dict[str, Any]
    key: str


@dataclass
class _Outcome:
    errors: list[dict[str, Any]] = field(default_factory=list)
    nulled: bool = False  # a non-null root field has no value: ``data`` itself is null (null propagation)
    # (entity, id) -> what _lookup found, for the read memo; None once something not a pure read ran
    lookups: list[tuple[tuple[str, str], tuple[dict[str, Any] | None, bool]]] | None = field(default_factory=list)


# a memoised query: the lookups it made (and what they found), and its answer: the body to send (None: the mock's),
# or a ctk-warning to add to the mock's answer
_Remembered = tuple[tuple[tuple[tuple[str, str], tuple[dict[str, Any] | None, bool]], ...], bytes | None, str | None]


class GraphQLStateLayer:
    """The ``state`` layer of one GraphQL API (see the module's docstring). Thread-safe: nothing per request."""

    name = "state"

    def __init__(self, envelope: MockEnvelope, store: Store, *, api: str, seeds: SeedFile | None = None) -> None:
        mock = envelope.mock
        if not isinstance(mock, GraphQLMock):
            raise TypeError(f"GraphQL state needs a GraphQL mock, not {type(mock).__name__}")
        self.api = api
        self.mock = mock
        self.schema = mock.schema
        self.seeds: dict[str, dict[str, dict[str, Any]]] = checked_seeds(mock.schema, seeds) if seeds else {}
        self.model = compile_model(mock.schema, seeded=self.seeds)
        self._store = store
        self._reads: dict[tuple[Any, ...], _Remembered] = {}  # see the module's docstring

    def prefix(self, session: str) -> str:
        return f"{self.api}/{session}/"

    def reset(self, session: str) -> int:
        return self._store.clear(self.prefix(session))

    def fingerprints(self) -> dict[str, str]:
        """Each entity type and the shape of what it reaches (fields and their types, enum values, union
        members), as a digest: a hot reload compares them."""
        return {name: digest(type_shape(self.schema, name)) for name in sorted(self.model.entities)}

    def forget(self, names: AbstractCollection[str]) -> int:
        """Clear the entity types ``names`` in every session; keys removed."""
        known = self.model.entities
        return forget(self._store, self.api, names, lambda tail: tail if tail in known else None, lambda _, name: name)

    def __call__(self, call: Call, inner: Next) -> MockResult:
        result = inner(call)
        if result.response.status != 200 or not self.model.entities:
            return result
        request, response = call.request, result.response
        memo: tuple[Any, ...] | None = None
        if len(request.body) + len(request.query) + len(response.body) <= _READ_MEMO_BYTES:
            memo = (request.method, request.path, request.query, request.header("content-type"), request.body,
                    response.body, call.session)  # fmt: skip
            remembered = self._reads.get(memo)
            if remembered is not None:
                lookups, text, note = remembered
                if all(self._lookup(call.session, *where) == found for where, found in lookups):
                    return _remembered(result, text, note)
        outcome = _Outcome()
        answer = self._answer(call, result, outcome)
        if memo is not None and outcome.lookups:
            if answer is result:
                text, note = None, None
            elif answer.response.body is not response.body:
                text, note = answer.response.body, None
            else:
                text, note = None, answer.response.header(WARNING)
            if len(self._reads) >= _READ_MEMO:
                self._reads.clear()
            self._reads[memo] = (tuple(outcome.lookups), text, note)
        return answer

    def _answer(self, call: Call, result: MockResult, outcome: _Outcome) -> MockResult:
        """The answer with state applied; ``outcome.lookups`` lists what it read when it only read by id."""
        outcome.lookups = None  # until the root fields are known to be reads
        limits = self.mock.options.limits
        params = read_params(call.request, limits.max_nesting, limits.max_form_fields)
        if isinstance(params, Refusal):
            return result
        try:
            body = json.loads(result.response.body)
        except ValueError:
            return result
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or body.get("errors"):
            return result
        # the mock's own parse (cached per query text, within its nesting and token limits), not a second one
        document = self.mock.document(params.query)
        operation = get_operation_ast(document, params.operation_name) if document is not None else None
        if document is None or operation is None:
            return result
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return result
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        variables = get_variable_values(self.schema, operation.variable_definitions or (), params.variables or {})
        if not isinstance(variables, VariableValues):
            return result
        request = Selection(self.schema, fragments, variables)
        model = self.model
        mutation = operation.operation is OperationType.MUTATION
        query = operation.operation is OperationType.QUERY
        outcome.lookups = [] if query else None
        try:
            # in document order: a mutation's root fields run one after another, so a later one sees an earlier one's
            for key, nodes in request.collect(operation.selection_set, root).items():
                name = nodes[0].name.value
                root_field = root.fields.get(name)
                if root_field is None or key not in data:
                    continue
                at = _Root(call.session, request, root_field, nodes, request.arguments(root_field, nodes[0]), data, key)
                if mutation and name in model.creates:
                    self._create(at, model.creates[name])
                elif mutation and name in model.updates:
                    self._update(at, model.updates[name], outcome)
                elif mutation and name in model.deletes:
                    self._delete(at, model.deletes[name], outcome)
                elif query and name in model.reads:
                    self._read(at, model.reads[name], outcome)
                elif query and name in model.lists:
                    outcome.lookups = None
                    self._list(at, model.lists[name])
        except _UnbuildableError as why:
            return _warned(result, f"{why}: answered with generated data")
        except (StoreError, StoreFullError) as error:  # unreachable, or full (max_stored_items)
            outcome.lookups = None
            return _warned(result, f"the sandbox's store refused it ({error}): answered with generated data")
        if outcome.errors:
            return _answered(result, {**body, "errors": outcome.errors, "data": None if outcome.nulled else data})
        return _answered(result, {**body, "data": data})

    # -- root fields -------------------------------------------------------------------------------

    def _create(self, at: _Root, create: Create) -> None:
        entity = self._entity(create.entity)
        request = at.request
        payload = at.data[at.key]
        holders: list[tuple[dict[str, Any], str, list[FieldNode]]] = []  # (object holding it, response key, nodes)
        if create.field is None:
            holders.append((at.data, at.key, at.nodes))
        elif isinstance(payload, dict):
            payload_type = get_named_type(at.field.type)
            assert isinstance(payload_type, GraphQLObjectType)
            for sub_key, sub_nodes in request.collect(at.nodes, payload_type).items():
                if sub_nodes[0].name.value != create.field or not isinstance(payload.get(sub_key), dict):
                    continue
                if create.edge is None:
                    holders.append((payload, sub_key, sub_nodes))
                    continue
                edge, edge_type = payload[sub_key], get_named_type(payload_type.fields[create.field].type)
                assert isinstance(edge_type, GraphQLObjectType)
                for node_key, node_nodes in request.collect(sub_nodes, edge_type).items():
                    if node_nodes[0].name.value == create.edge and isinstance(edge.get(node_key), dict):
                        holders.append((edge, node_key, node_nodes))
            self._relay(at)
        if not holders:
            return
        answered = holders[0][0][holders[0][1]]
        ids = [k for k, n in request.collect(holders[0][2], entity).items() if n[0].name.value == "id"]
        if not ids or not isinstance(answered.get(ids[0]), str | int):
            return  # the id was not selected: the client can never read it back, nothing worth storing
        stored: dict[str, Any] = {}
        for holder, sub_key, sub_nodes in holders:
            stored = merged(stored, self._stored_form(request, holder[sub_key], sub_nodes, entity))
        for value in at.arguments.values():
            if isinstance(value, dict):
                stored = merged(echo(entity, value), stored)
        stored = merged(echo(entity, {k: v for k, v in at.arguments.items() if not isinstance(v, dict)}), stored)
        namespace = self._namespace(at.session, entity.name)
        count = self._store.incr(self.prefix(at.session) + "#created", entity.name)
        identifier = str(answered[ids[0]])
        if count > 1 or self._taken(namespace, entity.name, identifier):
            identifier = self._minted(identifier, f"{namespace}/{count}", namespace, entity.name)
        stored["id"] = identifier
        for holder, sub_key, sub_nodes in holders:
            for id_key in (k for k, n in request.collect(sub_nodes, entity).items() if n[0].name.value == "id"):
                holder[sub_key][id_key] = identifier
        self._store.put(namespace, identifier, stored)

    def _read(self, at: _Root, entities: tuple[str, ...], outcome: _Outcome) -> None:
        identifier = str(at.arguments.get("id"))
        deleted = False
        for entity_name in entities:
            stored, was_deleted = self._lookup(at.session, entity_name, identifier)
            if outcome.lookups is not None:
                outcome.lookups.append(((entity_name, identifier), (stored, was_deleted)))
            deleted = deleted or was_deleted
            if stored is not None:
                entity = self._entity(entity_name)
                generated = at.data.get(at.key)
                if isinstance(generated, dict) and not _same_type(at.request, at.nodes, entity, generated):
                    generated = None
                fill: dict[str, Any] = {}
                at.data[at.key] = self._shape(at.request, stored, generated, at.nodes, entity, fill)
                if fill:  # stored now: the next read finds another object, and is remembered then
                    outcome.lookups = None
                    self._store.put(self._namespace(at.session, entity_name), identifier, {**stored, **fill})
                return
        # a read of an id nobody holds is null where the schema allows it (what servers answer), not an error
        self._not_found(at, entities, identifier, deleted, outcome, error_when_nullable=False)

    def _update(self, at: _Root, change: Change, outcome: _Outcome) -> None:
        identifier = _identifier(at_path(at.arguments, change.id_path))
        if identifier is None:
            return  # no id given (an optional argument left out): the mock's answer
        stored, deleted = self._lookup(at.session, change.entity, identifier)
        if stored is None:
            self._missing(at, change, identifier, deleted, outcome)
            return
        entity = self._entity(change.entity)
        changed = {**merged(stored, changes(entity, at.arguments, change.id_path)), "id": stored.get("id", identifier)}
        fill: dict[str, Any] = {}
        self._answer_change(at, change, entity, changed, identifier, fill, deleting=False)
        self._store.put(self._namespace(at.session, entity.name), identifier, {**changed, **fill})

    def _delete(self, at: _Root, change: Change, outcome: _Outcome) -> None:
        identifier = _identifier(at_path(at.arguments, change.id_path))
        if identifier is None:
            return
        stored, deleted = self._lookup(at.session, change.entity, identifier)
        if stored is None:
            self._missing(at, change, identifier, deleted, outcome)
            return
        entity = self._entity(change.entity)
        self._answer_change(at, change, entity, stored, identifier, {}, deleting=True)
        self._store.delete(self._namespace(at.session, entity.name), identifier)
        self._store.put(self._tombs(at.session, entity.name), identifier, True)

    def _list(self, at: _Root, listing: Listing) -> None:
        entity = self._entity(listing.entity)
        request = at.request
        items = self._items(at.session, entity.name)
        for name, wanted in (at.arguments.get("filter") or {}).items():
            if name in entity.fields:
                items = [item for item in items if _matches(item.get(name), wanted)]
        total = len(items)
        start = 0
        after = at.arguments.get("after")
        if isinstance(after, str) and after.startswith(_CURSOR):
            start = next((i + 1 for i, item in enumerate(items) if _cursor(item) == after), total)
        first = at.arguments.get("first")
        size = min(first, PAGE) if isinstance(first, int) and first >= 0 else PAGE
        page = items[start : start + size]
        generated = at.data.get(at.key)
        if not listing.connection:
            templates = generated if isinstance(generated, list) else []
            at.data[at.key] = [
                self._shape(request, item, _template(templates, i), at.nodes, entity, {}) for i, item in enumerate(page)
            ]
            return
        connection_type = get_named_type(at.field.type)
        assert isinstance(connection_type, GraphQLObjectType)
        if not isinstance(generated, dict):
            return
        out = dict(generated)
        for sub_key, sub_nodes in request.collect(at.nodes, connection_type).items():
            sub_name = sub_nodes[0].name.value
            sub_type = (
                get_named_type(connection_type.fields[sub_name].type) if sub_name in connection_type.fields else None
            )
            if sub_name == "totalCount":
                out[sub_key] = total
            elif sub_name == "nodes" and isinstance(sub_type, GraphQLObjectType):
                templates = generated.get(sub_key) or []
                out[sub_key] = [
                    self._shape(request, item, _template(templates, i), sub_nodes, entity, {})
                    for i, item in enumerate(page)
                ]
            elif sub_name == "edges" and isinstance(sub_type, GraphQLObjectType):
                templates = generated.get(sub_key) or []
                out[sub_key] = [
                    self._edge(request, item, _template(templates, i), sub_nodes, sub_type, entity)
                    for i, item in enumerate(page)
                ]
            elif sub_name == "pageInfo" and isinstance(sub_type, GraphQLObjectType):
                info = {
                    "hasNextPage": start + size < total,
                    "hasPreviousPage": start > 0,
                    "startCursor": _cursor(page[0]) if page else None,
                    "endCursor": _cursor(page[-1]) if page else None,
                }
                shown = dict(generated.get(sub_key) or {})
                for info_key, info_nodes in request.collect(sub_nodes, sub_type).items():
                    if info_nodes[0].name.value in info:
                        shown[info_key] = info[info_nodes[0].name.value]
                out[sub_key] = shown
        at.data[at.key] = out

    def _edge(
        self,
        request: Selection,
        item: dict[str, Any],
        template: Any,
        nodes: list[FieldNode],
        edge_type: GraphQLObjectType,
        entity: GraphQLObjectType,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, sub_nodes in request.collect(nodes, edge_type).items():
            name = sub_nodes[0].name.value
            if name == "cursor":
                out[key] = _cursor(item)
            elif name == "node":
                node_template = template.get(key) if isinstance(template, dict) else None
                out[key] = self._shape(request, item, node_template, sub_nodes, entity, {})
            elif name == "__typename":
                out[key] = edge_type.name
            elif isinstance(template, dict) and key in template:
                out[key] = template[key]
            else:
                raise _UnbuildableError(f"no value for {edge_type.name}.{name}")
        return out

    # -- mutation answers --------------------------------------------------------------------------

    def _answer_change(
        self,
        at: _Root,
        change: Change,
        entity: GraphQLObjectType,
        value: dict[str, Any],
        identifier: str,
        fill: dict[str, Any],
        *,
        deleting: bool,
    ) -> None:
        """The answer of an update (``value``: the changed object) or a delete (the deleted one), in what the
        field answers: the object, a payload holding it, a Boolean, or the id."""
        generated = at.data.get(at.key)
        if change.answer == "entity":
            template = generated if isinstance(generated, dict) else None
            at.data[at.key] = self._shape(at.request, value, template, at.nodes, entity, fill)
            return
        if change.answer == "boolean":
            at.data[at.key] = True
            return
        if change.answer == "id":
            at.data[at.key] = identifier
            return
        if not isinstance(generated, dict):
            return
        payload_type = get_named_type(at.field.type)
        assert isinstance(payload_type, GraphQLObjectType)
        out = dict(generated)
        for sub_key, sub_nodes in at.request.collect(at.nodes, payload_type).items():
            sub_name = sub_nodes[0].name.value
            sub_field = payload_type.fields.get(sub_name)
            if sub_field is None:
                continue
            named = get_named_type(sub_field.type)
            if named is entity and not isinstance(get_nullable_type(sub_field.type), GraphQLList):
                template = generated.get(sub_key)
                out[sub_key] = self._shape(
                    at.request, value, template if isinstance(template, dict) else None, sub_nodes, entity, fill
                )
            elif deleting and _deleted_id(sub_name) and fits(sub_field.type, identifier):
                out[sub_key] = identifier
            elif deleting and sub_name.lower() in _SUCCESS and fits(sub_field.type, True):
                out[sub_key] = True
        at.data[at.key] = out
        self._relay(at)

    def _relay(self, at: _Root) -> None:
        """A Relay payload's ``clientMutationId`` repeats the input's (null when none was sent)."""
        payload = at.data.get(at.key)
        payload_type = get_named_type(at.field.type)
        if not isinstance(payload, dict) or not isinstance(payload_type, GraphQLObjectType):
            return
        sent = client_mutation_id(at.arguments)
        for sub_key, sub_nodes in at.request.collect(at.nodes, payload_type).items():
            sub_field = payload_type.fields.get(sub_nodes[0].name.value)
            if sub_nodes[0].name.value == CLIENT_MUTATION_ID and sub_field is not None and fits(sub_field.type, sent):
                payload[sub_key] = sent

    def _missing(self, at: _Root, change: Change, identifier: str, deleted: bool, outcome: _Outcome) -> None:
        """An update or delete of an id the session does not hold."""
        if change.answer == "boolean":
            at.data[at.key] = False  # "did it exist?": no
            return
        self._not_found(at, (change.entity,), identifier, deleted, outcome, error_when_nullable=True)

    def _not_found(
        self,
        at: _Root,
        entities: tuple[str, ...],
        identifier: str,
        deleted: bool,
        outcome: _Outcome,
        *,
        error_when_nullable: bool,
    ) -> None:
        non_null = isinstance(at.field.type, GraphQLNonNull)
        at.data[at.key] = None
        if non_null or error_when_nullable:
            why = "it was deleted in this session" if deleted else f"session {at.session!r} holds none"
            message = f"no {' or '.join(entities)} with id {identifier!r}: {why}"
            outcome.errors.append({"message": message, "path": [at.key], "extensions": {"code": "NOT_FOUND"}})
        outcome.nulled = outcome.nulled or non_null

    # -- store -------------------------------------------------------------------------------------

    def _namespace(self, session: str, entity: str) -> str:
        return f"{self.api}/{session}/{entity}"

    def _tombs(self, session: str, entity: str) -> str:
        return f"{self.api}/{session}/#deleted/{entity}"

    def _lookup(self, session: str, entity: str, identifier: str) -> tuple[dict[str, Any] | None, bool]:
        """The object the session holds (stored, else seeded and not deleted), and whether it deleted it."""
        value = self._store.get(self._namespace(session, entity), identifier)
        if isinstance(value, dict):
            return value, False
        deleted = self._store.get(self._tombs(session, entity), identifier) is not None
        seed = self.seeds.get(entity, {}).get(identifier)
        return (seed, False) if seed is not None and not deleted else (None, deleted)

    def _items(self, session: str, entity: str) -> list[dict[str, Any]]:
        """The session's objects of a type: seeded ones (their changed copy, none when deleted), then created."""
        stored = self._store.items(self._namespace(session, entity))
        seeds = self.seeds.get(entity)
        if not seeds:
            return [value for _, value in stored if isinstance(value, dict)]
        deleted = {key for key, _ in self._store.items(self._tombs(session, entity))}
        changed = dict(stored)
        out = [changed.get(key, seed) for key, seed in seeds.items() if key not in deleted]
        out.extend(value for key, value in stored if key not in seeds)
        return [value for value in out if isinstance(value, dict)]

    def _taken(self, namespace: str, entity: str, identifier: str) -> bool:
        return identifier in self.seeds.get(entity, {}) or self._store.get(namespace, identifier) is not None

    def _minted(self, current: str, seed: str, namespace: str, entity: str) -> str:
        for attempt in range(_MINT_ATTEMPTS):
            entropy = hashlib.blake2b(f"{self.mock.options.seed}/{seed}/{attempt}".encode()).digest()
            pools = [_POOL.get(character, character) for character in current]
            candidate = "".join(pool[byte % len(pool)] for pool, byte in zip(pools, entropy * 4, strict=False))
            if candidate != current and not self._taken(namespace, entity, candidate):
                return candidate
        return f"{current}-{seed.rpartition('/')[2]}"

    def _entity(self, name: str) -> GraphQLObjectType:
        entity = self.schema.get_type(name)
        assert isinstance(entity, GraphQLObjectType)
        return entity

    # -- values ------------------------------------------------------------------------------------

    def _shape(
        self,
        request: Selection,
        stored: dict[str, Any],
        generated: Any,
        nodes: list[FieldNode],
        type_: GraphQLObjectType,
        fill: dict[str, Any],
    ) -> dict[str, Any]:
        """The selection of ``nodes`` on the stored object: stored values, else the generated answer's (a
        generated leaf is added to ``fill``, to be stored), else null where the field allows it."""
        out: dict[str, Any] = {}
        for key, field_nodes in request.collect(nodes, type_).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                out[key] = type_.name
                continue
            object_field = type_.fields.get(name)
            if object_field is None:
                raise _UnbuildableError(f"{type_.name} has no field {name}")
            has_arguments = bool(field_nodes[0].arguments)
            named = get_named_type(object_field.type)
            generated_value = generated.get(key, _MISSING) if isinstance(generated, dict) else _MISSING
            if not has_arguments and name in stored:
                value = stored[name]
                if isinstance(named, GraphQLObjectType):
                    template = None if generated_value is _MISSING else generated_value
                    out[key] = self._nested(request, value, template, field_nodes, named, object_field.type)
                    continue
                if not fits(object_field.type, value):
                    raise _UnbuildableError(f"the stored {type_.name}.{name} does not fit its type")
                out[key] = value
            elif generated_value is not _MISSING:
                out[key] = generated_value
                if not has_arguments and isinstance(named, GraphQLScalarType | GraphQLEnumType):
                    fill[name] = generated_value
            elif not isinstance(object_field.type, GraphQLNonNull):
                out[key] = None
            else:
                raise _UnbuildableError(f"no value for {type_.name}.{name}")
        return out

    def _nested(
        self,
        request: Selection,
        value: Any,
        template: Any,
        nodes: list[FieldNode],
        named: GraphQLObjectType,
        type_: GraphQLOutputType,
    ) -> Any:
        """A stored object (or list of them, at any depth) shaped to the selection, its type's wrappers honoured."""
        if isinstance(type_, GraphQLNonNull):
            if value is None:
                raise _UnbuildableError(f"a stored {named.name} is null where the schema says non-null")
            return self._nested(request, value, template, nodes, named, type_.of_type)
        if value is None:
            return None
        if isinstance(type_, GraphQLList):
            if not isinstance(value, list):
                raise _UnbuildableError(f"a stored list of {named.name} is not a list")
            templates = template if isinstance(template, list) else []
            return [
                self._nested(request, item, _template(templates, i), nodes, named, type_.of_type)
                for i, item in enumerate(value)
            ]
        if not isinstance(value, dict):
            raise _UnbuildableError(f"a stored {named.name} is not an object")
        return self._shape(request, value, template if isinstance(template, dict) else None, nodes, named, {})

    def _stored_form(
        self, request: Selection, value: Any, nodes: list[FieldNode], type_: GraphQLObjectType
    ) -> dict[str, Any]:
        """An answered object as stored: by field name, fields without arguments, nested objects alike."""
        out: dict[str, Any] = {}
        if not isinstance(value, dict):
            return out
        for key, field_nodes in request.collect(nodes, type_).items():
            name = field_nodes[0].name.value
            object_field = type_.fields.get(name)
            if object_field is None or field_nodes[0].arguments or key not in value:
                continue
            named = get_named_type(object_field.type)
            if isinstance(named, GraphQLObjectType):
                if isinstance(value[key], dict):
                    out[name] = merged(out.get(name, {}), self._stored_form(request, value[key], field_nodes, named))
            elif isinstance(named, GraphQLScalarType | GraphQLEnumType):
                out[name] = value[key]
        return out


class _Missing:
    pass


_MISSING: Any = _Missing()


def _identifier(value: Any) -> str | None:
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    return None


def _deleted_id(name: str) -> bool:
    """``deletedId``, ``deletedProductId``, ``deleted_card_id``: a delete payload's field naming what went."""
    key = entity_key(name)
    return key.startswith("deleted") and key.endswith("id")


def _same_type(
    request: Selection, nodes: list[FieldNode], entity: GraphQLObjectType, generated: dict[str, Any]
) -> bool:
    """Whether the generated object (of an abstract field) has the stored entity's selection."""
    return all(key in generated for key in request.collect(nodes, entity))


def _template(templates: Any, index: int) -> Any:
    if isinstance(templates, list) and templates:
        return templates[min(index, len(templates) - 1)]
    return None


def _cursor(item: dict[str, Any]) -> str:
    return _CURSOR + base64.urlsafe_b64encode(str(item.get("id")).encode()).decode()


def _matches(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return True
    if isinstance(wanted, list):
        return isinstance(value, list) and all(entry in value for entry in wanted)
    return bool(value == wanted)


def _answered(result: MockResult, document: dict[str, Any]) -> MockResult:
    response = result.response
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    headers = tuple((k, v) for k, v in response.headers if k != "content-length")
    return replace(result, response=Response(response.status, headers, text.encode("utf-8", "backslashreplace")))


def _remembered(result: MockResult, text: bytes | None, note: str | None) -> MockResult:
    """A memoised query's answer over this request's result: as ``_answered`` or ``_warned`` made it."""
    response = result.response
    if text is not None:
        headers = tuple((k, v) for k, v in response.headers if k != "content-length")
        return replace(result, response=Response(response.status, headers, text))
    if note is not None:
        return replace(result, response=Response(response.status, (*response.headers, (WARNING, note)), response.body))
    return result


def _warned(result: MockResult, note: str) -> MockResult:
    response = result.response
    note = " ".join(note.split()).encode("ascii", "replace").decode()[:400]
    return replace(result, response=Response(response.status, (*response.headers, (WARNING, note)), response.body))

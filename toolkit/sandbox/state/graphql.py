"""``GraphQLStateLayer``: objects GraphQL mutations create, read back by id and listed, per session.

A post-processing layer over the JSON answer, like REST's: the mock (graphql-core executing the mock's
resolvers) has already validated the document, applied the depth and cost limits, coerced the variables and
built ``data`` in the shape of the selection; the layer re-reads the document (parse, the operation, its
fragments) and replaces values in ``data`` field by field. Doing it in the resolvers instead would tie the
resolvers (seeded, memoised, pure functions of the request) to the session and the store; here the mock
stays pure and state is one more layer, like REST's and SOAP's.

The model, read from the schema once:

- entities: object types with an ``id`` field that a create mutation returns (``create|add|insert...``,
  directly or as a field of its payload: ``createProduct: CreateProductPayload { product: Product }``);
- reads: query fields with an ``id`` argument returning an entity, or an interface/union one belongs to
  (``product(id:)``, ``node(id:)``);
- lists: query fields returning a list of an entity, or a Relay connection of one (``edges { node }``).

Stored form: the object as the mock answered it for the selected fields (keyed by field name, not alias;
fields with arguments are not stored), plus the mutation input's fields the type has (so a field the create
did not select still reads back as sent). Fields neither selected nor sent are generated on a read (the
mock keys an object fetched by id by its id, so they are stable), and the first answer that shows one stores
it, so later reads agree. An id a session never created reads as ``null`` where the field is nullable (what
GraphQL servers do), else an ``errors`` entry (code ``NOT_FOUND``) with ``data: null``. Lists hold the
session's objects (filters that name a field: equality, or every listed value present), the first page
(``first``, else 50; ``after`` a cursor of ours), with ``pageInfo`` and ``totalCount`` to match.

Every value placed in ``data`` is checked against its field's type (nullability, lists, enums, built-in
scalars); an answer that cannot be built goes out as generated with a ``ctk-warning`` header. Identical create
requests get distinct ids (same character classes as the mock's, drawn from the seed and the session's
count). Namespaces: ``api/session/Type`` (id -> object), ``api/session/#created``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSkipDirective,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values, get_variable_values

from toolkit.exchange import MockResult, Response
from toolkit.graphql.mock.handler import GraphQLMock
from toolkit.graphql.mock.over_http import Refusal, read_params
from toolkit.mock.envelope import MockEnvelope
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.store import Store
from toolkit.sandbox.stores import StoreError, StoreFullError

__all__ = ["GraphQLModel", "GraphQLStateLayer", "compile_model"]

WARNING = "ctk-warning"
PAGE = 50
_CREATE = re.compile(r"^(?:create|add|insert)[A-Z_]", re.IGNORECASE)
_ALPHABETS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_POOL = {character: alphabet for alphabet in _ALPHABETS for character in alphabet}
_MINT_ATTEMPTS = 8
_CURSOR = "ctk:"


class _UnbuildableError(Exception):
    """The stored data cannot fill this answer (a non-null field with nothing to put in it)."""


@dataclass(frozen=True)
class Create:
    entity: str  # the type created
    field: str | None  # the payload's field holding it; None: the mutation returns the entity itself


@dataclass(frozen=True)
class Listing:
    entity: str
    connection: bool


@dataclass
class GraphQLModel:
    entities: set[str]
    creates: dict[str, Create]  # mutation field -> what it creates
    reads: dict[str, tuple[str, ...]]  # query field -> the entities its id may name
    lists: dict[str, Listing]  # query field -> the entity it lists


def compile_model(schema: GraphQLSchema) -> GraphQLModel:
    """The entities, reads and lists of ``schema`` (see the module's docstring)."""
    creates: dict[str, Create] = {}
    mutation = schema.mutation_type
    for name, field in (mutation.fields if mutation is not None else {}).items():
        if not _CREATE.match(name):
            continue
        returned = get_named_type(field.type)
        if not isinstance(returned, GraphQLObjectType) or isinstance(get_nullable_type(field.type), GraphQLList):
            continue
        if "id" in returned.fields:
            creates[name] = Create(returned.name, None)
            continue
        for sub_name, sub in returned.fields.items():
            held = get_nullable_type(sub.type)
            if isinstance(held, GraphQLObjectType) and "id" in held.fields:
                creates[name] = Create(held.name, sub_name)
                break
    entities = {create.entity for create in creates.values()}
    reads: dict[str, tuple[str, ...]] = {}
    lists: dict[str, Listing] = {}
    query = schema.query_type
    for name, field in (query.fields if query is not None else {}).items():
        returned = get_named_type(field.type)
        nullable = get_nullable_type(field.type)
        if "id" in field.args and not isinstance(nullable, GraphQLList):
            named = _members(schema, returned) & entities
            if named:
                reads[name] = tuple(sorted(named))
        elif isinstance(nullable, GraphQLList) and returned.name in entities:
            lists[name] = Listing(returned.name, connection=False)
        elif isinstance(returned, GraphQLObjectType) and "edges" in returned.fields:
            edge = get_named_type(returned.fields["edges"].type)
            if isinstance(edge, GraphQLObjectType) and "node" in edge.fields:
                node = get_named_type(edge.fields["node"].type)
                if node.name in entities:
                    lists[name] = Listing(node.name, connection=True)
    return GraphQLModel(entities, creates, reads, lists)


def _members(schema: GraphQLSchema, type_: Any) -> set[str]:
    if isinstance(type_, GraphQLObjectType):
        return {type_.name}
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        return {possible.name for possible in schema.get_possible_types(type_)}
    return set()


class _Request:
    """What one request asks: the document's fragments and the variables, to collect fields."""

    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: VariableValues
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def collect(
        self, nodes: list[FieldNode] | SelectionSetNode, type_: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        """Response key -> the field nodes asking for it, on an object of ``type_`` (fragments applied)."""
        out: dict[str, list[FieldNode]] = {}
        sets = [nodes] if isinstance(nodes, SelectionSetNode) else [n.selection_set for n in nodes if n.selection_set]
        for selection_set in sets:
            self._into(selection_set, type_, out, set())
        return out

    def _into(
        self, selection_set: SelectionSetNode, type_: GraphQLObjectType, out: dict[str, list[FieldNode]], seen: set[str]
    ) -> None:
        for node in selection_set.selections:
            if not self._included(node):
                continue
            if isinstance(node, FieldNode):
                out.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                if node.type_condition is None or self._applies(node.type_condition.name.value, type_):
                    self._into(node.selection_set, type_, out, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if (
                    fragment is not None
                    and name not in seen
                    and self._applies(fragment.type_condition.name.value, type_)
                ):
                    self._into(fragment.selection_set, type_, out, seen | {name})

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def _applies(self, condition: str, type_: GraphQLObjectType) -> bool:
        if condition == type_.name:
            return True
        abstract = self.schema.get_type(condition)
        return isinstance(abstract, GraphQLAbstractType) and self.schema.is_sub_type(abstract, type_)

    def arguments(self, field: GraphQLField, node: FieldNode) -> dict[str, Any]:
        return get_argument_values(field, node, self.variables)


class GraphQLStateLayer:
    """The ``state`` layer of one GraphQL API (see the module's docstring). Thread-safe: nothing per request."""

    name = "state"

    def __init__(self, envelope: MockEnvelope, store: Store, *, api: str) -> None:
        mock = envelope.mock
        if not isinstance(mock, GraphQLMock):
            raise TypeError(f"GraphQL state needs a GraphQL mock, not {type(mock).__name__}")
        self.api = api
        self.mock = mock
        self.schema = mock.schema
        self.model = compile_model(mock.schema)
        self._store = store

    def prefix(self, session: str) -> str:
        return f"{self.api}/{session}/"

    def reset(self, session: str) -> int:
        return self._store.clear(self.prefix(session))

    def __call__(self, call: Call, inner: Next) -> MockResult:
        result = inner(call)
        if result.response.status != 200 or not self.model.entities:
            return result
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
        request = _Request(self.schema, fragments, variables)
        errors: list[dict[str, Any]] = []
        try:
            for key, nodes in request.collect(operation.selection_set, root).items():
                name = nodes[0].name.value
                field = root.fields.get(name)
                if field is None or key not in data:
                    continue
                arguments = request.arguments(field, nodes[0])
                if operation.operation is OperationType.MUTATION and name in self.model.creates:
                    self._create(call.session, request, self.model.creates[name], field, nodes, arguments, data, key)
                elif operation.operation is OperationType.QUERY and name in self.model.reads:
                    self._read(call.session, request, name, field, nodes, arguments, data, key, errors)
                elif operation.operation is OperationType.QUERY and name in self.model.lists:
                    self._list(call.session, request, self.model.lists[name], field, nodes, arguments, data, key)
        except _UnbuildableError as why:
            return _warned(result, f"{why}: answered with generated data")
        except (StoreError, StoreFullError) as error:  # unreachable, or full (max_stored_items)
            return _warned(result, f"the sandbox's store refused it ({error}): answered with generated data")
        # a non-null root field without a value nulls ``data`` itself (GraphQL's null propagation)
        answer = {**body, "errors": errors, "data": None} if errors else {**body, "data": data}
        return _answered(result, answer)

    # -- root fields -------------------------------------------------------------------------------

    def _create(
        self,
        session: str,
        request: _Request,
        create: Create,
        field: GraphQLField,
        nodes: list[FieldNode],
        arguments: dict[str, Any],
        data: dict[str, Any],
        key: str,
    ) -> None:
        entity = self.schema.get_type(create.entity)
        assert isinstance(entity, GraphQLObjectType)
        payload = data[key]
        holders: list[tuple[dict[str, Any], str, list[FieldNode]]] = []  # (object holding it, response key, nodes)
        if create.field is None:
            holders.append((data, key, nodes))
        elif isinstance(payload, dict):
            payload_type = get_named_type(field.type)
            assert isinstance(payload_type, GraphQLObjectType)
            for sub_key, sub_nodes in request.collect(nodes, payload_type).items():
                if sub_nodes[0].name.value == create.field and isinstance(payload.get(sub_key), dict):
                    holders.append((payload, sub_key, sub_nodes))
        if not holders:
            return
        answered = holders[0][0][holders[0][1]]
        ids = [k for k, n in request.collect(holders[0][2], entity).items() if n[0].name.value == "id"]
        if not ids or not isinstance(answered.get(ids[0]), str | int):
            return  # the id was not selected: the client can never read it back, nothing worth storing
        stored: dict[str, Any] = {}
        for holder, sub_key, sub_nodes in holders:
            stored = _merged(stored, self._stored_form(request, holder[sub_key], sub_nodes, entity))
        for value in arguments.values():
            if isinstance(value, dict):
                stored = _merged(_echo(entity, value), stored)
        stored = _merged(_echo(entity, {k: v for k, v in arguments.items() if not isinstance(v, dict)}), stored)
        namespace = f"{self.api}/{session}/{entity.name}"
        count = self._store.incr(self.prefix(session) + "#created", entity.name)
        identifier = str(answered[ids[0]])
        if count > 1 or self._store.get(namespace, identifier) is not None:
            identifier = self._minted(identifier, f"{namespace}/{count}", namespace)
        stored["id"] = identifier
        for holder, sub_key, sub_nodes in holders:
            for id_key in (k for k, n in request.collect(sub_nodes, entity).items() if n[0].name.value == "id"):
                holder[sub_key][id_key] = identifier
        self._store.put(namespace, identifier, stored)

    def _read(
        self,
        session: str,
        request: _Request,
        name: str,
        field: GraphQLField,
        nodes: list[FieldNode],
        arguments: dict[str, Any],
        data: dict[str, Any],
        key: str,
        errors: list[dict[str, Any]],
    ) -> None:
        identifier = str(arguments.get("id"))
        for entity_name in self.model.reads[name]:
            namespace = f"{self.api}/{session}/{entity_name}"
            stored = self._store.get(namespace, identifier)
            if isinstance(stored, dict):
                entity = self.schema.get_type(entity_name)
                assert isinstance(entity, GraphQLObjectType)
                generated = data.get(key)
                if isinstance(generated, dict) and not _same_type(request, nodes, entity, generated):
                    generated = None
                fill: dict[str, Any] = {}
                data[key] = self._shape(request, stored, generated, nodes, entity, fill)
                if fill:
                    self._store.put(namespace, identifier, {**stored, **fill})
                return
        if isinstance(field.type, GraphQLNonNull):
            errors.append({"message": f"no {' or '.join(self.model.reads[name])} with id {identifier!r} in this "
                           "session", "path": [key], "extensions": {"code": "NOT_FOUND"}})  # fmt: skip
        data[key] = None

    def _list(
        self,
        session: str,
        request: _Request,
        listing: Listing,
        field: GraphQLField,
        nodes: list[FieldNode],
        arguments: dict[str, Any],
        data: dict[str, Any],
        key: str,
    ) -> None:
        entity = self.schema.get_type(listing.entity)
        assert isinstance(entity, GraphQLObjectType)
        items = [
            value for _, value in self._store.items(f"{self.api}/{session}/{entity.name}") if isinstance(value, dict)
        ]
        for name, wanted in (arguments.get("filter") or {}).items():
            if name in entity.fields:
                items = [item for item in items if _matches(item.get(name), wanted)]
        total = len(items)
        start = 0
        after = arguments.get("after")
        if isinstance(after, str) and after.startswith(_CURSOR):
            start = next((i + 1 for i, item in enumerate(items) if _cursor(item) == after), total)
        first = arguments.get("first")
        size = min(first, PAGE) if isinstance(first, int) and first >= 0 else PAGE
        page = items[start : start + size]
        generated = data.get(key)
        if not listing.connection:
            templates = generated if isinstance(generated, list) else []
            data[key] = [
                self._shape(request, item, _template(templates, i), nodes, entity, {}) for i, item in enumerate(page)
            ]
            return
        connection_type = get_named_type(field.type)
        assert isinstance(connection_type, GraphQLObjectType)
        if not isinstance(generated, dict):
            return
        out = dict(generated)
        for sub_key, sub_nodes in request.collect(nodes, connection_type).items():
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
        data[key] = out

    def _edge(
        self,
        request: _Request,
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

    # -- values ------------------------------------------------------------------------------------

    def _shape(
        self,
        request: _Request,
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
            field = type_.fields.get(name)
            if field is None:
                raise _UnbuildableError(f"{type_.name} has no field {name}")
            has_arguments = bool(field_nodes[0].arguments)
            named = get_named_type(field.type)
            generated_value = generated.get(key, _MISSING) if isinstance(generated, dict) else _MISSING
            if not has_arguments and name in stored:
                value = stored[name]
                if isinstance(named, GraphQLObjectType) and isinstance(value, dict):
                    sub_template = generated_value if isinstance(generated_value, dict) else None
                    out[key] = self._shape(request, value, sub_template, field_nodes, named, {})
                    continue
                if not _fits(field.type, value):
                    raise _UnbuildableError(f"the stored {type_.name}.{name} does not fit its type")
                out[key] = value
            elif generated_value is not _MISSING:
                out[key] = generated_value
                if not has_arguments and isinstance(named, GraphQLScalarType | GraphQLEnumType):
                    fill[name] = generated_value
            elif not isinstance(field.type, GraphQLNonNull):
                out[key] = None
            else:
                raise _UnbuildableError(f"no value for {type_.name}.{name}")
        return out

    def _stored_form(
        self, request: _Request, value: Any, nodes: list[FieldNode], type_: GraphQLObjectType
    ) -> dict[str, Any]:
        """An answered object as stored: by field name, fields without arguments, nested objects alike."""
        out: dict[str, Any] = {}
        if not isinstance(value, dict):
            return out
        for key, field_nodes in request.collect(nodes, type_).items():
            name = field_nodes[0].name.value
            field = type_.fields.get(name)
            if field is None or field_nodes[0].arguments or key not in value:
                continue
            named = get_named_type(field.type)
            if isinstance(named, GraphQLObjectType):
                if isinstance(value[key], dict):
                    out[name] = _merged(out.get(name, {}), self._stored_form(request, value[key], field_nodes, named))
            elif isinstance(named, GraphQLScalarType | GraphQLEnumType):
                out[name] = value[key]
        return out

    def _minted(self, current: str, seed: str, namespace: str) -> str:
        for attempt in range(_MINT_ATTEMPTS):
            entropy = hashlib.blake2b(f"{self.mock.options.seed}/{seed}/{attempt}".encode()).digest()
            pools = [_POOL.get(character, character) for character in current]
            candidate = "".join(pool[byte % len(pool)] for pool, byte in zip(pools, entropy * 4, strict=False))
            if candidate != current and self._store.get(namespace, candidate) is None:
                return candidate
        return f"{current}-{seed.rpartition('/')[2]}"


class _Missing:
    pass


_MISSING: Any = _Missing()


def _same_type(request: _Request, nodes: list[FieldNode], entity: GraphQLObjectType, generated: dict[str, Any]) -> bool:
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


def _echo(type_: GraphQLObjectType, value: dict[str, Any]) -> dict[str, Any]:
    """The input object's fields that ``type_`` has, where the value fits the output field's type."""
    out: dict[str, Any] = {}
    for name, given in value.items():
        field = type_.fields.get(name)
        if field is None or name == "id":
            continue
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType) and isinstance(given, dict):
            out[name] = _echo(named, given)
        elif _fits(field.type, given):
            out[name] = given
    return out


def _fits(type_: GraphQLOutputType | GraphQLInputObjectType, value: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        return value is not None and _fits(type_.of_type, value)
    if value is None:
        return True
    if isinstance(type_, GraphQLList):
        return isinstance(value, list) and all(_fits(type_.of_type, item) for item in value)
    if isinstance(type_, GraphQLEnumType):
        return isinstance(value, str) and value in type_.values
    if isinstance(type_, GraphQLScalarType):
        name = type_.name
        if name == "Int":
            return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
        if name == "Float":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if name == "Boolean":
            return isinstance(value, bool)
        if name in ("String", "ID"):
            return isinstance(value, str) or (name == "ID" and isinstance(value, int) and not isinstance(value, bool))
        return not isinstance(value, dict | list)
    return isinstance(value, dict)


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for name, value in over.items():
        out[name] = _merged(out[name], value) if isinstance(value, dict) and isinstance(out.get(name), dict) else value
    return out


def _answered(result: MockResult, document: dict[str, Any]) -> MockResult:
    response = result.response
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    headers = tuple((k, v) for k, v in response.headers if k != "content-length")
    return replace(result, response=Response(response.status, headers, text.encode("utf-8", "backslashreplace")))


def _warned(result: MockResult, note: str) -> MockResult:
    response = result.response
    note = " ".join(note.split()).encode("ascii", "replace").decode()[:400]
    return replace(result, response=Response(response.status, (*response.headers, (WARNING, note)), response.body))

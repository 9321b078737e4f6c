"""The entity model of a GraphQL schema, for GraphQL state: which root fields create, read, list, update and
delete what. Read from the schema once, with no configuration:

- entities: object types with an ``id`` field that a create mutation returns (``create|add|insert...``,
  directly or as a field of its payload: ``createProduct: CreateProductPayload { product: Product }``), or
  that a seed file names;
- reads: query fields with an ``id`` argument returning an entity, or an interface/union one belongs to
  (``product(id:)``, ``node(id:)``);
- lists: query fields returning a list of an entity, or a Relay connection of one (``edges { node }``);
- updates: mutations named ``update|modify|edit|patch|set|change`` + the entity's name (``updateProduct``,
  ``update_products_by_pk``; a longer name that starts with it, ``updateProductPrice``, updates it too);
- deletes: mutations named ``delete|remove|destroy`` + exactly the entity's name (``deleteProduct``,
  ``removeProductById``: ``removeLabelsFromLabelable`` or ``deleteProductImage`` delete no product).
  ``archive*`` is not a delete: an archived object is still read back (GitHub's ``archiveRepository``).

An update or delete must take the entity's id: an argument, or a field of an input-object argument (Relay's
``input: {id, ...}``, Hasura's ``pk_columns: {id}``), named ``id``, ``<entity>Id`` (``issueId``), ``<end>Id``
for a trailing word of the entity's name (``cardId`` for ``ProjectCard``), or ``nodeId``. Its answer is the
entity itself, a payload object (the entity's field in it is found by type), a Boolean or an ID.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    get_nullable_type,
)

__all__ = ["Change", "Create", "GraphQLModel", "Listing", "compile_model", "entity_key", "type_shape"]

_CREATE = re.compile(r"^(?:create|add|insert)[A-Z_]", re.IGNORECASE)
_CREATE_VERB = re.compile(r"^(?:create|add|insert)_?", re.IGNORECASE)
# the verb's first letter either case, then an upper-case letter or "_": "settings" and "removed" are no verbs
_UPDATE = re.compile(r"^(?:[uU]pdate|[mM]odify|[eE]dit|[pP]atch|[sS]et|[cC]hange)(?:_|(?=[A-Z]))(\w+)$")
_DELETE = re.compile(r"^(?:[dD]elete|[rR]emove|[dD]estroy)(?:_|(?=[A-Z]))(\w+)$")
_BY_KEY = re.compile(r"_?[bB]y_?(?:[iI][dD]|[pP][kK]|[nN]ode[iI][dD])$")

Answer = Literal["entity", "payload", "boolean", "id"]


@dataclass(frozen=True)
class Create:
    entity: str  # the type created
    field: str | None  # the payload's field holding it; None: the mutation returns the entity itself
    edge: str | None = None  # the field is a Relay edge: its field holding the entity (``node``)


@dataclass(frozen=True)
class Listing:
    entity: str
    connection: bool


@dataclass(frozen=True)
class Change:
    """An update or a delete: of which entity, where its id is in the arguments, what the field answers."""

    entity: str
    id_path: tuple[str, ...]  # ("id",), ("input", "id"), ("pk_columns", "id")
    answer: Answer


@dataclass
class GraphQLModel:
    entities: set[str]
    creates: dict[str, Create]  # mutation field -> what it creates
    reads: dict[str, tuple[str, ...]]  # query field -> the entities its id may name
    lists: dict[str, Listing]  # query field -> the entity it lists
    updates: dict[str, Change] = field(default_factory=dict)  # mutation field -> what it changes
    deletes: dict[str, Change] = field(default_factory=dict)  # mutation field -> what it deletes
    skipped: list[str] = field(default_factory=list)  # update/delete mutations left stateless, and why


def compile_model(schema: GraphQLSchema, seeded: Collection[str] = ()) -> GraphQLModel:
    """The entities, reads, lists, updates and deletes of ``schema`` (see the module's docstring); ``seeded``:
    the types a seed file names, entities even when no mutation creates them."""
    creates: dict[str, Create] = {}
    mutation = schema.mutation_type
    mutations = mutation.fields if mutation is not None else {}
    object_types = {entity_key(n) for n, t in schema.type_map.items() if isinstance(t, GraphQLObjectType)}
    for name, root_field in mutations.items():
        if not _CREATE.match(name):
            continue
        returned = get_named_type(root_field.type)
        if not isinstance(returned, GraphQLObjectType) or isinstance(get_nullable_type(root_field.type), GraphQLList):
            continue
        if "id" in returned.fields:
            creates[name] = Create(returned.name, None)
            continue
        created = _created_field(name, returned, object_types)
        if created is not None:
            creates[name] = created
    entities = {create.entity for create in creates.values()} | {
        name for name in seeded if isinstance(schema.get_type(name), GraphQLObjectType)
    }
    model = GraphQLModel(entities, creates, {}, {})
    _queries(schema, model)
    by_key = {entity_key(name): name for name in entities}
    types = {entity_key(name) for name, type_ in schema.type_map.items() if isinstance(type_, GraphQLObjectType)}
    for name, root_field in mutations.items():
        if name in creates:
            continue
        for pattern, changes, exact in ((_UPDATE, model.updates, False), (_DELETE, model.deletes, True)):
            found = pattern.match(name)
            if found is None:
                continue
            entity = _entity_named(found.group(1), by_key, types, exact=exact)
            if entity is None:
                break
            change, why = _change(schema.get_type(entity), root_field)
            if change is None:
                model.skipped.append(f"{name}: {why}")
            else:
                changes[name] = change
            break
    return model


def _created_field(name: str, payload: GraphQLObjectType, object_types: set[str]) -> Create | None:
    """What a create mutation's payload holds that it created: the field whose type its noun names
    (``addProjectColumn`` -> ``ProjectColumn``), directly or as a Relay edge's ``node`` (GitHub's
    ``addProjectColumn`` answers ``{columnEdge {node}, project}``); else, when its noun names no type of the
    schema, the first field holding an object with an id. None when the noun names a type the payload does not
    hold: reading the parent beside it (``project``) as the created object would mint the parent a new id on
    every call and store a phantom project named after the column."""
    noun = entity_key(_CREATE_VERB.sub("", name, count=1))
    candidates = [
        (sub_name, held)
        for sub_name, sub in payload.fields.items()
        if isinstance(held := get_nullable_type(sub.type), GraphQLObjectType) and "id" in held.fields
    ]
    for sub_name, held in candidates:
        if entity_key(held.name) == noun:
            return Create(held.name, sub_name)
    for sub_name, sub in payload.fields.items():  # the created object as a Relay edge's node
        edge = get_nullable_type(sub.type)
        node = edge.fields.get("node") if isinstance(edge, GraphQLObjectType) else None
        held = get_nullable_type(node.type) if node is not None else None
        if isinstance(held, GraphQLObjectType) and "id" in held.fields and entity_key(held.name) == noun:
            return Create(held.name, sub_name, edge="node")
    if noun in object_types or not candidates:
        return None
    sub_name, held = candidates[0]
    return Create(held.name, sub_name)


def _queries(schema: GraphQLSchema, model: GraphQLModel) -> None:
    query = schema.query_type
    for name, query_field in (query.fields if query is not None else {}).items():
        returned = get_named_type(query_field.type)
        nullable = get_nullable_type(query_field.type)
        if "id" in query_field.args and not isinstance(nullable, GraphQLList):
            named = _members(schema, returned) & model.entities
            if named:
                model.reads[name] = tuple(sorted(named))
        elif isinstance(nullable, GraphQLList) and returned.name in model.entities:
            model.lists[name] = Listing(returned.name, connection=False)
        elif isinstance(returned, GraphQLObjectType) and "edges" in returned.fields:
            edge = get_named_type(returned.fields["edges"].type)
            if isinstance(edge, GraphQLObjectType) and "node" in edge.fields:
                node = get_named_type(edge.fields["node"].type)
                if node.name in model.entities:
                    model.lists[name] = Listing(node.name, connection=True)


def _members(schema: GraphQLSchema, type_: Any) -> set[str]:
    if isinstance(type_, GraphQLObjectType):
        return {type_.name}
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        return {possible.name for possible in schema.get_possible_types(type_)}
    return set()


def entity_key(name: str) -> str:
    """A type or noun as names are compared: lower case, without underscores."""
    return name.replace("_", "").lower()


def _entity_named(noun: str, by_key: dict[str, str], types: set[str], *, exact: bool) -> str | None:
    """The entity a mutation's noun names (``Product``, ``products``, ``ProductById``, ``product_by_pk``); with
    ``exact`` False also the longest entity the noun starts with (``ProductPrice``: ``Product``), unless the noun
    names another type (``IssueComment`` is not an ``Issue``, even when no mutation creates comments)."""
    key = entity_key(_BY_KEY.sub("", noun))
    for candidate in _singulars(key):
        if candidate in by_key:
            return by_key[candidate]
    if exact or any(candidate in types for candidate in _singulars(key)):
        return None
    starts = [entity for entity in by_key if key.startswith(entity)]
    return by_key[max(starts, key=len)] if starts else None


def _singulars(key: str) -> Iterator[str]:
    yield key
    if key.endswith("ies"):
        yield key[:-3] + "y"
    if key.endswith("es"):
        yield key[:-2]
    if key.endswith("s"):
        yield key[:-1]


def _change(entity: Any, root_field: GraphQLField) -> tuple[Change | None, str]:
    """How a mutation updates or deletes ``entity``, or why it cannot be told."""
    assert isinstance(entity, GraphQLObjectType)
    id_path = _id_path(root_field, entity.name)
    if id_path is None:
        return None, f"no argument names the {entity.name}'s id (id, {entity.name[0].lower()}{entity.name[1:]}Id)"
    nullable = get_nullable_type(root_field.type)
    returned = get_named_type(root_field.type)
    answer: Answer
    if isinstance(nullable, GraphQLList):
        return None, "it answers a list"
    if returned is entity:
        answer = "entity"
    elif isinstance(returned, GraphQLObjectType):
        answer = "payload"
    elif isinstance(returned, GraphQLScalarType) and returned.name == "Boolean":
        answer = "boolean"
    elif isinstance(returned, GraphQLScalarType) and returned.name in ("ID", "String"):
        answer = "id"
    else:
        return None, f"its answer ({returned.name}) is neither the {entity.name}, a payload, a Boolean nor an ID"
    return Change(entity.name, id_path, answer), ""


def _id_path(root_field: GraphQLField, entity: str) -> tuple[str, ...] | None:
    """Where the id of the ``entity`` a mutation changes is: an argument, or a field of an input-object one."""
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", entity)
    names = ["id", entity_key(entity) + "id"]
    names += [entity_key("".join(words[start:])) + "id" for start in range(1, len(words))]
    names.append("nodeid")
    for wanted in names:
        for path in _id_candidates(root_field):
            if entity_key(path[-1]) == wanted:
                return path
    return None


def _id_candidates(root_field: GraphQLField) -> Iterator[tuple[str, ...]]:
    """The path of every scalar, non-list argument and input-object argument field, arguments first."""
    for name, argument in root_field.args.items():
        if _is_scalar(argument.type):
            yield (name,)
    for name, argument in root_field.args.items():
        named = get_named_type(argument.type)
        if isinstance(named, GraphQLInputObjectType) and not isinstance(get_nullable_type(argument.type), GraphQLList):
            for sub_name, sub in named.fields.items():
                if _is_scalar(sub.type):
                    yield (name, sub_name)


def _is_scalar(type_: Any) -> bool:
    return isinstance(get_nullable_type(type_), GraphQLScalarType)


def type_shape(schema: GraphQLSchema, name: str) -> dict[str, Any]:
    """What decides whether a stored ``name`` object still fits the schema: for it and every type its fields
    reach, the fields and their types (object, interface, input types), the values (enums), the members
    (unions), the name (scalars); descriptions and arguments left out. A hot reload digests it."""
    shapes: dict[str, Any] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in shapes:
            continue
        named = schema.get_type(current)
        shape: Any = None
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            shape = {field_name: str(field.type) for field_name, field in named.fields.items()}
            pending.extend(get_named_type(field.type).name for field in named.fields.values())
        elif isinstance(named, GraphQLEnumType):
            shape = sorted(named.values)
        elif isinstance(named, GraphQLUnionType):
            shape = sorted(member.name for member in named.types)
            pending.extend(shape)
        shapes[current] = shape
    return shapes

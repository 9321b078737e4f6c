"""The resources a REST contract implies, inferred from its paths alone: compiled once per contract.

``compile_model(mock)`` reads the compiled ``OpenAPIMock`` (its router, operations and validators) and
finds, with no configuration:

- **collections**: a path template and the same template plus one parameter segment, ``/customers`` and
  ``/customers/{customer_id}``; a collection under another's item (``/customers/{customer_id}/sources``
  and ``.../sources/{source_id}``) is nested: scoped to its parent's id, and its parent must exist;
- **the id property** of its items: ``x-id-field`` on the item path (or the collection path), else on the
  item's response schema; else the response property named like the path parameter (``customer_id``),
  else ``id``; a collection whose item schema has none of these stays stateless;
- **what each operation does**: create (POST on the collection answering a 2xx JSON object), read (GET
  item), list (GET collection answering a list: a JSON array, or an object with exactly one array
  property, as ``answers.list_slot`` finds it at request time), update (POST or PATCH on the item:
  merged), replace (PUT on the item), delete (DELETE on the item). Everything else stays stateless;
- **seed items**: the item and list response examples (and the item schema's own ``examples``) that
  carry an id and fit the item schema, the items every session starts with (``rest_seeds`` adds those of
  ``mocks/<api>/seed.json``);
- **list parameters**: a page size (``limit``…, its default), an id cursor (``starting_after``,
  ``ending_before``…), an offset or a page number, and the query parameters naming an item property
  (filters).

A collection that no operation creates and whose examples name no item stays stateless too: nothing
could ever be in it, and the contract says its items exist on the vendor's side (``/charges`` of the
payments example), so generated answers serve a client better than a 404 for every id. It is kept aside
(``dormant``): a seed file that names items of it makes it stateful.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from toolkit.documents import unescape_pointer_token
from toolkit.errors import CtkError
from toolkit.openapi.coerce import composed_schemas, declared_types
from toolkit.openapi.jsonschema import Validator, split_place
from toolkit.openapi.mock.answers import list_slot
from toolkit.openapi.mock.bodies import BodyReader, is_json
from toolkit.openapi.mock.handler import OpenAPIMock
from toolkit.openapi.mock.operations import CompiledOperation, operation_sources
from toolkit.openapi.mock.responses import MediaResponse, ResponseSet, properties_of, validator_of
from toolkit.openapi.refs import Resolver

__all__ = [
    "Collection", "Kind", "Paging", "RestModel", "StatefulOperation", "compile_model", "is_identifier", "parents_named",
    "register",
]  # fmt: skip

_PARAMETER = re.compile(r"^\{([^{}/]+)\}$")
_ANY_PARAMETER = re.compile(r"\{([^{}/]+)\}")
# Query parameters vendors page with, by role (compared case-sensitively: the contract's own spelling).
_SIZE = ("limit", "per_page", "page_size", "pageSize", "perPage", "size", "max_results", "maxResults", "top", "$top",
         "first")  # fmt: skip
_AFTER = ("starting_after", "startingAfter", "after")
_BEFORE = ("ending_before", "endingBefore", "before")
_OFFSET = ("offset", "skip", "start")
_PAGE = ("page", "page_number", "pageNumber")
_ID_EXTENSION = "x-id-field"


class Kind(enum.StrEnum):
    CREATE = "create"
    READ = "read"
    LIST = "list"
    UPDATE = "update"  # POST or PATCH on the item: the request's fields merged into the stored item
    REPLACE = "replace"  # PUT on the item: the request's fields replace the writable ones
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Paging:
    """The list operation's own pagination parameters (None: the contract has none of that role)."""

    size: str | None = None
    default_size: int | None = None
    after: str | None = None  # the id of the item the page starts after
    before: str | None = None  # the id of the item the page ends before
    offset: str | None = None
    page: str | None = None  # 1-based, pages of ``size`` items

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n in (self.size, self.after, self.before, self.offset, self.page) if n)


@dataclass(eq=False)
class Collection:
    """One collection of items: where it lives, how its items are named, what every session starts with."""

    template: str  # /customers/{customer_id}/sources
    item_template: str  # /customers/{customer_id}/sources/{source_id}
    item_parameter: str  # source_id
    parent_parameters: tuple[str, ...]  # customer_id: the path parameters of the collection's own template
    id_field: str
    id_source: str  # how the id field was found, for ``describe``
    item_properties: frozenset[str]
    item_validator: Validator
    noun: str  # "customer": what a 404's detail calls an item
    parent: Collection | None = None
    seeds: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)  # parent ids -> id -> item
    _parts: tuple[str | int, ...] = ()  # the template as literal text and parent-parameter indexes

    def __post_init__(self) -> None:
        parts: list[str | int] = []
        position = 0
        for found in _ANY_PARAMETER.finditer(self.template):
            parts.append(self.template[position : found.start()])
            parts.append(self.parent_parameters.index(found.group(1)))
            position = found.end()
        parts.append(self.template[position:])
        first = parts[0]
        if isinstance(first, str):
            parts[0] = first.lstrip("/")
        self._parts = tuple(part for part in parts if part != "")

    def path(self, parents: tuple[str, ...]) -> str:
        """The collection's path with its parents' ids filled in (each percent-encoded: an id holding ``/``
        cannot reach another collection's namespace): ``customers``, ``customers/cus_1/sources``."""
        return "".join(part if isinstance(part, str) else quote(parents[part], safe="") for part in self._parts)

    def seeds_for(self, parents: tuple[str, ...]) -> dict[str, Any]:
        return self.seeds.get(parents, _NO_SEEDS)


_NO_SEEDS: dict[str, Any] = {}


@dataclass(frozen=True, eq=False)
class StatefulOperation:
    """One operation the state layer takes part in, with what its request path needs, found at compile."""

    kind: Kind
    collection: Collection
    method: str
    operation_id: str
    responses: ResponseSet
    deprecation_headers: tuple[tuple[str, str], ...]
    status: int | None  # the status the mock answers by default (its lowest 2xx)
    media: MediaResponse | None  # that answer's JSON media, None when it has none (a 204)
    validator: Validator | None  # its schema's compiled validator
    essence: str  # its media type, as a response's Content-Type is compared with
    not_found: bool  # the contract declares a 404 (or a default response) for this operation
    body: BodyReader | None = None  # update/replace: the request body's reader (JSON, forms)
    replaced: frozenset[str] = frozenset()  # replace: the request body's properties, cleared when not sent
    filters: frozenset[str] = frozenset()  # list: query parameters naming an item property
    paging: Paging = Paging()  # list
    max_items: int | None = None  # list: the list's maxItems


@dataclass
class RestModel:
    operations: dict[tuple[str, str], StatefulOperation]  # (path template, METHOD) -> operation
    collections: list[Collection]
    stateless: list[str]  # collections left stateless, and why
    # collections stateless only because nothing could be in them (no create, no example): a seed file wakes them
    dormant: dict[str, tuple[Collection, list[StatefulOperation]]] = field(default_factory=dict)

    def wake(self, template: str) -> None:
        """Make a dormant collection stateful: a seed file put items in it."""
        collection, ops = self.dormant.pop(template)
        self.collections.append(collection)
        register(self.operations, collection, ops)
        self.stateless = [line for line in self.stateless if not line.startswith(f"{template}: ")]

    def describe(self) -> list[str]:
        """One line per collection: its templates, id field, operations by kind and seed count."""
        lines = []
        for collection in self.collections:
            kinds = sorted(
                (op.kind.value, op.operation_id) for op in self.operations.values() if op.collection is collection
            )
            seeds = sum(len(items) for items in collection.seeds.values())
            ops = ", ".join(f"{kind} {op_id}" for kind, op_id in kinds)
            lines.append(
                f"{collection.template} + {collection.item_template}: id {collection.id_field!r} "
                f"({collection.id_source}); {ops}; {seeds} seed item(s)"
            )
        return lines + [f"stateless: {reason}" for reason in self.stateless]


def compile_model(mock: OpenAPIMock) -> RestModel:
    """The resource model of the contract ``mock`` serves (see the module's docstring)."""
    contract = mock.contract
    resolver = contract.resolver
    assert resolver is not None
    methods: dict[str, set[str]] = {}
    for template, method, _ in operation_sources(contract):
        methods.setdefault(template, set()).add(method.upper())
    operations: dict[tuple[str, str], StatefulOperation] = {}
    collections: list[Collection] = []
    stateless: list[str] = []
    dormant: dict[str, tuple[Collection, list[StatefulOperation]]] = {}
    by_item: dict[str, Collection] = {}
    pairs = sorted(
        ((template[: template.rfind("/")] or "/", template) for template in methods if _item_parameter(template)),
        key=lambda pair: (pair[1].count("/"), pair[1]),
    )  # parents before their nested collections
    for collection_template, item_template in pairs:
        if collection_template not in methods:
            continue
        compiled = {
            (where, method): found
            for where in (collection_template, item_template)
            for method in methods[where]
            if (found := _compiled(mock, where, method)) is not None
        }
        inferred = _collection(mock, resolver, collection_template, item_template, compiled, by_item)
        if isinstance(inferred, str):
            stateless.append(f"{collection_template}: {inferred}")
            continue
        collection, ops = inferred
        if not any(op.kind is Kind.CREATE for op in ops) and not collection.seeds:
            stateless.append(f"{collection_template}: no operation creates its items and no example names one")
            dormant[collection_template] = (collection, ops)
            continue
        collections.append(collection)
        by_item[item_template] = collection
        register(operations, collection, ops)
    return RestModel(operations, collections, stateless, dormant)


def register(
    operations: dict[tuple[str, str], StatefulOperation], collection: Collection, ops: list[StatefulOperation]
) -> None:
    """Index a collection's stateful operations by (path template, METHOD)."""
    for op in ops:
        where = collection.template if op.kind in (Kind.CREATE, Kind.LIST) else collection.item_template
        operations[(where, op.method)] = op


def _item_parameter(template: str) -> str | None:
    """``customer_id`` for ``/customers/{customer_id}``: the name when the last segment is one parameter."""
    found = _PARAMETER.match(template.rsplit("/", 1)[-1])
    return found.group(1) if found and template.rfind("/") > 0 else None


def _compiled(mock: OpenAPIMock, template: str, method: str) -> CompiledOperation | None:
    """The mock's own compiled operation for ``method template``, found through its router (so the state
    layer and the mock share one compiled operation): each parameter segment is given its own name, braces
    percent-encoded, which only a template can match."""
    path = mock.mount + _ANY_PARAMETER.sub(lambda found: quote(found.group(0), safe=""), template)
    match = mock.router.match(path, method)
    if match is None or match.target is None or match.template != template:
        return None
    try:
        return match.target.get()
    except CtkError:  # an operation the mock cannot serve answers its own 500; state leaves it alone
        return None


def _collection(
    mock: OpenAPIMock,
    resolver: Resolver,
    collection_template: str,
    item_template: str,
    compiled: dict[tuple[str, str], CompiledOperation],
    by_item: dict[str, Collection],
) -> tuple[Collection, list[StatefulOperation]] | str:
    """The collection and its stateful operations, or why it stays stateless."""
    item_parameter = _item_parameter(item_template)
    assert item_parameter is not None
    read = compiled.get((item_template, "GET"))
    create = compiled.get((collection_template, "POST"))
    described = [op for op in (read, create, compiled.get((item_template, "PUT"))) if op is not None]
    item_media = next((media for op in described if (media := _object_media(mock, op)) is not None), None)
    if item_media is None:
        return "no JSON object answer describes its items"
    properties = properties_of(item_media, mock.validators)
    templates = (item_template, collection_template)
    id_field, id_source = _id_field(resolver, item_media, templates, item_parameter, properties)
    if id_field is None:
        return f"its item schema has no id property ({item_parameter!r}, 'id' or {_ID_EXTENSION})"
    parent_parameters = tuple(_ANY_PARAMETER.findall(collection_template))
    collection = Collection(
        template=collection_template,
        item_template=item_template,
        item_parameter=item_parameter,
        parent_parameters=parent_parameters,
        id_field=id_field,
        id_source=id_source,
        item_properties=properties,
        item_validator=validator_of(item_media, mock.validators),
        noun=_noun(item_media, collection_template),
        parent=_parent(collection_template, by_item),
    )
    ops: list[StatefulOperation] = []
    for (where, method), op in compiled.items():
        kind = _kind(mock, where == item_template, method, op)
        if kind is not None:
            ops.append(_stateful(mock, kind, collection, method, op))
    collection.seeds = _seeds(mock, resolver, collection, item_media, [op for op in ops if op.kind is Kind.LIST])
    return collection, ops


def _kind(mock: OpenAPIMock, on_item: bool, method: str, op: CompiledOperation) -> Kind | None:
    if not on_item:
        if method == "POST":
            return Kind.CREATE if _object_media(mock, op) is not None else None
        if method == "GET":
            return Kind.LIST if _list_schema(mock, op) is not None else None
        return None
    if method == "DELETE":
        return Kind.DELETE
    if method in ("POST", "PATCH", "PUT"):
        spec = op.responses.default_spec
        if spec is None or (spec.media and _object_media(mock, op) is None):
            return None  # answers something other than the item (an action's result): stateless
        return Kind.REPLACE if method == "PUT" else Kind.UPDATE
    if method == "GET":
        return Kind.READ if _object_media(mock, op) is not None else None
    return None


def _stateful(
    mock: OpenAPIMock, kind: Kind, collection: Collection, method: str, op: CompiledOperation
) -> StatefulOperation:
    spec = op.responses.default_spec
    media = _json_media(op)
    validator = validator_of(media, mock.validators) if media is not None and media.schema is not None else None
    options: dict[str, Any] = {}
    if kind is Kind.LIST:
        options["filters"], options["paging"] = _list_parameters(op, collection)
        schema = _list_schema(mock, op)
        options["max_items"] = schema.get("maxItems") if isinstance(schema, dict) else None
    if kind in (Kind.UPDATE, Kind.REPLACE):
        options["body"] = op.body
    if kind is Kind.REPLACE and op.body is not None:
        options["replaced"] = frozenset(
            name
            for body_media in op.body.media
            if body_media.validator is not None
            for schema in _composed(body_media.validator.json_schema)
            for name in schema.get("properties") or ()
        )
    return StatefulOperation(
        kind=kind,
        collection=collection,
        method=method,
        operation_id=op.operation.id,
        responses=op.responses,
        deprecation_headers=op.deprecation_headers,
        status=spec.status if spec is not None and 200 <= spec.status < 300 else None,
        media=media,
        validator=validator,
        essence=media.essence if media is not None else "",
        not_found=op.responses.for_status(404) is not None,
        **options,
    )


def _json_media(op: CompiledOperation) -> MediaResponse | None:
    spec = op.responses.default_spec
    if spec is None or not 200 <= spec.status < 300:
        return None
    return next((m for m in spec.media if is_json(m.essence) and "*" not in m.media_type), None)


def _object_media(mock: OpenAPIMock, op: CompiledOperation) -> MediaResponse | None:
    """The operation's default 2xx JSON media when its schema is an object (one resource), else None."""
    media = _json_media(op)
    if media is None or media.schema is None:
        return None
    document = validator_of(media, mock.validators).json_schema
    schemas = _composed(document)
    if any("object" in declared_types(s) or s.get("properties") for s in schemas):
        return media
    return None


def _list_schema(mock: OpenAPIMock, op: CompiledOperation) -> dict[str, Any] | None:
    """The array schema a list answer holds: the whole answer, or its one array property; else None."""
    media = _json_media(op)
    if media is None or media.schema is None:
        return None
    document = validator_of(media, mock.validators).json_schema
    defs = document.get("$defs") or {}
    schemas = _composed(document)
    for schema in schemas:
        if "array" in declared_types(schema) or "items" in schema:
            return schema
    arrays = {}
    for schema in schemas:
        for name, sub in (schema.get("properties") or {}).items():
            target = _resolved(sub, defs)
            if "array" in declared_types(target) or "items" in target:
                arrays[name] = target
    if len(arrays) == 1:
        return next(iter(arrays.values()))
    return None


def _composed(document: dict[str, Any]) -> list[dict[str, Any]]:
    return composed_schemas(document, document.get("$defs") or {})


def _resolved(schema: Any, defs: dict[str, Any]) -> dict[str, Any]:
    for _ in range(16):
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
            return schema
        schema = defs.get(ref[len("#/$defs/") :])
    return {}


def _id_field(
    resolver: Resolver, media: MediaResponse, templates: tuple[str, str], parameter: str, properties: frozenset[str]
) -> tuple[str | None, str]:
    """The items' id property, and how it was found (see the module's docstring); None when none fits."""
    root = resolver.document(resolver.root_uri)
    paths = root.get("paths") or {} if isinstance(root, dict) else {}
    for template in templates:
        item, _ = resolver.deref(paths.get(template), resolver.root_uri)
        if isinstance(item, dict) and isinstance(item.get(_ID_EXTENSION), str):
            return item[_ID_EXTENSION], f"{_ID_EXTENSION} on the path {template}"
    uri, _ = split_place(media.schema_place)
    pending = [resolver.deref(media.schema, uri or resolver.root_uri)]
    for _ in range(32):
        if not pending:
            break
        schema, schema_uri = pending.pop(0)
        if not isinstance(schema, dict):
            continue
        if isinstance(schema.get(_ID_EXTENSION), str):
            return schema[_ID_EXTENSION], f"{_ID_EXTENSION} on the item schema"
        for sub in schema.get("allOf") or ():
            pending.append(resolver.deref(sub, schema_uri))
    if parameter in properties:
        return parameter, f"the property named like the path parameter {{{parameter}}}"
    if "id" in properties:
        return "id", f"'id' (the path parameter is {{{parameter}}})"
    return None, ""


def _parent(collection_template: str, by_item: dict[str, Collection]) -> Collection | None:
    """The collection whose item this one is nested under (``/customers/{customer_id}/sources``: customers)."""
    segments = collection_template.split("/")
    while segments and not _PARAMETER.match(segments[-1]):
        segments.pop()
    return by_item.get("/".join(segments)) if segments else None


def _list_parameters(op: CompiledOperation, collection: Collection) -> tuple[frozenset[str], Paging]:
    query = {p.name: p for p in op.parameters.by_location.get("query", ())}

    def first(names: tuple[str, ...]) -> str | None:
        return next((name for name in names if name in query), None)

    size = first(_SIZE)
    default = None
    if size is not None:
        validator = query[size].validator
        schemas = _composed(validator.json_schema) if validator is not None else []
        candidate = next((schema["default"] for schema in schemas if "default" in schema), None)
        if isinstance(candidate, int) and not isinstance(candidate, bool) and candidate > 0:
            default = candidate
    paging = Paging(size, default, first(_AFTER), first(_BEFORE), first(_OFFSET), first(_PAGE))
    filters = frozenset(name for name in query if name in collection.item_properties and name not in paging.names)
    return filters, paging


def _seeds(
    mock: OpenAPIMock,
    resolver: Resolver,
    collection: Collection,
    item_media: MediaResponse,
    lists: list[StatefulOperation],
) -> dict[tuple[str, ...], dict[str, Any]]:
    """The items the contract's examples show, by parent ids: the item answer's examples, the list answers'
    items, the item schema's own ``examples``; each valid against the item schema and carrying an id."""
    candidates: list[Any] = list(item_media.examples.values())
    for op in lists:
        for example in op.media.examples.values() if op.media is not None else ():
            container, key = list_slot(example)
            candidates.extend(example if isinstance(example, list) else container[key] if container else ())
    uri, _ = split_place(item_media.schema_place)
    schema, _ = resolver.deref(item_media.schema, uri or resolver.root_uri)
    if isinstance(schema, dict):
        if isinstance(schema.get("examples"), list):
            candidates.extend(schema["examples"])
        elif "example" in schema:
            candidates.append(schema["example"])
    seeds: dict[tuple[str, ...], dict[str, Any]] = {}
    for candidate in candidates:
        if not isinstance(candidate, dict) or not collection.item_validator.is_valid(candidate):
            continue
        identifier = candidate.get(collection.id_field)
        if not is_identifier(identifier):
            continue
        parents = parents_named(candidate, collection.parent_parameters)
        if parents is not None:
            seeds.setdefault(parents, {}).setdefault(str(identifier), candidate)
    return seeds


def parents_named(item: dict[str, Any], parameters: tuple[str, ...]) -> tuple[str, ...] | None:
    """The parent ids an example names (``customer_id`` or ``customer``), or None when it does not name them
    all: a nested example that does not say whose it is seeds nothing."""
    out = []
    for parameter in parameters:
        stem = re.sub(r"(_id|Id|ID|-id)$", "", parameter)
        value = next((item[name] for name in (parameter, stem) if name in item and is_identifier(item[name])), None)
        if value is None:
            return None
        out.append(str(value))
    return tuple(out)


def is_identifier(value: Any) -> bool:
    """A value that can name an item: a non-empty string or an integer (not a boolean)."""
    return (isinstance(value, str) and value != "") or (isinstance(value, int) and not isinstance(value, bool))


def _noun(media: MediaResponse, collection_template: str) -> str:
    """What a 404's detail calls an item: its schema's name in words (``PaymentIntent``: "payment intent"),
    else the collection's last segment made singular."""
    ref = media.schema.get("$ref") if isinstance(media.schema, dict) else None
    if isinstance(ref, str) and ("/schemas/" in ref or "/definitions/" in ref):
        name = unescape_pointer_token(ref.rsplit("/", 1)[-1])
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()
    segment = next((s for s in reversed(collection_template.split("/")) if "{" not in s and s), "item")
    return _singular(segment).replace("_", " ")


def _singular(segment: str) -> str:
    word = segment.replace("-", "_")
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word

"""``ctk verify`` for GraphQL: operations the contract allows, sent to the vendor, each answer judged by the contract.

For every query field (``Query.book``; subscriptions never) the engine sends one complete query, every field of
the answer's type selected a few levels deep with the required arguments filled, then ``examples`` queries
hypothesis-graphql draws for that field (seeded by the run's seed and the operation, so a run replays); only
documents the contract itself accepts are sent. Mutations go only with ``--unsafe`` and only in a ``Chain`` that
cleans up (``addX``/``createX`` → a query reading the new id → ``removeX``/``deleteX``); with ``--unsafe-all``
(a server that holds nothing shared) the other mutations are sent on their own too. Every request goes
through the run's ``SafeClient``. An answer is judged with the
check names every protocol shares (``core.CHECKS``):

- ``not_a_server_error``: HTTP 5xx;
- ``content_type_conformance``: not ``application/json`` nor ``application/graphql-response+json``;
- ``status_code_conformance``: a status GraphQL over HTTP does not give that answer (200 with data; 4xx only for a
  request error in the ``graphql-response+json`` media type);
- ``graphql_errors_conformance``: ``errors`` not shaped as the spec says, a request error for a query the contract
  allows (a field the vendor removed, an argument it now requires), or field errors that are no valid partial result;
- ``response_schema_conformance``: ``data`` that is no result of the query (``graphql.answer_check.Checker``: keys,
  nullability, lists, enums, the built-in scalars, abstract types).

One failure per operation and check (the first); fields the contract marks deprecated that the run used are handed
to the evidence sinks as ``deprecated-field-used`` observations, and a status the contract never answers as
``undocumented-status``.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import graphql
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis_graphql import mutations, queries

from toolkit.graphql.answer_check import Checker
from toolkit.model import GraphQLOperation
from toolkit.verify.core import Failure, Observation, PlannedCall, VerifyContext
from toolkit.verify.graphql import _field_error_problems, custom_scalars
from toolkit.verify.safety import is_safe

if TYPE_CHECKING:
    import httpx

__all__ = ["GraphQLEngine", "complete_query", "endpoint"]

MEDIA_TYPES = ("application/json", "application/graphql-response+json")
ACCEPT = "application/graphql-response+json, application/json;q=0.9"
LIMIT_CODES = frozenset({"DEPTH_LIMIT", "COST_LIMIT", "TOKEN_LIMIT", "COMPLEXITY_LIMIT", "RATE_LIMITED"})
DEPTH = 3  # levels of the complete query: deep enough to reach nested types, small enough for any cost limit


def endpoint(ctx: VerifyContext) -> str:
    """The vendor's GraphQL URL: ``graphql_endpoint`` from sandbox.toml, else the base URL when it has a path,
    else the base URL's ``/graphql`` (where ``ctk serve`` and most servers answer)."""
    given_endpoint = ctx.extra.get("graphql_endpoint")
    if given_endpoint:
        return given_endpoint
    if urlsplit(ctx.base_url).path.strip("/"):
        return ctx.base_url
    return ctx.base_url.rstrip("/") + "/graphql"


@dataclass(frozen=True)
class _Sent:
    document: str
    body: bytes


@dataclass(frozen=True)
class Chain:
    """A mutation sent only with ``--unsafe``, and only so: ``create`` (``createX``/``addX``), ``read`` (a query
    taking the new item's ID), ``delete`` (``deleteX``/``removeX`` taking its ID), which removes what was created."""

    create: GraphQLOperation
    id_path: tuple[str, ...]  # where the created item's id is in create's data
    read: GraphQLOperation | None
    read_argument: str
    delete: GraphQLOperation
    delete_argument: str


class GraphQLEngine:
    """The GraphQL ``Engine`` (``core.Engine``)."""

    def operations(self, ctx: VerifyContext) -> list[str]:
        return [op.id for op in _operations(ctx)]

    def plan(self, ctx: VerifyContext) -> list[PlannedCall]:
        url = endpoint(ctx)
        schema = _schema(ctx)
        planned = []
        for op in _operations(ctx):
            chain = next((c for c in chains(ctx) if op in (c.create, c.delete)), None)
            if chain is not None:
                steps = [] if op is chain.delete else _chain_plan(schema, chain)
                planned += [
                    PlannedCall(step.id, "POST", url, is_safe(step, ctx.safe_names), text) for step, text in steps
                ]
                continue
            planned += [PlannedCall(op.id, "POST", url, is_safe(op, ctx.safe_names), " ".join(query.split())[:200])
                        for query in _documents(schema, op, ctx.examples, ctx.seed)]  # fmt: skip
        return planned

    def run(self, ctx: VerifyContext, only: str | None = None) -> Iterator[Failure]:
        schema = _schema(ctx)
        url = endpoint(ctx)
        for op in _operations(ctx):
            if only is not None and op.id != only:
                continue
            if ctx.client.stop_reason is not None:
                return
            chain = next((c for c in chains(ctx) if op in (c.create, c.delete)), None)
            if chain is None:
                yield from _run_operation(ctx, schema, op, url)
            elif op is chain.create:  # the delete ran in its chain
                yield from _run_chain(ctx, schema, chain, url)


def _operations(ctx: VerifyContext) -> list[GraphQLOperation]:
    """Queries (and what sandbox.toml marks safe); with ``--unsafe`` also each chain's create and delete; with
    ``--unsafe-all`` (``every_operation``) every other mutation too, sent on its own like a query."""
    ops = [op for op in ctx.contract.operations if isinstance(op, GraphQLOperation) and op.root != "subscription"]
    chosen = [op for op in ops if is_safe(op, ctx.safe_names)]
    if ctx.unsafe:
        chosen += [op for chain in chains(ctx) for op in (chain.create, chain.delete) if op not in chosen]
    if ctx.every_operation:
        chosen += [op for op in ops if op not in chosen]
    return chosen


def chains(ctx: VerifyContext) -> list[Chain]:
    """Every ``createX``/``addX`` mutation whose answer carries an ``id``, with a ``deleteX``/``removeX``
    mutation taking an ID argument (and, when there is one, a query taking only an ID that answers the type)."""
    schema = _schema(ctx)
    ops = [op for op in ctx.contract.operations if isinstance(op, GraphQLOperation)]
    mutation_type, query_type = schema.mutation_type, schema.query_type
    if mutation_type is None:
        return []
    found = []
    for create in (op for op in ops if op.root == "mutation"):
        noun = _noun(create.field, ("create", "add"))
        entity_path = _id_path(mutation_type.fields[create.field].type) if noun else None
        if noun is None or entity_path is None:
            continue
        entity, id_path = entity_path
        delete = next((op for op in ops if op.root == "mutation" and _noun(op.field, ("delete", "remove")) == noun
                       and _id_argument(mutation_type.fields[op.field]) is not None), None)  # fmt: skip
        if delete is None:
            continue
        read = next((op for op in ops if op.root == "query" and query_type is not None
                     and graphql.get_named_type(query_type.fields[op.field].type) is entity
                     and _id_argument(query_type.fields[op.field]) is not None), None)  # fmt: skip
        read_argument = _id_argument(query_type.fields[read.field]) if read and query_type else None
        found.append(Chain(create, (create.field, *id_path), read, read_argument or "",
                           delete, _id_argument(mutation_type.fields[delete.field]) or ""))  # fmt: skip
    return found


def _noun(field: str, verbs: tuple[str, ...]) -> str | None:
    """``Book`` of ``addBook``/``createBook``/``removeBook`` (lower-cased), None for another verb."""
    for verb in verbs:
        if field.startswith(verb) and field[len(verb) : len(verb) + 1].isupper():
            return field[len(verb) :].lower()
    return None


def _id_path(type_: graphql.GraphQLOutputType) -> tuple[graphql.GraphQLObjectType, tuple[str, ...]] | None:
    """(the created type, the path to its ``id``): on the answer itself, or one field down (a payload)."""
    named = graphql.get_named_type(type_)
    if not isinstance(named, graphql.GraphQLObjectType):
        return None
    if "id" in named.fields:
        return named, ("id",)
    for name, field in named.fields.items():
        inner = graphql.get_named_type(field.type)
        if isinstance(inner, graphql.GraphQLObjectType) and "id" in inner.fields:
            return inner, (name, "id")
    return None


def _id_argument(field: graphql.GraphQLField) -> str | None:
    """The one required argument, when it is an ID (None otherwise)."""
    required = [name for name, arg in field.args.items()
                if graphql.is_non_null_type(arg.type) and arg.default_value is graphql.Undefined]  # fmt: skip
    if len(required) == 1 and graphql.get_named_type(field.args[required[0]].type).name == "ID":
        return required[0]
    return None


def _schema(ctx: VerifyContext) -> graphql.GraphQLSchema:
    schema = getattr(ctx.contract, "schema", None)
    if not isinstance(schema, graphql.GraphQLSchema):
        raise TypeError(f"{ctx.api}: the contract carries no buildable GraphQL schema")
    return schema


def _run_operation(
    ctx: VerifyContext, schema: graphql.GraphQLSchema, op: GraphQLOperation, url: str
) -> Iterator[Failure]:
    reported: set[tuple[str, str]] = set()
    for document in _documents(schema, op, ctx.examples, ctx.seed):
        failures, response = _exchange(ctx, schema, op, url, document, reported)
        yield from failures
        if response is None:
            return  # refused (budget, breaker, unsafe) or unanswered: this operation stops


def _chain_plan(schema: graphql.GraphQLSchema, chain: Chain) -> list[tuple[GraphQLOperation, str]]:
    """The chain's documents, the created id shown as ``$created``."""
    steps = [(chain.create, complete_query(schema, chain.create))]
    if chain.read is not None:
        steps.append((chain.read, complete_query(schema, chain.read, {chain.read_argument: "$created"})))
    steps.append((chain.delete, complete_query(schema, chain.delete, {chain.delete_argument: "$created"})))
    return [(op, " ".join(text.split())[:200]) for op, text in steps]


def _run_chain(ctx: VerifyContext, schema: graphql.GraphQLSchema, chain: Chain, url: str) -> Iterator[Failure]:
    """create → read → delete, the created id carried from the first answer to the others."""
    reported: set[tuple[str, str]] = set()
    failures, response = _exchange(ctx, schema, chain.create, url, complete_query(schema, chain.create), reported)
    yield from failures
    created = _at(_data(response), chain.id_path)
    if response is None or not isinstance(created, str | int) or isinstance(created, bool):
        return  # nothing created (or its id unreadable: already a failure of the answer's shape)
    literal = json.dumps(str(created))
    if chain.read is not None:
        read = complete_query(schema, chain.read, {chain.read_argument: literal})
        failures, _ = _exchange(ctx, schema, chain.read, url, read, reported)
        yield from failures
    delete = complete_query(schema, chain.delete, {chain.delete_argument: literal})
    failures, _ = _exchange(ctx, schema, chain.delete, url, delete, reported)
    yield from failures


def _data(response: httpx.Response | None) -> Any:
    if response is None:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("data") if isinstance(body, dict) else None


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _exchange(
    ctx: VerifyContext,
    schema: graphql.GraphQLSchema,
    op: GraphQLOperation,
    url: str,
    document: str,
    reported: set[tuple[str, str]],
) -> tuple[list[Failure], httpx.Response | None]:
    """Send one document and judge its answer: (new failures, the answer or None when none came)."""
    sent = _Sent(document, json.dumps({"query": document}).encode())
    before = ctx.client.sent
    response = ctx.client.send(
        op.id, "POST", url, headers={**ctx.extra_headers, "content-type": "application/json", "accept": ACCEPT},
        content=sent.body, safe=is_safe(op, ctx.safe_names), contract_operation=op,
    )  # fmt: skip
    if response is None:
        if ctx.client.sent > before and ctx.client.last_error and ctx.client.stop_reason is None:
            return [_failure(ctx, "transport", op, f"no answer: {ctx.client.last_error}", url, sent)], None
        return [], None
    for coordinate in sorted(_deprecated_fields(schema, document)):
        _note(ctx, Observation("deprecated-field-used", op.id, coordinate))  # the collector keeps each once
    failures = []
    judged = _judge(schema, document, response)
    if any(check == "status_code_conformance" for check, _, _ in judged):  # evidence for ctk drift too
        _note(ctx, Observation("undocumented-status", op.id, str(response.status_code)))
    for check, message, place in judged:
        if (op.id, check) not in reported:
            reported.add((op.id, check))
            failures.append(_failure(ctx, check, op, message, url, sent, place))
    return failures, response


def _failure(
    ctx: VerifyContext, check: str, op: GraphQLOperation, message: str, url: str, sent: _Sent, place: str = ""
) -> Failure:
    redact = ctx.client.credentials.redact
    payload = sent.body.decode().replace("'", "'\\''")
    curl = f"curl -X POST '{url}' -H 'content-type: application/json' --data-raw '{payload}'"
    return Failure(check, op.id, redact(message), place, redact(curl))


def _note(ctx: VerifyContext, observation: Observation) -> None:
    """Hand an observation the engine made itself (not read from a header) to the sinks that take one."""
    for sink in ctx.client.sinks:
        add = getattr(sink, "add", None)  # the evidence collector; a sink that only observes answers has none
        if callable(add):
            add([observation])


# -- judging ---------------------------------------------------------------------------------------------


def _judge(schema: graphql.GraphQLSchema, document: str, response: httpx.Response) -> list[tuple[str, str, str]]:
    """(check, message, place) for every way the answer breaks the contract; [] when it conforms."""
    status = response.status_code
    found: list[tuple[str, str, str]] = []
    if status >= 500:
        found.append(("not_a_server_error", f"HTTP {status} from the vendor", ""))
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        found.append(("content_type_conformance", f"answered {media or 'no content type'}, not JSON", ""))
        return found
    try:
        body = response.json()
    except ValueError:
        return [*found, ("response_schema_conformance", "the body is not JSON", "")]
    if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        return [*found, ("response_schema_conformance", "the body is not a GraphQL response (no data, no errors)", "")]
    errors = body.get("errors")
    has_data = body.get("data") is not None
    if errors is not None:
        shape = _errors_shape(errors)
        if shape:
            return [*found, ("graphql_errors_conformance", shape, "/errors")]
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        if "data" not in body and codes and codes <= LIMIT_CODES:
            return found  # a limit the vendor enforces (the guard paces 429s): not a contract question
        if "data" not in body:
            said = "; ".join(str(e["message"]) for e in errors[:2])
            found.append(("graphql_errors_conformance", f"the vendor refused a query the contract allows: {said}", ""))
        else:
            problems = _field_error_problems(schema, document, 200, body)
            if problems:
                found.append(("graphql_errors_conformance", f"not a valid partial result: {problems[0]}", "/errors"))
    expected = status == 200 if has_data or media == "application/json" else 400 <= status < 500
    if not expected and status < 500:
        found.append(("status_code_conformance", f"HTTP {status} for {'data' if has_data else 'a request error'} "
                      f"in {media} (GraphQL over HTTP: {'200' if has_data or media == MEDIA_TYPES[0] else '4xx'})",
                      ""))  # fmt: skip
    if has_data and not errors:
        parsed = graphql.parse(document)
        operation = graphql.get_operation_ast(parsed)
        if operation is not None:
            problems = Checker(schema, parsed, {}).check(operation, body["data"])
            if problems:
                path, _, why = problems[0].partition(": ")
                pointer = "/" + re.sub(r"\[(\d+)\]", r".\1", path).replace(".", "/")
                found.append(("response_schema_conformance", f"{path}: {why}", pointer))
    return found


def _errors_shape(errors: Any) -> str:
    """Why ``errors`` is not the spec's shape ("" when it is): a non-empty list of objects with a string
    ``message``, ``locations`` of {line, column}, ``path`` of strings and integers."""
    if not isinstance(errors, list) or not errors:
        return "errors is not a non-empty list"
    for index, error in enumerate(errors):
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            return f"errors[{index}] has no string message"
        if not _locations(error.get("locations")):
            return f"errors[{index}].locations is not a list of {{line, column}}"
        path = error.get("path")
        if path is not None and not (isinstance(path, list) and all(isinstance(p, str | int) for p in path)):
            return f"errors[{index}].path is not a list of names and indices"
    return ""


def _locations(locations: Any) -> bool:
    """Whether an error's ``locations`` is absent or a list of ``{line, column}`` integers."""
    if locations is None:
        return True
    return isinstance(locations, list) and all(
        isinstance(loc, dict) and isinstance(loc.get("line"), int) and isinstance(loc.get("column"), int)
        for loc in locations
    )


def _deprecated_fields(schema: graphql.GraphQLSchema, document: str) -> set[str]:
    """``Type.field`` of every field the document selects that the contract marks deprecated."""
    used: set[str] = set()
    info = graphql.TypeInfo(schema)

    class Visitor(graphql.Visitor):
        def enter_field(self, node: graphql.FieldNode, *_: Any) -> None:
            parent, definition = info.get_parent_type(), info.get_field_def()
            if parent is not None and definition is not None and definition.deprecation_reason is not None:
                used.add(f"{parent.name}.{node.name.value}")

    graphql.visit(graphql.parse(document), graphql.TypeInfoVisitor(info, Visitor()))
    return used


# -- what is sent ----------------------------------------------------------------------------------------


def _documents(schema: graphql.GraphQLSchema, op: GraphQLOperation, examples: int, seed: int) -> list[str]:
    """The complete query, then up to ``examples`` distinct drawn ones, the same for the same seed."""
    complete = complete_query(schema, op)
    found = [complete] if complete else []
    if examples <= 0:
        return [document for document in found if _valid(schema, document)]
    scalars = custom_scalars(schema)
    strategy = (mutations if op.root == "mutation" else queries)(schema, fields=[op.field], custom_scalars=scalars)
    drawn: list[str] = []

    @hypothesis_seed(zlib.crc32(f"{seed}:{op.id}".encode()))
    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def collect(document: str) -> None:
        drawn.append(document)

    collect()
    return [document for document in dict.fromkeys(found + drawn) if _valid(schema, document)]


def _valid(schema: graphql.GraphQLSchema, document: str) -> bool:
    """Whether the contract itself accepts ``document`` (what is not valid there proves nothing of the vendor)."""
    try:
        return not graphql.validate(schema, graphql.parse(document))
    except graphql.GraphQLError:
        return False


_LITERALS = {"Int": "1", "Float": "1.5", "Boolean": "true", "ID": '"1"', "String": '"a"'}


def complete_query(schema: graphql.GraphQLSchema, op: GraphQLOperation, given: dict[str, str] | None = None) -> str:
    """One document selecting every field of ``op``'s answer ``DEPTH`` levels deep (fields with required
    arguments that cannot be filled left out), so a field the vendor dropped or retyped is always asked for;
    ``given``: literals for some of the root field's arguments (a created item's id)."""
    root = schema.get_root_type(graphql.OperationType(op.root))
    field = root.fields.get(op.field) if root is not None else None
    if field is None:
        return ""
    arguments = _arguments(field, given or {})
    if arguments is None:
        return ""
    selection = _selection(schema, field.type, DEPTH)
    keyword = "mutation" if op.root == "mutation" else "query"
    return f"{keyword} {{ {op.field}{arguments}{selection} }}"


def _arguments(field: graphql.GraphQLField, given: dict[str, str] | None = None) -> str | None:
    """The required arguments as literals, ``given`` ones as given ("" when none; None when one cannot be
    written)."""
    written = []
    for name, argument in field.args.items():
        if not graphql.is_non_null_type(argument.type) or argument.default_value is not graphql.Undefined:
            continue
        literal = (given or {}).get(name) or _literal(argument.type, 3)
        if literal is None:
            return None
        written.append(f"{name}: {literal}")
    return f"({', '.join(written)})" if written else ""


def _literal(type_: graphql.GraphQLInputType, depth: int) -> str | None:
    named = graphql.get_nullable_type(type_)
    if isinstance(named, graphql.GraphQLList):
        inner = _literal(named.of_type, depth)
        return None if inner is None else f"[{inner}]"
    if isinstance(named, graphql.GraphQLEnumType):
        return next(iter(named.values), None)
    if isinstance(named, graphql.GraphQLScalarType):
        return _LITERALS.get(named.name, '"x"')
    if isinstance(named, graphql.GraphQLInputObjectType) and depth > 0:
        members = []
        for name, member in named.fields.items():
            if graphql.is_non_null_type(member.type) and member.default_value is graphql.Undefined:
                literal = _literal(member.type, depth - 1)
                if literal is None:
                    return None
                members.append(f"{name}: {literal}")
        return "{" + ", ".join(members) + "}"
    return None


def _selection(schema: graphql.GraphQLSchema, type_: graphql.GraphQLOutputType, depth: int, alias: str = "") -> str:
    named = graphql.get_named_type(type_)
    if isinstance(named, graphql.GraphQLScalarType | graphql.GraphQLEnumType):
        return ""
    if isinstance(named, graphql.GraphQLUnionType | graphql.GraphQLInterfaceType):
        # each member's fields aliased by its name: members may share a field name with different types
        spreads = [f"... on {member.name} {_selection(schema, member, depth, alias=member.name)}"
                   for member in schema.get_possible_types(named)]  # fmt: skip
        return "{ __typename " + " ".join(spreads) + " }"
    assert isinstance(named, graphql.GraphQLObjectType)
    parts = ["__typename"]
    for name, field in named.fields.items():
        sub = graphql.get_named_type(field.type)
        leaf = isinstance(sub, graphql.GraphQLScalarType | graphql.GraphQLEnumType)
        if not leaf and depth <= 1:
            continue
        arguments = _arguments(field)
        if arguments is None:
            continue
        inner = "" if leaf else _selection(schema, field.type, depth - 1)
        if not leaf and not inner:
            continue
        key = f"{alias}_{name}: " if alias else ""
        parts.append(f"{key}{name}{arguments}{(' ' + inner) if inner else ''}")
    return "{ " + " ".join(parts) + " }"

"""The GraphQL mock: a sans-IO function from ``Request`` to ``MockResult``, compiled once per schema.

Per request, in order of cost, each step refusing what the next one should not pay for:
read the GraphQL-over-HTTP request (``over_http``: JSON nesting, lone surrogates); bound the document's
nesting with a bracket scan and its size with the parser's token cap; pick the operation; measure its
depth and cost with fragments expanded (``costs``), introspection on the schema's real sizes
against its own budget (``introspection``); validate (graphql-core's rules, context and errors, walked by
``toolkit.graphql.validate_fast``); execute with graphql-core and the mock's resolvers
(``resolve``), whose values are seeded by the request. The answer is therefore a pure function
of the request, and whole answers are memoised: parse, validate and execute happen once per distinct
request. Below the memo: parsing, measuring and validating once per query text, and once per *shape*
(``shapes``: documents that differ only in the literal values of field arguments, a client inlining its
ids, and in the names of root aliases used once, a client batching with generated aliases); graphql-core's
execution compiled once per operation (``plan``: the same answers, ``execute`` for anything it would report as
an error). Deprecated fields the operation selects are still served, and
reported three ways: an ``extensions.ctk.deprecated`` list, the ``Deprecation``/``Sunset`` headers, and
``deprecated_uses``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    Source,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
)
from graphql.execution.values import VariableValues

from toolkit.errors import CtkError
from toolkit.exchange import Delivery, MockResult, Request, Response, Violation
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.costs import Measure, Measured, location_of, measure, nesting, over_token_limit
from toolkit.graphql.mock.fallback import Fallback
from toolkit.graphql.mock.fast_parse import parse_plain
from toolkit.graphql.mock.introspection import full_introspection_cost
from toolkit.graphql.mock.json_text import json_text
from toolkit.graphql.mock.order_shapes import OrderShapes
from toolkit.graphql.mock.over_http import (
    GRAPHQL_RESPONSE,
    JSON,
    Params,
    Refusal,
    document_response,
    error,
    negotiate,
    options_response,
    read_params,
    refusal_response,
    text_response,
)
from toolkit.graphql.mock.plan import Plan, compile_plan
from toolkit.graphql.mock.resolve import Resolvers
from toolkit.graphql.mock.shapes import Lifted, Shape, lift, make_shape, renamed_keys, slot_value
from toolkit.graphql.repairs import REPAIRED, serving_errors
from toolkit.graphql.validate_fast import Validator
from toolkit.mock.compiled import Endpoint
from toolkit.mock.deprecation import deprecation_headers
from toolkit.mock.memo import Memo
from toolkit.mock.options import MockOptions
from toolkit.mock.problem import clip
from toolkit.sunset import sunset_in_text

log = logging.getLogger("ctk.mock")

__all__ = ["GraphQLMock", "GraphQLMockError", "GraphQLMockOptions"]

_SHAPE_MAX_TEXT = 8 * 1024  # longer query texts are not looked at for their shape (the lexer is per token)
# a field argument with a string or number literal: what makes a document worth lexing for its shape
_LIFTABLE = re.compile(r"\(\s*[_A-Za-z][_0-9A-Za-z]*\s*:\s*[-\"0-9]")
_MEMO_MAX_BODY = 16 * 1024  # larger requests are answered afresh (the envelope keeps no key over 16 KiB)
_NESTING_MARGIN = 32  # brackets beyond the selection depth: arguments, input objects, lists of lists
_INTROSPECTION_COPIES = 2  # the introspection budget, in full standard introspections of the schema
LIMIT_CODES = frozenset({"DEPTH_LIMIT", "COST_LIMIT", "TOKEN_LIMIT", "COMPLEXITY_LIMIT"})


class GraphQLMockError(CtkError):
    """A schema the mock cannot serve (graphql-core finds it invalid)."""


@dataclass(frozen=True)
class GraphQLMockOptions(MockOptions):
    """How the mock answers.

    ``max_depth`` 15: real client queries rarely pass 10 (introspection's ``ofType`` chains are not
    counted, see ``costs``). ``max_cost`` 5000 values produced: a page of 100 items with 20 fields and a
    nested list of 2 passes, an unbounded fan-out does not. ``max_tokens`` 20 000: about 100 KB of
    query, far above any hand-written or generated client query, far below what stalls the parser.
    Introspection is costed apart (``max_introspection_cost``): a real schema's full introspection is tens of
    thousands of values (GitHub's: 44 697), which tools must keep getting, while copies of it must not pass.
    ``limits``: ``max_array_items`` and ``max_generation_depth`` bound generated lists (``resolve``),
    ``max_nesting`` a variable's value, ``max_echo_length`` what an answer repeats from the request.
    """

    # MockOptions' validate=False skips GraphQL validation (the limits still apply), for broken clients;
    # its mount None is "/graphql".
    max_depth: int = 15
    max_cost: int = 5000
    introspection: bool = True
    # Values one request may introspect (``__schema``/``__type``, counted on this schema's real sizes); None:
    # twice what the full standard introspection query costs on this schema, and at least ``max_cost``.
    max_introspection_cost: int | None = None
    max_tokens: int = 20_000


@dataclass
class _Prepared:
    document: DocumentNode | dict[str, Any]  # a parse error is a formatted error
    problems: list[GraphQLError] | None = None  # None: not validated yet
    size: int = 0
    fragments: dict[str, FragmentDefinitionNode] | None = None  # by name; None: not collected yet
    # each operation's measures, by the operationName that selects it (at most the document's operations + 1)
    measured: dict[str | None, Measured] = dataclasses.field(default_factory=dict)
    plans: dict[str | None, Plan | None] = dataclasses.field(default_factory=dict)  # likewise; None: not plannable
    ordered: set[str | None] = dataclasses.field(default_factory=set)  # operations answered by their order shape's plan
    roots: dict[str | None, tuple[OperationDefinitionNode, tuple[str, ...]]] = dataclasses.field(default_factory=dict)
    # by operationName, once its plan has answered: what the next request of this text needs (``_laned``)
    lanes: dict[str | None, _Lane] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Lane:
    """A valid operation of a kept document whose plan has answered: its measures, contract operations and plan."""

    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    measured: Measured
    roots: tuple[str, ...]
    plan: Plan
    query: bool  # a query (GET may send it)


class GraphQLMock:
    """A ``CompiledMock``: ``answer(request) -> MockResult``. Thread-safe; one instance serves many requests."""

    Options: ClassVar[type[GraphQLMockOptions]] = GraphQLMockOptions
    protocol_label = "GraphQL"
    webhooks: Mapping[str, object] = {}  # GraphQL has no webhooks

    def __init__(self, contract: GraphQLContract, options: GraphQLMockOptions | None = None) -> None:
        if contract.schema is None:
            raise GraphQLMockError("the contract holds no GraphQL schema", where=contract.source)
        problems = serving_errors(contract.schema)
        if problems:
            raise GraphQLMockError(
                f"the schema cannot be served: {problems[0].message}",
                where=contract.source,
                hint="run `ctk lint` on the contract; every type it uses must be defined",
            )
        for warning in contract.warnings:
            if warning.message.startswith(REPAIRED):
                log.warning("%s: %s", warning.location, warning.message)
        self.contract = contract
        self.schema = contract.schema
        self.options: GraphQLMockOptions = options or GraphQLMockOptions()
        mount = "/graphql" if self.options.mount is None else self.options.mount
        self.mount = "" if mount in ("", "/") else "/" + mount.strip("/")
        self.resolvers = Resolvers(self.schema, self.options.seed, self.options.limits)
        rules = list(specified_rules)
        if not self.options.introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self._rules = tuple(rules)
        self._validator = Validator(self.schema, self._rules)  # graphql-core's validate, dispatch decided once
        self._sunsets = _sunsets(self.schema)
        self._introspection_budget: int | None = self.options.max_introspection_cost
        self._operation_ids = frozenset(operation.id for operation in contract.operations)

        # Parsed and validated documents by query text: the expensive half of an answer the memo misses
        # when only the variables change. A parsed document takes roughly 16 bytes per byte of query text.
        self._documents: Memo[_Prepared] = Memo(lambda prepared: 48 * prepared.size + 2048, max_entries=512)
        # Documents by shape (``shapes``: the same document but for the literal values of field arguments), and
        # the shapes seen once: a template is a copy of a parsed document, plans and measures beside it.
        self._shapes: Memo[Shape] = Memo(lambda shape: 64 * shape.size + 4096, max_entries=512)
        self._sightings: Memo[bool] = Memo(lambda _: 64, max_entries=4096, max_bytes=8 * 1024 * 1024)
        # plans shared by queries that differ in the order of their fields and in inlined literals (``order_shapes``)
        self._orders = OrderShapes(self.schema, self.resolvers, lambda *args: compile_plan(*args))

    def introspection_budget(self) -> int:
        """Values one request may introspect: counted on first need (a walk of the full standard introspection
        query over the schema, milliseconds even for GitHub's), then kept. Assigned whole, never half-built."""
        if self._introspection_budget is None:
            full = full_introspection_cost(self.schema)
            self._introspection_budget = max(self.options.max_cost, _INTROSPECTION_COPIES * full)
        return self._introspection_budget

    def warm(self) -> None:
        """Build the realistic-value pools now (about 0.5 s of Faker) rather than on the first request."""
        _ = self.resolvers.fake.pools

    # -- request time ----------------------------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        return []  # one endpoint, the mount

    def webhook_event(self, name: str, url: str, request: Request | None = None) -> Delivery | None:
        return None

    def serves_contract(self, request: Request) -> bool:
        return False  # the schema is read by introspection: a query like any other

    def operation_of(self, request: Request) -> str | None:
        return None  # the root fields are in the document: known once parsed, in the answer's operations

    def memo_key(self, request: Request) -> Hashable | None:
        """The parts of an HTTP request a GraphQL answer depends on: the query and variables (in the body or
        the query string) and the media types asked for and sent."""
        if len(request.body) > _MEMO_MAX_BODY:
            return None
        return (request.method.upper(), request.path, request.query, request.header("accept"),
                request.header("content-type"), request.body)  # fmt: skip

    def answer(self, request: Request) -> MockResult:
        """Read the GraphQL-over-HTTP request, then parse, measure, validate and execute it."""
        if not self._at_mount(request.path):
            media = negotiate(request.header("accept")) or JSON
            path = clip(request.path, self.options.limits.max_echo_length)
            message = f"no GraphQL endpoint at {path}; this mock answers at {self.mount or '/'}"
            return MockResult(document_response(404, media, {"errors": [error(message, "NOT_FOUND")]}))
        if request.method.upper() == "OPTIONS":
            return MockResult(options_response(request))
        return self._answer(request)

    def error_response(self, request: Request, status: int, message: str) -> Response:
        """An error found outside the request path, as a GraphQL document: a body over the limit (413), a bug
        in ctk (500)."""
        code = {413: "PAYLOAD_TOO_LARGE", 500: "INTERNAL_SERVER_ERROR"}.get(status, "BAD_REQUEST")
        media = negotiate(request.header("accept")) or JSON
        return document_response(status, media, {"errors": [error(message, code)]})

    def _at_mount(self, path: str) -> bool:
        return path in (self.mount, self.mount + "/") or (not self.mount and path == "")

    def _answer(self, request: Request) -> MockResult:
        media = negotiate(request.header("accept"))
        if media is None:
            message = f"none of the accepted media types is served; ask for {GRAPHQL_RESPONSE} or {JSON}"
            return MockResult(refusal_response(Refusal(406, message, "NOT_ACCEPTABLE"), JSON))
        limits = self.options.limits
        params = read_params(request, limits.max_nesting, limits.max_form_fields)
        if isinstance(params, Refusal):
            return MockResult(refusal_response(params, media))
        return self._run(params, media, request.method.upper())

    def _run(self, params: Params, media: str, method: str) -> MockResult:
        cached = self._documents.get(params.query)
        if cached is not None:
            lane = cached.lanes.get(params.operation_name)
            if lane is not None and (lane.query or method != "GET"):
                answered = self._laned(lane, params, media)
                if answered is not None:
                    return answered
        lifted: Lifted | None = None
        if (
            self.options.validate
            and len(params.query) <= _SHAPE_MAX_TEXT
            and self._documents.get(params.query) is None
            and _LIFTABLE.search(params.query)
        ):
            lifted = lift(params.query)
            if lifted is not None:
                shaped = self._shaped(params, media, method, lifted)
                if shaped is not None:
                    return shaped
        document = self._parse(params.query)
        if isinstance(document, dict):
            return self._failed(media, [document])
        operation = get_operation_ast(document, params.operation_name)
        if operation is None:
            missing = _no_operation(document, params.operation_name, self.options.limits.max_echo_length)
            return self._failed(media, [error(missing, "OPERATION_NOT_FOUND")])
        if method == "GET" and operation.operation is not OperationType.QUERY:
            kind = operation.operation.value
            refusal = Refusal(405, f"a {kind} cannot be sent with GET; use POST", "METHOD_NOT_ALLOWED",
                              (("allow", "POST"),))  # fmt: skip
            return MockResult(refusal_response(refusal, media))
        if operation.operation is OperationType.SUBSCRIPTION:
            message = "subscriptions are not served over plain HTTP by this mock; send a query or a mutation"
            return self._failed(media, [error(message, "OPERATION_NOT_SUPPORTED", location_of(operation))])
        size = self._measure(params, document, operation)
        roots = self._roots_of(params, document, operation)
        if size.depth > self.options.max_depth:
            depth = f"more than {size.depth}" if size.truncated else str(size.depth)
            message = f"query depth {depth} exceeds the limit of {self.options.max_depth}"
            return self._failed(media, [error(message, "DEPTH_LIMIT", location_of(size.deepest))], roots)
        if size.cost > self.options.max_cost:
            message = (
                f"query cost {size.cost} exceeds the limit of {self.options.max_cost} "
                "(each field produced counts 1; a list multiplies its selection by its size; "
                "a list of scalars counts its items)"
            )
            return self._failed(media, [error(message, "COST_LIMIT", location_of(operation))], roots)
        if size.introspection and (size.introspection_over or size.introspection > self.introspection_budget()):
            budget = self.introspection_budget()
            message = (
                f"query introspection cost exceeds the limit of {budget} values (each field and list item the "
                "answer holds counts 1, on this schema's real sizes; the full standard introspection query fits)"
            )
            return self._failed(media, [error(message, "COST_LIMIT", location_of(operation))], roots)
        echo = self.options.limits.max_echo_length
        if self.options.validate:
            problems = self._problems(params.query, document)
            if problems:
                found = tuple(_violation("document", p, echo) for p in problems)
                return self._failed(media, [_validation_error(p, echo) for p in problems], roots, found)
            if lifted is not None:
                self._learn_shape(lifted, document, params.query)
        planned = self._planned(params, document, operation)
        if planned is not None:
            self._open_lane(params, document, operation, roots)
            return self._written(media, planned, size, roots)
        result = self._execute(document, params)
        if result.data is None:
            failures = result.errors or ()
            found = tuple(_violation("variables", e, echo) for e in failures)
            return self._failed(media, [_formatted(e, "BAD_USER_INPUT", echo) for e in failures], roots, found)
        return self._answered(media, result, size, roots)

    def _answered(self, media: str, result: ExecutionResult, size: Measure, roots: tuple[str, ...]) -> MockResult:
        """A 200 answer with data (and the errors of fields that failed), deprecated fields reported."""
        echo = self.options.limits.max_echo_length
        deprecated = tuple(size.deprecated)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body = {"errors": [_formatted(e, "INTERNAL_SERVER_ERROR", echo) for e in result.errors], **body}
        headers: tuple[tuple[str, str], ...] = ()
        if deprecated:
            body["extensions"] = {"ctk": {"deprecated": list(deprecated)}}
            sunsets = [self._sunsets[name] for name in deprecated if name in self._sunsets]
            headers = deprecation_headers(True, sunset=min(sunsets) if sunsets else None)
        return MockResult(document_response(200, media, body, headers), (), roots, (), deprecated)

    def _laned(self, lane: _Lane, params: Params, media: str) -> MockResult | None:
        """``_run`` for a document whose operation was parsed, validated and planned (every check it made depends on
        the text alone), down to what depends on the variables: the limits (None: over one, ``_run`` reports it) and
        the plan's answer (None: ``_run`` executes, and reports the errors)."""
        size = lane.measured.measure(self.schema, lane.fragments, params.variables or {}, self.options.max_depth,
                                     self.options.limits, self.introspection_budget)  # fmt: skip
        if size.depth > self.options.max_depth or size.cost > self.options.max_cost or size.introspection:
            return None
        planned = _run_plan(lane.plan, params.variables)
        if planned is None:
            return None
        return self._written(media, planned, size, lane.roots)

    def _open_lane(
        self, params: Params, document: DocumentNode, operation: OperationDefinitionNode, roots: tuple[str, ...]
    ) -> None:
        """Called once ``operation``'s plan answered: the checks ``_run`` made of the text are kept as a ``_Lane``."""
        cached = self._documents.get(params.query)
        if cached is None or cached.document is not document or params.operation_name in cached.lanes:
            return
        measured = cached.measured.get(params.operation_name)
        plan = cached.plans.get(params.operation_name)
        if measured is None or measured.operation is not operation or plan is None or cached.problems != []:
            return
        fragments = self._fragments(params.query, document)
        query = operation.operation is OperationType.QUERY
        cached.lanes[params.operation_name] = _Lane(operation, fragments, measured, roots, plan, query)

    def _written(self, media: str, data: str, size: Measure, roots: tuple[str, ...]) -> MockResult:
        """``_answered`` for a plan's answer, its ``data`` already JSON text (``Plan.text``): the same bytes."""
        deprecated = tuple(size.deprecated)
        if not deprecated:
            return MockResult(text_response(200, media, '{"data":' + data + "}"), (), roots, (), deprecated)
        extensions = json_text({"ctk": {"deprecated": list(deprecated)}})
        sunsets = [self._sunsets[name] for name in deprecated if name in self._sunsets]
        headers = deprecation_headers(True, sunset=min(sunsets) if sunsets else None)
        text = '{"data":' + data + ',"extensions":' + extensions + "}"
        return MockResult(text_response(200, media, text, headers), (), roots, (), deprecated)

    # -- documents of a known shape (``shapes``) ------------------------------------------------------------

    def _shaped(self, params: Params, media: str, method: str, lifted: Lifted) -> MockResult | None:
        """The answer to a document of a shape already validated, or None for the full path: the shape is new,
        a literal does not fit its argument's type, a limit is passed, or the plan meets anything graphql-core
        would report (the full path then answers with graphql-core's own errors and locations)."""
        shape = self._shapes.get(lifted.key)
        if shape is None or shape.template is None:
            return None
        values: dict[str, Any] = {}
        for (kind, text, _), (slot, expected) in zip(lifted.literals, shape.slots, strict=True):
            fits, value = slot_value(kind, text, expected)
            if not fits:
                return None
            values[slot] = value
        name = params.operation_name
        operation = shape.operations.get(name)
        if operation is None:
            operation = get_operation_ast(shape.template, name)
            if operation is not None:  # kept for the names that select one: as many as the document's operations
                shape.operations[name] = operation
        if operation is None or operation.operation is OperationType.SUBSCRIPTION:
            return None
        if method == "GET" and operation.operation is not OperationType.QUERY:
            return None
        measured = shape.measured.get(name)
        if measured is None or measured.operation is not operation:
            measured = shape.measured[name] = Measured(operation)
        size = measured.measure(self.schema, shape.fragments, {**(params.variables or {}), **values},
                                self.options.max_depth, self.options.limits, self.introspection_budget)  # fmt: skip
        if size.depth > self.options.max_depth or size.cost > self.options.max_cost or size.introspection:
            return None
        plan = shape.plans.get(name, _UNPLANNED)
        if plan is _UNPLANNED:
            plan = shape.plans[name] = compile_plan(self.schema, self.resolvers, operation, shape.fragments)
        if plan is None or plan.operation is not operation:
            return None
        variables = plan.variables.coerce(params.variables or {})  # get_variable_values, without its general coercion
        if not isinstance(variables, VariableValues):
            return None
        names = renamed_keys(shape.aliases, lifted.aliases) if lifted.aliases else None  # this document's keys
        try:
            data = plan.text(VariableValues(variables.sources, {**variables.coerced, **values}), names)
        except Fallback:
            return None
        roots = shape.roots.get(name)
        if roots is None:
            roots = shape.roots[name] = self._roots(operation, shape.fragments)
        return self._written(media, data, size, roots)

    def _learn_shape(self, lifted: Lifted, document: DocumentNode, query: str) -> None:
        """Called once ``document`` has passed the limits and validation: the second document of a shape makes
        the shape (the first is only counted, so documents sent once never pay for a template)."""
        if self._shapes.get(lifted.key) is not None:
            return
        if self._sightings.get(lifted.key) is None:
            self._sightings.put(lifted.key, True)
            return
        self._shapes.put(lifted.key, make_shape(self.schema, document, lifted, len(query)))

    def _roots_of(self, params: Params, document: DocumentNode, operation: OperationDefinitionNode) -> tuple[str, ...]:
        """``_roots``, kept with the parsed document per operation (they depend on the document alone)."""
        cached = self._documents.get(params.query)
        if cached is None or cached.document is not document:
            return self._roots(operation, self._fragments(params.query, document))
        kept = cached.roots.get(params.operation_name)
        if kept is None or kept[0] is not operation:
            kept = cached.roots[params.operation_name] = (operation, self._roots(operation, self._fragments(
                params.query, document)))  # fmt: skip
        return kept[1]

    def _roots(
        self, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
    ) -> tuple[str, ...]:
        """The contract operations (root fields: ``Query.product``) the operation selects, through fragments."""
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return ()
        found: list[str] = []
        pending = list(operation.selection_set.selections)
        spread: set[str] = set()
        while pending:
            node = pending.pop()
            if isinstance(node, FieldNode):
                name = f"{root.name}.{node.name.value}"
                if name in self._operation_ids and name not in found:
                    found.append(name)
            elif isinstance(node, InlineFragmentNode):
                pending.extend(node.selection_set.selections)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in spread:
                spread.add(node.name.value)
                fragment = fragments.get(node.name.value)
                if fragment is not None:
                    pending.extend(fragment.selection_set.selections)
        return tuple(sorted(found))

    def document(self, query: str) -> DocumentNode | None:
        """The parsed document of ``query``, within the mock's limits (nesting, tokens) and from its cache: what
        the sandbox's layers read a request by, without parsing it again; None when the mock refuses it."""
        parsed = self._parse(query)
        return parsed if isinstance(parsed, DocumentNode) else None

    def _parse(self, query: str) -> DocumentNode | dict[str, Any]:
        """Scanned and parsed once per query text: clients send the same few documents with different variables."""
        cached = self._documents.get(query)
        if cached is None:
            cached = _Prepared(self._parse_now(query), size=len(query))
            self._documents.put(query, cached)
        return cached.document

    def _problems(self, query: str, document: DocumentNode) -> list[GraphQLError]:
        """Validation depends on the document alone, so it is done once per query text too."""
        cached = self._documents.get(query)
        if cached is None or cached.document is not document:
            return self._validator.validate(document, max_errors=20, text=query)
        if cached.problems is None:
            cached.problems = self._validator.validate(document, max_errors=20, text=query)
        return cached.problems

    def _measure(self, params: Params, document: DocumentNode, operation: OperationDefinitionNode) -> Measure:
        """The operation's depth and cost: walked once per query text, operation and the values of the variables
        the walk reads (sizes, introspected type names), kept with the parsed document."""
        fragments = self._fragments(params.query, document)
        variables = params.variables or {}
        cached = self._documents.get(params.query)
        if cached is None or cached.document is not document:
            return measure(self.schema, operation, fragments, variables, self.options.max_depth,
                           self.options.limits, self.introspection_budget)  # fmt: skip
        measured = cached.measured.get(params.operation_name)
        if measured is None or measured.operation is not operation:
            measured = Measured(operation)
            cached.measured[params.operation_name] = measured
        return measured.measure(self.schema, fragments, variables, self.options.max_depth, self.options.limits,
                                self.introspection_budget)  # fmt: skip

    def _fragments(self, query: str, document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
        """The document's fragments by name, collected once per query text (the limits walk needs them)."""
        cached = self._documents.get(query)
        if cached is not None and cached.document is document and cached.fragments is not None:
            return cached.fragments
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        if cached is not None and cached.document is document:
            cached.fragments = fragments
        return fragments

    def _parse_now(self, query: str) -> DocumentNode | dict[str, Any]:
        """The parsed document, or the error refusing it: too deeply nested (a bracket scan first), or unparsable."""
        limit = self.options.max_depth + _NESTING_MARGIN
        deep = nesting(query, limit)
        if deep is not None:
            message = f"the document nests more than {limit} levels deep (brackets of any kind), the limit"
            return error(message, "DEPTH_LIMIT", [{"line": deep.line, "column": deep.column}])
        crowded = over_token_limit(query, self.options.max_tokens)
        if crowded is not None:
            message = f"the document has more than {self.options.max_tokens} tokens, the limit; split the query"
            return error(message, "TOKEN_LIMIT", [{"line": crowded.line, "column": crowded.column}])
        source = Source(query, "GraphQL request")
        plain = parse_plain(source, self.options.max_tokens)  # the same tree, for the documents clients send
        if plain is not None:
            return plain
        try:
            return _unlinked(parse(source, max_tokens=self.options.max_tokens))
        except GraphQLSyntaxError as failure:
            code = "TOKEN_LIMIT" if "tokens" in failure.message else "GRAPHQL_PARSE_FAILED"
            return _formatted(failure, code, self.options.limits.max_echo_length)
        except RecursionError:
            return error("the document is nested too deeply to parse", "DEPTH_LIMIT")

    def _planned(self, params: Params, document: DocumentNode, operation: OperationDefinitionNode) -> str | None:
        """The answer's data from the operation's compiled plan (``plan``), as JSON text, or None: no plan for this
        document, or this request is one graphql-core answers with errors (``execute`` then runs, and reports them)."""
        if not self.options.validate:
            return None  # an invalid document may get this far: graphql-core's execution decides what it means
        cached = self._documents.get(params.query)
        if cached is None or cached.document is not document:
            return None
        plan = cached.plans.get(params.operation_name, _UNPLANNED)
        if plan is _UNPLANNED:
            if params.operation_name not in cached.ordered:
                # the text's first answer: from the plan of its order shape (``order_shapes``), which documents in
                # another order share; a text sent again gets its own plan (and lane), as before
                shared = self._orders.text(document, operation, params.variables)
                if shared is not None:
                    cached.ordered.add(params.operation_name)
                    return shared
            plan = compile_plan(self.schema, self.resolvers, operation, self._fragments(params.query, document))
            cached.plans[params.operation_name] = plan
        if plan is None or plan.operation is not operation:
            return None
        return _run_plan(plan, params.variables)

    def _execute(self, document: DocumentNode, params: Params) -> ExecutionResult:
        try:
            result = execute(
                self.schema,
                document,
                variable_values=params.variables,
                operation_name=params.operation_name,
                field_resolver=self.resolvers.field_resolver,
                type_resolver=self.resolvers.type_resolver,
            )
        except RecursionError:
            message = "the query is nested too deeply to execute; lower its depth"
            return ExecutionResult(None, [GraphQLError(message, extensions={"code": "DEPTH_LIMIT"})])
        assert isinstance(result, ExecutionResult)  # no resolver returns an awaitable
        return result

    @staticmethod
    def _failed(
        media: str,
        errors: list[dict[str, Any]],
        roots: tuple[str, ...] = (),
        violations: tuple[Violation, ...] = (),
    ) -> MockResult:
        """A request error: no ``data``. 400 in graphql-response+json, 200 in application/json (the draft)."""
        status = 400 if media == GRAPHQL_RESPONSE else 200
        return MockResult(document_response(status, media, {"errors": errors}), (), roots, violations)


_UNPLANNED: Any = object()


def _unlinked(document: DocumentNode) -> DocumentNode:
    """The parsed document with the parser's token list unlinked: nothing reads it once the document is built
    (locations are offsets into the source), and its tokens, linked both ways, are a quarter of the objects a kept
    document holds, each a cycle only the garbage collector frees and every full collection walks."""
    loc = document.loc
    token = loc.start_token if loc is not None else None
    while token is not None:
        following = token.next
        token.prev = token.next = None
        token = following
    return document


def _run_plan(plan: Plan, inputs: dict[str, Any] | None) -> str | None:
    """The plan's data for these variables as JSON text, or None where graphql-core would answer errors."""
    variables = plan.variables.coerce(inputs or {})  # get_variable_values, without its general coercion
    if not isinstance(variables, VariableValues):
        return None  # variables that do not coerce: execute reports them
    try:
        return plan.text(variables)
    except Fallback:
        return None


def _violation(part: str, failure: GraphQLError, echo: int) -> Violation:
    """A GraphQL error about the request as a neutral violation: its message, at its first line:column."""
    where = failure.locations[0] if failure.locations else None
    return Violation(part, clip(failure.message, echo), pointer=f"{where.line}:{where.column}" if where else None)


def _formatted(failure: GraphQLError, code: str, echo: int) -> dict[str, Any]:
    """graphql-core's error, with a code; a message that repeats a huge request value (``first: 999…``) is cut
    to about ``echo`` characters, so an error answer does not grow with the request."""
    entry: dict[str, Any] = dict(failure.formatted)
    message = entry.get("message")
    if isinstance(message, str) and len(message) > 2 * echo:  # graphql-core's own words up to 2 * echo stay whole
        entry["message"] = clip(message, echo)
    extensions = dict(entry.get("extensions") or {})
    extensions.setdefault("code", code)
    entry["extensions"] = extensions
    return entry


def _validation_error(problem: GraphQLError, echo: int) -> dict[str, Any]:
    if problem.message == "Validation aborted.":  # graphql-core ran out of recursion on this document
        message = (
            "the document is too complex to validate (fields repeated thousands of times, or fragments nested "
            "too deeply)"
        )
        return error(message, "COMPLEXITY_LIMIT")
    if "integer string conversion" in problem.message:  # Python's 4300-digit guard, met by graphql-core's parse
        message = "an integer literal has thousands of digits: no GraphQL number type can hold it"
        locations = [{"line": place.line, "column": place.column} for place in problem.locations or ()]
        return error(message, "GRAPHQL_VALIDATION_FAILED", locations)
    return _formatted(problem, "GRAPHQL_VALIDATION_FAILED", echo)


def _no_operation(document: DocumentNode, name: str | None, echo: int) -> str:
    """Why no operation runs; the name asked for and the names defined are the request's, clipped to ``echo``."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        known = clip(", ".join(sorted(o.name.value for o in operations if o.name)) or "none", echo)
        return f"unknown operation named '{clip(name, echo)}' (the document defines: {known})"
    if not operations:
        return "the document defines no operation (only fragments or type definitions)"
    return "the document defines several operations: operationName must say which one to run"


def _sunsets(schema: Any) -> dict[str, dt.date]:
    """``Type.field`` -> the sunset date its deprecation reason announces ("Sunset: 2027-01-31")."""
    out: dict[str, dt.date] = {}
    for type_ in schema.type_map.values():
        for name, field in (getattr(type_, "fields", None) or {}).items() if hasattr(type_, "interfaces") else ():
            reason = getattr(field, "deprecation_reason", None)
            date = sunset_in_text(reason) if reason else None
            if date is not None:
                out[f"{type_.name}.{name}"] = date
    return out

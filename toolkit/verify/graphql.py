"""GraphQL conformance: generated operations against a schema's server, answers checked independently.

``generated`` draws queries (and mutations, when the schema has a mutation type) with
hypothesis-graphql; ``run_one`` sends each to ctk's GraphQL mock of one schema (in-process through
``toolkit.mock.transport.MockTransport`` and httpx, with ``live`` to the ASGI app on a loopback port, or
with ``served_by`` to ``ctk serve`` with options such as ``--state`` in a child process)
and ``judge``s the answer with a checker written here, independent of the mock's executor: it walks
the operation (fields, aliases, fragments, ``@skip``/``@include``) beside the ``data`` and checks
response keys and their order, nullability, list shapes, enum membership, the built-in scalars (Int
32-bit, Float finite, String, Boolean, ID a string) and abstract types (the object must fit one
possible type; ``__typename`` must be that type). An answer with ``errors`` passes only as
"limited" when every error carries a configured limit's code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import graphql
import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from toolkit.errors import CtkError
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import LIMIT_CODES, GraphQLMock, GraphQLMockOptions
from toolkit.load import load_contract
from toolkit.mock.transport import MockTransport
from toolkit.verify.targets import CtkServe, ServerNotReadyError

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
ACCEPT = "application/graphql-response+json"
Verdict = Literal["passed", "limited", "not_found", "failed"]
NOT_FOUND = "NOT_FOUND"  # the state layer's code for an id the session never created (GitHub's too)


@dataclass
class Outcome:
    schema: str
    sent: int = 0
    passed: int = 0
    limited: int = 0
    not_found: int = 0  # with state on: passed answers that say NOT_FOUND for an id the session never created
    failures: list[str] = field(default_factory=list)
    skipped: str = ""
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        judged = self.passed + len(self.failures)
        return self.passed / judged if judged else 1.0


# -- the checker ---------------------------------------------------------------------------------------


class Checker:
    """Is ``data`` a valid result of ``operation`` against ``schema``? Lists the reasons it is not."""

    def __init__(self, schema: graphql.GraphQLSchema, document: graphql.DocumentNode, variables: dict[str, Any]):
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, graphql.FragmentDefinitionNode)
        }
        self.problems: list[str] = []

    def check(self, operation: graphql.OperationDefinitionNode, data: Any) -> list[str]:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return [f"the schema has no {operation.operation.value} type"]
        if not isinstance(data, dict):
            return [f"data is {type(data).__name__}, not an object"]
        self._object(root, [operation.selection_set], data, "data")
        return self.problems

    def _fail(self, path: str, message: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(f"{path}: {message}")

    def _collect(
        self, type_: graphql.GraphQLObjectType, sets: list[graphql.SelectionSetNode]
    ) -> dict[str, list[graphql.FieldNode]]:
        fields: dict[str, list[graphql.FieldNode]] = {}
        for selection_set in sets:
            self._collect_into(type_, selection_set, fields, set())
        return fields

    def _collect_into(
        self,
        type_: graphql.GraphQLObjectType,
        selection_set: graphql.SelectionSetNode,
        fields: dict[str, list[graphql.FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, graphql.FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, graphql.InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, type_):
                    self._collect_into(type_, selection.selection_set, fields, visited)
            elif isinstance(selection, graphql.FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition.name.value, type_):
                    self._collect_into(type_, fragment.selection_set, fields, visited)

    def _included(self, node: graphql.SelectionNode) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition: Any = True
            for argument in directive.arguments or ():
                if argument.name.value == "if":
                    condition = graphql.value_from_ast_untyped(argument.value, self.variables)
            if (name == "skip" and condition is True) or (name == "include" and condition is not True):
                return False
        return True

    def _applies(self, condition: str, type_: graphql.GraphQLObjectType) -> bool:
        target = self.schema.get_type(condition)
        if target is None:
            return False
        if target is type_:
            return True
        if isinstance(target, graphql.GraphQLInterfaceType | graphql.GraphQLUnionType):
            return self.schema.is_sub_type(target, type_)
        return False

    def _object(
        self, type_: graphql.GraphQLObjectType, sets: list[graphql.SelectionSetNode], value: dict[str, Any], path: str
    ) -> None:
        expected = self._collect(type_, sets)
        if list(value) != list(expected):
            self._fail(path, f"keys {list(value)} are not the selection's {list(expected)} on {type_.name}")
            return
        for key, field_nodes in expected.items():
            name = field_nodes[0].name.value
            here = f"{path}.{key}"
            if name == "__typename":
                if value[key] != type_.name:
                    self._fail(here, f"__typename {value[key]!r} is not {type_.name}")
                continue
            definition = type_.fields.get(name)
            if definition is None:
                if name not in ("__schema", "__type"):
                    self._fail(here, f"{type_.name} has no field {name}")
                continue
            if name.startswith("__"):
                continue  # introspection: graphql-core answers it, the round-trip test covers it
            subsets = [n.selection_set for n in field_nodes if n.selection_set is not None]
            self._value(definition.type, subsets, value[key], here)

    def _value(
        self, type_: graphql.GraphQLOutputType, sets: list[graphql.SelectionSetNode], value: Any, path: str
    ) -> None:
        if isinstance(type_, graphql.GraphQLNonNull):
            if value is None:
                self._fail(path, f"null in a non-null field ({type_})")
                return
            type_ = type_.of_type
        if value is None:
            return
        if isinstance(type_, graphql.GraphQLList):
            if not isinstance(value, list):
                self._fail(path, f"{type(value).__name__} where a list ({type_}) is due")
                return
            for index, item in enumerate(value):
                self._value(type_.of_type, sets, item, f"{path}[{index}]")
            return
        if isinstance(type_, graphql.GraphQLScalarType):
            problem = _scalar_problem(type_.name, value)
            if problem:
                self._fail(path, problem)
            return
        if isinstance(type_, graphql.GraphQLEnumType):
            if not isinstance(value, str) or value not in type_.values:
                self._fail(path, f"{value!r} is not a member of enum {type_.name}")
            return
        if not isinstance(value, dict):
            self._fail(path, f"{type(value).__name__} where an object of {type_.name} is due")
            return
        if isinstance(type_, graphql.GraphQLObjectType):
            self._object(type_, sets, value, path)
            return
        if isinstance(type_, graphql.GraphQLInterfaceType | graphql.GraphQLUnionType):
            self._abstract(type_, sets, value, path)

    def _abstract(
        self,
        type_: graphql.GraphQLInterfaceType | graphql.GraphQLUnionType,
        sets: list[graphql.SelectionSetNode],
        value: dict[str, Any],
        path: str,
    ) -> None:
        possible = list(self.schema.get_possible_types(type_))
        named = {value[k] for k in self._typename_keys(possible, sets) if k in value}
        if named:
            candidates = [t for t in possible if t.name in named]
            if len(named) > 1 or not candidates:
                self._fail(path, f"__typename {sorted(named)} is not one possible type of {type_.name}")
                return
        else:
            candidates = [t for t in possible if list(self._collect(t, sets)) == list(value)]
        for candidate in candidates:
            trial = Checker(self.schema, graphql.DocumentNode(definitions=()), self.variables)
            trial.fragments = self.fragments
            trial._object(candidate, sets, value, path)
            if not trial.problems:
                return
        if not candidates:
            self._fail(path, f"the object fits no possible type of {type_.name}: keys {list(value)}")
        else:
            self._object(candidates[0], sets, value, path)  # report the first candidate's reasons

    def _typename_keys(
        self, possible: list[graphql.GraphQLObjectType], sets: list[graphql.SelectionSetNode]
    ) -> dict[str, list[graphql.FieldNode]]:
        keys: dict[str, list[graphql.FieldNode]] = {}
        for candidate in possible:
            for key, field_nodes in self._collect(candidate, sets).items():
                if field_nodes[0].name.value == "__typename":
                    keys[key] = field_nodes
        return keys


def _scalar_problem(name: str, value: Any) -> str:
    if name == "Int":
        if isinstance(value, bool) or not isinstance(value, int) or not INT_MIN <= value <= INT_MAX:
            return f"{value!r} is not a 32-bit Int"
    elif name == "Float":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{value!r} is not a finite Float"
    elif name in ("String", "ID") and not isinstance(value, str):
        return f"{value!r} is not a {name} (a JSON string)"
    elif name == "Boolean" and not isinstance(value, bool):
        return f"{value!r} is not a Boolean"
    return ""


def judge(
    schema: graphql.GraphQLSchema, query: str, status: int, body: Any, *, not_found: bool = False
) -> tuple[Verdict, str]:
    """("passed" | "limited" | "not_found" | "failed", reason) for one answer: ``body`` is its parsed JSON (None
    if not JSON). ``not_found`` (state on): an answer whose every error is ``NOT_FOUND`` is judged as a field
    error result (``_field_error_problems``) instead of failing: what a server answers for an id it does not hold."""
    if not isinstance(body, dict):
        return "failed", f"HTTP {status}: the body is not a JSON object"
    errors = body.get("errors")
    if errors:
        codes = {(e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)}
        if codes and codes <= LIMIT_CODES and "data" not in body:
            return "limited", ""
        if not_found and codes == {NOT_FOUND}:
            problems = _field_error_problems(schema, query, status, body)
            return ("failed", "; ".join(problems[:3])) if problems else ("not_found", "")
        return "failed", f"HTTP {status}: errors {[e.get('message') for e in errors][:2]}"
    if status != 200:
        return "failed", f"HTTP {status} without errors"
    document = graphql.parse(query)
    operation = graphql.get_operation_ast(document)
    if operation is None:
        return "failed", "the generated document has no single operation"
    problems = Checker(schema, document, {}).check(operation, body.get("data"))
    return ("failed", "; ".join(problems[:3])) if problems else ("passed", "")


def _field_error_problems(schema: graphql.GraphQLSchema, query: str, status: int, body: dict[str, Any]) -> list[str]:
    """Why an answer with field errors is not a valid partial result (GraphQL spec, "Handling Field Errors";
    GraphQL over HTTP: a response with ``data`` is HTTP 200): ``data`` present, the selection's shape with a
    null where each error's ``path`` leads (the null propagated up to a nullable field, or ``data`` itself)."""
    if status != 200:
        return [f"HTTP {status} for a field error (a response with data is 200)"]
    if "data" not in body:
        return ["field errors without data"]
    data = body["data"]
    if data is None:
        return []  # the null propagated to the root
    document = graphql.parse(query)
    operation = graphql.get_operation_ast(document)
    if operation is None:
        return ["the generated document has no single operation"]
    problems = Checker(schema, document, {}).check(operation, data)
    for error in body["errors"]:
        path = error.get("path") if isinstance(error, dict) else None
        if not isinstance(path, list) or not path:
            problems.append(f"a field error without a path: {error}")
            continue
        value: Any = data
        for step in path:
            if value is None:
                break
            found = (isinstance(step, str) and isinstance(value, dict) and step in value) or (
                isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value)
            )
            if found:
                value = value[step]
            else:
                problems.append(f"the error's path {path} is not in data")
                break
        else:
            if value is not None:
                problems.append(f"the error's path {path} holds a value, not null")
    return problems


# -- generating and sending ----------------------------------------------------------------------------


def custom_scalars(schema: graphql.GraphQLSchema) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Literals for the schema's custom scalars (the mock accepts any literal for them)."""
    builtin = set(graphql.specified_scalar_types)
    names = [n for n, t in schema.type_map.items() if isinstance(t, graphql.GraphQLScalarType) and n not in builtin]
    texts = st.sampled_from(["2024-05-01T12:00:00Z", "x", "42", "https://example.com/a"])
    return {name: texts.map(nodes.String) for name in names if not name.startswith("__")}


def generated(schema: graphql.GraphQLSchema, examples: int, seed: int) -> list[str]:
    """Up to ``examples`` distinct queries (and mutations) for ``schema``, the same for the same seed."""
    scalars = custom_scalars(schema)
    strategies = [queries(schema, custom_scalars=scalars)]
    if schema.mutation_type is not None:
        strategies.append(mutations(schema, custom_scalars=scalars))
    found: list[str] = []

    @hypothesis_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.one_of(*strategies))
    def collect(query: str) -> None:
        found.append(query)

    collect()
    return list(dict.fromkeys(found))


@contextmanager
def client_for(
    mock: GraphQLMock, live: bool, served_by: CtkServe | None = None, path: Path | None = None, seed: int = 0
) -> Iterator[httpx.Client]:
    """An httpx client reaching ``mock`` in its envelope: in-process (no socket), or ``live`` over a loopback
    uvicorn; with ``served_by``, the schema at ``path`` served by ``ctk serve`` (with its options, e.g.
    ``--state``) in a child process, where ``mock`` is mounted."""
    from toolkit.mock.envelope import MockEnvelope

    if served_by is not None:
        assert path is not None, "ctk serve needs the schema's path"
        with served_by.serving(path, seed=seed) as origin, httpx.Client(base_url=origin, timeout=60) as client:
            yield client
        return
    if not live:
        with httpx.Client(transport=MockTransport(MockEnvelope(mock)), base_url="http://mock.invalid") as client:
            yield client
        return
    from toolkit.mock.asgi import MockASGIApp
    from toolkit.mock.loopback import serve_in_thread

    app = MockASGIApp(MockEnvelope(mock))
    with (
        serve_in_thread(app, log_level="warning", lifespan="off", startup_timeout=30) as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        yield client


def run_one(
    path: Path, *, examples: int, seed: int, live: bool = False, label: str = "", served_by: CtkServe | None = None
) -> Outcome:
    """``examples`` generated operations against ctk's mock of the schema at ``path``, each answer judged; with
    ``served_by``, against ``ctk serve`` in a child process (``CtkServe(("--state",))``: with the sandbox's
    state layer), at the mount of the mock compiled here. With state on, an update, delete or non-null read
    naming an id the session never created answers a ``NOT_FOUND`` field error, as GitHub's API does: it
    passes when it is a valid partial result (``judge(..., not_found=True)``), counted in ``not_found``."""
    outcome = Outcome(label or path.name)
    started = time.perf_counter()
    try:
        contract = load_contract(str(path))
    except CtkError as failure:
        outcome.skipped = f"not a buildable schema: {failure.message}"
        return outcome
    assert isinstance(contract, GraphQLContract) and contract.schema is not None, f"{path} is not a GraphQL schema"
    schema = contract.schema
    mock = GraphQLMock(contract, GraphQLMockOptions(seed=seed))
    not_found = served_by is not None and served_by.state
    try:
        with client_for(mock, live, served_by, path, seed) as client:
            for query in generated(schema, examples, seed):
                outcome.sent += 1
                response = client.post(mock.mount, json={"query": query}, headers={"accept": ACCEPT})
                try:
                    body = response.json()
                except ValueError:
                    body = None
                verdict, reason = judge(schema, query, response.status_code, body, not_found=not_found)
                if verdict in ("passed", "not_found"):
                    outcome.passed += 1
                    outcome.not_found += verdict == "not_found"
                elif verdict == "limited":
                    outcome.limited += 1
                else:
                    outcome.failures.append(f"{reason}\n      query: {' '.join(query.split())[:300]}")
    except ServerNotReadyError as error:  # the server never listened: every query is unanswered
        outcome.failures.append(f"{served_by.name if served_by else 'the server'}: {error}")
    outcome.seconds = time.perf_counter() - started
    return outcome

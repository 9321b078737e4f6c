"""GraphQL conformance: generated operations against a schema's server, answers checked independently.

``generated`` draws queries (and mutations, when the schema has a mutation type) with
hypothesis-graphql; ``run_one`` sends each to ctk's GraphQL mock of one schema (in-process through
``toolkit.mock.transport.MockTransport`` and httpx, with ``live`` to the ASGI app on a loopback port, or
with ``served_by`` to ``ctk serve`` with options such as ``--state`` in a child process)
and ``judge``s the answer with a checker independent of the mock's executor
(``toolkit.graphql.answer_check.Checker``, which ``ctk record`` also judges the vendor's answers with): it walks
the operation (fields, aliases, fragments, ``@skip``/``@include``) beside the ``data`` and checks
response keys and their order, nullability, list shapes, enum membership, the built-in scalars (Int
32-bit, Float finite, String, Boolean, ID a string) and abstract types (the object must fit one
possible type; ``__typename`` must be that type). An answer with ``errors`` passes only as
"limited" when every error carries a configured limit's code.
"""

from __future__ import annotations

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
from toolkit.graphql.answer_check import Checker as Checker  # re-exported: tests import it from here too
from toolkit.graphql.load import GraphQLContract
from toolkit.graphql.mock.handler import LIMIT_CODES, GraphQLMock, GraphQLMockOptions
from toolkit.load import load_contract
from toolkit.mock.transport import MockTransport
from toolkit.verify.targets import CtkServe, ServerNotReadyError

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

"""REST conformance against a live server: schemathesis as a library, every request through the SafeClient.

schemathesis builds the requests (positive mode: valid inputs drawn from the contract by hypothesis, with
a fixed seed and ``--examples`` per operation) and judges each answer with its five response checks
(``RESPONSE_CHECKS``); ctk sends them, through ``SafeClient`` (budget, pacing, backoff, breaker,
credentials, evidence), so schemathesis never opens a connection of its own. Safe operations are
sampled on their own; with ``--unsafe`` mutations run only inside the contract's create → read → delete
chains (``safety.crud_chains``), the created item's id carried from the create's answer to the read, the
updates and the delete. With ``--unsafe-all`` (``every_operation``: a server that holds nothing shared) the
mutations no chain covers are sampled on their own too, like safe ones. A failure is reported once per
operation, check and cause, with a curl line that reproduces it (secrets redacted).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from toolkit.model import HttpOperation
from toolkit.verify.core import Failure, PlannedCall, VerifyContext
from toolkit.verify.safety import CrudChain, crud_chains, is_safe

if TYPE_CHECKING:
    from schemathesis.schemas import BaseSchema

# schemathesis' Case and APIOperation are generic over four internal types ctk never names.
Case = Any
APIOperation = Any

__all__ = ["RESPONSE_CHECKS", "OpenApiEngine"]

# schemathesis' checks that judge an answer without sending anything more (the others re-send requests,
# without credentials or with mutated ones, which a verify run must not do behind the budget's back).
RESPONSE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
CHAIN_EXAMPLES = 5  # create → read → delete chains per create operation, at most (each one leaves nothing)
# Headers schemathesis adds for its own bookkeeping: noise in a reproduction.
_QUIET_HEADERS = frozenset({"user-agent", "accept-encoding", "connection", "x-schemathesis-testcaseid", "host"})
_MESSAGE_LIMIT = 300


class OpenApiEngine:
    """The ``Engine`` for OpenAPI contracts."""

    def __init__(self) -> None:
        self._schemas: dict[str, BaseSchema] = {}
        self._seen: set[tuple[str, str, str]] = set()  # failures reported in this run: a chain repeats none

    # -- what would run ------------------------------------------------------------------------------------

    def operations(self, ctx: VerifyContext) -> list[str]:
        chained = {op.id for chain in crud_chains(ctx.contract) for op in chain.operations} if ctx.unsafe else set()
        return [
            op.id
            for op in ctx.contract.operations
            if isinstance(op, HttpOperation)
            and (ctx.every_operation or is_safe(op, ctx.safe_names) or op.id in chained)
        ]

    def plan(self, ctx: VerifyContext) -> list[PlannedCall]:
        base = ctx.base_url.rstrip("/")
        calls: list[PlannedCall] = []
        chains = {chain.create.id: chain for chain in crud_chains(ctx.contract)} if ctx.unsafe else {}
        sampled = _sampled(ctx)
        for op in ctx.contract.operations:
            if not isinstance(op, HttpOperation):
                continue
            if op.id in sampled:
                safe = is_safe(op, ctx.safe_names)
                calls.append(PlannedCall(op.id, op.method.upper(), base + op.path, safe, f"{ctx.examples} examples"))
            if op.id in chains:
                chain = chains[op.id]
                note = f"chain {min(ctx.examples, CHAIN_EXAMPLES)}x: " + " → ".join(o.id for o in chain.operations)
                for step in chain.operations:
                    calls.append(PlannedCall(step.id, step.method.upper(), base + step.path, is_safe(step), note))
        return calls

    # -- running -------------------------------------------------------------------------------------------

    def run(self, ctx: VerifyContext, only: str | None = None) -> Iterator[Failure]:
        schema = self._schema(ctx)
        by_label = _operations(schema)
        chains = crud_chains(ctx.contract) if ctx.unsafe else []
        sampled = _sampled(ctx)
        for op in ctx.contract.operations:
            if ctx.client.stop_reason is not None:
                return
            if not isinstance(op, HttpOperation) or (only is not None and op.id != only):
                continue
            operation = by_label.get(f"{op.method.upper()} {op.path}")
            if operation is None:
                ctx.skipped[op.id] = "schemathesis could not read this operation"
                continue
            if op.id in sampled:
                yield from _Sampler(_Judge(ctx, self._seen), op, operation).run()
        for chain in chains:
            if ctx.client.stop_reason is not None:
                return
            if only is not None and only != chain.create.id:
                continue  # a chain runs once, when its create's turn comes
            steps = {step.id: by_label.get(f"{step.method.upper()} {step.path}") for step in chain.operations}
            if any(step is None for step in steps.values()):
                ctx.skipped[chain.create.id] = "schemathesis could not read every step of its chain"
                continue
            yield from _Chain(
                _Judge(ctx, self._seen), chain, {key: value for key, value in steps.items() if value is not None}
            ).run()

    def _schema(self, ctx: VerifyContext) -> BaseSchema:
        key = ctx.contract.source
        if key not in self._schemas:
            import schemathesis  # heavy: only when a REST run starts

            source = Path(ctx.contract.source)
            config = schemathesis.Config()
            if source.is_file():
                self._schemas[key] = schemathesis.openapi.from_path(source, config=config)
            else:
                self._schemas[key] = schemathesis.openapi.from_dict(
                    getattr(ctx.contract, "document", {}), config=config
                )
        return self._schemas[key]


def _sampled(ctx: VerifyContext) -> set[str]:
    """The operations sampled on their own: the safe ones; with ``every_operation`` also the unsafe ones no
    chain covers (a chain's steps still run only in their chain, so what it creates is deleted)."""
    http = [op for op in ctx.contract.operations if isinstance(op, HttpOperation)]
    if not ctx.every_operation:
        return {op.id for op in http if is_safe(op, ctx.safe_names)}
    chained = {op.id for chain in crud_chains(ctx.contract) for op in chain.operations}
    return {op.id for op in http if is_safe(op, ctx.safe_names) or op.id not in chained}


def _operations(schema: BaseSchema) -> dict[str, APIOperation]:
    """The operations schemathesis could read, by "METHOD /path" (an unreadable one is reported as skipped)."""
    found: dict[str, APIOperation] = {}
    for result in schema.get_all_operations():
        try:
            operation = result.ok()  # type: ignore[union-attr]  # Err raises here: the operation is left out
        except Exception:  # noqa: BLE001, S112 - any reason schemathesis cannot read one operation
            continue
        found[operation.label] = operation
    return found


class _Judge:
    """Sends one case through the SafeClient and turns schemathesis' verdicts into ctk Failures."""

    def __init__(self, ctx: VerifyContext, seen: set[tuple[str, str, str]]) -> None:
        from schemathesis import checks

        self.ctx = ctx
        self.checks = {name: getattr(checks, name) for name in RESPONSE_CHECKS}
        self.seen = seen
        self.failures: list[Failure] = []

    def send(self, op: HttpOperation, case: Case, *, safe: bool) -> httpx.Response | None:
        kwargs = case.as_transport_kwargs(base_url=self.ctx.base_url.rstrip("/"))
        request = _request(kwargs)
        # Content-Length frames the body, so httpx sets it: a contract declaring it as a header parameter (vercel's
        # POST /v2/files) gets a drawn value that does not match the body, and h11 refuses to send that request.
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in _QUIET_HEADERS and name.lower() != "content-length"
        }
        return self.ctx.client.send(
            op.id, request.method, str(request.url), headers=headers, content=request.content, safe=safe,
            contract_operation=op,
        )  # fmt: skip

    def judge(self, op: HttpOperation, case: Case, response: httpx.Response) -> None:
        from schemathesis.core.failures import FailureGroup

        try:
            case.validate_response(response, checks=list(self.checks.values()))
            return
        except FailureGroup:
            pass  # which check said what: asked one by one below (a failure class can come from two checks)
        for name, check in self.checks.items():
            try:
                case.validate_response(response, checks=[check])
            except FailureGroup as group:
                for failure in group.exceptions:
                    self._add(op, name, failure, response)

    def transport_failure(self, op: HttpOperation) -> None:
        if self.ctx.client.stop_reason is None and self.ctx.client.last_error:
            message = f"no answer: {self.ctx.client.last_error}"
            key = ("transport", op.id, message)
            if key not in self.seen:
                self.seen.add(key)
                self.failures.append(Failure("transport", op.id, message[:_MESSAGE_LIMIT]))

    def _add(self, op: HttpOperation, check: str, failure: Any, response: httpx.Response) -> None:
        place = ""
        instance_path = getattr(failure, "instance_path", None)
        if instance_path is not None:
            place = "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in instance_path)
        cause = _cause(check, failure, place)
        key = (check, op.id, cause)
        if key in self.seen:
            return
        self.seen.add(key)
        redact = self.ctx.client.credentials.redact
        # schemathesis' first line says what is wrong; the rest repeats the schema and the value at length
        first = next((line.strip() for line in str(failure.message).splitlines() if line.strip()), "")
        message = " ".join(f"{failure.title}: {first}".split())
        self.failures.append(
            Failure(
                check=check,
                operation=op.id,
                message=redact(message)[:_MESSAGE_LIMIT],
                place=place,
                reproduction=redact(curl(response.request)),
            )
        )


def _cause(check: str, failure: Any, place: str) -> str:
    """What makes two failures the same: the status code, the schema keyword and place, the header or type."""
    if check == "response_schema_conformance" or getattr(failure, "schema_path", None) is not None:
        return f"{type(failure).__name__} {place} {list(getattr(failure, 'schema_path', []) or [])}"
    for attribute in ("status_code", "missing_headers", "content_type", "media_types", "actual"):
        if hasattr(failure, attribute):
            return f"{type(failure).__name__} {getattr(failure, attribute)}"
    return f"{type(failure).__name__} {failure.title}"


class _Sampler:
    """``--examples`` valid requests to one operation (safe, or unchained with ``--unsafe-all``), drawn with the
    run's seed."""

    def __init__(self, judge: _Judge, op: HttpOperation, operation: APIOperation) -> None:
        self.ctx, self.op, self.operation = judge.ctx, op, operation
        self.judge = judge

    def run(self) -> Iterator[Failure]:
        stopped = False

        def example(case: Case) -> None:
            nonlocal stopped
            if stopped:
                return
            response = self.judge.send(self.op, case, safe=is_safe(self.op, self.ctx.safe_names))
            if response is None:
                stopped = True  # refused (budget, breaker) or no answer after the retries
                self.judge.transport_failure(self.op)
                return
            self.judge.judge(self.op, case, response)

        error = _drive(self.ctx, _strategy(self.ctx, self.operation), example, self.ctx.examples)
        if error:
            self.ctx.skipped[self.op.id] = error
        yield from self.judge.failures


class _Chain:
    """create → read → (updates) → delete, each created item deleted whatever the read said."""

    def __init__(self, judge: _Judge, chain: CrudChain, operations: Mapping[str, APIOperation]) -> None:
        self.ctx, self.chain, self.operations = judge.ctx, chain, operations
        self.judge = judge

    def run(self) -> Iterator[Failure]:
        from hypothesis import strategies as st

        stopped = False

        def example(drawn: tuple[Case, st.DataObject]) -> None:
            nonlocal stopped
            case, data = drawn
            if stopped:
                return
            create = self.chain.create
            response = self.judge.send(create, case, safe=False)
            if response is None:
                stopped = True
                self.judge.transport_failure(create)
                return
            self.judge.judge(create, case, response)
            item = _created_id(response, self.chain.item_parameter)
            if item is None:
                return  # nothing was created (or its id cannot be found): nothing to read or clean up
            for step in (self.chain.read, *self.chain.updates, self.chain.delete):
                step_case = data.draw(_strategy(self.ctx, self.operations[step.id], {self.chain.item_parameter: item}))
                answer = self.judge.send(step, step_case, safe=step is self.chain.read)
                if answer is None:
                    self.judge.transport_failure(step)
                    continue  # still try the delete: the created item must not stay behind
                self.judge.judge(step, step_case, answer)

        strategy = st.tuples(_strategy(self.ctx, self.operations[self.chain.create.id]), st.data())
        examples = min(self.ctx.examples, CHAIN_EXAMPLES)
        error = _drive(self.ctx, strategy, example, examples)
        if error:
            self.ctx.skipped[self.chain.create.id] = error
        yield from self.judge.failures


def _created_id(response: httpx.Response, parameter: str) -> str | None:
    if not 200 <= response.status_code < 300:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for key in (parameter, "id"):
        value = body.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def _strategy(ctx: VerifyContext, operation: APIOperation, path_parameters: dict[str, Any] | None = None) -> Any:
    from schemathesis.generation.case import find_invalid_headers

    # Header-borne security schemes get a fixed placeholder (the SafeClient puts the real credentials over it):
    # schemathesis would otherwise draw values no HTTP client can send ("Bearer " with a trailing space).
    headers = dict(ctx.extra_headers)
    strategy = operation.as_strategy(headers=headers or None, path_parameters=path_parameters)
    return strategy.filter(lambda case: not any(find_invalid_headers(case.headers or {})))


def _drive(ctx: VerifyContext, strategy: Any, example: Callable[[Any], None], count: int) -> str:
    """Run ``example`` on ``count`` values of ``strategy`` drawn with the run's seed; an error's text, or ''."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
    from hypothesis.errors import HypothesisException

    @seed(ctx.seed)
    @settings(
        max_examples=max(1, count), database=None, deadline=None, derandomize=False,
        suppress_health_check=list(HealthCheck), phases=[Phase.generate], verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
    )  # fmt: skip
    @given(strategy)
    def examples(value: Any) -> None:
        example(value)

    try:
        examples()
    except HypothesisException as exc:
        return f"no valid request could be generated: {type(exc).__name__}"
    except Exception as exc:  # noqa: BLE001 - schemathesis' reasons an operation cannot be generated for
        return ctx.client.credentials.redact(" ".join(f"{type(exc).__name__}: {exc}".split())[:_MESSAGE_LIMIT])
    return ""


def _request(kwargs: Mapping[str, Any]) -> httpx.Request:
    """The exact request schemathesis serialised, built once so its bytes, URL and headers are what is sent."""
    headers = dict(kwargs.get("headers") or {})
    cookies = kwargs.get("cookies") or {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["content"] = json.dumps(kwargs["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        if isinstance(data, bytes | str):
            body["content"] = data
        else:
            body["data"] = data
    elif kwargs.get("content") is not None:
        body["content"] = kwargs["content"]
    if kwargs.get("files"):
        body["files"] = kwargs["files"]
    params = kwargs.get("params") or None
    request = httpx.Request(str(kwargs["method"]), str(kwargs["url"]), params=params, headers=headers, **body)
    request.read()  # a form or multipart body is a stream until read
    return request


def curl(request: httpx.Request) -> str:
    """A curl line that sends ``request`` again (the caller redacts it)."""
    parts = ["curl", "-X", request.method, shlex.quote(str(request.url))]
    for name, value in request.headers.items():
        if name.lower() in _QUIET_HEADERS or name.lower() == "content-length":
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.content:
        parts += ["--data-binary", shlex.quote(request.content.decode("utf-8", errors="replace")[:2000])]
    return " ".join(parts)

"""One ``ctk verify`` run: for each target API, choose the engine by protocol, run its operations, collect the result.

``run_target`` builds the run's ``SafeClient`` (budget, pacer, breaker, credentials, the evidence collector),
asks the engine for its operations and runs them one at a time (so progress can be shown and a stop honoured
between operations), then saves the evidence. Nothing escapes as a traceback: a ``CtkError`` or an engine's
unexpected exception becomes ``ApiResult.error`` (exit 2), secrets redacted. ``--plan`` asks the engine what it
would send and sends nothing.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import CtkError
from toolkit.evidence import Observation
from toolkit.model import Contract, HttpOperation
from toolkit.vendor.credentials import NO_CREDENTIALS, Credentials
from toolkit.verify.core import (
    DEFAULT_BUDGET,
    DEFAULT_BUDGET_PER_OPERATION,
    DEFAULT_EXAMPLES,
    DEFAULT_SEED,
    Engine,
    Failure,
    PlannedCall,
    VerifyContext,
)
from toolkit.verify.evidence_sink import EvidenceCollector
from toolkit.verify.guard import Budget, CircuitBreaker, Pacer, SafeClient
from toolkit.verify.safety import is_safe

__all__ = [
    "ENGINES", "ApiResult", "ApiTarget", "OpenRun", "Progress", "RunOptions", "engine_for", "not_sent", "open_run",
    "run_target",
]  # fmt: skip

# protocol -> (module, class): imported when a contract of that protocol is verified (schemathesis, zeep and
# hypothesis-graphql are heavy, and a run seldom needs all three).
ENGINES = {
    "openapi": ("toolkit.verify.engine_openapi", "OpenApiEngine"),
    "graphql": ("toolkit.verify.engine_graphql", "GraphQLEngine"),
    "soap": ("toolkit.verify.engine_soap", "SoapEngine"),
}


@dataclass(frozen=True)
class RunOptions:
    seed: int = DEFAULT_SEED
    examples: int = DEFAULT_EXAMPLES
    unsafe: bool = False
    every_operation: bool = False  # ctk verify --unsafe-all: unchained mutations too (a server sharing nothing)
    plan_only: bool = False
    budget: int | None = None  # None: the API's [apis.NAME.verify] budget, else DEFAULT_BUDGET
    budget_per_operation: int | None = None
    sunset_horizon_days: int | None = None
    breaker_threshold: int = 5
    max_wait: float = 120.0
    timeout: float = 30.0
    retries: int = 2
    backoff: float = 0.25


@dataclass
class ApiTarget:
    """One API to verify: its contract, where its vendor (or a mock) answers, and how to reach it."""

    api: str
    contract: Contract
    base_url: str
    credentials: Credentials = NO_CREDENTIALS
    safe_names: frozenset[str] = frozenset()
    budget: int | None = None
    budget_per_operation: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
    extra_headers: dict[str, str] = field(default_factory=dict)
    evidence_path: Path | None = None
    contract_label: str = ""


@dataclass
class ApiResult:
    api: str
    protocol: str
    base_url: str
    contract: str
    operations: list[str] = field(default_factory=list)  # exercised (or planned), in order
    done: int = 0
    failures: list[Failure] = field(default_factory=list)
    not_sent: dict[str, str] = field(default_factory=dict)  # operation -> why it was not sent (unsafe, no chain)
    skipped: dict[str, str] = field(default_factory=dict)  # operation -> why the engine could not exercise it
    plan: list[PlannedCall] = field(default_factory=list)
    observations: tuple[Observation, ...] = ()
    evidence_path: str | None = None
    sent: int = 0
    budget: int = DEFAULT_BUDGET
    budget_left: int = DEFAULT_BUDGET
    stop_reason: str | None = None
    error: str | None = None  # the run could not be carried out (exit 2)
    seconds: float = 0.0
    unsafe: bool = False
    seed: int = DEFAULT_SEED
    examples: int = DEFAULT_EXAMPLES


# Progress: called after each operation with the result so far (done, budget left, failures).
Progress = Callable[[ApiResult, str], None]


def engine_for(protocol: str) -> Engine:
    """The engine for a contract's protocol (a ``CtkError`` when this installation has none)."""
    if protocol not in ENGINES:
        raise CtkError(f"ctk verify has no engine for {protocol} contracts")
    module_name, class_name = ENGINES[protocol]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CtkError(
            f"ctk verify cannot test {protocol} contracts here: {exc}", hint="reinstall ctk with its dependencies"
        ) from None
    engine: Engine = getattr(module, class_name)()
    return engine


def run_target(target: ApiTarget, options: RunOptions, progress: Progress | None = None) -> ApiResult:
    """Verify one API; never raises for what the vendor or the contract does (see ``ApiResult.error``)."""
    protocol = str(target.contract.protocol)
    run = open_run(target, options)
    client, ctx, collector = run.client, run.ctx, run.collector
    budget = client.budget.total
    result = ApiResult(
        api=target.api, protocol=protocol, base_url=target.base_url,
        contract=target.contract_label or target.contract.source, budget=budget, budget_left=budget,
        unsafe=options.unsafe or options.every_operation, seed=options.seed, examples=options.examples,
    )  # fmt: skip
    redact = target.credentials.redact
    started = time.perf_counter()
    try:
        engine = engine_for(protocol)
        result.operations = engine.operations(ctx)
        result.not_sent = not_sent(target.contract, set(result.operations), ctx)
        if options.plan_only:
            result.plan = engine.plan(ctx)
            return result
        for operation in result.operations:
            if client.stop_reason is not None:
                break
            result.failures += engine.run(ctx, only=operation)
            result.done += 1
            result.sent, result.budget_left = client.sent, client.budget.left
            if progress is not None:
                progress(result, operation)
    except CtkError as exc:
        result.error = redact(str(exc))
    except Exception as exc:  # noqa: BLE001 - an engine's bug must still end as a report, not a traceback
        result.error = redact(f"the {protocol} engine stopped: {type(exc).__name__}: {exc}")
    finally:
        client.close()
        result.seconds = time.perf_counter() - started
    result.sent, result.budget_left, result.stop_reason = client.sent, client.budget.left, client.stop_reason
    if client.sent and not client.answered and result.error is None:
        # not one answer: the vendor is unreachable, which says nothing about its conformance
        result.error = redact(f"no answer from {target.base_url}: {client.last_error or client.stop_reason}")
        result.failures = [failure for failure in result.failures if failure.check != "transport"]
    result.skipped = {op: redact(why) for op, why in ctx.skipped.items()}
    result.observations = collector.observations
    if target.evidence_path is not None and result.error is None:
        try:
            result.evidence_path = str(collector.write(target.evidence_path))
        except CtkError as exc:
            result.error = redact(str(exc))
    return result


@dataclass
class OpenRun:
    """One API's run before it starts: its ``SafeClient`` (shared by every operation), context and evidence."""

    client: SafeClient
    ctx: VerifyContext
    collector: EvidenceCollector


def open_run(target: ApiTarget, options: RunOptions) -> OpenRun:
    """The client, context and evidence collector of one API's run (``run_target``'s, and pytest's per API)."""
    budget = options.budget or target.budget or DEFAULT_BUDGET
    per_operation = options.budget_per_operation or target.budget_per_operation or DEFAULT_BUDGET_PER_OPERATION
    collector = EvidenceCollector(
        target.api,
        target.contract,
        target.base_url,
        sunset_horizon_days=options.sunset_horizon_days,
        contract_label=target.contract_label or None,
    )
    client = SafeClient(
        credentials=target.credentials,
        unsafe=options.unsafe or options.every_operation,
        budget=Budget(total=budget, per_operation=per_operation),
        breaker=CircuitBreaker(threshold=options.breaker_threshold),
        pacer=Pacer(max_wait=options.max_wait),
        timeout=options.timeout,
        retries=options.retries,
        backoff=options.backoff,
        sinks=[collector],
    )
    ctx = VerifyContext(
        api=target.api, contract=target.contract, base_url=target.base_url, client=client, seed=options.seed,
        examples=options.examples, unsafe=options.unsafe or options.every_operation,
        every_operation=options.every_operation, plan_only=options.plan_only,
        safe_names=target.safe_names, sunset_horizon_days=options.sunset_horizon_days, extra=dict(target.extra),
        extra_headers=dict(target.extra_headers),
    )  # fmt: skip
    return OpenRun(client, ctx, collector)


def not_sent(contract: Contract, exercised: set[str], ctx: VerifyContext) -> dict[str, str]:
    """Why each operation of the contract outside ``exercised`` is not sent."""
    reasons: dict[str, str] = {}
    for op in contract.operations:
        if op.id in exercised:
            continue
        if is_safe(op, ctx.safe_names):
            reasons[op.id] = "not exercised by this engine"
        elif not ctx.unsafe:
            reasons[op.id] = "unsafe: sent only with --unsafe"
        elif ctx.every_operation:
            reasons[op.id] = "unsafe: not exercised by this engine"
        elif isinstance(op, HttpOperation):
            reasons[op.id] = (
                "unsafe, and in no create → read → delete chain that would clean up after it "
                "(--unsafe-all sends it anyway, for a server that holds nothing shared)"
            )
        else:
            reasons[op.id] = "unsafe: not sent"
    return reasons

"""The types every ``ctk verify`` engine, guard and report shares: failures, observations, plans, the context.

An engine (one per protocol: ``engine_openapi``, ``engine_graphql``, ``engine_soap``) lists a contract's
operations, plans the calls it would send (``--plan``) and runs them, yielding ``Failure``s of one shape
whatever the protocol. Every request goes through the run's ``SafeClient`` (``guard.py``), which enforces
the budget, pacing, backoff and circuit breaker, and hands each answer to the evidence observers as an
``Observation`` source. Nothing here sends or prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import httpx

    from toolkit.model import Contract, Operation
    from toolkit.verify.guard import SafeClient

__all__ = [
    "CHECKS",
    "DEFAULT_BUDGET",
    "DEFAULT_BUDGET_PER_OPERATION",
    "DEFAULT_EXAMPLES",
    "DEFAULT_SEED",
    "Engine",
    "EvidenceSink",
    "Failure",
    "Observation",
    "PlannedCall",
    "VerifyContext",
]

# The names a Failure.check takes, the same for every protocol (the first five are schemathesis' own).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "fault_declared",  # SOAP: a Fault the WSDL does not declare for the operation
    "graphql_errors_conformance",  # GraphQL: errors on a valid query, or a data shape the schema forbids
    "transport",  # the answer never came (connection refused, timeout after the retries)
)

DEFAULT_BUDGET = 500
DEFAULT_BUDGET_PER_OPERATION = 50
DEFAULT_EXAMPLES = 20
FORMATS = ("text", "json", "junit", "markdown")  # ctk verify --format; here so the CLI reads them without httpx
DEFAULT_SEED = 0


@dataclass(frozen=True)
class Failure:
    """One conformance failure, the same shape for every protocol."""

    check: str  # a name from CHECKS
    operation: str  # the contract's Operation.id
    message: str  # one sentence, secrets redacted
    place: str = ""  # JSON pointer / element path / schema coordinate in the answer
    reproduction: str = ""  # a curl line, or the SOAP envelope (secrets redacted)


@dataclass(frozen=True)
class Observation:
    """Evidence from one answer: a header, status, field or fault the contract does not account for."""

    kind: str  # deprecation-header, sunset-header, link-deprecation, link-sunset, warning-299, malformed-deprecation,
    # malformed-sunset, undocumented-status, undocumented-field, undocumented-header, undeclared-fault,
    # deprecated-field-used
    operation: str
    detail: str  # the header value / status / field path / fault name (never a secret)
    date: str | None = None  # ISO date for deprecation/sunset when known


@dataclass(frozen=True)
class PlannedCall:
    """One request ``--plan`` shows instead of sending it."""

    operation: str
    method: str
    url: str
    safe: bool
    body: str = ""  # a short preview, secrets redacted


class EvidenceSink(Protocol):
    """Receives every answer of a run (``SafeClient.observe``); the evidence collector implements it."""

    def observe(self, operation: str, response: httpx.Response, contract_operation: Operation | None) -> None: ...


@dataclass
class VerifyContext:
    """Everything an engine needs for one API's run."""

    api: str
    contract: Contract
    base_url: str
    client: SafeClient
    seed: int = DEFAULT_SEED
    examples: int = DEFAULT_EXAMPLES
    unsafe: bool = False
    # Send unsafe operations outside chains too (implies unsafe): only for a server that holds nothing shared,
    # such as ctk's own mock; a vendor's sandbox keeps what an unchained mutation leaves behind.
    every_operation: bool = False
    plan_only: bool = False
    safe_names: frozenset[str] = frozenset()  # SOAP/GraphQL operation names sandbox.toml marks safe
    sunset_horizon_days: int | None = None
    extra: dict[str, str] = field(default_factory=dict)  # engine-specific settings (e.g. graphql_endpoint, wsdl_url)
    # Headers every generated request carries (placeholders for header-borne security schemes: the SafeClient
    # puts the real credentials over them).
    extra_headers: dict[str, str] = field(default_factory=dict)
    # Operations the engine could not exercise, and why (reported, not a conformance failure).
    skipped: dict[str, str] = field(default_factory=dict)

    def operation(self, operation_id: str) -> Operation | None:
        return next((op for op in self.contract.operations if op.id == operation_id), None)


class Engine(Protocol):
    """One per protocol, chosen by ``contract.protocol``."""

    def operations(self, ctx: VerifyContext) -> list[str]:
        """The operation ids this engine will exercise, in a stable order (unsafe ones only with --unsafe)."""
        ...

    def plan(self, ctx: VerifyContext) -> list[PlannedCall]:
        """What would be sent (--plan): nothing is sent."""
        ...

    def run(self, ctx: VerifyContext, only: str | None = None) -> Iterator[Failure]:
        """Exercise the operations (or only the one named), yielding each failure as it is found."""
        ...

"""``ctk verify`` pointed at ctk's own mock: the run the self-conformance scripts print, one contract at a time.

``verify_own_mock`` serves a contract with ``ctk serve`` in a child process (``targets.CtkServe``, so ``--state``
and ``--store`` reach the sandbox's layers as a user reaches them) and runs ``ctk verify``'s runner against it
(``runner.run_target``: the engines, the ``SafeClient``, the checks and failure shape the command uses), with
``--unsafe-all`` since nothing is shared: the mutations are verified too, in their create → read → delete chains
and, those no chain covers, on their own.
``Verified`` is the figures of one run (operations, exercised, conforming, failures with reasons), and
``render`` lays a list of them out as the scripts' table. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.model import Protocol
from toolkit.verify.core import DEFAULT_BUDGET_PER_OPERATION
from toolkit.verify.runner import ApiResult, ApiTarget, RunOptions, run_target
from toolkit.verify.targets import CtkServe, ServerNotReadyError

__all__ = ["HEADER", "Verified", "lines_of", "options", "render", "total", "verify_own_mock"]

# ctk's own mock shares nothing and is no vendor to spare: the budget only guards against a runaway run.
OWN_MOCK_BUDGET = 1_000_000


def options(*, seed: int, examples: int) -> RunOptions:
    """``ctk verify --unsafe-all --seed S --examples N`` with a budget and breaker that never stop a run on ctk's
    mock: it holds nothing shared, so every operation it serves is sent, chained or not."""
    per_operation = max(DEFAULT_BUDGET_PER_OPERATION, 10 * examples)  # a chain sends several calls per example
    # The breaker spares a vendor's shared sandbox; ctk's mock answering a contract that declares only 401 (as
    # kubernetes' GET /logs/ does) keeps answering 401, rightly, and must not stop the run. A stop still fails it.
    return RunOptions(seed=seed, examples=examples, unsafe=True, every_operation=True, budget=OWN_MOCK_BUDGET,
                      budget_per_operation=per_operation, breaker_threshold=OWN_MOCK_BUDGET)  # fmt: skip


@dataclass
class Verified:
    """The figures of one contract's ``ctk verify`` run against ctk's mock of it."""

    contract: str
    protocol: str = ""
    operations: int = 0  # the contract's
    exercised: int = 0  # sent by ctk verify (with --unsafe-all every operation, chains as chains)
    conforming: int = 0  # exercised, with no failure
    failed: list[str] = field(default_factory=list)  # operation ids with at least one failure
    failures: list[str] = field(default_factory=list)  # "operation: check: message [at place]"
    not_sent: dict[str, str] = field(default_factory=dict)  # operation -> why ctk verify did not send it
    skipped: dict[str, str] = field(default_factory=dict)  # operation -> why the engine could not exercise it
    sent: int = 0  # requests
    stop_reason: str = ""
    seconds: float = 0.0
    error: str = ""  # the run could not be carried out (the server never listened, the engine stopped)
    unloadable: str = ""  # ctk cannot load the contract (nothing was served): why

    @property
    def rate(self) -> float:
        return 1.0 if not self.exercised else self.conforming / self.exercised

    @classmethod
    def of(cls, result: ApiResult, operations: int) -> Verified:
        # an operation the engine could not build a request for was done, but nothing was sent to judge
        done = [op for op in result.operations[: result.done] if op not in result.skipped]
        failed = list(dict.fromkeys(failure.operation for failure in result.failures))
        failures = [
            f"{failure.operation}: {failure.check}: {failure.message}" + (f" at {failure.place}" * bool(failure.place))
            for failure in result.failures
        ]
        return cls(
            contract=result.contract, protocol=result.protocol, operations=operations, exercised=len(done),
            conforming=len([op for op in done if op not in failed]), failed=failed, failures=failures,
            not_sent=dict(result.not_sent), skipped=dict(result.skipped), sent=result.sent,
            stop_reason=result.stop_reason or "", seconds=result.seconds, error=result.error or "",
        )  # fmt: skip


def verify_own_mock(
    path: Path,
    server: CtkServe,
    run: RunOptions,
    *,
    label: str = "",
    mirrors: Mapping[str, str] | None = None,
) -> Verified:
    """``ctk verify`` (its runner) against ``ctk serve`` of the contract at ``path``, served by ``server``.

    The base URL is what ``ctk verify CONTRACT --base-url URL`` would be given: REST, the origin and the mount
    ``ctk serve`` gives the contract (its first server URL's path); SOAP and GraphQL, the origin (the engines add
    each port's address path, or ``/graphql``). Header-borne security schemes get placeholder credentials, as the
    command gives them. A contract ctk cannot load is ``Verified.unloadable``; a server that never listens is
    ``Verified.error``.
    """
    from toolkit.load import load_contract
    from toolkit.openapi.mock.routing import mount_point
    from toolkit.verify.openapi import auth_headers

    name = label or path.name
    try:
        contract = load_contract(path, mirrors=mirrors)
    except Exception as error:  # noqa: BLE001 - a contract ctk cannot load is this contract's outcome
        return Verified(name, unloadable=f"{type(error).__name__}: {error}"[:300])
    mount = ""
    headers: dict[str, str] = {}
    if contract.protocol is Protocol.OPENAPI:
        servers = getattr(contract, "servers", None) or ("/",)
        mount = mount_point(servers[0])
        headers = dict(line.split(": ", 1) for line in auth_headers(contract))
    served_mount = ""
    if mirrors and contract.protocol is Protocol.SOAP:  # served from a one-API workspace: mount it as ctk serve would
        from toolkit.soap.load import SoapContract
        from toolkit.soap.mock.handler import SoapMock, SoapMockOptions

        assert isinstance(contract, SoapContract)
        served_mount = SoapMock(contract, SoapMockOptions(seed=run.seed, mirrors=dict(mirrors))).mount
    operations = len(contract.operations)
    try:
        with server.serving(path, seed=run.seed, mirrors=mirrors, mount=served_mount) as origin:
            target = ApiTarget(api=name, contract=contract, base_url=f"{origin}{mount}", extra_headers=headers,
                               contract_label=name)  # fmt: skip
            return Verified.of(run_target(target, run), operations)
    except ServerNotReadyError as error:
        return Verified(name, str(contract.protocol), operations, error=f"{server.name}: {error}"[:300])


HEADER = f"{'contract':58} {'ops':>5} {'exercised':>9} {'conform':>7} {'rate':>7} {'sent':>6} {'s':>6}"


def render(rows: Sequence[Verified], *, shown: int = 3) -> list[str]:
    """The scripts' table: ``HEADER``, each contract's ``lines_of``, and the ``total``."""
    return [HEADER, *(line for row in rows for line in lines_of(row, shown)), "", total(rows)]


def lines_of(row: Verified, shown: int = 3) -> list[str]:
    """One contract: operations, exercised, conforming, requests sent, seconds; under it the first ``shown``
    failures, why the breaker stopped, why operations were not sent, and those the engine could not run."""
    if row.unloadable:
        return [f"{row.contract:58} NOT LOADABLE {row.unloadable}"]
    if row.error:
        return [f"{row.contract:58} ERROR {row.error}"]
    lines = [f"{row.contract:58} {row.operations:5} {row.exercised:9} {row.conforming:7} {row.rate:7.1%} "
             f"{row.sent:6} {row.seconds:6.1f}"]  # fmt: skip
    lines += [f"    FAIL {failure[:300]}" for failure in row.failures[:shown]]
    if len(row.failures) > shown:
        lines.append(f"    ... and {len(row.failures) - shown} more failures")
    if row.stop_reason:
        lines.append(f"    STOPPED {row.stop_reason}")
    lines += [f"    not sent ({count}): {reason}" for reason, count in _counted(row.not_sent).items()]
    lines += [f"    NOT RUN {operation}: {reason[:200]}" for operation, reason in list(row.skipped.items())[:shown]]
    return lines


def total(rows: Sequence[Verified]) -> str:
    exercised = sum(row.exercised for row in rows)
    conforming = sum(row.conforming for row in rows)
    rate = conforming / exercised if exercised else 1.0
    return (
        f"all: {conforming}/{exercised} exercised operations conform ({rate:.1%}); "
        f"{sum(row.operations for row in rows)} operations in {len(rows)} contracts, "
        f"{sum(len(row.not_sent) for row in rows)} not sent, {sum(len(row.skipped) for row in rows)} not run; "
        f"{sum(1 for row in rows if row.error)} contract(s) could not be run, "
        f"{sum(1 for row in rows if row.unloadable)} not loadable"
    )


def _counted(reasons: Mapping[str, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in reasons.values():
        counts[reason] = counts.get(reason, 0) + 1
    return counts

"""The ``[apis.NAME.scenarios]`` table of ``sandbox.toml``, checked against the API's contract.

::

    [apis.payments.scenarios]
    active = "card_declined"                        # optional: played by every session that chose none

    [apis.payments.scenarios.card_declined]         # a named state: what the named operations answer
    description = "every new payment is refused"    # optional, for listings
    "POST /payment_intents" = { status = 422 }      # REST: a status the operation declares (its own answer)

    [apis.payments.scenarios.rate_limited]
    "*" = { status = 429 }                          # every operation (those not declaring it: problem+json)

    [apis.payments.scenarios.flaky_confirm]         # a sequence: one step per call, then the last step repeats
    repeat = "last"                                 # or "cycle": start again after the last step
    "POST /payment_intents/{intent_id}/confirm" = [{ status = 429 }, { status = 429 }, {}]

    [apis.crm.scenarios.account_locked]
    GetAccount = { fault = "CrmFault" }             # SOAP: a fault the operation declares, by name
    [apis.inventory.scenarios.catalogue_down]
    "Query.product" = { error = "catalogue unavailable" }   # GraphQL: an errors document

A step is ``{}`` or ``{ status = 2XX }`` (the normal answer), ``{ status = N }`` (REST), ``{ fault = NAME }``
(SOAP) or ``{ error = MESSAGE }`` (GraphQL). An operation is named by the id ctk reports for it
(``POST /payment_intents``, ``CrmService/CrmSoap11Port/GetAccount`` or its last part ``GetAccount``,
``Query.product``), or ``"*"`` for every operation a scenario does not name. Scenario names are 1 to 64
letters, digits, ``.``, ``_`` or ``-``; ``none`` is reserved (``Prefer: scenario=none`` plays no scenario).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.errors import ConfigError
from toolkit.mock.envelope import MockEnvelope
from toolkit.model import Protocol

__all__ = ["NONE", "Plan", "Scenario", "ScenariosConfig", "Step", "parse_scenarios"]

NONE = "none"
EVERY = "*"
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SCENARIO_KEYS = ("repeat", "description")
_REPEATS = ("last", "cycle")


@dataclass(frozen=True, slots=True)
class Step:
    """What one call answers: the normal answer (all None), a REST status, a SOAP fault or a GraphQL error."""

    status: int | None = None
    fault: str | None = None
    error: str | None = None

    @property
    def normal(self) -> bool:
        return self.fault is None and self.error is None and (self.status is None or 200 <= self.status < 300)


@dataclass(frozen=True, slots=True)
class Plan:
    """The steps of one operation in one scenario: one (a state) or several (a sequence)."""

    steps: tuple[Step, ...]
    cycle: bool = False

    def step(self, call_number: int) -> Step:
        """The step of the ``call_number``-th call (from 1)."""
        index = call_number - 1
        if self.cycle:
            return self.steps[index % len(self.steps)]
        return self.steps[min(index, len(self.steps) - 1)]


@dataclass(frozen=True)
class Scenario:
    name: str
    plans: dict[str, Plan]  # by operation key as written (full id, SOAP last part, or "*")
    description: str = ""

    def plan_for(self, operation: str) -> tuple[str, Plan] | None:
        """The key and plan that apply to ``operation`` (its full id, its last part, then ``*``)."""
        for key in (operation, operation.rsplit("/", 1)[-1], EVERY):
            plan = self.plans.get(key)
            if plan is not None:
                return key, plan
        return None


@dataclass(frozen=True)
class ScenariosConfig:
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    active: str | None = None


def parse_scenarios(table: Mapping[str, Any], where: str, envelope: MockEnvelope) -> ScenariosConfig:
    """Check ``[apis.NAME.scenarios]`` against ``envelope``'s contract (``where``: ``[apis.NAME]``)."""
    prefix = f"sandbox.toml {where}.scenarios"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{prefix} must be a table", where=where)
    contract = _ContractView(envelope)
    scenarios: dict[str, Scenario] = {}
    for name, value in table.items():
        name = str(name)
        if name == "active":
            continue
        if not isinstance(value, Mapping):
            hint = "did you mean 'active'?" if difflib.get_close_matches(name, ["active"], n=1) else None
            raise ConfigError(f"{prefix}.{name} must be a table (a scenario), not {value!r}", where=where, hint=hint)
        if not _NAME.match(name) or name == NONE:
            raise ConfigError(
                f"{prefix}.{name}: a scenario's name must be 1 to 64 letters, digits, '.', '_' or '-' (not 'none')",
                where=where,
            )
        scenarios[name] = _scenario(name, value, f"{prefix}.{name}", where, contract)
    active = table.get("active")
    if active is not None and (not isinstance(active, str) or active not in scenarios):
        close = difflib.get_close_matches(str(active), list(scenarios), n=1)
        known = ", ".join(sorted(scenarios)) or "none declared"
        hint = f"did you mean {close[0]!r}?" if close else f"the scenarios: {known}"
        raise ConfigError(f"{prefix}.active: no scenario named {active!r}", where=where, hint=hint)
    return ScenariosConfig(scenarios, active)


class _ContractView:
    """What the checks need of the contract: operation ids, and what each declares."""

    def __init__(self, envelope: MockEnvelope) -> None:
        mock = envelope.mock
        self.ids = [op.id for op in envelope.contract.operations]
        self.kind = "graphql"
        self.statuses: dict[str, dict[int, str]] = {}  # REST: op id -> declared status -> key
        self.rest_operations: dict[str, Any] = {}
        self.faults: dict[str, tuple[str, ...]] = {}
        if envelope.contract.protocol is Protocol.OPENAPI:
            self.kind = "rest"
            self.rest_operations = dict(mock.operations)  # type: ignore[attr-defined]
        elif hasattr(mock, "ports"):
            self.kind = "soap"
            for port in mock.ports:
                for op in port.operations:
                    self.faults[op.operation.id] = tuple(fault.name for fault in op.faults)

    def matching(self, key: str) -> list[str]:
        if key == EVERY:
            return list(self.ids)
        return [op for op in self.ids if op == key or op.rsplit("/", 1)[-1] == key]

    def names(self) -> list[str]:
        return sorted({*self.ids, *(op.rsplit("/", 1)[-1] for op in self.ids)})

    def declares_status(self, op_id: str, status: int) -> bool:
        op = self.rest_operations.get(op_id)
        return op is not None and op.responses.error(status) is not None

    def declared_statuses(self, op_id: str) -> str:
        op = self.rest_operations.get(op_id)
        keys = [spec.key for spec in op.responses.specs] if op is not None else []
        return ", ".join(keys) or "none"


def _scenario(name: str, table: Mapping[str, Any], prefix: str, where: str, contract: _ContractView) -> Scenario:
    repeat = table.get("repeat", "last")
    if repeat not in _REPEATS:
        raise ConfigError(f'{prefix}.repeat must be "last" or "cycle", not {repeat!r}', where=where)
    description = table.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(f"{prefix}.description must be a string", where=where)
    plans: dict[str, Plan] = {}
    for key, value in table.items():
        key = str(key)
        if key in _SCENARIO_KEYS:
            continue
        name_of = f'{prefix}."{key}"'
        operations = contract.matching(key)
        if not operations:
            close = difflib.get_close_matches(key, [*contract.names(), *_SCENARIO_KEYS], n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else f"the operations: {', '.join(contract.ids)}"
            raise ConfigError(f"{name_of}: the contract has no operation {key!r}", where=where, hint=hint)
        if isinstance(value, Mapping):
            raw_steps: list[Any] = [value]
        elif isinstance(value, list) and value:
            raw_steps = value
        else:
            raise ConfigError(
                f"{name_of} must be a step table or a non-empty array of them, not {value!r}", where=where
            )
        steps = tuple(
            _step(raw, f"{name_of}[{index}]" if len(raw_steps) > 1 else name_of, where, contract, key, operations)
            for index, raw in enumerate(raw_steps)
        )
        plans[key] = Plan(steps, cycle=repeat == "cycle")
    return Scenario(name, plans, description)


def _step(raw: Any, name: str, where: str, contract: _ContractView, key: str, operations: list[str]) -> Step:
    allowed = {"rest": ("status",), "soap": ("status", "fault"), "graphql": ("status", "error")}[contract.kind]
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{name} must be a table: {{ {' | '.join(allowed)} = ... }} or {{}}", where=where)
    for item in raw:
        if item not in allowed:
            close = difflib.get_close_matches(str(item), allowed, n=1)
            what = {"status": "REST", "fault": "SOAP", "error": "GraphQL"}.get(str(item))
            hint = (
                f"did you mean {close[0]!r}?" if close
                else f"{item!r} is for {what} contracts; this one takes {', '.join(allowed)}" if what
                else f"known keys: {', '.join(allowed)}"
            )  # fmt: skip
            raise ConfigError(f"unknown key {name}.{item}", where=where, hint=hint)
    if len(raw) > 1:
        raise ConfigError(f"{name}: one of {', '.join(allowed)} per step, not {', '.join(raw)}", where=where)
    step = Step(status=_status(raw, name, where, contract), fault=raw.get("fault"), error=raw.get("error"))
    if step.fault is not None and step.error is None:
        _check_fault(step.fault, name, where, contract, key, operations)
    if step.error is not None and (not isinstance(step.error, str) or not step.error.strip()):
        raise ConfigError(f"{name}.error must be a non-empty message", where=where)
    if step.status is not None and not step.normal:
        _check_status(step.status, name, where, contract, key, operations)
    return step


def _status(raw: Mapping[str, Any], name: str, where: str, contract: _ContractView) -> int | None:
    status = raw.get("status")
    if status is None:
        return None
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise ConfigError(f"{name}.status must be an HTTP status from 200 to 599, not {status!r}", where=where)
    if contract.kind != "rest" and not 200 <= status < 300:
        hint = "a SOAP scenario answers { fault = NAME }" if contract.kind == "soap" else "use { error = MESSAGE }"
        raise ConfigError(f"{name}.status: only 2XX (the normal answer) for this contract", where=where, hint=hint)
    return status


def _check_status(status: int, name: str, where: str, contract: _ContractView, key: str, ops: list[str]) -> None:
    declaring = [op for op in ops if contract.declares_status(op, status)]
    if key == EVERY and declaring:
        return
    missing = [op for op in ops if op not in declaring]
    if missing:
        op = missing[0]
        raise ConfigError(
            f"{name}.status: {op} does not declare a {status} answer (it declares {contract.declared_statuses(op)})",
            where=where,
        )


def _check_fault(fault: Any, name: str, where: str, contract: _ContractView, key: str, ops: list[str]) -> None:
    if not isinstance(fault, str) or not fault:
        raise ConfigError(f"{name}.fault must be the name of a declared fault, not {fault!r}", where=where)
    declaring = [op for op in ops if fault in contract.faults.get(op, ())]
    if key == EVERY and declaring:
        return
    for op in ops:
        if op not in declaring:
            declared = contract.faults.get(op, ())
            close = difflib.get_close_matches(fault, declared, n=1)
            hint = f"did you mean {close[0]!r}?" if close else None
            raise ConfigError(
                f"{name}.fault: {op} declares no fault {fault!r} (it declares {', '.join(declared) or 'none'})",
                where=where,
                hint=hint,
            )


def known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none declared"

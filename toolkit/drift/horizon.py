"""The sunset horizon: pinned operations whose sunset falls within N days, or has passed, as deprecation findings.

A diff says what the vendor changed; it is silent about a sunset both versions already announce. An
operation the team still calls and that goes away in 29 days is the early warning ``ctk drift`` exists
for, so ``--sunset-horizon 90d`` (or ``[drift] sunset_horizon``) reads the pinned contract alone: every
operation whose ``Operation.sunset`` (OpenAPI ``x-sunset``, a WSDL operation's documentation, a GraphQL
``@deprecated`` reason — each loader reads them with ``toolkit.sunset``) lies within the horizon becomes a
finding. One grading for every protocol, since the event is the same:

- ``operation-sunset-within-horizon``, info, ``deprecation``: the sunset is after today and at most the
  horizon away (``--fail-on deprecation`` fails on it);
- ``operation-sunset-passed``, dangerous, ``deprecation``: the sunset is today or earlier (from that day on
  the operation is gone, as the sandbox's ``sunset`` layer and the ``Sunset`` header say), yet the pinned
  contract still has it — calls may fail at any time.
"""

from __future__ import annotations

import datetime as dt
import re

from toolkit.errors import ConfigError
from toolkit.model import Change, ChangeSeverity, Contract, HttpOperation, Operation, SoapOperation

__all__ = ["PASSED", "WITHIN", "horizon_changes", "parse_horizon"]

WITHIN = "operation-sunset-within-horizon"
PASSED = "operation-sunset-passed"
_HORIZON = re.compile(r"^\s*(\d{1,5})\s*([dw])\s*$", re.IGNORECASE)
_DAYS_PER_UNIT = {"d": 1, "w": 7}


def parse_horizon(text: str, where: str) -> int:
    """Days in a horizon written ``90d`` or ``12w`` (``0d``: only sunsets already passed)."""
    match = _HORIZON.match(text)
    if match is None:
        raise ConfigError(
            f"sunset horizon {text!r} is not a number of days or weeks",
            where=where,
            hint="write it like 90d or 12w",
        )
    return int(match[1]) * _DAYS_PER_UNIT[match[2].lower()]


def horizon_changes(pinned: Contract, *, today: dt.date, days: int) -> list[Change]:
    """A finding for each operation of ``pinned`` whose sunset is at most ``days`` after ``today``.

    Operations declared at one place (a WSDL operation bound to a SOAP 1.1 and a SOAP 1.2 port) are one
    finding listing each of them.
    """
    last = today + dt.timedelta(days=days)
    by_place: dict[tuple[str, dt.date], list[Operation]] = {}
    for operation in pinned.operations:
        if operation.sunset is not None and operation.sunset <= last:
            by_place.setdefault((_place(operation), operation.sunset), []).append(operation)
    found = []
    for (place, sunset), operations in by_place.items():
        ids = tuple(operation.id for operation in operations)
        name = _name(operations[0])
        if sunset <= today:
            ago = (today - sunset).days
            when = "today" if ago == 0 else f"{ago} day{'s' * (ago != 1)} ago"
            message = f"{name} was sunset on {sunset.isoformat()} ({when}); the pinned contract still has it"
            found.append(_change(PASSED, ChangeSeverity.DANGEROUS, message, ids, place, sunset))
        else:
            ahead = (sunset - today).days
            message = (
                f"{name} sunsets on {sunset.isoformat()}, in {ahead} day{'s' * (ahead != 1)} "
                f"(within the {days}-day horizon)"
            )
            found.append(_change(WITHIN, ChangeSeverity.INFO, message, ids, place, sunset))
    return found


def _change(
    rule: str, severity: ChangeSeverity, message: str, operations: tuple[str, ...], place: str, sunset: dt.date
) -> Change:
    # located in the pinned contract (OLD) only: a second contract may not exist
    return Change(rule, severity, message, operations, old=place, sunset=sunset, deprecation=True)


def _name(operation: Operation) -> str:
    """How the message names the operation: its id, or a WSDL operation's name (the same on every port)."""
    return f"operation '{operation.name}'" if isinstance(operation, SoapOperation) else operation.id


def _place(operation: Operation) -> str:
    """Where the operation is declared, in its protocol's form of location (as its diff writes them)."""
    if isinstance(operation, HttpOperation):
        section = "webhooks" if operation.id.startswith("WEBHOOK ") else "paths"
        path = operation.path.replace("~", "~0").replace("/", "~1")
        return f"/{section}/{path}/{operation.method.lower()}"
    if isinstance(operation, SoapOperation):  # the abstract operation, whichever ports bind it
        return f"wsdl:operation[@name='{operation.name}']"
    return operation.id  # a GraphQL root field's id is its schema coordinate (Query.product)

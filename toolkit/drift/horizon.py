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
    """A finding for each operation of ``pinned`` whose sunset is at most ``days`` after ``today``."""
    last = today + dt.timedelta(days=days)
    found = []
    for operation in pinned.operations:
        sunset = operation.sunset
        if sunset is None or sunset > last:
            continue
        place = _place(operation)
        if sunset <= today:
            ago = (today - sunset).days
            when = "today" if ago == 0 else f"{ago} day{'s' * (ago != 1)} ago"
            message = f"{operation.id} was sunset on {sunset.isoformat()} ({when}); the pinned contract still has it"
            found.append(_change(PASSED, ChangeSeverity.DANGEROUS, message, operation, place))
        else:
            ahead = (sunset - today).days
            message = (
                f"{operation.id} sunsets on {sunset.isoformat()}, in {ahead} day{'s' * (ahead != 1)} "
                f"(within the {days}-day horizon)"
            )
            found.append(_change(WITHIN, ChangeSeverity.INFO, message, operation, place))
    return found


def _change(rule: str, severity: ChangeSeverity, message: str, operation: Operation, place: str) -> Change:
    # located in the pinned contract (OLD) only: a second contract may not exist
    return Change(rule, severity, message, (operation.id,), old=place, sunset=operation.sunset, deprecation=True)


def _place(operation: Operation) -> str:
    """Where the operation is declared, in its protocol's form of location (as its diff writes them)."""
    if isinstance(operation, HttpOperation):
        section = "webhooks" if operation.id.startswith("WEBHOOK ") else "paths"
        path = operation.path.replace("~", "~0").replace("/", "~1")
        return f"/{section}/{path}/{operation.method.lower()}"
    if isinstance(operation, SoapOperation) and operation.binding:
        return f"wsdl:binding[@name='{operation.binding}']/wsdl:operation[@name='{operation.name}']"
    return operation.id  # a GraphQL root field's id is its schema coordinate (Query.product)

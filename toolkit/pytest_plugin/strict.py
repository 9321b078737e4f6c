"""Strictness: what in a test's traffic breaks the contract, judged when the test body has run.

Four rules, each a finding naming the request, the operation, the rule and its place:

- ``unmatched``: a request no operation of the contract matches (with the nearest operations and why);
- ``violation``: a request the contract does not allow, at its place (``body /amount``, ``envelope
  /GetAccountRequest/id``, ``document 1:3``);
- ``retry-after``: a request sent again to an operation before the ``Retry-After`` of a 429 or 503 it was
  answered had passed (from the answer's header in-process; from the rate limit's own verdict in a live sandbox,
  whose journal keeps no headers);
- ``unused-stub`` (opt-in: ``strict_stubs``): an operation stubbed with ``respond`` and never called.

Strict (the default) fails the test; ``strict=False`` turns each finding into a ``CtkContractWarning``.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass

from toolkit.pytest_plugin.calls import Call
from toolkit.pytest_plugin.journal import names_operation
from toolkit.pytest_plugin.run import TestRun

__all__ = ["CtkContractWarning", "Finding", "findings", "report"]

_RETRY_STATUSES = (429, 503)


class CtkContractWarning(UserWarning):
    """A contract problem in a test run with ``strict=False``."""


@dataclass(frozen=True)
class Finding:
    rule: str  # unmatched, violation, retry-after, unused-stub
    text: str


def findings(run: TestRun) -> list[Finding]:
    calls = run.all_calls()
    found: list[Finding] = []
    for call in calls:
        if call.unmatched:
            found.append(Finding("unmatched", _unmatched(call)))
        for violation in call.violations:
            if violation.name == "retry-after":
                found.append(Finding("retry-after", f"{call.target} ({call.api}, {call.operation}): retried before "
                                                    f"Retry-After: {violation.message}"))  # fmt: skip
            else:
                text = f"{call.target} ({call.api}, {call.operation}): violates the contract at {violation.location}"
                found.append(Finding("violation", f"{text}: {violation.message}"))
    found.extend(_early_retries(calls))
    if run.settings.strict_stubs:
        for stub in run.stubs:
            if not any(names_operation(stub.operation, op) for call in calls for op in call.operations):
                found.append(Finding("unused-stub", f"{stub.operation} ({stub.api}) was stubbed at {stub.where} and "
                                                    "never called"))  # fmt: skip
    return found


def report(found: list[Finding]) -> str:
    lines = [f"ctk: {len(found)} contract problem{'s' if len(found) != 1 else ''} in this test:"]
    lines.extend(f"  [{finding.rule}] {finding.text}" for finding in found)
    lines.append("(strict by default: @pytest.mark.ctk(strict=False), ctk_strict = false or --ctk-no-strict "
                 "turns them into warnings)")  # fmt: skip
    return "\n".join(lines)


def _unmatched(call: Call) -> str:
    text = f"{call.target} ({call.api}) matches no operation of the contract (answered {call.status})"
    near = call.near_misses[:3]
    if near:
        text += "; nearest: " + "; ".join(f"{miss.operation}: {miss.reason}" for miss in near)
    return text


def _early_retries(calls: list[Call]) -> list[Finding]:
    """Requests to an operation before the Retry-After of its last 429/503 had passed (in-process calls only)."""
    held: dict[tuple[str, str], tuple[float, float, Call]] = {}  # (api, operation) -> (answered at, seconds, call)
    found: list[Finding] = []
    for call in calls:
        if call.response_headers is None or call.operation is None:
            continue
        key = (call.api, call.operation)
        hold = held.get(key)
        if hold is not None and not any(v.name == "retry-after" for v in call.violations):
            answered, seconds, first = hold
            waited = call.at - answered
            if waited < seconds:
                found.append(Finding("retry-after", f"{call.target} ({call.api}, {call.operation}): retried "
                                     f"{waited:.2f} s after a {first.status} whose Retry-After asked for "
                                     f"{seconds:g} s"))  # fmt: skip
        seconds_asked = _retry_after(call) if call.status in _RETRY_STATUSES else None
        if seconds_asked is not None:
            held[key] = (call.at, seconds_asked, call)
        else:
            held.pop(key, None)
    return found


def _retry_after(call: Call) -> float | None:
    value = (call.response_header("retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - call.at)

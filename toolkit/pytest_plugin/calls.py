"""One request the code under test sent, as the plugin's journal, strict checks and usage report read it.

The same record comes from two places: ``ctk_mock`` builds it from the neutral request and the ``MockResult``
the in-process sandbox answered (headers and body kept: the test's own process sent them), ``ctk_sandbox`` from
the live sandbox's journal entries (which keep neither: the journal never stores what a request carried).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.exchange import Violation

if TYPE_CHECKING:
    from toolkit.sandbox.admin.journal import Entry, NearMiss

__all__ = ["Call", "from_entry"]


@dataclass(slots=True)
class Call:
    """A request and what the sandbox made of it."""

    api: str  # the API's name in the usage report (workspace name, or the contract's path)
    method: str
    path: str
    query: str  # as the journal shows it: secret-like values (api_key=, token=, ...) are ***
    status: int
    operations: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    faults: tuple[str, ...] = ()  # injected: status:503, latency:200ms, scenario:NAME, rate-limited
    unmatched: bool = False
    near: tuple[NearMiss, ...] | Callable[[], tuple[NearMiss, ...]] = ()
    at: float = 0.0  # time.monotonic() when answered (ctk_mock), or the journal's wall time (ctk_sandbox)
    headers: tuple[tuple[str, str], ...] | None = None  # None: not kept (a live sandbox's journal keeps none)
    body: bytes | None = None
    response_headers: tuple[tuple[str, str], ...] | None = None
    response_body: bytes | None = field(default=None, repr=False)

    @property
    def operation(self) -> str | None:
        return self.operations[0] if self.operations else None

    @property
    def near_misses(self) -> tuple[NearMiss, ...]:
        near = self.near
        if callable(near):
            near = self.near = near()
        return near

    @property
    def target(self) -> str:
        """``GET /v1/customers?limit=3``: the request line as sent."""
        return f"{self.method} {self.path}{'?' + self.query if self.query else ''}"

    def header(self, name: str) -> str | None:
        """A request header's first value (``None``: absent, or not kept by a live sandbox)."""
        lowered = name.lower()
        return next((value for key, value in self.headers or () if key == lowered), None)

    def response_header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.response_headers or () if key.lower() == lowered), None)

    def json(self) -> Any:
        """The request body parsed as JSON (``ValueError`` when it is not JSON or was not kept)."""
        if self.body is None:
            raise ValueError(f"{self.target}: the body was not kept (ctk_sandbox's journal keeps no bodies)")
        return json.loads(self.body)

    def summary(self) -> str:
        """One line: the request, its status and operation, its violations and injected faults."""
        what = self.operation or ("no operation matched" if self.unmatched else "no operation")
        line = f"{self.target} → {self.status} ({what})"
        if self.faults:
            line += f" [injected: {', '.join(self.faults)}]"
        if self.violations:
            line += "; violations: " + "; ".join(f"{v.location}: {v.message}" for v in self.violations[:3])
        return line


def from_entry(entry: Entry, api: str) -> Call:
    """A live sandbox's journal entry as a ``Call`` (no headers, no bodies)."""
    return Call(
        api=api,
        method=entry.method,
        path=entry.path,
        query=entry.query,
        status=entry.status,
        operations=entry.operations,
        violations=entry.violations,
        faults=entry.faults,
        unmatched=entry.unmatched,
        near=entry.near,
        at=entry.time,
    )

"""Contract coverage: which operations of each API the tests exercised, and with which statuses.

Each test's calls are added when it ends; under pytest-xdist each worker hands its counts to the controller
(``workeroutput``), which merges them. The terminal summary lists, per API, the operations exercised out of
all and the ones never touched; ``--ctk-usage PATH`` writes the same as JSON with sorted keys and no times,
so the same tests give the same bytes however they are distributed (a drift step can read which breaking
changes hit what the team really uses).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.pytest_plugin.calls import Call

__all__ = ["FORMAT", "Usage"]

FORMAT = "ctk-usage/1"
_LISTED = 10  # untouched operations the terminal summary names per API


@dataclass
class _Api:
    operations: set[str] = field(default_factory=set)
    # operation -> status -> calls; "" for a request no operation matched
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)


class Usage:
    def __init__(self) -> None:
        self.apis: dict[str, _Api] = {}

    def __bool__(self) -> bool:
        return bool(self.apis)

    def declare(self, api: str, operations: Iterable[str]) -> None:
        self.apis.setdefault(api, _Api()).operations.update(operations)

    def add(self, calls: Iterable[Call]) -> None:
        for call in calls:
            api = self.apis.setdefault(call.api, _Api())
            for operation in call.operations or (("",) if call.unmatched else ()):
                counts = api.statuses.setdefault(operation, {})
                counts[str(call.status)] = counts.get(str(call.status), 0) + 1

    def to_json(self) -> dict[str, Any]:
        apis: dict[str, Any] = {}
        for name, api in self.apis.items():
            called = {op for op in api.statuses if op}
            operations = {
                op: {"calls": sum(api.statuses.get(op, {}).values()), "statuses": dict(api.statuses.get(op, {}))}
                for op in api.operations | called
            }
            apis[name] = {
                "operations": operations,
                "exercised": len(called & api.operations),
                "total": len(api.operations),
                "untouched": sorted(api.operations - called),
                "unmatched_requests": sum(api.statuses.get("", {}).values()),
            }
        return {"format": FORMAT, "apis": apis}

    def merge(self, document: dict[str, Any]) -> None:
        """Add a worker's ``to_json()``."""
        for name, data in document.get("apis", {}).items():
            api = self.apis.setdefault(name, _Api())
            for op, info in data.get("operations", {}).items():
                api.operations.add(op)
                for status, calls in info.get("statuses", {}).items():
                    counts = api.statuses.setdefault(op, {})
                    counts[status] = counts.get(status, 0) + calls
            if data.get("unmatched_requests"):
                counts = api.statuses.setdefault("", {})
                counts["unmatched"] = counts.get("unmatched", 0) + data["unmatched_requests"]

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")

    def summary(self) -> list[str]:
        lines = []
        for name, data in sorted(self.to_json()["apis"].items()):
            line = f"{name}: {data['exercised']}/{data['total']} operations exercised"
            untouched = data["untouched"]
            if untouched:
                shown = ", ".join(untouched[:_LISTED])
                more = f" (+{len(untouched) - _LISTED} more)" if len(untouched) > _LISTED else ""
                line += f"; untouched: {shown}{more}"
            if data["unmatched_requests"]:
                line += f"; {data['unmatched_requests']} request(s) matched no operation"
            lines.append(line)
        return lines

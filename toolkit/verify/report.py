"""A ``ctk verify`` run's report: the results of each API, the exit code they add up to, and their data form.

Exit codes mean one thing each: 0 every API conforms, 1 conformance failures, 2 the run could not be carried
out for some API (its contract, credentials or engine, or a vendor that would not serve us: the circuit
breaker). A budget spent is not an error: the run stops there and reports what it saw. The renderers
(``render_verify.py``) turn ``VerifyReport`` into text, JSON, JUnit or Markdown; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from toolkit.evidence import public_url
from toolkit.model import Change
from toolkit.verify.runner import ApiResult

__all__ = ["EXIT_CONFORMS", "EXIT_COULD_NOT_RUN", "EXIT_FAILURES", "VerifyReport", "api_status"]

EXIT_CONFORMS, EXIT_FAILURES, EXIT_COULD_NOT_RUN = 0, 1, 2


def api_status(result: ApiResult) -> str:
    """planned, error, stopped (the breaker or a too-long wait), fails or conforms."""
    if result.error is not None:
        return "error"
    if result.plan and not result.done:
        return "planned"
    if result.stop_reason is not None and not result.stop_reason.startswith("request budget spent"):
        return "stopped"
    return "fails" if result.failures else "conforms"


@dataclass
class VerifyReport:
    results: list[ApiResult] = field(default_factory=list)
    observed: dict[str, list[Change]] = field(default_factory=dict)  # api -> what its evidence amounts to
    plan_only: bool = False
    errors: list[str] = field(default_factory=list)  # what stopped the run before any API could start

    @property
    def exit_code(self) -> int:
        statuses = {api_status(result) for result in self.results}
        if self.errors or statuses & {"error", "stopped"}:
            return EXIT_COULD_NOT_RUN
        return EXIT_FAILURES if "fails" in statuses else EXIT_CONFORMS

    @property
    def failures(self) -> int:
        return sum(len(result.failures) for result in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "ctk_verify": 1,
            "exit_code": self.exit_code,
            "plan_only": self.plan_only,
            "errors": list(self.errors),
            "apis": [self._api(result) for result in self.results],
        }

    def _api(self, result: ApiResult) -> dict[str, Any]:
        return {
            "api": result.api,
            "protocol": result.protocol,
            "status": api_status(result),
            "contract": result.contract,
            "base_url": public_url(result.base_url),
            "seed": result.seed,
            "examples": result.examples,
            "unsafe": result.unsafe,
            "operations": list(result.operations),
            "operations_done": result.done,
            "requests_sent": result.sent,
            "budget": result.budget,
            "budget_left": result.budget_left,
            "stop_reason": result.stop_reason,
            "error": result.error,
            "failures": [
                {
                    "check": failure.check,
                    "operation": failure.operation,
                    "message": failure.message,
                    "place": failure.place,
                    "reproduction": failure.reproduction,
                }
                for failure in result.failures
            ],
            "not_sent": dict(result.not_sent),
            "skipped": dict(result.skipped),
            "plan": [
                {"operation": c.operation, "method": c.method, "url": c.url, "safe": c.safe, "body": c.body}
                for c in result.plan
            ],
            "observations": [
                {"operation": o.operation, "kind": o.kind, "detail": o.detail, "date": o.date}
                for o in result.observations
            ],
            "observed_changes": [
                {"id": c.id, "severity": str(c.severity), "message": c.message, "operations": list(c.operations)}
                for c in self.observed.get(result.api, [])
            ],
            "evidence": result.evidence_path,
        }

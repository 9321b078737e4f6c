"""The JSON report: a stable shape for machines (CI gates, dashboards), keys and changes in a fixed order.

    {"changes": [...active changes...], "summary": {"breaking", "dangerous", "info"}, "apis": [...]}

``changes`` holds only what counts; ignored changes are listed under their API with the entry that
covers them, so a reader can audit ignores without them moving the totals.
"""

from __future__ import annotations

import json
from typing import Any

from toolkit.drift import wording
from toolkit.drift.ignore import IgnoreEntry
from toolkit.drift.report import SEVERITIES, ApiDrift, DriftReport, FailOn
from toolkit.model import Change, ChangeSeverity

_STATUS = {"error": "error", "fails": "failing", "passes": "ok"}


def change_json(api: str, change: Change) -> dict[str, Any]:
    return {
        "api": api,
        "id": change.id,
        "severity": str(change.severity),
        "operation": change.operation,
        "operations": list(change.operations),
        "location": {"old": change.old, "new": change.new},
        "message": change.message,
        "sunset": change.sunset.isoformat() if change.sunset else None,
        "deprecation": change.deprecation,
        "source": change.source,
    }


def _counts(counts: dict[ChangeSeverity, int]) -> dict[str, int]:
    return {str(severity): counts[severity] for severity in SEVERITIES}


def _ignore_json(entry: IgnoreEntry) -> dict[str, Any]:
    return {"reason": entry.reason, "until": entry.expires.isoformat(), "entry": entry.where or None}


def _api_json(report: DriftReport, drift: ApiDrift, fail_on: FailOn) -> dict[str, Any]:
    error = drift.error
    return {
        "api": drift.name,
        "protocol": drift.protocol,
        "old": drift.old,
        "new": drift.new,
        "via": drift.via,
        "status": _STATUS[wording.status(report, drift, fail_on)],
        "error": {"message": error.message, "where": error.where, "hint": error.hint} if error else None,
        "summary": _counts(report.counts(drift)),
        "ignored": [
            {**change_json(drift.name, item.change), "ignored": _ignore_json(item.entry)}
            for item in report.ignored(drift)
        ],
    }


def as_json(report: DriftReport, fail_on: FailOn = FailOn.BREAKING) -> dict[str, Any]:
    return {
        "changes": [change_json(drift.name, change) for drift in report.apis for change in report.active(drift)],
        "summary": _counts(report.counts()),
        "apis": [_api_json(report, drift, fail_on) for drift in report.apis],
    }


def render(report: DriftReport, fail_on: FailOn = FailOn.BREAKING) -> str:
    return json.dumps(as_json(report, fail_on), indent=2, ensure_ascii=False) + "\n"

"""The JSON report: a stable shape for machines (CI gates, dashboards), keys and changes in a fixed order.

    {"changes": [...active changes, one per operation...], "findings": [...one per cause...],
     "summary": {"breaking", "dangerous", "info"}, "finding_summary": {...},
     "errors": [{"api", "message", "where", "hint"}], "skipped": [{"api", "note"}], "apis": [...]}

``changes`` keeps the per-operation detail (oasdiff's granularity); ``findings`` groups it into one
entry per cause with the operations it reaches and the indexes of its ``changes``. ``summary`` counts
changes, ``finding_summary`` findings. ``errors`` lists every error of the run — those that stopped it
(``api`` null) and each API that could not be compared — so a run that failed still prints valid
JSON. ``changes`` holds only what counts; ignored changes are listed under their API with the entry
that covers them, so a reader can audit ignores without them moving the totals. ``--summary`` leaves
``changes`` out and keeps the top causes in ``findings``.
"""

from __future__ import annotations

import json
from typing import Any

from toolkit.drift import findings as grouping
from toolkit.drift import wording
from toolkit.drift.findings import Finding
from toolkit.drift.ignore import IgnoreEntry
from toolkit.drift.report import SEVERITIES, ApiDrift, DriftReport, FailOn
from toolkit.model import Change, ChangeSeverity

_STATUS = {"error": "error", "skipped": "skipped", "fails": "failing", "passes": "ok"}
TOP_CAUSES = 10


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


def finding_json(api: str, finding: Finding, indexes: list[int] | None = None) -> dict[str, Any]:
    """A finding as JSON: the change's keys plus how many operations and changes it covers."""
    data = change_json(api, finding.change)
    data["operation_count"] = len(finding.operations)
    data["reached"] = list(finding.reached)
    data["change_count"] = len(finding.changes)
    if indexes is not None:
        data["changes"] = indexes
    return data


def _counts(counts: dict[ChangeSeverity, int]) -> dict[str, int]:
    return {str(severity): counts[severity] for severity in SEVERITIES}


def _ignore_json(entry: IgnoreEntry) -> dict[str, Any]:
    return {"reason": entry.reason, "until": entry.expires.isoformat(), "entry": entry.where or None}


def _api_json(report: DriftReport, drift: ApiDrift, fail_on: FailOn, explode: bool) -> dict[str, Any]:
    error = drift.error
    return {
        "api": drift.name,
        "protocol": drift.protocol,
        "old": drift.old,
        "new": drift.new,
        "via": drift.via,
        "status": _STATUS[wording.status(report, drift, fail_on)],
        "error": {"message": error.message, "where": error.where, "hint": error.hint} if error else None,
        "skipped": drift.skipped if error is None else None,
        "summary": _counts(report.counts(drift)),
        "finding_summary": _counts(report.finding_counts(drift, explode=explode)),
        "ignored": [
            {**change_json(drift.name, item.change), "ignored": _ignore_json(item.entry)}
            for item in report.ignored(drift)
        ],
    }


def _findings(report: DriftReport, summary: bool, explode: bool) -> list[dict[str, Any]]:
    """Every finding with the indexes of its changes in ``changes`` (``summary``: the top causes only)."""
    out: list[dict[str, Any]] = []
    offset = 0
    for drift in report.apis:
        active = report.active(drift)
        position = {id(change): offset + index for index, change in enumerate(active)}
        offset += len(active)
        found = report.findings(drift, explode=explode)
        if summary:
            out += [finding_json(drift.name, f) for f in grouping.top(found, TOP_CAUSES)]
        else:
            out += [finding_json(drift.name, f, [position[id(c)] for c in f.changes]) for f in found]
    return out


def as_json(
    report: DriftReport, fail_on: FailOn = FailOn.BREAKING, *, summary: bool = False, explode: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if not summary:
        data["changes"] = [change_json(drift.name, change) for drift in report.apis for change in report.active(drift)]
    data["findings"] = _findings(report, summary, explode)
    data["summary"] = _counts(report.counts())
    data["finding_summary"] = _counts(report.finding_counts(explode=explode))
    data["errors"] = [
        {"api": api, "message": error.message, "where": error.where, "hint": error.hint}
        for api, error in report.all_errors
    ]
    data["skipped"] = [{"api": drift.name, "note": drift.skipped} for drift in report.skipped]
    data["apis"] = [_api_json(report, drift, fail_on, explode) for drift in report.apis]
    return data


def render(
    report: DriftReport, fail_on: FailOn = FailOn.BREAKING, *, summary: bool = False, explode: bool = False
) -> str:
    return json.dumps(as_json(report, fail_on, summary=summary, explode=explode), indent=2, ensure_ascii=False) + "\n"

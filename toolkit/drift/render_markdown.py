"""The Markdown report, sized for a pull-request comment: a summary table, then one section per API.

Every value is escaped for a GFM table cell (pipes, newlines, HTML), because messages quote contract
text, and contract text is written by the vendor, not by us.
"""

from __future__ import annotations

import html

from toolkit.drift import wording
from toolkit.drift.report import SEVERITIES, ApiDrift, DriftReport, FailOn
from toolkit.model import Change

_STATUS = {"error": "⚠️ error", "fails": "❌ fails", "passes": "✅ passes"}


def cell(value: str) -> str:
    """Text safe in a table cell: no HTML, no column breaks, one line."""
    return " ".join(html.escape(value, quote=False).replace("|", "\\|").split())


def code(value: str) -> str:
    """An inline code span (escaped for a table cell too); backticks inside get a longer fence."""
    text = " ".join(value.replace("|", "\\|").split())
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def render(report: DriftReport, fail_on: FailOn = FailOn.BREAKING) -> str:
    lines = ["## API drift", "", "| API | protocol | breaking | dangerous | info | ignored | status |"]
    lines.append("|---|---|--:|--:|--:|--:|---|")
    for drift in report.apis:
        counts = report.counts(drift)
        numbers = " | ".join(str(counts[severity]) for severity in SEVERITIES)
        lines.append(
            f"| {cell(drift.name)} | {cell(drift.protocol or '-')} | {numbers} | {len(report.ignored(drift))} "
            f"| {_STATUS[wording.status(report, drift, fail_on)]} |"
        )
    lines += ["", f"**{cell(wording.summary(report, fail_on))}**"]
    for drift in report.apis:
        lines += ["", *_section(report, drift)]
    return "\n".join(lines) + "\n"


def _section(report: DriftReport, drift: ApiDrift) -> list[str]:
    lines = [f"### {cell(drift.name)}", "", cell(wording.sources(drift))]
    if drift.error is not None:
        lines += ["", f"> **error:** {cell(str(drift.error))}"]
        if drift.error.hint:
            lines.append(f"> hint: {cell(drift.error.hint)}")
        return lines
    active = report.active(drift)
    if not active and not report.ignored(drift):
        lines += ["", "No changes."]
    for severity in SEVERITIES:
        group = [change for change in active if change.severity is severity]
        if not group:
            continue
        lines += ["", f"#### {str(severity).capitalize()} ({len(group)})", ""]
        lines += ["| rule | operation(s) | location | change | sunset |", "|---|---|---|---|---|"]
        lines += [_row(change) for change in group]
    ignored = report.ignored(drift)
    if ignored:
        lines += ["", f"#### Ignored ({len(ignored)})", ""]
        lines += [
            f"- {code(item.change.id)} at {code(item.change.location or '-')}: {cell(item.change.message)} — "
            f"{cell(wording.ignored(item.entry))}"
            for item in ignored
        ]
    return lines


def _row(change: Change) -> str:
    operations = "<br>".join(cell(op) for op in change.operations) or "(contract-wide)"
    message = cell(change.message) + (f" ({cell(change.source)})" if change.source != "diff" else "")
    sunset = change.sunset.isoformat() if change.sunset else ""
    return f"| {code(change.id)} | {operations} | {code(change.location or '-')} | {message} | {sunset} |"

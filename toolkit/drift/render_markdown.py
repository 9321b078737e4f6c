"""The Markdown report, sized for a pull-request comment: summary first, then details up to a budget.

The page opens with who made it and when, a table of counts per API and severity, the verdict and the
top causes of the run; then one section per API, a table per severity with one row per cause (``explode``:
per change). Whatever the pair, the page stays under ``BUDGET`` characters (a GitHub comment holds
65,536): rows that do not fit are listed one short line each in a collapsed ``<details>`` section, as many
as fit, and a closing note says how many were cut and how to get them all. ``summary`` stops after the
top causes.

Every value is escaped for a GFM table cell (pipes, newlines, HTML), because messages quote contract
text, and contract text is written by the vendor, not by us; long values are clipped, so no one row can
take the budget.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from toolkit.drift import findings as grouping
from toolkit.drift import wording
from toolkit.drift.findings import Finding
from toolkit.drift.report import SEVERITIES, ApiDrift, DriftReport, FailOn

BUDGET = 60_000
_NOTE_ROOM = 1_000  # kept free for the closing note and the <details> wrapper
_FULL_SHARE = 0.65  # when rows must be cut, full rows stop here and short lines get the rest
_STATUS = {"error": "⚠️ error", "skipped": "⏭️ skipped", "fails": "❌ fails", "passes": "✅ passes"}
_OPERATIONS_SHOWN = 3
_API_ROWS = 100
_RUN_ERRORS = 10
TOP_CAUSES = 10
_CLIP = {"message": 600, "location": 240, "operation": 160, "line": 240}


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def cell(value: str, limit: int = _CLIP["message"]) -> str:
    """Text safe in a table cell: no HTML, no column breaks, one line, at most ``limit`` characters of text."""
    return " ".join(html.escape(clip(value, limit), quote=False).replace("|", "\\|").split())


def code(value: str, limit: int = _CLIP["location"]) -> str:
    """An inline code span (escaped for a table cell too); backticks inside get a longer fence."""
    text = " ".join(clip(value, limit).replace("|", "\\|").split())
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


@dataclass
class _Page:
    """Lines under a character budget: full rows while they fit, then short lines in the overflow."""

    budget: int
    full_until: int  # full rows stop at this many characters
    lines: list[str] = field(default_factory=list)
    used: int = 0
    overflowing: bool = False
    short: list[str] = field(default_factory=list)  # rows that did not fit, one line each
    cut_findings: int = 0

    def force(self, line: str) -> None:
        self.lines.append(line)
        self.used += len(line) + 1

    def add(self, line: str, short: str | None = None) -> None:
        """``line`` if it fits before the room kept for the note, else (rows only) its short form later."""
        if not self.overflowing and self.used + len(line) + 1 <= self.full_until:
            self.force(line)
            return
        self.overflowing = True
        if short is not None:
            self.short.append(short)
            self.cut_findings += 1


def render(
    report: DriftReport, fail_on: FailOn = FailOn.BREAKING, *, summary: bool = False, explode: bool = False
) -> str:
    page = _page(report, fail_on, summary, explode, BUDGET - _NOTE_ROOM)
    if page.short:  # some rows must go: leave room to list them one line each
        page = _page(report, fail_on, summary, explode, int(BUDGET * _FULL_SHARE))
    _overflow(page)
    return "\n".join(page.lines) + "\n"


def _page(report: DriftReport, fail_on: FailOn, summary: bool, explode: bool, full_until: int) -> _Page:
    page = _Page(BUDGET, full_until)
    _head(page, report, fail_on, explode)
    if summary:
        page.force("")
        page.force(f"_Summary only: {wording.GET_ALL}._")
        return page
    for drift in report.apis:
        _section(page, report, drift, explode)
    return page


def _head(page: _Page, report: DriftReport, fail_on: FailOn, explode: bool) -> None:
    page.force("## API drift")
    page.force("")
    page.force(f"_{cell(wording.generated(report))}_")
    for error in report.run_errors[:_RUN_ERRORS]:
        page.force("")
        page.force(f"> **error:** {cell(wording.error(None, error))}")
    if len(report.run_errors) > _RUN_ERRORS:
        page.force(f"> … and {len(report.run_errors) - _RUN_ERRORS} more errors")
    if report.apis:
        page.force("")
        page.force("| API | protocol | breaking | dangerous | info | ignored | status |")
        page.force("|---|---|--:|--:|--:|--:|---|")
    for drift in report.apis[:_API_ROWS]:
        counts = report.finding_counts(drift, explode=explode)
        numbers = " | ".join(str(counts[severity]) for severity in SEVERITIES)
        page.force(
            f"| {cell(drift.name, _CLIP['operation'])} | {cell(drift.protocol or '-')} | {numbers} "
            f"| {len(report.ignored(drift))} | {_STATUS[wording.status(report, drift, fail_on)]} |"
        )
    if len(report.apis) > _API_ROWS:
        page.force(f"| … {len(report.apis) - _API_ROWS} more APIs | | | | | | |")
    page.force("")
    page.force(f"**{cell(wording.summary(report, fail_on, explode=explode), 2_000)}**")
    pairs = [(drift.name, f) for drift in report.apis for f in report.findings(drift, explode=explode)]
    owner = {id(f): name for name, f in pairs}
    everything = [f for _, f in pairs]
    causes = grouping.top(everything, TOP_CAUSES)
    if causes and len(everything) > 1:
        several = len(report.apis) > 1
        page.force("")
        page.force(f"**Top {wording.plural(len(causes), 'cause')}**")
        page.force("")
        page.force(("| API " if several else "") + "| severity | rule | reaches | location | change |")
        page.force(("|---" if several else "") + "|---|---|---|---|---|")
        for finding in causes:
            first = f"| {cell(owner[id(finding)], _CLIP['operation'])} " if several else ""
            page.force(
                f"{first}| {finding.severity} | {code(finding.id)} | {cell(wording.reach(finding))} "
                f"| {code(finding.location or '-')} | {cell(finding.message)} |"
            )


def _section(page: _Page, report: DriftReport, drift: ApiDrift, explode: bool) -> None:
    page.add("")
    page.add(f"### {cell(drift.name, _CLIP['operation'])}")
    page.add("")
    page.add(cell(wording.sources(drift), 2 * _CLIP["location"]))
    if drift.error is not None:
        page.add("")
        short = cell(f"- {drift.name}: **error** {wording.error(None, drift.error)}", _CLIP["line"])
        page.add(
            f"> **error:** {cell(str(drift.error))}"
            + (f"<br>hint: {cell(drift.error.hint)}" if drift.error.hint else ""),
            short,
        )
        return
    if drift.skipped is not None:
        page.add("")
        page.add(f"_Skipped: {cell(drift.skipped)}_", cell(f"- {drift.name}: skipped: {drift.skipped}", _CLIP["line"]))
        return
    active = report.findings(drift, explode=explode)
    ignored = report.ignored_findings(drift, explode=explode)
    if not active and not ignored:
        page.add("")
        page.add("No changes.")
    for severity in SEVERITIES:
        group = [finding for finding in active if finding.severity is severity]
        if not group:
            continue
        page.add("")
        page.add(f"#### {str(severity).capitalize()} ({len(group)})")
        page.add("")
        page.add("| rule | operation(s) | location | change | sunset |")
        page.add("|---|---|---|---|---|")
        for finding in group:
            page.add(_row(finding), _short(drift, finding))
    if ignored:
        page.add("")
        page.add(f"#### Ignored ({len(ignored)})")
        page.add("")
        for item in ignored:
            line = (
                f"- {code(item.finding.id)} at {code(item.finding.location or '-')}: {cell(item.finding.message)} — "
                f"{cell(wording.ignored(item.entry))}"
            )
            page.add(line, f"{_short(drift, item.finding)} — ignored")


def _operations(finding: Finding) -> str:
    operations = finding.operations
    if not operations:
        return "(contract-wide)"
    shown = "<br>".join(cell(op, _CLIP["operation"]) for op in operations[:_OPERATIONS_SHOWN])
    if len(operations) <= _OPERATIONS_SHOWN:
        return shown
    return f"**{len(operations)} operations:**<br>{shown}<br>… {len(operations) - _OPERATIONS_SHOWN} more"


def _row(finding: Finding) -> str:
    message = cell(finding.message)
    if finding.reached:
        message += f" ({cell(wording.routes(finding))})"
    if finding.change.source != "diff":
        message += f" ({cell(finding.change.source)})"
    sunset = finding.change.sunset.isoformat() if finding.change.sunset else ""
    return f"| {code(finding.id)} | {_operations(finding)} | {code(finding.location or '-')} | {message} | {sunset} |"


def _short(drift: ApiDrift, finding: Finding) -> str:
    text = (
        f"- {drift.name}: **{finding.severity}** {finding.id} at {finding.location or '-'} — {finding.message} "
        f"({wording.reach(finding)})"
    )
    return cell(text, _CLIP["line"])


def _overflow(page: _Page) -> None:
    if not page.short:
        return
    page.force("")
    page.force("<details><summary>Not shown above, one line each</summary>")
    page.force("")
    listed = 0
    for line in page.short:
        if page.used + len(line) + 1 > page.budget - _NOTE_ROOM // 2:
            break
        page.force(line)
        listed += 1
    page.force("")
    page.force("</details>")
    page.force("")
    left_out = len(page.short) - listed
    cut = f"{wording.plural(page.cut_findings, 'finding')} did not fit this page ({BUDGET:,} characters)"
    where = f"{listed} listed one line each above, {left_out} not listed" if left_out else "listed one line each above"
    page.force(f"> **Cut to fit:** {cut}: {where}. To get all of them, {wording.GET_ALL}.")

"""The text report, for a terminal or a CI log: grouped by API, then severity, one line per cause.

Colours only when writing to a terminal; in a pipe, a file or a test the output is plain text
(rich writes no ANSI codes to a non-terminal console), so logs stay greppable. ``summary``: one line
per API with its counts, then the top causes of the run.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from toolkit.drift import findings as grouping
from toolkit.drift import wording
from toolkit.drift.findings import Finding
from toolkit.drift.report import SEVERITIES, ApiDrift, DriftReport, FailOn
from toolkit.model import ChangeSeverity

if TYPE_CHECKING:
    from rich.console import Console

STYLES = {ChangeSeverity.BREAKING: "bold red", ChangeSeverity.DANGEROUS: "yellow", ChangeSeverity.INFO: "cyan"}
_OPERATIONS_SHOWN = 3  # a GraphQL type reached from nine root fields would fill the line
TOP_CAUSES = 10


def render(
    report: DriftReport,
    fail_on: FailOn = FailOn.BREAKING,
    *,
    color: bool = False,
    width: int = 120,
    summary: bool = False,
    explode: bool = False,
) -> str:
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
    )
    for api, error in report.all_errors:
        if api is None:
            console.print(Text(f"error: {error}", style="red"))
            if error.hint:
                console.print(Text(f"  hint: {error.hint}"))
    if summary:
        _summary(console, report, fail_on, explode)
    else:
        for drift in report.apis:
            _api(console, report, drift, explode)
    console.print(Text(wording.summary(report, fail_on, explode=explode), style="bold"))
    return buffer.getvalue()


def _head(console: Console, drift: ApiDrift) -> bool:
    """The API's first line; False when nothing follows it (an error or a skip, said here)."""
    from rich.text import Text

    head = Text(drift.name, style="bold")
    head.append(f" — {drift.protocol or 'unknown protocol'}: {wording.sources(drift)}")
    console.print(head)
    if drift.error is not None:
        console.print(Text(f"  error: {drift.error}", style="red"))
        if drift.error.hint:
            console.print(Text(f"  hint: {drift.error.hint}"))
        return False
    if drift.skipped is not None:
        console.print(Text(f"  skipped: {drift.skipped}", style="dim"))
        return False
    return True


def _api(console: Console, report: DriftReport, drift: ApiDrift, explode: bool) -> None:
    from rich.text import Text

    if not _head(console, drift):
        return
    active = report.findings(drift, explode=explode)
    ignored = report.ignored_findings(drift, explode=explode)
    if not active and not ignored:
        console.print(Text("  no changes", style="green"))
    for severity in SEVERITIES:
        group = [finding for finding in active if finding.severity is severity]
        if group:
            console.print(Text(f"  {severity} ({len(group)})", style=STYLES[severity]))
            for finding in group:
                console.print(Text("    " + _line(finding)))
    if ignored:
        console.print(Text(f"  ignored ({len(ignored)})", style="dim"))
        for item in ignored:
            console.print(Text(f"    {_line(item.finding)} — {wording.ignored(item.entry)}", style="dim"))


def _summary(console: Console, report: DriftReport, fail_on: FailOn, explode: bool) -> None:
    from rich.text import Text

    everything: list[Finding] = []
    for drift in report.apis:
        if not _head(console, drift):
            continue
        counts = report.finding_counts(drift, explode=explode)
        numbers = ", ".join(f"{counts[severity]} {severity}" for severity in SEVERITIES)
        console.print(Text(f"  {numbers} — {wording.status(report, drift, fail_on)}"))
        everything += report.findings(drift, explode=explode)
    causes = grouping.top(everything, TOP_CAUSES)
    if causes:
        console.print(Text(f"top {wording.plural(len(causes), 'cause')}:", style="bold"))
        for finding in causes:
            console.print(Text(f"  {finding.severity}  {_line(finding)}", style=STYLES[finding.severity]))


def _line(finding: Finding) -> str:
    operations = wording.operations(finding, _OPERATIONS_SHOWN)
    parts = [operations, finding.location or "-", finding.message, f"[{finding.id}]"]
    if finding.reached:
        parts.append(f"({wording.routes(finding)})")
    if finding.change.sunset:
        parts.append(wording.sunset(finding))
    if finding.change.source != "diff":
        parts.append(f"({finding.change.source})")
    return "  ".join(parts)

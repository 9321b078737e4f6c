"""The text report, for a terminal or a CI log: grouped by API, then severity, one line per change.

Colours only when writing to a terminal; in a pipe, a file or a test the output is plain text
(rich writes no ANSI codes to a non-terminal console), so logs stay greppable.
"""

from __future__ import annotations

import io

from toolkit.drift import wording
from toolkit.drift.report import SEVERITIES, DriftReport, FailOn
from toolkit.model import Change, ChangeSeverity

STYLES = {ChangeSeverity.BREAKING: "bold red", ChangeSeverity.DANGEROUS: "yellow", ChangeSeverity.INFO: "cyan"}
_OPERATIONS_SHOWN = 3  # a GraphQL type reached from nine root fields would fill the line


def render(report: DriftReport, fail_on: FailOn = FailOn.BREAKING, *, color: bool = False, width: int = 120) -> str:
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
    for drift in report.apis:
        head = Text(drift.name, style="bold")
        head.append(f" — {drift.protocol or 'unknown protocol'}: {wording.sources(drift)}")
        console.print(head)
        if drift.error is not None:
            console.print(Text(f"  error: {drift.error}", style="red"))
            if drift.error.hint:
                console.print(Text(f"  hint: {drift.error.hint}"))
            continue
        active = report.active(drift)
        ignored = report.ignored(drift)
        if not active and not ignored:
            console.print(Text("  no changes", style="green"))
        for severity in SEVERITIES:
            group = [change for change in active if change.severity is severity]
            if group:
                console.print(Text(f"  {severity} ({len(group)})", style=STYLES[severity]))
                for change in group:
                    console.print(Text("    " + _line(change)))
        if ignored:
            console.print(Text(f"  ignored ({len(ignored)})", style="dim"))
            for item in ignored:
                console.print(Text(f"    {_line(item.change)} — {wording.ignored(item.entry)}", style="dim"))
    console.print(Text(wording.summary(report, fail_on), style="bold"))
    return buffer.getvalue()


def _line(change: Change) -> str:
    parts = [wording.operations(change, _OPERATIONS_SHOWN), change.location or "-", change.message, f"[{change.id}]"]
    if change.sunset:
        parts.append(wording.sunset(change))
    if change.source != "diff":
        parts.append(f"({change.source})")
    return "  ".join(parts)

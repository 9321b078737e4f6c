"""The few phrases every renderer shares, so text, Markdown, HTML and annotations say the same thing the same way."""

from __future__ import annotations

from toolkit.__about__ import __version__
from toolkit.drift.findings import Finding
from toolkit.drift.ignore import IgnoreEntry
from toolkit.drift.report import ApiDrift, ApiError, DriftReport, FailOn
from toolkit.model import Change, ChangeSeverity

VIA = {
    "files": "",
    "published": "published",
    "introspection": "live: GraphQL introspection",
    "wsdl": "live: ?wsdl",
}
# How to get what a bounded report (Markdown, annotations, --summary) leaves out.
GET_ALL = "run ctk drift with --format json or --format html -o FILE for every finding"


def operations(change: Change | Finding, limit: int | None = None) -> str:
    """The operations a change affects; contract-wide changes say so."""
    if not change.operations:
        return "(contract-wide)"
    if limit is None or len(change.operations) <= limit:
        return ", ".join(change.operations)
    return ", ".join(change.operations[:limit]) + f" (+{len(change.operations) - limit} more)"


def reach(finding: Finding) -> str:
    """How far a finding reaches: ``3 operations``, ``(contract-wide)``, or the one operation."""
    count = len(finding.operations)
    if count == 0:
        return "(contract-wide)"
    return finding.operations[0] if count == 1 else plural(count, "operation")


def routes(finding: Finding, limit: int = 1) -> str:
    """The ways operations reach a shared place, when there are several: ``reached as A and 4 other ways``."""
    if not finding.reached:
        return ""
    shown = "; ".join(finding.reached[:limit])
    rest = len(finding.reached) - limit
    return f"reached as {shown}" + (f" and {plural(rest, 'other way')}" if rest > 0 else "")


def sunset(change: Change | Finding) -> str:
    value = change.sunset if isinstance(change, Change) else change.change.sunset
    return f"sunset {value.isoformat()}" if value else ""


def ignored(entry: IgnoreEntry) -> str:
    return f"ignored (until {entry.expires.isoformat()}: {entry.reason})"


def sources(drift: ApiDrift) -> str:
    via = VIA.get(drift.via, drift.via)
    return f"{drift.old} → {drift.new}" + (f" ({via})" if via else "")


def generated(report: DriftReport) -> str:
    """Who made the report and when: ``ctk 0.1.0, 2026-12-02``."""
    return f"ctk {__version__}, {report.today.isoformat()}"


def error(api: str | None, problem: ApiError) -> str:
    """One line for an error of the run (``api`` None) or of one API."""
    head = f"{api}: " if api else ""
    return f"{head}{problem}" + (f" (hint: {problem.hint})" if problem.hint else "")


def status(report: DriftReport, drift: ApiDrift, fail_on: FailOn) -> str:
    """How one API came out: ``error`` (not compared), ``skipped`` (not compared, on purpose), ``fails``
    (a change at ``fail_on``) or ``passes``."""
    if drift.error is not None:
        return "error"
    if drift.skipped is not None:
        return "skipped"
    return "fails" if report.failing(fail_on, drift) else "passes"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def summary(report: DriftReport, fail_on: FailOn, *, explode: bool = False) -> str:
    """One line: findings per severity (and the changes they stand for), ignored, skipped and failed APIs,
    and the verdict at ``fail_on``. A run with errors never says it passes: it was not fully compared."""
    if report.run_errors and not report.apis:
        return f"the run stopped before comparing any API ({plural(len(report.run_errors), 'error')}) — incomplete"
    counts = report.finding_counts(explode=explode)
    parts = [f"{counts[severity]} {severity}" for severity in (ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS)]
    parts.append(f"{counts[ChangeSeverity.INFO]} info")
    text = f"{plural(len(report.apis), 'API')}: " + ", ".join(parts)
    changes = sum(report.counts().values())
    if not explode and changes != sum(counts.values()):
        text += f" ({plural(sum(counts.values()), 'finding')} from {plural(changes, 'change')} across operations)"
    ignored_count = sum(len(report.ignored(drift)) for drift in report.apis)
    if ignored_count:
        text += f" ({ignored_count} ignored)"
    if report.skipped:
        text += f"; {plural(len(report.skipped), 'API')} skipped"
    failed = len(report.errors) + len(report.run_errors)
    if report.run_errors:
        text += f"; the run stopped with {plural(len(report.run_errors), 'error')}"
    if report.errors:
        text += f"; {plural(len(report.errors), 'API')} could not be compared"
    # errors decide the exit code (2) before findings do, so they lead the verdict
    failing = fail_on is not FailOn.NEVER and bool(report.failing(fail_on))
    if failed:
        text += " — incomplete" + (f", and what was compared fails at --fail-on {fail_on}" if failing else "")
    elif failing:
        text += f" — fails at --fail-on {fail_on}"
    elif fail_on is not FailOn.NEVER:
        text += f" — passes at --fail-on {fail_on}"
    return text

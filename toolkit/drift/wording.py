"""The few phrases every renderer shares, so text, Markdown and HTML say the same thing the same way."""

from __future__ import annotations

from toolkit.drift.ignore import IgnoreEntry
from toolkit.drift.report import ApiDrift, DriftReport, FailOn
from toolkit.model import Change, ChangeSeverity

VIA = {
    "files": "",
    "published": "published",
    "introspection": "live: GraphQL introspection",
    "wsdl": "live: ?wsdl",
}


def operations(change: Change, limit: int | None = None) -> str:
    """The operations a change affects; contract-wide changes say so."""
    if not change.operations:
        return "(contract-wide)"
    if limit is None or len(change.operations) <= limit:
        return ", ".join(change.operations)
    return ", ".join(change.operations[:limit]) + f" (+{len(change.operations) - limit} more)"


def sunset(change: Change) -> str:
    return f"sunset {change.sunset.isoformat()}" if change.sunset else ""


def ignored(entry: IgnoreEntry) -> str:
    return f"ignored (until {entry.expires.isoformat()}: {entry.reason})"


def sources(drift: ApiDrift) -> str:
    via = VIA.get(drift.via, drift.via)
    return f"{drift.old} → {drift.new}" + (f" ({via})" if via else "")


def status(report: DriftReport, drift: ApiDrift, fail_on: FailOn) -> str:
    """How one API came out: ``error`` (not compared), ``fails`` (a change at ``fail_on``) or ``passes``."""
    if drift.error is not None:
        return "error"
    return "fails" if report.failing(fail_on, drift) else "passes"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def summary(report: DriftReport, fail_on: FailOn) -> str:
    """One line: counts per severity, ignored and failed APIs, and the verdict at ``fail_on``."""
    counts = report.counts()
    parts = [f"{counts[severity]} {severity}" for severity in (ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS)]
    parts.append(f"{counts[ChangeSeverity.INFO]} info")
    text = f"{plural(len(report.apis), 'API')}: " + ", ".join(parts)
    ignored_count = sum(len(report.ignored(drift)) for drift in report.apis)
    if ignored_count:
        text += f" ({ignored_count} ignored)"
    if report.errors:
        text += f"; {plural(len(report.errors), 'API')} could not be compared"
    if fail_on is not FailOn.NEVER:
        verdict = "fails" if report.failing(fail_on) else "passes"
        text += f" — {verdict} at --fail-on {fail_on}"
    return text

"""The drift report: per API, the changes found (or the error that stopped it, or why it was skipped), the
errors that stopped the run before any API, and what fails the run.

Renderers and the CLI see only this. Changes are kept as found; the ignore list is applied when
the report is read (``active``/``ignored``), so changes merged in later — findings observed at run
time, ``Change(source="observed")`` — are counted, sorted and ignored exactly like diffed ones::

    report = report.merge("payments", observed_changes)

Readers see changes grouped into one finding per cause (``findings``, see ``findings.py``); with
``explode=True`` each change is its own finding, oasdiff's granularity. A run that failed before it
could compare anything is still a report (``DriftReport.failed_run``), so every format can say so in
its own well-formed output.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from toolkit.drift import findings as grouping
from toolkit.drift.findings import Finding
from toolkit.drift.ignore import IgnoreEntry, IgnoreList
from toolkit.errors import CtkError
from toolkit.model import Change, ChangeSeverity

SEVERITIES = (ChangeSeverity.BREAKING, ChangeSeverity.DANGEROUS, ChangeSeverity.INFO)


class FailOn(enum.StrEnum):
    """How much drift fails a run. Each level fails on everything the level before it does, and more.

    ``breaking``: a breaking change. ``dangerous``: a breaking or dangerous one. ``deprecation``:
    those, plus any change flagged ``deprecation`` (a deprecation added or a sunset moved), which
    diffs grade ``info``: a team that wants to hear of every sunset also wants to hear of breakage.
    ``never``: nothing fails; the report is information only.
    """

    BREAKING = "breaking"
    DANGEROUS = "dangerous"
    DEPRECATION = "deprecation"
    NEVER = "never"

    def fails(self, change: Change) -> bool:
        if self is FailOn.NEVER:
            return False
        if self is FailOn.DEPRECATION and change.deprecation:
            return True
        floor = ChangeSeverity.DANGEROUS if self is not FailOn.BREAKING else ChangeSeverity.BREAKING
        return change.severity.rank >= floor.rank


@dataclass(frozen=True)
class ApiError:
    """Why one API could not be compared; the other APIs of the run go on."""

    message: str
    where: str | None = None
    hint: str | None = None

    @classmethod
    def of(cls, exc: CtkError) -> ApiError:
        return cls(message=exc.message, where=exc.where, hint=exc.hint)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class IgnoredChange:
    change: Change
    entry: IgnoreEntry


@dataclass(frozen=True)
class IgnoredFinding:
    finding: Finding
    entry: IgnoreEntry


@dataclass(frozen=True)
class ApiDrift:
    """One API compared: where OLD and NEW came from, and what changed (or why it could not say).

    ``via`` says how NEW was obtained: ``files`` (named on the command line), ``published``,
    ``introspection`` or ``wsdl`` (fetched live from the vendor). ``operations`` are the ids of every
    operation in OLD or NEW, for views that list operations that did not change too (JUnit).
    ``skipped``: why the API was not compared although nothing went wrong (e.g. ``--live`` for an API
    with no live source); not an error. ``old_file``/``new_file``: the local file holding each side's
    root document, when there is one, so annotations can point at a line.
    """

    name: str
    old: str
    new: str
    protocol: str | None = None
    via: str = "files"
    changes: tuple[Change, ...] = ()
    operations: tuple[str, ...] = ()
    error: ApiError | None = None
    skipped: str | None = None
    old_file: str | None = None
    new_file: str | None = None


def sort_key(change: Change) -> tuple[int, str, str, tuple[str, ...], str]:
    """Severity first (breaking on top), then place, rule and operations: the same order every run."""
    return (-change.severity.rank, change.location or "", change.id, change.operations, change.message)


@dataclass(frozen=True)
class DriftReport:
    """``run_errors``: what stopped the run outside any one API (a bad sandbox.toml or ignore file, a
    contract named on the command line that cannot be read); the APIs compared before it, if any, stay."""

    apis: tuple[ApiDrift, ...]
    ignores: IgnoreList = field(default_factory=IgnoreList)
    today: dt.date = field(default_factory=dt.date.today)
    run_errors: tuple[ApiError, ...] = ()
    # findings per (API, explode), grouped once however many times renderers ask: the same objects each time
    _found: dict[tuple[int, bool], tuple[ApiDrift, list[Finding]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def failed_run(cls, error: CtkError | ApiError, *, today: dt.date | None = None) -> DriftReport:
        """The report of a run stopped by ``error`` before any API was compared."""
        problem = error if isinstance(error, ApiError) else ApiError.of(error)
        return cls(apis=(), today=today or dt.date.today(), run_errors=(problem,))

    def merge(self, api: str, changes: Iterable[Change]) -> DriftReport:
        """This report with ``changes`` (e.g. observed at run time) added to ``api``."""
        names = [drift.name for drift in self.apis]
        if api not in names:
            raise KeyError(api)
        added = tuple(changes)
        return replace(
            self,
            apis=tuple(replace(d, changes=d.changes + added) if d.name == api else d for d in self.apis),
        )

    def api(self, name: str) -> ApiDrift:
        for drift in self.apis:
            if drift.name == name:
                return drift
        raise KeyError(name)

    def active(self, drift: ApiDrift) -> list[Change]:
        """The changes of ``drift`` that count: not covered by a live ignore entry, in report order."""
        return sorted((c for c in drift.changes if self.ignores.match(drift.name, c, self.today) is None), key=sort_key)

    def ignored(self, drift: ApiDrift) -> list[IgnoredChange]:
        found = []
        for change in sorted(drift.changes, key=sort_key):
            entry = self.ignores.match(drift.name, change, self.today)
            if entry is not None:
                found.append(IgnoredChange(change, entry))
        return found

    def counts(self, drift: ApiDrift | None = None) -> dict[ChangeSeverity, int]:
        """Active changes per severity, for one API or (None) the whole report."""
        totals = dict.fromkeys(SEVERITIES, 0)
        for each in self.apis if drift is None else (drift,):
            for change in self.active(each):
                totals[change.severity] += 1
        return totals

    @property
    def errors(self) -> list[ApiDrift]:
        """The APIs that could not be compared (``run_errors`` are apart)."""
        return [drift for drift in self.apis if drift.error is not None]

    @property
    def all_errors(self) -> list[tuple[str | None, ApiError]]:
        """Every error of the run as (API name or None for the run, error): run errors first."""
        found: list[tuple[str | None, ApiError]] = [(None, error) for error in self.run_errors]
        return found + [(drift.name, drift.error) for drift in self.apis if drift.error is not None]

    @property
    def has_errors(self) -> bool:
        return bool(self.run_errors) or any(drift.error is not None for drift in self.apis)

    @property
    def skipped(self) -> list[ApiDrift]:
        return [drift for drift in self.apis if drift.skipped is not None and drift.error is None]

    def findings(self, drift: ApiDrift, *, explode: bool = False) -> list[Finding]:
        """The active changes of ``drift`` as one finding per cause (``explode``: one per change), in report order."""
        cached = self._found.get((id(drift), explode))
        if cached is not None and cached[0] is drift:
            return list(cached[1])
        active = self.active(drift)
        found = [grouping.single(c) for c in active] if explode else grouping.group(active)
        self._found[(id(drift), explode)] = (drift, found)
        return list(found)

    def ignored_findings(self, drift: ApiDrift, *, explode: bool = False) -> list[IgnoredFinding]:
        """The ignored changes of ``drift`` grouped the same way, per ignore entry that covers them."""
        by_entry: dict[IgnoreEntry, list[Change]] = {}
        for item in self.ignored(drift):
            by_entry.setdefault(item.entry, []).append(item.change)
        found = []
        for entry, changes in by_entry.items():
            grouped = [grouping.single(c) for c in changes] if explode else grouping.group(changes)
            found += [IgnoredFinding(finding, entry) for finding in grouped]
        return sorted(found, key=lambda item: sort_key(item.finding.change))

    def finding_counts(self, drift: ApiDrift | None = None, *, explode: bool = False) -> dict[ChangeSeverity, int]:
        """Active findings per severity, for one API or (None) the whole report."""
        totals = dict.fromkeys(SEVERITIES, 0)
        for each in self.apis if drift is None else (drift,):
            for finding in self.findings(each, explode=explode):
                totals[finding.severity] += 1
        return totals

    @property
    def warnings(self) -> list[str]:
        return self.ignores.warnings(self.today)

    def failing(self, level: FailOn, drift: ApiDrift | None = None) -> list[Change]:
        """The active changes at or above ``level`` (for one API, or all)."""
        return [c for each in (self.apis if drift is None else (drift,)) for c in self.active(each) if level.fails(c)]

"""``--format github``: GitHub Actions workflow commands, so each cause shows on the pull request's diff.

One annotation per finding: ``::error`` for breaking, ``::warning`` for dangerous changes and for
deprecations, ``::notice`` for the rest; most severe first, at most ``MAX_ANNOTATIONS`` (GitHub shows
only a few per step anyway), then one closing notice saying how many were left out and how to get them
all, and the summary line. Errors of the run and of each API are ``::error`` annotations too, so a
failed run still says why in the checks tab.

An annotation names the contract file of the side where the change is (NEW, or OLD for what NEW no
longer has) and, for a JSON pointer into a JSON or YAML file, its line. Values are escaped by GitHub's
rules (``%``, CR and LF in messages; also ``:`` and ``,`` in properties), so a vendor's text cannot
end a command early or start another one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from toolkit.documents import PointerLines
from toolkit.drift import findings as grouping
from toolkit.drift import wording
from toolkit.drift.findings import Finding
from toolkit.drift.report import SEVERITIES, ApiDrift, DriftReport, FailOn
from toolkit.model import ChangeSeverity

MAX_ANNOTATIONS = 50
TOP_CAUSES = 10
_MAX_FILE = 64 * 1024 * 1024  # a contract larger than this is not read again just to place annotations
_MAX_MESSAGE = 2_000
_LEVEL = {ChangeSeverity.BREAKING: "error", ChangeSeverity.DANGEROUS: "warning", ChangeSeverity.INFO: "notice"}


def escape_data(value: str) -> str:
    """A message escaped as GitHub's ``escapeData``."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A property value (file, title) escaped as GitHub's ``escapeProperty``."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | int | None) -> str:
    given = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    text = message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"
    return f"::{level}{' ' + given if given else ''}::{escape_data(text)}"


def level(finding: Finding) -> str:
    if finding.severity is ChangeSeverity.INFO and finding.change.deprecation:
        return "warning"
    return _LEVEL[finding.severity]


@dataclass
class _Lines:
    """Lines of JSON pointers in local contract files, each file read once and only if asked for."""

    read: dict[str, PointerLines | None] = field(default_factory=dict)

    def place(self, drift: ApiDrift, finding: Finding) -> tuple[str | None, int | None]:
        change = finding.change
        in_new = change.new is not None
        root = (drift.new_file or _local(drift.new)) if in_new else (drift.old_file or _local(drift.old))
        location = change.location or ""
        path, pointer = root, location
        if "#" in location:  # ``other.yaml#/components/...``: a pointer into another file of the contract
            named, pointer = location.split("#", 1)
            base = os.path.dirname(root) if root else ""
            path = named if os.path.isabs(named) or not base else os.path.join(base, named)
            path = path if os.path.isfile(path) else _local(named)
        if path is None:
            return None, None
        if not pointer.startswith("/"):
            return path, None
        lines = self._lines(path)
        return path, lines.line(pointer) if lines is not None else None

    def _lines(self, path: str) -> PointerLines | None:
        if path not in self.read:
            self.read[path] = None
            try:
                if os.path.getsize(path) <= _MAX_FILE and path.endswith((".json", ".yaml", ".yml")):
                    with open(path, encoding="utf-8") as handle:
                        self.read[path] = PointerLines(handle.read())
            except (OSError, UnicodeDecodeError):
                pass
        return self.read[path]


def _local(name: str | None) -> str | None:
    return name if name and os.path.isfile(name) else None


def render(
    report: DriftReport, fail_on: FailOn = FailOn.BREAKING, *, summary: bool = False, explode: bool = False
) -> str:
    lines: list[str] = []
    for api, error in report.all_errors:
        lines.append(command("error", wording.error(api, error), title=f"ctk drift: {api}" if api else "ctk drift"))
    for drift in report.skipped:
        lines.append(command("notice", f"{drift.name}: skipped: {drift.skipped}", title=f"ctk drift: {drift.name}"))
    pairs = [(drift, f) for drift in report.apis for f in report.findings(drift, explode=explode)]
    if summary:
        for drift in report.apis:
            if drift.error is None and drift.skipped is None:
                counts = report.finding_counts(drift, explode=explode)
                numbers = ", ".join(f"{counts[severity]} {severity}" for severity in SEVERITIES)
                lines.append(command("notice", f"{drift.name}: {numbers}", title=f"ctk drift: {drift.name}"))
        owner = {id(f): drift for drift, f in pairs}
        chosen = [(owner[id(f)], f) for f in grouping.top([f for _, f in pairs], TOP_CAUSES)]
    else:
        order = {"error": 0, "warning": 1, "notice": 2}
        chosen = sorted(pairs, key=lambda pair: order[level(pair[1])])  # stable: report order within a level
    places = _Lines()
    shown = chosen[:MAX_ANNOTATIONS]
    for drift, finding in shown:
        lines.append(_annotation(drift, finding, places))
    left_out = len(pairs) - len(shown)
    if left_out > 0:
        note = f"{wording.plural(left_out, 'more finding')} not annotated; {wording.GET_ALL}"
        lines.append(command("notice", note, title="ctk drift"))
    lines.append(command("notice", wording.summary(report, fail_on, explode=explode), title="ctk drift"))
    return "\n".join(lines) + "\n"


def _annotation(drift: ApiDrift, finding: Finding, places: _Lines) -> str:
    path, line = places.place(drift, finding)
    message = f"{drift.name}: {finding.location or '-'}: {finding.message} — {wording.operations(finding, 5)}"
    if finding.reached:
        message += f" ({wording.routes(finding)})"
    if finding.change.sunset:
        message += f" ({wording.sunset(finding)})"
    if finding.change.source != "diff":  # seen in the vendor's answers (ctk verify's evidence), not in a contract
        message += f" (source: {finding.change.source})"
    return command(level(finding), message, file=path, line=line, title=f"{finding.id} ({finding.severity})")

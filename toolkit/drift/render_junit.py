"""The JUnit XML report, so CI systems show drift as test results: one test case per operation.

A case is named after the operation id and classed under its API; it fails when one of its changes
reaches the --fail-on level (so the XML agrees with the exit code), with those changes as the failure
text. Changes that do not fail are listed in the case's system-out; each cause is one line (``explode``:
one per change), so a case lists a property removed from a shared schema once. Contract-wide changes,
an API that could not be compared (an error) and an API skipped on purpose (a skipped case) go to a case
named after the API; errors that stopped the run are error cases of a suite ``ctk drift``. Built with
ElementTree, so every message is escaped by the XML writer rather than by hand. ``summary`` changes
nothing here: a CI test view is already a summary.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from toolkit.drift import wording
from toolkit.drift.report import ApiDrift, DriftReport, FailOn
from toolkit.model import Change

RUN = "ctk drift"


def render(
    report: DriftReport, fail_on: FailOn = FailOn.BREAKING, *, summary: bool = False, explode: bool = False
) -> str:
    del summary  # one case per operation is the summary a CI test view shows
    suites = ET.Element("testsuites", name=RUN)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    run_suites = [_run_errors(report)] if report.run_errors else []
    for suite in [*run_suites, *(_suite(report, drift, fail_on, explode) for drift in report.apis)]:
        suites.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _run_errors(report: DriftReport) -> ET.Element:
    suite = ET.Element("testsuite", name=RUN)
    for number, error in enumerate(report.run_errors, 1):
        case = ET.SubElement(suite, "testcase", classname=RUN, name=f"run error {number}")
        text = str(error) + (f"\nhint: {error.hint}" if error.hint else "")
        ET.SubElement(case, "error", message=error.message, type="drift-error").text = text
    count = str(len(report.run_errors))
    for key, value in (("tests", count), ("failures", "0"), ("errors", count), ("skipped", "0")):
        suite.set(key, value)
    return suite


def _suite(report: DriftReport, drift: ApiDrift, fail_on: FailOn, explode: bool) -> ET.Element:
    suite = ET.Element("testsuite", name=drift.name)
    failures = errors = skipped = 0
    if drift.error is not None:
        case = ET.SubElement(suite, "testcase", classname=drift.name, name=drift.name)
        ET.SubElement(case, "error", message=drift.error.message, type="drift-error").text = _error_text(drift)
        errors = 1
    elif drift.skipped is not None:
        case = ET.SubElement(suite, "testcase", classname=drift.name, name=drift.name)
        ET.SubElement(case, "skipped", message=drift.skipped)
        skipped = 1
    else:
        causes = [finding.change for finding in report.findings(drift, explode=explode)]
        for name, changes in _cases(drift, causes):
            case = ET.SubElement(suite, "testcase", classname=drift.name, name=name)
            failing = [change for change in changes if fail_on.fails(change)]
            passing = [change for change in changes if not fail_on.fails(change)]
            if failing:
                failures += 1
                worst = failing[0].severity  # changes arrive sorted, breaking first
                failure = ET.SubElement(
                    case, "failure", message=f"{wording.plural(len(failing), 'change')} ({worst})", type=str(worst)
                )
                failure.text = "\n".join(_line(change) for change in failing)
            if passing:
                ET.SubElement(case, "system-out").text = "\n".join(_line(change) for change in passing)
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    return suite


def _cases(drift: ApiDrift, changes: list[Change]) -> list[tuple[str, list[Change]]]:
    """(case name, its changes): every operation in order, then any only a change names, then the API."""
    by_case: dict[str, list[Change]] = {operation: [] for operation in drift.operations}
    contract_wide: list[Change] = []
    for change in changes:
        if not change.operations:
            contract_wide.append(change)
        for operation in change.operations:
            by_case.setdefault(operation, []).append(change)
    cases = list(by_case.items())
    if contract_wide:
        cases.append((drift.name, contract_wide))
    return cases


def _line(change: Change) -> str:
    extra = f" ({wording.sunset(change)})" if change.sunset else ""
    if change.source != "diff":  # seen in the vendor's answers (ctk verify's evidence), not in a contract
        extra += f" (source: {change.source})"
    return f"{change.severity}: {change.location or '-'}: {change.message} [{change.id}]{extra}"


def _error_text(drift: ApiDrift) -> str:
    assert drift.error is not None
    return str(drift.error) + (f"\nhint: {drift.error.hint}" if drift.error.hint else "")

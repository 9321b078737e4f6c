"""``ctk verify``'s report in each ``--format``: text (the terminal's), json, junit and markdown.

Each renderer returns a string; ``ctk verify`` writes it to stdout or ``-o FILE`` after scrubbing every
credential from it once more. JUnit has one suite per API and one case per operation, named
``api[OPERATION]`` as ``pytest --ctk-verify`` names its items; a case fails with each of its failures and
their reproductions, an operation not sent is a skipped case, an API that could not run is an error case.
Built with ElementTree, so every message is escaped by the XML writer rather than by hand.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

from toolkit.evidence import public_url
from toolkit.verify.core import FORMATS, Failure
from toolkit.verify.report import VerifyReport, api_status
from toolkit.verify.runner import ApiResult

__all__ = ["FORMATS", "render"]

_VERDICT = {
    "conforms": "conforms",
    "fails": "FAILS",
    "error": "could not run",
    "stopped": "stopped",
    "planned": "plan",
}


def render(report: VerifyReport, output_format: str) -> str:
    renderers: dict[str, Callable[[VerifyReport], str]] = {
        "text": _text,
        "json": _json,
        "junit": _junit,
        "markdown": _markdown,
    }
    return renderers[output_format](report)


def _json(report: VerifyReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def _headline(result: ApiResult) -> str:
    return (
        f"{result.api} ({result.protocol}) {public_url(result.base_url)}: {_VERDICT[api_status(result)]} — "
        f"{result.done}/{len(result.operations)} operations, {len(result.failures)} failures, "
        f"{result.sent} requests ({result.budget_left} of {result.budget} budget left), "
        f"seed {result.seed}, {result.examples} examples per operation{', --unsafe' if result.unsafe else ''}"
    )


def _text(report: VerifyReport) -> str:
    lines: list[str] = [f"error: {error}" for error in report.errors]
    for result in report.results:
        lines.append(_headline(result))
        if result.error is not None:
            lines.append(f"  error: {result.error}")
        if result.stop_reason is not None:
            lines.append(f"  stopped: {result.stop_reason}")
        for call in result.plan:
            lines.append(f"  would send {call.method} {call.url}  [{'safe' if call.safe else 'unsafe'}] {call.body}")
        for failure in result.failures:
            lines.append(f"  FAIL {failure.operation}  {failure.check}{_at(failure)}: {failure.message}")
            if failure.reproduction:
                lines += ["       " + line for line in failure.reproduction.splitlines()]
        for operation, why in result.not_sent.items():
            lines.append(f"  not sent: {operation} ({why})")
        for operation, why in result.skipped.items():
            lines.append(f"  skipped: {operation} ({why})")
        for change in report.observed.get(result.api, []):
            lines.append(f"  observed [{change.severity}] {change.id}: {change.message}")
        if result.evidence_path:
            lines.append(f"  evidence: {result.evidence_path} (ctk drift reads it)")
    total_ops = sum(result.done for result in report.results)
    lines.append(
        f"{len(report.results)} API{'s' if len(report.results) != 1 else ''}, {total_ops} operations verified, "
        f"{report.failures} failures; exit {report.exit_code}"
    )
    return "\n".join(lines) + "\n"


def _at(failure: Failure) -> str:
    return f" at {failure.place}" if failure.place else ""


def _junit(report: VerifyReport) -> str:
    suites = ET.Element("testsuites", name="ctk verify")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if report.errors:
        suite = ET.SubElement(suites, "testsuite", name="ctk verify", tests="1", errors="1", failures="0")
        case = ET.SubElement(suite, "testcase", name="ctk verify", classname="ctk verify")
        ET.SubElement(case, "error", message=report.errors[0]).text = "\n".join(report.errors)
        totals["tests"] += 1
        totals["errors"] += 1
    for result in report.results:
        suite = ET.SubElement(suites, "testsuite", name=result.api)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if result.error is not None or api_status(result) == "stopped":
            case = ET.SubElement(suite, "testcase", name=result.api, classname=result.api)
            reason = result.error or result.stop_reason or ""
            ET.SubElement(case, "error", message=reason[:200]).text = reason
            counts["tests"] += 1
            counts["errors"] += 1
        by_operation: dict[str, list[Failure]] = {}
        for failure in result.failures:
            by_operation.setdefault(failure.operation, []).append(failure)
        for operation in result.operations:
            case = ET.SubElement(suite, "testcase", name=f"{result.api}[{operation}]", classname=result.api)
            counts["tests"] += 1
            failures = by_operation.get(operation, [])
            if failures:
                counts["failures"] += 1
                text = "\n\n".join(
                    f"{f.check}{_at(f)}: {f.message}" + (f"\n{f.reproduction}" if f.reproduction else "")
                    for f in failures
                )
                ET.SubElement(case, "failure", message=f"{failures[0].check}: {failures[0].message}"[:300]).text = text
            elif operation in result.skipped:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=result.skipped[operation])
        for operation, why in result.not_sent.items():
            case = ET.SubElement(suite, "testcase", name=f"{result.api}[{operation}]", classname=result.api)
            ET.SubElement(case, "skipped", message=why)
            counts["tests"] += 1
            counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(report: VerifyReport) -> str:
    lines = ["# ctk verify", ""]
    lines += [f"**Error:** {_cell(error)}" for error in report.errors]
    for result in report.results:
        lines += [f"## {result.api}: {_VERDICT[api_status(result)]}", "", _cell(_headline(result)), ""]
        if result.error is not None:
            lines += [f"**Could not run:** {_cell(result.error)}", ""]
        if result.stop_reason is not None:
            lines += [f"**Stopped:** {_cell(result.stop_reason)}", ""]
        if result.plan:
            lines += ["| operation | request | safe | note |", "|---|---|---|---|"]
            lines += [
                f"| {_cell(c.operation)} | `{c.method} {_cell(c.url)}` | {_yes(c.safe)} | {_cell(c.body)} |"
                for c in result.plan
            ]
            lines.append("")
        if result.failures:
            lines += ["| operation | check | place | message |", "|---|---|---|---|"]
            lines += [
                f"| {_cell(f.operation)} | {f.check} | {_cell(f.place)} | {_cell(f.message)} |" for f in result.failures
            ]
            lines += ["", "<details><summary>Reproductions</summary>", ""]
            for failure in result.failures:
                if failure.reproduction:
                    lines += [f"{failure.operation} ({failure.check}):", "```", failure.reproduction, "```", ""]
            lines += ["</details>", ""]
        if result.not_sent or result.skipped:
            lines += [f"- not sent: {_cell(op)} ({_cell(why)})" for op, why in result.not_sent.items()]
            lines += [f"- skipped: {_cell(op)} ({_cell(why)})" for op, why in result.skipped.items()]
            lines.append("")
        observed = report.observed.get(result.api, [])
        if observed:
            lines += ["### What the vendor already does", ""]
            lines += [f"- **{change.severity}** `{change.id}`: {_cell(change.message)}" for change in observed]
            lines.append("")
    lines.append(f"{report.failures} failures; exit {report.exit_code}")
    return "\n".join(lines) + "\n"

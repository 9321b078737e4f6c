"""The HTML report: one self-contained page to attach to a CI run or mail to a vendor.

No external resources and no scripts at all (a Content-Security-Policy forbids them, should a
message ever slip through unescaped); every value from a contract is escaped, since vendors write
the descriptions and messages quote them.

Readable on a Stripe-size pair: one row per cause (``explode``: per change); the table is laid out
to the page's width, so it never runs off the screen: rule ids never break (``white-space: nowrap``),
messages, locations and operations wrap anywhere they must; an operation list longer than a few
entries is collapsed in a ``<details>``. The head names the date, the ctk version and both inputs of
every API. ``summary``: the counts and the top causes only.
"""

from __future__ import annotations

from html import escape

from toolkit.drift import findings as grouping
from toolkit.drift import wording
from toolkit.drift.findings import Finding
from toolkit.drift.report import SEVERITIES, ApiDrift, DriftReport, FailOn

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;padding:0 1rem;color:#1b1f24;
max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f6f8fa;white-space:nowrap}td.n{text-align:right}
code{font-size:.85rem}
td,li,p,h1,h2,h3,summary{overflow-wrap:anywhere}
td.name{min-width:6rem}
td.ops{width:16%;min-width:9rem}
td.loc{width:28%;min-width:10rem}
td.msg{width:35%;min-width:12rem}
.rule,.rule code,.sev{white-space:nowrap;word-break:keep-all;overflow-wrap:normal}
details summary{cursor:pointer}
.breaking{color:#b42318;font-weight:600}.dangerous{color:#9a6700;font-weight:600}.info{color:#0969da}
.error{color:#b42318}.ignored{color:#57606a}.summary{font-weight:600}.meta{color:#57606a}
"""
_STATUS = {
    "error": '<span class="error">error</span>',
    "skipped": '<span class="ignored">skipped</span>',
    "fails": '<span class="breaking">fails</span>',
    "passes": "passes",
}
_OPERATIONS_SHOWN = 3
TOP_CAUSES = 10


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def render(
    report: DriftReport, fail_on: FailOn = FailOn.BREAKING, *, summary: bool = False, explode: bool = False
) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>API drift report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>API drift report</h1>",
        f'<p class="meta">Made by {_e(wording.generated(report))}.</p>',
    ]
    for api, error in report.all_errors:
        if api is None:
            parts.append(f'<p class="error">error: {_e(wording.error(None, error))}</p>')
    parts.append(f'<p class="summary">{_e(wording.summary(report, fail_on, explode=explode))}</p>')
    if report.apis:
        parts.append(
            "<table><thead><tr><th>API</th><th>protocol</th><th>old → new</th><th>breaking</th><th>dangerous</th>"
            "<th>info</th><th>ignored</th><th>status</th></tr></thead><tbody>"
        )
    for drift in report.apis:
        counts = report.finding_counts(drift, explode=explode)
        numbers = "".join(f'<td class="n">{counts[severity]}</td>' for severity in SEVERITIES)
        status = _STATUS[wording.status(report, drift, fail_on)]
        parts.append(
            f'<tr><td class="name"><a href="#api-{_e(drift.name)}">{_e(drift.name)}</a></td>'
            f"<td>{_e(drift.protocol or '-')}</td>"
            f'<td>{_e(wording.sources(drift))}</td>{numbers}<td class="n">{len(report.ignored(drift))}</td>'
            f"<td>{status}</td></tr>"
        )
    if report.apis:
        parts.append("</tbody></table>")
    parts.extend(_top(report, explode))
    if not summary:
        for drift in report.apis:
            parts.extend(_section(report, drift, explode))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _top(report: DriftReport, explode: bool) -> list[str]:
    pairs = [(drift.name, f) for drift in report.apis for f in report.findings(drift, explode=explode)]
    if len(pairs) < 2:
        return []
    owner = {id(f): name for name, f in pairs}
    causes = grouping.top([f for _, f in pairs], TOP_CAUSES)
    parts = [
        f"<h2>Top {_e(wording.plural(len(causes), 'cause'))}</h2>",
        '<table class="findings"><thead><tr><th>API</th><th>severity</th><th>rule</th><th>reaches</th>'
        "<th>location</th><th>change</th></tr></thead><tbody>",
    ]
    parts += [
        f'<tr><td class="name">{_e(owner[id(f)])}</td><td class="sev {_e(f.severity)}">{_e(f.severity)}</td>'
        f'<td class="rule"><code>{_e(f.id)}</code></td><td class="ops">{_e(wording.reach(f))}</td>'
        f'<td class="loc"><code>{_e(f.location or "-")}</code></td><td class="msg">{_e(f.message)}</td></tr>'
        for f in causes
    ]
    parts.append("</tbody></table>")
    return parts


def _section(report: DriftReport, drift: ApiDrift, explode: bool) -> list[str]:
    parts = [
        f'<h2 id="api-{_e(drift.name)}">{_e(drift.name)}</h2>',
        f"<p>old: <code>{_e(drift.old)}</code><br>new: <code>{_e(drift.new)}</code>"
        + (f" ({_e(wording.VIA.get(drift.via, drift.via))})" if wording.VIA.get(drift.via, drift.via) else "")
        + "</p>",
    ]
    if drift.error is not None:
        hint = f"<br>hint: {_e(drift.error.hint)}" if drift.error.hint else ""
        return [*parts, f'<p class="error">error: {_e(drift.error)}{hint}</p>']
    if drift.skipped is not None:
        return [*parts, f'<p class="ignored">skipped: {_e(drift.skipped)}</p>']
    active = report.findings(drift, explode=explode)
    ignored = report.ignored_findings(drift, explode=explode)
    if not active and not ignored:
        parts.append("<p>No changes.</p>")
    for severity in SEVERITIES:
        group = [finding for finding in active if finding.severity is severity]
        if not group:
            continue
        parts.append(f'<h3 class="{_e(severity)}">{_e(str(severity).capitalize())} ({len(group)})</h3>')
        parts.append(
            '<table class="findings"><thead><tr><th>rule</th><th>operation(s)</th><th>location</th><th>change</th>'
            "<th>sunset</th></tr></thead><tbody>"
        )
        parts.extend(_row(finding) for finding in group)
        parts.append("</tbody></table>")
    if ignored:
        parts.append('<p class="ignored">Ignored:</p><ul class="ignored">')
        parts.extend(
            f"<li><code>{_e(item.finding.id)}</code> at <code>{_e(item.finding.location or '-')}</code>: "
            f"{_e(item.finding.message)} — {_e(wording.ignored(item.entry))}</li>"
            for item in ignored
        )
        parts.append("</ul>")
    return parts


def _operations(finding: Finding) -> str:
    operations = finding.operations
    if not operations:
        return "(contract-wide)"
    listed = "<br>".join(_e(op) for op in operations)
    if len(operations) <= _OPERATIONS_SHOWN:
        return listed
    return f"<details><summary>{len(operations)} operations</summary>{listed}</details>"


def _row(finding: Finding) -> str:
    change = finding.change
    notes = f" ({_e(change.source)})" if change.source != "diff" else ""
    if finding.reached:
        shown = "".join(f"<li>{_e(route)}</li>" for route in finding.reached)
        notes += f"<details><summary>reached {len(finding.reached)} ways</summary><ul>{shown}</ul></details>"
    sunset = change.sunset.isoformat() if change.sunset else ""
    return (
        f'<tr><td class="rule {_e(change.severity)}"><code>{_e(change.id)}</code></td>'
        f'<td class="ops">{_operations(finding)}</td><td class="loc"><code>{_e(change.location or "-")}</code></td>'
        f'<td class="msg">{_e(change.message)}{notes}</td><td class="sev">{sunset}</td></tr>'
    )

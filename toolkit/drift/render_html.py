"""The HTML report: one self-contained page to attach to a CI run or mail to a vendor.

No external resources and no scripts at all (a Content-Security-Policy forbids them, should a
message ever slip through unescaped); every value from a contract is escaped, since vendors write
the descriptions and messages quote them.
"""

from __future__ import annotations

from html import escape

from toolkit.drift import wording
from toolkit.drift.report import SEVERITIES, ApiDrift, DriftReport, FailOn
from toolkit.model import Change

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1b1f24;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f6f8fa}td.n{text-align:right}code{font-size:.85rem;word-break:break-all}
.breaking{color:#b42318;font-weight:600}.dangerous{color:#9a6700;font-weight:600}.info{color:#0969da}
.error{color:#b42318}.ignored{color:#57606a}.summary{font-weight:600}
"""
_STATUS = {
    "error": '<span class="error">error</span>',
    "fails": '<span class="breaking">fails</span>',
    "passes": "passes",
}


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def render(report: DriftReport, fail_on: FailOn = FailOn.BREAKING) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>API drift report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>API drift report</h1>",
        f'<p class="summary">{_e(wording.summary(report, fail_on))}</p>',
        "<table><thead><tr><th>API</th><th>protocol</th><th>breaking</th><th>dangerous</th><th>info</th>"
        "<th>ignored</th><th>status</th></tr></thead><tbody>",
    ]
    for drift in report.apis:
        counts = report.counts(drift)
        numbers = "".join(f'<td class="n">{counts[severity]}</td>' for severity in SEVERITIES)
        status = _STATUS[wording.status(report, drift, fail_on)]
        parts.append(
            f'<tr><td><a href="#api-{_e(drift.name)}">{_e(drift.name)}</a></td><td>{_e(drift.protocol or "-")}</td>'
            f'{numbers}<td class="n">{len(report.ignored(drift))}</td><td>{status}</td></tr>'
        )
    parts.append("</tbody></table>")
    for drift in report.apis:
        parts.extend(_section(report, drift))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _section(report: DriftReport, drift: ApiDrift) -> list[str]:
    parts = [f'<h2 id="api-{_e(drift.name)}">{_e(drift.name)}</h2>', f"<p>{_e(wording.sources(drift))}</p>"]
    if drift.error is not None:
        hint = f"<br>hint: {_e(drift.error.hint)}" if drift.error.hint else ""
        return [*parts, f'<p class="error">error: {_e(drift.error)}{hint}</p>']
    active = report.active(drift)
    ignored = report.ignored(drift)
    if not active and not ignored:
        parts.append("<p>No changes.</p>")
    if active:
        parts.append(
            "<table><thead><tr><th>severity</th><th>rule</th><th>operation(s)</th><th>location</th><th>change</th>"
            "<th>sunset</th></tr></thead><tbody>"
        )
        parts.extend(_row(change) for change in active)
        parts.append("</tbody></table>")
    if ignored:
        parts.append('<p class="ignored">Ignored:</p><ul class="ignored">')
        parts.extend(
            f"<li><code>{_e(item.change.id)}</code> at <code>{_e(item.change.location or '-')}</code>: "
            f"{_e(item.change.message)} — {_e(wording.ignored(item.entry))}</li>"
            for item in ignored
        )
        parts.append("</ul>")
    return parts


def _row(change: Change) -> str:
    operations = "<br>".join(_e(op) for op in change.operations) or "(contract-wide)"
    source = f" ({_e(change.source)})" if change.source != "diff" else ""
    sunset = change.sunset.isoformat() if change.sunset else ""
    return (
        f'<tr><td class="{_e(change.severity)}">{_e(change.severity)}</td><td><code>{_e(change.id)}</code></td>'
        f"<td>{operations}</td><td><code>{_e(change.location or '-')}</code></td><td>{_e(change.message)}{source}</td>"
        f"<td>{sunset}</td></tr>"
    )

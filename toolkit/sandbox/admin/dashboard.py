"""The dashboard at ``/__ctk/``: one server-rendered page for a person, and the two static files it loads.

``page(sandbox)`` renders the APIs and their operations, the scenario and fault switches and the reload banner as
plain HTML, so the page says what is served even without JavaScript. ``static/dashboard.js`` adds the live parts:
the journal polled from ``/__ctk/requests``, the charts drawn from it as inline SVG, and the switches, which call
the admin API (``PUT /__ctk/faults/{api}``, ``PUT /__ctk/scenarios/{api}``). No framework, no build step, nothing
fetched from the internet.

The page reads what it shows from the sandbox's own admin endpoints (``GET /__ctk/apis``, ``GET /__ctk/reload``),
so it shows exactly what the JSON API says. Every value is escaped: an API's name or an operation's path comes
from a contract, which may be hostile too. ``PAGE_HEADERS`` are the headers the page and the static files are
served with: a Content-Security-Policy allowing only this origin's files (no inline script), and ``nosniff``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from toolkit import protocols
from toolkit.exchange import MockResult, Request
from toolkit.mock.handler import ADMIN_PREFIX
from toolkit.model import Protocol

__all__ = ["PAGE_HEADERS", "STATIC_TYPES", "page", "static"]

PAGE_HEADERS: tuple[tuple[str, str], ...] = (
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
)

# The only files /__ctk/static/ serves, by name: a name is looked up here, never joined to a path.
STATIC_TYPES: Mapping[str, str] = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}

# The fault switches (static/dashboard.js knows what each sets in the API's faults table).
_SWITCHES = (
    ("errors", "Fail every request", "error_rate = 1: each answer is the operation's declared error"),
    ("latency", "Slow (+500 ms)", "latency = { fixed_ms = 500 }"),
    ("resets", "Reset connections (25 %)", "connection = { reset = 0.25 }"),
)
_OPEN_OPERATIONS = 15  # an API with more operations shows them folded

Answering = Callable[[Request], MockResult]


def static(name: str) -> tuple[str, bytes] | None:
    """A static file of the dashboard: (content type, bytes), or None for any name not in ``STATIC_TYPES``."""
    kind = STATIC_TYPES.get(name)
    if kind is None:
        return None
    return kind, _read_static(name)


@cache
def _read_static(name: str) -> bytes:
    return (resources.files(__package__) / "static" / name).read_bytes()


def page(sandbox: Answering) -> bytes:
    """The dashboard's HTML for the APIs ``sandbox`` serves now."""
    apis_doc = _admin_document(sandbox, "/apis")
    reload_doc = _admin_document(sandbox, "/reload")
    apis = apis_doc.get("apis")
    known = [api for api in apis if isinstance(api, dict)] if isinstance(apis, list) else []
    generation = reload_doc.get("generation", 0)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>ctk sandbox</title>",
        '<link rel="icon" href="data:,">',  # no favicon request: one 404 fewer in the journal and the console
        f'<link rel="stylesheet" href="{ADMIN_PREFIX}/static/dashboard.css">',
        f'<script src="{ADMIN_PREFIX}/static/dashboard.js" defer></script>',
        f'</head><body data-generation="{_text(generation)}">',
        _header(known),
        _reload_banner(reload_doc),
        "<main>",
        _apis_section(known, apis_doc),
        _charts_section(),
        _journal_section(known),
        "</main></body></html>",
    ]
    return "\n".join(parts).encode()


def _admin_document(sandbox: Answering, path: str) -> dict[str, Any]:
    """The JSON object the sandbox's admin endpoint answers, or ``{"_error": why}`` when it cannot."""
    try:
        result = sandbox(Request("GET", ADMIN_PREFIX + path, headers=(("accept", "application/json"),)))
        document = json.loads(result.response.body)
    except ValueError as error:
        return {"_error": f"GET {ADMIN_PREFIX}{path} did not answer JSON ({error})"}
    if result.response.status != 200 or not isinstance(document, dict):
        detail = document.get("detail", "") if isinstance(document, dict) else ""
        return {"_error": f"GET {ADMIN_PREFIX}{path} answered {result.response.status} {detail}".rstrip()}
    return document


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _header(apis: Sequence[dict[str, Any]]) -> str:
    count = len(apis)
    operations = sum(len(api.get("operations") or ()) for api in apis)
    links = " ".join(
        f'<a href="{ADMIN_PREFIX}/{target}">{label}</a>'
        for target, label in (("openapi.json", "admin API"), ("requests", "journal JSON"), ("metrics", "metrics"))
    )
    return (
        '<header class="top"><h1>ctk sandbox</h1>'
        f'<span class="meta">{count} API{"" if count == 1 else "s"} · {operations} operations</span>'
        '<span id="live" class="live" data-js-only hidden>● connecting</span>'
        f"<nav>{links}</nav></header>"
    )


def _reload_banner(reload_doc: Mapping[str, Any]) -> str:
    """The error banner of a broken edit: rendered when the page is built, refreshed by the script."""
    error = reload_doc.get("error")
    error = error if isinstance(error, dict) else {}
    message = f"The last edit could not be loaded: {error.get('message', '')}" if error else ""
    where = f"Where: {error['where']}" if error.get("where") else ""
    hint = f"Hint: {error['hint']}" if error.get("hint") else ""
    still = f"The sandbox still serves generation {reload_doc.get('generation', 0)}." if error else ""
    return (
        f'<div id="reload-banner" class="banner error" role="alert"{"" if error else " hidden"}>'
        f'<strong class="message">{_text(message)}</strong><span class="where">{_text(where)}</span>'
        f'<span class="hint">{_text(hint)}</span><span class="still">{_text(still)}</span></div>'
        '<div id="reload-changed" class="banner" hidden>The workspace was reloaded: '
        f'<a href="{ADMIN_PREFIX}/">refresh the page</a> to see its APIs.</div>'
    )


def _protocol_label(value: object) -> str:
    try:
        return protocols.label(Protocol(str(value)))
    except (ValueError, KeyError):
        return str(value)


def _apis_section(apis: Sequence[dict[str, Any]], apis_doc: Mapping[str, Any]) -> str:
    if "_error" in apis_doc:
        body = f'<p class="control-error">The APIs could not be listed: {_text(apis_doc["_error"])}</p>'
    elif not apis:
        body = '<p class="empty">No API is served.</p>'
    else:
        body = '<div class="apis">' + "".join(_api_card(api) for api in apis) + "</div>"
    return f'<section id="apis" aria-labelledby="apis-title"><h2 id="apis-title">APIs</h2>{body}</section>'


def _api_card(api: Mapping[str, Any]) -> str:
    name = str(api.get("name", ""))
    mount = str(api.get("mount", "")) or "/"
    operations = [op for op in api.get("operations") or () if isinstance(op, dict)]
    badges = f'<span class="badge protocol">{_text(_protocol_label(api.get("protocol", "")))}</span>'
    badges += f"<code>{_text(mount)}</code>"
    if api.get("state"):
        badges += '<span class="badge" title="what clients create can be read back">state</span>'
    rows = "".join(_operation_row(op) for op in operations)
    table = (
        '<table class="ops"><thead><tr><th class="method">method</th><th>path</th><th>operation</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    opened = " open" if len(operations) <= _OPEN_OPERATIONS else ""
    count = len(operations)
    summary = f"{count} operation{'' if count == 1 else 's'}"
    return (
        f'<article class="api" data-api="{_text(name)}"><header><h3>{_text(name)}</h3>{badges}</header>'
        f"{_controls(api)}<details{opened}><summary>{summary}</summary>{table}</details></article>"
    )


def _operation_row(op: Mapping[str, Any]) -> str:
    marked = ' class="deprecated"' if op.get("deprecated") else ""
    return (
        f'<tr{marked}><td class="method">{_text(op.get("method", ""))}</td>'
        f'<td class="mono">{_text(op.get("path", ""))}</td><td class="op-id">{_text(op.get("id", ""))}</td></tr>'
    )


def _controls(api: Mapping[str, Any]) -> str:
    """The scenario select and the fault switches, disabled until the script has read their current state."""
    name = str(api.get("name", ""))
    scenarios = [str(item) for item in api.get("scenarios") or ()]
    parts = ['<div class="controls">']
    if scenarios:
        options = '<option value="">(no scenario)</option>' + "".join(
            f'<option value="{_text(item)}">{_text(item)}</option>' for item in scenarios
        )
        parts.append(
            f'<label>Scenario <select data-scenario aria-label="scenario of {_text(name)}" disabled>'
            f"{options}</select></label>"
        )
    for key, label, sets in _SWITCHES:
        parts.append(
            f'<label class="switch" title="{_text(sets)}"><input type="checkbox" role="switch" data-fault="{key}" '
            f'aria-label="{_text(label)} ({_text(name)})" disabled>{_text(label)}</label>'
        )
    parts.append('<span class="faults-now" data-js-only hidden></span>')
    parts.append('<span class="control-error" role="status" hidden></span>')
    parts.append("</div>")
    return "".join(parts)


def _charts_section() -> str:
    figures = (
        ("chart-rate", "Requests per 10 s, last 5 minutes"),
        ("chart-latency", "Latency: requests per band (ms, upper bound)"),
        ("chart-status", "Status mix per API"),
    )
    body = "".join(
        f'<figure><figcaption>{caption}</figcaption><div id="{target}" class="chart-box"></div>'
        + (
            '<div class="legend"><span><i class="s2"></i>2xx</span><span><i class="s3"></i>3xx</span>'
            '<span><i class="s4"></i>4xx</span><span><i class="s5"></i>5xx</span></div>'
            if target == "chart-status"
            else ""
        )
        + "</figure>"
        for target, caption in figures
    )
    return (
        '<section id="traffic" aria-labelledby="traffic-title"><h2 id="traffic-title">Traffic</h2>'
        f'<div class="charts">{body}</div>'
        '<p class="empty" data-no-js>The charts and the journal need JavaScript; the same data is at '
        f'<a href="{ADMIN_PREFIX}/requests">{ADMIN_PREFIX}/requests</a> and '
        f'<a href="{ADMIN_PREFIX}/metrics">{ADMIN_PREFIX}/metrics</a>.</p></section>'
    )


def _journal_section(apis: Sequence[dict[str, Any]]) -> str:
    options = '<option value="">all APIs</option>' + "".join(
        f'<option value="{_text(api.get("name", ""))}">{_text(api.get("name", ""))}</option>' for api in apis
    )
    columns = "".join(
        f'<col class="{name}">' for name in ("time", "api", "path", "status", "latency", "operation", "notes")
    )
    heads = "".join(
        f"<th>{label}</th>" for label in ("time", "API", "request", "status", "latency", "operation", "notes")
    )
    return (
        '<section id="journal" aria-labelledby="journal-title"><h2 id="journal-title">Journal</h2>'
        '<div class="toolbar">'
        f'<label>API <select id="filter-api" disabled>{options}</select></label>'
        '<label><input type="checkbox" id="only-problems" disabled> only problems</label>'
        '<button type="button" id="clear-journal" disabled>Clear journal</button>'
        '<span id="journal-count" class="count"></span></div>'
        f'<table class="journal"><colgroup>{columns}</colgroup><thead><tr>{heads}</tr></thead>'
        '<tbody id="journal-rows"></tbody></table>'
        '<p id="journal-empty" class="empty">No request yet: call an API and it appears here.</p></section>'
    )

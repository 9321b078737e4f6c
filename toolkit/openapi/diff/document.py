"""Document-wide changes: webhooks, security schemes and their OAuth flows, component schemas, servers.

oasdiff has no rule for servers; ctk adds ``api-server-removed`` (a client configured with that base
URL stops working: breaking) and ``api-server-added`` (info), named in oasdiff's style.
"""

from __future__ import annotations

from typing import Any

from toolkit.documents import pointer
from toolkit.openapi.diff.emit import Emitter
from toolkit.openapi.diff.facts import as_dict
from toolkit.openapi.diff.nodes import Side


def _section(side: Side, *keys: str) -> dict[str, Any]:
    value: Any = side.root.value
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def compare_document(old: Side, new: Side, out: Emitter) -> None:
    _webhooks(old, new, out)
    _security_schemes(old, new, out)
    _schemas(old, new, out)
    _servers(old, new, out)


def _webhooks(old: Side, new: Side, out: Emitter) -> None:
    before, after = _section(old, "webhooks"), _section(new, "webhooks")
    for name in before:
        if name not in after:
            out.add("webhook-removed", f"webhook `{name}` was removed", None, pointer("webhooks", name), "/webhooks")
    for name in after:
        if name not in before:
            out.add("webhook-added", f"webhook `{name}` was added", None, "/webhooks", pointer("webhooks", name))


def _security_schemes(old: Side, new: Side, out: Emitter) -> None:
    path = ("securityDefinitions",) if old.swagger else ("components", "securitySchemes")
    before = _section(old, *path)
    after = _section(new, *(("securityDefinitions",) if new.swagger else ("components", "securitySchemes")))
    for name in before:
        if name not in after:
            out.add(
                "api-security-component-removed",
                f"security scheme `{name}` was removed",
                None,
                pointer(*path, name),
                pointer(*path),
            )
    for name in after:
        if name not in before:
            out.add(
                "api-security-component-added",
                f"security scheme `{name}` was added",
                None,
                pointer(*path),
                pointer(*path, name),
            )
    for name, a in before.items():
        b = after.get(name)
        if not isinstance(a, dict) or not isinstance(b, dict) or a == b:
            continue
        here = pointer(*path, name)
        if a.get("type") != b.get("type"):
            out.add(
                "api-security-component-type-changed",
                f"security scheme `{name}` changed type from {a.get('type')} to {b.get('type')}",
                None,
                here,
                here,
            )
        for flow, fa, fb in _flows(a, b):
            for key, rule in (
                ("authorizationUrl", "api-security-component-oauth-url-changed"),
                ("tokenUrl", "api-security-component-oauth-token-url-changed"),
            ):
                if fa.get(key) != fb.get(key):
                    out.add(
                        rule,
                        f"security scheme `{name}` ({flow} flow): {key} changed from {fa.get(key)} to {fb.get(key)}",
                        None,
                        here,
                        here,
                    )
            sa, sb = as_dict(fa.get("scopes")), as_dict(fb.get("scopes"))
            for scope in sa:
                if scope not in sb:
                    out.add(
                        "api-security-component-oauth-scope-removed",
                        f"security scheme `{name}` ({flow} flow): scope `{scope}` was removed",
                        None,
                        here,
                        here,
                    )
                elif sa[scope] != sb[scope]:
                    out.add(
                        "api-security-component-oauth-scope-changed",
                        f"security scheme `{name}` ({flow} flow): scope `{scope}` changed",
                        None,
                        here,
                        here,
                    )
            for scope in sb:
                if scope not in sa:
                    out.add(
                        "api-security-component-oauth-scope-added",
                        f"security scheme `{name}` ({flow} flow): scope `{scope}` was added",
                        None,
                        here,
                        here,
                    )


def _flows(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    if isinstance(a.get("flows"), dict) or isinstance(b.get("flows"), dict):
        fa, fb = as_dict(a.get("flows")), as_dict(b.get("flows"))
        return [(k, fa[k], fb[k]) for k in fa if k in fb and isinstance(fa[k], dict) and isinstance(fb[k], dict)]
    if a.get("type") == "oauth2" and b.get("type") == "oauth2":  # Swagger 2.0: one flow, inline
        return [(str(a.get("flow", "oauth2")), a, b)]
    return []


def _schemas(old: Side, new: Side, out: Emitter) -> None:
    path = ("definitions",) if old.swagger else ("components", "schemas")
    after = _section(new, *(("definitions",) if new.swagger else ("components", "schemas")))
    for name in _section(old, *path):
        if name not in after:
            out.add("api-schema-removed", f"component schema `{name}` was removed", None, pointer(*path, name), None)


def _servers(old: Side, new: Side, out: Emitter) -> None:
    before, after = old.contract.servers, new.contract.servers
    where_old = "/servers" if not old.swagger else "/host"
    where_new = "/servers" if not new.swagger else "/host"
    out.members("api-server", "server", before, after, None, where_old, where_new)

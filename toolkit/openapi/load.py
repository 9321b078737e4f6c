"""Loading OpenAPI 2.0 (Swagger), 3.0 and 3.1 documents into the neutral model.

Real vendor specs are often slightly off-spec (Stripe's Swagger uses oneOf, 3.1 documents
still say ``nullable``); those are reported as warnings and loading goes on. Only what makes
the document meaningless (no version, ``paths`` that is not a mapping, a ``$ref`` to nowhere)
is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.documents import pointer
from toolkit.errors import LoadError, UnknownFormatError
from toolkit.model import Contract, HttpOperation, Location, Problem, Protocol, Severity
from toolkit.openapi.refs import Resolver, find_pointer
from toolkit.sources import Source, SourceReader, display_name
from toolkit.sunset import parse_sunset

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SERVER_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass(eq=False)
class OpenAPIContract(Contract):
    """An OpenAPI contract: the parsed root document, every referenced document, and the servers."""

    spec_version: str = ""  # "2.0", "3.0" or "3.1"
    document: dict[str, Any] = field(default_factory=dict)
    resolver: Resolver | None = None
    servers: tuple[str, ...] = ()
    webhooks: tuple[HttpOperation, ...] = ()


def is_openapi(data: Any) -> bool:
    return isinstance(data, dict) and ("openapi" in data or "swagger" in data)


def load_parsed(source: Source, text: str, data: Any, reader: SourceReader) -> OpenAPIContract | None:
    """The OpenAPI contract a parsed JSON or YAML document holds, or None when it is not OpenAPI (the protocol
    table's ``load_data`` job: ``toolkit.load`` asks each protocol in turn)."""
    return load_openapi(source, text, data, reader) if is_openapi(data) else None


def load_openapi(source: Source, text: str, data: dict[str, Any], reader: SourceReader) -> OpenAPIContract:
    """``text`` is ``source`` decoded, as the caller parsed it; kept to place messages by line."""
    spec_version = _spec_version(source, data)
    resolver = Resolver(reader, source, text, data)
    resolver.check_all()
    warnings = _Warnings(resolver, source.uri)

    info: dict[str, Any] = data["info"] if isinstance(data.get("info"), dict) else {}
    if not info:
        warnings.add("/info", "the document has no info object")
    title = _text(info.get("title"))
    version = _text(info.get("version"))
    if not title:
        warnings.add("/info/title", "info.title is missing")
    if not version:
        warnings.add("/info/version", "info.version is missing")

    operations = tuple(_operations(data, "paths", resolver, warnings, spec_version))
    webhooks = tuple(_operations(data, "webhooks", resolver, warnings, spec_version)) if spec_version == "3.1" else ()
    _deviations(data, spec_version, warnings)
    return OpenAPIContract(
        protocol=Protocol.OPENAPI,
        title=title or Path(source.uri).stem,
        version=version,
        source=source.uri,
        operations=operations,
        files=tuple(resolver.documents),
        warnings=tuple(warnings.problems),
        spec_version=spec_version,
        document=data,
        resolver=resolver,
        servers=_servers(data, spec_version),
        webhooks=webhooks,
    )


def _spec_version(source: Source, data: dict[str, Any]) -> str:
    if "swagger" in data:
        declared = _text(data["swagger"])
        if declared in ("2.0", "2"):
            return "2.0"
        raise UnknownFormatError(
            f"swagger: {declared!r} is not a version ctk reads",
            where=f"{source.name}#/swagger",
            hint="ctk reads Swagger 2.0",
        )
    declared = _text(data.get("openapi"))
    match = re.match(r"^3\.(\d+)", declared)
    if not match:
        raise UnknownFormatError(
            f"openapi: {declared!r} is not a version ctk reads",
            where=f"{source.name}#/openapi",
            hint="ctk reads OpenAPI 2.0, 3.0 and 3.1",
        )
    return "3.0" if match.group(1) == "0" else "3.1"


class _Warnings:
    def __init__(self, resolver: Resolver, uri: str) -> None:
        self.resolver = resolver
        self.uri = uri
        self.problems: list[Problem] = []

    def add(self, json_pointer: str, message: str, *, uri: str | None = None) -> None:
        self.problems.append(
            Problem(Severity.WARNING, Location(display_name(uri or self.uri), path=json_pointer), message)
        )


def _operations(
    data: dict[str, Any], section: str, resolver: Resolver, warnings: _Warnings, spec_version: str
) -> list[HttpOperation]:
    items = data.get(section)
    if items is None:
        if section == "paths" and spec_version != "3.1":
            warnings.add("/paths", "the document has no paths object")
        return []
    if not isinstance(items, dict):
        raise LoadError(
            f"{section} must be a mapping of {'paths' if section == 'paths' else 'webhook names'} to path items",
            where=resolver.place(resolver.root_uri, f"/{section}"),
        )
    operations: list[HttpOperation] = []
    for key, raw_item in items.items():
        if key.startswith("x-"):
            continue
        if section == "paths" and not key.startswith("/"):
            warnings.add(pointer(section, key), f"path {key!r} does not start with '/'")
        item, item_uri = resolver.deref(raw_item, resolver.root_uri)
        if not isinstance(item, dict):
            warnings.add(pointer(section, key), "path item is not a mapping; skipped")
            continue
        item_sunset = item.get("x-sunset")
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            operation, _ = resolver.deref(operation, item_uri)
            op_id = f"{method.upper()} {key}" if section == "paths" else f"WEBHOOK {key} {method.upper()}"
            raw_sunset = operation.get("x-sunset", item_sunset)
            sunset = parse_sunset(raw_sunset) if raw_sunset is not None else None
            if raw_sunset is not None and sunset is None:
                warnings.add(
                    pointer(section, key, method, "x-sunset"),
                    f"x-sunset {raw_sunset!r} is not a date (use an ISO date such as 2027-06-30 or an HTTP-date)",
                )
            operation_id = operation.get("operationId")
            operations.append(
                HttpOperation(
                    id=op_id,
                    name=operation_id if isinstance(operation_id, str) and operation_id else op_id,
                    deprecated=operation.get("deprecated") is True,
                    sunset=sunset,
                    summary=_text(operation.get("summary")),
                    method=method.upper(),
                    path=key,
                    operation_id=operation_id if isinstance(operation_id, str) else None,
                )
            )
    return operations


def _servers(data: dict[str, Any], spec_version: str) -> tuple[str, ...]:
    if spec_version == "2.0":
        base_path = _text(data.get("basePath")) or ""
        host = _text(data.get("host"))
        schemes = data.get("schemes") if isinstance(data.get("schemes"), list) else []
        if not host:
            return (base_path or "/",)
        return tuple(f"{scheme}://{host}{base_path}" for scheme in (schemes or ["https"]))
    servers = data.get("servers")
    if not isinstance(servers, list) or not servers:
        return ("/",)
    urls: list[str] = []
    for server in servers:
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        variables: dict[str, Any] = server["variables"] if isinstance(server.get("variables"), dict) else {}

        def substitute(match: re.Match[str], variables: dict[str, Any] = variables) -> str:
            variable = variables.get(match.group(1))
            return _text(variable.get("default")) if isinstance(variable, dict) else match.group(0)

        urls.append(_SERVER_VARIABLE.sub(substitute, server["url"]))
    return tuple(urls) or ("/",)


# Off-spec constructs that real vendors publish and tools commonly accept. Each is reported once,
# with the number of uses and the first place, so a 2 MB spec does not drown the user in warnings.
_FOREIGN_KEYWORDS = {
    "2.0": {
        "oneOf": "oneOf is not part of Swagger 2.0",
        "anyOf": "anyOf is not part of Swagger 2.0",
        "nullable": "nullable is not part of Swagger 2.0 (x-nullable is the usual extension)",
    },
    "3.1": {"nullable": "nullable was removed in OpenAPI 3.1; use a type array such as [string, 'null']"},
}


def _deviations(data: dict[str, Any], spec_version: str, warnings: _Warnings) -> None:
    keywords = _FOREIGN_KEYWORDS.get(spec_version)
    if not keywords:
        return
    counts: dict[str, int] = {}
    first: dict[str, Any] = {}
    seen: set[int] = set()
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            for keyword in keywords:
                # a list for oneOf/anyOf, a boolean for nullable: a property *named* so is a dict
                if isinstance(node.get(keyword), bool if keyword == "nullable" else list):
                    counts[keyword] = counts.get(keyword, 0) + 1
                    first.setdefault(keyword, node)
            # reversed, so the stack pops children in document order and "first" means first in the file
            stack.extend(value for value in reversed(node.values()) if isinstance(value, (dict, list)))
        elif isinstance(node, list):
            stack.extend(value for value in reversed(node) if isinstance(value, (dict, list)))
    for keyword in keywords:
        if keyword not in counts:
            continue
        count = counts[keyword]
        where = find_pointer(data, first[keyword]) or ""
        uses = "once" if count == 1 else f"{count} times"
        warnings.add(f"{where}/{keyword}", f"{keywords[keyword]}; accepted (used {uses})")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)

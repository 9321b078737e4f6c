"""Every bound ctk puts on work that input can ask for: one table, one place to change it.

Where input meets work (a request body, a header, a contract that asks for a billion-character
string), the work is bounded by a named limit with a default sane for a developer's machine and a
shared sandbox alike. ``ctk serve`` takes ``--limit NAME=VALUE`` and sandbox.toml a ``[limits]``
table with the same names; the README's "Limits" section lists them, generated from ``LIMIT_DOCS``
so the two cannot drift apart.

A limit that is exceeded is answered in the protocol's own error form (a 4xx for a client's request,
a lint warning and a clear error for a contract), never with a traceback, a hang or unbounded memory.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from toolkit.errors import ConfigError

KIB = 1024
MIB = 1024 * KIB
# The environment variables that set contract-reading limits when no workspace does (``ctk lint``, ``drift``).
FETCH_TIMEOUT_ENV = "CTK_FETCH_TIMEOUT"
MAX_NODES_ENV = "CTK_MAX_EXPANDED_NODES"


@dataclass(frozen=True, slots=True)
class Limits:
    # -- the HTTP server (ctk serve) --
    max_body: int = 10 * MIB  # bytes of one request body; more is answered 413
    max_header_bytes: int = 64 * KIB  # request line plus headers; more is answered 431 and the connection closed
    header_timeout: float = 10.0  # seconds to receive a request's headers (slowloris); then the connection closes
    keepalive_timeout: float = 5.0  # seconds an idle keep-alive connection is kept open
    body_timeout: float = 60.0  # seconds to receive a request's body once its headers are in; then 408, closed
    max_connections: int = 1000  # connections per server process; the longest-idle is closed for a new one, else 503
    max_pipelined: int = 16  # requests queued on one connection behind the one being answered; then it closes
    # -- reading a request --
    max_violations: int = 20  # request violations listed per answer, then "and N more"
    max_violation_scan: int = 16 * KIB  # bytes of a request part searched for all its violations, not just the first
    max_form_fields: int = 1000  # fields of a form-urlencoded body or query string
    max_multipart_parts: int = 100  # parts of a multipart body
    max_nesting: int = 64  # nesting of a JSON body, of form brackets (a[b][c]) and of a GraphQL variable
    max_echo_length: int = 1024  # characters of a request value echoed into an answer; longer values are not echoed
    max_xml_elements: int = 100_000  # elements of one SOAP request envelope (a parsed element costs ~250 bytes)
    # values of one SOAP request under patterns libxml2 matches by backtracking and RE2 cannot check exactly
    # (libxml2 gives up on one after ~0.6 s, so 4 bound a request to a few seconds); more is a Client fault
    max_slow_pattern_values: int = 4
    # -- generating answers from a contract --
    max_string_length: int = 10_000  # characters of one generated string
    max_array_items: int = 1000  # items of one generated array (list pages are capped at 100 anyway)
    max_occurs: int = 1000  # occurrences of one generated XML element
    max_generation_depth: int = 32  # nesting of a generated value; deeper optional parts are left out
    max_object_properties: int = 1000  # properties of one generated object (minProperties, required)
    max_generated_bytes: int = 4 * MIB  # approximate JSON size of one generated answer; optional parts beyond left out
    # -- reading contracts --
    max_expanded_nodes: int = 2_000_000  # YAML/JSON nodes of a contract once its aliases are expanded
    fetch_timeout: float = 60.0  # seconds to fetch one contract with all its references, redirects included
    # -- webhooks and callbacks --
    webhook_concurrency: int = 16  # deliveries in flight at once; more wait their turn
    webhook_timeout: float = 10.0  # seconds for one delivery
    # -- the sandbox's store (state, scenario positions, rate-limit counters) --
    max_stored_items: int = 10_000  # values of one store namespace (and, apart, its live counters); more is refused

    def replace(self, **changes: Any) -> Limits:
        return dataclasses.replace(self, **changes)


DEFAULT_LIMITS = Limits()

# Where each limit is enforced and what the client sees, for the README's table and `ctk serve --help`.
LIMIT_DOCS: dict[str, str] = {
    "max_body": "request body size; 413 in the protocol's own error form",
    "max_header_bytes": "request line and headers; 431 and the connection closed",
    "header_timeout": "time to send a request's headers; the connection is closed (slowloris)",
    "keepalive_timeout": "idle time of a keep-alive connection",
    "body_timeout": "time to send a request's body (slow-body attacks); 408 and the connection closed",
    "max_connections": "connections per server process; beyond, the longest-idle one is closed, or 503 if all are busy",
    "max_pipelined": "pipelined requests queued on one connection; beyond, the rest are not read and the connection "
    "closes after answering the queued ones",
    "max_violations": "violations listed in one error answer, then 'and N more'",
    "max_violation_scan": "body or query bytes searched for all violations; past it, the first and 'possibly more'",
    "max_form_fields": "fields of a form body (413 beyond) or of a query string (414 beyond)",
    "max_multipart_parts": "parts of a multipart body; 413 beyond",
    "max_nesting": "nesting of JSON bodies, form brackets and GraphQL variables; 400 beyond",
    "max_echo_length": "characters of a request value echoed into an answer",
    "max_xml_elements": "elements of a SOAP request envelope or an OpenAPI XML request body; more is refused "
    "before parsing (a Client/Sender fault, a 413)",
    "max_slow_pattern_values": "SOAP request values under contract patterns libxml2 matches by backtracking (up to "
    "~0.6 s each) and RE2 cannot check exactly; more is a Client/Sender fault, before libxml2 runs",
    "max_string_length": "generated string length; lint warns when a contract demands more",
    "max_array_items": "generated array length; lint warns when a contract demands more",
    "max_occurs": "generated XML element occurrences; lint warns when a WSDL demands more",
    "max_generation_depth": "nesting of a generated value",
    "max_object_properties": "properties of a generated object; lint warns when a contract demands more",
    "max_generated_bytes": "JSON size of one generated answer; lint warns when a contract's smallest value is larger",
    "max_expanded_nodes": "contract size with YAML aliases expanded; a contract over it is refused at load",
    "fetch_timeout": "total time to fetch a remote contract and its references",
    "webhook_concurrency": "webhook and callback deliveries in flight",
    "webhook_timeout": "time for one webhook or callback delivery",
    "max_stored_items": "resources (and, apart, counters) one API keeps per session and collection in the sandbox's "
    "store; a new one beyond is refused in the protocol's own error form, nothing is evicted",
}


def limits_from(settings: Mapping[str, object], where: str, base: Limits = DEFAULT_LIMITS) -> Limits:
    """``base`` with the limits named in ``settings`` changed (sandbox.toml ``[limits]``, ``--limit``), checked."""
    fields = {item.name: item for item in dataclasses.fields(Limits)}
    changes: dict[str, Any] = {}
    for name, value in settings.items():
        if name not in fields:
            close = [known for known in fields if name.replace("-", "_") == known]
            raise ConfigError(
                f"unknown limit {name!r}",
                where=where,
                hint=f"did you mean {close[0]}?" if close else "the limits are: " + ", ".join(fields),
            )
        default = getattr(DEFAULT_LIMITS, name)
        changes[name] = _positive(name, value, float if isinstance(default, float) else int, where)
    return dataclasses.replace(base, **changes)


def parse_limit_option(text: str, where: str = "--limit") -> tuple[str, str]:
    """``NAME=VALUE`` from the command line, as two strings."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise ConfigError(f"{text!r} is not NAME=VALUE", where=where, hint="e.g. --limit max_body=1048576")
    return name.strip(), value.strip()


def _positive(name: str, value: object, kind: type, where: str) -> int | float:
    if isinstance(value, str):
        try:
            value = kind(value)
        except ValueError:
            value = None
    # nan passes "<= 0" and inf removes the bound (asyncio's timer heap breaks on nan): both refused
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        wanted = "finite number" if kind is float else "integer"
        raise ConfigError(f"limit {name} must be a positive {wanted}", where=where)
    if kind is int and not float(value).is_integer():
        raise ConfigError(f"limit {name} must be a whole number", where=where)
    return kind(value)  # type: ignore[no-any-return]

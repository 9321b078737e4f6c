"""The protocol-neutral model every part of ctk speaks.

A ``Contract`` is what a protocol loader returns: its protocol, title, version and operations,
plus the problems the loader tolerated. Protocol folders subclass it to carry their own parsed
document (an OpenAPI dict, a WSDL tree, a GraphQL schema); code outside those folders uses only
the fields defined here.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Protocol(enum.StrEnum):
    OPENAPI = "openapi"
    SOAP = "soap"
    GRAPHQL = "graphql"


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a contract: the file, and a line or a path inside it where known.

    ``path`` is a JSON pointer (OpenAPI, introspection JSON), an element path (WSDL/XSD) or a
    schema coordinate (GraphQL).
    """

    file: str
    line: int | None = None
    column: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.path:
            text += f" ({self.path})" if self.line is not None else f"#{self.path}"
        return text


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong (error) or off-spec but tolerated (warning) in a contract."""

    severity: Severity
    location: Location
    message: str


@dataclass(frozen=True, slots=True)
class Operation:
    """One thing a client can call.

    ``id`` is stable across loads and readable: ``GET /customers/{id}`` (OpenAPI),
    ``Service/Port/Operation`` (SOAP), ``Query.product`` (GraphQL).
    """

    id: str
    name: str
    deprecated: bool = False
    sunset: dt.date | None = None
    summary: str = ""


@dataclass(frozen=True, slots=True)
class HttpOperation(Operation):
    method: str = ""
    path: str = ""
    operation_id: str | None = None


@dataclass(frozen=True, slots=True)
class SoapOperation(Operation):
    service: str = ""
    port: str = ""
    binding: str = ""
    soap_action: str | None = None
    soap_version: str | None = None  # "1.1", "1.2", or None for an HTTP binding
    style: str | None = None  # "document" | "rpc"
    use: str | None = None  # "literal" | "encoded"
    address: str | None = None


@dataclass(frozen=True, slots=True)
class GraphQLOperation(Operation):
    root: str = ""  # "query" | "mutation" | "subscription"
    type_name: str = ""
    field: str = ""


@dataclass(eq=False)
class Contract:
    """A loaded contract. Protocol loaders return subclasses carrying their parsed document."""

    protocol: Protocol
    title: str
    version: str
    source: str
    operations: tuple[Operation, ...]
    files: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.id == operation_id:
                return op
        raise KeyError(operation_id)


class ChangeSeverity(enum.StrEnum):
    """How a contract change affects an existing client.

    ``breaking``: a client that worked against OLD can fail against NEW (a removed field, a new
    required parameter, a narrower request type). ``dangerous``: it still works, but may misbehave
    (a new enum value it does not handle, a response field that may now be null, a deprecation with
    a sunset). ``info``: compatible (an optional field added, a description changed).
    """

    BREAKING = "breaking"
    DANGEROUS = "dangerous"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {ChangeSeverity.BREAKING: 2, ChangeSeverity.DANGEROUS: 1, ChangeSeverity.INFO: 0}


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two versions of a contract, as it affects a client.

    Every protocol's diff returns these; the drift report and its renderers see nothing else.
    Findings observed at run time (Deprecation/Sunset headers, undocumented fields) become
    ``Change``s too, with ``source="observed"``, so they merge into the same report.

    ``id`` is a rule id: oasdiff's name where oasdiff has the rule (``response-property-removed``),
    graphql-core's enum name for GraphQL (``FIELD_REMOVED``), a ctk name in the same style for WSDL.
    ``operations`` are the ``Operation.id``s affected (as in NEW, or in OLD when gone); empty for a
    contract-wide change. OpenAPI diffs report one change per operation (and per media type), as
    oasdiff does, so counts match it; WSDL and GraphQL report one change per place in the schema
    and list every operation that reaches it. ``old``/``new`` locate the change in each version: a JSON pointer
    (OpenAPI), an element path (WSDL/XSD) or a schema coordinate (GraphQL: ``Type.field``,
    ``Type.field.arg``, ``Enum.VALUE``, ``@directive``); None on the side where it does not exist.
    """

    id: str
    severity: ChangeSeverity
    message: str
    operations: tuple[str, ...] = ()
    old: str | None = None
    new: str | None = None
    sunset: dt.date | None = None
    deprecation: bool = False  # a deprecation added or a sunset moved (for --fail-on deprecation)
    source: str = "diff"  # "diff" (two contracts compared) or "observed" (seen at run time)

    @property
    def operation(self) -> str | None:
        return self.operations[0] if self.operations else None

    @property
    def location(self) -> str | None:
        """The place to point a reader at: in NEW when it exists there, else in OLD."""
        return self.new if self.new is not None else self.old


@dataclass(frozen=True, slots=True)
class DriftPolicies:
    """A team's drift policies, the same for every protocol (``ctk drift --policy``, ``[drift]`` in sandbox.toml).

    Default severities follow the oracles (oasdiff, graphql-core, GraphQL Inspector); each name in ``relaxed``
    is an opt-in relaxation a protocol's diff honours where it applies (``deprecated-removal-is-dangerous``:
    removing an element that was deprecated is dangerous rather than breaking; ``unreachable-types-are-safe``:
    a change to a type no operation reaches is info). ``min_sunset_days``: days a deprecation's sunset must lie
    ahead, per stability level (``beta``, ``stable``; oasdiff's ``--deprecation-days-*``); ``stability_level``:
    from which ``x-stability-level`` on changes are tracked (oasdiff's ``--stability-level``).
    """

    relaxed: frozenset[str] = frozenset()
    min_sunset_days: tuple[tuple[str, int], ...] = ()  # (stability level, days), e.g. (("stable", 180),)
    stability_level: str = "beta"

    def relaxes(self, name: str) -> bool:
        return name in self.relaxed

    def sunset_days(self, level: str) -> int:
        return dict(self.min_sunset_days).get(level, 0)


DEFAULT_DRIFT_POLICIES = DriftPolicies()

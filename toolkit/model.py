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

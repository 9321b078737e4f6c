"""Linting WSDL 1.1 contracts: does every name the WSDL and its schemas use lead somewhere?

A WSDL is a web of names (port -> binding -> portType -> message -> element -> type). Clients
generated from it fail at build or call time when one link is missing, so each missing link
is an error placed at the element that names it.

A schema may also demand more than the mock generates within its ``Limits`` (``minOccurs`` in the
millions, ``minLength`` in the billions, a pattern that matches nothing short): each such demand is a
warning at its own place, since the mock answers a Server fault where it needs one.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from toolkit.limits import DEFAULT_LIMITS, Limits
from toolkit.model import Location, Problem, Severity
from toolkit.regex_strings import pattern_min_length
from toolkit.soap.generate.errors import limit_hint
from toolkit.soap.load import SoapContract
from toolkit.soap.wsdl import (
    BUILTIN_NAMESPACES,
    HTTP,
    SOAP11,
    SOAP12,
    WSDL,
    XSD_NAMESPACES,
    Component,
    Definitions,
    local_name,
    qname,
)
from toolkit.soap.xml import element_path, source_line
from toolkit.soap.xsd.builtin import XSD_BUILTIN_TYPES
from toolkit.soap.xsd.regex import translate
from toolkit.sources import display_name

# XSD attributes that name another schema component, and which table that component lives in.
_XSD_REFERENCES = (
    ("element", "type", "types"),
    ("element", "ref", "elements"),
    ("element", "substitutionGroup", "elements"),
    ("attribute", "type", "types"),
    ("attribute", "ref", "attributes"),
    ("extension", "base", "types"),
    ("restriction", "base", "types"),
    ("list", "itemType", "types"),
    ("group", "ref", "groups"),
    ("attributeGroup", "ref", "attribute_groups"),
)


def lint_soap(contract: SoapContract, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    """Every problem of the WSDL; ``limits``: the ones its mock will be served with."""
    definitions = contract.definitions
    if definitions is None:
        return []
    return list(_Linter(definitions, limits).run())


class _Linter:
    def __init__(self, definitions: Definitions, limits: Limits = DEFAULT_LIMITS) -> None:
        self.defs = definitions
        self.limits = limits

    def problem(self, severity: Severity, element: etree._Element, uri: str, message: str) -> Problem:
        return Problem(
            severity,
            Location(display_name(uri), line=source_line(element), path=element_path(element)),
            message,
        )

    def run(self) -> Iterator[Problem]:
        yield from self.services()
        yield from self.bindings()
        yield from self.port_types()
        yield from self.messages()
        yield from self.schemas()

    def services(self) -> Iterator[Problem]:
        if not self.defs.services:
            yield self.problem(Severity.WARNING, self.defs.root, self.defs.root_uri, "the WSDL defines no service")
        for service in self.defs.services:
            ports = service.element.findall(f"{{{WSDL}}}port")
            if not ports:
                yield self.problem(Severity.WARNING, service.element, service.uri, "service has no port")
            for port in ports:
                binding = qname(port, port.get("binding"))
                if binding not in self.defs.bindings:
                    yield self.problem(
                        Severity.ERROR,
                        port,
                        service.uri,
                        f"port refers to binding {port.get('binding')!r}, which is not defined",
                    )
                if not any(isinstance(child.tag, str) and etree.QName(child).localname == "address" for child in port):
                    yield self.problem(Severity.WARNING, port, service.uri, "port has no address")

    def bindings(self) -> Iterator[Problem]:
        for binding in self.defs.bindings.values():
            element = binding.element
            port_type = self.defs.port_types.get(qname(element, element.get("type")) or "")
            if port_type is None:
                yield self.problem(
                    Severity.ERROR,
                    element,
                    binding.uri,
                    f"binding refers to portType {element.get('type')!r}, which is not defined",
                )
            kinds = {
                etree.QName(child).namespace
                for child in element
                if isinstance(child.tag, str) and etree.QName(child).localname == "binding"
            }
            if not kinds & {SOAP11, SOAP12, HTTP}:
                yield self.problem(
                    Severity.WARNING,
                    element,
                    binding.uri,
                    "binding has no soap:binding, soap12:binding or http:binding",
                )
            if port_type is None:
                continue
            abstract = {op.get("name") for op in port_type.element.findall(f"{{{WSDL}}}operation")}
            bound = set()
            for operation in element.findall(f"{{{WSDL}}}operation"):
                bound.add(operation.get("name"))
                if operation.get("name") not in abstract:
                    yield self.problem(
                        Severity.ERROR,
                        operation,
                        binding.uri,
                        f"binding operation {operation.get('name')!r} is not an operation of portType "
                        f"{local_name(port_type.name)!r}",
                    )
            for missing in sorted(name for name in abstract - bound if name):
                yield self.problem(
                    Severity.WARNING, element, binding.uri, f"portType operation {missing!r} is not bound"
                )

    def port_types(self) -> Iterator[Problem]:
        for port_type in self.defs.port_types.values():
            seen: set[str | None] = set()
            for operation in port_type.element.findall(f"{{{WSDL}}}operation"):
                name = operation.get("name")
                if name in seen:
                    yield self.problem(
                        Severity.WARNING,
                        operation,
                        port_type.uri,
                        f"operation {name!r} is overloaded (WS-I forbids it)",
                    )
                seen.add(name)
                for child in operation:
                    if not isinstance(child.tag, str) or etree.QName(child).localname not in (
                        "input",
                        "output",
                        "fault",
                    ):
                        continue
                    message = qname(child, child.get("message"))
                    if message not in self.defs.messages:
                        yield self.problem(
                            Severity.ERROR,
                            child,
                            port_type.uri,
                            f"{etree.QName(child).localname} refers to message {child.get('message')!r}, "
                            "which is not defined",
                        )

    def messages(self) -> Iterator[Problem]:
        for message in self.defs.messages.values():
            for part in message.element.findall(f"{{{WSDL}}}part"):
                element_ref, type_ref = part.get("element"), part.get("type")
                if element_ref is None and type_ref is None:
                    yield self.problem(Severity.ERROR, part, message.uri, "part names neither an element nor a type")
                if element_ref is not None and not self.known(qname(part, element_ref), "elements"):
                    yield self.problem(
                        Severity.ERROR,
                        part,
                        message.uri,
                        f"part refers to element {element_ref!r}, which no schema defines",
                    )
                if type_ref is not None and not self.known(qname(part, type_ref), "types"):
                    yield self.problem(
                        Severity.ERROR, part, message.uri, f"part refers to type {type_ref!r}, which no schema defines"
                    )

    def schemas(self) -> Iterator[Problem]:
        for schema in self.defs.schemas:
            yield from self.schema_references(schema)
            yield from self.schema_demands(schema)

    def schema_demands(self, schema: Component) -> Iterator[Problem]:
        """Occurrences, lengths and patterns the mock cannot generate within its limits."""
        limits = self.limits
        for element in schema.element.iter():
            if not isinstance(element.tag, str) or etree.QName(element).namespace not in XSD_NAMESPACES:
                continue
            kind = etree.QName(element).localname
            demand: tuple[str, str, int] | None = None
            low = _whole(element.get("minOccurs"))
            if low is not None and low > limits.max_occurs:
                what = f"<{element.get('name') or element.get('ref') or kind}>" if kind == "element" else f"a {kind}"
                demand = (f"{what} {low} times (minOccurs)", "max_occurs", limits.max_occurs)
            elif kind in ("length", "minLength"):
                size = _whole(element.get("value"))
                if size is not None and size > limits.max_string_length:
                    demand = (f"a value of {kind} {size}", "max_string_length", limits.max_string_length)
            elif kind == "pattern" and element.get("value") is not None:
                shortest = pattern_min_length(translate(element.get("value", "")).python)
                if shortest > limits.max_string_length:
                    demand = (f"a value matching this pattern, at least {shortest} characters", "max_string_length",
                              limits.max_string_length)  # fmt: skip
            if demand is not None:
                text, limit, bound = demand
                yield self.problem(
                    Severity.WARNING, element, schema.uri,
                    f"the mock cannot generate {text} (over {limit}={bound}): an answer that needs it is a "
                    f"Server fault; {limit_hint(limit)}",
                )  # fmt: skip

    def schema_references(self, schema: Component) -> Iterator[Problem]:
        for element in schema.element.iter():
            if not isinstance(element.tag, str) or etree.QName(element).namespace not in XSD_NAMESPACES:
                continue
            kind = etree.QName(element).localname
            for owner, attribute, table in _XSD_REFERENCES:
                if kind != owner or element.get(attribute) is None:
                    continue
                name = qname(element, element.get(attribute))
                if name in XSD_BUILTIN_TYPES and table == "types":
                    yield self.problem(
                        Severity.WARNING,
                        element,
                        schema.uri,
                        f"{attribute}={name!r} has no namespace prefix; read as the XSD built-in type xs:{name}",
                    )
                elif not self.known(name, table):
                    yield self.problem(
                        Severity.ERROR,
                        element,
                        schema.uri,
                        f"{attribute}={element.get(attribute)!r} names a {table[:-1].replace('_', ' ')} "
                        "no schema defines",
                    )
            if kind == "union":
                for member in (element.get("memberTypes") or "").split():
                    if not self.known(qname(element, member), "types"):
                        yield self.problem(
                            Severity.ERROR,
                            element,
                            schema.uri,
                            f"memberTypes names {member!r}, which no schema defines",
                        )

    def known(self, name: str | None, table: str) -> bool:
        if not name:
            return False
        namespace = name[1:].partition("}")[0] if name.startswith("{") else ""
        if namespace in BUILTIN_NAMESPACES:
            return True
        components: dict[str, Component] = getattr(self.defs, table)
        return name in components


def _whole(text: str | None) -> int | None:
    try:
        return int(text) if text is not None and len(text) < 20 else None
    except ValueError:
        return None

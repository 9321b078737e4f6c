"""The SOAP mock: a sans-IO function from ``Request`` to ``MockResult``, compiled once per WSDL.

Where it answers. Each SOAP port is served at its ``soap:address``/``soap12:address`` path, and
``mount`` (what the envelope reports) is the longest common path prefix of those paths; a POST at the
mount that matches no port path goes to the port whose SOAP version the envelope speaks. When the
caller gives a mount (``sandbox.toml``: ``mount = "/crm"``) it replaces the address paths: every
port is served at the mount and the envelope version picks the port. ``GET <path>?wsdl`` serves the
WSDL with those addresses rewritten to the mock's own URL (``served_documents``). An address that
carries a query string (ASP/ISAPI ``x.dll?Impl=Svc``, ``?Service=Crm``) keeps it: the WSDL is also
served at ``<address>&wsdl`` (the address's own query fields are set aside before the document is
looked up), POSTs at the address with its query go to the port(s) whose query it carries, and the
served WSDL's addresses keep the query.

Per request: read the envelope (``envelope``: hardened parsing, any failure is a Client/Sender
fault), choose the port by envelope version and the operation by SOAPAction / SOAP 1.2 ``action`` /
body element (``dispatch``), check mandatory headers, validate the body against the XSD
(rpc wrappers are declared by ``rpc``; rpc/encoded is only checked for the right wrapper, since
encoded messages carry xsi:type, href and multi-refs that no schema describes), then generate the
output message seeded by the request, echoing request leaf values into same-named response elements.
An answer is a pure function of the request, so whole answers are memoised. A plain document/literal request of a
flat element of string leaves is read by a regex instead (``plain_request``), only where that reading is certain
to be lxml's and libxml2's: its answer is the same; anything else is read as above.

Choices the SOAP specs leave open: a VersionMismatch fault is written in the version the client
spoke when the envelope is 1.1 or 1.2 (it must be able to read it), else in the Content-Type's, and
always carries SOAP 1.2's ``Upgrade`` block listing what the endpoint speaks. A one-way operation is
answered 202 with no body. ``Prefer: fault=<name>`` answers a declared fault as a Server/Receiver
fault (the service failed) with a generated ``detail``. When both the action and the body element
name an operation, the action wins and the body is then checked to be that operation's element.
"""

from __future__ import annotations

import random
import re
import threading
from _random import Random as _CoreRandom
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import ClassVar

from lxml import etree

from toolkit.exchange import Delivery, MockResult, Request, Response, Violation
from toolkit.mock.compiled import Endpoint
from toolkit.mock.options import MockOptions
from toolkit.mock.problem import clip
from toolkit.mock.seed import rng_for, seed_of
from toolkit.soap.generate.generator import XsdGenerationError, XsdGenerator
from toolkit.soap.load import SoapContract
from toolkit.soap.mock import envelope as envelope_module
from toolkit.soap.mock.dispatch import Port, PortOperation, compile_ports
from toolkit.soap.mock.envelope import (
    CONTENT_TYPES,
    ENVELOPE_NAMESPACES,
    Envelope,
    EnvelopeError,
    VersionMismatchError,
    build_envelope,
    detached,
    envelope_text,
    leaf_values,
    mandatory_unknown,
    read_envelope,
    request_action,
    version_of_content_type,
)
from toolkit.soap.mock.faults import (
    FaultCode,
    fault_response,
    not_understood_blocks,
    short_list,
    upgrade_block,
    violation_elements,
)
from toolkit.soap.mock.plain_envelope import read_plain_envelope
from toolkit.soap.mock.plain_request import PlainRequests, Recognized
from toolkit.soap.mock.rpc import wrapper_schemas
from toolkit.soap.mock.served_documents import Document, WsdlDocuments
from toolkit.soap.wsdl import local_name
from toolkit.soap.xsd.validate import XsdValidator

__all__ = ["SoapMock", "SoapMockOptions"]

_MEMO_MAX_BODY = 16 * 1024
_THREAD = threading.local()
_reseed = _CoreRandom.seed
_PREFER_FAULT = re.compile(r"(?:^|[,;\s])fault\s*=\s*\"?([^\",;\s]+)\"?", re.IGNORECASE)


@dataclass(frozen=True)
class SoapMockOptions(MockOptions):
    """``MockOptions`` (``mount``: serve every port there instead of at its address path), and the URL -> file
    mirrors the contract was loaded with, so ?wsdl can rewrite imports that name URLs."""

    mirrors: Mapping[str, str] = field(default_factory=dict)
    # Debug: validate every answer written as text (``XsdGenerator.text``), not only a sample of them.
    check_answers: bool = False


class SoapMock:
    """A ``CompiledMock``: ``answer(request) -> MockResult``. Thread-safe; one instance serves many requests."""

    Options: ClassVar[type[SoapMockOptions]] = SoapMockOptions
    protocol_label = "SOAP"
    webhooks: Mapping[str, object] = {}  # SOAP has no webhooks

    def __init__(self, contract: SoapContract, options: SoapMockOptions | None = None) -> None:
        assert contract.definitions is not None, "a loaded SOAP contract always has definitions"
        self.contract = contract
        self.options: SoapMockOptions = options or SoapMockOptions()
        self.ports = compile_ports(contract)
        self._given_mount = self.options.mount is not None
        if self.options.mount is not None:
            self.mount = self.options.mount.rstrip("/")
            self._paths: dict[str, list[Port]] = {self.mount: list(self.ports)}
        else:
            self.mount = _common_prefix([port.path for port in self.ports])
            self._paths = {}
            for port in self.ports:
                self._paths.setdefault(port.path, []).append(port)
            self._paths.setdefault(self.mount, list(self.ports))
        definitions = contract.definitions
        wrappers = wrapper_schemas(self.ports, set(definitions.elements))
        # Lenient: a schema libxml2 refuses leaves those elements unvalidated rather than the WSDL unserved.
        self.validator = XsdValidator.from_definitions(definitions, wrappers, strict=False)
        self.generator = XsdGenerator(
            definitions,
            seed=self.options.seed,
            extra_schemas=wrappers,
            validator=self.validator,
            limits=self.options.limits,
        )
        self.generator.check_every_answer = self.options.check_answers
        # plain requests of document/literal operations whose element is a flat sequence of simple leaves, read
        # without lxml where that reading is certain to be libxml2's (``plain_request``); None: every request by lxml
        self.plain_requests: PlainRequests | None = PlainRequests(
            self.generator, self.validator, _literal_requests(self.ports), self.options.limits.max_echo_length
        )
        # per path, the query fields of its ports' addresses (Impl=Svc): set aside before finding a document
        self._address_fields: dict[str, frozenset[str]] = {}
        for path, served in self._paths.items():
            fields = frozenset(field for port in served for field in _fields(port.query))
            if fields:
                self._address_fields[path] = fields
        self.documents = WsdlDocuments(contract, self._address_target, self.options.mirrors)

    def warm(self) -> None:
        """Build the realistic-value pools now (Faker) rather than on the first request."""
        self.generator.warm()

    def endpoints(self) -> list[Endpoint]:
        """Each port, at its path, for ``ctk serve`` to announce."""
        return [
            Endpoint(
                self._address_path(port.service, port.name) or "/",
                f"SOAP {port.version}, {port.service}/{port.name}"
                + (f" (POST to ?{self._echo(port.query)}, WSDL also at ?{self._echo(port.query)}&wsdl)"
                   if port.query else ""),
                wsdl=True,
            )
            for port in self.ports
        ]  # fmt: skip

    def webhook_event(self, name: str, url: str, request: Request | None = None) -> Delivery | None:
        return None

    def serves_contract(self, request: Request) -> bool:
        if request.method.upper() not in ("GET", "HEAD") or request.path.rstrip("/") not in self._paths:
            return False
        return isinstance(self.documents.find(self._document_query(request)), Document)

    def operation_of(self, request: Request) -> str | None:
        return None  # the operation is in the envelope (SOAPAction or body element): known once answered

    def _address_path(self, service: str, port_name: str) -> str | None:
        for port in self.ports:
            if port.service == service and port.name == port_name:
                return self.mount if self._given_mount else port.path
        return None

    def _address_target(self, service: str, port_name: str) -> str | None:
        """The path and query the served WSDL gives a port: its address path, with the address's query kept."""
        path = self._address_path(service, port_name)
        if path is None:
            return None
        query = next((port.query for port in self.ports if port.service == service and port.name == port_name), "")
        return f"{path or '/'}?{query}" if query else path

    def _document_query(self, request: Request) -> str:
        """The query without the fields the path's port addresses carry: ``Impl=Svc&wsdl`` -> ``wsdl``."""
        fields = self._address_fields.get(request.path.rstrip("/"))
        if not fields or not request.query:
            return request.query
        return "&".join(field for field in request.query.split("&") if field and field not in fields)

    # -- request time ------------------------------------------------------------------------------

    def memo_key(self, request: Request) -> Hashable | None:
        """A POST's path, the headers that choose the operation, version and fault, and the envelope."""
        if request.method.upper() != "POST" or len(request.body) > _MEMO_MAX_BODY:
            return None
        return (request.path.rstrip("/"), request.query, request.header("content-type"),
                request.header("soapaction"), request.header("prefer"), request.body)  # fmt: skip

    def answer(self, request: Request) -> MockResult:
        """Find the port at the path; serve ``?wsdl`` documents on GET, answer envelopes on POST."""
        ports = self._paths.get(request.path.rstrip("/"))
        if ports is None:
            known = short_list(sorted({path or "/" for path in self._paths}))
            path = self._echo(request.path)
            return MockResult(_text(404, f"no SOAP endpoint at {path}; this mock serves {known}\n"))
        method = request.method.upper()
        if method in ("GET", "HEAD"):
            return MockResult(self._get(request, head=method == "HEAD"))
        if method != "POST":
            return MockResult(_text(405, f"{method} is not allowed: POST a SOAP envelope, or GET ?wsdl\n",
                                    (("allow", "GET, POST"),)))  # fmt: skip
        if len(ports) > 1 and request.query and any(port.query for port in ports):
            # x.dll?Impl=A and x.dll?Impl=B: the ports whose address query the request carries, when some do
            given = set(_fields(request.query))
            chosen = [port for port in ports if port.query and set(_fields(port.query)) <= given]
            ports = chosen or ports
        try:
            return self._post(request, ports)
        except XsdGenerationError as error:  # the contract's schema admits no answer: say so, as the server
            return MockResult(fault_response(self._fault_version(request, ports), FaultCode.SERVER, str(error)))

    def error_response(self, request: Request, status: int, message: str) -> Response:
        """An error found outside the request path, as a fault of the request's version: a body over its limit
        (413) is the client's (Client/Sender), a bug in ctk (500) the server's (Server/Receiver)."""
        ports = self._paths.get(request.path.rstrip("/"), self.ports)
        code = FaultCode.SERVER if status >= 500 else FaultCode.CLIENT
        response = fault_response(self._fault_version(request, ports), code, message)
        return replace(response, status=status)

    def _echo(self, text: str) -> str:
        """A part of the request quoted in an answer (a path, an action, a name), clipped to ``max_echo_length``."""
        return clip(text, self.options.limits.max_echo_length)

    def _fault_version(self, request: Request, ports: list[Port]) -> str:
        """The version a fault is written in before the envelope is known: the Content-Type's, else the port's."""
        version, _ = version_of_content_type(request.header("content-type"))
        if version is not None:
            return version
        versions = {port.version for port in ports}
        return versions.pop() if len(versions) == 1 else "1.1"

    def _get(self, request: Request, *, head: bool) -> Response:
        query = self._document_query(request)
        found = self.documents.find(query)
        if found is False:
            return _text(405, f"a SOAP endpoint answers POST; GET {self._echo(request.path)}?wsdl for its WSDL\n",
                         (("allow", "GET, POST"),))  # fmt: skip
        if found is None or found is True:
            known = short_list(self.documents.names)
            return _text(404, f"no document ?{self._echo(query)} here; this mock serves {known}\n")
        body = self.documents.render(found, request)
        headers = (("content-type", "text/xml; charset=utf-8"),)
        return (
            Response(200, (*headers, ("content-length", str(len(body)))), b"") if head else Response(200, headers, body)
        )

    def _post(self, request: Request, ports: list[Port]) -> MockResult:
        max_elements = self.options.limits.max_xml_elements
        recognized = self.plain_requests.read(request.body, max_elements) if self.plain_requests is not None else None
        if recognized is not None:
            answered = self._recognized(request, ports, recognized)
            if answered is not None:
                return answered
        try:  # the plain envelope most clients send read by a bounded scan (None: anything else, read whole)
            envelope = read_plain_envelope(request.body, max_elements) or read_envelope(request.body, max_elements)
        except VersionMismatchError as error:
            return MockResult(fault_response(
                self._fault_version(request, ports), FaultCode.VERSION_MISMATCH, str(error),
                header_blocks=[upgrade_block({port.version for port in ports})],
            ))  # fmt: skip
        except EnvelopeError as error:
            return MockResult(fault_response(self._fault_version(request, ports), FaultCode.CLIENT, str(error)))
        version = envelope.version
        candidates = [port for port in ports if port.version == version]
        if not candidates:
            supported = {port.version for port in ports}
            served = " and ".join(f"SOAP {v}" for v in sorted(supported))
            message = f"this endpoint speaks {served}, not SOAP {version} ({ENVELOPE_NAMESPACES[version]})"
            return MockResult(
                fault_response(version, FaultCode.VERSION_MISMATCH, message, header_blocks=[upgrade_block(supported)])
            )
        action = request_action(request, version)
        body_qname = str(envelope.first.tag) if envelope.first is not None else None
        for port in candidates:
            op = port.find(action, body_qname)
            if op is not None:
                return self._operation(request, envelope, port, op)
        received = f"SOAPAction {self._echo(action)!r}, " if action else ""
        received += f"body element {self._echo(body_qname)}" if body_qname else "an empty Body"
        known = short_list(sorted({name for port in candidates for name in port.known}))
        message = f"no operation matches {received}; known operations: {known}"
        return MockResult(fault_response(version, FaultCode.CLIENT, message))

    def _recognized(self, request: Request, ports: list[Port], recognized: Recognized) -> MockResult | None:
        """The answer to a request ``plain_requests`` read (valid, one element, no Header), as ``_operation`` gives
        it; None where anything else is to be said (no port of its version, no operation, another operation's
        element, rpc or encoded): the request is then read the slow way, which says it."""
        version, name, echoes = recognized
        action = request_action(request, version)
        for port in ports:
            if port.version != version:
                continue
            op = port.find(action, name)
            if op is not None:
                if op.request_qname != name or op.style != "document" or op.use != "literal":
                    return None
                ids = (op.operation.id,)
                response = self._response(request, version, op, [], [], 0, echoes)
                return MockResult(response, (), ids, (), ids if op.deprecation else ())
        return None

    def _operation(self, request: Request, envelope: Envelope, port: Port, op: PortOperation) -> MockResult:
        ids = (op.operation.id,)
        deprecated = ids if op.deprecation else ()
        # that fault comes before validation
        not_understood = mandatory_unknown(envelope, port.header_elements) if envelope.headers else []
        violations: list[tuple[str, str]] = []
        total = 0
        if self.options.validate and not not_understood:
            violations, total = self._violations(envelope, op, len(request.body))
            if total and envelope.plain:  # listed from the whole read, as any invalid request's are
                envelope = read_envelope(request.body, self.options.limits.max_xml_elements)
                violations, total = self._violations(envelope, op, len(request.body))
        answered = not not_understood and not total  # (echoes are read for an answer only)
        echoes = leaf_values(envelope.body, self.options.limits.max_echo_length) if answered else {}
        response = self._response(request, envelope.version, op, not_understood, violations, total, echoes)
        found = tuple([Violation("envelope", message, pointer=path) for path, message in violations]) if total else ()
        return MockResult(response, (), ids, found, deprecated)

    def _response(
        self,
        request: Request,
        version: str,
        op: PortOperation,
        not_understood: list[str],
        violations: list[tuple[str, str]],
        total: int,
        echoes: dict[str, str],
    ) -> Response:
        extra = op.deprecation
        if not_understood:
            names = self._echo(", ".join(not_understood))
            blocks = not_understood_blocks(not_understood) if version == "1.2" else []
            return fault_response(
                version,
                FaultCode.MUST_UNDERSTAND,
                f"mandatory header block(s) not understood: {names}",
                header_blocks=blocks,
                headers=extra,
            )
        if total:
            count = f"{total} problem{'s' if total != 1 else ''}"
            if total > len(violations):
                count += f", the first {len(violations)} listed"
            return fault_response(
                version,
                FaultCode.CLIENT,
                f"the request does not match the contract for {op.name} ({count})",
                detail=violation_elements(violations, total),
                headers=extra,
            )
        key = (op.operation.id, tuple(sorted(echoes.items())))
        prefer = request.header("prefer")
        preferred = _PREFER_FAULT.search(prefer) if prefer else None
        if preferred is not None:
            return self._declared_fault(version, op, preferred.group(1), key, extra)
        if op.output is None:
            return Response(202, extra)  # one-way: accepted, no envelope (SOAP 1.1/1.2 HTTP bindings)
        if op.style == "rpc":
            elements = [op.response_qname] if op.response_qname else []
        else:
            elements = [part.element for part in op.output.parts if part.element]
        payload = self._written(version, answer_rng(self.options.seed, key), op, elements, echoes)
        if payload is None:  # built as trees, from the same rng state: the same answer, or a redraw of an invalid one
            rng = rng_for(self.options.seed, key)
            headers = [self._generate(header.element, rng, {}) for header in op.output.headers]
            body = [self._generate(name, rng, echoes) for name in elements if name]
            payload = build_envelope(version, body, headers)
        return Response(200, (("content-type", CONTENT_TYPES[version]), *extra), payload)

    def _written(
        self, version: str, rng: random.Random, op: PortOperation, elements: list[str], echoes: dict[str, str]
    ) -> bytes | None:
        """The answer written as text (``XsdGenerator.text``: the bytes the trees would serialize to, without
        building them), or None when a part must be built as a tree (then ``rng`` is spent)."""
        if build_envelope is not envelope_module.build_envelope:
            return None  # a test planting a broken builder (tests/soap/test_zeep.py) sees every answer as trees
        assert op.output is not None
        generator = self.generator
        try:
            headers = [generator.text(header.element, rng) for header in op.output.headers]
            body = [generator.text(name, rng, overrides=echoes) for name in elements if name]
        except (XsdGenerationError, ArithmeticError, ValueError, RecursionError, MemoryError):
            return None  # the tree path meets the same error and decides: a redraw, or a Server fault naming it
        if None in headers or None in body:
            return None
        return envelope_text(version, body, headers)  # type: ignore[arg-type]

    def _declared_fault(
        self, version: str, op: PortOperation, wanted: str, key: tuple[object, ...], extra: tuple[tuple[str, str], ...]
    ) -> Response:
        for fault in op.faults:
            if wanted in (fault.name, local_name(fault.element or "")):
                rng = rng_for(self.options.seed, (*key, "fault", fault.name))
                detail = [self._generate(fault.element, rng, {})] if fault.element else []
                return fault_response(
                    version, FaultCode.SERVER, f"{fault.name} (asked for by Prefer: fault={wanted})",
                    detail=detail, headers=extra,
                )  # fmt: skip
        declared = short_list(fault.name for fault in op.faults)
        wanted = self._echo(wanted)
        return fault_response(
            version, FaultCode.CLIENT, f"Prefer asks for fault {wanted!r}, which {op.name} does not declare; "
            f"declared faults: {declared}", headers=extra,
        )  # fmt: skip

    def _generate(self, name: str, rng: random.Random, echoes: dict[str, str]) -> etree._Element:
        return self.generator.element(name, rng, overrides=echoes)

    def _violations(self, envelope: Envelope, op: PortOperation, size: int) -> tuple[list[tuple[str, str]], int]:
        """The first ``max_violations`` of the request's violations, and how many there are in all. ``size``: the
        request body's length, which bounds each part's (so no part is serialised only to be measured)."""
        expected = op.request_qname
        first = envelope.first
        if expected is not None and (first is None or first.tag != expected):
            found = f"<{first.tag}>" if first is not None else "an empty Body"
            return [("/", f"expected <{expected}> as the first Body element of {op.name}, found {found}")], 1
        if op.use == "encoded":
            return [], 0  # encoded messages carry xsi:type/href/multi-refs no schema describes: right wrapper enough
        limits = self.options.limits
        if envelope.plain and first is not None:  # one Body element (its own document), no Header: it alone
            listed, total = self.validator.check(
                first, listed=limits.max_violations, tree_bytes=limits.max_violation_scan,
                message_length=limits.max_echo_length, size=size, slow_values=limits.max_slow_pattern_values,
            )  # fmt: skip
            return [(violation.path, violation.message) for violation in listed], total
        out: list[tuple[str, str]] = []
        total = 0
        if op.style == "rpc" or len(op.input.parts) <= 1:
            elements = list(envelope.body[:1])
            extra = envelope.body[1:]
        else:
            elements = list(envelope.body)
            extra = ()
        for element in extra:
            total += 1
            if len(out) < limits.max_violations:
                out.append((f"/{etree.QName(element).localname}", "unexpected element in the Body"))
        declared_headers = {header.element for header in op.input.headers}
        elements += [block for block in envelope.headers if block.tag in declared_headers]
        for element in elements:
            # validated as a document of its own, so violation paths start at the element (/GetAccountRequest/id)
            listed, count = self.validator.check(
                detached(element),
                listed=limits.max_violations - len(out),
                tree_bytes=limits.max_violation_scan,
                message_length=limits.max_echo_length,
                size=size,
                slow_values=limits.max_slow_pattern_values,
            )
            out += [(violation.path, violation.message) for violation in listed]
            total += count
        return out, total


def answer_rng(seed: int, key: tuple[object, ...]) -> random.Random:
    """``rng_for(seed, key)``'s generator in the same state, without making one: a ``random.Random`` per thread
    reseeded in place (what ``random.Random(n)`` does after its construction, which first seeds it from the OS).
    For the text path only, which uses it before answering and keeps nothing of it; the tree path, called after
    it, takes a fresh one from ``rng_for``."""
    rng: random.Random | None = getattr(_THREAD, "rng", None)
    if rng is None:
        rng = _THREAD.rng = random.Random()
    _reseed(rng, seed_of(seed, key))  # random.Random.seed's own work for an int, then its gauss_next reset
    rng.gauss_next = None  # type: ignore[attr-defined]
    return rng


def _literal_requests(ports: list[Port]) -> set[str]:
    """The request elements of the document/literal operations (what ``PlainRequests`` may recognize)."""
    return {op.request_qname for port in ports for op in port.operations
            if op.style == "document" and op.use == "literal" and op.request_qname is not None}  # fmt: skip


def _fields(query: str) -> list[str]:
    """A query string's raw ``name=value`` fields, in order (``Impl=Svc&x=1`` -> ``["Impl=Svc", "x=1"]``)."""
    return [field for field in query.split("&") if field]


def _common_prefix(paths: list[str]) -> str:
    """The longest common prefix of ``paths``, by whole segments (``/a/b``, ``/a/c`` → ``/a``)."""
    if not paths:
        return ""
    split = [path.strip("/").split("/") if path.strip("/") else [] for path in paths]
    common: list[str] = []
    for segments in zip(*split, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    return "/" + "/".join(common) if common else ""


def _text(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, (("content-type", "text/plain; charset=utf-8"), *headers), message.encode())

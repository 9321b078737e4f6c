"""SOAP overlays, named examples and hooks: fixed answers for a WSDL's mock.

::

    [[overlay]]
    operation = "GetAccount"                     # an operation name (every port), or Service/Port/Operation
    body = { id = "A-1" }                        # optional: request leaf values (see below)
    headers = { "x-tenant" = "acme" }            # optional: HTTP headers that must be equal
    answer = { name = "Acme", "@status" = "Active", "billingAddress/city" = "Paris" }
    # or xml = "<c:GetAccountResponse xmlns:c='urn:...'>...</c:GetAccountResponse>"  (or xml_file = "...")
    # or fault = "CrmFault"                      # a fault the operation declares
    # or example = "acme"                        # the named example examples/**/acme.json of this operation

Names in ``body`` and ``answer`` are element local names, matched anywhere in the message: ``id`` is any leaf
element named ``id``; ``account/id`` one whose parent is ``account`` (a path of local names, matched at its
end); ``@status`` an attribute. Nested tables are paths too (``account = { id = "A-1" }`` is ``account/id``).
A ``body`` condition holds when some leaf on that path has that text (trimmed).

``answer`` gives element values in the operation's response: at load, an answer is generated from the XSD (as
the mock would; seeded by the overlay's place, so it is the same at every start) with every leaf and attribute
on each path set to the value — all of them, where a name repeats. A path no generated answer has (an optional
element: several draws are tried) or a value its type refuses is a ``ConfigError``. ``xml`` gives the whole
response element instead (one part). Either is validated against the XSD at load, inside an envelope of each
SOAP version the operation is served in. The answer is the same for every matching request (the request's
values are not echoed into it); ``fault`` answers the declared fault, with a generated ``detail``.

A named example, ``mocks/<api>/examples/**/<name>.json``, is ``{"operation": "GetAccount", "answer": {...}}``
(or ``xml``, or ``fault``), answered when the request says ``Prefer: example=<name>``.

Per request: the envelope is read and the operation found as the mock does (SOAPAction / 1.2 ``action``,
else the body element); a request whose ``Prefer`` asks for a fault passes on (the client's own choice). The
example asked for, else the first matching overlay, answers: a fault by re-asking the envelope with
``Prefer: fault=NAME``; fixed elements by asking the envelope (not ``state``: no side effect) and replacing the
Body's content, keeping its version, header blocks and HTTP headers — unless the mock refuses the request
itself (an invalid envelope is a Client fault still). Then the operation's hooks: ``answer.xml`` is the Body's
first element as XML text; what they return (``xml`` and/or ``values``, or a declared ``fault``) is built and
validated like an overlay before it is sent.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from toolkit.errors import ConfigError
from toolkit.exchange import MockResult, Request, Response
from toolkit.mock.envelope import MockEnvelope
from toolkit.mock.seed import rng_for
from toolkit.sandbox.hooks import Answer, HookRequest
from toolkit.sandbox.layers import Call, Next
from toolkit.sandbox.overlays.entries import (
    Entry,
    Example,
    check_keys,
    did_you_mean,
    example_asked,
    first_values,
    headers_match,
    headers_of,
    string,
    table,
)
from toolkit.sandbox.overlays.hooks import Hook, HookError, Hooks, warned
from toolkit.sandbox.reasking import with_prefer
from toolkit.soap.generate.generator import XsdGenerationError
from toolkit.soap.mock.dispatch import PortOperation
from toolkit.soap.mock.envelope import (
    ENVELOPE_NAMESPACES,
    EnvelopeError,
    build_envelope,
    detached,
    leaf_values,
    read_envelope,
    request_action,
)
from toolkit.soap.mock.handler import SoapMock

__all__ = ["SoapFixed", "SoapOverlay", "SoapOverlays", "compile_soap"]

_OVERLAY_KEYS = ("operation", "headers", "body", "answer", "xml", "xml_file", "fault", "example")
_EXAMPLE_KEYS = ("operation", "answer", "xml", "fault", "description")
_ANSWERS = ("answer", "xml", "xml_file", "fault", "example")
_DRAWS = 32  # generated answers tried for one carrying every path of an overlay's answer
_PREFER_FAULT = re.compile(r"(?:^|[,;\s])fault\s*=", re.IGNORECASE)  # the mock's: the client asked for a fault
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)
_FAULT_LOCAL = "Fault"


@dataclass(frozen=True)
class Target:
    """An operation as an overlay, example or hook names it: a name (every port) or one port's id."""

    name: str
    id: str | None = None

    def covers(self, op: PortOperation) -> bool:
        return op.name == self.name and (self.id is None or self.id == op.operation.id)


@dataclass(frozen=True)
class SoapFixed:
    """A fixed SOAP answer: the response's Body elements (serialized, per operation id), or a declared fault."""

    elements: Mapping[str, tuple[bytes, ...]] = field(default_factory=dict)
    fault: str | None = None


@dataclass(frozen=True)
class SoapOverlay:
    target: Target
    answer: SoapFixed
    body: tuple[tuple[tuple[str, ...], str], ...] = ()  # (path of local names, text)
    headers: tuple[tuple[str, str], ...] = ()
    where: str = ""

    @property
    def operation(self) -> str:
        return self.target.id or self.target.name

    def matches(self, request: Request, leaves: list[tuple[tuple[str, ...], str]] | None) -> bool:
        if not headers_match(request, self.headers):
            return False
        if not self.body:
            return True
        assert leaves is not None
        return all(
            any(_ends_with(path, wanted) and found == value for path, found in leaves) for wanted, value in self.body
        )


class SoapOverlays:
    """The overlays layer's work for one SOAP API. Thread-safe: nothing changes after load."""

    def __init__(
        self,
        envelope: MockEnvelope,
        overlays: tuple[SoapOverlay, ...],
        examples: list[tuple[Target, str, SoapFixed]],
        hooks: Hooks,
    ) -> None:
        self.envelope = envelope
        mock = envelope.mock
        assert isinstance(mock, SoapMock)
        self.mock = mock
        self.overlays = overlays
        self.examples = examples
        self.hooks = hooks
        self._names = {o.target.name for o in overlays} | {target.name for target, _, _ in examples}

    def __call__(self, call: Call, inner: Next) -> MockResult:
        request = call.request
        if request.method.upper() != "POST" or _PREFER_FAULT.search(request.header("prefer") or ""):
            return inner(call)
        if not self.hooks and not self.overlays and not self.examples:
            return inner(call)
        try:
            envelope = read_envelope(request.body, self.mock.options.limits.max_xml_elements)
        except EnvelopeError:
            return inner(call)
        op = self._operation(request, envelope.version, envelope.first)
        if op is None:
            return inner(call)
        hooks = self.hooks.of(op.name, op.operation.id) if self.hooks else ()
        if op.name not in self._names and not hooks:
            return inner(call)
        fixed: SoapFixed | None = None
        example = example_asked(request)
        if example is not None:
            fixed = next((f for t, name, f in self.examples if name == example and t.covers(op)), None)
        if fixed is None:
            example = None
            leaves = _leaves(envelope.body) if any(o.body for o in self.overlays) else None
            overlay = next((o for o in self.overlays if o.target.covers(op) and o.matches(request, leaves)), None)
            fixed = overlay.answer if overlay is not None else None
        if fixed is not None:
            result = self._fixed(call, op, fixed, example)
        elif hooks:
            result = inner(call)
        else:
            return inner(call)
        return self._hooked(call, op, envelope.body, result, hooks) if hooks else result

    def _operation(self, request: Request, version: str, first: etree._Element | None) -> PortOperation | None:
        action = request_action(request, version)
        for port in self.mock.ports:
            if port.version == version:
                found = port.find(action, str(first.tag) if first is not None else None)
                if found is not None:
                    return found
        return None

    def _fixed(self, call: Call, op: PortOperation, fixed: SoapFixed, example: str | None) -> MockResult:
        if fixed.fault is not None:
            result = self.envelope(with_prefer(call, f"fault={fixed.fault}").request)
        else:
            asked = self.envelope(call.request)
            if asked.response.status != 200 or op.operation.id not in asked.operations:
                return asked  # the mock refused the request itself (an invalid envelope): its fault stands
            elements = [etree.fromstring(item, _PARSER) for item in fixed.elements[op.operation.id]]
            rebuilt = _rebuilt(asked, elements)
            if rebuilt is None:
                return asked
            result = rebuilt
        if example is not None:
            response = result.response
            headers = (*response.headers, ("preference-applied", f"example={example}"))
            result = replace(result, response=replace(response, headers=headers))
        return replace(result, deliveries=())

    # -- hooks ---------------------------------------------------------------------------------------

    def _hooked(
        self,
        call: Call,
        op: PortOperation,
        body: tuple[etree._Element, ...],
        result: MockResult,
        hooks: tuple[Hook, ...],
    ) -> MockResult:
        request = call.request
        hook_request = HookRequest(
            operation=op.operation.id,
            method=request.method.upper(),
            path=request.path,
            session=call.session,
            headers=first_values(request.headers),
            body=request.body,
            values=leaf_values(body, self.mock.options.limits.max_body),
        )
        for hook in hooks:
            answer = _answer_of(result.response)
            try:
                returned = hook.run(hook_request, answer)
            except HookError as error:
                return MockResult(self.envelope.error_response(request, 500, str(error)), operations=(op.operation.id,))
            if returned is None:
                continue
            built = returned if isinstance(returned, str) else self._from_hook(call, op, result, answer, returned)
            result = warned(result, hook.misfit(built)) if isinstance(built, str) else built
        return result

    def _from_hook(
        self, call: Call, op: PortOperation, current: MockResult, received: Answer, returned: Answer
    ) -> MockResult | str:
        if returned.status is not None and returned.status != received.status:
            return "a SOAP answer's status follows from it (200, or 500 for a fault): give xml, values or fault"
        if returned.fault is not None:
            if not any(returned.fault in (f.name, _local(f.element or "")) for f in op.faults):
                declared = ", ".join(f.name for f in op.faults) or "none"
                return f"{op.name} declares no fault {returned.fault!r} (declared: {declared})"
            return self.envelope(with_prefer(call, f"fault={returned.fault}").request)
        if returned.xml == received.xml and not returned.values:
            return current
        base = current
        if _is_fault(current.response):
            base = self.envelope(call.request)
            if base.response.status != 200 or _is_fault(base.response):
                return "the mock refuses this request itself: there is no answer to change"
        parsed = _parse(returned.xml if returned.xml is not None else _first_xml(base.response) or "")
        if isinstance(parsed, str):
            return f"xml: {parsed}"
        expected = _response_elements(op)
        if not expected or parsed.tag != expected[0]:
            return f"xml must be a <{expected[0] if expected else '?'}> element, not <{parsed.tag}>"
        paths = _flattened(returned.values, "values", None) if returned.values else []
        if isinstance(paths, str):
            return paths
        missing = _apply(paths, [parsed])
        if missing:
            return f"values: the answer has no {missing[0]}"
        violations = self.mock.validator.validate(detached(parsed))
        if violations:
            return f"the answer does not validate: {violations[0].path}: {violations[0].message}"
        envelope = read_envelope(base.response.body)
        elements = [parsed, *(copy.deepcopy(e) for e in envelope.body[1:])]
        built = _rebuilt(base, elements)
        return built if built is not None else "the mock's answer cannot be read back"


# -- request and answer helpers --------------------------------------------------------------------


def _leaves(body: Iterable[etree._Element]) -> list[tuple[tuple[str, ...], str]]:
    """Every leaf element (path of local names, trimmed text) and attribute (path ending ``@name``) of ``body``."""
    out: list[tuple[tuple[str, ...], str]] = []
    for root in body:
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            path = _path_of(element)
            for name, value in element.attrib.items():
                out.append(((*path, "@" + etree.QName(name).localname), str(value).strip()))
            if not len(element):
                out.append((path, (element.text or "").strip()))
    return out


def _path_of(element: etree._Element) -> tuple[str, ...]:
    names: list[str] = []
    node: etree._Element | None = element
    while node is not None and isinstance(node.tag, str):
        names.append(etree.QName(node).localname)
        node = node.getparent()
    return tuple(reversed(names))


def _ends_with(path: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    return len(path) >= len(wanted) and path[len(path) - len(wanted) :] == wanted


def _is_fault(response: Response) -> bool:
    try:
        envelope = read_envelope(response.body)
    except EnvelopeError:
        return False
    first = envelope.first
    return first is not None and first.tag == f"{{{ENVELOPE_NAMESPACES[envelope.version]}}}{_FAULT_LOCAL}"


def _first_xml(response: Response) -> str | None:
    try:
        envelope = read_envelope(response.body)
    except EnvelopeError:
        return None
    first = envelope.first
    return etree.tostring(detached(first), encoding="unicode") if first is not None else None


def _answer_of(response: Response) -> Answer:
    return Answer(status=response.status, headers=first_values(response.headers), xml=_first_xml(response))


def _rebuilt(result: MockResult, elements: list[etree._Element]) -> MockResult | None:
    """``result`` with its Body's content replaced by ``elements`` (version, header blocks and HTTP headers kept)."""
    try:
        envelope = read_envelope(result.response.body)
    except EnvelopeError:
        return None
    body = build_envelope(envelope.version, elements, list(envelope.headers))
    headers = tuple(h for h in result.response.headers if h[0] != "content-length")
    return replace(result, response=Response(200, headers, body))


def _parse(xml: str) -> etree._Element | str:
    if _DECLARATION.search(xml):
        return "a DTD or entity declaration is not allowed"
    try:
        element = etree.fromstring(xml.strip().encode(), _PARSER)
    except etree.XMLSyntaxError as error:
        return f"not well-formed XML: {error}"
    return element


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _response_elements(op: PortOperation) -> list[str]:
    if op.output is None:
        return []
    if op.style == "rpc":
        return [op.response_qname] if op.response_qname else []
    return [part.element for part in op.output.parts if part.element]


def _flattened(values: Any, key: str, where: str | None) -> list[tuple[tuple[str, ...], str]] | str:
    """``values`` (a table of paths, nested tables being paths too) as (path of local names, text) pairs; a str
    (or a ``ConfigError`` when ``where`` is given) says what is wrong."""
    out: list[tuple[tuple[str, ...], str]] = []

    def walk(prefix: tuple[str, ...], table_: Mapping[str, Any]) -> str | None:
        for name, value in table_.items():
            steps = tuple(step for step in str(name).split("/") if step)
            if not steps or any(step.startswith("@") for step in steps[:-1]) or any(s == "@" for s in steps):
                return f"{key}: {name!r} is not a path of element names (a/b, @attribute last)"
            path = (*prefix, *steps)
            if isinstance(value, dict):
                if path[-1].startswith("@"):
                    return f"{key}: an attribute {name!r} holds a value, not a table"
                problem = walk(path, value)
                if problem:
                    return problem
                continue
            if isinstance(value, bool):
                out.append((path, "true" if value else "false"))
            elif isinstance(value, str | int | float):
                out.append((path, str(value)))
            else:
                return f"{key}.{'/'.join(path)} must be a string, number or boolean, not {value!r}"
        return None

    if not isinstance(values, Mapping):
        problem: str | None = f"{key} must be a table of element names and values, not {values!r}"
    else:
        problem = walk((), values)
    if problem is not None:
        if where is not None:
            raise ConfigError(problem, where=where)
        return problem
    return out


def _apply(paths: list[tuple[tuple[str, ...], str]], roots: list[etree._Element]) -> list[str]:
    """Set every leaf and attribute on each path to its text; the paths found nowhere (as written)."""
    missing: list[str] = []
    for path, value in paths:
        found = False
        attribute = path[-1][1:] if path[-1].startswith("@") else None
        owner = path[:-1] if attribute is not None else path
        for root in roots:
            for element in root.iter():
                if not isinstance(element.tag, str) or (owner and not _ends_with(_path_of(element), owner)):
                    continue
                if attribute is not None:
                    names = [n for n in element.attrib if etree.QName(n).localname == attribute]
                    for name in names:
                        element.set(name, value)
                        found = True
                elif not len(element):
                    element.text = value
                    found = True
        if not found:
            missing.append("/".join(path))
    return missing


# -- load time -------------------------------------------------------------------------------------


class _Contract:
    """The SOAP mock's operations by name and id, its generator and validator."""

    def __init__(self, envelope: MockEnvelope) -> None:
        mock = envelope.mock
        if not isinstance(mock, SoapMock):
            raise TypeError(f"SOAP overlays need a SOAP mock, not {type(mock).__name__}")
        self.mock = mock
        self.by_name: dict[str, list[PortOperation]] = {}
        self.by_id: dict[str, PortOperation] = {}
        for port in mock.ports:
            for op in port.operations:
                self.by_name.setdefault(op.name, []).append(op)
                self.by_id[op.operation.id] = op

    @property
    def names(self) -> list[str]:
        return [*self.by_name, *self.by_id]

    def has(self, operation: str) -> bool:
        return operation in self.by_name or operation in self.by_id

    def target(self, operation: str | None, where: str) -> tuple[Target, list[PortOperation]]:
        if operation is None:
            raise ConfigError("operation (a SOAP operation's name) is required", where=where)
        if operation in self.by_id:
            op = self.by_id[operation]
            return Target(op.name, operation), [op]
        if operation in self.by_name:
            return Target(operation), self.by_name[operation]
        hint = did_you_mean(operation, self.names, None) or f"the operations: {', '.join(self.by_name)}"
        raise ConfigError(f"the contract has no operation {operation!r}", where=where, hint=hint)


def compile_soap(envelope: MockEnvelope, entries: list[Entry], examples: list[Example], hooks: Hooks) -> SoapOverlays:
    """The SOAP overlays, examples and hooks of one API, every one checked against ``envelope``'s contract."""
    contract = _Contract(envelope)
    named: list[tuple[Target, str, SoapFixed]] = []
    places: dict[tuple[Target, str], str] = {}
    for example in examples:
        entry = example.entry
        check_keys(entry, _EXAMPLE_KEYS, "an example")
        target, ops = contract.target(string(entry.keys, "operation", entry.where), entry.where)
        if (target, example.name) in places:
            raise ConfigError(
                f"a second example {example.name!r} of {target.name} (the first: {places[target, example.name]})",
                where=entry.where,
            )
        places[target, example.name] = entry.where
        named.append((target, example.name, _fixed(entry, ops, contract)))
    overlays = tuple(_overlay(entry, contract, named) for entry in entries)
    hooks.check(contract.names, contract.has)
    return SoapOverlays(envelope, overlays, named, hooks)


def _overlay(entry: Entry, contract: _Contract, examples: list[tuple[Target, str, SoapFixed]]) -> SoapOverlay:
    check_keys(entry, _OVERLAY_KEYS, "[[overlay]]")
    where = entry.where
    target, ops = contract.target(string(entry.keys, "operation", where), where)
    example = string(entry.keys, "example", where)
    if example is not None:
        others = [key for key in _ANSWERS if key in entry.keys and key != "example"]
        if others:
            raise ConfigError(f"give example or {others[0]}, not both", where=where)
        found = next((f for t, name, f in examples if name == example and t.name == target.name), None)
        if found is None:
            raise ConfigError(f"no example {example!r} of {target.name} in examples/", where=where)
        answer = found
    else:
        answer = _fixed(entry, ops, contract)
    conditions = _flattened(table(entry.keys, "body", where), "body", where)
    assert not isinstance(conditions, str)
    return SoapOverlay(target, answer, tuple(conditions), headers_of(entry.keys, where), where)


def _fixed(entry: Entry, ops: list[PortOperation], contract: _Contract) -> SoapFixed:
    where = entry.where
    given = [key for key in ("answer", "xml", "xml_file", "fault") if key in entry.keys]
    if len(given) != 1:
        what = (
            "one of answer, xml, xml_file or fault is required"
            if not given
            else f"give {given[0]} or {given[1]}, not both"
        )
        raise ConfigError(what, where=where)
    if given[0] == "fault":
        fault = string(entry.keys, "fault", where)
        assert fault is not None
        for op in ops:
            if not any(fault in (f.name, _local(f.element or "")) for f in op.faults):
                declared = ", ".join(f.name for f in op.faults) or "none"
                raise ConfigError(f"{op.name} declares no fault {fault!r} (declared: {declared})", where=where)
        return SoapFixed(fault=fault)
    elements: dict[str, tuple[bytes, ...]] = {}
    for op in ops:
        if op.output is None:
            raise ConfigError(f"{op.name} is one-way: it has no answer to fix (a fault is possible)", where=where)
        written = given[0] != "answer"
        built = _written(entry, op, contract, given[0]) if written else _generated(entry, op, contract)
        _check_served(built, op, contract, where)
        elements[op.operation.id] = tuple(etree.tostring(element) for element in built)
    return SoapFixed(elements)


def _generated(entry: Entry, op: PortOperation, contract: _Contract) -> list[etree._Element]:
    """A generated answer of ``op`` carrying every path of ``answer``, each set to its value; valid."""
    where = entry.where
    paths = _flattened(entry.keys["answer"], "answer", where)
    assert not isinstance(paths, str)
    # plain names steer the generator (it uses a value where the leaf's type accepts it); paths and attributes
    # are set afterwards only where they lead
    overrides = {path[0]: value for path, value in paths if len(path) == 1 and not path[0].startswith("@")}
    mock = contract.mock
    best: tuple[list[str], str] | None = None  # (paths missing, first violation) of the closest draw
    for attempt in range(_DRAWS):
        rng = rng_for(mock.options.seed, ("overlay", where, op.operation.id, attempt))
        try:
            elements = [mock.generator.element(name, rng, overrides=overrides) for name in _response_elements(op)]
        except XsdGenerationError as error:
            raise ConfigError(f"no answer of {op.name} can be generated: {error}", where=where) from None
        missing = _apply(paths, elements)
        violations = [v for element in elements for v in mock.validator.validate(detached(element))]
        if not missing and not violations:
            return elements
        problem = f"{violations[0].path}: {violations[0].message}" if violations else ""
        if best is None or (len(missing), bool(problem)) < (len(best[0]), bool(best[1])):
            best = (missing, problem)
    assert best is not None
    missing, problem = best
    if missing:
        raise ConfigError(
            f"answer: no {op.name} answer has {', '.join(missing)} (in {_DRAWS} generated answers)", where=where,
            hint="name elements by their local names (a/b for a child, @name for an attribute), or give the whole "
            "answer as xml",
        )  # fmt: skip
    raise ConfigError(f"answer does not fit {op.name}'s response: {problem}", where=where)


def _written(entry: Entry, op: PortOperation, contract: _Contract, key: str) -> list[etree._Element]:
    where = entry.where
    if key == "xml_file":
        path, xml = entry.file("xml_file")
        shown = str(path)
    else:
        value = entry.keys["xml"]
        if not isinstance(value, str):
            raise ConfigError(f"xml must be a string of XML, not {value!r}", where=where)
        xml, shown = value, where
    expected = _response_elements(op)
    if len(expected) != 1:
        raise ConfigError(f"{op.name} answers {len(expected)} Body elements: give answer values, not xml", where=where)
    parsed = _parse(xml)
    if isinstance(parsed, str):
        raise ConfigError(f"{key}: {parsed}", where=shown)
    if parsed.tag != expected[0]:
        raise ConfigError(
            f"{key} must be a <{expected[0]}> element (the answer of {op.name}), not <{parsed.tag}>", where=shown
        )
    violations = contract.mock.validator.validate(detached(parsed))
    if violations:
        raise ConfigError(f"{key} does not fit {op.name}'s response: {violations[0].path}: {violations[0].message}",
                          where=shown)  # fmt: skip
    return [parsed]


def _check_served(elements: list[etree._Element], op: PortOperation, contract: _Contract, where: str) -> None:
    """The answer as it will be sent, in an envelope of the operation's SOAP version, read back and validated."""
    served = read_envelope(build_envelope(_version_of(op, contract), [copy.deepcopy(e) for e in elements]))
    for element in served.body:
        violations = contract.mock.validator.validate(detached(element))
        if violations:
            raise ConfigError(
                f"the answer of {op.name} does not validate once in its envelope: {violations[0].path}: "
                f"{violations[0].message}", where=where,
            )  # fmt: skip


def _version_of(op: PortOperation, contract: _Contract) -> str:
    return next((port.version for port in contract.mock.ports if op in port.operations), "1.1")

"""``ctk verify`` for SOAP: zeep calls the vendor with valid inputs drawn from the XSD, each answer judged by the WSDL.

A zeep client is built from the contract's own WSDL (its imports read from disk, the SOAP schemas zeep asks for by
URL from ctk's built-in copies: loading sends nothing), bound to the vendor's endpoint, and given the run's
``SafeClient.zeep_transport`` so every call spends the budget, waits as the vendor asks and trips the breaker
(and, when the vendor's auth is ``wsse``, a WS-Security UsernameToken in every envelope).
For every safe operation of a SOAP binding, ``examples`` inputs are drawn by ctk's XSD generator (seeded by the
run's seed, the operation and the example's number, so a run replays) and passed as zeep's arguments. An unsafe
operation is sent only with ``--unsafe`` and only in a chain that cleans up (``Chain``: create → read → delete);
with ``--unsafe-all`` (a server that holds nothing shared) the other unsafe operations are sent on their own too.
The raw answer is judged with the check names every protocol shares (``core.CHECKS``):

- ``not_a_server_error``: HTTP 5xx that is not a SOAP Fault;
- ``content_type_conformance``: not ``text/xml`` (SOAP 1.1) or ``application/soap+xml`` (SOAP 1.2);
- ``status_code_conformance``: an answer 200, a Fault 500 (SOAP 1.2: 400 for a Sender fault), nothing else;
- ``fault_declared``: a Fault whose detail the operation does not declare, or a Server fault declaring nothing;
- ``response_schema_conformance``: a Body that is not the operation's response element, or is invalid against the
  XSD (ctk's ``XsdValidator``), and a declared fault's detail invalid against it.

One failure per operation and check (the first), with the envelope sent as its reproduction; an undeclared fault
is also handed to the evidence sinks as an ``undeclared-fault`` observation, and a status the WSDL never
answers as ``undocumented-status``.
"""

from __future__ import annotations

import copy
import random
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from toolkit.model import SoapOperation
from toolkit.verify.core import Failure, Observation, PlannedCall, VerifyContext
from toolkit.verify.safety import is_safe

if TYPE_CHECKING:
    import httpx
    import requests
    from zeep import Client

    from toolkit.soap.mock.dispatch import PortOperation
    from toolkit.soap.mock.handler import SoapMock

__all__ = ["SoapEngine", "endpoint"]

MEDIA_TYPES = {"1.1": "text/xml", "1.2": "application/soap+xml"}
ENVELOPES = {"1.1": "http://schemas.xmlsoap.org/soap/envelope/", "1.2": "http://www.w3.org/2003/05/soap-envelope"}
CLIENT_CODES = {"1.1": "Client", "1.2": "Sender"}
REPRODUCTION_CHARS = 4000


def endpoint(ctx: VerifyContext, operation: SoapOperation) -> str:
    """Where ``operation`` is sent: ``soap_endpoint`` from the settings, else the base URL when it has a path
    (the vendor's endpoint), else the base URL's origin with the path of the port's address (as ``ctk serve``
    mounts each port)."""
    given = ctx.extra.get("soap_endpoint")
    if given:
        return given
    base = urlsplit(ctx.base_url)
    if base.path.strip("/"):
        return ctx.base_url
    path = urlsplit(operation.address or "").path or "/"
    return urlunsplit((base.scheme, base.netloc, path, "", ""))


class _NotCallableError(Exception):
    """zeep cannot build a request for the operation (its reason in the message)."""


class _AnsweredError(Exception):
    """Raised through zeep once the answer is captured, so zeep does not deserialize (and log) it."""


def _is_fault(response: httpx.Response) -> bool:
    """A SOAP Fault (HTTP 500, or 400 for a SOAP 1.2 Sender fault) is an answer, not a failing vendor."""
    return response.status_code in (400, 500) and b"Fault" in response.content[:4096]


@dataclass
class _Call:
    """What one call sent and got back (captured from the transport)."""

    operation: str = ""
    safe: bool = True
    sent: bytes = b""
    answer: requests.Response | None = None


@dataclass
class _Setup:
    """The contract compiled once per run: ctk's mock (generator, validator, bound operations) and zeep's client."""

    mock: SoapMock
    client: Client | None  # None: zeep cannot read this WSDL (``unreadable`` says why); every operation is skipped
    call: _Call
    bound: dict[str, PortOperation] = field(default_factory=dict)
    unreadable: str = ""


class SoapEngine:
    """The SOAP ``Engine`` (``core.Engine``): the runner asks for one operation at a time, so the compiled
    contract is kept for the run's context."""

    def __init__(self) -> None:
        self._setup: tuple[VerifyContext, _Setup] | None = None

    def _setup_for(self, ctx: VerifyContext) -> _Setup:
        if self._setup is None or self._setup[0] is not ctx:
            self._setup = (ctx, _setup(ctx))
        return self._setup[1]

    def operations(self, ctx: VerifyContext) -> list[str]:
        return [op.id for op in _operations(ctx)]

    def plan(self, ctx: VerifyContext) -> list[PlannedCall]:
        """One call per operation and example (a chain: one create, read, delete), with the start of its
        envelope (built by zeep, never sent)."""
        setup = self._setup_for(ctx)
        planned = []
        for op in _operations(ctx):
            chain = next((c for c in chains(ctx) if op in (c.create, c.delete)), None)
            steps = [(op, index) for index in range(max(ctx.examples, 1))]
            if chain is not None:
                steps = [] if op is chain.delete else [(step, 0) for step in chain.steps]
            for step, index in steps:
                envelope = _envelope(setup, ctx, step, index)
                preview = " ".join(envelope.split())[:200] if envelope else "(zeep cannot build this request)"
                safe = is_safe(step, ctx.safe_names)
                planned.append(PlannedCall(step.id, "POST", endpoint(ctx, step), safe, preview))
        return planned

    def run(self, ctx: VerifyContext, only: str | None = None) -> Iterator[Failure]:
        setup = self._setup_for(ctx)
        for op in _operations(ctx):
            if only is not None and op.id != only:
                continue
            if ctx.client.stop_reason is not None:
                return
            chain = next((c for c in chains(ctx) if op in (c.create, c.delete)), None)
            if chain is None:
                yield from _run_operation(ctx, setup, op)
            elif op is chain.create:  # the delete ran in its chain
                yield from _run_chain(ctx, setup, chain)


@dataclass(frozen=True)
class Chain:
    """An unsafe operation sent only with ``--unsafe``, and only so: ``Create``/``Add`` + noun, then a
    ``Get``/``Find`` + noun reading it (when the port has one), then ``Delete``/``Remove`` + noun removing it,
    the created id (the answer's first element named ``…id``) given to both by its element's name."""

    create: SoapOperation
    read: SoapOperation | None
    delete: SoapOperation

    @property
    def steps(self) -> tuple[SoapOperation, ...]:
        return (self.create, self.delete) if self.read is None else (self.create, self.read, self.delete)


def _soap_operations(ctx: VerifyContext) -> list[SoapOperation]:
    """The SOAP-bound operations (zeep builds no request for an HTTP binding)."""
    return [op for op in ctx.contract.operations if isinstance(op, SoapOperation) and op.soap_version is not None]


def _operations(ctx: VerifyContext) -> list[SoapOperation]:
    """The safe operations; with ``--unsafe`` also each chain's create and delete; with ``--unsafe-all``
    (``every_operation``) every other operation too, sent on its own like a safe one."""
    chosen = [op for op in _soap_operations(ctx) if is_safe(op, ctx.safe_names)]
    if ctx.unsafe:
        chosen += [op for chain in chains(ctx) for op in (chain.create, chain.delete) if op not in chosen]
    if ctx.every_operation:
        chosen += [op for op in _soap_operations(ctx) if op not in chosen]
    return chosen


def chains(ctx: VerifyContext) -> list[Chain]:
    """Every create with a delete of the same noun on the same port (and the read of that noun, if any)."""
    ops = _soap_operations(ctx)
    found = []
    for create in ops:
        noun = _noun(create.name, ("create", "add"))
        if noun is None:
            continue
        same_port = [op for op in ops if (op.service, op.port) == (create.service, create.port)]
        delete = next((op for op in same_port if _noun(op.name, ("delete", "remove")) == noun), None)
        read = next((op for op in same_port if _noun(op.name, ("get", "find")) == noun), None)
        if delete is not None:
            found.append(Chain(create, read, delete))
    return found


def _noun(name: str, verbs: tuple[str, ...]) -> str | None:
    """``book`` of ``AddBook``/``createBook``/``RemoveBook`` (lower-cased), None for another verb."""
    for verb in verbs:
        if name.lower().startswith(verb) and name[len(verb) : len(verb) + 1].isupper():
            return name[len(verb) :].lower()
    return None


def _setup(ctx: VerifyContext) -> _Setup:
    import zeep

    from toolkit.soap.load import SoapContract
    from toolkit.soap.mock.handler import SoapMock, SoapMockOptions
    from toolkit.soap.mock.zeep_transport import builtin_schema

    contract = ctx.contract
    if not isinstance(contract, SoapContract):
        raise TypeError(f"{ctx.api}: not a WSDL contract")
    mock = SoapMock(contract, SoapMockOptions(seed=ctx.seed))
    call = _Call()

    def operation_of(body: bytes, headers: Any) -> tuple[str, bool]:
        call.sent = body
        return call.operation, call.safe

    transport = ctx.client.zeep_transport(operation_of, expected=_is_fault)
    send = transport.post
    load = transport.load

    def post(address: str, message: bytes | str, headers: dict[str, str]) -> requests.Response:
        call.answer = send(address, message, {**ctx.extra_headers, **headers})
        raise _AnsweredError  # the raw answer is judged here; zeep's reading of it would add nothing

    def local_load(url: str) -> bytes:
        """The WSDL's imports from disk; a schema named by URL only from ctk's copies (loading sends nothing)."""
        if urlsplit(url).scheme in ("http", "https"):
            builtin = builtin_schema(url)
            if builtin is None:
                raise ValueError(f"the WSDL imports {url}: verify reads the contract's files only (mirror it)")
            return builtin
        return bytes(load(url))

    transport.post, transport.load = post, local_load
    bound = {port_op.operation.id: port_op for port in mock.ports for port_op in port.operations}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            client = zeep.Client(contract.source, transport=transport, wsse=_wsse(ctx))  # type: ignore[no-untyped-call]
        except Exception as error:  # noqa: BLE001 - zeep's limit, not the vendor's: each operation is skipped
            return _Setup(mock, None, call, bound, f"zeep cannot read this WSDL: {type(error).__name__}: {error}")
    return _Setup(mock, client, call, bound)


def _wsse(ctx: VerifyContext) -> Any:
    """A WS-Security UsernameToken (PasswordText) for every envelope when the vendor's auth is ``wsse``: the CLI
    puts the values from the environment in ``extra``, and the same values in the credentials' secrets, so every
    reproduction and plan preview is scrubbed of them."""
    username, password = ctx.extra.get("wsse_username"), ctx.extra.get("wsse_password")
    if not username or not password:
        return None
    from zeep.wsse.username import UsernameToken

    return UsernameToken(username, password)  # type: ignore[no-untyped-call]  # zeep's


def _envelope(setup: _Setup, ctx: VerifyContext, op: SoapOperation, index: int) -> str:
    """The envelope of example ``index`` as zeep builds it ("" when zeep cannot)."""
    if setup.client is None:
        return ""
    try:
        service, args, kwargs = _prepared(setup, ctx, op, index)
        message = setup.client.create_message(service, op.name, *args, **kwargs)  # type: ignore[no-untyped-call]
    except Exception:  # noqa: BLE001 - a request zeep cannot build is shown as such in the plan
        return ""
    return ctx.client.credentials.redact(etree.tostring(message, encoding="unicode"))


def _prepared(
    setup: _Setup, ctx: VerifyContext, op: SoapOperation, index: int, given: Mapping[str, str] | None = None
) -> tuple[Any, list[Any], dict[str, Any]]:
    """(zeep's service bound to the vendor's endpoint, the call's arguments) for example ``index``; ``given``:
    values for leaf elements by local name (a created item's id)."""
    from toolkit.mock.seed import rng_for

    if setup.client is None:
        raise _NotCallableError(setup.unreadable)
    port = setup.client.wsdl.services[op.service].ports[op.port]
    operation = port.binding._operations.get(op.name)
    if operation is None:
        raise _NotCallableError("zeep dropped this operation from the binding (a construct it does not read)")
    rng = rng_for(ctx.seed, (op.id, index))
    args, kwargs = _arguments(setup.mock, setup.client, operation, setup.bound[op.id], rng, given)
    service = setup.client.create_service(port.binding.name, endpoint(ctx, op))  # type: ignore[no-untyped-call]
    return service, args, kwargs


def _run_operation(ctx: VerifyContext, setup: _Setup, op: SoapOperation) -> Iterator[Failure]:
    reported: set[tuple[str, str]] = set()
    for index in range(max(ctx.examples, 1)):
        failures, answer = _call(ctx, setup, op, index, reported)
        yield from failures
        if answer is None:
            return  # refused (budget, breaker, unsafe), unanswered or not buildable: this operation stops


def _run_chain(ctx: VerifyContext, setup: _Setup, chain: Chain) -> Iterator[Failure]:
    """create → read → delete, the created id carried from the first answer to the others."""
    reported: set[tuple[str, str]] = set()
    failures, answer = _call(ctx, setup, chain.create, 0, reported)
    yield from failures
    created = _created_id(answer)
    if created is None:
        return  # nothing created, or no id to clean up with (the answer's problems are already reported)
    name, value = created
    given = {name: value, "id": value}
    for step in chain.steps[1:]:
        failures, _ = _call(ctx, setup, step, 0, reported, given)
        yield from failures


def _created_id(answer: requests.Response | None) -> tuple[str, str] | None:
    """(local name, text) of the first element named ``…id`` in a successful answer's Body."""
    if answer is None or answer.status_code != 200:
        return None
    try:
        envelope = etree.fromstring(answer.content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    for element in envelope.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname.lower().endswith("id") and element.text:
            return etree.QName(element).localname, element.text.strip()
    return None


def _call(
    ctx: VerifyContext,
    setup: _Setup,
    op: SoapOperation,
    index: int,
    reported: set[tuple[str, str]],
    given: Mapping[str, str] | None = None,
) -> tuple[list[Failure], requests.Response | None]:
    """One call through zeep and the run's SafeClient, its raw answer judged: (new failures, the answer)."""
    from toolkit.verify.guard import RefusedError

    try:
        service, args, kwargs = _prepared(setup, ctx, op, index, given)
    except Exception as error:  # noqa: BLE001 - zeep cannot build it: nothing to send, not the vendor's fault
        why = str(error) if isinstance(error, _NotCallableError) else f"{type(error).__name__}: {error}"
        ctx.skipped[op.id] = f"zeep cannot build the request: {why}"[:300]
        return [], None
    setup.call.operation, setup.call.safe = op.id, is_safe(op, ctx.safe_names)
    setup.call.sent, setup.call.answer = b"", None
    before = ctx.client.sent
    try:
        getattr(service, op.name)(*args, **kwargs)
    except RefusedError:
        if ctx.client.sent > before and ctx.client.last_error and ctx.client.stop_reason is None:
            said = f"no answer: {ctx.client.last_error}"
            return [_failure(ctx, "transport", op, said, setup.call.sent)], None
        return [], None
    except _AnsweredError:
        pass
    except Exception:  # noqa: BLE001, S110 - zeep refusing to send: no answer captured, the operation stops
        pass
    answer = setup.call.answer
    if answer is None:
        return [], None
    failures = []
    judged = _judge(ctx, setup, op, answer)
    if any(check == "status_code_conformance" for check, _, _ in judged):  # evidence for ctk drift too
        _note(ctx, Observation("undocumented-status", op.id, str(answer.status_code)))
    for check, message, place in judged:
        if (op.id, check) not in reported:
            reported.add((op.id, check))
            failures.append(_failure(ctx, check, op, message, setup.call.sent, place))
    return failures, answer


def _arguments(
    mock: SoapMock,
    client: Client,
    operation: Any,
    mock_op: PortOperation,
    rng: random.Random,
    given: Mapping[str, str] | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """zeep's arguments for one call: valid input elements drawn from the XSD (``given`` leaves set by local
    name where the value fits), parsed by zeep into its own objects (``toolkit.verify.soap._arguments``, which
    the conformance scripts use, draws the same way without ``given``)."""
    kwargs: dict[str, Any] = {}
    if mock_op.input.headers:
        kwargs["_soapheaders"] = [
            mock.generator.element(h.element, rng, overrides=given) for h in mock_op.input.headers
        ]
    body = operation.input.body
    if body is None:
        return [], kwargs
    names = [mock_op.request_qname] if mock_op.style == "rpc" else [part.element for part in mock_op.input.parts]
    if any(name is None for name in names):
        raise ValueError("a document-style part has no element")
    elements = [mock.generator.element(name, rng, overrides=given) for name in names if name is not None]
    if operation.input._is_body_wrapped:  # several document parts: zeep's body is the soap:Body itself
        wrapper = etree.Element(str(body.qname))
        wrapper.extend(elements)
        xml = wrapper
    else:
        xml = elements[0]
    value = body.parse(xml, client.wsdl.types)
    if getattr(body.type, "elements", None) is None:  # a simple-typed body element: one positional argument
        return [value], kwargs
    names_taken = [name for name, _ in body.type.elements] + [name for name, _ in body.type.attributes]
    for name in names_taken:
        kwargs[name] = value[name] if name in value else None  # noqa: SIM401 - a CompoundValue has no .get
    return [], kwargs


def _failure(ctx: VerifyContext, check: str, op: SoapOperation, message: str, sent: bytes, place: str = "") -> Failure:
    redact = ctx.client.credentials.redact
    envelope = sent.decode("utf-8", "replace")[:REPRODUCTION_CHARS]
    return Failure(check, op.id, redact(message), place, redact(f"POST {endpoint(ctx, op)}\n{envelope}"))


def _note(ctx: VerifyContext, observation: Observation) -> None:
    """Hand an observation the engine made itself (not read from a header) to the sinks that take one."""
    for sink in ctx.client.sinks:
        add = getattr(sink, "add", None)  # the evidence collector; a sink that only observes answers has none
        if callable(add):
            add([observation])


# -- judging ---------------------------------------------------------------------------------------------


def _judge(
    ctx: VerifyContext, setup: _Setup, op: SoapOperation, answer: requests.Response
) -> list[tuple[str, str, str]]:
    """(check, message, place) for every way the answer breaks the WSDL; [] when it conforms."""
    version = op.soap_version or "1.1"
    status = answer.status_code
    found: list[tuple[str, str, str]] = []
    media = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != MEDIA_TYPES[version]:
        found.append(("content_type_conformance", f"answered {media or 'no content type'}, "
                      f"not {MEDIA_TYPES[version]} (SOAP {version})", ""))  # fmt: skip
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        envelope = etree.fromstring(answer.content, parser)
    except etree.XMLSyntaxError as error:
        check = "not_a_server_error" if status >= 500 else "response_schema_conformance"
        return [*found, (check, f"HTTP {status}, and the body is not XML: {error}", "")]
    body = envelope.find(f"{{{ENVELOPES[version]}}}Body")
    children = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    if len(children) == 1 and children[0].tag == f"{{{ENVELOPES[version]}}}Fault":
        return found + _fault_problems(ctx, setup, op, children[0], status, version)
    if status >= 500:
        return [*found, ("not_a_server_error", f"HTTP {status} without a SOAP Fault", "")]
    port_op = setup.bound[op.id]
    if status != (200 if port_op.output is not None else 202) and not (port_op.output is None and status == 200):
        found.append(("status_code_conformance", f"HTTP {status} for an answer (SOAP over HTTP: 200)", ""))
    expected = port_op.response_qname
    if expected is None:
        return found
    if not children or children[0].tag != expected:
        held = f"<{children[0].tag}>" if children else "nothing"
        return [*found, ("response_schema_conformance", f"the Body holds {held}, not <{expected}>", "/Body")]
    if port_op.use == "encoded":
        return found  # no schema describes encoded messages: the right wrapper is what can be checked
    problems = [v for child in children for v in setup.mock.validator.validate(copy.deepcopy(child))]
    if problems:
        found.append(("response_schema_conformance", f"{problems[0].path}: {problems[0].message}", problems[0].path))
    return found


def _fault_problems(
    ctx: VerifyContext, setup: _Setup, op: SoapOperation, fault: etree._Element, status: int, version: str
) -> list[tuple[str, str, str]]:
    """A Fault is allowed when its status is the one its code takes and it carries a fault the operation declares
    (or is a Client/Sender fault: the request named something the vendor does not hold), its detail valid."""
    namespace = ENVELOPES[version]
    if version == "1.1":
        code_text, detail = fault.findtext("faultcode") or "", fault.find("detail")
    else:
        code_text = fault.findtext(f"{{{namespace}}}Code/{{{namespace}}}Value") or ""
        detail = fault.find(f"{{{namespace}}}Detail")
    code = code_text.strip().rpartition(":")[2].split(".")[0]
    found: list[tuple[str, str, str]] = []
    expected_status = 400 if version == "1.2" and code == CLIENT_CODES[version] else 500
    if status != expected_status:
        found.append(("status_code_conformance", f"a {code or 'codeless'} Fault answered HTTP {status}, "
                      f"not {expected_status} (SOAP {version})", ""))  # fmt: skip
    entries = [child for child in detail if isinstance(child.tag, str)] if detail is not None else []
    declared = {bound.element for bound in setup.bound[op.id].faults if bound.element}
    undeclared = [entry for entry in entries if entry.tag not in declared]
    ours = [entry for entry in entries if entry.tag in declared]
    if undeclared and not ours:
        name = etree.QName(undeclared[0]).localname
        _note(ctx, Observation("undeclared-fault", op.id, name))
        declared_names = ", ".join(sorted(etree.QName(tag).localname for tag in declared)) or "none"
        found.append(("fault_declared", f"a {code or 'codeless'} Fault with detail <{name}>, which the operation "
                      f"does not declare (declared: {declared_names})", "/Body/Fault/detail"))  # fmt: skip
    elif not ours and code != CLIENT_CODES[version]:
        _note(ctx, Observation("undeclared-fault", op.id, code_text.strip() or "Fault"))
        found.append(("fault_declared", f"a {code or 'codeless'} Fault declaring nothing the operation declares: "
                      f"{code_text.strip()}", "/Body/Fault"))  # fmt: skip
    for entry in ours:
        problems = setup.mock.validator.validate(copy.deepcopy(entry))
        if problems:
            found.append(("response_schema_conformance", f"the Fault's detail: {problems[0].path}: "
                          f"{problems[0].message}", problems[0].path))  # fmt: skip
            break
    return found

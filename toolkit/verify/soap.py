"""SOAP conformance with a real zeep client: does zeep, pointed at the mock's ``?wsdl``, get answers it can use?

``run_one`` loads one WSDL, compiles ctk's SOAP mock for it and serves it (over loopback uvicorn, or
in-process through ``MockZeepTransport``); ``zeep.Client(url + "?wsdl")`` is built from what the mock
serves. For every service/port/operation a valid input element is generated from the XSD, parsed by
zeep into its own objects and passed as the call's arguments; the call must succeed, zeep must
deserialize the answer, and the raw response Body must be valid against the XSD for every judge:
"lxml", ctk's own ``XsdValidator`` (libxml2 on the schema set ctk assembles), and any independent
judges the caller adds (``judges``: a name and a factory building a ``SchemaJudge`` for one WSDL).
rpc/encoded bodies are checked for the right wrapper only, as the mock itself does: no schema describes
encoded messages. A judge that cannot compile a WSDL's schemas is recorded as unavailable for it, with
its reason, and checks nothing there (never a silent pass). Operations zeep cannot build a request for
(HTTP bindings, unsupported constructs) are listed as not callable, with zeep's reason.

``render`` lays a run's outcomes out as a table (returned, not printed).
"""

from __future__ import annotations

import copy
import random
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lxml import etree

from toolkit.load import load_contract
from toolkit.model import SoapOperation
from toolkit.verify.targets import CtkServe, ServerNotReadyError

if TYPE_CHECKING:
    from zeep import Client
    from zeep.transports import Transport

    from toolkit.soap.mock.dispatch import PortOperation
    from toolkit.soap.mock.handler import SoapMock

CTK_JUDGE = "lxml"  # ctk's own XsdValidator: libxml2 on the schema set ctk assembles


class SchemaJudge(Protocol):
    """A judge of SOAP Body children against one WSDL's XML Schema, independent of ctk's own."""

    @property
    def available(self) -> bool:
        """False: it cannot compile this WSDL's schemas and checks nothing."""
        ...

    @property
    def reason(self) -> str:
        """Why it is unavailable ("" when there is nothing to judge at all, which is not worth a note)."""
        ...

    def validate(self, element: etree._Element) -> list[str]:
        """Every reason ``element`` is not valid ("path: reason"); [] when it is."""
        ...


# Builds a judge for the WSDL at a path, with the mirrors of the URLs its imports name.
JudgeFactory = Callable[[Path, Mapping[str, str]], SchemaJudge]


@dataclass
class Outcome:
    wsdl: str
    operations: int = 0
    callable: int = 0
    passed: int = 0  # the call succeeded and no judge found a problem
    failed: list[tuple[str, str]] = field(default_factory=list)  # (operation, first reason): any failure
    # Per judge ("lxml", then the caller's): operations whose answer it checked, and those it rejected.
    checked: dict[str, int] = field(default_factory=lambda: {CTK_JUDGE: 0})
    rejected: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: {CTK_JUDGE: []})
    unavailable: dict[str, str] = field(default_factory=dict)  # judge -> why it checks nothing (or not all) here
    not_callable: list[tuple[str, str]] = field(default_factory=list)  # (operation, zeep's reason)
    # With state on: (operation, fault reason) of passed calls answered with a fault the binding allows (an id
    # the session never created is not found, as the vendor answers it); counted in ``passed`` too.
    faulted: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""  # the WSDL could not be loaded or served at all


@contextmanager
def serving(
    handler: SoapMock,
    in_process: bool,
    served_by: CtkServe | None = None,
    path: Path | None = None,
    mirrors: Mapping[str, str] | None = None,
    seed: int = 0,
) -> Iterator[tuple[str, Transport]]:
    """(base URL, zeep transport) reaching ``handler`` in its envelope: over loopback uvicorn, or in-process;
    with ``served_by``, the contract at ``path`` served by ``ctk serve`` (with its options, e.g. ``--state``)
    in a child process, at the mount ``handler`` has."""
    from toolkit.mock.envelope import MockEnvelope

    if in_process:
        from toolkit.soap.mock.zeep_transport import MockZeepTransport

        yield "http://ctk.mock", MockZeepTransport(MockEnvelope(handler))
        return
    from zeep.transports import Transport

    from toolkit.mock.asgi import MockASGIApp
    from toolkit.mock.loopback import serve_in_thread
    from toolkit.soap.mock.zeep_transport import builtin_schema

    class LoopbackTransport(Transport):
        """zeep's own transport, except for the schemas zeep fetches by namespace URL (soapenc):
        those come from ctk's built-in copies, so a run never leaves loopback."""

        last_status: int | None = None  # the HTTP status of the last answer, for judging a fault

        def load(self, url: str) -> bytes:
            return builtin_schema(url) or bytes(super().load(url))  # type: ignore[no-untyped-call]  # zeep ships no type hints

        def post(self, address: str, message: bytes, headers: dict[str, str]) -> Any:
            response = super().post(address, message, headers)  # type: ignore[no-untyped-call]  # zeep's
            self.last_status = response.status_code
            return response

    transport = LoopbackTransport(timeout=30, operation_timeout=30)  # type: ignore[no-untyped-call]  # zeep's
    if served_by is not None:
        assert path is not None, "ctk serve needs the WSDL's path"
        with served_by.serving(path, seed=seed, mirrors=mirrors, mount=handler.mount) as origin:
            yield origin, transport
        return
    with serve_in_thread(
        MockASGIApp(MockEnvelope(handler)), log_level="error", access_log=False, lifespan="off"
    ) as base:
        yield base, transport


def run_one(
    path: Path,
    *,
    label: str = "",
    mirrors: Mapping[str, str] | None = None,
    in_process: bool = False,
    seed: int = 0,
    judges: Mapping[str, JudgeFactory] | None = None,
    served_by: CtkServe | None = None,
) -> Outcome:
    """A real zeep client against ctk's mock of the WSDL at ``path``; ``judges`` beside ctk's own. With
    ``served_by`` the mock is ``ctk serve`` in a child process (``CtkServe(("--state",))``: with the
    sandbox's state layer); the mock compiled here still builds the arguments and judges the answers. With
    state on, a read, update or delete naming an id the session never created is answered with a fault, as
    the vendor would answer it: a fault passes when the binding allows it (``_fault_problems``) and is listed
    in ``Outcome.faulted``; without state the mock has no reason to fault, and any fault fails."""
    if in_process and served_by is not None:
        raise ValueError("a ctk serve process is reached over loopback, not in-process")
    from toolkit.soap.load import SoapContract
    from toolkit.soap.mock.handler import SoapMock, SoapMockOptions

    mirrors = dict(mirrors or {})
    judges = dict(judges or {})
    names = [CTK_JUDGE, *judges]
    outcome = Outcome(label or path.name, checked=dict.fromkeys(names, 0), rejected={name: [] for name in names})
    try:
        contract = load_contract(path, mirrors=mirrors)
        if not isinstance(contract, SoapContract):
            raise TypeError(f"{path} is not a WSDL")
        mock = SoapMock(contract, SoapMockOptions(seed=seed, mirrors=mirrors))
    except Exception as error:  # noqa: BLE001 - a WSDL ctk cannot load is reported, not raised
        outcome.error = f"{type(error).__name__}: {error}"[:300]
        return outcome
    built = _judges(mock, path, mirrors, judges, outcome)
    faults = served_by is not None and served_by.state
    try:
        with serving(mock, in_process, served_by, path, mirrors, seed) as (base, transport):
            _run_client(mock, built, path, f"{base}{mock.mount}?wsdl", transport, outcome, seed, faults=faults)
    except ServerNotReadyError as error:
        outcome.error = f"{served_by.name if served_by else 'the server'}: {error}"[:300]
    except Exception as error:  # noqa: BLE001 - zeep refusing the served WSDL is this WSDL's outcome
        outcome.error = f"zeep could not build a client: {type(error).__name__}: {error}"[:300]
    return outcome


def _judges(
    mock: SoapMock, path: Path, mirrors: Mapping[str, str], factories: Mapping[str, JudgeFactory], outcome: Outcome
) -> dict[str, SchemaJudge]:
    """The caller's judges of ``path``, and which judge cannot check (all of) this WSDL, and why
    (the independent judges' reasons first, then ctk's)."""
    built: dict[str, SchemaJudge] = {}
    for name, factory in factories.items():
        judge = built[name] = factory(path, mirrors)
        if not judge.available and judge.reason:
            outcome.unavailable[name] = judge.reason
    refused = [w for w in mock.validator.warnings if "left out of validation" in w or "refuses" in w]
    if refused:  # ctk's validator is lenient: what libxml2 refused is left unvalidated
        outcome.unavailable[CTK_JUDGE] = f"libxml2 refuses part of the schemas: {refused[0]}"
    return built


def _run_client(
    mock: SoapMock,
    judges: Mapping[str, SchemaJudge],
    path: Path,
    url: str,
    transport: Transport,
    outcome: Outcome,
    seed: int,
    *,
    faults: bool = False,
) -> None:
    import zeep
    from zeep.exceptions import Fault
    from zeep.plugins import Plugin

    from toolkit.mock.seed import rng_for

    class Capture(Plugin):
        envelope: etree._Element | None = None

        def ingress(self, envelope: etree._Element, http_headers: Any, operation: Any) -> tuple[Any, Any]:
            self.envelope = copy.deepcopy(envelope)
            return envelope, http_headers

    capture = Capture()
    operations = [op for op in mock.contract.operations if isinstance(op, SoapOperation)]
    outcome.operations = len(operations)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            client = zeep.Client(url, transport=transport, plugins=[capture])  # type: ignore[no-untyped-call]  # zeep's
        except Exception as error:  # noqa: BLE001 - judged below: zeep's limit, or the mock's fault
            unread = f"zeep cannot read this WSDL: {type(error).__name__}: {error}"[:200]
            if _zeep_reads(path):
                outcome.error = f"zeep reads the file but not the mock's ?wsdl: {unread}"
            else:
                outcome.not_callable.extend((op.id, unread) for op in operations)
            return
    zeep_warnings = [str(warning.message) for warning in caught]
    ours = {(port.service, port.name): port for port in mock.ports}
    for op in operations:
        reason = _not_callable(client, op, zeep_warnings)
        mock_port = ours.get((op.service, op.port))
        mock_op = next((o for o in mock_port.operations if o.name == op.name), None) if mock_port else None
        if reason is not None or mock_op is None:
            outcome.not_callable.append((op.id, reason or "the mock does not serve this port"))
            continue
        operation = client.wsdl.services[op.service].ports[op.port].binding._operations[op.name]
        try:
            args, kwargs = _arguments(mock, client, operation, mock_op, rng_for(seed, (op.id,)))
        except Exception as error:  # noqa: BLE001 - zeep cannot build this request: not a failure
            why = f"zeep cannot build the request: {type(error).__name__}: {error}"
            outcome.not_callable.append((op.id, why[:200]))
            continue
        outcome.callable += 1
        capture.envelope = None
        try:
            getattr(client.bind(op.service, op.port), op.name)(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the mock's answer was refused: a failure
            said = f"{type(error).__name__}: {error}"
            if faults and isinstance(error, Fault):
                status = getattr(transport, "last_status", None)
                common, verdicts = _fault_problems(mock, judges, mock_op, capture.envelope, status)
                _count(outcome, op.id, common, verdicts, passed_as=said)
            else:
                outcome.failed.append((op.id, said[:300]))
            continue
        common, verdicts = _response_problems(mock, judges, mock_op, capture.envelope)
        _count(outcome, op.id, common, verdicts)


def _count(
    outcome: Outcome,
    op_id: str,
    common: list[str],
    verdicts: dict[str, list[str] | None],
    passed_as: str = "",
) -> None:
    """Record one judged answer: each judge's verdict, then passed or failed (with the first reason);
    ``passed_as``: the answer was a fault, listed in ``faulted`` when it passes."""
    for name, problems in verdicts.items():
        if problems is None:
            continue  # this judge did not check this answer
        outcome.checked[name] += 1
        if problems:
            outcome.rejected[name].append((op_id, problems[0][:300]))
    reasons = common + [f"{name}: {problems[0]}" for name, problems in verdicts.items() if problems]
    if reasons:
        prefix = f"{passed_as[:120]}; " if passed_as else ""
        outcome.failed.append((op_id, (prefix + reasons[0])[:300]))
        return
    outcome.passed += 1
    if passed_as:
        outcome.faulted.append((op_id, passed_as[:300]))


def _not_callable(client: Client, op: SoapOperation, zeep_warnings: list[str]) -> str | None:
    """Why zeep cannot call ``op`` (None when it can): an HTTP binding, or something zeep dropped."""
    from zeep.wsdl.bindings.soap import SoapBinding

    if op.soap_version is None:
        return "HTTP GET/POST binding: zeep builds no SOAP request for it"
    service = client.wsdl.services.get(op.service)
    port = service.ports.get(op.port) if service is not None else None
    if port is None:
        return "zeep lists no such port"
    if not isinstance(port.binding, SoapBinding):
        return f"zeep reads the binding as {type(port.binding).__name__}"
    if op.name not in port.binding._operations:
        said = next((w for w in zeep_warnings if f"'{op.name}'" in w), "")
        return f"zeep dropped the operation: {said}" if said else "zeep dropped the operation"
    if port.binding_options is None:
        return "zeep finds no address of its binding's SOAP version on this port"
    return None


def _zeep_reads(path: Path) -> bool:
    """Whether zeep builds a client from the original file (offline: imports by URL are refused)."""
    import zeep

    from toolkit.exchange import MockResult, Response
    from toolkit.soap.mock.zeep_transport import MockZeepTransport

    offline = MockZeepTransport(lambda request: MockResult(Response(404)), base_url="http://offline.invalid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            zeep.Client(str(path), transport=offline)  # type: ignore[no-untyped-call]  # zeep ships no type hints
        except Exception:  # noqa: BLE001 - any refusal means zeep cannot read it
            return False
    return True


def _arguments(
    mock: SoapMock, client: Client, operation: Any, mock_op: PortOperation, rng: random.Random
) -> tuple[list[Any], dict[str, Any]]:
    """Arguments for zeep's call: a valid input element from the XSD, parsed by zeep into its own objects.

    ``operation`` is zeep's bound operation; the values are zeep's own (untyped) objects."""
    kwargs: dict[str, Any] = {}
    if mock_op.input.headers:
        kwargs["_soapheaders"] = [mock.generator.element(header.element, rng) for header in mock_op.input.headers]
    body = operation.input.body
    if body is None:
        return [], kwargs
    names = [mock_op.request_qname] if mock_op.style == "rpc" else [part.element for part in mock_op.input.parts]
    if any(name is None for name in names):
        raise ValueError("a document-style part has no element")
    elements = [mock.generator.element(name, rng) for name in names if name is not None]
    if operation.input._is_body_wrapped:  # several document parts: zeep's body is the soap:Body itself
        wrapper = etree.Element(str(body.qname))
        wrapper.extend(elements)
        xml = wrapper
    else:
        xml = elements[0]
    value = body.parse(xml, client.wsdl.types)
    elements_of = getattr(body.type, "elements", None)
    if elements_of is None:  # a simple-typed body element: one positional argument
        return [value], kwargs
    names_taken = [name for name, _ in body.type.elements] + [name for name, _ in body.type.attributes]
    for name in names_taken:
        kwargs[name] = value[name] if name in value else None  # noqa: SIM401 - a CompoundValue has no .get
    return [], kwargs


def _response_problems(
    mock: SoapMock, judges: Mapping[str, SchemaJudge], mock_op: PortOperation, envelope: etree._Element | None
) -> tuple[list[str], dict[str, list[str] | None]]:
    """Why the raw response is wrong: problems of the envelope itself, and per judge its problems with the
    Body against the XSD (None when that judge did not check: rpc/encoded, or the judge is unavailable)."""
    unchecked: dict[str, list[str] | None] = dict.fromkeys([CTK_JUDGE, *judges])
    if mock_op.output is None:
        return [], unchecked
    if envelope is None:
        return ["no response envelope was captured"], unchecked
    body = next((child for child in envelope if str(child.tag).endswith("}Body")), None)
    children = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    if not children:
        return ["the response Body is empty"], unchecked
    expected = mock_op.response_qname
    if expected is not None and children[0].tag != expected:
        return [f"the response Body holds <{children[0].tag}>, expected <{expected}>"], unchecked
    if mock_op.use == "encoded":
        return [], unchecked  # no schema describes encoded messages; the right wrapper is what can be checked
    verdicts: dict[str, list[str] | None] = {}
    validator = mock.validator
    lxml_partial = any("left out of validation" in w or "refuses" in w for w in validator.warnings)
    if not lxml_partial or all(child.tag in validator.elements for child in children):
        verdicts[CTK_JUDGE] = [f"{v.path}: {v.message}" for child in children
                               for v in validator.validate(copy.deepcopy(child))]  # fmt: skip
    else:
        verdicts[CTK_JUDGE] = None  # libxml2 refused the declaration: ctk's validator would pass it unchecked
    for name, judge in judges.items():
        verdicts[name] = (
            [problem for child in children for problem in judge.validate(child)] if judge.available else None
        )
    return [], verdicts


_CLIENT_CODE = {"1.1": "Client", "1.2": "Sender"}  # the fault code of a request naming what does not exist


def _fault_problems(
    mock: SoapMock,
    judges: Mapping[str, SchemaJudge],
    mock_op: PortOperation,
    envelope: etree._Element | None,
    status: int | None,
) -> tuple[list[str], dict[str, list[str] | None]]:
    """Why a fault answer is not one the binding allows, as ``_response_problems`` says it of an answer.

    Allowed: one Fault in the Body of the port's SOAP version, with the HTTP status its code takes (1.1: 500;
    1.2: 400 for Sender, else 500, SOAP 1.2 part 2 table 20), whose code is Client/Sender (the request names
    what does not exist) or that carries a fault the operation declares, its detail valid for every judge.
    A detail entry the WSDL does not declare is allowed (WS-I Basic Profile R2742); a Server/Receiver fault
    declaring nothing is the server's own failure (a crash, a store error), never an answer."""
    from toolkit.soap.mock.envelope import ENVELOPE_NAMESPACES

    unchecked: dict[str, list[str] | None] = dict.fromkeys([CTK_JUDGE, *judges])
    if envelope is None:
        return ["no response envelope was captured"], unchecked
    version = mock_op.operation.soap_version or "1.1"
    namespace = ENVELOPE_NAMESPACES[version]
    body = envelope.find(f"{{{namespace}}}Body")
    children = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    if len(children) != 1 or children[0].tag != f"{{{namespace}}}Fault":
        return [f"the fault is not the one Body child of a SOAP {version} envelope"], unchecked
    fault = children[0]
    if version == "1.1":
        code_text = fault.findtext("faultcode") or ""
        detail = fault.find("detail")
    else:
        code_text = fault.findtext(f"{{{namespace}}}Code/{{{namespace}}}Value") or ""
        detail = fault.find(f"{{{namespace}}}Detail")
    code = code_text.strip().rpartition(":")[2].split(".")[0]
    client = _CLIENT_CODE[version]
    expected_status = 400 if version == "1.2" and code == client else 500
    if status is not None and status != expected_status:
        return [f"a {code} fault answered HTTP {status}, not {expected_status} (SOAP {version})"], unchecked
    entries = [child for child in detail if isinstance(child.tag, str)] if detail is not None else []
    declared = {bound.element for bound in mock_op.faults if bound.element}
    entries = [entry for entry in entries if entry.tag in declared]
    if code != client and not entries:
        return [f"a {code or 'codeless'} fault declaring nothing the operation declares: {code_text}"], unchecked
    if not entries:
        return [], unchecked
    verdicts: dict[str, list[str] | None] = {
        CTK_JUDGE: [
            f"{v.path}: {v.message}" for entry in entries for v in mock.validator.validate(copy.deepcopy(entry))
        ]
    }
    for name, judge in judges.items():
        verdicts[name] = (
            [problem for entry in entries for problem in judge.validate(entry)] if judge.available else None
        )
    return [], verdicts


def render(outcomes: Sequence[Outcome]) -> str:
    """The run as a table: per WSDL, operations, callable, passed, per judge checked/rejected, first note."""
    judges = list(outcomes[0].checked) if outcomes else [CTK_JUDGE]
    rows = [("WSDL", "operations", "zeep can call", "passed", *(f"{judge} chk/rej" for judge in judges),
             "first failure / note")]  # fmt: skip
    for outcome in outcomes:
        note = outcome.error or (f"{outcome.failed[0][0]}: {outcome.failed[0][1]}" if outcome.failed else "")
        if not note and outcome.faulted:
            note = f"{len(outcome.faulted)} answered with a fault: {outcome.faulted[0][0]}: {outcome.faulted[0][1]}"
        if not note and outcome.unavailable:
            judge, reason = next(iter(outcome.unavailable.items()))
            note = f"{judge} unavailable: {reason}"
        if not note and outcome.not_callable:
            note = f"not callable by zeep: {outcome.not_callable[0][0]} ({outcome.not_callable[0][1]})"
        rows.append((outcome.wsdl, str(outcome.operations), str(outcome.callable), str(outcome.passed),
                     *(_judge_cell(outcome, judge) for judge in judges), note[:110]))  # fmt: skip
    last = len(rows[0]) - 1
    widths = [max(len(row[i]) for row in rows) for i in range(last)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < last else cell for i, cell in enumerate(row)) for row in rows]
    callable_ = sum(outcome.callable for outcome in outcomes)
    passed = sum(outcome.passed for outcome in outcomes)
    total = sum(outcome.operations for outcome in outcomes)
    rate = f"{100 * passed / callable_:.1f}%" if callable_ else "n/a"
    lines.append(f"\n{len(outcomes)} WSDLs, {total} operations, zeep can call {callable_}, passed {passed} ({rate})")
    faulted = sum(len(outcome.faulted) for outcome in outcomes)
    if faulted:
        lines.append(
            f"of those passed, {faulted} answered with a fault the binding allows (state: an id never created)"
        )
    for judge in judges:
        checked = sum(outcome.checked[judge] for outcome in outcomes)
        rejected = sum(len(outcome.rejected[judge]) for outcome in outcomes)
        lines.append(f"{judge}: checked {checked} answers, rejected {rejected}")
    lines.append(
        "chk/rej: answers the judge checked/rejected; n/a: the judge cannot compile this WSDL's schemas "
        "(* only part of them); rpc/encoded answers are checked by neither (no schema describes them)"
    )
    for outcome in outcomes:
        for judge, reason in outcome.unavailable.items():
            lines.append(f"  {outcome.wsdl}: {judge} unavailable: {reason[:200]}")
    not_loaded = [outcome.wsdl for outcome in outcomes if outcome.error]
    if not_loaded:
        lines.append(f"not served or not loadable: {', '.join(not_loaded)}")
    return "\n".join(lines)


def _judge_cell(outcome: Outcome, judge: str) -> str:
    """ "checked/rejected" for one judge, "n/a" when it is unavailable and checked nothing."""
    checked, rejected = outcome.checked[judge], len(outcome.rejected[judge])
    if judge in outcome.unavailable and not checked:
        return "n/a"
    return f"{checked}/{rejected}" + ("*" if judge in outcome.unavailable else "")

"""SOAP mock conformance: does a real zeep client, pointed at the mock's ``?wsdl``, get answers it can use?

For each WSDL (the workspace's crm v1/v2 and every loadable corpus WSDL, multi-file roots included) the
mock is served on a loopback uvicorn server (the ASGI app ``ctk serve`` runs; ``--in-process`` uses
``MockZeepTransport`` instead) and ``zeep.Client(url + "?wsdl")`` is built from what the mock serves.
For every service/port/operation, a valid input element is generated from the XSD, parsed by zeep into
its own objects and passed as the call's arguments; the call must succeed, zeep must deserialize the
answer, and the raw response body must validate against the XSD under two judges: "lxml", ctk's own
``XsdValidator`` (libxml2 on the schema set ctk assembles, the set the mock generates from), and
"xmlschema", ``scripts/xsd_judge.py`` (the xmlschema package on schemas it assembles itself from the WSDL
files, sharing no code with ctk). rpc/encoded bodies are checked for the right wrapper only, as the mock
itself does: no schema describes encoded messages. A judge that cannot compile a WSDL's schemas is
reported "unavailable" for it, with its reason, and checks nothing there (never a silent pass).
Operations zeep cannot build a request for (HTTP bindings, unsupported constructs) are listed as "not
callable by zeep" with zeep's reason.

    python scripts/soap_zeep_conformance.py                  # crm v1/v2 and the corpus
    python scripts/soap_zeep_conformance.py --in-process --only crm stockquote
    python scripts/soap_zeep_conformance.py --json

Prints WSDL, operations, zeep can call, passed (the call and both judges), failures per judge (with the
first reason), and the total pass rate. Exit 1 if any operation zeep could call failed.
"""

from __future__ import annotations

import argparse
import copy
import json
import socket
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from xsd_judge import XmlSchemaJudge  # noqa: E402 - the independent judge, a sibling script module

CORPUS = ROOT.parent / "shared" / "corpus" / "wsdl"
RIO2_BASE = "http://193.155.1.72/MyCentral-RioII-Services/SecurityService.svc"
# Files a WSDL root imports are loaded through that root; loading them alone would count them twice.
IMPORTED_ONLY = {"zeep/import/soap_import_2.wsdl", "savon/rio2/rio2_0.wsdl", "node-soap/wsdlImport/sub.wsdl"}
JUDGES = ("lxml", "xmlschema")


@dataclass
class Outcome:
    wsdl: str
    operations: int = 0
    callable: int = 0
    passed: int = 0  # the call succeeded and no judge found a problem
    failed: list[tuple[str, str]] = field(default_factory=list)  # (operation, first reason): any failure
    # Per judge ("lxml", "xmlschema"): operations whose answer it checked, and those it rejected.
    checked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(JUDGES, 0))
    rejected: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: {judge: [] for judge in JUDGES})
    unavailable: dict[str, str] = field(default_factory=dict)  # judge -> why it checks nothing (or not all) here
    not_callable: list[tuple[str, str]] = field(default_factory=list)  # (operation, zeep's reason)
    error: str = ""  # the WSDL could not be loaded or served at all


def targets(only: list[str] | None = None) -> list[tuple[str, Path, dict[str, str]]]:
    """(label, path, mirrors) of every WSDL to run."""
    found: list[tuple[str, Path, dict[str, str]]] = [
        ("crm/v1", ROOT / "contracts" / "crm" / "v1" / "crm.wsdl", {}),
        ("crm/v2", ROOT / "contracts" / "crm" / "v2" / "crm.wsdl", {}),
    ]
    if CORPUS.is_dir():
        for path in sorted([*CORPUS.glob("*/*.wsdl"), *CORPUS.glob("*/*/*.wsdl")]):
            relative = str(path.relative_to(CORPUS))
            if relative in IMPORTED_ONLY or relative.startswith("oracles/"):
                continue
            found.append((relative, path, _mirrors(relative)))
    if only:
        found = [item for item in found if any(word in item[0] for word in only)]
    return found


def _mirrors(relative: str) -> dict[str, str]:
    """rio2 is a WCF export saved from a server: its imports name that server's URLs."""
    if "rio2" not in relative:
        return {}
    folder = CORPUS / "savon" / "rio2"
    mirrors = {f"{RIO2_BASE}?wsdl": folder / "rio2.wsdl", f"{RIO2_BASE}?wsdl=wsdl0": folder / "rio2_0.wsdl"}
    mirrors.update({f"{RIO2_BASE}?xsd=xsd{i}": folder / f"rio2_{i}.xsd" for i in range(4)})
    return {url: str(path) for url, path in mirrors.items()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(handler: Any, in_process: bool) -> Iterator[tuple[str, Any]]:
    """(base URL, zeep transport) reaching ``handler``: over loopback uvicorn, or in-process."""
    if in_process:
        from toolkit.soap.mock.zeep_transport import MockZeepTransport

        yield "http://ctk.mock", MockZeepTransport(handler)
        return
    import uvicorn
    from zeep.transports import Transport

    from toolkit.mock.asgi import MockASGIApp

    port = free_port()
    config = uvicorn.Config(MockASGIApp(handler), host="127.0.0.1", port=port, log_level="error",  # type: ignore[arg-type]
                            access_log=False, lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the mock server did not start")
        time.sleep(0.01)
    from toolkit.soap.mock.zeep_transport import builtin_schema

    class LoopbackTransport(Transport):  # type: ignore[misc]
        """zeep's own transport, except for the schemas zeep fetches by namespace URL (soapenc):
        those come from ctk's built-in copies, so a run never leaves loopback."""

        def load(self, url: str) -> bytes:
            return builtin_schema(url) or super().load(url)

    try:
        yield f"http://127.0.0.1:{port}", LoopbackTransport(timeout=30, operation_timeout=30)
    finally:
        server.should_exit = True
        thread.join(10)


def run_one(path: Path, *, label: str = "", mirrors: dict[str, str] | None = None, in_process: bool = False,
            seed: int = 0) -> Outcome:  # fmt: skip
    from toolkit.load import load_contract
    from toolkit.soap.mock.handler import SoapMock, SoapMockOptions

    outcome = Outcome(label or path.name)
    try:
        contract = load_contract(path, mirrors=mirrors or {})
        mock = SoapMock(contract, SoapMockOptions(seed=seed, mirrors=mirrors or {}))  # type: ignore[arg-type]  # a SoapContract
    except Exception as error:  # noqa: BLE001 - a WSDL ctk cannot load is reported, not raised
        outcome.error = f"{type(error).__name__}: {error}"[:300]
        return outcome
    judge = _judges(mock, path, mirrors or {}, outcome)
    try:
        with serving(mock, in_process) as (base, transport):
            _run_client(mock, judge, path, f"{base}{mock.mount}?wsdl", transport, outcome, seed)
    except Exception as error:  # noqa: BLE001 - zeep refusing the served WSDL is this WSDL's outcome
        outcome.error = f"zeep could not build a client: {type(error).__name__}: {error}"[:300]
    return outcome


def _judges(mock: Any, path: Path, mirrors: dict[str, str], outcome: Outcome) -> XmlSchemaJudge:
    """The xmlschema judge of ``path``, and which judge cannot check (all of) this WSDL, and why."""
    judge = XmlSchemaJudge.from_wsdl(path, mirrors)
    if not judge.available and not judge.reason.startswith("the WSDL has no schema"):
        outcome.unavailable["xmlschema"] = judge.reason  # (no schema at all: only rpc/encoded, nothing to judge)
    refused = [w for w in mock.validator.warnings if "left out of validation" in w or "refuses" in w]
    if refused:  # ctk's validator is lenient: what libxml2 refused is left unvalidated
        outcome.unavailable["lxml"] = f"libxml2 refuses part of the schemas: {refused[0]}"
    return judge


def _run_client(
    mock: Any, judge: XmlSchemaJudge, path: Path, url: str, transport: Any, outcome: Outcome, seed: int
) -> None:
    import zeep
    from zeep.plugins import Plugin

    from toolkit.mock.seed import rng_for

    class Capture(Plugin):  # type: ignore[misc]
        envelope: Any = None

        def ingress(self, envelope: Any, http_headers: Any, operation: Any) -> tuple[Any, Any]:
            self.envelope = copy.deepcopy(envelope)
            return envelope, http_headers

    capture = Capture()
    operations = list(mock.contract.operations)
    outcome.operations = len(operations)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            client = zeep.Client(url, transport=transport, plugins=[capture])
        except Exception as error:  # noqa: BLE001 - judged below: zeep's limit, or the mock's fault
            reason = f"zeep cannot read this WSDL: {type(error).__name__}: {error}"[:200]
            if _zeep_reads(path):
                outcome.error = f"zeep reads the file but not the mock's ?wsdl: {reason}"
            else:
                outcome.not_callable.extend((op.id, reason) for op in operations)
            return
    zeep_warnings = [str(warning.message) for warning in caught]
    ours = {(port.service, port.name): port for port in mock.ports}
    for op in operations:
        reason = _not_callable(client, op, zeep_warnings)
        mock_port = ours.get((op.service, op.port))
        mock_op = next((o for o in mock_port.operations if o.name == op.name), None) if mock_port else None
        if reason is None and mock_op is None:
            reason = "the mock does not serve this port"
        if reason is not None:
            outcome.not_callable.append((op.id, reason))
            continue
        operation = client.wsdl.services[op.service].ports[op.port].binding._operations[op.name]
        try:
            args, kwargs = _arguments(mock, client, operation, mock_op, rng_for(seed, (op.id,)))
        except Exception as error:  # noqa: BLE001 - zeep cannot build this request: not a failure
            reason = f"zeep cannot build the request: {type(error).__name__}: {error}"
            outcome.not_callable.append((op.id, reason[:200]))
            continue
        outcome.callable += 1
        capture.envelope = None
        try:
            getattr(client.bind(op.service, op.port), op.name)(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the mock's answer was refused: a failure
            outcome.failed.append((op.id, f"{type(error).__name__}: {error}"[:300]))
            continue
        common, verdicts = _response_problems(mock, judge, mock_op, capture.envelope)
        for name, problems in verdicts.items():
            if problems is None:
                continue  # this judge did not check this answer
            outcome.checked[name] += 1
            if problems:
                outcome.rejected[name].append((op.id, problems[0][:300]))
        reasons = common + [f"{name}: {problems[0]}" for name, problems in verdicts.items() if problems]
        if reasons:
            outcome.failed.append((op.id, reasons[0][:300]))
        else:
            outcome.passed += 1


def _not_callable(client: Any, op: Any, zeep_warnings: list[str]) -> str | None:
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
            zeep.Client(str(path), transport=offline)
        except Exception:  # noqa: BLE001 - any refusal means zeep cannot read it
            return False
    return True


def _arguments(mock: Any, client: Any, operation: Any, mock_op: Any, rng: Any) -> tuple[list[Any], dict[str, Any]]:
    """Arguments for zeep's call: a valid input element from the XSD, parsed by zeep into its own objects."""
    from lxml import etree

    if mock_op is None:
        raise ValueError("the mock does not list this operation")
    kwargs: dict[str, Any] = {}
    if mock_op.input.headers:
        kwargs["_soapheaders"] = [mock.generator.element(header.element, rng) for header in mock_op.input.headers]
    body = operation.input.body
    if body is None:
        return [], kwargs
    names = [mock_op.request_qname] if mock_op.style == "rpc" else [part.element for part in mock_op.input.parts]
    if any(name is None for name in names):
        raise ValueError("a document-style part has no element")
    elements = [mock.generator.element(name, rng) for name in names]
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
    mock: Any, judge: XmlSchemaJudge, mock_op: Any, envelope: Any
) -> tuple[list[str], dict[str, list[str] | None]]:
    """Why the raw response is wrong: problems of the envelope itself, and per judge its problems with the
    Body against the XSD (None when that judge did not check: rpc/encoded, or the judge is unavailable)."""
    unchecked: dict[str, list[str] | None] = dict.fromkeys(JUDGES)
    if mock_op is None or mock_op.output is None:
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
    lxml_partial = any("left out of validation" in w or "refuses" in w for w in mock.validator.warnings)
    if not lxml_partial or all(child.tag in mock.validator.elements for child in children):
        verdicts["lxml"] = [f"{v.path}: {v.message}" for child in children
                            for v in mock.validator.validate(copy.deepcopy(child))]  # fmt: skip
    else:
        verdicts["lxml"] = None  # libxml2 refused the declaration: ctk's validator would pass it unchecked
    verdicts["xmlschema"] = (
        [problem for child in children for problem in judge.validate(child)] if judge.available else None
    )
    return [], verdicts


def _judge_cell(outcome: Outcome, judge: str) -> str:
    """ "checked/rejected" for one judge, "n/a" when it is unavailable and checked nothing."""
    checked, rejected = outcome.checked[judge], len(outcome.rejected[judge])
    if judge in outcome.unavailable and not checked:
        return "n/a"
    return f"{checked}/{rejected}" + ("*" if judge in outcome.unavailable else "")


def render(outcomes: list[Outcome]) -> str:
    rows = [("WSDL", "operations", "zeep can call", "passed", "lxml chk/rej", "xmlschema chk/rej",
             "first failure / note")]  # fmt: skip
    for outcome in outcomes:
        note = outcome.error or (f"{outcome.failed[0][0]}: {outcome.failed[0][1]}" if outcome.failed else "")
        if not note and outcome.unavailable:
            judge, reason = next(iter(outcome.unavailable.items()))
            note = f"{judge} unavailable: {reason}"
        if not note and outcome.not_callable:
            note = f"not callable by zeep: {outcome.not_callable[0][0]} ({outcome.not_callable[0][1]})"
        rows.append((outcome.wsdl, str(outcome.operations), str(outcome.callable), str(outcome.passed),
                     _judge_cell(outcome, "lxml"), _judge_cell(outcome, "xmlschema"), note[:110]))  # fmt: skip
    last = len(rows[0]) - 1
    widths = [max(len(row[i]) for row in rows) for i in range(last)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < last else cell for i, cell in enumerate(row)) for row in rows]
    callable_ = sum(outcome.callable for outcome in outcomes)
    passed = sum(outcome.passed for outcome in outcomes)
    total = sum(outcome.operations for outcome in outcomes)
    rate = f"{100 * passed / callable_:.1f}%" if callable_ else "n/a"
    lines.append(f"\n{len(outcomes)} WSDLs, {total} operations, zeep can call {callable_}, passed {passed} ({rate})")
    for judge in JUDGES:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--in-process", action="store_true", help="use MockZeepTransport instead of uvicorn")
    parser.add_argument("--only", nargs="*", help="run the WSDLs whose label contains one of these words")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    args = parser.parse_args(argv)
    outcomes = [
        run_one(path, label=label, mirrors=mirrors, in_process=args.in_process, seed=args.seed)
        for label, path, mirrors in targets(args.only)
    ]
    print(json.dumps([asdict(o) for o in outcomes], indent=2) if args.json else render(outcomes))
    return 1 if any(outcome.failed for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())

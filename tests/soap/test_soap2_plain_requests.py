"""Plain requests recognized without lxml (``plain_request``) are answered as lxml and libxml2 would have them answered.

Every document/literal operation of the workspace and corpus WSDLs, asked with generated valid requests spelled
the ways the recognizer reads (the element's namespace as the default one, or under a prefix) and the way lxml
writes them, and with thousands of mutations of those (values changed, lengthened, emptied, children dropped,
repeated, swapped, tags and markup broken): the same status, headers, body and violations with the recognizer as
with every request read and validated the slow way. The recognizer's own safety net (its first requests per
element read the slow way too) is turned off here, so that it is the recognizer alone that agrees.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

from tests.support.soap_conformance import targets
from toolkit.exchange import Request
from toolkit.load import load_contract
from toolkit.soap.load import SoapContract
from toolkit.soap.mock import plain_request
from toolkit.soap.mock.envelope import build_envelope
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions
from toolkit.soap.mock.plain_request import _spelled

ROOT = Path(__file__).resolve().parents[2]
S11 = "http://schemas.xmlsoap.org/soap/envelope/"
S12 = "http://www.w3.org/2003/05/soap-envelope"


def _contracts() -> list[tuple[str, SoapContract]]:
    found = []
    for label, path, mirrors in targets():
        try:
            loaded = load_contract(path, mirrors=mirrors) if mirrors else load_contract(path)
        except Exception:  # noqa: BLE001 - only a WSDL that needs the network fails to load (test_zeep says so)
            continue
        assert isinstance(loaded, SoapContract)
        found.append((label, loaded))
    return found


def _framed(version: str, element: bytes, *, prefix: str = "soap", head: bytes = b"") -> bytes:
    namespace = S11 if version == "1.1" else S12
    start = f'<{prefix}:Envelope xmlns:{prefix}="{namespace}"><{prefix}:Body>'.encode()
    return head + start + element + f"</{prefix}:Body></{prefix}:Envelope>".encode()


_PIECES = [b"<", b">", b"&", b"&amp;", b"]", b"]]>", b" ", b"  ", b"\n", b"\t", b"\r\n", b"x", b"0", b"9", b"Z", b"-",
           b"_", b":", b"'", b'"', b"\xc3\xa9", b"\x00", b"\x01", b"<!-- c -->", b"<![CDATA[x]]>", b"/", b"=",
           b"xmlns", b'xmlns:q="urn:x"', b"xsi:nil='true'", b"abcdefghijklmnopqrstuvwxyz0123456789",
           b"A" * 300]  # fmt: skip


def _mutations(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    """``count`` mutations of ``data`` inside its Body (the frame's own are ``test_soap_fast_request``'s)."""
    start = data.index(b":Body>") + len(b":Body>")
    end = data.rindex(b"</")
    end = data.rindex(b"</", 0, end)  # the Body's end tag
    body = data[start:end]
    out = []
    for _ in range(count):
        mutated = bytearray(body)
        for _ in range(rng.randint(1, 2)):
            at = rng.randrange(len(mutated) + 1)
            kind = rng.random()
            if kind < 0.35:
                mutated[at:at] = rng.choice(_PIECES)
            elif kind < 0.6:
                del mutated[at : at + rng.randint(1, 6)]
            elif kind < 0.8:
                mutated[at : at + 1] = rng.choice(_PIECES)
            else:  # a child element repeated, dropped or moved (from one '<' that is not an end tag to its end)
                opening = mutated.find(b"<", at)
                close = mutated.find(b">", mutated.find(b"</", opening + 1)) if opening >= 0 else -1
                if opening <= 0 or close < 0 or mutated[opening + 1 : opening + 2] == b"/":
                    continue
                child = bytes(mutated[opening : close + 1])
                choice = rng.random()
                if choice < 0.4:
                    mutated[opening:opening] = child
                elif choice < 0.7:
                    del mutated[opening : close + 1]
                else:
                    del mutated[opening : close + 1]
                    other = mutated.rfind(b"><", 0, max(opening - 1, 0))
                    mutated[other + 1 : other + 1] = child
        out.append(data[:start] + bytes(mutated) + data[end:])
    return out


def _requests(contracts: list[tuple[str, SoapContract]], seed: int) -> list[tuple[SoapMock, Request]]:
    rng = random.Random(seed)
    requests: list[tuple[SoapMock, Request]] = []
    for _, contract in contracts:
        mock = SoapMock(contract, SoapMockOptions(seed=5))
        for port in mock.ports:
            for op in port.operations:
                qname = op.request_qname
                if qname is None or op.style != "document" or op.use != "literal" or qname not in mock.generator.names:
                    continue
                headers = (("content-type", "text/xml; charset=utf-8" if port.version == "1.1" else
                            f'application/soap+xml; charset=utf-8; action="{op.soap_action}"'),
                           ("soapaction", f'"{op.soap_action}"'))  # fmt: skip
                path = port.path or "/"
                bodies: list[bytes] = []
                for draw in range(3):
                    try:
                        element = mock.generator.element(qname, random.Random(draw))
                    except Exception:  # noqa: BLE001 - an element the schema admits no instance of
                        continue
                    bodies.append(build_envelope(port.version, [element]))
                    for prefix in ("q", "ns1", None):
                        spelled = _spelled(element, prefix)
                        if spelled is not None:
                            framed = _framed(port.version, spelled, prefix="s" if draw else "soap")
                            bodies.append(framed)
                            bodies += _mutations(framed, rng, 12)
                requests += [(mock, Request("POST", path, headers=headers, body=body)) for body in bodies]
    return requests


def _answers(requests: list[tuple[SoapMock, Request]]) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for mock, request in requests:
        result = mock.answer(request)
        response = result.response
        out.append((response.status, response.headers, response.body, result.violations, result.operations))
    return out


def test_the_mock_answers_the_same_with_and_without_the_recognizer(monkeypatch: pytest.MonkeyPatch) -> None:
    contracts = _contracts()
    if len(contracts) <= 2:
        pytest.skip("../shared/corpus is absent: the workspace's WSDLs alone are compared in the next test")
    monkeypatch.setattr(plain_request, "_CHECK_FIRST", 0)  # the recognizer alone, without its safety net
    requests = _requests(contracts, 18)
    recognized = sum(
        mock.plain_requests.read(request.body, 100_000) is not None
        for mock, request in requests
        if mock.plain_requests is not None
    )
    with_recognizer = _answers(requests)
    forms = {id(form) for mock, _ in requests for form in getattr(mock.plain_requests, "_forms", {}).values() if form}
    for mock, _ in requests:
        mock.plain_requests = None
    assert _answers(requests) == with_recognizer
    # (most corpus elements hold numbers, dates or nested types: left to the slow way)
    assert recognized > 150 and len(forms) >= 5 and len(requests) > 3000, (recognized, len(forms), len(requests))


def test_the_workspace_crm_answers_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plain_request, "_CHECK_FIRST", 0)
    contract = load_contract(ROOT / "contracts" / "crm" / "v1" / "crm.wsdl")
    assert isinstance(contract, SoapContract)
    requests = _requests([("crm", contract)], 7)
    get = b'<GetAccountRequest xmlns="urn:example:crm:types"><id>001A00000000000001</id></GetAccountRequest>'
    mock = requests[0][0]
    headers = (("content-type", "text/xml; charset=utf-8"), ("soapaction", '"urn:example:crm/GetAccount"'))
    path = mock.ports[0].path or "/"
    for body in (
        get,
        get.replace(b"001A", b"01A"),
        get.replace(b"<id>", b"<externalId>").replace(b"</id>", b"</externalId>"),
    ):
        requests.append((mock, Request("POST", path, headers=headers, body=_framed("1.1", body))))
    assert mock.plain_requests is not None
    assert mock.plain_requests.read(requests[-3][1].body, 100_000) == (
        "1.1",
        "{urn:example:crm:types}GetAccountRequest",
        {"id": "001A00000000000001"},
    )
    assert mock.plain_requests.read(requests[-2][1].body, 100_000) is None  # 17 characters: the pattern refuses
    with_recognizer = _answers(requests)
    mock.plain_requests = None
    assert _answers(requests) == with_recognizer


def test_a_disagreeing_form_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net: a request the slow way reads otherwise ends the element's form (here, a validator made to
    refuse everything)."""
    contract = load_contract(ROOT / "contracts" / "crm" / "v1" / "crm.wsdl")
    assert isinstance(contract, SoapContract)
    mock = SoapMock(contract, SoapMockOptions(seed=5))
    recognizer = mock.plain_requests
    assert recognizer is not None
    body = _framed(
        "1.1", b'<GetAccountRequest xmlns="urn:example:crm:types"><id>001A00000000000001</id></GetAccountRequest>'
    )
    assert recognizer.read(body, 100_000) is not None
    monkeypatch.setattr(recognizer, "_agrees", lambda *args: False)
    recognizer._forms["{urn:example:crm:types}GetAccountRequest"].checked = 0  # type: ignore[union-attr]
    assert recognizer.read(body, 100_000) is None
    assert recognizer._forms["{urn:example:crm:types}GetAccountRequest"] is None


def test_what_it_leaves_to_the_slow_way() -> None:
    contract = load_contract(ROOT / "contracts" / "crm" / "v1" / "crm.wsdl")
    assert isinstance(contract, SoapContract)
    recognizer = SoapMock(contract, SoapMockOptions(seed=5)).plain_requests
    assert recognizer is not None
    good = b'<GetAccountRequest xmlns="urn:example:crm:types"><id>001A00000000000001</id></GetAccountRequest>'
    assert recognizer.read(_framed("1.1", good), 100_000) is not None
    assert recognizer.read(_framed("1.2", good, prefix="s"), 100_000) is not None
    prefixed = good.replace(b"<GetAccountRequest ", b"<c:GetAccountRequest ").replace(b"xmlns=", b"xmlns:c=")
    prefixed = prefixed.replace(b"</GetAccountRequest", b"</c:GetAccountRequest")
    prefixed = prefixed.replace(b"<id>", b"<c:id>").replace(b"</id>", b"</c:id>")
    assert recognizer.read(_framed("1.1", prefixed), 100_000) is not None
    for changed in (
        good.replace(b"<id>", b"<id >"),  # well-formed, but not a spelling it reads
        good.replace(b"001A", b"&#48;01A"),
        good.replace(b'xmlns="urn:example:crm:types"', b'xmlns="urn:example:crm:types" xmlns:x="urn:x"'),
        good.replace(b"xmlns=", b"xmlns:soap="),
        good.replace(b"<id>001A00000000000001</id>", b"<id>001A00000000000001</id><id>001A00000000000001</id>"),
        good.replace(b"<id>001A00000000000001</id>", b"<id/>"),
        good.replace(b"urn:example:crm:types", b"urn:other"),
    ):
        assert recognizer.read(_framed("1.1", changed), 100_000) is None, changed
    assert etree is not None

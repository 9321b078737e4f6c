"""The plain envelope read by a bounded scan (``plain_envelope``) is ``read_envelope``'s answer, or nothing.

Whatever the scan reads, the whole read reads too, to the same version, no Header and the same one Body element
(serialized as ``detached`` copies it, with the same echoes); whatever the whole read refuses (DTDs, entities,
too many elements, nesting past libxml2's limit, a wrong namespace, malformed bytes), the scan leaves to it.
Checked on hostile envelopes, on thousands of mutations of plain ones, and through the mock: the same answers
(bytes, headers, violations) with and without the scan on every operation of the workspace and corpus WSDLs.
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
from toolkit.soap.mock import handler as handler_module
from toolkit.soap.mock.envelope import EnvelopeError, build_envelope, detached, leaf_values, read_envelope
from toolkit.soap.mock.handler import SoapMock, SoapMockOptions
from toolkit.soap.mock.plain_envelope import MAX_PLAIN_TAGS, read_plain_envelope

S11 = "http://schemas.xmlsoap.org/soap/envelope/"
S12 = "http://www.w3.org/2003/05/soap-envelope"
GET = b'<GetAccountRequest xmlns="urn:example:crm:types"><id>001A00000000000001</id></GetAccountRequest>'


def envelope(body: bytes, *, prefix: str = "soap", namespace: str = S11, head: bytes = b"") -> bytes:
    start = f'<{prefix}:Envelope xmlns:{prefix}="{namespace}"><{prefix}:Body>'.encode()
    return head + start + body + f"</{prefix}:Body></{prefix}:Envelope>".encode()


def agrees(data: bytes, max_elements: int = 100_000) -> bool:
    """Whether the scan's answer is the whole read's (True: the scan read it; False: it left it to the whole read)."""
    plain = read_plain_envelope(data, max_elements)
    try:
        whole = read_envelope(data, max_elements)
    except EnvelopeError:
        assert plain is None, data
        return False
    if plain is None:
        return False
    assert plain.plain and not whole.plain
    assert (plain.version, plain.headers, len(plain.body)) == (whole.version, (), 1), data
    assert whole.headers == () and len(whole.body) == 1, data
    element = plain.body[0]
    assert element.getparent() is None and element.getroottree().getroot() is element
    # (the copy keeps the whitespace after the element as its tail; that is no part of the element)
    assert etree.tostring(element) == etree.tostring(detached(whole.body[0]), with_tail=False), data
    assert leaf_values(plain.body) == leaf_values(whole.body)
    return True


PLAIN = [
    envelope(GET),
    envelope(GET, head=b"<?xml version='1.0' encoding='utf-8'?>\n"),
    envelope(GET, head=b'<?xml version="1.0" encoding="UTF-8" ?>\r\n'),
    envelope(GET, head=b'<?xml version="1.0"?>'),
    envelope(GET, prefix="s", namespace=S12),
    envelope(b"\n  " + GET + b"\n"),
    envelope(
        b'<tns:Get xmlns:tns="urn:t"><tns:a>x &amp; y &#233; &#x1F600;</tns:a><b>line\r\nnext</b></tns:Get>', prefix="s"
    ),
    envelope('<Get xmlns="urn:t" a="1" b=\'2\'><n>é ü 中</n><e/><f></f><g>  </g></Get>'.encode()),
    envelope(
        b'<Get xmlns="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="t2:X" '
        b'xmlns:t2="urn:t2"><v xsi:nil="true"/></Get>'
    ),
    b'<soap:Envelope\n xmlns:soap="'
    + S11.encode()
    + b'"\t>\n <soap:Body >'
    + GET
    + b"</soap:Body >\n</soap:Envelope>\n",
]

HOSTILE = [
    b"",
    b"   ",
    GET,  # no envelope
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + envelope(GET.replace(b"001A", b"&e;")),
    envelope(b'<!DOCTYPE x [<!ENTITY e "boom">]><Get xmlns="urn:t">&e;</Get>'),  # a DTD where the Body's content starts
    envelope(b'<Get xmlns="urn:t">&e;</Get>'),  # an entity nobody declared
    envelope(
        b'<Get xmlns="urn:t">&lol9;</Get>',
        head=b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol9 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
    ),
    envelope(b"<a>" * 10_000 + b"</a>" * 10_000),  # past libxml2's depth limit
    envelope(b"<a>" * 254 + b"</a>" * 254),  # at its edge: the Body's two levels decide
    envelope(b"<a>" * 40 + b"</a>" * 40),
    envelope(b"<r>" + b"<a/>" * 70 + b"</r>"),  # more tags than the scan reads
    envelope(b"<!-- c -->" + GET),
    envelope(GET + b"<!-- c -->"),
    envelope(b"<?pi x?>" + GET),
    envelope(b'<?xml version="1.0"?>' + GET),
    envelope(b"<Get><![CDATA[<x>]]></Get>"),
    envelope(b"<Get>a ]]> b</Get>"),
    envelope(b"<Get>&#0;</Get>"),
    envelope(b"<Get>\xff\xfe</Get>"),  # not UTF-8
    envelope("<Get>é</Get>".encode("latin-1"), head=b"<?xml version='1.0' encoding='iso-8859-1'?>"),
    envelope("<Get>é</Get>".encode(), head=b"<?xml version='1.0' encoding='iso-8859-1'?>"),
    b"\xef\xbb\xbf" + envelope(GET),  # a BOM
    envelope(GET).decode().encode("utf-16"),
    envelope(GET, head=b"<?xml version='1.1'?>"),
    envelope(GET, head=b"<?xml version='1.0' standalone='yes'?>"),
    envelope(GET, namespace="urn:not-soap"),  # a VersionMismatch is the whole read's to tell
    envelope(GET, prefix="xmlx"),
    envelope(GET + GET),  # two elements
    envelope(b"text" + GET),
    envelope(GET + b"text"),
    envelope(b""),
    envelope(b"<Get/"),
    envelope(b'<Get xmlns="urn:t"><soap:x/></Get>'),  # the envelope's prefix, declared outside
    envelope(b'<a:Get xmlns:a="urn:a" xmlns:soap="urn:b"><soap:x>1</soap:x></a:Get>'),  # redeclared: left all the same
    envelope(b'<Get xmlns="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="soap:Array"/>'),
    envelope(b'<Get xmlns="urn:t" xmlns:e="' + S11.encode() + b'" e:encodingStyle="x"/>'),  # an envelope attribute
    envelope(GET, prefix="s").replace(b"<s:Body>", b"<s:Header/><s:Body>"),
    envelope(GET).replace(b"<soap:Body>", b'<soap:Body soap:id="1">'),
    envelope(GET).replace(b"<soap:Envelope ", b'<soap:Envelope a="1" '),
    envelope(GET).replace(b"</soap:Envelope>", b"</soap:Envelope><!-- after -->"),
    envelope(GET).replace(b"</soap:Envelope>", b"</soap:Envelope><x/>"),
    envelope(GET).replace(b"</soap:Body>", b"</soap:Body><soap:Body/>"),
    envelope(GET).replace(b"</soap:Envelope>", b"</soapx:Envelope>"),
    envelope(GET).replace(b"xmlns:soap", b"xmlns::soap"),  # a prefix libxml2 leaves unbound: a Client fault, not a 500
    f'<Envelope xmlns="{S11}"><Body>'.encode() + GET + b"</Body></Envelope>",  # unprefixed: the Body's default ns
]


@pytest.mark.parametrize("data", PLAIN, ids=range(len(PLAIN)))
def test_plain_envelopes_are_scanned_to_what_the_whole_read_gives(data: bytes) -> None:
    assert agrees(data)


@pytest.mark.parametrize("data", HOSTILE, ids=range(len(HOSTILE)))
def test_anything_else_is_left_to_the_whole_read(data: bytes) -> None:
    assert not agrees(data)


def test_the_element_limit_is_the_whole_reads() -> None:
    data = envelope(b"<r><a/><b/><c/></r>")  # 6 elements in all
    assert agrees(data, 6)
    assert not agrees(data, 5)  # refused by the whole read, in its words
    assert MAX_PLAIN_TAGS < 250  # far from libxml2's depth limit of 256, whatever the Body's two levels


def test_mutations_of_plain_envelopes_are_read_as_the_whole_read_reads_them() -> None:
    pieces = [b"<", b">", b"/", b"&", b";", b":", b'"', b"'", b"=", b"!", b"?", b" ", b"\n", b"soap", b"s:", b"xmlns",
              b"&amp;", b"&#1;", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<!DOCTYPE x>", b"<?x?>", b"\x00", b"\xc3",
              b"\xa9", b"Body", b"Envelope", b"</soap:Body>", b"<a>", b"</a>", b"xsi:type='soap:x'"]  # fmt: skip
    rng = random.Random(18)
    scanned = left = 0
    for _ in range(6000):
        data = bytearray(rng.choice(PLAIN))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(data) + 1)
            kind = rng.random()
            if kind < 0.4:
                data[at:at] = rng.choice(pieces)
            elif kind < 0.7:
                del data[at : at + rng.randint(1, 4)]
            else:
                data[at : at + 1] = rng.choice(pieces)
        if agrees(bytes(data)):
            scanned += 1
        else:
            left += 1
    assert scanned > 200 and left > 2000  # both ways exercised


def _contracts(tmp: Path) -> list[tuple[str, SoapContract]]:
    found = []
    for label, path, mirrors in targets():
        try:
            loaded = load_contract(path, mirrors=mirrors) if mirrors else load_contract(path)
        except Exception:  # noqa: BLE001 - only a WSDL that needs the network fails to load (test_zeep says so)
            continue
        assert isinstance(loaded, SoapContract)
        found.append((label, loaded))
    return found


def test_the_mock_answers_the_same_with_and_without_the_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every operation of the workspace and corpus WSDLs, asked with a generated valid request and with an invalid
    one (an element too many): the same status, headers, body and violations when every envelope is read whole."""
    contracts = _contracts(tmp_path)
    if len(contracts) <= 2:
        pytest.skip("../shared/corpus is absent: only the workspace's WSDLs were compared")
    requests: list[tuple[SoapMock, Request]] = []
    for label, contract in contracts:
        mock = SoapMock(contract, SoapMockOptions(seed=5))
        for port in mock.ports:
            for op in port.operations:
                qname = op.request_qname
                if qname is None or (op.style != "rpc" and qname not in mock.generator.names):
                    continue
                try:
                    element = mock.generator.element(qname, random.Random(len(requests)))
                except Exception:  # noqa: BLE001 - an element the schema admits no instance of: nothing to send
                    continue
                headers = (("content-type", "text/xml; charset=utf-8" if port.version == "1.1" else
                            f'application/soap+xml; charset=utf-8; action="{op.soap_action}"'),
                           ("soapaction", f'"{op.soap_action}"'))  # fmt: skip
                path = port.path or "/"
                valid = build_envelope(port.version, [element])
                etree.SubElement(element, "unexpected")
                invalid = build_envelope(port.version, [element])
                requests += [(mock, Request("POST", path, headers=headers, body=body)) for body in (valid, invalid)]
        assert requests, label

    def answers() -> list[tuple[object, ...]]:
        out: list[tuple[object, ...]] = []
        for mock, request in requests:
            result = mock.answer(request)
            response = result.response
            out.append((response.status, response.headers, response.body, result.violations, result.operations))
        return out

    # lxml writes the plain form: every request takes the scan but the few with more than MAX_PLAIN_TAGS tags
    left = [request.body for _, request in requests if read_plain_envelope(request.body, 100_000) is None]
    assert all(body.count(b"<") > MAX_PLAIN_TAGS for body in left) and len(left) < len(requests) // 10
    with_scan = answers()
    monkeypatch.setattr(handler_module, "read_plain_envelope", lambda data, limit: None)
    assert answers() == with_scan

"""The request side's quick forms: an empty or blank body refused as before, a header block detached as before,
the same echoes as the former ``leaf_values``, and the answer's rng (reseeded per thread) in ``rng_for``'s state."""

from __future__ import annotations

import copy
import threading

import pytest
from lxml import etree

from toolkit.mock.seed import rng_for
from toolkit.soap.mock.envelope import EnvelopeError, detached, leaf_values, read_envelope
from toolkit.soap.mock.handler import answer_rng

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"


@pytest.mark.parametrize("body", [b"", b" ", b"\n\t\r\x0b\x0c  ", b"\x00", b" <", b"\xc2\xa0"])
def test_a_blank_body_is_refused_as_blank_and_anything_else_is_parsed(body: bytes) -> None:
    with pytest.raises(EnvelopeError) as raised:
        read_envelope(body)
    blank = not body.strip()
    assert ("the request body is empty" in str(raised.value)) is blank


def test_a_header_block_is_detached_without_the_envelope_attributes_and_left_as_it_was() -> None:
    envelope = read_envelope(
        f'<s:Envelope xmlns:s="{SOAP11}"><s:Header><h:Session xmlns:h="urn:h" s:mustUnderstand="1" '
        f's:actor="urn:a" h:kept="yes" plain="too"><h:id>7</h:id></h:Session></s:Header><s:Body/></s:Envelope>'.encode()
    )
    block = envelope.headers[0]
    before = etree.tostring(block)
    copied = detached(block)
    assert copied.getparent() is None and copied is not block
    assert sorted(copied.items()) == [("plain", "too"), ("{urn:h}kept", "yes")]
    assert etree.tostring(block) == before  # the request's own tree is not changed
    reference = copy.deepcopy(block)
    for name in [name for name in reference.attrib if str(name).startswith(f"{{{SOAP11}}}")]:
        del reference.attrib[name]
    assert etree.tostring(copied) == etree.tostring(reference)


def _leaf_values_by_isinstance(body: tuple[etree._Element, ...], max_length: int) -> dict[str, str]:
    """``leaf_values`` as it was written before it asked lxml for elements only: the reference."""
    values: dict[str, str] = {}
    for root in body:
        for element in root.iter():
            if not isinstance(element.tag, str) or len(element) or not element.text:
                continue
            text = element.text.strip()
            if text and len(text) <= max_length:
                values.setdefault(element.tag.rpartition("}")[2], text)
    return values


def test_leaf_values_are_those_of_the_reference() -> None:
    documents = [
        b'<a xmlns="urn:x"><!-- c --><b> 1 </b><?pi x?><c><d>2</d><!--x--></c><e/><f>  </f><b>3</b>'
        b'<g><!-- only --></g><h>t<!--c-->u</h><p:i xmlns:p="urn:p">v</p:i><j><?pi?></j></a>',
        b"<r><x>" + b"y" * 300 + b"</x><z>ok</z><y>&#10;</y></r>",
        b"<solo>text</solo>",
    ]
    for document in documents:
        body = (etree.fromstring(document), etree.fromstring(b"<other><b>late</b></other>"))
        for limit in (1, 5, 64, 1000):
            assert leaf_values(body, limit) == _leaf_values_by_isinstance(body, limit), (document, limit)


def test_the_answer_rng_is_rng_for_in_the_same_state_on_every_thread() -> None:
    keys: list[tuple[object, ...]] = [("op", ()), ("op", (("id", "001A"),)), ("x", (("a", "é\u2028"), ("b", "1"))), ()]
    keys += [(f"op{n}", (("id", str(n)),)) for n in range(50)]
    failures: list[object] = []

    def check(seed: int) -> None:
        for key in keys:
            fast, slow = answer_rng(seed, key), rng_for(seed, key)
            fast.gauss(0, 1)  # a gauss_next left by one answer must not carry into the next
            fast = answer_rng(seed, key)
            if fast.getstate() != slow.getstate() or [fast.random() for _ in range(3)] != [
                slow.random() for _ in range(3)
            ]:
                failures.append((seed, key))

    threads = [threading.Thread(target=check, args=(seed,)) for seed in (0, 1, 2**63)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check(7)
    assert failures == []

"""The request side's quick forms: an empty or blank body refused as before, a header block detached as before."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from toolkit.soap.mock.envelope import EnvelopeError, detached, read_envelope

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

"""The common request envelope read by a bounded scan: ``read_envelope``'s answer for less, or None.

Most clients send the plainest envelope there is: an optional XML declaration, ``<p:Envelope xmlns:p="...">``,
``<p:Body>``, one element, and the closing tags. Parsing it whole, walking to the Body and copying the element
out for validation costs more than the answer's values. Here the frame is matched by a regex on the bytes, only
the Body's element is parsed (by the same hardened parser, ``toolkit.soap.xml``), and that parse is already the
document of its own that validation wants (``envelope.detached``'s copy).

It answers only where that parse is provably the element the whole parse would give, and None everywhere else,
so that ``read_envelope`` reads (and refuses, in its own words) whatever it is:

- the frame is exactly the one above (XML whitespace between the tags; in the declaration only version 1.0 and
  an encoding of UTF-8, the parse's default); no Header, no attributes but the prefix's declaration, whose
  namespace is SOAP 1.1's or 1.2's, a prefix not starting with ``xml``; nothing after the Envelope but whitespace.
- the element names nothing in scope from outside it: the Body's content never mentions ``p:`` (the only
  declaration the frame makes; nor in a QName-valued text such as ``xsi:type``, which validation resolves), so
  the element, its names and its values are the same parsed alone;
- nothing but the element: no ``<!`` (DOCTYPE, ENTITY, comment, CDATA) and no ``<?`` (a declaration or a
  processing instruction, which a document of its own could start with) anywhere in the Body; a second element or
  text beside it fails the parse;
- small: at most ``MAX_PLAIN_TAGS`` ``<`` in the whole request, so the nesting stays far below libxml2's depth
  limit (which the Body's two levels less would otherwise shift), and its element count within ``max_elements``
  (the bound ``more_elements_than`` compares first);
- no attribute in a SOAP envelope namespace on the element (``detached`` would remove it).

``tests/soap/test_soap_fast_request.py`` compares it with ``read_envelope`` on hostile and varied envelopes.
"""

from __future__ import annotations

import re

from lxml import etree

from toolkit.soap.mock.envelope import VERSION_OF_NAMESPACE, Envelope
from toolkit.soap.xml import thread_parser

__all__ = ["MAX_PLAIN_TAGS", "plain_frame", "read_plain_envelope"]

MAX_PLAIN_TAGS = 72  # ``<`` in a request read this way (more: ``read_envelope``)

# the whole frame, the Body's content between: the last Body end tag (``.*`` is greedy; at most MAX_PLAIN_TAGS places
# start with ``<``, where the tail is tried, so the match stays linear)
_FRAME = re.compile(
    rb"(?:<\?xml[ \t\r\n]+version=(['\"])1\.0\1(?:[ \t\r\n]+encoding=(['\"])[uU][tT][fF]-8\2)?[ \t\r\n]*\?>)?"
    rb"[ \t\r\n]*<(?P<p>[A-Za-z_][A-Za-z0-9_.-]*):Envelope[ \t\r\n]+xmlns:(?P=p)=(['\"])(?P<ns>[^'\"<&]*)\4"
    rb"[ \t\r\n]*>[ \t\r\n]*<(?P=p):Body[ \t\r\n]*>(?P<content>.*)"
    rb"</(?P=p):Body[ \t\r\n]*>[ \t\r\n]*</(?P=p):Envelope[ \t\r\n]*>[ \t\r\n]*",
    re.DOTALL,
)
_XML_SPACE = b" \t\r\n"
# bytes that may come before a prefix in a longer name (``tns:`` is not ``s:``); any other byte, a non-ASCII one
# included, may be where a name starts
_NAME_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_ENVELOPE_ATTRIBUTE_PREFIXES = tuple(f"{{{namespace}}}" for namespace in VERSION_OF_NAMESPACE)


def read_plain_envelope(data: bytes, max_elements: int) -> Envelope | None:
    """The envelope ``read_envelope(data, max_elements)`` reads, its Body's one element parsed as a document of its
    own (no copy needed to validate it); None when ``data`` is not the plain form (see the module's docstring)."""
    framed = plain_frame(data, max_elements)
    if framed is None:
        return None
    version, _, content = framed
    try:
        element = etree.fromstring(content, thread_parser())
    except etree.XMLSyntaxError:
        return None
    for name in element.keys():  # noqa: SIM118 - the attribute names (lxml's attrib would build a proxy)
        if str(name).startswith(_ENVELOPE_ATTRIBUTE_PREFIXES):
            return None
    return Envelope(version, (), (element,), plain=True)


def plain_frame(data: bytes, max_elements: int) -> tuple[str, bytes, bytes] | None:
    """The SOAP version, the envelope's prefix and the Body's content (without the XML whitespace around it) of a
    request in the plain form (the module's docstring: the frame, the prefix unused inside, no ``<!`` or ``<?``,
    the bounds), or None."""
    tags = data.count(b"<")
    if tags > MAX_PLAIN_TAGS or (tags > max_elements and tags - data.count(b"</") > max_elements):
        return None  # (the second: ``more_elements_than``'s first bound, over the limit)
    frame = _FRAME.fullmatch(data)
    if frame is None:
        return None
    prefix, namespace, content = frame.group("p", "ns", "content")
    version = VERSION_OF_NAMESPACE.get(namespace.decode("ascii", "replace"))
    if (
        version is None
        or prefix[:3].lower() == b"xml"
        or b"<!" in content
        or b"<?" in content
        or _names_prefix(content, prefix + b":")
    ):
        return None
    return version, prefix, content.strip(_XML_SPACE)


def _names_prefix(content: bytes, needle: bytes) -> bool:
    """Whether ``content`` may use the prefix ``needle`` names (``p:``): an occurrence not inside a longer name."""
    at = content.find(needle)
    while at >= 0:
        if at == 0 or content[at - 1] not in _NAME_BYTES:
            return True
        at = content.find(needle, at + 1)
    return False

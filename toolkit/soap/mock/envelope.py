"""SOAP 1.1 and 1.2 envelopes as the mock reads and writes them.

Reading is the mock's first contact with untrusted bytes, so it goes through ``parse_xml`` (DTDs and
entity declarations refused before the parser sees them, no network, libxml2's depth limit kept):
an XXE, a billion-laughs document or a 10 000-deep nesting ends as an ``EnvelopeError`` in
microseconds, which the mock turns into a Client/Sender fault. Nothing here decides what a fault
looks like; it only says what was wrong. The helpers below read what else an envelope says: the
action it names, the mandatory header blocks, and the leaf values an answer echoes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from toolkit.errors import CtkError
from toolkit.exchange import Request
from toolkit.limits import DEFAULT_LIMITS
from toolkit.soap.xml import more_elements_than, parse_xml
from toolkit.sources import Source

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
ENVELOPE_NAMESPACES = {"1.1": SOAP11_ENV, "1.2": SOAP12_ENV}
VERSION_OF_NAMESPACE = {SOAP11_ENV: "1.1", SOAP12_ENV: "1.2"}
_VERSION_OF_TAG = {f"{{{namespace}}}Envelope": version for namespace, version in VERSION_OF_NAMESPACE.items()}
_HEADER_TAG = {version: f"{{{namespace}}}Header" for version, namespace in ENVELOPE_NAMESPACES.items()}
_BODY_TAG = {version: f"{{{namespace}}}Body" for version, namespace in ENVELOPE_NAMESPACES.items()}
# The prefixes clients are used to seeing: "soap" for 1.1 (WCF, .NET, zeep), "env" for 1.2 (the spec's own).
PREFIXES = {"1.1": "soap", "1.2": "env"}
CONTENT_TYPES = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}


# WS-Security is understood in the sense that matters to a mock: credentials are accepted, not checked.
_UNDERSTOOD = frozenset({
    "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}Security",
    "{http://schemas.xmlsoap.org/ws/2002/07/secext}Security",
    "{http://schemas.xmlsoap.org/ws/2003/06/secext}Security",
})  # fmt: skip
# A header block addressed to another role (actor) is not the mock's to understand.
_OWN_ROLES = frozenset({"", "http://schemas.xmlsoap.org/soap/actor/next",
                        "http://www.w3.org/2003/05/soap-envelope/role/next",
                        "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"})  # fmt: skip
_ENVELOPE_ATTRIBUTE_PREFIXES = tuple(f"{{{namespace}}}" for namespace in ENVELOPE_NAMESPACES.values())


class EnvelopeError(Exception):
    """The request is not a usable SOAP envelope (a Client/Sender fault)."""


class VersionMismatchError(EnvelopeError):
    """The root is an ``Envelope`` in a namespace that is neither SOAP 1.1 nor 1.2."""

    def __init__(self, message: str, namespace: str) -> None:
        super().__init__(message)
        self.namespace = namespace


# Not frozen (a frozen dataclass's __init__ sets each field through object.__setattr__: 0.4 us more per request),
# hashed as one would be; nothing changes an Envelope once read.
@dataclass(slots=True, unsafe_hash=True)
class Envelope:
    version: str  # "1.1" | "1.2"
    headers: tuple[etree._Element, ...]
    body: tuple[etree._Element, ...]  # the Body's element children, in order
    # read by ``plain_envelope``: the Body's one element parsed as a document of its own, no Header; no attribute in
    # an envelope namespace on it (so it is what ``detached`` would copy it to)
    plain: bool = False

    @property
    def first(self) -> etree._Element | None:
        return self.body[0] if self.body else None


def version_of_content_type(content_type: str | None) -> tuple[str | None, str | None]:
    """(SOAP version, SOAP 1.2 ``action`` parameter) a Content-Type implies; (None, None) when it implies none."""
    if not content_type:
        return None, None
    media, *params = (part.strip() for part in content_type.split(";"))
    media = media.lower()
    if media == "application/soap+xml":
        action = None
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "action":
                action = value.strip().strip('"')
        return "1.2", action
    if media == "text/xml":
        return "1.1", None
    return None, None


def read_envelope(data: bytes, max_elements: int = DEFAULT_LIMITS.max_xml_elements) -> Envelope:
    """The envelope in ``data``; raises ``EnvelopeError`` (or ``VersionMismatchError``) saying what is wrong.
    More than ``max_elements`` elements are refused before the tree is built (its memory is the cost)."""
    if not data or data.isspace():  # (what ``not data.strip()`` says, without copying the body)
        raise EnvelopeError("the request body is empty; a SOAP envelope was expected")
    if more_elements_than(data, max_elements):
        raise EnvelopeError(
            f"the request has more than {max_elements} XML elements, over the limit max_xml_elements={max_elements}; "
            f"send fewer, or raise it with `ctk serve --limit max_xml_elements=N`"
        )
    try:
        root = parse_xml(Source("request body", data))
    except CtkError as error:
        # ParseError / UnsafeXMLError: their message already says what and that nothing was expanded
        where = f" (at {error.where.removeprefix('request body:')})" if error.where else ""
        raise EnvelopeError(f"the request body is not usable XML: {error.message}{where}") from None
    version = _VERSION_OF_TAG.get(root.tag)  # a SOAP 1.1 or 1.2 Envelope, known without splitting its name
    if version is None:
        namespace, local = _split(root.tag)
        if local != "Envelope":
            raise EnvelopeError(f"the root element is <{local}>, not a SOAP <Envelope>")
        raise VersionMismatchError(
            f"the Envelope namespace {namespace or '(none)'!r} is neither SOAP 1.1 ({SOAP11_ENV}) "
            f"nor SOAP 1.2 ({SOAP12_ENV})",
            namespace,
        )
    children = [child for child in root if isinstance(child.tag, str)]
    headers: tuple[etree._Element, ...] = ()
    if children and children[0].tag == _HEADER_TAG[version]:
        headers = tuple([block for block in children.pop(0) if isinstance(block.tag, str)])
    if not children or children[0].tag != _BODY_TAG[version]:
        found = f"<{_split(children[0].tag)[1]}>" if children else "nothing"
        raise EnvelopeError(f"the Envelope has no Body (found {found} where <Body> belongs)")
    body = tuple([child for child in children[0] if isinstance(child.tag, str)])
    return Envelope(version, headers, body)


def _split(tag: str) -> tuple[str, str]:
    """(namespace, local name) of a tag; not ``etree.QName``, which raises on the ``p:name`` lxml leaves as the tag of
    an element whose prefix libxml2 could not bind (``xmlns::p=...`` is only a namespace warning to it)."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def build_envelope(version: str, body: Iterable[etree._Element], headers: Iterable[etree._Element] = ()) -> bytes:
    """A serialized envelope of ``version`` holding ``headers`` and ``body`` (the elements are moved in)."""
    namespace = ENVELOPE_NAMESPACES[version]
    envelope = etree.Element(f"{{{namespace}}}Envelope", nsmap={PREFIXES[version]: namespace})
    header_blocks = list(headers)
    if header_blocks:
        header = etree.SubElement(envelope, f"{{{namespace}}}Header")
        header.extend(header_blocks)
    etree.SubElement(envelope, f"{{{namespace}}}Body").extend(body)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"))


def envelope_text(version: str, body: Iterable[str], headers: Iterable[str] = ()) -> bytes:
    """``build_envelope`` for elements already serialized (``XsdGenerator.text``): the same bytes."""
    if not headers and type(body) is list and len(body) == 1:  # the usual answer: one element, between constant ends
        opening, closing = _ONE_ELEMENT[version]
        element: str = body[0]
        return (opening + element + closing).encode()
    start, header_start, header_end, body_start, body_end, empty_body, end = _ENVELOPE_TEXT[version]
    parts = [start]
    header_blocks = list(headers)
    if header_blocks:
        parts += [header_start, *header_blocks, header_end]
    elements = list(body)
    parts += [body_start, *elements, body_end] if elements else [empty_body]
    parts.append(end)
    return "".join(parts).encode()


# ``envelope_text``'s fixed pieces per version: the declaration and Envelope start, the Header's and the Body's tags
# (an empty Body's too), the Envelope's end
_ENVELOPE_TEXT = {
    version: (f"<?xml version='1.0' encoding='utf-8'?>\n<{prefix}:Envelope xmlns:{prefix}=\"{namespace}\">",
              f"<{prefix}:Header>", f"</{prefix}:Header>", f"<{prefix}:Body>", f"</{prefix}:Body>",
              f"<{prefix}:Body/>", f"</{prefix}:Envelope>")
    for version, namespace, prefix in ((version, ENVELOPE_NAMESPACES[version], PREFIXES[version])
                                       for version in ENVELOPE_NAMESPACES)
}  # fmt: skip
# everything before a Body's one element and after it, when there is no Header
_ONE_ELEMENT = {version: (start + body_start, body_end + end)
                for version, (start, _, _, body_start, body_end, _, end) in _ENVELOPE_TEXT.items()}  # fmt: skip


def detached(element: etree._Element) -> etree._Element:
    """A copy of ``element`` as a document of its own, without the SOAP attributes a header block carries
    (mustUnderstand, actor/role, relay, encodingStyle belong to the envelope, not to the block's schema)."""
    # what copy.deepcopy calls (lxml's copy of the subtree) without its frames; keys(): the attribute names
    copied: etree._Element = element.__deepcopy__(None)  # type: ignore[attr-defined]
    for name in [name for name in copied.keys() if str(name).startswith(_ENVELOPE_ATTRIBUTE_PREFIXES)]:  # noqa: SIM118
        del copied.attrib[name]
    return copied


def request_action(request: Request, version: str) -> str | None:
    """The action a request names: SOAP 1.2's Content-Type ``action`` parameter, else SOAPAction (unquoted)."""
    if version == "1.2":
        _, action = version_of_content_type(request.header("content-type"))
        if action:
            return action
    soap_action = request.header("soapaction")
    return soap_action.strip().strip('"') if soap_action is not None else None


def mandatory_unknown(envelope: Envelope, understood: frozenset[str]) -> list[str]:
    """Clark names of the header blocks marked mustUnderstand, addressed to the mock, that it does not know."""
    namespace = ENVELOPE_NAMESPACES[envelope.version]
    role_attribute = f"{{{namespace}}}{'actor' if envelope.version == '1.1' else 'role'}"
    out: list[str] = []
    for block in envelope.headers:
        flag = (block.get(f"{{{namespace}}}mustUnderstand") or "").strip()
        if flag not in ("1", "true") or (block.get(role_attribute) or "") not in _OWN_ROLES:
            continue
        if block.tag not in understood and block.tag not in _UNDERSTOOD:
            out.append(str(block.tag))
    return out


def leaf_values(body: tuple[etree._Element, ...], max_length: int = DEFAULT_LIMITS.max_echo_length) -> dict[str, str]:
    """Local name -> text of every leaf element in the request (the first one of a name wins). A value
    longer than ``max_length`` characters is not echoed (the answer generates one instead): an echo must
    not make an answer, its memo entry or a pattern check as large as the request."""
    values: dict[str, str] = {}
    for root in body:
        for element in root.iter(etree.Element):  # elements only (no comments, processing instructions, entities)
            if len(element):
                continue
            text = element.text
            if not text:
                continue
            text = text.strip()
            if text and len(text) <= max_length:
                values.setdefault(element.tag.rpartition("}")[2], text)  # the local name (QName's, without one)
    return values

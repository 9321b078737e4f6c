"""SOAP Faults, in the form each version's clients parse.

SOAP 1.1: ``faultcode``/``faultstring``/``detail``, always HTTP 500 (SOAP 1.1 HTTP binding, section 6.2).
SOAP 1.2: ``Code/Value``, ``Reason/Text xml:lang="en"``, ``Detail``; HTTP 400 for a Sender fault and 500
otherwise (SOAP 1.2 part 2, table 20). Every mock error a SOAP client can meet goes through here, so a
client library raises its own Fault exception instead of choking on an HTML page or problem+json.

A fault's text often quotes the request (an action, an element name, a value), so every message is
clipped here, where they all pass, and a request's violations are listed up to a limit, then counted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

from lxml import etree

from toolkit.exchange import Response
from toolkit.mock.problem import clip
from toolkit.soap.mock.envelope import CONTENT_TYPES, ENVELOPE_NAMESPACES, PREFIXES, SOAP12_ENV, build_envelope
from toolkit.soap.wsdl import split_clark
from toolkit.soap.xsd.builtin import XML

CTK_NS = "urn:ctk:mock"
_XML_LANG = f"{{{XML}}}lang"
# Where a mock error message names many things (known operations, declared faults), it stays short.
MAX_LISTED = 12
# A fault's reason quotes what the client sent (an action, an element name, a path): each quoted part is
# clipped to ``max_echo_length`` where it is quoted (soap/mock/handler.py, the validator's messages), as in the other
# protocols. This is the backstop on the whole reason, the mock's own words and contract names included,
# which ``max_echo_length`` (a bound on echoes, that a user may set to a few characters) must not cut.
MAX_MESSAGE = 4096


class FaultCode(enum.Enum):
    CLIENT = ("Client", "Sender")
    SERVER = ("Server", "Receiver")
    VERSION_MISMATCH = ("VersionMismatch", "VersionMismatch")
    MUST_UNDERSTAND = ("MustUnderstand", "MustUnderstand")

    def local(self, version: str) -> str:
        return self.value[0] if version == "1.1" else self.value[1]


def fault_response(
    version: str,
    code: FaultCode,
    message: str,
    *,
    detail: Sequence[etree._Element] = (),
    header_blocks: Iterable[etree._Element] = (),
    headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    """A whole HTTP answer carrying one Fault; ``detail`` elements go into ``detail``/``Detail``."""
    namespace = ENVELOPE_NAMESPACES[version]
    prefix = PREFIXES[version]
    message = clip(message, MAX_MESSAGE)
    fault = etree.Element(f"{{{namespace}}}Fault", nsmap={prefix: namespace})
    if version == "1.1":
        # faultcode, faultstring and detail are unqualified in SOAP 1.1
        etree.SubElement(fault, "faultcode").text = f"{prefix}:{code.local(version)}"
        etree.SubElement(fault, "faultstring").text = message
        if detail:
            etree.SubElement(fault, "detail").extend(detail)
        status = 500
    else:
        value = etree.SubElement(etree.SubElement(fault, f"{{{namespace}}}Code"), f"{{{namespace}}}Value")
        value.text = f"{prefix}:{code.local(version)}"
        text = etree.SubElement(etree.SubElement(fault, f"{{{namespace}}}Reason"), f"{{{namespace}}}Text")
        text.set(_XML_LANG, "en")
        text.text = message
        if detail:
            etree.SubElement(fault, f"{{{namespace}}}Detail").extend(detail)
        status = 400 if code is FaultCode.CLIENT else 500
    body = build_envelope(version, [fault], header_blocks)
    return Response(status, (("content-type", CONTENT_TYPES[version]), *headers), body)


def violation_elements(violations: Sequence[tuple[str, str]], total: int | None = None) -> list[etree._Element]:
    """``<ctk:violation path="/GetAccountRequest/id">message</ctk:violation>`` for each (path, message), then,
    when ``total`` counts more than are listed, one ``<ctk:violation>and N more</ctk:violation>``."""
    out: list[etree._Element] = []
    for path, message in violations:
        element = etree.Element(f"{{{CTK_NS}}}violation", nsmap={"ctk": CTK_NS})
        element.set("path", clip(path, MAX_MESSAGE))
        element.text = clip(message, MAX_MESSAGE)
        out.append(element)
    more = (total or 0) - len(violations)
    if more > 0:
        element = etree.Element(f"{{{CTK_NS}}}violation", nsmap={"ctk": CTK_NS})
        element.text = f"and {more} more"
        out.append(element)
    return out


def upgrade_block(versions: Iterable[str]) -> etree._Element:
    """SOAP 1.2's ``Upgrade`` header block: which envelopes this endpoint speaks (part 1, section 5.4.7)."""
    upgrade = etree.Element(f"{{{SOAP12_ENV}}}Upgrade", nsmap={"env": SOAP12_ENV})
    for version in sorted(versions):
        # the envelopes' own prefixes: lxml drops a declaration its parent already makes under another
        # prefix, which would leave a qname value like "ns0:Envelope" unbound
        prefix = PREFIXES[version]
        supported = etree.SubElement(
            upgrade, f"{{{SOAP12_ENV}}}SupportedEnvelope", nsmap={prefix: ENVELOPE_NAMESPACES[version]}
        )
        supported.set("qname", f"{prefix}:Envelope")
    return upgrade


def not_understood_blocks(qnames: Iterable[str]) -> list[etree._Element]:
    """SOAP 1.2's ``NotUnderstood`` header blocks, one per mandatory header the mock does not know."""
    out: list[etree._Element] = []
    for qname in qnames:
        namespace, local = split_clark(qname)
        nsmap = {"env": SOAP12_ENV, **({"h": namespace} if namespace else {})}
        block = etree.Element(f"{{{SOAP12_ENV}}}NotUnderstood", nsmap=nsmap)
        block.set("qname", f"h:{local}" if namespace else local)
        out.append(block)
    return out


def short_list(names: Iterable[str]) -> str:
    """``a, b, c`` — at most ``MAX_LISTED`` names, then how many more."""
    items = list(names)
    head = ", ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return f"{head} (and {more} more)" if more > 0 else head or "(none)"

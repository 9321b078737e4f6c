"""Repairing a SOAP binding prefix the WSDL's author forgot to declare (load is tolerant, lint is strict).

Hand-written and generator-patched WSDLs sometimes use ``soap:binding``/``soap:operation``/``soap:body``/
``soap:address`` without ``xmlns:soap``; .NET and Java toolkits read them, libxml2 refuses them ("Namespace
prefix soap on binding is not defined"). The loader parses strictly first; only on that exact error, for a
SOAP binding element, does it declare the prefix on the root element and parse again, when the namespace
meant is unambiguous:

- the document declares that prefix elsewhere (on another element) to one SOAP binding namespace, and to
  nothing else: that one;
- else the prefix is one of the conventional names of exactly one of them (``soap``, ``soap11``,
  ``wsdlsoap``, … for SOAP 1.1; ``soap12``, ``wsoap12``, ``wsdlsoap12`` for SOAP 1.2).

After the repaired parse every element that took the declared namespace must be a SOAP binding element
in a SOAP binding element's place (under ``wsdl:binding``, its ``operation``, their ``input``/``output``/
``fault``, or ``wsdl:port``), or the repair is taken back and the load fails as before. Anything else — an
unknown prefix (``foo:``), an attribute's prefix, a prefix declared to two namespaces — stays the parse
error it was. Each repair becomes a warning at its first use (file:line), which ``ctk lint`` reports.
The bytes are changed only inside the root's start tag, so every line number stays the document's own.
"""

from __future__ import annotations

import re

from lxml import etree

from toolkit.model import Location, Problem, Severity
from toolkit.soap.xml import ROOT_START, UNDECLARED_PREFIX, safe_parser, source_line
from toolkit.sources import Source

SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
_CONVENTIONAL = {
    **dict.fromkeys(("soap", "soap11", "wsdlsoap", "wsdlsoap11", "soapbind", "s11"), SOAP11),
    **dict.fromkeys(("soap12", "wsoap12", "wsdlsoap12", "soap12bind", "s12"), SOAP12),
}
# The SOAP binding extension elements, and the WSDL elements each may sit under.
_PLACES = {
    "binding": {"binding"},
    "operation": {"operation"},
    "body": {"input", "output"},
    "header": {"input", "output"},
    "headerfault": {"header"},
    "fault": {"fault"},
    "address": {"port"},
}
_MAX_REPAIRS = 4  # prefixes repaired in one document: a WSDL missing more is not one slip
_ROOT_NAME = re.compile(rb"[^\s/>]+")
_MARKER = "urn:ctk:undeclared-prefix:"  # the namespace a repaired prefix gets in the pass that finds its uses


class PrefixRepairs:
    """The repairs made while parsing one document: pass ``attempt`` to ``parse_xml``, then ``check`` the
    tree it returns; ``warnings`` are the loader's, one per repaired prefix."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.repaired: dict[str, str] = {}  # prefix -> the namespace declared for it
        self.original = source.data
        self.warnings: list[Problem] = []

    def attempt(self, data: bytes, message: str) -> bytes | None:
        """``data`` with the undeclared prefix of ``message`` declared on the root element, or None to refuse."""
        match = UNDECLARED_PREFIX.match(message)
        if match is None or match.group("attribute") or len(self.repaired) >= _MAX_REPAIRS:
            return None
        prefix, element = match.group("prefix"), match.group("element")
        if element not in _PLACES or prefix in self.repaired:
            return None
        namespace = _meant(prefix, data)
        root = ROOT_START.search(data)
        if namespace is None or root is None:
            return None
        if _ROOT_NAME.match(data, root.start() + 1) is None:
            return None
        self.repaired[prefix] = namespace
        return _declared(self.original, self.repaired)

    def check(self) -> etree._Element | None:
        """The first element the repairs gave a namespace that is not a SOAP binding element in its place, else
        None, having recorded one warning per repaired prefix, at its first use. The uses are found by one more
        parse (the same safe parser) where each repaired prefix is declared to a marker namespace of its own,
        so an element that declares the prefix itself is not counted."""
        markers = {prefix: f"{_MARKER}{prefix}" for prefix in self.repaired}
        marked = etree.fromstring(_declared(self.original, markers), parser=safe_parser())
        for prefix, namespace in self.repaired.items():
            used: list[etree._Element] = list(marked.iter(f"{{{markers[prefix]}}}*"))
            misplaced = next((element for element in used if not _in_place(element)), None)
            if misplaced is not None:
                self.warnings = []
                return misplaced
            lines = [line for line in (source_line(element) for element in used) if line is not None]
            version = "1.1" if namespace == SOAP11 else "1.2"
            more = f" (and {len(used) - 1} more use{'s' if len(used) > 2 else ''})" if len(used) > 1 else ""
            self.warnings.append(
                Problem(
                    Severity.WARNING,
                    Location(self.source.name, line=lines[0] if lines else None),
                    f"namespace prefix {prefix!r} is used but never declared; read as the SOAP {version} binding "
                    f'namespace {namespace}{more}: declare xmlns:{prefix}="{namespace}" on <definitions>',
                )
            )
        return None


def _meant(prefix: str, data: bytes) -> str | None:
    """The SOAP binding namespace an undeclared ``prefix`` means, when the document leaves no doubt."""
    pattern = re.compile(rb"xmlns:" + re.escape(prefix.encode()) + rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
    declared = {
        (match.group(1) or match.group(2) or b"").decode("utf-8", "replace") for match in pattern.finditer(data)
    }
    if declared:
        return declared.pop() if len(declared) == 1 and declared <= {SOAP11, SOAP12} else None
    return _CONVENTIONAL.get(prefix.lower())


def _declared(data: bytes, declarations: dict[str, str]) -> bytes:
    """``data`` with ``xmlns:prefix="namespace"`` added to the root's start tag (right after its name, so no
    line moves); ``attempt`` has checked that the root and its name are found."""
    root = ROOT_START.search(data)
    assert root is not None
    name = _ROOT_NAME.match(data, root.start() + 1)
    assert name is not None
    added = "".join(f' xmlns:{prefix}="{namespace}"' for prefix, namespace in declarations.items()).encode()
    return data[: name.end()] + added + data[name.end() :]


def _in_place(element: etree._Element) -> bool:
    parent = element.getparent()
    if parent is None or not isinstance(parent.tag, str):
        return False
    local = etree.QName(element).localname
    parent_tag = etree.QName(parent)
    if local == "headerfault":  # under soap:header
        namespace = parent_tag.namespace or ""
        return parent_tag.localname == "header" and (namespace in (SOAP11, SOAP12) or namespace.startswith(_MARKER))
    return parent_tag.namespace == WSDL and parent_tag.localname in _PLACES.get(local, set())

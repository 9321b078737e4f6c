"""Parsing untrusted XML: no DTD, no entities, no network, no huge trees.

Contracts and (later) SOAP envelopes come from outside. A DOCTYPE is refused before the parser
sees the document, so an XXE or "billion laughs" file is never fetched or expanded; the parser
itself is configured with entities, DTD loading and network access off as a second wall.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from lxml import etree

from toolkit.errors import ParseError, UnsafeXMLError
from toolkit.sources import Source
from toolkit.xml_count import elements_over

# A DOCTYPE or ENTITY declaration can only appear before the root element; look there.
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
ROOT_START = re.compile(rb"<[A-Za-z_]")
# libxml2's namespace error for a prefix no ancestor declares (on an element, or on one of its attributes)
UNDECLARED_PREFIX = re.compile(
    r"Namespace prefix (?P<prefix>[^\s:]+) (?:for (?P<attribute>\S+) )?on (?P<element>\S+) is not defined$"
)
_MAX_ATTEMPTS = 5


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


_THREAD = threading.local()


def thread_parser() -> etree.XMLParser:
    """A ``safe_parser`` per thread, made once: making one costs more than parsing a SOAP request (lxml's
    parsers keep no document between parses, but may not be shared by threads)."""
    parser: etree.XMLParser | None = getattr(_THREAD, "parser", None)
    if parser is None:
        parser = _THREAD.parser = safe_parser()
    return parser


def _prolog(data: bytes) -> bytes:
    """The bytes before the root element (comments and processing instructions included)."""
    # "<?xml", "<!--" and "<!DOCTYPE" are not matched: the pattern wants a letter right after "<"
    match = ROOT_START.search(data)
    return data if match is None else data[: match.start()]


def parse_xml(source: Source, repair: Callable[[bytes, str], bytes | None] | None = None) -> etree._Element:
    """The root element of ``source``, parsed safely; refuses DTDs and entity declarations.

    ``repair`` (the loader's tolerance for undeclared SOAP binding prefixes, ``prefixes.py``) is asked only
    when the strict parse fails on an undeclared namespace prefix: it returns the bytes to parse instead (the
    same parser, no DTD, no entities, no network), or None to keep the error."""
    declaration = _DECLARATION.search(_prolog(source.data))
    if declaration is not None:
        line = source.data[: declaration.start()].count(b"\n") + 1
        raise UnsafeXMLError(
            f"declares a {declaration.group(1).decode().upper()}; ctk refuses DTDs and entity declarations "
            "(they enable XXE and entity-expansion attacks), so nothing was fetched or expanded",
            where=f"{source.name}:{line}",
            hint="remove the <!DOCTYPE ...> block; WSDL and XSD never need one",
        )
    data = source.data
    attempts = 0
    while True:
        try:
            root = etree.fromstring(data, parser=thread_parser(), base_url=source.uri)
            break
        except etree.XMLSyntaxError as exc:
            message = re.sub(r",? line \d+, column \d+$", "", exc.msg or "syntax error")
            attempts += 1
            undeclared = UNDECLARED_PREFIX.match(message)
            repaired = repair(data, message) if repair and undeclared and attempts < _MAX_ATTEMPTS else None
            if repaired is None:
                raise _syntax_error(source, exc, message, undeclared) from None
            data = repaired
    return _checked(source, root)


def _syntax_error(
    source: Source, exc: etree.XMLSyntaxError, message: str, undeclared: re.Match[str] | None
) -> ParseError:
    line, column = exc.position if exc.position else (exc.lineno, 0)
    hint = "check that the file is well-formed XML"
    if undeclared is not None:
        prefix = undeclared.group("prefix")
        hint = (f'declare the prefix on <definitions> (xmlns:{prefix}="<its namespace>"); ctk declares a missing '
                "prefix itself only on a SOAP binding element whose SOAP version is unambiguous")  # fmt: skip
    # libxml2 suggests its own XML_PARSE_HUGE switch: the depth limit is ours to keep, not the user's to lift
    message = re.sub(r"Excessive depth in document: (\d+), use XML_PARSE_HUGE option",
                     r"elements nested deeper than \1 levels, the limit for untrusted XML", message)  # fmt: skip
    return ParseError(f"invalid XML: {message}", where=f"{source.name}:{line}:{column}", hint=hint)


def _checked(source: Source, root: etree._Element) -> etree._Element:
    docinfo = root.getroottree().docinfo
    if (
        getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None
    ):  # e.g. a UTF-16 file the byte scan could not read
        raise UnsafeXMLError(
            "declares a DOCTYPE; ctk refuses DTDs and entity declarations, so nothing was fetched or expanded",
            where=source.name,
            hint="remove the <!DOCTYPE ...> block",
        )
    return root


def more_elements_than(data: bytes, limit: int) -> bool:
    """Whether ``data`` holds more than ``limit`` elements, told before a tree is built: a parsed element
    costs ~250 bytes, so 10 MB of ``<a/>`` would take 600 MB as a tree. Start tags are at most the ``<``
    that do not open an end tag (a byte count, at C speed); only above the limit are they counted exactly,
    by a parse that builds nothing and stops at the limit. Malformed data says False: the real parse
    reports it in its own words."""
    if data.count(b"<") - data.count(b"</") <= limit:
        return False
    if _DECLARATION.search(_prolog(data)) is not None:
        return False  # parse_xml refuses it before any parser sees it
    return elements_over(data, limit)


def element_path(element: etree._Element) -> str:
    """A readable path such as ``/wsdl:definitions/wsdl:message[@name='GetAccount']``."""
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None and isinstance(node.tag, str):
        qname = etree.QName(node)
        prefix = node.prefix
        step = f"{prefix}:{qname.localname}" if prefix else qname.localname
        name = node.get("name")
        if name is not None:
            step += f"[@name='{name}']"
        steps.append(step)
        node = node.getparent()
    return "/" + "/".join(reversed(steps))


def source_line(node: etree._Element) -> int | None:
    """The line ``node`` was read from; None for a node built in memory (lxml may report a non-int then)."""
    value = node.sourceline
    return value if isinstance(value, int) else None

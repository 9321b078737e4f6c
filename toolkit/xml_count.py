"""Counting an untrusted XML document's elements without building it: what every XML reader of ctk (SOAP
envelopes, OpenAPI XML request bodies) asks before it parses. A parsed element costs ~250 bytes, so 10 MB
of ``<a/>`` would take 600 MB as a tree; this parse builds nothing and stops at the limit. lxml is imported
on the first call, so a module importing this one loads no XML library."""

from __future__ import annotations

from typing import Any

__all__ = ["elements_over"]


class _TooManyElementsError(Exception):
    pass


class _ElementCounter:
    """A parser target that counts start tags and stops the parse past ``limit``; it builds nothing."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0

    def start(self, tag: str, attrib: object, nsmap: object = None) -> None:
        self.count += 1
        if self.count > self.limit:
            raise _TooManyElementsError

    def close(self) -> int:
        return self.count


def elements_over(data: bytes, limit: int) -> bool:
    """Whether ``data`` holds more than ``limit`` elements, by a parse that builds nothing (entities, DTDs and
    the network off). Malformed data says False: the caller's real parse reports it in its own words. Callers
    first compare the count of ``<`` not opening an end tag (a byte count, at C speed) with the limit."""
    from lxml import etree

    counter: Any = _ElementCounter(limit)  # a parser target by duck typing (lxml's stubs want their protocol)
    parser = etree.XMLParser(target=counter, resolve_entities=False, no_network=True, load_dtd=False)
    try:
        etree.fromstring(data, parser=parser)
    except _TooManyElementsError:
        return True
    except etree.XMLSyntaxError:
        return False
    return False

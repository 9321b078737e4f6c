"""Text and attribute values as lxml serializes them, for answers written as text rather than built as trees.

The generator's fast path (``nodes.*.write``) must give the bytes ``etree.tostring`` would give for the same
tree: lxml escapes ``&``, ``<``, ``>`` and a carriage return (``&#13;``) in text, and in attribute values also
``"`` and the tab and newline (``&#9;``, ``&#10;``). A string lxml would refuse (control characters, lone
surrogates) is found by ``unwritable`` on the whole answer, which is then built the slow way, where lxml
refuses it as before.
"""

from __future__ import annotations

import re

__all__ = ["escape_attribute", "escape_text", "unescape", "unwritable"]

# What XML 1.0 does not allow in a document (lxml refuses it when a tree's text is set), listed rather than
# negated: a small class is searched at C speed, the negation of XML's large ranges ten times slower.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#13;": "\r", "&#10;": "\n", "&#9;": "\t"}
_ENTITY = re.compile("|".join(_ENTITIES))


def escape_text(value: str) -> str:
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def escape_attribute(value: str) -> str:
    value = escape_text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    if "\t" in value:
        value = value.replace("\t", "&#9;")
    return value


def unescape(text: str) -> str:
    """The value ``escape_text``/``escape_attribute`` wrote."""
    return _ENTITY.sub(lambda match: _ENTITIES[match.group()], text) if "&" in text else text


def unwritable(text: str) -> bool:
    """Whether ``text`` holds a character lxml would refuse in a tree (and so in an answer)."""
    if text.isascii():  # (known without a scan) the usual answer: of ``_NOT_XML``, only the C0 controls can be in it
        # its bytes once the allowed ones are deleted: none left unless a control is there (0.4 us for an answer of
        # 800 characters, where ``isprintable`` takes 0.9)
        return bool(text.encode("ascii").translate(None, _XML_ASCII))
    # every character ``_NOT_XML`` lists is unprintable (a control, a surrogate, a noncharacter): a printable text
    # is told at C speed without the search (newlines and tabs still search)
    return not text.isprintable() and _NOT_XML.search(text) is not None


# the ASCII characters XML 1.0 allows: tab, newline, carriage return and everything from the space on
_XML_ASCII = b"\t\n\r" + bytes(range(0x20, 0x80))

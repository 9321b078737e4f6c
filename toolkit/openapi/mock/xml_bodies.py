"""Request bodies sent as XML (``application/xml``, ``text/xml``, ``+xml``), read into the JSON shape their
schema describes, so that the operation's one request validator judges them exactly as it judges JSON.

Reading is safe for hostile bodies: a DOCTYPE or ENTITY declaration is refused before any parser sees the
bytes, and the parser has entities, DTD loading and network access off as a second wall; more than
``max_xml_elements`` elements are refused (413) before a tree is built, by a byte count and, only above the
limit, a parse that builds nothing; elements nested deeper than ``max_nesting`` are refused while converting.
A malformed body is a 400 naming its line and column. lxml is imported with the first XML body, so a mock
that never receives one never loads it.

The conversion is directed by the OpenAPI schema and its ``xml`` objects, and lenient where clients differ:

- the root element is the body, whatever its name (exports rarely agree with clients on it);
- an object's properties are child elements named by ``xml.name`` or the property name, or attributes
  (``xml.attribute``); names are compared without namespace or prefix (``xml.namespace``/``xml.prefix`` say
  how to write a name, and a client that qualifies, or does not, means the same property);
- an array property is, with ``xml.wrapped``, one wrapper element holding the items (any item name), else
  items repeated in place, named by the items' ``xml.name`` (or the property's); each form is accepted for
  the other when it is what the body holds;
- a scalar's text is coerced to the schema's type (integer, number, boolean); text that is not one stays
  text, so the validator names the type it wanted; ``xsi:nil="true"`` is null;
- child elements no property names are kept under their local names (repeated ones as a list), read by
  ``additionalProperties`` when it is a schema, so ``additionalProperties: false`` is reported as for JSON.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.errors import CtkError
from toolkit.openapi.mock.reading import Refusal
from toolkit.openapi.refs import Resolver
from toolkit.xml_count import elements_over

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["XmlBody", "is_xml"]

# A DOCTYPE or ENTITY declaration can only appear before the root element; look there.
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_COMPOSITION_DEPTH = 32  # allOf/oneOf/anyOf/$ref hops followed to find one schema's shape


def is_xml(media_type: str) -> bool:
    """``application/xml``, ``text/xml`` and ``+xml`` types, given as an essence (no parameters, lower case)."""
    return media_type in ("application/xml", "text/xml") or media_type.endswith("+xml")


@dataclass(slots=True)
class _Shape:
    """What the conversion needs of one schema node, with ``$ref``s followed and compositions merged."""

    types: set[str] = field(default_factory=set)
    properties: dict[str, tuple[Any, str]] = field(default_factory=dict)
    items: tuple[Any, str] | None = None
    additional: tuple[Any, str] | None = None
    xml: dict[str, Any] = field(default_factory=dict)


_UNTYPED = _Shape()


class _RefusedError(Exception):
    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal


class XmlBody:
    """The XML reading of one media type's schema: shapes computed on first use, once per schema node."""

    def __init__(self, schema: Any, uri: str, resolver: Resolver) -> None:
        self.schema = schema
        self.uri = uri
        self.resolver = resolver
        self._shapes: dict[int, tuple[Any, _Shape]] = {}

    @classmethod
    def of(cls, media_type: str, schema: Any, uri: str, resolver: Resolver | None) -> XmlBody | None:
        """An XML reading for ``media_type`` when it is XML and its schema describes an object or array."""
        if resolver is None or schema is None or not is_xml(media_type.split(";", 1)[0].strip().lower()):
            return None
        reader = cls(schema, uri, resolver)
        try:
            shape = reader.shape(schema, uri)
        except CtkError:  # a reference this reading cannot follow: the body is read as before
            return None
        return reader if shape.types & {"object", "array"} else None

    def read(self, raw: bytes, max_elements: int, max_nesting: int) -> tuple[Any, Refusal | None]:
        """The body's value in the schema's JSON shape, or why the body cannot be read."""
        root, refusal = parse_body(raw, max_elements)
        if refusal is not None or root is None:
            return None, refusal
        try:
            return self._convert(root, self.shape(self.schema, self.uri), 1, max_nesting), None
        except _RefusedError as refused:
            return None, refused.refusal

    # -- shapes ------------------------------------------------------------------------------------

    def shape(self, schema: Any, uri: str) -> _Shape:
        cached = self._shapes.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        shape = _Shape()
        self._gather(schema, uri, shape, 0)
        if not shape.types:
            if shape.properties or shape.additional is not None:
                shape.types.add("object")
            elif shape.items is not None:
                shape.types.add("array")
        self._shapes[id(schema)] = (schema, shape)  # the node is kept alive so that its id is not reused
        return shape

    def _gather(self, schema: Any, uri: str, shape: _Shape, depth: int) -> None:
        if depth > _COMPOSITION_DEPTH or not isinstance(schema, dict):
            return
        if isinstance(schema.get("xml"), dict):  # beside a $ref (3.1) it names this use of the target
            shape.xml = {**schema["xml"], **shape.xml}
        if isinstance(schema.get("$ref"), str):
            target, target_uri = self.resolver.deref(schema, uri)
            self._gather(target, target_uri, shape, depth + 1)
            return
        kind = schema.get("type")
        for name in kind if isinstance(kind, list) else [kind]:
            if isinstance(name, str):
                shape.types.add("string" if name == "file" else name)
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                shape.properties.setdefault(str(name), (sub, uri))
        if shape.items is None and isinstance(schema.get("items"), dict):
            shape.items = (schema["items"], uri)
        if shape.additional is None and isinstance(schema.get("additionalProperties"), dict):
            shape.additional = (schema["additionalProperties"], uri)
        for key in ("allOf", "oneOf", "anyOf"):
            members = schema.get(key)
            if isinstance(members, list):
                for member in members:
                    self._gather(member, uri, shape, depth + 1)

    # -- conversion --------------------------------------------------------------------------------

    def _convert(self, element: etree._Element, shape: _Shape, depth: int, max_nesting: int) -> Any:
        if depth > max_nesting:
            raise _RefusedError(
                Refusal(f"the XML body nests elements deeper than {max_nesting} (the limit max_nesting)")
            )
        if element.get(_XSI_NIL) in ("true", "1"):
            return None
        children = [child for child in element if isinstance(child.tag, str)]
        types = shape.types
        if "object" in types or (not types and children):
            return self._object(element, children, shape, depth, max_nesting)
        if "array" in types:
            items = self._sub(shape.items)
            return [self._convert(child, items, depth + 1, max_nesting) for child in children]
        if children:  # elements where the schema wants a scalar: their text would hide the mistake
            return self._object(element, children, _UNTYPED, depth, max_nesting)
        return scalar(element.text or "", types)

    def _sub(self, node: tuple[Any, str] | None) -> _Shape:
        return _UNTYPED if node is None else self.shape(*node)

    def _object(
        self, element: etree._Element, children: list[etree._Element], shape: _Shape, depth: int, max_nesting: int
    ) -> dict[str, Any]:
        by_name: dict[str, list[etree._Element]] = {}
        for child in children:
            by_name.setdefault(local_name(child.tag), []).append(child)
        used: set[str] = set()
        out: dict[str, Any] = {}

        def convert_all(found: list[etree._Element], sub: _Shape) -> list[Any]:
            return [self._convert(child, sub, depth + 1, max_nesting) for child in found]

        for name, node in shape.properties.items():
            sub = self.shape(*node)
            given = sub.xml.get("name")
            xml_name = local_name(given) if isinstance(given, str) and given else name
            if sub.xml.get("attribute") is True:
                text = attribute(element, xml_name)
                if text is not None:
                    out[name] = scalar(text, sub.types)
                continue
            if "array" in sub.types and "object" not in sub.types:
                items = self._sub(sub.items)
                item_given = items.xml.get("name")
                item_name = local_name(item_given) if isinstance(item_given, str) and item_given else xml_name
                wrapper = by_name.get(xml_name)
                repeated = by_name.get(item_name)
                if sub.xml.get("wrapped") is True and wrapper:
                    used.add(xml_name)
                    out[name] = convert_all([c for c in wrapper[0] if isinstance(c.tag, str)], items)
                elif repeated:
                    used.add(item_name)
                    out[name] = convert_all(repeated, items)
                elif wrapper:  # unwrapped by the contract, wrapped by the client
                    used.add(xml_name)
                    out[name] = convert_all([c for c in wrapper[0] if isinstance(c.tag, str)], items)
                continue
            found = by_name.get(xml_name)
            if found:
                used.add(xml_name)
                values = convert_all(found, sub)
                out[name] = values[0] if len(values) == 1 else values  # repeated: a list the validator names
        extra = self._sub(shape.additional)
        for key, found in by_name.items():
            if key in used or key in out:
                continue
            values = convert_all(found, extra)
            out[key] = values[0] if len(values) == 1 else values
        return out


def local_name(tag: str) -> str:
    """``{urn:x}name`` and ``p:name`` → ``name``."""
    return tag.rpartition("}")[2].rpartition(":")[2]


def attribute(element: etree._Element, name: str) -> str | None:
    value = element.get(name)
    if value is not None:
        return str(value)
    for key, found in element.attrib.items():
        if local_name(str(key)) == name:
            return str(found)
    return None


def scalar(text: str, types: set[str]) -> Any:
    """``text`` as the schema's type when it is one; else the text, for the validator to name."""
    stripped = text.strip()
    if not stripped and "null" in types and "string" not in types:
        return None
    if "integer" in types and _INTEGER.fullmatch(stripped):
        try:
            return int(stripped)
        except ValueError:  # over Python's integer-digit limit
            return text
    if "number" in types and _NUMBER.fullmatch(stripped):
        if _INTEGER.fullmatch(stripped):
            try:
                return int(stripped)
            except ValueError:
                return text
        number = float(stripped)
        return number if math.isfinite(number) else text
    if "boolean" in types and stripped in ("true", "false", "1", "0"):
        return stripped in ("true", "1")
    return text


def parse_body(raw: bytes, max_elements: int) -> tuple[etree._Element | None, Refusal | None]:
    """The root element of an XML request body, parsed safely, or why it is refused."""
    from lxml import etree  # here: lxml only for a mock that receives XML

    head = raw.replace(b"\x00", b"") if b"\x00" in raw[:4] else raw  # UTF-16/32: its ASCII, read as bytes
    start = _ROOT_START.search(head)
    declaration = _DECLARATION.search(head if start is None else head[: start.start()])
    if declaration is not None:
        line = head[: declaration.start()].count(b"\n") + 1
        kind = declaration.group(1).decode().upper()
        detail = (
            f"the XML body declares a {kind} (line {line}); DTDs and entity declarations are refused "
            "(they enable XXE and entity-expansion attacks), so nothing was fetched or expanded"
        )
        return None, Refusal(detail)
    if raw.count(b"<") - raw.count(b"</") > max_elements and elements_over(raw, max_elements):
        detail = f"the XML body has more than {max_elements} elements (the limit max_xml_elements)"
        return None, Refusal(detail, 413)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(raw, parser=parser)
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (error.lineno, 0)
        message = re.sub(r",? line \d+, column \d+$", "", " ".join((error.msg or "syntax error").split()))
        message = re.sub(
            r"Excessive depth in document: (\d+), use XML_PARSE_HUGE option",
            r"elements nested deeper than \1 levels, the limit for untrusted XML",
            message,
        )
        return None, Refusal(f"the body is not well-formed XML: {message.strip()} (line {line}, column {column})")
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:  # e.g. UTF-16 the byte scan missed
        return None, Refusal("the XML body declares a DOCTYPE; DTDs are refused, so nothing was fetched or expanded")
    return root, None

"""One compiled lxml XML Schema for a whole WSDL, to check message bodies in microseconds.

``assemble`` turns the WSDL's schemas into documents libxml2 can compile together. When libxml2
refuses the set, strict mode raises a ``LoadError`` pointing at the original file and line; lenient
mode (what the mock uses: a vendor's sloppy XSD must still be served) leaves out each component
libxml2 complains about, recompiles, and lists what was left out in ``warnings``.

Checking a request costs time and memory linear in its size however many violations it has. lxml
records every libxml2 error as a Python entry and computes each one's node path eagerly
(``xmlGetNodePath`` walks all preceding siblings), so validating the tree of a request with 100 000
wrong siblings takes 46 s, and a deep chain of long names makes every path long. So only a small
element (``max_violation_scan`` bytes) is validated as a tree, with exact paths; a larger one is
serialized and validated while it is parsed again (libxml2's streaming validation: no node, no path
computed), its violations located by element name only. Either way all are counted, the first
``listed`` described, and every message clipped (libxml2 quotes the offending value whole).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from toolkit.errors import LoadError
from toolkit.limits import DEFAULT_LIMITS
from toolkit.mock.problem import clip
from toolkit.soap.wsdl import Definitions
from toolkit.soap.xml import source_line
from toolkit.soap.xsd.assemble import (
    SchemaDocument,
    compile_schema,
    global_elements,
    schema_documents,
)
from toolkit.soap.xsd.patterns import PatternChecker, plan
from toolkit.soap.xsd.schema_index import is_xsd
from toolkit.sources import display_name

__all__ = ["XsdValidator", "XsdViolation"]

_ELEMENT_PREFIX = re.compile(r"^Element '[^']*'(?:, attribute '[^']*')?: ")
_EVERY = 2**62  # no cap: every violation listed, the tree always validated
_MAX_ATTEMPTS = 50  # each attempt removes at least one component; a hopeless set stops here
_LOCAL_STEP = re.compile(r"\*\[local-name\(\)\s*=\s*'([^']*)'[^\]]*\]")
# "Element '{urn:x}name': ..." (streaming messages name the element; the node itself is not known)
_ELEMENT_NAME = re.compile(r"^Element '(?:\{[^}]*\})?([^']*)'")


@dataclass(frozen=True, slots=True)
class XsdViolation:
    """One reason an element is not valid: where in the element, and libxml2's words."""

    path: str  # e.g. "/GetAccountRequest/account/email" (local names; [n] when repeated)
    message: str
    line: int | None = None


class XsdValidator:
    """Validates SOAP body children against every schema of a WSDL, compiled once."""

    def __init__(
        self,
        schema: etree.XMLSchema | None,
        elements: frozenset[str],
        unvalidated: frozenset[str] = frozenset(),
        warnings: Sequence[str] = (),
        patterns: PatternChecker | None = None,
    ) -> None:
        self._schema = schema
        self.elements = elements  # global elements the compiled schema declares
        self._unvalidated = unvalidated  # global elements of documents left out in lenient mode
        self.warnings = list(warnings)
        self.patterns = patterns  # pattern steps libxml2 would backtrack on, matched with RE2 (patterns)
        self._lock = threading.Lock()  # an XMLSchema keeps its error log on the instance

    @classmethod
    def from_definitions(
        cls, definitions: Definitions, extra_schemas: Sequence[etree._Element] = (), *, strict: bool = True
    ) -> XsdValidator:
        """Compile every schema of ``definitions`` plus ``extra_schemas`` into one validator.

        ``strict``: raise a ``LoadError`` (file:line, libxml2's words) when libxml2 refuses the set.
        Lenient: leave out each top-level component libxml2 complains about (a whole document when the
        complaint is about the document itself) and try again, listing what was left out in ``warnings``.
        """
        documents = schema_documents(definitions, extra_schemas)
        moved = plan(documents)  # expensive patterns out of what libxml2 compiles
        patterns = PatternChecker(schema_documents(definitions, extra_schemas), moved) if moved else None
        every_document = list(documents)
        warnings = [repair for document in documents for repair in document.repairs]
        schema: etree.XMLSchema | None = None
        for _ in range(_MAX_ATTEMPTS):
            try:
                schema = compile_schema(documents) if documents else None
                break
            except etree.XMLSchemaParseError as exc:
                complaints = _complaints(exc, documents)
                if strict or not complaints:
                    where, message = (complaints[0][2], complaints[0][3]) if complaints else ("", str(exc))
                    if strict:
                        raise LoadError(
                            f"libxml2 refuses the XML Schema: {message}",
                            where=where or None,
                            hint="fix the schema; the mock can still serve it unvalidated (lenient mode)",
                        ) from None
                    break  # nothing to blame: validate nothing rather than refuse to serve
                _leave_out(complaints, documents, warnings)
        else:
            documents = []
        if schema is None and documents:
            warnings.append("libxml2 refuses the schemas; messages are not validated")
        compiled = documents if schema is not None else []
        elements: set[str] = set().union(*(global_elements(document) for document in compiled))
        unvalidated: set[str] = set().union(*(document.left_out for document in every_document))
        return cls(schema, frozenset(elements), frozenset(unvalidated - elements), warnings, patterns)

    def validate(self, element: etree._Element, *, patterns: bool = True) -> list[XsdViolation]:
        """Every violation of ``element`` against its global declaration; [] when valid. Never raises.
        For elements the mock builds itself (bounded by the generation limits); requests use ``check``.
        ``patterns=False``: the moved patterns (``patterns``) are not matched again — for the
        generator's own instances, whose every value under a pattern it has matched already with the
        same RE2 patterns (``nodes.Draw.value``); libxml2 checks everything else."""
        listed, _ = self.check(element, listed=_EVERY, tree_bytes=_EVERY, patterns=patterns)
        return listed

    def check(
        self,
        element: etree._Element,
        *,
        listed: int = DEFAULT_LIMITS.max_violations,
        tree_bytes: int = DEFAULT_LIMITS.max_violation_scan,
        message_length: int = DEFAULT_LIMITS.max_echo_length,
        size: int | None = None,
        patterns: bool = True,
        slow_values: int = DEFAULT_LIMITS.max_slow_pattern_values,
    ) -> tuple[list[XsdViolation], int]:
        """The first ``listed`` violations of ``element`` and how many there are in all; ([], 0) when valid.
        ``tree_bytes``: the size up to which the tree is validated with exact paths (see the module's
        docstring). ``size``: what the caller knows of the element's size, e.g. the request body's length
        (a tree's cost is in its nodes, which its bytes bound); within ``tree_bytes``, the element is not
        serialized only to be measured. ``patterns``: see ``validate``. ``slow_values``: the values under
        patterns left with libxml2 though it backtracks on them (``patterns``) that a request may carry;
        more is one violation, before libxml2 runs (``Limits.max_slow_pattern_values``).
        Never raises: odd input (a foreign node type, a broken tree) must not crash a mock."""
        try:
            if not isinstance(element.tag, str):
                return [XsdViolation("/", "not an element")], 1
            if self._schema is None or element.tag in self._unvalidated:
                return [], 0  # lenient mode: the declaring document could not be compiled
            scan = None
            if (
                patterns and self.patterns is not None
            ):  # before libxml2: a request with too many slow values never reaches it
                slow_limit = slow_values if listed < _EVERY else None
                scan = self.patterns.scan(element, listed, slow_limit=slow_limit)
                if slow_limit is not None and scan.slow_values > slow_limit:
                    return [_too_slow(element, slow_limit, message_length)], 1
            text: bytes | None = None
            if tree_bytes < _EVERY and (size is None or size > tree_bytes):
                text = etree.tostring(element)
                if len(text) <= tree_bytes:
                    text = None
            if text is None:
                with self._lock:
                    valid = self._schema.validate(element)
                    entries, total = ([], 0) if valid else _first_entries(self._schema.error_log, listed)
                found = [_violation(entry, element, message_length) for entry in entries]
                if not valid and not total:
                    found, total = [XsdViolation("/", "invalid")], 1
            else:
                found, total = self._streamed(text, element, listed, message_length)
            if scan is not None and scan.total:
                for finding in scan.findings[: max(0, listed - len(found))]:
                    path = clip(_node_path(finding.node, element), message_length)
                    found.append(XsdViolation(path, _clipped(finding.message, message_length)))
                total += scan.total
            return found, total
        except Exception as exc:  # noqa: BLE001
            return [XsdViolation("/", clip(f"could not be validated: {exc}", message_length))], 1

    def _streamed(
        self, text: bytes, element: etree._Element, listed: int, message_length: int
    ) -> tuple[list[XsdViolation], int]:
        """Validate ``text`` (``element`` serialized) while parsing it: linear, however many violations."""
        assert self._schema is not None
        parser = etree.XMLParser(schema=self._schema, resolve_entities=False, no_network=True, load_dtd=False)
        try:
            etree.fromstring(text, parser=parser)
            return [], 0
        except etree.XMLSyntaxError:
            pass
        entries, total = _first_entries(parser.error_log, listed)
        root = etree.QName(element).localname
        found: list[XsdViolation] = []
        for entry in entries:
            name = _ELEMENT_NAME.match(entry.message or "")
            local = name.group(1) if name else ""
            # the streaming validator does not know the node: where it is, by name only
            path = f"/{root}" if not local or local == root else f"/{root}//{local}"
            found.append(XsdViolation(clip(path, message_length), _message(entry, message_length)))
        return found, total


def _first_entries(log: object, count: int) -> tuple[list[etree._LogEntry], int]:
    """The first ``count`` entries of an lxml error log (a list inside: indexing copies nothing), and its size."""
    entries: Any = log  # lxml's stubs call the logs neither Sized nor indexable; _ListErrorLog is both
    total = len(entries)
    return [entries[index] for index in range(min(count, total))], total


def _violation(entry: etree._LogEntry, element: etree._Element, message_length: int) -> XsdViolation:
    path = clip(_readable_path(entry.path or "", element), message_length)
    return XsdViolation(path, _message(entry, message_length), entry.line or None)


def _too_slow(element: etree._Element, limit: int, message_length: int) -> XsdViolation:
    message = (
        f"more than {limit} values under contract patterns that libxml2 matches by backtracking and "
        "RE2 cannot check exactly; ctk refuses the request rather than spend seconds on it (limit: "
        f"{limit} such values per request, max_slow_pattern_values)"
    )
    return XsdViolation(f"/{etree.QName(element).localname}", clip(message, max(message_length, 256)))


def _message(entry: etree._LogEntry, length: int) -> str:
    """libxml2's message without its element prefix, each quoted value (libxml2 quotes the whole offending
    value, which may be megabytes) and the whole clipped to ``length`` characters."""
    return _clipped(_ELEMENT_PREFIX.sub("", entry.message or "").strip(), length)


def _clipped(message: str, length: int) -> str:
    pieces = message.split("'")  # odd pieces are quoted; splitting is linear, a regex over values need not be
    clipped = (clip(piece, length // 4) if index % 2 else piece for index, piece in enumerate(pieces))
    return clip("'".join(clipped), length)


def _readable_path(path: str, element: etree._Element) -> str:
    """libxml2's node path (prefixes, or ``*`` for default-namespace nodes) as local names with [n]."""
    steps = [step for step in path.split("/") if step]
    node: etree._Element | None = element
    if len(steps) > 1:
        namespaces = {prefix: uri for prefix, uri in element.nsmap.items() if prefix}
        for descendant in element.iter():
            if isinstance(descendant.tag, str):
                namespaces.update({prefix: uri for prefix, uri in descendant.nsmap.items() if prefix})
        try:
            found = element.xpath("./" + "/".join(steps[1:]), namespaces=namespaces)
        except etree.XPathError:
            found = []
        node = found[0] if isinstance(found, list) and found and isinstance(found[0], etree._Element) else None
    if node is None:  # the path could not be followed: drop the prefixes at least
        return "/" + "/".join(_LOCAL_STEP.sub(r"\1", step).rpartition(":")[2] for step in steps)
    return _node_path(node, element)


def _node_path(node: etree._Element | None, element: etree._Element) -> str:
    """``node``'s path from ``element``: local names, [n] where the parent has several of that name."""
    names: list[str] = []
    while node is not None:
        step = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None and node is not element:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                step += f"[{same.index(node) + 1}]"
        names.append(step)
        node = None if node is element else parent
    return "/" + "/".join(reversed(names))


# One complaint: the document, the index of its top-level child at fault (None: the document itself),
# where in the original file, and libxml2's message.
_Complaint = tuple[SchemaDocument, int | None, str, str]


def _complaints(exc: etree.XMLSchemaParseError, documents: list[SchemaDocument]) -> list[_Complaint]:
    by_url = {document.url: document for document in documents}
    complaints: list[_Complaint] = []
    for entry in exc.error_log:
        document = by_url.get(entry.filename or "")
        if document is None:
            continue
        message = _ELEMENT_PREFIX.sub("", entry.message or "").strip() or str(exc)
        index, line = _locate(document, entry.line or 0)
        where = f"{display_name(document.uri)}:{line}" if document.uri and line else document.label
        complaints.append((document, index, where, message))
    return complaints


def _locate(document: SchemaDocument, line: int) -> tuple[int | None, int | None]:
    """The top-level child of ``document`` at ``line`` of its serialized copy, and the original line."""
    try:
        reparsed = etree.fromstring(document.text)
    except etree.XMLSyntaxError:
        return None, None
    origin = None
    for node, original in zip(reparsed.iter(), document.origin_lines, strict=False):
        node_line = source_line(node)
        if node_line is not None and node_line >= line:
            origin = original
            break
    index = None
    for position, child in enumerate(reparsed):
        child_line = source_line(child)
        if child_line is not None and child_line <= line:
            index = position
    if index is not None and is_xsd(reparsed[index], "import"):
        index = None  # an import we wrote: the document as a whole is at fault
    return index, origin


def _leave_out(complaints: list[_Complaint], documents: list[SchemaDocument], warnings: list[str]) -> None:
    """Remove the components complained about (or whole documents) so the rest can compile."""
    by_document: dict[int, tuple[SchemaDocument, set[int | None], list[tuple[str, str]]]] = {}
    for document, index, where, message in complaints:
        entry = by_document.setdefault(id(document), (document, set(), []))
        entry[1].add(index)
        entry[2].append((where, message))
    for document, indexes, places in by_document.values():
        if None in indexes:
            documents.remove(document)
            document.left_out |= global_elements(document)
            warnings.append(f"{document.label}: left out of validation: {places[0][1]}")
            continue
        children = list(document.root)
        for index in sorted(indexes, key=lambda i: -(i or 0)):
            child = children[index or 0]
            kind = etree.QName(child).localname if isinstance(child.tag, str) else "node"
            name = child.get("name", "")
            if kind == "element" and name:
                prefix = f"{{{document.namespace}}}" if document.namespace else ""
                document.left_out.add(f"{prefix}{name}")
            document.root.remove(child)
        for where, message in dict.fromkeys(places):
            warnings.append(f"{where}: left out of validation: {message}")
